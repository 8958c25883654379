/* history.c - snapshot references, tags and the history queries; see history.h.
 *
 * Identifiers reach SQL only validated (lake_parse_table, history_valid_tag_name) or as bound
 * parameters; the catalog's own tables are read through LAKE_META (lake.h).
 */
#include "lake/history.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define TAGS LAKE_TAGS_TABLE

int history_valid_tag_name(const char *name)
{
	size_t n = 0;
	int digits_only = 1;
	for (const char *p = name; *p; p++, n++) {
		if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-'))
			return 0;
		if (!isdigit((unsigned char)*p))
			digits_only = 0;
	}
	return n > 0 && n <= 63 && !digits_only;
}

static int tags_exist(struct lake *l, int *exists, struct err *e)
{
	return lake_table_exists(l, LAKE_OWN_SCHEMA, "tags", exists, e);
}

/* The snapshot a tag names, or -1 when there is no such tag (or no tags table). */
static int tag_snapshot(struct lake *l, const char *name, int64_t *snap, struct err *e)
{
	int exists = 0;
	*snap = -1;
	if (tags_exist(l, &exists, e) < 0)
		return -1;
	if (!exists)
		return 0;
	const char *p[] = {name};
	return lake_query_int64(l, "SELECT coalesce(max(snapshot_id), -1) FROM " TAGS " WHERE name = $1",
				p, 1, snap, e);
}

static int resolve_ref(struct lake *l, const char *ref, int64_t *snapshot, struct err *e)
{
	size_t digits = strspn(ref, "0123456789");
	if (digits > 0 && digits == strlen(ref) && digits < 19) {
		*snapshot = strtoll(ref, NULL, 10);
		return lake_check_snapshot(l, *snapshot, e);
	}
	if (!history_valid_tag_name(ref))
		return err_set(e, EXIT_USAGE,
			       "'%s' is neither a snapshot id nor a tag name (letters, digits, '.', '_', "
			       "'-'); see 'lakehouse log' and 'lakehouse tag --list'",
			       ref);
	if (tag_snapshot(l, ref, snapshot, e) < 0)
		return -1;
	if (*snapshot < 0)
		return err_set(e, EXIT_USAGE, "no tag named '%s'; see 'lakehouse tag --list'", ref);
	if (lake_check_snapshot(l, *snapshot, e) < 0)
		return err_wrap(e, "tag '%s' names an expired snapshot (expired outside lakehouse)", ref);
	return 0;
}

static int resolve_time(struct lake *l, const char *ts, int64_t *snapshot, struct err *e)
{
	const char *p[] = {ts};
	duckdb_result r;
	if (lake_query(l,
		       "SELECT max(snapshot_id) FROM lake.snapshots() WHERE snapshot_time <= "
		       "$1::TIMESTAMPTZ",
		       p, 1, &r, e) < 0)
		return err_set(e, EXIT_USAGE, "--time '%s' is not a timestamp DuckDB reads (e.g. "
			       "'2026-12-04 17:00:00', '2026-12-04T17:00:00Z')", ts);
	int found = !duckdb_value_is_null(&r, 0, 0);
	*snapshot = duckdb_value_int64(&r, 0, 0);
	duckdb_destroy_result(&r);
	return found ? 0 : lake_no_snapshot_before(l, ts, e);
}

int lake_pin(struct lake *l, const struct lake_ref *ref, int64_t *snapshot, struct err *e)
{
	if (ref->version && ref->time)
		return err_set(e, EXIT_USAGE, "give at most one of --version and --time");
	if (ref->version)
		return resolve_ref(l, ref->version, snapshot, e);
	if (ref->time)
		return resolve_time(l, ref->time, snapshot, e);
	return lake_current_snapshot(l, snapshot, e);
}

