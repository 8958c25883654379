/* Fuzz target: the Hub's tree listing JSON (hub_parse_tree_page). */
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hub_files files = {0};
	struct err e = {0};
	if (hub_parse_tree_page((const char *)data, size, &files, &e) == 0)
		for (size_t i = 0; i < files.n; i++) /* every field stays terminated */
			if (strlen(files.v[i].path) >= sizeof files.v[i].path ||
			    strlen(files.v[i].sha256) >= sizeof files.v[i].sha256)
				abort();
	hub_files_free(&files);
	return 0;
}
