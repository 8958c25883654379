/* Fuzz target: one VisDrone annotation line (visdrone_parse_annotation). */
#include <stdlib.h>
#include <string.h>

#include "ingest/visdrone.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	long v[10];
	if (visdrone_parse_annotation(line, v) == 0)
		for (int i = 0; i < 10; i++) /* what it accepts fits the INTEGER columns */
			if (v[i] < -2147483648L || v[i] > 2147483647L)
				abort();
	free(line);
	return 0;
}
