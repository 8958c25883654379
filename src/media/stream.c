/* stream.c - see stream.h: the selection (export's), its permutation, this rank's share, and
 * the tar written in order while the pool reads and decodes ahead (pool_ordered). */
#define _GNU_SOURCE
#include "media/stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/pool.h"
#include "lake/lake.h"
#include "media/export_parts.h"
#include "media/reader.h"

#define WINDOW_PER_THREAD 4

/* ---- order ------------------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, bound): Lemire's multiply-shift with rejection (no modulo bias). */
static uint64_t below(uint64_t *x, uint64_t bound)
{
	unsigned __int128 m = (unsigned __int128)splitmix64(x) * bound;
	uint64_t low = (uint64_t)m;
	if (low < bound) {
		uint64_t t = -bound % bound;
		while (low < t) {
			m = (unsigned __int128)splitmix64(x) * bound;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

void stream_permute(uint64_t seed, uint64_t epoch, size_t n, size_t *perm)
{
	uint64_t x = seed;
	x = splitmix64(&x) ^ epoch; /* the state for (seed, epoch) */
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)below(&x, i), t = perm[i - 1];
		perm[i - 1] = perm[j], perm[j] = t;
	}
}

size_t stream_rank_count(size_t n, uint64_t rank, uint64_t world)
{
	return n > rank ? (size_t)((n - rank + world - 1) / world) : 0;
}

/* ---- the stream ------------------------------------------------------------------------- */

struct slot {
	char *key, *json;
	struct buf data;     /* the object, or init segment + fragment; with decode the .npy */
	int failed;
	struct err err;
};

struct stream {
	struct media_workers workers; /* first: the pool's ctx */
	const struct stream_request *rq;
	struct stream_result *res;
	struct pinned p;
	struct media_plan plan; /* item i is row i of rows */
	duckdb_result *rows;    /* uri, key source, json */
	size_t *take;           /* this rank's rows, in stream order */
	struct slot *slots;
	size_t window;
	struct archive *a;
	struct buf out;         /* the tar bytes of the sample being written */
	int abandon;            /* after a failure: nothing more reaches fd (no trailer) */
};

static la_ssize_t tar_write_cb(struct archive *a, void *ctx, const void *data, size_t n)
{
	struct stream *s = ctx;
	if (!s->abandon && buf_append(&s->out, data, n) < 0) {
		archive_set_error(a, ENOMEM, "out of memory");
		return -1;
	}
	return (la_ssize_t)n;
}

/* Writes what the tar holds so far to fd; 1 when the reader has gone (EPIPE). */
static int flush_out(struct stream *s, struct err *e)
{
	size_t off = 0;
	while (off < s->out.len) {
		ssize_t w = write(s->rq->fd, s->out.data + off, s->out.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			buf_reset(&s->out);
			if (errno == EPIPE)
				return 1;
			return err_set(e, EXIT_FAILED, "cannot write the stream: %s", strerror(errno));
		}
		off += (size_t)w;
	}
	buf_reset(&s->out);
	return 0;
}

static int tar_member(struct stream *s, const char *name, const void *data, size_t len,
		      struct err *e)
{
	struct archive_entry *en = archive_entry_new();
	archive_entry_set_pathname(en, name);
	archive_entry_set_size(en, (la_int64_t)len);
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0644);
	archive_entry_set_mtime(en, s->p.epoch, 0);
	archive_entry_set_uid(en, 0), archive_entry_set_gid(en, 0);
	archive_entry_set_uname(en, ""), archive_entry_set_gname(en, "");
	int rc = archive_write_header(s->a, en);
	archive_entry_free(en);
	if (rc == ARCHIVE_OK && len && archive_write_data(s->a, data, len) != (la_ssize_t)len)
		rc = ARCHIVE_FATAL;
	if (rc == ARCHIVE_OK) /* the padding now, so that a flushed sample is complete */
		rc = archive_write_finish_entry(s->a);
	if (rc != ARCHIVE_OK)
		return err_set(e, EXIT_FAILED, "cannot write %s into the stream: %s", name,
			       archive_error_string(s->a) ? archive_error_string(s->a) : "write failed");
	return 0;
}

/* ---- decoded samples: the JSON's boxes mapped to the array ------------------------------ */

