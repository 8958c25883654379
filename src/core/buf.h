/* buf.h - a growable byte buffer with an optional size cap.
 * The buffer owns data; release it with buf_free(). data is always NUL-terminated
 * (not counted in len) so text responses can be used as C strings.
 */
#ifndef LAKEHOUSE_BUF_H
#define LAKEHOUSE_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len, cap;
	size_t max; /* 0 = unbounded; appends beyond max fail */
};

/* Appends n bytes; returns 0, or -1 when out of memory or over max. */
int buf_append(struct buf *b, const void *p, size_t n);
/* Appends printf-formatted text; returns 0 or -1. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
