/* video.c - see video.h: encoding clips to fragmented MP4, the fragment plan, and copying an
 * aligned source without re-encoding (decoding and still images: video_frames.c; PSNR and the
 * CRF for a PSNR target: video_quality.c). */
#define _GNU_SOURCE /* qsort_r */
#include "media/video.h"
#include "media/video_av.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int video_av_fail(struct err *e, const char *what, int averr)
{
	char msg[AV_ERROR_MAX_STRING_SIZE] = "";
	av_strerror(averr, msg, sizeof msg);
	return err_set(e, EXIT_FAILED, "%s: %s", what, msg);
}

/* ---- an in-memory AVIO target that knows its position ---------------------------------- */

struct memout {
	struct buf *b;
	int64_t pos;
};

static int mem_write(void *opaque, uint8_t *data, int n) /* FFmpeg 5: not const */
{
	struct memout *m = opaque;
	size_t end = (size_t)m->pos + (size_t)n;
	if (end > m->b->len && buf_append(m->b, NULL, end - m->b->len) < 0)
		return AVERROR(ENOMEM);
	memcpy(m->b->data + m->pos, data, (size_t)n);
	m->pos += n;
	return n;
}

static int64_t mem_seek(void *opaque, int64_t off, int whence)
{
	struct memout *m = opaque;
	if (whence == AVSEEK_SIZE)
		return (int64_t)m->b->len;
	whence &= ~AVSEEK_FORCE;
	int64_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? (int64_t)m->b->len : 0;
	if (base + off < 0)
		return AVERROR(EINVAL);
	m->pos = base + off;
	return m->pos;
}

/* ---- encoding ------------------------------------------------------------------------- */

struct encoder {
	AVCodecContext *cc;
	AVFormatContext *oc;
	AVStream *st;
	AVIOContext *io;
	struct memout mem;
	struct SwsContext *sws;
	AVFrame *yuv;
	AVPacket *pkt;
	struct video_clip *clip;
	struct video_encode_opts opts;
	int per_fragment;
	int64_t frag_start; /* byte offset where the open fragment begins */
	size_t cap;
	const AVStream *src; /* the source's stream when it is a file (rotation), or NULL */
	/* A source file's own timestamps (variable frame rate too), kept when src is set: the
	 * encoder counts frames (pts = index, so GOPs and fragments stay frame counts) and ts[i]
	 * (in src->time_base, from 0) is what frame i gets in the stored clip. */
	int64_t *ts;
	size_t nts, tscap;
	int64_t first_ts, last_dur;
};

/* Frame index (or a decode timestamp in frames, negative before the first) -> stored time. */
static int64_t stored_ts(const struct encoder *en, int64_t index)
{
	if (index >= 0 && (size_t)index < en->nts)
		return en->ts[index];
	if (index < 0) /* B-frame delay: before the first frame, one tick per frame keeps order */
		return en->ts[0] + index;
	return en->ts[en->nts - 1] + (index - (int64_t)en->nts + 1) * en->last_dur;
}

static int record_ts(struct encoder *en, const AVFrame *in, int fps, struct err *e)
{
	if (en->nts == en->tscap) {
		size_t cap = en->tscap ? en->tscap * 2 : 256;
		int64_t *v = realloc(en->ts, cap * sizeof *v);
		if (!v)
			return err_set(e, EXIT_FAILED, "out of memory");
		en->ts = v, en->tscap = cap;
	}
	AVRational tb = en->src->time_base;
	int64_t nominal = av_rescale_q(1, (AVRational){1, fps}, tb), t = in->best_effort_timestamp;
	if (nominal < 1)
		nominal = 1;
	if (en->nts == 0)
		en->first_ts = t == AV_NOPTS_VALUE ? 0 : t, en->last_dur = nominal;
	t = t == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : t - en->first_ts;
	int64_t prev = en->nts ? en->ts[en->nts - 1] : -1;
	if (t == AV_NOPTS_VALUE || t <= prev) /* missing or out of order: the next tick */
		t = en->nts ? prev + en->last_dur : 0;
	if (en->nts)
		en->last_dur = t - prev;
	if (in->pkt_duration > 0)
		en->last_dur = in->pkt_duration;
	en->ts[en->nts++] = t;
	return 0;
}

