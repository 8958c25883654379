/* fetch.c - see fetch.h. */
#define _GNU_SOURCE
#include "media/fetch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/progress.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/pool.h"
#include "lake/lake.h"
#include "store/s3.h"
#include "media/reader.h"
#include "media/video.h"

struct job {
	const struct config *cfg;
	const struct fetch_request *rq;
	const struct media_plan *plan;
	pthread_mutex_t lock; /* guards received and frames */
	int64_t received, frames;
};

/* ---- workers --------------------------------------------------------------------------- */

/* What one worker keeps across its items: its reader and its frame image encoder. */
struct worker {
	struct media_reader *rd;
	struct video_image_encoder *img; /* with --frames */
};

static int worker_start(void *ctx, void **state, struct err *e)
{
	const struct job *j = ctx;
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(e, EXIT_FAILED, "out of memory");
	enum video_image_format fmt =
		j->rq->frames && strcmp(j->rq->frames, "png") == 0 ? VIDEO_IMAGE_PNG : VIDEO_IMAGE_JPEG;
	if (!(w->rd = media_reader_new(j->cfg, e)) ||
	    (j->rq->frames && !(w->img = video_image_encoder_new(fmt, 0, e)))) {
		media_reader_free(w->rd);
		free(w);
		return -1;
	}
	*state = w;
	return 0;
}

static void worker_stop(void *ctx, void *state)
{
	struct job *j = ctx;
	struct worker *w = state;
	pthread_mutex_lock(&j->lock);
	j->received += media_reader_received(w->rd);
	pthread_mutex_unlock(&j->lock);
	media_reader_free(w->rd);
	video_image_encoder_free(w->img);
	free(w);
}

/* Frames to DIR/<sequence>_<frame>.<ext>, numbered from 1 as VisDrone names its frames. */
struct frame_files {
	struct video_image_encoder *img;
	const char *dir, *name;
	int64_t next_frame;
};

static int save_frame(void *ctx, const struct AVFrame *fr, struct err *e)
{
	struct frame_files *o = ctx;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s_%07lld.%s", o->dir, o->name, (long long)o->next_frame + 1,
		 video_image_extension(o->img));
	o->next_frame++;
	return video_image_write(o->img, fr, path, e);
}

static int fetch_item(void *ctx, void *state, void *task, struct err *e)
{
	struct job *j = ctx;
	struct worker *w = state;
	const struct media_item *it = &j->plan->items[POOL_INDEX(task)];
	struct buf b = {0};
	if (media_read(w->rd, j->plan, POOL_INDEX(task), &b, e) < 0) {
		buf_free(&b);
		return -1;
	}
	char path[4096];
	int rc;
	size_t init_len = 0;
	if (it->clip < 0) {
		const char *slash = strrchr(it->uri, '/');
		snprintf(path, sizeof path, "%s/%s", j->rq->out_dir, slash ? slash + 1 : it->uri);
		rc = fs_write_atomic(path, b.data, b.len, e);
	} else { /* init + fragment: a standalone .mp4 */
		const struct media_clip *c = &j->plan->clips[it->clip];
		const char *seq = c->sequence ? c->sequence : "clip";
		init_len = c->init.len;
		snprintf(path, sizeof path, "%s/%s#%lld.mp4", j->rq->out_dir, seq,
			 (long long)it->fragment_id);
		rc = fs_write_atomic(path, b.data, b.len, e);
		if (rc == 0 && w->img) {
			struct frame_files o = {.img = w->img, .dir = j->rq->out_dir, .name = seq,
						.next_frame = it->start_frame};
			int64_t frames = 0;
			rc = video_decode(b.data, init_len, b.data + init_len, b.len - init_len,
					  save_frame, &o, &frames, e);
			if (rc < 0)
				err_wrap(e, "decoding %s", path);
			pthread_mutex_lock(&j->lock);
			j->frames += frames;
			pthread_mutex_unlock(&j->lock);
			progress_count(j->rq->progress, "frames", frames);
		}
	}
	if (rc == 0) /* the init segments were counted when fetched */
		progress_add(j->rq->progress, 1, (int64_t)(b.len - init_len));
	buf_free(&b);
	return rc;
}

