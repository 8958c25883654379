/* thumb.h - thumbnails for the view: decode an image or a fragment's frames (libavcodec),
 * scale the long side down to at most max_side pixels (libswscale), encode JPEG (MJPEG).
 *
 * Apart from video.c because a thumbnail's needs differ from an encoder's: one frame, a
 * small JPEG, any input size. Memory: struct thumb owns its JPEG bytes; free them with
 * thumb_free(). Inputs are borrowed.
 */
#ifndef LAKEHOUSE_THUMB_H
#define LAKEHOUSE_THUMB_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct AVFrame;

struct thumb {
	struct buf jpeg;
	int width, height;             /* of the source picture (box coordinates live there) */
	int thumb_width, thumb_height; /* of the JPEG */
};

/* Thumbnail of an encoded image (JPEG, PNG, WebP, GIF or BMP, told by its magic bytes). */
int thumb_image(const void *data, size_t len, int max_side, struct thumb *out, struct err *e);

/* Decodes init + fragment (video_decode) and makes thumbnails of the frames at the given
 * 0-based positions within the fragment (ascending); out[i] gets position i. A position past
 * the fragment's last frame is an error. */
int thumb_fragment_frames(const void *init, size_t init_len, const void *frag, size_t frag_len,
			  const int64_t *positions, size_t n, int max_side, struct thumb *out,
			  struct err *e);

/* Thumbnail of one decoded frame (any pixel format). */
int thumb_frame(const struct AVFrame *frame, int max_side, struct thumb *out, struct err *e);

void thumb_free(struct thumb *t);

#endif
