/* test_s3.c - the S3 module against a real S3 server on loopback (versitygw, or s3s-fs in the
 * compatibility matrix: RustFS itself, s3s-fs), and RustFS's reply quirks on recorded replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <libxml/parser.h>

#include "harness.h"
#include "store/s3.h"
#include "store/server.h"

static struct config cfg;
static struct s3 *client;

static int setup(void **state)
{
	(void)state;
	if (test_server_start(&cfg) < 0)
		return -1;
	struct err e = {0};
	client = s3_new(&cfg, &e);
	return client ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	s3_free(client);
	test_server_stop(&cfg);
	return 0;
}

/* Deterministic pseudo-random bytes (xorshift), so a mismatch is reproducible. */
static void fill(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[i] = (unsigned char)x;
	}
}

static void test_put_get_head_delete(void **state)
{
	(void)state;
	struct err e = {0};
	const char *key = "dir/with space/ünïcode+plus&amp=eq.txt";
	const char body[] = "hello, lake";
	assert_int_equal(s3_put(client, key, body, sizeof body - 1, &e), 0);
	struct buf got = {0};
	assert_int_equal(s3_get_range(client, key, 0, -1, &got, &e), 0);
	assert_int_equal(got.len, sizeof body - 1);
	assert_memory_equal(got.data, body, got.len);
	buf_free(&got);

	struct s3_object o;
	int found = 0;
	assert_int_equal(s3_head(client, key, &o, &found, &e), 0);
	assert_true(found);
	assert_int_equal(o.size, (int64_t)(sizeof body - 1));
	assert_true(o.etag[0] == '"');

	assert_int_equal(s3_delete(client, key, &e), 0);
	assert_int_equal(s3_head(client, key, &o, &found, &e), -1);
	assert_false(found);
	assert_non_null(strstr(e.msg, "no such object"));
	assert_int_equal(e.code, EXIT_FAILED);
	assert_non_null(strstr(e.msg, "ünïcode"));
}

static void test_multipart_20mib_round_trip(void **state)
{
	(void)state;
	const size_t size = 20u << 20;
	unsigned char *data = malloc(size);
	assert_non_null(data);
	fill(data, size, 42);
	char path[] = "/tmp/lakehouse-mp-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	assert_int_equal(fwrite(data, 1, size, f), size);
	fclose(f);

	struct err e = {0};
	s3_set_part_size(client, 8u << 20); /* 20 MiB = 8 + 8 + 4: three parts */
	assert_int_equal(s3_put_file(client, "big/blob.bin", path, &e), 0);
	unlink(path);

	struct s3_object o;
	assert_int_equal(s3_head(client, "big/blob.bin", &o, NULL, &e), 0);
	assert_int_equal(o.size, (int64_t)size);
	/* A multipart ETag is "<md5 of part md5s>-<part count>". */
	assert_non_null(strstr(o.etag, "-3\""));

	struct buf got = {0};
	assert_int_equal(s3_get_range(client, "big/blob.bin", 0, -1, &got, &e), 0);
	assert_int_equal(got.len, size);
	assert_memory_equal(got.data, data, size);
	buf_free(&got);
	free(data);
}

static void test_range_get_returns_exact_bytes(void **state)
{
	(void)state;
	unsigned char data[100000];
	fill(data, sizeof data, 7);
	struct err e = {0};
	assert_int_equal(s3_put(client, "range/obj", data, sizeof data, &e), 0);

	struct buf got = {0};
	assert_int_equal(s3_get_range(client, "range/obj", 12345, 4096, &got, &e), 0);
	assert_int_equal(got.len, 4096);
	assert_memory_equal(got.data, data + 12345, 4096);

	buf_reset(&got); /* open-ended: from the offset to the end */
	assert_int_equal(s3_get_range(client, "range/obj", 99990, -1, &got, &e), 0);
	assert_int_equal(got.len, 10);
	assert_memory_equal(got.data, data + 99990, 10);

	buf_reset(&got); /* the very first byte */
	assert_int_equal(s3_get_range(client, "range/obj", 0, 1, &got, &e), 0);
	assert_int_equal(got.len, 1);
	assert_int_equal((unsigned char)got.data[0], data[0]);
	buf_free(&got);
}

struct seen {
	int count, sorted;
	char last[1024];
};

