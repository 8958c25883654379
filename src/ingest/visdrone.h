/* visdrone.h - VisDrone-MOT/VID sequences (official layout) into the lake:
 *   <root>/sequences/<seq>/0000001.jpg ...  and  <root>/annotations/<seq>.txt
 * Everything is checked first (frame numbering, every annotation line), then each new
 * sequence is encoded to one fragmented MP4 and uploaded to
 * s3://<bucket>/assets/visdrone/clips/<seq>/<sha256>.mp4, then raw.visdrone_clips,
 * raw.visdrone_fragments (the fragment index) and raw.visdrone_annotations land in ONE
 * transaction (sql/11_raw_visdrone.sql). Sequences already landed are skipped.
 * The source kind behind ingest_run() for a request with video_root set. Its dataset NAME
 * must be "visdrone": those are the tables the silver and gold layers and fetch read.
 */
#ifndef LAKEHOUSE_VISDRONE_H
#define LAKEHOUSE_VISDRONE_H

#include "core/config.h"
#include "core/err.h"
#include "ingest/ingest.h"

/* Parses one annotation line: 10 comma-separated integers that fit in 32 bits
 * (frame_index,target_id,bbox_left,bbox_top,bbox_width,bbox_height,score,object_category,
 * truncation,occlusion), optionally followed by one comma. 0, or -1 for anything else. */
int visdrone_parse_annotation(const char *line, long v[10]);

/* 1 when ext (without the dot) names a video container ("mp4", "mkv", "webm", ...). */
int visdrone_is_video_name(const char *ext);
/* 1 when path is a video file, or a folder holding one at any depth. */
int visdrone_has_clips(const char *path);

/* rq->video_root, repo, revision, split, fps, fragment_frames and message are used. */
int visdrone_ingest(const struct config *cfg, const struct ingest_request *rq,
		    struct ingest_result *res, struct err *e);

#endif
