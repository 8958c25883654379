/* snapshots.c - `lakehouse snapshots`: the lake's history, newest first. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/lake.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse snapshots [--json | --csv] [--last N]\n\n"
	"Lists snapshots, newest first: id, time (ISO 8601, UTC), changes (tables by name),\n"
	"author, commit message; 'lakehouse log' lists the same for one table.\n"
	"  --last N   only the N newest\n";

int cmd_snapshots(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'}, {"last", required_argument, NULL, 'n'},
		CMD_FORMAT_LONGOPTS, {0}};
	enum output_format fmt = OUTPUT_TABLE;
	long last = -1;
	int opt;
	while ((opt = getopt_long(argc, argv, "hn:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (cmd_format_option(opt, &fmt))
			continue;
		if (opt == 'n') {
			if (cmd_parse_long("snapshots", "--last", optarg, 0, LONG_MAX, &last, e) < 0)
				return -1;
			continue;
		}
		return cmd_usage_error(e, "snapshots", "unknown option");
	}
	if (optind < argc)
		return cmd_usage_error(e, "snapshots", "unexpected argument '%s'", argv[optind]);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_READ, e) < 0)
		return -1;
	char limit[32], sql[4096];
	snprintf(limit, sizeof limit, "%ld", last < 0 ? (long)1 << 30 : last);
	snprintf(sql, sizeof sql,
		 "WITH %s SELECT id, time, changes, author, commit_message FROM history "
		 "ORDER BY id DESC LIMIT $1::BIGINT",
		 lake_history_cte);
	const char *p[] = {limit};
	int rc = cmd_print_query(l, sql, p, 1, fmt, e);
	lake_close(l);
	return rc;
}
