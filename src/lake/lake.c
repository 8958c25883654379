/* lake.c - DuckDB + DuckLake; see lake.h.
 *
 * Configuration reaches SQL only as bound parameters (SET VARIABLE x = $1) read back by
 * getvariable() inside sql/00_attach.sql, so no secret or path is ever spliced into SQL text.
 */
#include "lake/lake.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/http.h"
#include "core/suggest.h"
#include "store/s3.h"

#define LAKE_COMMIT_ATTEMPTS 10

extern const char sql_00_attach[]; /* generated from sql/00_attach.sql */

/* sql/00_attach.sql runs up to this line for a read-only open. */
#define ATTACH_WRITERS_ONLY "-- lakehouse: writers only below"

struct lake {
	const struct config *cfg;
	duckdb_database db;
	duckdb_connection con;
	int read_only; /* opened with LAKE_READ */
};

duckdb_connection lake_connection(struct lake *l)
{
	return l->con;
}

const struct config *lake_config(struct lake *l)
{
	return l->cfg;
}

duckdb_database lake_database(struct lake *l)
{
	return l->db;
}

/* Removes every occurrence of the secret from msg: DuckDB and its extensions should never
 * echo it, but a message that leaks once would land in logs forever. */
static void redact(char *msg, const char *secret)
{
	size_t sl = strlen(secret);
	if (sl < 4)
		return;
	for (char *p = strstr(msg, secret); p; p = strstr(p, secret)) {
		memmove(p + 8, p + sl, strlen(p + sl) + 1);
		memcpy(p, "[secret]", 8);
	}
}


/* DuckDB's message without the statement it quotes ("LINE 1: SELECT ..." and the caret) and
 * without its error class ("Binder Error: "): users see what is wrong, not our SQL. */
static void plain_message(char *msg)
{
	char *line = strstr(msg, "\nLINE ");
	if (line) {
		while (line > msg && line[-1] == '\n')
			line--;
		*line = '\0';
	}
	static const char *const classes[] = {"Binder Error: ", "Catalog Error: ",
					      "Conversion Error: ", "Invalid Input Error: "};
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		char *p = strstr(msg, classes[i]);
		if (p)
			memmove(p, p + strlen(classes[i]), strlen(p + strlen(classes[i])) + 1);
	}
	for (char *p = msg; *p; p++) /* one line: "...!\nDid you mean" reads as one sentence */
		if (*p == '\n')
			*p = ' ';
}

/* Copies the identifier that ends just before `end` in line (quotes dropped) into out. */
static void identifier_before(const char *line, const char *end, char *out, size_t n)
{
	const char *stop = end;
	if (stop > line && stop[-1] == '"')
		stop--;
	const char *start = stop;
	while (start > line && (isalnum((unsigned char)start[-1]) || start[-1] == '_'))
		start--;
	snprintf(out, n, "%.*s", (int)(stop - start), start);
}

/* "Table with name X does not exist!" about the statement quoted after LINE 1: the schema the
 * statement named before X ("raw" in raw.X or lake."raw"."X"), or "" for none. */
static void schema_in_statement(const char *text, const char *table, char schema[64])
{
	schema[0] = '\0';
	const char *line = strstr(text, "\nLINE ");
	if (!line)
		return;
	size_t tl = strlen(table);
	for (const char *p = strstr(line, table); p; p = strstr(p + 1, table)) {
		const char *q = p;
		if (q > line && q[-1] == '"')
			q--;
		if (q > line && q[-1] == '.' && !isalnum((unsigned char)p[tl]) && p[tl] != '_') {
			identifier_before(line, q - 1, schema, 64);
			if (strcmp(schema, "lake") == 0)
				schema[0] = '\0';
			return;
		}
	}
}

/* Every table of the lake as "schema.table", for a did-you-mean; -1 when the catalog cannot
 * be read (e.g. inside a failed transaction). The strings are duckdb_malloc'd. */
static long lake_table_names(struct lake *l, char **names, size_t max)
{
	duckdb_result r;
	if (duckdb_query(l->con,
			 "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE "
			 "database_name = 'lake' ORDER BY 1",
			 &r) == DuckDBError) {
		duckdb_destroy_result(&r);
		return -1;
	}
	size_t n = 0;
	for (idx_t i = 0; i < duckdb_row_count(&r) && n < max; i++)
		if ((names[n] = duckdb_value_varchar(&r, 0, i)))
			n++;
	duckdb_destroy_result(&r);
	return (long)n;
}

