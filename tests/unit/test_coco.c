/* test_coco.c - finding the COCO official layout: the folder (annotations/instances_<split>.json)
 * or the release's zips side by side (<split>.zip + annotations*.zip), and what --from and
 * --format make of a folder. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ingest/coco.h"
#include "ingest/coco_json.h"
#include "ingest/source.h"

static void touch(const char *dir, const char *rel)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	char *slash = strrchr(p, '/');
	*slash = 0;
	mkdir(p, 0755);
	*slash = '/';
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("{}", f);
	fclose(f);
}

static char *tempdir(void)
{
	char *d = strdup("/tmp/coco-unit-XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static void rmtree(const char *d)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

static void test_folder_layout_is_found_by_its_instances_file(void **state)
{
	(void)state;
	char *d = tempdir();
	assert_int_equal(coco_layout_present(d, "val2017"), 0);
	touch(d, "annotations/captions_val2017.json"); /* captions alone are not the layout */
	assert_int_equal(coco_layout_present(d, "val2017"), 0);
	touch(d, "annotations/instances_val2017.json");
	assert_int_equal(coco_layout_present(d, "val2017"), 1);
	assert_int_equal(coco_layout_present(d, "train2017"), 0); /* per split */
	rmtree(d);
	free(d);
}

static void test_zip_layout_needs_both_zips(void **state)
{
	(void)state;
	char *d = tempdir();
	touch(d, "val2017.zip");
	assert_int_equal(coco_layout_present(d, "val2017"), 0); /* no annotations zip */
	touch(d, "annotations_trainval2017.zip");
	assert_int_equal(coco_layout_present(d, "val2017"), 1);
	assert_int_equal(coco_layout_present(d, "train2017"), 0); /* no train2017.zip */
	rmtree(d);
	free(d);
}

static void test_format_coco_insists_on_the_layout(void **state)
{
	(void)state;
	char *d = tempdir();
	struct config cfg = {0};
	struct source src;
	struct err e = {0};
	assert_int_equal(source_resolve(&cfg, d, NULL, "val2017", "coco", 1, NULL, &src, &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, "instances_val2017.json"));
	memset(&e, 0, sizeof e);
	assert_int_equal(source_resolve(&cfg, d, NULL, "val2017", "yolo", 1, NULL, &src, &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, "--format"));
	touch(d, "annotations/instances_val2017.json");
	memset(&e, 0, sizeof e);
	assert_int_equal(source_resolve(&cfg, d, NULL, "val2017", NULL, 1, NULL, &src, &e), 0);
	assert_int_equal(src.coco_root[0] != 0, 1); /* detected without --format */
	assert_int_equal(src.video_root[0], 0);
	assert_int_equal(src.nfiles, 0);
	source_free(&src);
	memset(&e, 0, sizeof e);
	assert_int_equal(source_resolve(&cfg, "hf://datasets/o/r", NULL, "val", "coco", 1, NULL, &src,
					&e), -1);
	assert_int_equal(e.code, EXIT_USAGE); /* the layout is read from a local folder */
	rmtree(d);
	free(d);
}

/* ---- the JSON reader ------------------------------------------------------------------- */

/* Bytes from memory, at most `step` per call (1: every token split across reads). */
struct mem_reader {
	const char *data;
	size_t len, at, step;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, struct err *e)
{
	(void)e;
	struct mem_reader *m = ctx;
	size_t k = m->len - m->at;
	if (k > n)
		k = n;
	if (k > m->step)
		k = m->step;
	memcpy(buf, m->data + m->at, k);
	m->at += k;
	return (ssize_t)k;
}

/* Splits doc with reads of `step` bytes; the four arrays' lines go to out[k] (caller frees). */
static int split_text(const char *doc, size_t step, struct coco_json_out *o, char *out[COCO_ARRAYS],
		      struct err *e)
{
	size_t sizes[COCO_ARRAYS];
	memset(o, 0, sizeof *o);
	for (int k = 0; k < COCO_ARRAYS; k++) {
		o->out[k] = open_memstream(&out[k], &sizes[k]);
		assert_non_null(o->out[k]);
	}
	struct mem_reader m = {doc, strlen(doc), 0, step};
	int rc = coco_json_split(mem_read, &m, "t.json", o, e);
	for (int k = 0; k < COCO_ARRAYS; k++)
		fclose(o->out[k]);
	return rc;
}

