/* sheet.c - see sheet.h. */
#include "view/sheet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake.h"
#include "media/reader.h"
#include "view/html.h"

int view_queryf(struct lake *l, duckdb_result *r, struct err *e, const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_append(&b, NULL, (size_t)n + 1) < 0)
		return err_set(e, EXIT_FAILED, "out of memory");
	va_start(ap, fmt);
	vsnprintf(b.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int rc = lake_query(l, b.data, NULL, 0, r, e);
	buf_free(&b);
	return rc;
}

int view_table_exists(struct lake *l, const char *schema, const char *table)
{
	int yes = 0;
	struct err ignored = {0};
	return lake_table_exists(l, schema, table, &yes, &ignored) == 0 && yes;
}

static int column(duckdb_result *r, const char *name)
{
	for (idx_t c = 0; c < duckdb_column_count(r); c++)
		if (strcmp(duckdb_column_name(r, c), name) == 0)
			return (int)c;
	return -1;
}

static int add_box(struct sheet_boxes *bs, double x, double y, double w, double h,
		   const char *label)
{
	if (bs->n == bs->cap) {
		size_t cap = bs->cap ? 2 * bs->cap : 8;
		struct sheet_box *v = realloc(bs->v, cap * sizeof *v);
		if (!v)
			return -1;
		bs->v = v, bs->cap = cap;
	}
	struct sheet_box *b = &bs->v[bs->n++];
	b->x = (float)x, b->y = (float)y, b->w = (float)w, b->h = (float)h;
	snprintf(b->label, sizeof b->label, "%s", label ? label : "?");
	return 0;
}

/* Tiles whose URI is uri (a query may select the same image twice). */
static void for_uri(struct sheet *sh, const char *uri, double x, double y, double w, double h,
		    const char *label, const char *caption, int *rc)
{
	for (size_t i = 0; i < sh->ntiles; i++) {
		struct sheet_tile *t = &sh->tiles[i];
		if (strcmp(t->uri, uri) != 0)
			continue;
		if (caption) {
			*rc |= buf_printf(&t->captions, "<div class=\"cap\">");
			*rc |= html_escape(&t->captions, caption);
			*rc |= buf_printf(&t->captions, "</div>");
		} else {
			*rc |= add_box(&t->boxes[0], x, y, w, h, label);
		}
	}
}

/* COCO boxes and captions of the selected images, joined through silver.coco_images. */
static int image_extras(struct lake *l, struct sheet *sh, const char *col, struct err *e)
{
	if (strcmp(col, "image_uri") != 0 || !view_table_exists(l, "silver", "coco_images"))
		return 0;
	duckdb_result r;
	int rc = 0;
	if (view_table_exists(l, "silver", "coco_objects")) {
		if (view_queryf(l, &r, e,
		      "SELECT i.image_uri, o.category, o.bbox[1], o.bbox[2], o.bbox[3], o.bbox[4] FROM "
		      "silver.coco_objects o JOIN silver.coco_images i USING (image_id) WHERE "
		      "i.image_uri IN (SELECT image_uri FROM temp.view_rows) ORDER BY o.object_id") < 0)
			return -1;
		for (idx_t i = 0; i < duckdb_row_count(&r); i++) {
			char *uri = duckdb_value_varchar(&r, 0, i), *cat = duckdb_value_varchar(&r, 1, i);
			for_uri(sh, uri ? uri : "", duckdb_value_double(&r, 2, i),
				duckdb_value_double(&r, 3, i), duckdb_value_double(&r, 4, i),
				duckdb_value_double(&r, 5, i), cat, NULL, &rc);
			duckdb_free(uri);
			duckdb_free(cat);
		}
		duckdb_destroy_result(&r);
	}
	if (rc == 0 && view_table_exists(l, "silver", "coco_captions")) {
		if (view_queryf(l, &r, e,
		      "SELECT i.image_uri, c.caption FROM silver.coco_captions c JOIN "
		      "silver.coco_images i USING (image_id) WHERE i.image_uri IN (SELECT image_uri "
		      "FROM temp.view_rows) ORDER BY c.caption") < 0)
			return -1;
		for (idx_t i = 0; i < duckdb_row_count(&r); i++) {
			char *uri = duckdb_value_varchar(&r, 0, i), *cap = duckdb_value_varchar(&r, 1, i);
			if (cap)
				for_uri(sh, uri ? uri : "", 0, 0, 0, 0, NULL, cap, &rc);
			duckdb_free(uri);
			duckdb_free(cap);
		}
		duckdb_destroy_result(&r);
	}
	return rc ? err_set(e, EXIT_FAILED, "out of memory") : 0;
}