int lake_missing_table(struct lake *l, const char *schema, const char *table, struct err *e)
{
	char *names[512], wanted[160], hint[200] = "";
	long listed = l ? lake_table_names(l, names, 512) : -1;
	size_t n = listed > 0 ? (size_t)listed : 0;
	snprintf(wanted, sizeof wanted, "%s%s%s", schema, schema[0] ? "." : "", table);
	const char *close = NULL;
	if (schema[0]) {
		close = suggest_closest(wanted, (const char *const *)names, n);
	} else { /* no schema given: compare the table part only */
		const char *parts[512];
		for (size_t i = 0; i < n; i++)
			parts[i] = strchr(names[i], '.') + 1;
		const char *part = suggest_closest(table, parts, n);
		for (size_t i = 0; part && i < n; i++)
			if (parts[i] == part)
				close = names[i];
	}
	if (close)
		snprintf(hint, sizeof hint, " (did you mean %s?)", close);
	else if (listed == 0)
		snprintf(hint, sizeof hint, " (the lake has no tables yet: see 'lakehouse land' and "
					    "'lakehouse ingest')");
	else if (listed > 0)
		snprintf(hint, sizeof hint, " (see 'lakehouse tables')");
	err_set(e, EXIT_USAGE, "no table %s%s", wanted, hint);
	for (size_t i = 0; i < n; i++)
		duckdb_free(names[i]);
	return -1;
}

/* One row per snapshot: its changes with table ids resolved to schema.table names (a MAP of
 * kind -> names, a JSON object in --json), its time in ISO 8601 UTC. */
const char lake_history_cte[] =
	"history AS (WITH names AS (SELECT DISTINCT ON (t.table_id) t.table_id, "
	"s.schema_name || '.' || t.table_name AS name FROM " LAKE_META "ducklake_table t JOIN " LAKE_META
	"ducklake_schema s USING (schema_id) ORDER BY t.table_id, t.begin_snapshot DESC), "
	"items AS (SELECT c.snapshot_id, split_part(item, ':', 1) AS kind, "
	"replace(split_part(item, ':', 2), '\"', '') AS ref FROM " LAKE_META "ducklake_snapshot_changes c, "
	"unnest(string_split(c.changes_made, ',')) AS u(item) WHERE item <> ''), "
	"grouped AS (SELECT i.snapshot_id, i.kind, list(DISTINCT coalesce(n.name, i.ref) ORDER BY "
	"coalesce(n.name, i.ref)) AS what FROM items i LEFT JOIN names n ON TRY_CAST(i.ref AS "
	"BIGINT) = n.table_id GROUP BY ALL), "
	"changes AS (SELECT snapshot_id, map(list(kind ORDER BY kind), list(what ORDER BY kind)) AS "
	"changes FROM grouped GROUP BY snapshot_id) "
	"SELECT s.snapshot_id AS id, strftime(s.snapshot_time AT TIME ZONE 'UTC', "
	"'%Y-%m-%dT%H:%M:%S.%fZ') AS time, s.author, s.commit_message, "
	"coalesce(ch.changes, MAP {}::MAP(VARCHAR, VARCHAR[])) AS changes, c.changes_made "
	"FROM lake.snapshots() s LEFT JOIN changes ch USING (snapshot_id) LEFT JOIN " LAKE_META
	"ducklake_snapshot_changes c USING (snapshot_id))";

int lake_require_table(struct lake *l, const char *schema, const char *table, struct err *e)
{
	/* now, or at any snapshot (a dropped table can still be shown or restored as of then) */
	const char *p[] = {schema, table};
	int64_t n = 0;
	if (lake_query_int64(l,
			     "SELECT count(*) FROM " LAKE_META "ducklake_table t JOIN "
			     LAKE_META "ducklake_schema s USING (schema_id) WHERE "
			     "s.schema_name = $1 AND t.table_name = $2",
			     p, 2, &n, e) < 0)
		return -1;
	return n ? 0 : lake_missing_table(l, schema, table, e);
}

