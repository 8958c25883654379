/* ingest.c - staged Parquet -> objects + raw rows; see ingest.h for the order of effects. */
#define _GNU_SOURCE /* tdestroy */
#include "ingest/ingest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "core/progress.h"
#include "core/buf.h"
#include "lake/lake.h"
#include "media/media.h"
#include "core/sqlfile.h"
#include "ingest/assets.h"
#include "ingest/visdrone.h"
#include "ingest/coco.h"
#include "ingest/imagefolder.h"
#include "ingest/visdrone_det.h"

extern const char sql_10_raw[]; /* generated from sql/10_raw.sql */

#define MAX_COLUMNS 256
/* DuckDB result chunks alive at once (each holds a row group's blobs while they upload).
 * Measured on 600 x 1.3 MB images: 1 gives 233 MiB peak RSS, 2 gave 288 MiB and no speed. */
#define CHUNKS_ALIVE 1

struct column {
	char name[256];
	char type[512];
	int media; /* 0 no, 1 STRUCT(bytes, path), 2 a list of those */
};

struct run {
	const struct config *cfg;
	const struct ingest_request *rq;
	struct ingest_result *res;
	struct lake *lake;
	struct column cols[MAX_COLUMNS];
	int ncols;
	struct assets *assets; /* the blobs' objects */
	duckdb_connection con2;
	duckdb_appender app;
};

/* ---- sections of sql/10_raw.sql ------------------------------------------------------- */

static const struct column *find_column(const struct run *r, const char *name)
{
	for (int i = 0; i < r->ncols; i++)
		if (strcmp(r->cols[i].name, name) == 0)
			return &r->cols[i];
	return NULL;
}

struct missing {
	const struct run *r;
	char list[512];
};

static int note_missing(const char *word, void *ctx)
{
	struct missing *m = ctx;
	if (!find_column(m->r, word))
		snprintf(m->list + strlen(m->list), sizeof m->list - strlen(m->list), "%s%s",
			 m->list[0] ? ", " : "", word);
	return 0;
}

/* Writes the required columns missing from the staged files into missing ("" if none). */
static void missing_columns(const struct run *r, const struct sql_section *s, char *missing,
			    size_t n)
{
	struct missing m = {.r = r};
	sqlfile_each_required(s, note_missing, &m);
	snprintf(missing, n, "%s", m.list);
}

/* ---- schema --------------------------------------------------------------------------- */

static int media_kind(const char *type)
{
	static const char *const shapes[] = {"STRUCT(bytes BLOB, path VARCHAR)",
					     "STRUCT(path VARCHAR, bytes BLOB)"};
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(shapes[i]);
		if (strcmp(type, shapes[i]) == 0)
			return 1;
		if (strncmp(type, shapes[i], n) == 0 && strcmp(type + n, "[]") == 0)
			return 2;
	}
	return 0;
}

/* --shard K/N: numbers the staged rows in (path, row) order from the Parquet footers (row
 * counts only, no data read), keeps in memory.main.ingest_shard the files that overlap rows
 * [total*(K-1)/N, total*K/N) with their first row's number, and narrows ingest_paths to them
 * (an empty shard keeps them all, so the scan has a schema; the filter then keeps no row). */
static int select_shard(struct run *r, struct err *e)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "CREATE OR REPLACE TABLE memory.main.ingest_shard AS "
		 "WITH f AS (SELECT file_name AS path, sum(num_rows)::BIGINT AS n FROM "
		 "parquet_file_metadata(getvariable('ingest_paths')) GROUP BY 1), "
		 "o AS (SELECT path, n, sum(n) OVER (ORDER BY path) - n AS start, sum(n) OVER () AS "
		 "total FROM f) "
		 "SELECT path, start, start + n AS stop, total * %d // %d AS lo, total * %d // %d AS hi "
		 "FROM o;"
		 "DELETE FROM memory.main.ingest_shard WHERE (stop <= lo OR start >= hi) AND "
		 "(SELECT count(*) FROM memory.main.ingest_shard WHERE stop > lo AND start < hi) > 0;"
		 "SET VARIABLE ingest_paths = (SELECT list(path ORDER BY path) FROM "
		 "memory.main.ingest_shard)",
		 r->rq->shard - 1, r->rq->nshards, r->rq->shard, r->rq->nshards);
	if (lake_exec(r->lake, sql, e) < 0)
		return err_wrap(e, "cannot split the staged Parquet of %s into shards", r->rq->repo);
	return 0;
}

