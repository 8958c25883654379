/* test_lake.c - lake/ on a real DuckLake over a real S3 server: snapshot references (ids,
 * tags, times, and every way of getting one wrong), the restore planner and comparison, the
 * media references of retained snapshots, the table inventory, and the re-split's parser. One
 * small history is built once (setup) and read by every case:
 *
 *   s1  CREATE raw.a (3 rows, image_uri)        tag "first"
 *   s2  INSERT raw.a (1 row)
 *   s3  CREATE raw.b
 *   s4  CREATE raw.c, then (s5) RENAME raw.c TO d
 *   s6  DELETE FROM raw.a WHERE id = 1
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "lake/catalog.h"
#include "lake/history.h"
#include "lake/lake.h"
#include "lake/refs.h"
#include "lake/restore.h"
#include "lake/transform.h"

static struct config cfg;
static struct lake *lake;
static int64_t snap_first, snap_insert, snap_b, snap_rename, snap_delete;
static char time_of_insert[64];

static int64_t run(const char *sql)
{
	struct err e = {0};
	int64_t id = -1;
	if (lake_exec(lake, sql, &e) < 0 || lake_current_snapshot(lake, &id, &e) < 0) {
		fprintf(stderr, "%s: %s\n", sql, e.msg);
		return -1;
	}
	return id;
}

static int setup(void **state)
{
	(void)state;
	if (test_server_start(&cfg) < 0)
		return -1;
	if (snprintf(cfg.catalog, sizeof cfg.catalog, "%.900s/catalog.ducklake", cfg.data_dir) < 0 ||
	    snprintf(cfg.local_store, sizeof cfg.local_store, "%.900s/local", cfg.data_dir) < 0)
		return -1;
	struct err e = {0};
	if (lake_open(&lake, &cfg, LAKE_CREATE, &e) < 0)
		return fprintf(stderr, "lake_open: %s\n", e.msg), -1;
	snap_first = run("CREATE TABLE raw.a AS SELECT range AS id, 's3://elsewhere/img' || range || "
			 "'.jpg' AS image_uri FROM range(3)");
	struct tag_request tag = {.name = "first", .snapshot = snap_first, .author = "test"};
	if (snap_first < 0 || history_tag_set(lake, &tag, &e) < 0)
		return fprintf(stderr, "tag: %s\n", e.msg), -1;
	snap_insert = run("INSERT INTO raw.a VALUES (7, 's3://elsewhere/img7.jpg')");
	snap_b = run("CREATE TABLE raw.b AS SELECT 1 AS x");
	run("CREATE TABLE raw.c AS SELECT 2 AS y");
	snap_rename = run("ALTER TABLE raw.c RENAME TO d");
	snap_delete = run("DELETE FROM raw.a WHERE id = 1");
	duckdb_result r;
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)snap_insert);
	const char *p[] = {id};
	if (lake_query(lake, "SELECT strftime(snapshot_time, '%Y-%m-%d %H:%M:%S.%f+00') FROM "
			     "lake.snapshots() WHERE snapshot_id = $1::BIGINT", p, 1, &r, &e) < 0)
		return fprintf(stderr, "time: %s\n", e.msg), -1;
	char *t = duckdb_value_varchar(&r, 0, 0);
	snprintf(time_of_insert, sizeof time_of_insert, "%s", t ? t : "");
	duckdb_free(t);
	duckdb_destroy_result(&r);
	return snap_delete > snap_rename && snap_rename > snap_b && snap_b > snap_insert &&
			       snap_insert > snap_first
		       ? 0
		       : -1;
}

static int teardown(void **state)
{
	(void)state;
	lake_close(lake);
	test_server_stop(&cfg);
	return 0;
}

static int64_t pin(const char *version, const char *time, struct err *e)
{
	int64_t s = -42;
	struct lake_ref ref = {.version = version, .time = time};
	return lake_pin(lake, &ref, &s, e) < 0 ? -1 : s;
}

static void test_pin_takes_an_id_a_tag_a_time_or_nothing(void **state)
{
	(void)state;
	struct err e = {0};
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)snap_b);
	assert_int_equal(pin(id, NULL, &e), snap_b);
	assert_int_equal(pin("first", NULL, &e), snap_first);
	assert_int_equal(pin(NULL, time_of_insert, &e), snap_insert); /* at a commit's own time */
	assert_int_equal(pin(NULL, NULL, &e), snap_delete);           /* nothing: the newest */
	assert_int_equal(pin(NULL, "2999-01-01 00:00:00", &e), snap_delete);
}

static void test_pin_refuses_what_names_no_snapshot(void **state)
{
	(void)state;
	struct err e = {0};
	assert_int_equal(pin("999", NULL, &e), -1); /* past the newest */
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, "999"));
	memset(&e, 0, sizeof e);
	assert_int_equal(pin("nosuchtag", NULL, &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, "no tag named 'nosuchtag'"));
	memset(&e, 0, sizeof e);
	assert_int_equal(pin("bad name!", NULL, &e), -1); /* neither an id nor a tag name */
	assert_int_equal(e.code, EXIT_USAGE);
	memset(&e, 0, sizeof e);
	assert_int_equal(pin(NULL, "yesterday-ish", &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, "not a timestamp"));
	memset(&e, 0, sizeof e);
	assert_int_equal(pin(NULL, "2000-01-01 00:00:00+00", &e), -1); /* before the lake */
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, "earliest valid time"));
	memset(&e, 0, sizeof e);
	assert_int_equal(pin("first", time_of_insert, &e), -1); /* one reference, not two */
	assert_int_equal(e.code, EXIT_USAGE);
}

