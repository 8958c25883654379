/* coco.c - the COCO official layout -> objects + raw rows; see coco.h for the order of effects. */
#define _GNU_SOURCE /* tdestroy */
#include "ingest/coco.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <search.h>
#include <sys/mman.h>
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

/* The types the JSON reader is told; fields absent from a record read as NULL. */
#define T_IMAGES                                                                             \
	"STRUCT(id BIGINT, file_name VARCHAR, width BIGINT, height BIGINT, license BIGINT, "      \
	"coco_url VARCHAR, flickr_url VARCHAR, date_captured VARCHAR)[]"
#define T_ANNOTATIONS                                                                        \
	"STRUCT(id BIGINT, image_id BIGINT, category_id BIGINT, bbox DOUBLE[], area DOUBLE, "    \
	"iscrowd BIGINT, segmentation JSON, keypoints DOUBLE[], num_keypoints BIGINT)[]"
#define T_CATEGORIES                                                                         \
	"STRUCT(id BIGINT, name VARCHAR, supercategory VARCHAR, keypoints VARCHAR[], "           \
	"skeleton BIGINT[][])[]"
#define T_LICENSES "STRUCT(id BIGINT, name VARCHAR, url VARCHAR)[]"
#define T_CAPTIONS "STRUCT(id BIGINT, image_id BIGINT, caption VARCHAR)[]"

static int file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The release's zips side by side: ROOT/<split>.zip and ROOT/annotations*.zip (the first in
 * name order). Writes the annotations zip's path into ann; 0 when there is none. */
static int find_zips(const char *root, const char *split, char *images, char *ann, size_t n)
{
	snprintf(images, n, "%s/%s.zip", root, split);
	if (!file_exists(images))
		return 0;
	DIR *d = opendir(root);
	if (!d)
		return 0;
	char best[256] = "";
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "annotations", 11) == 0 && l > 4 &&
		    strcmp(de->d_name + l - 4, ".zip") == 0 && l < sizeof best &&
		    (!best[0] || strcmp(de->d_name, best) < 0))
			snprintf(best, sizeof best, "%s", de->d_name);
	}
	closedir(d);
	if (!best[0])
		return 0;
	snprintf(ann, n, "%s/%s", root, best);
	return 1;
}

int coco_layout_present(const char *root, const char *split)
{
	char p[4200], z[4200];
	snprintf(p, sizeof p, "%s/annotations/instances_%s.json", root, split);
	return file_exists(p) || find_zips(root, split, p, z, sizeof p);
}

/* Appends s as a SQL string literal ('...' with quotes doubled). */
static int buf_literal(struct buf *b, const char *s)
{
	int rc = buf_printf(b, "'");
	for (; *s && rc == 0; s++)
		rc = *s == '\'' ? buf_printf(b, "''") : buf_printf(b, "%c", *s);
	return rc ? rc : buf_printf(b, "'");
}

/* memory.main.<table>: the one record of a JSON file read with the given columns (a struct
 * literal), or one record of NULLs of those types when path is NULL (an optional file absent). */
static int stage_doc(struct lake *l, const char *table, const char *path, const char *name,
		     const char *columns, const char *nulls, struct err *e)
{
	struct buf sql = {0};
	int rc = buf_printf(&sql, "CREATE OR REPLACE TABLE memory.main.%s AS ", table);
	if (path) {
		rc = rc ? rc : buf_printf(&sql, "SELECT * FROM read_json(");
		rc = rc ? rc : buf_literal(&sql, path);
		rc = rc ? rc : buf_printf(&sql, ", format = 'auto', records = true, "
					       "maximum_object_size = 2147483647, columns = %s)", columns);
	} else {
		rc = rc ? rc : buf_printf(&sql, "SELECT %s", nulls);
	}
	if (rc)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	else if ((rc = lake_exec(l, sql.data, e)) < 0)
		err_wrap(e, "%s: not a COCO JSON file", name ? name : path);
	buf_free(&sql);
	return rc;
}

/* Runs sql (one row, one BIGINT, or no row) and fails with msg (a format taking the file and
 * the id) when it returns a row. */
