/* ingest.c - `lakehouse ingest NAME --from SRC`: a dataset from the Hugging Face Hub (or a
 * local folder in the same layout) into the lake, through the local staging folder.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "ingest/ingest.h"
#include "ingest/source.h"
#include "cmd/cmd.h"
#include "cmd/options.h"


struct ingest_opts {
	const char *from, *split, *config, *message, *preset, *copy, *quality, *fragment_seconds;
	long limit, threads, fps, fragment_frames, crf, shard, nshards;
	int skip_bad, append_only;
	const char *format;
};
static int parse_shard(void *args, const char *arg, struct err *e);
static const char *const x264_presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
					    "medium", "slow", "slower", "veryslow", "placebo", NULL};
static const char *const copy_modes[] = {"auto", "never", "always", NULL};
static const struct opt ingest_options[] = {
	OPT_STRING("from", 0, struct ingest_opts, from, "SOURCE",
		   "hf://datasets/OWNER/REPO[@REVISION] (HF_ENDPOINT, HF_TOKEN) or a folder"),
	OPT_STRING("split", 0, struct ingest_opts, split, "S", "split to ingest (default train)"),
	OPT_STRING("config", 0, struct ingest_opts, config, "C",
		   "config (subset) name, when the repo has several"),
	OPT_LONG("limit", 0, struct ingest_opts, limit, 0, LONG_MAX, "N", "only the first N rows"),
	OPT_LONG("threads", 0, struct ingest_opts, threads, 1, 32, "N",
		 "parallel downloads and uploads (default 8)"),
	OPT_CALLBACK("shard", 0, parse_shard, "K/N",
		     "only shard K of N (1 <= K <= N): the staged rows in file, then row order, cut into\n"
		     "N equal runs; N processes (on N machines, against a PostgreSQL catalog) ingest one\n"
		     "split together, one snapshot each; re-running a shard adds nothing"),
	OPT_STRING("message", 'm', struct ingest_opts, message, "MESSAGE",
		   "commit message (default: names repo, revision, split and rows)"),
	OPT_CHOICE("copy", 0, struct ingest_opts, copy, copy_modes, NULL,
		   "video: keep the source's packets (H.264, HEVC, AV1), fragments cut at its\n"
		   "keyframes; auto: when no keyframe gap exceeds 2 x --fragment-seconds (default auto)"),
	OPT_STRING("quality", 0, struct ingest_opts, quality, "DB",
		   "video: otherwise re-encode (libx264) at the fewest bytes whose PSNR against the\n"
		   "source is at least DB (default 42)"),
	OPT_LONG("crf", 0, struct ingest_opts, crf, 1, 51, "N",
		 "video: force one x264 CRF, 1 (best) .. 51, instead of --quality"),
	OPT_CHOICE("preset", 0, struct ingest_opts, preset, x264_presets, "NAME",
		   "video: x264 speed/size preset, ultrafast .. veryslow (default "
		   VIDEO_DEFAULT_PRESET ")"),
	OPT_STRING("fragment-seconds", 0, struct ingest_opts, fragment_seconds, "S",
		   "video: fragment length in seconds (default 1)"),
	OPT_LONG("fragment-frames", 0, struct ingest_opts, fragment_frames, 1, 10000, "N",
		 "video: frames per fragment instead (re-encoded clips)"),
	OPT_LONG("fps", 0, struct ingest_opts, fps, 1, 240, "N",
		 "video: frame rate of image sequences (default 30)"),
	OPT_FLAG("skip-bad", 0, struct ingest_opts, skip_bad,
		 "video: land the good clips and list the bad ones (default: exit 2); COCO,\n"
		 "imagefolder: set faulty records aside in raw.NAME_rejects and land the rest\n"
		 "(not VisDrone-DET: a bad line always stops it)"),
	OPT_STRING("format", 0, struct ingest_opts, format, "LAYOUT",
		   "read the folder in this layout: coco (the COCO official layout), imagefolder\n"
		   "(a folder of images) or visdrone-det (images/ + annotations/); detected\n"
		   "without it"),
	OPT_FLAG("append-only", 0, struct ingest_opts, append_only,
		 "COCO: only insert records whose id is new (default: follow the source)"),
	OPT_END()};
static const char *const ingest_examples[] = {
	"lakehouse ingest coco --from local-store/offline-hub/fixtures/coco-detection --split val"
	 "  # the Hub-shaped folder rebuild.sh --offline serves",
	"lakehouse ingest coco2017 --from local-store/coco2017 --split val2017"
	 "  # a COCO release folder: annotations/, val2017/",
	"lakehouse ingest pets --from local-store/pets"
	 "  # a folder of images: pets/train/cat/1.jpg, pets/val/dog/2.png (imagefolder)",
	NULL};
const struct verb_spec cmd_ingest_spec = {
	.name = "ingest",
	.examples = ingest_examples,
	.usage = "ingest NAME --from SOURCE [--split S] [--config C] [--limit N]\n"
		 "                        [-m MESSAGE] [--threads N] [--shard K/N]\n"
		 "                        [--format coco|imagefolder|visdrone-det]",
	.about = "Stages a dataset's Parquet in local-store/, uploads every media blob (a column of\n"
		 "STRUCT(bytes, path), as the Hub stores Image/Video/Audio) to its own object under\n"
		 "s3://<bucket>/assets/NAME/<column>/<sha256>.<ext>, then lands the rows, media replaced\n"
		 "by URIs, in one snapshot. Running it again adds nothing.\n",
	.options = ingest_options,
	.more = "A source takes one of these layouts (detected; --format forces one):\n"
		SOURCE_LAYOUTS
		"A folder without Parquet, COCO, VisDrone or video files, but with images, is read in the\n"
		"Hugging Face imagefolder convention: one row per image in raw.NAME_images (image_uri,\n"
		"file_name, label, split, width, height, image_status, sha256, bytes, source_repo and\n"
		"every metadata column), each image its own object under assets/NAME/image/. Top-level\n"
		"folders train/, validation/ (val, valid, dev), test/ (eval...) are splits, all of them\n"
		"land (without them: --split); label is the parent folder when there is no metadata\n"
		"file, every image sits at the same depth below one and there are two labels or more\n"
		"(else NULL); metadata.jsonl or metadata.csv (root or split folder) join by file_name,\n"
		"a row naming no image is an error (--skip-bad: set aside in raw.NAME_rejects).\n"
		"Again, the table follows the folder.\n\n"
		"Video: a video file, a folder of them (any depth; mp4, mov, mkv, avi, webm...), or the\n"
		"VisDrone layout (sequences/<seq>/0000001.jpg... or <seq>.mp4, annotations/<seq>.txt),\n"
		"under any NAME: one fragmented MP4 per clip under assets/NAME/clips/, with\n"
		"raw.NAME_clips, raw.NAME_fragments (the fragment index) and raw.NAME_annotations\n"
		"(VisDrone MOT/VID lines from <clip>.txt beside the clip or annotations/<clip>.txt;\n"
		"optional for video files); the options marked video apply to it.\n\n"
		"VisDrone-DET (images/STEM.jpg, annotations/STEM.txt): the images land as imagefolder's\n"
		"in raw.NAME_images (file_name images/STEM.jpg, split --split), every box line in\n"
		"raw.NAME_annotations (file_name, line, the 8 integers as they came, split); an image\n"
		"without annotation file has no boxes. Again, both tables follow the folder.\n\n"
		"COCO release: raw.coco_images, _objects, _categories, _licenses, _captions\n"
		"(raw.NAME_* for another NAME), every field as it came. Again, the split follows\n"
		"the source: N inserted, M updated, K removed in one snapshot (--append-only: insert).\n"};

static void print_video_result(const struct ingest_request *rq, const struct ingest_result *res)
{
	char how[64];
	if (rq->encode.crf > 0)
		snprintf(how, sizeof how, "crf %g", rq->encode.crf);
	else
		snprintf(how, sizeof how, "for %g dB", rq->quality);
	if (res->snapshot >= 0)
		printf("ingested %s from %s@%.12s: %lld rows, %lld new clips (%lld frames, %.1f MB; "
		       "%lld copied, %lld encoded with libx264 %s %s): snapshot %lld\n",
		       rq->dataset, rq->repo, rq->revision, (long long)res->rows,
		       (long long)res->clips_new, (long long)res->frames, res->bytes_new / 1e6,
		       (long long)res->clips_copied, (long long)(res->clips_new - res->clips_copied),
		       how, rq->encode.preset, (long long)res->snapshot);
	else
		printf("nothing new in %s from %s@%.12s: no snapshot\n", rq->dataset, rq->repo,
		       rq->revision);
	if (res->skipped)
		printf("skipped %lld bad clips: %s\n", (long long)res->skipped, res->skipped_list);
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

/* COCO and imagefolder: the landed table follows the source. */
static void print_coco_result(const struct ingest_request *rq, const struct ingest_result *res)
{
	char what[300];
	if (rq->det_root)
		snprintf(what, sizeof what, "%s (visdrone-det)", rq->repo);
	else if (rq->image_root)
		snprintf(what, sizeof what, "%s (imagefolder)", rq->repo);
	else
		snprintf(what, sizeof what, "%s", rq->repo);
	printf("%s %s%s%s from %s: %lld inserted, %lld updated, %lld removed; %lld images "
	       "(%lld new objects, %.1f MB): ",
	       res->snapshot >= 0 ? "ingested" : "nothing new in", rq->dataset,
	       rq->image_root ? "" : " split ", rq->image_root ? "" : rq->split, what,
	       (long long)res->rows, (long long)res->updated, (long long)res->removed,
	       (long long)res->blobs, (long long)res->objects_new, res->bytes_new / 1e6);
	if (res->snapshot >= 0)
		printf("snapshot %lld", (long long)res->snapshot);
	else
		printf("no snapshot");
	if (rq->det_root)
		printf("; annotation files: %lld inserted, %lld updated, %lld removed",
		       (long long)res->ann_inserted, (long long)res->ann_updated,
		       (long long)res->ann_removed);
	if (res->rejected)
		printf("; %lld faulty records set aside in raw.%s_rejects", (long long)res->rejected,
		       rq->dataset);
	printf("\n");
}