int64_t video_fragment_count(int64_t n_frames, int frames_per_fragment)
{
	if (n_frames <= 0 || frames_per_fragment <= 0)
		return 0;
	return (n_frames + frames_per_fragment - 1) / frames_per_fragment;
}

int video_fragment_plan(int64_t n_frames, int fps, int frames_per_fragment, int64_t id,
			struct video_fragment *f)
{
	if (fps <= 0 || id < 0 || id >= video_fragment_count(n_frames, frames_per_fragment))
		return -1;
	int64_t first = id * frames_per_fragment, end = first + frames_per_fragment;
	f->id = (int)id;
	f->start_frame = first;
	f->end_frame = (end < n_frames ? end : n_frames) - 1;
	f->start_time = (double)f->start_frame / fps;
	f->end_time = (double)(f->end_frame + 1) / fps;
	return 0;
}

/* Cuts the open fragment: the muxer writes the buffered packets as one moof + mdat now, and
 * f (frames and times filled by the caller) gets its id and byte range. */
static int cut_fragment(struct encoder *en, const struct video_fragment *plan, struct err *e)
{
	struct video_clip *c = en->clip;
	int rc = av_write_frame(en->oc, NULL);
	if (rc < 0)
		return video_av_fail(e, "cannot write a fragment", rc);
	avio_flush(en->oc->pb);
	if (c->n_fragments == en->cap) {
		size_t cap = en->cap ? en->cap * 2 : 16;
		struct video_fragment *v = realloc(c->fragments, cap * sizeof *v);
		if (!v)
			return err_set(e, EXIT_FAILED, "out of memory");
		c->fragments = v, en->cap = cap;
	}
	struct video_fragment *f = &c->fragments[c->n_fragments];
	*f = *plan;
	f->id = (int)c->n_fragments;
	f->offset = en->frag_start;
	f->length = en->mem.pos - en->frag_start;
	if (f->length <= 0)
		return err_set(e, EXIT_FAILED, "the muxer wrote no bytes for fragment %d", f->id);
	c->n_fragments++;
	en->frag_start = en->mem.pos;
	return 0;
}

/* Cuts fragment c->n_fragments, the frames of the fixed plan for a clip of n_frames so far. */
static int add_fragment(struct encoder *en, int64_t n_frames, struct err *e)
{
	struct video_fragment f;
	if (video_fragment_plan(n_frames, en->clip->fps, en->per_fragment,
				(int64_t)en->clip->n_fragments, &f) < 0)
		return err_set(e, EXIT_FAILED, "fragment %zu is outside a clip of %lld frames",
			       en->clip->n_fragments, (long long)n_frames);
	if (en->src && en->nts) { /* the source's own times */
		double tb = av_q2d(en->src->time_base);
		f.start_time = (double)stored_ts(en, f.start_frame) * tb;
		f.end_time = (double)stored_ts(en, f.end_frame + 1) * tb;
	}
	return cut_fragment(en, &f, e);
}

/* Writes the packets the encoder has ready; a key frame that opens a new fragment first
 * closes the previous one. */
static int drain(struct encoder *en, struct err *e)
{
	for (;;) {
		int rc = avcodec_receive_packet(en->cc, en->pkt);
		if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
			return 0;
		if (rc < 0)
			return video_av_fail(e, "encoder failed", rc);
		int64_t frame = en->pkt->pts;
		if (frame > 0 && frame % en->per_fragment == 0) {
			if (!(en->pkt->flags & AV_PKT_FLAG_KEY)) {
				av_packet_unref(en->pkt);
				return err_set(e, EXIT_FAILED, "frame %lld should open a fragment but is no key frame",
					       (long long)frame);
			}
			if (add_fragment(en, frame, e) < 0) { /* frames 0 .. frame-1 are in */
				av_packet_unref(en->pkt);
				return -1;
			}
		}
		if (en->src) {
			int64_t dts = en->pkt->dts;
			en->pkt->pts = stored_ts(en, en->pkt->pts);
			en->pkt->dts = stored_ts(en, dts);
			/* the muxer closes a fragment with its last sample's duration: the true one
			 * keeps the next fragment's decode times (VFR) */
			en->pkt->duration = stored_ts(en, dts + 1) - en->pkt->dts;
			av_packet_rescale_ts(en->pkt, en->src->time_base, en->st->time_base);
		} else {
			av_packet_rescale_ts(en->pkt, en->cc->time_base, en->st->time_base);
		}
		en->pkt->stream_index = en->st->index;
		rc = av_write_frame(en->oc, en->pkt); /* frag_custom: buffered until the next cut */
		av_packet_unref(en->pkt);
		if (rc < 0)
			return video_av_fail(e, "cannot mux a packet", rc);
	}
}

