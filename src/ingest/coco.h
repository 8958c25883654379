/* coco.h - the COCO official layout as a source kind:
 *     ROOT/annotations/instances_<split>.json      images, annotations, categories, licenses
 *     ROOT/annotations/captions_<split>.json       (optional) captions
 *     ROOT/annotations/person_keypoints_<split>.json (optional) keypoints, keypoint categories
 *     ROOT/<split>/<file_name>                     the images the JSON names
 * or the release's zips side by side, read in place with libarchive (never unpacked to disk):
 *     ROOT/<split>.zip (entries <split>/<file_name>) + ROOT/annotations*.zip (entries
 *     annotations/instances_<split>.json ...).
 * Order of effects (the same invariant as ingest.h: objects before catalog):
 *   1. each JSON file is streamed (coco_json.h: a SAX parse, one record per line into a
 *      temporary file, so memory never holds the document) and DuckDB's JSON reader loads
 *      the records into memory tables (explicit columns; every field the release carries,
 *      segmentation kept as JSON text);
 *   2. the input is validated: not COCO, not JSON, an annotation whose image_id has no image,
 *      a duplicate annotation id, a negative box size, an RLE whose size is not the image's
 *      or whose counts do not cover it, an image file missing, a damaged or truncated zip;
 *      each fails with the file and the record id, exit 2, before any upload (--skip-bad:
 *      the faulty records set aside in raw.<NAME>_rejects);
 *   3. each image file becomes its own object, s3://<bucket>/assets/<NAME>/image/<sha256>.<ext>
 *      (ingest/assets.h: objects already in the bucket are not sent again);
 *   4. ONE lake transaction runs the sections of sql/10_raw.sql marked `@dataset coco_json`
 *      ({{name}} is NAME): raw.<NAME>_images, _objects, _categories, _licenses, _captions
 *      follow the source within the split (new ids inserted, changed records replaced,
 *      vanished ones removed; --append-only: inserted only); nothing changed: no snapshot.
 * Unknown fields stay NULL.
 */
#ifndef LAKEHOUSE_COCO_H
#define LAKEHOUSE_COCO_H

#include "core/config.h"
#include "core/err.h"
#include "ingest/ingest.h"

/* 1 when root holds annotations/instances_<split>.json, or <split>.zip + annotations*.zip. */
int coco_layout_present(const char *root, const char *split);

/* Lands the COCO source rq->coco_root (see above). */
int coco_ingest(const struct config *cfg, const struct ingest_request *rq,
		struct ingest_result *res, struct err *e);

#endif
