/* reader.c - see reader.h. */
#define _GNU_SOURCE
#include "media/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "core/progress.h"
#include "core/sqlfile.h"
#include "lake/lake.h"
#include "store/s3.h"

/* ---- the plan --------------------------------------------------------------------------- */

/* Appends a clip (its URI a copy of uri). */
static long new_clip(struct media_plan *p, const char *uri, int64_t init_length)
{
	if (p->nclips == p->cap_clips) {
		size_t cap = p->cap_clips ? 2 * p->cap_clips : 16;
		struct media_clip *v = realloc(p->clips, cap * sizeof *v);
		if (!v)
			return -1;
		p->clips = v, p->cap_clips = cap;
	}
	struct media_clip *c = &p->clips[p->nclips];
	memset(c, 0, sizeof *c);
	if (!(c->uri = strdup(uri)))
		return -1;
	c->init_length = init_length;
	return (long)p->nclips++;
}

long media_plan_clip(struct media_plan *p, const char *uri, int64_t init_length)
{
	for (size_t i = p->nclips; i-- > 0;) /* newest first: rows come clip by clip */
		if (strcmp(p->clips[i].uri, uri) == 0)
			return (long)i;
	return new_clip(p, uri, init_length);
}

long media_plan_add(struct media_plan *p, const char *uri, long clip, int64_t offset,
		    int64_t length)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct media_item *v = realloc(p->items, cap * sizeof *v);
		if (!v)
			return -1;
		p->items = v, p->cap = cap;
	}
	struct media_item *it = &p->items[p->n];
	*it = (struct media_item){.clip = clip, .offset = offset, .length = length};
	if (!(it->uri = strdup(uri)))
		return -1;
	if (clip >= 0)
		p->fragments = 1;
	return (long)p->n++;
}

void media_plan_free(struct media_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->items[i].uri);
	for (size_t i = 0; i < p->nclips; i++) {
		free(p->clips[i].uri), free(p->clips[i].sequence);
		buf_free(&p->clips[i].init);
	}
	free(p->items);
	free(p->clips);
	memset(p, 0, sizeof *p);
}

/* The column names of the selection, learnt by preparing it. */
struct columns {
	char **names;
	size_t n;
};

static int add_column(const char *name, void *ctx)
{
	struct columns *q = ctx;
	char **v = realloc(q->names, (q->n + 1) * sizeof *v);
	if (!v)
		return 1; /* out of memory */
	q->names = v;
	return (q->names[q->n] = strdup(name)) ? (q->n++, 0) : 1;
}

static int lacks_column(const char *word, void *ctx)
{
	const struct columns *q = ctx;
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->names[i], word) == 0)
			return 0;
	return 1;
}

/* The first section of sql/fetch.sql whose required columns the selection returns. */
static int pick_section(struct lake *l, const char *sql, struct sql_section *out, struct err *e)
{
	struct columns cols = {0};
	int rc = lake_result_columns(l, sql, add_column, &cols, e);
	if (rc > 0)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	struct sql_section secs[4];
	int nsecs = sqlfile_sections(sqlfile_builtin("fetch.sql"), "-- @section ", secs, 4), found = 0;
	for (int i = 0; rc == 0 && !found && i < nsecs; i++)
		if (sqlfile_each_required(&secs[i], lacks_column, &cols) == 0)
			*out = secs[i], found = 1;
	for (size_t i = 0; i < cols.n; i++)
		free(cols.names[i]);
	free(cols.names);
	if (rc == 0 && !found)
		rc = err_set(e, EXIT_USAGE, "the selection must return clip_uri and fragment_id (video "
					    "fragments) or image_uri (images)");
	return rc;
}

static char *value_str(duckdb_result *r, idx_t col, idx_t row)
{
	char *v = duckdb_value_varchar(r, col, row);
	char *s = strdup(v ? v : "");
	duckdb_free(v);
	return s;
}

/* Every dataset's fragment index as one: temp views media_fragments and media_clips over
 * raw.<NAME>_fragments and raw.<NAME>_clips of each NAME that has both (a clip_uri is in one
 * dataset only), so a selection may name fragments of any video dataset. */