/* The x264 instruction sets to use, NULL for all it finds. Clips are content-addressed, so
 * the same frames must give the same bytes (a re-run lands nothing new, a rebuild gives the
 * same keys). x264's AVX-512 code (r3095, Debian bookworm) did not: with mbtree and B-frames,
 * the same frames encoded twice in one process gave different first frames about one time in
 * three, while AVX2 and below were repeatable in every trial. So on a CPU with AVX-512, x264
 * stops at its "AVX2" level (which also uses FMA3, BMI1/2 and LZCNT: every AVX-512 CPU has
 * them); any other CPU keeps x264's own detection. */
static const char *x264_cpu_cap(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2"))
		return "AVX2";
#endif
	return NULL;
}

static int open_encoder(struct encoder *en, int w, int h, int fps, struct err *e)
{
	const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
	if (!codec)
		return err_set(e, EXIT_FAILED, "FFmpeg has no libx264 encoder; install Debian's libavcodec-extra "
				     "or libavcodec59 with x264");
	en->cc = avcodec_alloc_context3(codec);
	en->cc->width = w, en->cc->height = h;
	en->cc->time_base = (AVRational){1, fps};
	en->cc->framerate = (AVRational){fps, 1};
	en->cc->pix_fmt = AV_PIX_FMT_YUV420P;
	en->cc->gop_size = en->per_fragment;
	en->cc->keyint_min = en->per_fragment;
	en->cc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER; /* avcC in the moov, not in-band */
	/* Encoded for storage, not for live streaming: lookahead and B-frames stay on (about half
	 * the bytes of tune=zerolatency at the same quality). GOP = fragment, closed, each opened by
	 * a forced IDR and no scene-cut keyframes in between, so init + one fragment decodes
	 * alone; the encoder's output lags its input, so drain() cuts on output packets. */
	char crf[24], params[96];
	const char *cpu = x264_cpu_cap();
	snprintf(crf, sizeof crf, "%.2f", en->opts.crf);
	snprintf(params, sizeof params, "scenecut=0:open-gop=0%s%s", cpu ? ":asm=" : "", cpu ? cpu : "");
	av_opt_set(en->cc->priv_data, "preset", en->opts.preset, 0);
	av_opt_set(en->cc->priv_data, "forced-idr", "1", 0);
	av_opt_set(en->cc->priv_data, "x264-params", params, 0);
	av_opt_set(en->cc->priv_data, "crf", crf, 0);
	int rc = avcodec_open2(en->cc, codec, NULL);
	if (rc < 0)
		return video_av_fail(e, "cannot open the H.264 encoder", rc);
	en->yuv = av_frame_alloc();
	en->yuv->format = AV_PIX_FMT_YUV420P, en->yuv->width = w, en->yuv->height = h;
	if (av_frame_get_buffer(en->yuv, 0) < 0)
		return err_set(e, EXIT_FAILED, "out of memory for a %dx%d frame", w, h);
	return 0;
}

