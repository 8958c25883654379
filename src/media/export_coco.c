/* export_coco.c - COCO JSON (annotations/instances_<split>.json, captions_<split>.json) and the
 * images of each split under DEST/<split>/; see export.h and export_parts.h. */
#define _GNU_SOURCE
#include "media/export_parts.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/pool.h"
#include "lake/lake.h"
#include "media/reader.h"

/* Streams one JSON array of the first column of a section's rows into f. */
static int json_array_from(struct lake *l, FILE *f, const char *key, const char *section,
			   const char *split, int64_t *count, struct err *e)
{
	duckdb_result r;
	const char *par[] = {split};
	if (export_section_query(l, section, split ? par : NULL, split ? 1 : 0, &r, e) < 0)
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

/* The section's name, with "_source" appended for a split that came from a COCO release. */
static const char *sec(char *buf, size_t n, const char *name, int source)
{
	snprintf(buf, n, "%s%s", name, source ? "_source" : "");
	return buf;
}

/* 1 when split came from a COCO release (sql/40_export.sql, coco_from_source). */
static int from_source(struct lake *l, const struct pinned *p, const char *split, int *source,
		       struct err *e)
{
	*source = 0;
	if (!p->release[0])
		return 0;
	duckdb_result r;
	const char *par[] = {split};
	if (export_section_query(l, "coco_from_source", par, 1, &r, e) < 0)
		return -1;
	*source = duckdb_row_count(&r) > 0 && duckdb_value_boolean(&r, 0, 0);
	duckdb_destroy_result(&r);
	return 0;
}

/* kind: 0 instances_, 1 captions_, 2 person_keypoints_<split>.json (a source split only). */
static int coco_file(struct lake *l, struct dest *d, const struct pinned *p, const char *split,
		     int kind, int source, int64_t *annotations, struct err *e)
{
	static const char *const names[] = {"instances", "captions", "person_keypoints"};
	static const char *const annotation_sections[] = {"coco_annotations", "coco_captions",
							 "coco_keypoints"};
	int captions = kind == 1;
	char s1[64];
	char rel[512];
	snprintf(rel, sizeof rel, "annotations/%s_%s.json", names[kind], split);
	struct dest_file out;
	if (dest_create(d, rel, NULL, &out, e) < 0)
		return -1;
	FILE *f = out.t.f;
	json_t *info = json_pack("{s:s, s:I, s:s, s:s}", "description", "lakehouse export", "snapshot_id",
				 (json_int_t)p->id, "snapshot_time", p->time, "query", p->query);
	char *info_text = json_dumps(info, JSON_COMPACT);
	json_decref(info);
	fprintf(f, "{\"info\": %s", info_text ? info_text : "{}");
	free(info_text);
	int rc = source ? json_array_from(l, f, "licenses", "coco_licenses_source", split, NULL, e)
			: (fputs(",\n\"licenses\": []", f), 0);
	if (rc == 0)
		rc = json_array_from(l, f, "images", sec(s1, sizeof s1, "coco_images", source), split,
				     NULL, e);
	if (rc == 0)
		rc = json_array_from(l, f, "annotations",
				     sec(s1, sizeof s1, annotation_sections[kind], source), split,
				     annotations, e);
	if (rc == 0 && !captions)
		rc = json_array_from(l, f, "categories",
				     sec(s1, sizeof s1, kind == 2 ? "coco_keypoint_categories"
								  : "coco_categories", source),
				     source ? split : NULL, NULL, e);
	fputs("\n}\n", f);
	if (rc == 0)
		return dest_finish(d, &out, 0, e);
	dest_abandon(&out);
	return -1;
}

/* Images of one split to their files, on the pool. */
struct coco_images {
	struct media_workers workers; /* first: the pool's ctx */
	const struct export_request *rq;
	int64_t done_before, done, bytes; /* progress: images written, their bytes */
	struct media_plan plan;
	char **paths; /* item i's file */
	pthread_mutex_t lock; /* guards the progress counts */
};

static int image_copy(void *ctx, void *state, void *task, struct err *e)
{
	struct coco_images *ci = ctx;
	size_t i = POOL_INDEX(task);
	struct buf b = {0};
	int rc = media_read(state, &ci->plan, i, &b, e);
	if (rc < 0) {
		e->code = EXIT_FAILED;
		err_wrap(e, "cannot export %s, which the selection names", ci->plan.items[i].uri);
	} else if ((rc = fs_write_atomic(ci->paths[i], b.data, b.len, e)) < 0) {
		e->code = EXIT_FAILED;
	} else {
		pthread_mutex_lock(&ci->lock);
		ci->done++, ci->bytes += (int64_t)b.len;
		export_report(ci->rq, ci->done_before + ci->done, (int64_t)ci->plan.n, ci->bytes, 0);
		pthread_mutex_unlock(&ci->lock);
	}
	buf_free(&b);
	return rc;
}

/* 1 when name is a path inside the folder it is relative to: not empty, not absolute, no
 * "." or ".." component, no empty one. */
static int relative_path(const char *name)
{
	if (!*name || *name == '/')
		return 0;
	for (const char *c = name; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += n;
		c += *c == '/';
		if (c[-1] == '/' && !*c)
			return 0;
	}
	return 1;
}

/* Fetches the images of one split into DEST/<split>/<file_name> (folders only). */
static int coco_images(struct lake *l, const struct config *cfg, const struct export_request *rq,
		       struct dest *d, const char *split, int source, struct export_result *res,
		       struct err *e)
{
	duckdb_result r;
	const char *par[] = {split};
	char s1[64];
	if (export_section_query(l, sec(s1, sizeof s1, "coco_images", source), par, 1, &r, e) < 0)
		return -1;
	idx_t rows = duckdb_row_count(&r);
	struct coco_images ci = {.workers = {.cfg = cfg}, .rq = rq, .done_before = res->samples, .paths = calloc(rows ? rows : 1, sizeof(char *))};
	int rc = ci.paths ? 0 : err_set(e, EXIT_FAILED, "out of memory");
	char dir[4400];
	snprintf(dir, sizeof dir, "%s/%s", d->dir, split);
	if (rc == 0)
		rc = fs_mkdir_p(dir, 0755, e);
	for (idx_t i = 0; rc == 0 && i < rows; i++) {
		char *file = export_value_str(&r, 2, i), *uri = export_value_str(&r, 1, i), key[300];
		if (file && uri && source && relative_path(file)) {
			/* a release's file_name as the JSON names it, subfolders made */
			if (asprintf(&ci.paths[i], "%s/%s", dir, file) < 0)
				ci.paths[i] = NULL;
			char *slash = ci.paths[i] ? strrchr(ci.paths[i], '/') : NULL;
			if (slash) {
				*slash = '\0';
				rc = fs_mkdir_p(ci.paths[i], 0755, e);
				*slash = '/';
			}
		} else if (file && uri) {
			export_key(file, key, sizeof key); /* a file name, never a path */
			char *dot = strrchr(file, '.');
			if (asprintf(&ci.paths[i], "%s/%.*s%s", dir,
				     (int)(dot ? (size_t)(dot - file) : strlen(file)), key, dot ? dot : "") < 0)
				ci.paths[i] = NULL;
		}
		if (rc < 0) {
			free(file), free(uri);
			break;
		}
		if (!ci.paths[i] || media_plan_add(&ci.plan, uri, -1, 0, -1) < 0)
			rc = err_set(e, EXIT_FAILED, "out of memory");
		free(file), free(uri);
	}
	pthread_mutex_init(&ci.lock, NULL);
	const struct pool_ops ops = {.worker_start = media_workers_start,
				     .worker_stop = media_workers_stop, .run = image_copy};
	if (rc == 0)
		rc = pool_for(ci.plan.n, export_threads(rq), &ops, &ci, e);
	pthread_mutex_destroy(&ci.lock);
	if (rc == 0)
		res->samples += (int64_t)rows;
	res->bytes += ci.workers.received;
	for (idx_t i = 0; ci.paths && i < rows; i++)
		free(ci.paths[i]);
	free(ci.paths);
	media_plan_free(&ci.plan);
	duckdb_destroy_result(&r);
	return rc;
}

int export_coco(struct lake *l, const struct config *cfg, const struct export_request *rq,
		struct pinned *p, struct dest *d, struct export_result *res, struct err *e)
{
	if (p->fragments)
		return err_set(e, EXIT_USAGE, "--format coco exports images (a selection with "
					      "image_uri); use --format webdataset for video fragments");
	if (d->kind == DEST_S3 && !rq->no_images)
		return err_set(e, EXIT_USAGE, "--format coco to s3:// needs --no-images (images are "
					      "already objects; coco_url names them)");
	duckdb_result r;
	if (export_section_query(l, "coco_splits", NULL, 0, &r, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&r); i++) {
		char *split = export_value_str(&r, 0, i);
		int64_t ncaptions = 0;
		const char *par[] = {split};
		int source = 0;
		char s1[64];
		rc = from_source(l, p, split, &source, e);
		char *sql = rc ? NULL : export_section_sql(sec(s1, sizeof s1, "coco_captions", source), e);
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
			rc = coco_file(l, d, p, split, 0, source, &res->annotations, e);
		if (rc == 0 && ncaptions)
			rc = coco_file(l, d, p, split, 1, source, NULL, e);
		int64_t nkeypoints = 0;
		if (rc == 0 && source) {
			char *k = export_section_sql("coco_keypoints_source", e);
			struct buf q = {0};
			rc = k ? buf_printf(&q, "SELECT count(*) FROM (%s)", k) : -1;
			rc = rc ? (k ? err_set(e, EXIT_FAILED, "out of memory") : -1)
				: lake_query_int64(l, q.data, par, 1, &nkeypoints, e);
			buf_free(&q);
			free(k);
		}
		if (rc == 0 && nkeypoints)
			rc = coco_file(l, d, p, split, 2, source, NULL, e);
		if (rc == 0 && !rq->no_images)
			rc = coco_images(l, cfg, rq, d, split, source, res, e);
		free(split);
	}
	duckdb_destroy_result(&r);
	return rc;
}
