/* test_source.c - reading `--from`: hf:// URIs into repo and revision, and which repo paths
 * belong to a split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ingest/imagefolder.h"
#include "ingest/source.h"
#include "ingest/visdrone.h"

static void test_hf_uris(void **state)
{
	(void)state;
	char repo[64], rev[32];
	struct err e = {0};
	assert_int_equal(source_parse_hf("hf://datasets/detection-datasets/coco", repo, sizeof repo,
					 rev, sizeof rev, &e), 0);
	assert_string_equal(repo, "detection-datasets/coco");
	assert_string_equal(rev, "main"); /* the default revision */

	assert_int_equal(source_parse_hf("hf://datasets/HuggingFaceM4/COCO@refs/convert/parquet", repo,
					 sizeof repo, rev, sizeof rev, &e), 0);
	assert_string_equal(repo, "HuggingFaceM4/COCO");
	assert_string_equal(rev, "refs/convert/parquet"); /* a revision may hold slashes */

	assert_int_equal(source_parse_hf("hf://datasets/o/r@6bd4209c758f", repo, sizeof repo, rev,
					 sizeof rev, &e), 0);
	assert_string_equal(repo, "o/r");
	assert_string_equal(rev, "6bd4209c758f");
}

static void test_bad_hf_uris_are_usage_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"hf://datasets/coco",           /* no owner */
		"hf://datasets//coco",          /* empty owner */
		"hf://datasets/owner/",         /* empty repo */
		"hf://datasets/a/b/c",          /* a third segment */
		"hf://datasets/a/..",           /* a way out */
		"hf://datasets/a/b@",           /* empty revision */
		"hf://datasets/a/b@..",         /* ".." anywhere */
		"hf://models/a/b",              /* not a dataset URI */
		"a/b",                          /* no scheme at all */
		"hf://datasets/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", /* too long */
		"hf://datasets/a/b@rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr",       /* too long */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char repo[64], rev[32];
		struct err e = {0};
		assert_int_equal(source_parse_hf(bad[i], repo, sizeof repo, rev, sizeof rev, &e), -1);
		assert_int_equal(e.code, EXIT_USAGE);
		assert_non_null(strstr(e.msg, bad[i])); /* names what was given */
	}
}

static void test_split_paths(void **state)
{
	(void)state;
	assert_true(source_path_matches("data/val-00000-of-00002.parquet", NULL, "val"));
	assert_true(source_path_matches("data/val-00000-of-00002-a1b2.parquet", "default", "val"));
	assert_true(source_path_matches("2014_captions/val/0000.parquet", "2014_captions", "val"));
	assert_true(source_path_matches("2014_captions/val/0000.parquet", NULL, "val"));
	assert_false(source_path_matches("2014_captions/val/0000.parquet", "2014", "val"));
	assert_false(source_path_matches("data/validation-00000.parquet", NULL, "val"));
	assert_false(source_path_matches("data/train-00000-of-00001.parquet", NULL, "val"));
	assert_false(source_path_matches("data/val-00000.json", NULL, "val"));
}

/* Top-level folder names that hold a split, as datasets' imagefolder matches them. */
static void test_imagefolder_split_folders(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"train", "train"},	 {"training", "train"},	   {"train-2", "train"},
		{"train_01", "train"},	 {"val", "validation"},	   {"valid", "validation"},
		{"validation", "validation"}, {"dev", "validation"}, {"test", "test"},
		{"testing", "test"},	 {"eval", "test"},	   {"evaluation", "test"},
		{"test 3", "test"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(imagefolder_split(cases[i][0]), cases[i][1]);
	static const char *const not_splits[] = {"cat", "trainer", "tests", "Train", "contest",
						 "validate", "", "x_train"};
	for (size_t i = 0; i < sizeof not_splits / sizeof not_splits[0]; i++)
		assert_null(imagefolder_split(not_splits[i]));
}

/* VisDrone lines, DET (8 fields) and MOT/VID (10): one optional trailing comma, 32-bit values,
 * nothing else. */
static void test_visdrone_fields(void **state)
{
	(void)state;
	long v[10];
	assert_int_equal(visdrone_parse_fields("684,8,273,116,0,0,0,0", v, 8), 0);
	assert_int_equal(v[0], 684);
	assert_int_equal(v[2], 273);
	assert_int_equal(v[7], 0);
	assert_int_equal(visdrone_parse_fields("1,2,3,4,1,10,0,1,", v, 8), 0);
	assert_int_equal(v[5], 10);
	assert_int_equal(visdrone_parse_fields("-5,2147483647,3,4,1,10,0,1", v, 8), 0);
	assert_int_equal(v[0], -5);
	assert_int_equal(v[1], 2147483647L);
	static const char *const bad[] = {"1,2,3,4,1,10,0",     "1,2,3,4,1,10,0,1,2",
					  "1,2,3,4,1,10,0,1,,", "1,2,abc,4,1,10,0,1",
					  "1,2,3,4,1,10,0,1 ",  "1,2,3,4,1,10,0,2147483648",
					  "",                   "1,,3,4,1,10,0,1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(visdrone_parse_fields(bad[i], v, 8), -1);
	assert_int_equal(visdrone_parse_annotation("1,2,3,4,5,6,1,4,0,0,", v), 0);
	assert_int_equal(v[9], 0);
	assert_int_equal(visdrone_parse_annotation("3,4,5,6,1,4,0,0", v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hf_uris),
		cmocka_unit_test(test_bad_hf_uris_are_usage_errors),
		cmocka_unit_test(test_split_paths),
		cmocka_unit_test(test_imagefolder_split_folders),
		cmocka_unit_test(test_visdrone_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