static int open_muxer(struct encoder *en, const AVCodecParameters *par, AVRational tb,
		      const AVStream *src, struct err *e)
{
	int rc = avformat_alloc_output_context2(&en->oc, NULL, "mp4", NULL);
	if (rc < 0)
		return video_av_fail(e, "cannot create the MP4 muxer", rc);
	en->st = avformat_new_stream(en->oc, NULL);
	if (!en->st || avcodec_parameters_copy(en->st->codecpar, par) < 0)
		return err_set(e, EXIT_FAILED, "out of memory");
	en->st->codecpar->codec_tag = 0; /* let the MP4 muxer pick avc1/hvc1 */
	en->st->time_base = tb;
	/* rotation: the source's display matrix goes into the stored clip's tkhd */
	size_t dm_size = 0;
	const uint8_t *dm = src ? av_stream_get_side_data(src, AV_PKT_DATA_DISPLAYMATRIX, &dm_size)
				: NULL;
	if (dm && dm_size) {
		uint8_t *copy = av_stream_new_side_data(en->st, AV_PKT_DATA_DISPLAYMATRIX, dm_size);
		if (copy)
			memcpy(copy, dm, dm_size);
	}
	unsigned char *iobuf = av_malloc(65536);
	en->io = avio_alloc_context(iobuf, 65536, 1, &en->mem, NULL, mem_write, mem_seek);
	if (!en->io)
		return err_set(e, EXIT_FAILED, "out of memory");
	en->oc->pb = en->io;
	AVDictionary *opts = NULL;
	av_dict_set(&opts, "movflags", "frag_custom+empty_moov+default_base_moof", 0);
	rc = avformat_write_header(en->oc, &opts);
	av_dict_free(&opts);
	if (rc < 0)
		return video_av_fail(e, "cannot write the MP4 header", rc);
	avio_flush(en->oc->pb);
	en->clip->init_length = en->mem.pos;
	en->frag_start = en->mem.pos;
	return 0;
}

static int open_encoder_muxer(struct encoder *en, struct err *e)
{
	AVCodecParameters *par = avcodec_parameters_alloc();
	if (!par || avcodec_parameters_from_context(par, en->cc) < 0) {
		avcodec_parameters_free(&par);
		return err_set(e, EXIT_FAILED, "out of memory");
	}
	int rc = open_muxer(en, par, en->src ? en->src->time_base : en->cc->time_base, en->src, e);
	avcodec_parameters_free(&par);
	return rc;
}