static int count_keys(const struct s3_object *o, void *ud)
{
	struct seen *s = ud;
	if (s->count && strcmp(s->last, o->key) >= 0)
		s->sorted = 0;
	snprintf(s->last, sizeof s->last, "%s", o->key);
	s->count++;
	return 0;
}

static void test_list_paginates_past_1000(void **state)
{
	(void)state;
	struct err e = {0};
	char key[64];
	for (int i = 0; i < 1003; i++) {
		snprintf(key, sizeof key, "many/k%05d", i);
		assert_int_equal(s3_put(client, key, "x", 1, &e), 0);
	}
	assert_int_equal(s3_put(client, "other/k", "x", 1, &e), 0);
	struct seen s = {.sorted = 1};
	assert_int_equal(s3_list(client, "many/", count_keys, &s, &e), 0);
	assert_int_equal(s.count, 1003); /* 1000 on the first page, 3 on the second */
	assert_true(s.sorted);
	assert_string_equal(s.last, "many/k01002");

	struct seen small = {.sorted = 1}; /* many pages */
	s3_set_list_page(client, 97);
	assert_int_equal(s3_list(client, "many/", count_keys, &small, &e), 0);
	s3_set_list_page(client, 1000);
	assert_int_equal(small.count, 1003);
	assert_true(small.sorted);
}

static void test_requests_reuse_the_connection(void **state)
{
	(void)state;
	struct err e = {0};
	struct s3 *c = s3_new(&cfg, &e);
	struct buf got = {0};
	for (int i = 0; i < 20; i++) {
		assert_int_equal(s3_put(c, "reuse/k", "abc", 3, &e), 0);
		assert_int_equal(s3_get_range(c, "reuse/k", 0, -1, &got, &e), 0);
	}
	buf_free(&got);
	assert_int_equal(s3_connections_opened(c), 1); /* 40 requests, one TCP connection */
	s3_free(c);
}

static void test_create_bucket_is_idempotent(void **state)
{
	(void)state;
	struct err e = {0};
	int exists = 0;
	assert_int_equal(s3_create_bucket(client, &e), 0);
	assert_int_equal(s3_bucket_exists(client, &exists, &e), 0);
	assert_true(exists);
}

static void test_wrong_secret_names_code_not_secret(void **state)
{
	(void)state;
	struct config bad = cfg;
	snprintf(bad.secret_key, sizeof bad.secret_key, "%s", "Wr0ngSecretValue-123456");
	struct err e = {0};
	struct s3 *c = s3_new(&bad, &e);
	assert_int_equal(s3_put(c, "x", "y", 1, &e), -1);
	assert_int_equal(e.code, EXIT_REMOTE);
	assert_non_null(strstr(e.msg, "SignatureDoesNotMatch"));
	assert_null(strstr(e.msg, "Wr0ngSecretValue"));
	assert_null(strstr(e.msg, cfg.secret_key));
	s3_free(c);
}

/* Readiness as `storage start` sees it: a signed ListBuckets answers 200 once the server takes
 * S3 calls (RustFS: 503 before), a wrong secret is an answer but not 200, nothing is 0. */
static void test_service_status_tells_ready(void **state)
{
	(void)state;
	struct err e = {0};
	assert_int_equal(s3_service_status(client), 200);
	struct config bad = cfg, dead = cfg;
	snprintf(bad.secret_key, sizeof bad.secret_key, "%s", "Wr0ngSecretValue-123456");
	snprintf(dead.endpoint, sizeof dead.endpoint, "http://127.0.0.1:%d", test_free_port());
	struct s3 *b = s3_new(&bad, &e), *d = s3_new(&dead, &e);
	assert_int_equal(s3_service_status(b), 403);
	assert_int_equal(s3_service_status(d), 0);
	s3_free(b);
	s3_free(d);
}

static void test_unreachable_endpoint_is_clear(void **state)
{
	(void)state;
	struct config dead = cfg;
	snprintf(dead.endpoint, sizeof dead.endpoint, "http://127.0.0.1:%d", test_free_port());
	struct err e = {0};
	struct s3 *c = s3_new(&dead, &e);
	s3_set_max_attempts(c, 2);
	int exists;
	assert_int_equal(s3_bucket_exists(c, &exists, &e), -1);
	assert_int_equal(e.code, EXIT_REMOTE);
	assert_non_null(strstr(e.msg, dead.endpoint));
	/* the client says what failed; main adds where a server does listen (e2e: cli_errors) */
	assert_int_equal(e.cause, ERR_CAUSE_S3_UNREACHABLE);
	s3_free(c);
}