static int plan_images(struct lake *l, struct sheet *sh, struct thumbs *th, struct err *e)
{
	idx_t n = duckdb_row_count(&sh->rows);
	for (idx_t i = 0; i < n; i++) {
		struct sheet_tile *t = &sh->tiles[sh->ntiles++];
		char *uri = duckdb_value_is_null(&sh->rows, (idx_t)sh->uri_col, i)
				    ? NULL
				    : duckdb_value_varchar(&sh->rows, (idx_t)sh->uri_col, i);
		t->thumb = uri ? thumbs_add_image(th, uri) : -1;
		snprintf(t->uri, sizeof t->uri, "%s", uri ? uri : "");
		if (!uri)
			snprintf(t->why, sizeof t->why, "the row's %s is NULL",
				 duckdb_column_name(&sh->rows, (idx_t)sh->uri_col));
		duckdb_free(uri);
	}
	return image_extras(l, sh, duckdb_column_name(&sh->rows, (idx_t)sh->uri_col), e);
}

/* Fragment rows: their byte ranges from the media reader's plan (the one join with the
 * fragment index, left as temp.media_plan), three frames each, their boxes. */
static int plan_fragments(struct lake *l, struct sheet *sh, struct thumbs *th, struct err *e)
{
	idx_t n = duckdb_row_count(&sh->rows);
	for (idx_t i = 0; i < n; i++) {
		struct sheet_tile *t = &sh->tiles[sh->ntiles++];
		t->thumb = -1;
		snprintf(t->why, sizeof t->why, "not in the fragment index (raw.visdrone_fragments)");
	}
	struct media_plan p;
	int rc = media_plan_query(l, "SELECT clip_uri, fragment_id FROM temp.view_rows",
				  MEDIA_ORDER_SELECTION, &p, e);
	for (size_t i = 0; rc == 0 && i < p.n; i++) {
		const struct media_item *it = &p.items[i];
		const struct media_clip *c = &p.clips[it->clip];
		if (it->pos < 1 || (size_t)it->pos > sh->ntiles)
			continue;
		struct sheet_tile *t = &sh->tiles[it->pos - 1];
		snprintf(t->uri, sizeof t->uri, "%s", it->uri);
		snprintf(t->sequence, sizeof t->sequence, "%s", c->sequence ? c->sequence : "");
		t->fragment_id = it->fragment_id;
		t->start_frame = it->start_frame;
		t->end_frame = it->end_frame;
		int64_t len = t->end_frame - t->start_frame + 1;
		int64_t positions[3] = {0, (len - 1) / 2, len - 1};
		for (int k = 0; k < 3; k++)
			t->frames[k] = t->start_frame + positions[k];
		t->thumb = thumbs_add_fragment(th, t->uri, it->offset, it->length, c->init_length,
					       positions);
		t->why[0] = '\0';
	}
	media_plan_free(&p);
	if (rc < 0)
		return -1;
	if (!view_table_exists(l, "silver", "visdrone_annotations"))
		return 0;
	/* VisDrone's frame_index is 1-based; fragment frames are 0-based clip positions */
	duckdb_result r;
	if (view_queryf(l, &r, e,
	      "WITH fr AS (SELECT pos, sequence, k, CASE k WHEN 0 THEN start_frame WHEN 1 THEN "
	      "start_frame + (end_frame - start_frame) // 2 ELSE end_frame END AS frame FROM "
	      "temp.media_plan CROSS JOIN (VALUES (0), (1), (2)) u(k)) SELECT fr.pos, fr.k, "
	      "a.category, a.bbox_left, a.bbox_top, a.bbox_width, a.bbox_height FROM fr JOIN "
	      "silver.visdrone_annotations a ON a.sequence = fr.sequence AND a.frame_index = "
	      "fr.frame + 1 ORDER BY fr.pos, fr.k, a.target_id") < 0)
		return -1;
	for (idx_t i = 0; i < duckdb_row_count(&r); i++) {
		int64_t pos = duckdb_value_int64(&r, 0, i), k = duckdb_value_int64(&r, 1, i);
		if (pos < 1 || (size_t)pos > sh->ntiles || k < 0 || k > 2)
			continue;
		char *cat = duckdb_value_varchar(&r, 2, i);
		rc |= add_box(&sh->tiles[pos - 1].boxes[k], duckdb_value_double(&r, 3, i),
			      duckdb_value_double(&r, 4, i), duckdb_value_double(&r, 5, i),
			      duckdb_value_double(&r, 6, i), cat);
		duckdb_free(cat);
	}
	duckdb_destroy_result(&r);
	return rc ? err_set(e, EXIT_FAILED, "out of memory") : 0;
}

