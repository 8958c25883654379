/* gc.c - `lakehouse gc [--yes] [--min-age SECONDS]`: deletes what no retained snapshot needs:
 * DuckLake's data files scheduled for deletion, and media objects under assets/ that no
 * *_uri column of any table at any retained snapshot points to. Reachability comes from the
 * catalog, never from timestamps alone; --min-age (default 3600 s) only protects objects an
 * ingest may have uploaded but not yet committed. A dry run unless --yes. */
#define _GNU_SOURCE
#include <getopt.h>
#include <search.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "lake/lake.h"
#include "store/s3.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse gc [--yes] [--min-age SECONDS] [--json]\n\n"
	"Deletes media objects under assets/ that no retained snapshot references (any column\n"
	"named *_uri, in any table, at any snapshot still in the lake), and DuckLake data files\n"
	"scheduled for deletion. Dry run unless --yes. Objects younger than --min-age (default\n"
	"3600) are kept: an ingest uploads objects before it commits their rows.\n";

struct gc {
	void *refs; /* tsearch set of referenced URIs */
	int64_t refs_n;
	const struct config *cfg;
	struct s3 *s3;
	int yes, json;
	long min_age;
	time_t now;
	int64_t seen, unreferenced, young, bytes, deleted;
	struct err failure;
};

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Collects the URIs every retained snapshot's *_uri columns hold. A snapshot that inserted
 * nothing into a table holds a subset of the rows the table had one snapshot earlier, so
 * when the retained snapshots form one unbroken run (expire --keep / --older-than leave
 * that), each table and column is read only at its first retained snapshot and at the
 * snapshots that inserted into it: the cost follows the inserts, not snapshots x data. With
 * gaps (snapshots expired from the middle) every retained snapshot is read. */
static int collect_refs(struct lake *l, struct gc *g, struct err *e)
{
	duckdb_result cols;
	if (lake_query(l,
		       "SELECT snapshot_id, schema_name, table_name, column_name, column_type FROM ("
		       "SELECT s.snapshot_id, sc.schema_name, t.table_name, c.column_name, c.column_type, "
		       " t.table_id, ch.changes_made, min(s.snapshot_id) OVER (PARTITION BY t.table_id, "
		       " c.column_id) AS first_seen "
		       "FROM lake.snapshots() s "
		       "LEFT JOIN __ducklake_metadata_lake.ducklake_snapshot_changes ch "
		       " ON ch.snapshot_id = s.snapshot_id "
		       "JOIN __ducklake_metadata_lake.ducklake_table t ON t.begin_snapshot <= s.snapshot_id "
		       " AND (t.end_snapshot IS NULL OR t.end_snapshot > s.snapshot_id) "
		       "JOIN __ducklake_metadata_lake.ducklake_schema sc ON sc.schema_id = t.schema_id "
		       " AND sc.begin_snapshot <= s.snapshot_id AND (sc.end_snapshot IS NULL OR "
		       " sc.end_snapshot > s.snapshot_id) "
		       "JOIN __ducklake_metadata_lake.ducklake_column c ON c.table_id = t.table_id "
		       " AND c.begin_snapshot <= s.snapshot_id AND (c.end_snapshot IS NULL OR "
		       " c.end_snapshot > s.snapshot_id) AND c.parent_column IS NULL "
		       "WHERE c.column_name LIKE '%\\_uri' ESCAPE '\\' AND c.column_type IN ('varchar', 'list')) "
		       "WHERE snapshot_id = first_seen "
		       " OR regexp_matches(coalesce(changes_made, ''), "
		       "  '(^|,)(inserted_into_table|inlined_insert):' || table_id || '(,|$)') "
		       " OR (SELECT count(*) <> max(snapshot_id) - min(snapshot_id) + 1 FROM lake.snapshots())",
		       NULL, 0, &cols, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&cols); i++) {
		char *schema = duckdb_value_varchar(&cols, 1, i), *table = duckdb_value_varchar(&cols, 2, i);
		char *col = duckdb_value_varchar(&cols, 3, i), *type = duckdb_value_varchar(&cols, 4, i);
		char qs[200], qt[200], qc[200], sql[1024];
		lake_quote_ident(schema, qs, sizeof qs);
		lake_quote_ident(table, qt, sizeof qt);
		lake_quote_ident(col, qc, sizeof qc);
		snprintf(sql, sizeof sql, "SELECT DISTINCT %s%s%s FROM lake.%s.%s AT (VERSION => %lld)",
			 strcmp(type, "list") == 0 ? "unnest(" : "", qc, strcmp(type, "list") == 0 ? ")" : "",
			 qs, qt, (long long)duckdb_value_int64(&cols, 0, i));
		duckdb_result r;
		rc = lake_query(l, sql, NULL, 0, &r, e);
		for (idx_t k = 0; rc == 0 && k < duckdb_row_count(&r); k++) {
			char *uri = duckdb_value_varchar(&r, 0, k);
			if (uri && !tfind(uri, &g->refs, cmp)) {
				char *copy = strdup(uri);
				if (!copy || !tsearch(copy, &g->refs, cmp))
					rc = err_set(e, 0, "out of memory");
				g->refs_n++;
			}
			duckdb_free(uri);
		}
		if (rc == 0)
			duckdb_destroy_result(&r);
		duckdb_free(schema), duckdb_free(table), duckdb_free(col), duckdb_free(type);
	}
	duckdb_destroy_result(&cols);
	return rc;
}

