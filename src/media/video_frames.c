/* video_frames.c - see video.h: decoding init + fragment, frame sources (image files, video
 * files) and still images of frames (JPEG/PNG). Encoding lives in video.c. */
#include "media/video.h"
#include "media/video_av.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	return rc == AVERROR(EAGAIN) || rc == AVERROR_EOF ? 0 : video_av_fail(e, "decoder failed", rc);
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
		video_av_fail(e, "not a decodable MP4 (init + fragment)", averr);
		goto out;
	}
	if ((averr = avformat_find_stream_info(ic, NULL)) < 0 || ic->nb_streams < 1) {
		video_av_fail(e, "no video stream", averr);
		goto out;
	}
	const AVCodec *codec = avcodec_find_decoder(ic->streams[0]->codecpar->codec_id);
	dc = avcodec_alloc_context3(codec);
	avcodec_parameters_to_context(dc, ic->streams[0]->codecpar);
	if (!codec || (averr = avcodec_open2(dc, codec, NULL)) < 0) {
		video_av_fail(e, "cannot open the decoder", averr);
		goto out;
	}
	while ((averr = av_read_frame(ic, pkt)) >= 0) {
		averr = avcodec_send_packet(dc, pkt);
		av_packet_unref(pkt);
		if (averr < 0) {
			video_av_fail(e, "decoder refused a packet", averr);
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
		err_set(e, EXIT_FAILED, "out of memory");
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
		video_av_fail(e, path, averr);
		goto out;
	}
	if ((averr = avformat_find_stream_info(ic, NULL)) < 0 || ic->nb_streams < 1) {
		err_set(e, EXIT_FAILED, "%s: not an image", path);
		goto out;
	}
	const AVCodec *codec = avcodec_find_decoder(ic->streams[0]->codecpar->codec_id);
	dc = avcodec_alloc_context3(codec);
	avcodec_parameters_to_context(dc, ic->streams[0]->codecpar);
	if (!codec || avcodec_open2(dc, codec, NULL) < 0 || av_read_frame(ic, pkt) < 0 ||
	    avcodec_send_packet(dc, pkt) < 0 || (avcodec_send_packet(dc, NULL), 0) ||
	    avcodec_receive_frame(dc, f->frame) < 0) {
		err_set(e, EXIT_FAILED, "%s: cannot decode the image", path);
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
		err_set(e, EXIT_FAILED, "out of memory");
		return NULL;
	}
	snprintf(f->path, sizeof f->path, "%s", path);
	f->pkt = av_packet_alloc();
	f->frame = av_frame_alloc();
	int rc = avformat_open_input(&f->ic, path, NULL, NULL);
	if (rc < 0 || (rc = avformat_find_stream_info(f->ic, NULL)) < 0) {
		video_av_fail(e, path, rc);
		video_file_close(f);
		return NULL;
	}
	const AVCodec *codec = NULL;
	f->stream = av_find_best_stream(f->ic, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
	if (f->stream < 0 || !codec) {
		err_set(e, EXIT_FAILED, "%s: no video stream FFmpeg can decode", path);
		video_file_close(f);
		return NULL;
	}
	f->dc = avcodec_alloc_context3(codec);
	avcodec_parameters_to_context(f->dc, f->ic->streams[f->stream]->codecpar);
	if ((rc = avcodec_open2(f->dc, codec, NULL)) < 0) {
		video_av_fail(e, path, rc);
		video_file_close(f);
		return NULL;
	}
	AVRational r = f->ic->streams[f->stream]->avg_frame_rate;
	*fps = r.num > 0 && r.den > 0 ? (int)(av_q2d(r) + 0.5) : 0;
	return f;
}

const struct AVStream *video_file_stream(const struct video_file *f)
{
	return f->ic->streams[f->stream];
}

int video_file_has_audio(const struct video_file *f)
{
	for (unsigned i = 0; i < f->ic->nb_streams; i++)
		if (f->ic->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
			return 1;
	return 0;
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
			return video_av_fail(e, f->path, rc);
		if (f->eof)
			return 0;
		rc = av_read_frame(f->ic, f->pkt);
		if (rc == AVERROR_EOF) {
			f->eof = 1;
			avcodec_send_packet(f->dc, NULL); /* drain */
			continue;
		}
		if (rc < 0)
			return video_av_fail(e, f->path, rc);
		if (f->pkt->stream_index == f->stream && (rc = avcodec_send_packet(f->dc, f->pkt)) < 0) {
			av_packet_unref(f->pkt);
			return video_av_fail(e, f->path, rc);
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
		err_set(e, EXIT_FAILED, "out of memory");
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
		return err_set(e, EXIT_FAILED, "cannot set up the %s encoder", video_image_extension(enc));
	enc->cc->width = w, enc->cc->height = h, enc->cc->time_base = (AVRational){1, 25};
	enc->cc->pix_fmt = png ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUVJ420P;
	enc->pic->format = enc->cc->pix_fmt, enc->pic->width = w, enc->pic->height = h;
	enc->sws = sws_getContext(fr->width, fr->height, fr->format, w, h, enc->cc->pix_fmt,
				  SWS_BILINEAR, NULL, NULL, NULL);
	if (avcodec_open2(enc->cc, codec, NULL) < 0 || av_frame_get_buffer(enc->pic, 0) < 0 ||
	    !enc->sws)
		return err_set(e, EXIT_FAILED, "cannot set up the %s encoder", video_image_extension(enc));
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
		return err_set(e, EXIT_FAILED, "out of memory encoding a %s frame", video_image_extension(enc));
	sws_scale(enc->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height,
		  enc->pic->data, enc->pic->linesize);
	if (avcodec_send_frame(enc->cc, enc->pic) < 0 || avcodec_receive_packet(enc->cc, enc->pkt) < 0)
		return err_set(e, EXIT_FAILED, "cannot encode a %s frame", video_image_extension(enc));
	return 0;
}

int video_image_encode(struct video_image_encoder *enc, const AVFrame *frame, struct buf *out,
		       struct err *e)
{
	if (image_encode_packet(enc, frame, e) < 0)
		return -1;
	int rc = buf_append(out, enc->pkt->data, (size_t)enc->pkt->size) < 0
			 ? err_set(e, EXIT_FAILED, "out of memory")
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
		rc = err_set(e, EXIT_FAILED, "cannot write %s: %s", path, strerror(errno));
	av_packet_unref(enc->pkt);
	return rc;
}