static void map_box(json_t *box, const struct decode_geom *g, const struct decode_spec *sp,
		    int *keep)
{
	json_t *b = json_object_get(box, "bbox");
	*keep = 1;
	if (!json_is_array(b) || json_array_size(b) != 4)
		return;
	double x = json_number_value(json_array_get(b, 0)), y = json_number_value(json_array_get(b, 1));
	double w = json_number_value(json_array_get(b, 2)), h = json_number_value(json_array_get(b, 3));
	double x0 = x * g->sx + g->ox, y0 = y * g->sy + g->oy;
	double x1 = (x + w) * g->sx + g->ox, y1 = (y + h) * g->sy + g->oy;
	x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > sp->width ? sp->width : x1, y1 = y1 > sp->height ? sp->height : y1;
	if (x1 <= x0 || y1 <= y0) { /* cropped away */
		*keep = 0;
		return;
	}
	json_object_set_new(box, "bbox", json_pack("[f, f, f, f]", x0, y0, x1 - x0, y1 - y0));
}

/* Rewrites the sample's JSON for its array: boxes scaled (and clipped, or dropped when cut
 * off), video boxes renumbered to the frames kept, and a "decode" entry with the geometry. */
static int map_json(struct slot *sl, const struct decode_spec *sp, const struct decode_geom *g,
		    const int64_t *kept, int64_t t, int video, struct err *e)
{
	json_error_t je;
	json_t *j = json_loads(sl->json, 0, &je);
	if (!j)
		return err_set(e, EXIT_FAILED, "internal: sample JSON: %s", je.text);
	json_t *boxes = json_object_get(j, "boxes"), *kept_boxes = json_array();
	for (size_t i = 0; json_is_array(boxes) && i < json_array_size(boxes); i++) {
		json_t *box = json_array_get(boxes, i);
		int keep = 1;
		if (video) {
			json_int_t f = json_integer_value(json_object_get(box, "frame"));
			int64_t at = -1;
			for (int64_t k = 0; k < t && at < 0; k++)
				if (kept[k] == f)
					at = k;
			keep = at >= 0;
			if (keep)
				json_object_set_new(box, "frame", json_integer(at));
		}
		if (keep)
			map_box(box, g, sp, &keep);
		if (keep)
			json_array_append(kept_boxes, box);
	}
	if (json_is_array(boxes))
		json_object_set_new(j, "boxes", kept_boxes);
	else
		json_decref(kept_boxes);
	static const char *const fits[] = {"stretch", "pad", "crop"};
	json_t *d = json_pack("{s:i, s:i, s:s, s:[i, i], s:[f, f], s:[f, f]}", "width", sp->width,
			      "height", sp->height, "fit", fits[sp->fit], "source", g->src_w, g->src_h,
			      "scale", g->sx, g->sy, "offset", g->ox, g->oy);
	if (video && d) {
		json_t *fl = json_array();
		for (int64_t k = 0; k < t; k++)
			json_array_append_new(fl, json_integer(kept[k]));
		json_object_set_new(d, "frames", fl);
	}
	json_object_set_new(j, "decode", d);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(j);
	if (!text)
		return err_set(e, EXIT_FAILED, "out of memory");
	free(sl->json);
	sl->json = text;
	return 0;
}

/* ---- the window ------------------------------------------------------------------------- */

static int sample_prepare(void *ctx, size_t i, struct err *e)
{
	struct stream *s = ctx;
	struct slot *sl = &s->slots[i % s->window];
	sl->key = export_value_str(s->rows, 1, (idx_t)s->take[i]);
	sl->json = export_value_str(s->rows, 2, (idx_t)s->take[i]);
	return sl->key && sl->json ? 0 : err_set(e, EXIT_FAILED, "out of memory");
}

/* An image named by its content (a SHA-256 in the URI) must hash to it. */
static int check_content(const char *uri, const struct buf *b, struct err *e)
{
	const char *base = strrchr(uri, '/') ? strrchr(uri, '/') + 1 : uri;
	size_t n = strspn(base, "0123456789abcdef");
	if (n != 64)
		return 0;
	char hex[65];
	sha256_hex(b->data, b->len, hex);
	if (strncmp(hex, base, 64) != 0)
		return err_set(e, EXIT_FAILED, "corrupt object: its SHA-256 is %.16s..., not the "
						 "%.16s... its name says", hex, base);
	return 0;
}

static int sample_decode(struct stream *s, size_t row, struct slot *sl, struct err *e)
{
	const struct stream_request *rq = s->rq;
	struct buf npy = {0};
	struct decode_geom g;
	int rc;
	if (!s->p.fragments) {
		rc = decode_jpeg(sl->data.data, sl->data.len, &rq->spec, &npy, &g, e);
		if (rc == 0)
			rc = map_json(sl, &rq->spec, &g, NULL, 0, 0, e);
	} else {
		const struct media_item *it = &s->plan.items[row];
		int64_t expected = it->end_frame - it->start_frame + 1, t = 0;
		int64_t *kept = calloc((size_t)(expected > 0 ? expected : 1), sizeof *kept);
		rc = kept ? decode_video(sl->data.data, sl->data.len, &rq->spec, expected, &npy, &g,
					 kept, &t, e)
			  : err_set(e, EXIT_FAILED, "out of memory");
		if (rc == 0 && t == 0)
			rc = err_set(e, EXIT_FAILED, "no frame decoded");
		if (rc == 0)
			rc = map_json(sl, &rq->spec, &g, kept, t, 1, e);
		free(kept);
	}
	buf_free(&sl->data);
	sl->data = npy;
	return rc;
}

