/* catalog.c - the table inventory; see catalog.h. */
#include "lake/catalog.h"

#include <stdio.h>

#include "core/buf.h"

/* A catalog row of alias a visible at snapshot $1. */
#define ALIVE(a) a ".begin_snapshot <= $1::BIGINT AND (" a ".end_snapshot IS NULL OR " a \
		 ".end_snapshot > $1::BIGINT)"

static const char inventory_sql[] =
	"SELECT s.schema_name AS schema, t.table_name AS \"table\", NULL::BIGINT AS rows, "
	"(SELECT count(*) FROM " LAKE_META "ducklake_column c WHERE c.table_id = t.table_id AND "
	"c.parent_column IS NULL AND " ALIVE("c") ") AS columns, "
	"(SELECT count(*) FROM " LAKE_META "ducklake_data_file f WHERE f.table_id = t.table_id AND "
	ALIVE("f") ") AS files, "
	"(SELECT coalesce(sum(f.file_size_bytes), 0) FROM " LAKE_META "ducklake_data_file f WHERE "
	"f.table_id = t.table_id AND " ALIVE("f") ")::BIGINT AS bytes, "
	"(SELECT max(c.snapshot_id) FROM " LAKE_META "ducklake_snapshot_changes c WHERE "
	"c.snapshot_id <= $1::BIGINT AND (regexp_matches(c.changes_made, ':' || t.table_id || "
	"'(,|$)') OR contains(c.changes_made, '\"' || s.schema_name || '\".\"' || t.table_name || "
	"'\"'))) AS last_snapshot "
	"FROM " LAKE_META "ducklake_table t JOIN " LAKE_META "ducklake_schema s USING (schema_id) "
	"WHERE " ALIVE("t") " AND " ALIVE("s") " AND ((coalesce($2, '') = '' AND s.schema_name NOT "
	"IN ('" LAKE_OWN_SCHEMA "')) OR s.schema_name = $2) "
	"ORDER BY CASE s.schema_name WHEN 'raw' THEN 0 WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 "
	"ELSE 3 END, s.schema_name, t.table_name";

/* The inventory again with rows filled: a VALUES list of per-table counts joined to it. */
static int with_counts(struct lake *l, duckdb_result *inv, const char *const *p,
		       duckdb_result *res, struct err *e)
{
	struct buf sql = {0};
	buf_printf(&sql, "WITH inv AS (%s), counts(schema, \"table\", n) AS (VALUES ", inventory_sql);
	int any = 0;
	for (idx_t i = 0; i < duckdb_row_count(inv); i++) {
		char *s = duckdb_value_varchar(inv, 0, i), *t = duckdb_value_varchar(inv, 1, i);
		char qs[160], qt[160];
		/* lakehouse creates plain names only; anything else is counted as unknown */
		if (s && t && lake_valid_identifier(s) && lake_valid_identifier(t) &&
		    lake_quote_ident(s, qs, sizeof qs) == 0 && lake_quote_ident(t, qt, sizeof qt) == 0) {
			buf_printf(&sql, "%s('%s', '%s', (SELECT count(*) FROM lake.%s.%s))",
				   any ? ", " : "", s, t, qs, qt);
			any = 1;
		}
		duckdb_free(s);
		duckdb_free(t);
	}
	if (!any) /* an empty VALUES list is not SQL: one row no table matches */
		buf_printf(&sql, "(NULL::VARCHAR, NULL::VARCHAR, NULL::BIGINT)");
	buf_printf(&sql, ") SELECT inv.schema, inv.\"table\", counts.n AS rows, inv.columns, "
			 "inv.files, inv.bytes, inv.last_snapshot FROM inv LEFT JOIN counts USING "
			 "(schema, \"table\") ORDER BY CASE inv.schema WHEN 'raw' THEN 0 WHEN "
			 "'silver' THEN 1 WHEN 'gold' THEN 2 ELSE 3 END, inv.schema, inv.\"table\"");
	int rc = sql.data ? lake_query(l, sql.data, p, 2, res, e) : err_set(e, EXIT_FAILED, "out of memory");
	buf_free(&sql);
	return rc;
}

