/* expire.c - `lakehouse expire --keep N | --older-than INTERVAL [--yes]`: DuckLake's snapshot
 * expiry (never the newest snapshot, never a tagged one), a check that the newest and every
 * tagged snapshot still read exactly as before (lake/history.h: the expiry guard), and only
 * then cleanup of the data files only expired snapshots needed. A dry run unless --yes.
 * Media objects are collected by `lakehouse gc`. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/history.h"
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
