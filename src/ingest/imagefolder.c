/* imagefolder.c - a folder of images -> objects + raw.<NAME>_images; see imagefolder.h. */
#define _XOPEN_SOURCE 700
#include "ingest/imagefolder.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/progress.h"
#include "core/strset.h"
#include "ingest/assets.h"
#include "lake/lake.h"
#include "media/media.h"


/* The columns lakehouse fills; a metadata column of the same name would be ambiguous. */
static const char *const own_columns[] = {"image_uri", "file_name", "label", "split", "width",
					  "height", "image_status", "sha256", "bytes",
					  "source_repo", NULL};

int imagefolder_image_name(const char *name)
{
	static const char *const exts[] = {"jpg", "jpeg", "png", "webp", "bmp", "gif", "tif",
					   "tiff", NULL};
	const char *dot = strrchr(name, '.');
	for (int i = 0; dot && exts[i]; i++)
		if (strcasecmp(dot + 1, exts[i]) == 0)
			return 1;
	return 0;
}

static int metadata_name(const char *name)
{
	return strcmp(name, "metadata.jsonl") == 0 || strcmp(name, "metadata.csv") == 0;
}

/* The split a top-level folder name stands for (HF's keywords, then only "-._ 0-9"), or NULL. */
static const char *split_of_folder(const char *name, size_t len)
{
	static const struct {
		const char *word, *split;
	} words[] = {{"training", "train"},	  {"train", "train"},	 {"validation", "validation"},
		     {"valid", "validation"},	  {"val", "validation"}, {"dev", "validation"},
		     {"testing", "test"},	  {"test", "test"},	 {"evaluation", "test"},
		     {"eval", "test"}};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t wl = strlen(words[i].word);
		if (len < wl || strncmp(name, words[i].word, wl) != 0)
			continue;
		size_t k = wl;
		while (k < len && strchr("-._ 0123456789", name[k]))
			k++;
		if (k == len)
			return words[i].split;
	}
	return NULL;
}

const char *imagefolder_split(const char *folder)
{
	return split_of_folder(folder, strlen(folder));
}

/* ---- the walk ------------------------------------------------------------------------- */

struct list {
	char **v;
	size_t n, cap;
};

static int list_add(struct list *l, const char *s)
{
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, c * sizeof *v);
		if (!v)
			return -1;
		l->v = v, l->cap = c;
	}
	return (l->v[l->n] = strdup(s)) ? (int)(l->n++, 0) : -1;
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects image and metadata paths relative to root (symbolic links not followed; hidden
 * names, starting with '.', skipped as HF does). stop_at_first: only whether one image exists. */
static int walk(const char *root, const char *rel, struct list *imgs, struct list *meta,
		int stop_at_first, struct err *e)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(dir);
	if (!d)
		return *rel ? 0 : err_set(e, EXIT_FAILED, "cannot read %s: %s", dir, strerror(errno));
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL && !(stop_at_first && imgs->n)) {
		if (de->d_name[0] == '.')
			continue;
		char path[PATH_MAX], sub[PATH_MAX];
		struct stat st;
		if (snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) >=
			    (int)sizeof sub ||
		    snprintf(path, sizeof path, "%s/%s", root, sub) >= (int)sizeof path) {
			rc = err_set(e, EXIT_FAILED, "path too long under %s", dir);
			break;
		}
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk(root, sub, imgs, meta, stop_at_first, e);
		else if (S_ISREG(st.st_mode) && imagefolder_image_name(de->d_name))
			rc = list_add(imgs, sub) < 0 ? err_set(e, EXIT_FAILED, "out of memory") : 0;
		else if (S_ISREG(st.st_mode) && meta && metadata_name(de->d_name))
			rc = list_add(meta, sub) < 0 ? err_set(e, EXIT_FAILED, "out of memory") : 0;
	}
	closedir(d);
	return rc;
}

int imagefolder_present(const char *root)
{
	struct list imgs = {0};
	struct err ignored = {0};
	struct stat st;
	int found = stat(root, &st) == 0 && S_ISDIR(st.st_mode) &&
		    walk(root, "", &imgs, NULL, 1, &ignored) == 0 && imgs.n > 0;
	list_free(&imgs);
	return found;
}

