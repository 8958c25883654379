/* video_av.h - what video.c and video_frames.c share (private to them). */
#ifndef LAKEHOUSE_VIDEO_AV_H
#define LAKEHOUSE_VIDEO_AV_H

#include "core/err.h"

/* Fills e with "what: <FFmpeg's text for averr>"; returns -1. */
int video_av_fail(struct err *e, const char *what, int averr);

#endif