int lake_no_snapshot_before(struct lake *l, const char *at, struct err *e)
{
	duckdb_result r;
	char *first = NULL;
	if (l && duckdb_query(l->con,
			      "SELECT strftime(min(snapshot_time) AT TIME ZONE 'UTC', "
			      "'%Y-%m-%d %H:%M:%S+00') FROM lake.snapshots()",
			      &r) != DuckDBError)
		first = duckdb_value_varchar(&r, 0, 0);
	if (l)
		duckdb_destroy_result(&r);
	if (first)
		err_set(e, EXIT_USAGE, "no snapshot at or before %s: the earliest valid time is %s "
				       "(the lake's first snapshot; see 'lakehouse snapshots')", at, first);
	else
		err_set(e, EXIT_USAGE, "no snapshot at or before %s (see 'lakehouse snapshots')", at);
	duckdb_free(first);
	return -1;
}

/* DuckDB's 30-line CSV sniffer report as one line: row, column, value, detected type, and
 * the option that fixes it. */
static int csv_conversion_error(struct lake *l, const char *text, struct err *e)
{
	long long line = 0;
	char column[128] = "?", value[128] = "?", type[64] = "?";
	const char *p;
	if ((p = strstr(text, "CSV Error on Line: ")))
		sscanf(p, "CSV Error on Line: %lld", &line);
	if ((p = strstr(text, "converting column \"")))
		sscanf(p, "converting column \"%127[^\"]", column);
	if ((p = strstr(text, "Could not convert string \"")))
		sscanf(p, "Could not convert string \"%127[^\"]\" to '%63[^']", value, type);
	err_set(e, EXIT_FAILED,
		"CSV line %lld, column %s: \"%s\" is not %s (the type detected from the first rows); "
		"give the column's type with --types %s=VARCHAR (or another type)",
		line, column, value, type, column);
	if (l)
		redact(e->msg, l->cfg->secret_key);
	return -1;
}

/* A DuckDB error text as lakehouse says it: a missing table as lake_missing_table, the rest
 * without the quoted statement and error class, the secret redacted. */
static int set_error(struct lake *l, int code, const char *text, struct err *e)
{
	char missing[64];
	const char *name = text ? strstr(text, "Table with name ") : NULL;
	if (name && sscanf(name, "Table with name %63[A-Za-z0-9_] does not exist", missing) == 1) {
		char schema[64];
		schema_in_statement(text, missing, schema);
		return lake_missing_table(l, schema, missing, e);
	}
	if (text && strstr(text, "CSV Error on Line: ") && strstr(text, "Could not convert string"))
		return csv_conversion_error(l, text, e);
	char at[64];
	const char *before = text ? strstr(text, "No snapshot found at timestamp ") : NULL;
	if (before && sscanf(before, "No snapshot found at timestamp %63[^\n]", at) == 1)
		return lake_no_snapshot_before(l, at, e);
	err_set(e, code, "%s", text ? text : "unknown DuckDB error");
	plain_message(e->msg);
	if (l)
		redact(e->msg, l->cfg->secret_key);
	return -1;
}

int lake_error(struct lake *l, duckdb_result *res, struct err *e)
{
	duckdb_error_type t = duckdb_result_error_type(res);
	const char *text = duckdb_result_error(res);
	/* a SQLite catalog another writer holds can refuse any catalog read: a conflict too */
	int code = t == DUCKDB_ERROR_TRANSACTION || (text && strstr(text, "database is locked"))
			   ? EXIT_CONFLICT
			   : EXIT_FAILED;
	set_error(l, code, text, e);
	/* DuckDB's own S3 client (httpfs: curl, or httplib) refusing the store's certificate */
	if (l && text && (strstr(text, "SSL peer certificate") ||
			  strstr(text, "SSL server verification failed") ||
			  strstr(text, "certificate verify failed")))
		return s3_tls_error(l->cfg, 0, "DuckDB's S3 client refused it", e);
	/* DuckDB's own S3 write refused (keys that can only read) */
	if (l && text && strstr(text, "403") && strstr(text, "AccessDenied") &&
	    (strstr(text, "HTTP PUT") || strstr(text, "HTTP POST") || strstr(text, "HTTP DELETE"))) {
		char uri[600] = "";
		const char *at = strstr(text, "s3://") ? strstr(text, "s3://") : strstr(text, "https://");
		if (at)
			snprintf(uri, sizeof uri, "%.*s", (int)strcspn(at, "' \n"), at);
		return err_set(e, EXIT_DENIED,
			       "access denied: %s (these keys can read but not write; a writing verb "
			       "needs keys made with 'lakehouse storage user add NAME --read-write')",
			       uri[0] ? uri : l->cfg->bucket);
	}
	/* DuckDB's own S3 traffic (table Parquet) failing is a storage problem, not bad SQL */
	if (l && text && strstr(text, "Timeout was reached")) {
		e->code = EXIT_REMOTE;
		err_wrap(e, "S3 endpoint %s stalled for %ld s (LAKEHOUSE_S3_TIMEOUT); check the server",
			 l->cfg->endpoint, l->cfg->s3_timeout_s);
	}
	return -1;
}

