/* export_dest.c - where an export lands: a folder, s3://bucket/prefix or stdout; see
 * export_parts.h. Files show complete or not at all (core/fsutil's temporary names). */
#define _GNU_SOURCE
#include "media/export_parts.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/s3.h"

int dest_parse(const struct config *cfg, const char *out, struct dest *d, struct err *e)
{
	memset(d, 0, sizeof *d);
	if (strcmp(out, "-") == 0) {
		d->kind = DEST_STDOUT;
		return 0;
	}
	if (strncmp(out, "s3://", 5) == 0) {
		const char *b = out + 5, *slash = strchr(b, '/');
		size_t blen = slash ? (size_t)(slash - b) : strlen(b);
		if (!blen || blen >= sizeof d->s3cfg.bucket)
			return err_set(e, EXIT_USAGE, "--out %s: give s3://BUCKET/PREFIX", out);
		d->kind = DEST_S3;
		d->s3cfg = *cfg;
		snprintf(d->s3cfg.bucket, sizeof d->s3cfg.bucket, "%.*s", (int)blen, b);
		const char *p = slash ? slash + 1 : "";
		size_t plen = strlen(p);
		while (plen && p[plen - 1] == '/')
			plen--;
		snprintf(d->prefix, sizeof d->prefix, "%.*s%s", (int)plen, p, plen ? "/" : "");
		d->s3 = s3_new(&d->s3cfg, e);
		return d->s3 ? 0 : -1;
	}
	d->kind = DEST_DIR;
	snprintf(d->dir, sizeof d->dir, "%s", out);
	return 0;
}

void dest_free(struct dest *d)
{
	struct err ignored = {0};
	dest_wait(d, &ignored);
	s3_free(d->s3);
	d->s3 = NULL;
}

static int stop_at_first(const struct s3_object *o, void *ctx)
{
	(void)o;
	*(int *)ctx = 1;
	return 1;
}

int dest_check_empty(struct dest *d, int force, struct err *e)
{
	int used = 0;
	if (d->kind == DEST_S3) {
		if (s3_list(d->s3, d->prefix, stop_at_first, &used, e) < 0)
			return err_wrap(e, "cannot list s3://%s/%s", d->s3cfg.bucket, d->prefix);
	} else if (d->kind == DEST_DIR) {
		DIR *dir = opendir(d->dir);
		struct dirent *de;
		while (dir && !used && (de = readdir(dir)))
			used = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
		if (dir)
			closedir(dir);
		if (fs_mkdir_p(d->dir, 0755, e) < 0)
			return -1;
	}
	if (used && !force)
		return err_set(e, EXIT_USAGE, "--out %s%s%s is not empty; choose an empty destination or "
					      "add --force to write over it",
			       d->kind == DEST_S3 ? "s3://" : "", d->kind == DEST_S3 ? d->s3cfg.bucket : d->dir,
			       d->kind == DEST_S3 ? "/..." : "");
	return 0;
}

void dest_place(const struct dest *d, const char *rel, char *out, size_t n)
{
	if (d->kind == DEST_DIR)
		snprintf(out, n, "%s/%s", d->dir, rel);
	else if (d->kind == DEST_S3)
		snprintf(out, n, "%s%s", d->prefix, rel);
	else if (n)
		out[0] = '\0';
}

int dest_create(struct dest *d, const char *rel, const char *tmp, struct dest_file *f,
		struct err *e)
{
	memset(f, 0, sizeof *f);
	int rc = 0;
	if (d->kind == DEST_STDOUT) {
		f->t.f = stdout;
	} else if (d->kind == DEST_S3) {
		dest_place(d, rel, f->key, sizeof f->key);
		rc = fs_tmpfile_spool(&f->t, "lakehouse-export", e);
	} else {
		char path[4200];
		dest_place(d, rel, path, sizeof path);
		rc = fs_mkdir_parents(path, 0755, e) < 0 ? -1 : fs_tmpfile_open(&f->t, path, tmp, e);
	}
	if (rc < 0)
		e->code = EXIT_FAILED;
	return rc;
}

void dest_abandon(struct dest_file *f)
{
	if (f->t.f == stdout)
		f->t.f = NULL;
	fs_tmpfile_abort(&f->t);
}

static void *upload_thread(void *arg)
{
	struct dest *d = arg;
	d->up_rc = s3_put_file(d->s3, d->up_key, d->up_tmp, &d->up_e);
	if (d->up_rc < 0)
		err_wrap(&d->up_e, "uploading %s", d->up_key);
	unlink(d->up_tmp);
	return NULL;
}

int dest_wait(struct dest *d, struct err *e)
{
	if (!d->up_running)
		return 0;
	pthread_join(d->up, NULL);
	d->up_running = 0;
	if (d->up_rc < 0)
		*e = d->up_e;
	return d->up_rc;
}

int dest_finish(struct dest *d, struct dest_file *f, int background, struct err *e)
{
	if (f->t.f == stdout) {
		f->t.f = NULL;
		return fflush(stdout) == 0 ? 0 : err_set(e, EXIT_FAILED, "cannot write to stdout: %s",
							strerror(errno));
	}
	if (fs_tmpfile_commit(&f->t, e) < 0) { /* a folder's file is in place now */
		e->code = EXIT_FAILED;
		return -1;
	}
	if (d->kind != DEST_S3)
		return 0;
	if (!background) {
		int rc = s3_put_file(d->s3, f->key, f->t.tmp, e);
		unlink(f->t.tmp);
		return rc;
	}
	if (dest_wait(d, e) < 0) {
		unlink(f->t.tmp);
		return -1;
	}
	memcpy(d->up_tmp, f->t.tmp, sizeof d->up_tmp);
	memcpy(d->up_key, f->key, sizeof d->up_key);
	memset(&d->up_e, 0, sizeof d->up_e);
	if (pthread_create(&d->up, NULL, upload_thread, d) != 0) {
		unlink(f->t.tmp);
		return err_set(e, EXIT_FAILED, "cannot start an upload thread");
	}
	d->up_running = 1; /* the thread owns (and removes) the spool file now */
	return 0;
}

int dest_put(struct dest *d, const char *rel, const char *data, size_t len, struct err *e)
{
	char path[4600];
	dest_place(d, rel, path, sizeof path);
	if (d->kind == DEST_S3)
		return s3_put(d->s3, path, data, len, e);
	if (fs_mkdir_parents(path, 0755, e) < 0)
		return -1;
	if (fs_write_atomic(path, data, len, e) < 0) {
		e->code = EXIT_FAILED;
		return -1;
	}
	return 0;
}

int dest_remove(struct dest *d, const char *rel)
{
	char place[4600];
	dest_place(d, rel, place, sizeof place);
	if (d->kind == DEST_DIR)
		return unlink(place) == 0 ? 0 : -1;
	if (d->kind != DEST_S3)
		return -1;
	struct s3_object head;
	int found = 0;
	struct err ignored = {0};
	if (s3_head(d->s3, place, &head, &found, &ignored) < 0 || !found ||
	    s3_delete(d->s3, place, &ignored) < 0)
		return -1;
	return 0;
}
