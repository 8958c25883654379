/* Fuzz target: the COCO JSON reader (coco_json_split) on any bytes, fed in uneven reads, and
 * the compressed-RLE check on the same bytes as a counts string. What the reader writes must
 * be one line per record it counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/coco_json.h"
#include "fuzz.h"

struct input {
	const uint8_t *data;
	size_t size, at;
};

static ssize_t read_some(void *ctx, void *buf, size_t n, struct err *e)
{
	(void)e;
	struct input *in = ctx;
	size_t k = in->size - in->at;
	size_t step = 1 + (in->at * 31 + 7) % 97; /* uneven reads: tokens split across them */
	if (k > n)
		k = n;
	if (k > step)
		k = step;
	memcpy(buf, in->data + in->at, k);
	in->at += k;
	return (ssize_t)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coco_json_out o = {0};
	char *text[COCO_ARRAYS];
	size_t len[COCO_ARRAYS];
	for (int k = 0; k < COCO_ARRAYS; k++)
		if (!(o.out[k] = open_memstream(&text[k], &len[k])))
			abort();
	struct input in = {data, size, 0};
	struct err e = {0};
	int rc = coco_json_split(read_some, &in, "fuzz.json", &o, &e);
	for (int k = 0; k < COCO_ARRAYS; k++) {
		fclose(o.out[k]);
		int64_t lines = 0;
		for (size_t i = 0; i < len[k]; i++)
			lines += text[k][i] == '\n';
		if (lines != o.records[k] || (rc == 0 && memchr(text[k], '\0', len[k])))
			abort();
		free(text[k]);
	}
	if (rc < 0 && !e.msg[0])
		abort();

	char *counts = malloc(size + 1);
	if (!counts)
		return 0;
	memcpy(counts, data, size);
	counts[size] = '\0';
	char why[160];
	int64_t h = size ? data[0] % 64 : 0, w = size > 1 ? data[1] % 64 : 0;
	coco_rle_check_string(counts, h, w, why, sizeof why);
	coco_rle_check_string(counts, 480, 640, why, sizeof why);
	free(counts);
	return 0;
}
