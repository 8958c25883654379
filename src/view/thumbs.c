/* thumbs.c - see thumbs.h. */
#include "view/thumbs.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/progress.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/pool.h"
#include "media/reader.h"
#include "media/thumb.h"

#define THUMB_SIDE 320

struct thumbs {
	const struct config *cfg;
	char old_dir[4096], new_dir[4096];
	struct thumb_entry *v;
	size_t n, cap;
	pthread_mutex_t lock;
	struct thumbs_stats st;
	struct progress *progress;
};

struct thumbs *thumbs_new(const struct config *cfg, const char *old_dir, const char *new_dir)
{
	struct thumbs *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cfg = cfg;
	snprintf(t->old_dir, sizeof t->old_dir, "%s", old_dir ? old_dir : "");
	snprintf(t->new_dir, sizeof t->new_dir, "%s", new_dir);
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void thumbs_free(struct thumbs *t)
{
	if (!t)
		return;
	free(t->v);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static long add(struct thumbs *t, const char *name, const struct thumb_entry *proto)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return (long)i;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct thumb_entry *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return -1;
		t->v = v, t->cap = cap;
	}
	t->v[t->n] = *proto;
	snprintf(t->v[t->n].name, sizeof t->v[t->n].name, "%s", name);
	return (long)t->n++;
}

long thumbs_add_image(struct thumbs *t, const char *uri)
{
	struct thumb_entry proto = {0};
	snprintf(proto.uri, sizeof proto.uri, "%s", uri);
	char name[65];
	sha256_hex(uri, strlen(uri), name);
	return add(t, name, &proto);
}

long thumbs_add_fragment(struct thumbs *t, const char *clip_uri, int64_t offset, int64_t length,
			 int64_t init_length, const int64_t positions[3])
{
	struct thumb_entry proto = {.offset = offset, .length = length, .init_length = init_length,
				    .frames = 3};
	snprintf(proto.uri, sizeof proto.uri, "%s", clip_uri);
	memcpy(proto.positions, positions, sizeof proto.positions);
	char src[1200], name[65];
	snprintf(src, sizeof src, "%s#%lld+%lld@%lld,%lld,%lld", clip_uri, (long long)offset,
		 (long long)length, (long long)positions[0], (long long)positions[1],
		 (long long)positions[2]);
	sha256_hex(src, strlen(src), name);
	return add(t, name, &proto);
}

const struct thumb_entry *thumbs_get(const struct thumbs *t, long index)
{
	return index >= 0 && (size_t)index < t->n ? &t->v[index] : NULL;
}

/* ---- the cache -------------------------------------------------------------------------- */

static void file_name(const struct thumb_entry *en, int k, char *out, size_t n)
{
	if (en->frames)
		snprintf(out, n, "%s-%d.jpg", en->name, k);
	else
		snprintf(out, n, "%s.jpg", en->name);
}

static int link_or_copy(const char *from, const char *to)
{
	if (link(from, to) == 0)
		return 0;
	struct buf b = {0};
	struct err ignored = {0};
	int rc = fs_read_file(from, &b, NULL, &ignored);
	FILE *f = rc == 0 ? fopen(to, "wb") : NULL;
	rc = f && fwrite(b.data, 1, b.len, f) == b.len ? 0 : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	buf_free(&b);
	return rc;
}

/* READY from the previous site's folder when its marker and every picture are there. */
static int from_cache(struct thumbs *t, struct thumb_entry *en)
{
	if (!t->old_dir[0])
		return 0;
	char from[4400], to[4400], file[100];
	snprintf(from, sizeof from, "%s/%s.txt", t->old_dir, en->name);
	FILE *f = fopen(from, "r");
	int w = 0, h = 0;
	int ok = f && fscanf(f, "%d %d", &w, &h) == 2 && w > 0 && h > 0;
	if (f)
		fclose(f);
	for (int k = 0; ok && k < (en->frames ? en->frames : 1); k++) {
		file_name(en, k, file, sizeof file);
		snprintf(from, sizeof from, "%s/%s", t->old_dir, file);
		snprintf(to, sizeof to, "%s/%s", t->new_dir, file);
		ok = link_or_copy(from, to) == 0;
	}
	snprintf(from, sizeof from, "%s/%s.txt", t->old_dir, en->name);
	snprintf(to, sizeof to, "%s/%s.txt", t->new_dir, en->name);
	if (!ok || link_or_copy(from, to) != 0)
		return 0;
	en->width = w, en->height = h, en->state = THUMB_READY;
	return 1;
}

/* ---- making --------------------------------------------------------------------------- */

static int save(struct thumbs *t, struct thumb_entry *en, struct thumb *pics, int n, struct err *e)
{
	char file[100];
	for (int k = 0; k < n; k++) {
		file_name(en, k, file, sizeof file);
		if (fs_write_file(t->new_dir, file, pics[k].jpeg.data, pics[k].jpeg.len, e) < 0)
			return -1;
	}
	struct buf dim = {0};
	snprintf(file, sizeof file, "%s.txt", en->name);
	int rc = buf_printf(&dim, "%d %d\n", pics[0].width, pics[0].height) < 0
			 ? err_set(e, EXIT_FAILED, "out of memory")
			 : fs_write_file(t->new_dir, file, dim.data, dim.len, e);
	buf_free(&dim);
	if (rc == 0) {
		en->width = pics[0].width, en->height = pics[0].height;
		en->state = THUMB_READY;
	}
	return rc;
}

