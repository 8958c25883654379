/* card.c - see card.h. Feature YAML follows `datasets` (Features._to_yaml_list). */
#include "hub/card.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

void card_init(struct card *c, const char *repo, const char *schema, const char *table,
	       const char *license, int with_media, const char *bucket)
{
	memset(c, 0, sizeof *c);
	snprintf(c->repo, sizeof c->repo, "%s", repo);
	snprintf(c->schema, sizeof c->schema, "%s", schema);
	snprintf(c->table, sizeof c->table, "%s", table);
	snprintf(c->license, sizeof c->license, "%s", license && *license ? license : "other");
	snprintf(c->bucket, sizeof c->bucket, "%s", bucket);
	c->with_media = with_media;
}

void card_free(struct card *c)
{
	for (int i = 0; i < c->ncolumns; i++)
		free(c->columns[i].features);
	free(c->columns);
	free(c->provenance);
	free(c->sql);
	c->columns = NULL, c->provenance = c->sql = NULL, c->ncolumns = 0;
}

/* The Arrow dtype name `datasets` uses for a DuckDB scalar type; 0 when t is not a scalar
 * with a Hub feature. */
static int scalar_dtype(duckdb_logical_type t, char *out, size_t n)
{
	static const struct {
		duckdb_type id;
		const char *dtype;
	} map[] = {
		{DUCKDB_TYPE_BOOLEAN, "bool"},       {DUCKDB_TYPE_TINYINT, "int8"},
		{DUCKDB_TYPE_SMALLINT, "int16"},     {DUCKDB_TYPE_INTEGER, "int32"},
		{DUCKDB_TYPE_BIGINT, "int64"},       {DUCKDB_TYPE_UTINYINT, "uint8"},
		{DUCKDB_TYPE_USMALLINT, "uint16"},   {DUCKDB_TYPE_UINTEGER, "uint32"},
		{DUCKDB_TYPE_UBIGINT, "uint64"},     {DUCKDB_TYPE_FLOAT, "float32"},
		{DUCKDB_TYPE_DOUBLE, "float64"},     {DUCKDB_TYPE_VARCHAR, "string"},
		{DUCKDB_TYPE_BLOB, "binary"},        {DUCKDB_TYPE_DATE, "date32"},
		{DUCKDB_TYPE_TIMESTAMP, "timestamp[us]"}, {DUCKDB_TYPE_TIMESTAMP_MS, "timestamp[ms]"},
		{DUCKDB_TYPE_TIMESTAMP_NS, "timestamp[ns]"},
		{DUCKDB_TYPE_TIMESTAMP_TZ, "timestamp[us, tz=UTC]"}, {DUCKDB_TYPE_TIME, "time64[us]"},
	};
	duckdb_type id = duckdb_get_type_id(t);
	if (id == DUCKDB_TYPE_DECIMAL) {
		snprintf(out, n, "decimal128(%u, %u)", duckdb_decimal_width(t), duckdb_decimal_scale(t));
		return 1;
	}
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].id == id)
			return snprintf(out, n, "%s", map[i].dtype), 1;
	return 0;
}

static int feature(struct buf *b, duckdb_logical_type t, int indent);

static int fields(struct buf *b, duckdb_logical_type t, int indent)
{
	int rc = 0;
	idx_t n = duckdb_struct_type_child_count(t);
	for (idx_t i = 0; rc == 0 && i < n; i++) {
		char *name = duckdb_struct_type_child_name(t, i);
		duckdb_logical_type child = duckdb_struct_type_child_type(t, i);
		if (strpbrk(name, "\"\\\n")) /* not expressible as a feature name: text instead */
			rc = -1;
		else
			buf_printf(b, "%*s- name: \"%s\"\n", indent, "", name);
		if (rc == 0)
			rc = feature(b, child, indent + 2);
		duckdb_destroy_logical_type(&child);
		duckdb_free(name);
	}
	return rc;
}

/* Appends the YAML of t's feature at indent; -1 when some part has no Hub feature. */
static int feature(struct buf *b, duckdb_logical_type t, int indent)
{
	char dtype[64];
	duckdb_type id = duckdb_get_type_id(t);
	if (scalar_dtype(t, dtype, sizeof dtype))
		return buf_printf(b, "%*sdtype: %s\n", indent, "", dtype);
	if (id == DUCKDB_TYPE_STRUCT) {
		buf_printf(b, "%*sstruct:\n", indent, "");
		return fields(b, t, indent);
	}
	if (id != DUCKDB_TYPE_LIST && id != DUCKDB_TYPE_ARRAY)
		return -1;
	duckdb_logical_type child = id == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(t)
							   : duckdb_array_type_child_type(t);
	int rc;
	if (scalar_dtype(child, dtype, sizeof dtype)) {
		rc = buf_printf(b, "%*slist: %s\n", indent, "", dtype);
	} else {
		buf_printf(b, "%*slist:\n", indent, "");
		rc = duckdb_get_type_id(child) == DUCKDB_TYPE_STRUCT ? fields(b, child, indent)
								     : feature(b, child, indent + 2);
	}
	duckdb_destroy_logical_type(&child);
	return rc;
}

