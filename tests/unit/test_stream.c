/* test_stream.c - stream's order and decode's arithmetic: the permutation is one, fixed by
 * (seed, epoch) to the same values on every machine, unbiased; ranks split any n within one;
 * .npy headers are what NumPy reads; fit geometry; the DCT-scaled JPEG path stays close to a
 * full decode + resize. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>
#include <turbojpeg.h>

#include "media/decode.h"
#include "media/stream.h"

static void assert_permutation(const size_t *p, size_t n)
{
	char *seen = calloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		assert_true(p[i] < n);
		assert_false(seen[p[i]]);
		seen[p[i]] = 1;
	}
	free(seen);
}

static void test_permutation_is_one_and_fixed_by_seed_and_epoch(void **state)
{
	(void)state;
	size_t a[1000], b[1000];
	for (size_t n = 0; n <= 1000; n += n < 10 ? 1 : 330) {
		stream_permute(7, 3, n, a);
		stream_permute(7, 3, n, b);
		assert_permutation(a, n);
		assert_memory_equal(a, b, n * sizeof *a);
	}
	stream_permute(7, 0, 1000, a);
	stream_permute(7, 1, 1000, b);
	assert_true(memcmp(a, b, sizeof a) != 0); /* another epoch, another order */
	stream_permute(8, 0, 1000, b);
	assert_true(memcmp(a, b, sizeof a) != 0); /* another seed, another order */
}

/* The values themselves: a change of PRNG, seeding or shuffle shows here first (every machine
 * and every version must agree, or resumed jobs would see other samples). */
static void test_permutation_golden_values(void **state)
{
	(void)state;
	size_t p[10];
	const size_t want[10] = {6, 1, 8, 3, 0, 2, 9, 4, 5, 7}; /* also from a Python rewrite */
	stream_permute(7, 0, 10, p);
	assert_memory_equal(p, want, sizeof want);
}

/* Every order of 3 items equally likely: 60000 seeds, each of the 6 orders 10000 +- 5%. */
static void test_permutation_is_unbiased(void **state)
{
	(void)state;
	int count[6] = {0};
	for (uint64_t seed = 0; seed < 60000; seed++) {
		size_t p[3];
		stream_permute(seed, 0, 3, p);
		count[p[0] * 2 + (p[1] > p[2])]++;
	}
	for (int i = 0; i < 6; i++)
		assert_true(count[i] > 9500 && count[i] < 10500);
}

static void test_ranks_split_within_one(void **state)
{
	(void)state;
	for (size_t n = 0; n < 60; n++)
		for (uint64_t w = 1; w <= 8; w++) {
			size_t sum = 0, lo = SIZE_MAX, hi = 0;
			for (uint64_t r = 0; r < w; r++) {
				size_t c = stream_rank_count(n, r, w);
				sum += c, lo = c < lo ? c : lo, hi = c > hi ? c : hi;
			}
			assert_int_equal(sum, n);
			assert_true(hi - lo <= 1);
		}
}

static void test_npy_header_is_numpy_v1(void **state)
{
	(void)state;
	struct buf b = {0};
	int64_t dims[4] = {16, 48, 64, 3};
	assert_int_equal(decode_npy_header(&b, dims, 4), 0);
	assert_int_equal(b.len % 64, 0);
	assert_memory_equal(b.data, "\x93NUMPY\x01\x00", 8);
	assert_int_equal((size_t)(unsigned char)b.data[8] + 256u * (unsigned char)b.data[9], b.len - 10);
	assert_non_null(strstr(b.data + 10, "'descr': '|u1', 'fortran_order': False, 'shape': (16, 48, 64, 3), }"));
	assert_int_equal(b.data[b.len - 1], '\n');
	buf_free(&b);
}

