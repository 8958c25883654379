/* compact.c - `lakehouse compact [TABLE] [--json]`: small-file compaction for tables fed by
 * many small commits.
 * Four DuckLake steps, the first three each its own snapshot (DuckLake refuses changes and
 * compaction in one transaction):
 *   1. ducklake_flush_inlined_data: rows (and deletes) inlined into the catalog by commits
 *      of <= 10 rows are written out to Parquet, so the catalog stops growing with them;
 *   2. ducklake_rewrite_data_files (any file with deletes): its live rows go to a new file;
 *      the old file stays for the snapshots that still read it, until they are expired;
 *   3. ducklake_merge_adjacent_files: adjacent small files become one; the merged file keeps
 *      each row's snapshot range, so time travel to every retained snapshot stays exact;
 *   4. ducklake_cleanup_old_files: the replaced files are deleted (DuckLake schedules a file
 *      for deletion only once no retained snapshot reads it).
 * Without TABLE, every table of the lake. */
#include <stdio.h>

#include "lake/lake.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct compact_opts {
	int json;
};
static const struct opt compact_options[] = {
	OPT_FLAG("json", 0, struct compact_opts, json, "the counts as JSON"),
	OPT_END()};
const struct verb_spec cmd_compact_spec = {
	.name = "compact",
	.usage = "compact [SCHEMA.TABLE] [--json]",
	.about = "Compacts a table fed by many small commits (all tables without SCHEMA.TABLE): writes rows\n"
		 "inlined in the catalog out to Parquet, rewrites files that have deleted rows, merges\n"
		 "adjacent small data files into larger ones, then deletes the replaced files no retained\n"
		 "snapshot reads (rewritten files stay until `lakehouse expire`). Time travel to every\n"
		 "retained snapshot keeps working: a merged file remembers which snapshot added each row.\n"
		 "Each step is its own snapshot.\n",
	.options = compact_options};

struct compact {
	const struct config *cfg;
	const char *schema, *table; /* NULL: every table */
	int64_t flushed, rewritten_from, merged_from, merged_into;
};

/* Adds up column col (BIGINT) over the rows of r. */
static int64_t column_sum(duckdb_result *r, idx_t col)
{
	int64_t sum = 0;
	for (idx_t i = 0; i < duckdb_row_count(r); i++)
		sum += duckdb_value_int64(r, col, i);
	return sum;
}

static int flush_body(struct lake *l, void *ctx, struct err *e)
{
	struct compact *c = ctx;
	const char *p[] = {c->schema, c->table};
	duckdb_result r;
	if (lake_query(l,
		       c->table ? "SELECT rows_flushed FROM ducklake_flush_inlined_data('lake', "
				  "schema_name => $1, table_name => $2)"
				: "SELECT rows_flushed FROM ducklake_flush_inlined_data('lake')",
		       p, c->table ? 2 : 0, &r, e) < 0)
		return -1;
	c->flushed = column_sum(&r, 0);
	duckdb_destroy_result(&r);
	if (c->flushed == 0)
		return 1;
	return lake_set_commit_message(l, c->cfg->author, "compact: inlined rows written to Parquet", e);
}

/* Files with deletes: rewritten without the deleted rows (only in an explicit transaction:
 * in autocommit DuckLake 1.5.5 fails with "Scanning a DuckLake table after the transaction
 * has ended"). Small rewritten files are merged by the next step. */
static int rewrite_body(struct lake *l, void *ctx, struct err *e)
{
	struct compact *c = ctx;
	const char *p[] = {c->table, c->schema};
	duckdb_result r;
	if (lake_query(l,
		       c->table ? "SELECT files_processed FROM ducklake_rewrite_data_files('lake', $1, "
				  "schema => $2, delete_threshold => 0)"
				: "SELECT files_processed FROM ducklake_rewrite_data_files('lake', "
				  "delete_threshold => 0)",
		       p, c->table ? 2 : 0, &r, e) < 0)
		return -1;
	c->rewritten_from = column_sum(&r, 0);
	duckdb_destroy_result(&r);
	if (c->rewritten_from == 0)
		return 1;
	return lake_set_commit_message(l, c->cfg->author, "compact: files with deletes rewritten", e);
}

