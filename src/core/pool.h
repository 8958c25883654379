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

/* pool_ordered: the tasks 0 .. n-1 run on `threads` workers with at most `window` of them
 * between prepare and consume, and are consumed in submission order: out-of-order work, in-
 * order output (export's tar members; stream's samples). Memory is the window: the caller
 * keeps per-task data in `window` slots, task i in slot i % window.
 *   prepare (optional) runs in the caller's thread before task i is queued;
 *   pool.run runs it on a worker (task pointer: POOL_INDEX(task) == i);
 *   consume runs in the caller's thread once task i has run, after task i-1's consume;
 *   release (optional) frees slot i % window after consume, after a failed prepare or when
 *   task i will not run.
 * The first failure stops the rest: a failed run is the error returned (the first failed
 * task's), else a failed prepare or consume. */
struct pool_ordered_ops {
	struct pool_ops pool; /* worker_start, worker_stop, run (discard is the pool's own) */
	int (*prepare)(void *ctx, size_t i, struct err *e);
	int (*consume)(void *ctx, size_t i, struct err *e);
	void (*release)(void *ctx, size_t i);
};
int pool_ordered(size_t n, int threads, size_t window, const struct pool_ordered_ops *ops,
		 void *ctx, struct err *e);

#endif
