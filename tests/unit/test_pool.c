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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_task_runs_once),
		cmocka_unit_test(test_first_failure_stops_the_rest),
		cmocka_unit_test(test_submit_waits_for_room),
		cmocka_unit_test(test_zero_tasks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
