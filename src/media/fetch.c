/* fetch.c - see fetch.h. */
#define _GNU_SOURCE
#include "media/fetch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/progress.h"
#include "core/buf.h"
#include "core/pool.h"
#include "core/sqlfile.h"
#include "lake/lake.h"
#include "store/s3.h"
#include "media/video.h"

struct item {
	char uri[1024], name[1100];
	int64_t offset, length; /* length < 0: the whole object */
	int64_t start_frame;
	int clip;               /* index into clips, or -1 for a whole object */
};

struct clip {
	char uri[1024];
	int64_t init_len;
	struct buf init;
};

struct job {
	const struct config *cfg;
	const struct fetch_request *rq;
	struct item *items;
	struct clip *clips;
	pthread_mutex_t lock; /* guards received and frames */
	int64_t received, frames;
};

static const char *key_of(const struct config *cfg, const char *uri, struct err *e)
{
	const char *key = s3_key_of_uri(cfg->bucket, uri);
	if (!key)
		err_set(e, EXIT_USAGE, "%s is not an object of bucket %s", uri, cfg->bucket);
	return key;
}

static int write_file(const char *path, const void *a, size_t alen, const void *b, size_t blen,
		      struct err *e)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(a, 1, alen, f) != alen || (blen && fwrite(b, 1, blen, f) != blen) ||
	    fclose(f) != 0)
		return err_set(e, 0, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

/* ---- workers --------------------------------------------------------------------------- */

/* What one worker keeps across its items: its S3 connection and its frame image encoder. */
struct worker {
	struct s3 *s3;
	struct video_image_encoder *img; /* with --frames */
};

static int worker_start(void *ctx, void **state, struct err *e)
{
	const struct job *j = ctx;
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(e, 0, "out of memory");
	enum video_image_format fmt =
		j->rq->frames && strcmp(j->rq->frames, "png") == 0 ? VIDEO_IMAGE_PNG : VIDEO_IMAGE_JPEG;
	if (!(w->s3 = s3_new(j->cfg, e)) ||
	    (j->rq->frames && !(w->img = video_image_encoder_new(fmt, 0, e)))) {
		s3_free(w->s3);
		free(w);
		return -1;
	}
	*state = w;
	return 0;
}

static void worker_stop(void *ctx, void *state)
{
	struct job *j = ctx;
	struct worker *w = state;
	pthread_mutex_lock(&j->lock);
	j->received += s3_bytes_received(w->s3);
	pthread_mutex_unlock(&j->lock);
	s3_free(w->s3);
	video_image_encoder_free(w->img);
	free(w);
}

/* Frames to DIR/<sequence>_<frame>.<ext>, numbered from 1 as VisDrone names its frames. */
struct frame_files {
	struct video_image_encoder *img;
	const char *dir, *name;
	int64_t next_frame;
};

static int save_frame(void *ctx, const struct AVFrame *fr, struct err *e)
{
	struct frame_files *o = ctx;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s_%07lld.%s", o->dir, o->name, (long long)o->next_frame + 1,
		 video_image_extension(o->img));
	o->next_frame++;
	return video_image_write(o->img, fr, path, e);
}

static int fetch_item(void *ctx, void *state, void *task, struct err *e)
{
	struct job *j = ctx;
	struct worker *w = state;
	struct item *it = &j->items[POOL_INDEX(task)];
	const char *key = key_of(j->cfg, it->uri, e);
	if (!key)
		return -1;
	struct buf b = {0};
	int rc = s3_get_range(w->s3, key, it->length < 0 ? 0 : it->offset, it->length, &b, e);
	if (rc < 0) {
		buf_free(&b);
		return -1;
	}
	char path[4096];
	if (it->clip < 0) {
		snprintf(path, sizeof path, "%s/%s", j->rq->out_dir, it->name);
		rc = write_file(path, b.data, b.len, NULL, 0, e);
	} else {
		const struct clip *c = &j->clips[it->clip];
		snprintf(path, sizeof path, "%s/%s.mp4", j->rq->out_dir, it->name);
		rc = write_file(path, c->init.data, c->init.len, b.data, b.len, e);
		if (rc == 0 && w->img) {
			char seq[1100];
			snprintf(seq, sizeof seq, "%.*s", (int)strcspn(it->name, "#"), it->name);
			struct frame_files o = {.img = w->img, .dir = j->rq->out_dir, .name = seq,
						.next_frame = it->start_frame};
			int64_t frames = 0;
			rc = video_decode(c->init.data, c->init.len, b.data, b.len, save_frame, &o,
					  &frames, e);
			if (rc < 0)
				err_wrap(e, "decoding %s", path);
			pthread_mutex_lock(&j->lock);
			j->frames += frames;
			pthread_mutex_unlock(&j->lock);
			progress_count(j->rq->progress, "frames", frames);
		}
	}
	if (rc == 0)
		progress_add(j->rq->progress, 1, (int64_t)b.len);
	buf_free(&b);
	return rc;
}

