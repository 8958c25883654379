/* video_quality.c - see video.h: PSNR of a stored clip against its source, and the CRF that
 * reaches a PSNR target (split from video.c). */
#include "media/video.h"

#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- quality: PSNR against the source, and the CRF that reaches a target ---------------- */

/* Squared error over the three planes of two YUV 4:2:0 frames of one size. */
static void add_error(const AVFrame *a, const AVFrame *b, double *sse, double *samples)
{
	for (int p = 0; p < 3; p++) {
		int w = p ? (a->width + 1) / 2 : a->width, h = p ? (a->height + 1) / 2 : a->height;
		for (int y = 0; y < h; y++) {
			const uint8_t *x = a->data[p] + (ptrdiff_t)y * a->linesize[p];
			const uint8_t *z = b->data[p] + (ptrdiff_t)y * b->linesize[p];
			int64_t s = 0;
			for (int i = 0; i < w; i++) {
				int d = x[i] - z[i];
				s += d * d;
			}
			*sse += (double)s;
		}
		*samples += (double)w * h;
	}
}

double video_psnr_db(double sse, double samples)
{
	if (samples <= 0)
		return 0;
	if (sse <= 0)
		return 100; /* identical: reported as 100 dB, as FFmpeg's psnr filter caps it */
	double db = 10 * log10(255.0 * 255.0 * samples / sse);
	return db > 100 ? 100 : db;
}

/* A source frame converted to YUV 4:2:0, the way the encoder converts it. */
struct to_yuv {
	struct SwsContext *sws;
	AVFrame *yuv;
};

static const AVFrame *convert(struct to_yuv *t, const AVFrame *in, struct err *e)
{
	if (in->format == AV_PIX_FMT_YUV420P)
		return in;
	if (!t->yuv || t->yuv->width != in->width || t->yuv->height != in->height) {
		av_frame_free(&t->yuv);
		t->yuv = av_frame_alloc();
		if (!t->yuv)
			return err_set(e, EXIT_FAILED, "out of memory"), NULL;
		t->yuv->format = AV_PIX_FMT_YUV420P, t->yuv->width = in->width;
		t->yuv->height = in->height;
		if (av_frame_get_buffer(t->yuv, 0) < 0)
			return err_set(e, EXIT_FAILED, "out of memory"), NULL;
	}
	t->sws = sws_getCachedContext(t->sws, in->width, in->height, in->format, in->width,
				      in->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
	if (!t->sws)
		return err_set(e, EXIT_FAILED, "cannot convert a frame"), NULL;
	sws_scale(t->sws, (const uint8_t *const *)in->data, in->linesize, 0, in->height,
		  t->yuv->data, t->yuv->linesize);
	return t->yuv;
}

static void to_yuv_free(struct to_yuv *t)
{
	sws_freeContext(t->sws);
	av_frame_free(&t->yuv);
}

struct compare {
	video_next_frame next;
	void *ctx;
	struct to_yuv conv;
	double sse, samples;
};

static int compare_frame(void *ctx, const AVFrame *decoded, struct err *e)
{
	struct compare *c = ctx;
	const AVFrame *src;
	int rc = c->next(c->ctx, &src, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, EXIT_FAILED, "the stored clip has more frames than its source");
	const AVFrame *y = convert(&c->conv, src, e);
	if (!y)
		return -1;
	if (y->width != decoded->width || y->height != decoded->height ||
	    decoded->format != AV_PIX_FMT_YUV420P)
		return err_set(e, EXIT_FAILED, "a stored frame differs in size or format from its source");
	add_error(y, decoded, &c->sse, &c->samples);
	return 0;
}

int video_psnr(const struct video_clip *clip, video_next_frame next, void *ctx, double *db,
	       struct err *e)
{
	struct compare c = {.next = next, .ctx = ctx};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < clip->n_fragments; i++) {
		const struct video_fragment *f = &clip->fragments[i];
		int64_t frames;
		rc = video_decode(clip->bytes.data, (size_t)clip->init_length,
				  clip->bytes.data + f->offset, (size_t)f->length, compare_frame, &c,
				  &frames, e);
	}
	to_yuv_free(&c.conv);
	*db = video_psnr_db(c.sse, c.samples);
	return rc;
}

/* A sample of a clip's GOPs, held in memory: every stride-th GOP of frames_per_fragment
 * frames, the stride doubling (and every other kept GOP dropped) whenever more than
 * SAMPLE_GOPS are kept, so memory stays bounded whatever the clip's length. */
#define SAMPLE_GOPS 4
struct sample {
	AVFrame **frames;
	size_t n, cap;
	int per_fragment;
	int64_t stride;
	size_t next; /* read position when replayed */
};

static void sample_free(struct sample *s)
{
	for (size_t i = 0; i < s->n; i++)
		av_frame_free(&s->frames[i]);
	free(s->frames);
}

