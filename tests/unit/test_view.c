/* test_view.c - the view's one escaping function and its thumbnails: markup from the lake
 * comes out as text; a big JPEG decodes at reduced size yet reports its full size (boxes are
 * drawn in the full image's pixels); damaged bytes are an error, not a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <libavutil/frame.h>

#include "media/thumb.h"
#include "view/html.h"

static void test_escape_leaves_no_markup(void **state)
{
	(void)state;
	struct buf b = {0};
	assert_int_equal(html_escape(&b, "<script>alert(\"x\")</script> & 'y'"), 0);
	assert_string_equal(b.data, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
	buf_reset(&b);
	assert_int_equal(html_escape(&b, NULL), 0);
	assert_int_equal(html_escape(&b, "plain é text"), 0);
	assert_string_equal(b.data, "plain é text");
	buf_free(&b);
	char a[32], c[32];
	html_category_colour("person", a);
	html_category_colour("person", c);
	assert_string_equal(a, c); /* stable across pages */
	html_category_colour("car", c);
	assert_string_not_equal(a, c);
}

/* A synthetic picture: a gradient with a white square (so the encoder has real content). */
static AVFrame *picture(int w, int h)
{
	AVFrame *f = av_frame_alloc();
	f->format = AV_PIX_FMT_RGB24, f->width = w, f->height = h;
	assert_int_equal(av_frame_get_buffer(f, 0), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *p = f->data[0] + y * f->linesize[0] + 3 * x;
			int square = x > w / 4 && x < w / 2 && y > h / 4 && y < h / 2;
			p[0] = square ? 255 : (uint8_t)(x * 255 / w);
			p[1] = square ? 255 : (uint8_t)(y * 255 / h);
			p[2] = square ? 255 : 90;
		}
	return f;
}

static void test_big_jpeg_keeps_its_full_size(void **state)
{
	(void)state;
	AVFrame *f = picture(1400, 1000);
	struct thumb big = {0}, small = {0};
	struct err e = {0};
	assert_int_equal(thumb_frame(f, 1400, &big, &e), 0); /* a full-size JPEG to start from */
	assert_int_equal(big.thumb_width, 1400);
	assert_int_equal(thumb_image(big.jpeg.data, big.jpeg.len, 320, &small, &e), 0);
	assert_int_equal(small.width, 1400);
	assert_int_equal(small.height, 1000);
	assert_int_equal(small.thumb_width, 320);
	assert_int_equal(small.thumb_height, 229); /* 1000 * 320 / 1400, rounded (video_image_size) */
	assert_true(small.jpeg.len > 100 && (unsigned char)small.jpeg.data[0] == 0xFF);
	/* a small image is not scaled up */
	struct thumb tiny = {0};
	AVFrame *g = picture(200, 100);
	assert_int_equal(thumb_frame(g, 320, &tiny, &e), 0);
	assert_int_equal(tiny.thumb_width, 200);
	assert_int_equal(tiny.thumb_height, 100);
	/* damaged: cut in the middle of the header, or not an image at all */
	struct thumb bad = {0};
	assert_int_equal(thumb_image(big.jpeg.data, 40, 320, &bad, &e), -1);
	assert_int_equal(thumb_image("hello, world", 12, 320, &bad, &e), -1);
	assert_non_null(strstr(e.msg, "not an image"));
	thumb_free(&big);
	thumb_free(&small);
	thumb_free(&tiny);
	thumb_free(&bad);
	av_frame_free(&f);
	av_frame_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_leaves_no_markup),
		cmocka_unit_test(test_big_jpeg_keeps_its_full_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
