/* test_output.c - table, CSV and JSON rendering of real DuckDB results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/output.h"

static char *render(const char *sql, enum output_format fmt)
{
	duckdb_database db;
	duckdb_connection con;
	duckdb_result r;
	assert_int_equal(duckdb_open(NULL, &db), DuckDBSuccess);
	assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
	assert_int_equal(duckdb_query(con, sql, &r), DuckDBSuccess);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	assert_int_equal(output_result(mem, con, &r, fmt), 0);
	fclose(mem);
	duckdb_destroy_result(&r);
	duckdb_disconnect(&con);
	duckdb_close(&db);
	return text;
}

static void test_csv_quotes_what_needs_quoting(void **state)
{
	(void)state;
	char *t = render("SELECT 1 AS n, 'a,b' AS s, 'say \"hi\"' AS q, NULL AS z", OUTPUT_CSV);
	assert_string_equal(t, "n,s,q,z\n1,\"a,b\",\"say \"\"hi\"\"\",\n");
	free(t);
}

static void test_json_types_numbers_and_nulls(void **state)
{
	(void)state;
	char *t = render("SELECT 7 AS i, 2.5::DOUBLE AS d, true AS b, NULL AS z, 'x' AS s, "
			 "12345678901234567890::HUGEINT AS h, -5::HUGEINT AS hs, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS ts",
			 OUTPUT_JSON);
	assert_non_null(strstr(t, "\"i\": 7"));
	assert_non_null(strstr(t, "\"d\": 2.5"));
	assert_non_null(strstr(t, "\"b\": true"));
	assert_non_null(strstr(t, "\"z\": null"));
	assert_non_null(strstr(t, "\"h\": \"12345678901234567890\"")); /* beyond int64 */
	assert_non_null(strstr(t, "\"hs\": -5"));
	assert_non_null(strstr(t, "\"ts\": \"2024-01-02 03:04:05+00\""));
	free(t);
}

static void test_nested_values_are_rendered(void **state)
{
	(void)state;
	char *t = render("SELECT [1.5, 2]::FLOAT[] AS l, {'a': 1, 'b': 'x'} AS s, 7 AS n", OUTPUT_CSV);
	assert_string_equal(t, "l,s,n\n\"[1.5,2.0]\",\"{\"\"a\"\":1,\"\"b\"\":\"\"x\"\"}\",7\n");
	free(t);
	t = render("SELECT [1, 2] AS l, {'a': [true]} AS s, 7 AS n", OUTPUT_JSON);
	assert_non_null(strstr(t, "\"l\": [\n      1,\n      2\n    ]"));
	assert_non_null(strstr(t, "\"a\": [\n        true"));
	assert_non_null(strstr(t, "\"n\": 7"));
	free(t);
}

/* Not a terminal (a memstream, like a pipe or a file): a long value is printed whole in
 * every table mode, with no cut mark and no hint. */
static void test_long_values_whole_when_not_a_terminal(void **state)
{
	(void)state;
	const char *sql = "SELECT 1 AS id, 's3://lakehouse/assets/coco/image/' || repeat('ab', 32) || "
			  "'.jpg' AS image_uri, repeat('x', 90) AS wide";
	enum output_format fmts[] = {OUTPUT_TABLE, OUTPUT_WIDE, OUTPUT_LINE};
	for (int i = 0; i < 3; i++) {
		char *t = render(sql, fmts[i]);
		char uri[160] = "s3://lakehouse/assets/coco/image/";
		for (int k = 0; k < 32; k++)
			strcat(uri, "ab");
		strcat(uri, ".jpg");
		assert_non_null(strstr(t, uri));
		char x90[91];
		memset(x90, 'x', 90), x90[90] = 0;
		assert_non_null(strstr(t, x90));
		assert_null(strstr(t, "…"));
		assert_null(strstr(t, "full values"));
		free(t);
	}
}

static void test_line_mode_is_one_cell_per_line(void **state)
{
	(void)state;
	char *t = render("SELECT 1 AS id, 'a' AS name UNION ALL SELECT 2, 'b' ORDER BY id", OUTPUT_LINE);
	assert_string_equal(t, "  id = 1\nname = a\n\n  id = 2\nname = b\n(2 rows)\n");
	free(t);
}

static void test_table_aligns_and_counts(void **state)
{
	(void)state;
	char *t = render("SELECT * FROM (VALUES (1, 'a'), (22, 'bbb')) v(num, txt)", OUTPUT_TABLE);
	assert_string_equal(t, "num  txt\n---  ---\n  1  a\n 22  bbb\n(2 rows)\n");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quotes_what_needs_quoting),
		cmocka_unit_test(test_json_types_numbers_and_nulls),
		cmocka_unit_test(test_table_aligns_and_counts),
		cmocka_unit_test(test_long_values_whole_when_not_a_terminal),
		cmocka_unit_test(test_line_mode_is_one_cell_per_line),
		cmocka_unit_test(test_nested_values_are_rendered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