/* Registers the staged files and the view ingest_source over them; reads their schema. A
 * corrupt or unreadable file fails here, before anything is uploaded. */
static int open_source(struct run *r, struct err *e)
{
	const struct ingest_request *rq = r->rq;
	duckdb_result res;
	if (lake_exec(r->lake,
		      "CREATE OR REPLACE TABLE memory.main.ingest_files (path VARCHAR, rel VARCHAR);"
		      "CREATE OR REPLACE TABLE memory.main.ingest_media (file VARCHAR, row BIGINT, "
		      "col INTEGER, idx BIGINT, uri VARCHAR, path VARCHAR, status VARCHAR)",
		      e) < 0)
		return -1;
	for (size_t i = 0; i < rq->nfiles; i++) {
		const char *p[] = {rq->files[i].local, rq->files[i].rel};
		if (lake_query(r->lake, "INSERT INTO memory.main.ingest_files VALUES ($1, $2)", p, 2,
			       &res, e) < 0)
			return -1;
		duckdb_destroy_result(&res);
	}
	if (lake_exec(r->lake, "SET VARIABLE ingest_paths = (SELECT list(path ORDER BY path) "
			       "FROM memory.main.ingest_files)", e) < 0)
		return -1;
	if (rq->nshards > 1 && select_shard(r, e) < 0)
		return -1;
	char limit[256] = "";
	if (rq->limit >= 0)
		snprintf(limit, sizeof limit, " ORDER BY __lh_file, file_row_number LIMIT %lld",
			 (long long)rq->limit);
	else if (rq->nshards > 1) /* the shard's rows: by file, then row range */
		snprintf(limit, sizeof limit, " s WHERE EXISTS (SELECT 1 FROM %s)",
			 "memory.main.ingest_shard x WHERE x.path = s.__lh_file AND "
			 "x.start + s.file_row_number >= x.lo AND x.start + s.file_row_number < x.hi");
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "CREATE OR REPLACE TEMP VIEW ingest_source AS SELECT * FROM read_parquet("
		 "getvariable('ingest_paths'), filename = '__lh_file', file_row_number = true, "
		 "union_by_name = true)%s",
		 limit);
	if (lake_exec(r->lake, sql, e) < 0 ||
	    lake_query(r->lake, "SELECT column_name, column_type FROM (DESCRIBE ingest_source)",
		       NULL, 0, &res, e) < 0)
		return err_wrap(e, "cannot read the staged Parquet of %s", rq->repo);
	idx_t rows = duckdb_row_count(&res);
	for (idx_t i = 0; i < rows && r->ncols < MAX_COLUMNS; i++) {
		char *name = duckdb_value_varchar(&res, 0, i), *type = duckdb_value_varchar(&res, 1, i);
		if (strcmp(name, "__lh_file") != 0 && strcmp(name, "file_row_number") != 0) {
			struct column *c = &r->cols[r->ncols++];
			snprintf(c->name, sizeof c->name, "%s", name);
			snprintf(c->type, sizeof c->type, "%s", type);
			c->media = media_kind(type);
		}
		duckdb_free(name);
		duckdb_free(type);
	}
	duckdb_destroy_result(&res);
	/* A full scan of the footers and row groups now: a truncated file fails before uploads. */
	int64_t n;
	if (lake_query_int64(r->lake, "SELECT count(*) FROM ingest_source", NULL, 0, &n, e) < 0)
		return err_wrap(e, "cannot read the staged Parquet of %s", rq->repo);
	return 0;
}

/* ---- blobs ---------------------------------------------------------------------------- */

static int append_media(struct run *r, const char *file, int64_t row, int col, int64_t idx,
			const char *uri, const char *path, const char *status)
{
	duckdb_appender a = r->app;
	return duckdb_append_varchar(a, file) == DuckDBError ||
			       duckdb_append_int64(a, row) == DuckDBError ||
			       duckdb_append_int32(a, col) == DuckDBError ||
			       duckdb_append_int64(a, idx) == DuckDBError ||
			       duckdb_append_varchar(a, uri) == DuckDBError ||
			       (path ? duckdb_append_varchar(a, path) : duckdb_append_null(a)) ==
				       DuckDBError ||
			       duckdb_append_varchar(a, status) == DuckDBError ||
			       duckdb_appender_end_row(a) == DuckDBError
		       ? -1
		       : 0;
}