/* The split folder an image or metadata path sits in ("train/x.jpg" -> "train"), or NULL. */
static const char *split_of_path(const char *rel)
{
	const char *slash = strchr(rel, '/');
	return slash ? split_of_folder(rel, (size_t)(slash - rel)) : NULL;
}

/* ---- staging -------------------------------------------------------------------------- */

/* memory.main.if_files (file_name, split, label, path): one row per image, split and label
 * decided by the rules of imagefolder.h. */
static int stage_files(struct lake *l, const struct ingest_request *rq, const struct list *imgs,
		       const struct list *meta, struct err *e)
{
	int split_mode = 0, same_depth = 1, all_in_folder = 1, depth0 = -1;
	void *labels = NULL;
	size_t nlabels = 0;
	for (size_t i = 0; i < imgs->n; i++)
		split_mode |= split_of_path(imgs->v[i]) != NULL;
	for (size_t i = 0; i < imgs->n; i++) {
		const char *rel = imgs->v[i], *base = rel;
		if (split_mode && !split_of_path(rel))
			return err_set(e, EXIT_USAGE, "%s/%s: outside the split folders (train/, "
				       "validation/, test/...) the folder has; move it into one",
				       rq->image_root, rel);
		if (split_mode)
			base = strchr(rel, '/') + 1;
		int depth = 0;
		for (const char *c = rel; *c; c++)
			depth += *c == '/';
		same_depth &= depth0 < 0 || depth == depth0;
		depth0 = depth;
		const char *last = strrchr(base, '/');
		all_in_folder &= last != NULL;
		if (last) {
			const char *from = last;
			while (from > base && from[-1] != '/')
				from--;
			char label[NAME_MAX + 1];
			snprintf(label, sizeof label, "%.*s", (int)(last - from), from);
			int fresh = strset_add(&labels, label);
			if (fresh < 0) {
				strset_free(&labels);
				return err_set(e, EXIT_FAILED, "out of memory");
			}
			nlabels += (size_t)fresh;
		}
	}
	strset_free(&labels);
	int with_labels = meta->n == 0 && same_depth && all_in_folder && nlabels > 1;
	for (size_t i = 0; i < meta->n; i++) {
		const char *slash = strchr(meta->v[i], '/');
		if (slash && (strchr(slash + 1, '/') || !split_mode || !split_of_path(meta->v[i])))
			return err_set(e, EXIT_USAGE, "%s/%s: a metadata file sits in the folder's root "
				       "or in a split folder", rq->image_root, meta->v[i]);
	}
	duckdb_appender app;
	if (lake_exec(l, "CREATE OR REPLACE TABLE memory.main.if_files (file_name VARCHAR, split "
			 "VARCHAR, label VARCHAR, path VARCHAR)", e) < 0)
		return -1;
	if (duckdb_appender_create_ext(lake_connection(l), "memory", "main", "if_files", &app) ==
	    DuckDBError)
		return err_set(e, EXIT_FAILED, "cannot stage the image list");
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < imgs->n; i++) {
		const char *rel = imgs->v[i], *last = strrchr(rel, '/'), *from = last;
		while (from && from > rel && from[-1] != '/')
			from--;
		char label[NAME_MAX + 1] = "", path[PATH_MAX * 2];
		if (with_labels)
			snprintf(label, sizeof label, "%.*s", (int)(last - from), from);
		snprintf(path, sizeof path, "%s/%s", rq->image_root, rel);
		const char *split = split_mode ? split_of_path(rel) : rq->split;
		if (duckdb_append_varchar(app, rel) == DuckDBError ||
		    duckdb_append_varchar(app, split) == DuckDBError ||
		    (with_labels ? duckdb_append_varchar(app, label) : duckdb_append_null(app)) ==
			    DuckDBError ||
		    duckdb_append_varchar(app, path) == DuckDBError ||
		    duckdb_appender_end_row(app) == DuckDBError)
			rc = err_set(e, EXIT_FAILED, "cannot stage the image list");
	}
	if (duckdb_appender_destroy(&app) == DuckDBError && rc == 0)
		rc = err_set(e, EXIT_FAILED, "cannot stage the image list");
	return rc;
}

