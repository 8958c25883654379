/* visdrone.c - see visdrone.h. */
#define _GNU_SOURCE
#include "ingest/visdrone.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "core/hash.h"
#include "core/progress.h"
#include "lake/lake.h"
#include "media/media.h"
#include "store/s3.h"
#include "media/video.h"

extern const char sql_11_raw_visdrone[]; /* generated from sql/11_raw_visdrone.sql */

struct sequence {
	char name[256];
	char video[4400]; /* a sequence given as one video file; "" for a folder of frames */
	char **frames; /* absolute paths, in order */
	size_t n_frames;
};

static void free_sequences(struct sequence *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < s[i].n_frames; k++)
			free(s[i].frames[k]);
		free(s[i].frames);
	}
	free(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists one sequence's frames and checks they are 0000001.jpg ... without a gap. */
static int list_frames(const char *root, struct sequence *s, struct err *e)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/sequences/%s", root, s->name);
	DIR *d = opendir(dir);
	if (!d)
		return err_set(e, 0, "cannot read %s: %s", dir, strerror(errno));
	size_t cap = 0;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 5 || (strcasecmp(de->d_name + len - 4, ".jpg") != 0 &&
				strcasecmp(de->d_name + len - 4, ".png") != 0))
			continue;
		if (s->n_frames == cap) {
			cap = cap ? cap * 2 : 256;
			char **v = realloc(s->frames, cap * sizeof *v);
			if (!v) {
				rc = err_set(e, 0, "out of memory");
				break;
			}
			s->frames = v;
		}
		if (asprintf(&s->frames[s->n_frames], "%s/%s", dir, de->d_name) < 0)
			rc = err_set(e, 0, "out of memory");
		else
			s->n_frames++;
	}
	closedir(d);
	if (rc < 0)
		return -1;
	if (!s->n_frames)
		return err_set(e, EXIT_USAGE, "sequence %s has no frames in %s", s->name, dir);
	qsort(s->frames, s->n_frames, sizeof *s->frames, cmp_str);
	for (size_t i = 0; i < s->n_frames; i++) {
		const char *base = strrchr(s->frames[i], '/') + 1;
		if (atol(base) != (long)i + 1)
			return err_set(e, EXIT_USAGE,
				       "sequence %s: frame %07zu.jpg is missing (found %s in its place); "
				       "frames must be numbered 0000001.jpg, 0000002.jpg, ... without gaps",
				       s->name, i + 1, base);
	}
	return 0;
}

static int is_video_name(const char *ext)
{
	static const char *const exts[] = {"mp4", "avi", "mov", "mkv", "webm", "m4v", NULL};
	for (int i = 0; exts[i]; i++)
		if (strcasecmp(ext, exts[i]) == 0)
			return 1;
	return 0;
}

static int list_sequences(const char *root, struct sequence **out, size_t *n, struct err *e)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/sequences", root);
	struct dirent **names = NULL;
	int count = scandir(dir, &names, NULL, alphasort);
	if (count < 0)
		return err_set(e, 0, "cannot read %s: %s", dir, strerror(errno));
	*out = calloc((size_t)count + 1, sizeof **out);
	*n = 0;
	int rc = *out ? 0 : err_set(e, 0, "out of memory");
	for (int i = 0; i < count; i++) {
		const char *nm = names[i]->d_name, *dot = strrchr(nm, '.');
		if (rc == 0 && nm[0] != '.' && names[i]->d_type == DT_DIR) {
			struct sequence *s = &(*out)[(*n)++];
			snprintf(s->name, sizeof s->name, "%s", nm);
			rc = list_frames(root, s, e);
		} else if (rc == 0 && nm[0] != '.' && dot && is_video_name(dot + 1)) {
			struct sequence *s = &(*out)[(*n)++];
			snprintf(s->name, sizeof s->name, "%.*s", (int)(dot - nm), nm);
			snprintf(s->video, sizeof s->video, "%s/%s", dir, nm);
		}
		free(names[i]);
	}
	free(names);
	if (rc == 0 && *n == 0)
		rc = err_set(e, EXIT_USAGE, "no sequences under %s", dir);
	return rc;
}

