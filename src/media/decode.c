/* decode.c - see decode.h: JPEG (TurboJPEG, DCT scaling) and video fragments (FFmpeg) to
 * resized RGB arrays in .npy form. */
#include "media/decode.h"

#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "media/video.h"

/* ---- geometry and resampling ------------------------------------------------------------ */

void decode_geometry(const struct decode_spec *s, int src_w, int src_h, struct decode_geom *g)
{
	double fx = (double)s->width / src_w, fy = (double)s->height / src_h;
	g->src_w = src_w, g->src_h = src_h;
	if (s->fit == DECODE_STRETCH) {
		g->sx = fx, g->sy = fy, g->ox = g->oy = 0;
		return;
	}
	double f = s->fit == DECODE_PAD ? (fx < fy ? fx : fy) : (fx > fy ? fx : fy);
	g->sx = g->sy = f;
	g->ox = floor((s->width - src_w * f) / 2);
	g->oy = floor((s->height - src_h * f) / 2);
}

/* One axis: for each output position in [lo, hi), the source window and its weights
 * (triangle filter widened by the downscale factor, as Pillow's BILINEAR). */
struct coeffs {
	int lo, hi, ksize;
	int *start, *len;
	float *w;
};

static int coeffs_make(struct coeffs *c, int in, int out, double scale, double off)
{
	/* dest x covers source centre (x + 0.5 - off) / scale */
	double inv = 1.0 / scale, fs = inv > 1 ? inv : 1, support = fs;
	c->lo = (int)lround(off), c->hi = (int)lround(off + in * scale);
	if (c->lo < 0)
		c->lo = 0;
	if (c->hi > out)
		c->hi = out;
	c->ksize = (int)ceil(support) * 2 + 1;
	int n = c->hi > c->lo ? c->hi - c->lo : 0;
	c->start = calloc((size_t)n + 1, sizeof(int));
	c->len = calloc((size_t)n + 1, sizeof(int));
	c->w = calloc(((size_t)n + 1) * (size_t)c->ksize, sizeof(float));
	if (!c->start || !c->len || !c->w)
		return -1;
	for (int x = c->lo; x < c->hi; x++) {
		double centre = (x + 0.5 - off) * inv;
		int xmin = (int)(centre - support + 0.5), xmax = (int)(centre + support + 0.5);
		if (xmin < 0)
			xmin = 0;
		if (xmax > in)
			xmax = in;
		if (xmax - xmin > c->ksize)
			xmax = xmin + c->ksize;
		float *w = c->w + (size_t)(x - c->lo) * (size_t)c->ksize;
		double sum = 0;
		for (int j = xmin; j < xmax; j++) {
			double t = fabs((j - centre + 0.5) / fs);
			w[j - xmin] = (float)(t < 1 ? 1 - t : 0);
			sum += w[j - xmin];
		}
		if (sum <= 0) { /* a point outside every tap: take the nearest pixel */
			int j = (int)centre < in ? (int)centre : in - 1;
			xmin = j < 0 ? 0 : j, xmax = xmin + 1, w[0] = 1, sum = 1;
		}
		for (int j = 0; j < xmax - xmin; j++)
			w[j] = (float)(w[j] / sum);
		c->start[x - c->lo] = xmin, c->len[x - c->lo] = xmax - xmin;
	}
	return 0;
}

static void coeffs_free(struct coeffs *c)
{
	free(c->start), free(c->len), free(c->w);
}

static unsigned char clip8(float v)
{
	return v <= 0 ? 0 : v >= 255 ? 255 : (unsigned char)(v + 0.5f);
}

