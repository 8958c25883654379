/* stream.h - `lakehouse stream`: a snapshot's selection as one WebDataset tar stream, in a
 * shuffled order that training jobs can share, split and resume.
 *
 * Samples: the selection and sample layout of `export --format webdataset` (export_parts.h:
 * keys, <key>.jpg|mp4 + <key>.json); with decoding, <key>.npy (uint8 H x W x 3; a fragment
 * T x H x W x 3; decode.h) + <key>.json with boxes mapped to the array and a "decode" entry.
 * Invariants:
 *   1. Order is a function of (seed, epoch) and the snapshot's selection only: the samples in
 *      canonical order (by key, then URI) permuted by a Fisher-Yates shuffle driven by
 *      splitmix64 seeded from (seed, epoch) (stream_permute), the same on every machine and
 *      for any number of threads.
 *   2. Rank r of w takes positions r, r + w, r + 2w ... of the permutation: ranks are disjoint,
 *      together complete, their sizes within one. skip N drops the rank's first N samples: a
 *      job that consumed N samples resumes exactly.
 *   3. Reads (one Range GET per fragment; each clip's init segment read once) and decodes run
 *      on the pool, at most a window (threads x 4) ahead of the writer (pool_ordered); the tar
 *      is written in the permutation's order and flushed per sample.
 *   4. A sample that cannot be read or decoded stops the stream after the last complete
 *      sample (no tar trailer: the stream is visibly cut) with its URI in the error, unless
 *      skip_bad, which counts it and goes on. A reader that closes the pipe ends the stream
 *      quietly (result.closed).
 */
#ifndef LAKEHOUSE_STREAM_H
#define LAKEHOUSE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "lake/history.h"
#include "media/decode.h"

struct stream_request {
	const char *sql;       /* the selecting query, or NULL with table */
	const char *table;     /* SCHEMA.TABLE, or NULL with sql */
	struct lake_ref at;    /* the snapshot (none: the newest) */
	uint64_t seed, epoch;
	int64_t rank, world;   /* 0, 1: the whole stream */
	int64_t skip;          /* this rank's samples to leave out at the start */
	int threads;
	int decode;            /* 1: .npy arrays per spec */
	struct decode_spec spec;
	int skip_bad;
	int fd;                /* where the tar goes (stdout) */
};

struct stream_result {
	int64_t snapshot, total; /* the selection's samples (all ranks) */
	int64_t samples, skipped;
	int closed;              /* the reader closed the stream */
	char first_bad[512];     /* skip_bad: the first sample skipped and why */
};

int stream_run(const struct config *cfg, const struct stream_request *rq,
	       struct stream_result *res, struct err *e);

/* The permutation of n items for (seed, epoch): perm[k] is the canonical index at place k. */
void stream_permute(uint64_t seed, uint64_t epoch, size_t n, size_t *perm);
/* The number of places rank takes of n (rank < world). */
size_t stream_rank_count(size_t n, uint64_t rank, uint64_t world);

#endif
