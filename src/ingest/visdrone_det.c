/* visdrone_det.c - the VisDrone-DET layout -> objects + raw.<NAME>_images and
 * raw.<NAME>_annotations; see visdrone_det.h. */
#define _XOPEN_SOURCE 700
#include "ingest/visdrone_det.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/progress.h"
#include "ingest/imagefolder.h"
#include "ingest/visdrone.h"
#include "lake/lake.h"

#define DET_FIELDS 8
static const char *const det_columns[DET_FIELDS] = {
	"bbox_left", "bbox_top", "bbox_width", "bbox_height",
	"score",     "object_category", "truncation", "occlusion"};

/* One file of images/ or annotations/: its name and its stem (the name up to the last dot). */
struct entry {
	char *name;
	size_t stem_len;
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static void entries_free(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int cmp_stem(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t n = x->stem_len < y->stem_len ? x->stem_len : y->stem_len;
	int c = memcmp(x->name, y->name, n);
	return c ? c : x->stem_len < y->stem_len ? -1 : x->stem_len > y->stem_len;
}

/* The regular files of root/sub (hidden names skipped) that are images (txt 0) or .txt files
 * (txt 1), sorted by stem. A folder that cannot be read gives an empty list. */
static int list_dir(const char *root, const char *sub, int txt, struct entries *out,
		    struct err *e)
{
	char dir[PATH_MAX];
	memset(out, 0, sizeof *out);
	if (snprintf(dir, sizeof dir, "%s/%s", root, sub) >= (int)sizeof dir)
		return err_set(e, EXIT_FAILED, "path too long under %s", root);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *dot = strrchr(de->d_name, '.');
		char path[PATH_MAX];
		struct stat st;
		if (de->d_name[0] == '.' || !dot ||
		    !(txt ? strcmp(dot, ".txt") == 0 : imagefolder_image_name(de->d_name)) ||
		    snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path ||
		    lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (out->n == out->cap) {
			size_t c = out->cap ? out->cap * 2 : 256;
			struct entry *v = realloc(out->v, c * sizeof *v);
			if (!v) {
				rc = err_set(e, EXIT_FAILED, "out of memory");
				break;
			}
			out->v = v, out->cap = c;
		}
		char *name = strdup(de->d_name);
		if (!name)
			rc = err_set(e, EXIT_FAILED, "out of memory");
		else
			out->v[out->n++] = (struct entry){name, (size_t)(dot - de->d_name)};
	}
	closedir(d);
	if (rc == 0 && out->n)
		qsort(out->v, out->n, sizeof *out->v, cmp_stem);
	return rc;
}

static const struct entry *find_stem(const struct entries *imgs, const struct entry *ann)
{
	return imgs->n ? bsearch(ann, imgs->v, imgs->n, sizeof *imgs->v, cmp_stem) : NULL;
}

int visdrone_det_present(const char *root)
{
	struct entries imgs = {0}, anns = {0};
	struct err ignored = {0};
	int found = 0;
	if (list_dir(root, "images", 0, &imgs, &ignored) == 0 &&
	    list_dir(root, "annotations", 1, &anns, &ignored) == 0)
		for (size_t i = 0; !found && i < anns.n; i++)
			found = find_stem(&imgs, &anns.v[i]) != NULL;
	entries_free(&imgs);
	entries_free(&anns);
	return found;
}

/* ---- annotations ---------------------------------------------------------------------- */

/* Checks every line of one annotation file and appends it to memory.main.det_ann. */
static int load_file(duckdb_appender app, const char *root, const char *ann, const char *image,
		     const char *split, const char *repo, struct err *e)
{
	char path[PATH_MAX], file_name[PATH_MAX];
	snprintf(path, sizeof path, "%s/annotations/%s", root, ann);
	snprintf(file_name, sizeof file_name, "images/%s", image);
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, EXIT_FAILED, "cannot read %s: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = 0;
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue; /* a blank line (the last one of some files) holds no box */
		long v[DET_FIELDS];
		if (visdrone_parse_fields(line, v, DET_FIELDS) < 0) {
			rc = err_set(e, EXIT_USAGE,
				     "%s:%ld: expected 8 comma-separated integers (bbox_left,bbox_top,"
				     "bbox_width,bbox_height,score,object_category,truncation,"
				     "occlusion), got '%.80s'; fix the line",
				     path, lineno, line);
			break;
		}
		int bad = duckdb_append_varchar(app, file_name) == DuckDBError ||
			  duckdb_append_int64(app, lineno) == DuckDBError;
		for (int k = 0; k < DET_FIELDS; k++)
			bad |= duckdb_append_int32(app, (int32_t)v[k]) == DuckDBError;
		bad |= duckdb_append_varchar(app, split) == DuckDBError ||
		       duckdb_append_varchar(app, repo) == DuckDBError ||
		       duckdb_appender_end_row(app) == DuckDBError;
		if (bad)
			rc = err_set(e, EXIT_FAILED, "%s: %s", path, duckdb_appender_error(app));
	}
	if (rc == 0 && ferror(f))
		rc = err_set(e, EXIT_FAILED, "cannot read %s", path);
	free(line);
	fclose(f);
	return rc;
}

/* memory.main.det_ann: every line of every annotation file; an orphan file is an error. */
static int stage_annotations(struct lake *l, const struct ingest_request *rq,
			     const struct entries *imgs, const struct entries *anns, struct err *e)
{
	struct buf sql = {0};
	int rc = buf_printf(&sql, "CREATE OR REPLACE TABLE memory.main.det_ann (file_name VARCHAR, "
				  "line BIGINT") < 0;
	for (int k = 0; k < DET_FIELDS; k++)
		rc |= buf_printf(&sql, ", %s INTEGER", det_columns[k]) < 0;
	rc |= buf_printf(&sql, ", split VARCHAR, source_repo VARCHAR)") < 0;
	rc = rc ? err_set(e, EXIT_FAILED, "out of memory") : lake_exec(l, sql.data, e);
	buf_free(&sql);
	duckdb_appender app = NULL;
	if (rc == 0 && duckdb_appender_create_ext(lake_connection(l), "memory", "main", "det_ann",
						 &app) == DuckDBError)
		rc = err_set(e, EXIT_FAILED, "cannot stage the annotations");
	for (size_t i = 0; rc == 0 && i < anns->n; i++) {
		const struct entry *img = find_stem(imgs, &anns->v[i]);
		if (!img)
			rc = err_set(e, EXIT_USAGE, "%s/annotations/%s: no image images/%.*s.* for it; "
				     "add the image or remove the annotation file", rq->det_root,
				     anns->v[i].name, (int)anns->v[i].stem_len, anns->v[i].name);
		else
			rc = load_file(app, rq->det_root, anns->v[i].name, img->name, rq->split,
				       rq->repo, e);
	}
	if (app && duckdb_appender_destroy(&app) == DuckDBError && rc == 0)
		rc = err_set(e, EXIT_FAILED, "cannot stage the annotations");
	return rc;
}

/* ---- the transaction ------------------------------------------------------------------ */

struct tx {
	const struct config *cfg;
	const struct ingest_request *rq;
	struct ingest_result *res;
};

static int land(struct lake *l, void *ctx, struct err *e)
{
	struct tx *t = ctx;
	struct ingest_result *r = t->res;
	char images[200], anns[200], cols[400] = "file_name, line";
	snprintf(images, sizeof images, "raw.\"%s_images\"", t->rq->dataset); /* a valid identifier */
	snprintf(anns, sizeof anns, "raw.\"%s_annotations\"", t->rq->dataset);
	for (int k = 0; k < DET_FIELDS; k++)
		snprintf(cols + strlen(cols), sizeof cols - strlen(cols), ", %s", det_columns[k]);
	snprintf(cols + strlen(cols), sizeof cols - strlen(cols), ", split, source_repo");
	if (imagefolder_follow(l, images, "memory.main.if_rows", IMAGEFOLDER_COLUMNS, &r->rows,
			       &r->updated, &r->removed, e) < 0 ||
	    imagefolder_follow(l, anns, "memory.main.det_ann", cols, &r->ann_inserted,
			       &r->ann_updated, &r->ann_removed, e) < 0)
		return -1;
	if (r->rows + r->updated + r->removed + r->ann_inserted + r->ann_updated +
		    r->ann_removed == 0)
		return 1; /* nothing new: rolled back, no snapshot */
	char msg[1024];
	if (t->rq->message)
		snprintf(msg, sizeof msg, "%s", t->rq->message);
	else
		snprintf(msg, sizeof msg,
			 "ingest %s from %s (visdrone-det layout): images %lld inserted, %lld "
			 "updated, %lld removed; annotation files %lld inserted, %lld updated, %lld "
			 "removed; %lld new objects",
			 t->rq->dataset, t->rq->repo, (long long)r->rows, (long long)r->updated,
			 (long long)r->removed, (long long)r->ann_inserted, (long long)r->ann_updated,
			 (long long)r->ann_removed, (long long)r->objects_new);
	return lake_set_commit_message(l, t->cfg->author, msg, e);
}

int visdrone_det_ingest(const struct config *cfg, const struct ingest_request *rq,
			struct ingest_result *res, struct err *e)
{
	if (rq->skip_bad)
		return err_set(e, EXIT_USAGE, "--skip-bad does not apply to the VisDrone-DET layout "
			       "(%s): fix the line or the file it names", rq->det_root);
	struct entries imgs = {0}, anns = {0};
	int rc = list_dir(rq->det_root, "images", 0, &imgs, e);
	rc = rc ? rc : list_dir(rq->det_root, "annotations", 1, &anns, e);
	if (rc == 0 && imgs.n == 0)
		rc = err_set(e, EXIT_USAGE, "%s/images: no image files", rq->det_root);
	for (size_t i = 1; rc == 0 && i < imgs.n; i++)
		if (cmp_stem(&imgs.v[i - 1], &imgs.v[i]) == 0)
			rc = err_set(e, EXIT_USAGE, "%s/images: %s and %s share a stem, so an "
				     "annotation file cannot tell them apart; keep one", rq->det_root,
				     imgs.v[i - 1].name, imgs.v[i].name);
	char **rel = rc == 0 ? calloc(imgs.n ? imgs.n : 1, sizeof *rel) : NULL;
	if (rc == 0 && !rel)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	size_t nrel = 0;
	for (; rc == 0 && nrel < imgs.n; nrel++) {
		char p[PATH_MAX];
		snprintf(p, sizeof p, "images/%s", imgs.v[nrel].name);
		if (!(rel[nrel] = strdup(p)))
			rc = err_set(e, EXIT_FAILED, "out of memory");
	}
	struct lake *l = NULL;
	if (rc == 0 && lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		rc = -1;
	progress_phase(rq->progress, "read", "files");
	rc = rc ? rc : lake_set_variable(l, "ingest_repo", rq->repo, e);
	rc = rc ? rc : stage_annotations(l, rq, &imgs, &anns, e);
	struct ingest_request images_rq = *rq;
	images_rq.image_root = rq->det_root;
	rc = rc ? rc : imagefolder_stage_images(l, cfg, &images_rq, rel, nrel, res, e);
	if (rc == 0) {
		progress_phase(rq->progress, "commit", "rows");
		struct tx t = {.cfg = cfg, .rq = rq, .res = res};
		rc = lake_in_transaction(l, land, &t, e);
		if (rc == 0)
			rc = lake_current_snapshot(l, &res->snapshot, e);
		else if (rc > 0)
			rc = 0; /* nothing new: no snapshot */
	}
	if (l)
		lake_close(l);
	for (size_t i = 0; rel && i < nrel; i++)
		free(rel[i]);
	free(rel);
	entries_free(&imgs);
	entries_free(&anns);
	return rc;
}
