/* upload.h - a pool of threads uploading objects in parallel, each with its own S3
 * connection. Bytes are borrowed, never copied (an ingest moves gigabytes: a copy per blob
 * cost a fifth of its CPU in memmove and page faults). Memory is bounded: uploader_put()
 * blocks while more than max_inflight bytes wait or travel. The first failure stops the
 * pool; later puts fail.
 */
#ifndef LAKEHOUSE_UPLOAD_H
#define LAKEHOUSE_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct uploader;

struct upload_stats {
	int64_t objects, bytes;
	size_t peak_inflight;
};

/* cfg must outlive the pool. Free it with uploader_finish(). */
struct uploader *uploader_new(const struct config *cfg, int threads, size_t max_inflight,
			      struct err *e);
/* Queues data for key; sha256_hex (may be NULL) is the body's known hash. data stays the
 * caller's and must stay valid until release(release_ctx) is called, exactly once, by the
 * pool: when the upload is done or dropped, or before uploader_put returns -1 (release may
 * be NULL when data outlives the pool). Returns -1 when the pool has failed (e says why). */
int uploader_put(struct uploader *u, const char *key, const void *data, size_t len,
		 const char *sha256_hex, void (*release)(void *ctx), void *release_ctx,
		 struct err *e);
/* Counts each object in progress as "uploaded" when its PUT is done (p may be NULL; borrowed
 * until uploader_finish). Call before the first put. */
struct progress;
void uploader_count(struct uploader *u, struct progress *p);

/* Waits for every queued upload, stops the threads, frees the pool; -1 with the first
 * failure. stats may be NULL. */
int uploader_finish(struct uploader *u, struct upload_stats *stats, struct err *e);

#endif
