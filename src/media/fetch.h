/* fetch.h - the loader: SQL picks rows, fetch reads only the bytes they name.
 *
 * The rows are planned by the media reader (reader.h): rows with (clip_uri, fragment_id) are
 * looked up in the fragment index, each clip's init segment is read once and each fragment
 * with one Range GET (parallel, one connection per thread), then written as a standalone .mp4
 * (init + fragment) and, on request, decoded to one image per frame. Rows with an image_uri
 * column fetch whole objects (COCO images). Files are written under a temporary name.
 */
#ifndef LAKEHOUSE_FETCH_H
#define LAKEHOUSE_FETCH_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "lake/history.h"

struct fetch_request {
	const char *sql;     /* the selecting query */
	struct lake_ref at;  /* fetch_run: the snapshot the query reads (none: the newest) */
	const char *out_dir;
	const char *frames;  /* NULL, "png" or "jpg" */
	int dry_run;
	int threads;
	struct progress *progress; /* counts items, bytes and frames as they land (may be NULL) */
};

struct fetch_result {
	int64_t items;        /* fragments or images */
	int64_t frames;       /* decoded frames (with --frames) */
	int64_t bytes_fetched;
	int64_t bytes_planned; /* Σ fragment lengths + init segments (or object sizes) */
	int64_t bytes_whole;   /* sizes of the whole clips involved */
	int64_t clips;
};

int fetch_run(const struct config *cfg, const struct fetch_request *rq, struct fetch_result *res,
	      struct err *e);
/* fetch_run on a lake the caller has open (and keeps), at the state it has it open at
 * (rq->at is not looked at). */
struct lake;
int fetch_run_on(struct lake *l, const struct config *cfg, const struct fetch_request *rq,
		 struct fetch_result *res, struct err *e);

#endif
