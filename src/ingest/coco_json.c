/* coco_json.c - the COCO JSON reader (a yajl SAX stream cut into one NDJSON line per record)
 * and the compressed-RLE check; see coco_json.h. */
#include "ingest/coco_json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

const char *const coco_array_names[COCO_ARRAYS] = {"images", "annotations", "categories",
						    "licenses"};

/* The parse, as the callbacks see it. depth counts the open containers: 1 inside the
 * top-level object, 2 inside one of its arrays, 3+ inside a record. */
struct splitter {
	struct coco_json_out *o;
	const char *name;
	struct err *e;
	yajl_handle parser;
	yajl_gen gen;
	int depth;
	int member;  /* the array the current top-level member names, or -1 */
	int capture; /* the array being read (depth >= 2), or -1 */
	int64_t offset; /* bytes handed to the parser before the current chunk */
	int failed;     /* e is set: a write failed, or the shape is wrong */
	int top_is_object;
};

static int fail(struct splitter *s, const char *what)
{
	err_set(s->e, EXIT_USAGE, "%s: %s (near byte %" PRId64 ")", s->name, what,
		s->offset + (int64_t)yajl_get_bytes_consumed(s->parser));
	s->failed = 1;
	return 0; /* cancels the parse */
}

/* A record is complete: one line to its file. */
static int emit(struct splitter *s)
{
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(s->gen, &buf, &len);
	FILE *f = s->o->out[s->capture];
	if (f && (fwrite(buf, 1, len, f) != len || fputc('\n', f) == EOF)) {
		err_set(s->e, EXIT_FAILED, "%s: cannot write its records to a temporary file "
					   "(is TMPDIR full?)", s->name);
		s->failed = 1;
		return 0;
	}
	s->o->records[s->capture]++;
	yajl_gen_clear(s->gen);
	yajl_gen_reset(s->gen, NULL);
	return 1;
}

/* Called before every value: 1 when the value belongs to a record being copied. */
static int copying(struct splitter *s)
{
	return s->capture >= 0 && s->depth >= 2;
}

/* A scalar: part of a record, a whole record (an array of scalars), or a member skipped. */
static int scalar_done(struct splitter *s, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok)
		return fail(s, "a record cannot be copied");
	return s->depth == 2 ? emit(s) : 1;
}


static int on_null(void *ctx)
{
	struct splitter *s = ctx;
	return copying(s) ? scalar_done(s, yajl_gen_null(s->gen)) : 1;
}

static int on_bool(void *ctx, int v)
{
	struct splitter *s = ctx;
	return copying(s) ? scalar_done(s, yajl_gen_bool(s->gen, v)) : 1;
}

static int on_number(void *ctx, const char *v, size_t len)
{
	struct splitter *s = ctx;
	return copying(s) ? scalar_done(s, yajl_gen_number(s->gen, v, len)) : 1;
}

static int on_string(void *ctx, const unsigned char *v, size_t len)
{
	struct splitter *s = ctx;
	return copying(s) ? scalar_done(s, yajl_gen_string(s->gen, v, len)) : 1;
}

static int on_key(void *ctx, const unsigned char *key, size_t len)
{
	struct splitter *s = ctx;
	if (s->depth == 1) {
		s->member = -1;
		for (int k = 0; k < COCO_ARRAYS; k++)
			if (strlen(coco_array_names[k]) == len && memcmp(coco_array_names[k], key, len) == 0)
				s->member = k;
		return 1;
	}
	if (copying(s) && yajl_gen_string(s->gen, key, len) != yajl_gen_status_ok)
		return fail(s, "a record cannot be copied");
	return 1;
}

static int open_container(struct splitter *s, int is_map)
{
	if (s->depth == 1 && !is_map && s->member >= 0 && s->top_is_object) {
		if (s->o->seen[s->member]) {
			char what[96];
			snprintf(what, sizeof what, "the array \"%s\" is given twice",
				 coco_array_names[s->member]);
			return fail(s, what);
		}
		s->o->seen[s->member] = 1;
		s->capture = s->member;
	} else if (copying(s)) {
		yajl_gen_status st = is_map ? yajl_gen_map_open(s->gen) : yajl_gen_array_open(s->gen);
		if (st != yajl_gen_status_ok)
			return fail(s, "a record cannot be copied");
	}
	if (s->depth == 0)
		s->top_is_object = is_map;
	s->depth++;
	return 1;
}

