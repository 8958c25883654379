/* output.c - result printing; see output.h.
 *
 * The table format is aligned columns with a header rule, like psql/duckdb's, fitted to the
 * terminal's width only when it is printed on one; widths are computed over the whole result
 * (results printed here are listings, not bulk exports: use COPY for those). JSON is one
 * array of objects with numbers and booleans typed.
 */
#include "core/output.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Display width of a UTF-8 string (code points; good enough for aligned listings). */
static size_t utf8_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static int is_nested(duckdb_type t)
{
	return t == DUCKDB_TYPE_LIST || t == DUCKDB_TYPE_STRUCT || t == DUCKDB_TYPE_MAP ||
	       t == DUCKDB_TYPE_ARRAY || t == DUCKDB_TYPE_UNION;
}

/* Types the result-level text accessors render correctly; any other type (nested, UUID,
 * TIMESTAMPTZ, INTERVAL, ENUM ...) sends the whole result through DuckDB's own casts. */
static int plain_type(duckdb_type t)
{
	switch (t) {
	case DUCKDB_TYPE_BOOLEAN: case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT:
	case DUCKDB_TYPE_INTEGER: case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT:
	case DUCKDB_TYPE_USMALLINT: case DUCKDB_TYPE_UINTEGER: case DUCKDB_TYPE_UBIGINT:
	case DUCKDB_TYPE_HUGEINT: case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE:
	case DUCKDB_TYPE_VARCHAR: case DUCKDB_TYPE_DATE: case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_DECIMAL:
		return 1;
	default:
		return 0;
	}
}

/* The VARCHAR rendering of res's nested columns, made by DuckDB itself: the result's chunks
 * are appended through an appender query that casts every column to VARCHAR into a temp
 * table. NULL when res has no nested column (or the rendering failed). */
static duckdb_result *render_nested(duckdb_connection con, duckdb_result *res,
				    duckdb_result *text)
{
	idx_t cols = duckdb_column_count(res);
	int nested = 0;
	for (idx_t c = 0; c < cols; c++)
		nested |= !plain_type(duckdb_column_type(res, c));
	if (!nested || !con || cols > 1024)
		return NULL;
	char def[64], *sql = malloc(cols * 40 + 128);
	duckdb_logical_type *types = calloc(cols, sizeof *types);
	const char **names = calloc(cols, sizeof *names);
	char (*namebuf)[16] = calloc(cols, 16);
	duckdb_result tmp;
	duckdb_appender app = NULL;
	duckdb_result *out = NULL;
	if (!sql || !types || !names || !namebuf)
		goto done;
	strcpy(sql, "CREATE OR REPLACE TEMP TABLE __lh_text (");
	for (idx_t c = 0; c < cols; c++) {
		snprintf(def, sizeof def, "%sc%llu VARCHAR", c ? ", " : "", (unsigned long long)c);
		strcat(sql, def);
		snprintf(namebuf[c], 16, "c%llu", (unsigned long long)c);
		names[c] = namebuf[c];
		types[c] = duckdb_column_logical_type(res, c);
	}
	strcat(sql, ")");
	if (duckdb_query(con, sql, &tmp) == DuckDBError) {
		duckdb_destroy_result(&tmp);
		goto done;
	}
	duckdb_destroy_result(&tmp);
	/* nested values as JSON text: readable in a table, and real JSON in --json */
	strcpy(sql, "INSERT INTO __lh_text SELECT ");
	for (idx_t c = 0; c < cols; c++) {
		snprintf(def, sizeof def, is_nested(duckdb_column_type(res, c)) ? "%sto_json(c%llu)::VARCHAR"
										: "%sc%llu::VARCHAR",
			 c ? ", " : "", (unsigned long long)c);
		strcat(sql, def);
	}
	strcat(sql, " FROM __lh_rows");
	if (duckdb_appender_create_query(con, sql, cols, types, "__lh_rows", names, &app) == DuckDBError)
		goto done;
	idx_t chunks = duckdb_result_chunk_count(*res);
	int ok = 1;
	for (idx_t i = 0; i < chunks && ok; i++) {
		duckdb_data_chunk ch = duckdb_result_get_chunk(*res, i);
		ok = duckdb_append_data_chunk(app, ch) == DuckDBSuccess;
		duckdb_destroy_data_chunk(&ch);
	}
	if (ok && duckdb_appender_flush(app) == DuckDBSuccess &&
	    duckdb_query(con, "SELECT * FROM __lh_text", text) == DuckDBSuccess)
		out = text;
	else if (ok)
		duckdb_destroy_result(text);
	duckdb_query(con, "DROP TABLE IF EXISTS __lh_text", &tmp);
	duckdb_destroy_result(&tmp);
done:
	if (app)
		duckdb_appender_destroy(&app);
	for (idx_t c = 0; types && c < cols; c++)
		duckdb_destroy_logical_type(&types[c]);
	free(types);
	free(names);
	free(namebuf);
	free(sql);
	return out;
}

