/* export.c - see export.h: the request, the pinned snapshot and the selection; the formats
 * live in export_wds.c and export_coco.c, destinations in export_dest.c, what they share in
 * export_common.c (export_parts.h). */
#define _GNU_SOURCE
#include "media/export_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/progress.h"
#include "core/sqlfile.h"
#include "lake/lake.h"

/* ---- the snapshot and the selection ---------------------------------------------------- */

/* Resolves --version / --time / newest to one snapshot id and re-attaches the lake read-only
 * at it: every query after this (the user's and export's own joins) sees that snapshot. */
static int pin_snapshot(struct lake *l, const struct export_request *rq, struct pinned *p,
			struct err *e)
{
	int64_t n = 0;
	if (lake_pin(l, &rq->at, &p->id, e) < 0)
		return -1;
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)p->id);
	const char *par[] = {v};
	duckdb_result r;
	if (lake_query(l, "SELECT strftime(snapshot_time AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), "
			  "epoch(snapshot_time)::BIGINT FROM lake.snapshots() WHERE snapshot_id = $1::BIGINT",
		       par, 1, &r, e) < 0)
		return -1;
	n = (int64_t)duckdb_row_count(&r);
	if (n) {
		char *t = duckdb_value_varchar(&r, 0, 0);
		snprintf(p->time, sizeof p->time, "%s", t ? t : "");
		duckdb_free(t);
		p->epoch = duckdb_value_int64(&r, 1, 0);
	}
	duckdb_destroy_result(&r);
	if (!n) {
		int64_t last = 0;
		lake_current_snapshot(l, &last, e);
		return err_set(e, EXIT_USAGE, "snapshot %lld does not exist (the lake has 0..%lld; see "
					      "'lakehouse log')", (long long)p->id, (long long)last);
	}
	char sql[64];
	snprintf(sql, sizeof sql, "SET VARIABLE export_snapshot = %lld", (long long)p->id);
	if (lake_attach_at(l, p->id, e) < 0 || lake_exec(l, sql, e) < 0)
		return -1;
	return 0;
}

static int column_index(duckdb_result *r, const char *name)
{
	for (idx_t c = 0; c < duckdb_column_count(r); c++)
		if (strcmp(duckdb_column_name(r, c), name) == 0)
			return (int)c;
	return -1;
}

/* Materialises the selection as temp table export_selection. */
static int select_rows(struct lake *l, const struct export_request *rq, struct pinned *p,
		       struct err *e)
{
	if (rq->table) {
		char schema[64], table[64];
		if (lake_parse_table(rq->table, schema, table, e) < 0)
			return -1;
		snprintf(p->query, sizeof p->query, "SELECT * FROM \"%s\".\"%s\"", schema, table);
	} else {
		size_t len = strlen(rq->sql);
		while (len && strchr("; \n\t", rq->sql[len - 1]))
			len--;
		if (len >= sizeof p->query - 64)
			return err_set(e, EXIT_USAGE, "the --sql query is too long (%zu bytes)", len);
		snprintf(p->query, sizeof p->query, "%.*s", (int)len, rq->sql);
	}
	struct buf q = {0};
	buf_printf(&q, "SELECT * FROM (%s) LIMIT 0", p->query);
	duckdb_result probe;
	int rc = lake_query(l, q.data, NULL, 0, &probe, e);
	buf_free(&q);
	if (rc < 0)
		return rq->table ? err_wrap(e, "table %s at snapshot %lld", rq->table, (long long)p->id)
				 : err_wrap(e, "the --sql query at snapshot %lld", (long long)p->id);
	int images = column_index(&probe, "image_uri") >= 0;
	p->fragments = column_index(&probe, "clip_uri") >= 0 && column_index(&probe, "fragment_id") >= 0;
	p->has_split = column_index(&probe, "split") >= 0;
	duckdb_destroy_result(&probe);
	if (!images && !p->fragments)
		return err_set(e, EXIT_USAGE, "the selection must return image_uri (images) or clip_uri "
					      "and fragment_id (video fragments), e.g. SELECT image_uri "
					      "FROM gold.coco_train");
	if (p->fragments && images)
		p->fragments = 0; /* image rows win when both are there */
	const char *split = p->has_split ? "split::VARCHAR" : "NULL::VARCHAR";
	buf_printf(&q, "CREATE OR REPLACE TEMP TABLE export_selection AS SELECT %s, %s AS split FROM (%s)",
		   p->fragments ? "clip_uri::VARCHAR AS clip_uri, fragment_id::INTEGER AS fragment_id"
				: "image_uri::VARCHAR AS image_uri",
		   split, p->query);
	rc = lake_exec(l, q.data, e);
	buf_free(&q);
	return rc;
}

/* ---- entry ------------------------------------------------------------------------------ */

/* Images of any table export; boxes and captions come from silver when it has COCO. */
static int silver_coco(struct lake *l, struct pinned *p, struct err *e)
{
	static const char *const tables[] = {"coco_categories", "coco_images", "coco_objects",
					     "coco_captions"};
	p->silver = 1;
	for (size_t i = 0; i < sizeof tables / sizeof tables[0] && p->silver; i++)
		if (lake_table_exists(l, "silver", tables[i], &p->silver, e) < 0)
			return -1;
	return 0;
}