static int index_views(struct lake *l, struct err *e)
{
	duckdb_result r;
	if (lake_query(l,
		       "SELECT DISTINCT left(table_name, -10) FROM duckdb_columns() f WHERE "
		       "database_name = 'lake' AND schema_name = 'raw' AND column_name = 'byte_offset' "
		       "AND suffix(table_name, '_fragments') AND EXISTS (SELECT 1 FROM duckdb_columns() c "
		       "WHERE c.database_name = 'lake' AND c.schema_name = 'raw' AND c.column_name = "
		       "'init_bytes' AND c.table_name = left(f.table_name, -10) || '_clips') ORDER BY 1",
		       NULL, 0, &r, e) < 0)
		return -1;
	struct buf frag = {0}, clip = {0};
	const char *sep = "";
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&r); i++) {
		char *name = value_str(&r, 0, i), qf[600], qc[600], t[520];
		snprintf(t, sizeof t, "%s_fragments", name ? name : "");
		if (!name || lake_quote_ident(t, qf, sizeof qf) < 0)
			rc = err_set(e, EXIT_FAILED, "a fragment index name is too long");
		snprintf(t, sizeof t, "%s_clips", name ? name : "");
		if (rc == 0 && lake_quote_ident(t, qc, sizeof qc) < 0)
			rc = err_set(e, EXIT_FAILED, "a clip table name is too long");
		if (rc == 0 &&
		    (buf_printf(&frag, "%sSELECT clip_uri, fragment_id, byte_offset, byte_length, "
				       "start_frame, end_frame, start_time, end_time FROM lake.raw.%s",
				sep, qf) < 0 ||
		     buf_printf(&clip, "%sSELECT clip_uri, init_bytes, sequence, bytes, fps, width, "
				       "height, split FROM lake.raw.%s", sep, qc) < 0))
			rc = err_set(e, EXIT_FAILED, "out of memory");
		sep = " UNION ALL ";
		free(name);
	}
	duckdb_destroy_result(&r);
	struct buf q = {0};
	if (rc == 0 &&
	    buf_printf(&q, "CREATE OR REPLACE TEMP VIEW media_fragments AS %s;"
			   "CREATE OR REPLACE TEMP VIEW media_clips AS %s",
		       frag.len ? frag.data : "SELECT NULL::VARCHAR AS clip_uri, NULL::INTEGER AS "
					      "fragment_id, NULL::BIGINT AS byte_offset, NULL::BIGINT AS "
					      "byte_length, NULL::INTEGER AS start_frame, NULL::INTEGER "
					      "AS end_frame, NULL::DOUBLE AS start_time, NULL::DOUBLE AS "
					      "end_time WHERE false",
		       clip.len ? clip.data : "SELECT NULL::VARCHAR AS clip_uri, NULL::BIGINT AS "
					      "init_bytes, NULL::VARCHAR AS sequence, NULL::BIGINT AS bytes, "
					      "NULL::INTEGER AS fps, NULL::INTEGER AS width, NULL::INTEGER "
					      "AS height, NULL::VARCHAR AS split WHERE false") < 0)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	if (rc == 0)
		rc = lake_exec(l, q.data, e);
	buf_free(&frag), buf_free(&clip), buf_free(&q);
	return rc;
}

/* Reads temp.media_plan (fragments) into p. */
static int load_fragments(struct lake *l, struct media_plan *p, struct err *e)
{
	duckdb_result r;
	if (lake_query(l, "SELECT clip, pos, clip_uri, fragment_id, byte_offset, byte_length, "
			  "start_frame, end_frame, init_bytes, sequence, clip_bytes FROM temp.media_plan "
			  "ORDER BY item", NULL, 0, &r, e) < 0)
		return -1;
	idx_t rows = duckdb_row_count(&r);
	int rc = 0;
	p->fragments = 1;
	for (idx_t i = 0; rc == 0 && i < rows; i++) {
		size_t clip = (size_t)duckdb_value_int64(&r, 0, i);
		char *uri = value_str(&r, 2, i);
		while (uri && rc == 0 && p->nclips <= clip) { /* clips are numbered 0.. by URI */
			if (new_clip(p, "", 0) < 0)
				rc = -1;
		}
		struct media_clip *c = rc == 0 && uri ? &p->clips[clip] : NULL;
		if (c && !c->uri[0]) {
			free(c->uri);
			c->uri = strdup(uri);
			c->sequence = value_str(&r, 9, i);
			c->init_length = duckdb_value_int64(&r, 8, i);
			c->bytes = duckdb_value_int64(&r, 10, i);
			p->bytes_whole += c->bytes;
			p->bytes_planned += c->init_length;
			if (!c->uri || !c->sequence)
				rc = -1;
		}
		long k = c ? media_plan_add(p, uri, (long)clip, duckdb_value_int64(&r, 4, i),
					    duckdb_value_int64(&r, 5, i))
			   : -1;
		free(uri);
		if (rc < 0 || k < 0) {
			rc = err_set(e, EXIT_FAILED, "out of memory");
			break;
		}
		struct media_item *it = &p->items[k];
		it->pos = duckdb_value_int64(&r, 1, i);
		it->fragment_id = duckdb_value_int64(&r, 3, i);
		it->start_frame = duckdb_value_int64(&r, 6, i);
		it->end_frame = duckdb_value_int64(&r, 7, i);
		p->bytes_planned += it->length;
	}
	duckdb_destroy_result(&r);
	return rc;
}

static int load_images(struct lake *l, struct media_plan *p, struct err *e)
{
	duckdb_result r;
	if (lake_query(l, "SELECT image_uri FROM temp.media_plan ORDER BY item", NULL, 0, &r, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&r); i++) {
		char *uri = value_str(&r, 0, i);
		if (!uri || media_plan_add(p, uri, -1, 0, -1) < 0)
			rc = err_set(e, EXIT_FAILED, "out of memory");
		free(uri);
	}
	duckdb_destroy_result(&r);
	return rc;
}

