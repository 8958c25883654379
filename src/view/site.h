/* site.h - `lakehouse view`: a static, self-contained site of the lake.
 *
 * Pages (all plain HTML + inline CSS, no script, no network; they open from file://):
 * index.html (layers raw → silver → gold, per table rows/columns/files/bytes/last change; media
 * totals per dataset), timeline.html + snapshot-N.html (every snapshot, what it changed),
 * table-SCHEMA.TABLE.html (schema, schema history, first rows with thumbnails) and
 * sheet-NAME.html (contact sheets: thumbnails with boxes as SVG overlays, fragment strips).
 * The site is built in a temporary folder beside DIR and swapped in at the end, so a failed
 * run leaves the previous site (or nothing) and never half a site. A site is a function of the
 * snapshot shown, the snapshots that exist and the request; when DIR already holds that site
 * (its stamp matches) nothing is written at all.
 * Memory: view_result.messages is the caller's (buf_free).
 */
#ifndef LAKEHOUSE_SITE_H
#define LAKEHOUSE_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "lake/history.h"
#include "view/thumbs.h"

struct view_sheet {
	const char *query; /* a named query (sql/queries/NAME.sql), or */
	const char *sql;   /* a query text */
};

struct view_request {
	const char *out_dir;
	const struct view_sheet *sheets; /* none: crowded-scenes and busy-fragments when their tables exist */
	size_t n_sheets;
	struct lake_ref at; /* the snapshot to show (id, tag or time; none: the newest) */
	long limit;       /* tiles per contact sheet */
	long table_rows;  /* rows on a table page */
	int threads;
	struct progress *progress; /* thumbnails made, bytes fetched (may be NULL) */
};

struct view_result {
	char index_path[4096];
	int64_t version, snapshots, tables, pages, sheets, tiles;
	struct thumbs_stats media;
	int64_t warnings;     /* objects gone or undecodable (placeholder tiles) */
	int up_to_date;       /* DIR already shows this snapshot for this request: nothing written */
	struct buf messages;  /* "warning: ..." / "note: ..." lines */
};

int view_build(const struct config *cfg, const struct view_request *rq, struct view_result *res,
	       struct err *e);

#endif