int history_snapshot_time(struct lake *l, int64_t snapshot, const char *fmt, char *out, size_t n,
			  int64_t *epoch, struct err *e)
{
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)snapshot);
	const char *p[] = {v, fmt};
	duckdb_result r;
	if (lake_query(l, "SELECT strftime(snapshot_time AT TIME ZONE 'UTC', $2), "
			  "epoch(snapshot_time)::BIGINT FROM lake.snapshots() WHERE snapshot_id = "
			  "$1::BIGINT",
		       p, 2, &r, e) < 0)
		return -1;
	int found = duckdb_row_count(&r) == 1;
	char *t = found ? duckdb_value_varchar(&r, 0, 0) : NULL;
	snprintf(out, n, "%s", t ? t : "");
	if (epoch)
		*epoch = found ? duckdb_value_int64(&r, 1, 0) : 0;
	duckdb_free(t);
	duckdb_destroy_result(&r);
	return found ? 0 : lake_check_snapshot(l, snapshot, e);
}

int history_provenance(struct lake *l, int64_t upto, duckdb_result *res, struct err *e)
{
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)upto);
	const char *p[] = {v};
	return lake_query(l,
			  "SELECT snapshot_id, strftime(snapshot_time AT TIME ZONE 'UTC', '%Y-%m-%d "
			  "%H:%M:%S UTC') || ' snapshot ' || snapshot_id || ': ' || commit_message FROM "
			  "lake.snapshots() WHERE snapshot_id <= $1::BIGINT AND (commit_message LIKE "
			  "'ingest %' OR commit_message LIKE 'transform %') ORDER BY snapshot_id",
			  p, 1, res, e);
}

/* ---- tags ------------------------------------------------------------------------------ */

struct tag_tx {
	const struct tag_request *rq;
	int deleting;
	int64_t existing; /* the snapshot the tag named before, -1 none */
};

/* Writes the whole tags table anew (CREATE OR REPLACE): two clients changing tags at once
 * then always conflict in the catalog (a plain INSERT would commit both), so the loser's
 * transaction reruns, finds the winner's tag and refuses. */
static int tag_body(struct lake *l, void *ctx, struct err *e)
{
	struct tag_tx *t = ctx;
	const struct tag_request *rq = t->rq;
	const char *pn[] = {rq->name};
	if (lake_query_int64(l, "SELECT coalesce(max(snapshot_id), -1) FROM " TAGS " WHERE name = $1",
			     pn, 1, &t->existing, e) < 0)
		return -1;
	if (t->deleting && t->existing < 0)
		return err_set(e, EXIT_USAGE, "no tag named '%s'; see 'lakehouse tag --list'", rq->name);
	if (!t->deleting && t->existing >= 0 && !rq->force)
		return err_set(e, EXIT_FAILED,
			       "tag '%s' already exists (snapshot %lld); use --force to move it, or "
			       "'lakehouse tag --delete %s'",
			       rq->name, (long long)t->existing, rq->name);
	if (!t->deleting && t->existing == rq->snapshot)
		return 1; /* already there: no empty commit */
	char snap[32], msg[600];
	snprintf(snap, sizeof snap, "%lld", (long long)rq->snapshot);
	const char *p[] = {rq->name, snap, rq->message ? rq->message : "", rq->author};
	const char *vars = "SET VARIABLE lh_tag = {'name': $1, 'snapshot_id': $2::BIGINT, 'message': "
			   "nullif($3, ''), 'author': $4}";
	duckdb_result r;
	if (lake_query(l, vars, p, 4, &r, e) < 0)
		return -1;
	duckdb_destroy_result(&r);
	if (lake_exec(l,
		      t->deleting
			      ? "CREATE OR REPLACE TABLE " TAGS " AS SELECT * FROM " TAGS
				" WHERE name <> getvariable('lh_tag').name"
			      : "CREATE OR REPLACE TABLE " TAGS " AS SELECT * FROM " TAGS
				" WHERE name <> getvariable('lh_tag').name UNION ALL SELECT v.name, "
				"v.snapshot_id, v.message, v.author, now() FROM (SELECT "
				"unnest(getvariable('lh_tag'))) v ORDER BY name",
		      e) < 0)
		return -1;
	if (t->deleting)
		snprintf(msg, sizeof msg, "tag --delete %s (was snapshot %lld)", rq->name,
			 (long long)t->existing);
	else
		snprintf(msg, sizeof msg, "tag %s: snapshot %lld%s%.400s", rq->name,
			 (long long)rq->snapshot, rq->message ? ": " : "", rq->message ? rq->message : "");
	return lake_set_commit_message(l, rq->author, msg, e);
}

