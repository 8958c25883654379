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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folder_layout_is_found_by_its_instances_file),
		cmocka_unit_test(test_zip_layout_needs_both_zips),
		cmocka_unit_test(test_format_coco_insists_on_the_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
