/* video.c - see video.h. */
#include "media/video.h"

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

static int av_fail(struct err *e, const char *what, int averr)
{
	char msg[AV_ERROR_MAX_STRING_SIZE] = "";
	av_strerror(averr, msg, sizeof msg);
	return err_set(e, 0, "%s: %s", what, msg);
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
};

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

/* Cuts fragment c->n_fragments, the frames of the plan for a clip of n_frames so far. */
static int add_fragment(struct encoder *en, int64_t n_frames, struct err *e)
{
	struct video_clip *c = en->clip;
	/* Cut: the muxer writes the buffered packets as one moof + mdat now. */
	int rc = av_write_frame(en->oc, NULL);
	if (rc < 0)
		return av_fail(e, "cannot write a fragment", rc);
	avio_flush(en->oc->pb);
	if (c->n_fragments == en->cap) {
		size_t cap = en->cap ? en->cap * 2 : 16;
		struct video_fragment *v = realloc(c->fragments, cap * sizeof *v);
		if (!v)
			return err_set(e, 0, "out of memory");
		c->fragments = v, en->cap = cap;
	}
	struct video_fragment *f = &c->fragments[c->n_fragments];
	if (video_fragment_plan(n_frames, c->fps, en->per_fragment, (int64_t)c->n_fragments, f) < 0)
		return err_set(e, 0, "fragment %zu is outside a clip of %lld frames", c->n_fragments,
			       (long long)n_frames);
	f->offset = en->frag_start;
	f->length = en->mem.pos - en->frag_start;
	if (f->length <= 0)
		return err_set(e, 0, "the muxer wrote no bytes for fragment %d", f->id);
	c->n_fragments++;
	en->frag_start = en->mem.pos;
	return 0;
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
			return av_fail(e, "encoder failed", rc);
		int64_t frame = en->pkt->pts;
		if (frame > 0 && frame % en->per_fragment == 0) {
			if (!(en->pkt->flags & AV_PKT_FLAG_KEY)) {
				av_packet_unref(en->pkt);
				return err_set(e, 0, "frame %lld should open a fragment but is no key frame",
					       (long long)frame);
			}
			if (add_fragment(en, frame, e) < 0) { /* frames 0 .. frame-1 are in */
				av_packet_unref(en->pkt);
				return -1;
			}
		}
		av_packet_rescale_ts(en->pkt, en->cc->time_base, en->st->time_base);
		en->pkt->stream_index = en->st->index;
		rc = av_write_frame(en->oc, en->pkt); /* frag_custom: buffered until the next cut */
		av_packet_unref(en->pkt);
		if (rc < 0)
			return av_fail(e, "cannot mux a packet", rc);
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
		return err_set(e, 0, "FFmpeg has no libx264 encoder; install Debian's libavcodec-extra "
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
	char crf[16], params[96];
	const char *cpu = x264_cpu_cap();
	snprintf(crf, sizeof crf, "%d", en->opts.crf);
	snprintf(params, sizeof params, "scenecut=0:open-gop=0%s%s", cpu ? ":asm=" : "", cpu ? cpu : "");
	av_opt_set(en->cc->priv_data, "preset", en->opts.preset, 0);
	av_opt_set(en->cc->priv_data, "forced-idr", "1", 0);
	av_opt_set(en->cc->priv_data, "x264-params", params, 0);
	av_opt_set(en->cc->priv_data, "crf", crf, 0);
	int rc = avcodec_open2(en->cc, codec, NULL);
	if (rc < 0)
		return av_fail(e, "cannot open the H.264 encoder", rc);
	en->yuv = av_frame_alloc();
	en->yuv->format = AV_PIX_FMT_YUV420P, en->yuv->width = w, en->yuv->height = h;
	if (av_frame_get_buffer(en->yuv, 0) < 0)
		return err_set(e, 0, "out of memory for a %dx%d frame", w, h);
	return 0;
}

static int open_muxer(struct encoder *en, const AVCodecParameters *par, AVRational tb,
		      struct err *e)
{
	int rc = avformat_alloc_output_context2(&en->oc, NULL, "mp4", NULL);
	if (rc < 0)
		return av_fail(e, "cannot create the MP4 muxer", rc);
	en->st = avformat_new_stream(en->oc, NULL);
	if (!en->st || avcodec_parameters_copy(en->st->codecpar, par) < 0)
		return err_set(e, 0, "out of memory");
	en->st->codecpar->codec_tag = 0; /* let the MP4 muxer pick avc1/hvc1 */
	en->st->time_base = tb;
	unsigned char *iobuf = av_malloc(65536);
	en->io = avio_alloc_context(iobuf, 65536, 1, &en->mem, NULL, mem_write, mem_seek);
	if (!en->io)
		return err_set(e, 0, "out of memory");
	en->oc->pb = en->io;
	AVDictionary *opts = NULL;
	av_dict_set(&opts, "movflags", "frag_custom+empty_moov+default_base_moof", 0);
	rc = avformat_write_header(en->oc, &opts);
	av_dict_free(&opts);
	if (rc < 0)
		return av_fail(e, "cannot write the MP4 header", rc);
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
		return err_set(e, 0, "out of memory");
	}
	int rc = open_muxer(en, par, en->cc->time_base, e);
	avcodec_parameters_free(&par);
	return rc;
}