static int encode_frame(struct encoder *en, const AVFrame *in, int64_t index, struct err *e)
{
	if (in->width != en->cc->width || in->height != en->cc->height)
		return err_set(e, EXIT_FAILED, "frame %lld is %dx%d, but the clip is %dx%d: all frames of a "
				     "sequence must have one size",
			       (long long)index + 1, in->width, in->height, en->cc->width, en->cc->height);
	en->sws = sws_getCachedContext(en->sws, in->width, in->height, in->format, en->cc->width,
				       en->cc->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
	if (!en->sws || av_frame_make_writable(en->yuv) < 0)
		return err_set(e, EXIT_FAILED, "cannot convert frame %lld", (long long)index + 1);
	sws_scale(en->sws, (const uint8_t *const *)in->data, in->linesize, 0, in->height,
		  en->yuv->data, en->yuv->linesize);
	if (en->src && record_ts(en, in, en->cc->framerate.num / (en->cc->framerate.den ? en->cc->framerate.den : 1), e) < 0)
		return -1;
	en->yuv->pts = index;
	en->yuv->pict_type = index % en->per_fragment == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
	int rc = avcodec_send_frame(en->cc, en->yuv);
	if (rc < 0)
		return video_av_fail(e, "encoder refused a frame", rc);
	return drain(en, e);
}

static void close_encoder(struct encoder *en)
{
	if (en->oc) {
		if (en->io) {
			av_freep(&en->io->buffer);
			avio_context_free(&en->io);
		}
		avformat_free_context(en->oc);
	}
	avcodec_free_context(&en->cc);
	av_frame_free(&en->yuv);
	av_packet_free(&en->pkt);
	sws_freeContext(en->sws);
	free(en->ts);
}

int video_encode(video_next_frame next, void *ctx, int fps, int frames_per_fragment,
		 const struct video_encode_opts *opts, struct video_clip *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	if (fps <= 0 || frames_per_fragment <= 0)
		return err_set(e, EXIT_USAGE, "fps and frames per fragment must be positive");
	struct video_encode_opts o = opts ? *opts : (struct video_encode_opts){0};
	if (!o.preset || !o.preset[0])
		o.preset = VIDEO_DEFAULT_PRESET;
	if (o.crf <= 0)
		o.crf = VIDEO_DEFAULT_CRF;
	struct encoder en = {.clip = out, .opts = o, .per_fragment = frames_per_fragment,
			     .mem = {.b = &out->bytes}, .src = o.source};
	en.pkt = av_packet_alloc();
	out->fps = fps;
	snprintf(out->codec, sizeof out->codec, "h264");
	snprintf(out->encoding, sizeof out->encoding, "libx264 crf=%g preset=%s", o.crf, o.preset);
	const AVFrame *frame;
	int rc, got;
	int64_t index = 0;
	while ((got = next(ctx, &frame, e)) == 1) {
		if (index == 0) {
			out->width = frame->width, out->height = frame->height;
			if ((rc = open_encoder(&en, frame->width, frame->height, fps, e)) < 0 ||
			    (rc = open_encoder_muxer(&en, e)) < 0)
				goto fail;
		}
		if (encode_frame(&en, frame, index, e) < 0)
			goto fail;
		index++;
	}
	if (got < 0)
		goto fail;
	if (index == 0) {
		err_set(e, EXIT_FAILED, "no frames to encode");
		goto fail;
	}
	out->n_frames = index;
	if ((rc = avcodec_send_frame(en.cc, NULL)) < 0 || drain(&en, e) < 0)
		goto fail;
	if (add_fragment(&en, index, e) < 0)
		goto fail;
	if ((rc = av_write_trailer(en.oc)) < 0) {
		video_av_fail(e, "cannot finish the MP4", rc);
		goto fail;
	}
	avio_flush(en.oc->pb);
	close_encoder(&en);
	return 0;
fail:
	close_encoder(&en);
	video_clip_free(out);
	return -1;
}

void video_clip_free(struct video_clip *clip)
{
	buf_free(&clip->bytes);
	free(clip->fragments);
	clip->fragments = NULL;
	clip->n_fragments = 0;
}

/* ---- copying an aligned source without re-encoding ------------------------------------ */

/* 1 when the packet holds an IDR slice (H.264) or an IRAP picture (H.265); length-prefixed
 * NAL units as MP4 stores them (length size from the avcC/hvcC record, 4 when unknown). */
static int opens_closed_gop(const AVPacket *pkt, enum AVCodecID codec, int length_size)
{
	const uint8_t *p = pkt->data, *end = pkt->data + pkt->size;
	while (end - p > length_size) {
		uint32_t n = 0;
		for (int k = 0; k < length_size; k++)
			n = n << 8 | p[k];
		p += length_size;
		if (n == 0 || n > (uint32_t)(end - p))
			return 0;
		int type = codec == AV_CODEC_ID_H264 ? (p[0] & 0x1f) : ((p[0] >> 1) & 0x3f);
		if (codec == AV_CODEC_ID_H264 && type == 5)
			return 1;
		if (codec == AV_CODEC_ID_HEVC && type >= 16 && type <= 21)
			return 1;
		p += n;
	}
	return 0;
}

static int nal_length_size(const AVCodecParameters *par)
{
	const uint8_t *x = par->extradata;
	if (par->codec_id == AV_CODEC_ID_H264 && par->extradata_size >= 5 && x[0] == 1)
		return (x[4] & 3) + 1;
	if (par->codec_id == AV_CODEC_ID_HEVC && par->extradata_size >= 22 && x[0] == 1)
		return (x[21] & 3) + 1;
	return 4;
}

struct packets {
	AVPacket **v;
	size_t n, cap;
};

static void packets_free(struct packets *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		av_packet_free(&ps->v[i]);
	free(ps->v);
}

/* Reads every packet of the video stream, in decode order. */
static int read_packets(AVFormatContext *ic, int stream, struct packets *ps, struct err *e)
{
	for (;;) {
		if (ps->n == ps->cap) {
			size_t cap = ps->cap ? ps->cap * 2 : 256;
			AVPacket **v = realloc(ps->v, cap * sizeof *v);
			if (!v)
				return err_set(e, EXIT_FAILED, "out of memory");
			ps->v = v, ps->cap = cap;
		}
		AVPacket *pkt = av_packet_alloc();
		if (!pkt)
			return err_set(e, EXIT_FAILED, "out of memory");
		int rc = av_read_frame(ic, pkt);
		if (rc < 0) {
			av_packet_free(&pkt);
			return rc == AVERROR_EOF ? 0 : video_av_fail(e, "cannot read the source", rc);
		}
		if (pkt->stream_index == stream)
			ps->v[ps->n++] = pkt;
		else
			av_packet_free(&pkt);
	}
}

static int cmp_pts(const void *a, const void *b, void *ctx)
{
	const struct packets *ps = ctx;
	int64_t x = ps->v[*(const size_t *)a]->pts, y = ps->v[*(const size_t *)b]->pts;
	return x < y ? -1 : x > y;
}

/* The copy plan: rank[i] is packet i's position in display order; a packet may open a fragment
 * when it opens a closed GOP (an IDR/IRAP picture for H.264/H.265, a key frame for AV1) and no
 * frame displayed before it is decoded after it, nor one displayed after it decoded before it
 * (open-GOP leading pictures would be). Returns 1 with *cuts (decode positions, the first 0)
 * chosen so that each fragment lasts at least fragment_seconds (the last one may be shorter),
 * 0 with why set when the source's keyframes are too far apart (more than
 * 2 x fragment_seconds) or the first packet opens no GOP, -1 when out of memory. */
static int copy_plan(const struct packets *ps, AVRational tb, enum AVCodecID codec,
		     int length_size, double fragment_seconds, int64_t *rank, size_t *cuts,
		     size_t *n_cuts, char *why, size_t whylen)
{
	size_t n = ps->n, *order = malloc(n * sizeof *order);
	int64_t *suffix_min = malloc(n * sizeof *suffix_min);
	if (!order || !suffix_min) {
		free(order), free(suffix_min);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof *order, cmp_pts, (void *)ps);
	for (size_t r = 0; r < n; r++)
		rank[order[r]] = (int64_t)r;
	free(order);
	for (size_t i = n; i-- > 0;)
		suffix_min[i] = i + 1 < n && suffix_min[i + 1] < ps->v[i]->pts ? suffix_min[i + 1]
									: ps->v[i]->pts;
	int64_t max_before = INT64_MIN, first_pts = suffix_min[0];
	double last = -1, open = 0, gap = 0, at = 0;
	*n_cuts = 0;
	for (size_t i = 0; i < n; i++) {
		const AVPacket *p = ps->v[i];
		double t = (double)(p->pts - first_pts) * av_q2d(tb);
		int key = (p->flags & AV_PKT_FLAG_KEY) && p->pts == suffix_min[i] &&
			  (i == 0 || max_before < p->pts) &&
			  (codec == AV_CODEC_ID_AV1 || opens_closed_gop(p, codec, length_size));
		if (max_before < p->pts)
			max_before = p->pts;
		if (i == 0 && !key) {
			free(suffix_min);
			return snprintf(why, whylen, "the first packet opens no closed GOP"), 0;
		}
		if (!key)
			continue;
		if (last >= 0 && t - last > gap)
			gap = t - last, at = last;
		last = t;
		/* half a frame of slack: a 1-s GOP at 29.97 fps is a 1-s fragment */
		if (i == 0 || t - open >= fragment_seconds - 0.02)
			cuts[(*n_cuts)++] = i, open = t;
	}
	int64_t max_pts = max_before;
	double end = (double)(max_pts - first_pts) * av_q2d(tb);
	if (end - last > gap)
		gap = end - last, at = last;
	free(suffix_min);
	if (gap > 2 * fragment_seconds + 1e-9)
		return snprintf(why, whylen, "keyframes %.1f s apart (at %.1f s), more than 2 x %g s",
				gap, at, fragment_seconds), 0;
	return 1;
}

/* Seconds from the first displayed frame to packet i's display time. */
static double packet_time(const struct packets *ps, size_t i, int64_t first_pts, AVRational tb)
{
	return (double)(ps->v[i]->pts - first_pts) * av_q2d(tb);
}

static int mux_packets(struct encoder *en, struct packets *ps, const int64_t *rank,
		       const size_t *cuts, size_t n_cuts, AVRational tb, struct err *e)
{
	int64_t first_pts = INT64_MAX, last_pts = INT64_MIN, last_dur = 0;
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i]->pts < first_pts)
			first_pts = ps->v[i]->pts;
		if (ps->v[i]->pts > last_pts)
			last_pts = ps->v[i]->pts, last_dur = ps->v[i]->duration;
	}
	double end = (double)(last_pts + (last_dur > 0 ? last_dur : 0) - first_pts) * av_q2d(tb);
	for (size_t k = 0; k < n_cuts; k++) {
		size_t from = cuts[k], to = k + 1 < n_cuts ? cuts[k + 1] : ps->n;
		struct video_fragment f = {.start_frame = rank[from],
					   .end_frame = to < ps->n ? rank[to] - 1 : (int64_t)ps->n - 1,
					   .start_time = packet_time(ps, from, first_pts, tb),
					   .end_time = to < ps->n ? packet_time(ps, to, first_pts, tb) : end};
		for (size_t i = from; i < to; i++) {
			AVPacket *pkt = ps->v[i];
			/* sample durations from the decode times (a fragment's last sample's duration
			 * places the next fragment: demuxers without durations, and VFR) */
			if (i + 1 < ps->n && pkt->dts != AV_NOPTS_VALUE &&
			    ps->v[i + 1]->dts != AV_NOPTS_VALUE && ps->v[i + 1]->dts > pkt->dts)
				pkt->duration = ps->v[i + 1]->dts - pkt->dts;
			av_packet_rescale_ts(pkt, tb, en->st->time_base);
			pkt->stream_index = en->st->index;
			pkt->pos = -1;
			int rc = av_write_frame(en->oc, pkt);
			if (rc < 0)
				return video_av_fail(e, "cannot mux a packet", rc);
		}
		if (cut_fragment(en, &f, e) < 0)
			return -1;
	}
	return 0;
}

