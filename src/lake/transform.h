/* transform.h - a medallion layer as ONE lake transaction: the sections of
 * sql/<NN>_<layer>.sql whose @requires tables exist, then the quality gates of
 * sql/checks/<NN>_<layer>.sql. A gate that returns rows fails the transform: the transaction
 * rolls back, no snapshot is made, and the error names the gate and shows offending rows.
 * SQL comes from the files compiled into the binary, or from $LAKEHOUSE_SQL_DIR when set.
 */
#ifndef LAKEHOUSE_TRANSFORM_H
#define LAKEHOUSE_TRANSFORM_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct transform_result {
	char sections[256]; /* names of the sections that ran */
	int gates;          /* gates that ran and passed */
	int64_t input_snapshot, snapshot; /* snapshot -1: nothing ran */
};

/* layer: "silver" or "gold". message may be NULL (a default names file and inputs). */
int transform_run(const struct config *cfg, const char *layer, const char *message,
		  struct transform_result *res, struct err *e);

/* Text of a named query (sql/queries/NAME.sql); *text is the caller's to free(). */
int transform_query_text(const char *name, char **text, struct err *e);

/* The section of sql/<layer>.sql (layer = schema: silver or gold) that creates schema.table;
 * *text is the caller's to free(), NULL when no section creates it. */
int transform_sql_creating(const char *schema, const char *table, char **text, struct err *e);

#endif