/* The pending entries as a reader plan: entry todo[k] is item k. */
struct run_ctx {
	struct media_workers workers; /* first: the pool's ctx */
	struct thumbs *t;
	const size_t *todo;
	struct media_plan plan;
};

/* Reads and makes entry todo[k]. A failure that is not the store's fault (missing object,
 * short range, undecodable bytes) marks the entry GONE with why; a store failure is -1. */
static int make_one(struct run_ctx *r, struct media_reader *rd, size_t k, struct err *e)
{
	struct thumbs *t = r->t;
	struct thumb_entry *en = &t->v[r->todo[k]];
	const struct media_item *it = &r->plan.items[k];
	const struct media_clip *c = it->clip >= 0 ? &r->plan.clips[it->clip] : NULL;
	struct buf bytes = {0};
	struct thumb pics[3] = {0};
	int n = en->frames ? en->frames : 1;
	int rc = 0;
	if (c && c->why[0]) {
		snprintf(en->why, sizeof en->why, "%s", c->why);
		rc = 1;
	} else {
		struct err ge = {0};
		int64_t before = media_reader_received(rd);
		rc = media_read(rd, &r->plan, k, &bytes, &ge);
		int64_t got = media_reader_received(rd) - before;
		pthread_mutex_lock(&t->lock);
		t->st.gets++;
		t->st.bytes += got;
		pthread_mutex_unlock(&t->lock);
		progress_add(t->progress, 0, got);
		if (rc < 0 && ge.code == EXIT_REMOTE) {
			*e = ge;
			return -1;
		}
		if (rc < 0) {
			snprintf(en->why, sizeof en->why, "%.480s", ge.msg);
			rc = 1;
		}
	}
	struct err de = {0};
	if (rc == 0) {
		size_t init = c ? c->init.len : 0; /* bytes: init segment + fragment */
		rc = c ? thumb_fragment_frames(bytes.data, init, bytes.data + init, bytes.len - init,
					       en->positions, 3, THUMB_SIDE, pics, &de)
		       : thumb_image(bytes.data, bytes.len, THUMB_SIDE, pics, &de);
		if (rc < 0) {
			snprintf(en->why, sizeof en->why, "%.480s", de.msg);
			rc = 1;
		}
	}
	if (rc == 0)
		rc = save(t, en, pics, n, e);
	if (rc == 1) {
		en->state = THUMB_GONE;
		rc = 0;
	}
	if (rc == 0 && en->state == THUMB_READY) {
		pthread_mutex_lock(&t->lock);
		t->st.made++;
		pthread_mutex_unlock(&t->lock);
	}
	for (int i = 0; i < 3; i++)
		thumb_free(&pics[i]);
	buf_free(&bytes);
	return rc;
}

static int run(void *ctx, void *state, void *task, struct err *e)
{
	struct run_ctx *r = ctx;
	int rc = make_one(r, state, POOL_INDEX(task), e);
	progress_add(r->t->progress, 1, 0);
	return rc;
}

/* The plan of the pending entries; each clip's init segment is read once (media_fetch_inits). */
static int plan_pending(struct run_ctx *r, size_t ntodo, int threads, struct err *e)
{
	struct thumbs *t = r->t;
	for (size_t k = 0; k < ntodo; k++) {
		const struct thumb_entry *en = &t->v[r->todo[k]];
		long clip = en->frames ? media_plan_clip(&r->plan, en->uri, en->init_length) : -1;
		if ((en->frames && clip < 0) ||
		    media_plan_add(&r->plan, en->uri, clip, en->frames ? en->offset : 0,
				   en->frames ? en->length : -1) < 0)
			return err_set(e, EXIT_FAILED, "out of memory");
	}
	int64_t received = 0;
	int rc = media_fetch_inits(t->cfg, &r->plan, threads, 1, t->progress, &received, e);
	t->st.gets += (int64_t)r->plan.nclips;
	t->st.bytes += received;
	return rc;
}

int thumbs_make(struct thumbs *t, int threads, struct progress *progress, struct thumbs_stats *st,
		struct err *e)
{
	t->progress = progress;
	memset(&t->st, 0, sizeof t->st);
	if (fs_mkdir_p(t->new_dir, 0755, e) < 0)
		return -1;
	size_t *todo = calloc(t->n ? t->n : 1, sizeof *todo), ntodo = 0;
	if (!todo)
		return err_set(e, EXIT_FAILED, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		if (from_cache(t, &t->v[i]))
			t->st.cached++;
		else
			todo[ntodo++] = i;
	}
	progress_add_total(progress, (int64_t)ntodo, 0);
	if (t->st.cached)
		progress_count(progress, "cached", t->st.cached);
	struct run_ctx r = {.workers = {.cfg = t->cfg}, .t = t, .todo = todo};
	int rc = ntodo ? plan_pending(&r, ntodo, threads, e) : 0;
	struct pool_ops ops = {.worker_start = media_workers_start,
			       .worker_stop = media_workers_stop, .run = run};
	if (rc == 0 && ntodo)
		rc = pool_for(ntodo, threads, &ops, &r, e);
	media_plan_free(&r.plan);
	free(todo);
	for (size_t i = 0; i < t->n; i++)
		t->st.gone += t->v[i].state == THUMB_GONE;
	*st = t->st;
	return rc;
}