/* The tags table gets its own commit the first time: scanning a DuckLake table created in the
 * same transaction crashed DuckLake's filter pushdown under ASan (1.5.5). */
static int create_tags_body(struct lake *l, void *ctx, struct err *e)
{
	int exists = 0;
	if (tags_exist(l, &exists, e) < 0)
		return -1;
	if (exists) /* another client created it first */
		return 1;
	if (lake_exec(l,
		      "CREATE SCHEMA IF NOT EXISTS lake." LAKE_OWN_SCHEMA "; CREATE TABLE " TAGS
		      " (name VARCHAR, snapshot_id BIGINT, message VARCHAR, author VARCHAR, created_at "
		      "TIMESTAMPTZ)",
		      e) < 0)
		return -1;
	return lake_set_commit_message(l, ctx, "tags: create " LAKE_OWN_SCHEMA ".tags", e);
}

static int tag_change(struct lake *l, struct tag_tx *t, struct err *e)
{
	if (lake_in_transaction(l, create_tags_body, (void *)t->rq->author, e) < 0)
		return -1;
	int rc = lake_in_transaction(l, tag_body, t, e);
	/* the name is taken (maybe by a client that committed first): a conflict, exit 4 */
	if (rc < 0 && !t->deleting && t->existing >= 0 && !t->rq->force)
		e->code = EXIT_CONFLICT;
	return rc < 0 ? -1 : 0;
}

int history_tag_set(struct lake *l, const struct tag_request *rq, struct err *e)
{
	if (!history_valid_tag_name(rq->name))
		return err_set(e, EXIT_USAGE,
			       "invalid tag name '%s': use 1 to 63 of A-Z a-z 0-9 . _ - (not only digits)",
			       rq->name);
	if (lake_check_snapshot(l, rq->snapshot, e) < 0)
		return -1;
	struct tag_tx t = {.rq = rq, .existing = -1};
	return tag_change(l, &t, e);
}

int history_tag_delete(struct lake *l, const char *name, const char *author, struct err *e)
{
	if (!history_valid_tag_name(name))
		return err_set(e, EXIT_USAGE, "invalid tag name '%s'", name);
	int exists = 0;
	if (tags_exist(l, &exists, e) < 0)
		return -1;
	if (!exists)
		return err_set(e, EXIT_USAGE, "no tag named '%s': the lake has no tags", name);
	struct tag_request rq = {.name = name, .author = author};
	struct tag_tx t = {.rq = &rq, .deleting = 1, .existing = -1};
	return tag_change(l, &t, e);
}

int history_tag_list(struct lake *l, duckdb_result *res, struct err *e)
{
	int exists = 0;
	if (tags_exist(l, &exists, e) < 0)
		return -1;
	return lake_query(l,
			  exists ? "SELECT t.name, t.snapshot_id AS snapshot, s.snapshot_time, t.message, "
				   "t.author, t.created_at FROM " TAGS " t LEFT JOIN lake.snapshots() s "
				   "USING (snapshot_id) ORDER BY t.name"
				 : "SELECT NULL::VARCHAR AS name, NULL::BIGINT AS snapshot, NULL::TIMESTAMPTZ "
				   "AS snapshot_time, NULL::VARCHAR AS message, NULL::VARCHAR AS author, "
				   "NULL::TIMESTAMPTZ AS created_at WHERE false",
			  NULL, 0, res, e);
}