/* The VARCHAR rendering of the result being printed (NULL: not needed). */
static duckdb_result *nested_text;

/* Text of one cell, to duckdb_free(); NULL for SQL NULL. Once a result's chunks have been
 * read for nested rendering, its own value accessors are no longer reliable, so every cell
 * then comes from the VARCHAR rendering. */
static char *cell(duckdb_result *res, idx_t col, idx_t row)
{
	if (nested_text)
		return duckdb_value_is_null(nested_text, col, row)
			       ? NULL
			       : duckdb_value_varchar(nested_text, col, row);
	if (duckdb_value_is_null(res, col, row))
		return NULL;
	if (duckdb_column_type(res, col) == DUCKDB_TYPE_TIMESTAMP_TZ) {
		/* The result-level cast to text cannot render TIMESTAMPTZ: print it in UTC. */
		duckdb_timestamp ts = ((duckdb_timestamp *)duckdb_column_data(res, col))[row];
		duckdb_timestamp_struct t = duckdb_from_timestamp(ts);
		char *s = duckdb_malloc(40);
		snprintf(s, 40, "%04d-%02d-%02d %02d:%02d:%02d+00", t.date.year, t.date.month,
			 t.date.day, t.time.hour, t.time.min, t.time.sec);
		return s;
	}
	char *v = duckdb_value_varchar(res, col, row);
	if (!v) { /* nested types without a connection to render them */
		v = duckdb_malloc(48);
		snprintf(v, 48, "%s", "<nested: cast it to VARCHAR>");
	}
	return v;
}

/* Prints s in `width` columns: cut with '…' when longer and cut is set (returns 1 then),
 * otherwise whole; padded to width when pad is set (right-aligned when right). */
static int print_cell(FILE *out, const char *s, size_t width, int cut, int pad, int right)
{
	size_t w = utf8_width(s);
	if (w > width && cut) {
		size_t shown = 0;
		const char *p = s;
		while (*p && shown + 1 < width) {
			p++;
			while (((unsigned char)*p & 0xC0) == 0x80)
				p++;
			shown++;
		}
		fprintf(out, "%.*s…", (int)(p - s), s);
		return 1;
	}
	size_t gap = pad && w < width ? width - w : 0;
	if (right)
		fprintf(out, "%*s%s", (int)gap, "", s);
	else
		fprintf(out, "%s%*s", s, (int)gap, "");
	return 0;
}

static int is_numeric(duckdb_type t)
{
	switch (t) {
	case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT: case DUCKDB_TYPE_INTEGER:
	case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT: case DUCKDB_TYPE_USMALLINT:
	case DUCKDB_TYPE_UINTEGER: case DUCKDB_TYPE_UBIGINT: case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_UHUGEINT: case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE:
	case DUCKDB_TYPE_DECIMAL:
		return 1;
	default:
		return 0;
	}
}

