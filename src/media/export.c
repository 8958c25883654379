/* export.c - see export.h. */
#define _GNU_SOURCE
#include "media/export.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/progress.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/pool.h"
#include "core/sqlfile.h"
#include "lake/lake.h"
#include "store/s3.h"

extern const char sql_40_export[]; /* generated from sql/40_export.sql */

#define DEFAULT_SHARD_SIZE (512LL << 20)
#define TAR_BLOCK 512
#define MAX_THREADS 32

/* ---- small helpers --------------------------------------------------------------------- */

void export_key(const char *src, char *out, size_t n)
{
	size_t i = 0;
	for (; src[i] && i + 1 < n; i++) {
		char c = src[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '-';
		out[i] = ok ? c : '_';
	}
	if (i == 0 && n > 1)
		out[i++] = '_';
	out[i] = '\0';
}

/* The text of one section of sql/40_export.sql; the caller frees it. */
static char *section_sql(const char *name, struct err *e)
{
	struct sql_section s[16];
	int n = sqlfile_sections(sql_40_export, "-- @section ", s, 16);
	for (int i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0) {
			size_t len = s[i].body_len; /* without the final ';': it may become a subquery */
			while (len && strchr("; \n\t", s[i].body[len - 1]))
				len--;
			return strndup(s[i].body, len);
		}
	err_set(e, 0, "internal: no section '%s' in sql/40_export.sql", name);
	return NULL;
}

/* Runs one section of sql/40_export.sql with optional parameters; *res is the caller's. */
static int section_query(struct lake *l, const char *name, const char *const *params, int np,
			 duckdb_result *res, struct err *e)
{
	char *sql = section_sql(name, e);
	if (!sql)
		return -1;
	duckdb_result tmp;
	int rc = lake_query(l, sql, params, np, res ? res : &tmp, e);
	free(sql);
	if (rc < 0)
		return err_wrap(e, "export query '%s' (sql/40_export.sql)", name);
	if (!res)
		duckdb_destroy_result(&tmp);
	return 0;
}

static char *value_str(duckdb_result *r, idx_t col, idx_t row)
{
	char *v = duckdb_value_varchar(r, col, row);
	char *s = strdup(v ? v : "");
	duckdb_free(v);
	return s;
}

/* "s3://bucket/key" of cfg's bucket -> "key". */
static const char *object_key(const struct config *cfg, const char *uri, struct err *e)
{
	const char *key = s3_key_of_uri(cfg->bucket, uri);
	if (!key)
		err_set(e, EXIT_FAILURE_, "%s is not an object of bucket %s", uri, cfg->bucket);
	return key;
}

/* ---- the snapshot and the selection ---------------------------------------------------- */

struct pinned {
	int64_t id, epoch;
	char time[64];
	int fragments, has_split;
	int silver; /* the silver COCO tables exist: images get boxes and captions */
	char query[8192];
};

/* Resolves --version / --time / newest to one snapshot id and re-attaches the lake read-only
 * at it: every query after this (the user's and export's own joins) sees that snapshot. */
static int pin_snapshot(struct lake *l, const struct export_request *rq, struct pinned *p,
			struct err *e)
{
	int64_t n = 0;
	if (lake_pin(l, &rq->at, &p->id, e) < 0)
		return -1;
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)p->id);
	const char *par[] = {v};
	duckdb_result r;
	if (lake_query(l, "SELECT strftime(snapshot_time AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), "
			  "epoch(snapshot_time)::BIGINT FROM lake.snapshots() WHERE snapshot_id = $1::BIGINT",
		       par, 1, &r, e) < 0)
		return -1;
	n = (int64_t)duckdb_row_count(&r);
	if (n) {
		char *t = duckdb_value_varchar(&r, 0, 0);
		snprintf(p->time, sizeof p->time, "%s", t ? t : "");
		duckdb_free(t);
		p->epoch = duckdb_value_int64(&r, 1, 0);
	}
	duckdb_destroy_result(&r);
	if (!n) {
		int64_t last = 0;
		lake_current_snapshot(l, &last, e);
		return err_set(e, EXIT_USAGE, "snapshot %lld does not exist (the lake has 0..%lld; see "
					      "'lakehouse log')", (long long)p->id, (long long)last);
	}
	char sql[64];
	snprintf(sql, sizeof sql, "SET VARIABLE export_snapshot = %lld", (long long)p->id);
	if (lake_attach_at(l, p->id, e) < 0 || lake_exec(l, sql, e) < 0)
		return -1;
	return 0;
}

static int column_index(duckdb_result *r, const char *name)
{
	for (idx_t c = 0; c < duckdb_column_count(r); c++)
		if (strcmp(duckdb_column_name(r, c), name) == 0)
			return (int)c;
	return -1;
}

