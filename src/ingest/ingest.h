/* ingest.h - land a staged source in the lake. Three source kinds:
 *   - Hub-shaped Parquet files (files/nfiles), below;
 *   - VisDrone sequences (video_root set): clips, fragment index and annotations, see
 *     ingest/visdrone.h.
 *   - the COCO official layout (coco_root set), see ingest/coco.h;
 *   - a folder of images, the Hugging Face imagefolder convention (image_root set), see
 *     ingest/imagefolder.h;
 *   - the VisDrone-DET layout, images/ + annotations/ (det_root set), see
 *     ingest/visdrone_det.h.
 * Parquet: media blobs become objects, rows become raw tables, in this order of effects:
 *   1. read the schema of every file (a corrupt or unexpected file fails here, before any
 *      upload); media columns are found by type: STRUCT(bytes BLOB, path VARCHAR), or a list
 *      of those;
 *   2. stream the blobs (bounded memory), upload each new one to
 *      s3://<bucket>/assets/<dataset>/<column>/<sha256>.<ext> in parallel;
 *   3. in ONE lake transaction, shape the rows with the sections of sql/10_raw.sql (media
 *      columns replaced by <column>_uri / _path / _status), skipping rows already landed.
 * If nothing new lands the transaction is rolled back: no empty snapshot.
 */
#ifndef LAKEHOUSE_INGEST_H
#define LAKEHOUSE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "media/video.h"

struct ingest_file {
	char local[4096]; /* staged path */
	char rel[1024];   /* path inside the source repo or folder */
};

struct ingest_request {
	const char *dataset;  /* NAME: a plain identifier */
	const char *repo;     /* "owner/name" or "local:<folder>" */
	const char *revision; /* commit sha, or "local" */
	const char *split;
	const struct ingest_file *files;
	size_t nfiles;
	int64_t limit;       /* < 0: all rows */
	/* Shard `shard` of `nshards` (1-based; nshards 0: everything): the rows of the staged
	 * files in (file path, row number) order are cut into nshards contiguous ranges of
	 * equal size, so a shard is a run of whole files plus row ranges of the files at its two
	 * ends. Deterministic: the same files give the same cut on every machine. */
	int shard, nshards;
	const char *message; /* NULL: a message naming repo, revision, split, rows */
	int threads;
	/* The VisDrone source kind: the staged folder holding sequences/ and annotations/
	 * (NULL for Parquet), the sequences' frame rate and the frames per fragment. */
	const char *video_root;
	int fps, fragment_frames;         /* fragment_frames 0: fragment_seconds at the clip's fps */
	double fragment_seconds;          /* fragment length target (copies cut at keyframes) */
	struct video_encode_opts encode;  /* preset; crf > 0 forces one, else quality decides */
	double quality;                   /* PSNR target (dB) when clips are re-encoded */
	enum video_copy_mode copy;        /* stream copy of video files: auto, never, always */
	int skip_bad;                     /* 1: skip (and list) clips that cannot be read */
	/* The COCO official layout (annotations/instances_<split>.json + <split>/ images): its
	 * root folder (NULL otherwise), see ingest/coco.h; skip_bad also applies to it. */
	const char *coco_root;
	int append_only; /* COCO: only insert new records; never update or remove landed ones */
	/* A folder of images (imagefolder convention): its root, NULL otherwise; skip_bad also
	 * applies to its metadata rows. */
	const char *image_root;
	/* The VisDrone-DET layout (images/, annotations/<stem>.txt): its root, NULL otherwise. */
	const char *det_root;
	struct progress *progress; /* counts blobs/sequences, bytes, uploaded/skipped (may be NULL) */
};

struct ingest_result {
	int64_t rows;          /* rows inserted over all tables */
	int64_t blobs;         /* Parquet: media blobs seen */
	int64_t clips_new;     /* VisDrone: clips encoded and uploaded by this run */
	int64_t frames;        /* VisDrone: frames in those clips */
	int64_t objects_new;   /* objects uploaded by this run (blobs or clips) */
	int64_t bytes_new;
	int64_t snapshot;      /* the new snapshot, or -1 when nothing new landed */
	int64_t clips_copied;  /* VisDrone: of clips_new, those copied without re-encoding */
	int64_t skipped;       /* video: bad clips left out (skip_bad), named in skipped_list */
	char skipped_list[2048];
	int64_t updated;       /* COCO: landed rows replaced because the source changed them */
	int64_t removed;       /* COCO: landed rows of the split the source no longer has */
	int64_t rejected;      /* COCO --skip-bad: records set aside (raw.<NAME>_rejects) */
	/* VisDrone-DET: annotation files whose rows were inserted, replaced, removed */
	int64_t ann_inserted, ann_updated, ann_removed;
};

/* Lands rq's source by its kind (see above). */
int ingest_run(const struct config *cfg, const struct ingest_request *rq,
	       struct ingest_result *res, struct err *e);

#endif
