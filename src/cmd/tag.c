/* tag.c - `lakehouse tag NAME [--snapshot REF | --time T] [-m MSG] [--force]`,
 * `tag --list [--json]`, `tag --delete NAME`: names for snapshots, kept in the lake
 * (lakehouse.tags) so every client sees them; see lake/history.h. */
#include <stdio.h>
#include <stdlib.h>

#include "lake/history.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct tag_opts {
	const char *snapshot, *time, *message, *del;
	int force, list;
	enum output_format fmt;
};
static const struct opt tag_options[] = {
	OPT_STRING("snapshot", 0, struct tag_opts, snapshot, "REF",
		   "name snapshot REF (an id or a tag; default: the current one)"),
	OPT_STRING("time", 0, struct tag_opts, time, "T", "name the snapshot current at time T"),
	OPT_STRING("message", 'm', struct tag_opts, message, "MESSAGE", "a note kept with the tag"),
	OPT_FLAG("force", 'f', struct tag_opts, force, "move an existing tag"),
	OPT_FLAG("list", 0, struct tag_opts, list, "list the tags"),
	OPT_STRING("delete", 0, struct tag_opts, del, "NAME", "delete tag NAME"),
	OPT_FORMAT(struct tag_opts, fmt, "--list: output as JSON or CSV"),
	OPT_END()};
static const char *const tag_examples[] = {
	"lakehouse tag release-1 -m 'first curated set'",
	"lakehouse tag demo-bad --snapshot 8",
	"lakehouse tag --list",
	NULL};
const struct verb_spec cmd_tag_spec = {
	.name = "tag",
	.usage = "tag NAME [--snapshot REF | --time T] [-m MESSAGE] [--force]\n"
		 "tag --list [--json | --csv]\n"
		 "tag --delete NAME",
	.about = "Names a snapshot (the current one, snapshot or tag REF, or the one current at time T).\n"
		 "A tag works everywhere a snapshot id does (show --version, diff, rollback --to, publish\n"
		 "--version) and in SQL as tag('NAME'): FROM t AT (VERSION => tag('NAME')). expire never\n"
		 "expires a tagged snapshot; delete the tag to let it go. Names: A-Z a-z 0-9 . _ - ;\n"
		 "moving an existing tag needs --force. Each change is a snapshot (table lakehouse.tags).\n",
	.options = tag_options,
	.examples = tag_examples};

int cmd_tag(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct tag_opts o = {.fmt = OUTPUT_TABLE};
	int first, parsed = opts_parse(&cmd_tag_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	enum output_format fmt = o.fmt;
	const char *snap_ref = o.snapshot, *ts = o.time, *del = o.del;
	struct tag_request rq = {.author = cfg->author, .message = o.message, .force = o.force};
	int list = o.list;
	int naming = !list && !del;
	if (list + !!del > 1 || argc - first != naming || (snap_ref && ts) ||
	    (!naming && (snap_ref || ts || rq.message || rq.force)))
		return cmd_usage_error(e, "tag", "give NAME [--snapshot REF | --time T], --list or --delete NAME");
	if (naming) {
		rq.name = argv[first];
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
