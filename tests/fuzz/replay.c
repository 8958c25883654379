/* replay.c - runs a fuzz target over corpus files without libFuzzer (any compiler), so CI
 * checks that every input the corpus holds still passes:  replay FILE|DIR ... */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return perror(path), 1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *data = malloc(n > 0 ? (size_t)n : 1);
	size_t got = data ? fread(data, 1, (size_t)n, f) : 0;
	fclose(f);
	if (!data || got != (size_t)n)
		return free(data), fprintf(stderr, "cannot read %s\n", path), 1;
	LLVMFuzzerTestOneInput(data, got);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0, runs = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			while (d && (de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				char path[4096];
				snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
				bad |= run_file(path), runs++;
			}
			if (d)
				closedir(d);
		} else {
			bad |= run_file(argv[i]), runs++;
		}
	}
	printf("replayed %d inputs\n", runs);
	return bad || runs == 0;
}