/* Reads every metadata file into memory.main.if_meta: __lh_meta (the file), __lh_line,
 * __lh_file_name (file_name made relative to the root) and the file's other columns. */
static int stage_metadata(struct lake *l, const struct ingest_request *rq,
			  const struct list *meta, struct err *e)
{
	if (lake_exec(l, "CREATE OR REPLACE TABLE memory.main.if_meta (__lh_meta VARCHAR, "
			 "__lh_line BIGINT, __lh_file_name VARCHAR)", e) < 0)
		return -1;
	for (size_t i = 0; i < meta->n; i++) {
		char path[PATH_MAX * 2], prefix[PATH_MAX];
		const char *rel = meta->v[i], *slash = strrchr(rel, '/');
		int csv = strcmp(rel + strlen(rel) - 4, ".csv") == 0;
		snprintf(path, sizeof path, "%s/%s", rq->image_root, rel);
		snprintf(prefix, sizeof prefix, "%.*s", slash ? (int)(slash - rel + 1) : 0, rel);
		int64_t has = 0;
		if (lake_set_variable(l, "if_meta_path", path, e) < 0 ||
		    lake_set_variable(l, "if_meta_prefix", prefix, e) < 0)
			return -1;
		if (lake_exec(l, csv ? "CREATE OR REPLACE TABLE memory.main.if_one AS SELECT * FROM "
				       "read_csv(getvariable('if_meta_path'), header = true) WITH "
				       "ORDINALITY"
				     : "CREATE OR REPLACE TABLE memory.main.if_one AS SELECT * FROM "
				       "read_json(getvariable('if_meta_path'), format = "
				       "'newline_delimited') WITH ORDINALITY",
			      e) < 0)
			return err_wrap(e, "%s: cannot read it as %s", path, csv ? "CSV" : "JSON Lines");
		if (lake_query_int64(l, "SELECT count(*) FROM (DESCRIBE memory.main.if_one) WHERE "
				     "column_name = 'file_name'", NULL, 0, &has, e) < 0)
			return -1;
		if (!has)
			return err_set(e, EXIT_USAGE, "%s: no file_name column (each row names its image "
				       "relative to this file's folder)", path);
		char sql[512];
		snprintf(sql, sizeof sql,
			 "CREATE OR REPLACE TABLE memory.main.if_meta AS SELECT * FROM memory.main.if_meta "
			 "UNION ALL BY NAME SELECT getvariable('if_meta_path') AS __lh_meta, ordinality%s "
			 "AS __lh_line, getvariable('if_meta_prefix') || file_name::VARCHAR AS "
			 "__lh_file_name, * EXCLUDE (file_name, ordinality) FROM memory.main.if_one",
			 csv ? " + 1" : "");
		if (lake_exec(l, sql, e) < 0)
			return -1;
	}
	return 0;
}

/* The metadata checks: each names the file and the line of the first faulty row; with
 * skip_bad those rows go to memory.main.if_rejects instead. */