/* The COCO-format dataset an image export reads a release's records from (p->release): the
 * NAME of `--table raw.<NAME>_images` when the ingest of a COCO release made
 * raw.<NAME>_categories beside it (every raw record, as it came), else the silver COCO tables'
 * dataset. Its raw tables are named by temp views, so sql/40_export.sql reads any NAME. */
static int find_release(struct lake *l, const struct export_request *rq, struct pinned *p,
			struct err *e)
{
	char schema[64] = "", table[64] = "";
	int exists = 0;
	size_t n;
	if (rq->table && lake_parse_table(rq->table, schema, table, e) < 0)
		return -1;
	if (strcmp(schema, "raw") == 0 && (n = strlen(table)) > 7 &&
	    strcmp(table + n - 7, "_images") == 0) {
		snprintf(p->release, sizeof p->release, "%.*s", (int)(n - 7), table);
		char cats[80];
		snprintf(cats, sizeof cats, "%s_categories", p->release);
		if (lake_table_exists(l, "raw", cats, &exists, e) < 0)
			return -1;
		p->release_raw = exists;
	}
	if (!p->release_raw)
		snprintf(p->release, sizeof p->release, "%s", p->silver ? "coco" : "");
	if (!p->release[0])
		return 0;
	static const char *const kinds[] = {"images", "objects", "categories", "licenses",
					    "captions"};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		char name[96], quoted[200];
		snprintf(name, sizeof name, "%s_%s", p->release, kinds[i]);
		if (lake_table_exists(l, "raw", name, &exists, e) < 0)
			return -1;
		if (!exists && !p->release_raw) { /* the silver COCO of Hub shapes only */
			p->release[0] = '\0';
			return 0;
		}
		struct buf q = {0};
		int rc = lake_quote_ident(name, quoted, sizeof quoted);
		rc = rc ? err_set(e, EXIT_FAILED, "table name too long")
			: buf_printf(&q, "CREATE OR REPLACE TEMP VIEW export_release_%s AS SELECT * "
					 "FROM raw.%s%s", kinds[i], quoted,
				     exists ? "" : " WHERE false");
		rc = rc ? rc : lake_exec(l, q.data, e);
		buf_free(&q);
		if (rc < 0)
			return -1;
	}
	/* the annotations a release's split exports: those silver kept, or every raw one */
	return lake_exec(l, p->release_raw
			 ? "CREATE OR REPLACE TEMP VIEW export_kept_objects AS "
			   "SELECT object_id FROM export_release_objects"
			 : "CREATE OR REPLACE TEMP VIEW export_kept_objects AS "
			   "SELECT object_id FROM silver.coco_objects", e);
}

int export_select(struct lake *l, const struct export_request *rq, struct pinned *p,
		  struct err *e)
{
	int rc = pin_snapshot(l, rq, p, e);
	if (rc == 0)
		rc = select_rows(l, rq, p, e);
	if (rc == 0 && !p->fragments)
		rc = silver_coco(l, p, e);
	if (rc == 0 && !p->fragments)
		rc = find_release(l, rq, p, e);
	if (rc == 0 && !p->fragments && p->silver)
		rc = export_section_query(l, "categories", NULL, 0, NULL, e);
	if (rc == 0 && !p->fragments && (p->silver || p->release_raw))
		rc = lake_exec(l, p->release_raw
				  ? "CREATE OR REPLACE TEMP VIEW export_image_meta AS SELECT DISTINCT "
				    "ON (image_uri) * FROM export_release_images ORDER BY image_uri, "
				    "image_id"
				  : "CREATE OR REPLACE TEMP VIEW export_image_meta AS SELECT * FROM "
				    "silver.coco_images",
			       e);
	if (rc == 0 && !p->fragments)
		rc = export_section_query(l, p->silver || p->release_raw ? "images" : "images_bare",
					  NULL, 0, NULL, e);
	return rc;
}

int export_run(const struct config *cfg, const struct export_request *rq,
	       struct export_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	struct dest d;
	if (dest_parse(cfg, rq->out, &d, e) < 0)
		return -1;
	if (d.kind == DEST_STDOUT && rq->format != EXPORT_WEBDATASET) {
		dest_free(&d);
		return err_set(e, EXIT_USAGE, "--out - (stdout) is for --format webdataset only");
	}
	char name[128] = "export";
	if (rq->name)
		export_key(rq->name, name, sizeof name);
	else if (rq->table)
		export_key(strchr(rq->table, '.') ? strchr(rq->table, '.') + 1 : rq->table, name, sizeof name);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_READ, e) < 0) {
		dest_free(&d);
		return -1;
	}
	struct pinned p = {0};
	int rc = export_select(l, rq, &p, e);
	if (rc == 0 && !p.fragments && !p.silver && !p.release_raw && rq->format == EXPORT_COCO)
		rc = err_set(e, EXIT_USAGE, "--format coco needs the silver COCO tables (run "
					    "'lakehouse transform silver'), or a COCO-format dataset's "
					    "raw table: --table raw.NAME_images");
	if (rc == 0)
		rc = dest_check_empty(&d, rq->force, e);
	res->snapshot = p.id;
	if (rc == 0 && rq->format == EXPORT_WEBDATASET)
		rc = export_webdataset(l, cfg, rq, &p, &d, name, res, e);
	else if (rc == 0)
		rc = export_coco(l, cfg, rq, &p, &d, res, e);
	lake_close(l);
	dest_free(&d);
	return rc;
}
