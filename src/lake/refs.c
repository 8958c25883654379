/* refs.c - media references; see refs.h. */
#include "lake/refs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "lake/history.h"
#include "store/s3.h"

/* Appends "SELECT DISTINCT col FROM lake.s.t AT (VERSION => n)" for one *_uri column
 * (unnest for a list), prefixed by UNION ALL after the first. */
static int append_column(struct buf *q, const char *schema, const char *table, const char *col,
			 int list, int64_t n, struct err *e)
{
	char qs[300], qt[300], qc[300];
	if (lake_quote_ident(schema, qs, sizeof qs) < 0 || lake_quote_ident(table, qt, sizeof qt) < 0 ||
	    lake_quote_ident(col, qc, sizeof qc) < 0)
		return err_set(e, EXIT_FAILED, "name too long: %.80s.%.80s.%.80s", schema, table, col);
	if (buf_printf(q, "%sSELECT DISTINCT %s%s%s AS u FROM lake.%s.%s AT (VERSION => %lld)",
		       q->len ? " UNION ALL " : "", list ? "unnest(" : "", qc, list ? ")" : "", qs, qt,
		       (long long)n) < 0)
		return err_set(e, EXIT_FAILED, "out of memory");
	return 0;
}

int refs_retained(struct lake *l, refs_cb cb, void *ctx, struct err *e)
{
	duckdb_result cols;
	if (history_uri_columns(l, &cols, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&cols); i++) {
		char *schema = duckdb_value_varchar(&cols, 1, i), *table = duckdb_value_varchar(&cols, 2, i);
		char *col = duckdb_value_varchar(&cols, 3, i), *type = duckdb_value_varchar(&cols, 4, i);
		struct buf q = {0};
		duckdb_result r;
		rc = append_column(&q, schema, table, col, strcmp(type, "list") == 0,
				   duckdb_value_int64(&cols, 0, i), e);
		rc = rc ? rc : lake_query(l, q.data, NULL, 0, &r, e);
		for (idx_t k = 0; rc == 0 && k < duckdb_row_count(&r); k++) {
			char *uri = duckdb_value_varchar(&r, 0, k);
			if (uri && cb(uri, ctx) < 0)
				rc = err_set(e, EXIT_FAILED, "out of memory");
			duckdb_free(uri);
		}
		if (rc == 0)
			duckdb_destroy_result(&r);
		buf_free(&q);
		duckdb_free(schema), duckdb_free(table), duckdb_free(col), duckdb_free(type);
	}
	duckdb_destroy_result(&cols);
	return rc;
}

/* The tables of the scope at snapshot n: (schema, table) rows. */
static int tables_at(struct lake *l, const char *schema, const char *table, int64_t n,
		     duckdb_result *res, struct err *e)
{
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)n);
	const char *p[] = {v, schema ? schema : "", table ? table : ""};
	return lake_query(l,
			  "SELECT s.schema_name, t.table_name FROM " LAKE_META "ducklake_table "
			  "t JOIN " LAKE_META "ducklake_schema s ON s.schema_id = t.schema_id "
			  "AND s.begin_snapshot <= $1::BIGINT AND (s.end_snapshot IS NULL OR "
			  "s.end_snapshot > $1::BIGINT) WHERE t.begin_snapshot <= $1::BIGINT AND "
			  "(t.end_snapshot IS NULL OR t.end_snapshot > $1::BIGINT) AND s.schema_name <> '" LAKE_OWN_SCHEMA
			  "' AND ($2 = '' OR (s.schema_name = $2 AND t.table_name = $3)) ORDER BY 1, 2",
			  p, 3, res, e);
}

