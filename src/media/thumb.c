/* thumb.c - see thumb.h. */
#include "media/thumb.h"

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <string.h>

#include "media/media.h"
#include "media/video.h"

void thumb_free(struct thumb *t)
{
	buf_free(&t->jpeg);
}

/* One place makes JPEG/PNG from frames: video_image_encode (scale + encode). */
int thumb_frame(const AVFrame *fr, int max_side, struct thumb *out, struct err *e)
{
	struct video_image_encoder *enc = video_image_encoder_new(VIDEO_IMAGE_JPEG, max_side, e);
	if (!enc)
		return -1;
	buf_reset(&out->jpeg);
	int rc = video_image_encode(enc, fr, &out->jpeg, e);
	video_image_encoder_free(enc);
	if (rc < 0)
		return err_wrap(e, "thumbnail");
	out->width = fr->width, out->height = fr->height;
	video_image_size(fr->width, fr->height, max_side, &out->thumb_width, &out->thumb_height);
	return 0;
}

static enum AVCodecID image_codec(const void *data, size_t len)
{
	char ext[8];
	media_extension(NULL, data, len, ext);
	return strcmp(ext, "jpg") == 0	  ? AV_CODEC_ID_MJPEG
	       : strcmp(ext, "png") == 0  ? AV_CODEC_ID_PNG
	       : strcmp(ext, "webp") == 0 ? AV_CODEC_ID_WEBP
	       : strcmp(ext, "gif") == 0  ? AV_CODEC_ID_GIF
	       : strcmp(ext, "bmp") == 0  ? AV_CODEC_ID_BMP
					  : AV_CODEC_ID_NONE;
}

int thumb_image(const void *data, size_t len, int max_side, struct thumb *out, struct err *e)
{
	av_log_set_level(AV_LOG_QUIET); /* a damaged image is reported once, by us */
	enum AVCodecID id = image_codec(data, len);
	if (id == AV_CODEC_ID_NONE)
		return err_set(e, EXIT_FAILED, "not an image (JPEG, PNG, WebP, GIF or BMP)");
	const AVCodec *codec = avcodec_find_decoder(id);
	AVCodecContext *dc = codec ? avcodec_alloc_context3(codec) : NULL;
	AVPacket *pkt = av_packet_alloc();
	AVFrame *fr = av_frame_alloc();
	int rc = -1;
	/* A JPEG much larger than the thumbnail decodes at 1/2, 1/4 or 1/8 of its size straight
	 * from the DCT (libavcodec's lowres): most of the decoding time of big images saved. */
	int jw = 0, jh = 0, lowres = 0;
	if (id == AV_CODEC_ID_MJPEG && media_image_size(data, len, &jw, &jh))
		while (lowres < 3 && ((jw > jh ? jw : jh) >> (lowres + 1)) >= max_side)
			lowres++;
	if (dc)
		dc->lowres = lowres;
	if (!dc || !pkt || !fr || avcodec_open2(dc, codec, NULL) < 0 ||
	    av_new_packet(pkt, (int)len) < 0) {
		err_set(e, EXIT_FAILED, "cannot set up the %s decoder", codec ? codec->name : "image");
		goto out;
	}
	memcpy(pkt->data, data, len);
	/* the whole image is one packet; flushing makes frame-threaded decoders give it back */
	if (avcodec_send_packet(dc, pkt) < 0 || (avcodec_send_packet(dc, NULL), 0) ||
	    avcodec_receive_frame(dc, fr) < 0) {
		err_set(e, EXIT_FAILED, "cannot decode the image (damaged or truncated?)");
		goto out;
	}
	rc = thumb_frame(fr, max_side, out, e);
	if (rc == 0 && lowres) /* boxes live in the full-size image's pixels */
		out->width = jw, out->height = jh;
out:
	av_frame_free(&fr);
	av_packet_free(&pkt);
	avcodec_free_context(&dc);
	return rc;
}

struct picker {
	const int64_t *positions;
	size_t n, next;
	int64_t seen;
	int max_side;
	struct thumb *out;
};

static int pick(void *ctx, const AVFrame *fr, struct err *e)
{
	struct picker *p = ctx;
	int rc = 0;
	while (rc == 0 && p->next < p->n && p->positions[p->next] == p->seen)
		rc = thumb_frame(fr, p->max_side, &p->out[p->next++], e);
	p->seen++;
	return rc;
}

int thumb_fragment_frames(const void *init, size_t init_len, const void *frag, size_t frag_len,
			  const int64_t *positions, size_t n, int max_side, struct thumb *out,
			  struct err *e)
{
	struct picker p = {.positions = positions, .n = n, .max_side = max_side, .out = out};
	int64_t frames = 0;
	if (video_decode(init, init_len, frag, frag_len, pick, &p, &frames, e) < 0)
		return -1;
	if (p.next < n)
		return err_set(e, EXIT_FAILED, "the fragment has %lld frames, frame %lld was asked for",
			       (long long)frames, (long long)positions[p.next]);
	return 0;
}