int visdrone_parse_annotation(const char *line, long v[10])
{
	int n = 0;
	const char *p = line;
	char *end = (char *)line;
	while (n < 10) {
		errno = 0;
		v[n] = strtol(p, &end, 10);
		if (end == p || errno == ERANGE || v[n] < INT32_MIN || v[n] > INT32_MAX ||
		    (*end != ',' && *end != '\0'))
			break;
		n++;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	/* a trailing comma after the 10th value is allowed (some releases have it) */
	return n == 10 && (*end == '\0' || (*end == ',' && end[1] == '\0')) ? 0 : -1;
}

/* Parses annotations/<seq>.txt into memory.main.vd_annotations, checking every line. */
static int load_annotations(struct lake *l, duckdb_appender app, const char *root,
			    const struct sequence *s, struct err *e)
{
	char path[4096], line[512];
	snprintf(path, sizeof path, "%s/annotations/%s.txt", root, s->name);
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, EXIT_USAGE, "sequence %s has no annotation file %s: %s", s->name, path,
			       strerror(errno));
	int lineno = 0, rc = 0;
	(void)l;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		long v[10];
		if (visdrone_parse_annotation(line, v) < 0)
			rc = err_set(e, EXIT_USAGE,
				     "%s:%d: expected 10 comma-separated integers (frame_index,target_id,"
				     "bbox_left,bbox_top,bbox_width,bbox_height,score,object_category,"
				     "truncation,occlusion), got '%.80s'",
				     path, lineno, line);
		else if (v[0] < 1 || (s->n_frames && v[0] > (long)s->n_frames))
			rc = err_set(e, EXIT_USAGE, "%s:%d: frame_index %ld is outside 1..%zu", path,
				     lineno, v[0], s->n_frames ? s->n_frames : (size_t)LONG_MAX);
		else {
			duckdb_append_varchar(app, s->name);
			for (int k = 0; k < 10; k++)
				duckdb_append_int32(app, (int32_t)v[k]);
			if (duckdb_appender_end_row(app) == DuckDBError)
				rc = err_set(e, 0, "%s", duckdb_appender_error(app));
		}
	}
	fclose(f);
	return rc;
}

static int already_landed(struct lake *l, const char *sequence, int *landed, struct err *e)
{
	int64_t n = 0;
	const char *p[] = {sequence};
	if (lake_table_exists(l, "raw", "visdrone_clips", landed, e) < 0)
		return -1;
	if (*landed && lake_query_int64(l, "SELECT count(*) FROM raw.visdrone_clips WHERE sequence = $1",
					p, 1, &n, e) < 0)
		return -1;
	*landed = *landed && n > 0;
	return 0;
}

static int stage_clip(struct lake *l, const struct ingest_request *rq, const char *uri,
		      const struct sequence *s, const struct video_clip *c, struct err *e)
{
	char sql[256], num[9][32];
	snprintf(num[0], 32, "%lld", (long long)c->n_frames);
	snprintf(num[1], 32, "%d", c->fps);
	snprintf(num[2], 32, "%d", c->width);
	snprintf(num[3], 32, "%d", c->height);
	snprintf(num[4], 32, "%zu", c->bytes.len);
	snprintf(num[5], 32, "%lld", (long long)c->init_length);
	const char *p[] = {uri,    s->name, num[0], num[1],    num[2],   num[3],     c->codec,
			   num[4], num[5],  rq->split, rq->repo, rq->revision, c->encoding};
	duckdb_result r;
	if (lake_query(l,
		       "INSERT INTO memory.main.vd_clips VALUES ($1, $2, $3::INTEGER, $4::INTEGER, "
		       "$5::INTEGER, $6::INTEGER, $7, $8::BIGINT, $9::BIGINT, $10, $11, $12, $13)",
		       p, 13, &r, e) < 0)
		return -1;
	duckdb_destroy_result(&r);
	for (size_t i = 0; i < c->n_fragments; i++) {
		const struct video_fragment *f = &c->fragments[i];
		snprintf(num[0], 32, "%d", f->id);
		snprintf(num[1], 32, "%lld", (long long)f->start_frame);
		snprintf(num[2], 32, "%lld", (long long)f->end_frame);
		snprintf(num[3], 32, "%.6f", f->start_time);
		snprintf(num[4], 32, "%.6f", f->end_time);
		snprintf(num[5], 32, "%lld", (long long)f->offset);
		snprintf(num[6], 32, "%lld", (long long)f->length);
		const char *q[] = {uri, num[0], num[1], num[2], num[3], num[4], num[5], num[6]};
		snprintf(sql, sizeof sql,
			 "INSERT INTO memory.main.vd_fragments VALUES ($1, $2::INTEGER, $3::INTEGER, "
			 "$4::INTEGER, $5::DOUBLE, $6::DOUBLE, $7::BIGINT, $8::BIGINT)");
		if (lake_query(l, sql, q, 8, &r, e) < 0)
			return -1;
		duckdb_destroy_result(&r);
	}
	return 0;
}