static int refuse_if(struct lake *l, const char *sql, const char *file, const char *msg,
		     struct err *e)
{
	duckdb_result res;
	if (lake_query(l, sql, NULL, 0, &res, e) < 0)
		return -1;
	int bad = duckdb_row_count(&res) > 0;
	long long id = bad ? (long long)duckdb_value_int64(&res, 0, 0) : 0;
	duckdb_destroy_result(&res);
	if (bad)
		return err_set(e, EXIT_USAGE, msg, file, id);
	return 0;
}

/* Where the release is read from: files in a folder, or entries of its zips read in place
 * (a JSON entry is copied into an anonymous in-memory file, memfd, that DuckDB reads by its
 * /proc/self/fd path; nothing is unpacked to disk). The names used in messages are the
 * paths of the files, or "<zip>:<entry>". */
struct paths {
	char inst[4200], cap[4200], kp[4200], images[4200];
	char inst_name[8600], cap_name[8600];
	int has_cap, has_kp;
	int zip; /* 1: images is <split>.zip */
	int skip_bad; /* --skip-bad: faulty records set aside (memory.main.coco_rejects) */
	int fds[3];
};

static void paths_close(struct paths *p)
{
	for (int i = 0; i < 3; i++)
		if (p->fds[i] > 0)
			close(p->fds[i]);
}

