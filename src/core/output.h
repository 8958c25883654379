/* output.h - prints query results and listings on stdout as a table, CSV or JSON, and the
 * progress line on stderr (the one place a module's progress is shown).
 * Borrows everything it is given; allocates nothing the caller must free.
 */
#ifndef LAKEHOUSE_OUTPUT_H
#define LAKEHOUSE_OUTPUT_H

#include <duckdb.h>
#include <stdio.h>

enum output_format { OUTPUT_TABLE, OUTPUT_CSV, OUTPUT_JSON };

/* Prints every row of res in fmt. Nested values (LIST, STRUCT, MAP, ...) are rendered by
 * DuckDB's own VARCHAR cast, which needs con (the connection that made res); with con NULL
 * they print as a placeholder. Returns 0, or -1 on a write error. */
int output_result(FILE *out, duckdb_connection con, duckdb_result *res, enum output_format fmt);

/* Writes s as a CSV field (quoted when it holds a comma, quote or newline). */
void output_csv_field(FILE *out, const char *s);

/* The progress line: stderr, redrawn in place at most every 200 ms (force: now), shown only
 * when stderr is a terminal (logs and pipes get none). Any thread may call these; lines never
 * interleave. output_progress_done erases the line (when one was shown). */
void output_progress(int force, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void output_progress_done(void);

#endif