int lake_query(struct lake *l, const char *sql, const char *const *params, int nparams,
	       duckdb_result *res, struct err *e)
{
	if (nparams == 0) {
		if (duckdb_query(l->con, sql, res) == DuckDBError) {
			lake_error(l, res, e);
			duckdb_destroy_result(res);
			return -1;
		}
		return 0;
	}
	duckdb_prepared_statement st;
	if (duckdb_prepare(l->con, sql, &st) == DuckDBError) {
		set_error(l, EXIT_FAILED, duckdb_prepare_error(st), e);
		duckdb_destroy_prepare(&st);
		return -1;
	}
	for (int i = 0; i < nparams; i++)
		duckdb_bind_varchar(st, (idx_t)i + 1, params[i]);
	int rc = 0;
	if (duckdb_execute_prepared(st, res) == DuckDBError) {
		rc = lake_error(l, res, e);
		duckdb_destroy_result(res);
	}
	duckdb_destroy_prepare(&st);
	return rc;
}

int lake_result_columns(struct lake *l, const char *sql, int (*fn)(const char *name, void *ctx),
			void *ctx, struct err *e)
{
	duckdb_prepared_statement st;
	if (duckdb_prepare(l->con, sql, &st) == DuckDBError) {
		set_error(l, EXIT_FAILED, duckdb_prepare_error(st), e);
		duckdb_destroy_prepare(&st);
		return -1;
	}
	int rc = 0;
	idx_t n = duckdb_prepared_statement_column_count(st);
	for (idx_t i = 0; i < n && rc == 0; i++) {
		char *name = (char *)duckdb_prepared_statement_column_name(st, i);
		rc = fn(name ? name : "", ctx);
		duckdb_free(name);
	}
	duckdb_destroy_prepare(&st);
	return rc;
}

static int query_discard(struct lake *l, const char *sql, const char *const *params, int n,
			 struct err *e)
{
	duckdb_result r;
	if (lake_query(l, sql, params, n, &r, e) < 0)
		return -1;
	duckdb_destroy_result(&r);
	return 0;
}

int lake_set_variable(struct lake *l, const char *name, const char *value, struct err *e)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SET VARIABLE %s = $1", name);
	const char *p[] = {value};
	return query_discard(l, sql, p, 1, e);
}

int lake_run(struct lake *l, const char *sql, lake_result_cb cb, void *ctx, struct err *e)
{
	duckdb_extracted_statements stmts;
	idx_t n = duckdb_extract_statements(l->con, sql, &stmts);
	if (n == 0) {
		const char *msg = duckdb_extract_statements_error(stmts);
		set_error(l, EXIT_FAILED, msg ? msg : "no SQL statement given", e);
		duckdb_destroy_extracted(&stmts);
		return -1;
	}
	int rc = 0;
	for (idx_t i = 0; i < n && rc == 0; i++) {
		duckdb_prepared_statement st;
		duckdb_result r;
		if (duckdb_prepare_extracted_statement(l->con, stmts, i, &st) == DuckDBError) {
			rc = set_error(l, EXIT_FAILED, duckdb_prepare_error(st), e);
		} else if (duckdb_execute_prepared(st, &r) == DuckDBError) {
			rc = lake_error(l, &r, e);
			duckdb_destroy_result(&r);
		} else {
			if (cb && cb(&r, ctx) < 0)
				rc = err_set(e, EXIT_FAILED, "cannot write the result of statement %llu",
					     (unsigned long long)i + 1);
			duckdb_destroy_result(&r);
		}
		duckdb_destroy_prepare(&st);
	}
	duckdb_destroy_extracted(&stmts);
	return rc;
}

int lake_exec(struct lake *l, const char *sql, struct err *e)
{
	return lake_run(l, sql, NULL, NULL, e);
}

int lake_set_commit_message(struct lake *l, const char *author, const char *message,
			    struct err *e)
{
	const char *p[] = {author, message};
	return query_discard(l, "CALL lake.set_commit_message($1, $2)", p, 2, e);
}

