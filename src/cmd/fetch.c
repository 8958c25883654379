/* fetch.c - `lakehouse fetch --sql QUERY --out DIR`: the loader. DuckDB selects rows; only
 * the objects or byte ranges those rows name are read from the bucket. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "media/fetch.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct fetch_opts {
	const char *sql, *out, *frames, *version, *time;
	long threads;
	int dry_run;
};
static const char *const fetch_frames[] = {"png", "jpg", NULL};
static const struct opt fetch_options[] = {
	OPT_STRING("sql", 0, struct fetch_opts, sql, "QUERY", "the selection (see above)"),
	OPT_STRING("out", 'o', struct fetch_opts, out, "DIR", "where the files go"),
	OPT_STRING("version", 0, struct fetch_opts, version, "REF",
		   "the query reads the lake as it was at snapshot REF (an id or a tag)"),
	OPT_STRING("time", 0, struct fetch_opts, time, "TS", "the query reads the lake as it was at time TS"),
	OPT_CHOICE("frames", 0, struct fetch_opts, frames, fetch_frames, NULL,
		   "also decode video fragments to frames"),
	OPT_FLAG("dry-run", 0, struct fetch_opts, dry_run, "print what would be fetched, fetch nothing"),
	OPT_LONG("threads", 0, struct fetch_opts, threads, 1, 32, "N", "parallel requests (default 8)"),
	OPT_END()};
static const char *const fetch_examples[] = {
	"lakehouse fetch --sql 'SELECT image_uri FROM gold.coco_train LIMIT 5' --out "
	 "local-store/images --dry-run",
	"lakehouse fetch --sql 'SELECT clip_uri, fragment_id FROM silver.visdrone_fragments WHERE "
	 "n_tracks >= 8' --out local-store/busy --frames jpg",
	NULL};
const struct verb_spec cmd_fetch_spec = {
	.name = "fetch",
	.usage = "fetch --sql QUERY --out DIR [--version REF | --time TS] [--frames png|jpg]\n"
		 "                       [--dry-run] [--threads N]",
	.about = "QUERY returns either clip_uri and fragment_id (e.g. from silver.visdrone_fragments) or\n"
		 "image_uri. Video fragments are written as standalone DIR/<sequence>#<fragment>.mp4 (init\n"
		 "segment + the fragment's bytes, fetched with Range requests); --frames also decodes them\n"
		 "to DIR/<sequence>_<frame>.png|jpg. Images are written as DIR/<sha256>.<ext>.\n",
	.options = fetch_options,
	.examples = fetch_examples};

int cmd_fetch(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct fetch_opts o = {.threads = 8};
	int first, parsed = opts_parse(&cmd_fetch_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	struct fetch_request rq = {.sql = o.sql, .out_dir = o.out, .frames = o.frames,
				   .dry_run = o.dry_run, .threads = (int)o.threads,
				   .at = {.version = o.version, .time = o.time}};
	if (!rq.sql || (!rq.out_dir && !rq.dry_run) || first != argc)
		return cmd_usage_error(e, "fetch", "give --sql QUERY and --out DIR");
	struct fetch_result res;
	if (!rq.dry_run)
		rq.progress = progress_new("fetch", "items");
	int rc = fetch_run(cfg, &rq, &res, e);
	progress_finish(rq.progress, rc == 0);
	if (rc < 0)
		return -1;
	if (res.clips)
		printf("%s %lld fragments of %lld clips: %lld frames decoded, %lld bytes fetched (plan "
		       "%lld = fragments + init segments); whole clips %lld bytes, %.1fx more\n",
		       rq.dry_run ? "would fetch" : "fetched", (long long)res.items, (long long)res.clips,
		       (long long)res.frames, (long long)res.bytes_fetched, (long long)res.bytes_planned,
		       (long long)res.bytes_whole,
		       res.bytes_planned ? (double)res.bytes_whole / (double)res.bytes_planned : 0.0);
	else
		printf("%s %lld images, %lld bytes\n", rq.dry_run ? "would fetch" : "fetched",
		       (long long)res.items,
		       (long long)(rq.dry_run ? res.bytes_planned : res.bytes_fetched));
	return 0;
}
