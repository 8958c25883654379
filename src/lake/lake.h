/* lake.h - the DuckDB engine with the DuckLake catalog attached as `lake`.
 *
 * All DuckDB errors are translated here into struct err (a transaction conflict becomes
 * EXIT_CONFLICT). The lake owns its database and connection; lake_close() frees both.
 * Results handed out through duckdb_result are the caller's to duckdb_destroy_result().
 */
#ifndef LAKEHOUSE_LAKE_H
#define LAKEHOUSE_LAKE_H

#include <duckdb.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct lake;

/* DuckLake's own tables (ducklake_snapshot, ducklake_table, ducklake_data_file, ...) as the
 * attached catalog exposes them: LAKE_META "ducklake_table". Only lake/ reads them. */
#define LAKE_META "__ducklake_metadata_lake."
/* The schema lakehouse keeps its own tables in (tags): never restored, diffed, transformed
 * or listed as user data. */
#define LAKE_OWN_SCHEMA "lakehouse"
/* Its tags table (name, snapshot_id, message, author, created_at; lake/history.h). */
#define LAKE_TAGS_TABLE "lake." LAKE_OWN_SCHEMA ".tags"

enum lake_mode {
	LAKE_EXISTING, /* the catalog must exist: "run 'lakehouse init' first" otherwise */
	LAKE_CREATE,   /* create the catalog and the bucket when missing */
	LAKE_READ,     /* LAKE_EXISTING, attached read-only: nothing can be written through it */
};

/* Checks the bucket, opens DuckDB with the local extensions and runs sql/00_attach.sql.
 * cfg must outlive the lake.
 *
 * Locks. A DuckDB-file catalog is locked by the file: a LAKE_READ open takes a shared lock,
 * any other mode an exclusive one. So any number of readers (processes that opened it with
 * LAKE_READ) run side by side and never wait for each other; a writer waits while any reader
 * or writer holds it, and a reader waits while a writer holds it. The wait lasts up to
 * LAKEHOUSE_LOCK_TIMEOUT seconds (cfg->lock_timeout_s), then "lake busy" (EXIT_CONFLICT),
 * naming the holder's pid. SQLite and PostgreSQL catalogs lock per transaction, not per
 * process. A LAKE_READ open creates nothing (no bucket, no catalog, no schema). */
int lake_open(struct lake **out, const struct config *cfg, enum lake_mode mode, struct err *e);
void lake_close(struct lake *l);

/* The engine lake_open sets up (local extensions, LAKEHOUSE_DUCKDB_* settings), opened alone,
 * without bucket or catalog: DuckDB's version and those of the extensions it loads. A field
 * stays "" when that part failed (e says why). */
struct lake_versions {
	char duckdb[32], ducklake[64], httpfs[64];
};
int lake_engine_versions(const struct config *cfg, struct lake_versions *v, struct err *e);

duckdb_connection lake_connection(struct lake *l);
/* The configuration the lake was opened with. */
const struct config *lake_config(struct lake *l);
/* The database, for a second connection (e.g. an appender beside a streaming query). */
duckdb_database lake_database(struct lake *l);

/* 1 when lake_open(.., LAKE_READ, ..) suffices for the SQL script: every statement starts
 * with a keyword that only reads the lake (SELECT, WITH, FROM, VALUES, TABLE, SHOW, DESCRIBE,
 * SUMMARIZE, EXPLAIN, PIVOT, UNPIVOT, "COPY (" query ") TO", SET/RESET VARIABLE). Comments and
 * quoted text are skipped. */
int lake_sql_reads_only(const char *sql);

/* Writes name as a quoted SQL identifier ("a""b") into out; -1 if it does not fit. */
int lake_quote_ident(const char *name, char *out, size_t n);

/* Runs every statement of sql in order, stopping at the first error. cb (may be NULL) sees
 * each statement's result before it is destroyed; a negative return from cb stops the run. */
typedef int (*lake_result_cb)(duckdb_result *res, void *ctx);
int lake_run(struct lake *l, const char *sql, lake_result_cb cb, void *ctx, struct err *e);
/* lake_run without a callback. */
int lake_exec(struct lake *l, const char *sql, struct err *e);
/* Runs a single statement with optional VARCHAR parameters ($1..$n); *res is the caller's. */
int lake_query(struct lake *l, const char *sql, const char *const *params, int nparams,
	       duckdb_result *res, struct err *e);
