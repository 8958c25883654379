/* coco_read.c - a COCO split's annotation files, from the folder or read in place from the
 * release's zips, streamed into spool files and staged, checked, in DuckDB; see coco_parts.h. */
#include "ingest/coco.h"
#include "ingest/coco_parts.h"

#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"

static const char *const file_kinds[F_FILES] = {"instances", "person_keypoints", "captions"};

/* The columns DuckDB's JSON reader is told, per record; fields absent from a record read as
 * NULL. */
#define C_IMAGES                                                                             \
	"{'id': 'BIGINT', 'file_name': 'VARCHAR', 'width': 'BIGINT', 'height': 'BIGINT', "        \
	"'license': 'BIGINT', 'coco_url': 'VARCHAR', 'flickr_url': 'VARCHAR', "                   \
	"'date_captured': 'VARCHAR'}"
#define C_ANNOTATIONS                                                                        \
	"{'id': 'BIGINT', 'image_id': 'BIGINT', 'category_id': 'BIGINT', 'bbox': 'DOUBLE[]', "    \
	"'area': 'DOUBLE', 'iscrowd': 'BIGINT', 'segmentation': 'JSON', 'keypoints': 'DOUBLE[]', " \
	"'num_keypoints': 'BIGINT'}"
#define C_CATEGORIES                                                                         \
	"{'id': 'BIGINT', 'name': 'VARCHAR', 'supercategory': 'VARCHAR', "                        \
	"'keypoints': 'VARCHAR[]', 'skeleton': 'BIGINT[][]'}"
#define C_LICENSES "{'id': 'BIGINT', 'name': 'VARCHAR', 'url': 'VARCHAR'}"
#define C_CAPTIONS "{'id': 'BIGINT', 'image_id': 'BIGINT', 'caption': 'VARCHAR'}"

int coco_file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The release's zips side by side: ROOT/<split>.zip and ROOT/annotations*.zip (the first in
 * name order). Writes the annotations zip's path into ann; 0 when there is none. */
static int find_zips(const char *root, const char *split, char *images, char *ann, size_t n)
{
	snprintf(images, n, "%s/%s.zip", root, split);
	if (!coco_file_exists(images))
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
	return coco_file_exists(p) || find_zips(root, split, p, z, sizeof p);
}

