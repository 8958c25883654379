/* test_media.c - content addresses (core/hash), extensions from untrusted paths, integrity
 * flags, object keys, atomic writes (core/fsutil) and the media reader's plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include <turbojpeg.h>

#include "media/export.h"
#include "core/hash.h"
#include "core/fsutil.h"
#include "media/media.h"
#include "media/reader.h"

static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0xFF, 0xD9};

static void test_sha256_is_the_standard_one(void **state)
{
	(void)state;
	char hex[65];
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_extension_from_path_is_sanitised(void **state)
{
	(void)state;
	char ext[8];
	media_extension("val2017/000001.JPEG", jpeg, sizeof jpeg, ext);
	assert_string_equal(ext, "jpg");
	media_extension("x.png", jpeg, sizeof jpeg, ext);
	assert_string_equal(ext, "png"); /* the path wins when it is plain */
	const char *hostile[] = {"../../etc/passwd", "/abs/dir.d/file", "a.b/../c", "..", "x.jp/g",
				 "x.toolongext", "x.j%2Fg", NULL};
	for (int i = 0; hostile[i]; i++) {
		media_extension(hostile[i], jpeg, sizeof jpeg, ext);
		assert_string_equal(ext, "jpg"); /* falls back to the magic bytes */
	}
	media_extension(NULL, (const unsigned char *)"\x89PNG\r\n\x1a\n....", 12, ext);
	assert_string_equal(ext, "png");
	media_extension(NULL, (const unsigned char *)"hello", 5, ext);
	assert_string_equal(ext, "bin");
}

static void test_status_flags_truncated_images(void **state)
{
	(void)state;
	assert_string_equal(media_status("jpg", jpeg, sizeof jpeg), "ok");
	assert_string_equal(media_status("jpg", jpeg, sizeof jpeg - 2), "truncated");
	unsigned char padded[sizeof jpeg + 3] = {0};
	memcpy(padded, jpeg, sizeof jpeg);
	assert_string_equal(media_status("jpg", padded, sizeof padded), "ok");
	assert_string_equal(media_status("wav", jpeg, 4), "unchecked");
}

/* Width and height from the header: a JPEG libjpeg-turbo wrote, a PNG's IHDR; else unknown. */
static void test_image_size_from_the_header(void **state)
{
	(void)state;
	unsigned char pixels[37 * 21 * 3];
	memset(pixels, 128, sizeof pixels);
	tjhandle tj = tjInitCompress();
	unsigned char *jpeg = NULL;
	unsigned long jlen = 0;
	assert_int_equal(tjCompress2(tj, pixels, 37, 0, 21, TJPF_RGB, &jpeg, &jlen, TJSAMP_420, 80, 0), 0);
	int w = 0, h = 0;
	assert_int_equal(media_image_size(jpeg, jlen, &w, &h), 1);
	assert_int_equal(w, 37);
	assert_int_equal(h, 21);
	assert_int_equal(media_image_size(jpeg, 2, &w, &h), 0); /* cut before its header */
	tjFree(jpeg);
	tjDestroy(tj);
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
					    'I', 'H', 'D', 'R', 0, 0, 0x01, 0x2c, 0, 0, 0, 7, 8, 2};
	assert_int_equal(media_image_size(png, sizeof png, &w, &h), 1);
	assert_int_equal(w, 300);
	assert_int_equal(h, 7);
	assert_int_equal(media_image_size((const unsigned char *)"GIF89a\x10\0\x10\0", 10, &w, &h), 0);
}

static void test_keys_stay_under_their_prefix(void **state)
{
	(void)state;
	char key[256];
	assert_int_equal(media_key(key, sizeof key, "coco", "image", "ab", "jpg"), 0);
	assert_string_equal(key, "assets/coco/image/ab.jpg");
	assert_int_equal(media_key(key, sizeof key, "coco", "../../x y", "ab", "jpg"), 0);
	assert_string_equal(key, "assets/coco/______x_y/ab.jpg");
	assert_int_equal(media_key(key, 10, "coco", "image", "ab", "jpg"), -1);
}

static void test_clip_keys_are_content_addressed(void **state)
{
	(void)state;
	char key[256], sha[65];
	sha256_hex("clip", 4, sha);
	assert_int_equal(media_clip_key(key, sizeof key, "visdrone", "uav0000013_00000_v", sha), 0);
	char want[256];
	snprintf(want, sizeof want, "assets/visdrone/clips/uav0000013_00000_v/%s.mp4", sha);
	assert_string_equal(key, want);
	/* a sequence must stay one path part under clips/ */
	assert_int_equal(media_clip_key(key, sizeof key, "visdrone", "a/b", sha), -1);
	assert_int_equal(media_clip_key(key, sizeof key, "visdrone", "..", sha), -1);
	assert_int_equal(media_clip_key(key, sizeof key, "visdrone", "", sha), -1);
	assert_int_equal(media_clip_key(key, 40, "visdrone", "seq", sha), -1);
}