static const struct restore_step *step_for(const struct restore_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->steps[i].name_now, name) == 0 || strcmp(p->steps[i].name_at, name) == 0)
			return &p->steps[i];
	return NULL;
}

static void test_restore_plan_to_the_first_snapshot(void **state)
{
	(void)state;
	struct err e = {0};
	struct restore_plan p;
	assert_int_equal(restore_plan(lake, "raw", snap_first, &p, &e), 0);
	assert_int_equal(p.to, snap_first);
	const struct restore_step *a = step_for(&p, "a"), *b = step_for(&p, "b"), *d = step_for(&p, "d");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(d);
	assert_int_equal(a->action, RESTORE_CONTENT); /* a row added, another deleted */
	assert_int_equal(a->rows_at, 3);
	assert_int_equal(a->rows_now, 3);
	assert_int_equal(b->action, RESTORE_DROP); /* created after it */
	assert_int_equal(d->action, RESTORE_DROP);
	assert_int_equal(p.changes, 3);
	restore_plan_free(&p);
}

static void test_restore_plan_names_a_rename_back(void **state)
{
	(void)state;
	struct err e = {0};
	struct restore_plan p;
	assert_int_equal(restore_plan(lake, "raw", snap_rename - 1, &p, &e), 0);
	const struct restore_step *d = step_for(&p, "d");
	assert_non_null(d);
	assert_int_equal(d->action, RESTORE_RENAME);
	assert_string_equal(d->name_now, "d");
	assert_string_equal(d->name_at, "c");
	assert_int_equal(step_for(&p, "b")->action, RESTORE_UNCHANGED);
	restore_plan_free(&p);
}