static int close_container(struct splitter *s, int is_map)
{
	s->depth--;
	if (s->depth <= 1) { /* the top-level object, one of its arrays, or a skipped member */
		s->capture = -1;
		return 1;
	}
	if (!copying(s))
		return 1;
	yajl_gen_status st = is_map ? yajl_gen_map_close(s->gen) : yajl_gen_array_close(s->gen);
	if (st != yajl_gen_status_ok)
		return fail(s, "a record cannot be copied");
	return s->depth == 2 ? emit(s) : 1;
}

static int on_start_map(void *ctx) { return open_container(ctx, 1); }
static int on_end_map(void *ctx) { return close_container(ctx, 1); }
static int on_start_array(void *ctx) { return open_container(ctx, 0); }
static int on_end_array(void *ctx) { return close_container(ctx, 0); }

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_bool,
	.yajl_number = on_number, /* the source text: no double round trip */
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_key,
	.yajl_end_map = on_end_map,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_array,
};

/* yajl's own words for a syntax error, without its multi-line excerpt. */
static void syntax_error(struct splitter *s, int64_t at)
{
	unsigned char *msg = yajl_get_error(s->parser, 0, NULL, 0);
	const char *m = msg ? (const char *)msg : "parse error";
	int len = (int)strcspn(m, "\n");
	err_set(s->e, EXIT_USAGE, "%s: not JSON near byte %" PRId64 " (%.*s)", s->name, at, len, m);
	if (msg)
		yajl_free_error(s->parser, msg);
}

int coco_json_split(coco_json_read_fn read, void *ctx, const char *name,
		    struct coco_json_out *o, struct err *e)
{
	struct splitter s = {.o = o, .name = name, .e = e, .member = -1, .capture = -1};
	s.parser = yajl_alloc(&callbacks, NULL, &s);
	s.gen = yajl_gen_alloc(NULL);
	if (!s.parser || !s.gen) {
		if (s.parser)
			yajl_free(s.parser);
		if (s.gen)
			yajl_gen_free(s.gen);
		return err_set(e, EXIT_FAILED, "out of memory");
	}
	unsigned char chunk[1 << 16];
	int rc = 0, started = 0;
	int64_t at = 0; /* where a syntax error was met */
	yajl_status st = yajl_status_ok;
	for (;;) {
		ssize_t n = read(ctx, chunk, sizeof chunk, e);
		if (n < 0) {
			rc = err_wrap(e, "%s", name);
			break;
		}
		if (n == 0) {
			st = yajl_complete_parse(s.parser);
			at = s.offset;
			break;
		}
		started = 1;
		st = yajl_parse(s.parser, chunk, (size_t)n);
		if (st != yajl_status_ok) {
			at = s.offset + (int64_t)yajl_get_bytes_consumed(s.parser);
			break;
		}
		s.offset += n;
	}
	if (rc == 0 && !started) {
		rc = err_set(e, EXIT_USAGE, "%s: empty file, not a COCO JSON file", name);
	} else if (rc == 0 && st != yajl_status_ok) {
		rc = -1;
		if (!s.failed)
			syntax_error(&s, at);
	}
	yajl_gen_free(s.gen);
	yajl_free(s.parser);
	return rc;
}

int coco_rle_check_string(const char *counts, int64_t height, int64_t width, char *why,
			  size_t why_len)
{
	const int64_t pixels = height * width;
	int64_t total = 0, before1 = 0, before2 = 0; /* the last two counts */
	int64_t m = 0;
	for (size_t p = 0; counts[p];) {
		int64_t x = 0;
		int k = 0, more = 1;
		while (more) {
			unsigned char ch = (unsigned char)counts[p];
			if (!ch) {
				snprintf(why, why_len, "its counts string ends inside a count");
				return -1;
			}
			if (ch < 48 || ch >= 48 + 64 || k >= 12) {
				snprintf(why, why_len, "its counts string is not RLE at character %zu", p);
				return -1;
			}
			int c = ch - 48;
			x |= (int64_t)(c & 0x1f) << (5 * k);
			more = c & 0x20;
			p++, k++;
			if (!more && (c & 0x10)) /* sign-extend */
				x = (int64_t)((uint64_t)x | (UINT64_MAX << (5 * k)));
		}
		if (m > 2)
			x += before2;
		if (x < 0) {
			snprintf(why, why_len, "its count %" PRId64 " decodes negative", m);
			return -1;
		}
		total += x;
		if (total > pixels)
			break;
		before2 = before1, before1 = x, m++;
	}
	if (total != pixels) {
		snprintf(why, why_len, "its counts cover %s%" PRId64 " pixels, the mask has %" PRId64,
			 total > pixels ? "more than " : "", total > pixels ? pixels : total, pixels);
		return -1;
	}
	return 0;
}
