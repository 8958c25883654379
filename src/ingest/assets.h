/* assets.h - a dataset's media as content-addressed objects.
 *
 * Every blob an ingest lands (an image, a Hub Image/Video/Audio cell) is stored once, as the
 * object s3://<bucket>/assets/<dataset>/<kind>/<sha256>.<ext>, and its rows hold that URI.
 * An assets run lists what the bucket already has under assets/<dataset>/ (one LIST rather
 * than a HEAD per blob), queues each new blob on the uploader (store/upload.h: parallel,
 * bounded in-flight bytes) and skips a blob the bucket or this run already has.
 *
 * Progress (progress, may be NULL): each blob adds 1 and its bytes; a skipped one also counts as
 * "skipped", an uploaded one as "uploaded" when its PUT is done. Single-threaded: one caller
 * puts. */
#ifndef LAKEHOUSE_INGEST_ASSETS_H
#define LAKEHOUSE_INGEST_ASSETS_H

#include <stddef.h>

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct assets;

/* What a blob became. status is media_status()'s word for its bytes ("ok", "truncated",
 * "unchecked"; static). */
struct asset {
	char uri[1200];
	char sha256[65];
	const char *status;
	int fresh; /* 1: a new object, queued for upload */
};

/* What a run did. */
struct assets_stats {
	int64_t blobs;	     /* blobs put */
	int64_t objects_new; /* of them, objects uploaded */
	int64_t bytes_new;
};

struct progress;
/* Lists the bucket's assets/<dataset>/ and starts the uploader (threads). cfg, dataset and
 * progress (may be NULL) must outlive the run. NULL on failure. */
struct assets *assets_begin(const struct config *cfg, const char *dataset, int threads,
			    struct progress *progress, struct err *e);

/* Names data (len bytes; name, a file name or path, gives the extension when the bytes do
 * not) as an object of kind ("image", or a Hub column name) and writes what it became into
 * out. data is borrowed until release(ctx) is called, exactly once: when its upload is done
 * or dropped, at once when the object exists already, or before -1 is returned (release may
 * be NULL). */
int assets_put(struct assets *a, const char *kind, const char *name, const void *data,
	       size_t len, void (*release)(void *ctx), void *ctx, struct asset *out,
	       struct err *e);

/* Waits for the uploads, fills st (may be NULL) and frees the run (a NULL run is nothing to
 * do). rc is the caller's result so far: -1 (e already says why, and keeps it) stays -1;
 * from 0, an upload failure gives -1 with e set. Returns the combined result. */
int assets_end(struct assets *a, int rc, struct assets_stats *st, struct err *e);

#endif
