/* sql.c - `lakehouse sql`: run SQL against the attached lake and print query results.
 *
 * Tables are addressed as lake.<schema>.<table> or, since `USE lake` runs at attach,
 * <schema>.<table>. With -m, the whole script runs as one transaction whose snapshot carries
 * the author and the message; without it, a single writing statement does too (message "sql: "
 * and its start), and a script of several statements, or one that manages transactions itself
 * (BEGIN, COMMIT, ATTACH ...), runs statement by statement as in any SQL shell, each write its
 * own snapshot. After a write, one line says what it did and which snapshot.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "lake/lake.h"
#include "core/fsutil.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct sql_opts {
	const char *file, *message;
	enum output_format fmt;
};
static const struct opt sql_options[] = {
	OPT_STRING("file", 'f', struct sql_opts, file, "FILE",
		   "read the SQL from FILE ('-' for standard input)"),
	OPT_STRING("message", 'm', struct sql_opts, message, "MSG",
		   "run everything in one transaction; MSG becomes the commit message\n"
		   "(a single writing statement gets 'sql: ' and its first 80 chars;\n"
		   "without -m, several statements commit one by one)"),
	OPT_FORMAT(struct sql_opts, fmt, ""),
	OPT_END()};
static const char *const sql_examples[] = {
	"lakehouse sql 'SELECT split, count(*) FROM gold.coco_train GROUP BY split'",
	"lakehouse sql -m 'cheaper items' 'UPDATE silver.demo_prices SET price = price * 0.9 "
	 "WHERE item < 10'",
	"lakehouse sql -f sql/queries/crowded-scenes.sql --csv",
	NULL};
const struct verb_spec cmd_sql_spec = {
	.name = "sql",
	.usage = "sql [--json | --csv] [-m MESSAGE] (QUERY | -f FILE.sql)",
	.about = "Runs SQL on the lake (DuckDB dialect) and prints every query result.\n",
	.options = sql_options,
	.examples = sql_examples};

struct print_ctx {
	enum output_format fmt;
	int printed;
	duckdb_connection con;
	int64_t inserted, updated, deleted, merged, other_writes; /* what the script did, for the report */
};

static void count_write(struct print_ctx *pc, duckdb_result *r)
{
	switch (duckdb_result_statement_type(*r)) {
	case DUCKDB_STATEMENT_TYPE_INSERT: pc->inserted += (int64_t)duckdb_rows_changed(r); break;
	case DUCKDB_STATEMENT_TYPE_UPDATE: pc->updated += (int64_t)duckdb_rows_changed(r); break;
	case DUCKDB_STATEMENT_TYPE_DELETE: pc->deleted += (int64_t)duckdb_rows_changed(r); break;
	case DUCKDB_STATEMENT_TYPE_MERGE_INTO: pc->merged += (int64_t)duckdb_rows_changed(r); break;
	case DUCKDB_STATEMENT_TYPE_CREATE:
	case DUCKDB_STATEMENT_TYPE_DROP:
	case DUCKDB_STATEMENT_TYPE_ALTER: pc->other_writes++; break;
	default: break;
	}
}

static int print_result(duckdb_result *r, void *ud)
{
	struct print_ctx *pc = ud;
	count_write(pc, r);
	if (duckdb_result_return_type(*r) != DUCKDB_RESULT_TYPE_QUERY_RESULT)
		return 0;
	if (pc->printed++ && pc->fmt != OUTPUT_CSV && pc->fmt != OUTPUT_JSON)
		fputc('\n', stdout);
	return output_result(stdout, pc->con, r, pc->fmt);
}

struct script {
	const struct config *cfg;
	const char *sql, *message;
	struct print_ctx *pc;
};

static int run_script(struct lake *l, void *ctx, struct err *e)
{
	struct script *s = ctx;
	struct print_ctx fresh = *s->pc;
	fresh.inserted = fresh.updated = fresh.deleted = fresh.merged = fresh.other_writes = 0; /* a rerun */
	*s->pc = fresh;
	if (lake_run(l, s->sql, print_result, s->pc, e) < 0)
		return -1;
	return lake_set_commit_message(l, s->cfg->author, s->message, e);
}

/* The first word of each statement (a rough split on ';', enough to classify a script). */
static int script_has_word(const char *sql, const char *const *words)
{
	for (const char *p = sql; *p;) {
		while (*p && (isspace((unsigned char)*p) || *p == ';'))
			p++;
		for (size_t i = 0; words[i]; i++)
			if (strncasecmp(p, words[i], strlen(words[i])) == 0 &&
			    !isalnum((unsigned char)p[strlen(words[i])]))
				return 1;
		p += strcspn(p, ";");
	}
	return 0;
}

static const char *const write_words[] = {"INSERT", "UPDATE", "DELETE", "MERGE", "CREATE",
					  "DROP", "ALTER", "TRUNCATE", NULL};