static void free_all(char *out[COCO_ARRAYS])
{
	for (int k = 0; k < COCO_ARRAYS; k++)
		free(out[k]);
}

static const char sample[] =
	"{\"info\": {\"year\": 2017, \"images\": [1]},\n"
	" \"licenses\": [{\"url\": \"http://x/\", \"id\": 1, \"name\": \"Attribution\"}],\n"
	" \"images\": [{\"id\": 7, \"file_name\": \"a/b.jpg\", \"width\": 640, \"height\": 480,"
	" \"date_captured\": \"2013-11-14 11:18:45\"}, {\"id\": 8, \"file_name\": \"caf\\u00e9 \\\"q\\\".jpg\"}],\n"
	" \"annotations\": [{\"id\": 1, \"image_id\": 7, \"bbox\": [1.50, 2e1, 3.25, 0.0],"
	" \"area\": 4.875, \"iscrowd\": 0, \"segmentation\": [[1.5, 2, 3.0, 4.25, 5, 6]]},"
	" {\"id\": 2, \"image_id\": 7, \"iscrowd\": 1, \"segmentation\": {\"counts\": \"6183K0000000006\","
	" \"size\": [7, 9]}, \"keypoints\": null, \"extra\": [true, false, {}, []]}],\n"
	" \"categories\": [{\"id\": 1, \"name\": \"person\", \"supercategory\": \"person\"}]}";

static void test_json_split_keeps_every_record_as_it_came(void **state)
{
	(void)state;
	/* the same lines whether the bytes come whole or one at a time */
	for (size_t step = 1; step <= sizeof sample; step = step * 7 + 1) {
		struct coco_json_out o;
		char *out[COCO_ARRAYS];
		struct err e = {0};
		assert_int_equal(split_text(sample, step, &o, out, &e), 0);
		assert_int_equal(o.seen[COCO_IMAGES] + o.seen[COCO_ANNOTATIONS] +
					 o.seen[COCO_CATEGORIES] + o.seen[COCO_LICENSES], 4);
		assert_int_equal(o.records[COCO_IMAGES], 2);
		assert_int_equal(o.records[COCO_ANNOTATIONS], 2);
		/* numbers keep their text (1.50, 2e1), keys their order, strings their content;
		 * "info" (with an "images" member of its own) is read past */
		assert_string_equal(out[COCO_IMAGES],
				    "{\"id\":7,\"file_name\":\"a/b.jpg\",\"width\":640,\"height\":480,"
				    "\"date_captured\":\"2013-11-14 11:18:45\"}\n"
				    "{\"id\":8,\"file_name\":\"caf\xc3\xa9 \\\"q\\\".jpg\"}\n");
		assert_string_equal(out[COCO_ANNOTATIONS],
				    "{\"id\":1,\"image_id\":7,\"bbox\":[1.50,2e1,3.25,0.0],\"area\":4.875,"
				    "\"iscrowd\":0,\"segmentation\":[[1.5,2,3.0,4.25,5,6]]}\n"
				    "{\"id\":2,\"image_id\":7,\"iscrowd\":1,\"segmentation\":{\"counts\":"
				    "\"6183K0000000006\",\"size\":[7,9]},\"keypoints\":null,"
				    "\"extra\":[true,false,{},[]]}\n");
		assert_string_equal(out[COCO_CATEGORIES],
				    "{\"id\":1,\"name\":\"person\",\"supercategory\":\"person\"}\n");
		assert_string_equal(out[COCO_LICENSES],
				    "{\"url\":\"http://x/\",\"id\":1,\"name\":\"Attribution\"}\n");
		free_all(out);
	}
}