static const char *vec_string(duckdb_vector v, idx_t i, size_t *len)
{
	uint64_t *valid = duckdb_vector_get_validity(v);
	if (valid && !duckdb_validity_row_is_valid(valid, i))
		return NULL;
	duckdb_string_t *s = (duckdb_string_t *)duckdb_vector_get_data(v) + i;
	*len = duckdb_string_t_length(*s);
	return duckdb_string_t_data(s);
}

/* A DuckDB result chunk kept alive while upload threads send blobs that point into it: one
 * reference for the reader, one per queued blob; the last one out destroys the chunk. */
struct chunk_gate {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	int alive;
};

static void gate_leave(struct chunk_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->alive--;
	pthread_cond_broadcast(&g->freed);
	pthread_mutex_unlock(&g->lock);
}

static void gate_drain(struct chunk_gate *g)
{
	pthread_mutex_lock(&g->lock);
	while (g->alive > 0)
		pthread_cond_wait(&g->freed, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

struct held_chunk {
	duckdb_data_chunk chunk;
	atomic_int refs;
	struct chunk_gate *gate;
};

static void release_chunk(void *ctx)
{
	struct held_chunk *h = ctx;
	if (atomic_fetch_sub(&h->refs, 1) != 1)
		return;
	duckdb_destroy_data_chunk(&h->chunk);
	gate_leave(h->gate);
	free(h);
}

/* Waits until fewer than max chunks are alive, then counts a new one in. */
static void gate_enter(struct chunk_gate *g, int max)
{
	pthread_mutex_lock(&g->lock);
	while (g->alive >= max)
		pthread_cond_wait(&g->freed, &g->lock);
	g->alive++;
	pthread_mutex_unlock(&g->lock);
}

static int handle_blob(struct run *r, const struct column *c, struct held_chunk *h,
		       const char *file, int64_t row, int64_t idx, const unsigned char *data,
		       size_t len, const char *path, struct err *e)
{
	struct asset a;
	atomic_fetch_add(&h->refs, 1); /* the chunk lives until this blob is sent */
	if (assets_put(r->assets, c->name, path, data, len, release_chunk, h, &a, e) < 0)
		return -1;
	if (append_media(r, file, row, (int)(c - r->cols), idx, a.uri, path, a.status) < 0)
		return err_set(e, EXIT_FAILED, "cannot record blob %s: %s", a.uri,
			       duckdb_appender_error(r->app));
	return 0;
}

/* Streams one media column's blobs (DuckDB hands them over chunk by chunk; a chunk lives
 * until its last blob is uploaded, so memory stays bounded by the uploader's in-flight cap
 * plus a chunk). */
static int stream_column(struct run *r, const struct column *c, struct err *e)
{
	char q[300], sql[1200];
	if (lake_quote_ident(c->name, q, sizeof q) < 0)
		return err_set(e, EXIT_FAILED, "column name too long");
	if (c->media == 1)
		snprintf(sql, sizeof sql,
			 "SELECT __lh_file, file_row_number, 0, %s.bytes, %s.path FROM ingest_source "
			 "WHERE %s.bytes IS NOT NULL",
			 q, q, q);
	else
		snprintf(sql, sizeof sql,
			 "SELECT __lh_file, file_row_number, idx, m.bytes, m.path FROM (SELECT __lh_file, "
			 "file_row_number, unnest(generate_series(1, len(%s))) AS idx, unnest(%s) AS m "
			 "FROM ingest_source) WHERE m.bytes IS NOT NULL",
			 q, q);
	duckdb_prepared_statement st;
	duckdb_result res;
	if (duckdb_prepare(lake_connection(r->lake), sql, &st) == DuckDBError) {
		err_set(e, EXIT_FAILED, "%s", duckdb_prepare_error(st));
		duckdb_destroy_prepare(&st);
		return -1;
	}
	if (duckdb_execute_prepared_streaming(st, &res) == DuckDBError) {
		duckdb_destroy_prepare(&st);
		lake_error(r->lake, &res, e);
		duckdb_destroy_result(&res);
		return err_wrap(e, "cannot read column %s", c->name);
	}
	int rc = 0;
	duckdb_data_chunk chunk;
	struct chunk_gate gate = {.lock = PTHREAD_MUTEX_INITIALIZER, .freed = PTHREAD_COND_INITIALIZER};
	for (;;) {
		gate_enter(&gate, CHUNKS_ALIVE);
		chunk = rc == 0 ? duckdb_fetch_chunk(res) : NULL;
		struct held_chunk *h = chunk ? malloc(sizeof *h) : NULL;
		if (!h) {
			if (chunk) {
				duckdb_destroy_data_chunk(&chunk);
				rc = err_set(e, EXIT_FAILED, "out of memory");
			}
			gate_leave(&gate);
			break;
		}
		*h = (struct held_chunk){.chunk = chunk, .gate = &gate};
		atomic_init(&h->refs, 1);
		idx_t n = duckdb_data_chunk_get_size(chunk);
		duckdb_vector vfile = duckdb_data_chunk_get_vector(chunk, 0);
		int64_t *rows = duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 1));
		int64_t *idxs = duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 2));
		duckdb_vector vblob = duckdb_data_chunk_get_vector(chunk, 3);
		duckdb_vector vpath = duckdb_data_chunk_get_vector(chunk, 4);
		for (idx_t i = 0; i < n && rc == 0; i++) {
			size_t flen = 0, blen = 0, plen = 0;
			const char *f = vec_string(vfile, i, &flen);
			const char *b = vec_string(vblob, i, &blen);
			const char *p = vec_string(vpath, i, &plen);
			char file[4096], path[1024];
			snprintf(file, sizeof file, "%.*s", (int)flen, f ? f : "");
			snprintf(path, sizeof path, "%.*s", (int)plen, p ? p : "");
			rc = handle_blob(r, c, h, file, rows[i], idxs[i], (const unsigned char *)b,
					 blen, p ? path : NULL, e);
		}
		release_chunk(h);
	}
	gate_drain(&gate); /* chunks still uploading point at this frame's gate */
	if (rc == 0 && duckdb_result_error(&res))
		rc = lake_error(r->lake, &res, e);
	duckdb_destroy_result(&res);
	duckdb_destroy_prepare(&st);
	return rc;
}

