/* strset.c - see strset.h. */
#define _GNU_SOURCE /* tdestroy */
#include "core/strset.h"

#include <search.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int strset_add(void **set, const char *s)
{
	if (tfind(s, set, cmp))
		return 0;
	char *copy = strdup(s);
	if (!copy || !tsearch(copy, set, cmp)) {
		free(copy);
		return -1;
	}
	return 1;
}

int strset_has(void *const *set, const char *s)
{
	return tfind(s, set, cmp) != NULL;
}

void strset_free(void **set)
{
	tdestroy(*set, free);
	*set = NULL;
}
