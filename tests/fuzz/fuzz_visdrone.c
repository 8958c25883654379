/* Fuzz target: one VisDrone annotation line, as MOT/VID (visdrone_parse_annotation, 10 fields)
 * and as DET (visdrone_parse_fields, 8 fields). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/visdrone.h"
#include "fuzz.h"

/* What the parser accepts fits the INTEGER columns, and re-printed it parses to the same. */
static void check(const char *line, const long *v, int n)
{
	(void)line;
	char again[256];
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		if (v[i] < -2147483648L || v[i] > 2147483647L)
			abort();
		off += (size_t)snprintf(again + off, sizeof again - off, "%s%ld", i ? "," : "", v[i]);
	}
	long w[10];
	if (visdrone_parse_fields(again, w, n) != 0 || memcmp(v, w, (size_t)n * sizeof *v) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	long v[10];
	if (visdrone_parse_annotation(line, v) == 0)
		check(line, v, 10);
	if (visdrone_parse_fields(line, v, 8) == 0)
		check(line, v, 8);
	free(line);
	return 0;
}