struct landing {
	const struct config *cfg;
	const struct ingest_request *rq;
	struct ingest_result *res;
};

/* The transaction body: sql/11_raw_visdrone.sql; 1 when it inserted nothing. */
static int land_rows(struct lake *l, void *ctx, struct err *e)
{
	struct landing *d = ctx;
	int64_t rows = 0;
	if (lake_run(l, sql_11_raw_visdrone, lake_count_inserts, &rows, e) < 0)
		return -1;
	d->res->rows = rows;
	if (rows == 0)
		return 1;
	char msg[1024];
	if (d->rq->message)
		snprintf(msg, sizeof msg, "%s", d->rq->message);
	else
		snprintf(msg, sizeof msg, "ingest visdrone from %s@%s split %s: %lld rows, %lld new clips",
			 d->rq->repo, d->rq->revision, d->rq->split, (long long)rows,
			 (long long)d->res->clips_new);
	return lake_set_commit_message(l, d->cfg->author, msg, e);
}

/* A video file's annotations can only be range-checked once its frames are counted. */
static int check_frame_range(struct lake *l, const struct sequence *seq, int64_t n_frames,
			     struct err *e)
{
	char bound[32];
	int64_t bad = 0;
	snprintf(bound, sizeof bound, "%lld", (long long)n_frames);
	const char *p[] = {seq->name, bound};
	if (lake_query_int64(l,
			     "SELECT count(*) FROM memory.main.vd_annotations WHERE sequence = $1 AND "
			     "frame_index > $2::BIGINT",
			     p, 2, &bad, e) < 0)
		return -1;
	return bad ? err_set(e, EXIT_USAGE,
			     "annotations/%s.txt: %lld lines name frames after the last frame (%lld) of "
			     "%s", seq->name, (long long)bad, (long long)n_frames, seq->video)
		   : 0;
}

/* A frame source that counts the frames it hands to the encoder in the progress. */
struct counted_frames {
	video_next_frame next;
	void *ctx;
	struct progress *progress;
};

static int counted_next(void *ctx, const struct AVFrame **frame, struct err *e)
{
	struct counted_frames *c = ctx;
	int rc = c->next(c->ctx, frame, e);
	if (rc == 1)
		progress_count(c->progress, "frames", 1);
	return rc;
}

static int encode_sequence(const struct ingest_request *rq, const struct sequence *seq,
			   struct video_clip *clip, struct ingest_result *res, struct err *e)
{
	int rc;
	struct counted_frames src = {.progress = rq->progress};
	if (seq->video[0]) {
		char why[160] = "";
		if (!rq->never_copy &&
		    (rc = video_copy(seq->video, rq->fragment_frames, clip, why, sizeof why, e)) != 0) {
			res->clips_copied += rc == 1;
			return rc < 0 ? -1 : 0;
		}
		int fps = 0;
		struct video_file *f = video_file_open(seq->video, &fps, e);
		if (!f)
			return -1;
		src.next = video_file_next, src.ctx = f;
		/* the file's own frame rate wins; fragments keep their length in frames */
		rc = video_encode(counted_next, &src, fps ? fps : rq->fps, rq->fragment_frames,
				  &rq->encode, clip, e);
		video_file_close(f);
		return rc;
	}
	struct video_image_files *f =
		video_image_files_open((const char *const *)seq->frames, seq->n_frames, e);
	if (!f)
		return -1;
	src.next = video_image_files_next, src.ctx = f;
	rc = video_encode(counted_next, &src, rq->fps, rq->fragment_frames, &rq->encode, clip, e);
	video_image_files_close(f);
	return rc;
}

/* Clips are content-addressed like every other object (assets/visdrone/clips/<seq>/<sha256>.mp4):
 * an object is never overwritten, so a re-encode with other settings cannot silently break the
 * byte ranges that older snapshots' fragment index points at. */
