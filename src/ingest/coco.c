/* coco.c - the COCO official layout -> objects + raw rows; see coco.h for the order of effects. */
#define _GNU_SOURCE /* tdestroy */
#include "ingest/coco.h"
#include "ingest/coco_parts.h"
#include "ingest/assets.h"

#include <archive.h>
#include <archive_entry.h>
#include <search.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/progress.h"
#include "core/sqlfile.h"
#include "lake/lake.h"
#include "media/media.h"

extern const char sql_10_raw[]; /* generated from sql/10_raw.sql */

/* ---- images --------------------------------------------------------------------------- */

/* One upload run: each image becomes an object; memory.main.coco_media maps id -> URI. */
struct uprun {
	struct lake *l;
	int rejected; /* --skip-bad: images set aside by the dry walk */
	const struct ingest_request *rq;
	duckdb_appender app;
	struct assets *assets;
};

/* Takes data (malloc'd) over: its object (uploaded unless the bucket has it) and its URI. */
static int put_image(struct uprun *u, int64_t id, const char *name, unsigned char *data,
		     size_t len, struct err *e)
{
	struct asset a;
	if (assets_put(u->assets, "image", name, data, len, free, data, &a, e) < 0)
		return -1;
	if (duckdb_append_int64(u->app, id) == DuckDBError ||
	    duckdb_append_varchar(u->app, a.uri) == DuckDBError ||
	    duckdb_append_varchar(u->app, a.status) == DuckDBError ||
	    duckdb_appender_end_row(u->app) == DuckDBError)
		return err_set(e, EXIT_FAILED, "cannot record image %s", name);
	return 0;
}

/* --skip-bad: sets image id aside (and records why); its rows leave the staged tables. */
static int reject_image(struct uprun *u, const struct paths *p, int64_t id, const char *why,
			struct err *e)
{
	char idb[32];
	snprintf(idb, sizeof idb, "%lld", (long long)id);
	const char *par[] = {p->inst_name, idb, why};
	duckdb_result r;
	if (lake_query(u->l, "INSERT INTO memory.main.coco_rejects VALUES ($1, 'image', "
			     "$2::BIGINT, $3)", par, 3, &r, e) < 0)
		return -1;
	duckdb_destroy_result(&r);
	if (lake_query(u->l, "DELETE FROM memory.main.coco_src_images WHERE id = $1::BIGINT", par + 1,
		       1, &r, e) < 0)
		return -1;
	duckdb_destroy_result(&r);
	u->rejected++;
	return 0;
}

/* The folder: every file must be there before anything is uploaded, then each is read. */
static int folder_images(struct uprun *u, duckdb_result *imgs, const struct paths *p,
			 int upload, struct err *e)
{
	for (idx_t i = 0; i < duckdb_row_count(imgs); i++) {
		int64_t id = duckdb_value_int64(imgs, 0, i);
		char *name = duckdb_value_varchar(imgs, 1, i), path[8400];
		snprintf(path, sizeof path, "%s/%s", p->images, name);
		duckdb_free(name);
		if (!upload) {
			if (!coco_file_exists(path) && p->skip_bad) {
				if (reject_image(u, p, id, "image file missing", e) < 0)
					return -1;
			} else if (!coco_file_exists(path)) {
				return err_set(e, EXIT_USAGE, "%s: image %lld: file %s is missing",
					       p->inst_name, (long long)id, path);
			}
			continue;
		}
		struct buf b = {0};
		if (fs_read_file(path, &b, NULL, e) < 0)
			return err_wrap(e, "%s: image %lld", p->inst_name, (long long)id);
		unsigned char *data = b.data ? (unsigned char *)b.data : malloc(1);
		if (!data || put_image(u, id, path, data, b.len, e) < 0)
			return data ? -1 : err_set(e, EXIT_FAILED, "out of memory");
	}
	return 0;
}

/* file name -> (image id, seen) for the zip walk. */
struct zname {
	char *name;
	int64_t id;
	int seen;
};

static int cmp_zname(const void *a, const void *b)
{
	return strcmp(((const struct zname *)a)->name, ((const struct zname *)b)->name);
}

static void free_zname(void *v)
{
	struct zname *z = v;
	free(z->name);
	free(z);
}

/* The zip <split>.zip, read in place: a first walk over its entries' headers checks that every
 * image is there (and that the zip is whole), a second reads them. */
