/* trace.c - `lakehouse trace SCHEMA.TABLE [--snapshot N]`: where every piece of state of an
 * INSERT lives: the snapshot and its changes and the table's rows (the catalog: a DuckDB or
 * SQLite file, or a PostgreSQL database), the data files the snapshot added (catalog rows, then each object: HEAD size and ETag in
 * the bucket, row count from the Parquet footer), or the inlined rows when there is no file. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lake/history.h"
#include "store/s3.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct trace_opts {
	long snapshot;
	int json;
};
static const struct opt trace_options[] = {
	OPT_LONG("snapshot", 0, struct trace_opts, snapshot, 0, LONG_MAX, "N",
		 "that snapshot instead of the last insert"),
	OPT_FLAG("json", 0, struct trace_opts, json, "everything as one JSON object"),
	OPT_END()};
static const char *const trace_examples[] = {
	"lakehouse trace raw.coco_images",
	"lakehouse trace gold.coco_train --snapshot 6 --json",
	NULL};
const struct verb_spec cmd_trace_spec = {
	.name = "trace",
	.usage = "trace SCHEMA.TABLE [--snapshot N] [--json]",
	.about = "For the snapshot that last inserted into the table (or N): the snapshot and its changes,\n"
		 "the catalog rows of the table and of the data files it added, and for each file its S3\n"
		 "key with size and ETag from a HEAD and the row count in its Parquet footer.\n",
	.options = trace_options,
	.examples = trace_examples};

/* Runs sql with ($1 schema, $2 table, $3 snapshot) into a JSON array (or prints it). */
static int section(struct lake *l, const char *title, const char *sql, const char *const *p,
		   json_t *out, const char *key, struct err *e)
{
	if (!out) {
		printf("\n%s\n", title);
		return cmd_print_query(l, sql, p, 3, OUTPUT_TABLE, e);
	}
	char *text = NULL;
	size_t len = 0;
	duckdb_result r;
	if (lake_query(l, sql, p, 3, &r, e) < 0)
		return -1;
	FILE *mem = open_memstream(&text, &len);
	output_result(mem, lake_connection(l), &r, OUTPUT_JSON);
	fclose(mem);
	duckdb_destroy_result(&r);
	json_object_set_new(out, key, json_loads(text, 0, NULL));
	free(text);
	return 0;
}

/* Each added file: HEAD in the bucket and the row count of its Parquet footer. */
static int objects(struct lake *l, const struct config *cfg, const char *const *p, json_t *out,
		   struct err *e)
{
	duckdb_result r;
	if (lake_query(l, history_sql_added_files, p, 3, &r, e) < 0)
		return -1;
	struct s3 *s = s3_new(cfg, e);
	json_t *arr = json_array();
	char prefix[80];
	snprintf(prefix, sizeof prefix, "s3://%s/", cfg->bucket);
	int rc = s ? 0 : -1;
	if (!out)
		printf("\nobjects in s3://%s at %s (HEAD, Parquet footer)\n", cfg->bucket, cfg->endpoint);
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&r); i++) {
		char *uri = duckdb_value_varchar(&r, 4, i);
		const char *key = strncmp(uri, prefix, strlen(prefix)) == 0 ? uri + strlen(prefix) : uri;
		struct s3_object o = {0};
		int found = 0;
		struct err head = {0};
		s3_head(s, key, &o, &found, &head);
		const char *pp[] = {uri};
		int64_t footer_rows = -1;
		struct err meta = {0};
		lake_query_int64(l, "SELECT num_rows FROM parquet_file_metadata($1)", pp, 1, &footer_rows, &meta);
		if (out)
			json_array_append_new(arr, json_pack("{s:s, s:b, s:I, s:s, s:I}", "key", key, "found",
							     found, "size", (json_int_t)(found ? o.size : -1),
							     "etag", found ? o.etag : "", "footer_rows",
							     (json_int_t)footer_rows));
		else
			printf("  %s\n    found %s, size %lld, etag %s, footer rows %lld\n", key,
			       found ? "yes" : "NO", (long long)(found ? o.size : -1), found ? o.etag : "-",
			       (long long)footer_rows);
		duckdb_free(uri);
	}
	if (!out && duckdb_row_count(&r) == 0)
		printf("  none: the rows were inlined into the catalog (DuckLake inlines small inserts)\n");
	if (out)
		json_object_set_new(out, "objects", arr);
	else
		json_decref(arr);
	duckdb_destroy_result(&r);
	s3_free(s);
	return rc;
}

int cmd_trace(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct trace_opts o = {.snapshot = -1};
	int first, parsed = opts_parse(&cmd_trace_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	long long snap = o.snapshot;
	int json = o.json;
	if (argc - first != 1)
		return cmd_usage_error(e, "trace", "give one SCHEMA.TABLE");
	char schema[64], table[64], sv[32], catalog[PATH_MAX] = "";
	if (lake_parse_table(argv[first], schema, table, e) < 0)
		return -1;
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_READ, e) < 0)
		return -1;
	int64_t s64 = snap;
	int rc = lake_require_table(l, schema, table, e);
	rc = rc ? rc
		: snap < 0 ? history_last_insert(l, schema, table, &s64, e)
			   : lake_check_version(l, schema, table, snap, e);
	snprintf(sv, sizeof sv, "%lld", (long long)s64);
	const char *p[] = {schema, table, sv};
	json_t *out = json ? json_object() : NULL;
	/* a DuckDB or SQLite file has a path and a size; a server database only its name */
	struct stat st;
	const char *kind = catalog_kind_name(catalog_kind(cfg->catalog)), *file = catalog_file(cfg->catalog);
	if (!file || !realpath(file, catalog))
		snprintf(catalog, sizeof catalog, "%s", file ? file : cfg->catalog);
	long long catalog_bytes = file && stat(catalog, &st) == 0 ? (long long)st.st_size : -1;
	if (rc == 0 && !json) {
		printf("%s.%s at snapshot %s\ncatalog: %s %s", schema, table, sv, kind, catalog);
		if (file)
			printf(" (%lld bytes)", catalog_bytes);
		printf("\ndata: s3://%s/lake/ at %s\n", cfg->bucket, cfg->endpoint);
	}
	if (rc == 0 && json) {
		json_object_set_new(out, "table", json_sprintf("%s.%s", schema, table));
		json_object_set_new(out, "snapshot", json_integer(s64));
		json_object_set_new(out, "catalog_kind", json_string(kind));
		json_object_set_new(out, file ? "catalog_file" : "catalog_database", json_string(catalog));
		if (file)
			json_object_set_new(out, "catalog_bytes", json_integer(catalog_bytes));
		json_object_set_new(out, "data_path", json_sprintf("s3://%s/lake/", cfg->bucket));
	}
	if (rc == 0)
		rc = section(l, "snapshot (catalog: ducklake_snapshot + ducklake_snapshot_changes)",
			     history_sql_snapshot_row, p, out, "snapshot_row", e);
	if (rc == 0)
		rc = section(l, "table (catalog: ducklake_schema + ducklake_table)", history_sql_table_rows,
			     p, out, "table_rows", e);
	if (rc == 0)
		rc = section(l, "data files added (catalog: ducklake_data_file)", history_sql_added_files, p, out,
			     "data_files", e);
	if (rc == 0)
		rc = objects(l, cfg, p, out, e);
	if (rc == 0 && json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	json_decref(out);
	lake_close(l);
	return rc;
}