/* Materialises the selection as temp table export_selection. */
static int select_rows(struct lake *l, const struct export_request *rq, struct pinned *p,
		       struct err *e)
{
	if (rq->table) {
		char schema[64], table[64];
		if (lake_parse_table(rq->table, schema, table, e) < 0)
			return -1;
		snprintf(p->query, sizeof p->query, "SELECT * FROM \"%s\".\"%s\"", schema, table);
	} else {
		size_t len = strlen(rq->sql);
		while (len && strchr("; \n\t", rq->sql[len - 1]))
			len--;
		if (len >= sizeof p->query - 64)
			return err_set(e, EXIT_USAGE, "the --sql query is too long (%zu bytes)", len);
		snprintf(p->query, sizeof p->query, "%.*s", (int)len, rq->sql);
	}
	struct buf q = {0};
	buf_printf(&q, "SELECT * FROM (%s) LIMIT 0", p->query);
	duckdb_result probe;
	int rc = lake_query(l, q.data, NULL, 0, &probe, e);
	buf_free(&q);
	if (rc < 0)
		return rq->table ? err_wrap(e, "table %s at snapshot %lld", rq->table, (long long)p->id)
				 : err_wrap(e, "the --sql query at snapshot %lld", (long long)p->id);
	int images = column_index(&probe, "image_uri") >= 0;
	p->fragments = column_index(&probe, "clip_uri") >= 0 && column_index(&probe, "fragment_id") >= 0;
	p->has_split = column_index(&probe, "split") >= 0;
	duckdb_destroy_result(&probe);
	if (!images && !p->fragments)
		return err_set(e, EXIT_USAGE, "the selection must return image_uri (images) or clip_uri "
					      "and fragment_id (video fragments), e.g. SELECT image_uri "
					      "FROM gold.coco_train");
	if (p->fragments && images)
		p->fragments = 0; /* image rows win when both are there */
	const char *split = p->has_split ? "split::VARCHAR" : "NULL::VARCHAR";
	buf_printf(&q, "CREATE OR REPLACE TEMP TABLE export_selection AS SELECT %s, %s AS split FROM (%s)",
		   p->fragments ? "clip_uri::VARCHAR AS clip_uri, fragment_id::INTEGER AS fragment_id"
				: "image_uri::VARCHAR AS image_uri",
		   split, p->query);
	rc = lake_exec(l, q.data, e);
	buf_free(&q);
	return rc;
}

/* ---- parallel object reads in fixed-size batches ---------------------------------------- */

struct item {
	char *uri, *key, *json, *path; /* path: coco image file, else NULL */
	int64_t offset, length;        /* length < 0: the whole object */
	struct buf data;               /* fragments: starts with the clip's init segment */
};

struct reader {
	const struct config *cfg;
	struct item *items;
	int64_t received;
	pthread_mutex_t lock;
	/* webdataset's window: per slot 0 = queued, 1 = read, -1 = failed or dropped; slots are
	 * tasks slot + 1 (pool_submit) there, indexes (pool_for) elsewhere */
	int *state;
	pthread_cond_t done;
};

static void reader_mark(struct reader *r, size_t slot, int state)
{
	pthread_mutex_lock(&r->lock);
	r->state[slot] = state;
	pthread_cond_broadcast(&r->done);
	pthread_mutex_unlock(&r->lock);
}

static int reader_start(void *ctx, void **state, struct err *e)
{
	struct reader *r = ctx;
	*state = s3_new(r->cfg, e);
	return *state ? 0 : -1;
}

static void reader_stop(void *ctx, void *state)
{
	struct reader *r = ctx;
	pthread_mutex_lock(&r->lock);
	r->received += s3_bytes_received(state);
	pthread_mutex_unlock(&r->lock);
	s3_free(state);
}

static int write_file_atomic(const char *path, const void *data, size_t len, struct err *e);
static int read_item(struct reader *r, struct s3 *s3, struct item *it, struct err *e);

static int reader_run(void *ctx, void *state, void *task, struct err *e)
{
	struct reader *r = ctx;
	size_t slot = r->state ? POOL_INDEX(task) - 1 : POOL_INDEX(task);
	int rc = read_item(r, state, &r->items[slot], e);
	if (r->state)
		reader_mark(r, slot, rc < 0 ? -1 : 1);
	return rc;
}

static void reader_discard(void *ctx, void *task)
{
	struct reader *r = ctx;
	reader_mark(r, POOL_INDEX(task) - 1, -1);
}

static int read_item(struct reader *r, struct s3 *s3, struct item *it, struct err *e)
{
	const char *key = object_key(r->cfg, it->uri, e);
	if (!key)
		return -1;
	if (s3_get_range(s3, key, it->length < 0 ? 0 : it->offset, it->length, &it->data, e) < 0) {
		e->code = EXIT_FAILURE_;
		return err_wrap(e, "cannot export %s, which the selection names", it->uri);
	}
	if (it->path) { /* coco images: straight to their file, nothing kept */
		int rc = write_file_atomic(it->path, it->data.data, it->data.len, e);
		buf_free(&it->data);
		return rc;
	}
	return 0;
}

static int read_batch(const struct config *cfg, struct item *items, size_t n, int threads,
		      int64_t *received, struct err *e)
{
	struct reader r = {.cfg = cfg, .items = items};
	pthread_mutex_init(&r.lock, NULL);
	const struct pool_ops ops = {.worker_start = reader_start, .worker_stop = reader_stop,
				     .run = reader_run};
	int rc = pool_for(n, threads, &ops, &r, e);
	pthread_mutex_destroy(&r.lock);
	*received += r.received;
	return rc;
}