int media_plan_query(struct lake *l, const char *selection, enum media_order order,
		     struct media_plan *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	size_t len = strlen(selection);
	while (len && strchr("; \t\r\n", selection[len - 1]))
		len--;
	char *sel = strndup(selection, len);
	if (!sel)
		return err_set(e, EXIT_FAILED, "out of memory");
	struct sql_section sec;
	int rc = pick_section(l, sel, &sec, e);
	struct buf ordered = {0}, q = {0};
	if (rc == 0) {
		const char *by = order == MEDIA_ORDER_SELECTION ? "q.pos"
							     : "c.sequence, f.fragment_id, f.clip_uri, q.pos";
		struct sql_section body = sec;
		if (sqlfile_expand(&sec, "{{order}}", by, &ordered) < 0 ||
		    (body.body = ordered.data, body.body_len = ordered.len,
		     sqlfile_expand(&body, "{{selection}}", sel, &q) < 0))
			rc = err_set(e, EXIT_FAILED, "out of memory");
	}
	free(sel);
	buf_free(&ordered);
	if (rc == 0 && strcmp(sec.name, "fragments") == 0)
		rc = index_views(l, e);
	if (rc == 0)
		rc = lake_exec(l, q.data, e);
	buf_free(&q);
	if (rc == 0)
		rc = strcmp(sec.name, "fragments") == 0 ? load_fragments(l, p, e) : load_images(l, p, e);
	return rc;
}

/* ---- reading ---------------------------------------------------------------------------- */

struct media_reader {
	const struct config *cfg;
	struct s3 *s3;
};

struct media_reader *media_reader_new(const struct config *cfg, struct err *e)
{
	struct media_reader *r = calloc(1, sizeof *r);
	if (!r) {
		err_set(e, EXIT_FAILED, "out of memory");
		return NULL;
	}
	r->cfg = cfg;
	if (!(r->s3 = s3_new(cfg, e))) {
		free(r);
		return NULL;
	}
	return r;
}

void media_reader_free(struct media_reader *r)
{
	if (r)
		s3_free(r->s3);
	free(r);
}

int64_t media_reader_received(const struct media_reader *r)
{
	return s3_bytes_received(r->s3);
}

int media_workers_start(void *ctx, void **state, struct err *e)
{
	struct media_workers *w = ctx;
	return (*state = media_reader_new(w->cfg, e)) ? 0 : -1;
}

void media_workers_stop(void *ctx, void *state)
{
	struct media_workers *w = ctx;
	w->received += media_reader_received(state);
	media_reader_free(state);
}

/* Bytes [off, off + len) of the object uri (len < 0: all of it), appended to out. */
static int get(struct media_reader *r, const char *uri, int64_t off, int64_t len,
	       struct buf *out, struct err *e)
{
	const char *key = s3_key_of_uri(r->cfg->bucket, uri);
	if (!key)
		return err_set(e, EXIT_USAGE, "%s is not an object of bucket %s", uri, r->cfg->bucket);
	return s3_get_range(r->s3, key, off, len, out, e);
}

int media_read(struct media_reader *r, const struct media_plan *p, size_t i, struct buf *out,
	       struct err *e)
{
	const struct media_item *it = &p->items[i];
	if (it->clip < 0)
		return get(r, it->uri, 0, -1, out, e);
	const struct media_clip *c = &p->clips[it->clip];
	if (c->why[0])
		return err_set(e, EXIT_FAILED, "the init segment of %s: %s", c->uri, c->why);
	if (buf_append(out, c->init.data, c->init.len) < 0)
		return err_set(e, EXIT_FAILED, "out of memory");
	return get(r, it->uri, it->offset, it->length, out, e);
}

/* ---- init segments, once per clip --------------------------------------------------------- */

struct inits {
	struct media_workers workers; /* first: the pool's ctx */
	struct media_plan *p;
	int tolerant;
	struct progress *progress;
};

static int inits_run(void *ctx, void *state, void *task, struct err *e)
{
	struct inits *in = ctx;
	struct media_reader *r = state;
	struct media_clip *c = &in->p->clips[POOL_INDEX(task)];
	if (c->unneeded)
		return 0;
	int64_t before = media_reader_received(r);
	struct err ge = {0};
	int rc = get(r, c->uri, 0, c->init_length, &c->init, &ge);
	progress_add(in->progress, 0, media_reader_received(r) - before);
	if (rc == 0)
		return 0;
	if (!in->tolerant || ge.code == EXIT_REMOTE) {
		*e = ge;
		return err_wrap(e, "reading the init segment of %s", c->uri);
	}
	snprintf(c->why, sizeof c->why, "%.500s", ge.msg);
	return 0;
}

int media_fetch_inits(const struct config *cfg, struct media_plan *p, int threads, int tolerant,
		      struct progress *progress, int64_t *received, struct err *e)
{
	if (!p->nclips)
		return 0;
	struct inits in = {.workers = {.cfg = cfg}, .p = p, .tolerant = tolerant,
			   .progress = progress};
	const struct pool_ops ops = {.worker_start = media_workers_start,
				     .worker_stop = media_workers_stop, .run = inits_run};
	int rc = pool_for(p->nclips, threads, &ops, &in, e);
	if (received)
		*received += in.workers.received;
	return rc;
}
