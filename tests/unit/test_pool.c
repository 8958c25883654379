/* test_pool.c - the worker pool: every task runs once, per-worker state, first failure stops
 * the rest and every unrun task is discarded (nothing leaks, nothing runs twice). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/pool.h"

struct counts {
	atomic_int runs[1000];
	atomic_int started, stopped, discarded, ran;
	size_t fail_at; /* task index that fails, or SIZE_MAX */
};

static int start(void *ctx, void **state, struct err *e)
{
	(void)e;
	struct counts *c = ctx;
	*state = malloc(16); /* per-worker state: ASan reports it if worker_stop is skipped */
	atomic_fetch_add(&c->started, 1);
	return 0;
}

static void stop(void *ctx, void *state)
{
	struct counts *c = ctx;
	free(state);
	atomic_fetch_add(&c->stopped, 1);
}

static int run(void *ctx, void *state, void *task, struct err *e)
{
	struct counts *c = ctx;
	assert_non_null(state);
	size_t i = POOL_INDEX(task);
	atomic_fetch_add(&c->runs[i], 1);
	atomic_fetch_add(&c->ran, 1);
	if (i == c->fail_at)
		return err_set(e, 3, "task %zu failed", i);
	return 0;
}

static void discard(void *ctx, void *task)
{
	(void)task;
	atomic_fetch_add(&((struct counts *)ctx)->discarded, 1);
}

static const struct pool_ops ops = {start, stop, run, discard};