/* Codecs whose packets are copied: MP4 carries them, and their key frames can be told. */
static int copyable(const AVCodecParameters *par)
{
	const uint8_t *x = par->extradata;
	if (par->codec_id == AV_CODEC_ID_AV1)
		return 1;
	/* length-prefixed NAL units (avcC/hvcC), as MP4 stores them; Annex B would need a filter */
	return (par->codec_id == AV_CODEC_ID_H264 || par->codec_id == AV_CODEC_ID_HEVC) &&
	       par->extradata_size > 0 && x[0] == 1;
}

int video_copy(const char *path, double fragment_seconds, enum video_copy_mode mode,
	       struct video_clip *out, char *why, size_t whylen, struct err *e)
{
	memset(out, 0, sizeof *out);
	AVFormatContext *ic = NULL;
	struct packets ps = {0};
	int64_t *rank = NULL;
	size_t *cuts = NULL, n_cuts = 0;
	struct encoder en = {.clip = out, .mem = {.b = &out->bytes}};
	int rc = avformat_open_input(&ic, path, NULL, NULL);
	if (rc < 0 || (rc = avformat_find_stream_info(ic, NULL)) < 0) {
		video_av_fail(e, path, rc);
		goto fail;
	}
	int stream = av_find_best_stream(ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (stream < 0) {
		err_set(e, EXIT_FAILED, "%s: no video stream", path);
		goto fail;
	}
	const AVStream *in = ic->streams[stream];
	const AVCodecParameters *par = in->codecpar;
	AVRational r = in->avg_frame_rate.num > 0 ? in->avg_frame_rate : in->r_frame_rate;
	rc = 0;
	if (!copyable(par))
		snprintf(why, whylen, "codec %s is not copied (H.264, HEVC or AV1 in MP4 form)",
			 avcodec_get_name(par->codec_id));
	else if (read_packets(ic, stream, &ps, e) < 0)
		goto fail;
	else if (!ps.n)
		snprintf(why, whylen, "no frames");
	else if (!(rank = malloc(ps.n * sizeof *rank)) || !(cuts = malloc(ps.n * sizeof *cuts)))
		err_set(e, EXIT_FAILED, "out of memory"), rc = -1;
	else {
		for (size_t i = 0; i < ps.n; i++)
			if (ps.v[i]->pts == AV_NOPTS_VALUE) {
				snprintf(why, whylen, "packets without timestamps");
				goto done;
			}
		rc = copy_plan(&ps, in->time_base, par->codec_id, nal_length_size(par),
			       fragment_seconds, rank, cuts, &n_cuts, why, whylen);
		if (rc == 0 && mode == VIDEO_COPY_ALWAYS && n_cuts > 0)
			rc = 1; /* long fragments, but copied as asked */
		if (rc < 0)
			err_set(e, EXIT_FAILED, "out of memory");
	}
	if (rc != 1)
		goto done;
	out->fps = r.num > 0 && r.den > 0 ? (int)(av_q2d(r) + 0.5) : 0;
	out->width = par->width, out->height = par->height;
	out->n_frames = (int64_t)ps.n;
	snprintf(out->codec, sizeof out->codec, "%s", avcodec_get_name(par->codec_id));
	snprintf(out->encoding, sizeof out->encoding, "copy");
	if (open_muxer(&en, par, in->time_base, in, e) < 0 ||
	    mux_packets(&en, &ps, rank, cuts, n_cuts, in->time_base, e) < 0)
		goto fail;
	if ((rc = av_write_trailer(en.oc)) < 0) {
		video_av_fail(e, "cannot finish the MP4", rc);
		goto fail;
	}
	avio_flush(en.oc->pb);
	rc = 1;
done:
	close_encoder(&en);
	packets_free(&ps);
	free(rank);
	free(cuts);
	avformat_close_input(&ic);
	if (rc != 1)
		video_clip_free(out);
	return rc;
fail:
	rc = -1;
	goto done;
}

/* ---- checking a source file before anything is stored ------------------------------------ */

int video_probe(const char *path, int *has_audio, struct err *e)
{
	int fps = 0, rc;
	struct video_file *f = video_file_open(path, &fps, e);
	if (!f)
		return -1;
	const AVFrame *frame;
	rc = video_file_next(f, &frame, e);
	*has_audio = video_file_has_audio(f);
	video_file_close(f);
	if (rc == 0)
		return err_set(e, EXIT_USAGE, "%s: no frames", path);
	if (rc < 0)
		return -1;
	/* Demux every packet (no decoding): a file cut short still opens and decodes its first
	 * frames, and FFmpeg's demuxers end it quietly; the container says what it should hold. */
	AVFormatContext *ic = NULL;
	AVPacket *pkt = av_packet_alloc();
	if (!pkt)
		return err_set(e, EXIT_FAILED, "out of memory");
	if ((rc = avformat_open_input(&ic, path, NULL, NULL)) < 0 ||
	    (rc = avformat_find_stream_info(ic, NULL)) < 0) {
		av_packet_free(&pkt);
		avformat_close_input(&ic);
		return video_av_fail(e, path, rc);
	}
	int stream = av_find_best_stream(ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	const AVStream *st = ic->streams[stream];
	int64_t packets = 0, first = AV_NOPTS_VALUE, end = AV_NOPTS_VALUE;
	while ((rc = av_read_frame(ic, pkt)) >= 0) {
		if (pkt->stream_index == stream) {
			packets++;
			int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
			if (t != AV_NOPTS_VALUE) {
				if (first == AV_NOPTS_VALUE || t < first)
					first = t;
				if (end == AV_NOPTS_VALUE || t + pkt->duration > end)
					end = t + pkt->duration;
			}
		}
		av_packet_unref(pkt);
	}
	rc = rc == AVERROR_EOF ? 0 : video_av_fail(e, path, rc);
	double got = first != AV_NOPTS_VALUE ? (double)(end - first) * av_q2d(st->time_base) : 0;
	double want = st->duration > 0 && st->duration != AV_NOPTS_VALUE
			      ? (double)st->duration * av_q2d(st->time_base)
			      : ic->duration > 0 ? (double)ic->duration / AV_TIME_BASE : 0;
	if (rc == 0 && st->nb_frames > 0 && packets < st->nb_frames)
		rc = err_set(e, EXIT_USAGE, "%s is truncated: %lld of its %lld frames are in the file",
			     path, (long long)packets, (long long)st->nb_frames);
	else if (rc == 0 && want > 0 && got < want * 0.9 - 0.5)
		rc = err_set(e, EXIT_USAGE, "%s is truncated: its frames end at %.1f s of its %.1f s",
			     path, got, want);
	av_packet_free(&pkt);
	avformat_close_input(&ic);
	return rc;
}
