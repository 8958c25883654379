/* test_sqlfile.c - splitting the sql/ files into marked sections: names, optional tags, bodies
 * that run from one marker to the next, the caller's cap, and the words of @requires. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/sqlfile.h"

static const char layer[] =
	"-- silver: a header comment before the first marker belongs to no section\n"
	"-- @section coco\n"
	"-- @dataset coco\n"
	"-- @requires raw.coco_images raw.coco_objects  \n"
	"CREATE TABLE silver.a AS SELECT 1;\n"
	"-- @section visdrone_clips \r\n"
	"CREATE TABLE silver.b AS SELECT 2;\n"
	"INSERT INTO silver.b SELECT 3;\n"
	"-- @section last\n"
	"-- @requires   raw.x\n"
	"SELECT 4;";

static void test_sections_names_tags_and_bodies(void **state)
{
	(void)state;
	struct sql_section s[8];
	assert_int_equal(sqlfile_sections(layer, "-- @section ", s, 8), 3);

	assert_string_equal(s[0].name, "coco");
	assert_string_equal(s[0].dataset, "coco");
	assert_string_equal(s[0].requires, "raw.coco_images raw.coco_objects"); /* trailing blanks cut */
	assert_ptr_equal(s[0].body, strstr(layer, "-- @section coco"));
	assert_int_equal(s[0].body_len, (size_t)(strstr(layer, "-- @section visdrone") - s[0].body));

	/* no @dataset / @requires of its own: empty, not the next section's */
	assert_string_equal(s[1].name, "visdrone_clips"); /* "\r" of a CRLF line cut */
	assert_string_equal(s[1].dataset, "");
	assert_string_equal(s[1].requires, "");
	assert_non_null(memmem(s[1].body, s[1].body_len, "INSERT INTO silver.b", 20));
	assert_null(memmem(s[1].body, s[1].body_len, "SELECT 4", 8));

	assert_string_equal(s[2].name, "last");
	assert_string_equal(s[2].requires, "raw.x"); /* leading blanks cut too */
	assert_int_equal(s[2].body + s[2].body_len, layer + strlen(layer)); /* runs to the end */
}

static void test_cap_other_markers_and_none(void **state)
{
	(void)state;
	struct sql_section s[2];
	assert_int_equal(sqlfile_sections(layer, "-- @section ", s, 2), 2); /* stops at max */
	assert_string_equal(s[1].name, "visdrone_clips");
	assert_int_equal(sqlfile_sections(layer, "-- @check ", s, 2), 0);
	assert_int_equal(sqlfile_sections("", "-- @section ", s, 2), 0);

	static const char checks[] = "-- @check ids are unique\nSELECT 1;\n-- @check no nulls\nSELECT 2;\n";
	assert_int_equal(sqlfile_sections(checks, "-- @check ", s, 2), 2);
	assert_string_equal(s[0].name, "ids are unique"); /* a check's name is the whole line */
	assert_string_equal(s[1].name, "no nulls");
}

struct words {
	int n, stop_at;
	char seen[4][64];
};

static int collect(const char *word, void *ctx)
{
	struct words *w = ctx;
	if (w->n < 4)
		strcpy(w->seen[w->n], word);
	return ++w->n == w->stop_at ? 7 : 0;
}

static void test_each_required_word(void **state)
{
	(void)state;
	struct sql_section s = {.requires = "raw.a \traw.b  raw.c"};
	struct words w = {.stop_at = -1};
	assert_int_equal(sqlfile_each_required(&s, collect, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.seen[0], "raw.a");
	assert_string_equal(w.seen[1], "raw.b");
	assert_string_equal(w.seen[2], "raw.c");
	assert_string_equal(s.requires, "raw.a \traw.b  raw.c"); /* untouched */

	struct words stop = {.stop_at = 2};
	assert_int_equal(sqlfile_each_required(&s, collect, &stop), 7); /* first non-zero, returned */
	assert_int_equal(stop.n, 2);

	struct sql_section none = {.requires = ""};
	struct words zero = {.stop_at = -1};
	assert_int_equal(sqlfile_each_required(&none, collect, &zero), 0);
	assert_int_equal(zero.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_names_tags_and_bodies),
		cmocka_unit_test(test_cap_other_markers_and_none),
		cmocka_unit_test(test_each_required_word),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
