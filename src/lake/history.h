/* history.h - the lake's history as the catalog records it: snapshot references (ids and
 * tags), tags, and the catalog queries behind log, trace, diff, gc and expire.
 *
 * Tags live in the lake itself, in the reserved schema `lakehouse` (table lakehouse.tags:
 * name, snapshot_id, message, author, created_at), so every client sees them and every tag
 * change is a snapshot like any other. In SQL, `tag('NAME')` is the tag's snapshot id
 * (`FROM t AT (VERSION => tag('v1'))`), loaded when the lake opens.
 * Results handed out through duckdb_result are the caller's to duckdb_destroy_result().
 */
#ifndef LAKEHOUSE_HISTORY_H
#define LAKEHOUSE_HISTORY_H

#include <duckdb.h>
#include <stdint.h>

#include "core/err.h"
#include "lake/lake.h"

/* 1 when name is a valid tag name: [A-Za-z0-9._-]{1,63}, not all digits (a number is an id). */
int history_valid_tag_name(const char *name);

/* A state of the lake as a user names it, in every verb that reads the past (--version REF,
 * --time TS): `version` a snapshot id ("12") or a tag name ("v1"); `time` any timestamp DuckDB
 * reads, meaning the newest snapshot at or before it. At most one is set; neither means the
 * newest snapshot. */
struct lake_ref {
	const char *version; /* snapshot id or tag, or NULL */
	const char *time;    /* timestamp, or NULL */
};
/* Resolves ref to the id of a snapshot that still exists: the one place where ids, tags and
 * times become snapshots. A usage error (exit 2) names the reference otherwise: both set, not
 * an id or tag name, no such tag, a tag or id whose snapshot was expired, not a timestamp,
 * no snapshot at or before the time. */
int lake_pin(struct lake *l, const struct lake_ref *ref, int64_t *snapshot, struct err *e);

/* When snapshot `snapshot` was committed, in UTC, formatted by DuckDB's strftime format fmt
 * (e.g. "%Y-%m-%dT%H:%M:%S.%fZ") into out; *epoch (may be NULL) its Unix time. A usage error
 * when there is no such snapshot. */
int history_snapshot_time(struct lake *l, int64_t snapshot, const char *fmt, char *out, size_t n,
			  int64_t *epoch, struct err *e);

/* The snapshots up to `upto` that ingested or transformed (commit messages "ingest ..." and
 * "transform ..."), oldest first: id, and "TIME snapshot ID: MESSAGE" (UTC), the provenance a
 * published table's card lists. */
int history_provenance(struct lake *l, int64_t upto, duckdb_result *res, struct err *e);

struct tag_request {
	const char *name;
	int64_t snapshot;    /* the snapshot to name (resolved by the caller) */
	const char *message; /* may be NULL */
	const char *author;
	int force;           /* move an existing tag instead of refusing */
};
/* Creates (or with force moves) a tag in one commit. An existing tag without force, also
 * one another client created first, fails with EXIT_CONFLICT and names its snapshot. */
int history_tag_set(struct lake *l, const struct tag_request *rq, struct err *e);
/* Deletes a tag in one commit; a usage error when there is no such tag. */
int history_tag_delete(struct lake *l, const char *name, const char *author, struct err *e);
/* name, snapshot_id, snapshot_time, message, author, created_at; ordered by name. */
int history_tag_list(struct lake *l, duckdb_result *res, struct err *e);
/* After history_pick_expiry: the tags whose snapshots it kept out of the expiry although
 * they were old enough (columns tag, snapshot). */
int history_tagged_snapshots(struct lake *l, duckdb_result *res, struct err *e);

/* log: the snapshots after `since` (-1: all) that touched schema.table (any of its table ids,
 * or its name), newest first; schema = table = "" for all. Columns id, time, author, message,
 * changes, tags (the tags naming the snapshot, comma separated). */
int history_log(struct lake *l, const char *schema, const char *table, int64_t since,
		int64_t limit, duckdb_result *res, struct err *e);

/* trace: the newest snapshot that inserted into schema.table (files or inlined rows). */
int history_last_insert(struct lake *l, const char *schema, const char *table, int64_t *snap,
			struct err *e);
/* trace sections, each with parameters ($1 schema, $2 table, $3 snapshot): */
extern const char history_sql_snapshot_row[]; /* the snapshot and its changes */
extern const char history_sql_table_rows[];   /* the table's catalog rows at the snapshot */
extern const char history_sql_added_files[];  /* data files the snapshot added (5th col: uri) */

/* diff: *replaced = 1 when schema.table had another table id at a than at b (dropped and
 * re-created, e.g. by a rollback), so no change feed spans both. */
int history_table_replaced(struct lake *l, const char *schema, const char *table, int64_t a,
			   int64_t b, int *replaced, struct err *e);

/* gc: every column named *_uri (VARCHAR or list) of every table at the retained snapshots
 * whose rows can hold a URI the earlier ones did not (a table's first retained snapshot and
 * those that inserted into it; every retained snapshot when they have gaps): snapshot_id,
 * schema_name, table_name, column_name, column_type. */
int history_uri_columns(struct lake *l, duckdb_result *res, struct err *e);

/* expire: sets the SQL variable lh_expire to the snapshots to expire (the newest `keep` kept,
 * or those older than `older`), never the newest and never a tagged one; *n their number. */
int history_pick_expiry(struct lake *l, int64_t keep, const char *older, int64_t *n,
			struct err *e);

/* Expiry that cannot lose live data. DuckLake has lost live tables, rows and columns when
 * expiring after a rename (ducklake issues 527, 529, 530). Before expiring, guard_begin records
 * (in temp tables) what the newest and every tagged snapshot consist of: per table its name,
 * columns and files, straight from the catalog's tables, and the files they read. After the
 * expiry and BEFORE any file is deleted, guard_check counts the tables whose record changed
 * (*changed) and the needed files scheduled for deletion (*doomed); both must be 0. */
int history_expiry_guard_begin(struct lake *l, struct err *e);
int history_expiry_guard_check(struct lake *l, int64_t *changed, int64_t *doomed, struct err *e);

/* DuckLake's cleanup of files no retained snapshot needs (dry_run: only counts them). */
int history_cleanup_files(struct lake *l, int dry_run, int64_t *files, struct err *e);

#endif
