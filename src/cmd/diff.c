/* diff.c - `lakehouse diff SCHEMA.TABLE A B` / `diff --all A B`: what changed in a table (or
 * the lake) between two snapshots or tags: row counts from DuckLake's change feed, schema
 * changes, a sample of changed rows (per table, the tables created, dropped, renamed and
 * changed (lake), and the media objects the two states reference differently. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "lake/history.h"
#include "lake/refs.h"
#include "lake/restore.h"
#include <jansson.h>
#include "cmd/cmd.h"
#include "cmd/options.h"

struct diff_opts {
	long sample;
	int json, all;
};
static const struct opt diff_options[] = {
	OPT_FLAG("all", 0, struct diff_opts, all, "every table of the lake instead of one"),
	OPT_LONG("sample", 0, struct diff_opts, sample, 0, LONG_MAX, "N",
		 "changed rows and media objects listed (default 10)"),
	OPT_FLAG("json", 0, struct diff_opts, json, "the whole comparison as one JSON object"),
	OPT_END()};
static const char *const diff_examples[] = {
	"lakehouse diff silver.demo_prices 7 8 --sample 6  # the version demo's bad transform",
	"lakehouse diff gold.coco_train 6 7",
	"lakehouse diff --all 5 6 --json  # every table the gold transform changed",
	NULL};
const struct verb_spec cmd_diff_spec = {
	.name = "diff",
	.usage = "diff SCHEMA.TABLE A B [--sample N] [--json]\n"
		 "diff --all A B [--sample N] [--json]",
	.about = "A and B are snapshot ids or tags. For a table: rows inserted, deleted and updated by the\n"
		 "snapshots after A up to B (DuckLake's change feed), the columns added, dropped or\n"
		 "retyped, and up to N (default 10) changed rows. With --all: every table created, dropped,\n"
		 "renamed or changed in between. Both: the media objects (URIs in *_uri columns) referenced\n"
		 "at B only (added) or at A only (removed), with their bytes and whether each is still in\n"
		 "the bucket (a HEAD); at most N are listed unless --json.\n",
	.options = diff_options,
	.examples = diff_examples};

/* The rows of sql: under key in the JSON document doc, or printed as a table when doc is
 * NULL. */
static int put_query(struct lake *l, const char *sql, json_t *doc, const char *key, struct err *e)
{
	if (!doc)
		return cmd_print_query(l, sql, NULL, 0, OUTPUT_TABLE, e);
	duckdb_result r;
	if (lake_query(l, sql, NULL, 0, &r, e) < 0)
		return -1;
	json_object_set_new(doc, key, output_rows_json(lake_connection(l), &r));
	duckdb_destroy_result(&r);
	return 0;
}

/* The columns the table has at both snapshots, quoted by DuckDB itself, comma separated. */
static int common_columns(struct lake *l, const char *t, long long a, long long b, char *out,
			  size_t n, struct err *e)
{
	char sql[700];
	snprintf(sql, sizeof sql,
		 "SELECT string_agg('\"' || replace(x.column_name, '\"', '\"\"') || '\"', ', ') FROM "
		 "(DESCRIBE SELECT * FROM %s AT (VERSION => %lld)) x JOIN (DESCRIBE SELECT * FROM %s "
		 "AT (VERSION => %lld)) y ON x.column_name = y.column_name",
		 t, a, t, b);
	duckdb_result r;
	if (lake_query(l, sql, NULL, 0, &r, e) < 0)
		return -1;
	char *v = duckdb_value_varchar(&r, 0, 0);
	int rc = v && *v && strlen(v) < n ? 0 : err_set(e, EXIT_FAILED, "no common columns to compare");
	if (rc == 0)
		snprintf(out, n, "%s", v);
	duckdb_free(v);
	duckdb_destroy_result(&r);
	return rc;
}