static int zip_images(struct uprun *u, duckdb_result *imgs, const struct paths *p,
		      const char *split, int upload, struct err *e)
{
	void *tree = NULL;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(imgs); i++) {
		struct zname *z = calloc(1, sizeof *z);
		char *name = duckdb_value_varchar(imgs, 1, i);
		if (z && name && asprintf(&z->name, "%s/%s", split, name) >= 0) {
			z->id = duckdb_value_int64(imgs, 0, i);
			if (!tsearch(z, &tree, cmp_zname))
				rc = err_set(e, EXIT_FAILED, "out of memory");
		} else {
			free(z);
			rc = err_set(e, EXIT_FAILED, "out of memory");
		}
		duckdb_free(name);
	}
	struct archive *a = NULL;
	if (rc == 0)
		rc = coco_zip_open(p->images, &a, e);
	struct archive_entry *en;
	int r = ARCHIVE_OK;
	while (rc == 0 && (r = archive_read_next_header(a, &en)) == ARCHIVE_OK) {
		struct zname key = {.name = (char *)archive_entry_pathname(en)};
		void *hit = key.name ? tfind(&key, &tree, cmp_zname) : NULL;
		if (!hit)
			continue;
		struct zname *z = *(struct zname **)hit;
		z->seen = 1;
		if (!upload)
			continue;
		struct buf b = {0};
		char chunk[1 << 16];
		la_ssize_t n;
		while (rc == 0 && (n = archive_read_data(a, chunk, sizeof chunk)) > 0)
			if (buf_append(&b, chunk, (size_t)n) < 0)
				rc = err_set(e, EXIT_FAILED, "out of memory");
		if (rc == 0 && n < 0)
			rc = err_set(e, EXIT_USAGE, "%s: cannot read %s (%s)", p->images, z->name,
				     archive_error_string(a));
		if (rc == 0) {
			unsigned char *data = b.data ? (unsigned char *)b.data : malloc(1);
			size_t len = b.len;
			b.data = NULL;
			rc = data ? put_image(u, z->id, z->name, data, len, e)
				  : err_set(e, EXIT_FAILED, "out of memory");
		}
		buf_free(&b);
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = err_set(e, EXIT_USAGE, "%s: damaged or truncated zip (%s)", p->images,
			     archive_error_string(a));
	if (a)
		archive_read_free(a);
	for (idx_t i = 0; rc == 0 && !upload && i < duckdb_row_count(imgs); i++) {
		char *name = duckdb_value_varchar(imgs, 1, i), full[8400];
		snprintf(full, sizeof full, "%s/%s", split, name);
		duckdb_free(name);
		struct zname key = {.name = full};
		void *hit = tfind(&key, &tree, cmp_zname);
		if (hit && !(*(struct zname **)hit)->seen && p->skip_bad)
			rc = reject_image(u, p, duckdb_value_int64(imgs, 0, i), "image missing from the zip", e);
		else if (hit && !(*(struct zname **)hit)->seen)
			rc = err_set(e, EXIT_USAGE, "%s: image %lld: %s has no entry %s", p->inst_name,
				     (long long)duckdb_value_int64(imgs, 0, i), p->images, full);
	}
	tdestroy(tree, free_zname);
	return rc;
}

/* Uploads each image as its own object; memory.main.coco_media maps image id to URI. */
static int upload_images(struct lake *l, const struct config *cfg, const struct ingest_request *rq,
			 const struct paths *p, struct ingest_result *res, struct err *e)
{
	duckdb_result imgs;
	if (lake_exec(l, "CREATE OR REPLACE TABLE memory.main.coco_media (image_id BIGINT, uri "
			 "VARCHAR, status VARCHAR)", e) < 0 ||
	    lake_query(l, "SELECT id, file_name FROM memory.main.coco_src_images ORDER BY id", NULL,
		       0, &imgs, e) < 0)
		return -1;
	struct uprun u = {.l = l, .rq = rq};
	/* a dry walk first: a missing image or a damaged zip fails before any upload */
	int rc = p->zip ? zip_images(&u, &imgs, p, rq->split, 0, e)
			: folder_images(&u, &imgs, p, 0, e);
	if (rc == 0 && u.rejected) { /* --skip-bad set images aside: walk the others */
		duckdb_destroy_result(&imgs);
		if (coco_reject_orphans(l, p, e) < 0 ||
		    lake_query(l, "SELECT id, file_name FROM memory.main.coco_src_images ORDER BY id",
			       NULL, 0, &imgs, e) < 0)
			return -1;
	}
	if (rc == 0 && duckdb_appender_create_ext(lake_connection(l), "memory", "main", "coco_media",
						 &u.app) == DuckDBError)
		rc = err_set(e, EXIT_FAILED, "cannot open the image manifest");
	if (rc == 0 && !(u.assets = assets_begin(cfg, rq->dataset, rq->threads, rq->progress, e)))
		rc = -1;
	progress_phase(rq->progress, "upload", "images");
	progress_add_total(rq->progress, (int64_t)duckdb_row_count(&imgs), 0);
	if (rc == 0)
		rc = p->zip ? zip_images(&u, &imgs, p, rq->split, 1, e)
			    : folder_images(&u, &imgs, p, 1, e);
	duckdb_destroy_result(&imgs);
	struct assets_stats st = {0};
	rc = assets_end(u.assets, rc, &st, e);
	res->blobs += st.blobs, res->objects_new = st.objects_new, res->bytes_new = st.bytes_new;
	if (u.app && duckdb_appender_destroy(&u.app) == DuckDBError && rc == 0)
		rc = err_set(e, EXIT_FAILED, "cannot write the image manifest");
	return rc;
}