/* ---- log, trace, diff, gc, expire ------------------------------------------------------ */

int history_log(struct lake *l, const char *schema, const char *table, int64_t since,
		int64_t limit, duckdb_result *res, struct err *e)
{
	char lim[32], from[32];
	int tags = 0;
	snprintf(lim, sizeof lim, "%lld", (long long)limit);
	snprintf(from, sizeof from, "%lld", (long long)since);
	if (tags_exist(l, &tags, e) < 0)
		return -1;
	const char *p[] = {schema, table, lim, from};
	struct buf sql = {0};
	/* A table is touched by a snapshot when its changes name one of the ids the table has
	 * had (ducklake_table keeps a row per version) or its qualified name. */
	int rc = buf_printf(&sql,
			    "WITH %s, ids AS (SELECT DISTINCT t.table_id FROM " LAKE_META "ducklake_table t JOIN " LAKE_META
			    "ducklake_schema s USING (schema_id) WHERE s.schema_name = $1 AND t.table_name = "
			    "$2), tags AS (%s) "
			    "SELECT h.id, h.time, h.author, h.commit_message AS message, h.changes, "
			    "tags.names AS tags FROM history h LEFT JOIN tags ON tags.snapshot_id = h.id "
			    "WHERE h.id > $4::BIGINT AND ($2 = '' OR EXISTS (SELECT 1 FROM ids WHERE "
			    "regexp_matches(h.changes_made, ':' || ids.table_id || '(,|$)')) OR "
			    "contains(h.changes_made, '\"' || $1 || '\".\"' || $2 || '\"')) "
			    "ORDER BY h.id DESC LIMIT $3::BIGINT",
			    lake_history_cte,
			    tags ? "SELECT snapshot_id, string_agg(name, ',' ORDER BY name) AS names FROM " TAGS
				   " GROUP BY 1"
				 : "SELECT NULL::BIGINT AS snapshot_id, NULL::VARCHAR AS names WHERE false") < 0
			 ? err_set(e, EXIT_FAILED, "out of memory")
			 : lake_query(l, sql.data, p, 4, res, e);
	buf_free(&sql);
	return rc;
}

int history_last_insert(struct lake *l, const char *schema, const char *table, int64_t *snap,
			struct err *e)
{
	const char *p[] = {schema, table};
	if (lake_query_int64(l,
			     "WITH ids AS (SELECT DISTINCT t.table_id FROM " LAKE_META "ducklake_table t JOIN " LAKE_META
			     "ducklake_schema s USING (schema_id) WHERE s.schema_name = $1 AND "
			     "t.table_name = $2) SELECT coalesce(max(c.snapshot_id), -1) FROM " LAKE_META
			     "ducklake_snapshot_changes c, ids WHERE regexp_matches(c.changes_made, "
			     "'(inserted_into_table|inlined_insert):' || ids.table_id || '(,|$)')",
			     p, 2, snap, e) < 0)
		return -1;
	return *snap >= 0 ? 0 : err_set(e, EXIT_USAGE, "no snapshot inserted into %s.%s", schema, table);
}

const char history_sql_snapshot_row[] =
	"SELECT s.snapshot_id, s.snapshot_time, s.schema_version, c.author, c.commit_message, "
	"c.changes_made FROM " LAKE_META "ducklake_snapshot s JOIN " LAKE_META "ducklake_snapshot_changes c USING "
	"(snapshot_id) WHERE s.snapshot_id = $3::BIGINT AND $1 <> '' AND $2 <> ''";

