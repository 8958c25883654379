/* output.h - prints query results and listings on stdout as a table, CSV or JSON (the
 * progress line on stderr is core/progress's).
 * Borrows everything it is given; allocates nothing the caller must free.
 */
#ifndef LAKEHOUSE_OUTPUT_H
#define LAKEHOUSE_OUTPUT_H

#include <duckdb.h>
#include <jansson.h>
#include <stdio.h>

/* OUTPUT_TABLE: aligned columns, cut to the terminal's width when out is a terminal (and
 * printed whole anywhere else); OUTPUT_WIDE: the table, never cut; OUTPUT_LINE: one
 * "column = value" line per cell (DuckDB's `.mode line`), for rows too wide for a table. */
enum output_format { OUTPUT_TABLE, OUTPUT_CSV, OUTPUT_JSON, OUTPUT_WIDE, OUTPUT_LINE };

/* Prints every row of res in fmt. Nested values (LIST, STRUCT, MAP, ...) are rendered by
 * DuckDB's own VARCHAR cast, which needs con (the connection that made res); with con NULL
 * they print as a placeholder. Returns 0, or -1 on a write error. */
int output_result(FILE *out, duckdb_connection con, duckdb_result *res, enum output_format fmt);

/* The rows of res as a JSON array of objects (column name -> value; nested values as JSON,
 * rendered by DuckDB through con, which made res; a placeholder with con NULL), for a verb
 * that puts them inside a JSON document of its own. A new reference: the caller
 * json_decref()s it. */
json_t *output_rows_json(duckdb_connection con, duckdb_result *res);
/* Prints j on one line and a newline (a verb's --json summary), and releases j (NULL is a
 * failed json_pack: -1). Returns 0, or -1 on a write error. */
int output_json(FILE *out, json_t *j);

/* Columns of the terminal out is shown on: $COLUMNS when set, else the terminal's own width
 * (TIOCGWINSZ), else 80. */
int output_terminal_width(FILE *out);

/* Writes s as a CSV field (quoted when it holds a comma, quote or newline). */
void output_csv_field(FILE *out, const char *s);

#endif
