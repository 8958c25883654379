/* diff.c - `lakehouse diff SCHEMA.TABLE A B`: what changed in a table between two snapshots:
 * row counts from DuckLake's change feed, schema changes, and a sample of changed rows. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "lake/lake.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse diff SCHEMA.TABLE A B [--sample N] [--json]\n\n"
	"Rows inserted, deleted and updated by the snapshots after A up to B (DuckLake's change\n"
	"feed), the columns added, dropped or retyped, and up to N (default 10) changed rows.\n";

static int print_query(struct lake *l, const char *sql, enum output_format fmt, struct err *e)
{
	return cmd_print_query(l, sql, NULL, 0, fmt, e);
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
	int rc = v && *v && strlen(v) < n ? 0 : err_set(e, 0, "no common columns to compare");
	if (rc == 0)
		snprintf(out, n, "%s", v);
	duckdb_free(v);
	duckdb_destroy_result(&r);
	return rc;
}

/* *replaced = 1 when the table had another id at A than at B (dropped and re-created). */
static int same_table(struct lake *l, const char *schema, const char *table, long long a,
		      long long b, int64_t *replaced, struct err *e)
{
	char va[32], vb[32];
	snprintf(va, sizeof va, "%lld", a);
	snprintf(vb, sizeof vb, "%lld", b);
	const char *p[] = {schema, table, va, vb};
	int64_t ids = 0;
	int rc = lake_query_int64(l,
				  "SELECT count(DISTINCT t.table_id) FROM __ducklake_metadata_lake.ducklake_table t "
				  "JOIN __ducklake_metadata_lake.ducklake_schema s USING (schema_id) WHERE "
				  "s.schema_name = $1 AND t.table_name = $2 AND t.begin_snapshot <= $4::BIGINT "
				  "AND (t.end_snapshot IS NULL OR t.end_snapshot > $3::BIGINT)",
				  p, 4, &ids, e);
	*replaced = ids > 1;
	return rc;
}

int cmd_diff(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'}, {"sample", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'}, {0}};
	long sample = 10;
	int json = 0, opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (opt == 'j')
			json = 1;
		else if (opt != 's')
			return cmd_usage_error(e, "diff", "bad option");
		else if (cmd_parse_long("diff", "--sample", optarg, 0, LONG_MAX, &sample, e) < 0)
			return -1;
	}
	if (argc - optind != 3)
		return cmd_usage_error(e, "diff", "give SCHEMA.TABLE and two snapshot ids");
	char schema[64], table[64];
	if (lake_parse_table(argv[optind], schema, table, e) < 0)
		return -1;
	long from, to;
	if (cmd_parse_long("diff", "snapshot A", argv[optind + 1], 0, LONG_MAX, &from, e) < 0 ||
	    cmd_parse_long("diff", "snapshot B", argv[optind + 2], from, LONG_MAX, &to, e) < 0)
		return -1;
	long long a = from, b = to;
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	int rc = lake_check_version(l, schema, table, a, e);
	rc = rc ? rc : lake_check_version(l, schema, table, b, e);
	char sql[2048], t[160];
	snprintf(t, sizeof t, "lake.\"%s\".\"%s\"", schema, table); /* validated identifiers */
	enum output_format fmt = json ? OUTPUT_JSON : OUTPUT_TABLE;
	int64_t replaced = 0;
	if (rc == 0) {
		if (json)
			printf("{\"table\": \"%s.%s\", \"from\": %lld, \"to\": %lld, \"counts\": ", schema, table, a, b);
		else
			printf("%s.%s, snapshot %lld -> %lld\n\nrows:\n", schema, table, a, b);
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FILTER (WHERE change_type = 'insert') AS inserted, "
			 "count(*) FILTER (WHERE change_type = 'delete') AS deleted, "
			 "count(*) FILTER (WHERE change_type = 'update_postimage') AS updated "
			 "FROM ducklake_table_changes('lake', '%s', '%s', %lld, %lld)",
			 schema, table, a + 1, b);
		if (a == b)
			snprintf(sql, sizeof sql, "SELECT 0 AS inserted, 0 AS deleted, 0 AS updated");
		rc = same_table(l, schema, table, a, b, &replaced, e);
		struct err feed = {0};
		if (rc == 0 && (replaced || print_query(l, sql, fmt, &feed) < 0)) {
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
				rc = err_set(e, 0, "out of memory");
			if (rc == 0)
				rc = print_query(l, q.data, fmt, e);
			buf_free(&q);
		}
	}
	if (rc == 0) {
		printf(json ? ", \"schema\": " : "\nschema:\n");
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
		rc = print_query(l, sql, fmt, e);
	}
	if (rc == 0 && a < b && replaced) {
		printf(json ? ", \"sample\": []" : "\n(the table was replaced in between, e.g. by a "
						     "rollback: no change feed spans both; counts compare rows on "
						     "the shared columns)\n");
	} else if (rc == 0 && a < b) {
		printf(json ? ", \"sample\": " : "\nsample of changed rows:\n");
		snprintf(sql, sizeof sql,
			 "SELECT * FROM ducklake_table_changes('lake', '%s', '%s', %lld, %lld) ORDER BY "
			 "snapshot_id, rowid, change_type LIMIT %ld",
			 schema, table, a + 1, b, sample);
		struct err ignored = {0};
		if (print_query(l, sql, fmt, &ignored) < 0 && json)
			printf("[]");
	}
	if (json && rc == 0)
		printf("}\n");
	lake_close(l);
	return rc;
}
