/* export.c - `lakehouse export`: a training set (WebDataset shards or COCO JSON) out of the
 * lake, pinned to one snapshot. `fetch`'s sibling: same selection rules, training formats. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "media/export.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct export_opts {
	const char *sql, *table, *version, *time, *format, *out, *name;
	long shard_size, shard_samples, threads;
	int no_images, force;
};
static const char *const export_formats[] = {"webdataset", "coco", NULL};
static const struct opt export_options[] = {
	OPT_STRING("sql", 0, struct export_opts, sql, "QUERY", "the selection, as SQL"),
	OPT_STRING("table", 0, struct export_opts, table, "SCHEMA.TABLE", "the selection: a whole table"),
	OPT_STRING("version", 0, struct export_opts, version, "REF",
		   "the lake at snapshot REF (an id or a tag)"),
	OPT_STRING("time", 0, struct export_opts, time, "TS", "the lake at time TS"),
	OPT_CHOICE("format", 0, struct export_opts, format, export_formats, NULL,
		   "webdataset: tar shards DEST/NAME-000000.tar, ...: per image <key>.jpg (the object,\n"
		   "untouched) + <key>.json (boxes, captions, split, snapshot); per fragment <key>.mp4\n"
		   "(init segment + the fragment, plays alone) + <key>.json (per-frame boxes, track ids);\n"
		   "DEST/NAME.manifest.json records query, snapshot and per shard samples, bytes, SHA-256\n\n"
		   "coco: DEST/annotations/instances_<split>.json (+ captions_<split>.json), original\n"
		   "COCO category ids; images in DEST/<split>/ unless --no-images"),
	OPT_STRING("out", 0, struct export_opts, out, "DEST",
		   "a folder, s3://BUCKET/PREFIX, or - (webdataset: one tar on stdout)"),
	OPT_STRING("name", 0, struct export_opts, name, "NAME",
		   "shard name (default: the table's name, or 'export')"),
	OPT_LONG("shard-size", 0, struct export_opts, shard_size, 1, LONG_MAX, "BYTES",
		 "start a new shard past this size (default 536870912 = 512 MiB)"),
	OPT_LONG("shard-samples", 0, struct export_opts, shard_samples, 1, LONG_MAX, "N",
		 "at most N samples per shard"),
	OPT_FLAG("no-images", 0, struct export_opts, no_images, "coco: the annotations only"),
	OPT_FLAG("force", 0, struct export_opts, force, "write into a DEST that is not empty"),
	OPT_LONG("threads", 0, struct export_opts, threads, 1, 32, "N", "parallel object reads (default 8)"),
	OPT_END()};
static const char *const export_examples[] = {
	"lakehouse export --table gold.coco_train --format coco --out local-store/coco-out",
	"lakehouse export --table gold.coco_train --version 6 --format webdataset --out "
	 "local-store/shards",
	"lakehouse export --sql \"SELECT clip_uri, fragment_id FROM silver.visdrone_fragments "
	 "LIMIT 3\" --format webdataset --out local-store/clips",
	NULL};
const struct verb_spec cmd_export_spec = {
	.name = "export",
	.usage = "export (--sql QUERY | --table SCHEMA.TABLE) [--version REF | --time TS]\n"
		 "                        --format webdataset|coco --out DEST [--name NAME]\n"
		 "                        [--shard-size BYTES | --shard-samples N] [--no-images] [--force]\n"
		 "                        [--threads N]",
	.about = "The selection returns image_uri (COCO images) or clip_uri and fragment_id (VisDrone video\n"
		 "fragments); it runs on the lake at one snapshot (--version, --time, else the newest), so\n"
		 "exporting the same snapshot again gives the same bytes.\n",
	.options = export_options,
	.examples = export_examples};

int cmd_export(int argc, char **argv, const struct config *cfg, struct err *e)
{
	enum { O_SQL = 1100, O_TABLE, O_VERSION, O_TIME, O_FORMAT, O_OUT, O_NAME, O_SIZE, O_SAMPLES,
	       O_NOIMG, O_FORCE, O_THREADS };
	struct export_opts o = {.threads = 8};
	int first, parsed = opts_parse(&cmd_export_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	struct export_request rq = {.sql = o.sql, .table = o.table, .at = {.version = o.version, .time = o.time},
				    .out = o.out, .name = o.name, .shard_size = o.shard_size,
				    .shard_samples = o.shard_samples, .no_images = o.no_images,
				    .force = o.force, .threads = (int)o.threads};
	const char *format = o.format;
	if (first != argc || !rq.sql == !rq.table)
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
