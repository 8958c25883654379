/* fetch.c - see fetch.h. */
#define _GNU_SOURCE
#include "media/fetch.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "lake/lake.h"
#include "store/s3.h"
#include "media/video.h"

struct item {
	char uri[1024], name[1100];
	int64_t offset, length; /* length < 0: the whole object */
	int64_t start_frame;
	int clip;               /* index into clips, or -1 for a whole object */
};

struct clip {
	char uri[1024];
	int64_t init_len;
	struct buf init;
};

struct job {
	const struct config *cfg;
	const struct fetch_request *rq;
	struct item *items;
	size_t n, next;
	struct clip *clips;
	pthread_mutex_t lock;
	struct err first;
	int64_t received, frames;
};

static const char *key_of(const struct config *cfg, const char *uri, struct err *e)
{
	size_t n = strlen(cfg->bucket);
	if (strncmp(uri, "s3://", 5) != 0 || strncmp(uri + 5, cfg->bucket, n) != 0 || uri[5 + n] != '/') {
		err_set(e, EXIT_USAGE, "%s is not an object of bucket %s", uri, cfg->bucket);
		return NULL;
	}
	return uri + 5 + n + 1;
}

static int write_file(const char *path, const void *a, size_t alen, const void *b, size_t blen,
		      struct err *e)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(a, 1, alen, f) != alen || (blen && fwrite(b, 1, blen, f) != blen) ||
	    fclose(f) != 0)
		return err_set(e, 0, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

/* ---- frames to images ------------------------------------------------------------------ */

/* One encoder, scaler and buffers per fragment, set up at its first frame (or when the frame
 * shape changes) and reused: setting them up again for every frame cost more than decoding. */
struct frame_out {
	const char *dir, *name, *fmt;
	int64_t next_frame;
	AVCodecContext *cc;
	struct SwsContext *sws;
	AVFrame *pic;
	AVPacket *pkt;
	int width, height, src_format;
};

static void frame_out_close(struct frame_out *o)
{
	sws_freeContext(o->sws);
	av_packet_free(&o->pkt);
	av_frame_free(&o->pic);
	avcodec_free_context(&o->cc);
	o->sws = NULL;
}

static int frame_out_open(struct frame_out *o, const AVFrame *fr, struct err *e)
{
	int png = strcmp(o->fmt, "png") == 0;
	frame_out_close(o);
	const AVCodec *codec = avcodec_find_encoder(png ? AV_CODEC_ID_PNG : AV_CODEC_ID_MJPEG);
	o->cc = avcodec_alloc_context3(codec);
	o->pic = av_frame_alloc();
	o->pkt = av_packet_alloc();
	if (!codec || !o->cc || !o->pic || !o->pkt)
		return err_set(e, 0, "cannot set up the %s encoder", o->fmt);
	o->cc->width = fr->width, o->cc->height = fr->height, o->cc->time_base = (AVRational){1, 25};
	o->cc->pix_fmt = png ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUVJ420P;
	o->pic->format = o->cc->pix_fmt, o->pic->width = fr->width, o->pic->height = fr->height;
	o->sws = sws_getContext(fr->width, fr->height, fr->format, fr->width, fr->height,
				o->cc->pix_fmt, SWS_BILINEAR, NULL, NULL, NULL);
	if (avcodec_open2(o->cc, codec, NULL) < 0 || av_frame_get_buffer(o->pic, 0) < 0 || !o->sws)
		return err_set(e, 0, "cannot set up the %s encoder", o->fmt);
	o->width = fr->width, o->height = fr->height, o->src_format = fr->format;
	return 0;
}

static int save_frame(void *ctx, const AVFrame *fr, struct err *e)
{
	struct frame_out *o = ctx;
	if ((!o->sws || fr->width != o->width || fr->height != o->height ||
	     fr->format != o->src_format) &&
	    frame_out_open(o, fr, e) < 0)
		return -1;
	if (av_frame_make_writable(o->pic) < 0)
		return err_set(e, 0, "out of memory encoding a %s frame", o->fmt);
	sws_scale(o->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height,
		  o->pic->data, o->pic->linesize);
	if (avcodec_send_frame(o->cc, o->pic) < 0 || avcodec_receive_packet(o->cc, o->pkt) < 0)
		return err_set(e, 0, "cannot encode a %s frame", o->fmt);
	char path[4096];
	/* VisDrone numbers frames from 1: name images as the source frames were named */
	snprintf(path, sizeof path, "%s/%s_%07lld.%s", o->dir, o->name, (long long)o->next_frame + 1,
		 o->fmt);
	o->next_frame++;
	int rc = write_file(path, o->pkt->data, (size_t)o->pkt->size, NULL, 0, e);
	av_packet_unref(o->pkt);
	return rc;
}

/* ---- workers --------------------------------------------------------------------------- */

static int fetch_item(struct job *j, struct s3 *s, struct item *it, struct err *e)
{
	const char *key = key_of(j->cfg, it->uri, e);
	if (!key)
		return -1;
	struct buf b = {0};
	int rc = s3_get_range(s, key, it->length < 0 ? 0 : it->offset, it->length, &b, e);
	if (rc < 0) {
		buf_free(&b);
		return -1;
	}
	char path[4096];
	if (it->clip < 0) {
		snprintf(path, sizeof path, "%s/%s", j->rq->out_dir, it->name);
		rc = write_file(path, b.data, b.len, NULL, 0, e);
	} else {
		const struct clip *c = &j->clips[it->clip];
		snprintf(path, sizeof path, "%s/%s.mp4", j->rq->out_dir, it->name);
		rc = write_file(path, c->init.data, c->init.len, b.data, b.len, e);
		if (rc == 0 && j->rq->frames) {
			char seq[1100];
			snprintf(seq, sizeof seq, "%.*s", (int)strcspn(it->name, "#"), it->name);
			struct frame_out o = {.dir = j->rq->out_dir, .name = seq, .fmt = j->rq->frames,
						.next_frame = it->start_frame};
			int64_t frames = 0;
			rc = video_decode(c->init.data, c->init.len, b.data, b.len, save_frame, &o,
					  &frames, e);
			frame_out_close(&o);
			if (rc < 0)
				err_wrap(e, "decoding %s", path);
			pthread_mutex_lock(&j->lock);
			j->frames += frames;
			pthread_mutex_unlock(&j->lock);
		}
	}
	buf_free(&b);
	return rc;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct err e = {0};
	struct s3 *s = s3_new(j->cfg, &e);
	for (;;) {
		pthread_mutex_lock(&j->lock);
		size_t i = j->next++;
		int stop = i >= j->n || j->first.code;
		pthread_mutex_unlock(&j->lock);
		if (stop)
			break;
		if (!s || fetch_item(j, s, &j->items[i], &e) < 0) {
			pthread_mutex_lock(&j->lock);
			if (!j->first.code)
				j->first = e.code ? e : (struct err){EXIT_FAILURE_, "cannot create an S3 client"};
			pthread_mutex_unlock(&j->lock);
			break;
		}
	}
	if (s) {
		pthread_mutex_lock(&j->lock);
		j->received += s3_bytes_received(s);
		pthread_mutex_unlock(&j->lock);
	}
	s3_free(s);
	return NULL;
}

/* ---- planning -------------------------------------------------------------------------- */

static int has_column(duckdb_result *r, const char *name)
{
	for (idx_t c = 0; c < duckdb_column_count(r); c++)
		if (strcmp(duckdb_column_name(r, c), name) == 0)
			return (int)c;
	return -1;
}

/* Runs the user's query and, for fragments, joins it with the index. */
static int plan(struct lake *l, const char *sql, struct item **items,
		size_t *n, struct clip **clips, size_t *nclips, struct fetch_result *res,
		struct err *e)
{
	duckdb_result probe;
	char *trimmed = strdup(sql);
	size_t len = strlen(trimmed);
	while (len && (trimmed[len - 1] == ';' || trimmed[len - 1] == ' ' || trimmed[len - 1] == '\n'))
		trimmed[--len] = '\0';
	int rc = lake_query(l, trimmed, NULL, 0, &probe, e);
	if (rc < 0) {
		free(trimmed);
		return err_wrap(e, "the --sql query");
	}
	int fragments = has_column(&probe, "clip_uri") >= 0 && has_column(&probe, "fragment_id") >= 0;
	int images = has_column(&probe, "image_uri") >= 0;
	duckdb_destroy_result(&probe);
	if (!fragments && !images) {
		free(trimmed);
		return err_set(e, EXIT_USAGE, "the --sql query must return clip_uri and fragment_id "
					      "(video fragments) or image_uri (images)");
	}
	struct buf q = {0};
	if (fragments)
		buf_printf(&q,
			   "SELECT q.clip_uri, q.fragment_id, f.byte_offset, f.byte_length, f.start_frame, "
			   "c.init_bytes, c.sequence, c.bytes FROM (%s) q JOIN raw.visdrone_fragments f "
			   "ON f.clip_uri = q.clip_uri AND f.fragment_id = q.fragment_id JOIN "
			   "raw.visdrone_clips c ON c.clip_uri = q.clip_uri ORDER BY q.clip_uri, "
			   "q.fragment_id",
			   trimmed);
	else
		buf_printf(&q, "SELECT DISTINCT image_uri FROM (%s) q WHERE image_uri IS NOT NULL", trimmed);
	free(trimmed);
	duckdb_result r;
	rc = lake_query(l, q.data, NULL, 0, &r, e);
	buf_free(&q);
	if (rc < 0)
		return -1;
	idx_t rows = duckdb_row_count(&r);
	*items = calloc(rows ? rows : 1, sizeof **items);
	*clips = calloc(rows ? rows : 1, sizeof **clips);
	*n = 0, *nclips = 0;
	for (idx_t i = 0; i < rows; i++) {
		struct item *it = &(*items)[(*n)++];
		char *uri = duckdb_value_varchar(&r, 0, i);
		snprintf(it->uri, sizeof it->uri, "%s", uri ? uri : "");
		duckdb_free(uri);
		if (!fragments) {
			const char *slash = strrchr(it->uri, '/');
			snprintf(it->name, sizeof it->name, "%s", slash ? slash + 1 : it->uri);
			it->length = -1, it->clip = -1;
			continue;
		}
		if (!*nclips || strcmp((*clips)[*nclips - 1].uri, it->uri) != 0) {
			struct clip *c = &(*clips)[(*nclips)++];
			snprintf(c->uri, sizeof c->uri, "%s", it->uri);
			c->init_len = duckdb_value_int64(&r, 5, i);
			res->bytes_whole += duckdb_value_int64(&r, 7, i);
			res->bytes_planned += c->init_len;
		}
		it->clip = (int)*nclips - 1;
		it->offset = duckdb_value_int64(&r, 2, i);
		it->length = duckdb_value_int64(&r, 3, i);
		it->start_frame = duckdb_value_int64(&r, 4, i);
		res->bytes_planned += it->length;
		char *seq = duckdb_value_varchar(&r, 6, i);
		snprintf(it->name, sizeof it->name, "%s#%lld", seq ? seq : "clip",
			 (long long)duckdb_value_int64(&r, 1, i));
		duckdb_free(seq);
	}
	duckdb_destroy_result(&r);
	res->items = (int64_t)*n;
	res->clips = (int64_t)*nclips;
	return 0;
}

int fetch_run(const struct config *cfg, const struct fetch_request *rq, struct fetch_result *res,
	      struct err *e)
{
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	int rc = fetch_run_on(l, cfg, rq, res, e);
	lake_close(l);
	return rc;
}

int fetch_run_on(struct lake *l, const struct config *cfg, const struct fetch_request *rq,
		 struct fetch_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	struct item *items = NULL;
	struct clip *clips = NULL;
	size_t n = 0, nclips = 0;
	int rc = plan(l, rq->sql, &items, &n, &clips, &nclips, res, e);
	if (rc == 0 && !rq->dry_run && mkdir(rq->out_dir, 0755) != 0 && errno != EEXIST)
		rc = err_set(e, 0, "cannot create %s: %s", rq->out_dir, strerror(errno));
	struct s3 *s = NULL;
	if (rc == 0 && !rq->dry_run && !(s = s3_new(cfg, e)))
		rc = -1;
	for (size_t i = 0; rc == 0 && !rq->dry_run && i < nclips; i++) { /* init segments, once */
		const char *key = key_of(cfg, clips[i].uri, e);
		rc = key ? s3_get_range(s, key, 0, clips[i].init_len, &clips[i].init, e) : -1;
	}
	if (s)
		res->bytes_fetched += s3_bytes_received(s);
	s3_free(s);
	if (rc == 0 && !rq->dry_run && n) {
		struct job j = {.cfg = cfg, .rq = rq, .items = items, .n = n, .clips = clips};
		pthread_mutex_init(&j.lock, NULL);
		int threads = rq->threads < 1 ? 1 : rq->threads > 32 ? 32 : rq->threads;
		pthread_t tid[32];
		int started = 0;
		for (int t = 0; t < threads && (size_t)t < n; t++)
			started += pthread_create(&tid[started], NULL, worker, &j) == 0;
		for (int t = 0; t < started; t++)
			pthread_join(tid[t], NULL);
		pthread_mutex_destroy(&j.lock);
		res->bytes_fetched += j.received;
		res->frames = j.frames;
		if (j.first.code) {
			*e = j.first;
			rc = -1;
		} else if (!started) {
			rc = err_set(e, 0, "cannot start fetch threads");
		}
	}
	if (!nclips) /* images: the whole objects are the plan */
		res->bytes_planned = res->bytes_fetched;
	for (size_t i = 0; i < nclips; i++)
		buf_free(&clips[i].init);
	free(clips);
	free(items);
	return rc;
}
