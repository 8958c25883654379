/* transform.h - a medallion layer as ONE lake transaction: the sections of
 * sql/<NN>_<layer>.sql whose @requires tables exist, then the quality gates of
 * sql/checks/<NN>_<layer>.sql. A gate that returns rows fails the transform: the transaction
 * rolls back, no snapshot is made, and the error names the gate and shows offending rows.
 * SQL comes from the files compiled into the binary, or from $LAKEHOUSE_SQL_DIR when set.
 */
#ifndef LAKEHOUSE_TRANSFORM_H
#define LAKEHOUSE_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct transform_result {
	char sections[256]; /* names of the sections that ran */
	int gates;          /* gates that ran and passed */
	int64_t input_snapshot, snapshot; /* snapshot -1: nothing ran */
};

/* A re-split of gold: parts in the order given, their fractions summing to 1. A row goes to
 * the part whose cumulative range [lower, upper) holds resplit_point(seed, its natural key)
 * (sql/00_attach.sql: SHA-256 of "SEED:KEY" mapped to [0, 1); the key is image_id for COCO,
 * sequence for VisDrone), so the assignment depends on nothing but the seed and the key. */
#define TRANSFORM_RESPLIT_MAX 16
struct transform_resplit {
	int n; /* parts; 0 = no re-split (each source's own split) */
	long seed;
	struct {
		char name[64];
		double fraction;
	} parts[TRANSFORM_RESPLIT_MAX];
};

/* Parses "NAME=FRACTION,..." (names identifiers, no duplicates; fractions in (0, 1], summing
 * to 1 within 1e-9; at least one part) into out with seed. A usage error names the fault. */
int transform_resplit_parse(const char *spec, long seed, struct transform_resplit *out,
			    struct err *e);
/* The re-split as "train=0.8,val=0.1,test=0.1 seed 7" into buf (n bytes). */
void transform_resplit_describe(const struct transform_resplit *r, char *buf, size_t n);

/* layer: "silver" or "gold". message may be NULL (a default names file and inputs). resplit
 * (gold only; NULL or n 0: none) redraws gold's split, and the snapshot's message says so. */
int transform_run(const struct config *cfg, const char *layer, const char *message,
		  const struct transform_resplit *resplit, struct transform_result *res,
		  struct err *e);

/* Text of a named query (sql/queries/NAME.sql); *text is the caller's to free(). */
int transform_query_text(const char *name, char **text, struct err *e);

/* The section of sql/<layer>.sql (layer = schema: silver or gold) that creates schema.table;
 * *text is the caller's to free(), NULL when no section creates it. */
int transform_sql_creating(const char *schema, const char *table, char **text, struct err *e);

#endif