/* Statements that cannot run inside our transaction, or manage one themselves. */
static const char *const own_tx_words[] = {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT",
					   "ATTACH", "DETACH", "USE", "SET", "RESET", "CALL",
					   "CHECKPOINT", "VACUUM", "INSTALL", "LOAD", "PRAGMA", NULL};

/* "sql: " and the script's start, one line, cut to 80 characters with "…". */
static void default_message(const char *sql, char *out, size_t n)
{
	char one[100];
	size_t j = 0;
	while (isspace((unsigned char)*sql))
		sql++;
	for (; *sql && j < sizeof one - 1; sql++)
		if (!(isspace((unsigned char)*sql) && j && one[j - 1] == ' '))
			one[j++] = isspace((unsigned char)*sql) ? ' ' : *sql;
	one[j] = '\0';
	size_t len = strlen(one);
	while (len && (one[len - 1] == ' ' || one[len - 1] == ';'))
		one[--len] = '\0';
	if (len + 5 > 80) /* room for "sql: " */
		snprintf(out, n, "sql: %.*s…", 74, one);
	else
		snprintf(out, n, "sql: %s", one);
}

static void report_writes(struct lake *l, const struct print_ctx *pc)
{
	if (!(pc->inserted || pc->updated || pc->deleted || pc->merged || pc->other_writes) ||
	    pc->fmt == OUTPUT_CSV || pc->fmt == OUTPUT_JSON)
		return;
	int64_t snap = 0;
	struct err ignored = {0};
	char what[160] = "";
	if (pc->inserted)
		snprintf(what + strlen(what), sizeof what - strlen(what), "inserted %lld row%s",
			 (long long)pc->inserted, pc->inserted == 1 ? "" : "s");
	if (pc->updated)
		snprintf(what + strlen(what), sizeof what - strlen(what), "%supdated %lld row%s",
			 what[0] ? ", " : "", (long long)pc->updated, pc->updated == 1 ? "" : "s");
	if (pc->deleted)
		snprintf(what + strlen(what), sizeof what - strlen(what), "%sdeleted %lld row%s",
			 what[0] ? ", " : "", (long long)pc->deleted, pc->deleted == 1 ? "" : "s");
	if (pc->merged)
		snprintf(what + strlen(what), sizeof what - strlen(what), "%smerged %lld row%s",
			 what[0] ? ", " : "", (long long)pc->merged, pc->merged == 1 ? "" : "s");
	if (!what[0])
		snprintf(what, sizeof what, "changed the schema");
	if (lake_current_snapshot(l, &snap, &ignored) == 0)
		printf("%s%s: snapshot %lld\n", pc->printed ? "\n" : "", what, (long long)snap);
}

int cmd_sql(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct sql_opts o = {.fmt = OUTPUT_TABLE};
	int first, parsed = opts_parse(&cmd_sql_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	struct print_ctx pc = {.fmt = o.fmt};
	const char *file = o.file, *message = o.message;
	int nargs = argc - first;
	if ((file && nargs != 0) || (!file && nargs != 1))
		return cmd_usage_error(e, "sql", "give exactly one QUERY or -f FILE");

	struct buf script = {.max = 64u << 20};
	if (file && fs_read_file(file, &script, NULL, e) < 0)
		return buf_free(&script), -1;
	const char *sql = file ? script.data : argv[first];
	if (!sql || !*sql)
		return buf_free(&script), err_set(e, EXIT_USAGE, "empty SQL");

	struct lake *l;
	int rc = lake_open(&l, cfg, !message && lake_sql_reads_only(sql) ? LAKE_READ : LAKE_EXISTING, e);
	if (rc == 0) {
		pc.con = lake_connection(l);
		char fallback[128];
		/* Without -m, only a single writing statement is wrapped (to carry the author and a
		 * default message); a script of several statements commits statement by statement,
		 * as in any SQL shell (a script of 200 updates makes 200 snapshots). */
		duckdb_extracted_statements stmts = NULL;
		idx_t nstmts = duckdb_extract_statements(pc.con, sql, &stmts);
		duckdb_destroy_extracted(&stmts);
		int one_tx = message || (nstmts == 1 && script_has_word(sql, write_words) &&
					 !script_has_word(sql, own_tx_words));
		if (!message)
			default_message(sql, fallback, sizeof fallback);
		struct script sc = {cfg, sql, message ? message : fallback, &pc};
		rc = one_tx ? lake_in_transaction(l, run_script, &sc, e)
			    : lake_run(l, sql, print_result, &pc, e);
		if (rc >= 0)
			report_writes(l, &pc);
		rc = rc < 0 ? -1 : 0;
		lake_close(l);
	}
	buf_free(&script);
	return rc;
}