static void items_free(struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].uri), free(items[i].key), free(items[i].json), free(items[i].path);
		buf_free(&items[i].data);
	}
	memset(items, 0, n * sizeof *items);
}

/* ---- output destinations ---------------------------------------------------------------- */

enum dest_kind { DEST_DIR, DEST_S3, DEST_STDOUT };

struct dest {
	enum dest_kind kind;
	char dir[4096];        /* DEST_DIR */
	struct config s3cfg;   /* DEST_S3: cfg with the destination's bucket */
	char prefix[1024];     /* DEST_S3: "" or "prefix/" */
	struct s3 *s3;
};

static int dest_parse(const struct config *cfg, const char *out, struct dest *d, struct err *e)
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

static int stop_at_first(const struct s3_object *o, void *ctx)
{
	(void)o;
	*(int *)ctx = 1;
	return 1;
}

/* Refuses a destination that already holds something, unless --force. */
static int dest_check_empty(struct dest *d, int force, struct err *e)
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

static int write_file_atomic(const char *path, const void *data, size_t len, struct err *e)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.part", path);
	FILE *f = fopen(tmp, "wb");
	int ok = f && fwrite(data, 1, len, f) == len;
	ok = (f && fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		int err = errno;
		unlink(tmp);
		return err_set(e, EXIT_FAILURE_, "cannot write %s: %s", path, strerror(err));
	}
	return 0;
}

/* Stores a small finished file (manifest, COCO JSON) at DEST/rel. */
static int dest_put(struct dest *d, const char *rel, const char *data, size_t len, struct err *e)
{
	char path[4600];
	if (d->kind == DEST_S3) {
		snprintf(path, sizeof path, "%s%s", d->prefix, rel);
		return s3_put(d->s3, path, data, len, e);
	}
	snprintf(path, sizeof path, "%s/%s", d->dir, rel);
	if (fs_mkdir_parents(path, 0755, e) < 0)
		return -1;
	return write_file_atomic(path, data, len, e);
}

/* ---- tar shards ------------------------------------------------------------------------- */

struct shard {
	struct archive *a;
	FILE *f;
	char tmp[4400], final[4400], name[160];
	EVP_MD_CTX *sha;
	int64_t bytes, samples, estimate;
	int failed_errno;
};

struct wds {
	const struct export_request *rq;
	struct dest *d;
	const struct pinned *p;
	const char *name;
	struct shard cur;
	int open;
	json_t *shards; /* manifest entries */
	int64_t samples, bytes, index, total;
	/* s3://: the finished shard uploads in the background while the next one is written */
	pthread_t up;
	int up_running, up_rc;
	struct err up_e;
	char up_tmp[4400], up_key[4400], up_name[160];
};

static void *upload_thread(void *arg)
{
	struct wds *w = arg;
	w->up_rc = s3_put_file(w->d->s3, w->up_key, w->up_tmp, &w->up_e);
	if (w->up_rc < 0)
		err_wrap(&w->up_e, "uploading shard %s", w->up_name);
	unlink(w->up_tmp);
	return NULL;
}

static int upload_wait(struct wds *w, struct err *e)
{
	if (!w->up_running)
		return 0;
	pthread_join(w->up, NULL);
	w->up_running = 0;
	if (w->up_rc < 0)
		*e = w->up_e;
	return w->up_rc;
}

static int upload_start(struct wds *w, struct err *e)
{
	if (upload_wait(w, e) < 0)
		return -1;
	struct shard *s = &w->cur;
	memcpy(w->up_tmp, s->tmp, sizeof w->up_tmp);
	memcpy(w->up_key, s->final, sizeof w->up_key);
	memcpy(w->up_name, s->name, sizeof w->up_name);
	memset(&w->up_e, 0, sizeof w->up_e);
	if (pthread_create(&w->up, NULL, upload_thread, w) != 0)
		return err_set(e, EXIT_FAILURE_, "cannot start an upload thread");
	w->up_running = 1;
	return 0;
}

