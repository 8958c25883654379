/* s3.h - a small S3 client over libcurl (SigV4 signing by CURLOPT_AWS_SIGV4).
 *
 * One struct s3 per thread: it owns one curl handle, so consecutive requests reuse the
 * connection. Path-style URLs (endpoint/bucket/key), as RustFS and versitygw expect.
 * Transient failures (timeouts, resets, HTTP 500/502/503/504 incl. 503 SlowDown) are retried
 * with exponential backoff. Errors name the operation, the key and the S3 error code; they
 * never contain the secret key.
 * Process-wide set-up (curl_global_init, xmlInitParser) is main's, once, before any thread.
 */
#ifndef LAKEHOUSE_S3_H
#define LAKEHOUSE_S3_H

#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"

struct s3;

struct s3_object {
	char key[1024];
	int64_t size;
	char etag[128];
	char last_modified[64]; /* ISO 8601 as the server sends it */
};

/* Creates a client for cfg's endpoint, credentials and bucket; the caller frees it with
 * s3_free(). cfg must outlive the client. */
struct s3 *s3_new(const struct config *cfg, struct err *e);
void s3_free(struct s3 *s);

/* Bodies above this size go through multipart upload (parts of this size). */
void s3_set_part_size(struct s3 *s, size_t bytes);
/* Attempts per request (default 4); 1 disables retries. */
void s3_set_max_attempts(struct s3 *s, int attempts);

/* 1 when the endpoint answers HTTP at all (whatever the answer), after a single try. */
int s3_reachable(struct s3 *s);
/* The key an argument names: a plain key as is, or s3://BUCKET/KEY of the configured bucket
 * (a pointer into arg). A URI of another bucket is a usage error naming the configured one
 * (NULL). */
const char *s3_key_of(const struct config *cfg, const char *arg, struct err *e);
/* The error for an https endpoint whose certificate fails verification ("certificate not
 * trusted ... set AWS_CA_BUNDLE", EXIT_REMOTE), or, with bad_ca_file, for a CA file that
 * cannot be used; detail is the TLS library's reason. Returns -1. DuckDB's S3 client
 * (lake.c) reports the same way. */
int s3_tls_error(const struct config *cfg, int bad_ca_file, const char *detail, struct err *e);
/* 1 when the last request stopped at a certificate that did not verify (s3_tls_error). */
int s3_tls_refused(const struct s3 *s);
/* 1 when the last request's reply refused the credentials (wrong access key or secret,
 * HTTP 401/403): "access denied", not "missing". */
int s3_access_denied(const struct s3 *s);
/* HTTP status of one signed ListBuckets (GET /), 0 when nothing answers; a single try. 200
 * means ready for S3 calls: RustFS answers 503 "Service not ready" for a moment after it
 * listens (and after /health says 200). */
long s3_service_status(struct s3 *s);
/* *exists = 1 or 0. Fails only when the server cannot be reached or refuses us. */
int s3_bucket_exists(struct s3 *s, int *exists, struct err *e);
/* Creates the bucket; succeeds when it already exists and is ours. */
int s3_create_bucket(struct s3 *s, struct err *e);

/* The key of "s3://BUCKET/KEY" when BUCKET is bucket, else NULL. Borrows uri: the key points
 * into it. */
const char *s3_key_of_uri(const char *bucket, const char *uri);

int s3_put(struct s3 *s, const char *key, const void *data, size_t len, struct err *e);
/* s3_put when the caller already knows the body's hex SHA-256 (content-addressed blobs):
 * saves hashing every byte twice. */
int s3_put_hashed(struct s3 *s, const char *key, const void *data, size_t len,
		  const char *sha256_hex, struct err *e);
/* Uploads a local file; multipart when larger than the part size (memory: one part). */
int s3_put_file(struct s3 *s, const char *key, const char *path, struct err *e);
/* Appends bytes [off, off+len) of the object to out (len < 0: to the end). */
int s3_get_range(struct s3 *s, const char *key, int64_t off, int64_t len, struct buf *out,
		 struct err *e);
/* Returns -1 with e->code = EXIT_FAILED and *found = 0 when missing (found may be NULL):
 * a 404, or the bare 400 RustFS answers for a missing key. */
int s3_head(struct s3 *s, const char *key, struct s3_object *out, int *found, struct err *e);
int s3_delete(struct s3 *s, const char *key, struct err *e);
/* A signed request to an admin API path of the endpoint (versitygw's PATCH /create-user,
 * RustFS's /rustfs/admin/v3/...) instead of the bucket: query sorted and encoded (or NULL),
 * the reply body appended to out (may be NULL), *status the HTTP status (0: no answer; may be
 * NULL). 0 on a 2xx reply, else -1 with e filled. */
int s3_admin(struct s3 *s, const char *method, const char *path, const char *query,
	     const void *body, size_t len, struct buf *out, long *status, struct err *e);
/* Proves the keys may write before a writer changes anything: PUTs an empty object under
 * lake/.write-probe/ and deletes it (nothing stays). Keys that can only read get EXIT_DENIED,
 * "access denied: s3://BUCKET/KEY (these keys can read but not write ...)", as every PUT,
 * POST or DELETE the store refuses with AccessDenied does. Another failed PUT is tried again
 * (four tries in all, with backoff): concurrent probes can collide on a file-system store. */
int s3_write_probe(struct s3 *s, struct err *e);

/* Calls cb for every object under prefix, in key order, following continuation tokens.
 * cb returns 0 to go on, non-zero to stop early (s3_list then returns 0). */
typedef int (*s3_list_cb)(const struct s3_object *obj, void *ctx);
int s3_list(struct s3 *s, const char *prefix, s3_list_cb cb, void *ctx, struct err *e);
/* One ListObjectsV2 reply page, for s3_list and its unit tests: calls cb per object, skipping
 * directory markers and a key equal to the one before it (RustFS lists some twice). The
 * cursor (zeroed before the first page) carries the previous key, the continuation token ("":
 * last page) and whether cb asked to stop. Returns -1 when xml is not a listing. */
struct s3_list_cursor {
	char token[1024];
	char prev[1024];
	int stopped;
};
int s3_list_parse_page(const char *xml, size_t len, s3_list_cb cb, void *ctx,
		       struct s3_list_cursor *cur);
/* 1 when a reply's status and S3 error code mean "no such key": 404, or RustFS's bare 400. */
int s3_reply_is_missing_key(long status, const char *code);
/* Body bytes this client has received from GETs so far (over-read accounting). */
int64_t s3_bytes_received(const struct s3 *s);
/* TCP connections this client has opened so far (requests reuse one while it stays up). */
long s3_connections_opened(const struct s3 *s);
/* Page size for s3_list (default 1000, the S3 maximum). */
void s3_set_list_page(struct s3 *s, int max_keys);

#endif
