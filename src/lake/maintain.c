/* maintain.c - compaction and snapshot expiry; see maintain.h. */
#include "lake/maintain.h"

#include <string.h>

#include "lake/history.h"

struct compact {
	const char *author;
	const char *schema, *table; /* NULL: every table */
	struct compact_result *res;
};

/* Adds up column col (BIGINT) over the rows of r. */
static int64_t column_sum(duckdb_result *r, idx_t col)
{
	int64_t sum = 0;
	for (idx_t i = 0; i < duckdb_row_count(r); i++)
		sum += duckdb_value_int64(r, col, i);
	return sum;
}

/* One of compaction's first three steps: DuckLake's function on one table or on all, the
 * parameters in the order it takes them, and the commit message of its snapshot. */
struct compact_step {
	const char *one, *all; /* the query for one table ($1, $2) and for every table */
	int table_first;       /* $1 is the table, $2 the schema (else the other way round) */
	const char *message;
};

static const struct compact_step flush = {
	"SELECT rows_flushed FROM ducklake_flush_inlined_data('lake', schema_name => $1, "
	"table_name => $2)",
	"SELECT rows_flushed FROM ducklake_flush_inlined_data('lake')", 0,
	"compact: inlined rows written to Parquet"};
/* Files with deletes: rewritten without the deleted rows (only in an explicit transaction:
 * in autocommit DuckLake 1.5.5 fails with "Scanning a DuckLake table after the transaction
 * has ended"). Small rewritten files are merged by the next step. */
static const struct compact_step rewrite = {
	"SELECT files_processed FROM ducklake_rewrite_data_files('lake', $1, schema => $2, "
	"delete_threshold => 0)",
	"SELECT files_processed FROM ducklake_rewrite_data_files('lake', delete_threshold => 0)", 1,
	"compact: files with deletes rewritten"};
static const struct compact_step merge = {
	"SELECT files_processed, files_created FROM ducklake_merge_adjacent_files('lake', $1, "
	"schema => $2)",
	"SELECT files_processed, files_created FROM ducklake_merge_adjacent_files('lake')", 1,
	"compact: adjacent data files merged"};

struct step_run {
	const struct compact *c;
	const struct compact_step *step;
	int64_t *first, *second; /* the sums of the result's columns 0 and 1 (second may be NULL) */
};

/* The transaction body of one step: 1 (no snapshot) when it had nothing to do. */
static int step_body(struct lake *l, void *ctx, struct err *e)
{
	struct step_run *run = ctx;
	const struct compact *c = run->c;
	const char *p[] = {run->step->table_first ? c->table : c->schema,
			   run->step->table_first ? c->schema : c->table};
	duckdb_result r;
	if (lake_query(l, c->table ? run->step->one : run->step->all, p, c->table ? 2 : 0, &r, e) < 0)
		return -1;
	*run->first = column_sum(&r, 0);
	if (run->second)
		*run->second = column_sum(&r, 1);
	duckdb_destroy_result(&r);
	if (*run->first == 0)
		return 1;
	return lake_set_commit_message(l, c->author, run->step->message, e);
}

static int run_step(struct lake *l, const struct compact *c, const struct compact_step *step,
		    int64_t *first, int64_t *second, struct err *e)
{
	struct step_run run = {.c = c, .step = step, .first = first, .second = second};
	return lake_in_transaction(l, step_body, &run, e) < 0 ? -1 : 0;
}

/* Data files the current snapshot reads (of one table, or of all). */
static int live_files(struct lake *l, const struct compact *c, int64_t *n, struct err *e)
{
	const char *p[] = {c->schema, c->table};
	return lake_query_int64(
		l,
		c->table ? "SELECT coalesce(sum(i.file_count), 0) FROM ducklake_table_info('lake') i "
			   "JOIN " LAKE_META "ducklake_schema s ON s.schema_id = i.schema_id "
			   "AND s.end_snapshot IS NULL WHERE s.schema_name = $1 AND i.table_name = $2"
			 : "SELECT coalesce(sum(file_count), 0) FROM ducklake_table_info('lake')",
		p, c->table ? 2 : 0, n, e);
}

int lake_compact(struct lake *l, const char *schema, const char *table, struct compact_result *res,
		 struct err *e)
{
	memset(res, 0, sizeof *res);
	struct compact c = {.author = lake_config(l)->author, .schema = schema, .table = table,
			    .res = res};
	int exists = 1;
	int rc = table ? lake_table_exists(l, schema, table, &exists, e) : 0;
	if (rc == 0 && !exists)
		return lake_missing_table(l, schema, table, e);
	rc = rc ? rc : live_files(l, &c, &res->files_before, e);
	rc = rc ? rc : run_step(l, &c, &flush, &res->flushed, NULL, e);
	rc = rc ? rc : run_step(l, &c, &rewrite, &res->rewritten_from, NULL, e);
	rc = rc ? rc : run_step(l, &c, &merge, &res->merged_from, &res->merged_into, e);
	rc = rc ? rc : lake_query_int64(l, "SELECT count(*) FROM ducklake_cleanup_old_files('lake', "
				       "cleanup_all => true)", NULL, 0, &res->files_deleted, e);
	return rc ? rc : live_files(l, &c, &res->files_after, e);
}

int lake_expire(struct lake *l, const struct expire_request *rq, struct expire_result *res,
		struct err *e)
{
	memset(res, 0, sizeof *res);
	if (history_pick_expiry(l, rq->keep, rq->older, &res->n, e) < 0 ||
	    history_tagged_snapshots(l, &res->kept_tagged, e) < 0)
		return -1;
	if (res->n == 0)
		return 0;
	int rc = rq->yes ? history_expiry_guard_begin(l, e) : 0;
	rc = rc ? rc : lake_query(l,
			rq->yes ? "SELECT snapshot_id, commit_message FROM ducklake_expire_snapshots('lake', "
				  "versions => getvariable('lh_expire'), dry_run => false)"
				: "SELECT snapshot_id, commit_message FROM ducklake_expire_snapshots('lake', "
				  "versions => getvariable('lh_expire'), dry_run => true)",
			NULL, 0, &res->expired, e);
	if (rc < 0) {
		duckdb_destroy_result(&res->kept_tagged);
		return -1;
	}
	int64_t changed = 0, doomed = 0;
	if (rq->yes)
		rc = history_expiry_guard_check(l, &changed, &doomed, e);
	if (rc == 0 && (changed || doomed))
		/* the catalog lost part of a live or tagged state: keep every file, so that a
		 * catalog backup restores it completely */
		rc = err_set(e, EXIT_FAILED,
			     "expiry changed what the newest or a tagged snapshot reads (%lld table "
			     "records differ, %lld of their files were scheduled for deletion): no file "
			     "was deleted; restore the catalog from a backup and report this DuckLake bug",
			     (long long)changed, (long long)doomed);
	if (rc == 0 && rq->yes)
		rc = history_cleanup_files(l, 0, &res->files_deleted, e);
	if (rc < 0)
		lake_expire_result_free(res);
	return rc;
}

void lake_expire_result_free(struct expire_result *res)
{
	duckdb_destroy_result(&res->kept_tagged);
	if (res->n > 0)
		duckdb_destroy_result(&res->expired);
	memset(res, 0, sizeof *res);
}
