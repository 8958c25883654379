/* restore.c - rollback of a table, a schema or the lake; see restore.h. */
#include "lake/restore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "lake/history.h"


const char *restore_action_name(enum restore_action a)
{
	switch (a) {
	case RESTORE_UNCHANGED: return "unchanged";
	case RESTORE_CONTENT: return "restore";
	case RESTORE_RENAME: return "rename";
	case RESTORE_RENAME_CONTENT: return "rename+restore";
	case RESTORE_RECREATE: return "recreate";
	case RESTORE_DROP: return "drop";
	case RESTORE_SCHEMA_CREATE: return "create schema";
	case RESTORE_SCHEMA_DROP: return "drop schema";
	}
	return "?";
}

void restore_plan_free(struct restore_plan *plan)
{
	free(plan->steps);
	plan->steps = NULL;
	plan->n = plan->changes = 0;
}

/* The tables of the scope at N and at B (now, for a rollback), paired: by id (kind 'id': renamed or not), by name
 * for a replaced table ('name'), N-only ('gone'), now-only ('new'). changed: data (inserts,
 * deletes, inlined or not) or columns changed after N up to B. $1 = N, $2 = schema ('' = all),
 * $3 = B. */
static const char plan_sql[] =
	"WITH at_n AS (SELECT t.table_id, s.schema_name, t.table_name FROM " LAKE_META "ducklake_table t "
	"JOIN " LAKE_META "ducklake_schema s ON s.schema_id = t.schema_id AND s.begin_snapshot <= $1::BIGINT "
	"AND (s.end_snapshot IS NULL OR s.end_snapshot > $1::BIGINT) WHERE t.begin_snapshot <= "
	"$1::BIGINT AND (t.end_snapshot IS NULL OR t.end_snapshot > $1::BIGINT) AND (s.schema_name = "
	"$2 OR ($2 = '' AND s.schema_name <> '" LAKE_OWN_SCHEMA "'))), "
	"cur AS (SELECT t.table_id, s.schema_name, t.table_name FROM " LAKE_META "ducklake_table t JOIN " LAKE_META
	"ducklake_schema s ON s.schema_id = t.schema_id AND s.begin_snapshot <= $3::BIGINT AND "
	"(s.end_snapshot IS NULL OR s.end_snapshot > $3::BIGINT) WHERE t.begin_snapshot <= $3::BIGINT "
	"AND (t.end_snapshot IS NULL OR t.end_snapshot > $3::BIGINT) AND (s.schema_name = $2 OR ($2 = "
	"'' AND s.schema_name <> '" LAKE_OWN_SCHEMA "'))), "
	"by_id AS (SELECT 'id' AS kind, a.schema_name, c.table_name AS name_now, a.table_name AS "
	"name_at, a.table_id AS id_at, c.table_id AS id_now FROM at_n a JOIN cur c USING (table_id)), "
	"by_name AS (SELECT 'name' AS kind, a.schema_name, c.table_name, a.table_name, a.table_id, "
	"c.table_id FROM at_n a JOIN cur c ON c.schema_name = a.schema_name AND c.table_name = "
	"a.table_name WHERE a.table_id NOT IN (SELECT id_at FROM by_id) AND c.table_id NOT IN (SELECT "
	"table_id FROM at_n)), "
	"paired AS (SELECT * FROM by_id UNION ALL SELECT * FROM by_name), "
	"plan AS (SELECT * FROM paired UNION ALL SELECT 'gone', a.schema_name, NULL, a.table_name, "
	"a.table_id, NULL FROM at_n a WHERE a.table_id NOT IN (SELECT id_at FROM paired) UNION ALL "
	"SELECT 'new', c.schema_name, c.table_name, NULL, NULL, c.table_id FROM cur c WHERE "
	"c.table_id NOT IN (SELECT id_now FROM paired)) "
	"SELECT kind, schema_name, coalesce(name_now, ''), coalesce(name_at, ''), "
	"(kind = 'id' AND (EXISTS (SELECT 1 FROM " LAKE_META "ducklake_snapshot_changes c WHERE "
	"c.snapshot_id > $1::BIGINT AND c.snapshot_id <= $3::BIGINT AND regexp_matches(c.changes_made, "
	"'(inserted_into_table|deleted_from_table|inlined_insert|inlined_delete):' || id_at || "
	"'(,|$)')) OR EXISTS (SELECT 1 FROM " LAKE_META "ducklake_column col WHERE col.table_id = id_at AND "
	"((col.begin_snapshot > $1::BIGINT AND col.begin_snapshot <= $3::BIGINT) OR "
	"(col.end_snapshot > $1::BIGINT AND col.end_snapshot <= $3::BIGINT))))) AS changed "
	"FROM plan ORDER BY schema_name, coalesce(name_at, name_now)";

