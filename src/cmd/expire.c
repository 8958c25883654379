/* expire.c - `lakehouse expire --keep N | --older-than INTERVAL [--yes]`: DuckLake's snapshot
 * expiry under the guard of lake/maintain.h (never the newest snapshot, never a tagged one;
 * files are deleted only after the retained states are checked). A dry run unless --yes.
 * Media objects are collected by `lakehouse gc`. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/maintain.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse expire (--keep N | --older-than INTERVAL) [--yes] [--json]\n\n"
	"Expires snapshots (time travel to them ends; the newest and every tagged one are always\n"
	"kept, and named) and deletes the data files only they referenced, after checking that\n"
	"the newest and the tagged snapshots still have all their tables, columns and files.\n"
	"Without --yes, only shows what it would expire.\n"
	"  --keep N               keep the N newest snapshots\n"
	"  --older-than INTERVAL  e.g. '7 days', '12 hours'\n";

int cmd_expire(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'}, {"keep", required_argument, NULL, 'k'},
		{"older-than", required_argument, NULL, 'o'}, {"yes", no_argument, NULL, 'y'},
		{"json", no_argument, NULL, 'j'}, {0}};
	long keep = -1;
	const char *older = NULL;
	int yes = 0, json = 0, opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (opt == 'y')
			yes = 1;
		else if (opt == 'j')
			json = 1;
		else if (opt == 'o')
			older = optarg;
		else if (opt != 'k')
			return cmd_usage_error(e, "expire", "unknown option");
		else if (cmd_parse_long("expire", "--keep", optarg, 1, LONG_MAX, &keep, e) < 0)
			return -1;
	}
	if ((keep < 0) == !older || optind != argc)
		return cmd_usage_error(e, "expire", "give exactly one of --keep N, --older-than INTERVAL");
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	struct expire_request rq = {.keep = keep, .older = older, .yes = yes};
	struct expire_result res;
	int rc = lake_expire(l, &rq, &res, e), expired = rc == 0;
	if (rc == 0 && json) {
		json_t *j = json_pack("{s:o, s:b, s:o, s:I}", "kept_tagged",
				      output_rows_json(&res.kept_tagged), "dry_run", !yes, "expired",
				      res.n ? output_rows_json(&res.expired) : json_array(),
				      "files_deleted", (json_int_t)res.files_deleted);
		rc = output_json(stdout, j) < 0 ? err_set(e, 0, "cannot write to standard output") : 0;
	} else if (rc == 0) {
		if (duckdb_row_count(&res.kept_tagged) > 0) {
			printf("kept %llu tagged snapshot(s) ('lakehouse tag --delete' lets one go):\n",
			       (unsigned long long)duckdb_row_count(&res.kept_tagged));
			output_result(stdout, lake_connection(l), &res.kept_tagged, OUTPUT_TABLE);
		}
		if (res.n == 0) {
			printf("no snapshot to expire\n");
		} else {
			printf("%s %lld snapshots:\n",
			       yes ? "expired" : "would expire (dry run; --yes to do it)",
			       (long long)duckdb_row_count(&res.expired));
			output_result(stdout, lake_connection(l), &res.expired, OUTPUT_TABLE);
		}
		if (res.n && yes)
			printf("checked: the newest and every tagged snapshot read as before; deleted %lld "
			       "data files no retained snapshot needs\n",
			       (long long)res.files_deleted);
	}
	if (expired)
		lake_expire_result_free(&res);
	lake_close(l);
	return rc;
}
