/* visdrone.h - VisDrone-MOT/VID sequences (official layout) into the lake:
 *   <root>/sequences/<seq>/0000001.jpg ...  and  <root>/annotations/<seq>.txt
 * Everything is checked first (frame numbering, every annotation line), then each new
 * sequence is encoded to one fragmented MP4 and uploaded to
 * s3://<bucket>/assets/visdrone/clips/<seq>/<sha256>.mp4, then raw.visdrone_clips,
 * raw.visdrone_fragments (the fragment index) and raw.visdrone_annotations land in ONE
 * transaction (sql/11_raw_visdrone.sql). Sequences already landed are skipped.
 */
#ifndef LAKEHOUSE_VISDRONE_H
#define LAKEHOUSE_VISDRONE_H

#include "core/config.h"
#include "core/err.h"
#include "ingest/ingest.h"
#include "media/video.h"

struct visdrone_request {
	const char *root;     /* local folder holding sequences/ and annotations/ */
	const char *repo, *revision, *split;
	int fps;              /* frames per second of the sequences (VisDrone: 25-30) */
	int fragment_frames;  /* frames per fragment (default: fps, one second) */
	struct video_encode_opts encode; /* CRF and preset when clips are encoded */
	int never_copy;       /* 1: re-encode video files even when their packets could be copied */
	const char *message;
};

/* Parses one annotation line: 10 comma-separated integers that fit in 32 bits
 * (frame_index,target_id,bbox_left,bbox_top,bbox_width,bbox_height,score,object_category,
 * truncation,occlusion), optionally followed by one comma. 0, or -1 for anything else. */
int visdrone_parse_annotation(const char *line, long v[10]);

int visdrone_ingest(const struct config *cfg, const struct visdrone_request *rq,
		    struct ingest_result *res, struct err *e);

#endif