/* Schemas of the scope that exist at N only, or at B only ('main' and the reserved one stay). */
static const char schema_sql[] =
	"SELECT schema_name, bool_or(at_n) AS at_n, bool_or(now) AS now FROM (SELECT schema_name, "
	"true AS at_n, false AS now FROM " LAKE_META "ducklake_schema WHERE begin_snapshot <= $1::BIGINT AND "
	"(end_snapshot IS NULL OR end_snapshot > $1::BIGINT) UNION ALL SELECT schema_name, false, "
	"true FROM " LAKE_META "ducklake_schema WHERE begin_snapshot <= $3::BIGINT AND (end_snapshot IS NULL "
	"OR end_snapshot > $3::BIGINT)) WHERE (schema_name = $2 OR ($2 = "
	"'' AND schema_name NOT IN ('" LAKE_OWN_SCHEMA "', 'main'))) GROUP BY 1 ORDER BY 1";

static int add_step(struct restore_plan *plan, const struct restore_step *s, struct err *e)
{
	struct restore_step *grown = realloc(plan->steps, (plan->n + 1) * sizeof *grown);
	if (!grown)
		return err_set(e, EXIT_FAILED, "out of memory");
	plan->steps = grown;
	plan->steps[plan->n++] = *s;
	if (s->action != RESTORE_UNCHANGED)
		plan->changes++;
	return 0;
}

static int copy_name(char *dst, const char *src, struct err *e)
{
	if (strlen(src) >= 128)
		return err_set(e, EXIT_FAILED, "catalog name too long for a rollback: '%.80s...'", src);
	strcpy(dst, src);
	return 0;
}

/* lake."schema"."table" with both parts quoted; -1 when it does not fit. */
static int qualified(const char *schema, const char *table, char *out, size_t n)
{
	char qs[300], qt[300];
	if (lake_quote_ident(schema, qs, sizeof qs) < 0 || lake_quote_ident(table, qt, sizeof qt) < 0)
		return -1;
	return snprintf(out, n, "lake.%s.%s", qs, qt) < (int)n ? 0 : -1;
}

static int count_rows(struct lake *l, const char *schema, const char *table, int64_t at,
		      int64_t *rows, struct err *e)
{
	char q[700], sql[800];
	if (qualified(schema, table, q, sizeof q) < 0)
		return err_set(e, EXIT_FAILED, "name too long");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s AT (VERSION => %lld)", q, (long long)at);
	return lake_query_int64(l, sql, NULL, 0, rows, e);
}

/* *same = 1 when the table reads the same at `to` and at `from`: equal columns (names, types,
 * order) and equal rows as multisets (EXCEPT ALL both ways). For a table replaced in between,
 * e.g. by an earlier rollback, so that rolling back twice changes nothing. */
