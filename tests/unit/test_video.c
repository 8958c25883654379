/* test_video.c - fragmented MP4 with real FFmpeg: every fragment decodes alone from init +
 * its own bytes, frame counts match, byte ranges come from the muxer, quality holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include <libavutil/frame.h>

#include "media/video.h"

struct synth {
	int n, next, w, h, odd_size_at;
	AVFrame *f;
};

/* Frame i: a gradient background with a box that moves 3 px per frame. */
static void draw(AVFrame *f, int i)
{
	for (int y = 0; y < f->height; y++)
		for (int x = 0; x < f->width; x++) {
			int in_box = x >= (i * 3) % (f->width - 40) && x < (i * 3) % (f->width - 40) + 40 &&
				     y >= 30 && y < 70;
			f->data[0][y * f->linesize[0] + x] = in_box ? 235 : (uint8_t)(16 + (x + y) % 128);
		}
	for (int p = 1; p < 3; p++)
		for (int y = 0; y < f->height / 2; y++)
			memset(f->data[p] + y * f->linesize[p], 128 + (p == 1 ? i % 40 : -(i % 40)), f->width / 2);
}

static int synth_next(void *ctx, const AVFrame **out, struct err *e)
{
	(void)e;
	struct synth *s = ctx;
	if (s->next == s->n)
		return 0;
	av_frame_free(&s->f);
	s->f = av_frame_alloc();
	s->f->format = 0; /* AV_PIX_FMT_YUV420P */
	s->f->width = s->next == s->odd_size_at ? s->w + 16 : s->w;
	s->f->height = s->h;
	av_frame_get_buffer(s->f, 0);
	draw(s->f, s->next++);
	*out = s->f;
	return 1;
}

struct compare {
	int64_t first_frame, seen;
	double worst_psnr;
	int w, h;
};

static int on_frame(void *ctx, const AVFrame *f, struct err *e)
{
	(void)e;
	struct compare *c = ctx;
	AVFrame *ref = av_frame_alloc();
	ref->format = 0, ref->width = c->w, ref->height = c->h;
	av_frame_get_buffer(ref, 0);
	draw(ref, (int)(c->first_frame + c->seen++));
	double mse = 0;
	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < c->w; x++) {
			double d = (double)f->data[0][y * f->linesize[0] + x] - ref->data[0][y * ref->linesize[0] + x];
			mse += d * d;
		}
	mse /= (double)c->w * c->h;
	double psnr = mse == 0 ? 99 : 10 * log10(255.0 * 255.0 / mse);
	if (psnr < c->worst_psnr)
		c->worst_psnr = psnr;
	av_frame_free(&ref);
	return 0;
}

static void test_every_fragment_decodes_alone(void **state)
{
	(void)state;
	struct synth s = {.n = 100, .w = 320, .h = 240, .odd_size_at = -1};
	struct video_clip clip;
	struct err e = {0};
	assert_int_equal(video_encode(synth_next, &s, 30, 30, NULL, &clip, &e), 0);
	av_frame_free(&s.f);
	assert_int_equal(clip.n_frames, 100);
	assert_int_equal(clip.n_fragments, 4); /* 30 + 30 + 30 + 10 */
	assert_true(clip.init_length > 0);
	int64_t expect_offset = clip.init_length;
	for (size_t i = 0; i < clip.n_fragments; i++) {
		const struct video_fragment *f = &clip.fragments[i];
		assert_int_equal(f->start_frame, (int64_t)i * 30);
		assert_int_equal(f->end_frame, i == 3 ? 99 : (int64_t)i * 30 + 29);
		assert_int_equal(f->offset, expect_offset); /* contiguous, right after init */
		assert_memory_equal(clip.bytes.data + f->offset + 4, "moof", 4);
		expect_offset += f->length;
		struct compare c = {.first_frame = f->start_frame, .worst_psnr = 99, .w = 320, .h = 240};
		int64_t frames = 0;
		assert_int_equal(video_decode(clip.bytes.data, (size_t)clip.init_length,
					      clip.bytes.data + f->offset, (size_t)f->length, on_frame, &c,
					      &frames, &e), 0);
		assert_int_equal(frames, f->end_frame - f->start_frame + 1);
		assert_true(c.worst_psnr >= 30.0);
	}
	assert_true((size_t)expect_offset <= clip.bytes.len); /* an mfra index may follow */
	video_clip_free(&clip);
}

static void test_frames_of_different_sizes_are_refused(void **state)
{
	(void)state;
	struct synth s = {.n = 20, .w = 320, .h = 240, .odd_size_at = 7};
	struct video_clip clip;
	struct err e = {0};
	assert_int_equal(video_encode(synth_next, &s, 25, 10, NULL, &clip, &e), -1);
	av_frame_free(&s.f);
	assert_non_null(strstr(e.msg, "frame 8 is 336x240"));
}

static void test_a_fragment_without_init_does_not_decode(void **state)
{
	(void)state;
	struct synth s = {.n = 20, .w = 160, .h = 120, .odd_size_at = -1};
	struct video_clip clip;
	struct err e = {0};
	assert_int_equal(video_encode(synth_next, &s, 25, 10, NULL, &clip, &e), 0);
	av_frame_free(&s.f);
	int64_t frames = 0;
	const struct video_fragment *f = &clip.fragments[1];
	assert_int_equal(video_decode("", 0, clip.bytes.data + f->offset, (size_t)f->length, NULL,
				      NULL, &frames, &e), -1);
	video_clip_free(&clip);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fragment_decodes_alone),
		cmocka_unit_test(test_frames_of_different_sizes_are_refused),
		cmocka_unit_test(test_a_fragment_without_init_does_not_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
