/* expire.c - `lakehouse expire --keep N | --older-than INTERVAL [--yes]`: DuckLake's snapshot
 * expiry (never the newest snapshot), then cleanup of the data files only expired snapshots
 * needed. A dry run unless --yes. Media objects are collected by `lakehouse gc`. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/lake.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse expire (--keep N | --older-than INTERVAL) [--yes] [--json]\n\n"
	"Expires snapshots (time travel to them ends; the newest is always kept) and deletes the\n"
	"data files only they referenced. Without --yes, only shows what it would expire.\n"
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
	char k[32];
	snprintf(k, sizeof k, "%ld", keep);
	const char *p[] = {keep > 0 ? k : older};
	/* the snapshot list is computed by DuckDB: bound parameters only */
	const char *pick = keep > 0
		? "SET VARIABLE lh_expire = (SELECT coalesce(list(snapshot_id), []) FROM (SELECT snapshot_id "
		  "FROM lake.snapshots() ORDER BY snapshot_id DESC OFFSET $1::BIGINT))"
		: "SET VARIABLE lh_expire = (SELECT coalesce(list(snapshot_id), []) FROM lake.snapshots() "
		  "WHERE snapshot_time < now() - $1::INTERVAL AND snapshot_id < (SELECT max(snapshot_id) "
		  "FROM lake.snapshots()))";
	duckdb_result r;
	int rc = lake_query(l, pick, p, 1, &r, e);
	if (rc == 0)
		duckdb_destroy_result(&r);
	int64_t n = 0;
	rc = rc ? rc : lake_query_int64(l, "SELECT len(getvariable('lh_expire'))", NULL, 0, &n, e);
	if (rc == 0 && n == 0) {
		printf(json ? "{\"expired\": [], \"dry_run\": %s, \"files_deleted\": 0}\n"
			    : "no snapshot to expire\n", yes ? "false" : "true");
	} else if (rc == 0) {
		rc = lake_query(l,
				yes ? "SELECT snapshot_id, commit_message FROM ducklake_expire_snapshots('lake', "
				      "versions => getvariable('lh_expire'), dry_run => false)"
				    : "SELECT snapshot_id, commit_message FROM ducklake_expire_snapshots('lake', "
				      "versions => getvariable('lh_expire'), dry_run => true)",
				NULL, 0, &r, e);
		if (rc == 0) {
			if (json)
				printf("{\"dry_run\": %s, \"expired\": ", yes ? "false" : "true");
			else
				printf("%s %lld snapshots:\n",
				       yes ? "expired" : "would expire (dry run; --yes to do it)",
				       (long long)duckdb_row_count(&r));
			output_result(stdout, lake_connection(l), &r, json ? OUTPUT_JSON : OUTPUT_TABLE);
			duckdb_destroy_result(&r);
		}
		int64_t files = 0;
		if (rc == 0 && yes)
			rc = lake_query_int64(l,
					      "SELECT count(*) FROM ducklake_cleanup_old_files('lake', "
					      "cleanup_all => true)",
					      NULL, 0, &files, e);
		if (rc == 0 && json)
			printf(", \"files_deleted\": %lld}\n", (long long)files);
		else if (rc == 0 && yes)
			printf("deleted %lld data files no retained snapshot needs\n", (long long)files);
	}
	lake_close(l);
	return rc;
}
