/* fsutil.h - file-system helpers the modules share. Functions return 0 or -1 with e filled.
 * fs_read_file's buffer is the caller's (buf_free). */
#ifndef LAKEHOUSE_FSUTIL_H
#define LAKEHOUSE_FSUTIL_H

#include <sys/types.h>

#include "core/buf.h"
#include "core/err.h"

/* Creates dir and its missing parents with mode (existing ones are fine). */
int fs_mkdir_p(const char *dir, mode_t mode, struct err *e);
/* Creates the missing parent folders of a file path. */
int fs_mkdir_parents(const char *path, mode_t mode, struct err *e);
/* Reads a whole file ("-": standard input) into out (out->max caps it). *missing (may be NULL) is set to 1 and
 * -1 returned when the file does not exist. */
int fs_read_file(const char *path, struct buf *out, int *missing, struct err *e);
/* Writes len bytes to DIR/NAME (created or replaced); a short write or a failed close is an
 * error naming the path. */
int fs_write_file(const char *dir, const char *name, const void *data, size_t len,
		  struct err *e);

#endif
