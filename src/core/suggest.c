/* suggest.c - the closest known name to a mistyped one; see suggest.h. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/suggest.h"

#define MAX_WORD 128

int suggest_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n >= MAX_WORD || m >= MAX_WORD)
		return MAX_WORD;
	/* three rows of the Damerau-Levenshtein (optimal string alignment) table */
	int prev2[MAX_WORD], prev[MAX_WORD], cur[MAX_WORD];
	for (size_t j = 0; j <= m; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= m; j++) {
			int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		memcpy(prev2, prev, sizeof prev);
		memcpy(prev, cur, sizeof cur);
	}
	return prev[m];
}

static int is_prefix(const char *shorter, const char *longer)
{
	size_t n = strlen(shorter);
	return n >= 3 && strncasecmp(shorter, longer, n) == 0;
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
	int limit = (int)strlen(word) / 3;
	limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
	const char *best = NULL;
	int best_d = limit + 1;
	for (size_t i = 0; i < n; i++) {
		int d = suggest_distance(word, candidates[i]);
		if (d > limit && (is_prefix(word, candidates[i]) || is_prefix(candidates[i], word)))
			d = limit; /* "snap" -> "snapshots": a prefix is close whatever its length */
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}
