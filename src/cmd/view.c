/* view.c - `lakehouse view`: write a static site of the lake (layers, snapshot timeline,
 * table pages, contact sheets of query results with their boxes). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/progress.h"
#include "view/site.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct view_opts {
	const char *out, *version, *time;
	long limit, threads;
	int json;
	struct view_sheet *sheets; /* argc of them: --sql and --query in the order given */
	size_t n_sheets;
};
static int sql_sheet(void *args, const char *value, struct err *e)
{
	(void)e;
	struct view_opts *o = args;
	o->sheets[o->n_sheets++].sql = value;
	return 0;
}
static int query_sheet(void *args, const char *value, struct err *e)
{
	(void)e;
	struct view_opts *o = args;
	o->sheets[o->n_sheets++].query = value;
	return 0;
}
static const struct opt view_options[] = {
	OPT_STRING("out", 'o', struct view_opts, out, "DIR", "where the site goes"),
	OPT_CALLBACK("sql", 0, sql_sheet, "QUERY", "a contact sheet of this query's rows"),
	OPT_CALLBACK("query", 0, query_sheet, "NAME", "a contact sheet of this named query"),
	OPT_STRING("version", 0, struct view_opts, version, "REF",
		   "the lake as it was at snapshot REF (an id or a tag)"),
	OPT_STRING("time", 0, struct view_opts, time, "T", "the lake as it was at time T"),
	OPT_LONG("limit", 0, struct view_opts, limit, 1, 100000, "N", "rows per contact sheet (default 100)"),
	OPT_LONG("threads", 0, struct view_opts, threads, 1, 32, "N", "parallel fetches (default 8)"),
	OPT_FLAG("json", 0, struct view_opts, json, "the summary as JSON"),
	OPT_END()};
static const char *const view_examples[] = {
	"lakehouse view  # the site in local-store/view/index.html",
	"lakehouse view --out local-store/crowded --query crowded-scenes --limit 50",
	NULL};
const struct verb_spec cmd_view_spec = {
	.name = "view",
	.usage = "view [--out DIR] [--sql QUERY | --query NAME]... [--version REF | --time T]\n"
		 "                      [--limit N] [--threads N] [--json]",
	.about = "Writes a static, self-contained site of the lake to DIR (default: <local store>/view):\n"
		 "index.html (layers raw -> silver -> gold), timeline.html (every snapshot, what it changed),\n"
		 "a page per table (schema and its history, first rows, thumbnails of *_uri images) and a\n"
		 "contact sheet per --sql/--query (default: crowded-scenes and busy-fragments when their\n"
		 "tables exist): thumbnails with their boxes drawn over them, fragment strips of 3 frames.\n"
		 "No server and no network: open index.html from file:// in any browser. Thumbnails are\n"
		 "cached by content address in DIR/thumbs, so a second run fetches only what is new.\n",
	.options = view_options,
	.examples = view_examples};

static void print_summary(const struct view_result *r, int json)
{
	const struct thumbs_stats *m = &r->media;
	if (json) {
		output_json(stdout,
			    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
				      "index", r->index_path, "snapshot", (json_int_t)r->version, "pages",
				      (json_int_t)r->pages, "tables", (json_int_t)r->tables,
				      "snapshots", (json_int_t)r->snapshots, "sheets",
				      (json_int_t)r->sheets, "tiles", (json_int_t)r->tiles, "gets",
				      (json_int_t)m->gets, "bytes_fetched", (json_int_t)m->bytes,
				      "thumbnails_made", (json_int_t)m->made, "thumbnails_cached",
				      (json_int_t)m->cached, "warnings", (json_int_t)r->warnings,
				      "up_to_date", r->up_to_date));
		return;
	}
	printf("%s\n", r->index_path);
	if (r->up_to_date)
		printf("view of snapshot %lld: up to date (the site already shows it for this request; "
		       "nothing fetched or written)\n", (long long)r->version);
	else
		printf("view of snapshot %lld: %lld pages (%lld tables, %lld snapshots, %lld contact sheets, "
		       "%lld tiles); %lld GETs (%lld bytes), %lld thumbnails made, %lld cached, %lld warnings\n",
		       (long long)r->version, (long long)r->pages, (long long)r->tables,
		       (long long)r->snapshots, (long long)r->sheets, (long long)r->tiles,
		       (long long)m->gets, (long long)m->bytes, (long long)m->made, (long long)m->cached,
		       (long long)r->warnings);
	if (isatty(STDOUT_FILENO))
		printf("open file://%s\n", r->index_path);
}

int cmd_view(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct view_sheet *sheets = calloc((size_t)argc + 1, sizeof *sheets);
	if (!sheets)
		return err_set(e, EXIT_FAILED, "out of memory");
	char out[1100];
	snprintf(out, sizeof out, "%s/view", cfg->local_store);
	struct view_opts o = {.out = out, .limit = 100, .threads = 8, .sheets = sheets};
	int first, rc = opts_parse(&cmd_view_spec, &o, argc, argv, &first, e);
	if (rc != 0) {
		free(sheets);
		return rc < 0 ? -1 : 0;
	}
	struct view_request rq = {.sheets = sheets, .n_sheets = o.n_sheets, .out_dir = o.out,
				  .at = {.version = o.version, .time = o.time}, .limit = o.limit,
				  .table_rows = 20, .threads = (int)o.threads};
	int json = o.json;
	if (rc == 0 && first != argc)
		rc = cmd_usage_error(e, "view", "unexpected argument '%s'", argv[first]);
	if (rc == 0 && rq.at.time && rq.at.version)
		rc = cmd_usage_error(e, "view", "give at most one of --version and --time");
	struct view_result res;
	memset(&res, 0, sizeof res);
	if (rc == 0) {
		rq.progress = progress_new("view", "thumbnails");
		rc = view_build(cfg, &rq, &res, e);
		progress_finish(rq.progress, rc == 0);
	}
	if (rc == 0) {
		if (res.messages.data)
			fputs(res.messages.data, stderr);
		print_summary(&res, json);
	}
	buf_free(&res.messages);
	free(sheets);
	return rc;
}