/* ---- RustFS quirks, on the replies RustFS sends (no server needed) -------------------- */

struct listed {
	char keys[8][1024];
	int n, stop_after;
};

static int collect(const struct s3_object *o, void *ctx)
{
	struct listed *s = ctx;
	if (s->n < 8)
		snprintf(s->keys[s->n++], sizeof s->keys[0], "%s", o->key);
	return s->stop_after && s->n >= s->stop_after;
}

#define CONTENTS(key, size) "<Contents><Key>" key "</Key><Size>" #size "</Size></Contents>"
static const char rustfs_page1[] =
	"<ListBucketResult>" CONTENTS("a/", 0) CONTENTS("a/x", 5) CONTENTS("a/x", 5)
	"<IsTruncated>true</IsTruncated><NextContinuationToken>tok 1</NextContinuationToken>"
	"</ListBucketResult>";
/* the duplicate again at the top of the next page, then a marker of a nested "folder" */
static const char rustfs_page2[] =
	"<ListBucketResult>" CONTENTS("a/x", 5) CONTENTS("a/y/", 0) CONTENTS("a/y/z", 7)
	"<IsTruncated>false</IsTruncated></ListBucketResult>";

static void test_listing_skips_rustfs_markers_and_duplicates(void **state)
{
	(void)state;
	struct listed seen = {0};
	struct s3_list_cursor cur = {0};
	assert_int_equal(s3_list_parse_page(rustfs_page1, strlen(rustfs_page1), collect, &seen, &cur), 0);
	assert_string_equal(cur.token, "tok 1");
	assert_int_equal(s3_list_parse_page(rustfs_page2, strlen(rustfs_page2), collect, &seen, &cur), 0);
	assert_string_equal(cur.token, ""); /* last page */
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.keys[0], "a/x");
	assert_string_equal(seen.keys[1], "a/y/z");
}

static void test_listing_stops_when_asked_and_rejects_non_xml(void **state)
{
	(void)state;
	struct listed seen = {.stop_after = 1};
	struct s3_list_cursor cur = {0};
	assert_int_equal(s3_list_parse_page(rustfs_page2, strlen(rustfs_page2), collect, &seen, &cur), 0);
	assert_int_equal(seen.n, 1);
	assert_true(cur.stopped);
	struct s3_list_cursor fresh = {0};
	assert_int_equal(s3_list_parse_page("not xml", 7, collect, &seen, &fresh), -1);
	assert_int_equal(s3_list_parse_page("", 0, collect, &seen, &fresh), -1);
}

static void test_missing_key_replies(void **state)
{
	(void)state;
	assert_true(s3_reply_is_missing_key(404, "NoSuchKey"));
	assert_true(s3_reply_is_missing_key(404, "HTTPError")); /* HEAD: no body, no code */
	assert_true(s3_reply_is_missing_key(400, "HTTPError")); /* RustFS's bare 400 */
	assert_false(s3_reply_is_missing_key(400, "InvalidArgument")); /* a real bad request */
	assert_false(s3_reply_is_missing_key(403, "HTTPError"));
	assert_false(s3_reply_is_missing_key(200, ""));
}

int main(void)
{
	test_skip_without_server();
	/* what lakehouse's main does before any thread */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_head_delete),
		cmocka_unit_test(test_multipart_20mib_round_trip),
		cmocka_unit_test(test_range_get_returns_exact_bytes),
		cmocka_unit_test(test_list_paginates_past_1000),
		cmocka_unit_test(test_requests_reuse_the_connection),
		cmocka_unit_test(test_create_bucket_is_idempotent),
		cmocka_unit_test(test_wrong_secret_names_code_not_secret),
		cmocka_unit_test(test_service_status_tells_ready),
		cmocka_unit_test(test_unreachable_endpoint_is_clear),
		cmocka_unit_test(test_listing_skips_rustfs_markers_and_duplicates),
		cmocka_unit_test(test_listing_stops_when_asked_and_rejects_non_xml),
		cmocka_unit_test(test_missing_key_replies),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
