/* visdrone_det.h - the VisDrone-DET still-image layout (VisDrone2019-DET-train, ...):
 *     ROOT/images/<stem>.jpg           the images (any imagefolder extension), top level only
 *     ROOT/annotations/<stem>.txt      one box per line: bbox_left,bbox_top,bbox_width,
 *                                      bbox_height,score,object_category,truncation,occlusion
 *                                      (an optional trailing comma, LF or CRLF line ends)
 * An image without an annotation file lands with no boxes (as the VisDrone toolkit reads it);
 * an annotation file without its image, or a malformed line, fails naming the file (and the
 * line), exit 2, before anything is uploaded or landed. --skip-bad does not apply.
 * Order of effects (objects before catalog, as ingest.h):
 *   1. every annotation file is read and checked;
 *   2. each image becomes its own object as imagefolder.h does (assets/<NAME>/image/);
 *   3. ONE lake transaction makes raw.<NAME>_images (the imagefolder columns, file_name
 *      "images/<stem>.jpg", split = rq->split, label NULL) and raw.<NAME>_annotations
 *      (file_name of the image, line: 1-based line number in the .txt, the 8 integers as they
 *      came, split, source_repo) follow the folder, keyed by (source_repo, split, file_name):
 *      an image or an annotation file that changed has its rows replaced, one gone has its
 *      rows removed. Nothing changed: no snapshot.
 */
#ifndef LAKEHOUSE_VISDRONE_DET_H
#define LAKEHOUSE_VISDRONE_DET_H

#include "core/config.h"
#include "core/err.h"
#include "ingest/ingest.h"

/* 1 when root has images/ with image files and annotations/ with a .txt file whose stem is an
 * image's. */
int visdrone_det_present(const char *root);

/* Lands the folder rq->det_root (see above). */
int visdrone_det_ingest(const struct config *cfg, const struct ingest_request *rq,
			struct ingest_result *res, struct err *e);

#endif
