/* video.h - clips as fragmented MP4 (FFmpeg's libavcodec/libavformat/libswscale).
 *
 * A clip is one init segment (ftyp + moov, no samples), then one moof+mdat per fragment, each
 * starting with a keyframe that opens a closed GOP and with sample offsets relative to its own
 * moof (default_base_moof). Invariant every reader relies on: init + one fragment's bytes
 * decode on their own. The byte range of every fragment is taken from the muxer itself:
 * fragments are cut explicitly (frag_custom) and the writer's position is read after each.
 * Two ways to make one:
 *   - video_copy: the source's packets, untouched, cut at its own keyframes (variable-length
 *     fragments, timestamps and rotation kept);
 *   - video_encode: libx264 (which Debian's FFmpeg ships), one closed GOP of a fixed number of
 *     frames per fragment, at a CRF that video_pick_crf chooses for a PSNR target; a source
 *     file's timestamps (variable frame rate too) and rotation are kept.
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

/* Encoder settings for stored clips (x264's CRF scale and preset names). Ingest picks the CRF
 * per clip for a PSNR target (video_pick_crf; VIDEO_DEFAULT_QUALITY dB); VIDEO_DEFAULT_CRF is
 * what video_encode uses when given none. */
#define VIDEO_DEFAULT_CRF 18
#define VIDEO_MIN_CRF 8
#define VIDEO_MAX_CRF 40
#define VIDEO_DEFAULT_QUALITY 42.0
#define VIDEO_DEFAULT_PRESET "veryfast"
struct AVStream;
struct video_encode_opts {
	double crf;         /* 0: VIDEO_DEFAULT_CRF; fractional CRFs are x264's too */
	const char *preset; /* NULL: VIDEO_DEFAULT_PRESET */
	const struct AVStream *source; /* a source file's stream whose rotation is kept, or NULL */
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

/* Copies the packets of a video file (H.264/HEVC as length-prefixed NAL units, or AV1) into a
 * fragmented MP4 without decoding: the stored packets are byte-identical to the source's and
 * keep its timestamps (variable frame rate too) and rotation. Fragments start at the source's
 * own keyframes, so they vary in length: a fragment opens at a packet that opens a closed GOP
 * (IDR/IRAP; AV1 key frame) where no frame crosses the cut in decode order, and lasts at least
 * fragment_seconds (the last may be shorter). So init + each fragment decodes alone.
 * VIDEO_COPY_AUTO copies only when no two keyframes (nor the last and the end) are more than
 * 2 x fragment_seconds apart; VIDEO_COPY_ALWAYS copies whenever the codec allows.
 * Returns 1 (copied: out filled, free it with video_clip_free), 0 when the source cannot be
 * copied (why says why; out is empty), -1 with e set on a read error. */
enum video_copy_mode { VIDEO_COPY_AUTO, VIDEO_COPY_NEVER, VIDEO_COPY_ALWAYS };
int video_copy(const char *path, double fragment_seconds, enum video_copy_mode mode,
	       struct video_clip *out, char *why, size_t whylen, struct err *e);

/* PSNR (dB) of the clip's frames against the frames next gives, in order (YUV 4:2:0 over
 * all three planes, as FFmpeg's psnr filter's average: 10 log10(255^2 / MSE)); every fragment
 * is decoded alone. 100 when identical. */
int video_psnr(const struct video_clip *clip, video_next_frame next, void *ctx, double *db,
	       struct err *e);
double video_psnr_db(double sse, double samples);

/* Reads the whole source, keeps a sample of at most 8 of its GOPs (evenly spread: every
 * stride-th GOP, the stride doubling as the clip goes on), and searches the CRF (a grid of 1/4,
 * VIDEO_MIN_CRF .. VIDEO_MAX_CRF; each probe where the line through the nearest two meets the
 * target) for the largest whose encode of the sample measures at least target_db. *crf gets
 * it (VIDEO_MIN_CRF when even that misses), *sample_db (may be NULL) the sample's PSNR at it.
 * Deterministic: the same frames give the same CRF. */
int video_pick_crf(video_next_frame next, void *ctx, int fps, int frames_per_fragment,
		   const struct video_encode_opts *opts, double target_db, double *crf,
		   double *sample_db, struct err *e);

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
/* Checks a source file before anything is stored: it opens, has a video stream FFmpeg
 * decodes, its first frame decodes, and its packets are all there (as many as the container
 * declares, or lasting about its duration); a usage error naming the file otherwise (not video,
 * audio only, no frames, truncated). *has_audio: the file also holds audio. */
int video_probe(const char *path, int *has_audio, struct err *e);

/* The file's video stream (for its rotation), and whether the file also holds audio (which
 * the lake does not keep). */
const struct AVStream *video_file_stream(const struct video_file *f);
int video_file_has_audio(const struct video_file *f);
void video_file_close(struct video_file *f);

#endif