int output_terminal_width(FILE *out)
{
	const char *env = getenv("COLUMNS");
	char *end;
	long cols = env ? strtol(env, &end, 10) : 0;
	if (env && *env && !*end && cols >= 20 && cols <= 10000)
		return (int)cols;
	struct winsize ws;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Where a table goes: a terminal (cut to its width) or not (never cut: what is piped or
 * saved must hold whole values, e.g. a URI to copy). */
static int is_terminal(FILE *out)
{
	int fd = fileno(out);
	return fd >= 0 && isatty(fd);
}

/* Fits the columns' widths into `avail` columns of terminal: the widest columns are cut
 * first, down to a common cap, none below MIN_CUT_WIDTH (or its own width). Returns 0, or
 * -1 when even that does not fit (too many columns: the caller goes vertical). */
#define MIN_CUT_WIDTH 8
static int fit_widths(size_t *width, idx_t cols, size_t avail)
{
	size_t seps = cols ? 2 * (cols - 1) : 0, widest = 0, sum = seps;
	for (idx_t c = 0; c < cols; c++) {
		sum += width[c];
		widest = width[c] > widest ? width[c] : widest;
	}
	if (sum <= avail)
		return 0;
	size_t floor_sum = seps;
	for (idx_t c = 0; c < cols; c++)
		floor_sum += width[c] < MIN_CUT_WIDTH ? width[c] : MIN_CUT_WIDTH;
	if (floor_sum > avail)
		return -1;
	/* the largest cap that fits (binary search over cap = MIN_CUT_WIDTH .. widest) */
	size_t lo = MIN_CUT_WIDTH, hi = widest;
	while (lo < hi) {
		size_t cap = (lo + hi + 1) / 2, total = seps;
		for (idx_t c = 0; c < cols; c++)
			total += width[c] < cap ? width[c] : cap;
		if (total <= avail)
			lo = cap;
		else
			hi = cap - 1;
	}
	for (idx_t c = 0; c < cols; c++)
		if (width[c] > lo)
			width[c] = lo;
	return 0;
}

/* DuckDB's `.mode line`: one "column = value" line per cell, a blank line between rows. */
static int print_vertical(FILE *out, duckdb_result *res)
{
	idx_t cols = duckdb_column_count(res), rows = duckdb_row_count(res);
	size_t name_w = 0;
	for (idx_t c = 0; c < cols; c++)
		if (utf8_width(duckdb_column_name(res, c)) > name_w)
			name_w = utf8_width(duckdb_column_name(res, c));
	for (idx_t r = 0; r < rows; r++) {
		if (r)
			fputc('\n', out);
		for (idx_t c = 0; c < cols; c++) {
			char *v = cell(res, c, r);
			print_cell(out, duckdb_column_name(res, c), name_w, 0, 1, 1);
			fprintf(out, " = %s\n", v ? v : "NULL");
			duckdb_free(v);
		}
	}
	fprintf(out, "(%llu row%s)\n", (unsigned long long)rows, rows == 1 ? "" : "s");
	return ferror(out) ? -1 : 0;
}

/* Aligned columns. On a terminal (and not wide) the table is cut to the terminal's width,
 * cut values end in '…' and one hint says how to get them whole; anywhere else every value
 * is printed in full. */
static int print_table(FILE *out, duckdb_result *res, int wide)
{
	idx_t cols = duckdb_column_count(res), rows = duckdb_row_count(res);
	int cut = !wide && is_terminal(out);
	size_t *width = calloc(cols ? cols : 1, sizeof *width);
	if (!width)
		return -1;
	for (idx_t c = 0; c < cols; c++) {
		width[c] = utf8_width(duckdb_column_name(res, c));
		for (idx_t r = 0; r < rows; r++) {
			char *v = cell(res, c, r);
			size_t w = v ? utf8_width(v) : 4;
			if (w > width[c])
				width[c] = w;
			duckdb_free(v);
		}
	}
	if (cut && fit_widths(width, cols, (size_t)output_terminal_width(out)) < 0) {
		free(width); /* too many columns for the terminal: one row at a time */
		return print_vertical(out, res);
	}
	int was_cut = 0;
	for (idx_t c = 0; c < cols; c++) {
		fputs(c ? "  " : "", out);
		/* the last column is not padded: no trailing blanks */
		print_cell(out, duckdb_column_name(res, c), width[c], cut, c + 1 < cols, 0);
	}
	fputc('\n', out);
	for (idx_t c = 0; c < cols; c++) {
		fputs(c ? "  " : "", out);
		for (size_t i = 0; i < width[c]; i++)
			fputc('-', out);
	}
	fputc('\n', out);
	for (idx_t r = 0; r < rows; r++) {
		for (idx_t c = 0; c < cols; c++) {
			char *v = cell(res, c, r);
			fputs(c ? "  " : "", out);
			int right = is_numeric(duckdb_column_type(res, c));
			was_cut |= print_cell(out, v ? v : "NULL", width[c], cut,
					      right || c + 1 < cols, right);
			duckdb_free(v);
		}
		fputc('\n', out);
	}
	fprintf(out, "(%llu row%s)\n", (unsigned long long)rows, rows == 1 ? "" : "s");
	if (was_cut)
		fputs("(use --csv or --json for full values)\n", out);
	free(width);
	return ferror(out) ? -1 : 0;
}

void output_csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int print_csv(FILE *out, duckdb_result *res)
{
	idx_t cols = duckdb_column_count(res), rows = duckdb_row_count(res);
	for (idx_t c = 0; c < cols; c++) {
		fputs(c ? "," : "", out);
		output_csv_field(out, duckdb_column_name(res, c));
	}
	fputc('\n', out);
	for (idx_t r = 0; r < rows; r++) {
		for (idx_t c = 0; c < cols; c++) {
			char *v = cell(res, c, r);
			fputs(c ? "," : "", out);
			if (v)
				output_csv_field(out, v);
			duckdb_free(v);
		}
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}

static json_t *json_cell(duckdb_result *res, idx_t c, idx_t r)
{
	char *v = cell(res, c, r);
	if (!v)
		return json_null();
	json_t *j = NULL;
	char *end;
	switch (duckdb_column_type(res, c)) {
	case DUCKDB_TYPE_BOOLEAN:
		j = json_boolean(strcmp(v, "true") == 0);
		break;
	case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT: case DUCKDB_TYPE_INTEGER:
	case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT: case DUCKDB_TYPE_USMALLINT:
	case DUCKDB_TYPE_UINTEGER: case DUCKDB_TYPE_UBIGINT: case DUCKDB_TYPE_HUGEINT: {
		/* a number while it fits in 64 bits; beyond, a string keeps every digit */
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (!*end && errno == 0)
			j = json_integer(n);
		break;
	}
	case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE: {
		double d = strtod(v, &end);
		if (!*end && isfinite(d))
			j = json_real(d);
		break;
	}
	default:
		if (is_nested(duckdb_column_type(res, c)))
			j = json_loads(v, JSON_DECODE_ANY, NULL); /* rendered by to_json() */
		break;
	}
	if (!j)
		j = json_string(v); /* NULL for invalid UTF-8 (a BLOB rendering) */
	duckdb_free(v);
	return j ? j : json_null();
}

static json_t *rows_json(duckdb_result *res)
{
	idx_t cols = duckdb_column_count(res), rows = duckdb_row_count(res);
	json_t *arr = json_array();
	for (idx_t r = 0; r < rows; r++) {
		json_t *obj = json_object();
		for (idx_t c = 0; c < cols; c++)
			json_object_set_new(obj, duckdb_column_name(res, c), json_cell(res, c, r));
		json_array_append_new(arr, obj);
	}
	return arr;
}

int output_json(FILE *out, json_t *j)
{
	int rc = j ? json_dumpf(j, out, JSON_PRESERVE_ORDER) : -1;
	fputc('\n', out);
	json_decref(j);
	return rc == 0 && !ferror(out) ? 0 : -1;
}

static int print_json(FILE *out, duckdb_result *res)
{
	json_t *arr = rows_json(res);
	int rc = json_dumpf(arr, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(arr);
	return rc == 0 && !ferror(out) ? 0 : -1;
}

json_t *output_rows_json(duckdb_connection con, duckdb_result *res)
{
	duckdb_result text;
	nested_text = render_nested(con, res, &text);
	json_t *arr = rows_json(res);
	if (nested_text)
		duckdb_destroy_result(nested_text);
	nested_text = NULL;
	return arr;
}

int output_result(FILE *out, duckdb_connection con, duckdb_result *res, enum output_format fmt)
{
	duckdb_result text;
	nested_text = render_nested(con, res, &text);
	int rc = fmt == OUTPUT_CSV    ? print_csv(out, res)
		 : fmt == OUTPUT_JSON ? print_json(out, res)
		 : fmt == OUTPUT_LINE ? print_vertical(out, res)
				      : print_table(out, res, fmt == OUTPUT_WIDE);
	if (nested_text)
		duckdb_destroy_result(nested_text);
	nested_text = NULL;
	return rc;
}
