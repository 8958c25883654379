/* export_wds.c - WebDataset tar shards and their manifest; see export.h (the format) and
 * export_parts.h. Samples are read through the media reader on the pool, at most a window of
 * them in flight, and written in the sample query's order (pool_ordered). */
#define _GNU_SOURCE
#include "media/export_parts.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/pool.h"
#include "media/reader.h"

#define DEFAULT_SHARD_SIZE (512LL << 20)
#define TAR_BLOCK 512
#define WINDOW_PER_THREAD 4

struct shard {
	struct archive *a;
	struct dest_file out;
	char name[160];
	struct digest *sha;
	int64_t bytes, samples, estimate;
};

/* One sample between its read and its place in the tar. */
struct slot {
	char *key, *json;
	struct buf data; /* the object, or init segment + fragment */
};

struct wds {
	struct media_workers workers; /* first: the pool's ctx */
	const struct config *cfg;
	const struct export_request *rq;
	struct dest *d;
	const struct pinned *p;
	const char *name;
	struct shard cur;
	int open;
	json_t *shards; /* manifest entries */
	int64_t samples, bytes, index, total;
	struct media_plan plan;  /* item i is row i of rows */
	duckdb_result *rows;     /* the sample query: uri, key source, json */
	struct slot *slots;
	size_t window;
};

/* ---- tar shards ------------------------------------------------------------------------- */

static la_ssize_t shard_write_cb(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct shard *s = ctx;
	if (fwrite(buf, 1, n, s->out.t.f) != n) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	digest_update(s->sha, buf, n);
	s->bytes += (int64_t)n;
	return (la_ssize_t)n;
}

static void shard_name(const struct wds *w, int64_t index, char name[160])
{
	snprintf(name, 160, "%.128s-%06lld.tar", w->name, (long long)index);
}

