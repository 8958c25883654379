/* show.c - `lakehouse show SCHEMA.TABLE [--version N | --time TS]`: time travel. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/history.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct show_opts {
	const char *version, *time;
	long limit;
	enum output_format fmt;
};
static const struct opt show_options[] = {
	OPT_STRING("version", 0, struct show_opts, version, "REF", "the rows at snapshot or tag REF"),
	OPT_STRING("time", 0, struct show_opts, time, "TIMESTAMP", "the rows at that time"),
	OPT_LONG("limit", 0, struct show_opts, limit, 0, LONG_MAX, "N", "at most N rows (default 20)"),
	OPT_FORMAT(struct show_opts, fmt, ""),
	OPT_END()};
static const char *const show_examples[] = {
	"lakehouse show gold.coco_train --limit 3",
	"lakehouse show silver.demo_prices --version 8 --limit 4"
	 "  # time travel: the version demo's bad transform",
	NULL};
const struct verb_spec cmd_show_spec = {
	.name = "show",
	.usage = "show SCHEMA.TABLE [--version REF | --time TIMESTAMP] [--limit N]\n"
		 "                      [--json | --csv | --wide | --line]",
	.about = "The table's rows as they were at snapshot or tag REF, or at a point in time (any timestamp DuckDB\n"
		 "reads, e.g. '2026-11-25 16:45:00+00'); the current rows without either. Default limit 20.\n"
		 "On a terminal the table is cut to its width (long values end in …); piped or saved, every\n"
		 "value is whole. --wide never cuts; --line prints one 'column = value' line per cell.\n",
	.options = show_options,
	.examples = show_examples};

int cmd_show(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct show_opts o = {.limit = 20, .fmt = OUTPUT_TABLE};
	int first, parsed = opts_parse(&cmd_show_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	enum output_format fmt = o.fmt;
	long long limit = o.limit;
	const char *ts = o.time, *version_ref = o.version;
	if (argc - first != 1 || (ts && version_ref))
		return cmd_usage_error(e, "show", "give one SCHEMA.TABLE and at most one of --version, --time");
	char schema[64], table[64];
	if (lake_parse_table(argv[first], schema, table, e) < 0)
		return -1;
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_READ, e) < 0)
		return -1;
	char at[160] = "";
	int rc = lake_require_table(l, schema, table, e);
	if (rc == 0 && (version_ref || ts)) {
		int64_t version = 0;
		struct lake_ref ref = {.version = version_ref, .time = ts};
		rc = lake_pin(l, &ref, &version, e);
		rc = rc ? rc : lake_check_version(l, schema, table, version, e);
		snprintf(at, sizeof at, " AT (VERSION => %lld)", (long long)version);
	}
	if (rc == 0) {
		char sql[512];
		snprintf(sql, sizeof sql, "SELECT * FROM lake.\"%s\".\"%s\"%s LIMIT %lld", schema, table,
			 at, limit);
		rc = cmd_print_query(l, sql, NULL, 0, fmt, e);
	}
	lake_close(l);
	return rc;
}