static int sample_run(void *ctx, void *state, void *task, struct err *e)
{
	struct stream *s = ctx;
	size_t i = POOL_INDEX(task), row = s->take[i];
	struct slot *sl = &s->slots[i % s->window];
	const char *uri = s->plan.items[row].uri;
	int rc = media_read(state, &s->plan, row, &sl->data, &sl->err);
	if (rc == 0 && !s->p.fragments && !s->rq->decode)
		rc = check_content(uri, &sl->data, &sl->err);
	if (rc == 0 && s->rq->decode)
		rc = sample_decode(s, row, sl, &sl->err);
	if (rc < 0) {
		sl->failed = 1;
		if (sl->err.code != EXIT_REMOTE)
			sl->err.code = EXIT_FAILED;
		err_wrap(&sl->err, "cannot stream %s", uri);
	}
	(void)e;
	return 0; /* the writer decides: stop there or skip it (skip_bad) */
}

static int sample_write(void *ctx, size_t i, struct err *e)
{
	struct stream *s = ctx;
	struct slot *sl = &s->slots[i % s->window];
	if (sl->failed) {
		if (!s->rq->skip_bad || sl->err.code == EXIT_REMOTE) {
			*e = sl->err;
			return -1;
		}
		if (!s->res->skipped++)
			snprintf(s->res->first_bad, sizeof s->res->first_bad, "%.500s", sl->err.msg);
		return 0;
	}
	char key[300], name[320], ext[8];
	export_key(sl->key, key, sizeof key);
	if (s->rq->decode)
		strcpy(ext, "npy");
	else
		export_ext(s->plan.items[s->take[i]].uri, s->p.fragments, ext);
	snprintf(name, sizeof name, "%s.%s", key, ext);
	if (tar_member(s, name, sl->data.data, sl->data.len, e) < 0)
		return -1;
	snprintf(name, sizeof name, "%s.json", key);
	if (tar_member(s, name, sl->json, strlen(sl->json), e) < 0)
		return -1;
	int gone = flush_out(s, e);
	if (gone < 0)
		return -1;
	if (gone) {
		s->res->closed = 1;
		/* stops pool_ordered; stream_run clears it: a reader that has enough is no failure */
		return err_set(e, EXIT_FAILED, "the reader closed the stream");
	}
	s->res->samples++;
	return 0;
}

static void sample_release(void *ctx, size_t i)
{
	struct stream *s = ctx;
	struct slot *sl = &s->slots[i % s->window];
	free(sl->key), free(sl->json);
	buf_free(&sl->data);
	memset(sl, 0, sizeof *sl);
}

static const struct pool_ordered_ops sample_ops = {
	.pool = {.worker_start = media_workers_start, .worker_stop = media_workers_stop,
		 .run = sample_run},
	.prepare = sample_prepare, .consume = sample_write, .release = sample_release};

/* ---- the selection in canonical order --------------------------------------------------- */

struct canon {
	char *key, *uri;
	size_t row;
};

static int canon_cmp(const void *a, const void *b)
{
	const struct canon *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c == 0)
		c = strcmp(x->uri, y->uri);
	return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* s->take: this rank's rows after skip, in stream order. */
static int pick_rows(struct stream *s, size_t *count, struct err *e)
{
	const struct stream_request *rq = s->rq;
	size_t n = (size_t)duckdb_row_count(s->rows);
	struct canon *c = calloc(n + 1, sizeof *c);
	size_t *perm = calloc(n + 1, sizeof *perm);
	int rc = c && perm ? 0 : err_set(e, EXIT_FAILED, "out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *src = export_value_str(s->rows, 1, (idx_t)i);
		c[i].key = malloc(300);
		c[i].uri = export_value_str(s->rows, 0, (idx_t)i);
		c[i].row = i;
		if (!src || !c[i].key || !c[i].uri)
			rc = err_set(e, EXIT_FAILED, "out of memory");
		else
			export_key(src, c[i].key, 300);
		free(src);
	}
	if (rc == 0) {
		qsort(c, n, sizeof *c, canon_cmp);
		stream_permute(rq->seed, rq->epoch, n, perm);
		size_t mine = stream_rank_count(n, (uint64_t)rq->rank, (uint64_t)rq->world);
		size_t skip = (size_t)rq->skip < mine ? (size_t)rq->skip : mine;
		*count = mine - skip;
		if (!(s->take = calloc(*count + 1, sizeof *s->take)))
			rc = err_set(e, EXIT_FAILED, "out of memory");
		for (size_t k = 0; rc == 0 && k < *count; k++)
			s->take[k] = c[perm[(size_t)rq->rank + (skip + k) * (size_t)rq->world]].row;
	}
	for (size_t i = 0; c && i < n; i++)
		free(c[i].key), free(c[i].uri);
	free(c), free(perm);
	s->res->total = (int64_t)n;
	return rc;
}