int lake_query_int64(struct lake *l, const char *sql, const char *const *params, int nparams,
		     int64_t *out, struct err *e)
{
	duckdb_result r;
	if (lake_query(l, sql, params, nparams, &r, e) < 0)
		return -1;
	*out = duckdb_value_int64(&r, 0, 0);
	duckdb_destroy_result(&r);
	return 0;
}

int lake_attach_at(struct lake *l, int64_t snapshot, struct err *e)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "USE memory; DETACH lake; ATTACH 'ducklake:lakehouse_catalog' AS lake "
		 "(READ_ONLY, SNAPSHOT_VERSION %lld); USE lake;",
		 (long long)snapshot);
	if (lake_exec(l, sql, e) < 0)
		return err_wrap(e, "cannot open the lake at snapshot %lld", (long long)snapshot);
	return 0;
}

int lake_current_snapshot(struct lake *l, int64_t *id, struct err *e)
{
	return lake_query_int64(l, "SELECT id FROM lake.current_snapshot()", NULL, 0, id, e);
}

static int transaction_once(struct lake *l, lake_tx_body body, void *ctx, struct err *e)
{
	if (lake_exec(l, "BEGIN TRANSACTION", e) < 0)
		return -1;
	int rc = body(l, ctx, e);
	if (rc == 0 && lake_exec(l, "COMMIT", e) == 0)
		return 0;
	struct err ignored = {0}; /* the first error is the one to report */
	lake_exec(l, "ROLLBACK", &ignored);
	return rc > 0 ? 1 : -1;
}

int lake_in_transaction(struct lake *l, lake_tx_body body, void *ctx, struct err *e)
{
	/* A commit that lost a race with another writer (a server catalog's conflict, SQLite's
	 * "database is locked") rolled back completely: run the whole body again, a bounded
	 * number of times, so concurrent appends all land. */
	for (int attempt = 1;; attempt++) {
		memset(e, 0, sizeof *e);
		int rc = transaction_once(l, body, ctx, e);
		if (rc >= 0 || e->code != EXIT_CONFLICT || attempt == LAKE_COMMIT_ATTEMPTS)
			return rc;
		http_backoff_sleep(attempt < 5 ? attempt : 5);
	}
}

int lake_count_inserts(duckdb_result *res, void *ctx)
{
	if (duckdb_result_statement_type(*res) == DUCKDB_STATEMENT_TYPE_INSERT)
		*(int64_t *)ctx += (int64_t)duckdb_rows_changed(res);
	return 0;
}

int lake_table_exists(struct lake *l, const char *schema, const char *table, int *exists,
		      struct err *e)
{
	const char *p[] = {schema, table};
	int64_t n = 0;
	if (lake_query_int64(l,
			     "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'lake' AND "
			     "schema_name = $1 AND table_name = $2",
			     p, 2, &n, e) < 0)
		return -1;
	*exists = n > 0;
	return 0;
}

/* ---- opening -------------------------------------------------------------------------- */

static int check_storage(const struct config *cfg, enum lake_mode mode, struct err *e)
{
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return -1;
	s3_set_max_attempts(s, 2); /* a dead endpoint should fail fast, with advice */
	int exists = 0, rc = s3_bucket_exists(s, &exists, e);
	if (rc == 0 && !exists) {
		if (mode == LAKE_CREATE)
			rc = s3_create_bucket(s, e);
		else
			rc = err_set(e, EXIT_REMOTE,
				     "bucket '%s' does not exist at %s; run 'lakehouse init' to create it",
				     cfg->bucket, cfg->endpoint);
	}
	/* a writer proves it may write before it changes anything (keys that can only read) */
	if (rc == 0 && mode != LAKE_READ)
		rc = s3_write_probe(s, e);
	s3_free(s);
	return rc;
}

