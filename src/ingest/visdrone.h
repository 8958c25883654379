/* visdrone.h - video clips into the lake, under any dataset NAME. Two source layouts:
 *   - VisDrone-MOT/VID: <root>/sequences/<seq>/0000001.jpg ... (or <seq>.mp4) and
 *     <root>/annotations/<seq>.txt (required);
 *   - a folder of video files (any depth) or one file: sequence = the file's stem; annotations
 *     optional, <clip>.txt beside it or <root>/annotations/<clip>.txt.
 * Order of effects: every clip is opened (first frame decoded) and every annotation line
 * checked first (a bad one: exit 2 naming file and line, nothing uploaded; with skip_bad it is
 * left out and listed); then each new clip is copied or encoded (media/video.h) and uploaded
 * to s3://<bucket>/assets/<NAME>/clips/<seq>/<sha256>.mp4; then raw.<NAME>_clips,
 * raw.<NAME>_fragments (the fragment index) and raw.<NAME>_annotations land in ONE
 * transaction (sql/11_raw_visdrone.sql). Sequences already landed are skipped.
 * The source kind behind ingest_run() for a request with video_root set.
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
/* The same for any count of fields (VisDrone-DET lines have 8): count comma-separated integers
 * that fit in 32 bits, optionally followed by one comma, into v[0..count-1]. 0, or -1. */
int visdrone_parse_fields(const char *line, long *v, int count);

/* 1 when ext (without the dot) names a video container ("mp4", "mkv", "webm", ...). */
int visdrone_is_video_name(const char *ext);
/* 1 when path is a video file, or a folder holding one at any depth. */
int visdrone_has_clips(const char *path);

/* rq->video_root, repo, revision, split, fps, fragment_frames/_seconds, encode, quality,
 * copy, skip_bad and message are used. */
int visdrone_ingest(const struct config *cfg, const struct ingest_request *rq,
		    struct ingest_result *res, struct err *e);

#endif
