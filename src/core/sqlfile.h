/* sqlfile.h - the SQL files of sql/ are split into sections by marker comments:
 *     -- @section NAME   (or -- @check NAME)
 *     -- @dataset D       (optional)
 *     -- @requires A B C  (optional: columns or tables the section needs)
 *     ...statements...
 * Sections point into the caller's text (nothing is allocated); the text must outlive them.
 */
#ifndef LAKEHOUSE_SQLFILE_H
#define LAKEHOUSE_SQLFILE_H

#include <stddef.h>

#include "core/buf.h"

struct sql_section {
	char name[128], dataset[64];
	char requires[512]; /* space separated, "" for none */
	const char *body;   /* from the marker line to the next marker (or the end) */
	size_t body_len;
};

/* The built-in copy of sql/<path> ("20_silver.sql", "queries/crowded-scenes.sql"), compiled
 * into the binary; NULL when there is no such file. Static: nothing to free. */
const char *sqlfile_builtin(const char *path);
/* Calls fn with the path of every built-in file under dir ("queries/"), in name order. */
void sqlfile_builtin_each(const char *dir, void (*fn)(const char *path, void *ctx), void *ctx);

/* Fills up to max sections found after `marker` ("-- @section " or "-- @check ").
 * Returns how many. */
int sqlfile_sections(const char *text, const char *marker, struct sql_section *out, int max);

/* Calls fn for every word of s->requires; stops at the first non-zero return and returns it. */
int sqlfile_each_required(const struct sql_section *s, int (*fn)(const char *word, void *ctx),
			  void *ctx);

/* Appends s's body to out (the caller's, buf_free it) with every occurrence of placeholder
 * (e.g. "{{table}}") replaced by value. 0, or -1 out of memory. */
int sqlfile_expand(const struct sql_section *s, const char *placeholder, const char *value,
		   struct buf *out);

#endif
