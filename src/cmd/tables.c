/* tables.c - `lakehouse tables [SCHEMA]`: what the lake holds, one line per table. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "lake/history.h"
#include "lake/lake.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct tables_opts {
	enum output_format fmt;
};
static const struct opt tables_options[] = {OPT_FORMAT(struct tables_opts, fmt, ""), OPT_END()};
const struct verb_spec cmd_tables_spec = {
	.name = "tables",
	.usage = "tables [SCHEMA] [--json | --csv]",
	.about = "The lake's tables (all schemas but the reserved '" HISTORY_SCHEMA "', or SCHEMA's): rows,\n"
		 "columns, data files and their bytes, and the last snapshot that changed each.\n",
	.options = tables_options};

#define META "__ducklake_metadata_lake"

/* The per-table facts from the catalog; rows come from counting each table (inlined rows
 * live in the catalog, not in files, so the file statistics alone would miss them). */
static const char meta_sql[] =
	"meta AS (SELECT s.schema_name AS sname, t.table_name AS tname, "
	"(SELECT count(*) FROM " META ".ducklake_column c WHERE c.table_id = t.table_id AND "
	"c.end_snapshot IS NULL AND c.parent_column IS NULL) AS columns, "
	"(SELECT count(*) FROM " META ".ducklake_data_file f WHERE f.table_id = t.table_id AND "
	"f.end_snapshot IS NULL) AS files, "
	"(SELECT coalesce(sum(f.file_size_bytes), 0) FROM " META ".ducklake_data_file f WHERE "
	"f.table_id = t.table_id AND f.end_snapshot IS NULL)::BIGINT AS bytes, "
	"(SELECT max(c.snapshot_id) FROM " META ".ducklake_snapshot_changes c WHERE "
	"regexp_matches(c.changes_made, ':' || t.table_id || '(,|$)') OR "
	"contains(c.changes_made, '\"' || s.schema_name || '\".\"' || t.table_name || '\"')) "
	"AS last_snapshot "
	"FROM " META ".ducklake_table t JOIN " META ".ducklake_schema s USING (schema_id) "
	"WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL)";

/* Appends (1; 0 when skipped, -1 out of memory) ('schema', 'table', (SELECT count(*) FROM lake."schema"."table")) for one table. */
static int append_count(struct buf *sql, const char *schema, const char *table, int first)
{
	char qs[160], qt[160];
	if (!lake_valid_identifier(schema) || !lake_valid_identifier(table) ||
	    lake_quote_ident(schema, qs, sizeof qs) < 0 || lake_quote_ident(table, qt, sizeof qt) < 0)
		return 0; /* lakehouse creates plain names only; anything else is left out */
	return buf_printf(sql, "%s('%s', '%s', (SELECT count(*) FROM lake.%s.%s))", first ? "" : ", ",
			  schema, table, qs, qt) < 0 ? -1 : 1;
}

int cmd_tables(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct tables_opts o = {.fmt = OUTPUT_TABLE};
	int first, parsed = opts_parse(&cmd_tables_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	enum output_format fmt = o.fmt;
	if (argc - first > 1)
		return cmd_usage_error(e, "tables", "give at most one SCHEMA");
	const char *schema = first < argc ? argv[first] : "";
	if (schema[0] && !lake_valid_identifier(schema))
		return cmd_usage_error(e, "tables", "invalid schema name '%s'", schema);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	duckdb_result r;
	const char *p[] = {schema};
	int rc = lake_query(l,
			    "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = "
			    "'lake' AND (($1 = '' AND schema_name <> '" HISTORY_SCHEMA "') OR "
			    "schema_name = $1) ORDER BY 1, 2",
			    p, 1, &r, e);
	struct buf sql = {0};
	if (rc == 0) {
		idx_t n = duckdb_row_count(&r);
		buf_printf(&sql, "WITH %s, counts(sname, tname, nrows) AS (VALUES ", meta_sql);
		int any = 0;
		for (idx_t i = 0; i < n; i++) {
			char *s = duckdb_value_varchar(&r, 0, i), *t = duckdb_value_varchar(&r, 1, i);
			if (s && t && append_count(&sql, s, t, !any) > 0)
				any = 1;
			duckdb_free(s);
			duckdb_free(t);
		}
		duckdb_destroy_result(&r);
		if (!any) /* an empty VALUES list is not SQL: one row no table matches */
			buf_printf(&sql, "(NULL::VARCHAR, NULL::VARCHAR, NULL::BIGINT)");
		buf_printf(&sql, ") SELECT c.sname AS schema, c.tname AS \"table\", c.nrows AS rows, "
				 "m.columns, m.files, m.bytes, m.last_snapshot FROM counts c JOIN meta m "
				 "USING (sname, tname) ORDER BY 1, 2");
		rc = cmd_print_query(l, sql.data, NULL, 0, fmt, e);
	}
	buf_free(&sql);
	lake_close(l);
	return rc;
}
