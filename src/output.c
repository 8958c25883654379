/* output.c - result printing; see output.h.
 *
 * The table format is aligned columns with a header rule, like psql/duckdb's; widths are
 * computed over the whole result (results printed here are listings, not bulk exports:
 * use COPY for those). JSON is one array of objects with numbers and booleans typed.
 */
#include "output.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CELL_WIDTH 60

/* Display width of a UTF-8 string (code points; good enough for aligned listings). */
static size_t utf8_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* Text of one cell, to duckdb_free(); NULL for SQL NULL. */
static char *cell(duckdb_result *res, idx_t col, idx_t row)
{
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
	if (!v) { /* nested types (LIST, STRUCT, MAP): the result API cannot render them */
		v = duckdb_malloc(48);
		snprintf(v, 48, "%s", "<nested: cast it to VARCHAR>");
	}
	return v;
}

static void print_padded(FILE *out, const char *s, size_t width, int right)
{
	size_t w = utf8_width(s);
	if (width == 0) { /* last column: no padding, no cut */
		fputs(s, out);
		return;
	}
	if (w > width) { /* cut long cells, marking the cut */
		size_t shown = 0;
		const char *p = s;
		while (*p && shown < width - 1) {
			p++;
			while (((unsigned char)*p & 0xC0) == 0x80)
				p++;
			shown++;
		}
		fprintf(out, "%.*s…", (int)(p - s), s);
		return;
	}
	if (right)
		fprintf(out, "%*s%s", (int)(width - w), "", s);
	else
		fprintf(out, "%s%*s", s, (int)(width - w), "");
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

static int print_table(FILE *out, duckdb_result *res)
{
	idx_t cols = duckdb_column_count(res), rows = duckdb_row_count(res);
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
		if (width[c] > MAX_CELL_WIDTH)
			width[c] = MAX_CELL_WIDTH;
	}
	for (idx_t c = 0; c < cols; c++) {
		fputs(c ? "  " : "", out);
		print_padded(out, duckdb_column_name(res, c), c + 1 == cols ? 0 : width[c], 0);
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
			print_padded(out, v ? v : "NULL", c + 1 == cols && !right ? 0 : width[c], right);
			duckdb_free(v);
		}
		fputc('\n', out);
	}
	fprintf(out, "(%llu row%s)\n", (unsigned long long)rows, rows == 1 ? "" : "s");
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
	if (duckdb_value_is_null(res, c, r))
		return json_null();
	duckdb_type t = duckdb_column_type(res, c);
	switch (t) {
	case DUCKDB_TYPE_BOOLEAN:
		return json_boolean(duckdb_value_boolean(res, c, r));
	case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT: case DUCKDB_TYPE_INTEGER:
	case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT: case DUCKDB_TYPE_USMALLINT:
	case DUCKDB_TYPE_UINTEGER:
		return json_integer(duckdb_value_int64(res, c, r));
	case DUCKDB_TYPE_UBIGINT: {
		uint64_t u = duckdb_value_uint64(res, c, r);
		if (u <= INT64_MAX)
			return json_integer((json_int_t)u);
		break;
	}
	case DUCKDB_TYPE_HUGEINT: { /* sum() of BIGINT is HUGEINT: a number while it fits */
		duckdb_hugeint h = duckdb_value_hugeint(res, c, r);
		if ((h.upper == 0 && h.lower <= INT64_MAX) || (h.upper == -1 && h.lower > INT64_MAX))
			return json_integer((json_int_t)(int64_t)h.lower);
		break;
	}
	case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE:
		return json_real(duckdb_value_double(res, c, r));
	default:
		break;
	}
	/* HUGEINT/DECIMAL/large UBIGINT stay strings: JSON numbers would lose precision. */
	char *v = cell(res, c, r);
	json_t *j = json_string(v ? v : "");
	duckdb_free(v);
	return j ? j : json_null(); /* invalid UTF-8 in a BLOB rendering */
}

static int print_json(FILE *out, duckdb_result *res)
{
	idx_t cols = duckdb_column_count(res), rows = duckdb_row_count(res);
	json_t *arr = json_array();
	for (idx_t r = 0; r < rows; r++) {
		json_t *obj = json_object();
		for (idx_t c = 0; c < cols; c++)
			json_object_set_new(obj, duckdb_column_name(res, c), json_cell(res, c, r));
		json_array_append_new(arr, obj);
	}
	int rc = json_dumpf(arr, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(arr);
	return rc == 0 && !ferror(out) ? 0 : -1;
}

int output_result(FILE *out, duckdb_result *res, enum output_format fmt)
{
	switch (fmt) {
	case OUTPUT_CSV:
		return print_csv(out, res);
	case OUTPUT_JSON:
		return print_json(out, res);
	default:
		return print_table(out, res);
	}
}