#define FIX " (fix the row or the folder; --skip-bad sets such rows aside)"
static int check_metadata(struct lake *l, const struct ingest_request *rq, int64_t *rejected,
			  struct err *e)
{
	static const struct {
		const char *where, *msg;
	} checks[] = {
		{"__lh_file_name IS NULL", "%s line %lld: no file_name" FIX},
		{"EXISTS (SELECT 1 FROM memory.main.if_meta o WHERE o.__lh_file_name = m.__lh_file_name "
		 "AND (o.__lh_meta, o.__lh_line) < (m.__lh_meta, m.__lh_line))",
		 "%s line %lld: file_name '%s' is named a second time" FIX},
		{"NOT EXISTS (SELECT 1 FROM memory.main.if_files f WHERE f.file_name = m.__lh_file_name)",
		 "%s line %lld: file_name '%s' names no image in the folder" FIX},
	};
	if (lake_exec(l, "CREATE OR REPLACE TABLE memory.main.if_rejects (source_file VARCHAR, "
			 "record VARCHAR, record_id BIGINT, reason VARCHAR)", e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		char sql[1024];
		snprintf(sql, sizeof sql, "SELECT __lh_meta, __lh_line, coalesce(__lh_file_name, '') "
			 "FROM memory.main.if_meta m WHERE %s ORDER BY __lh_meta, __lh_line",
			 checks[i].where);
		duckdb_result res;
		if (lake_query(l, sql, NULL, 0, &res, e) < 0)
			return -1;
		idx_t n = duckdb_row_count(&res);
		if (n && !rq->skip_bad) {
			char *file = duckdb_value_varchar(&res, 0, 0), *name = duckdb_value_varchar(&res, 2, 0);
			err_set(e, EXIT_USAGE, checks[i].msg, file,
				(long long)duckdb_value_int64(&res, 1, 0), name);
			duckdb_free(file);
			duckdb_free(name);
			duckdb_destroy_result(&res);
			return -1;
		}
		duckdb_destroy_result(&res);
		if (!n)
			continue;
		char move[2048];
		snprintf(move, sizeof move,
			 "INSERT INTO memory.main.if_rejects SELECT __lh_meta, 'metadata', __lh_line, "
			 "'%s' FROM memory.main.if_meta m WHERE %s;"
			 "DELETE FROM memory.main.if_meta m WHERE %s",
			 i == 0 ? "no file_name" : i == 1 ? "file_name named a second time"
							 : "file_name names no image",
			 checks[i].where, checks[i].where);
		if (lake_exec(l, move, e) < 0)
			return -1;
		*rejected += (int64_t)n;
	}
	return 0;
}

/* Collects the metadata's own column names as quoted lists (", " + each) into cols, and
 * qualified by the alias x into xcols; refuses one named like a column lakehouse fills. */
static int metadata_columns(struct lake *l, const struct ingest_request *rq, struct buf *cols,
			    struct buf *xcols, struct err *e)
{
	duckdb_result res;
	if (lake_query(l, "SELECT column_name FROM (DESCRIBE memory.main.if_meta) WHERE "
			  "column_name NOT LIKE '\\_\\_lh\\_%' ESCAPE '\\'", NULL, 0, &res, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&res); i++) {
		char *name = duckdb_value_varchar(&res, 0, i), q[600];
		for (int k = 0; own_columns[k] && rc == 0; k++)
			if (strcmp(name, own_columns[k]) == 0)
				rc = err_set(e, EXIT_USAGE, "%s: a metadata column is named %s, a column "
					     "lakehouse fills itself; rename it in the metadata file",
					     rq->image_root, name);
		if (rc == 0 && lake_quote_ident(name, q, sizeof q) < 0)
			rc = err_set(e, EXIT_USAGE, "%s: metadata column name too long", rq->image_root);
		if (rc == 0 && (buf_printf(cols, ", %s", q) < 0 || buf_printf(xcols, ", x.%s", q) < 0))
			rc = err_set(e, EXIT_FAILED, "out of memory");
		duckdb_free(name);
	}
	duckdb_destroy_result(&res);
	return rc;
}

/* ---- objects -------------------------------------------------------------------------- */

/* Reads each image, records it in memory.main.if_media and uploads it unless the bucket (or
 * this run) has it. */
static int upload_images(struct lake *l, const struct config *cfg, const struct ingest_request *rq,
			 struct ingest_result *res, struct err *e)
{
	duckdb_result files;
	if (lake_exec(l, "CREATE OR REPLACE TABLE memory.main.if_media (file_name VARCHAR, "
			 "image_uri VARCHAR, image_status VARCHAR, sha256 VARCHAR, bytes BIGINT, "
			 "width INTEGER, height INTEGER)", e) < 0 ||
	    lake_query(l, "SELECT file_name, path FROM memory.main.if_files ORDER BY file_name", NULL,
		       0, &files, e) < 0)
		return -1;
	struct assets *assets = assets_begin(cfg, rq->dataset, rq->threads, rq->progress, e);
	int rc = assets ? 0 : -1;
	duckdb_appender app = NULL;
	if (rc == 0 && duckdb_appender_create_ext(lake_connection(l), "memory", "main", "if_media",
						 &app) == DuckDBError)
		rc = err_set(e, EXIT_FAILED, "cannot open the image manifest");
	progress_phase(rq->progress, "upload", "images");
	progress_add_total(rq->progress, (int64_t)duckdb_row_count(&files), 0);
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&files); i++) {
		char *name = duckdb_value_varchar(&files, 0, i), *path = duckdb_value_varchar(&files, 1, i);
		struct buf b = {0};
		struct asset a;
		int w = 0, h = 0, sized = 0;
		size_t len = 0;
		rc = fs_read_file(path, &b, NULL, e);
		if (rc == 0) {
			/* the size is read before the bytes are handed over */
			sized = media_image_size((unsigned char *)b.data, b.len, &w, &h);
			len = b.len;
			void *data = b.data ? b.data : malloc(1);
			b.data = NULL;
			rc = data ? assets_put(assets, "image", name, data, len, free, data, &a, e)
				  : err_set(e, EXIT_FAILED, "out of memory");
		}
		if (rc == 0 &&
		    (duckdb_append_varchar(app, name) == DuckDBError ||
		     duckdb_append_varchar(app, a.uri) == DuckDBError ||
		     duckdb_append_varchar(app, a.status) == DuckDBError ||
		     duckdb_append_varchar(app, a.sha256) == DuckDBError ||
		     duckdb_append_int64(app, (int64_t)len) == DuckDBError ||
		     (sized ? duckdb_append_int32(app, w) : duckdb_append_null(app)) == DuckDBError ||
		     (sized ? duckdb_append_int32(app, h) : duckdb_append_null(app)) == DuckDBError ||
		     duckdb_appender_end_row(app) == DuckDBError))
			rc = err_set(e, EXIT_FAILED, "cannot record image %s", name);
		buf_free(&b);
		duckdb_free(name);
		duckdb_free(path);
	}
	duckdb_destroy_result(&files);
	struct assets_stats st = {0};
	rc = assets_end(assets, rc, &st, e);
	res->blobs += st.blobs, res->objects_new = st.objects_new, res->bytes_new = st.bytes_new;
	if (app && duckdb_appender_destroy(&app) == DuckDBError && rc == 0)
		rc = err_set(e, EXIT_FAILED, "cannot write the image manifest");
	return rc;
}