static void test_blob_keys_follow_content(void **state)
{
	(void)state;
	/* the same bytes under two paths get one key; other bytes another */
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
	char sha1[65], sha2[65], ext1[8], ext2[8], k1[256], k2[256], k3[256];
	sha256_hex(png, sizeof png, sha1);
	media_extension("a/x.PNG", png, sizeof png, ext1);
	media_extension(NULL, png, sizeof png, ext2);
	assert_string_equal(ext1, "png");
	assert_string_equal(ext2, "png");
	assert_int_equal(media_key(k1, sizeof k1, "coco", "image", sha1, ext1), 0);
	assert_int_equal(media_key(k2, sizeof k2, "coco", "image", sha1, ext2), 0);
	assert_string_equal(k1, k2);
	sha256_hex(png, sizeof png - 1, sha2);
	assert_int_equal(media_key(k3, sizeof k3, "coco", "image", sha2, ext1), 0);
	assert_string_not_equal(k1, k3);
}

/* WebDataset splits a member name at its first dot: export keys must have none. */
static void test_export_keys_have_no_dots(void **state)
{
	(void)state;
	char key[16];
	export_key("uav.dot.v_f000001", key, sizeof key);
	assert_string_equal(key, "uav_dot_v_f0000"); /* cut to the buffer, still NUL-ended */
	export_key("a/b c-d_e", key, sizeof key);
	assert_string_equal(key, "a_b_c-d_e");
	export_key("", key, sizeof key);
	assert_string_equal(key, "_");
	export_key("\xc3\xa9t\xc3\xa9", key, sizeof key);
	assert_string_equal(key, "__t__");
}

static void test_streamed_digest_equals_one_shot(void **state)
{
	(void)state;
	char one[65], streamed[65], sha1[41];
	sha256_hex("hello world", 11, one);
	struct digest *d = digest_new(DIGEST_SHA256);
	assert_non_null(d);
	digest_update(d, "hello ", 6);
	digest_update(d, "world", 5);
	digest_hex(d, streamed);
	digest_free(d);
	assert_string_equal(one, streamed);
	d = digest_new(DIGEST_SHA1);
	digest_update(d, "abc", 3);
	digest_hex(d, sha1);
	digest_free(d);
	assert_string_equal(sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

static void test_atomic_write_leaves_no_temporary(void **state)
{
	(void)state;
	char dir[] = "/tmp/media-unit-XXXXXX", path[128], part[140];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/a.json", dir);
	snprintf(part, sizeof part, "%s.part", path);
	struct err e = {0};
	assert_int_equal(fs_write_atomic(path, "{}", 2, &e), 0);
	struct buf b = {0};
	assert_int_equal(fs_read_file(path, &b, NULL, &e), 0);
	assert_int_equal(b.len, 2);
	buf_free(&b);
	assert_int_equal(access(part, F_OK), -1);
	struct fs_tmpfile t; /* abandoned: nothing shows */
	snprintf(path, sizeof path, "%s/b.tar", dir);
	assert_int_equal(fs_tmpfile_open(&t, path, NULL, &e), 0);
	fputs("half", t.f);
	fs_tmpfile_abort(&t);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(t.tmp[0] ? t.tmp : part, F_OK), -1);
	snprintf(part, sizeof part, "%s/a.json", dir);
	unlink(part);
	rmdir(dir);
}

static void test_plan_by_hand_reads_each_clip_once(void **state)
{
	(void)state;
	struct media_plan p = {0};
	long a = media_plan_clip(&p, "s3://b/clips/a.mp4", 700);
	long b = media_plan_clip(&p, "s3://b/clips/b.mp4", 800);
	assert_int_equal(media_plan_clip(&p, "s3://b/clips/a.mp4", 700), a); /* once per clip */
	assert_int_equal(p.nclips, 2);
	assert_int_equal(media_plan_add(&p, "s3://b/clips/a.mp4", a, 700, 100), 0);
	assert_int_equal(media_plan_add(&p, "s3://b/clips/b.mp4", b, 800, 50), 1);
	assert_int_equal(media_plan_add(&p, "s3://b/img/x.jpg", -1, 0, -1), 2);
	assert_true(p.fragments);
	assert_int_equal(p.items[1].clip, b);
	assert_int_equal(p.items[2].length, -1);
	media_plan_free(&p);
	assert_int_equal(p.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streamed_digest_equals_one_shot),
		cmocka_unit_test(test_atomic_write_leaves_no_temporary),
		cmocka_unit_test(test_plan_by_hand_reads_each_clip_once),
		cmocka_unit_test(test_sha256_is_the_standard_one),
		cmocka_unit_test(test_extension_from_path_is_sanitised),
		cmocka_unit_test(test_status_flags_truncated_images),
		cmocka_unit_test(test_image_size_from_the_header),
		cmocka_unit_test(test_keys_stay_under_their_prefix),
		cmocka_unit_test(test_clip_keys_are_content_addressed),
		cmocka_unit_test(test_blob_keys_follow_content),
		cmocka_unit_test(test_export_keys_have_no_dots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