/* Appends s as a SQL string literal ('...' with quotes doubled). */
static int buf_literal(struct buf *b, const char *s)
{
	int rc = buf_printf(b, "'");
	for (; *s && rc == 0; s++)
		rc = *s == '\'' ? buf_printf(b, "''") : buf_printf(b, "%c", *s);
	return rc ? rc : buf_printf(b, "'");
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

void coco_paths_close(struct paths *p)
{
	for (int f = 0; f < F_FILES; f++)
		for (int k = 0; k < COCO_ARRAYS; k++)
			if (p->spool[f][k].f)
				fs_tmpfile_abort(&p->spool[f][k]);
}

/* The arrays each file's records are kept from (the others are read past). */
static const int kept[F_FILES][COCO_ARRAYS] = {
	[F_INSTANCES] = {1, 1, 1, 1},
	[F_KEYPOINTS] = {[COCO_ANNOTATIONS] = 1, [COCO_CATEGORIES] = 1},
	[F_CAPTIONS] = {[COCO_ANNOTATIONS] = 1},
};

static int open_spools(struct paths *p, struct err *e)
{
	for (int f = 0; f < F_FILES; f++)
		for (int k = 0; k < COCO_ARRAYS; k++) {
			if (!kept[f][k])
				continue;
			if (fs_tmpfile_spool(&p->spool[f][k], "lakehouse-coco", e) < 0)
				return -1;
			p->out[f].out[k] = p->spool[f][k].f;
		}
	return 0;
}

static ssize_t read_stdio(void *ctx, void *buf, size_t n, struct err *e)
{
	size_t got = fread(buf, 1, n, ctx);
	if (got == 0 && ferror(ctx))
		return err_set(e, EXIT_FAILED, "read error: %s", strerror(errno));
	return (ssize_t)got;
}

static ssize_t read_entry(void *ctx, void *buf, size_t n, struct err *e)
{
	la_ssize_t got = archive_read_data(ctx, buf, n);
	if (got < 0)
		return err_set(e, EXIT_USAGE, "damaged or truncated zip (%s)",
			       archive_error_string(ctx));
	return (ssize_t)got;
}

/* Reads file f into its spools; a file not COCO in shape (the arrays it must have) fails. */
static int split_file(struct paths *p, int f, coco_json_read_fn read, void *ctx, struct err *e)
{
	struct coco_json_out *o = &p->out[f];
	if (coco_json_split(read, ctx, p->name[f], o, e) < 0)
		return -1;
	int ok = o->seen[COCO_ANNOTATIONS] &&
		 (f != F_INSTANCES || (o->seen[COCO_IMAGES] && o->seen[COCO_CATEGORIES]));
	if (!ok)
		return err_set(e, EXIT_USAGE,
			       "%s: not a COCO %s file (one JSON object with the arrays %s expected)",
			       p->name[f], file_kinds[f],
			       f == F_INSTANCES ? "\"images\", \"annotations\" and \"categories\""
						: "\"annotations\"");
	p->has[f] = 1;
	return 0;
}

int coco_zip_open(const char *path, struct archive **out, struct err *e)
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

/* The folder's annotations/{instances,person_keypoints,captions}_<split>.json. */
static int folder_annotations(struct paths *p, struct err *e)
{
	for (int f = 0; f < F_FILES; f++) {
		snprintf(p->name[f], sizeof p->name[f], "%s", p->file[f]);
		FILE *in = fopen(p->file[f], "rb");
		if (!in && (f == F_INSTANCES || errno != ENOENT))
			return err_set(e, EXIT_USAGE, "%s: %s", p->file[f], strerror(errno));
		if (!in)
			continue;
		int rc = split_file(p, f, read_stdio, in, e);
		fclose(in);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The same files as entries annotations/<kind>_<split>.json of the annotations zip, each
 * streamed from the zip as it is met. */
static int zip_annotations(struct paths *p, const char *ann, const char *split, struct err *e)
{
	struct archive *a;
	if (coco_zip_open(ann, &a, e) < 0)
		return -1;
	for (int f = 0; f < F_FILES; f++)
		snprintf(p->name[f], sizeof p->name[f], "%s:annotations/%s_%s.json", ann,
			 file_kinds[f], split);
	int rc = 0, r;
	struct archive_entry *en;
	while (rc == 0 && (r = archive_read_next_header(a, &en)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(en);
		for (int f = 0; name && f < F_FILES && rc == 0; f++) {
			char want[256];
			snprintf(want, sizeof want, "annotations/%s_%s.json", file_kinds[f], split);
			if (strcmp(name, want) == 0 && !p->has[f])
				rc = split_file(p, f, read_entry, a, e);
		}
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = err_set(e, EXIT_USAGE, "%s: damaged or truncated zip (%s)", ann,
			     archive_error_string(a));
	archive_read_free(a);
	if (rc == 0 && !p->has[F_INSTANCES])
		rc = err_set(e, EXIT_USAGE, "%s: no annotations/instances_%s.json inside", ann, split);
	return rc;
}

/* memory.main.<table> (or a TEMP table): the records of one spool, read with the given
 * columns. */
static int stage_array(struct lake *l, const char *table, struct paths *p, int f, int k,
		       const char *columns, struct err *e)
{
	if (fflush(p->spool[f][k].f) != 0)
		return err_set(e, EXIT_FAILED, "cannot write a temporary file: %s", strerror(errno));
	struct buf sql = {0};
	int rc = buf_printf(&sql, "CREATE OR REPLACE %s AS SELECT * FROM read_json(", table);
	rc = rc ? rc : buf_literal(&sql, p->spool[f][k].tmp);
	rc = rc ? rc : buf_printf(&sql, ", format = 'newline_delimited', records = true, "
				       "columns = %s)", columns);
	if (rc)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	else if ((rc = lake_exec(l, sql.data, e)) < 0)
		err_wrap(e, "%s: its \"%s\" are not COCO records", p->name[f], coco_array_names[k]);
	buf_free(&sql);
	return rc;
}

/* Each compressed RLE mask (counts a string) must decode to counts covering its size; the
 * decoding is coco_rle_check_string's, so it is checked in C a record at a time. */
static int check_rle_strings(struct lake *l, const struct paths *p, struct err *e)
{
	duckdb_result r;
	if (lake_query(l, "SELECT id, segmentation->>'$.counts', "
			  "try_cast(segmentation->>'$.size[0]' AS BIGINT), "
			  "try_cast(segmentation->>'$.size[1]' AS BIGINT) "
			  "FROM memory.main.coco_src_objects "
			  "WHERE json_type(segmentation, '$.counts') = 'VARCHAR' ORDER BY id",
		       NULL, 0, &r, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&r); i++) {
		char *counts = duckdb_value_varchar(&r, 1, i), why[160];
		int bad = !counts || coco_rle_check_string(counts, duckdb_value_int64(&r, 2, i),
							   duckdb_value_int64(&r, 3, i), why,
							   sizeof why) < 0;
		duckdb_free(counts);
		if (!bad)
			continue;
		char id[32];
		snprintf(id, sizeof id, "%lld", (long long)duckdb_value_int64(&r, 0, i));
		if (!p->skip_bad) {
			rc = err_set(e, EXIT_USAGE, "%s: annotation %s has an RLE mask that is not valid: %s",
				     p->inst_name, id, why);
			break;
		}
		const char *par[] = {p->inst_name, id, why};
		duckdb_result d;
		rc = lake_query(l, "INSERT INTO memory.main.coco_rejects VALUES ($1, 'annotation', "
				   "$2::BIGINT, 'RLE mask not valid: ' || $3)", par, 3, &d, e);
		if (rc == 0) {
			duckdb_destroy_result(&d);
			rc = lake_query(l, "DELETE FROM memory.main.coco_src_objects WHERE id = "
					   "$1::BIGINT", par + 1, 1, &d, e);
		}
		if (rc == 0)
			duckdb_destroy_result(&d);
	}
	duckdb_destroy_result(&r);
	return rc;
}

/* Reads the spooled records into memory.main.coco_src_{images,objects,categories,licenses,
 * captions} and validates them. */
int coco_stage(struct lake *l, struct paths *p, struct err *e)
{
	if (stage_array(l, "TABLE memory.main.coco_src_images", p, F_INSTANCES, COCO_IMAGES,
			C_IMAGES, e) < 0 ||
	    stage_array(l, "TABLE memory.main.coco_src_licenses", p, F_INSTANCES, COCO_LICENSES,
			C_LICENSES, e) < 0 ||
	    stage_array(l, "TABLE memory.main.coco_src_objects", p, F_INSTANCES, COCO_ANNOTATIONS,
			C_ANNOTATIONS, e) < 0 ||
	    stage_array(l, "TABLE memory.main.coco_src_categories", p, F_INSTANCES,
			COCO_CATEGORIES, C_CATEGORIES, e) < 0 ||
	    stage_array(l, "TABLE memory.main.coco_src_captions", p, F_CAPTIONS, COCO_ANNOTATIONS,
			C_CAPTIONS, e) < 0)
		return -1;
	/* person_keypoints_<split>.json: keypoints of instances' annotations by id, then the
	 * annotations (and categories) instances does not have; filled in place, as the staged
	 * annotations are the biggest thing held */
	if (p->has[F_KEYPOINTS] &&
	    (stage_array(l, "TEMP TABLE coco_kp", p, F_KEYPOINTS, COCO_ANNOTATIONS, C_ANNOTATIONS,
			 e) < 0 ||
	     stage_array(l, "TEMP TABLE coco_kpcat", p, F_KEYPOINTS, COCO_CATEGORIES, C_CATEGORIES,
			 e) < 0 ||
	     lake_exec(l,
		       "UPDATE memory.main.coco_src_objects a SET "
		       "keypoints = coalesce(a.keypoints, k.keypoints), "
		       "num_keypoints = coalesce(a.num_keypoints, k.num_keypoints) "
		       "FROM coco_kp k WHERE k.id = a.id;"
		       "INSERT INTO memory.main.coco_src_objects BY NAME SELECT * FROM coco_kp "
		       "WHERE id NOT IN (SELECT id FROM memory.main.coco_src_objects WHERE id IS NOT "
		       "NULL);"
		       "UPDATE memory.main.coco_src_categories c SET "
		       "keypoints = coalesce(c.keypoints, k.keypoints), "
		       "skeleton = coalesce(c.skeleton, k.skeleton) "
		       "FROM coco_kpcat k WHERE k.id = c.id;"
		       "INSERT INTO memory.main.coco_src_categories BY NAME SELECT * FROM coco_kpcat "
		       "WHERE id NOT IN (SELECT id FROM memory.main.coco_src_categories WHERE id IS NOT "
		       "NULL);"
		       "DROP TABLE coco_kp; DROP TABLE coco_kpcat",
		       e) < 0))
		return err_wrap(e, "%s", p->name[F_KEYPOINTS]);
	coco_paths_close(p); /* the spools are read */
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
		{0, "coco_src_objects", "annotation",
		 "SELECT id FROM memory.main.coco_src_objects WHERE json_type(segmentation, "
		 "'$.counts') = 'ARRAY' AND list_sum(try_cast(segmentation->'$.counts' AS BIGINT[])) "
		 "IS DISTINCT FROM try_cast(segmentation->>'$.size[0]' AS BIGINT) * "
		 "try_cast(segmentation->>'$.size[1]' AS BIGINT)",
		 "%s: annotation %lld has an uncompressed RLE mask whose counts do not cover its "
		 "size (height x width pixels)",
		 "uncompressed RLE counts do not cover height x width"},
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
	return check_rle_strings(l, p, e);
}

/* --skip-bad: annotations and captions of images set aside follow them. */
int coco_reject_orphans(struct lake *l, const struct paths *p, struct err *e)
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

int coco_open(struct paths *p, const char *root, const char *split, int skip_bad, struct err *e)
{
	for (int f = 0; f < F_FILES; f++)
		snprintf(p->file[f], sizeof p->file[f], "%s/annotations/%s_%s.json", root,
			 file_kinds[f], split);
	snprintf(p->images, sizeof p->images, "%s/%s", root, split);
	p->inst_name = p->name[F_INSTANCES], p->cap_name = p->name[F_CAPTIONS];
	p->skip_bad = skip_bad;
	char ann[4200];
	if (open_spools(p, e) < 0)
		return -1;
	if (coco_file_exists(p->file[F_INSTANCES]))
		return folder_annotations(p, e);
	if (find_zips(root, split, p->images, ann, sizeof ann)) {
		p->zip = 1;
		return zip_annotations(p, ann, split, e);
	}
	return err_set(e, EXIT_USAGE, "%s: no annotations/instances_%s.json and no %s.zip + "
				      "annotations*.zip (the COCO layout)",
		       root, split, split);
}

