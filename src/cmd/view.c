/* view.c - `lakehouse view`: write a static site of the lake (layers, snapshot timeline,
 * table pages, contact sheets of query results with their boxes). */
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/progress.h"
#include "view/site.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse view [--out DIR] [--sql QUERY | --query NAME]... [--version REF | --time T]\n"
	"                      [--limit N] [--threads N] [--json]\n\n"
	"Writes a static, self-contained site of the lake to DIR (default: <local store>/view):\n"
	"index.html (layers raw -> silver -> gold), timeline.html (every snapshot, what it changed),\n"
	"a page per table (schema and its history, first rows, thumbnails of *_uri images) and a\n"
	"contact sheet per --sql/--query (default: crowded-scenes and busy-fragments when their\n"
	"tables exist): thumbnails with their boxes drawn over them, fragment strips of 3 frames.\n"
	"No server and no network: open index.html from file:// in any browser. Thumbnails are\n"
	"cached by content address in DIR/thumbs, so a second run fetches only what is new.\n"
	"  --version REF | --time T the lake as it was at snapshot REF (an id or a tag) or at time T\n"
	"  --limit N                rows per contact sheet (default 100)\n"
	"  --threads N              parallel fetches (default 8)\n"
	"  --json                   the summary as JSON\n";

static int parse_count(const char *arg, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

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
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},	 {"out", required_argument, NULL, 'o'},
		{"sql", required_argument, NULL, 's'},	 {"query", required_argument, NULL, 'q'},
		{"version", required_argument, NULL, 'v'}, {"time", required_argument, NULL, 't'},
		{"limit", required_argument, NULL, 'n'}, {"threads", required_argument, NULL, 'j'},
		{"json", no_argument, NULL, 'J'},	 {0}};
	struct view_sheet *sheets = calloc((size_t)argc + 1, sizeof *sheets);
	if (!sheets)
		return err_set(e, 0, "out of memory");
	struct view_request rq = {.sheets = sheets, .limit = 100, .table_rows = 20,
				  .threads = 8};
	char out[1100];
	snprintf(out, sizeof out, "%s/view", cfg->local_store);
	rq.out_dir = out;
	int json = 0, opt, rc = 0;
	long v = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h': free(sheets); return fputs(usage, stdout), 0;
		case 'o': rq.out_dir = optarg; break;
		case 's': sheets[rq.n_sheets++].sql = optarg; break;
		case 'q': sheets[rq.n_sheets++].query = optarg; break;
		case 't': rq.at.time = optarg; break;
		case 'J': json = 1; break;
		case 'v': rq.at.version = optarg; break;
		case 'n':
			if (parse_count(optarg, 1, 100000, &rq.limit) < 0)
				rc = cmd_usage_error(e, "view", "--limit wants 1..100000, got '%s'", optarg);
			break;
		case 'j':
			if (parse_count(optarg, 1, 32, &v) < 0)
				rc = cmd_usage_error(e, "view", "--threads wants 1..32, got '%s'", optarg);
			rq.threads = (int)v;
			break;
		default: rc = cmd_usage_error(e, "view", "unknown option");
		}
	}
	if (rc == 0 && optind != argc)
		rc = cmd_usage_error(e, "view", "unexpected argument '%s'", argv[optind]);
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