/* ---- rows ----------------------------------------------------------------------------- */

struct tx {
	const struct config *cfg;
	const struct ingest_request *rq;
	struct ingest_result *res;
	const char *cols; /* every column of memory.main.if_rows, quoted, comma separated */
};

static int add_column(struct lake *l, const char *table, duckdb_result *d, idx_t i, struct err *e)
{
	char *name = duckdb_value_varchar(d, 0, i), *type = duckdb_value_varchar(d, 1, i), q[600];
	struct buf sql = {0};
	int rc = lake_quote_ident(name, q, sizeof q) < 0 ||
			 buf_printf(&sql, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", table, q,
				    type) < 0
		     ? err_set(e, EXIT_FAILED, "out of memory")
		     : lake_exec(l, sql.data, e);
	buf_free(&sql);
	duckdb_free(name);
	duckdb_free(type);
	return rc;
}

int imagefolder_follow(struct lake *l, const char *table, const char *staged, const char *cols,
		       int64_t *inserted, int64_t *updated, int64_t *removed, struct err *e)
{
	struct buf sql = {0};
	int rc = buf_printf(&sql, "CREATE TABLE IF NOT EXISTS %s AS SELECT * FROM %s WITH NO DATA",
			    table, staged) < 0
		     ? err_set(e, EXIT_FAILED, "out of memory")
		     : lake_exec(l, sql.data, e);
	duckdb_result d;
	buf_reset(&sql);
	if (rc == 0 && buf_printf(&sql, "SELECT column_name, column_type FROM (DESCRIBE %s)",
				  staged) < 0)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	if (rc == 0 && (rc = lake_query(l, sql.data, NULL, 0, &d, e)) == 0) {
		for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&d); i++)
			rc = add_column(l, table, &d, i, e);
		duckdb_destroy_result(&d);
	}
	/* the keys whose rows differ either way (EXCEPT: NULLs compare equal), counted before
	 * anything moves; then their landed rows go and their staged rows come in */
	buf_reset(&sql);
	if (rc == 0 &&
	    buf_printf(&sql,
		       "CREATE OR REPLACE TEMP TABLE if_old AS SELECT %s FROM %s WHERE source_repo = "
		       "getvariable('ingest_repo');"
		       "CREATE OR REPLACE TEMP TABLE if_keys AS SELECT DISTINCT split, file_name FROM "
		       "((SELECT %s FROM %s EXCEPT SELECT * FROM if_old) UNION ALL (SELECT * FROM "
		       "if_old EXCEPT SELECT %s FROM %s));"
		       "CREATE OR REPLACE TEMP TABLE if_counts AS SELECT "
		       "count(*) FILTER (WHERE o AND n) AS updated, count(*) FILTER (WHERE n AND NOT o) "
		       "AS inserted, count(*) FILTER (WHERE o AND NOT n) AS removed FROM (SELECT "
		       "EXISTS (SELECT 1 FROM if_old x WHERE x.split = k.split AND x.file_name = "
		       "k.file_name) AS o, EXISTS (SELECT 1 FROM %s x WHERE x.split = k.split AND "
		       "x.file_name = k.file_name) AS n FROM if_keys k);"
		       "DELETE FROM %s x WHERE source_repo = getvariable('ingest_repo') AND EXISTS "
		       "(SELECT 1 FROM if_keys k WHERE k.split = x.split AND k.file_name = x.file_name);"
		       "INSERT INTO %s BY NAME SELECT * FROM %s x WHERE EXISTS (SELECT 1 FROM if_keys k "
		       "WHERE k.split = x.split AND k.file_name = x.file_name)",
		       cols, table, cols, staged, cols, staged, staged, table, table, staged) < 0)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	rc = rc ? rc : lake_exec(l, sql.data, e);
	buf_free(&sql);
	rc = rc ? rc : lake_query_int64(l, "SELECT updated FROM if_counts", NULL, 0, updated, e);
	rc = rc ? rc : lake_query_int64(l, "SELECT removed FROM if_counts", NULL, 0, removed, e);
	rc = rc ? rc : lake_query_int64(l, "SELECT inserted FROM if_counts", NULL, 0, inserted, e);
	return rc < 0 ? err_wrap(e, "cannot land %s", table) : 0;
}