static int open_engine(struct lake *l, struct err *e)
{
	char extdir[PATH_MAX];
	if (!realpath(l->cfg->extension_dir, extdir))
		return err_set(e, EXIT_FAILED,
			       "extension directory '%s' not found; run scripts/bootstrap.sh or set "
			       "LAKEHOUSE_EXTENSION_DIR",
			       l->cfg->extension_dir);
	duckdb_config dc;
	if (duckdb_create_config(&dc) == DuckDBError)
		return err_set(e, EXIT_FAILED, "cannot create a DuckDB config");
	duckdb_set_config(dc, "extension_directory", extdir);
	duckdb_set_config(dc, "autoinstall_known_extensions", "false");
	duckdb_set_config(dc, "autoload_known_extensions", "false");
	char threads[16];
	snprintf(threads, sizeof threads, "%d", l->cfg->duckdb_threads);
	if (l->cfg->duckdb_threads)
		duckdb_set_config(dc, "threads", threads);
	if (l->cfg->duckdb_memory[0])
		duckdb_set_config(dc, "memory_limit", l->cfg->duckdb_memory);
	char *open_err = NULL;
	int rc = 0;
	if (duckdb_open_ext(NULL, &l->db, dc, &open_err) == DuckDBError) {
		rc = err_set(e, EXIT_FAILED, "cannot open DuckDB: %s", open_err ? open_err : "?");
		duckdb_free(open_err);
	} else if (duckdb_connect(l->db, &l->con) == DuckDBError) {
		rc = err_set(e, EXIT_FAILED, "cannot connect to DuckDB");
	}
	duckdb_destroy_config(&dc);
	return rc;
}

