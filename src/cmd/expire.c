/* expire.c - `lakehouse expire --keep N | --older-than INTERVAL [--yes]`: DuckLake's snapshot
 * expiry (never the newest snapshot, never a tagged one), a check that the newest and every
 * tagged snapshot still read exactly as before (lake/history.h: the expiry guard), and only
 * then cleanup of the data files only expired snapshots needed. A dry run unless --yes.
 * Media objects are collected by `lakehouse gc`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/history.h"
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
const struct verb_spec cmd_expire_spec = {
	.name = "expire",
	.usage = "expire (--keep N | --older-than INTERVAL) [--yes] [--json]",
	.about = "Expires snapshots (time travel to them ends; the newest and every tagged one are always\n"
		 "kept, and named) and deletes the data files only they referenced, after checking that\n"
		 "the newest and the tagged snapshots still have all their tables, columns and files.\n"
		 "Without --yes, only shows what it would expire.\n",
	.options = expire_options};

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
	int64_t n = 0;
	int rc = history_pick_expiry(l, keep, older, &n, e);
	duckdb_result r;
	if (rc == 0 && history_tagged_snapshots(l, &r, e) == 0) {
		if (!json && duckdb_row_count(&r) > 0) {
			printf("kept %llu tagged snapshot(s) ('lakehouse tag --delete' lets one go):\n",
			       (unsigned long long)duckdb_row_count(&r));
			output_result(stdout, lake_connection(l), &r, OUTPUT_TABLE);
		} else if (json) {
			printf("{\"kept_tagged\": ");
			output_result(stdout, lake_connection(l), &r, OUTPUT_JSON);
			printf(", ");
		}
		duckdb_destroy_result(&r);
	} else {
		rc = -1;
	}
	if (rc == 0 && n == 0) {
		printf(json ? "\"expired\": [], \"dry_run\": %s, \"files_deleted\": 0}\n"
			    : "no snapshot to expire\n", yes ? "false" : "true");
	} else if (rc == 0) {
		rc = yes ? history_expiry_guard_begin(l, e) : 0;
		rc = rc ? rc : lake_query(l,
				yes ? "SELECT snapshot_id, commit_message FROM ducklake_expire_snapshots('lake', "
				      "versions => getvariable('lh_expire'), dry_run => false)"
				    : "SELECT snapshot_id, commit_message FROM ducklake_expire_snapshots('lake', "
				      "versions => getvariable('lh_expire'), dry_run => true)",
				NULL, 0, &r, e);
		if (rc == 0) {
			if (json)
				printf("\"dry_run\": %s, \"expired\": ", yes ? "false" : "true");
			else
				printf("%s %lld snapshots:\n",
				       yes ? "expired" : "would expire (dry run; --yes to do it)",
				       (long long)duckdb_row_count(&r));
			output_result(stdout, lake_connection(l), &r, json ? OUTPUT_JSON : OUTPUT_TABLE);
			duckdb_destroy_result(&r);
		}
		int64_t files = 0, changed = 0, doomed = 0;
		if (rc == 0 && yes)
			rc = history_expiry_guard_check(l, &changed, &doomed, e);
		if (rc == 0 && (changed || doomed))
			/* the catalog lost part of a live or tagged state: keep every file, so that a
			 * catalog backup restores it completely */
			rc = err_set(e, EXIT_FAILURE_,
				     "expiry changed what the newest or a tagged snapshot reads (%lld table "
				     "records differ, %lld of their files were scheduled for deletion): no file "
				     "was deleted; restore the catalog from a backup and report this DuckLake bug",
				     (long long)changed, (long long)doomed);
		if (rc == 0 && yes)
			rc = history_cleanup_files(l, 0, &files, e);
		if (rc == 0 && json)
			printf(", \"files_deleted\": %lld}\n", (long long)files);
		else if (rc == 0 && yes)
			printf("checked: the newest and every tagged snapshot read as before; deleted %lld "
			       "data files no retained snapshot needs\n",
			       (long long)files);
	}
	lake_close(l);
	return rc;
}