int catalog_tables(struct lake *l, int64_t snapshot, const char *schema, int with_rows,
		   duckdb_result *res, struct err *e)
{
	if (snapshot < 0 && lake_current_snapshot(l, &snapshot, e) < 0)
		return -1;
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)snapshot);
	const char *p[] = {v, schema ? schema : ""};
	if (!with_rows)
		return lake_query(l, inventory_sql, p, 2, res, e);
	duckdb_result inv;
	if (lake_query(l, inventory_sql, p, 2, &inv, e) < 0)
		return -1;
	int rc = with_counts(l, &inv, p, res, e);
	duckdb_destroy_result(&inv);
	return rc;
}

int catalog_schema_events(struct lake *l, const char *schema, const char *table, int64_t upto,
			  int64_t only, duckdb_result *res, struct err *e)
{
	char u[32], o[32];
	snprintf(u, sizeof u, "%lld", (long long)upto);
	snprintf(o, sizeof o, "%lld", (long long)only);
	const char *p[] = {schema, table, u, o};
	return lake_query(
		l,
		"WITH c AS (SELECT t.table_id, c.column_id, c.column_name, c.column_type, "
		"c.begin_snapshot AS b, c.end_snapshot AS e, t.begin_snapshot AS tb, t.end_snapshot AS "
		"te FROM " LAKE_META "ducklake_column c JOIN " LAKE_META "ducklake_table t ON t.table_id = "
		"c.table_id AND c.begin_snapshot >= t.begin_snapshot AND (t.end_snapshot IS NULL OR "
		"c.begin_snapshot < t.end_snapshot) JOIN " LAKE_META "ducklake_schema s ON s.schema_id = "
		"t.schema_id WHERE s.schema_name = $1 AND t.table_name = $2 AND c.parent_column IS "
		"NULL), "
		"w AS (SELECT *, lag(column_name) OVER p AS prev_name, lag(column_type) OVER p AS "
		"prev_type, lead(b) OVER p AS next_b FROM c WINDOW p AS (PARTITION BY table_id, "
		"column_id ORDER BY b)), "
		"ev AS (SELECT tb AS snap, 'table created' AS change, string_agg(column_name || ' ' || "
		"column_type, ', ' ORDER BY column_id) AS detail FROM w WHERE b = tb AND prev_name IS "
		"NULL GROUP BY table_id, tb "
		"UNION ALL SELECT b, CASE WHEN prev_name IS NULL THEN 'column added' WHEN prev_name <> "
		"column_name THEN 'column renamed' ELSE 'column retyped' END, CASE WHEN prev_name IS "
		"NULL THEN column_name || ' ' || column_type WHEN prev_name <> column_name THEN "
		"prev_name || ' -> ' || column_name ELSE column_name || ': ' || prev_type || ' -> ' || "
		"column_type END FROM w WHERE NOT (b = tb AND prev_name IS NULL) "
		"UNION ALL SELECT e, 'column dropped', column_name FROM w WHERE e IS NOT NULL AND next_b "
		"IS NULL AND (te IS NULL OR e < te)) "
		"SELECT snap, change, detail FROM ev WHERE snap <= $3::BIGINT AND ($4::BIGINT < 0 OR "
		"snap = $4::BIGINT) ORDER BY snap DESC, change",
		p, 4, res, e);
}

int catalog_changes_table(struct lake *l, const char *name, struct err *e)
{
	if (!lake_valid_identifier(name))
		return err_set(e, EXIT_FAILED, "catalog_changes_table: '%s' is not a plain name", name);
	struct buf sql = {0};
	buf_printf(&sql,
		   "CREATE OR REPLACE TEMP TABLE %s AS "
		   "WITH x AS (SELECT snapshot_id, kv.key AS kind, unnest(kv.value) AS what FROM "
		   "(SELECT snapshot_id, unnest(map_entries(changes)) AS kv FROM lake.snapshots())), "
		   "n AS (SELECT t.table_id::VARCHAR AS id, arg_max(s.schema_name || '.' || "
		   "t.table_name, t.begin_snapshot) AS name FROM " LAKE_META "ducklake_table t JOIN "
		   LAKE_META "ducklake_schema s USING (schema_id) GROUP BY 1) "
		   "SELECT x.snapshot_id, x.kind, CASE WHEN x.kind LIKE 'schema%%' OR x.kind IN "
		   "('tables_created', 'tables_dropped') THEN x.what ELSE coalesce(n.name, x.what) END "
		   "AS name FROM x LEFT JOIN n ON n.id = x.what",
		   name);
	int rc = sql.data ? lake_exec(l, sql.data, e) : err_set(e, EXIT_FAILED, "out of memory");
	buf_free(&sql);
	return rc;
}
