/* upload.c - see upload.h. */
#include "store/upload.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/s3.h"

struct job {
	struct job *next;
	char *key;
	char sha256[65]; /* "" when unknown */
	const void *data; /* borrowed from the caller until release(release_ctx) */
	size_t len;
	void (*release)(void *ctx);
	void *release_ctx;
};

static void job_free(struct job *j)
{
	if (j->release)
		j->release(j->release_ctx);
	free(j->key);
	free(j);
}

struct uploader {
	const struct config *cfg;
	pthread_mutex_t lock;
	pthread_cond_t has_work, has_room;
	struct job *head, *tail;
	size_t inflight, max_inflight;
	int closing, nthreads;
	struct err failure; /* first failure */
	struct upload_stats stats;
	pthread_t threads[];
};

static void *worker(void *arg)
{
	struct uploader *u = arg;
	struct err e = {0};
	struct s3 *s = s3_new(u->cfg, &e);
	for (;;) {
		pthread_mutex_lock(&u->lock);
		while (!u->head && !u->closing)
			pthread_cond_wait(&u->has_work, &u->lock);
		struct job *j = u->head;
		if (j) {
			u->head = j->next;
			if (!u->head)
				u->tail = NULL;
		}
		int failed = u->failure.code != 0;
		pthread_mutex_unlock(&u->lock);
		if (!j)
			break;
		/* After a failure the rest of the queue is dropped: nothing will be committed. */
		int rc = failed ? 1 : s ? s3_put_hashed(s, j->key, j->data, j->len, j->sha256[0] ? j->sha256 : NULL, &e) : -1;
		pthread_mutex_lock(&u->lock);
		u->inflight -= j->len;
		if (rc < 0 && !u->failure.code) {
			if (!e.code)
				err_set(&e, 0, "cannot create an S3 client for uploads");
			u->failure = e;
		}
		else if (rc == 0)
			u->stats.objects++, u->stats.bytes += (int64_t)j->len;
		pthread_cond_broadcast(&u->has_room);
		pthread_mutex_unlock(&u->lock);
		job_free(j);
	}
	s3_free(s);
	return NULL;
}

struct uploader *uploader_new(const struct config *cfg, int threads, size_t max_inflight,
			      struct err *e)
{
	if (threads < 1)
		threads = 1;
	struct uploader *u = calloc(1, sizeof *u + (size_t)threads * sizeof(pthread_t));
	if (!u) {
		err_set(e, 0, "out of memory");
		return NULL;
	}
	u->cfg = cfg;
	u->max_inflight = max_inflight;
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->has_work, NULL);
	pthread_cond_init(&u->has_room, NULL);
	for (int t = 0; t < threads; t++)
		if (pthread_create(&u->threads[u->nthreads], NULL, worker, u) == 0)
			u->nthreads++;
	if (!u->nthreads) {
		err_set(e, 0, "cannot start upload threads");
		uploader_finish(u, NULL, NULL);
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
		return err_set(e, 0, "out of memory queueing %s", key);
	}
	*j = (struct job){.key = j->key, .data = data, .len = len, .release = release,
			  .release_ctx = release_ctx};
	snprintf(j->sha256, sizeof j->sha256, "%s", sha256_hex ? sha256_hex : "");
	pthread_mutex_lock(&u->lock);
	/* Wait for room, but always admit one job so a blob larger than the cap still moves. */
	while (!u->failure.code && u->inflight > 0 && u->inflight + len > u->max_inflight)
		pthread_cond_wait(&u->has_room, &u->lock);
	if (u->failure.code) {
		*e = u->failure;
		pthread_mutex_unlock(&u->lock);
		job_free(j);
		return -1;
	}
	u->inflight += len;
	if (u->inflight > u->stats.peak_inflight)
		u->stats.peak_inflight = u->inflight;
	if (u->tail)
		u->tail->next = j;
	else
		u->head = j;
	u->tail = j;
	pthread_cond_signal(&u->has_work);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

int uploader_finish(struct uploader *u, struct upload_stats *stats, struct err *e)
{
	pthread_mutex_lock(&u->lock);
	u->closing = 1;
	pthread_cond_broadcast(&u->has_work);
	pthread_mutex_unlock(&u->lock);
	for (int t = 0; t < u->nthreads; t++)
		pthread_join(u->threads[t], NULL);
	int rc = 0;
	if (u->failure.code) {
		if (e)
			*e = u->failure;
		rc = -1;
	}
	if (stats)
		*stats = u->stats;
	for (struct job *j = u->head, *next; j; j = next) { /* left behind after a failure */
		next = j->next;
		job_free(j);
	}
	pthread_cond_destroy(&u->has_work);
	pthread_cond_destroy(&u->has_room);
	pthread_mutex_destroy(&u->lock);
	free(u);
	return rc;
}
