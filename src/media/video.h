/* video.h - clips as fragmented MP4 (FFmpeg's libavcodec/libavformat/libswscale).
 *
 * A clip is encoded to H.264 (libx264, which Debian's FFmpeg ships) in fragmented MP4: one
 * init segment (ftyp + moov, no samples), then one moof+mdat per fragment of a fixed number
 * of frames, each starting with an IDR frame and with sample offsets relative to its own moof
 * (default_base_moof). So init + one fragment's bytes decode on their own. The byte range of
 * every fragment is taken from the muxer itself: fragments are cut explicitly (frag_custom)
 * and the writer's position is read after each flush.
 * Memory: struct video_clip owns its bytes and fragment array; free it with video_clip_free().
 * FFmpeg's log level is process-wide: main sets it (errors only) once, before any thread.
 */
#ifndef LAKEHOUSE_VIDEO_H
#define LAKEHOUSE_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct AVFrame;

struct video_fragment {
	int id;                          /* 0, 1, ... */
	int64_t start_frame, end_frame;  /* inclusive, 0-based */
	double start_time, end_time;     /* seconds; end is exclusive */
	int64_t offset, length;          /* bytes of moof + mdat within the clip */
};

struct video_clip {
	struct buf bytes;     /* the whole .mp4 */
	int64_t init_length;  /* bytes [0, init_length) are the init segment */
	int width, height, fps;
	int64_t n_frames;
	struct video_fragment *fragments;
	size_t n_fragments;
	char codec[16];
	char encoding[64];    /* how the bytes were made: "libx264 crf=18 preset=veryfast", "copy" */
};

/* Encoder settings for stored clips (x264's CRF scale and preset names). The defaults were
 * chosen with bench/clips.sh: stored bytes against the source at PSNR >= 42 dB. */
#define VIDEO_DEFAULT_CRF 18
#define VIDEO_DEFAULT_PRESET "veryfast"
struct video_encode_opts {
	int crf;            /* 0: VIDEO_DEFAULT_CRF */
	const char *preset; /* NULL: VIDEO_DEFAULT_PRESET */
};

/* The fragment plan: a clip of n_frames at fps is cut every frames_per_fragment frames (the
 * last fragment holds the rest). video_fragment_count() says how many fragments that makes;
 * video_fragment_plan() fills id, start/end frame and start/end time of fragment id (not its
 * byte range), or returns -1 when the clip has no fragment id (or an argument is not
 * positive). Pure functions. */
int64_t video_fragment_count(int64_t n_frames, int frames_per_fragment);
int video_fragment_plan(int64_t n_frames, int fps, int frames_per_fragment, int64_t id,
			struct video_fragment *f);

/* Frame source: fills *frame (borrowed until the next call) with the next picture in any
 * pixel format; returns 1, 0 at the end, -1 with e set. */
typedef int (*video_next_frame)(void *ctx, const struct AVFrame **frame, struct err *e);

/* Encodes every frame of the source at fps, frames_per_fragment frames per fragment
 * (opts may be NULL: defaults). All frames must have the size of the first one. */
int video_encode(video_next_frame next, void *ctx, int fps, int frames_per_fragment,
		 const struct video_encode_opts *opts, struct video_clip *out, struct err *e);
void video_clip_free(struct video_clip *clip);

/* Copies the H.264/H.265 packets of a video file into a fragmented MP4 without re-encoding,
 * when every fragment boundary (each frames_per_fragment frames of display order) falls on a
 * packet that opens a closed GOP (IDR/IRAP) and no frame crosses a boundary in decode order;
 * then init + each fragment decodes alone, bit-exact to the source. Returns 1 (copied: out
 * filled, free it with video_clip_free), 0 when the source is not aligned or not H.264/H.265
 * (why says what failed; out is empty), -1 with e set on a read error. */
int video_copy(const char *path, int frames_per_fragment, struct video_clip *out, char *why,
	       size_t whylen, struct err *e);

/* Decodes init + fragment (two byte ranges) and calls on_frame for every decoded picture
 * (on_frame may be NULL); *frames gets their count. */
typedef int (*video_on_frame)(void *ctx, const struct AVFrame *frame, struct err *e);
int video_decode(const void *init, size_t init_len, const void *frag, size_t frag_len,
		 video_on_frame on_frame, void *ctx, int64_t *frames, struct err *e);

/* ---- still images of frames -------------------------------------------------------------
 * The one place frames become JPEG/PNG (fetch --frames; thumbnails and contact sheets).
 * An image encoder converts each frame with swscale (scaled so that its longer side is at
 * most max_side) and encodes it; its encoder, scaler and buffers are set up at the first frame
 * and again only when the frame's size or pixel format changes (setting them up per frame
 * cost more than decoding). One encoder per thread; free it with video_image_encoder_free(). */
enum video_image_format { VIDEO_IMAGE_JPEG, VIDEO_IMAGE_PNG };
struct video_image_encoder;
/* max_side 0 keeps the frame's size. NULL with e filled when out of memory. */
struct video_image_encoder *video_image_encoder_new(enum video_image_format fmt, int max_side,
						    struct err *e);
void video_image_encoder_free(struct video_image_encoder *enc);
/* File extension of the encoder's images: "jpg" or "png". */
const char *video_image_extension(const struct video_image_encoder *enc);
/* Encodes frame and appends the image's bytes to out (the caller's). */
int video_image_encode(struct video_image_encoder *enc, const struct AVFrame *frame,
		       struct buf *out, struct err *e);
/* Encodes frame and writes the image to path (created or replaced). */
int video_image_write(struct video_image_encoder *enc, const struct AVFrame *frame,
		      const char *path, struct err *e);
/* The size an image of a w x h frame gets with max_side (0: unchanged): the longer side
 * becomes max_side, the other keeps the aspect ratio (at least 1 pixel); never enlarged. */
void video_image_size(int w, int h, int max_side, int *out_w, int *out_h);

/* A frame source over JPEG/PNG files, in order (decoded with libavcodec). */
struct video_image_files;
struct video_image_files *video_image_files_open(const char *const *paths, size_t n,
						 struct err *e);
int video_image_files_next(void *ctx, const struct AVFrame **frame, struct err *e);
void video_image_files_close(struct video_image_files *f);

/* A frame source decoding a video file (any container/codec FFmpeg reads), in order.
 * *fps gets the file's frame rate rounded (0 when unknown). */
struct video_file;
struct video_file *video_file_open(const char *path, int *fps, struct err *e);
int video_file_next(void *ctx, const struct AVFrame **frame, struct err *e);
void video_file_close(struct video_file *f);

#endif