static const struct pool_ops fetch_ops = {
	.worker_start = worker_start, .worker_stop = worker_stop, .run = fetch_item};

static const char *key_of(const struct config *cfg, const char *uri, struct err *e)
{
	const char *key = s3_key_of_uri(cfg->bucket, uri);
	if (!key)
		err_set(e, EXIT_USAGE, "%s is not an object of bucket %s", uri, cfg->bucket);
	return key;
}

/* A dry run over images: each object's size from a HEAD, so the plan shows bytes too. */
static int image_sizes(const struct config *cfg, const struct media_plan *p,
		       struct fetch_result *res, struct err *e)
{
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		const char *key = key_of(cfg, p->items[i].uri, e);
		struct s3_object o;
		rc = key ? s3_head(s, key, &o, NULL, e) : -1;
		if (rc == 0)
			res->bytes_planned += o.size;
	}
	s3_free(s);
	return rc;
}

int fetch_run(const struct config *cfg, const struct fetch_request *rq, struct fetch_result *res,
	      struct err *e)
{
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_READ, e) < 0)
		return -1;
	int64_t snapshot = 0;
	int rc = 0;
	if (rq->at.version || rq->at.time)
		rc = lake_pin(l, &rq->at, &snapshot, e) < 0 ? -1 : lake_attach_at(l, snapshot, e);
	rc = rc ? rc : fetch_run_on(l, cfg, rq, res, e);
	lake_close(l);
	return rc;
}

int fetch_run_on(struct lake *l, const struct config *cfg, const struct fetch_request *rq,
		 struct fetch_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	struct media_plan p;
	int rc = media_plan_query(l, rq->sql, MEDIA_ORDER_SEQUENCE, &p, e);
	if (rc < 0)
		err_wrap(e, "the --sql query");
	size_t n = p.n, nclips = p.nclips;
	res->items = (int64_t)n, res->clips = (int64_t)nclips;
	res->bytes_planned = p.bytes_planned, res->bytes_whole = p.bytes_whole;
	int threads = rq->threads < 1 ? 1 : rq->threads > 32 ? 32 : rq->threads;
	if (rc == 0 && n && !nclips && rq->frames) /* refused, not ignored */
		rc = err_set(e, EXIT_USAGE, "--frames decodes video fragments (a query with clip_uri "
					    "and fragment_id); this query selects images");
	if (rc == 0 && rq->dry_run && n && !nclips)
		rc = image_sizes(cfg, &p, res, e);
	if (rc == 0 && !rq->dry_run && mkdir(rq->out_dir, 0755) != 0 && errno != EEXIST)
		rc = err_set(e, EXIT_FAILED, "cannot create %s: %s", rq->out_dir, strerror(errno));
	if (rc == 0 && !rq->dry_run) /* images: sizes unknown until fetched, the count is the plan */
		progress_add_total(rq->progress, (int64_t)n, nclips ? res->bytes_planned : 0);
	if (rc == 0 && !rq->dry_run)
		rc = media_fetch_inits(cfg, &p, threads, 0, rq->progress, &res->bytes_fetched, e);
	if (rc == 0 && !rq->dry_run && n) {
		struct job j = {.cfg = cfg, .rq = rq, .plan = &p};
		pthread_mutex_init(&j.lock, NULL);
		rc = pool_for(n, threads, &fetch_ops, &j, e);
		pthread_mutex_destroy(&j.lock);
		res->bytes_fetched += j.received;
		res->frames = j.frames;
	}
	if (!nclips && !rq->dry_run) /* images: the whole objects are the plan */
		res->bytes_planned = res->bytes_fetched;
	media_plan_free(&p);
	return rc;
}
