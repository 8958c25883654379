/* export_parts.h - what the files of `lakehouse export` share (private to src/media/export*.c).
 *   export.c         the request: snapshot pinning, the selection, the format's entry
 *   export_common.c  sections of sql/40_export.sql, keys, --threads, progress
 *   export_dest.c    destinations: a folder, s3://bucket/prefix or stdout
 *   export_wds.c     WebDataset tar shards and their manifest
 *   export_coco.c    COCO JSON files and image folders
 * Calls go one way: export.c -> export_wds/export_coco -> export_dest/export_common.
 * stream.c (`lakehouse stream`) shares the selection and the WebDataset sample layout:
 * export_select, export_plan_fragments, export_sample_section, export_key, export_ext.
 * Bytes are read through the media reader (reader.h) only.
 */
#ifndef LAKEHOUSE_EXPORT_PARTS_H
#define LAKEHOUSE_EXPORT_PARTS_H

#include <duckdb.h>
#include <pthread.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "media/export.h"

struct lake;
struct s3;

/* The snapshot the export reads and what its selection is. */
struct pinned {
	int64_t id, epoch;
	char time[64];
	int fragments, has_split;
	int silver; /* the silver COCO tables exist: images get boxes and captions */
	/* the COCO-format dataset whose raw.<release>_* tables a split from a COCO release is
	 * exported from (temp views export_release_{images,objects,categories,licenses,
	 * captions}): the NAME of an `--table raw.<NAME>_images` export, else "coco" when silver
	 * has COCO; "" for none */
	char release[64];
	int release_raw; /* 1: exported straight from raw (every record), not through silver */
	char query[8192];
};

/* Pins rq's snapshot (the lake re-attached read-only at it) and materialises the selection
 * (temp export_selection; images: export_images) for the sample query. */
int export_select(struct lake *l, const struct export_request *rq, struct pinned *p,
		  struct err *e);
/* The sample query's section of sql/40_export.sql: rows (uri, key source, json). */
const char *export_sample_section(const struct pinned *p);
/* Video selections: the reader's plan (clip by clip), failing on a fragment the index does not
 * know; row i of the fragment sample query is item i of plan. */
struct media_plan;
int export_plan_fragments(struct lake *l, const struct pinned *p, struct media_plan *plan,
			  struct err *e);
/* A sample's member extension: "mp4" for a fragment, else the URI's (lower case, jpeg -> jpg,
 * none -> bin). */
void export_ext(const char *uri, int fragment, char out[8]);

/* ---- sql/40_export.sql and small helpers (export.c) ---- */
/* The text of one section, without its final ';'; the caller frees it. */
char *export_section_sql(const char *name, struct err *e);
/* Runs one section with optional parameters; res (may be NULL) is the caller's. */
int export_section_query(struct lake *l, const char *name, const char *const *params, int np,
			 duckdb_result *res, struct err *e);
/* A copy of a result value ("" for NULL); the caller frees it. */
char *export_value_str(duckdb_result *r, idx_t col, idx_t row);
/* --threads clamped to 1..32. */
int export_threads(const struct export_request *rq);
/* Progress: done of total, bytes, shards. */
void export_report(const struct export_request *rq, int64_t done, int64_t total, int64_t bytes,
		   int64_t shards);

/* ---- destinations (export_dest.c) ---- */
enum dest_kind { DEST_DIR, DEST_S3, DEST_STDOUT };

struct dest {
	enum dest_kind kind;
	char dir[4096];        /* DEST_DIR */
	struct config s3cfg;   /* DEST_S3: cfg with the destination's bucket */
	char prefix[1024];     /* DEST_S3: "" or "prefix/" */
	struct s3 *s3;
	/* DEST_S3: the one background upload (a finished shard while the next is written) */
	pthread_t up;
	int up_running, up_rc;
	struct err up_e;
	char up_tmp[4200], up_key[4400];
};

/* A file being written to the destination: in a folder under a temporary name, renamed when
 * finished; for s3:// into a spool file, uploaded when finished; on stdout, the stream. */
struct dest_file {
	struct fs_tmpfile t; /* t.f: where to write */
	char key[4400];      /* DEST_S3: the object key */
};

int dest_parse(const struct config *cfg, const char *out, struct dest *d, struct err *e);
void dest_free(struct dest *d);
/* Refuses a destination that already holds something, unless force; creates a folder. */
int dest_check_empty(struct dest *d, int force, struct err *e);
/* DEST/rel (PREFIXrel in the store) and, for a folder, its temporary name (NULL: "DEST/rel.part"). */
int dest_create(struct dest *d, const char *rel, const char *tmp, struct dest_file *f,
		struct err *e);
/* Finishes f: a folder's file is renamed, an s3:// spool uploaded (background: in a thread,
 * one at a time; dest_wait collects it), stdout flushed. On failure nothing shows. */
int dest_finish(struct dest *d, struct dest_file *f, int background, struct err *e);
/* Drops an unfinished f. */
void dest_abandon(struct dest_file *f);
/* Waits for the background upload; its failure, if any. */
int dest_wait(struct dest *d, struct err *e);
/* Stores a small finished file (manifest, COCO JSON) at DEST/rel. */
int dest_put(struct dest *d, const char *rel, const char *data, size_t len, struct err *e);
/* Where DEST/rel lands: the folder path or the object key ("" for stdout). */
void dest_place(const struct dest *d, const char *rel, char *out, size_t n);
/* Removes DEST/rel; 0 when it was there and is gone, -1 when missing or not removed. */
int dest_remove(struct dest *d, const char *rel);

/* ---- the formats ---- */
int export_webdataset(struct lake *l, const struct config *cfg, const struct export_request *rq,
		      struct pinned *p, struct dest *d, const char *name,
		      struct export_result *res, struct err *e);
int export_coco(struct lake *l, const struct config *cfg, const struct export_request *rq,
		struct pinned *p, struct dest *d, struct export_result *res, struct err *e);

#endif