static void test_every_task_runs_once(void **state)
{
	(void)state;
	static struct counts c;
	memset(&c, 0, sizeof c);
	c.fail_at = SIZE_MAX;
	struct err e = {0};
	assert_int_equal(pool_for(1000, 4, &ops, &c, &e), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(atomic_load(&c.runs[i]), 1);
	assert_int_equal(atomic_load(&c.started), 4);
	assert_int_equal(atomic_load(&c.stopped), 4);
	assert_int_equal(atomic_load(&c.discarded), 0);
}

static void test_first_failure_stops_the_rest(void **state)
{
	(void)state;
	static struct counts c;
	memset(&c, 0, sizeof c);
	c.fail_at = 10;
	struct err e = {0};
	assert_int_equal(pool_for(1000, 3, &ops, &c, &e), -1);
	assert_int_equal(e.code, 3);
	assert_string_equal(e.msg, "task 10 failed");
	/* tasks already taken may finish, but far from all 1000 ran, and each at most once */
	assert_true(atomic_load(&c.ran) < 1000);
	for (int i = 0; i < 1000; i++)
		assert_true(atomic_load(&c.runs[i]) <= 1);
	/* submitted-but-unrun tasks went to discard: ran + discarded = what was submitted */
	assert_true(atomic_load(&c.ran) + atomic_load(&c.discarded) >= 11);
	assert_int_equal(atomic_load(&c.started), atomic_load(&c.stopped));
}

static void test_submit_waits_for_room(void **state)
{
	(void)state;
	static struct counts c;
	memset(&c, 0, sizeof c);
	c.fail_at = SIZE_MAX;
	struct err e = {0};
	struct pool *p = pool_new(2, 1, &ops, &c, &e); /* queue of one: submit must block */
	assert_non_null(p);
	for (uintptr_t i = 0; i < 200; i++)
		assert_int_equal(pool_submit(p, (void *)i, &e), 0);
	assert_int_equal(pool_finish(p, &e), 0);
	assert_int_equal(atomic_load(&c.ran), 200);
}

static void test_zero_tasks(void **state)
{
	(void)state;
	struct err e = {0};
	assert_int_equal(pool_for(0, 4, &ops, NULL, &e), 0);
}

/* ---- pool_ordered ---- */

struct ordered_case {
	size_t window, n, fail_run_at, fail_consume_at; /* SIZE_MAX: never */
	atomic_int in_flight, max_in_flight, released;
	size_t consumed[300];
	size_t nconsumed;
	int slot_busy[8];
};

static int o_prepare(void *ctx, size_t i, struct err *e)
{
	(void)e;
	struct ordered_case *c = ctx;
	assert_int_equal(c->slot_busy[i % c->window], 0); /* a slot is never in use twice */
	c->slot_busy[i % c->window] = 1;
	int now = atomic_fetch_add(&c->in_flight, 1) + 1;
	if (now > atomic_load(&c->max_in_flight))
		atomic_store(&c->max_in_flight, now);
	return 0;
}

static int o_run(void *ctx, void *state, void *task, struct err *e)
{
	(void)state;
	struct ordered_case *c = ctx;
	size_t i = POOL_INDEX(task);
	if ((i * 7919) % 3 == 0) /* finish out of order */
		for (volatile int k = 0; k < 20000; k++)
			;
	return i == c->fail_run_at ? err_set(e, 3, "read %zu failed", i) : 0;
}

static int o_consume(void *ctx, size_t i, struct err *e)
{
	struct ordered_case *c = ctx;
	c->consumed[c->nconsumed++] = i;
	return i == c->fail_consume_at ? err_set(e, 1, "write %zu failed", i) : 0;
}

static void o_release(void *ctx, size_t i)
{
	struct ordered_case *c = ctx;
	c->slot_busy[i % c->window] = 0;
	atomic_fetch_sub(&c->in_flight, 1);
	atomic_fetch_add(&c->released, 1);
}

static const struct pool_ordered_ops oops = {
	.pool = {.run = o_run}, .prepare = o_prepare, .consume = o_consume, .release = o_release};

static void test_ordered_consumes_in_submission_order_within_the_window(void **state)
{
	(void)state;
	struct ordered_case c = {.window = 5, .n = 300, .fail_run_at = SIZE_MAX,
				 .fail_consume_at = SIZE_MAX};
	struct err e = {0};
	assert_int_equal(pool_ordered(c.n, 4, c.window, &oops, &c, &e), 0);
	assert_int_equal(c.nconsumed, c.n);
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(c.consumed[i], i);
	assert_true(atomic_load(&c.max_in_flight) <= 5);
	assert_int_equal(atomic_load(&c.released), 300); /* every prepared slot released */
	assert_int_equal(atomic_load(&c.in_flight), 0);
}

static void test_ordered_failed_run_is_the_error_and_stops_consuming(void **state)
{
	(void)state;
	struct ordered_case c = {.window = 4, .n = 200, .fail_run_at = 50,
				 .fail_consume_at = SIZE_MAX};
	struct err e = {0};
	assert_int_equal(pool_ordered(c.n, 3, c.window, &oops, &c, &e), -1);
	assert_string_equal(e.msg, "read 50 failed");
	/* nothing at or after the failed task is consumed; tasks still queued when it failed
	 * are dropped (the pool runs no task after a failure), so fewer may be */
	assert_true(c.nconsumed <= 50);
	for (size_t i = 0; i < c.nconsumed; i++)
		assert_int_equal(c.consumed[i], i);
	assert_int_equal(atomic_load(&c.in_flight), 0);
}

static void test_ordered_failed_consume_is_the_error(void **state)
{
	(void)state;
	struct ordered_case c = {.window = 3, .n = 100, .fail_run_at = SIZE_MAX,
				 .fail_consume_at = 10};
	struct err e = {0};
	assert_int_equal(pool_ordered(c.n, 2, c.window, &oops, &c, &e), -1);
	assert_string_equal(e.msg, "write 10 failed");
	assert_int_equal(c.nconsumed, 11);
	assert_int_equal(atomic_load(&c.in_flight), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_task_runs_once),
		cmocka_unit_test(test_first_failure_stops_the_rest),
		cmocka_unit_test(test_submit_waits_for_room),
		cmocka_unit_test(test_zero_tasks),
		cmocka_unit_test(test_ordered_consumes_in_submission_order_within_the_window),
		cmocka_unit_test(test_ordered_failed_run_is_the_error_and_stops_consuming),
		cmocka_unit_test(test_ordered_failed_consume_is_the_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