static int merge_body(struct lake *l, void *ctx, struct err *e)
{
	struct compact *c = ctx;
	const char *p[] = {c->table, c->schema};
	duckdb_result r;
	if (lake_query(l,
		       c->table ? "SELECT files_processed, files_created FROM "
				  "ducklake_merge_adjacent_files('lake', $1, schema => $2)"
				: "SELECT files_processed, files_created FROM "
				  "ducklake_merge_adjacent_files('lake')",
		       p, c->table ? 2 : 0, &r, e) < 0)
		return -1;
	c->merged_from = column_sum(&r, 0);
	c->merged_into = column_sum(&r, 1);
	duckdb_destroy_result(&r);
	if (c->merged_from == 0)
		return 1;
	return lake_set_commit_message(l, c->cfg->author, "compact: adjacent data files merged", e);
}

/* Data files the current snapshot reads (of one table, or of all). */
static int live_files(struct lake *l, const struct compact *c, int64_t *n, struct err *e)
{
	const char *p[] = {c->schema, c->table};
	return lake_query_int64(
		l,
		c->table ? "SELECT coalesce(sum(i.file_count), 0) FROM ducklake_table_info('lake') i "
			   "JOIN __ducklake_metadata_lake.ducklake_schema s ON s.schema_id = i.schema_id "
			   "AND s.end_snapshot IS NULL WHERE s.schema_name = $1 AND i.table_name = $2"
			 : "SELECT coalesce(sum(file_count), 0) FROM ducklake_table_info('lake')",
		p, c->table ? 2 : 0, n, e);
}

int cmd_compact(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct compact_opts o = {0};
	int first, parsed = opts_parse(&cmd_compact_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	int json = o.json;
	if (argc - first > 1)
		return cmd_usage_error(e, "compact", "give at most one table");
	struct compact c = {.cfg = cfg};
	char schema[64], table[64];
	if (first < argc) {
		if (lake_parse_table(argv[first], schema, table, e) < 0)
			return -1;
		c.schema = schema;
		c.table = table;
	}
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	int exists = 1;
	int64_t before = 0, after = 0, deleted = 0;
	int rc = c.table ? lake_table_exists(l, schema, table, &exists, e) : 0;
	if (rc == 0 && !exists)
		rc = err_set(e, EXIT_USAGE, "no table %s.%s in the lake; `lakehouse show` lists them",
			     schema, table);
	rc = rc ? rc : live_files(l, &c, &before, e);
	rc = rc ? rc : lake_in_transaction(l, flush_body, &c, e) < 0 ? -1 : 0;
	rc = rc ? rc : lake_in_transaction(l, rewrite_body, &c, e) < 0 ? -1 : 0;
	rc = rc ? rc : lake_in_transaction(l, merge_body, &c, e) < 0 ? -1 : 0;
	rc = rc ? rc : lake_query_int64(l, "SELECT count(*) FROM ducklake_cleanup_old_files('lake', "
					"cleanup_all => true)", NULL, 0, &deleted, e);
	rc = rc ? rc : live_files(l, &c, &after, e);
	if (rc == 0 && json)
		printf("{\"table\": %s%s%s%s%s, \"rows_flushed\": %lld, \"files_rewritten\": %lld, \"files_merged\": %lld, "
		       "\"files_created\": %lld, \"data_files_before\": %lld, \"data_files_after\": %lld, "
		       "\"files_deleted\": %lld}\n",
		       c.table ? "\"" : "null", c.table ? schema : "", c.table ? "." : "",
		       c.table ? table : "", c.table ? "\"" : "", (long long)c.flushed,
		       (long long)c.rewritten_from, (long long)c.merged_from, (long long)c.merged_into, (long long)before,
		       (long long)after, (long long)deleted);
	else if (rc == 0)
		printf("compacted %s%s%s: %lld inlined rows written out, %lld files with deletes "
		       "rewritten, %lld data files merged into %lld; data files %lld -> %lld; %lld replaced files deleted\n",
		       c.table ? schema : "all tables", c.table ? "." : "", c.table ? table : "",
		       (long long)c.flushed, (long long)c.rewritten_from, (long long)c.merged_from,
		       (long long)c.merged_into,
		       (long long)before, (long long)after, (long long)deleted);
	lake_close(l);
	return rc;
}