const char history_sql_table_rows[] =
	"SELECT s.schema_id, s.schema_name, s.path AS schema_path, t.table_id, t.table_uuid, "
	"t.table_name, t.path AS table_path, t.begin_snapshot, t.end_snapshot FROM " LAKE_META
	"ducklake_table t JOIN " LAKE_META "ducklake_schema s USING (schema_id) WHERE s.schema_name = $1 AND "
	"t.table_name = $2 AND t.begin_snapshot <= $3::BIGINT AND (t.end_snapshot IS NULL OR "
	"t.end_snapshot > $3::BIGINT)";

const char history_sql_added_files[] =
	"SELECT f.data_file_id, f.record_count, f.file_size_bytes, f.footer_size, "
	"CASE WHEN f.path_is_relative THEN (SELECT value FROM " LAKE_META "ducklake_metadata WHERE key = "
	"'data_path' AND scope IS NULL) || s.path || t.path || f.path ELSE f.path END AS uri "
	"FROM " LAKE_META "ducklake_data_file f JOIN " LAKE_META "ducklake_table t ON t.table_id = f.table_id "
	"AND f.begin_snapshot >= t.begin_snapshot AND (t.end_snapshot IS NULL OR f.begin_snapshot < "
	"t.end_snapshot) JOIN " LAKE_META "ducklake_schema s ON s.schema_id = t.schema_id AND "
	"f.begin_snapshot >= s.begin_snapshot AND (s.end_snapshot IS NULL OR f.begin_snapshot < "
	"s.end_snapshot) WHERE s.schema_name = $1 AND t.table_name = $2 AND f.begin_snapshot = "
	"$3::BIGINT ORDER BY f.data_file_id";

int history_table_replaced(struct lake *l, const char *schema, const char *table, int64_t a,
			   int64_t b, int *replaced, struct err *e)
{
	char va[32], vb[32];
	snprintf(va, sizeof va, "%lld", (long long)a);
	snprintf(vb, sizeof vb, "%lld", (long long)b);
	const char *p[] = {schema, table, va, vb};
	int64_t ids = 0;
	int rc = lake_query_int64(l,
				  "SELECT count(DISTINCT t.table_id) FROM " LAKE_META "ducklake_table t JOIN " LAKE_META
				  "ducklake_schema s USING (schema_id) WHERE s.schema_name = $1 AND "
				  "t.table_name = $2 AND t.begin_snapshot <= $4::BIGINT AND (t.end_snapshot "
				  "IS NULL OR t.end_snapshot > $3::BIGINT)",
				  p, 4, &ids, e);
	*replaced = ids > 1;
	return rc;
}

int history_uri_columns(struct lake *l, duckdb_result *res, struct err *e)
{
	/* A snapshot that inserted nothing into a table holds a subset of the rows the table had
	 * one snapshot earlier. So when the retained snapshots form one unbroken run, a table's
	 * column is listed only at its first retained snapshot and at the snapshots that inserted
	 * into it: gc's cost follows the inserts, not snapshots x data. With gaps (a tag keeping
	 * an old snapshot, or snapshots expired from the middle) every retained one is listed. */
	return lake_query(l,
			  "SELECT snapshot_id, schema_name, table_name, column_name, column_type FROM ("
			  "SELECT s.snapshot_id, sc.schema_name, t.table_name, c.column_name, c.column_type, "
			  " t.table_id, ch.changes_made, min(s.snapshot_id) OVER (PARTITION BY t.table_id, "
			  " c.column_id) AS first_seen "
			  "FROM lake.snapshots() s "
			  "LEFT JOIN " LAKE_META "ducklake_snapshot_changes ch ON ch.snapshot_id = s.snapshot_id "
			  "JOIN " LAKE_META "ducklake_table t ON t.begin_snapshot <= s.snapshot_id "
			  " AND (t.end_snapshot IS NULL OR t.end_snapshot > s.snapshot_id) "
			  "JOIN " LAKE_META "ducklake_schema sc ON sc.schema_id = t.schema_id "
			  " AND sc.begin_snapshot <= s.snapshot_id AND (sc.end_snapshot IS NULL OR "
			  " sc.end_snapshot > s.snapshot_id) "
			  "JOIN " LAKE_META "ducklake_column c ON c.table_id = t.table_id "
			  " AND c.begin_snapshot <= s.snapshot_id AND (c.end_snapshot IS NULL OR "
			  " c.end_snapshot > s.snapshot_id) AND c.parent_column IS NULL "
			  "WHERE c.column_name LIKE '%\\_uri' ESCAPE '\\' AND c.column_type IN ('varchar', "
			  "'list')) WHERE snapshot_id = first_seen "
			  " OR regexp_matches(coalesce(changes_made, ''), "
			  "  '(^|,)(inserted_into_table|inlined_insert):' || table_id || '(,|$)') "
			  " OR (SELECT count(*) <> max(snapshot_id) - min(snapshot_id) + 1 FROM lake.snapshots()) "
			  "ORDER BY 1, 2, 3, 4",
			  NULL, 0, res, e);
}

