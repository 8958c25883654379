/* expire.c - `lakehouse expire --keep N | --older-than INTERVAL [--yes]`: DuckLake's snapshot
 * expiry under the guard of lake/maintain.h (never the newest snapshot, never a tagged one;
 * files are deleted only after the retained states are checked). A dry run unless --yes.
 * Media objects are collected by `lakehouse gc`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/maintain.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct expire_opts {
	long keep;
	const char *older;
	int yes, json;
};
static const struct opt expire_options[] = {
	OPT_LONG("keep", 0, struct expire_opts, keep, 1, LONG_MAX, "N", "keep the N newest snapshots"),
	OPT_STRING("older-than", 0, struct expire_opts, older, "INTERVAL",
		   "expire those older than INTERVAL, e.g. '7 days', '12 hours'"),
	OPT_FLAG("yes", 0, struct expire_opts, yes, "expire them (without it, a dry run)"),
	OPT_FLAG("json", 0, struct expire_opts, json, "the result as JSON"),
	OPT_END()};
static const char *const expire_examples[] = {
	"lakehouse expire --keep 5  # a dry run: what it would expire",
	"lakehouse expire --older-than '7 days' --yes",
	NULL};
const struct verb_spec cmd_expire_spec = {
	.name = "expire",
	.usage = "expire (--keep N | --older-than INTERVAL) [--yes] [--json]",
	.about = "Expires snapshots (time travel to them ends; the newest and every tagged one are always\n"
		 "kept, and named) and deletes the data files only they referenced, after checking that\n"
		 "the newest and the tagged snapshots still have all their tables, columns and files.\n"
		 "Without --yes, only shows what it would expire.\n",
	.options = expire_options,
	.examples = expire_examples};

int cmd_expire(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct expire_opts o = {.keep = -1};
	int first, parsed = opts_parse(&cmd_expire_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	long keep = o.keep;
	const char *older = o.older;
	int yes = o.yes, json = o.json;
	if ((keep < 0) == !older || first != argc)
		return cmd_usage_error(e, "expire", "give exactly one of --keep N, --older-than INTERVAL");
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	struct expire_request rq = {.keep = keep, .older = older, .yes = yes};
	struct expire_result res;
	int rc = lake_expire(l, &rq, &res, e), expired = rc == 0;
	if (rc == 0 && json) {
		json_t *j = json_pack("{s:o, s:b, s:o, s:I}", "kept_tagged",
				      output_rows_json(lake_connection(l), &res.kept_tagged), "dry_run", !yes, "expired",
				      res.n ? output_rows_json(lake_connection(l), &res.expired) : json_array(),
				      "files_deleted", (json_int_t)res.files_deleted);
		rc = output_json(stdout, j) < 0 ? err_set(e, EXIT_FAILED, "cannot write to standard output") : 0;
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