/* "K/N" with 1 <= K <= N <= 1024. */
/* --shard K/N */
static int parse_shard(void *args, const char *arg, struct err *e)
{
	struct ingest_opts *o = args;
	long *k = &o->shard, *n = &o->nshards;
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
	struct ingest_opts o = {.split = "train", .limit = -1, .threads = 8, .fps = 30,
				.preset = VIDEO_DEFAULT_PRESET};
	int first, parsed = opts_parse(&cmd_ingest_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	const char *from = o.from, *split = o.split, *config = o.config, *message = o.message;
	long limit = o.limit, threads = o.threads, fps = o.fps, fragment_frames = o.fragment_frames;
	long crf = o.crf, shard = o.shard, nshards = o.nshards;
	const char *preset = o.preset;
	enum video_copy_mode copy = !o.copy || strcmp(o.copy, "auto") == 0 ? VIDEO_COPY_AUTO
				    : strcmp(o.copy, "never") == 0   ? VIDEO_COPY_NEVER
								       : VIDEO_COPY_ALWAYS;
	double quality = VIDEO_DEFAULT_QUALITY, fragment_seconds = 1;
	char *end;
	if (o.quality && ((quality = strtod(o.quality, &end)), end == o.quality || *end ||
			  !(quality >= 20 && quality <= 99)))
		return cmd_usage_error(e, "ingest", "--quality wants a PSNR in dB from 20 to 99, got '%s'",
				       o.quality);
	if (o.fragment_seconds &&
	    ((fragment_seconds = strtod(o.fragment_seconds, &end)), end == o.fragment_seconds ||
	     *end || !(fragment_seconds >= 0.1 && fragment_seconds <= 600)))
		return cmd_usage_error(e, "ingest", "--fragment-seconds wants seconds from 0.1 to 600, "
				       "got '%s'", o.fragment_seconds);
	if (argc - first != 1)
		return cmd_usage_error(e, "ingest", "give one dataset NAME");
	if (!from)
		return cmd_usage_error(e, "ingest", "--from is required");
	if (!*split || strchr(split, '/') || strstr(split, ".."))
		return cmd_usage_error(e, "ingest", "invalid split '%s'", split);

	if (nshards && limit >= 0)
		return cmd_usage_error(e, "ingest", "--shard and --limit do not combine");

	struct source src;
	struct progress *progress = progress_new("ingest", "files");
	if (source_resolve(cfg, from, config, split, o.format, (int)threads, progress, &src, e) < 0) {
		progress_finish(progress, 0);
		return -1;
	}
	struct ingest_request rq = {
		.dataset = argv[first], .repo = src.repo, .revision = src.revision, .split = split,
		.files = src.files, .nfiles = src.nfiles, .limit = limit, .message = message,
		.shard = (int)shard, .nshards = (int)nshards,
		.threads = (int)threads, .video_root = src.video_root[0] ? src.video_root : NULL,
		.fps = (int)fps, .fragment_frames = (int)fragment_frames,
		.fragment_seconds = fragment_seconds, .quality = quality, .copy = copy,
		.skip_bad = o.skip_bad, .encode = {.crf = (double)crf, .preset = preset},
		.progress = progress, .coco_root = src.coco_root[0] ? src.coco_root : NULL,
		.append_only = o.append_only,
		.image_root = src.image_root[0] ? src.image_root : NULL,
		.det_root = src.det_root[0] ? src.det_root : NULL};
	struct ingest_result res;
	if (nshards && (rq.video_root || rq.coco_root || rq.image_root || rq.det_root)) {
		source_free(&src);
		return cmd_usage_error(e, "ingest", "--shard is for Parquet sources, not video, COCO, "
				       "imagefolder or VisDrone-DET");
	}
	int rc = ingest_run(cfg, &rq, &res, e);
	progress_finish(progress, rc == 0);
	if (rc == 0 && rq.video_root)
		print_video_result(&rq, &res);
	else if (rc == 0 && (rq.coco_root || rq.image_root || rq.det_root))
		print_coco_result(&rq, &res);
	else if (rc == 0)
		print_result(&rq, &res);
	source_free(&src);
	return rc;
}
