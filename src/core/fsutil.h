/* fsutil.h - file-system helpers the modules share. Functions return 0 or -1 with e filled.
 * fs_read_file's buffer is the caller's (buf_free).
 *
 * Write-to-temporary-then-rename, the one implementation: a file written with fs_write_atomic
 * or through a struct fs_tmpfile shows at its path complete or not at all (a reader that globs
 * the folder never sees half a file; a crash leaves only a temporary name behind). */
#ifndef LAKEHOUSE_FSUTIL_H
#define LAKEHOUSE_FSUTIL_H

#include <stdio.h>
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

/* A file written under a temporary name. open: tmp (NULL: "PATH.part") is created (or
 * replaced) for writing at f. spool: a private file TMPDIR/<prefix>-XXXXXX (mkstemp) with no
 * final path, for bytes that go elsewhere (an upload); the caller removes tmp when done. */
struct fs_tmpfile {
	FILE *f;
	char tmp[4200], path[4200]; /* path "" for a spool */
};
int fs_tmpfile_open(struct fs_tmpfile *t, const char *path, const char *tmp, struct err *e);
int fs_tmpfile_spool(struct fs_tmpfile *t, const char *prefix, struct err *e);
/* Flushes and closes f (a failed write or close is an error) and renames tmp to path (a spool
 * keeps its tmp). On failure tmp is removed and nothing shows at path. */
int fs_tmpfile_commit(struct fs_tmpfile *t, struct err *e);
/* Closes f and removes tmp (nothing shows at path). Safe to call twice. */
void fs_tmpfile_abort(struct fs_tmpfile *t);
/* Writes len bytes to path through "PATH.part". */
int fs_write_atomic(const char *path, const void *data, size_t len, struct err *e);
/* The last step of any of them: renames the complete file tmp to path (replacing it); on
 * failure tmp is removed. */
int fs_rename(const char *tmp, const char *path, struct err *e);

#endif
