/* source.h - turns `--from` into staged local Parquet files for one config/split.
 *
 *   hf://datasets/OWNER/REPO[@REV]  resolve REV (default main) to a commit, list the repo,
 *                                   pick the split's Parquet (else the Hub's auto-converted
 *                                   Parquet under refs/convert/parquet), download them into
 *                                   <local_store>/OWNER/REPO/<commit>/<path>
 *   ./folder (any local path)       the same layout on disk, read in place
 * A source in the VisDrone layout (<root>/sequences/<seq>/NNNNNNN.jpg, <root>/annotations/) is
 * staged whole instead, and video_root names the staged <root>. A local folder in the COCO
 * official layout (annotations/instances_<split>.json, <split>/ images) is read in place and
 * coco_root names it; a local folder of images (the Hugging Face imagefolder convention, taken
 * when no other layout fits) sets image_root; one with images/<stem>.jpg and
 * annotations/<stem>.txt (VisDrone-DET, checked before the imagefolder fallback) sets det_root.
 * format ("coco", "imagefolder", "visdrone-det") insists on that
 * layout, NULL detects it; another name is a usage error listing the valid ones. When no
 * layout fits, the usage error lists them all with an example each (source_layouts).
 * The caller frees the result with source_free().
 */
#ifndef LAKEHOUSE_SOURCE_H
#define LAKEHOUSE_SOURCE_H

#include "core/config.h"
#include "core/err.h"
#include "ingest/ingest.h"

struct source {
	char repo[4200];    /* "OWNER/REPO" or "local:<absolute folder>" */
	char revision[64];  /* commit sha, or "local" */
	struct ingest_file *files;
	size_t nfiles;
	char video_root[4096]; /* set for the VisDrone layout (sequences/, annotations/) */
	char coco_root[4096];  /* set for the COCO layout (annotations/instances_<split>.json) */
	char image_root[4096]; /* set for a folder of images (imagefolder convention) */
	char det_root[4096];   /* set for the VisDrone-DET layout (images/, annotations/) */
};

/* Downloads are counted in progress (a "download" phase; may be NULL). */
struct progress;
int source_resolve(const struct config *cfg, const char *from, const char *config,
		   const char *split, const char *format, int threads, struct progress *progress,
		   struct source *out, struct err *e);
void source_free(struct source *s);

/* The layouts a source may take, one example each, a line per layout: the "no layout fits"
 * error and `lakehouse ingest --help` show it. */
#define SOURCE_LAYOUTS                                                                          \
	"  hf://datasets/OWNER/REPO[@REV]                   Hub Parquet (or its auto-converted Parquet)\n" \
	"  FOLDER/data/SPLIT-00000-of-00001.parquet         Parquet per split, any depth\n"            \
	"  FOLDER/CONFIG/SPLIT/0000.parquet                 Parquet CONFIG/SPLIT (--config CONFIG)\n"  \
	"  FOLDER/annotations/instances_SPLIT.json + FOLDER/SPLIT/*.jpg   COCO release folder\n"      \
	"  FOLDER/SPLIT.zip + FOLDER/annotations_trainval2017.zip         COCO zips, read in place\n" \
	"  FOLDER/[SPLIT/][LABEL/]*.jpg [+ metadata.jsonl|.csv]           imagefolder (HF)\n"         \
	"  FOLDER/sequences/SEQ/0000001.jpg + FOLDER/annotations/SEQ.txt  VisDrone\n"                 \
	"  FOLDER/images/STEM.jpg + FOLDER/annotations/STEM.txt           VisDrone-DET\n"             \
	"  FOLDER/**/CLIP.mp4 (mov, mkv, avi, webm...) or one video file  video files\n"
/* The names --format takes. */
#define SOURCE_FORMATS "coco, imagefolder, visdrone-det"

/* Splits "hf://datasets/OWNER/REPO[@REVISION]" into repo ("OWNER/REPO", rn bytes) and rev
 * (REVISION, default "main"; vn bytes). A usage error naming `from` for anything else: no
 * OWNER or REPO, a third path segment, "..", an empty or too long part. */
int source_parse_hf(const char *from, char *repo, size_t rn, char *rev, size_t vn, struct err *e);

/* 1 when the repo-relative path is a Parquet file of split (and of config, when given):
 * data/<split>-NNNNN.parquet, <config>/<split>-NNNNN.parquet, <config>/<split>/NNNN.parquet. */
int source_path_matches(const char *path, const char *config, const char *split);

#endif
