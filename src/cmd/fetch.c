/* fetch.c - `lakehouse fetch --sql QUERY --out DIR`: the loader. DuckDB selects rows; only
 * the objects or byte ranges those rows name are read from the bucket. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "media/fetch.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse fetch --sql QUERY --out DIR [--version REF | --time TS] [--frames png|jpg]\n"
	"                       [--dry-run] [--threads N]\n\n"
	"QUERY returns either clip_uri and fragment_id (e.g. from silver.visdrone_fragments) or\n"
	"image_uri. Video fragments are written as standalone DIR/<sequence>#<fragment>.mp4 (init\n"
	"segment + the fragment's bytes, fetched with Range requests); --frames also decodes them\n"
	"to DIR/<sequence>_<frame>.png|jpg. Images are written as DIR/<sha256>.<ext>.\n"
	"  --version REF | --time TS   the query reads the lake as it was at snapshot REF (an id\n"
	"                or a tag) or at time TS\n"
	"  --dry-run     print what would be fetched, fetch nothing\n"
	"  --threads N   parallel requests (default 8)\n";

int cmd_fetch(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},       {"sql", required_argument, NULL, 's'},
		{"out", required_argument, NULL, 'o'},  {"frames", required_argument, NULL, 'f'},
		{"dry-run", no_argument, NULL, 'n'},    {"threads", required_argument, NULL, 't'},
		{"version", required_argument, NULL, 'v'}, {"time", required_argument, NULL, 'T'},
		{0}};
	struct fetch_request rq = {.threads = 8};
	int opt;
	long threads;
	while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h': return fputs(usage, stdout), 0;
		case 's': rq.sql = optarg; break;
		case 'o': rq.out_dir = optarg; break;
		case 'f': rq.frames = optarg; break;
		case 'n': rq.dry_run = 1; break;
		case 'v': rq.at.version = optarg; break;
		case 'T': rq.at.time = optarg; break;
		case 't':
			if (cmd_parse_long("fetch", "--threads", optarg, 1, 32, &threads, e) < 0)
				return -1;
			rq.threads = (int)threads;
			break;
		default: return cmd_usage_error(e, "fetch", "unknown option");
		}
	}
	if (!rq.sql || (!rq.out_dir && !rq.dry_run) || optind != argc)
		return cmd_usage_error(e, "fetch", "give --sql QUERY and --out DIR");
	if (rq.frames && strcmp(rq.frames, "png") != 0 && strcmp(rq.frames, "jpg") != 0)
		return cmd_usage_error(e, "fetch", "--frames is png or jpg, not '%s'", rq.frames);
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