static int land(struct lake *l, void *ctx, struct err *e)
{
	struct tx *t = ctx;
	char table[200], rejects[200];
	snprintf(table, sizeof table, "raw.\"%s_images\"", t->rq->dataset); /* a valid identifier */
	snprintf(rejects, sizeof rejects, "raw.\"%s_rejects\"", t->rq->dataset);
	if (imagefolder_follow(l, table, "memory.main.if_rows", t->cols, &t->res->rows,
			       &t->res->updated, &t->res->removed, e) < 0)
		return -1;
	if (t->res->rows + t->res->updated + t->res->removed == 0)
		return 1; /* nothing new: rolled back, no snapshot */
	if (t->rq->skip_bad) {
		struct buf r = {0};
		int rc = buf_printf(&r, "CREATE TABLE IF NOT EXISTS %s (split VARCHAR, source_file VARCHAR, "
				    "record VARCHAR, record_id BIGINT, reason VARCHAR, source_repo "
				    "VARCHAR); DELETE FROM %s WHERE source_repo = getvariable('ingest_repo');"
				    "INSERT INTO %s SELECT NULL, source_file, record, record_id, reason, "
				    "getvariable('ingest_repo') FROM memory.main.if_rejects",
				    rejects, rejects, rejects) < 0
			     ? err_set(e, EXIT_FAILED, "out of memory")
			     : lake_exec(l, r.data, e);
		buf_free(&r);
		if (rc < 0)
			return -1;
	}
	char msg[1024];
	if (t->rq->message)
		snprintf(msg, sizeof msg, "%s", t->rq->message);
	else
		snprintf(msg, sizeof msg,
			 "ingest %s from %s (imagefolder layout): %lld inserted, %lld updated, %lld "
			 "removed, %lld new objects",
			 t->rq->dataset, t->rq->repo, (long long)t->res->rows,
			 (long long)t->res->updated, (long long)t->res->removed,
			 (long long)t->res->objects_new);
	return lake_set_commit_message(l, t->cfg->author, msg, e);
}

