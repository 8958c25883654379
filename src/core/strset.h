/* strset.h - a set of strings (a tsearch tree of private copies): the object keys an ingest has
 * seen in the bucket or queued, the URIs gc must keep.
 * The set owns its copies: strset_free() releases them. An empty set is `void *set = NULL`.
 */
#ifndef LAKEHOUSE_STRSET_H
#define LAKEHOUSE_STRSET_H

/* Adds a copy of s: 1 when s was new, 0 when already there, -1 out of memory. */
int strset_add(void **set, const char *s);
/* 1 when s is in the set. */
int strset_has(void *const *set, const char *s);
/* Frees every copy; *set is empty again. */
void strset_free(void **set);

#endif
