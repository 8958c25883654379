/* coco_parts.h - what the two files of the COCO ingest share: coco_read.c reads a split's
 * annotation files (folder or zip) and stages them, validated, in memory.main.coco_src_*;
 * coco.c uploads the images and lands the rows. Not an interface for other modules. */
#ifndef LAKEHOUSE_INGEST_COCO_PARTS_H
#define LAKEHOUSE_INGEST_COCO_PARTS_H

#include <archive.h>

#include "core/err.h"
#include "core/fsutil.h"
#include "ingest/coco_json.h"
#include "lake/lake.h"

/* The three COCO files of a split. */
enum coco_file { F_INSTANCES, F_KEYPOINTS, F_CAPTIONS, F_FILES };

/* Where the release is read from: files in a folder, or entries of its zips read in place
 * (nothing is unpacked to disk). Each file is streamed through coco_json_split into spool
 * files, one per array (newline-delimited records, in TMPDIR, removed at the end), that
 * DuckDB then reads a line at a time. The names used in messages are the paths of the files,
 * or "<zip>:<entry>". */
struct paths {
	char file[F_FILES][4200]; /* the folder's JSON files */
	char name[F_FILES][8600];
	int has[F_FILES];
	char images[4200];
	const char *inst_name, *cap_name;
	int zip; /* 1: images is <split>.zip */
	int skip_bad; /* --skip-bad: faulty records set aside (memory.main.coco_rejects) */
	struct coco_json_out out[F_FILES];
	struct fs_tmpfile spool[F_FILES][COCO_ARRAYS];
};


/* Fills p for ROOT and SPLIT and streams the split's annotation files, from the folder or the
 * zips, into p's spools. Errors name the file (exit 2 for a source that is not COCO). */
int coco_open(struct paths *p, const char *root, const char *split, int skip_bad, struct err *e);
/* The spooled records into memory.main.coco_src_{images,objects,categories,licenses,captions},
 * checked (a faulty record fails naming the file and its id, or with skip_bad goes to
 * memory.main.coco_rejects). Removes the spools. */
int coco_stage(struct lake *l, struct paths *p, struct err *e);
/* skip_bad: the annotations and captions of images set aside follow them. */
int coco_reject_orphans(struct lake *l, const struct paths *p, struct err *e);
/* Removes the spools; safe to call twice. */
void coco_paths_close(struct paths *p);
/* A zip opened for reading its entries in order (the caller archive_read_free()s it). */
int coco_zip_open(const char *path, struct archive **out, struct err *e);
int coco_file_exists(const char *path);

#endif
