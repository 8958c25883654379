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
#include <sys/stat.h>

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
	char annotations[4400]; /* its annotation file, "" when it has none */
	int needs_annotations;  /* the VisDrone layout: a sequence without one is an error */
	int skip;               /* a bad clip left out (skip_bad) */
	int has_audio;          /* the file holds audio, which is not kept */
	int64_t source_bytes;
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
		return err_set(e, EXIT_FAILED, "cannot read %s: %s", dir, strerror(errno));
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
				rc = err_set(e, EXIT_FAILED, "out of memory");
				break;
			}
			s->frames = v;
		}
		if (asprintf(&s->frames[s->n_frames], "%s/%s", dir, de->d_name) < 0)
			rc = err_set(e, EXIT_FAILED, "out of memory");
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

int visdrone_is_video_name(const char *ext)
{
	static const char *const exts[] = {"mp4", "avi", "mov", "mkv", "webm", "m4v", "ts", "mts",
					   "mpg", "mpeg", "flv", "ogv", "3gp", "wmv", "mxf", NULL};
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
		return err_set(e, EXIT_FAILED, "cannot read %s: %s", dir, strerror(errno));
	*out = calloc((size_t)count + 1, sizeof **out);
	*n = 0;
	int rc = *out ? 0 : err_set(e, EXIT_FAILED, "out of memory");
	for (int i = 0; i < count; i++) {
		const char *nm = names[i]->d_name, *dot = strrchr(nm, '.');
		if (rc == 0 && nm[0] != '.' && names[i]->d_type == DT_DIR) {
			struct sequence *s = &(*out)[(*n)++];
			snprintf(s->name, sizeof s->name, "%s", nm);
			rc = list_frames(root, s, e);
		} else if (rc == 0 && nm[0] != '.' && dot && visdrone_is_video_name(dot + 1)) {
			struct sequence *s = &(*out)[(*n)++];
			snprintf(s->name, sizeof s->name, "%.*s", (int)(dot - nm), nm);
			snprintf(s->video, sizeof s->video, "%s/%s", dir, nm);
		}
		if (*n && !(*out)[*n - 1].annotations[0]) {
			struct sequence *s = &(*out)[*n - 1];
			s->needs_annotations = 1;
			snprintf(s->annotations, sizeof s->annotations, "%s/annotations/%s.txt", root,
				 s->name);
		}
		free(names[i]);
	}
	free(names);
	if (rc == 0 && *n == 0)
		rc = err_set(e, EXIT_USAGE, "no sequences under %s", dir);
	return rc;
}

/* ---- a folder (any depth) or a single file of clips ------------------------------------- */

struct clip_list {
	struct sequence *v;
	size_t n, cap;
};

static const char *extension(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && dot != name ? dot + 1 : "";
}

/* Adds the clip at path (dir/name): its stem names the sequence; its annotations are
 * dir/<stem>.txt, else <root>/annotations/<stem>.txt, else none. */
static int add_clip(struct clip_list *l, const char *root, const char *dir, const char *name,
		    struct err *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct sequence *v = realloc(l->v, (cap + 1) * sizeof *v);
		if (!v)
			return err_set(e, EXIT_FAILED, "out of memory");
		l->v = v, l->cap = cap;
	}
	struct sequence *s = &l->v[l->n];
	memset(s, 0, sizeof *s);
	const char *ext = extension(name);
	snprintf(s->name, sizeof s->name, "%.*s", (int)(ext - name - 1), name);
	snprintf(s->video, sizeof s->video, "%s/%s", dir, name);
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, s->name) == 0)
			return err_set(e, EXIT_USAGE,
				       "two clips are named %s (%s and %s): a clip's file name (without "
				       "extension) is its sequence, so it must be unique",
				       s->name, l->v[i].video, s->video);
	struct stat st;
	char ann[4400];
	snprintf(ann, sizeof ann, "%s/%s.txt", dir, s->name);
	if (stat(ann, &st) != 0) {
		snprintf(ann, sizeof ann, "%s/annotations/%s.txt", root, s->name);
		if (stat(ann, &st) != 0)
			ann[0] = '\0';
	}
	snprintf(s->annotations, sizeof s->annotations, "%s", ann);
	if (stat(s->video, &st) == 0)
		s->source_bytes = (int64_t)st.st_size;
	l->n++;
	return 0;
}

