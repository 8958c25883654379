/* thumbs.h - the thumbnails a site needs: registered while the pages are planned, then made
 * in parallel through the media reader (media/reader.h: each clip's init segment read once,
 * one reader per worker) from whole objects (images) or from a clip's init segment + one
 * fragment's byte range (frames), and cached by content address.
 *
 * A thumbnail's name is the SHA-256 of its source ("URI" or "URI#offset+length"): objects are
 * content-addressed, so the name stands for the bytes. thumbs/<name>.jpg (or <name>-<k>.jpg per
 * frame) plus thumbs/<name>.txt ("WIDTH HEIGHT" of the source, written last: the marker of a
 * complete entry). An entry in the previous site's thumbs/ is linked, not fetched again.
 * Memory: the registry owns its entries; thumbs_free() releases it.
 */
#ifndef LAKEHOUSE_THUMBS_H
#define LAKEHOUSE_THUMBS_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

enum thumb_state { THUMB_PENDING, THUMB_READY, THUMB_GONE };

struct thumb_entry {
	char name[65];
	char uri[1024];
	int64_t offset, length, init_length; /* fragments: length > 0 */
	int64_t positions[3];                 /* frames within the fragment */
	int frames;                           /* 0: an image */
	enum thumb_state state;
	int width, height;                    /* of the source picture, when READY */
	char why[512];                        /* when GONE: what happened */
};

struct thumbs;

struct thumbs_stats {
	int64_t gets, bytes, made, cached, gone;
};

struct thumbs *thumbs_new(const struct config *cfg, const char *old_dir, const char *new_dir);
void thumbs_free(struct thumbs *t);
/* Registers an image object; returns its entry index (the same for the same URI). */
long thumbs_add_image(struct thumbs *t, const char *uri);
/* Registers three frames of a fragment (positions within it). */
long thumbs_add_fragment(struct thumbs *t, const char *clip_uri, int64_t offset, int64_t length,
			 int64_t init_length, const int64_t positions[3]);
const struct thumb_entry *thumbs_get(const struct thumbs *t, long index);
/* Links cached entries, fetches and makes the rest on `threads` workers. An object that is
 * gone or cannot be decoded marks its entry GONE (a warning for the caller); failing to reach
 * the store or to write fails the run. Thumbnails made and bytes fetched are counted in
 * progress (may be NULL). */
struct progress;
int thumbs_make(struct thumbs *t, int threads, struct progress *progress, struct thumbs_stats *st,
		struct err *e);

#endif
