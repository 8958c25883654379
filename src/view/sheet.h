/* sheet.h - contact sheets: the rows a query selects as a grid of thumbnails.
 * Image rows (an image_uri or other *_uri column) get their boxes from silver.coco_objects
 * drawn as an SVG overlay (never burned into pixels) and their captions; fragment rows
 * (clip_uri + fragment_id) a strip of the fragment's first, middle and last frame with each
 * frame's boxes from silver.visdrone_annotations. A query without a *_uri column gets a plain
 * table and a reason. Memory: struct sheet owns its rows and tiles; sheet_free() releases them.
 */
#ifndef LAKEHOUSE_SHEET_H
#define LAKEHOUSE_SHEET_H

#include <duckdb.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "view/thumbs.h"

struct lake;

struct sheet_box {
	float x, y, w, h;
	char label[64];
};

struct sheet_boxes {
	struct sheet_box *v;
	size_t n, cap;
};

struct sheet_tile {
	long thumb;                  /* thumbnail entry, -1 when there is none */
	struct sheet_boxes boxes[3]; /* [0] for an image, [k] per frame of a strip */
	int64_t frames[3];           /* clip frame numbers (0-based) of a strip */
	struct buf captions;         /* escaped <div class="cap"> lines */
	char uri[1024], sequence[256], why[256];
	int64_t fragment_id, start_frame, end_frame;
};

enum sheet_kind { SHEET_TABLE, SHEET_IMAGES, SHEET_FRAGMENTS };

struct sheet {
	char file[200], title[300], reason[1024];
	struct buf sql;
	enum sheet_kind kind;
	duckdb_result rows;
	int have_rows, uri_col;
	struct sheet_tile *tiles;
	size_t ntiles;
};

struct sheet_spec {
	const char *sql;   /* the selecting query */
	const char *query; /* its name when it is a named query, else NULL */
	int index;         /* 1-based position on the command line (names --sql sheets) */
	long limit;        /* rows at most */
};

/* Runs the query (its first `limit` rows), registers the thumbnails the tiles need and reads
 * their boxes and captions. On failure *out holds nothing to free. */
int sheet_plan(struct lake *l, const struct sheet_spec *spec, struct thumbs *th,
	       struct sheet *out, struct err *e);
/* Appends the sheet's body; *tiles gets the number of tiles drawn. Returns 0 or -1 (memory). */
int sheet_render(struct buf *b, const struct sheet *sh, const struct thumbs *th, int64_t *tiles);
/* A thumbnail (frame k of a strip) with its boxes as SVG, or the placeholder naming its URI. */
int sheet_render_picture(struct buf *b, const struct thumb_entry *en, int k,
			 const struct sheet_box *boxes, size_t nboxes);
/* lake_query with printf-style SQL (only for identifiers and numbers the view made itself). */
int view_queryf(struct lake *l, duckdb_result *r, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 1 when lake.SCHEMA.TABLE exists (at the snapshot the lake is attached at). */
int view_table_exists(struct lake *l, const char *schema, const char *table);
const char *sheet_file(const struct sheet *sh);
const char *sheet_title(const struct sheet *sh);
/* Why there is no contact sheet ("" when there is one). */
const char *sheet_reason(const struct sheet *sh);
void sheet_free(struct sheet *sh);

#endif
