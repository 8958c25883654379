/* pool.c - the worker pool; see pool.h. */
#include "core/pool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

struct pool {
	const struct pool_ops *ops;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t has_work, has_room;
	void **queue; /* ring buffer of max_queued tasks */
	size_t max_queued, head, count;
	int closing, failed;
	struct err failure;
	int nthreads;
	pthread_t threads[];
};

/* Records the first failure; later ones are dropped (the first is the cause). */
static void record_failure(struct pool *p, const struct err *e)
{
	if (!p->failed) {
		p->failed = 1;
		p->failure = *e;
		pthread_cond_broadcast(&p->has_room);
		pthread_cond_broadcast(&p->has_work);
	}
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct err e = {0};
	void *state = NULL;
	int ok = !p->ops->worker_start || p->ops->worker_start(p->ctx, &state, &e) == 0;
	pthread_mutex_lock(&p->lock);
	if (!ok)
		record_failure(p, &e);
	for (;;) {
		while (p->count == 0 && !p->closing && !p->failed)
			pthread_cond_wait(&p->has_work, &p->lock);
		if (p->failed || p->count == 0)
			break;
		void *task = p->queue[p->head];
		p->head = (p->head + 1) % p->max_queued;
		p->count--;
		pthread_cond_signal(&p->has_room);
		pthread_mutex_unlock(&p->lock);
		int rc = p->ops->run(p->ctx, state, task, &e);
		pthread_mutex_lock(&p->lock);
		if (rc < 0)
			record_failure(p, &e);
	}
	pthread_mutex_unlock(&p->lock);
	if (ok && p->ops->worker_stop)
		p->ops->worker_stop(p->ctx, state);
	return NULL;
}

struct pool *pool_new(int threads, size_t max_queued, const struct pool_ops *ops, void *ctx,
		      struct err *e)
{
	if (threads < 1)
		threads = 1;
	if (max_queued < 1)
		max_queued = 1;
	struct pool *p = calloc(1, sizeof *p + (size_t)threads * sizeof(pthread_t));
	void **queue = calloc(max_queued, sizeof *queue);
	if (!p || !queue) {
		free(p);
		free(queue);
		err_set(e, EXIT_FAILED, "out of memory for a worker pool");
		return NULL;
	}
	*p = (struct pool){.ops = ops, .ctx = ctx, .queue = queue, .max_queued = max_queued};
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->has_work, NULL);
	pthread_cond_init(&p->has_room, NULL);
	for (int t = 0; t < threads; t++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) == 0)
			p->nthreads++;
	if (p->nthreads == 0) {
		err_set(e, EXIT_FAILED, "cannot start worker threads");
		pool_finish(p, &(struct err){0});
		return NULL;
	}
	return p;
}

