/* upload.c - see upload.h. The threads, the queue and "first failure stops the rest" are
 * core/pool's; this file adds the byte budget and one S3 connection per worker. */
#include "store/upload.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "core/progress.h"
#include "store/s3.h"

/* Tasks waiting in the pool's queue at most; the byte budget is the real bound. */
#define MAX_QUEUED 1024

struct job {
	char *key;
	char sha256[65]; /* "" when unknown */
	const void *data; /* borrowed from the caller until release(release_ctx) */
	size_t len;
	void (*release)(void *ctx);
	void *release_ctx;
};

struct uploader {
	const struct config *cfg;
	struct pool *pool;
	pthread_mutex_t lock;
	pthread_cond_t has_room;
	size_t inflight, max_inflight;
	int failed; /* a put or a worker failed: stop waiting for room */
	struct progress *progress;
	struct upload_stats stats;
};

static void job_free(struct job *j)
{
	if (j->release)
		j->release(j->release_ctx);
	free(j->key);
	free(j);
}

/* The job's bytes leave the budget (uploaded or dropped); wakes a waiting put. */
static void job_done(struct uploader *u, struct job *j, int uploaded, int failed)
{
	pthread_mutex_lock(&u->lock);
	u->inflight -= j->len;
	if (uploaded) {
		u->stats.objects++, u->stats.bytes += (int64_t)j->len;
		progress_count(u->progress, "uploaded", 1);
	}
	if (failed)
		u->failed = 1;
	pthread_cond_broadcast(&u->has_room);
	pthread_mutex_unlock(&u->lock);
	job_free(j);
}

static int worker_start(void *ctx, void **state, struct err *e)
{
	struct uploader *u = ctx;
	if ((*state = s3_new(u->cfg, e)))
		return 0;
	pthread_mutex_lock(&u->lock);
	u->failed = 1;
	pthread_cond_broadcast(&u->has_room);
	pthread_mutex_unlock(&u->lock);
	return -1;
}

static void worker_stop(void *ctx, void *state)
{
	(void)ctx;
	s3_free(state);
}

static int run_upload(void *ctx, void *state, void *task, struct err *e)
{
	struct job *j = task;
	int rc = s3_put_hashed(state, j->key, j->data, j->len, j->sha256[0] ? j->sha256 : NULL, e);
	job_done(ctx, j, rc == 0, rc < 0);
	return rc;
}

/* After a failure the rest of the queue is dropped: nothing will be committed. */
static void discard_upload(void *ctx, void *task)
{
	job_done(ctx, task, 0, 0);
}

static const struct pool_ops upload_ops = {
	.worker_start = worker_start, .worker_stop = worker_stop, .run = run_upload,
	.discard = discard_upload};

struct uploader *uploader_new(const struct config *cfg, int threads, size_t max_inflight,
			      struct err *e)
{
	struct uploader *u = calloc(1, sizeof *u);
	if (!u) {
		err_set(e, EXIT_FAILED, "out of memory");
		return NULL;
	}
	u->cfg = cfg;
	u->max_inflight = max_inflight;
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->has_room, NULL);
	if (!(u->pool = pool_new(threads, MAX_QUEUED, &upload_ops, u, e))) {
		pthread_cond_destroy(&u->has_room);
		pthread_mutex_destroy(&u->lock);
		free(u);
		return NULL;
	}
	return u;
}

int uploader_put(struct uploader *u, const char *key, const void *data, size_t len,
		 const char *sha256_hex, void (*release)(void *ctx), void *release_ctx,
		 struct err *e)
{
	struct job *j = malloc(sizeof *j);
	if (!j || !(j->key = strdup(key))) {
		free(j);
		if (release)
			release(release_ctx);
		return err_set(e, EXIT_FAILED, "out of memory queueing %s", key);
	}
	*j = (struct job){.key = j->key, .data = data, .len = len, .release = release,
			  .release_ctx = release_ctx};
	snprintf(j->sha256, sizeof j->sha256, "%s", sha256_hex ? sha256_hex : "");
	pthread_mutex_lock(&u->lock);
	/* Wait for room, but always admit one job so a blob larger than the cap still moves. */
	while (!u->failed && u->inflight > 0 && u->inflight + len > u->max_inflight)
		pthread_cond_wait(&u->has_room, &u->lock);
	u->inflight += len;
	if (u->inflight > u->stats.peak_inflight)
		u->stats.peak_inflight = u->inflight;
	pthread_mutex_unlock(&u->lock);
	/* After a failure the pool refuses (and discards) the job and says why. */
	return pool_submit(u->pool, j, e);
}

void uploader_count(struct uploader *u, struct progress *p)
{
	u->progress = p;
}

int uploader_finish(struct uploader *u, struct upload_stats *stats, struct err *e)
{
	struct err ignored = {0};
	int rc = pool_finish(u->pool, e ? e : &ignored);
	if (stats)
		*stats = u->stats;
	pthread_cond_destroy(&u->has_room);
	pthread_mutex_destroy(&u->lock);
	free(u);
	return rc;
}