int history_pick_expiry(struct lake *l, int64_t keep, const char *older, int64_t *n,
			struct err *e)
{
	char k[32];
	snprintf(k, sizeof k, "%lld", (long long)keep);
	const char *p[] = {keep > 0 ? k : older};
	/* candidates by age, then every tagged snapshot taken out: a tag keeps its snapshot
	 * (and so every file it reads) until the tag is deleted */
	const char *pick =
		keep > 0 ? "SET VARIABLE lh_candidates = (SELECT coalesce(list(snapshot_id), []) FROM "
			   "(SELECT snapshot_id FROM lake.snapshots() ORDER BY snapshot_id DESC OFFSET "
			   "$1::BIGINT))"
			 : "SET VARIABLE lh_candidates = (SELECT coalesce(list(snapshot_id), []) FROM "
			   "lake.snapshots() WHERE snapshot_time < now() - $1::INTERVAL AND snapshot_id < "
			   "(SELECT max(snapshot_id) FROM lake.snapshots()))";
	duckdb_result r;
	if (lake_query(l, pick, p, 1, &r, e) < 0)
		return -1;
	duckdb_destroy_result(&r);
	int tags = 0;
	if (tags_exist(l, &tags, e) < 0 ||
	    lake_exec(l,
		      tags ? "SET VARIABLE lh_tagged = (SELECT coalesce(list(DISTINCT snapshot_id), []) "
			     "FROM " TAGS ")"
			   : "SET VARIABLE lh_tagged = []::BIGINT[]",
		      e) < 0 ||
	    lake_exec(l,
		      "SET VARIABLE lh_expire = list_filter(getvariable('lh_candidates'), x -> NOT "
		      "list_contains(getvariable('lh_tagged'), x))",
		      e) < 0)
		return -1;
	return lake_query_int64(l, "SELECT len(getvariable('lh_expire'))", NULL, 0, n, e);
}

int history_tagged_snapshots(struct lake *l, duckdb_result *res, struct err *e)
{
	int tags = 0;
	if (tags_exist(l, &tags, e) < 0)
		return -1;
	return lake_query(l,
			  tags ? "SELECT name AS tag, snapshot_id AS snapshot FROM " TAGS " WHERE "
				 "list_contains(getvariable('lh_candidates'), snapshot_id) ORDER BY "
				 "snapshot_id, name"
			       : "SELECT NULL::VARCHAR AS tag, NULL::BIGINT AS snapshot WHERE false",
			  NULL, 0, res, e);
}

/* ---- expiry guard ---------------------------------------------------------------------- */

/* The snapshots whose state expire must keep intact: the newest and every tagged one. */
static int guarded_snapshots(struct lake *l, struct err *e)
{
	int tags = 0;
	if (tags_exist(l, &tags, e) < 0)
		return -1;
	return lake_exec(l,
			 tags ? "CREATE OR REPLACE TEMP TABLE lh_guarded AS SELECT max(snapshot_id) AS s "
				"FROM " LAKE_META "ducklake_snapshot UNION SELECT snapshot_id FROM " TAGS
			      : "CREATE OR REPLACE TEMP TABLE lh_guarded AS SELECT max(snapshot_id) AS s "
				"FROM " LAKE_META "ducklake_snapshot",
			 e);
}