static int encode_and_upload(struct lake *l, struct s3 *s3, const struct ingest_request *rq,
			     const char *bucket, const struct sequence *seq,
			     struct ingest_result *res, struct err *e)
{
	struct video_clip clip;
	if (encode_sequence(rq, seq, &clip, res, e) < 0)
		return err_wrap(e, "sequence %s", seq->name);
	char sha[65], key[600] = "", uri[700];
	sha256_hex(clip.bytes.data, clip.bytes.len, sha);
	int rc = media_clip_key(key, sizeof key, rq->dataset, seq->name, sha) < 0
			 ? err_set(e, EXIT_USAGE, "sequence name '%s' cannot name an object", seq->name)
			 : 0;
	snprintf(uri, sizeof uri, "s3://%s/%s", bucket, key);
	if (rc == 0 && seq->video[0])
		rc = check_frame_range(l, seq, clip.n_frames, e);
	if (rc == 0)
		rc = s3_put_hashed(s3, key, clip.bytes.data, clip.bytes.len, sha, e);
	if (rc == 0) {
		progress_add(rq->progress, 0, (int64_t)clip.bytes.len);
		res->clips_new++;
		res->objects_new++;
		res->bytes_new += (int64_t)clip.bytes.len;
		res->frames += clip.n_frames;
		rc = stage_clip(l, rq, uri, seq, &clip, e);
	}
	video_clip_free(&clip);
	return rc;
}

int visdrone_ingest(const struct config *cfg, const struct ingest_request *rq,
		    struct ingest_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	res->snapshot = -1;
	if (strcmp(rq->dataset, "visdrone") != 0)
		return err_set(e, EXIT_USAGE,
			       "%s is a VisDrone source: it lands in raw.visdrone_clips, "
			       "raw.visdrone_fragments and raw.visdrone_annotations, the tables the silver "
			       "and gold layers and fetch read, so its NAME is 'visdrone', not '%s'; run "
			       "'lakehouse ingest visdrone --from ...'",
			       rq->repo, rq->dataset);
	struct sequence *seqs = NULL;
	size_t n = 0;
	if (list_sequences(rq->video_root, &seqs, &n, e) < 0) {
		free_sequences(seqs, n);
		return -1;
	}
	struct lake *l = NULL;
	struct s3 *s3 = NULL;
	duckdb_appender app = NULL;
	int rc = lake_open(&l, cfg, LAKE_EXISTING, e);
	if (rc == 0)
		rc = lake_exec(l,
			       "CREATE OR REPLACE TABLE memory.main.vd_clips (clip_uri VARCHAR, "
			       "sequence VARCHAR, n_frames INTEGER, fps INTEGER, width INTEGER, height "
			       "INTEGER, codec VARCHAR, bytes BIGINT, init_bytes BIGINT, split VARCHAR, "
			       "source_repo VARCHAR, source_revision VARCHAR, encoding VARCHAR);"
			       "CREATE OR REPLACE TABLE memory.main.vd_fragments (clip_uri VARCHAR, "
			       "fragment_id INTEGER, start_frame INTEGER, end_frame INTEGER, start_time "
			       "DOUBLE, end_time DOUBLE, byte_offset BIGINT, byte_length BIGINT);"
			       "CREATE OR REPLACE TABLE memory.main.vd_annotations (sequence VARCHAR, "
			       "frame_index INTEGER, target_id INTEGER, bbox_left INTEGER, bbox_top "
			       "INTEGER, bbox_width INTEGER, bbox_height INTEGER, score INTEGER, "
			       "object_category INTEGER, truncation INTEGER, occlusion INTEGER)",
			       e);
	if (rc == 0 && duckdb_appender_create_ext(lake_connection(l), "memory", "main",
						  "vd_annotations", &app) == DuckDBError)
		rc = err_set(e, 0, "cannot stage annotations");
	/* 1. check every annotation file before anything is uploaded */
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = load_annotations(l, app, rq->video_root, &seqs[i], e);
	if (rc == 0 && duckdb_appender_flush(app) == DuckDBError)
		rc = err_set(e, 0, "%s", duckdb_appender_error(app));
	if (app)
		duckdb_appender_destroy(&app);
	/* 2. objects first: one clip per new sequence */
	if (rc == 0 && !(s3 = s3_new(cfg, e)))
		rc = -1;
	progress_phase(rq->progress, "encode", "sequences");
	progress_add_total(rq->progress, (int64_t)n, 0);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int landed;
		rc = already_landed(l, seqs[i].name, &landed, e);
		if (rc == 0 && !landed)
			rc = encode_and_upload(l, s3, rq, cfg->bucket, &seqs[i], res, e);
		else if (rc == 0)
			progress_count(rq->progress, "skipped", 1);
		progress_add(rq->progress, 1, 0);
	}
	/* 3. rows last, in one transaction */
	if (rc == 0) {
		struct landing d = {cfg, rq, res};
		rc = lake_in_transaction(l, land_rows, &d, e);
		rc = rc == 0 ? lake_current_snapshot(l, &res->snapshot, e) : rc < 0 ? -1 : 0;
	}
	s3_free(s3);
	lake_close(l);
	free_sequences(seqs, n);
	return rc;
}