static const struct pool_ops fetch_ops = {
	.worker_start = worker_start, .worker_stop = worker_stop, .run = fetch_item};

/* ---- planning -------------------------------------------------------------------------- */

extern const char sql_fetch[]; /* generated from sql/fetch.sql */

/* The column names of the user's query, learnt by preparing it (it is run once, joined). */
struct query_columns {
	char **names;
	size_t n;
};

static int add_column_name(const char *name, void *ctx)
{
	struct query_columns *q = ctx;
	char **v = realloc(q->names, (q->n + 1) * sizeof *v);
	if (!v)
		return 1; /* out of memory */
	q->names = v;
	return (q->names[q->n] = strdup(name)) ? (q->n++, 0) : 1;
}

static int lacks_column(const char *word, void *ctx)
{
	const struct query_columns *q = ctx;
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->names[i], word) == 0)
			return 0;
	return 1;
}

/* The first section of sql/fetch.sql whose required columns the query returns, or NULL. */
static const struct sql_section *pick_section(const struct sql_section *secs, int n,
					      const struct query_columns *cols)
{
	for (int i = 0; i < n; i++)
		if (sqlfile_each_required(&secs[i], lacks_column, (void *)cols) == 0)
			return &secs[i];
	return NULL;
}

/* Prepares the user's query to learn its columns, then runs the matching section of
 * sql/fetch.sql (for fragments: the join with the fragment index) with it, once. */
static int plan(struct lake *l, const char *sql, struct item **items,
		size_t *n, struct clip **clips, size_t *nclips, struct fetch_result *res,
		struct err *e)
{
	char *trimmed = strdup(sql);
	if (!trimmed)
		return err_set(e, 0, "out of memory");
	size_t len = strlen(trimmed);
	while (len && (trimmed[len - 1] == ';' || trimmed[len - 1] == ' ' || trimmed[len - 1] == '\n'))
		trimmed[--len] = '\0';
	struct query_columns cols = {0};
	int rc = lake_result_columns(l, trimmed, add_column_name, &cols, e);
	if (rc > 0)
		rc = err_set(e, 0, "out of memory");
	else if (rc < 0)
		err_wrap(e, "the --sql query");
	struct sql_section secs[4];
	int nsecs = sqlfile_sections(sql_fetch, "-- @section ", secs, 4);
	const struct sql_section *sec = rc == 0 ? pick_section(secs, nsecs, &cols) : NULL;
	for (size_t i = 0; i < cols.n; i++)
		free(cols.names[i]);
	free(cols.names);
	if (rc == 0 && !sec)
		rc = err_set(e, EXIT_USAGE, "the --sql query must return clip_uri and fragment_id "
					    "(video fragments) or image_uri (images)");
	struct buf q = {0};
	if (rc == 0 && sqlfile_expand(sec, "{{query}}", trimmed, &q) < 0)
		rc = err_set(e, 0, "out of memory");
	free(trimmed);
	if (rc < 0) {
		buf_free(&q);
		return -1;
	}
	int fragments = strcmp(sec->name, "fragments") == 0;
	duckdb_result r;
	rc = lake_query(l, q.data, NULL, 0, &r, e);
	buf_free(&q);
	if (rc < 0)
		return -1;
	idx_t rows = duckdb_row_count(&r);
	*items = calloc(rows ? rows : 1, sizeof **items);
	*clips = calloc(rows ? rows : 1, sizeof **clips);
	*n = 0, *nclips = 0;
	for (idx_t i = 0; i < rows; i++) {
		struct item *it = &(*items)[(*n)++];
		char *uri = duckdb_value_varchar(&r, 0, i);
		snprintf(it->uri, sizeof it->uri, "%s", uri ? uri : "");
		duckdb_free(uri);
		if (!fragments) {
			const char *slash = strrchr(it->uri, '/');
			snprintf(it->name, sizeof it->name, "%s", slash ? slash + 1 : it->uri);
			it->length = -1, it->clip = -1;
			continue;
		}
		if (!*nclips || strcmp((*clips)[*nclips - 1].uri, it->uri) != 0) {
			struct clip *c = &(*clips)[(*nclips)++];
			snprintf(c->uri, sizeof c->uri, "%s", it->uri);
			c->init_len = duckdb_value_int64(&r, 5, i);
			res->bytes_whole += duckdb_value_int64(&r, 7, i);
			res->bytes_planned += c->init_len;
		}
		it->clip = (int)*nclips - 1;
		it->offset = duckdb_value_int64(&r, 2, i);
		it->length = duckdb_value_int64(&r, 3, i);
		it->start_frame = duckdb_value_int64(&r, 4, i);
		res->bytes_planned += it->length;
		char *seq = duckdb_value_varchar(&r, 6, i);
		snprintf(it->name, sizeof it->name, "%s#%lld", seq ? seq : "clip",
			 (long long)duckdb_value_int64(&r, 1, i));
		duckdb_free(seq);
	}
	duckdb_destroy_result(&r);
	res->items = (int64_t)*n;
	res->clips = (int64_t)*nclips;
	return 0;
}

