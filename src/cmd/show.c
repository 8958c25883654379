/* show.c - `lakehouse show SCHEMA.TABLE [--version N | --time TS]`: time travel. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/history.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse show SCHEMA.TABLE [--version REF | --time TIMESTAMP] [--limit N]\n"
	"                      [--json | --csv | --wide | --line]\n\n"
	"The table's rows as they were at snapshot or tag REF, or at a point in time (any timestamp DuckDB\n"
	"reads, e.g. '2026-11-25 16:45:00+00'); the current rows without either. Default limit 20.\n"
	"On a terminal the table is cut to its width (long values end in …); piped or saved, every\n"
	"value is whole. --wide never cuts; --line prints one 'column = value' line per cell.\n";

int cmd_show(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},      {"version", required_argument, NULL, 'v'},
		{"time", required_argument, NULL, 't'}, {"limit", required_argument, NULL, 'n'},
		CMD_FORMAT_LONGOPTS, {0}};
	enum output_format fmt = OUTPUT_TABLE;
	long long limit = 20;
	const char *ts = NULL, *version_ref = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (cmd_format_option(opt, &fmt))
			continue;
		if (opt == 'v') {
			version_ref = optarg;
			continue;
		}
		if (opt == 'n') {
			long v;
			if (cmd_parse_long("show", "--limit", optarg, 0, LONG_MAX, &v, e) < 0)
				return -1;
			limit = v;
			continue;
		}
		if (opt == 't') {
			ts = optarg;
			continue;
		}
		return cmd_usage_error(e, "show", "bad option or value");
	}
	if (argc - optind != 1 || (ts && version_ref))
		return cmd_usage_error(e, "show", "give one SCHEMA.TABLE and at most one of --version, --time");
	char schema[64], table[64];
	if (lake_parse_table(argv[optind], schema, table, e) < 0)
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
