/* maintain.h - keeping a long-lived lake small: compaction and snapshot expiry, each one of
 * DuckLake's own procedures wrapped in the order that keeps every retained state readable.
 *
 * Both run on a lake the caller opened (and closes). Results handed out through duckdb_result
 * are the caller's to destroy (lake_expire_result_free).
 */
#ifndef LAKEHOUSE_MAINTAIN_H
#define LAKEHOUSE_MAINTAIN_H

#include <duckdb.h>
#include <stdint.h>

#include "core/err.h"
#include "lake/lake.h"

struct compact_result {
	int64_t flushed;        /* inlined rows written out to Parquet */
	int64_t rewritten_from; /* files with deleted rows rewritten */
	int64_t merged_from, merged_into;
	int64_t files_before, files_after; /* data files the current snapshot reads */
	int64_t files_deleted;  /* replaced files cleaned up */
};

/* Compacts schema.table (both NULL: every table) in four DuckLake steps, the first three each
 * its own snapshot (DuckLake refuses changes and compaction in one transaction):
 *   1. ducklake_flush_inlined_data: rows (and deletes) inlined into the catalog by commits
 *      of <= 10 rows are written out to Parquet, so the catalog stops growing with them;
 *   2. ducklake_rewrite_data_files (any file with deletes): its live rows go to a new file;
 *      the old file stays for the snapshots that still read it, until they are expired;
 *   3. ducklake_merge_adjacent_files: adjacent small files become one; the merged file keeps
 *      each row's snapshot range, so time travel to every retained snapshot stays exact;
 *   4. ducklake_cleanup_old_files: the replaced files are deleted (DuckLake schedules a file
 *      for deletion only once no retained snapshot reads it).
 * A step with nothing to do commits no snapshot. A missing table is a usage error. */
int lake_compact(struct lake *l, const char *schema, const char *table, struct compact_result *res,
		 struct err *e);

struct expire_request {
	int64_t keep;      /* keep the newest `keep` snapshots (-1: use older) */
	const char *older; /* or expire those older than this interval ("7 days") */
	int yes;           /* 0: a dry run, nothing changes */
};

struct expire_result {
	duckdb_result kept_tagged; /* tag, snapshot: old enough, kept because tagged */
	duckdb_result expired;     /* snapshot_id, commit_message (valid when n > 0) */
	int64_t n;                 /* snapshots expired (or, in a dry run, to expire) */
	int64_t files_deleted;
};

/* Expires snapshots by DuckLake's ducklake_expire_snapshots (never the newest, never a tagged
 * one) under a guard: before expiring, the catalog rows the newest and every tagged snapshot
 * read are recorded; after, they are compared, and only when nothing a retained state reads
 * changed are the data files no retained snapshot needs deleted (ducklake_cleanup_old_files).
 * When the guard finds a difference no file is deleted (a catalog backup then restores the
 * lake whole) and the failure says so. On success the caller frees res with
 * lake_expire_result_free; on failure nothing is left to free. */
int lake_expire(struct lake *l, const struct expire_request *rq, struct expire_result *res,
		struct err *e);
void lake_expire_result_free(struct expire_result *res);

#endif
