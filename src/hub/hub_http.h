/* hub_http.h - the Hub client's transport, shared by hub.c (read side) and hub_push.c
 * (write side); not part of the public interface.
 *
 * hub_call() sends one request with the token attached only when the URL is on HF_ENDPOINT's
 * own origin (never to LFS storage or a CDN), retries 429/5xx/transport errors with backoff
 * (unless no_retry), and turns a final failure into a message that says what to do.
 */
#ifndef LAKEHOUSE_HUB_HTTP_H
#define LAKEHOUSE_HUB_HTTP_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"

#define HUB_MAX_ATTEMPTS 5

struct hub_reply {
	long status;
	char error_code[64];     /* X-Error-Code */
	char error_message[256]; /* X-Error-Message */
	char next[2048];         /* Link: <...>; rel="next" */
	char retry_after[16];
	char etag[128];          /* ETag, quotes kept (multipart LFS parts need it as sent) */
};

struct hub_req {
	const char *method;         /* NULL: GET, following redirects */
	const char *url;
	const char *const *headers; /* extra header lines, NULL-terminated; may be NULL */
	const void *body;           /* in-memory request body (POST) */
	size_t body_len;
	FILE *upload;               /* or: PUT the region [upload_off, +upload_len) of this file */
	int64_t upload_off, upload_len, upload_done;
	struct buf *out;            /* response body (reset per attempt), or */
	FILE *to_file;              /* response body appended to a file (resumes with Range) */
	int no_retry;               /* e.g. a commit: a blind retry could commit twice */
	int write_errno;            /* set when writing to_file failed (e.g. ENOSPC) */
};

/* A curl handle (main did the global init); the caller frees it with curl_easy_cleanup(). */
CURL *hub_new_curl(struct err *e);
/* 1 when url is on the same scheme://host:port as endpoint: the only place the token goes. */
int hub_same_origin(const char *url, const char *endpoint);
/* Sends q; 0 on a 2xx/3xx reply, -1 with e filled otherwise. repo names the dataset in
 * messages. */
int hub_call(CURL *c, const struct config *cfg, struct hub_req *q, const char *repo,
	     struct hub_reply *r, struct err *e);
/* hub_call with a JSON reply parsed into *out (the caller's, json_decref). */
int hub_call_json(CURL *c, const struct config *cfg, struct hub_req *q, const char *repo,
		  json_t **out, struct hub_reply *r, struct err *e);

#endif
