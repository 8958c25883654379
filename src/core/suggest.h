/* suggest.h - "did you mean ...?": the closest of a few known names to a mistyped one.
 *
 * Used for verbs, options and table names. Nothing is allocated: the returned pointer is one
 * of the candidates (owned by the caller), or NULL when none is close enough.
 */
#ifndef LAKEHOUSE_SUGGEST_H
#define LAKEHOUSE_SUGGEST_H

#include <stddef.h>

/* Edit distance (insert, delete, substitute, swap of neighbours), case-insensitive; words
 * longer than 127 bytes count as far apart. */
int suggest_distance(const char *a, const char *b);

/* The candidate closest to word: within a third of its length (at least 1, at most 3 edits),
 * or one that starts with word or that word starts with; ties go to the first. NULL if none. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
