/* restore.h - rollback: a NEW snapshot in which a table, a schema or the whole lake equals its
 * state at an earlier snapshot N (rows and columns). DuckLake has no rollback of its own; the
 * snapshots rolled back over stay readable by time travel until they are expired.
 *
 * For a schema or the lake, the plan matches tables by catalog id first (so a table renamed
 * after N is renamed back), then by name (a table replaced after N, e.g. by CREATE OR REPLACE,
 * gets its content at N back): tables unchanged since N are left alone, changed ones restored,
 * tables dropped after N recreated, tables created after N dropped, schemas likewise. The
 * reserved schema `lakehouse` (tags) is never part of the scope. Everything commits as ONE
 * snapshot or not at all.
 */
#ifndef LAKEHOUSE_RESTORE_H
#define LAKEHOUSE_RESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "lake/lake.h"

enum restore_action {
	RESTORE_UNCHANGED,      /* same table, no data or column change since N */
	RESTORE_CONTENT,        /* rows or columns changed, or the table was replaced */
	RESTORE_RENAME,         /* renamed after N, content unchanged: the old name back */
	RESTORE_RENAME_CONTENT, /* renamed and changed */
	RESTORE_RECREATE,       /* dropped after N */
	RESTORE_DROP,           /* created after N */
	RESTORE_SCHEMA_CREATE,  /* a schema dropped after N (name_at is the schema) */
	RESTORE_SCHEMA_DROP,    /* a schema created after N (name_now is the schema) */
};

struct restore_step {
	enum restore_action action;
	char schema[128];
	char name_now[128]; /* "" when the table does not exist now */
	char name_at[128];  /* "" when it did not exist at N */
	int64_t rows_now, rows_at; /* at `from` and at N; -1 when that side does not exist */
};

struct restore_plan {
	int64_t to, from; /* the state wanted (N), the state compared (now, for a rollback) */
	struct restore_step *steps; /* owned by the plan: restore_plan_free() */
	size_t n;
	size_t changes; /* steps other than RESTORE_UNCHANGED */
};

/* Plans restoring `schema` (NULL: every schema but the reserved one) to snapshot `to`
 * (which must exist). A usage error when the schema exists neither now nor at `to`. */
int restore_plan(struct lake *l, const char *schema, int64_t to, struct restore_plan *plan,
		 struct err *e);
/* The same comparison between any two snapshots: what turns the state at `from` into the
 * state at `to` (diff --all reads it the other way round: what changed from `to` to `from`). */
int restore_compare(struct lake *l, const char *schema, int64_t to, int64_t from,
		    struct restore_plan *plan, struct err *e);
/* Carries out the plan in one transaction; *snapshot is the new snapshot (unchanged when the
 * plan has no change: returns 1, no snapshot made). message may be NULL. */
int restore_apply(struct lake *l, const struct restore_plan *plan, const char *scope,
		  const char *author, const char *message, int64_t *snapshot, struct err *e);
void restore_plan_free(struct restore_plan *plan);
/* "restore", "rename", "drop", ... */
const char *restore_action_name(enum restore_action a);

/* One table: CREATE OR REPLACE with its rows and columns at `to` (it must have existed then),
 * one snapshot. */
int restore_table(struct lake *l, const char *schema, const char *table, int64_t to,
		  const char *author, const char *message, int64_t *snapshot, struct err *e);

#endif