static void test_restore_compare_between_any_two_snapshots(void **state)
{
	(void)state;
	struct err e = {0};
	struct restore_plan p, same;
	/* from s3 to the insert: raw.b goes, raw.a is unchanged in between (no change from s2 to s3) */
	assert_int_equal(restore_compare(lake, "raw", snap_insert, snap_b, &p, &e), 0);
	assert_int_equal(step_for(&p, "b")->action, RESTORE_DROP);
	assert_int_equal(step_for(&p, "a")->action, RESTORE_UNCHANGED);
	assert_int_equal(p.changes, 1);
	/* a snapshot against itself: nothing to do */
	assert_int_equal(restore_compare(lake, "raw", snap_b, snap_b, &same, &e), 0);
	assert_int_equal(same.changes, 0);
	restore_plan_free(&p);
	restore_plan_free(&same);
	assert_int_equal(restore_plan(lake, "nosuchschema", snap_first, &p, &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
}

static int count_uri(const char *uri, void *ctx)
{
	if (strncmp(uri, "s3://elsewhere/img", 18) == 0)
		(*(int *)ctx)++;
	return 0;
}

static void test_refs_of_retained_snapshots_and_their_diff(void **state)
{
	(void)state;
	struct err e = {0};
	int n = 0;
	assert_int_equal(refs_retained(lake, count_uri, &n, &e), 0);
	assert_true(n >= 4); /* img0..2 and img7, each at least once */
	struct refs_diff d;
	assert_int_equal(refs_diff(lake, "raw", "a", snap_first, snap_delete, &d, &e), 0);
	assert_int_equal(d.added, 1);   /* img7 */
	assert_int_equal(d.removed, 1); /* img1 */
	assert_int_equal(d.n, 2);
	for (size_t i = 0; i < d.n; i++) {
		assert_string_equal(d.items[i].uri, d.items[i].added ? "s3://elsewhere/img7.jpg"
								      : "s3://elsewhere/img1.jpg");
		assert_int_equal(d.items[i].exists, -1); /* not in the lake's bucket: not ours */
	}
	refs_diff_free(&d);
}

static void test_inventory_reads_any_snapshot(void **state)
{
	(void)state;
	struct err e = {0};
	duckdb_result r;
	assert_int_equal(catalog_tables(lake, snap_first, "raw", 0, &r, &e), 0);
	assert_int_equal(duckdb_row_count(&r), 1); /* only raw.a existed */
	duckdb_destroy_result(&r);
	assert_int_equal(catalog_tables(lake, -1, NULL, 1, &r, &e), 0);
	assert_int_equal(duckdb_row_count(&r), 3); /* a, b, d; never the tags' own schema */
	char *schema = duckdb_value_varchar(&r, 0, 0), *table = duckdb_value_varchar(&r, 1, 0);
	assert_string_equal(schema, "raw");
	assert_string_equal(table, "a");
	assert_int_equal(duckdb_value_int64(&r, 2, 0), 3); /* rows */
	assert_int_equal(duckdb_value_int64(&r, 3, 0), 2); /* columns */
	assert_int_equal(duckdb_value_int64(&r, 6, 0), snap_delete); /* last change */
	duckdb_free(schema);
	duckdb_free(table);
	duckdb_destroy_result(&r);
}

/* Which scripts a reader may run on a read-only catalog: every statement only reads. */
static void test_sql_reads_only_when_every_statement_reads(void **state)
{
	(void)state;
	static const char *const reads[] = {
		"SELECT 1", "  select 1;", "WITH x AS (SELECT 1) SELECT * FROM x", "FROM raw.t",
		"-- a comment\nSELECT 1", "/* c */ SELECT 1; SELECT 2;", "DESCRIBE raw.t",
		"COPY (SELECT 1) TO 'x.csv'", "SET VARIABLE v = 1; SELECT getvariable('v')",
		"SELECT ';DROP TABLE t' AS s", "EXPLAIN SELECT 1", NULL};
	static const char *const writes[] = {
		"INSERT INTO raw.t VALUES (1)", "SELECT 1; DROP TABLE raw.t", "CREATE TABLE raw.x (i INT)",
		"COPY raw.t FROM 'x.csv'", "SET threads = 1", "CALL lake.set_option('a', 1)",
		"SELECT 1 -- ;\n; UPDATE raw.t SET i = 1", "", "  ;  ", "CHECKPOINT",
		"WITH x AS (SELECT 1 AS i) INSERT INTO raw.t SELECT i FROM x", NULL};
	for (int i = 0; reads[i]; i++)
		if (!lake_sql_reads_only(reads[i]))
			fail_msg("should read only: %s", reads[i]);
	for (int i = 0; writes[i]; i++)
		if (lake_sql_reads_only(writes[i]))
			fail_msg("should not count as read-only: %s", writes[i]);
}

/* The re-split's parser: parts in order, fractions kept, a canonical description; every
 * malformed spec a usage error naming what is wrong. */
static void test_resplit_spec_parses_or_names_the_fault(void **state)
{
	(void)state;
	struct transform_resplit r;
	struct err e = {0};
	char d[200];
	assert_int_equal(transform_resplit_parse("train=0.8,val=0.1,test=0.1", 7, &r, &e), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.parts[1].name, "val");
	assert_true(r.parts[0].fraction == 0.8 && r.seed == 7);
	transform_resplit_describe(&r, d, sizeof d);
	assert_string_equal(d, "train=0.8,val=0.1,test=0.1 seed 7");
	assert_int_equal(transform_resplit_parse("all=1", 0, &r, &e), 0);
	assert_int_equal(r.n, 1);
	static const struct {
		const char *spec, *names;
	} bad[] = {
		{"", "is not NAME=FRACTION"},         {"train", "is not NAME=FRACTION"},
		{"a=0.5,", "is not NAME=FRACTION"},   {"a=0.5,,b=0.5", "is not NAME=FRACTION"},
		{"1a=1", "not an identifier"},        {"=1", "not an identifier"},
		{"a b=1", "not an identifier"},       {"a=0.5,a=0.5", "names 'a' twice"},
		{"a=0", "got '0'"},                   {"a=1.0000001", "got '1.0000001'"},
		{"a=inf", "got 'inf'"},               {"a=nan", "got 'nan'"},
		{"a= 1", "got ' 1'"},                 {"a=1x", "got '1x'"},
		{"a=0.5,b=0.4", "sum to 0.9"},        {"a=0.5,b=0.5,c=0.5", "sum to 1.5"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(transform_resplit_parse(bad[i].spec, 1, &r, &e), -1);
		assert_int_equal(e.code, EXIT_USAGE);
		if (!strstr(e.msg, bad[i].names))
			fail_msg("'%s': '%s' does not name '%s'", bad[i].spec, e.msg, bad[i].names);
	}
	/* within 1e-9 of 1 is 1: fractions written with a few digits add up with rounding */
	assert_int_equal(transform_resplit_parse("a=0.3333333333,b=0.3333333333,c=0.3333333334", 1,
						 &r, &e), 0);
	char many[400] = "";
	for (int i = 0; i < TRANSFORM_RESPLIT_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "%sp%d=0.05", i ? "," : "", i);
	assert_int_equal(transform_resplit_parse(many, 1, &r, &e), -1);
	assert_non_null(strstr(e.msg, "at most"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_takes_an_id_a_tag_a_time_or_nothing),
		cmocka_unit_test(test_pin_refuses_what_names_no_snapshot),
		cmocka_unit_test(test_restore_plan_to_the_first_snapshot),
		cmocka_unit_test(test_restore_plan_names_a_rename_back),
		cmocka_unit_test(test_restore_compare_between_any_two_snapshots),
		cmocka_unit_test(test_refs_of_retained_snapshots_and_their_diff),
		cmocka_unit_test(test_inventory_reads_any_snapshot),
		cmocka_unit_test(test_sql_reads_only_when_every_statement_reads),
		cmocka_unit_test(test_resplit_spec_parses_or_names_the_fault),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