static int encode_frame(struct encoder *en, const AVFrame *in, int64_t index, struct err *e)
{
	if (in->width != en->cc->width || in->height != en->cc->height)
		return err_set(e, 0, "frame %lld is %dx%d, but the clip is %dx%d: all frames of a "
				     "sequence must have one size",
			       (long long)index + 1, in->width, in->height, en->cc->width, en->cc->height);
	en->sws = sws_getCachedContext(en->sws, in->width, in->height, in->format, en->cc->width,
				       en->cc->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
	if (!en->sws || av_frame_make_writable(en->yuv) < 0)
		return err_set(e, 0, "cannot convert frame %lld", (long long)index + 1);
	sws_scale(en->sws, (const uint8_t *const *)in->data, in->linesize, 0, in->height,
		  en->yuv->data, en->yuv->linesize);
	en->yuv->pts = index;
	en->yuv->pict_type = index % en->per_fragment == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
	int rc = avcodec_send_frame(en->cc, en->yuv);
	if (rc < 0)
		return av_fail(e, "encoder refused a frame", rc);
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
			     .mem = {.b = &out->bytes}};
	en.pkt = av_packet_alloc();
	out->fps = fps;
	snprintf(out->codec, sizeof out->codec, "h264");
	snprintf(out->encoding, sizeof out->encoding, "libx264 crf=%d preset=%s", o.crf, o.preset);
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
		err_set(e, 0, "no frames to encode");
		goto fail;
	}
	out->n_frames = index;
	if ((rc = avcodec_send_frame(en.cc, NULL)) < 0 || drain(&en, e) < 0)
		goto fail;
	if (add_fragment(&en, index, e) < 0)
		goto fail;
	if ((rc = av_write_trailer(en.oc)) < 0) {
		av_fail(e, "cannot finish the MP4", rc);
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
				return err_set(e, 0, "out of memory");
			ps->v = v, ps->cap = cap;
		}
		AVPacket *pkt = av_packet_alloc();
		if (!pkt)
			return err_set(e, 0, "out of memory");
		int rc = av_read_frame(ic, pkt);
		if (rc < 0) {
			av_packet_free(&pkt);
			return rc == AVERROR_EOF ? 0 : av_fail(e, "cannot read the source", rc);
		}
		if (pkt->stream_index == stream)
			ps->v[ps->n++] = pkt;
		else
			av_packet_free(&pkt);
	}
}

/* Display index of every packet; 0 with *why set when timestamps are missing or irregular. */
static int frame_indexes(const struct packets *ps, AVRational tb, int fps, int64_t *index,
			 char *why, size_t whylen)
{
	int64_t first = INT64_MAX;
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i]->pts == AV_NOPTS_VALUE)
			return snprintf(why, whylen, "packets without timestamps"), 0;
		if (ps->v[i]->pts < first)
			first = ps->v[i]->pts;
	}
	for (size_t i = 0; i < ps->n; i++) {
		double t = (double)(ps->v[i]->pts - first) * av_q2d(tb) * fps;
		index[i] = llround(t);
		if (fabs(t - (double)index[i]) > 0.25)
			return snprintf(why, whylen, "a frame off the %d fps grid", fps), 0;
	}
	return 1;
}

