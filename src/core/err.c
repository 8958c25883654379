/* err.c - see err.h. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code ? code : EXIT_FAILED;
	e->cause = ERR_CAUSE_NONE;
	return -1;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char prefix[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	size_t plen = strlen(prefix) + 2, old = strlen(e->msg);
	if (plen >= sizeof e->msg)
		plen = sizeof e->msg - 1;
	if (old > sizeof e->msg - 1 - plen)
		old = sizeof e->msg - 1 - plen; /* keep the context, cut the tail */
	memmove(e->msg + plen, e->msg, old);
	e->msg[plen + old] = '\0';
	memcpy(e->msg, prefix, plen - 2);
	memcpy(e->msg + plen - 2, ": ", 2);
	if (!e->code)
		e->code = EXIT_FAILED;
	return -1;
}
