/* rollback.c - `lakehouse rollback SCHEMA.TABLE --to N`: a NEW snapshot in which the table's
 * rows and schema equal those at snapshot N. DuckLake has no rollback of its own; the
 * snapshots rolled back over stay readable by time travel until they are expired. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/lake.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse rollback SCHEMA.TABLE --to N [-m MESSAGE] [--json]\n\n"
	"Replaces the table, in one new snapshot, by its content and schema at snapshot N.\n"
	"Earlier snapshots stay readable ('lakehouse show --version').\n";

struct rollback {
	const struct config *cfg;
	char schema[64], table[64];
	long long to;
	const char *message;
};

static int replace_table(struct lake *l, void *ctx, struct err *e)
{
	struct rollback *r = ctx;
	char sql[512], msg[512];
	/* identifiers validated, version numeric: rows AND columns come back as they were */
	snprintf(sql, sizeof sql,
		 "CREATE OR REPLACE TABLE lake.\"%s\".\"%s\" AS SELECT * FROM lake.\"%s\".\"%s\" AT "
		 "(VERSION => %lld)",
		 r->schema, r->table, r->schema, r->table, r->to);
	if (lake_exec(l, sql, e) < 0)
		return -1;
	if (!r->message)
		snprintf(msg, sizeof msg, "rollback %s.%s to snapshot %lld", r->schema, r->table, r->to);
	return lake_set_commit_message(l, r->cfg->author, r->message ? r->message : msg, e);
}

int cmd_rollback(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
						 {"to", required_argument, NULL, 't'},
						 {"message", required_argument, NULL, 'm'},
						 {"json", no_argument, NULL, 'j'},
						 {0}};
	struct rollback r = {.cfg = cfg, .to = -1};
	long to;
	int json = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "hm:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (opt == 'm')
			r.message = optarg;
		else if (opt == 'j')
			json = 1;
		else if (opt != 't')
			return cmd_usage_error(e, "rollback", "unknown option");
		else if (cmd_parse_long("rollback", "--to (a snapshot id)", optarg, 0, LONG_MAX, &to, e) < 0)
			return -1;
		else
			r.to = to;
	}
	if (argc - optind != 1 || r.to < 0)
		return cmd_usage_error(e, "rollback", "give SCHEMA.TABLE and --to N");
	if (lake_parse_table(argv[optind], r.schema, r.table, e) < 0)
		return -1;
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	int64_t snap = 0;
	int rc = lake_check_version(l, r.schema, r.table, r.to, e);
	rc = rc ? rc : lake_in_transaction(l, replace_table, &r, e);
	rc = rc ? rc : lake_current_snapshot(l, &snap, e);
	if (rc == 0 && json)
		printf("{\"table\": \"%s.%s\", \"to\": %lld, \"snapshot\": %lld}\n", r.schema, r.table,
		       r.to, (long long)snap);
	else if (rc == 0)
		printf("rolled back %s.%s to snapshot %lld: snapshot %lld\n", r.schema, r.table, r.to,
		       (long long)snap);
	lake_close(l);
	return rc;
}