/* 1 when cutting the decode-ordered packets before each fragment's first frame gives
 * fragments that decode alone: the cut packet opens a closed GOP, and no frame displayed in
 * one fragment is decoded in another (open-GOP leading pictures would be). */
static int aligned(const struct packets *ps, const int64_t *index, enum AVCodecID codec,
		   int length_size, int per_fragment, char *why, size_t whylen)
{
	int64_t group = -1, count = 0;
	for (size_t i = 0; i < ps->n; i++) {
		int64_t g = index[i] / per_fragment;
		if (g != group) {
			if (g != group + 1 || index[i] != g * per_fragment ||
			    !(ps->v[i]->flags & AV_PKT_FLAG_KEY) ||
			    !opens_closed_gop(ps->v[i], codec, length_size))
				return snprintf(why, whylen, "frame %lld does not open a closed GOP where "
							     "fragment %lld starts",
						(long long)index[i], (long long)g), 0;
			if (group >= 0 && count != per_fragment)
				return snprintf(why, whylen, "fragment %lld has %lld frames",
						(long long)group, (long long)count), 0;
			group = g, count = 0;
		}
		count++;
	}
	return 1;
}

static int mux_packets(struct encoder *en, struct packets *ps, const int64_t *index,
		       AVRational tb, struct err *e)
{
	int64_t n = (int64_t)ps->n, group = 0;
	for (size_t i = 0; i < ps->n; i++) {
		int64_t g = index[i] / en->per_fragment;
		if (g != group) {
			if (add_fragment(en, g * en->per_fragment, e) < 0) /* frames before g's are in */
				return -1;
			group = g;
		}
		AVPacket *pkt = ps->v[i];
		av_packet_rescale_ts(pkt, tb, en->st->time_base);
		pkt->stream_index = en->st->index;
		pkt->pos = -1;
		int rc = av_write_frame(en->oc, pkt);
		if (rc < 0)
			return av_fail(e, "cannot mux a packet", rc);
	}
	return add_fragment(en, n, e);
}