static void test_json_split_shapes_that_are_not_coco(void **state)
{
	(void)state;
	static const struct {
		const char *doc;
		int rc, seen; /* seen: how many of the four arrays were there */
		const char *msg;
	} cases[] = {
		{"[{\"images\": []}]", 0, 0, NULL}, /* not an object: the caller refuses it */
		{"{\"images\": null, \"annotations\": {}, \"categories\": 3}", 0, 0, NULL},
		{"{\"images\": [], \"annotations\": []}", 0, 2, NULL},
		{"{\"images\": [], \"images\": []}", -1, 1, "t.json: the array \"images\" is given twice"},
		{"{\"images\": [{\"id\": 1}", -1, 1, "t.json: not JSON near byte"},
		{"{\"images\": [{\"id\": 1,}]}", -1, 1, "t.json: not JSON near byte"},
		{"{\"images\": []} {}", -1, 1, "t.json: not JSON near byte"},
		{"{\"a\": \"\xff\"}", -1, 0, "t.json: not JSON near byte"}, /* not UTF-8 */
		{"", -1, 0, "t.json: empty file"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct coco_json_out o;
		char *out[COCO_ARRAYS];
		struct err e = {0};
		int rc = split_text(cases[i].doc, 4096, &o, out, &e);
		free_all(out);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc, e.msg);
		int seen = o.seen[0] + o.seen[1] + o.seen[2] + o.seen[3];
		if (seen != cases[i].seen)
			fail_msg("case %zu: %d arrays seen, want %d", i, seen, cases[i].seen);
		if (cases[i].msg && (e.code != EXIT_USAGE || !strstr(e.msg, cases[i].msg)))
			fail_msg("case %zu: error '%s' lacks '%s'", i, e.msg, cases[i].msg);
	}
}

/* ---- the RLE reader -------------------------------------------------------------------- */

static void test_rle_string_checks_the_counts(void **state)
{
	(void)state;
	char why[160];
	/* pycocotools.mask.encode of a 7x9 mask (rows 1-4 x columns 2-7, and pixel (6, 0)) */
	assert_int_equal(coco_rle_check_string("6183K0000000006", 7, 9, why, sizeof why), 0);
	assert_int_equal(coco_rle_check_string("", 0, 5, why, sizeof why), 0);
	assert_int_equal(coco_rle_check_string("6183K0000000006", 7, 10, why, sizeof why), -1);
	assert_string_equal(why, "its counts cover 63 pixels, the mask has 70");
	assert_int_equal(coco_rle_check_string("6183K0000000006", 6, 9, why, sizeof why), -1);
	assert_string_equal(why, "its counts cover more than 54 pixels, the mask has 54");
	/* a continuation bit (0x20) on the last character: the string was cut */
	assert_int_equal(coco_rle_check_string("6183K000000000P", 7, 9, why, sizeof why), -1);
	assert_string_equal(why, "its counts string ends inside a count");
	assert_int_equal(coco_rle_check_string("6183K00 0000006", 7, 9, why, sizeof why), -1);
	assert_string_equal(why, "its counts string is not RLE at character 7");
	/* the fourth count is a difference from the second: '@' is -16, 1 - 16 < 0 */
	assert_int_equal(coco_rle_check_string("618@", 7, 9, why, sizeof why), -1);
	assert_string_equal(why, "its count 3 decodes negative");
	/* a count longer than 12 groups cannot be a pixel count */
	assert_int_equal(coco_rle_check_string("ooooooooooooooo0", 7, 9, why, sizeof why), -1);
	assert_string_equal(why, "its counts string is not RLE at character 12");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folder_layout_is_found_by_its_instances_file),
		cmocka_unit_test(test_zip_layout_needs_both_zips),
		cmocka_unit_test(test_format_coco_insists_on_the_layout),
		cmocka_unit_test(test_json_split_keeps_every_record_as_it_came),
		cmocka_unit_test(test_json_split_shapes_that_are_not_coco),
		cmocka_unit_test(test_rle_string_checks_the_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
