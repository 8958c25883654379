/* pool.h - the one worker pool: N threads run tasks from a bounded queue.
 *
 * Used by every parallel step (uploads, fragment/object fetches, Hub downloads, exports) so
 * that threading, back-pressure and "first failure stops the rest" are written once.
 *
 * Each worker may keep state of its own (typically its own S3 or HTTP connection):
 * ops->worker_start makes it, ops->worker_stop frees it. A task is an opaque pointer owned by
 * the caller until ops->run or ops->discard has been called on it. After the first failed task
 * the pool runs no further task: the rest are handed to ops->discard (if set) and
 * pool_submit/pool_finish return -1 with that first failure in e.
 */
#ifndef LAKEHOUSE_POOL_H
#define LAKEHOUSE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct pool_ops {
	/* Optional: per-worker state in *state. Returning -1 fails the pool. */
	int (*worker_start)(void *ctx, void **state, struct err *e);
	/* Optional: frees what worker_start made. */
	void (*worker_stop)(void *ctx, void *state);
	/* Runs one task in a worker thread; 0 or -1 with e filled. */
	int (*run)(void *ctx, void *state, void *task, struct err *e);
	/* Optional: releases a task that will not run (after a failure). */
	void (*discard)(void *ctx, void *task);
};

struct pool;

/* Starts `threads` workers (at least 1) with room for max_queued waiting tasks (at least 1).
 * ops and ctx are borrowed until pool_finish. Returns NULL with e filled on failure. */
struct pool *pool_new(int threads, size_t max_queued, const struct pool_ops *ops, void *ctx,
		      struct err *e);
/* Queues a task, waiting while the queue is full (back-pressure on the producer). Returns -1
 * with the pool's first failure once a task has failed (the task is then discarded). */
int pool_submit(struct pool *p, void *task, struct err *e);
/* Waits for every queued task, stops the workers and frees the pool. Returns 0, or -1 with
 * the first failure. */
int pool_finish(struct pool *p, struct err *e);

/* parallel_for: runs ops->run for the tasks 0 .. n-1 (the task pointer carries the index:
 * POOL_INDEX(task)) on `threads` workers; returns 0 or the first failure. */
int pool_for(size_t n, int threads, const struct pool_ops *ops, void *ctx, struct err *e);
#define POOL_INDEX(task) ((size_t)(uintptr_t)(task))

#endif