/* The staged Parquet's size: about the blobs' bytes, the total of the upload phase. */
static int64_t staged_bytes(const struct ingest_request *rq)
{
	int64_t sum = 0;
	struct stat st;
	for (size_t i = 0; i < rq->nfiles; i++)
		if (stat(rq->files[i].local, &st) == 0)
			sum += st.st_size;
	return sum;
}

static int upload_blobs(struct run *r, struct err *e)
{
	int rc;
	/* one LIST, not a HEAD per blob */
	if (!(r->assets = assets_begin(r->cfg, r->rq->dataset, r->rq->threads, r->rq->progress, e)))
		return -1;
	if (duckdb_connect(lake_database(r->lake), &r->con2) == DuckDBError ||
	    duckdb_appender_create_ext(r->con2, "memory", "main", "ingest_media", &r->app) ==
		    DuckDBError)
		return err_set(e, EXIT_FAILED, "cannot open the blob manifest");
	progress_phase(r->rq->progress, "upload", "blobs");
	progress_add_total(r->rq->progress, 0, staged_bytes(r->rq));
	/* Bounded memory: DuckDB holds a whole Parquet column chunk (a row group's blobs) while
	 * it decodes one, and by default also prefetches and buffers further chunks of a
	 * streaming result (its buffer accounting does not see BLOB bytes). One scan thread, no
	 * prefetch and a tiny result buffer keep it to about one row group in flight. */
	rc = lake_exec(r->lake,
		       "SET threads = 1; SET disable_parquet_prefetching = true; "
		       "SET streaming_buffer_size = '1KB'",
		       e);
	for (int i = 0; i < r->ncols && rc == 0; i++)
		if (r->cols[i].media)
			rc = stream_column(r, &r->cols[i], e);
	struct err ignored = {0};
	lake_exec(r->lake,
		  "RESET threads; RESET disable_parquet_prefetching; RESET streaming_buffer_size",
		  &ignored);
	struct assets_stats st = {0};
	rc = assets_end(r->assets, rc, &st, e);
	r->assets = NULL;
	r->res->blobs += st.blobs, r->res->objects_new = st.objects_new;
	r->res->bytes_new = st.bytes_new;
	if (duckdb_appender_flush(r->app) == DuckDBError && rc == 0)
		rc = err_set(e, EXIT_FAILED, "cannot write the blob manifest: %s", duckdb_appender_error(r->app));
	return rc;
}

