/* http.c - see http.h. */
#include "core/http.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void http_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void http_backoff_sleep(int attempt)
{
	long ms = 100L << (attempt < 10 ? attempt : 10);
	http_sleep_ms(ms + rand() % (ms / 2 + 1));
}

int http_header_match(const char *line, size_t len, const char *name, char *dst, size_t n)
{
	size_t nl = strlen(name);
	if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return 0;
	const char *v = line + nl + 1;
	size_t vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= n)
		vl = n - 1;
	memcpy(dst, v, vl);
	dst[vl] = '\0';
	return 1;
}

int http_uri_encode(char *dst, size_t n, const char *src, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t j = 0;
	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~' ||
		    (keep_slash && *p == '/')) {
			if (j + 1 >= n)
				return -1;
			dst[j++] = (char)*p;
		} else {
			if (j + 3 >= n)
				return -1;
			dst[j++] = '%';
			dst[j++] = hex[*p >> 4];
			dst[j++] = hex[*p & 15];
		}
	}
	dst[j] = '\0';
	return 0;
}
