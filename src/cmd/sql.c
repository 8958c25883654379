/* sql.c - `lakehouse sql`: run SQL against the attached lake and print query results.
 *
 * Tables are addressed as lake.<schema>.<table> or, since `USE lake` runs at attach,
 * <schema>.<table>. With -m the whole script runs as one transaction whose snapshot carries
 * the message; without it every statement commits on its own, as in any SQL shell.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "lake/lake.h"
#include "core/fsutil.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse sql [--json | --csv] [-m MESSAGE] (QUERY | -f FILE.sql)\n\n"
	"Runs SQL on the lake (DuckDB dialect) and prints every query result.\n"
	"  -f, --file FILE     read the SQL from FILE ('-' for standard input)\n"
	"  -m, --message MSG   run everything in one transaction; MSG becomes the commit message\n"
	"  --json, --csv       output format (default: aligned table, cut to a terminal's width)\n"
	"  --wide, --line      the table never cut; one 'column = value' line per cell\n";

struct print_ctx {
	enum output_format fmt;
	int printed;
	duckdb_connection con;
};

static int print_result(duckdb_result *r, void *ud)
{
	struct print_ctx *pc = ud;
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
	if (lake_run(l, s->sql, print_result, s->pc, e) < 0)
		return -1;
	return lake_set_commit_message(l, s->cfg->author, s->message, e);
}

int cmd_sql(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'}, {"file", required_argument, NULL, 'f'},
		{"message", required_argument, NULL, 'm'}, CMD_FORMAT_LONGOPTS, {0}};
	struct print_ctx pc = {OUTPUT_TABLE, 0, NULL};
	const char *file = NULL, *message = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "hf:m:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (cmd_format_option(opt, &pc.fmt))
			continue;
		if (opt == 'f')
			file = optarg;
		else if (opt == 'm')
			message = optarg;
		else
			return cmd_usage_error(e, "sql", "unknown option");
	}
	int nargs = argc - optind;
	if ((file && nargs != 0) || (!file && nargs != 1))
		return cmd_usage_error(e, "sql", "give exactly one QUERY or -f FILE");

	struct buf script = {.max = 64u << 20};
	if (file && fs_read_file(file, &script, NULL, e) < 0)
		return buf_free(&script), -1;
	const char *sql = file ? script.data : argv[optind];
	if (!sql || !*sql)
		return buf_free(&script), err_set(e, EXIT_USAGE, "empty SQL");

	struct lake *l;
	int rc = lake_open(&l, cfg, LAKE_EXISTING, e);
	if (rc == 0) {
		pc.con = lake_connection(l);
		struct script sc = {cfg, sql, message, &pc};
		rc = message ? lake_in_transaction(l, run_script, &sc, e)
			     : lake_run(l, sql, print_result, &pc, e);
		lake_close(l);
	}
	buf_free(&script);
	return rc;
}