static void test_fit_geometry(void **state)
{
	(void)state;
	struct decode_geom g;
	struct decode_spec s = {.width = 224, .height = 224, .fit = DECODE_STRETCH};
	decode_geometry(&s, 640, 480, &g);
	assert_true(fabs(g.sx - 0.35) < 1e-12 && fabs(g.sy - 224.0 / 480) < 1e-12 && g.ox == 0 && g.oy == 0);
	s.fit = DECODE_PAD;
	decode_geometry(&s, 640, 480, &g);
	assert_true(g.sx == g.sy && fabs(g.sx - 0.35) < 1e-12 && g.ox == 0 && g.oy == 28); /* 168 rows, centred */
	s.fit = DECODE_CROP;
	decode_geometry(&s, 640, 480, &g);
	assert_true(g.sx == g.sy && fabs(g.sx - 224.0 / 480) < 1e-12 && g.oy == 0);
	assert_true(fabs(g.ox - floor((224 - 640 * 224.0 / 480) / 2)) < 1e-12);
}

/* A textured 1024x768 picture; its JPEG through the DCT-scaled path against a full decode and
 * the same resampler: the scaled path must stay within a mean absolute difference of 3. */
static void test_jpeg_dct_scaling_close_to_full_decode(void **state)
{
	(void)state;
	const int w = 1024, h = 768;
	unsigned char *rgb = malloc((size_t)w * h * 3), *jpg = NULL;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned char *p = rgb + ((size_t)y * w + x) * 3;
			p[0] = (unsigned char)(128 + 100 * sin(x / 37.0) * cos(y / 23.0));
			p[1] = (unsigned char)((x * 255) / w);
			p[2] = (unsigned char)(((x / 16 + y / 16) & 1) ? 200 : 40);
		}
	unsigned long len = 0;
	tjhandle c = tjInitCompress();
	assert_int_equal(tjCompress2(c, rgb, w, w * 3, h, TJPF_RGB, &jpg, &len, TJSAMP_420, 90, 0), 0);
	tjDestroy(c);
	struct decode_spec s = {.width = 224, .height = 224, .fit = DECODE_STRETCH};
	struct buf out = {0};
	struct decode_geom g;
	struct err e = {0};
	assert_int_equal(decode_jpeg(jpg, len, &s, &out, &g, &e), 0);
	assert_int_equal(out.len % 64, 0); /* header + 224 * 224 * 3, both multiples of 64 */
	const unsigned char *got = (const unsigned char *)out.data + (out.len - 224 * 224 * 3);
	/* the reference: a full decode, the same resampler */
	tjhandle d = tjInitDecompress();
	unsigned char *full = malloc((size_t)w * h * 3), *ref = malloc(224 * 224 * 3);
	assert_int_equal(tjDecompress2(d, jpg, len, full, w, w * 3, h, TJPF_RGB, 0), 0);
	tjDestroy(d);
	decode_resample(full, w, h, (size_t)w * 3, &g, 224, 224, ref);
	double sum = 0;
	for (size_t i = 0; i < 224 * 224 * 3; i++)
		sum += abs((int)got[i] - (int)ref[i]);
	printf("mean absolute difference, DCT-scaled vs full decode: %.2f\n", sum / (224 * 224 * 3));
	assert_true(sum / (224 * 224 * 3) < 3);
	/* not a JPEG: an error, no array */
	struct buf bad = {0};
	assert_int_equal(decode_jpeg("not a jpeg", 10, &s, &bad, &g, &e), -1);
	assert_int_equal(e.code, 1);
	buf_free(&bad), buf_free(&out);
	free(rgb), free(full), free(ref);
	tjFree(jpg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permutation_is_one_and_fixed_by_seed_and_epoch),
		cmocka_unit_test(test_permutation_golden_values),
		cmocka_unit_test(test_permutation_is_unbiased),
		cmocka_unit_test(test_ranks_split_within_one),
		cmocka_unit_test(test_npy_header_is_numpy_v1),
		cmocka_unit_test(test_fit_geometry),
		cmocka_unit_test(test_jpeg_dct_scaling_close_to_full_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