int video_copy(const char *path, int frames_per_fragment, struct video_clip *out, char *why,
	       size_t whylen, struct err *e)
{
	memset(out, 0, sizeof *out);
	AVFormatContext *ic = NULL;
	struct packets ps = {0};
	int64_t *index = NULL;
	struct encoder en = {.clip = out, .per_fragment = frames_per_fragment,
			     .mem = {.b = &out->bytes}};
	int rc = avformat_open_input(&ic, path, NULL, NULL);
	if (rc < 0 || (rc = avformat_find_stream_info(ic, NULL)) < 0) {
		av_fail(e, path, rc);
		goto fail;
	}
	int stream = av_find_best_stream(ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (stream < 0) {
		err_set(e, 0, "%s: no video stream", path);
		goto fail;
	}
	const AVStream *in = ic->streams[stream];
	const AVCodecParameters *par = in->codecpar;
	AVRational r = in->avg_frame_rate;
	int fps = r.num > 0 && r.den > 0 ? (int)(av_q2d(r) + 0.5) : 0;
	rc = 0;
	if (par->codec_id != AV_CODEC_ID_H264 && par->codec_id != AV_CODEC_ID_HEVC)
		snprintf(why, whylen, "codec %s, not H.264/H.265", avcodec_get_name(par->codec_id));
	else if (fps <= 0 || fabs(av_q2d(r) - fps) > 0.01)
		snprintf(why, whylen, "frame rate %d/%d is not a whole number", r.num, r.den);
	else if (read_packets(ic, stream, &ps, e) < 0)
		goto fail;
	else if (!(index = malloc((ps.n ? ps.n : 1) * sizeof *index)))
		err_set(e, 0, "out of memory"), rc = -1;
	else if (ps.n && frame_indexes(&ps, in->time_base, fps, index, why, whylen) &&
		 aligned(&ps, index, par->codec_id, nal_length_size(par), frames_per_fragment, why,
			 whylen))
		rc = 1;
	else if (!ps.n)
		snprintf(why, whylen, "no frames");
	if (rc != 1)
		goto done;
	out->fps = fps, out->width = par->width, out->height = par->height;
	out->n_frames = (int64_t)ps.n;
	snprintf(out->codec, sizeof out->codec, "%s", par->codec_id == AV_CODEC_ID_H264 ? "h264" : "hevc");
	snprintf(out->encoding, sizeof out->encoding, "copy");
	if (open_muxer(&en, par, in->time_base, e) < 0 ||
	    mux_packets(&en, &ps, index, in->time_base, e) < 0)
		goto fail;
	if ((rc = av_write_trailer(en.oc)) < 0) {
		av_fail(e, "cannot finish the MP4", rc);
		goto fail;
	}
	avio_flush(en.oc->pb);
	rc = 1;
done:
	close_encoder(&en);
	packets_free(&ps);
	free(index);
	avformat_close_input(&ic);
	if (rc != 1)
		video_clip_free(out);
	return rc;
fail:
	rc = -1;
	goto done;
}

/* ---- decoding ------------------------------------------------------------------------- */

struct memin {
	const unsigned char *a, *b; /* init, fragment */
	size_t alen, blen, pos;
};

static int mem_read(void *opaque, uint8_t *dst, int n)
{
	struct memin *m = opaque;
	size_t total = m->alen + m->blen, got = 0;
	while (got < (size_t)n && m->pos < total) {
		size_t chunk;
		if (m->pos < m->alen) {
			chunk = m->alen - m->pos;
			if (chunk > (size_t)n - got)
				chunk = (size_t)n - got;
			memcpy(dst + got, m->a + m->pos, chunk);
		} else {
			chunk = total - m->pos;
			if (chunk > (size_t)n - got)
				chunk = (size_t)n - got;
			memcpy(dst + got, m->b + (m->pos - m->alen), chunk);
		}
		got += chunk, m->pos += chunk;
	}
	return got ? (int)got : AVERROR_EOF;
}

static int64_t mem_read_seek(void *opaque, int64_t off, int whence)
{
	struct memin *m = opaque;
	int64_t total = (int64_t)(m->alen + m->blen);
	if (whence == AVSEEK_SIZE)
		return total;
	whence &= ~AVSEEK_FORCE;
	int64_t base = whence == SEEK_CUR ? (int64_t)m->pos : whence == SEEK_END ? total : 0;
	if (base + off < 0 || base + off > total)
		return AVERROR(EINVAL);
	m->pos = (size_t)(base + off);
	return (int64_t)m->pos;
}

static int emit(AVCodecContext *dc, AVFrame *fr, video_on_frame on_frame, void *ctx,
		int64_t *frames, struct err *e)
{
	int rc;
	while ((rc = avcodec_receive_frame(dc, fr)) == 0) {
		(*frames)++;
		int cb = on_frame ? on_frame(ctx, fr, e) : 0;
		av_frame_unref(fr);
		if (cb < 0)
			return -1;
	}
	return rc == AVERROR(EAGAIN) || rc == AVERROR_EOF ? 0 : av_fail(e, "decoder failed", rc);
}

int video_decode(const void *init, size_t init_len, const void *frag, size_t frag_len,
		 video_on_frame on_frame, void *ctx, int64_t *frames, struct err *e)
{
	struct memin m = {init, frag, init_len, frag_len, 0};
	AVFormatContext *ic = avformat_alloc_context();
	unsigned char *iobuf = av_malloc(65536);
	AVIOContext *io = avio_alloc_context(iobuf, 65536, 0, &m, mem_read, NULL, mem_read_seek);
	AVCodecContext *dc = NULL;
	AVPacket *pkt = av_packet_alloc();
	AVFrame *fr = av_frame_alloc();
	int rc = -1;
	*frames = 0;
	ic->pb = io;
	int averr = avformat_open_input(&ic, NULL, av_find_input_format("mp4"), NULL);
	if (averr < 0) {
		av_fail(e, "not a decodable MP4 (init + fragment)", averr);
		goto out;
	}
	if ((averr = avformat_find_stream_info(ic, NULL)) < 0 || ic->nb_streams < 1) {
		av_fail(e, "no video stream", averr);
		goto out;
	}
	const AVCodec *codec = avcodec_find_decoder(ic->streams[0]->codecpar->codec_id);
	dc = avcodec_alloc_context3(codec);
	avcodec_parameters_to_context(dc, ic->streams[0]->codecpar);
	if (!codec || (averr = avcodec_open2(dc, codec, NULL)) < 0) {
		av_fail(e, "cannot open the decoder", averr);
		goto out;
	}
	while ((averr = av_read_frame(ic, pkt)) >= 0) {
		averr = avcodec_send_packet(dc, pkt);
		av_packet_unref(pkt);
		if (averr < 0) {
			av_fail(e, "decoder refused a packet", averr);
			goto out;
		}
		if (emit(dc, fr, on_frame, ctx, frames, e) < 0)
			goto out;
	}
	avcodec_send_packet(dc, NULL);
	if (emit(dc, fr, on_frame, ctx, frames, e) < 0)
		goto out;
	rc = 0;
out:
	av_frame_free(&fr);
	av_packet_free(&pkt);
	avcodec_free_context(&dc);
	avformat_close_input(&ic);
	if (io) {
		av_freep(&io->buffer);
		avio_context_free(&io);
	}
	return rc;
}

/* ---- image files as a frame source ---------------------------------------------------- */

struct video_image_files {
	const char *const *paths;
	size_t n, next;
	AVFrame *frame;
};

struct video_image_files *video_image_files_open(const char *const *paths, size_t n,
						 struct err *e)
{
	struct video_image_files *f = calloc(1, sizeof *f);
	if (!f || !(f->frame = av_frame_alloc())) {
		free(f);
		err_set(e, 0, "out of memory");
		return NULL;
	}
	f->paths = paths, f->n = n;
	return f;
}

int video_image_files_next(void *ctx, const AVFrame **out, struct err *e)
{
	struct video_image_files *f = ctx;
	if (f->next == f->n)
		return 0;
	const char *path = f->paths[f->next++];
	AVFormatContext *ic = NULL;
	AVCodecContext *dc = NULL;
	AVPacket *pkt = av_packet_alloc();
	int rc = -1, averr;
	av_frame_unref(f->frame);
	if ((averr = avformat_open_input(&ic, path, NULL, NULL)) < 0) {
		av_fail(e, path, averr);
		goto out;
	}
	if ((averr = avformat_find_stream_info(ic, NULL)) < 0 || ic->nb_streams < 1) {
		err_set(e, 0, "%s: not an image", path);
		goto out;
	}
	const AVCodec *codec = avcodec_find_decoder(ic->streams[0]->codecpar->codec_id);
	dc = avcodec_alloc_context3(codec);
	avcodec_parameters_to_context(dc, ic->streams[0]->codecpar);
	if (!codec || avcodec_open2(dc, codec, NULL) < 0 || av_read_frame(ic, pkt) < 0 ||
	    avcodec_send_packet(dc, pkt) < 0 || (avcodec_send_packet(dc, NULL), 0) ||
	    avcodec_receive_frame(dc, f->frame) < 0) {
		err_set(e, 0, "%s: cannot decode the image", path);
		goto out;
	}
	*out = f->frame;
	rc = 1;
out:
	av_packet_free(&pkt);
	avcodec_free_context(&dc);
	avformat_close_input(&ic);
	return rc;
}

void video_image_files_close(struct video_image_files *f)
{
	if (!f)
		return;
	av_frame_free(&f->frame);
	free(f);
}

/* ---- a video file as a frame source ---------------------------------------------------- */

struct video_file {
	AVFormatContext *ic;
	AVCodecContext *dc;
	AVPacket *pkt;
	AVFrame *frame;
	int stream, eof;
	char path[1024];
};

void video_file_close(struct video_file *f)
{
	if (!f)
		return;
	av_frame_free(&f->frame);
	av_packet_free(&f->pkt);
	avcodec_free_context(&f->dc);
	avformat_close_input(&f->ic);
	free(f);
}

struct video_file *video_file_open(const char *path, int *fps, struct err *e)
{
	struct video_file *f = calloc(1, sizeof *f);
	if (!f) {
		err_set(e, 0, "out of memory");
		return NULL;
	}
	snprintf(f->path, sizeof f->path, "%s", path);
	f->pkt = av_packet_alloc();
	f->frame = av_frame_alloc();
	int rc = avformat_open_input(&f->ic, path, NULL, NULL);
	if (rc < 0 || (rc = avformat_find_stream_info(f->ic, NULL)) < 0) {
		av_fail(e, path, rc);
		video_file_close(f);
		return NULL;
	}
	const AVCodec *codec = NULL;
	f->stream = av_find_best_stream(f->ic, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
	if (f->stream < 0 || !codec) {
		err_set(e, 0, "%s: no video stream FFmpeg can decode", path);
		video_file_close(f);
		return NULL;
	}
	f->dc = avcodec_alloc_context3(codec);
	avcodec_parameters_to_context(f->dc, f->ic->streams[f->stream]->codecpar);
	if ((rc = avcodec_open2(f->dc, codec, NULL)) < 0) {
		av_fail(e, path, rc);
		video_file_close(f);
		return NULL;
	}
	AVRational r = f->ic->streams[f->stream]->avg_frame_rate;
	*fps = r.num > 0 && r.den > 0 ? (int)(av_q2d(r) + 0.5) : 0;
	return f;
}

int video_file_next(void *ctx, const AVFrame **out, struct err *e)
{
	struct video_file *f = ctx;
	for (;;) {
		av_frame_unref(f->frame);
		int rc = avcodec_receive_frame(f->dc, f->frame);
		if (rc == 0) {
			*out = f->frame;
			return 1;
		}
		if (rc == AVERROR_EOF)
			return 0;
		if (rc != AVERROR(EAGAIN))
			return av_fail(e, f->path, rc);
		if (f->eof)
			return 0;
		rc = av_read_frame(f->ic, f->pkt);
		if (rc == AVERROR_EOF) {
			f->eof = 1;
			avcodec_send_packet(f->dc, NULL); /* drain */
			continue;
		}
		if (rc < 0)
			return av_fail(e, f->path, rc);
		if (f->pkt->stream_index == f->stream && (rc = avcodec_send_packet(f->dc, f->pkt)) < 0) {
			av_packet_unref(f->pkt);
			return av_fail(e, f->path, rc);
		}
		av_packet_unref(f->pkt);
	}
}

/* ---- still images of frames ------------------------------------------------------------ */

struct video_image_encoder {
	enum video_image_format fmt;
	int max_side;
	AVCodecContext *cc;
	struct SwsContext *sws;
	AVFrame *pic;
	AVPacket *pkt;
	int src_width, src_height, src_format; /* the frame shape cc and sws were set up for */
};

void video_image_size(int w, int h, int max_side, int *out_w, int *out_h)
{
	int longer = w > h ? w : h;
	*out_w = w, *out_h = h;
	if (max_side <= 0 || longer <= max_side)
		return;
	/* rounded to the nearest pixel, the longer side exactly max_side */
	*out_w = w == longer ? max_side : (int)(((int64_t)w * max_side + longer / 2) / longer);
	*out_h = h == longer ? max_side : (int)(((int64_t)h * max_side + longer / 2) / longer);
	if (*out_w < 1)
		*out_w = 1;
	if (*out_h < 1)
		*out_h = 1;
}

struct video_image_encoder *video_image_encoder_new(enum video_image_format fmt, int max_side,
						    struct err *e)
{
	struct video_image_encoder *enc = calloc(1, sizeof *enc);
	if (!enc) {
		err_set(e, 0, "out of memory");
		return NULL;
	}
	enc->fmt = fmt, enc->max_side = max_side;
	return enc;
}

static void image_encoder_reset(struct video_image_encoder *enc)
{
	sws_freeContext(enc->sws);
	av_packet_free(&enc->pkt);
	av_frame_free(&enc->pic);
	avcodec_free_context(&enc->cc);
	enc->sws = NULL;
}

void video_image_encoder_free(struct video_image_encoder *enc)
{
	if (!enc)
		return;
	image_encoder_reset(enc);
	free(enc);
}

const char *video_image_extension(const struct video_image_encoder *enc)
{
	return enc->fmt == VIDEO_IMAGE_PNG ? "png" : "jpg";
}

static int image_encoder_open(struct video_image_encoder *enc, const AVFrame *fr, struct err *e)
{
	int png = enc->fmt == VIDEO_IMAGE_PNG, w, h;
	image_encoder_reset(enc);
	video_image_size(fr->width, fr->height, enc->max_side, &w, &h);
	const AVCodec *codec = avcodec_find_encoder(png ? AV_CODEC_ID_PNG : AV_CODEC_ID_MJPEG);
	enc->cc = avcodec_alloc_context3(codec);
	enc->pic = av_frame_alloc();
	enc->pkt = av_packet_alloc();
	if (!codec || !enc->cc || !enc->pic || !enc->pkt)
		return err_set(e, 0, "cannot set up the %s encoder", video_image_extension(enc));
	enc->cc->width = w, enc->cc->height = h, enc->cc->time_base = (AVRational){1, 25};
	enc->cc->pix_fmt = png ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUVJ420P;
	enc->pic->format = enc->cc->pix_fmt, enc->pic->width = w, enc->pic->height = h;
	enc->sws = sws_getContext(fr->width, fr->height, fr->format, w, h, enc->cc->pix_fmt,
				  SWS_BILINEAR, NULL, NULL, NULL);
	if (avcodec_open2(enc->cc, codec, NULL) < 0 || av_frame_get_buffer(enc->pic, 0) < 0 ||
	    !enc->sws)
		return err_set(e, 0, "cannot set up the %s encoder", video_image_extension(enc));
	enc->src_width = fr->width, enc->src_height = fr->height, enc->src_format = fr->format;
	return 0;
}

/* Encodes fr into enc->pkt (the caller unrefs it). */
static int image_encode_packet(struct video_image_encoder *enc, const AVFrame *fr, struct err *e)
{
	if ((!enc->sws || fr->width != enc->src_width || fr->height != enc->src_height ||
	     fr->format != enc->src_format) &&
	    image_encoder_open(enc, fr, e) < 0)
		return -1;
	if (av_frame_make_writable(enc->pic) < 0)
		return err_set(e, 0, "out of memory encoding a %s frame", video_image_extension(enc));
	sws_scale(enc->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height,
		  enc->pic->data, enc->pic->linesize);
	if (avcodec_send_frame(enc->cc, enc->pic) < 0 || avcodec_receive_packet(enc->cc, enc->pkt) < 0)
		return err_set(e, 0, "cannot encode a %s frame", video_image_extension(enc));
	return 0;
}

int video_image_encode(struct video_image_encoder *enc, const AVFrame *frame, struct buf *out,
		       struct err *e)
{
	if (image_encode_packet(enc, frame, e) < 0)
		return -1;
	int rc = buf_append(out, enc->pkt->data, (size_t)enc->pkt->size) < 0
			 ? err_set(e, 0, "out of memory")
			 : 0;
	av_packet_unref(enc->pkt);
	return rc;
}

int video_image_write(struct video_image_encoder *enc, const AVFrame *frame, const char *path,
		      struct err *e)
{
	if (image_encode_packet(enc, frame, e) < 0)
		return -1;
	size_t n = (size_t)enc->pkt->size;
	FILE *f = fopen(path, "wb");
	int rc = !f || fwrite(enc->pkt->data, 1, n, f) != n;
	if ((f && fclose(f) != 0) || rc)
		rc = err_set(e, 0, "cannot write %s: %s", path, strerror(errno));
	av_packet_unref(enc->pkt);
	return rc;
}
