/* Fuzz target: one S3 ListObjectsV2 reply page (s3_list_parse_page), the XML a server (or
 * anything posing as one) sends back, with RustFS's duplicate keys and directory markers. */
#include <stdlib.h>
#include <string.h>

#include "store/s3.h"
#include "fuzz.h"

struct seen {
	char prev[1024];
	int n;
};

/* Keys come out terminated, never a directory marker, never twice in a row. */
static int check_object(const struct s3_object *o, void *ctx)
{
	struct seen *s = ctx;
	size_t len = strnlen(o->key, sizeof o->key);
	if (len >= sizeof o->key || (len && o->key[len - 1] == '/' && o->size == 0) ||
	    (s->n && strcmp(o->key, s->prev) == 0))
		abort();
	memcpy(s->prev, o->key, len + 1);
	return ++s->n > 5000; /* stop early sometimes, as callers do */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {0};
	struct s3_list_cursor cur = {0};
	/* the same page twice: the cursor carries the previous key across pages */
	if (s3_list_parse_page((const char *)data, size, check_object, &s, &cur) == 0 &&
	    !cur.stopped) {
		if (strnlen(cur.token, sizeof cur.token) >= sizeof cur.token)
			abort();
		s3_list_parse_page((const char *)data, size, check_object, &s, &cur);
	}
	return 0;
}