static int walk_clips(struct clip_list *l, const char *root, const char *dir, struct err *e)
{
	struct dirent **names = NULL;
	int count = scandir(dir, &names, NULL, alphasort);
	if (count < 0)
		return err_set(e, EXIT_FAILED, "cannot read %s: %s", dir, strerror(errno));
	int rc = 0;
	for (int i = 0; i < count; i++) {
		const char *nm = names[i]->d_name;
		char path[4400];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, nm);
		if (rc == 0 && nm[0] != '.' && lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = walk_clips(l, root, path, e);
			else if (S_ISREG(st.st_mode) && visdrone_is_video_name(extension(nm)))
				rc = add_clip(l, root, dir, nm, e);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int visdrone_has_clips(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	if (S_ISREG(st.st_mode))
		return visdrone_is_video_name(extension(path));
	struct clip_list l = {0};
	struct err e = {0};
	int found = S_ISDIR(st.st_mode) && walk_clips(&l, path, path, &e) == 0 && l.n > 0;
	free(l.v);
	return found;
}

/* The clips of a source that is not in the VisDrone layout: a folder (any depth) or one file. */
static int list_clips(const char *root, struct sequence **out, size_t *n, struct err *e)
{
	struct clip_list l = {0};
	struct stat st;
	int rc;
	if (stat(root, &st) == 0 && S_ISREG(st.st_mode)) {
		char dir[4096];
		const char *slash = strrchr(root, '/');
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - root) : 1, slash ? root : ".");
		rc = add_clip(&l, dir, dir, slash ? slash + 1 : root, e);
	} else {
		rc = walk_clips(&l, root, root, e);
	}
	if (rc == 0 && l.n == 0)
		rc = err_set(e, EXIT_USAGE, "no video files under %s", root);
	*out = l.v, *n = l.n;
	return rc;
}

int visdrone_parse_fields(const char *line, long *v, int count)
{
	int n = 0;
	const char *p = line;
	char *end = (char *)line;
	while (n < count) {
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
	/* a trailing comma after the last value is allowed (some releases have it) */
	return n == count && (*end == '\0' || (*end == ',' && end[1] == '\0')) ? 0 : -1;
}

int visdrone_parse_annotation(const char *line, long v[10])
{
	return visdrone_parse_fields(line, v, 10);
}

/* Checks every line of the sequence's annotation file and, when app is not NULL, appends
 * them to memory.main.vd_annotations. */
static int load_annotations(duckdb_appender app, const struct sequence *s, struct err *e)
{
	char line[512];
	const char *path = s->annotations;
	if (!path[0])
		return 0; /* a clip without annotations: no rows */
	FILE *f = fopen(path, "r");
	if (!f)
		return s->needs_annotations || errno != ENOENT
			       ? err_set(e, EXIT_USAGE, "sequence %s has no annotation file %s: %s",
					 s->name, path, strerror(errno))
			       : 0;
	int lineno = 0, rc = 0;
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
		else if (app) {
			duckdb_append_varchar(app, s->name);
			for (int k = 0; k < 10; k++)
				duckdb_append_int32(app, (int32_t)v[k]);
			if (duckdb_appender_end_row(app) == DuckDBError)
				rc = err_set(e, EXIT_FAILED, "%s", duckdb_appender_error(app));
		}
	}
	fclose(f);
	return rc;
}

static int already_landed(struct lake *l, const char *dataset, const char *sequence,
			  int *landed, struct err *e)
{
	int64_t n = 0;
	const char *p[] = {sequence};
	char table[200], sql[300];
	snprintf(table, sizeof table, "%s_clips", dataset); /* a validated identifier */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM raw.\"%s\" WHERE sequence = $1", table);
	if (lake_table_exists(l, "raw", table, landed, e) < 0)
		return -1;
	if (*landed && lake_query_int64(l, sql, p, 1, &n, e) < 0)
		return -1;
	*landed = *landed && n > 0;
	return 0;
}