void decode_resample(const unsigned char *src, int w, int h, size_t stride,
		     const struct decode_geom *g, int out_w, int out_h, unsigned char *dst)
{
	memset(dst, 0, (size_t)out_w * (size_t)out_h * 3);
	struct coeffs cx = {0}, cy = {0};
	unsigned char *tmp = NULL;
	if (coeffs_make(&cx, w, out_w, g->sx, g->ox) < 0 || coeffs_make(&cy, h, out_h, g->sy, g->oy) < 0)
		goto out;
	int nx = cx.hi - cx.lo;
	if (nx <= 0 || cy.hi <= cy.lo || !(tmp = malloc((size_t)h * (size_t)nx * 3)))
		goto out;
	/* horizontal pass over the rows the vertical pass reads */
	int r0 = cy.start[0], r1 = cy.start[cy.hi - cy.lo - 1] + cy.len[cy.hi - cy.lo - 1];
	for (int y = r0; y < r1; y++) {
		const unsigned char *row = src + (size_t)y * stride;
		unsigned char *t = tmp + (size_t)y * (size_t)nx * 3;
		for (int x = 0; x < nx; x++) {
			const float *k = cx.w + (size_t)x * (size_t)cx.ksize;
			const unsigned char *p = row + (size_t)cx.start[x] * 3;
			float r = 0, gg = 0, b = 0;
			for (int j = 0; j < cx.len[x]; j++, p += 3)
				r += k[j] * p[0], gg += k[j] * p[1], b += k[j] * p[2];
			t[x * 3] = clip8(r), t[x * 3 + 1] = clip8(gg), t[x * 3 + 2] = clip8(b);
		}
	}
	for (int y = cy.lo; y < cy.hi; y++) {
		const float *k = cy.w + (size_t)(y - cy.lo) * (size_t)cy.ksize;
		int s0 = cy.start[y - cy.lo], n = cy.len[y - cy.lo];
		unsigned char *d = dst + ((size_t)y * (size_t)out_w + (size_t)cx.lo) * 3;
		for (int x = 0; x < nx * 3; x++) {
			float v = 0;
			const unsigned char *p = tmp + (size_t)s0 * (size_t)nx * 3 + (size_t)x;
			for (int j = 0; j < n; j++, p += (size_t)nx * 3)
				v += k[j] * *p;
			d[x] = clip8(v);
		}
	}
out:
	free(tmp);
	coeffs_free(&cx), coeffs_free(&cy);
}

int decode_npy_header(struct buf *out, const int64_t *dims, int nd)
{
	char shape[128] = "", head[256];
	size_t k = 0;
	for (int i = 0; i < nd; i++)
		k += (size_t)snprintf(shape + k, sizeof shape - k, "%lld, ", (long long)dims[i]);
	if (nd > 1)
		shape[k - 2] = '\0';
	else if (nd == 1)
		shape[k - 1] = '\0';
	int n = snprintf(head, sizeof head, "{'descr': '|u1', 'fortran_order': False, 'shape': (%s), }",
			 shape);
	size_t total = 10 + (size_t)n + 1; /* magic, version, length, dict, '\n' */
	size_t pad = (64 - total % 64) % 64;
	unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
	size_t hl = (size_t)n + pad + 1;
	pre[8] = (unsigned char)(hl & 0xff), pre[9] = (unsigned char)(hl >> 8);
	if (buf_append(out, pre, 10) < 0 || buf_append(out, head, (size_t)n) < 0)
		return -1;
	for (size_t i = 0; i < pad; i++)
		if (buf_append(out, " ", 1) < 0)
			return -1;
	return buf_append(out, "\n", 1);
}

/* Room for n more bytes at the end of out; a pointer to them (len grows by n). */
static unsigned char *buf_grow(struct buf *out, size_t n)
{
	size_t at = out->len;
	static const unsigned char zero[4096];
	for (size_t left = n; left;) {
		size_t c = left < sizeof zero ? left : sizeof zero;
		if (buf_append(out, zero, c) < 0)
			return NULL;
		left -= c;
	}
	return (unsigned char *)out->data + at;
}

/* ---- JPEG --------------------------------------------------------------------------------- */

int decode_jpeg(const void *data, size_t len, const struct decode_spec *s, struct buf *out,
		struct decode_geom *g, struct err *e)
{
	tjhandle tj = tjInitDecompress();
	if (!tj)
		return err_set(e, EXIT_FAILED, "cannot start the JPEG decoder");
	int w, h, sub, cs, rc = -1;
	unsigned char *rgb = NULL;
	if (tjDecompressHeader3(tj, data, (unsigned long)len, &w, &h, &sub, &cs) < 0 || w < 1 || h < 1) {
		err_set(e, EXIT_FAILED, "not a decodable JPEG: %s", tjGetErrorStr2(tj));
		goto out;
	}
	decode_geometry(s, w, h, g);
	/* the smallest DCT scale that keeps at least the pixels the resize needs */
	int nf, need_w = (int)ceil(w * g->sx - 1e-9), need_h = (int)ceil(h * g->sy - 1e-9);
	tjscalingfactor *f = tjGetScalingFactors(&nf), best = {1, 1};
	for (int i = 0; f && i < nf; i++) {
		if (f[i].num > f[i].denom)
			continue;
		int sw = TJSCALED(w, f[i]), sh = TJSCALED(h, f[i]);
		if (sw >= need_w && sh >= need_h &&
		    (double)f[i].num / f[i].denom < (double)best.num / best.denom)
			best = f[i];
	}
	int sw = TJSCALED(w, best), sh = TJSCALED(h, best);
	if (!(rgb = malloc((size_t)sw * (size_t)sh * 3))) {
		err_set(e, EXIT_FAILED, "out of memory decoding a %dx%d JPEG", w, h);
		goto out;
	}
	if (tjDecompress2(tj, data, (unsigned long)len, rgb, sw, sw * 3, sh, TJPF_RGB, 0) < 0 &&
	    tjGetErrorCode(tj) == TJERR_FATAL) {
		err_set(e, EXIT_FAILED, "corrupt JPEG: %s", tjGetErrorStr2(tj));
		goto out;
	}
	struct decode_geom g1 = *g;
	g1.sx = g->sx * w / sw, g1.sy = g->sy * h / sh;
	int64_t dims[3] = {s->height, s->width, 3};
	unsigned char *dst;
	if (decode_npy_header(out, dims, 3) < 0 ||
	    !(dst = buf_grow(out, (size_t)s->width * (size_t)s->height * 3))) {
		err_set(e, EXIT_FAILED, "out of memory");
		goto out;
	}
	decode_resample(rgb, sw, sh, (size_t)sw * 3, &g1, s->width, s->height, dst);
	rc = 0;
out:
	free(rgb);
	tjDestroy(tj);
	return rc;
}

