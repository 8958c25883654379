/* export.h - training sets out of the lake, pinned to one snapshot: `fetch`'s sibling.
 *
 * The selection (a query or a table) runs on the lake re-attached read-only at one snapshot
 * (--version, --time or the newest), so the same snapshot and query give the same bytes.
 *   webdataset: tar shards (libarchive, fixed member order, mtime = snapshot time, uid/gid 0,
 *     mode 0644) of samples <key>.jpg|png + <key>.json (images) or <key>.mp4 (init segment +
 *     one fragment, byte-copied) + <key>.json (video fragments), plus <name>.manifest.json
 *     (query, snapshot, catalog, per shard samples/bytes/SHA-256). A shard is written under a
 *     temporary name and renamed (or uploaded) only when complete. Bytes come through the
 *     media reader (reader.h); memory: a window of samples (threads x 4) in flight
 *     (pool_ordered), a shard is streamed, never held.
 *   coco: annotations/instances_<split>.json (+ captions_<split>.json) with COCO's original
 *     category ids, and the images under <split>/ unless no_images.
 * DEST is a folder, s3://bucket/prefix (shards spooled one at a time through a temporary file
 * and uploaded, multipart when large) or "-" (webdataset only: one tar on stdout).
 * The module never prints: it counts in the progress the caller hands it (core/progress).
 */
#ifndef LAKEHOUSE_EXPORT_H
#define LAKEHOUSE_EXPORT_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "lake/history.h"

enum export_format { EXPORT_WEBDATASET, EXPORT_COCO };

struct progress;

struct export_request {
	const char *sql;        /* the selecting query, or NULL with table */
	const char *table;      /* SCHEMA.TABLE, or NULL with sql */
	struct lake_ref at;     /* the snapshot to export (id, tag or time; none: the newest) */
	enum export_format format;
	const char *out;        /* folder, s3://bucket/prefix or "-" */
	const char *name;       /* shard name (<name>-000000.tar); NULL: the table name or "export" */
	int64_t shard_size;     /* bytes per shard (0: 512 MiB) */
	int64_t shard_samples;  /* samples per shard (0: no limit) */
	int no_images, force, threads;
	struct progress *progress; /* samples of total, bytes, shards (may be NULL) */
};

struct export_result {
	int64_t samples, bytes, shards; /* webdataset; coco: images, bytes of the images, 0 */
	int64_t annotations;            /* coco: annotations written */
	int64_t snapshot;
	int fragments;                  /* 1 when the selection was video fragments */
};

/* Runs the export; res is filled on success. */
int export_run(const struct config *cfg, const struct export_request *rq,
	       struct export_result *res, struct err *e);

/* Turns a key source into a WebDataset key: every character outside [A-Za-z0-9_-] (dots
 * above all: WebDataset splits the extension at the first dot) becomes '_'. out has n bytes;
 * an empty source gives "_". */
void export_key(const char *src, char *out, size_t n);

#endif
