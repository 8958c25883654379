/* log.c - `lakehouse log [SCHEMA.TABLE]`: the snapshots that touched a table (or all). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/lake.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse log [SCHEMA.TABLE] [--last N] [--json | --csv]\n\n"
	"Snapshots, newest first: id, time, author, message, changes. With a table, only those\n"
	"that created, changed or dropped it (also under an earlier table id, e.g. before a\n"
	"rollback).\n";

int cmd_log(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'}, {"last", required_argument, NULL, 'n'},
		CMD_FORMAT_LONGOPTS, {0}};
	enum output_format fmt = OUTPUT_TABLE;
	long last = 1L << 30;
	int opt;
	while ((opt = getopt_long(argc, argv, "hn:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (cmd_format_option(opt, &fmt))
			continue;
		if (opt != 'n')
			return cmd_usage_error(e, "log", "bad option");
		if (cmd_parse_long("log", "--last", optarg, 0, LONG_MAX, &last, e) < 0)
			return -1;
	}
	if (argc - optind > 1)
		return cmd_usage_error(e, "log", "give at most one SCHEMA.TABLE");
	char schema[64] = "", table[64] = "", limit[32];
	if (optind < argc && lake_parse_table(argv[optind], schema, table, e) < 0)
		return -1;
	snprintf(limit, sizeof limit, "%ld", last);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	if (table[0] && lake_require_table(l, schema, table, e) < 0)
		return lake_close(l), -1;
	/* A table is touched by a snapshot when its changes name one of the ids the table has
	 * had (ducklake_table keeps a row per version) or its qualified name. */
	const char *p[] = {schema, table, limit};
	char sql[6144];
	snprintf(sql, sizeof sql,
		 "WITH %s, ids AS (SELECT DISTINCT t.table_id FROM "
		 "__ducklake_metadata_lake.ducklake_table t JOIN "
		 "__ducklake_metadata_lake.ducklake_schema s USING (schema_id) "
		 "WHERE s.schema_name = $1 AND t.table_name = $2) "
		 "SELECT h.id, h.time, h.author, h.commit_message AS message, h.changes "
		 "FROM history h WHERE $2 = '' OR EXISTS (SELECT 1 FROM ids WHERE "
		 "regexp_matches(h.changes_made, ':' || ids.table_id || '(,|$)')) OR "
		 "contains(h.changes_made, '\"' || $1 || '\".\"' || $2 || '\"') "
		 "ORDER BY h.id DESC LIMIT $3::BIGINT",
		 lake_history_cte);
	int rc = cmd_print_query(l, sql, p, 3, fmt, e);
	lake_close(l);
	return rc;
}