static time_t parse_time(const char *iso) /* 2026-11-25T16:45:08Z or with fraction */
{
	struct tm tm = {0};
	if (!strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

static int on_object(const struct s3_object *o, void *ud)
{
	struct gc *g = ud;
	char uri[1200];
	g->seen++;
	snprintf(uri, sizeof uri, "s3://%s/%s", g->cfg->bucket, o->key);
	if (tfind(uri, &g->refs, cmp))
		return 0;
	time_t t = parse_time(o->last_modified);
	if (!t || g->now - t < g->min_age) {
		g->young++;
		return 0;
	}
	g->unreferenced++;
	g->bytes += o->size;
	if (!g->json)
		printf("%s %s (%lld bytes)\n", g->yes ? "delete" : "would delete", o->key,
		       (long long)o->size);
	if (g->yes) {
		if (s3_delete(g->s3, o->key, &g->failure) < 0)
			return 1; /* stop: s3_list returns 0, the failure is reported after */
		g->deleted++;
	}
	return 0;
}

int cmd_gc(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
						 {"yes", no_argument, NULL, 'y'},
						 {"min-age", required_argument, NULL, 'a'},
						 {"json", no_argument, NULL, 'j'},
						 {0}};
	struct gc g = {.cfg = cfg, .min_age = 3600, .now = time(NULL)};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (opt == 'y')
			g.yes = 1;
		else if (opt == 'j')
			g.json = 1;
		else if (opt != 'a')
			return cmd_usage_error(e, "gc", "unknown option");
		else if (cmd_parse_long("gc", "--min-age (seconds)", optarg, 0, LONG_MAX / 2, &g.min_age, e) < 0)
			return -1;
	}
	if (optind != argc)
		return cmd_usage_error(e, "gc", "unexpected argument '%s'", argv[optind]);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	int64_t files = 0;
	int rc = lake_query_int64(l,
				  g.yes ? "SELECT count(*) FROM ducklake_cleanup_old_files('lake', cleanup_all => true)"
					: "SELECT count(*) FROM ducklake_cleanup_old_files('lake', cleanup_all => true, dry_run => true)",
				  NULL, 0, &files, e);
	rc = rc ? rc : collect_refs(l, &g, e);
	lake_close(l);
	if (rc == 0 && !(g.s3 = s3_new(cfg, e)))
		rc = -1;
	if (rc == 0)
		rc = s3_list(g.s3, "assets/", on_object, &g, e);
	if (rc == 0 && g.failure.code) {
		*e = g.failure;
		rc = -1;
	}
	if (rc == 0 && g.json)
		printf("{\"dry_run\": %s, \"data_files\": %lld, \"objects\": %lld, \"referenced_uris\": "
		       "%lld, \"unreferenced\": %lld, \"unreferenced_bytes\": %lld, \"deleted\": %lld, "
		       "\"too_young\": %lld}\n",
		       g.yes ? "false" : "true", (long long)files, (long long)g.seen, (long long)g.refs_n,
		       (long long)g.unreferenced, (long long)g.bytes, (long long)g.deleted,
		       (long long)g.young);
	else if (rc == 0)
		printf("%s %lld data files; media: %lld objects, %lld referenced URIs, %lld unreferenced "
		       "(%lld bytes) %s, %lld too young to judge\n",
		       g.yes ? "deleted" : "would delete", (long long)files, (long long)g.seen,
		       (long long)g.refs_n, (long long)g.unreferenced, (long long)g.bytes,
		       g.yes ? "deleted" : "to delete (dry run; --yes to do it)", (long long)g.young);
	s3_free(g.s3);
	tdestroy(g.refs, free);
	return rc;
}