static int bind_settings(struct lake *l, struct err *e)
{
	const struct config *c = l->cfg;
	char host[256], endpoint[300], catalog[PATH_MAX + 16];
	int port, tls;
	if (config_endpoint_parts(c, host, sizeof host, &port, &tls, e) < 0)
		return -1;
	snprintf(endpoint, sizeof endpoint, "%s:%d", host, port);
	snprintf(catalog, sizeof catalog, "%s", c->catalog);
	const struct {
		const char *name, *value;
	} vars[] = {
		{"s3_key_id", c->access_key}, {"s3_secret", c->secret_key}, {"s3_region", c->region},
		{"s3_endpoint", endpoint},    {"bucket", c->bucket},        {"catalog", catalog},
		{"ca_cert_file", c->ca_bundle},
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if (lake_set_variable(l, vars[i].name, vars[i].value, e) < 0)
			return -1;
	if (query_discard(l, tls ? "SET VARIABLE s3_use_ssl = true" : "SET VARIABLE s3_use_ssl = false",
			  NULL, 0, e) < 0 ||
	    query_discard(l, l->read_only ? "SET VARIABLE read_only = true"
					  : "SET VARIABLE read_only = false", NULL, 0, e) < 0)
		return -1;
	/* A PostgreSQL catalog: the connection string names host, port, database and user; the
	 * password stays with libpq (PGPASSWORD or ~/.pgpass), out of the string and of the lake. */
	enum catalog_kind kind = catalog_kind(c->catalog);
	if (kind == CATALOG_POSTGRES && query_discard(l, "LOAD postgres_scanner", NULL, 0, e) < 0)
		return -1;
	if (kind != CATALOG_SQLITE)
		return query_discard(l, "SET VARIABLE catalog_parameters = MAP {}::MAP(VARCHAR, VARCHAR)",
				     NULL, 0, e);
	/* A SQLite catalog needs its scanner (loaded only then: it is 35 MB to verify). WAL lets
	 * readers and the writer of the moment proceed side by side (in the default rollback
	 * journal a steady stream of readers starved writers into "database is locked"), and a
	 * writer waits for the lock up to LAKEHOUSE_LOCK_TIMEOUT instead of failing at once. */
	char busy_ms[32];
	snprintf(busy_ms, sizeof busy_ms, "%ld", c->lock_timeout_s * 1000);
	const char *p[] = {busy_ms};
	if (query_discard(l, "LOAD sqlite_scanner", NULL, 0, e) < 0)
		return -1;
	return query_discard(l,
			     "SET VARIABLE catalog_parameters = "
			     "MAP {'JOURNAL_MODE': 'WAL', 'BUSY_TIMEOUT': $1::VARCHAR}",
			     p, 1, e);
}

/* Sets the SQL variable behind tag('NAME') (sql/00_attach.sql defines the macro over it), so
 * every verb's SQL can name a tag. */
static int load_tags(struct lake *l, struct err *e)
{
	int exists = 0;
	if (lake_table_exists(l, LAKE_OWN_SCHEMA, "tags", &exists, e) < 0 || !exists)
		return exists ? -1 : 0;
	return lake_exec(l,
			 "SET VARIABLE lakehouse_tags = (SELECT coalesce(map_from_entries(list((name, "
			 "snapshot_id))), MAP {}::MAP(VARCHAR, BIGINT)) FROM " LAKE_TAGS_TABLE ")",
			 e);
}

/* sql/00_attach.sql as this open runs it: a read-only one stops before the writers' part. */
static int run_attach(struct lake *l, struct err *e)
{
	const char *stop = l->read_only ? strstr(sql_00_attach, ATTACH_WRITERS_ONLY) : NULL;
	if (!stop)
		return lake_exec(l, sql_00_attach, e);
	char *head = strndup(sql_00_attach, (size_t)(stop - sql_00_attach));
	if (!head)
		return err_set(e, EXIT_FAILED, "out of memory");
	int rc = lake_exec(l, head, e);
	free(head);
	return rc;
}

/* DuckDB's lock message names the holder: "Conflicting lock is held in /path/prog (PID 123)". */
static long lock_holder_pid(const char *msg)
{
	const char *p = strstr(msg, "(PID ");
	return p ? strtol(p + 5, NULL, 10) : 0;
}

static int lake_busy(const struct config *cfg, int read_only, long pid, struct err *e)
{
	char holder[64] = "another process";
	if (pid > 0)
		snprintf(holder, sizeof holder, "another process (pid %ld)", pid);
	if (catalog_kind(cfg->catalog) != CATALOG_DUCKDB_FILE)
		return err_set(e, EXIT_CONFLICT,
			       "lake busy: %s holds a lock on the catalog %s (waited %ld s, "
			       "LAKEHOUSE_LOCK_TIMEOUT); try again, or raise LAKEHOUSE_LOCK_TIMEOUT",
			       holder, cfg->catalog, cfg->lock_timeout_s);
	if (read_only)
		return err_set(e, EXIT_CONFLICT,
			       "lake busy: %s is writing the catalog %s (waited %ld s, "
			       "LAKEHOUSE_LOCK_TIMEOUT); readers share a DuckDB-file catalog with each "
			       "other but wait for a writer; raise LAKEHOUSE_LOCK_TIMEOUT, or use a "
			       "PostgreSQL catalog for readers beside writers",
			       holder, cfg->catalog, cfg->lock_timeout_s);
	return err_set(e, EXIT_CONFLICT,
		       "lake busy: %s has the catalog %s open (waited %ld s, "
		       "LAKEHOUSE_LOCK_TIMEOUT); a writer needs a DuckDB-file catalog alone and waits "
		       "until every reader and writer has closed it; raise LAKEHOUSE_LOCK_TIMEOUT, or "
		       "use a PostgreSQL catalog for many clients",
		       holder, cfg->catalog, cfg->lock_timeout_s);
}

int lake_open(struct lake **out, const struct config *cfg, enum lake_mode mode, struct err *e)
{
	*out = NULL;
	struct stat st;
	if (mode != LAKE_CREATE && catalog_kind(cfg->catalog) == CATALOG_DUCKDB_FILE &&
	    stat(cfg->catalog, &st) != 0)
		return err_set(e, EXIT_FAILED,
			       "no lake catalog at '%s'; run 'lakehouse init' first (or set "
			       "LAKEHOUSE_CATALOG)",
			       cfg->catalog);
	if (check_storage(cfg, mode, e) < 0)
		return -1;
	/* A DuckDB-file catalog: readers share it, a writer has it alone (lake.h); a SQLite one
	 * locks while a writer commits. A process that meets a lock retries up to
	 * LAKEHOUSE_LOCK_TIMEOUT seconds, then reports "lake busy" (exit 4). */
	long waited_ms = 0, limit_ms = cfg->lock_timeout_s * 1000;
	struct lake *l;
	for (;;) {
		if (!(l = calloc(1, sizeof *l)))
			return err_set(e, EXIT_FAILED, "out of memory");
		l->cfg = cfg;
		l->read_only = mode == LAKE_READ;
		if (open_engine(l, e) == 0 && bind_settings(l, e) == 0 && run_attach(l, e) == 0)
			break;
		lake_close(l);
		int busy = strstr(e->msg, "Could not set lock") || strstr(e->msg, "database is locked");
		if (busy && waited_ms < limit_ms) {
			http_sleep_ms(250);
			waited_ms += 250;
			continue;
		}
		if (busy)
			return lake_busy(cfg, mode == LAKE_READ, lock_holder_pid(e->msg), e);
		if (e->msg[0] && !strstr(e->msg, "attach"))
			err_wrap(e, "cannot attach the lake (catalog '%s')", cfg->catalog);
		if (catalog_kind(cfg->catalog) == CATALOG_POSTGRES && strstr(e->msg, "password"))
			return err_set(e, EXIT_REMOTE,
				       "PostgreSQL refused the catalog's user (%.1200s): set PGPASSWORD "
				       "or put the password in ~/.pgpass (chmod 600), never in "
				       "LAKEHOUSE_CATALOG",
				       cfg->catalog);
		return -1;
	}
	/* DuckDB's own S3 requests (Parquet of the tables) stall out like ours do. */
	char timeout_sql[64];
	snprintf(timeout_sql, sizeof timeout_sql, "SET http_timeout = %ld", cfg->s3_timeout_s);
	if (query_discard(l, timeout_sql, NULL, 0, e) < 0) {
		lake_close(l);
		return -1;
	}
	/* The catalog names every object and its layout: owner-only, like the secrets in .env. */
	if (catalog_file(cfg->catalog)) /* a SQLite catalog's -wal gets the same mode */
		chmod(catalog_file(cfg->catalog), 0600);
	/* The secret has done its job inside the secret manager; drop the variable copy. */
	query_discard(l, "RESET VARIABLE s3_secret", NULL, 0, e);
	/* tag('NAME') in any verb's SQL (sql/00_attach.sql defines it over this variable) */
	if (load_tags(l, e) < 0) {
		lake_close(l);
		return -1;
	}
	*out = l;
	return 0;
}

void lake_close(struct lake *l)
{
	if (!l)
		return;
	if (l->con)
		duckdb_disconnect(&l->con);
	if (l->db)
		duckdb_close(&l->db);
	free(l);
}

/* LOADs one local extension and copies its version into out. */
static int extension_version(struct lake *l, const char *name, char *out, size_t n, struct err *e)
{
	char sql[128];
	snprintf(sql, sizeof sql, "LOAD %s", name);
	if (lake_exec(l, sql, e) < 0)
		return err_wrap(e, "cannot load the %s extension from %s (run scripts/bootstrap.sh)", name,
				l->cfg->extension_dir);
	const char *p[] = {name};
	duckdb_result r;
	if (lake_query(l, "SELECT extension_version FROM duckdb_extensions() WHERE extension_name = $1",
		       p, 1, &r, e) < 0)
		return -1;
	char *v = duckdb_value_varchar(&r, 0, 0);
	snprintf(out, n, "%s", v ? v : "?");
	duckdb_free(v);
	duckdb_destroy_result(&r);
	return 0;
}

int lake_engine_versions(const struct config *cfg, struct lake_versions *v, struct err *e)
{
	memset(v, 0, sizeof *v);
	snprintf(v->duckdb, sizeof v->duckdb, "%s", duckdb_library_version());
	struct lake *l = calloc(1, sizeof *l);
	if (!l)
		return err_set(e, EXIT_FAILED, "out of memory");
	l->cfg = cfg;
	int rc = open_engine(l, e);
	if (rc == 0)
		rc = extension_version(l, "ducklake", v->ducklake, sizeof v->ducklake, e);
	if (rc == 0)
		rc = extension_version(l, "httpfs", v->httpfs, sizeof v->httpfs, e);
	lake_close(l);
	return rc;
}

int lake_check_snapshot(struct lake *l, int64_t version, struct err *e)
{
	char v[32];
	int64_t n = 0, last = 0;
	snprintf(v, sizeof v, "%lld", (long long)version);
	const char *p[] = {v};
	if (lake_query_int64(l, "SELECT count(*) FROM lake.snapshots() WHERE snapshot_id = $1::BIGINT",
			     p, 1, &n, e) < 0 ||
	    lake_current_snapshot(l, &last, e) < 0)
		return -1;
	if (!n)
		return err_set(e, EXIT_USAGE, "snapshot %lld does not exist (the lake has 0..%lld; see "
					      "'lakehouse log')", (long long)version, (long long)last);
	return 0;
}

int lake_check_version(struct lake *l, const char *schema, const char *table, int64_t version,
		       struct err *e)
{
	char sql[256];
	if (lake_require_table(l, schema, table, e) < 0 || lake_check_snapshot(l, version, e) < 0)
		return -1;
	/* identifiers are validated; the version is a number */
	snprintf(sql, sizeof sql, "SELECT 1 FROM lake.\"%s\".\"%s\" AT (VERSION => %lld) LIMIT 0",
		 schema, table, (long long)version);
	duckdb_result r;
	if (lake_query(l, sql, NULL, 0, &r, e) < 0)
		return err_set(e, EXIT_USAGE, "table %s.%s did not exist at snapshot %lld", schema,
			       table, (long long)version);
	duckdb_destroy_result(&r);
	return 0;
}