/* ---- video -------------------------------------------------------------------------------- */

struct vctx {
	const struct decode_spec *s;
	struct decode_geom *g;
	int64_t expected, seen, t, *kept;
	struct buf *out;  /* frames after the header (written at the end) */
	struct SwsContext *sws;
	unsigned char *rgb;
	size_t rgb_size;
};

/* Frame f of n is kept for K frames when it is the first frame at or after j * n / K. */
static int keep_frame(int64_t f, int64_t n, int64_t k)
{
	if (k <= 0 || k >= n)
		return 1;
	int64_t j = (f * k + n - 1) / n; /* the first output slot at or after f */
	return j < k && j * n / k == f;
}

static int on_frame(void *ctx, const struct AVFrame *fr, struct err *e)
{
	struct vctx *v = ctx;
	int64_t f = v->seen++;
	if (!keep_frame(f, v->expected, v->s->frames))
		return 0;
	if (v->t == 0)
		decode_geometry(v->s, fr->width, fr->height, v->g);
	size_t need = (size_t)fr->width * (size_t)fr->height * 3;
	if (need > v->rgb_size) {
		free(v->rgb);
		if (!(v->rgb = malloc(need)))
			return err_set(e, EXIT_FAILED, "out of memory");
		v->rgb_size = need;
	}
	v->sws = sws_getCachedContext(v->sws, fr->width, fr->height, fr->format, fr->width,
				      fr->height, AV_PIX_FMT_RGB24, SWS_BILINEAR, NULL, NULL, NULL);
	if (!v->sws)
		return err_set(e, EXIT_FAILED, "cannot convert %dx%d frames to RGB", fr->width,
			       fr->height);
	uint8_t *dst[4] = {v->rgb};
	int ls[4] = {fr->width * 3};
	sws_scale(v->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height, dst, ls);
	struct decode_geom g = *v->g;
	g.sx = v->g->sx * v->g->src_w / fr->width, g.sy = v->g->sy * v->g->src_h / fr->height;
	unsigned char *o = buf_grow(v->out, (size_t)v->s->width * (size_t)v->s->height * 3);
	if (!o)
		return err_set(e, EXIT_FAILED, "out of memory");
	decode_resample(v->rgb, fr->width, fr->height, (size_t)fr->width * 3, &g, v->s->width,
			v->s->height, o);
	if (v->kept)
		v->kept[v->t] = f;
	v->t++;
	return 0;
}

int decode_video(const void *data, size_t len, const struct decode_spec *s, int64_t expected,
		 struct buf *out, struct decode_geom *g, int64_t *kept, int64_t *t, struct err *e)
{
	struct buf frames = {0};
	struct vctx v = {.s = s, .g = g, .expected = expected, .kept = kept, .out = &frames};
	int64_t n = 0;
	memset(g, 0, sizeof *g);
	int rc = video_decode(data, len, NULL, 0, on_frame, &v, &n, e);
	sws_freeContext(v.sws);
	free(v.rgb);
	int64_t dims[4] = {v.t, s->height, s->width, 3};
	if (rc == 0 && (decode_npy_header(out, dims, 4) < 0 ||
			(frames.len && buf_append(out, frames.data, frames.len) < 0)))
		rc = err_set(e, EXIT_FAILED, "out of memory");
	buf_free(&frames);
	*t = v.t;
	return rc;
}