int card_columns_from(struct card *c, duckdb_result *r, struct err *e)
{
	idx_t n = duckdb_column_count(r);
	c->columns = calloc(n ? n : 1, sizeof *c->columns);
	if (!c->columns)
		return err_set(e, EXIT_FAILED, "out of memory");
	for (idx_t i = 0; i < n; i++) {
		struct card_column *col = &c->columns[c->ncolumns++];
		duckdb_logical_type t = duckdb_column_logical_type(r, i);
		snprintf(col->name, sizeof col->name, "%s", duckdb_column_name(r, i));
		snprintf(col->published_name, sizeof col->published_name, "%s", col->name);
		col->is_varchar = duckdb_get_type_id(t) == DUCKDB_TYPE_VARCHAR;
		struct buf b = {0};
		if (feature(&b, t, 4) < 0) { /* e.g. MAP, UNION, HUGEINT: published as text */
			col->as_text = 1;
			buf_reset(&b);
			buf_printf(&b, "    dtype: string\n");
		}
		col->features = b.data;
		duckdb_destroy_logical_type(&t);
		if (!col->features)
			return err_set(e, EXIT_FAILED, "out of memory");
		if (strcmp(col->name, "split") == 0 && col->is_varchar)
			c->split_column = 1;
	}
	return 0;
}

void card_set_image(struct card *c, int i)
{
	struct card_column *col = &c->columns[i];
	size_t len = strlen(col->name);
	col->image = 1;
	snprintf(col->published_name, sizeof col->published_name, "%.*s", (int)(len - 4), col->name);
	for (int k = 0; k < c->ncolumns; k++) /* the name is taken: keep the column's own */
		if (strcmp(c->columns[k].name, col->published_name) == 0)
			snprintf(col->published_name, sizeof col->published_name, "%s", col->name);
}

static void yaml_header(const struct card *c, FILE *f)
{
	fprintf(f, "---\nlicense: %s\npretty_name: %s.%s\ntags:\n- lakehouse\n- ducklake\n", c->license,
		c->schema, c->table);
	fprintf(f, "configs:\n- config_name: default\n  data_files:\n");
	for (int i = 0; i < c->nsplits; i++)
		fprintf(f, "  - split: %s\n    path: data/%s-*\n", c->splits[i].name, c->splits[i].name);
	fprintf(f, "dataset_info:\n  features:\n");
	for (int i = 0; i < c->ncolumns; i++) {
		const struct card_column *col = &c->columns[i];
		fprintf(f, "  - name: \"%s\"\n%s", col->published_name,
			col->image ? "    dtype: image\n" : col->features);
	}
	fprintf(f, "  splits:\n");
	for (int i = 0; i < c->nsplits; i++)
		fprintf(f, "  - name: %s\n    num_bytes: %lld\n    num_examples: %lld\n",
			c->splits[i].name, (long long)c->splits[i].bytes, (long long)c->splits[i].rows);
	fprintf(f, "---\n\n");
}

static void columns_section(const struct card *c, FILE *f)
{
	fprintf(f, "## Columns\n\n| column | type in the lake | notes |\n|---|---|---|\n");
	for (int i = 0; i < c->ncolumns; i++) {
		const struct card_column *col = &c->columns[i];
		const char *note = col->image	 ? "Image feature: the image bytes and file name, embedded"
				   : col->as_text ? "published as text (no Hub feature for its type)"
				   : strstr(col->name, "_uri") ? "URI of an object in the lakehouse bucket"
								: "";
		fprintf(f, "| `%s` | `%s` | %s |\n", col->published_name, col->lake_type, note);
	}
	fprintf(f, "\n");
}

int card_write(const struct card *c, const char *path, struct err *e)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return err_set(e, EXIT_FAILED, "cannot write %s: %s", path, strerror(errno));
	int64_t total = 0;
	for (int i = 0; i < c->nsplits; i++)
		total += c->splits[i].rows;
	yaml_header(c, f);
	fprintf(f, "# %s\n\n", c->repo);
	fprintf(f,
		"The table `%s.%s` of a lakehouse (DuckLake catalog, Parquet data on S3), exported at "
		"lake snapshot %lld (%s): %lld rows.\n\n",
		c->schema, c->table, (long long)c->snapshot, c->snapshot_time, (long long)total);
	if (c->with_media)
		fprintf(f, "Images are embedded (Image feature): the dataset is usable without access "
			   "to the lakehouse bucket.\n\n");
	else
		fprintf(f, "Media stay in the lakehouse: `*_uri` columns hold `s3://%s/...` URIs of "
			   "objects in its bucket, readable only with access to it (publish with "
			   "`--with-media` to embed images).\n\n",
			c->bucket);
	fprintf(f, "## Splits\n\n| split | rows |\n|---|---|\n");
	for (int i = 0; i < c->nsplits; i++)
		fprintf(f, "| %s | %lld |\n", c->splits[i].name, (long long)c->splits[i].rows);
	fprintf(f, "\n");
	columns_section(c, f);
	fprintf(f, "## Provenance\n\n- lake snapshot: %lld, %s\n- table: `%s.%s`\n", (long long)c->snapshot,
		c->snapshot_time, c->schema, c->table);
	if (c->provenance && *c->provenance)
		fprintf(f, "\nSnapshots that built it (ingests name their source repo and revision):\n\n%s",
			c->provenance);
	if (c->sql)
		fprintf(f, "\nThe SQL that creates it:\n\n```sql\n%s```\n", c->sql);
	fprintf(f, "\n## Load it\n\n```python\nfrom datasets import load_dataset\n\nds = "
		   "load_dataset(\"%s\")\n```\n",
		c->repo);
	return fclose(f) == 0 ? 0 : err_set(e, EXIT_FAILED, "cannot write %s: %s", path, strerror(errno));
}