/* A query whose column u lists every URI the scope references at snapshot n. */
static int uris_at(struct lake *l, const char *schema, const char *table, int64_t n,
		   struct buf *q, struct err *e)
{
	duckdb_result t;
	if (tables_at(l, schema, table, n, &t, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&t); i++) {
		char *s = duckdb_value_varchar(&t, 0, i), *tb = duckdb_value_varchar(&t, 1, i);
		char qs[300], qt[300], sql[900];
		duckdb_result c;
		if (lake_quote_ident(s, qs, sizeof qs) < 0 || lake_quote_ident(tb, qt, sizeof qt) < 0)
			rc = err_set(e, EXIT_FAILED, "name too long");
		snprintf(sql, sizeof sql,
			 "SELECT column_name, column_type = 'VARCHAR[]' FROM (DESCRIBE SELECT * FROM "
			 "lake.%s.%s AT (VERSION => %lld)) WHERE column_name LIKE '%%\\_uri' ESCAPE '\\' "
			 "AND column_type IN ('VARCHAR', 'VARCHAR[]')",
			 qs, qt, (long long)n);
		rc = rc ? rc : lake_query(l, sql, NULL, 0, &c, e);
		for (idx_t k = 0; rc == 0 && k < duckdb_row_count(&c); k++) {
			char *col = duckdb_value_varchar(&c, 0, k);
			rc = append_column(q, s, tb, col, duckdb_value_boolean(&c, 1, k), n, e);
			duckdb_free(col);
		}
		if (rc == 0)
			duckdb_destroy_result(&c);
		duckdb_free(s), duckdb_free(tb);
	}
	duckdb_destroy_result(&t);
	if (rc == 0 && q->len == 0 && buf_printf(q, "SELECT NULL::VARCHAR AS u WHERE false") < 0)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	return rc;
}

void refs_diff_free(struct refs_diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].uri);
	free(d->items);
	memset(d, 0, sizeof *d);
}

/* HEAD every changed URI that lies in the lake's bucket: does it still exist, how big. */
static int check_objects(struct lake *l, struct refs_diff *d, struct err *e)
{
	const struct config *cfg = lake_config(l);
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return -1;
	char prefix[80];
	snprintf(prefix, sizeof prefix, "s3://%s/", cfg->bucket);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < d->n; i++) {
		struct refs_change *c = &d->items[i];
		c->exists = -1;
		c->bytes = -1;
		if (strncmp(c->uri, prefix, strlen(prefix)) != 0)
			continue;
		struct s3_object o = {0};
		int found = 0;
		struct err head = {0};
		/* a missing object is an answer (found = 0), anything else a failure */
		if (s3_head(s, c->uri + strlen(prefix), &o, &found, &head) < 0 && found == 0 &&
		    head.code != EXIT_FAILED) {
			*e = head;
			rc = -1;
		}
		c->exists = found;
		c->bytes = found ? o.size : -1;
		if (!found)
			d->missing++;
		if (found && c->added)
			d->added_bytes += o.size;
		else if (found)
			d->removed_bytes += o.size;
	}
	s3_free(s);
	return rc;
}

int refs_diff(struct lake *l, const char *schema, const char *table, int64_t a, int64_t b,
	      struct refs_diff *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct buf qa = {0}, qb = {0}, q = {0};
	duckdb_result r;
	int rc = uris_at(l, schema, table, a, &qa, e);
	rc = rc ? rc : uris_at(l, schema, table, b, &qb, e);
	if (rc == 0 &&
	    buf_printf(&q,
		       "WITH a AS (SELECT DISTINCT u FROM (%s) WHERE u IS NOT NULL), b AS (SELECT "
		       "DISTINCT u FROM (%s) WHERE u IS NOT NULL) SELECT u, false FROM a WHERE NOT "
		       "EXISTS (SELECT 1 FROM b WHERE b.u = a.u) UNION ALL SELECT u, true FROM b WHERE "
		       "NOT EXISTS (SELECT 1 FROM a WHERE a.u = b.u) ORDER BY 2, 1",
		       qa.data, qb.data) < 0)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	rc = rc ? rc : lake_query(l, q.data, NULL, 0, &r, e);
	buf_free(&qa), buf_free(&qb), buf_free(&q);
	if (rc < 0)
		return -1;
	idx_t n = duckdb_row_count(&r);
	out->items = calloc(n ? n : 1, sizeof *out->items);
	for (idx_t i = 0; out->items && i < n; i++) {
		struct refs_change *c = &out->items[out->n++];
		char *u = duckdb_value_varchar(&r, 0, i);
		c->uri = strdup(u ? u : "");
		duckdb_free(u);
		c->added = duckdb_value_boolean(&r, 1, i);
		if (c->added)
			out->added++;
		else
			out->removed++;
	}
	duckdb_destroy_result(&r);
	if (!out->items)
		return err_set(e, EXIT_FAILED, "out of memory");
	rc = check_objects(l, out, e);
	if (rc < 0)
		refs_diff_free(out);
	return rc;
}