/* A dry run over images: each object's size from a HEAD, so the plan shows bytes too. */
static int image_sizes(const struct config *cfg, const struct item *items, size_t n,
		       struct fetch_result *res, struct err *e)
{
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *key = key_of(cfg, items[i].uri, e);
		struct s3_object o;
		rc = key ? s3_head(s, key, &o, NULL, e) : -1;
		if (rc == 0)
			res->bytes_planned += o.size;
	}
	s3_free(s);
	return rc;
}

int fetch_run(const struct config *cfg, const struct fetch_request *rq, struct fetch_result *res,
	      struct err *e)
{
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	int64_t snapshot = 0;
	int rc = 0;
	if (rq->at.version || rq->at.time)
		rc = lake_pin(l, &rq->at, &snapshot, e) < 0 ? -1 : lake_attach_at(l, snapshot, e);
	rc = rc ? rc : fetch_run_on(l, cfg, rq, res, e);
	lake_close(l);
	return rc;
}

int fetch_run_on(struct lake *l, const struct config *cfg, const struct fetch_request *rq,
		 struct fetch_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	struct item *items = NULL;
	struct clip *clips = NULL;
	size_t n = 0, nclips = 0;
	int rc = plan(l, rq->sql, &items, &n, &clips, &nclips, res, e);
	if (rc == 0 && n && !nclips && rq->frames) /* refused, not ignored */
		rc = err_set(e, EXIT_USAGE, "--frames decodes video fragments (a query with clip_uri "
					    "and fragment_id); this query selects images");
	if (rc == 0 && rq->dry_run && n && !nclips)
		rc = image_sizes(cfg, items, n, res, e);
	if (rc == 0 && !rq->dry_run && mkdir(rq->out_dir, 0755) != 0 && errno != EEXIST)
		rc = err_set(e, 0, "cannot create %s: %s", rq->out_dir, strerror(errno));
	if (rc == 0 && !rq->dry_run) /* images: sizes unknown until fetched, the count is the plan */
		progress_add_total(rq->progress, (int64_t)n, nclips ? res->bytes_planned : 0);
	struct s3 *s = NULL;
	if (rc == 0 && !rq->dry_run && !(s = s3_new(cfg, e)))
		rc = -1;
	for (size_t i = 0; rc == 0 && !rq->dry_run && i < nclips; i++) { /* init segments, once */
		const char *key = key_of(cfg, clips[i].uri, e);
		rc = key ? s3_get_range(s, key, 0, clips[i].init_len, &clips[i].init, e) : -1;
		progress_add(rq->progress, 0, rc == 0 ? (int64_t)clips[i].init.len : 0);
	}
	if (s)
		res->bytes_fetched += s3_bytes_received(s);
	s3_free(s);
	if (rc == 0 && !rq->dry_run && n) {
		struct job j = {.cfg = cfg, .rq = rq, .items = items, .clips = clips};
		pthread_mutex_init(&j.lock, NULL);
		rc = pool_for(n, rq->threads < 1 ? 1 : rq->threads > 32 ? 32 : rq->threads, &fetch_ops,
			      &j, e);
		pthread_mutex_destroy(&j.lock);
		res->bytes_fetched += j.received;
		res->frames = j.frames;
	}
	if (!nclips && !rq->dry_run) /* images: the whole objects are the plan */
		res->bytes_planned = res->bytes_fetched;
	for (size_t i = 0; i < nclips; i++)
		buf_free(&clips[i].init);
	free(clips);
	free(items);
	return rc;
}