/* How a clip was stored, beside what struct video_clip says. */
struct clip_meta {
	int copied;
	double crf, psnr_db; /* crf 0 and psnr NaN for a copy */
};

static int stage_clip(struct lake *l, const struct ingest_request *rq, const char *uri,
		      const struct sequence *s, const struct video_clip *c,
		      const struct clip_meta *m, struct err *e)
{
	char sql[256], num[9][32], more[5][32], source[4600];
	snprintf(num[0], 32, "%lld", (long long)c->n_frames);
	snprintf(num[1], 32, "%d", c->fps);
	snprintf(num[2], 32, "%d", c->width);
	snprintf(num[3], 32, "%d", c->height);
	snprintf(num[4], 32, "%zu", c->bytes.len);
	snprintf(num[5], 32, "%lld", (long long)c->init_length);
	snprintf(more[0], 32, "%lld", (long long)s->source_bytes);
	snprintf(more[1], 32, "%s", m->copied ? "true" : "false");
	snprintf(more[2], 32, "%.2f", m->crf);
	snprintf(more[3], 32, "%.3f", m->psnr_db);
	snprintf(more[4], 32, "%s", s->has_audio ? "true" : "false");
	if (strncmp(rq->repo, "local:", 6) == 0 || !s->video[0])
		snprintf(source, sizeof source, "%s", s->video[0] ? s->video : "");
	else /* staged from the Hub: name the file in its repo */
		snprintf(source, sizeof source, "hf://datasets/%s@%s/%s", rq->repo, rq->revision,
			 s->video + (strncmp(s->video, rq->video_root, strlen(rq->video_root)) == 0
					     ? strlen(rq->video_root) + 1
					     : 0));
	const char *p[] = {uri,     s->name, num[0],    num[1],   num[2],       num[3],
			   c->codec, num[4], num[5],    rq->split, rq->repo,    rq->revision,
			   c->encoding, source, more[0], more[1],
			   m->copied ? "" : more[2], m->copied ? "" : more[3], more[4]};
	duckdb_result r;
	if (lake_query(l,
		       "INSERT INTO memory.main.vd_clips VALUES ($1, $2, $3::INTEGER, $4::INTEGER, "
		       "$5::INTEGER, $6::INTEGER, $7, $8::BIGINT, $9::BIGINT, $10, $11, $12, $13, "
		       "NULLIF($14, ''), $15::BIGINT, $8::BIGINT, $16::BOOLEAN, NULLIF($17, '')::DOUBLE, "
		       "NULLIF($18, '')::DOUBLE, $19::BOOLEAN)",
		       p, 19, &r, e) < 0)
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
	/* the tables are raw.<NAME>_clips, _fragments, _annotations (NAME a validated identifier) */
	const char *from = "raw.visdrone_", *sql = sql_11_raw_visdrone;
	size_t n = 0, flen = strlen(from), nlen = strlen(d->rq->dataset);
	for (const char *q = sql; (q = strstr(q, from)) != NULL; q += flen)
		n++;
	char *text = malloc(strlen(sql) + n * (nlen + 8) + 1), *w = text;
	if (!text)
		return err_set(e, EXIT_FAILED, "out of memory");
	for (const char *q = sql, *hit; ; q = hit + flen) {
		hit = strstr(q, from);
		size_t k = hit ? (size_t)(hit - q) : strlen(q);
		memcpy(w, q, k), w += k;
		if (!hit)
			break;
		w += sprintf(w, "raw.%s_", d->rq->dataset);
	}
	*w = '\0';
	int rc = lake_run(l, text, lake_count_inserts, &rows, e);
	free(text);
	if (rc < 0)
		return -1;
	d->res->rows = rows;
	if (rows == 0)
		return 1;
	char msg[1024];
	if (d->rq->message)
		snprintf(msg, sizeof msg, "%s", d->rq->message);
	else
		snprintf(msg, sizeof msg, "ingest %s from %s@%s split %s: %lld rows, %lld new clips",
			 d->rq->dataset, d->rq->repo, d->rq->revision, d->rq->split, (long long)rows,
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
			     "%s: %lld lines name frames after the last frame (%lld) of %s",
			     seq->annotations, (long long)bad, (long long)n_frames, seq->video)
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

/* A frame source that can be opened again: a video file, or a sequence's image files. */
struct frames {
	const struct ingest_request *rq;
	const struct sequence *seq;
	struct video_file *file;
	struct video_image_files *images;
	struct counted_frames counted;
	int fps;
};

static int frames_open(struct frames *f, int count, struct err *e)
{
	f->counted = (struct counted_frames){.progress = count ? f->rq->progress : NULL};
	if (f->seq->video[0]) {
		int fps = 0;
		if (!(f->file = video_file_open(f->seq->video, &fps, e)))
			return -1;
		f->fps = fps ? fps : f->rq->fps;
		f->counted.next = video_file_next, f->counted.ctx = f->file;
		return 0;
	}
	f->images = video_image_files_open((const char *const *)f->seq->frames, f->seq->n_frames, e);
	if (!f->images)
		return -1;
	f->fps = f->rq->fps;
	f->counted.next = video_image_files_next, f->counted.ctx = f->images;
	return 0;
}

static void frames_close(struct frames *f)
{
	if (f->file)
		video_file_close(f->file);
	if (f->images)
		video_image_files_close(f->images);
	f->file = NULL, f->images = NULL;
}

/* Frames per fragment: --fragment-frames, else --fragment-seconds at the clip's frame rate. */
static int per_fragment(const struct ingest_request *rq, int fps)
{
	if (rq->fragment_frames > 0)
		return rq->fragment_frames;
	int n = (int)(fps * rq->fragment_seconds + 0.5);
	return n > 0 ? n : 1;
}

/* Re-encodes at the request's CRF, or at the CRF that reaches its quality target (picked on a
 * sample of GOPs), then measures the stored clip's PSNR against the whole source. */
static int encode_sequence(const struct ingest_request *rq, const struct sequence *seq,
			   struct video_clip *clip, struct clip_meta *m, struct err *e)
{
	struct frames f = {.rq = rq, .seq = seq};
	struct video_encode_opts o = rq->encode;
	int rc = frames_open(&f, 0, e);
	int per = rc == 0 ? per_fragment(rq, f.fps) : 1;
	if (rc == 0 && o.crf <= 0)
		rc = video_pick_crf(f.counted.next, f.counted.ctx, f.fps, per, &o, rq->quality,
				    &o.crf, NULL, e);
	frames_close(&f);
	if (rc == 0)
		rc = frames_open(&f, 1, e);
	if (rc == 0) {
		o.source = f.file ? video_file_stream(f.file) : NULL;
		rc = video_encode(counted_next, &f.counted, f.fps, per, &o, clip, e);
	}
	frames_close(&f);
	if (rc == 0 && (rc = frames_open(&f, 0, e)) == 0) {
		rc = video_psnr(clip, f.counted.next, f.counted.ctx, &m->psnr_db, e);
		frames_close(&f);
		if (rc < 0)
			video_clip_free(clip);
	}
	m->crf = o.crf;
	m->copied = 0;
	return rc;
}

static int store_sequence(const struct ingest_request *rq, const struct sequence *seq,
			  struct video_clip *clip, struct clip_meta *m, struct ingest_result *res,
			  struct err *e)
{
	if (seq->video[0] && rq->copy != VIDEO_COPY_NEVER) {
		char why[160] = "";
		double seconds = rq->fragment_seconds;
		if (rq->fragment_frames > 0) { /* --fragment-frames: that many at the file's rate */
			int fps = 0;
			struct video_file *f = video_file_open(seq->video, &fps, e);
			if (!f)
				return -1;
			video_file_close(f);
			seconds = (double)rq->fragment_frames / (fps ? fps : rq->fps);
		}
		int rc = video_copy(seq->video, seconds, rq->copy, clip, why, sizeof why, e);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			res->clips_copied++;
			progress_count(rq->progress, "frames", clip->n_frames);
			*m = (struct clip_meta){.copied = 1};
			return 0;
		}
		if (rq->copy == VIDEO_COPY_ALWAYS)
			return err_set(e, EXIT_USAGE, "%s cannot be copied (--copy always): %s",
				       seq->video, why);
	}
	return encode_sequence(rq, seq, clip, m, e);
}