static int same_content(struct lake *l, const char *schema, const char *table, int64_t to,
			int64_t from, int *same, struct err *e)
{
	char q[700];
	struct buf sql = {0};
	if (qualified(schema, table, q, sizeof q) < 0)
		return err_set(e, EXIT_FAILED, "name too long");
	long long a = to, b = from;
	int64_t v = 0;
	int rc = buf_printf(&sql,
			    "SELECT CASE WHEN (SELECT list(column_name || ' ' || column_type) FROM (DESCRIBE "
			    "SELECT * FROM %s AT (VERSION => %lld))) IS DISTINCT FROM (SELECT "
			    "list(column_name || ' ' || column_type) FROM (DESCRIBE SELECT * FROM %s AT "
			    "(VERSION => %lld))) THEN 1 ELSE 0 END",
			    q, a, q, b) < 0 ? err_set(e, EXIT_FAILED, "out of memory")
					    : lake_query_int64(l, sql.data, NULL, 0, &v, e);
	buf_free(&sql);
	if (rc == 0 && v == 0) {
		rc = buf_printf(&sql,
				"SELECT (SELECT count(*) FROM (SELECT * FROM %s AT (VERSION => %lld) EXCEPT "
				"ALL SELECT * FROM %s AT (VERSION => %lld))) + (SELECT count(*) FROM (SELECT * "
				"FROM %s AT (VERSION => %lld) EXCEPT ALL SELECT * FROM %s AT (VERSION => %lld)))",
				q, a, q, b, q, b, q, a) < 0 ? err_set(e, EXIT_FAILED, "out of memory")
							    : lake_query_int64(l, sql.data, NULL, 0, &v, e);
		buf_free(&sql);
	}
	*same = rc == 0 && v == 0;
	return rc;
}

static enum restore_action table_action(const char *kind, const char *now, const char *at,
					int changed)
{
	if (strcmp(kind, "gone") == 0)
		return RESTORE_RECREATE;
	if (strcmp(kind, "new") == 0)
		return RESTORE_DROP;
	if (strcmp(kind, "name") == 0) /* replaced after N: another table under the old name */
		return RESTORE_CONTENT;
	if (strcmp(now, at) != 0)
		return changed ? RESTORE_RENAME_CONTENT : RESTORE_RENAME;
	return changed ? RESTORE_CONTENT : RESTORE_UNCHANGED;
}

static int plan_schemas(struct lake *l, const char *const *p, struct restore_plan *plan,
			int *in_scope, struct err *e)
{
	duckdb_result r;
	if (lake_query(l, schema_sql, p, 3, &r, e) < 0)
		return -1;
	int rc = 0;
	*in_scope = duckdb_row_count(&r) > 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&r); i++) {
		int at_n = duckdb_value_boolean(&r, 1, i), now = duckdb_value_boolean(&r, 2, i);
		if (at_n == now)
			continue;
		struct restore_step s = {.action = at_n ? RESTORE_SCHEMA_CREATE : RESTORE_SCHEMA_DROP,
					 .rows_now = -1, .rows_at = -1};
		char *name = duckdb_value_varchar(&r, 0, i);
		rc = copy_name(s.schema, name, e);
		if (rc == 0)
			rc = copy_name(at_n ? s.name_at : s.name_now, name, e);
		duckdb_free(name);
		rc = rc ? rc : add_step(plan, &s, e);
	}
	duckdb_destroy_result(&r);
	return rc;
}

