/* refs.h - media references: the URIs that columns named *_uri (VARCHAR or VARCHAR[]) hold.
 * Heavy media never enter a table, so these columns are the only link from the lake's rows to
 * the objects under assets/: gc keeps what any retained snapshot references, diff compares
 * what two snapshots reference. Returned items are owned by the refs_diff: refs_diff_free().
 */
#ifndef LAKEHOUSE_REFS_H
#define LAKEHOUSE_REFS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "lake/lake.h"

/* Calls cb for each URI of each *_uri column of each table at each retained snapshot (a URI
 * may come more than once); a negative return from cb stops with an error. */
typedef int (*refs_cb)(const char *uri, void *ctx);
int refs_retained(struct lake *l, refs_cb cb, void *ctx, struct err *e);

struct refs_change {
	char *uri;
	int added;     /* 1: referenced at b only; 0: at a only (removed) */
	int exists;    /* in the bucket now (HEAD): 1 yes, 0 no (collected or lost), -1 not ours */
	int64_t bytes; /* from the HEAD; -1 when it does not exist */
};

struct refs_diff {
	struct refs_change *items;
	size_t n;
	int64_t added, removed, added_bytes, removed_bytes, missing;
};

/* The URIs schema.table references at b but not at a (added) and at a but not at b (removed);
 * schema = table = NULL for every table of the lake but the reserved schema. Each URI in the
 * lake's bucket is checked with a HEAD (exists, bytes). A table absent at a snapshot
 * references nothing there. */
int refs_diff(struct lake *l, const char *schema, const char *table, int64_t a, int64_t b,
	      struct refs_diff *out, struct err *e);
void refs_diff_free(struct refs_diff *d);

#endif