int pool_submit(struct pool *p, void *task, struct err *e)
{
	pthread_mutex_lock(&p->lock);
	while (p->count == p->max_queued && !p->failed)
		pthread_cond_wait(&p->has_room, &p->lock);
	if (p->failed) {
		*e = p->failure;
		pthread_mutex_unlock(&p->lock);
		if (p->ops->discard)
			p->ops->discard(p->ctx, task);
		return -1;
	}
	p->queue[(p->head + p->count) % p->max_queued] = task;
	p->count++;
	pthread_cond_signal(&p->has_work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int pool_finish(struct pool *p, struct err *e)
{
	pthread_mutex_lock(&p->lock);
	p->closing = 1;
	pthread_cond_broadcast(&p->has_work);
	pthread_mutex_unlock(&p->lock);
	for (int t = 0; t < p->nthreads; t++)
		pthread_join(p->threads[t], NULL);
	for (; p->count; p->count--) { /* left behind after a failure */
		if (p->ops->discard)
			p->ops->discard(p->ctx, p->queue[p->head]);
		p->head = (p->head + 1) % p->max_queued;
	}
	int rc = 0;
	if (p->failed) {
		*e = p->failure;
		rc = -1;
	}
	pthread_cond_destroy(&p->has_work);
	pthread_cond_destroy(&p->has_room);
	pthread_mutex_destroy(&p->lock);
	free(p->queue);
	free(p);
	return rc;
}

int pool_for(size_t n, int threads, const struct pool_ops *ops, void *ctx, struct err *e)
{
	if (n == 0)
		return 0;
	if ((size_t)threads > n)
		threads = (int)n;
	struct pool *p = pool_new(threads, (size_t)threads * 2, ops, ctx, e);
	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (pool_submit(p, (void *)(uintptr_t)i, e) < 0)
			break;
	return pool_finish(p, e);
}

/* ---- ordered window -------------------------------------------------------------------- */

struct ordered {
	const struct pool_ordered_ops *ops;
	void *ctx;
	size_t window;
	int *state; /* per slot: 0 queued, 1 ran, -1 failed or dropped */
	pthread_mutex_t lock;
	pthread_cond_t done;
};

static void ordered_mark(struct ordered *o, size_t i, int state)
{
	pthread_mutex_lock(&o->lock);
	o->state[i % o->window] = state;
	pthread_cond_broadcast(&o->done);
	pthread_mutex_unlock(&o->lock);
}

static int ordered_start(void *ctx, void **state, struct err *e)
{
	struct ordered *o = ctx;
	return o->ops->pool.worker_start ? o->ops->pool.worker_start(o->ctx, state, e) : 0;
}

static void ordered_stop(void *ctx, void *state)
{
	struct ordered *o = ctx;
	if (o->ops->pool.worker_stop)
		o->ops->pool.worker_stop(o->ctx, state);
}

static int ordered_run(void *ctx, void *state, void *task, struct err *e)
{
	struct ordered *o = ctx;
	int rc = o->ops->pool.run(o->ctx, state, task, e);
	ordered_mark(o, POOL_INDEX(task), rc < 0 ? -1 : 1);
	return rc;
}

static void ordered_discard(void *ctx, void *task)
{
	ordered_mark(ctx, POOL_INDEX(task), -1);
}

int pool_ordered(size_t n, int threads, size_t window, const struct pool_ordered_ops *ops,
		 void *ctx, struct err *e)
{
	if (n == 0)
		return 0;
	if (window < 1)
		window = 1;
	struct ordered o = {.ops = ops, .ctx = ctx, .window = window,
			    .state = calloc(window, sizeof(int))};
	if (!o.state)
		return err_set(e, EXIT_FAILED, "out of memory");
	pthread_mutex_init(&o.lock, NULL);
	pthread_cond_init(&o.done, NULL);
	const struct pool_ops pops = {.worker_start = ordered_start, .worker_stop = ordered_stop,
				      .run = ordered_run, .discard = ordered_discard};
	struct pool *p = pool_new(threads, window, &pops, &o, e);
	int rc = p ? 0 : -1, pool_failed = 0;
	size_t submitted = 0, consumed = 0;
	while (rc == 0 && consumed < n) {
		while (rc == 0 && submitted < n && submitted - consumed < window) {
			o.state[submitted % window] = 0;
			if (ops->prepare && (rc = ops->prepare(ctx, submitted, e)) < 0) {
				if (ops->release)
					ops->release(ctx, submitted);
				break;
			}
			if ((rc = pool_submit(p, (void *)(uintptr_t)submitted, e)) < 0)
				pool_failed = 1;
			submitted++;
		}
		if (rc < 0)
			break;
		pthread_mutex_lock(&o.lock);
		while (o.state[consumed % window] == 0)
			pthread_cond_wait(&o.done, &o.lock);
		int st = o.state[consumed % window];
		pthread_mutex_unlock(&o.lock);
		if (st < 0) {
			rc = -1, pool_failed = 1;
			break;
		}
		rc = ops->consume(ctx, consumed, e);
		if (ops->release)
			ops->release(ctx, consumed);
		consumed++;
	}
	struct err pool_err = {0};
	if (p && pool_finish(p, &pool_err) < 0 && (rc == 0 || pool_failed)) {
		*e = pool_err; /* the first failed task is the error to report */
		rc = -1;
	}
	/* tasks queued but never consumed still hold their slots */
	for (; ops->release && consumed < submitted; consumed++)
		ops->release(ctx, consumed);
	pthread_cond_destroy(&o.done);
	pthread_mutex_destroy(&o.lock);
	free(o.state);
	return rc;
}