/* Prepares the single statement sql (nothing runs) and calls fn with the name of every
 * column it would return, in order, stopping at fn's first non-zero return, which is
 * returned (0 when fn saw every column, -1 with e filled when sql does not prepare). */
int lake_result_columns(struct lake *l, const char *sql, int (*fn)(const char *name, void *ctx),
			void *ctx, struct err *e);
/* SET VARIABLE name = value (a bound parameter, never pasted into SQL; NULL value: NULL), for
 * SQL files to read with getvariable('name'). name is the caller's identifier. */
int lake_set_variable(struct lake *l, const char *name, const char *value, struct err *e);
/* Records author and message on the snapshot the open transaction will commit. */
int lake_set_commit_message(struct lake *l, const char *author, const char *message,
			    struct err *e);
/* Runs a one-value query (e.g. count(*)) and stores the first column of the first row. */
int lake_query_int64(struct lake *l, const char *sql, const char *const *params, int nparams,
		     int64_t *out, struct err *e);
/* Runs body inside BEGIN ... COMMIT; any failure (body, commit, conflict) rolls back, so a
 * failed step leaves no snapshot. A commit conflict with another writer reruns the whole
 * body (bounded, with backoff), so body must not depend on state it changed itself. body must call lake_set_commit_message, or return 1 when it
 * found nothing to commit (rolled back too, so no empty snapshot). Returns 0 committed,
 * 1 nothing to commit, -1 failure. */
typedef int (*lake_tx_body)(struct lake *l, void *ctx, struct err *e);
int lake_in_transaction(struct lake *l, lake_tx_body body, void *ctx, struct err *e);

/* lake_run callback adding up the rows of INSERT statements into *(int64_t *)ctx. */
int lake_count_inserts(duckdb_result *res, void *ctx);

/* *exists = 1 when lake.<schema>.<table> exists (as this transaction sees it). */
int lake_table_exists(struct lake *l, const char *schema, const char *table, int *exists,
		      struct err *e);
/* Id of the newest snapshot of the lake. */
int lake_current_snapshot(struct lake *l, int64_t *id, struct err *e);

/* Fills e from a failed DuckDB result (conflicts become EXIT_CONFLICT). Returns -1. */
int lake_error(struct lake *l, duckdb_result *res, struct err *e);

/* 1 when name is a plain identifier [A-Za-z_][A-Za-z0-9_]{0,62}: the only table and schema
 * names lakehouse accepts from users, so they can never carry SQL. */
int lake_valid_identifier(const char *name);

/* Splits "SCHEMA.TABLE" (schema defaults to raw) into validated identifiers (64-byte
 * buffers). A usage error names the argument otherwise. */
int lake_parse_table(const char *arg, char schema[64], char table[64], struct err *e);

/* The one answer for a missing table, from every verb: the usage error
 * "no table raw.evnts (did you mean raw.events?)" (EXIT_USAGE), the suggestion from the
 * catalog's tables; schema "" when the statement named none. Returns -1. */
int lake_missing_table(struct lake *l, const char *schema, const char *table, struct err *e);
/* 0 when schema.table exists now or existed at some snapshot; lake_missing_table otherwise. */
int lake_require_table(struct lake *l, const char *schema, const char *table, struct err *e);

/* "history AS (...)": a CTE for WITH, one row per snapshot with id, time (ISO 8601, UTC),
 * author, commit_message, changes (MAP kind -> [schema.table ...], names rather than table
 * ids) and changes_made (DuckLake's raw text, for filtering). snapshots and log share it, so
 * both render the same. */
extern const char lake_history_cte[];

/* Re-attaches the catalog read-only at `snapshot` (an id from lake_pin): every query on l
 * afterwards, the caller's and the library's own, sees the lake as it was then, and nothing
 * can be written through it. */
int lake_attach_at(struct lake *l, int64_t snapshot, struct err *e);

/* The usage error for time travel to a time before the lake's first snapshot, naming the
 * earliest valid time. Returns -1. */
int lake_no_snapshot_before(struct lake *l, const char *time, struct err *e);

/* Checks that snapshot `version` exists (a usage error naming the lake's range otherwise). */
int lake_check_snapshot(struct lake *l, int64_t version, struct err *e);
/* Checks that snapshot `version` exists and that schema.table existed at it. */
int lake_check_version(struct lake *l, const char *schema, const char *table, int64_t version,
		       struct err *e);

#endif