static int diff_table(struct lake *l, const char *schema, const char *table, long long a,
		      long long b, long sample, json_t *doc, struct err *e)
{
	int rc = lake_check_version(l, schema, table, a, e);
	rc = rc ? rc : lake_check_version(l, schema, table, b, e);
	char sql[2048], t[160];
	snprintf(t, sizeof t, "lake.\"%s\".\"%s\"", schema, table); /* validated identifiers */
	int replaced = 0;
	if (rc == 0) {
		if (doc) {
			char name[140];
			snprintf(name, sizeof name, "%s.%s", schema, table);
			json_object_set_new(doc, "table", json_string(name));
			json_object_set_new(doc, "from", json_integer(a));
			json_object_set_new(doc, "to", json_integer(b));
		} else
			printf("%s.%s, snapshot %lld -> %lld\n\nrows:\n", schema, table, a, b);
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FILTER (WHERE change_type = 'insert') AS inserted, "
			 "count(*) FILTER (WHERE change_type = 'delete') AS deleted, "
			 "count(*) FILTER (WHERE change_type = 'update_postimage') AS updated "
			 "FROM ducklake_table_changes('lake', '%s', '%s', %lld, %lld)",
			 schema, table, a + 1, b);
		if (a == b)
			snprintf(sql, sizeof sql, "SELECT 0 AS inserted, 0 AS deleted, 0 AS updated");
		rc = history_table_replaced(l, schema, table, a, b, &replaced, e);
		struct err feed = {0};
		if (rc == 0 && (replaced || put_query(l, sql, doc, "counts", &feed) < 0)) {
			/* The table was replaced in between (a rollback is a replace): the change feed
			 * only knows the new table, so compare the two states row by row instead. */
			char cols[1024];
			rc = common_columns(l, t, a, b, cols, sizeof cols, e);
			struct buf q = {0};
			if (rc == 0 &&
			    buf_printf(&q,
				       "SELECT (SELECT count(*) FROM (SELECT %s FROM %s AT (VERSION => %lld) "
				       "EXCEPT ALL SELECT %s FROM %s AT (VERSION => %lld))) AS inserted, "
				       "(SELECT count(*) FROM (SELECT %s FROM %s AT (VERSION => %lld) EXCEPT "
				       "ALL SELECT %s FROM %s AT (VERSION => %lld))) AS deleted, NULL AS updated",
				       cols, t, b, cols, t, a, cols, t, a, cols, t, b) < 0)
				rc = err_set(e, EXIT_FAILED, "out of memory");
			if (rc == 0)
				rc = put_query(l, q.data, doc, "counts", e);
			buf_free(&q);
		}
	}
	if (rc == 0) {
		if (!doc)
			printf("\nschema:\n");
		snprintf(sql, sizeof sql,
			 "WITH a AS (SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM %s AT "
			 "(VERSION => %lld))), b AS (SELECT column_name, column_type FROM (DESCRIBE SELECT "
			 "* FROM %s AT (VERSION => %lld))) SELECT coalesce(a.column_name, b.column_name) AS "
			 "\"column\", CASE WHEN a.column_name IS NULL THEN 'added' WHEN b.column_name IS "
			 "NULL THEN 'dropped' ELSE 'retyped' END AS change, a.column_type AS before, "
			 "b.column_type AS after FROM a FULL JOIN b ON a.column_name = b.column_name WHERE "
			 "a.column_name IS NULL OR b.column_name IS NULL OR a.column_type <> b.column_type "
			 "ORDER BY 1",
			 t, a, t, b);
		rc = put_query(l, sql, doc, "schema", e);
	}
	if (doc)
		json_object_set_new(doc, "sample", json_array()); /* replaced below when there is one */
	if (rc == 0 && a < b && replaced) {
		if (!doc)
			printf("\n(the table was replaced in between, e.g. by a rollback: no change feed "
			       "spans both; counts compare rows on the shared columns)\n");
	} else if (rc == 0 && a < b) {
		if (!doc)
			printf("\nsample of changed rows:\n");
		snprintf(sql, sizeof sql,
			 "SELECT * FROM ducklake_table_changes('lake', '%s', '%s', %lld, %lld) ORDER BY "
			 "snapshot_id, rowid, change_type LIMIT %ld",
			 schema, table, a + 1, b, sample);
		struct err ignored = {0};
		put_query(l, sql, doc, "sample", &ignored);
	}
	return rc;
}

/* --all: the comparison rollback plans with, read as "from A to B". */
static const char *lake_change(enum restore_action act)
{
	switch (act) {
	case RESTORE_UNCHANGED: return "unchanged";
	case RESTORE_CONTENT: return "changed";
	case RESTORE_RENAME: return "renamed";
	case RESTORE_RENAME_CONTENT: return "renamed+changed";
	case RESTORE_RECREATE: return "dropped";
	case RESTORE_DROP: return "created";
	case RESTORE_SCHEMA_CREATE: return "schema dropped";
	case RESTORE_SCHEMA_DROP: return "schema created";
	}
	return "?";
}