int restore_compare(struct lake *l, const char *schema, int64_t to, int64_t from,
		    struct restore_plan *plan, struct err *e)
{
	memset(plan, 0, sizeof *plan);
	plan->to = to;
	plan->from = from;
	if (lake_check_snapshot(l, to, e) < 0 || lake_check_snapshot(l, from, e) < 0)
		return -1;
	char v[32], f[32];
	snprintf(v, sizeof v, "%lld", (long long)to);
	snprintf(f, sizeof f, "%lld", (long long)from);
	const char *p[] = {v, schema ? schema : "", f};
	int in_scope = 0;
	if (plan_schemas(l, p, plan, &in_scope, e) < 0)
		return -1;
	if (schema && !in_scope)
		return err_set(e, EXIT_USAGE, "schema '%s' exists neither now nor at snapshot %lld",
			       schema, (long long)to);
	duckdb_result r;
	if (lake_query(l, plan_sql, p, 3, &r, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&r); i++) {
		char *kind = duckdb_value_varchar(&r, 0, i), *sch = duckdb_value_varchar(&r, 1, i);
		char *now = duckdb_value_varchar(&r, 2, i), *at = duckdb_value_varchar(&r, 3, i);
		struct restore_step s = {.action = table_action(kind, now, at, duckdb_value_boolean(&r, 4, i)),
					 .rows_now = -1, .rows_at = -1};
		rc = copy_name(s.schema, sch, e);
		rc = rc ? rc : copy_name(s.name_now, now, e);
		rc = rc ? rc : copy_name(s.name_at, at, e);
		int same = 0;
		if (rc == 0 && strcmp(kind, "name") == 0)
			rc = same_content(l, s.schema, s.name_at, to, from, &same, e);
		if (same)
			s.action = RESTORE_UNCHANGED;
		if (rc == 0 && s.name_now[0] && s.action != RESTORE_UNCHANGED)
			rc = count_rows(l, s.schema, s.name_now, from, &s.rows_now, e);
		if (rc == 0 && s.name_at[0] && s.action != RESTORE_UNCHANGED)
			rc = count_rows(l, s.schema, s.name_at, to, &s.rows_at, e);
		rc = rc ? rc : add_step(plan, &s, e);
		duckdb_free(kind), duckdb_free(sch), duckdb_free(now), duckdb_free(at);
	}
	duckdb_destroy_result(&r);
	if (rc < 0)
		restore_plan_free(plan);
	return rc;
}

int restore_plan(struct lake *l, const char *schema, int64_t to, struct restore_plan *plan,
		 struct err *e)
{
	int64_t now = 0;
	if (lake_current_snapshot(l, &now, e) < 0)
		return -1;
	return restore_compare(l, schema, to, now, plan, e);
}

/* ---- applying -------------------------------------------------------------------------- */

struct apply {
	const struct restore_plan *plan;
	const char *scope, *author, *message;
};

static int exec_fmt(struct lake *l, struct err *e, const char *fmt, const char *a, const char *b,
		    long long n)
{
	struct buf sql = {0};
	int rc = buf_printf(&sql, fmt, a, b, n) < 0 ? err_set(e, EXIT_FAILED, "out of memory")
						    : lake_exec(l, sql.data, e);
	buf_free(&sql);
	return rc;
}

static int needs_content(const struct restore_step *s)
{
	return s->action == RESTORE_CONTENT || s->action == RESTORE_RENAME_CONTENT ||
	       s->action == RESTORE_RECREATE;
}

/* Step by step, in an order in which no name is ever taken twice. The content at N of every
 * table to restore is read FIRST into DuckDB temp tables: inside a transaction that renamed or
 * dropped tables, DuckLake resolves `name AT (VERSION => N)` through those very changes (a
 * rename there even invalidated the database in a test), so no AT read may follow the DDL.
 * Then schemas, drops, every rename through a temporary name (two tables may have swapped
 * names), the restored contents, and last the schemas created after N. */