/* memory.main.if_rows: the rows raw.<NAME>_images should hold for this folder. */
static int stage_rows(struct lake *l, const char *meta_cols, struct err *e)
{
	struct buf sql = {0};
	int rc = buf_printf(&sql,
			    "CREATE OR REPLACE TABLE memory.main.if_rows AS SELECT m.image_uri, "
			    "f.file_name, f.label, f.split, m.width, m.height, m.image_status, "
			    "m.sha256, m.bytes, getvariable('ingest_repo')::VARCHAR AS source_repo%s "
			    "FROM memory.main.if_files f JOIN memory.main.if_media m ON m.file_name = "
			    "f.file_name LEFT JOIN memory.main.if_meta x ON x.__lh_file_name = "
			    "f.file_name ORDER BY f.file_name",
			    meta_cols) < 0
		     ? err_set(e, EXIT_FAILED, "out of memory")
		     : lake_exec(l, sql.data, e);
	buf_free(&sql);
	return rc;
}

int imagefolder_stage_images(struct lake *l, const struct config *cfg,
			     const struct ingest_request *rq, char *const *rel, size_t n,
			     struct ingest_result *res, struct err *e)
{
	struct list imgs = {(char **)rel, n, n}, none = {0};
	int rc = stage_files(l, rq, &imgs, &none, e);
	rc = rc ? rc : stage_metadata(l, rq, &none, e);
	rc = rc ? rc : upload_images(l, cfg, rq, res, e);
	return rc ? rc : stage_rows(l, "", e);
}

int imagefolder_ingest(const struct config *cfg, const struct ingest_request *rq,
		       struct ingest_result *res, struct err *e)
{
	struct list imgs = {0}, meta = {0};
	int rc = walk(rq->image_root, "", &imgs, &meta, 0, e);
	if (rc == 0 && imgs.n == 0)
		rc = err_set(e, EXIT_USAGE, "%s: no image files (jpg, jpeg, png, webp, bmp, gif, tif, "
			     "tiff) at any depth", rq->image_root);
	if (rc == 0) {
		qsort(imgs.v, imgs.n, sizeof *imgs.v, cmp_str);
		if (meta.n)
			qsort(meta.v, meta.n, sizeof *meta.v, cmp_str);
	}
	struct lake *l = NULL;
	if (rc == 0 && lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		rc = -1;
	struct buf meta_cols = {0}, xcols = {0}, cols = {0};
	progress_phase(rq->progress, "read", "files");
	rc = rc ? rc : lake_set_variable(l, "ingest_repo", rq->repo, e);
	rc = rc ? rc : stage_files(l, rq, &imgs, &meta, e);
	rc = rc ? rc : stage_metadata(l, rq, &meta, e);
	rc = rc ? rc : check_metadata(l, rq, &res->rejected, e);
	rc = rc ? rc : buf_printf(&meta_cols, "%s", "") < 0 || buf_printf(&xcols, "%s", "") < 0
			       ? err_set(e, EXIT_FAILED, "out of memory") : 0;
	rc = rc ? rc : metadata_columns(l, rq, &meta_cols, &xcols, e);
	rc = rc ? rc : upload_images(l, cfg, rq, res, e);
	rc = rc ? rc : stage_rows(l, xcols.data, e);
	rc = rc ? rc : buf_printf(&cols, IMAGEFOLDER_COLUMNS "%s",
				  meta_cols.data) < 0 ? err_set(e, EXIT_FAILED, "out of memory") : 0;
	if (rc == 0) {
		progress_phase(rq->progress, "commit", "rows");
		struct tx t = {.cfg = cfg, .rq = rq, .res = res, .cols = cols.data};
		rc = lake_in_transaction(l, land, &t, e);
		if (rc == 0)
			rc = lake_current_snapshot(l, &res->snapshot, e);
		else if (rc > 0)
			rc = 0; /* nothing new: no snapshot */
	}
	buf_free(&meta_cols);
	buf_free(&xcols);
	buf_free(&cols);
	if (l)
		lake_close(l);
	list_free(&imgs);
	list_free(&meta);
	return rc;
}
