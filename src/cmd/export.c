/* export.c - `lakehouse export`: a training set (WebDataset shards or COCO JSON) out of the
 * lake, pinned to one snapshot. `fetch`'s sibling: same selection rules, training formats. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "media/export.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse export (--sql QUERY | --table SCHEMA.TABLE) [--version REF | --time TS]\n"
	"                        --format webdataset|coco --out DEST [--name NAME]\n"
	"                        [--shard-size BYTES | --shard-samples N] [--no-images] [--force]\n"
	"                        [--threads N]\n\n"
	"The selection returns image_uri (COCO images) or clip_uri and fragment_id (VisDrone video\n"
	"fragments); it runs on the lake at one snapshot (--version, --time, else the newest), so\n"
	"exporting the same snapshot again gives the same bytes.\n"
	"  --format webdataset  tar shards DEST/NAME-000000.tar, ...: per image <key>.jpg (the object,\n"
	"                       untouched) + <key>.json (boxes, captions, split, snapshot); per\n"
	"                       fragment <key>.mp4 (init segment + the fragment, plays alone) +\n"
	"                       <key>.json (per-frame boxes, track ids); DEST/NAME.manifest.json\n"
	"                       records query, snapshot and per shard samples, bytes, SHA-256\n"
	"  --format coco        DEST/annotations/instances_<split>.json (+ captions_<split>.json),\n"
	"                       original COCO category ids; images in DEST/<split>/ unless --no-images\n"
	"  --out DEST           a folder, s3://BUCKET/PREFIX, or - (webdataset: one tar on stdout)\n"
	"  --name NAME          shard name (default: the table's name, or 'export')\n"
	"  --shard-size BYTES   start a new shard past this size (default 536870912 = 512 MiB)\n"
	"  --shard-samples N    at most N samples per shard\n"
	"  --force              write into a DEST that is not empty\n"
	"  --threads N          parallel object reads (default 8)\n";

static int parse_count(const char *arg, const char *opt, int64_t min, int64_t *out, struct err *e)
{
	char *end;
	long long v = strtoll(arg, &end, 10);
	if (end == arg || *end || v < min)
		return cmd_usage_error(e, "export", "%s wants a number >= %lld, got '%s'", opt,
				       (long long)min, arg);
	*out = v;
	return 0;
}

int cmd_export(int argc, char **argv, const struct config *cfg, struct err *e)
{
	enum { O_SQL = 1100, O_TABLE, O_VERSION, O_TIME, O_FORMAT, O_OUT, O_NAME, O_SIZE, O_SAMPLES,
	       O_NOIMG, O_FORCE, O_THREADS };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},          {"sql", required_argument, NULL, O_SQL},
		{"table", required_argument, NULL, O_TABLE}, {"version", required_argument, NULL, O_VERSION},
		{"time", required_argument, NULL, O_TIME},   {"format", required_argument, NULL, O_FORMAT},
		{"out", required_argument, NULL, O_OUT},     {"name", required_argument, NULL, O_NAME},
		{"shard-size", required_argument, NULL, O_SIZE},
		{"shard-samples", required_argument, NULL, O_SAMPLES},
		{"no-images", no_argument, NULL, O_NOIMG},   {"force", no_argument, NULL, O_FORCE},
		{"threads", required_argument, NULL, O_THREADS}, {0}};
	struct export_request rq = {.threads = 8};
	const char *format = NULL;
	int64_t threads = 8;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'h': return fputs(usage, stdout), 0;
		case O_SQL: rq.sql = optarg; break;
		case O_TABLE: rq.table = optarg; break;
		case O_VERSION: rq.at.version = optarg; break;
		case O_TIME: rq.at.time = optarg; break;
		case O_FORMAT: format = optarg; break;
		case O_OUT: rq.out = optarg; break;
		case O_NAME: rq.name = optarg; break;
		case O_SIZE: rc = parse_count(optarg, "--shard-size", 1, &rq.shard_size, e); break;
		case O_SAMPLES: rc = parse_count(optarg, "--shard-samples", 1, &rq.shard_samples, e); break;
		case O_NOIMG: rq.no_images = 1; break;
		case O_FORCE: rq.force = 1; break;
		case O_THREADS:
			rc = parse_count(optarg, "--threads", 1, &threads, e);
			if (rc == 0 && threads > 32)
				rc = cmd_usage_error(e, "export", "--threads wants 1..32, got '%s'", optarg);
			rq.threads = (int)threads;
			break;
		default: return cmd_usage_error(e, "export", "unknown option");
		}
		if (rc < 0)
			return -1;
	}
	if (optind != argc || !rq.sql == !rq.table)
		return cmd_usage_error(e, "export", "give one of --sql QUERY or --table SCHEMA.TABLE");
	if (rq.at.version && rq.at.time)
		return cmd_usage_error(e, "export", "give at most one of --version and --time");
	if (!rq.out)
		return cmd_usage_error(e, "export", "give --out DEST (a folder, s3://BUCKET/PREFIX or -)");
	if (!format || (strcmp(format, "webdataset") != 0 && strcmp(format, "coco") != 0))
		return cmd_usage_error(e, "export", "--format is webdataset or coco");
	rq.format = strcmp(format, "coco") == 0 ? EXPORT_COCO : EXPORT_WEBDATASET;
	if (rq.shard_size && rq.shard_samples)
		return cmd_usage_error(e, "export", "give at most one of --shard-size and --shard-samples");
	struct export_result res;
	rq.progress = progress_new("export", "samples");
	int rc = export_run(cfg, &rq, &res, e);
	progress_finish(rq.progress, rc == 0);
	if (rc < 0)
		return -1;
	/* with --out - stdout carries the tar: the summary goes to stderr */
	FILE *out = strcmp(rq.out, "-") == 0 ? stderr : stdout;
	if (rq.format == EXPORT_COCO)
		fprintf(out, "exported %lld images, %lld annotations at snapshot %lld to %s (%lld bytes of "
			     "images)\n",
			(long long)res.samples, (long long)res.annotations, (long long)res.snapshot, rq.out,
			(long long)res.bytes);
	else
		fprintf(out, "exported %lld %s samples in %lld shards, %lld bytes, at snapshot %lld to %s\n",
			(long long)res.samples, res.fragments ? "fragment" : "image", (long long)res.shards,
			(long long)res.bytes, (long long)res.snapshot, rq.out);
	return 0;
}
