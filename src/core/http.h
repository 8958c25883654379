/* http.h - small pieces shared by the HTTP clients (s3.c, hub.c). Nothing here allocates. */
#ifndef LAKEHOUSE_HTTP_H
#define LAKEHOUSE_HTTP_H

#include <stddef.h>

/* Sleeps before retry number `attempt` (1, 2, ...): 200 ms doubling, plus jitter. */
void http_backoff_sleep(int attempt);
/* Sleeps ms milliseconds (restarted on EINTR). */
void http_sleep_ms(long ms);

/* If the raw header line `line` (len bytes, as libcurl hands it over) is `name: value`
 * (name compared case-insensitively), copies the trimmed value into dst and returns 1. */
int http_header_match(const char *line, size_t len, const char *name, char *dst, size_t n);

/* Percent-encodes src (RFC 3986 unreserved kept; '/' kept when keep_slash). -1 if too long. */
int http_uri_encode(char *dst, size_t n, const char *src, int keep_slash);

#endif
