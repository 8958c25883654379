/* coco.c - the COCO official layout -> objects + raw rows; see coco.h for the order of effects. */
#define _GNU_SOURCE /* tdestroy */
#include "ingest/coco.h"
#include "ingest/coco_parts.h"

#include <archive.h>
#include <archive_entry.h>
#include <search.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/progress.h"
#include "core/sqlfile.h"
#include "core/strset.h"
#include "lake/lake.h"
#include "media/media.h"
#include "store/s3.h"
#include "store/upload.h"

extern const char sql_10_raw[]; /* generated from sql/10_raw.sql */

#define UPLOAD_INFLIGHT (16u << 20)

/* ---- images --------------------------------------------------------------------------- */

struct known {
	void *tree; /* strset of object keys in the bucket or queued */
};

static int remember(struct known *k, const char *key)
{
	return strset_add(&k->tree, key);
}

static int on_existing(const struct s3_object *o, void *ud)
{
	return remember(ud, o->key) < 0 ? -1 : 0;
}

static int read_file(const char *path, unsigned char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	struct stat st;
	unsigned char *d = NULL;
	if (fstat(fileno(f), &st) == 0 && (d = malloc(st.st_size ? (size_t)st.st_size : 1)) &&
	    fread(d, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
		fclose(f);
		*data = d, *len = (size_t)st.st_size;
		return 0;
	}
	free(d);
	fclose(f);
	return -1;
}

/* One upload run: each image becomes an object; memory.main.coco_media maps id -> URI. */
struct uprun {
	struct lake *l;
	int rejected; /* --skip-bad: images set aside by the dry walk */
	const struct config *cfg;
	const struct ingest_request *rq;
	struct ingest_result *res;
	struct known known;
	duckdb_appender app;
	struct uploader *up;
};

/* Takes data (malloc'd) over: uploads it unless the bucket has it, records its URI. */
static int put_image(struct uprun *u, int64_t id, const char *name, unsigned char *data,
		     size_t len, struct err *e)
{
	char sha[65], ext[8], key[1024], uri[1200];
	sha256_hex(data, len, sha);
	media_extension(name, data, len, ext);
	if (media_key(key, sizeof key, u->rq->dataset, "image", sha, ext) < 0) {
		free(data);
		return err_set(e, EXIT_FAILED, "object key too long");
	}
	snprintf(uri, sizeof uri, "s3://%s/%s", u->cfg->bucket, key);
	u->res->blobs++;
	progress_add(u->rq->progress, 1, (int64_t)len);
	if (duckdb_append_int64(u->app, id) == DuckDBError ||
	    duckdb_append_varchar(u->app, uri) == DuckDBError ||
	    duckdb_append_varchar(u->app, media_status(ext, data, len)) == DuckDBError ||
	    duckdb_appender_end_row(u->app) == DuckDBError) {
		free(data);
		return err_set(e, EXIT_FAILED, "cannot record image %s", key);
	}
	int fresh = remember(&u->known, key);
	if (fresh <= 0) {
		free(data);
		if (fresh < 0)
			return err_set(e, EXIT_FAILED, "out of memory");
		progress_count(u->rq->progress, "skipped", 1);
		return 0;
	}
	return uploader_put(u->up, key, data, len, sha, free, data, e);
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
		unsigned char *data;
		size_t len;
		if (read_file(path, &data, &len) < 0)
			return err_set(e, EXIT_USAGE, "%s: image %lld: cannot read %s", p->inst_name,
				       (long long)id, path);
		if (put_image(u, id, path, data, len, e) < 0)
			return -1;
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
	struct uprun u = {.l = l, .cfg = cfg, .rq = rq, .res = res};
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
	char prefix[200];
	snprintf(prefix, sizeof prefix, "assets/%s/", rq->dataset);
	struct s3 *s = rc ? NULL : s3_new(cfg, e);
	if (rc == 0 && !s)
		rc = -1;
	if (s) {
		rc = s3_list(s, prefix, on_existing, &u.known, e);
		s3_free(s);
	}
	if (rc == 0 && duckdb_appender_create_ext(lake_connection(l), "memory", "main", "coco_media",
						 &u.app) == DuckDBError)
		rc = err_set(e, EXIT_FAILED, "cannot open the image manifest");
	if (rc == 0 && !(u.up = uploader_new(cfg, rq->threads, UPLOAD_INFLIGHT, e)))
		rc = -1;
	if (u.up)
		uploader_count(u.up, rq->progress);
	progress_phase(rq->progress, "upload", "images");
	progress_add_total(rq->progress, (int64_t)duckdb_row_count(&imgs), 0);
	if (rc == 0)
		rc = p->zip ? zip_images(&u, &imgs, p, rq->split, 1, e)
			    : folder_images(&u, &imgs, p, 1, e);
	duckdb_destroy_result(&imgs);
	if (u.up) {
		struct upload_stats st = {0};
		struct err upload_err = {0};
		if (uploader_finish(u.up, &st, &upload_err) < 0 && rc == 0) {
			*e = upload_err;
			rc = -1;
		}
		res->objects_new = st.objects;
		res->bytes_new = st.bytes;
	}
	if (u.app && duckdb_appender_destroy(&u.app) == DuckDBError && rc == 0)
		rc = err_set(e, EXIT_FAILED, "cannot write the image manifest");
	strset_free(&u.known.tree);
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

static int set_variable(struct lake *l, const char *name, const char *value, struct err *e)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SET VARIABLE %s = $1", name);
	const char *p[] = {value};
	duckdb_result res;
	if (lake_query(l, sql, p, 1, &res, e) < 0)
		return -1;
	duckdb_destroy_result(&res);
	return 0;
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
	rc = rc ? rc : set_variable(l, "ingest_split", rq->split, e);
	rc = rc ? rc : set_variable(l, "ingest_repo", rq->repo, e);
	rc = rc ? rc : set_variable(l, "ingest_revision", rq->revision, e);
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