static int shard_open(struct wds *w, struct err *e)
{
	struct shard *s = &w->cur;
	memset(s, 0, sizeof *s);
	shard_name(w, w->index, s->name);
	char tmp[4400];
	snprintf(tmp, sizeof tmp, "%s/.%s.part", w->d->dir, s->name); /* folders: hidden while written */
	if (dest_create(w->d, s->name, tmp, &s->out, e) < 0)
		return -1;
	s->sha = digest_new(DIGEST_SHA256);
	s->a = archive_write_new();
	w->open = 1;
	if (!s->sha || !s->a || archive_write_set_format_pax_restricted(s->a) != ARCHIVE_OK ||
	    archive_write_open2(s->a, s, NULL, shard_write_cb, NULL, NULL) != ARCHIVE_OK)
		return err_set(e, EXIT_FAILED, "cannot start tar shard %s: %s", s->name,
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
	dest_abandon(&s->out);
	digest_free(s->sha);
	w->open = 0;
}

static int shard_close(struct wds *w, struct err *e)
{
	struct shard *s = &w->cur;
	if (archive_write_close(s->a) != ARCHIVE_OK) {
		err_set(e, EXIT_FAILED, "cannot write %s: %s", s->name, archive_error_string(s->a));
		shard_discard(w);
		return -1;
	}
	archive_write_free(s->a);
	s->a = NULL;
	if (dest_finish(w->d, &s->out, 1, e) < 0) { /* s3://: uploads while the next is written */
		shard_discard(w);
		return -1;
	}
	char hex[65];
	digest_hex(s->sha, hex);
	digest_free(s->sha);
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
		return err_set(e, EXIT_FAILED, "cannot write %s into %s: %s", name, s->name,
			       archive_error_string(s->a) ? archive_error_string(s->a) : "write failed");
	s->estimate += TAR_BLOCK + ((int64_t)len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	return 0;
}

void export_ext(const char *uri, int fragment, char out[8])
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

static int add_sample(struct wds *w, const char *uri, struct slot *it, int fragment,
		      struct err *e)
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
	export_ext(uri, fragment, ext);
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

/* ---- the manifest ----------------------------------------------------------------------- */

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

static int write_manifest(struct wds *w, const char *format, struct err *e)
{
	const struct config *cfg = w->cfg;
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
		return err_set(e, EXIT_FAILED, "out of memory writing the manifest");
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
	char name[160];
	for (int64_t i = w->index;; i++) {
		shard_name(w, i, name);
		if (dest_remove(w->d, name) < 0)
			return;
	}
}

/* ---- the window: read on the pool, written in order ------------------------------------- */

static int sample_prepare(void *ctx, size_t i, struct err *e)
{
	struct wds *w = ctx;
	struct slot *s = &w->slots[i % w->window];
	s->key = export_value_str(w->rows, 1, (idx_t)i);
	s->json = export_value_str(w->rows, 2, (idx_t)i);
	return s->key && s->json ? 0 : err_set(e, EXIT_FAILED, "out of memory");
}

static int sample_read(void *ctx, void *state, void *task, struct err *e)
{
	struct wds *w = ctx;
	size_t i = POOL_INDEX(task);
	if (media_read(state, &w->plan, i, &w->slots[i % w->window].data, e) < 0) {
		e->code = EXIT_FAILED;
		return err_wrap(e, "cannot export %s, which the selection names", w->plan.items[i].uri);
	}
	return 0;
}

static int sample_write(void *ctx, size_t i, struct err *e)
{
	struct wds *w = ctx;
	int rc = add_sample(w, w->plan.items[i].uri, &w->slots[i % w->window], w->plan.fragments, e);
	export_report(w->rq, w->samples, w->total, w->bytes + (w->open ? w->cur.bytes : 0), w->index);
	return rc;
}

static void sample_release(void *ctx, size_t i)
{
	struct wds *w = ctx;
	struct slot *s = &w->slots[i % w->window];
	free(s->key), free(s->json);
	buf_free(&s->data);
	memset(s, 0, sizeof *s);
}

static const struct pool_ordered_ops sample_ops = {
	.pool = {.worker_start = media_workers_start, .worker_stop = media_workers_stop,
		 .run = sample_read},
	.prepare = sample_prepare, .consume = sample_write, .release = sample_release};

/* The plan of the samples: fragments through the reader's join (clip by clip, each init
 * segment read once), images by hand from the sample query's rows. */
static int plan_samples(struct wds *w, int threads, struct err *e)
{
	if (!w->p->fragments) {
		for (idx_t i = 0; i < duckdb_row_count(w->rows); i++) {
			char *uri = export_value_str(w->rows, 0, i);
			long k = uri ? media_plan_add(&w->plan, uri, -1, 0, -1) : -1;
			free(uri);
			if (k < 0)
				return err_set(e, EXIT_FAILED, "out of memory");
		}
		return 0;
	}
	if ((size_t)duckdb_row_count(w->rows) != w->plan.n)
		return err_set(e, EXIT_FAILED, "internal: %zu fragment samples for %zu planned",
			       (size_t)duckdb_row_count(w->rows), w->plan.n);
	if (media_fetch_inits(w->cfg, &w->plan, threads, 0, NULL, NULL, e) < 0) {
		e->code = EXIT_FAILED;
		return -1;
	}
	return 0;
}

const char *export_sample_section(const struct pinned *p)
{
	return p->fragments ? "fragment_samples" : p->silver ? "image_samples" : "image_samples_bare";
}

int export_plan_fragments(struct lake *l, const struct pinned *p, struct media_plan *plan,
			  struct err *e)
{
	if (media_plan_query(l, "SELECT clip_uri, fragment_id FROM export_selection "
			     "GROUP BY clip_uri, fragment_id", MEDIA_ORDER_SEQUENCE, plan, e) < 0)
		return -1;
	duckdb_result u;
	if (export_section_query(l, "fragments_unknown", NULL, 0, &u, e) < 0)
		return -1;
	idx_t bad = duckdb_row_count(&u);
	char *first = bad ? export_value_str(&u, 0, 0) : NULL;
	duckdb_destroy_result(&u);
	if (bad) {
		err_set(e, EXIT_FAILED, "the selection names fragment %s, which is not in the "
					  "fragment index at snapshot %lld", first, (long long)p->id);
		free(first);
		return -1;
	}
	return 0;
}

int export_webdataset(struct lake *l, const struct config *cfg, const struct export_request *rq,
		      struct pinned *p, struct dest *d, const char *name,
		      struct export_result *res, struct err *e)
{
	int threads = export_threads(rq);
	struct wds w = {.workers = {.cfg = cfg}, .cfg = cfg, .rq = rq, .d = d, .p = p, .name = name, .shards = json_array(),
			.window = (size_t)threads * WINDOW_PER_THREAD};
	duckdb_result r;
	int have_rows = 0;
	int rc = p->fragments ? export_plan_fragments(l, p, &w.plan, e) : 0;
	if (rc == 0)
		rc = export_section_query(l, export_sample_section(p), NULL, 0, &r, e);
	if (rc == 0) {
		have_rows = 1;
		w.rows = &r;
		w.total = (int64_t)duckdb_row_count(&r);
		rc = plan_samples(&w, threads, e);
	}
	if (rc == 0 && !(w.slots = calloc(w.window, sizeof *w.slots)))
		rc = err_set(e, EXIT_FAILED, "out of memory");
	if (rc == 0)
		rc = pool_ordered(w.plan.n, threads, w.window, &sample_ops, &w, e);
	if (rc == 0 && !w.open && d->kind == DEST_STDOUT)
		rc = shard_open(&w, e); /* an empty selection still gives a valid (empty) tar */
	if (rc == 0 && w.open)
		rc = shard_close(&w, e);
	if (rc < 0)
		shard_discard(&w);
	struct err ignored = {0};
	if (rc == 0)
		rc = dest_wait(d, e);
	else
		dest_wait(d, &ignored);
	if (rc == 0 && d->kind != DEST_STDOUT) {
		remove_stale_shards(&w);
		rc = write_manifest(&w, "webdataset", e);
	}
	res->samples = w.samples, res->bytes = w.bytes, res->shards = w.index;
	res->fragments = p->fragments;
	free(w.slots);
	media_plan_free(&w.plan);
	json_decref(w.shards);
	if (have_rows)
		duckdb_destroy_result(&r);
	return rc;
}
