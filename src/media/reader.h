/* reader.h - the media reader: the one way a selection of the lake becomes bytes.
 *
 * fetch, export, view and stream read images and video fragments only
 * through it:
 *   1. plan: the selection (a query returning image_uri, or clip_uri + fragment_id) joined
 *      once with the fragment index (sql/fetch.sql) -> items (a whole object, or a fragment:
 *      one byte range of its clip) and clips (the init segment's range), in a chosen order.
 *      The join is left as temp.media_plan (item, clip, pos, clip_uri, fragment_id, byte
 *      range, frames, times, clip's sequence/fps/size/split) for the caller's own metadata.
 *      A plan can also be built by hand (media_plan_clip, media_plan_add: view's registry).
 *   2. media_fetch_inits: every clip's init segment, read once per clip (on the pool).
 *   3. media_read: one item's bytes: the object, or init segment + fragment (one Range GET),
 *      which is a standalone MP4 (a fragment starts at an IDR frame; video.h). Thread-safe
 *      on a plan whose inits are fetched: one struct media_reader (S3 connection) per thread.
 * Invariants: items[i].clip indexes clips (or is -1 for a whole object); an item's bytes are
 * never held by the plan; the plan owns its strings and init segments (media_plan_free).
 */
#ifndef LAKEHOUSE_READER_H
#define LAKEHOUSE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"

struct lake;
struct progress;

struct media_clip {
	char *uri, *sequence;
	int64_t init_length; /* the init segment: bytes [0, init_length) of the clip */
	int64_t bytes;       /* the whole clip */
	struct buf init;     /* after media_fetch_inits */
	char why[512];       /* after a tolerant media_fetch_inits: why init is missing, or "" */
	int unneeded;        /* set by the caller: no item it will read is in this clip, so
				media_fetch_inits leaves its init segment unread */
};

struct media_item {
	char *uri;              /* the object: an image, or the fragment's clip */
	long clip;              /* index into clips; -1: a whole object */
	int64_t offset, length; /* the fragment's bytes in its clip; length -1: the whole object */
	int64_t pos;            /* fragments: the row's 1-based place in the selection */
	int64_t fragment_id, start_frame, end_frame;
};

struct media_plan {
	int fragments;          /* 1: items are video fragments */
	struct media_item *items;
	size_t n, cap;
	struct media_clip *clips;
	size_t nclips, cap_clips;
	int64_t bytes_planned;  /* Σ fragment lengths + init segments (images: 0, sizes unknown) */
	int64_t bytes_whole;    /* Σ sizes of the whole clips involved */
};

/* The order of a planned selection's items: the selection's own, or clip by clip (sequence,
 * fragment_id: export's shards). Images are always in image_uri order, each once. */
enum media_order { MEDIA_ORDER_SELECTION, MEDIA_ORDER_SEQUENCE };

/* Plans the selection (its trailing ';' is dropped). A selection with neither image_uri nor
 * clip_uri + fragment_id is a usage error; fragments win when both are there. *p is the
 * caller's (zeroed here; media_plan_free it, also after a failure). */
int media_plan_query(struct lake *l, const char *selection, enum media_order order,
		     struct media_plan *p, struct err *e);
/* By hand: the clip with this URI (added when new; init_length is its init segment), its
 * index or -1 out of memory. */
long media_plan_clip(struct media_plan *p, const char *uri, int64_t init_length);
/* By hand: an item (clip -1: the whole object uri; else uri is the clip's). Its index, or -1
 * out of memory. */
long media_plan_add(struct media_plan *p, const char *uri, long clip, int64_t offset,
		    int64_t length);
void media_plan_free(struct media_plan *p);

/* Reads the init segment of every clip once, on `threads` workers. Strict (tolerant 0): the
 * first failure fails the call. Tolerant: a clip that cannot be read for a reason of its own
 * (missing object, short range, not in the bucket) gets why and the rest go on; a failure of
 * the store itself (EXIT_REMOTE) still fails. Bytes received are added to *received and to
 * progress (both may be NULL). */
int media_fetch_inits(const struct config *cfg, struct media_plan *p, int threads, int tolerant,
		      struct progress *progress, int64_t *received, struct err *e);

/* One thread's reader (its own S3 connection); NULL with e filled on failure. */
struct media_reader;
struct media_reader *media_reader_new(const struct config *cfg, struct err *e);
void media_reader_free(struct media_reader *r);
/* Bytes received by this reader so far. */
int64_t media_reader_received(const struct media_reader *r);
/* Pool workers that read: each keeps its own media reader (the worker's state), and the bytes
 * they received are summed into received as they stop. Put a struct media_workers first in
 * the pool's ctx and media_workers_start/stop in its pool_ops. */
struct media_workers {
	const struct config *cfg;
	_Atomic int64_t received;
};
int media_workers_start(void *ctx, void **state, struct err *e);
void media_workers_stop(void *ctx, void *state);

/* Appends item i's bytes to out: the whole object, or its clip's init segment followed by the
 * fragment (one Range GET). Errors name the URI; an object outside the bucket is EXIT_USAGE,
 * the store's failures keep their code (EXIT_REMOTE). */
int media_read(struct media_reader *r, const struct media_plan *p, size_t i, struct buf *out,
	       struct err *e);

#endif