/* ---- rows ----------------------------------------------------------------------------- */

/* ingest_rows: the staged rows with media columns replaced, plus lineage columns. */
static int create_rows_view(struct run *r, struct err *e)
{
	struct buf sql = {0};
	char q[300];
	int rc = buf_printf(&sql, "CREATE OR REPLACE TEMP VIEW ingest_rows AS SELECT ");
	for (int i = 0; i < r->ncols && rc == 0; i++) {
		const struct column *c = &r->cols[i];
		lake_quote_ident(c->name, q, sizeof q);
		if (!c->media) {
			rc = buf_printf(&sql, "s.%s, ", q);
			continue;
		}
		char base[300];
		snprintf(base, sizeof base, "%s", c->name);
		static const char *const parts[] = {"uri", "path", "status"};
		for (int k = 0; k < 3 && rc == 0; k++) {
			char alias[320], qa[700];
			snprintf(alias, sizeof alias, "%s_%s", base, parts[k]);
			lake_quote_ident(alias, qa, sizeof qa);
			const char *agg = c->media == 1 ? "first(m.%s)" : "list(m.%s ORDER BY m.idx)";
			char aggx[64];
			snprintf(aggx, sizeof aggx, agg, parts[k]);
			rc = buf_printf(&sql, "(SELECT %s FROM memory.main.ingest_media m WHERE m.file = "
					      "s.__lh_file AND m.row = s.file_row_number AND m.col = %d) AS %s, ",
					aggx, i, qa);
		}
	}
	rc = rc || buf_printf(&sql,
			      "getvariable('ingest_split') AS split, getvariable('ingest_repo') AS "
			      "source_repo, getvariable('ingest_revision') AS source_revision, f.rel AS "
			      "source_file, s.file_row_number AS source_row FROM ingest_source s JOIN "
			      "memory.main.ingest_files f ON f.path = s.__lh_file");
	if (rc)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	else
		rc = lake_exec(r->lake, sql.data, e);
	buf_free(&sql);
	return rc;
}

static int count_words(const char *list)
{
	int n = 1;
	for (; *list; list++)
		n += *list == ',';
	return n;
}

/* Picks the sections of sql/10_raw.sql that apply: the dataset's own ones whose required
 * columns are all staged, or the generic ones for a dataset without sections. */
static int pick_sections(struct run *r, struct sql_section *secs, int *n, int *use, struct err *e)
{
	*n = sqlfile_sections(sql_10_raw, "-- @section ", secs, 16);
	int own = 0, ran = 0;
	char missing[512] = "", wanted[1024] = "";
	for (int i = 0; i < *n; i++)
		own += strcmp(secs[i].dataset, r->rq->dataset) == 0;
	for (int i = 0; i < *n; i++) {
		use[i] = 0;
		if (strcmp(secs[i].dataset, own ? r->rq->dataset : "*") != 0)
			continue;
		char miss[512];
		missing_columns(r, &secs[i], miss, sizeof miss);
		if (miss[0]) {
			/* report the closest shape: the section that misses the fewest columns */
			if (!missing[0] || count_words(miss) < count_words(missing))
				snprintf(missing, sizeof missing, "%s", miss);
			snprintf(wanted + strlen(wanted), sizeof wanted - strlen(wanted), "%s%s needs %s",
				 wanted[0] ? "; " : "", secs[i].name, secs[i].requires);
			continue;
		}
		use[i] = 1;
		ran++;
	}
	if (!ran)
		return err_set(e, EXIT_USAGE,
			       "%s: missing expected column(s) %s for dataset '%s' (%s)", r->rq->repo,
			       missing, r->rq->dataset, wanted);
	return 0;
}

static int check_sections(struct run *r, struct err *e)
{
	struct sql_section secs[16];
	int n, use[16];
	return pick_sections(r, secs, &n, use, e);
}

