/* decode.h - samples as pixels: a JPEG image or a video fragment decoded to RGB, resized to a
 * fixed size (stretch, pad or crop), as a NumPy .npy array, with the geometry that maps the
 * source's coordinates (boxes) to the array's.
 *
 * JPEG: libjpeg-turbo (TurboJPEG) with DCT-domain scaling: the decoder scales by the smallest
 * of its factors (M/8) that keeps the image at least as large as the resize needs, then a
 * separable triangle (bilinear, antialiased like Pillow's BILINEAR) resampler gives the size.
 * Video: FFmpeg decodes init segment + fragment (video_decode); each kept frame is converted
 * to RGB and resampled the same way. Output: uint8, H x W x 3 (images) or T x H x W x 3
 * (fragments), C order. Stateless and thread-safe.
 */
#ifndef LAKEHOUSE_DECODE_H
#define LAKEHOUSE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum decode_fit {
	DECODE_STRETCH, /* each axis scaled to the target: aspect ratio not kept */
	DECODE_PAD,     /* the whole image inside the target, centred, black bars */
	DECODE_CROP,    /* the target covered, centred, the overflow cut off */
};

struct decode_spec {
	int width, height;   /* the output size */
	enum decode_fit fit;
	int64_t frames;      /* video: 0 = every frame, K = K frames evenly spaced */
};

/* Where source pixel coordinates land: x' = x * sx + ox, y' = y * sy + oy. */
struct decode_geom {
	int src_w, src_h;
	double sx, sy, ox, oy;
};

/* The geometry of fitting a src_w x src_h image into the spec's size. */
void decode_geometry(const struct decode_spec *s, int src_w, int src_h, struct decode_geom *g);

/* Resamples an RGB image (stride bytes per row) through g into dst (spec width x height x 3,
 * zeroed outside the image for pad). g is relative to this image's size. */
void decode_resample(const unsigned char *src, int w, int h, size_t stride,
		     const struct decode_geom *g, int out_w, int out_h, unsigned char *dst);

/* The .npy header for a uint8 array of shape dims[0..nd-1], appended to out. */
int decode_npy_header(struct buf *out, const int64_t *dims, int nd);

/* A JPEG as an .npy array (appended to out); *g the geometry from the original size. */
int decode_jpeg(const void *data, size_t len, const struct decode_spec *s, struct buf *out,
		struct decode_geom *g, struct err *e);

/* A standalone MP4 (init segment + one fragment) as a T x H x W x 3 .npy array; expected is the
 * fragment's frame count (picks the frames for spec.frames = K); *kept (length >= T, may be
 * NULL) gets the 0-based source frame of each output frame, *t the count. */
int decode_video(const void *data, size_t len, const struct decode_spec *s, int64_t expected,
		 struct buf *out, struct decode_geom *g, int64_t *kept, int64_t *t, struct err *e);

#endif
