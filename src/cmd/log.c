/* log.c - `lakehouse log [SCHEMA.TABLE]`: the snapshots that touched a table (or all). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/history.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct log_opts {
	const char *since;
	long last;
	enum output_format fmt;
};
static const struct opt log_options[] = {
	OPT_STRING("since", 0, struct log_opts, since, "REF",
		   "only the snapshots after REF (a snapshot id or a tag)"),
	OPT_LONG("last", 'n', struct log_opts, last, 0, LONG_MAX, "N", "only the N newest"),
	OPT_FORMAT(struct log_opts, fmt, ""),
	OPT_END()};
static const char *const log_examples[] = {
	"lakehouse log silver.demo_prices",
	"lakehouse log gold.coco_train --last 3 --json",
	NULL};
const struct verb_spec cmd_log_spec = {
	.name = "log",
	.usage = "log [SCHEMA.TABLE] [--since REF] [--last N] [--json | --csv]",
	.about = "Snapshots, newest first: id, time, author, message, changes, tags. With a table, only\n"
		 "those that created, changed or dropped it (also under an earlier table id, e.g. before a\n"
		 "rollback).\n",
	.options = log_options,
	.examples = log_examples};

int cmd_log(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct log_opts o = {.last = 1L << 30, .fmt = OUTPUT_TABLE};
	int first, parsed = opts_parse(&cmd_log_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	enum output_format fmt = o.fmt;
	long last = o.last;
	const char *since_ref = o.since;
	if (argc - first > 1)
		return cmd_usage_error(e, "log", "give at most one SCHEMA.TABLE");
	char schema[64] = "", table[64] = "";
	if (first < argc && lake_parse_table(argv[first], schema, table, e) < 0)
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
			rc = err_set(e, EXIT_FAILED, "cannot write to standard output");
		duckdb_destroy_result(&r);
	}
	lake_close(l);
	return rc;
}