static int run_sections(struct run *r, int64_t *inserted, struct err *e)
{
	struct sql_section secs[16];
	int n, use[16];
	if (pick_sections(r, secs, &n, use, e) < 0)
		return -1;
	int64_t inserted_rows = 0;
	char table[80];
	snprintf(table, sizeof table, "raw.\"%s\"", r->rq->dataset); /* validated identifier */
	for (int i = 0; i < n; i++) {
		if (!use[i])
			continue;
		const struct sql_section *s = &secs[i];
		struct buf body = {0};
		int rc = sqlfile_expand(s, "{{table}}", table, &body) < 0 ? err_set(e, EXIT_FAILED, "out of memory") : 0;
		if (rc == 0)
			rc = lake_run(r->lake, body.data, lake_count_inserts, &inserted_rows, e);
		buf_free(&body);
		if (rc < 0)
			return err_wrap(e, "sql/10_raw.sql section %s", s->name);
	}
	*inserted = inserted_rows;
	return 0;
}

static int land_rows(struct lake *l, void *ctx, struct err *e)
{
	struct run *r = ctx;
	int64_t inserted = 0;
	if (run_sections(r, &inserted, e) < 0)
		return -1;
	r->res->rows = inserted;
	if (inserted == 0)
		return 1; /* nothing new: the caller rolls back, no empty snapshot */
	char msg[1024];
	if (r->rq->message)
		snprintf(msg, sizeof msg, "%s", r->rq->message);
	else
		snprintf(msg, sizeof msg, "ingest %s from %s@%s split %s: %lld rows, %lld new objects",
			 r->rq->dataset, r->rq->repo, r->rq->revision, r->rq->split,
			 (long long)inserted, (long long)r->res->objects_new);
	return lake_set_commit_message(l, r->cfg->author, msg, e);
}

static int commit_rows(struct run *r, struct err *e)
{
	int rc = lake_in_transaction(r->lake, land_rows, r, e);
	if (rc == 0)
		return lake_current_snapshot(r->lake, &r->res->snapshot, e);
	return rc < 0 ? -1 : 0; /* 1: nothing new, no snapshot */
}

/* The Parquet source kind: one run, its state a value of its own (on the heap: the column
 * table is large), handed to every step. */
static int ingest_parquet(const struct config *cfg, const struct ingest_request *rq,
			  struct ingest_result *res, struct err *e)
{
	if (rq->nfiles == 0)
		return err_set(e, EXIT_USAGE, "no Parquet files for split '%s' in %s", rq->split, rq->repo);
	struct run *r = calloc(1, sizeof *r);
	if (!r)
		return err_set(e, EXIT_FAILED, "out of memory");
	r->cfg = cfg, r->rq = rq, r->res = res;
	int rc = lake_open(&r->lake, cfg, LAKE_EXISTING, e);
	rc = rc ? rc : lake_set_variable(r->lake, "ingest_split", rq->split, e);
	rc = rc ? rc : lake_set_variable(r->lake, "ingest_repo", rq->repo, e);
	rc = rc ? rc : lake_set_variable(r->lake, "ingest_revision", rq->revision, e);
	rc = rc ? rc : open_source(r, e);
	/* Check the columns and build the view before any upload: wrong input uploads nothing. */
	rc = rc ? rc : check_sections(r, e);
	rc = rc ? rc : create_rows_view(r, e);
	rc = rc ? rc : upload_blobs(r, e);
	if (rc == 0)
		progress_phase(rq->progress, "commit", "rows");
	rc = rc ? rc : commit_rows(r, e);
	if (r->app)
		duckdb_appender_destroy(&r->app);
	if (r->con2)
		duckdb_disconnect(&r->con2);
	if (r->lake)
		lake_close(r->lake);
	free(r);
	return rc;
}

int ingest_run(const struct config *cfg, const struct ingest_request *rq,
	       struct ingest_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	res->snapshot = -1;
	if (!lake_valid_identifier(rq->dataset))
		return err_set(e, EXIT_USAGE, "invalid dataset name '%s': letters, digits and '_' only",
			       rq->dataset);
	if (rq->coco_root)
		return coco_ingest(cfg, rq, res, e);
	if (rq->det_root)
		return visdrone_det_ingest(cfg, rq, res, e);
	if (rq->image_root)
		return imagefolder_ingest(cfg, rq, res, e);
	return rq->video_root ? visdrone_ingest(cfg, rq, res, e) : ingest_parquet(cfg, rq, res, e);
}
