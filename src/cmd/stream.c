/* stream.c - `lakehouse stream`: a snapshot's selection as one WebDataset tar on stdout, in a
 * seeded order per epoch, split across ranks and resumable (src/media/stream.h). */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/stream.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse stream (--sql QUERY | --table SCHEMA.TABLE) [--version REF | --time TS]\n"
	"                        [--seed S] [--epoch E] [--rank R --world W] [--skip N]\n"
	"                        [--decode rgb --size WxH [--fit stretch|pad|crop] [--frames all|K]]\n"
	"                        [--threads N] [--skip-bad]\n\n"
	"Writes the selection's samples as one WebDataset tar on stdout, laid out as export's\n"
	"WebDataset shards (<key>.jpg|mp4 + <key>.json), for webdataset's pipe: URLs or any tar\n"
	"reader. The order is a permutation of the samples fixed by (seed, epoch) alone: the same\n"
	"on any machine and for any --threads.\n"
	"  --seed S, --epoch E   the permutation (default 0, 0); another epoch, another order\n"
	"  --rank R --world W    every W-th sample from the R-th: ranks disjoint and complete\n"
	"  --skip N              leave out this rank's first N samples (resume after N)\n"
	"  --decode rgb          <key>.npy instead of the bytes: uint8 HxWx3 (fragments TxHxWx3),\n"
	"                        boxes in <key>.json mapped to it; needs --size WxH\n"
	"  --fit MODE            stretch (default), pad (aspect kept, black bars) or crop (centre)\n"
	"  --frames all|K        fragments: every frame (default) or K evenly spaced\n"
	"  --skip-bad            skip samples that cannot be read or decoded (counted on stderr)\n"
	"                        instead of stopping after the last good one (exit 1)\n"
	"  --threads N           parallel reads and decodes (default 8)\n";

static int parse_size(const char *s, struct decode_spec *d, struct err *e)
{
	char *x;
	long w = strtol(s, &x, 10), h = (x && (*x == 'x' || *x == 'X')) ? strtol(x + 1, &x, 10) : 0;
	if (*x || w < 1 || h < 1 || w > 16384 || h > 16384)
		return cmd_usage_error(e, "stream", "--size wants WIDTHxHEIGHT (e.g. 224x224), got '%s'", s);
	d->width = (int)w, d->height = (int)h;
	return 0;
}

int cmd_stream(int argc, char **argv, const struct config *cfg, struct err *e)
{
	enum { O_SQL = 1100, O_TABLE, O_VERSION, O_TIME, O_SEED, O_EPOCH, O_RANK, O_WORLD, O_SKIP,
	       O_THREADS, O_DECODE, O_SIZE, O_FIT, O_FRAMES, O_SKIPBAD };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'}, {"sql", required_argument, NULL, O_SQL},
		{"table", required_argument, NULL, O_TABLE}, {"version", required_argument, NULL, O_VERSION},
		{"time", required_argument, NULL, O_TIME}, {"seed", required_argument, NULL, O_SEED},
		{"epoch", required_argument, NULL, O_EPOCH}, {"rank", required_argument, NULL, O_RANK},
		{"world", required_argument, NULL, O_WORLD}, {"skip", required_argument, NULL, O_SKIP},
		{"threads", required_argument, NULL, O_THREADS}, {"decode", required_argument, NULL, O_DECODE},
		{"size", required_argument, NULL, O_SIZE}, {"fit", required_argument, NULL, O_FIT},
		{"frames", required_argument, NULL, O_FRAMES}, {"skip-bad", no_argument, NULL, O_SKIPBAD},
		{0}};
	struct stream_request rq = {.world = 1, .threads = 8, .fd = STDOUT_FILENO};
	long v, world = -1, rank = -1;
	int opt, sized = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'h': return fputs(usage, stdout), 0;
		case O_SQL: rq.sql = optarg; break;
		case O_TABLE: rq.table = optarg; break;
		case O_VERSION: rq.at.version = optarg; break;
		case O_TIME: rq.at.time = optarg; break;
		case O_SEED: rc = cmd_parse_long("stream", "--seed", optarg, 0, LONG_MAX, &v, e), rq.seed = (uint64_t)v; break;
		case O_EPOCH: rc = cmd_parse_long("stream", "--epoch", optarg, 0, LONG_MAX, &v, e), rq.epoch = (uint64_t)v; break;
		case O_RANK: rc = cmd_parse_long("stream", "--rank", optarg, 0, 1 << 20, &rank, e); break;
		case O_WORLD: rc = cmd_parse_long("stream", "--world", optarg, 1, 1 << 20, &world, e); break;
		case O_SKIP: rc = cmd_parse_long("stream", "--skip", optarg, 0, LONG_MAX, &v, e), rq.skip = v; break;
		case O_THREADS: rc = cmd_parse_long("stream", "--threads", optarg, 1, 32, &v, e), rq.threads = (int)v; break;
		case O_DECODE:
			if (strcmp(optarg, "rgb") != 0)
				rc = cmd_usage_error(e, "stream", "--decode is rgb, got '%s'", optarg);
			rq.decode = 1;
			break;
		case O_SIZE: rc = parse_size(optarg, &rq.spec, e), sized = 1; break;
		case O_FIT:
			if (strcmp(optarg, "stretch") == 0) rq.spec.fit = DECODE_STRETCH;
			else if (strcmp(optarg, "pad") == 0) rq.spec.fit = DECODE_PAD;
			else if (strcmp(optarg, "crop") == 0) rq.spec.fit = DECODE_CROP;
			else rc = cmd_usage_error(e, "stream", "--fit is stretch, pad or crop, got '%s'", optarg);
			break;
		case O_FRAMES:
			if (strcmp(optarg, "all") == 0) rq.spec.frames = 0;
			else rc = cmd_parse_long("stream", "--frames", optarg, 1, 1 << 20, &v, e), rq.spec.frames = v;
			break;
		case O_SKIPBAD: rq.skip_bad = 1; break;
		default: return cmd_usage_error(e, "stream", "unknown option");
		}
		if (rc < 0)
			return -1;
	}
	if (optind != argc || !rq.sql == !rq.table)
		return cmd_usage_error(e, "stream", "give one of --sql QUERY or --table SCHEMA.TABLE");
	if (rq.at.version && rq.at.time)
		return cmd_usage_error(e, "stream", "give at most one of --version and --time");
	if ((rank < 0) != (world < 0))
		return cmd_usage_error(e, "stream", "give --rank and --world together");
	if (world > 0 && rank >= world)
		return cmd_usage_error(e, "stream", "--rank wants 0..%ld for --world %ld, got %ld",
				       world - 1, world, rank);
	if (world > 0)
		rq.rank = rank, rq.world = world;
	if (rq.decode != sized)
		return cmd_usage_error(e, "stream", "--decode rgb and --size WxH go together");
	if (isatty(STDOUT_FILENO))
		return cmd_usage_error(e, "stream", "stdout is a terminal: pipe the tar into a reader "
						    "(e.g. | tar tv) or a file");
	signal(SIGPIPE, SIG_IGN); /* a reader that stops early: EPIPE ends the stream quietly */
	struct stream_result res;
	int rc = stream_run(cfg, &rq, &res, e);
	if (res.skipped)
		fprintf(stderr, "skipped %lld samples that could not be read or decoded (first: %s)\n",
			(long long)res.skipped, res.first_bad);
	if (rc < 0) {
		if (res.samples)
			err_wrap(e, "stream stopped after %lld samples", (long long)res.samples);
		return -1;
	}
	return 0;
}
