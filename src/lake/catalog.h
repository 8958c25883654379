/* catalog.h - what DuckLake's catalog says about the lake's tables: the inventory behind
 * `lakehouse tables` and the view's table pages, read at any snapshot.
 *
 * Results handed out through duckdb_result are the caller's to duckdb_destroy_result().
 */
#ifndef LAKEHOUSE_CATALOG_H
#define LAKEHOUSE_CATALOG_H

#include <duckdb.h>
#include <stdint.h>

#include "core/err.h"
#include "lake/lake.h"

/* The tables alive at `snapshot` (-1: the newest) in schema (""/NULL: every schema but
 * LAKE_OWN_SCHEMA), one row each, ordered raw, silver, gold, then the others by name:
 *   0 schema, 1 table (VARCHAR), 2 rows (BIGINT, NULL unless with_rows), 3 columns,
 *   4 files, 5 bytes (the data files the snapshot reads), 6 last_snapshot (the newest
 *   snapshot up to `snapshot` that changed the table; NULL when none names it).
 * Rows are counted by reading each table (rows inlined into the catalog live in no file, so
 * the file statistics alone would miss them), as of the lake's attached state: with_rows
 * only for the state the lake is attached at. */
int catalog_tables(struct lake *l, int64_t snapshot, const char *schema, int with_rows,
		   duckdb_result *res, struct err *e);

/* The schema history of schema.table: one row per event (0 snap BIGINT, 1 change 'table
 * created' | 'column added' | 'column renamed' | 'column retyped' | 'column dropped',
 * 2 detail), up to snapshot `upto`, newest first; only snapshot `only`'s when only >= 0. */
int catalog_schema_events(struct lake *l, const char *schema, const char *table, int64_t upto,
			  int64_t only, duckdb_result *res, struct err *e);

/* Creates (or replaces) the temporary table temp.<name> (name a plain identifier): one row
 * per change each snapshot recorded (snapshot_id, kind as DuckLake's snapshots() names it,
 * e.g. tables_inserted_into, and name: SCHEMA.TABLE for a table, with the name the table
 * had last, or the schema or table as recorded). */
int catalog_changes_table(struct lake *l, const char *name, struct err *e);

#endif