static la_ssize_t shard_write_cb(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct shard *s = ctx;
	if (fwrite(buf, 1, n, s->f) != n) {
		s->failed_errno = errno;
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	EVP_DigestUpdate(s->sha, buf, n);
	s->bytes += (int64_t)n;
	return (la_ssize_t)n;
}

/* Shard number index: its name, and where it lands (DEST/NAME in a folder, PREFIXNAME in the
 * store; final is left alone for stdout, which has no place). */
static void shard_place(const struct wds *w, int64_t index, char name[160], char final[4400])
{
	snprintf(name, 160, "%.128s-%06lld.tar", w->name, (long long)index);
	if (w->d->kind == DEST_DIR)
		snprintf(final, 4400, "%s/%s", w->d->dir, name);
	else if (w->d->kind == DEST_S3)
		snprintf(final, 4400, "%s%s", w->d->prefix, name);
}

static int shard_open(struct wds *w, struct err *e)
{
	struct shard *s = &w->cur;
	memset(s, 0, sizeof *s);
	shard_place(w, w->index, s->name, s->final);
	if (w->d->kind == DEST_STDOUT) {
		s->f = stdout;
	} else if (w->d->kind == DEST_DIR) {
		snprintf(s->tmp, sizeof s->tmp, "%s/.%s.part", w->d->dir, s->name);
		s->f = fopen(s->tmp, "wb");
	} else { /* S3: spooled through a temporary file, uploaded when complete */
		const char *tmpdir = getenv("TMPDIR");
		snprintf(s->tmp, sizeof s->tmp, "%s/lakehouse-export-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
		int fd = mkstemp(s->tmp);
		s->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
		if (fd >= 0 && !s->f)
			close(fd);
	}
	if (!s->f)
		return err_set(e, EXIT_FAILURE_, "cannot create %s: %s", s->tmp, strerror(errno));
	s->sha = EVP_MD_CTX_new();
	s->a = archive_write_new();
	w->open = 1;
	if (!s->sha || !s->a || EVP_DigestInit_ex(s->sha, EVP_sha256(), NULL) != 1 ||
	    archive_write_set_format_pax_restricted(s->a) != ARCHIVE_OK ||
	    archive_write_open2(s->a, s, NULL, shard_write_cb, NULL, NULL) != ARCHIVE_OK)
		return err_set(e, EXIT_FAILURE_, "cannot start tar shard %s: %s", s->name,
			       s->a ? archive_error_string(s->a) : "out of memory");
	return 0;
}

static void shard_discard(struct wds *w)
{
	struct shard *s = &w->cur;
	if (!w->open)
		return;
	if (s->a)
		archive_write_free(s->a); /* may try to flush: harmless on the temporary name */
	if (s->f && s->f != stdout)
		fclose(s->f);
	if (s->tmp[0])
		unlink(s->tmp);
	EVP_MD_CTX_free(s->sha);
	w->open = 0;
}

static int shard_close(struct wds *w, struct err *e)
{
	struct shard *s = &w->cur;
	int rc = archive_write_close(s->a);
	if (rc != ARCHIVE_OK) {
		err_set(e, EXIT_FAILURE_, "cannot write %s: %s", s->name, archive_error_string(s->a));
		shard_discard(w);
		return -1;
	}
	archive_write_free(s->a);
	s->a = NULL;
	int ok = fflush(s->f) == 0;
	int err = errno;
	if (s->f != stdout)
		ok = fclose(s->f) == 0 && ok, err = ok ? 0 : errno;
	s->f = NULL;
	if (!ok) {
		err_set(e, EXIT_FAILURE_, "cannot write %s: %s", s->name, strerror(err));
		shard_discard(w);
		return -1;
	}
	if (w->d->kind == DEST_DIR && rename(s->tmp, s->final) != 0) {
		err_set(e, EXIT_FAILURE_, "cannot rename %s to %s: %s", s->tmp, s->final, strerror(errno));
		shard_discard(w);
		return -1;
	}
	if (w->d->kind == DEST_S3) {
		if (upload_start(w, e) < 0) {
			shard_discard(w);
			return -1;
		}
		s->tmp[0] = '\0'; /* the upload thread owns (and removes) the spool file now */
	}
	s->tmp[0] = '\0';
	unsigned char md[32];
	char hex[65];
	EVP_DigestFinal_ex(s->sha, md, NULL);
	EVP_MD_CTX_free(s->sha);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	json_array_append_new(w->shards, json_pack("{s:s, s:I, s:I, s:s}", "name", s->name, "samples",
						   (json_int_t)s->samples, "bytes", (json_int_t)s->bytes,
						   "sha256", hex));
	w->bytes += s->bytes;
	w->index++;
	w->open = 0;
	return 0;
}

static int tar_member(struct wds *w, const char *name, const void *data, size_t len, struct err *e)
{
	struct shard *s = &w->cur;
	struct archive_entry *en = archive_entry_new();
	archive_entry_set_pathname(en, name);
	archive_entry_set_size(en, (la_int64_t)len);
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0644);
	archive_entry_set_mtime(en, w->p->epoch, 0);
	archive_entry_set_uid(en, 0), archive_entry_set_gid(en, 0);
	archive_entry_set_uname(en, ""), archive_entry_set_gname(en, "");
	int rc = archive_write_header(s->a, en);
	archive_entry_free(en);
	if (rc == ARCHIVE_OK && len && archive_write_data(s->a, data, len) != (la_ssize_t)len)
		rc = ARCHIVE_FATAL;
	if (rc != ARCHIVE_OK)
		return err_set(e, EXIT_FAILURE_, "cannot write %s into %s: %s", name, s->name,
			       archive_error_string(s->a) ? archive_error_string(s->a) : "write failed");
	s->estimate += TAR_BLOCK + ((int64_t)len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	return 0;
}

static void ext_of(const char *uri, int fragment, char out[8])
{
	if (fragment) {
		strcpy(out, "mp4");
		return;
	}
	const char *slash = strrchr(uri, '/'), *dot = strrchr(uri, '.');
	size_t n = 0;
	if (dot && (!slash || dot > slash))
		for (dot++; dot[n] && n < 7; n++)
			out[n] = (char)(dot[n] >= 'A' && dot[n] <= 'Z' ? dot[n] + 32 : dot[n]);
	out[n] = '\0';
	if (!n || strcmp(out, "jpeg") == 0)
		strcpy(out, n ? "jpg" : "bin");
}

static int add_sample(struct wds *w, struct item *it, int fragment, struct err *e)
{
	const struct export_request *rq = w->rq;
	int64_t size = (int64_t)(it->data.len + strlen(it->json)) + 4 * TAR_BLOCK;
	int64_t limit = rq->shard_size > 0 ? rq->shard_size : DEFAULT_SHARD_SIZE;
	if (w->open && w->d->kind != DEST_STDOUT && w->cur.samples > 0 &&
	    ((rq->shard_samples > 0 && w->cur.samples >= rq->shard_samples) ||
	     w->cur.estimate + size > limit) &&
	    shard_close(w, e) < 0)
		return -1;
	if (!w->open && shard_open(w, e) < 0)
		return -1;
	char key[300], name[320], ext[8];
	export_key(it->key, key, sizeof key);
	ext_of(it->uri, fragment, ext);
	snprintf(name, sizeof name, "%s.%s", key, ext);
	if (tar_member(w, name, it->data.data, it->data.len, e) < 0)
		return -1;
	snprintf(name, sizeof name, "%s.json", key);
	if (tar_member(w, name, it->json, strlen(it->json), e) < 0)
		return -1;
	w->cur.samples++;
	w->samples++;
	return 0;
}

static void report(const struct export_request *rq, int64_t done, int64_t total, int64_t bytes,
		   int64_t shards)
{
	progress_set(rq->progress, done, total, bytes);
	if (shards)
		progress_set_count(rq->progress, "shards", shards);
}

/* Catalog identity for the manifest: the catalog string with any password masked. */
static void catalog_identity(const struct config *cfg, char *out, size_t n)
{
	char abs[4096];
	int plain_file = !strchr(cfg->catalog, ':') && realpath(cfg->catalog, abs);
	snprintf(out, n, "%s", plain_file ? abs : cfg->catalog);
	char *pw = strstr(out, "password=");
	if (pw) {
		pw += 9;
		size_t len = strcspn(pw, " ");
		memmove(pw + 3, pw + len, strlen(pw + len) + 1);
		memcpy(pw, "***", 3);
	}
}

static int write_manifest(const struct config *cfg, struct wds *w, const char *format,
			  struct err *e)
{
	char catalog[4200], data_path[128];
	catalog_identity(cfg, catalog, sizeof catalog);
	snprintf(data_path, sizeof data_path, "s3://%s/lake/", cfg->bucket);
	json_t *m = json_pack("{s:s, s:s, s:{s:I, s:s}, s:{s:s, s:s, s:s}, s:I, s:I, s:O}", "format",
			      format, "query", w->p->query, "snapshot", "id", (json_int_t)w->p->id,
			      "time", w->p->time, "catalog", "metadata", catalog, "data_path", data_path,
			      "endpoint", cfg->endpoint, "samples", (json_int_t)w->samples, "bytes",
			      (json_int_t)w->bytes, "shards", w->shards);
	char *text = m ? json_dumps(m, JSON_INDENT(2)) : NULL;
	json_decref(m);
	if (!text)
		return err_set(e, EXIT_FAILURE_, "out of memory writing the manifest");
	char rel[300];
	snprintf(rel, sizeof rel, "%s.manifest.json", w->name);
	struct buf b = {0};
	buf_printf(&b, "%s\n", text);
	free(text);
	int rc = dest_put(w->d, rel, b.data, b.len, e);
	buf_free(&b);
	return rc;
}

/* Removes shards of an earlier export (--force) past the ones just written, so a reader that
 * globs the folder or lists the prefix sees this export's shards only. */
static void remove_stale_shards(struct wds *w)
{
	for (int64_t i = w->index; w->d->kind == DEST_DIR || w->d->kind == DEST_S3; i++) {
		char name[160], final[4400];
		shard_place(w, i, name, final);
		if (w->d->kind == DEST_DIR) {
			if (unlink(final) != 0)
				return;
			continue;
		}
		struct s3_object head;
		int found = 0;
		struct err ignored = {0};
		if (s3_head(w->d->s3, final, &head, &found, &ignored) < 0 || !found ||
		    s3_delete(w->d->s3, final, &ignored) < 0)
			return;
	}
}

#define BATCH_PER_THREAD 2
#define WINDOW_PER_THREAD 4

/* The current clip's init segment: rows come clip by clip, so one is kept. */
struct clip_init {
	const struct config *cfg;
	struct s3 *s3;
	char *uri;
	struct buf init;
};

/* Fills a window slot from row `row` of the sample query. */
static int item_prepare(struct item *it, duckdb_result *r, idx_t row, int fragments,
			struct clip_init *ci, struct err *e)
{
	it->uri = value_str(r, 0, row);
	it->key = value_str(r, 1, row);
	it->length = -1;
	if (!fragments) {
		it->json = value_str(r, 2, row);
		return 0;
	}
	it->offset = duckdb_value_int64(r, 3, row);
	it->length = duckdb_value_int64(r, 4, row);
	it->json = value_str(r, 5, row);
	if (!ci->uri || strcmp(ci->uri, it->uri) != 0) {
		free(ci->uri);
		buf_reset(&ci->init);
		ci->uri = strdup(it->uri);
		const char *key = object_key(ci->cfg, it->uri, e);
		if (!key || s3_get_range(ci->s3, key, 0, duckdb_value_int64(r, 2, row), &ci->init, e) < 0) {
			free(ci->uri);
			ci->uri = NULL;
			e->code = EXIT_FAILURE_;
			return err_wrap(e, "cannot read the init segment of %s", it->uri);
		}
	}
	/* the member is init + fragment: the reader appends the fragment's bytes */
	if (buf_append(&it->data, ci->init.data, ci->init.len) < 0)
		return err_set(e, EXIT_FAILURE_, "out of memory");
	return 0;
}

static int export_webdataset(struct lake *l, const struct config *cfg,
			     const struct export_request *rq, struct pinned *p, struct dest *d,
			     const char *name, struct export_result *res, struct err *e)
{
	duckdb_result r;
	if (p->fragments) {
		duckdb_result u;
		if (section_query(l, "fragments_unknown", NULL, 0, &u, e) < 0)
			return -1;
		idx_t bad = duckdb_row_count(&u);
		char *first = bad ? value_str(&u, 0, 0) : NULL;
		duckdb_destroy_result(&u);
		if (bad) {
			err_set(e, EXIT_FAILURE_, "the selection names fragment %s, which is not in the "
						  "fragment index at snapshot %lld", first, (long long)p->id);
			free(first);
			return -1;
		}
	}
	if (section_query(l, p->fragments ? "fragment_samples" : p->silver ? "image_samples"
									    : "image_samples_bare",
			  NULL, 0, &r, e) < 0)
		return -1;
	idx_t rows = duckdb_row_count(&r);
	int threads = rq->threads < 1 ? 1 : rq->threads > MAX_THREADS ? MAX_THREADS : rq->threads;
	/* A window of slots: readers fill them in any order, samples go into the tar in row
	 * order; memory is the window, never a shard. */
	size_t size = (size_t)threads * WINDOW_PER_THREAD;
	struct item *slots = calloc(size, sizeof *slots);
	int *state = calloc(size, sizeof *state);
	struct reader rd = {.cfg = cfg, .items = slots, .state = state};
	pthread_mutex_init(&rd.lock, NULL);
	pthread_cond_init(&rd.done, NULL);
	struct wds w = {.rq = rq, .d = d, .p = p, .name = name, .shards = json_array(),
			.total = (int64_t)rows};
	struct clip_init ci = {.cfg = cfg};
	int rc = slots && state ? 0 : err_set(e, EXIT_FAILURE_, "out of memory");
	if (rc == 0 && p->fragments && !(ci.s3 = s3_new(cfg, e)))
		rc = -1;
	const struct pool_ops ops = {.worker_start = reader_start, .worker_stop = reader_stop,
				     .run = reader_run, .discard = reader_discard};
	struct pool *pool = rc == 0 ? pool_new(threads, size, &ops, &rd, e) : NULL;
	if (!pool)
		rc = -1;
	int pool_failed = 0;
	for (idx_t submitted = 0, written = 0; rc == 0 && written < rows;) {
		while (rc == 0 && submitted < rows && submitted - written < size) {
			size_t slot = submitted % size;
			state[slot] = 0;
			rc = item_prepare(&slots[slot], &r, submitted++, p->fragments, &ci, e);
			if (rc == 0 && (rc = pool_submit(pool, (void *)(uintptr_t)(slot + 1), e)) < 0)
				pool_failed = 1;
		}
		if (rc < 0)
			break;
		size_t slot = written % size;
		pthread_mutex_lock(&rd.lock);
		while (state[slot] == 0)
			pthread_cond_wait(&rd.done, &rd.lock);
		int st = state[slot];
		pthread_mutex_unlock(&rd.lock);
		if (st < 0) {
			rc = -1, pool_failed = 1;
			break;
		}
		rc = add_sample(&w, &slots[slot], p->fragments, e);
		items_free(&slots[slot], 1);
		written++;
		report(rq, w.samples, w.total, w.bytes + (w.open ? w.cur.bytes : 0), w.index);
	}
	struct err pool_err = {0}, ignored = {0};
	if (pool && pool_finish(pool, &pool_err) < 0 && (rc == 0 || pool_failed)) {
		*e = pool_err; /* the first failed read is the error to report */
		rc = -1;
	}
	pthread_cond_destroy(&rd.done);
	pthread_mutex_destroy(&rd.lock);
	if (slots)
		items_free(slots, size);
	free(slots);
	free(state);
	if (rc == 0 && !w.open && d->kind == DEST_STDOUT)
		rc = shard_open(&w, e); /* an empty selection still gives a valid (empty) tar */
	if (rc == 0 && w.open)
		rc = shard_close(&w, e);
	if (rc < 0)
		shard_discard(&w);
	if (rc == 0)
		rc = upload_wait(&w, e);
	else
		upload_wait(&w, &ignored);
	if (rc == 0 && d->kind != DEST_STDOUT) {
		remove_stale_shards(&w);
		rc = write_manifest(cfg, &w, "webdataset", e);
	}
	res->samples = w.samples, res->bytes = w.bytes, res->shards = w.index;
	res->fragments = p->fragments;
	s3_free(ci.s3);
	free(ci.uri);
	buf_free(&ci.init);
	json_decref(w.shards);
	duckdb_destroy_result(&r);
	return rc;
}

/* ---- COCO JSON -------------------------------------------------------------------------- */

/* Streams one JSON array of the first column of a section's rows into f. */
static int json_array_from(struct lake *l, FILE *f, const char *key, const char *section,
			   const char *split, int64_t *count, struct err *e)
{
	duckdb_result r;
	const char *par[] = {split};
	if (section_query(l, section, split ? par : NULL, split ? 1 : 0, &r, e) < 0)
		return -1;
	idx_t rows = duckdb_row_count(&r);
	fprintf(f, ",\n\"%s\": [", key);
	for (idx_t i = 0; i < rows; i++) {
		char *v = duckdb_value_varchar(&r, 0, i);
		fprintf(f, "%s\n%s", i ? "," : "", v ? v : "null");
		duckdb_free(v);
	}
	fputs(rows ? "\n]" : "]", f);
	duckdb_destroy_result(&r);
	if (count)
		*count += (int64_t)rows;
	return 0;
}

static int coco_file(struct lake *l, struct dest *d, const struct pinned *p, const char *split,
		     int captions, int64_t *annotations, struct err *e)
{
	char rel[512], path[4700];
	snprintf(rel, sizeof rel, "annotations/%s_%s.json", captions ? "captions" : "instances", split);
	/* S3 destinations get the file from a local spool, folders a temporary name */
	if (d->kind == DEST_S3) {
		const char *tmpdir = getenv("TMPDIR");
		snprintf(path, sizeof path, "%s/lakehouse-coco-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
		int fd = mkstemp(path);
		if (fd < 0)
			return err_set(e, EXIT_FAILURE_, "cannot create %s: %s", path, strerror(errno));
		close(fd);
	} else {
		snprintf(path, sizeof path, "%s/%s.part", d->dir, rel);
		if (fs_mkdir_parents(path, 0755, e) < 0)
			return -1;
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return err_set(e, EXIT_FAILURE_, "cannot create %s: %s", path, strerror(errno));
	json_t *info = json_pack("{s:s, s:I, s:s, s:s}", "description", "lakehouse export", "snapshot_id",
				 (json_int_t)p->id, "snapshot_time", p->time, "query", p->query);
	char *info_text = json_dumps(info, JSON_COMPACT);
	json_decref(info);
	fprintf(f, "{\"info\": %s,\n\"licenses\": []", info_text ? info_text : "{}");
	free(info_text);
	int rc = json_array_from(l, f, "images", "coco_images", split, NULL, e);
	if (rc == 0)
		rc = json_array_from(l, f, "annotations", captions ? "coco_captions" : "coco_annotations",
				     split, annotations, e);
	if (rc == 0 && !captions)
		rc = json_array_from(l, f, "categories", "coco_categories", NULL, NULL, e);
	fputs("\n}\n", f);
	int err = ferror(f) ? errno : 0;
	if (fclose(f) != 0 && !err)
		err = errno;
	if (rc == 0 && err)
		rc = err_set(e, EXIT_FAILURE_, "cannot write %s: %s", path, strerror(err));
	if (rc == 0 && d->kind == DEST_S3) {
		char key[1600];
		snprintf(key, sizeof key, "%s%s", d->prefix, rel);
		rc = s3_put_file(d->s3, key, path, e);
	} else if (rc == 0) {
		char final[4700];
		snprintf(final, sizeof final, "%s/%s", d->dir, rel);
		if (rename(path, final) != 0)
			rc = err_set(e, EXIT_FAILURE_, "cannot rename %s: %s", path, strerror(errno));
	}
	if (rc < 0 || d->kind == DEST_S3)
		unlink(path);
	return rc;
}

/* Fetches the images of one split into DEST/<split>/<file_name> (folders only). */
static int coco_images(struct lake *l, const struct config *cfg, const struct export_request *rq,
		       struct dest *d, const char *split, struct export_result *res, struct err *e)
{
	duckdb_result r;
	const char *par[] = {split};
	if (section_query(l, "coco_images", par, 1, &r, e) < 0)
		return -1;
	idx_t rows = duckdb_row_count(&r);
	int threads = rq->threads < 1 ? 1 : rq->threads > MAX_THREADS ? MAX_THREADS : rq->threads;
	size_t batch = (size_t)threads * BATCH_PER_THREAD;
	struct item *items = calloc(batch, sizeof *items);
	int rc = items ? 0 : err_set(e, EXIT_FAILURE_, "out of memory");
	char dir[4400];
	snprintf(dir, sizeof dir, "%s/%s", d->dir, split);
	if (rc == 0)
		rc = fs_mkdir_p(dir, 0755, e);
	int64_t received = 0;
	for (idx_t start = 0; rc == 0 && start < rows; start += batch) {
		size_t n = rows - start < batch ? (size_t)(rows - start) : batch;
		for (size_t i = 0; i < n; i++) {
			char *file = value_str(&r, 2, start + i), key[300];
			export_key(file, key, sizeof key); /* a file name, never a path */
			char *dot = strrchr(file, '.');
			items[i].uri = value_str(&r, 1, start + i);
			items[i].length = -1;
			if (asprintf(&items[i].path, "%s/%.*s%s", dir,
				     (int)(dot ? (size_t)(dot - file) : strlen(file)), key, dot ? dot : "") < 0)
				items[i].path = NULL;
			free(file);
		}
		rc = read_batch(cfg, items, n, threads, &received, e);
		items_free(items, n);
		res->samples += (int64_t)n;
		report(rq, res->samples, (int64_t)rows, received, 0);
	}
	res->bytes += received;
	free(items);
	duckdb_destroy_result(&r);
	return rc;
}

static int export_coco(struct lake *l, const struct config *cfg, const struct export_request *rq,
		       struct pinned *p, struct dest *d, struct export_result *res, struct err *e)
{
	if (p->fragments)
		return err_set(e, EXIT_USAGE, "--format coco exports images (a selection with "
					      "image_uri); use --format webdataset for video fragments");
	if (d->kind == DEST_S3 && !rq->no_images)
		return err_set(e, EXIT_USAGE, "--format coco to s3:// needs --no-images (images are "
					      "already objects; coco_url names them)");
	duckdb_result r;
	if (section_query(l, "coco_splits", NULL, 0, &r, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&r); i++) {
		char *split = value_str(&r, 0, i), safe[128];
		export_key(split, safe, sizeof safe);
		int64_t ncaptions = 0;
		const char *par[] = {split};
		char *sql = section_sql("coco_captions", e);
		if (!sql) {
			rc = -1;
		} else {
			struct buf q = {0};
			buf_printf(&q, "SELECT count(*) FROM (%s)", sql);
			rc = lake_query_int64(l, q.data, par, 1, &ncaptions, e);
			buf_free(&q);
			free(sql);
		}
		if (rc == 0)
			rc = coco_file(l, d, p, split, 0, &res->annotations, e);
		if (rc == 0 && ncaptions)
			rc = coco_file(l, d, p, split, 1, NULL, e);
		if (rc == 0 && !rq->no_images)
			rc = coco_images(l, cfg, rq, d, split, res, e);
		free(split);
	}
	duckdb_destroy_result(&r);
	return rc;
}

/* ---- entry ------------------------------------------------------------------------------ */

/* Images of any table export; boxes and captions come from silver when it has COCO. */
static int silver_coco(struct lake *l, struct pinned *p, struct err *e)
{
	static const char *const tables[] = {"coco_categories", "coco_images", "coco_objects",
					     "coco_captions"};
	p->silver = 1;
	for (size_t i = 0; i < sizeof tables / sizeof tables[0] && p->silver; i++)
		if (lake_table_exists(l, "silver", tables[i], &p->silver, e) < 0)
			return -1;
	return 0;
}

int export_run(const struct config *cfg, const struct export_request *rq,
	       struct export_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	struct dest d;
	if (dest_parse(cfg, rq->out, &d, e) < 0)
		return -1;
	if (d.kind == DEST_STDOUT && rq->format != EXPORT_WEBDATASET) {
		s3_free(d.s3);
		return err_set(e, EXIT_USAGE, "--out - (stdout) is for --format webdataset only");
	}
	char name[128] = "export";
	if (rq->name)
		export_key(rq->name, name, sizeof name);
	else if (rq->table)
		export_key(strchr(rq->table, '.') ? strchr(rq->table, '.') + 1 : rq->table, name, sizeof name);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0) {
		s3_free(d.s3);
		return -1;
	}
	struct pinned p = {0};
	int rc = pin_snapshot(l, rq, &p, e);
	if (rc == 0)
		rc = select_rows(l, rq, &p, e);
	if (rc == 0 && !p.fragments)
		rc = silver_coco(l, &p, e);
	if (rc == 0 && !p.fragments && p.silver)
		rc = section_query(l, "categories", NULL, 0, NULL, e);
	if (rc == 0 && !p.fragments)
		rc = section_query(l, p.silver ? "images" : "images_bare", NULL, 0, NULL, e);
	if (rc == 0 && !p.fragments && !p.silver && rq->format == EXPORT_COCO)
		rc = err_set(e, EXIT_USAGE, "--format coco needs the silver COCO tables (run "
					    "'lakehouse transform silver')");
	if (rc == 0)
		rc = dest_check_empty(&d, rq->force, e);
	res->snapshot = p.id;
	if (rc == 0 && rq->format == EXPORT_WEBDATASET)
		rc = export_webdataset(l, cfg, rq, &p, &d, name, res, e);
	else if (rc == 0)
		rc = export_coco(l, cfg, rq, &p, &d, res, e);
	lake_close(l);
	s3_free(d.s3);
	return rc;
}
