/* ingest.c - `lakehouse ingest NAME --from SRC`: a dataset from the Hugging Face Hub (or a
 * local folder in the same layout) into the lake, through the local staging folder.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "ingest/ingest.h"
#include "ingest/source.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse ingest NAME --from SOURCE [--split S] [--config C] [--limit N]\n"
	"                        [-m MESSAGE] [--threads N] [--shard K/N] [--format coco]\n"
	"                        [--append-only] [--skip-bad]\n\n"
	"Stages a dataset's Parquet in local-store/, uploads every media blob (a column of\n"
	"STRUCT(bytes, path), as the Hub stores Image/Video/Audio) to its own object under\n"
	"s3://<bucket>/assets/NAME/<column>/<sha256>.<ext>, then lands the rows, media replaced\n"
	"by URIs, in one snapshot. Running it again adds nothing.\n\n"
	"  --from SOURCE   hf://datasets/OWNER/REPO[@REVISION] (HF_ENDPOINT, HF_TOKEN) or a folder\n"
	"  --split S       split to ingest (default train)\n"
	"  --config C      config (subset) name, when the repo has several\n"
	"  --limit N       only the first N rows\n"
	"  --threads N     parallel downloads and uploads (default 8)\n"
	"  --shard K/N     only shard K of N (1 <= K <= N): the staged rows in file, then row\n"
	"                  order, cut into N equal runs; N processes (on N machines, against a\n"
	"                  PostgreSQL catalog) ingest one split together, one snapshot each;\n"
	"                  re-running a shard adds nothing\n"
	"  -m MESSAGE      commit message (default: names repo, revision, split and rows)\n\n"
	"A folder source is accepted in these layouts (as the Hub stores datasets):\n"
	"  FOLDER/data/SPLIT-00000-of-00001.parquet    Parquet per split, any depth\n"
	"  FOLDER/CONFIG/SPLIT/0000.parquet            with --config CONFIG\n"
	"  FOLDER/sequences/SEQ/0000001.jpg + FOLDER/annotations/SEQ.txt   VisDrone (below)\n"
	"  FOLDER/annotations/instances_SPLIT.json + FOLDER/SPLIT/*.jpg     COCO (--format coco\n"
	"                  forces it): raw.coco_images, _objects, _categories, _licenses,\n"
	"                  _captions (raw.NAME_* for another NAME), every field as it came;\n"
	"                  or SPLIT.zip + annotations*.zip side by side, read in place. Again:\n"
	"                  the split follows the source (N inserted, M updated, K removed);\n"
	"                  --append-only only inserts new records; --skip-bad sets faulty\n"
	"                  records aside in raw.NAME_rejects instead of refusing the source\n"
	"A folder of loose images is not a source yet: write them to Parquet first.\n\n"
	"A source in the VisDrone layout (sequences/<seq>/0000001.jpg..., annotations/<seq>.txt),\n"
	"is ingested as NAME visdrone (no other name): one fragmented MP4 per sequence under\n"
	"assets/visdrone/clips/, a fragment index and the annotations (raw.visdrone_clips,\n"
	"raw.visdrone_fragments, raw.visdrone_annotations, which silver, gold and fetch read):\n"
	"  --fps N              frame rate of the sequences (default 30)\n"
	"  --fragment-frames N  frames per fragment (default: one second)\n"
	"  --crf N              x264 quality, 1 (best) .. 51 (default %d)\n"
	"  --preset NAME        x264 speed/size preset, ultrafast .. veryslow (default %s)\n"
	"  --copy auto|never    a sequence given as an H.264/H.265 file whose keyframes fall on\n"
	"                       every fragment boundary is copied, not re-encoded (default auto)\n";

static const char *const x264_presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
					    "medium", "slow", "slower", "veryslow", "placebo", NULL};

static int known_preset(const char *name)
{
	for (int i = 0; x264_presets[i]; i++)
		if (strcmp(name, x264_presets[i]) == 0)
			return 1;
	return 0;
}

static void print_video_result(const struct ingest_request *rq, const struct ingest_result *res)
{
	if (res->snapshot >= 0)
		printf("ingested %s from %s@%.12s: %lld rows, %lld new clips (%lld frames, %.1f MB; "
		       "%lld copied, %lld encoded with libx264 crf %d %s): snapshot %lld\n",
		       rq->dataset, rq->repo, rq->revision, (long long)res->rows,
		       (long long)res->clips_new, (long long)res->frames, res->bytes_new / 1e6,
		       (long long)res->clips_copied, (long long)(res->clips_new - res->clips_copied),
		       rq->encode.crf, rq->encode.preset, (long long)res->snapshot);
	else
		printf("nothing new in %s from %s@%.12s: no snapshot\n", rq->dataset, rq->repo,
		       rq->revision);
}

static void print_result(const struct ingest_request *rq, const struct ingest_result *res)
{
	if (res->snapshot >= 0)
		printf("ingested %s split %s from %s@%.12s: %lld rows, %lld blobs (%lld new objects, "
		       "%.1f MB): snapshot %lld\n",
		       rq->dataset, rq->split, rq->repo, rq->revision, (long long)res->rows,
		       (long long)res->blobs, (long long)res->objects_new, res->bytes_new / 1e6,
		       (long long)res->snapshot);
	else
		printf("nothing new in %s split %s from %s@%.12s (%lld blobs, %lld new objects): no "
		       "snapshot\n",
		       rq->dataset, rq->split, rq->repo, rq->revision, (long long)res->blobs,
		       (long long)res->objects_new);
}

static void print_coco_result(const struct ingest_request *rq, const struct ingest_result *res)
{
	printf("%s %s split %s from %s: %lld inserted, %lld updated, %lld removed; %lld images "
	       "(%lld new objects, %.1f MB): ",
	       res->snapshot >= 0 ? "ingested" : "nothing new in", rq->dataset, rq->split, rq->repo,
	       (long long)res->rows, (long long)res->updated, (long long)res->removed,
	       (long long)res->blobs, (long long)res->objects_new, res->bytes_new / 1e6);
	if (res->snapshot >= 0)
		printf("snapshot %lld", (long long)res->snapshot);
	else
		printf("no snapshot");
	if (res->rejected)
		printf("; %lld faulty records set aside in raw.%s_rejects", (long long)res->rejected,
		       rq->dataset);
	printf("\n");
}

/* "K/N" with 1 <= K <= N <= 1024. */
static int parse_shard(const char *arg, long *k, long *n, struct err *e)
{
	char kbuf[32];
	const char *slash = strchr(arg, '/');
	if (!slash || (size_t)(slash - arg) >= sizeof kbuf)
		return cmd_usage_error(e, "ingest", "--shard wants K/N (e.g. 2/4), got '%s'", arg);
	memcpy(kbuf, arg, (size_t)(slash - arg));
	kbuf[slash - arg] = 0;
	if (cmd_parse_long("ingest", "--shard N", slash + 1, 1, 1024, n, e) < 0 ||
	    cmd_parse_long("ingest", "--shard K", kbuf, 1, *n, k, e) < 0)
		return -1;
	return 0;
}