static int zip_open(const char *path, struct archive **out, struct err *e)
{
	struct archive *a = archive_read_new();
	if (!a)
		return err_set(e, EXIT_FAILED, "out of memory");
	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		err_set(e, EXIT_USAGE, "%s: damaged or truncated zip, or not a zip (%s)", path,
			archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

/* Copies the current entry's data to fd. */
static int entry_to_fd(struct archive *a, int fd, const char *zip, const char *name, struct err *e)
{
	char buf[1 << 16];
	la_ssize_t n;
	while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return err_set(e, EXIT_FAILED, "cannot buffer %s:%s: %s", zip, name, strerror(errno));
	if (n < 0)
		return err_set(e, EXIT_USAGE, "%s: cannot read %s (%s)", zip, name,
			       archive_error_string(a));
	return 0;
}

/* Finds annotations/{instances,captions,person_keypoints}_<split>.json in the annotations zip
 * and copies each into a memfd, pointing p->inst, cap, kp at them. */
static int zip_annotations(struct paths *p, const char *ann, const char *split, struct err *e)
{
	struct archive *a;
	if (zip_open(ann, &a, e) < 0)
		return -1;
	static const char *const kinds[] = {"instances", "captions", "person_keypoints"};
	char *targets[] = {p->inst, p->cap, p->kp};
	int rc = 0, found[3] = {0};
	struct archive_entry *en;
	int r;
	while (rc == 0 && (r = archive_read_next_header(a, &en)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(en);
		for (int k = 0; name && k < 3; k++) {
			char want[256];
			snprintf(want, sizeof want, "annotations/%s_%s.json", kinds[k], split);
			if (strcmp(name, want) != 0 || found[k])
				continue;
			p->fds[k] = memfd_create(kinds[k], MFD_CLOEXEC);
			if (p->fds[k] < 0)
				rc = err_set(e, EXIT_FAILED, "memfd_create: %s", strerror(errno));
			else
				rc = entry_to_fd(a, p->fds[k], ann, name, e);
			snprintf(targets[k], 4200, "/proc/self/fd/%d", p->fds[k]);
			found[k] = 1;
		}
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = err_set(e, EXIT_USAGE, "%s: damaged or truncated zip (%s)", ann,
			     archive_error_string(a));
	archive_read_free(a);
	if (rc == 0 && !found[0])
		rc = err_set(e, EXIT_USAGE, "%s: no annotations/instances_%s.json inside", ann, split);
	snprintf(p->inst_name, sizeof p->inst_name, "%s:annotations/instances_%s.json", ann, split);
	snprintf(p->cap_name, sizeof p->cap_name, "%s:annotations/captions_%s.json", ann, split);
	p->has_cap = found[1], p->has_kp = found[2];
	return rc;
}

/* Reads the JSON files into memory.main.coco_src_{images,objects,categories,licenses,
 * captions} and validates them. */
static int stage_json(struct lake *l, const struct paths *p, struct err *e)
{
	int64_t n = 0;
	if (stage_doc(l, "coco_doc", p->inst, p->inst_name,
		      "{'images': '" T_IMAGES "', 'annotations': '" T_ANNOTATIONS "', "
		      "'categories': '" T_CATEGORIES "', 'licenses': '" T_LICENSES "'}",
		      NULL, e) < 0 ||
	    stage_doc(l, "coco_kp_doc", p->has_kp ? p->kp : NULL, NULL,
		      "{'annotations': '" T_ANNOTATIONS "', 'categories': '" T_CATEGORIES "'}",
		      "NULL::" T_ANNOTATIONS " AS annotations, NULL::" T_CATEGORIES " AS categories",
		      e) < 0 ||
	    stage_doc(l, "coco_cap_doc", p->has_cap ? p->cap : NULL, p->cap_name,
		      "{'annotations': '" T_CAPTIONS "'}", "NULL::" T_CAPTIONS " AS annotations",
		      e) < 0)
		return -1;
	if (lake_query_int64(l,
			     "SELECT count(*) FILTER (WHERE images IS NOT NULL AND annotations IS NOT "
			     "NULL AND categories IS NOT NULL) - count(*) + 1 FROM memory.main.coco_doc",
			     NULL, 0, &n, e) < 0)
		return -1;
	if (n != 1)
		return err_set(e, EXIT_USAGE,
			       "%s: not a COCO instances file (one JSON object with the arrays "
			       "\"images\", \"annotations\" and \"categories\" expected)",
			       p->inst_name);
	if (lake_exec(l,
		      "CREATE OR REPLACE TABLE memory.main.coco_src_images AS "
		      "SELECT unnest(u) FROM (SELECT unnest(images) AS u FROM memory.main.coco_doc);"
		      "CREATE OR REPLACE TABLE memory.main.coco_src_licenses AS "
		      "SELECT unnest(u) FROM (SELECT unnest(licenses) AS u FROM memory.main.coco_doc);"
		      "CREATE OR REPLACE TEMP TABLE coco_kp AS "
		      "SELECT unnest(u) FROM (SELECT unnest(annotations) AS u FROM memory.main.coco_kp_doc);"
		      "CREATE OR REPLACE TEMP TABLE coco_kpcat AS "
		      "SELECT unnest(u) FROM (SELECT unnest(categories) AS u FROM memory.main.coco_kp_doc);"
		      /* instances' annotations, keypoints from person_keypoints by annotation id,
		       * then the keypoint annotations instances does not have */
		      "CREATE OR REPLACE TABLE memory.main.coco_src_objects AS "
		      "WITH a AS (SELECT unnest(u) FROM (SELECT unnest(annotations) AS u FROM "
		      "memory.main.coco_doc)) "
		      "SELECT a.* REPLACE (coalesce(a.keypoints, k.keypoints) AS keypoints, "
		      "coalesce(a.num_keypoints, k.num_keypoints) AS num_keypoints) "
		      "FROM a LEFT JOIN coco_kp k ON k.id = a.id "
		      "UNION ALL BY NAME SELECT * FROM coco_kp WHERE id NOT IN (SELECT id FROM a WHERE "
		      "id IS NOT NULL);"
		      "CREATE OR REPLACE TABLE memory.main.coco_src_categories AS "
		      "WITH c AS (SELECT unnest(u) FROM (SELECT unnest(categories) AS u FROM "
		      "memory.main.coco_doc)) "
		      "SELECT c.* REPLACE (coalesce(c.keypoints, k.keypoints) AS keypoints, "
		      "coalesce(c.skeleton, k.skeleton) AS skeleton) "
		      "FROM c LEFT JOIN coco_kpcat k ON k.id = c.id "
		      "UNION ALL BY NAME SELECT * FROM coco_kpcat WHERE id NOT IN (SELECT id FROM c "
		      "WHERE id IS NOT NULL);"
		      "CREATE OR REPLACE TABLE memory.main.coco_src_captions AS "
		      "SELECT unnest(u) FROM (SELECT unnest(annotations) AS u FROM memory.main.coco_cap_doc)",
		      e) < 0)
		return err_wrap(e, "%s: cannot read its records", p->inst_name);
	/* Every check names the file and the first offending record. */
	/* Every check names the file and the first offending record; with --skip-bad the ones
	 * that name a record (table set) set their records aside in memory.main.coco_rejects
	 * instead, and the rest of the source lands. */
	static const struct {
		int file; /* 0 instances, 1 captions */
		const char *table, *record; /* the staged table a skipped record leaves, or NULL */
		const char *sql, *msg, *reason;
	} checks[] = {
		{0, NULL, "image",
		 "SELECT coalesce(id, -1) AS id FROM memory.main.coco_src_images WHERE id IS NULL OR "
		 "file_name IS NULL OR file_name = '' OR file_name LIKE '/%' OR file_name LIKE '%..%'",
		 "%s: image %lld has no id or no usable file_name", NULL},
		{0, NULL, "image",
		 "SELECT id FROM memory.main.coco_src_images GROUP BY id HAVING count(*) > 1",
		 "%s: duplicate image id %lld", NULL},
		{0, NULL, "annotation",
		 "SELECT coalesce(id, -1) AS id FROM memory.main.coco_src_objects WHERE id IS NULL",
		 "%s: an annotation has no id (%lld)", NULL},
		{0, "coco_src_objects", "annotation",
		 "SELECT id FROM memory.main.coco_src_objects GROUP BY id HAVING count(*) > 1",
		 "%s: duplicate annotation id %lld", "duplicate annotation id"},
		{0, "coco_src_objects", "annotation",
		 "SELECT id FROM memory.main.coco_src_objects a WHERE NOT EXISTS (SELECT 1 FROM "
		 "memory.main.coco_src_images i WHERE i.id = a.image_id)",
		 "%s: annotation %lld refers to an image_id that has no image",
		 "image_id has no image"},
		{0, "coco_src_objects", "annotation",
		 "SELECT id FROM memory.main.coco_src_objects WHERE bbox IS NOT NULL AND "
		 "(len(bbox) <> 4 OR bbox[3] < 0 OR bbox[4] < 0)",
		 "%s: annotation %lld has a negative box size (or a bbox that is not [x, y, w, h])",
		 "negative box size, or a bbox that is not [x, y, w, h]"},
		{0, "coco_src_objects", "annotation",
		 "SELECT a.id FROM memory.main.coco_src_objects a JOIN memory.main.coco_src_images "
		 "i ON i.id = a.image_id WHERE json_type(a.segmentation) = 'OBJECT' AND "
		 "(try_cast(a.segmentation->>'$.size[0]' AS BIGINT) IS DISTINCT FROM i.height OR "
		 "try_cast(a.segmentation->>'$.size[1]' AS BIGINT) IS DISTINCT FROM i.width)",
		 "%s: annotation %lld has an RLE mask whose size is not the image's [height, width]",
		 "RLE size is not the image's [height, width]"},
		{1, NULL, "caption",
		 "SELECT coalesce(id, -1) AS id FROM memory.main.coco_src_captions WHERE id IS NULL",
		 "%s: a caption has no id (%lld)", NULL},
		{1, "coco_src_captions", "caption",
		 "SELECT id FROM memory.main.coco_src_captions c WHERE NOT EXISTS (SELECT 1 FROM "
		 "memory.main.coco_src_images i WHERE i.id = c.image_id)",
		 "%s: caption %lld refers to an image_id that has no image", "image_id has no image"},
	};
	if (lake_exec(l, "CREATE OR REPLACE TABLE memory.main.coco_rejects (source_file VARCHAR, "
			 "record VARCHAR, record_id BIGINT, reason VARCHAR)", e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		const char *file = checks[i].file ? p->cap_name : p->inst_name;
		struct buf q = {0};
		int rc;
		if (p->skip_bad && checks[i].table) {
			rc = buf_printf(&q, "INSERT INTO memory.main.coco_rejects SELECT ");
			rc = rc ? rc : buf_literal(&q, file);
			rc = rc ? rc : buf_printf(&q, ", '%s', id, ", checks[i].record);
			rc = rc ? rc : buf_literal(&q, checks[i].reason);
			rc = rc ? rc : buf_printf(&q, " FROM (%s); DELETE FROM memory.main.%s WHERE id "
						      "IN (%s)",
						  checks[i].sql, checks[i].table, checks[i].sql);
			rc = rc ? err_set(e, EXIT_FAILED, "out of memory") : lake_exec(l, q.data, e);
		} else {
			rc = buf_printf(&q, "SELECT id FROM (%s) ORDER BY id LIMIT 1", checks[i].sql);
			rc = rc ? err_set(e, EXIT_FAILED, "out of memory") : refuse_if(l, q.data, file, checks[i].msg, e);
		}
		buf_free(&q);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* --skip-bad: annotations and captions of images set aside follow them. */
static int reject_orphans(struct lake *l, const struct paths *p, struct err *e)
{
	struct buf q = {0};
	int rc = buf_printf(&q, "INSERT INTO memory.main.coco_rejects SELECT ");
	rc = rc ? rc : buf_literal(&q, p->inst_name);
	rc = rc ? rc : buf_printf(&q, ", 'annotation', id, 'its image was set aside' FROM "
				      "memory.main.coco_src_objects a WHERE NOT EXISTS (SELECT 1 FROM "
				      "memory.main.coco_src_images i WHERE i.id = a.image_id);"
				      "INSERT INTO memory.main.coco_rejects SELECT ");
	rc = rc ? rc : buf_literal(&q, p->cap_name);
	rc = rc ? rc : buf_printf(&q, ", 'caption', id, 'its image was set aside' FROM "
				      "memory.main.coco_src_captions c WHERE NOT EXISTS (SELECT 1 FROM "
				      "memory.main.coco_src_images i WHERE i.id = c.image_id);"
				      "DELETE FROM memory.main.coco_src_objects WHERE image_id NOT IN "
				      "(SELECT id FROM memory.main.coco_src_images);"
				      "DELETE FROM memory.main.coco_src_captions WHERE image_id NOT IN "
				      "(SELECT id FROM memory.main.coco_src_images)");
	rc = rc ? err_set(e, EXIT_FAILED, "out of memory") : lake_exec(l, q.data, e);
	buf_free(&q);
	return rc;
}

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
			if (!file_exists(path) && p->skip_bad) {
				if (reject_image(u, p, id, "image file missing", e) < 0)
					return -1;
			} else if (!file_exists(path)) {
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
		rc = zip_open(p->images, &a, e);
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
		if (reject_orphans(l, p, e) < 0 ||
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
	struct paths p = {0};
	snprintf(p.inst, sizeof p.inst, "%s/annotations/instances_%s.json", rq->coco_root, rq->split);
	snprintf(p.cap, sizeof p.cap, "%s/annotations/captions_%s.json", rq->coco_root, rq->split);
	snprintf(p.kp, sizeof p.kp, "%s/annotations/person_keypoints_%s.json", rq->coco_root,
		 rq->split);
	snprintf(p.images, sizeof p.images, "%s/%s", rq->coco_root, rq->split);
	snprintf(p.inst_name, sizeof p.inst_name, "%s", p.inst);
	p.skip_bad = rq->skip_bad;
	snprintf(p.cap_name, sizeof p.cap_name, "%s", p.cap);
	char ann[4200];
	int rc = 0;
	if (file_exists(p.inst)) {
		p.has_cap = file_exists(p.cap);
		p.has_kp = file_exists(p.kp);
	} else if (find_zips(rq->coco_root, rq->split, p.images, ann, sizeof ann)) {
		p.zip = 1;
		rc = zip_annotations(&p, ann, rq->split, e);
	} else {
		return err_set(e, EXIT_USAGE, "%s: no annotations/instances_%s.json and no %s.zip + "
					      "annotations*.zip (the COCO layout)",
			       rq->coco_root, rq->split, rq->split);
	}
	struct lake *l = NULL;
	if (rc == 0 && lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		rc = -1;
	if (rc < 0) {
		paths_close(&p);
		return -1;
	}
	progress_phase(rq->progress, "read", "files");
	rc = stage_json(l, &p, e);
	rc = rc ? rc : upload_images(l, cfg, rq, &p, res, e);
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
	paths_close(&p);
	return rc;
}
