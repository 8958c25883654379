/* tag.c - `lakehouse tag NAME [--snapshot REF | --time T] [-m MSG] [--force]`,
 * `tag --list [--json]`, `tag --delete NAME`: names for snapshots, kept in the lake
 * (lakehouse.tags) so every client sees them; see lake/history.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/history.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse tag NAME [--snapshot REF | --time T] [-m MESSAGE] [--force]\n"
	"       lakehouse tag --list [--json | --csv]\n"
	"       lakehouse tag --delete NAME\n\n"
	"Names a snapshot (the current one, snapshot or tag REF, or the one current at time T).\n"
	"A tag works everywhere a snapshot id does (show --version, diff, rollback --to, publish\n"
	"--version) and in SQL as tag('NAME'): FROM t AT (VERSION => tag('NAME')). expire never\n"
	"expires a tagged snapshot; delete the tag to let it go. Names: A-Z a-z 0-9 . _ - ;\n"
	"moving an existing tag needs --force. Each change is a snapshot (table lakehouse.tags).\n";

int cmd_tag(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},          {"snapshot", required_argument, NULL, 's'},
		{"time", required_argument, NULL, 't'},    {"message", required_argument, NULL, 'm'},
		{"force", no_argument, NULL, 'f'},         {"list", no_argument, NULL, 'l'},
		{"delete", required_argument, NULL, 'd'},  CMD_FORMAT_LONGOPTS,
		{0}};
	enum output_format fmt = OUTPUT_TABLE;
	const char *snap_ref = NULL, *ts = NULL, *del = NULL;
	struct tag_request rq = {.author = cfg->author};
	int list = 0, opt;
	while ((opt = getopt_long(argc, argv, "hm:f", longopts, NULL)) != -1) {
		if (cmd_format_option(opt, &fmt))
			continue;
		switch (opt) {
		case 'h': return fputs(usage, stdout), 0;
		case 's': snap_ref = optarg; break;
		case 't': ts = optarg; break;
		case 'm': rq.message = optarg; break;
		case 'f': rq.force = 1; break;
		case 'l': list = 1; break;
		case 'd': del = optarg; break;
		default: return cmd_usage_error(e, "tag", "unknown option");
		}
	}
	int naming = !list && !del;
	if (list + !!del > 1 || argc - optind != naming || (snap_ref && ts) ||
	    (!naming && (snap_ref || ts || rq.message || rq.force)))
		return cmd_usage_error(e, "tag", "give NAME [--snapshot REF | --time T], --list or --delete NAME");
	if (naming) {
		rq.name = argv[optind];
		if (!history_valid_tag_name(rq.name))
			return cmd_usage_error(e, "tag",
					       "invalid tag name '%s': use 1 to 63 of A-Z a-z 0-9 . _ - "
					       "(not only digits: a number is a snapshot id)",
					       rq.name);
	}
	struct lake *l;
	if (lake_open(&l, cfg, list ? LAKE_READ : LAKE_EXISTING, e) < 0)
		return -1;
	int rc = 0;
	if (list) {
		duckdb_result r;
		rc = history_tag_list(l, &r, e);
		if (rc == 0) {
			output_result(stdout, lake_connection(l), &r, fmt);
			duckdb_destroy_result(&r);
		}
	} else if (del) {
		rc = history_tag_delete(l, del, cfg->author, e);
		if (rc == 0)
			printf("deleted tag %s\n", del);
	} else {
		rc = lake_pin(l, &(struct lake_ref){.version = snap_ref, .time = ts}, &rq.snapshot, e);
		rc = rc ? rc : history_tag_set(l, &rq, e);
		if (rc == 0)
			printf("tag %s -> snapshot %lld\n", rq.name, (long long)rq.snapshot);
	}
	lake_close(l);
	return rc;
}