/* ---- rows ----------------------------------------------------------------------------- */

struct tx {
	const struct config *cfg;
	const struct ingest_request *rq;
	struct ingest_result *res;
};

/* Adds up the counts the sections report: rows of (coco_table, change, n). */
struct changes {
	int64_t n[3]; /* inserted, updated, removed */
};

static int count_changes(duckdb_result *res, void *ctx)
{
	struct changes *c = ctx;
	if (duckdb_column_count(res) != 3 || strcmp(duckdb_column_name(res, 0), "coco_table") != 0)
		return 0;
	static const char *const kinds[] = {"inserted", "updated", "removed"};
	for (idx_t r = 0; r < duckdb_row_count(res); r++) {
		char *change = duckdb_value_varchar(res, 1, r);
		for (int k = 0; change && k < 3; k++)
			if (strcmp(change, kinds[k]) == 0)
				c->n[k] += duckdb_value_int64(res, 2, r);
		duckdb_free(change);
	}
	return 0;
}

static int land(struct lake *l, void *ctx, struct err *e)
{
	struct tx *t = ctx;
	struct sql_section secs[16];
	int n = sqlfile_sections(sql_10_raw, "-- @section ", secs, 16);
	struct changes c = {0};
	for (int i = 0; i < n; i++) {
		if (strcmp(secs[i].dataset, "coco_json") != 0 ||
		    (!t->rq->skip_bad && strcmp(secs[i].name, "coco_official_rejects") == 0))
			continue;
		struct buf body = {0};
		int rc = sqlfile_expand(&secs[i], "{{name}}", t->rq->dataset, &body) < 0
				 ? err_set(e, EXIT_FAILED, "out of memory")
				 : 0;
		if (rc == 0)
			rc = lake_run(l, body.data, count_changes, &c, e);
		buf_free(&body);
		if (rc < 0)
			return err_wrap(e, "sql/10_raw.sql section %s", secs[i].name);
	}
	int64_t inserted = c.n[0];
	t->res->updated = c.n[1], t->res->removed = c.n[2];
	t->res->rows = inserted;
	if (inserted + t->res->updated + t->res->removed == 0)
		return 1;
	char msg[1024];
	if (t->rq->message)
		snprintf(msg, sizeof msg, "%s", t->rq->message);
	else
		snprintf(msg, sizeof msg,
			 "ingest %s from %s (COCO layout) split %s: %lld inserted, %lld updated, "
			 "%lld removed, %lld new objects",
			 t->rq->dataset, t->rq->repo, t->rq->split, (long long)inserted,
			 (long long)t->res->updated, (long long)t->res->removed,
			 (long long)t->res->objects_new);
	return lake_set_commit_message(l, t->cfg->author, msg, e);
}

int coco_ingest(const struct config *cfg, const struct ingest_request *rq,
		struct ingest_result *res, struct err *e)
{
	struct paths *p = calloc(1, sizeof *p);
	if (!p)
		return err_set(e, EXIT_FAILED, "out of memory");
	progress_phase(rq->progress, "read", "annotations");
	int rc = coco_open(p, rq->coco_root, rq->split, rq->skip_bad, e);
	struct lake *l = NULL;
	if (rc == 0 && lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		rc = -1;
	if (rc < 0) {
		coco_paths_close(p);
		free(p);
		return -1;
	}
	rc = coco_stage(l, p, e);
	rc = rc ? rc : upload_images(l, cfg, rq, p, res, e);
	rc = rc ? rc : lake_query_int64(l, "SELECT count(*) FROM memory.main.coco_rejects", NULL, 0,
					&res->rejected, e);
	rc = rc ? rc : lake_set_variable(l, "ingest_split", rq->split, e);
	rc = rc ? rc : lake_set_variable(l, "ingest_repo", rq->repo, e);
	rc = rc ? rc : lake_set_variable(l, "ingest_revision", rq->revision, e);
	rc = rc ? rc : lake_exec(l, rq->append_only ? "SET VARIABLE ingest_append_only = true"
						    : "SET VARIABLE ingest_append_only = false", e);
	if (rc == 0) {
		progress_phase(rq->progress, "commit", "rows");
		struct tx t = {.cfg = cfg, .rq = rq, .res = res};
		rc = lake_in_transaction(l, land, &t, e);
		if (rc == 0)
			rc = lake_current_snapshot(l, &res->snapshot, e);
		else if (rc > 0)
			rc = 0; /* nothing new: no snapshot */
	}
	lake_close(l);
	coco_paths_close(p);
	free(p);
	return rc;
}
