/* fsutil.c - see fsutil.h. */
#include "core/fsutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_dirs(const char *path, mode_t mode, int last_too, struct err *e)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return err_set(e, EXIT_FAILED, "path too long: %.80s...", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return err_set(e, EXIT_FAILED, "cannot create %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (last_too && mkdir(tmp, mode) != 0 && errno != EEXIST)
		return err_set(e, EXIT_FAILED, "cannot create %s: %s", tmp, strerror(errno));
	return 0;
}

int fs_mkdir_p(const char *dir, mode_t mode, struct err *e)
{
	return make_dirs(dir, mode, 1, e);
}

int fs_mkdir_parents(const char *path, mode_t mode, struct err *e)
{
	return make_dirs(path, mode, 0, e);
}

int fs_read_file(const char *path, struct buf *out, int *missing, struct err *e)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (missing)
		*missing = !f && errno == ENOENT;
	if (!f)
		return err_set(e, EXIT_FAILED, "cannot read %s: %s", path, strerror(errno));
	char chunk[8192];
	size_t got;
	int rc = 0;
	while (rc == 0 && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = buf_append(out, chunk, got);
	int bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (rc < 0 && out->max)
		return err_set(e, EXIT_FAILED, "%s is larger than %zu bytes", path, out->max);
	if (rc < 0)
		return err_set(e, EXIT_FAILED, "out of memory reading %s", path);
	return bad ? err_set(e, EXIT_FAILED, "cannot read %s", path) : 0;
}

int fs_write_file(const char *dir, const char *name, const void *data, size_t len,
		  struct err *e)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return err_set(e, EXIT_FAILED, "path too long: %s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return err_set(e, EXIT_FAILED, "cannot write %s: %s", path, strerror(errno));
	int ok = fwrite(data, 1, len, f) == len;
	if (fclose(f) != 0 || !ok)
		return err_set(e, EXIT_FAILED, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

int fs_rename(const char *tmp, const char *path, struct err *e)
{
	if (rename(tmp, path) == 0)
		return 0;
	int err = errno;
	unlink(tmp);
	return err_set(e, EXIT_FAILED, "cannot rename %s to %s: %s", tmp, path, strerror(err));
}

int fs_tmpfile_open(struct fs_tmpfile *t, const char *path, const char *tmp, struct err *e)
{
	memset(t, 0, sizeof *t);
	if ((size_t)snprintf(t->path, sizeof t->path, "%s", path) >= sizeof t->path ||
	    (size_t)(tmp ? snprintf(t->tmp, sizeof t->tmp, "%s", tmp)
			 : snprintf(t->tmp, sizeof t->tmp, "%s.part", path)) >= sizeof t->tmp)
		return err_set(e, EXIT_FAILED, "path too long: %.80s...", path);
	if (!(t->f = fopen(t->tmp, "wb")))
		return err_set(e, EXIT_FAILED, "cannot create %s: %s", t->tmp, strerror(errno));
	return 0;
}

int fs_tmpfile_spool(struct fs_tmpfile *t, const char *prefix, struct err *e)
{
	memset(t, 0, sizeof *t);
	const char *dir = getenv("TMPDIR");
	snprintf(t->tmp, sizeof t->tmp, "%s/%s-XXXXXX", dir && *dir ? dir : "/tmp", prefix);
	int fd = mkstemp(t->tmp);
	if (fd >= 0 && !(t->f = fdopen(fd, "wb")))
		close(fd);
	if (!t->f) {
		int err = errno;
		if (fd >= 0)
			unlink(t->tmp);
		return err_set(e, EXIT_FAILED, "cannot create %s: %s", t->tmp, strerror(err));
	}
	return 0;
}

int fs_tmpfile_commit(struct fs_tmpfile *t, struct err *e)
{
	int ok = fflush(t->f) == 0 && !ferror(t->f);
	int err = ok ? 0 : errno;
	if (fclose(t->f) != 0 && ok)
		ok = 0, err = errno;
	t->f = NULL;
	if (!ok) {
		unlink(t->tmp);
		t->tmp[0] = '\0';
		return err_set(e, EXIT_FAILED, "cannot write %s: %s", t->path[0] ? t->path : t->tmp,
			       strerror(err));
	}
	if (!t->path[0])
		return 0;
	int rc = fs_rename(t->tmp, t->path, e);
	t->tmp[0] = '\0';
	return rc;
}

void fs_tmpfile_abort(struct fs_tmpfile *t)
{
	if (t->f)
		fclose(t->f);
	t->f = NULL;
	if (t->tmp[0])
		unlink(t->tmp);
	t->tmp[0] = '\0';
}

int fs_write_atomic(const char *path, const void *data, size_t len, struct err *e)
{
	struct fs_tmpfile t;
	if (fs_tmpfile_open(&t, path, NULL, e) < 0)
		return -1;
	if (len && fwrite(data, 1, len, t.f) != len) {
		int err = errno;
		fs_tmpfile_abort(&t);
		return err_set(e, EXIT_FAILED, "cannot write %s: %s", path, strerror(err));
	}
	return fs_tmpfile_commit(&t, e);
}