static void name_sheet(struct sheet *sh, const struct sheet_spec *spec)
{
	if (spec->query) {
		char safe[100];
		size_t i = 0;
		for (const char *p = spec->query; *p && i < sizeof safe - 1; p++)
			safe[i++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
						    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
					    ? *p
					    : '_';
		safe[i] = '\0';
		snprintf(sh->file, sizeof sh->file, "sheet-%s.html", safe);
		snprintf(sh->title, sizeof sh->title, "query %s", spec->query);
	} else {
		snprintf(sh->file, sizeof sh->file, "sheet-sql-%d.html", spec->index);
		snprintf(sh->title, sizeof sh->title, "--sql #%d", spec->index);
	}
}

static int plan(struct lake *l, const struct sheet_spec *spec, struct thumbs *th,
		struct sheet *sh, struct err *e)
{
	name_sheet(sh, spec);
	if (buf_printf(&sh->sql, "%s", spec->sql) < 0)
		return err_set(e, EXIT_FAILED, "out of memory");
	size_t len = sh->sql.len;
	while (len && strchr("; \t\r\n", sh->sql.data[len - 1]))
		sh->sql.data[--len] = '\0';
	sh->sql.len = len;
	duckdb_result r;
	if (view_queryf(l, &r, e, "CREATE OR REPLACE TEMP TABLE view_rows AS SELECT * FROM (%s\n) q LIMIT %ld",
	      sh->sql.data, spec->limit) < 0)
		return err_wrap(e, "the %s", sh->title);
	duckdb_destroy_result(&r);
	if (view_queryf(l, &sh->rows, e, "SELECT COLUMNS(*)::VARCHAR FROM temp.view_rows") < 0)
		return err_wrap(e, "the %s", sh->title);
	sh->have_rows = 1;
	idx_t n = duckdb_row_count(&sh->rows);
	sh->tiles = calloc(n ? n : 1, sizeof *sh->tiles);
	if (!sh->tiles)
		return err_set(e, EXIT_FAILED, "out of memory");
	sh->uri_col = column(&sh->rows, "image_uri");
	for (idx_t c = 0; sh->uri_col < 0 && c < duckdb_column_count(&sh->rows); c++) {
		const char *name = duckdb_column_name(&sh->rows, c);
		size_t nl = strlen(name);
		if (nl > 4 && strcmp(name + nl - 4, "_uri") == 0 && strcmp(name, "clip_uri") != 0)
			sh->uri_col = (int)c;
	}
	if (column(&sh->rows, "clip_uri") >= 0 && column(&sh->rows, "fragment_id") >= 0) {
		sh->kind = SHEET_FRAGMENTS;
		return plan_fragments(l, sh, th, e);
	}
	if (sh->uri_col >= 0) {
		sh->kind = SHEET_IMAGES;
		return plan_images(l, sh, th, e);
	}
	sh->kind = SHEET_TABLE;
	struct buf cols = {0};
	for (idx_t c = 0; c < duckdb_column_count(&sh->rows); c++)
		buf_printf(&cols, "%s%s", c ? ", " : "", duckdb_column_name(&sh->rows, c));
	snprintf(sh->reason, sizeof sh->reason,
		 "no contact sheet: the query returns no *_uri column (it returns %s), so there is no "
		 "picture to show; its rows are shown as a table",
		 cols.data ? cols.data : "no column");
	buf_free(&cols);
	return 0;
}

int sheet_plan(struct lake *l, const struct sheet_spec *spec, struct thumbs *th,
	       struct sheet *sh, struct err *e)
{
	memset(sh, 0, sizeof *sh);
	if (plan(l, spec, th, sh, e) == 0)
		return 0;
	sheet_free(sh); /* a failed plan leaves nothing for the caller to free */
	memset(sh, 0, sizeof *sh);
	return -1;
}

/* ---- rendering ---------------------------------------------------------------------------- */

static int render_boxes(struct buf *b, const struct thumb_entry *en, const struct sheet_box *v,
			size_t n)
{
	double font = (en->width > en->height ? en->width : en->height) / 28.0;
	int rc = buf_printf(b, "<svg class=\"boxes\" viewBox=\"0 0 %d %d\" preserveAspectRatio=\"none\">",
			    en->width, en->height);
	for (size_t i = 0; i < n; i++) {
		char colour[32];
		html_category_colour(v[i].label, colour);
		rc |= buf_printf(b,
				 "<g><rect class=\"box\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				 "fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
				 "vector-effect=\"non-scaling-stroke\"/><text x=\"%.1f\" y=\"%.1f\" "
				 "font-size=\"%.1f\" fill=\"%s\">",
				 v[i].x, v[i].y, v[i].w, v[i].h, colour, v[i].x, v[i].y > font ? v[i].y - 2 : v[i].y + font,
				 font, colour);
		rc |= html_escape(b, v[i].label);
		rc |= buf_printf(b, "</text></g>");
	}
	return rc | buf_printf(b, "</svg>");
}

int sheet_render_picture(struct buf *b, const struct thumb_entry *en, int k,
			 const struct sheet_box *boxes, size_t nboxes)
{
	int rc = 0;
	if (!en || en->state != THUMB_READY) {
		rc |= buf_printf(b, "<div class=\"gone\" data-gone-uri=\"");
		rc |= html_escape(b, en ? en->uri : "");
		rc |= buf_printf(b, "\">object unavailable: ");
		rc |= html_escape(b, en ? en->uri : "");
		rc |= buf_printf(b, "<br>");
		rc |= html_escape(b, en ? en->why : "");
		return rc | buf_printf(b, "</div>");
	}
	if (en->frames)
		rc |= buf_printf(b, "<div class=\"pic\"><img src=\"thumbs/%s-%d.jpg\" alt=\"frame\">",
				 en->name, k);
	else
		rc |= buf_printf(b, "<div class=\"pic\"><img src=\"thumbs/%s.jpg\" alt=\"image\">", en->name);
	if (boxes)
		rc |= render_boxes(b, en, boxes, nboxes);
	return rc | buf_printf(b, "</div>");
}

/* The row's values, for the hover text. */
static int row_title(struct buf *b, duckdb_result *r, idx_t row)
{
	int rc = 0;
	for (idx_t c = 0; c < duckdb_column_count(r); c++) {
		char *v = duckdb_value_is_null(r, c, row) ? NULL : duckdb_value_varchar(r, c, row);
		rc |= buf_printf(b, "%s", c ? "&#10;" : "");
		rc |= html_escape(b, duckdb_column_name(r, c));
		rc |= buf_printf(b, ": ");
		rc |= html_escape(b, v ? v : "NULL");
		duckdb_free(v);
	}
	return rc;
}

static int render_rows_table(struct buf *b, duckdb_result *r)
{
	int rc = buf_printf(b, "<table class=\"rows\"><tr>");
	for (idx_t c = 0; c < duckdb_column_count(r); c++) {
		rc |= buf_printf(b, "<th>");
		rc |= html_escape(b, duckdb_column_name(r, c));
		rc |= buf_printf(b, "</th>");
	}
	rc |= buf_printf(b, "</tr>");
	for (idx_t i = 0; i < duckdb_row_count(r); i++) {
		rc |= buf_printf(b, "<tr>");
		for (idx_t c = 0; c < duckdb_column_count(r); c++) {
			char *v = duckdb_value_is_null(r, c, i) ? NULL : duckdb_value_varchar(r, c, i);
			rc |= buf_printf(b, "<td>");
			rc |= v ? html_escape(b, v) : buf_printf(b, "<i>NULL</i>");
			rc |= buf_printf(b, "</td>");
			duckdb_free(v);
		}
		rc |= buf_printf(b, "</tr>");
	}
	return rc | buf_printf(b, "</table>");
}

static const struct sheet_box no_boxes[1];

static int render_tile(struct buf *b, const struct sheet *sh, const struct thumbs *th, size_t i)
{
	const struct sheet_tile *t = &sh->tiles[i];
	duckdb_result *rows = (duckdb_result *)&sh->rows;
	const struct thumb_entry *en = thumbs_get(th, t->thumb);
	struct thumb_entry missing = {0};
	if (!en) {
		snprintf(missing.uri, sizeof missing.uri, "%s", t->uri);
		snprintf(missing.why, sizeof missing.why, "%s", t->why);
		en = &missing;
	}
	int frag = sh->kind == SHEET_FRAGMENTS;
	int rc = buf_printf(b, "<figure class=\"tile%s\" data-row=\"%zu\" data-uri=\"", frag ? " fragment" : "", i);
	rc |= html_escape(b, t->uri);
	if (frag) {
		rc |= buf_printf(b, "\" data-fragment=\"%lld\" data-sequence=\"", (long long)t->fragment_id);
		rc |= html_escape(b, t->sequence);
	}
	rc |= buf_printf(b, "\" title=\"");
	rc |= row_title(b, rows, (idx_t)i);
	rc |= buf_printf(b, "\">");
	if (frag && en->state == THUMB_READY) {
		rc |= buf_printf(b, "<div class=\"strip\">");
		for (int k = 0; k < 3; k++) {
			rc |= buf_printf(b, "<div class=\"frame\" data-frame=\"%lld\">", (long long)t->frames[k]);
			rc |= sheet_render_picture(b, en, k, t->boxes[k].v ? t->boxes[k].v : no_boxes, t->boxes[k].n);
			rc |= buf_printf(b, "</div>");
		}
		rc |= buf_printf(b, "</div>");
	} else {
		rc |= sheet_render_picture(b, en, 0, t->boxes[0].v ? t->boxes[0].v : no_boxes, t->boxes[0].n);
	}
	rc |= buf_printf(b, "<figcaption>");
	if (frag) {
		rc |= html_escape(b, t->sequence);
		rc |= buf_printf(b, " #%lld · frames %lld–%lld · %zu/%zu/%zu boxes", (long long)t->fragment_id,
				 (long long)t->start_frame, (long long)t->end_frame, t->boxes[0].n,
				 t->boxes[1].n, t->boxes[2].n);
		for (idx_t c = 0; c < duckdb_column_count(rows); c++) {
			const char *name = duckdb_column_name(rows, c);
			if (strcmp(name, "clip_uri") == 0 || strcmp(name, "fragment_id") == 0)
				continue;
			char *v = duckdb_value_is_null(rows, c, (idx_t)i) ? NULL : duckdb_value_varchar(rows, c, (idx_t)i);
			rc |= buf_printf(b, "<br>");
			rc |= html_escape(b, name);
			rc |= buf_printf(b, ": ");
			rc |= html_escape(b, v ? v : "NULL");
			duckdb_free(v);
		}
	} else {
		if (t->captions.data)
			rc |= buf_append(b, t->captions.data, t->captions.len);
		rc |= buf_printf(b, "<div class=\"n\">%zu boxes</div>", t->boxes[0].n);
	}
	return rc | buf_printf(b, "</figcaption></figure>\n");
}

int sheet_render(struct buf *b, const struct sheet *sh, const struct thumbs *th, int64_t *tiles)
{
	*tiles = 0;
	int rc = buf_printf(b, "<pre class=\"sql\">");
	rc |= html_escape(b, sh->sql.data);
	rc |= buf_printf(b, "</pre><p>%llu rows</p>", (unsigned long long)duckdb_row_count((duckdb_result *)&sh->rows));
	if (sh->kind == SHEET_TABLE) {
		rc |= buf_printf(b, "<p class=\"note\" id=\"reason\">");
		rc |= html_escape(b, sh->reason);
		rc |= buf_printf(b, "</p>");
		return rc | render_rows_table(b, (duckdb_result *)&sh->rows);
	}
	rc |= buf_printf(b, "<div class=\"grid\">");
	for (size_t i = 0; i < sh->ntiles; i++, (*tiles)++)
		rc |= render_tile(b, sh, th, i);
	return rc | buf_printf(b, "</div>");
}

const char *sheet_file(const struct sheet *sh)
{
	return sh->file;
}

const char *sheet_title(const struct sheet *sh)
{
	return sh->title;
}

const char *sheet_reason(const struct sheet *sh)
{
	return sh->reason;
}

void sheet_free(struct sheet *sh)
{
	for (size_t i = 0; i < sh->ntiles; i++) {
		for (int k = 0; k < 3; k++)
			free(sh->tiles[i].boxes[k].v);
		buf_free(&sh->tiles[i].captions);
	}
	free(sh->tiles);
	if (sh->have_rows)
		duckdb_destroy_result(&sh->rows);
	buf_free(&sh->sql);
}