#define VISIBLE(x) x ".begin_snapshot <= g.s AND (" x ".end_snapshot IS NULL OR " x ".end_snapshot > g.s)"

/* Read from the catalog's own tables, not through DuckLake's cached catalog: per guarded
 * snapshot and table, its name, columns and data/delete files. */
static const char fingerprint_sql[] =
	"SELECT g.s, t.table_id, t.table_name, (SELECT string_agg(c.column_id || ':' || c.column_name "
	"|| ':' || c.column_type, ',' ORDER BY c.column_id) FROM " LAKE_META "ducklake_column c WHERE "
	"c.table_id = t.table_id AND " VISIBLE("c") ") AS columns, (SELECT count(*) FROM " LAKE_META
	"ducklake_data_file f WHERE f.table_id = t.table_id AND " VISIBLE("f") ") AS files, (SELECT "
	"count(*) FROM " LAKE_META "ducklake_delete_file d WHERE d.table_id = t.table_id AND " VISIBLE("d")
	") AS delete_files FROM lh_guarded g JOIN " LAKE_META "ducklake_table t ON " VISIBLE("t");

/* File names (uuidv7, unique) every guarded snapshot reads. */
static const char needed_sql[] =
	"SELECT regexp_extract(f.path, '[^/]+$') AS name FROM lh_guarded g JOIN " LAKE_META
	"ducklake_data_file f ON " VISIBLE("f") " UNION SELECT regexp_extract(d.path, '[^/]+$') FROM "
	"lh_guarded g JOIN " LAKE_META "ducklake_delete_file d ON " VISIBLE("d");

int history_expiry_guard_begin(struct lake *l, struct err *e)
{
	struct buf sql = {0};
	int rc = guarded_snapshots(l, e);
	if (rc == 0 && buf_printf(&sql,
				  "CREATE OR REPLACE TEMP TABLE lh_fingerprint AS %s; CREATE OR REPLACE "
				  "TEMP TABLE lh_needed AS %s",
				  fingerprint_sql, needed_sql) < 0)
		rc = err_set(e, EXIT_FAILED, "out of memory");
	rc = rc ? rc : lake_exec(l, sql.data, e);
	buf_free(&sql);
	return rc;
}

int history_expiry_guard_check(struct lake *l, int64_t *changed, int64_t *doomed, struct err *e)
{
	struct buf sql = {0};
	int rc = buf_printf(&sql,
			    "SELECT count(*) FROM ((SELECT * FROM lh_fingerprint EXCEPT ALL (%s)) UNION ALL "
			    "((%s) EXCEPT ALL SELECT * FROM lh_fingerprint))",
			    fingerprint_sql, fingerprint_sql) < 0
			 ? err_set(e, EXIT_FAILED, "out of memory")
			 : lake_query_int64(l, sql.data, NULL, 0, changed, e);
	buf_free(&sql);
	return rc ? rc
		  : lake_query_int64(l,
				     "SELECT count(*) FROM " LAKE_META "ducklake_files_scheduled_for_deletion x "
				     "WHERE regexp_extract(x.path, '[^/]+$') IN (SELECT name FROM lh_needed)",
				     NULL, 0, doomed, e);
}

int history_cleanup_files(struct lake *l, int dry_run, int64_t *files, struct err *e)
{
	return lake_query_int64(l,
				dry_run ? "SELECT count(*) FROM ducklake_cleanup_old_files('lake', cleanup_all "
					  "=> true, dry_run => true)"
					: "SELECT count(*) FROM ducklake_cleanup_old_files('lake', cleanup_all "
					  "=> true)",
				NULL, 0, files, e);
}
