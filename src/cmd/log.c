/* log.c - `lakehouse log [SCHEMA.TABLE]`: the snapshots that touched a table (or all). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/history.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse log [SCHEMA.TABLE] [--since REF] [--last N] [--json | --csv]\n\n"
	"Snapshots, newest first: id, time, author, message, changes, tags. With a table, only\n"
	"those that created, changed or dropped it (also under an earlier table id, e.g. before a\n"
	"rollback). --since REF (a snapshot id or a tag): only the snapshots after it.\n";

int cmd_log(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'}, {"last", required_argument, NULL, 'n'},
		{"since", required_argument, NULL, 's'}, CMD_FORMAT_LONGOPTS, {0}};
	enum output_format fmt = OUTPUT_TABLE;
	long last = 1L << 30;
	int opt;
	const char *since_ref = NULL;
	while ((opt = getopt_long(argc, argv, "hn:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (cmd_format_option(opt, &fmt))
			continue;
		if (opt == 's') {
			since_ref = optarg;
			continue;
		}
		if (opt != 'n')
			return cmd_usage_error(e, "log", "bad option");
		if (cmd_parse_long("log", "--last", optarg, 0, LONG_MAX, &last, e) < 0)
			return -1;
	}
	if (argc - optind > 1)
		return cmd_usage_error(e, "log", "give at most one SCHEMA.TABLE");
	char schema[64] = "", table[64] = "";
	if (optind < argc && lake_parse_table(argv[optind], schema, table, e) < 0)
		return -1;
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_READ, e) < 0)
		return -1;
	if (table[0] && lake_require_table(l, schema, table, e) < 0)
		return lake_close(l), -1;
	duckdb_result r;
	int64_t since = -1;
	int rc = since_ref ? lake_pin(l, &(struct lake_ref){.version = since_ref}, &since, e) : 0;
	rc = rc ? rc : history_log(l, schema, table, since, last, &r, e);
	if (rc == 0) {
		if (output_result(stdout, lake_connection(l), &r, fmt) < 0)
			rc = err_set(e, 0, "cannot write to standard output");
		duckdb_destroy_result(&r);
	}
	lake_close(l);
	return rc;
}
