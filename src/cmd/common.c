/* common.c - what the verbs share: printing a query, usage errors and integer options; see
 * cmd.h. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/lake.h"
#include "cmd/cmd.h"

int cmd_print_query(struct lake *l, const char *sql, const char *const *params, int nparams,
		    enum output_format fmt, struct err *e)
{
	duckdb_result r;
	if (lake_query(l, sql, params, nparams, &r, e) < 0)
		return -1;
	int rc = output_result(stdout, lake_connection(l), &r, fmt) < 0
			 ? err_set(e, EXIT_FAILED, "cannot write to standard output")
			 : 0;
	duckdb_destroy_result(&r);
	return rc;
}

int cmd_usage_error(struct err *e, const char *verb, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(e, EXIT_USAGE, "%s; see 'lakehouse %s --help'", msg, verb);
}

int cmd_parse_long(const char *verb, const char *what, const char *text, long min, long max,
		   long *out, struct err *e)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	/* strtol would take "", " 5" and "5 " (partly) and clamp an overflow: none is a number */
	if (!isdigit((unsigned char)text[text[0] == '-']) || *end || errno == ERANGE || v < min || v > max) {
		if (max == LONG_MAX)
			return cmd_usage_error(e, verb, "%s wants a whole number >= %ld, got '%s'", what, min,
					       text);
		return cmd_usage_error(e, verb, "%s wants a whole number from %ld to %ld, got '%s'", what,
				       min, max, text);
	}
	*out = v;
	return 0;
}
