/* imagefolder.h - a folder of images as a source kind, in the Hugging Face imagefolder
 * convention (https://huggingface.co/docs/datasets/image_dataset#imagefolder):
 *     ROOT/.../<image>.{jpg,jpeg,png,webp,bmp,gif,tif,tiff}   any depth, hidden names skipped
 *     ROOT/[SPLIT/]metadata.jsonl | metadata.csv              optional, joined by file_name
 * Splits: a top-level folder named for a split (train/training, validation/valid/val/dev,
 * test/testing/eval/evaluation, optionally followed by "-", "_", ".", " " or digits) holds
 * that split (the canonical name lands: train, validation, test); every image must then sit
 * in one. Without split folders every image is in the requested split.
 * Labels (as HF infers them): the parent folder's name below the split folder (or ROOT),
 * only when there is no metadata file, every image sits at the same depth in such a folder
 * and there are two labels or more; else NULL.
 * Metadata: file_name is relative to the metadata file's folder; every other column lands as
 * its own column, typed as DuckDB's read_json / read_csv read it.
 * Order of effects (objects before catalog, as ingest.h):
 *   1. the folder is walked and the metadata read; a metadata row whose file_name names no
 *      image (or no file_name, or one named twice) fails with the file and the line, exit 2,
 *      before any upload (skip_bad: set aside in raw.<NAME>_rejects, the rest lands);
 *   2. each image becomes its own object, s3://<bucket>/assets/<NAME>/image/<sha256>.<ext>
 *      (objects already in the bucket are not sent again);
 *   3. ONE lake transaction makes raw.<NAME>_images follow the folder: one row per image
 *      (image_uri, file_name, label, split, width, height, image_status, sha256, bytes,
 *      source_repo, then the metadata columns), keyed by (source_repo, split, file_name):
 *      new rows inserted, changed ones replaced, rows of images gone removed. Nothing
 *      changed: no snapshot.
 * Width and height come from the image header (media_image_size): NULL when unknown.
 */
#ifndef LAKEHOUSE_IMAGEFOLDER_H
#define LAKEHOUSE_IMAGEFOLDER_H

#include "core/config.h"
#include "core/err.h"
#include "ingest/ingest.h"

/* 1 when the folder root holds at least one image file (any depth, by extension). */
int imagefolder_present(const char *root);

/* 1 when the file name has an image extension (jpg, jpeg, png, webp, bmp, gif, tif, tiff). */
int imagefolder_image_name(const char *name);

/* The split a top-level folder named `folder` holds ("val" -> "validation", "train-2" ->
 * "train"), or NULL when the name is not a split's; static text. */
const char *imagefolder_split(const char *folder);

/* Lands the folder rq->image_root (see above). */
int imagefolder_ingest(const struct config *cfg, const struct ingest_request *rq,
		       struct ingest_result *res, struct err *e);

/* For another source kind that lands its images as this one does (VisDrone-DET). */
struct lake;
/* The columns of raw.<NAME>_images without metadata, as a SELECT list. */
#define IMAGEFOLDER_COLUMNS                                                                       \
	"image_uri, file_name, label, split, width, height, image_status, sha256, bytes, source_repo"
/* Uploads the images rel[0..n-1] (paths relative to rq->image_root, all of split rq->split,
 * label NULL) as imagefolder_ingest does and leaves in memory.main.if_rows (IMAGEFOLDER_COLUMNS)
 * the rows raw.<NAME>_images should hold; the lake variable ingest_repo must name rq->repo.
 * rel stays the caller's. Counts blobs and new objects in res. */
int imagefolder_stage_images(struct lake *l, const struct config *cfg,
			     const struct ingest_request *rq, char *const *rel, size_t n,
			     struct ingest_result *res, struct err *e);
/* Inside a lake transaction: makes table (created from staged when missing, staged's new
 * columns added) follow staged for the rows of source_repo = getvariable('ingest_repo'),
 * compared over cols and keyed by (split, file_name): every key whose rows differ either way
 * has its landed rows replaced by its staged ones (none when gone). Counts keys: inserted
 * (new), updated (changed), removed (gone). */
int imagefolder_follow(struct lake *l, const char *table, const char *staged, const char *cols,
		       int64_t *inserted, int64_t *updated, int64_t *removed, struct err *e);

#endif