static int sample_keep(struct sample *s, const AVFrame *yuv, struct err *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		AVFrame **v = realloc(s->frames, cap * sizeof *v);
		if (!v)
			return err_set(e, EXIT_FAILED, "out of memory");
		s->frames = v, s->cap = cap;
	}
	AVFrame *f = av_frame_clone(yuv);
	if (!f || av_frame_make_writable(f) < 0) { /* owns its pixels: the source reuses its own */
		av_frame_free(&f);
		return err_set(e, EXIT_FAILED, "out of memory");
	}
	s->frames[s->n++] = f;
	return 0;
}

/* Drops every other kept GOP (the GOPs kept at odd multiples of the stride). */
static void sample_thin(struct sample *s)
{
	size_t gops = s->n / (size_t)s->per_fragment, out = 0;
	for (size_t g = 0; g < gops; g++)
		for (size_t k = 0; k < (size_t)s->per_fragment; k++) {
			AVFrame *f = s->frames[g * (size_t)s->per_fragment + k];
			if (g % 2 == 0)
				s->frames[out++] = f;
			else
				av_frame_free(&f);
		}
	s->n = out;
	s->stride *= 2;
}

static int sample_next(void *ctx, const AVFrame **frame, struct err *e)
{
	(void)e;
	struct sample *s = ctx;
	if (s->next >= s->n)
		return 0;
	*frame = s->frames[s->next++];
	return 1;
}

int video_pick_crf(video_next_frame next, void *ctx, int fps, int frames_per_fragment,
		   const struct video_encode_opts *opts, double target_db, double *crf,
		   double *sample_db, struct err *e)
{
	struct sample s = {.per_fragment = frames_per_fragment, .stride = 1};
	struct to_yuv conv = {0};
	const AVFrame *frame;
	int got;
	int64_t index = 0;
	while ((got = next(ctx, &frame, e)) == 1) {
		int64_t gop = index++ / frames_per_fragment;
		if (gop % s.stride)
			continue;
		const AVFrame *y = convert(&conv, frame, e);
		if (!y || sample_keep(&s, y, e) < 0) {
			got = -1;
			break;
		}
		if (s.n == (size_t)frames_per_fragment * (SAMPLE_GOPS * 2))
			sample_thin(&s);
	}
	to_yuv_free(&conv);
	if (got < 0 || s.n == 0) {
		sample_free(&s);
		return got < 0 ? -1 : err_set(e, EXIT_FAILED, "no frames to encode");
	}
	/* Search CRF (x264's scale, on a grid of 1/4) for the largest that keeps the sample at or
	 * above the target. PSNR falls as CRF rises, nearly linearly, so each probe is placed where
	 * the line through the two nearest probes (or, with one, a slope of 0.5 dB per CRF step)
	 * meets the target, kept strictly inside the bracket [lo passes, hi fails]; it ends when
	 * the bracket is one grid step wide (about 4 probes where bisecting 8..40 took 7). The
	 * sample's frames are complete GOPs, so encoding them as one clip is encoding those
	 * fragments. */
	struct video_encode_opts o = opts ? *opts : (struct video_encode_opts){0};
	double lo = -1, lo_db = 0, hi = -1, hi_db = 0, cand = 23;
	int rc = 0;
	for (int probe = 0; rc == 0 && probe < 10; probe++) {
		struct video_clip clip;
		o.crf = cand;
		s.next = 0;
		rc = video_encode(sample_next, &s, fps, frames_per_fragment, &o, &clip, e);
		double db = 0;
		if (rc == 0) {
			s.next = 0;
			rc = video_psnr(&clip, sample_next, &s, &db, e);
			video_clip_free(&clip);
		}
		if (rc < 0)
			break;
		if (db >= target_db)
			lo = cand, lo_db = db;
		else
			hi = cand, hi_db = db;
		if ((lo >= 0 && hi >= 0 && hi - lo <= 0.25) || lo >= VIDEO_MAX_CRF ||
		    (hi >= 0 && hi <= VIDEO_MIN_CRF))
			break;
		double slope = lo >= 0 && hi >= 0 ? (lo_db - hi_db) / (hi - lo) : 0.5; /* dB per step */
		if (!(slope > 0.05))
			slope = 0.05;
		double x = lo >= 0 ? lo + (lo_db - target_db) / slope : hi - (target_db - hi_db) / slope;
		cand = floor(x * 4) / 4;
		if (lo >= 0 && cand <= lo)
			cand = lo + 0.25;
		if (hi >= 0 && cand >= hi)
			cand = hi - 0.25;
		cand = cand < VIDEO_MIN_CRF ? VIDEO_MIN_CRF : cand > VIDEO_MAX_CRF ? VIDEO_MAX_CRF : cand;
	}
	double best = lo >= 0 ? lo : VIDEO_MIN_CRF, best_db = lo >= 0 ? lo_db : hi_db;
	sample_free(&s);
	*crf = best;
	if (sample_db)
		*sample_db = best_db;
	return rc;
}
