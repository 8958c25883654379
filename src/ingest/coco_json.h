/* coco_json.h - the COCO JSON and RLE readers.
 *
 * A COCO file (instances_<split>.json, captions_<split>.json, person_keypoints_<split>.json)
 * is one JSON object whose arrays "images", "annotations", "categories" and "licenses" hold
 * the records. The official train2017 instances file is 448 MB in one object; parsing it as
 * one document costs several times that in memory. coco_json_split() instead streams the
 * bytes through a SAX parser (yajl) and writes each record of those arrays as one line of
 * newline-delimited JSON to the caller's file for that array, so that DuckDB's JSON reader
 * reads the records a line at a time. Memory is bounded by the largest single record.
 *
 * A record is written as it came: numbers keep their source text (no float round trip),
 * strings are re-escaped but equal, object keys keep their order. Other top-level members
 * ("info", "type") are read past and dropped.
 *
 * Errors (EXIT_USAGE, naming `name` and the byte offset): not JSON, an empty file, one of the
 * four arrays given twice. A document that is not an object, or a member of the four names
 * that is not an array, leaves `seen` 0: the caller decides whether that file is COCO.
 */
#ifndef LAKEHOUSE_INGEST_COCO_JSON_H
#define LAKEHOUSE_INGEST_COCO_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/err.h"

enum coco_array { COCO_IMAGES, COCO_ANNOTATIONS, COCO_CATEGORIES, COCO_LICENSES, COCO_ARRAYS };

/* The member name of each array ("images", ...). */
extern const char *const coco_array_names[COCO_ARRAYS];

/* Where a split goes and what it found. out[k] NULL: records of array k are read past. */
struct coco_json_out {
	FILE *out[COCO_ARRAYS];
	int64_t records[COCO_ARRAYS]; /* records written (or read past) per array */
	int seen[COCO_ARRAYS];	      /* 1: the member was there and was an array */
};

/* The bytes: read up to n into buf; returns the count, 0 at the end, -1 on an error (with e
 * set by the reader). */
typedef ssize_t (*coco_json_read_fn)(void *ctx, void *buf, size_t n, struct err *e);

/* Streams one COCO JSON document from read into o's files. Returns 0 or -1 (e set; the files
 * may hold part of the records). */
int coco_json_split(coco_json_read_fn read, void *ctx, const char *name,
		    struct coco_json_out *o, struct err *e);

/* A compressed RLE string (pycocotools' rleToString: 6-bit groups offset by '0', each count
 * after the second a difference from the count two before). Checks that the string decodes
 * to non-negative counts that cover exactly height x width pixels. Returns 0, or -1 with the
 * reason written into why (e.g. "its counts cover 12 pixels, the mask has 20"). */
int coco_rle_check_string(const char *counts, int64_t height, int64_t width, char *why,
			  size_t why_len);

#endif