static int apply_body(struct lake *l, void *ctx, struct err *e)
{
	struct apply *a = ctx;
	const struct restore_plan *p = a->plan;
	char q[700], tmp[64], qs[300];
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		const struct restore_step *s = &p->steps[i];
		if (!needs_content(s))
			continue;
		if (qualified(s->schema, s->name_at, q, sizeof q) < 0)
			return err_set(e, EXIT_FAILED, "name too long");
		snprintf(tmp, sizeof tmp, "lh_restore_%zu", i);
		rc = exec_fmt(l, e, "CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM %s AT (VERSION => %lld)",
			      tmp, q, (long long)p->to);
	}
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		const struct restore_step *s = &p->steps[i];
		if (s->action == RESTORE_SCHEMA_CREATE && lake_quote_ident(s->schema, qs, sizeof qs) == 0)
			rc = exec_fmt(l, e, "CREATE SCHEMA lake.%s", qs, "", 0);
		else if (s->action == RESTORE_DROP && qualified(s->schema, s->name_now, q, sizeof q) == 0)
			rc = exec_fmt(l, e, "DROP TABLE %s", q, "", 0);
	}
	for (int phase = 0; phase < 2; phase++)
		for (size_t i = 0; rc == 0 && i < p->n; i++) {
			const struct restore_step *s = &p->steps[i];
			if (s->action != RESTORE_RENAME && s->action != RESTORE_RENAME_CONTENT)
				continue;
			snprintf(tmp, sizeof tmp, "__lakehouse_rollback_%zu", i);
			char qnew[300];
			if (qualified(s->schema, phase ? tmp : s->name_now, q, sizeof q) < 0 ||
			    lake_quote_ident(phase ? s->name_at : tmp, qnew, sizeof qnew) < 0)
				return err_set(e, EXIT_FAILED, "name too long");
			rc = exec_fmt(l, e, "ALTER TABLE %s RENAME TO %s", q, qnew, 0);
		}
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		const struct restore_step *s = &p->steps[i];
		if (!needs_content(s))
			continue;
		if (qualified(s->schema, s->name_at, q, sizeof q) < 0)
			return err_set(e, EXIT_FAILED, "name too long");
		snprintf(tmp, sizeof tmp, "lh_restore_%zu", i);
		rc = exec_fmt(l, e,
			      s->action == RESTORE_RECREATE ? "CREATE TABLE %s AS SELECT * FROM temp.%s"
							    : "CREATE OR REPLACE TABLE %s AS SELECT * FROM temp.%s",
			      q, tmp, 0);
	}
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		const struct restore_step *s = &p->steps[i];
		if (s->action == RESTORE_SCHEMA_DROP && lake_quote_ident(s->schema, qs, sizeof qs) == 0)
			rc = exec_fmt(l, e, "DROP SCHEMA lake.%s", qs, "", 0);
	}
	if (rc < 0)
		return -1;
	char msg[512];
	if (!a->message)
		snprintf(msg, sizeof msg, "rollback %s to snapshot %lld: %zu table and schema changes",
			 a->scope, (long long)p->to, p->changes);
	return lake_set_commit_message(l, a->author, a->message ? a->message : msg, e);
}

int restore_apply(struct lake *l, const struct restore_plan *plan, const char *scope,
		  const char *author, const char *message, int64_t *snapshot, struct err *e)
{
	if (plan->changes == 0)
		return 1;
	struct apply a = {.plan = plan, .scope = scope, .author = author, .message = message};
	int rc = lake_in_transaction(l, apply_body, &a, e);
	struct err ignored = {0};
	for (size_t i = 0; i < plan->n; i++) { /* the staged copies are no longer needed */
		char sql[96];
		snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS temp.lh_restore_%zu", i);
		lake_exec(l, sql, &ignored);
	}
	return rc != 0 ? -1 : lake_current_snapshot(l, snapshot, e);
}

int restore_table(struct lake *l, const char *schema, const char *table, int64_t to,
		  const char *author, const char *message, int64_t *snapshot, struct err *e)
{
	if (lake_check_version(l, schema, table, to, e) < 0)
		return -1;
	struct restore_step s = {.action = RESTORE_CONTENT};
	if (copy_name(s.schema, schema, e) < 0 || copy_name(s.name_at, table, e) < 0 ||
	    copy_name(s.name_now, table, e) < 0)
		return -1;
	struct restore_plan plan = {.to = to, .steps = &s, .n = 1, .changes = 1};
	char scope[300], msg[512];
	snprintf(scope, sizeof scope, "%s.%s", schema, table);
	if (!message)
		snprintf(msg, sizeof msg, "rollback %s to snapshot %lld", scope, (long long)to);
	return restore_apply(l, &plan, scope, author, message ? message : msg, snapshot, e) == 0 ? 0 : -1;
}