int cmd_ingest(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},       {"from", required_argument, NULL, 'f'},
		{"split", required_argument, NULL, 's'}, {"config", required_argument, NULL, 'c'},
		{"limit", required_argument, NULL, 'l'}, {"threads", required_argument, NULL, 't'},
		{"message", required_argument, NULL, 'm'}, {"fps", required_argument, NULL, 'F'},
		{"fragment-frames", required_argument, NULL, 'G'}, {"crf", required_argument, NULL, 'C'},
		{"preset", required_argument, NULL, 'P'}, {"copy", required_argument, NULL, 'K'},
		{"shard", required_argument, NULL, 'S'}, {"format", required_argument, NULL, 'X'},
		{"append-only", no_argument, NULL, 'A'}, {"skip-bad", no_argument, NULL, 'B'}, {0}};
	const char *from = NULL, *split = "train", *config = NULL, *message = NULL, *format = NULL;
	long limit = -1;
	long threads = 8, fps = 30, fragment_frames = 0, crf = VIDEO_DEFAULT_CRF, shard = 0, nshards = 0;
	const char *preset = VIDEO_DEFAULT_PRESET;
	int never_copy = 0, append_only = 0, skip_bad = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "hm:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h': return printf(usage, VIDEO_DEFAULT_CRF, VIDEO_DEFAULT_PRESET), 0;
		case 'f': from = optarg; break;
		case 's': split = optarg; break;
		case 'c': config = optarg; break;
		case 'm': message = optarg; break;
		case 'X': format = optarg; break;
		case 'A': append_only = 1; break;
		case 'B': skip_bad = 1; break;
		case 'l':
			if (cmd_parse_long("ingest", "--limit (rows)", optarg, 0, LONG_MAX, &limit, e) < 0)
				return -1;
			break;
		case 't':
			if (cmd_parse_long("ingest", "--threads", optarg, 1, 32, &threads, e) < 0)
				return -1;
			break;
		case 'F':
			if (cmd_parse_long("ingest", "--fps", optarg, 1, 240, &fps, e) < 0)
				return -1;
			break;
		case 'G':
			if (cmd_parse_long("ingest", "--fragment-frames", optarg, 1, 10000, &fragment_frames, e) < 0)
				return -1;
			break;
		case 'S':
			if (parse_shard(optarg, &shard, &nshards, e) < 0)
				return -1;
			break;
		case 'C':
			if (cmd_parse_long("ingest", "--crf", optarg, 1, 51, &crf, e) < 0)
				return -1;
			break;
		case 'P':
			if (!known_preset(optarg))
				return cmd_usage_error(e, "ingest", "--preset wants one of ultrafast, superfast, "
						   "veryfast, faster, fast, medium, slow, slower, veryslow, "
						   "got '%s'", optarg);
			preset = optarg;
			break;
		case 'K':
			if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "never") != 0)
				return cmd_usage_error(e, "ingest", "--copy wants auto or never, got '%s'", optarg);
			never_copy = strcmp(optarg, "never") == 0;
			break;
		default: return cmd_usage_error(e, "ingest", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(e, "ingest", "give one dataset NAME");
	if (!from)
		return cmd_usage_error(e, "ingest", "--from is required");
	if (!*split || strchr(split, '/') || strstr(split, ".."))
		return cmd_usage_error(e, "ingest", "invalid split '%s'", split);

	if (nshards && limit >= 0)
		return cmd_usage_error(e, "ingest", "--shard and --limit do not combine");

	struct source src;
	struct progress *progress = progress_new("ingest", "files");
	if (source_resolve(cfg, from, config, split, format, (int)threads, progress, &src, e) < 0) {
		progress_finish(progress, 0);
		return -1;
	}
	struct ingest_request rq = {
		.dataset = argv[optind], .repo = src.repo, .revision = src.revision, .split = split,
		.files = src.files, .nfiles = src.nfiles, .limit = limit, .message = message,
		.shard = (int)shard, .nshards = (int)nshards,
		.threads = (int)threads, .video_root = src.video_root[0] ? src.video_root : NULL,
		.fps = (int)fps, .fragment_frames = (int)(fragment_frames ? fragment_frames : fps),
		.encode = {.crf = (int)crf, .preset = preset}, .never_copy = never_copy,
		.progress = progress, .coco_root = src.coco_root[0] ? src.coco_root : NULL,
		.append_only = append_only, .skip_bad = skip_bad};
	struct ingest_result res;
	if (nshards && (rq.video_root || rq.coco_root)) {
		source_free(&src);
		return cmd_usage_error(e, "ingest", "--shard is for Parquet sources, not VisDrone or COCO");
	}
	int rc = ingest_run(cfg, &rq, &res, e);
	progress_finish(progress, rc == 0);
	if (rc == 0 && rq.video_root)
		print_video_result(&rq, &res);
	else if (rc == 0 && rq.coco_root)
		print_coco_result(&rq, &res);
	else if (rc == 0)
		print_result(&rq, &res);
	source_free(&src);
	return rc;
}