static int plan_images(struct stream *s, struct err *e)
{
	for (idx_t i = 0; i < duckdb_row_count(s->rows); i++) {
		char *uri = export_value_str(s->rows, 0, i);
		long k = uri ? media_plan_add(&s->plan, uri, -1, 0, -1) : -1;
		free(uri);
		if (k < 0)
			return err_set(e, EXIT_FAILED, "out of memory");
	}
	return 0;
}

int stream_run(const struct config *cfg, const struct stream_request *rq,
	       struct stream_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	int threads = rq->threads < 1 ? 1 : rq->threads > 32 ? 32 : rq->threads;
	struct stream s = {.workers = {.cfg = cfg}, .rq = rq, .res = res,
			   .window = (size_t)threads * WINDOW_PER_THREAD};
	struct export_request xr = {.sql = rq->sql, .table = rq->table, .at = rq->at,
				    .format = EXPORT_WEBDATASET, .threads = threads};
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_READ, e) < 0)
		return -1;
	duckdb_result r;
	int have_rows = 0;
	size_t count = 0;
	int rc = export_select(l, &xr, &s.p, e);
	res->snapshot = s.p.id;
	if (rc == 0 && s.p.fragments)
		rc = export_plan_fragments(l, &s.p, &s.plan, e);
	if (rc == 0 && (rc = export_section_query(l, export_sample_section(&s.p), NULL, 0, &r, e)) == 0) {
		have_rows = 1;
		s.rows = &r;
	}
	if (rc == 0 && !s.p.fragments)
		rc = plan_images(&s, e);
	if (rc == 0 && (size_t)duckdb_row_count(&r) != s.plan.n)
		rc = err_set(e, EXIT_FAILED, "internal: %zu samples for %zu planned",
			     (size_t)duckdb_row_count(&r), s.plan.n);
	if (rc == 0)
		rc = pick_rows(&s, &count, e);
	/* only the clips this rank reads (after skip) need their init segments; tolerant: a clip
	 * whose init segment cannot be read fails its own samples, in order */
	if (rc == 0 && s.p.fragments && count) {
		for (size_t c = 0; c < s.plan.nclips; c++)
			s.plan.clips[c].unneeded = 1;
		for (size_t k = 0; k < count; k++)
			s.plan.clips[s.plan.items[s.take[k]].clip].unneeded = 0;
		rc = media_fetch_inits(cfg, &s.plan, threads, 1, NULL, NULL, e);
	}
	if (rc == 0 && !(s.slots = calloc(s.window, sizeof *s.slots)))
		rc = err_set(e, EXIT_FAILED, "out of memory");
	if (rc == 0) {
		s.a = archive_write_new();
		if (!s.a || archive_write_set_format_pax_restricted(s.a) != ARCHIVE_OK ||
		    archive_write_set_bytes_per_block(s.a, 0) != ARCHIVE_OK ||
		    archive_write_open2(s.a, &s, NULL, tar_write_cb, NULL, NULL) != ARCHIVE_OK)
			rc = err_set(e, EXIT_FAILED, "cannot start the tar stream");
	}
	if (rc == 0)
		rc = pool_ordered(count, threads, s.window, &sample_ops, &s, e);
	if (rc < 0 && res->closed)
		rc = 0, memset(e, 0, sizeof *e);
	else if (rc == 0 && archive_write_close(s.a) != ARCHIVE_OK)
		rc = err_set(e, EXIT_FAILED, "cannot finish the tar stream: %s",
			     archive_error_string(s.a));
	int gone = rc == 0 && !res->closed ? flush_out(&s, e) : 0;
	if (gone < 0)
		rc = -1;
	else if (gone)
		res->closed = 1;
	s.abandon = 1; /* after a failure: no trailer, the stream ends after the last sample */
	if (s.a)
		archive_write_free(s.a);
	buf_free(&s.out);
	free(s.slots);
	free(s.take);
	media_plan_free(&s.plan);
	if (have_rows)
		duckdb_destroy_result(&r);
	lake_close(l);
	return rc;
}