/* A bad clip: an error (exit 2, naming it), or with skip_bad one more name in the list. */
static int bad_clip(const struct ingest_request *rq, struct sequence *seq,
		    struct ingest_result *res, struct err *e)
{
	if (!rq->skip_bad) {
		e->code = EXIT_USAGE;
		return -1;
	}
	size_t len = strlen(res->skipped_list);
	snprintf(res->skipped_list + len, sizeof res->skipped_list - len, "%s%s (%s)",
		 len ? "; " : "", seq->video[0] ? seq->video : seq->name, e->msg);
	res->skipped++;
	seq->skip = 1;
	*e = (struct err){0};
	return 0;
}

/* Clips are content-addressed like every other object (assets/visdrone/clips/<seq>/<sha256>.mp4):
 * an object is never overwritten, so a re-encode with other settings cannot silently break the
 * byte ranges that older snapshots' fragment index points at. */
static int encode_and_upload(struct lake *l, struct s3 *s3, const struct ingest_request *rq,
			     const char *bucket, const struct sequence *seq,
			     struct ingest_result *res, struct err *e)
{
	struct video_clip clip;
	struct clip_meta m;
	if (store_sequence(rq, seq, &clip, &m, res, e) < 0)
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
		rc = stage_clip(l, rq, uri, seq, &clip, &m, e);
	}
	video_clip_free(&clip);
	return rc;
}

