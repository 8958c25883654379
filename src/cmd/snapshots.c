/* snapshots.c - `lakehouse snapshots`: the lake's history, newest first. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/lake.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct snapshots_opts {
	long last;
	enum output_format fmt;
};
static const struct opt snapshots_options[] = {
	OPT_LONG("last", 'n', struct snapshots_opts, last, 0, LONG_MAX, "N", "only the N newest"),
	OPT_FORMAT(struct snapshots_opts, fmt, ""),
	OPT_END()};
static const char *const snapshots_examples[] = {
	"lakehouse snapshots --last 5",
	"lakehouse snapshots --json",
	NULL};
const struct verb_spec cmd_snapshots_spec = {
	.name = "snapshots",
	.usage = "snapshots [--json | --csv] [--last N]",
	.about = "Lists snapshots, newest first: id, time (ISO 8601, UTC), changes (tables by name),\n"
		 "author, commit message; 'lakehouse log' lists the same for one table.\n",
	.options = snapshots_options,
	.examples = snapshots_examples};

int cmd_snapshots(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct snapshots_opts o = {.last = -1, .fmt = OUTPUT_TABLE};
	int first, parsed = opts_parse(&cmd_snapshots_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	enum output_format fmt = o.fmt;
	long last = o.last;
	if (first < argc)
		return cmd_usage_error(e, "snapshots", "unexpected argument '%s'", argv[first]);
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