static int diff_lake(struct lake *l, long long a, long long b, json_t *doc, struct err *e)
{
	struct restore_plan plan;
	if (restore_compare(l, NULL, a, b, &plan, e) < 0)
		return -1;
	json_t *arr = json_array();
	if (!doc)
		printf("the lake, snapshot %lld -> %lld: %zu table or schema change(s)\n", a, b, plan.changes);
	for (size_t i = 0; i < plan.n; i++) {
		const struct restore_step *st = &plan.steps[i];
		const char *at_a = st->name_at[0] ? st->name_at : "", *at_b = st->name_now;
		if (doc) {
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "change",
							     lake_change(st->action), "schema", st->schema,
							     "name_a", at_a, "name_b", at_b, "rows_a",
							     (json_int_t)st->rows_at, "rows_b",
							     (json_int_t)st->rows_now));
			continue;
		}
		if (st->action == RESTORE_SCHEMA_CREATE || st->action == RESTORE_SCHEMA_DROP) {
			printf("  %-16s %s\n", lake_change(st->action), st->schema);
			continue;
		}
		printf("  %-16s %s.%s", lake_change(st->action), st->schema, at_a[0] ? at_a : at_b);
		if (st->action == RESTORE_RENAME || st->action == RESTORE_RENAME_CONTENT)
			printf(" -> %s", at_b);
		if (st->rows_at >= 0 && st->rows_now >= 0)
			printf("  rows %lld -> %lld", (long long)st->rows_at, (long long)st->rows_now);
		else if (st->rows_at >= 0 || st->rows_now >= 0)
			printf("  rows %lld", (long long)(st->rows_at >= 0 ? st->rows_at : st->rows_now));
		putchar('\n');
	}
	if (doc) {
		json_object_set_new(doc, "from", json_integer(a));
		json_object_set_new(doc, "to", json_integer(b));
		json_object_set_new(doc, "tables", arr);
	} else {
		json_decref(arr);
	}
	restore_plan_free(&plan);
	return 0;
}

/* The media objects the two states reference differently (both modes). */
static int diff_media(struct lake *l, const char *schema, const char *table, long long a,
		      long long b, long sample, json_t *doc, struct err *e)
{
	struct refs_diff d;
	if (refs_diff(l, schema, table, a, b, &d, e) < 0)
		return -1;
	if (doc) {
		json_t *objs = json_array();
		for (size_t i = 0; i < d.n; i++)
			json_array_append_new(objs, json_pack("{s:s, s:s, s:o, s:I}", "uri", d.items[i].uri,
							      "change", d.items[i].added ? "added" : "removed",
							      "in_bucket", d.items[i].exists < 0 ? json_null()
							      : json_boolean(d.items[i].exists),
							      "bytes", (json_int_t)d.items[i].bytes));
		json_t *m = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "added", (json_int_t)d.added,
				      "removed", (json_int_t)d.removed, "added_bytes",
				      (json_int_t)d.added_bytes, "removed_bytes", (json_int_t)d.removed_bytes,
				      "not_in_bucket", (json_int_t)d.missing, "objects", objs);
		json_object_set_new(doc, "media", m);
	} else {
		printf("\nmedia (URIs in *_uri columns): %lld added (%lld bytes), %lld removed (%lld "
		       "bytes); %lld of them no longer in the bucket\n",
		       (long long)d.added, (long long)d.added_bytes, (long long)d.removed,
		       (long long)d.removed_bytes, (long long)d.missing);
		for (size_t i = 0; i < d.n && i < (size_t)sample; i++) {
			const struct refs_change *c = &d.items[i];
			printf("  %-7s %s  %s\n", c->added ? "added" : "removed", c->uri,
			       c->exists < 0	? "(not in the lake's bucket)"
			       : c->exists	? "in bucket"
					: "NOT in bucket (collected or lost)");
			if (c->exists > 0)
				printf("          %lld bytes\n", (long long)c->bytes);
		}
		if (d.n > (size_t)sample)
			printf("  ... %zu more (--sample N or --json lists them)\n", d.n - (size_t)sample);
	}
	refs_diff_free(&d);
	return 0;
}

int cmd_diff(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct diff_opts o = {.sample = 10};
	int first, parsed = opts_parse(&cmd_diff_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	long sample = o.sample;
	int json = o.json, all = o.all;
	if (argc - first != (all ? 2 : 3))
		return cmd_usage_error(e, "diff", "give SCHEMA.TABLE (or --all) and two snapshots or tags");
	char schema[64], table[64];
	if (!all && lake_parse_table(argv[first++], schema, table, e) < 0)
		return -1;
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_READ, e) < 0)
		return -1;
	int64_t a = 0, b = 0;
	int rc = lake_pin(l, &(struct lake_ref){.version = argv[first]}, &a, e);
	if (rc == 0 && !all) /* a table missing at A is the first thing to say */
		rc = lake_check_version(l, schema, table, a, e);
	rc = rc ? rc : lake_pin(l, &(struct lake_ref){.version = argv[first + 1]}, &b, e);
	if (rc == 0 && b < a)
		rc = err_set(e, EXIT_USAGE, "snapshot B (%lld) must not be older than A (%lld); swap them",
			     (long long)b, (long long)a);
	json_t *doc = json ? json_object() : NULL;
	if (rc == 0)
		rc = all ? diff_lake(l, a, b, doc, e) : diff_table(l, schema, table, a, b, sample, doc, e);
	if (rc == 0)
		rc = diff_media(l, all ? NULL : schema, all ? NULL : table, a, b, sample, doc, e);
	if (doc && rc == 0)
		output_json(stdout, json_incref(doc));
	json_decref(doc);
	lake_close(l);
	return rc;
}