int visdrone_ingest(const struct config *cfg, const struct ingest_request *rq,
		    struct ingest_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	res->snapshot = -1;
	struct sequence *seqs = NULL;
	size_t n = 0;
	char seqdir[4200];
	struct stat st;
	snprintf(seqdir, sizeof seqdir, "%s/sequences", rq->video_root);
	int layout = stat(seqdir, &st) == 0 && S_ISDIR(st.st_mode);
	if ((layout ? list_sequences(rq->video_root, &seqs, &n, e)
		    : list_clips(rq->video_root, &seqs, &n, e)) < 0) {
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
			       "source_repo VARCHAR, source_revision VARCHAR, encoding VARCHAR, "
			       "source_uri VARCHAR, source_bytes BIGINT, stored_bytes BIGINT, copied "
			       "BOOLEAN, crf DOUBLE, psnr_db DOUBLE, audio_dropped BOOLEAN);"
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
		rc = err_set(e, EXIT_FAILED, "cannot stage annotations");
	/* 1. check every clip and annotation file before anything is uploaded */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if ((seqs[i].video[0] && video_probe(seqs[i].video, &seqs[i].has_audio, e) < 0) ||
		    load_annotations(NULL, &seqs[i], e) < 0)
			rc = bad_clip(rq, &seqs[i], res, e);
		if (rc == 0 && !seqs[i].skip)
			rc = load_annotations(app, &seqs[i], e);
	}
	if (rc == 0 && duckdb_appender_flush(app) == DuckDBError)
		rc = err_set(e, EXIT_FAILED, "%s", duckdb_appender_error(app));
	if (app)
		duckdb_appender_destroy(&app);
	/* 2. objects first: one clip per new sequence */
	if (rc == 0 && !(s3 = s3_new(cfg, e)))
		rc = -1;
	progress_phase(rq->progress, "encode", "sequences");
	progress_add_total(rq->progress, (int64_t)n, 0);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int landed = seqs[i].skip;
		rc = landed ? 0 : already_landed(l, rq->dataset, seqs[i].name, &landed, e);
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
