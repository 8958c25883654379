/* err.h - the one error convention of lakehouse.
 *
 * Module functions return 0 on success or -1 on failure and fill a caller-owned struct err
 * with an exit-code class and a message (lower-case, problem first, then how to fix).
 * Modules never print and never exit: only main() turns an err into output and an exit code.
 * A message must never contain a secret (S3 secret key, Hub token).
 */
#ifndef LAKEHOUSE_ERR_H
#define LAKEHOUSE_ERR_H

#include <stddef.h>

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILED = 1,   /* the one code of a failure with no class of its own: bad file, SQL error */
	EXIT_USAGE = 2,    /* wrong command line */
	EXIT_REMOTE = 3,   /* S3 or Hub unreachable or refusing */
	EXIT_CONFLICT = 4, /* commit conflict or lake busy */
	EXIT_DENIED = 5,   /* the store refused a write: these keys can read but not write */
};

/* What a caller higher up may explain better than the module that failed (err_set clears it;
 * err_wrap keeps it). */
enum err_cause {
	ERR_CAUSE_NONE = 0,
	ERR_CAUSE_S3_UNREACHABLE, /* no answer from the S3 endpoint: main names where a server does
				     listen, or how to start one */
};

struct err {
	int code; /* enum exit_code; 0 while no error was set */
	int cause; /* enum err_cause */
	char msg[2048];
};

/* Sets e (when not NULL) and returns -1; code is one of enum exit_code (EXIT_FAILED when the
 * failure has no class of its own), so callers can write `return err_set(e, ...)`. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends context to an existing message: "context: old message". Returns -1. */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
