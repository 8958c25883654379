/* stream.c - `lakehouse stream`: a snapshot's selection as one WebDataset tar on stdout, in a
 * seeded order per epoch, split across ranks and resumable (src/media/stream.h). */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/stream.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct stream_opts {
	const char *sql, *table, *version, *time, *decode, *size, *fit, *frames;
	long seed, epoch, rank, world, skip, threads;
	int skip_bad;
};
static const char *const stream_decodes[] = {"rgb", NULL};
static const char *const stream_fits[] = {"stretch", "pad", "crop", NULL};
static const struct opt stream_options[] = {
	OPT_STRING("sql", 0, struct stream_opts, sql, "QUERY", "the selection, as SQL"),
	OPT_STRING("table", 0, struct stream_opts, table, "SCHEMA.TABLE", "the selection: a whole table"),
	OPT_STRING("version", 0, struct stream_opts, version, "REF",
		   "the lake at snapshot REF (an id or a tag)"),
	OPT_STRING("time", 0, struct stream_opts, time, "TS", "the lake at time TS"),
	OPT_LONG("seed", 0, struct stream_opts, seed, 0, LONG_MAX, "S", "the permutation's seed (default 0)"),
	OPT_LONG("epoch", 0, struct stream_opts, epoch, 0, LONG_MAX, "E",
		 "the epoch (default 0): another epoch, another order"),
	OPT_LONG("rank", 0, struct stream_opts, rank, 0, 1 << 20, "R",
		 "with --world W: every W-th sample from the R-th (ranks disjoint and complete)"),
	OPT_LONG("world", 0, struct stream_opts, world, 1, 1 << 20, "W", "the number of ranks"),
	OPT_LONG("skip", 0, struct stream_opts, skip, 0, LONG_MAX, "N",
		 "leave out this rank's first N samples (resume after N)"),
	OPT_CHOICE("decode", 0, struct stream_opts, decode, stream_decodes, NULL,
		   "<key>.npy instead of the bytes: uint8 HxWx3 (fragments TxHxWx3), boxes in\n"
		   "<key>.json mapped to it; needs --size"),
	OPT_STRING("size", 0, struct stream_opts, size, "WxH", "the arrays' size, e.g. 224x224"),
	OPT_CHOICE("fit", 0, struct stream_opts, fit, stream_fits, NULL,
		   "stretch (default), pad (aspect kept, black bars) or crop (centre)"),
	OPT_STRING("frames", 0, struct stream_opts, frames, "all|K",
		   "fragments: every frame (default) or K evenly spaced"),
	OPT_FLAG("skip-bad", 0, struct stream_opts, skip_bad,
		 "skip samples that cannot be read or decoded (counted on stderr) instead of\n"
		 "stopping after the last good one (exit 1)"),
	OPT_LONG("threads", 0, struct stream_opts, threads, 1, 32, "N",
		 "parallel reads and decodes (default 8)"),
	OPT_END()};
static const char *const stream_examples[] = {
	"lakehouse stream --table gold.coco_train --seed 1 --epoch 3 > local-store/epoch3.tar",
	"lakehouse stream --table gold.coco_train --decode rgb --size 224x224 --rank 0 --world 4 "
	 "> local-store/part0.tar",
	NULL};
const struct verb_spec cmd_stream_spec = {
	.name = "stream",
	.usage = "stream (--sql QUERY | --table SCHEMA.TABLE) [--version REF | --time TS]\n"
		 "                        [--seed S] [--epoch E] [--rank R --world W] [--skip N]\n"
		 "                        [--decode rgb --size WxH [--fit stretch|pad|crop] [--frames all|K]]\n"
		 "                        [--threads N] [--skip-bad]",
	.about = "Writes the selection's samples as one WebDataset tar on stdout, laid out as export's\n"
		 "WebDataset shards (<key>.jpg|mp4 + <key>.json), for webdataset's pipe: URLs or any tar\n"
		 "reader. The order is a permutation of the samples fixed by (seed, epoch) alone: the same\n"
		 "on any machine and for any --threads.\n",
	.options = stream_options,
	.examples = stream_examples};

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
	struct stream_opts o = {.rank = -1, .world = -1, .threads = 8};
	int first, parsed = opts_parse(&cmd_stream_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	struct stream_request rq = {.sql = o.sql, .table = o.table,
				    .at = {.version = o.version, .time = o.time},
				    .seed = (uint64_t)o.seed, .epoch = (uint64_t)o.epoch, .world = 1,
				    .skip = o.skip, .threads = (int)o.threads, .decode = o.decode != NULL,
				    .skip_bad = o.skip_bad, .fd = STDOUT_FILENO};
	if (first != argc || !rq.sql == !rq.table)
		return cmd_usage_error(e, "stream", "give one of --sql QUERY or --table SCHEMA.TABLE");
	if (rq.at.version && rq.at.time)
		return cmd_usage_error(e, "stream", "give at most one of --version and --time");
	if ((o.rank < 0) != (o.world < 0))
		return cmd_usage_error(e, "stream", "give --rank and --world together");
	if (o.world > 0 && o.rank >= o.world)
		return cmd_usage_error(e, "stream", "--rank wants 0..%ld for --world %ld, got %ld",
				       o.world - 1, o.world, o.rank);
	if (o.world > 0)
		rq.rank = o.rank, rq.world = o.world;
	if (!o.decode != !o.size)
		return cmd_usage_error(e, "stream", "--decode rgb and --size WxH go together");
	if (o.size && parse_size(o.size, &rq.spec, e) < 0)
		return -1;
	rq.spec.fit = !o.fit || strcmp(o.fit, "stretch") == 0 ? DECODE_STRETCH
		      : strcmp(o.fit, "pad") == 0		    ? DECODE_PAD
								    : DECODE_CROP;
	long k = 0;
	if (o.frames && strcmp(o.frames, "all") != 0 &&
	    cmd_parse_long("stream", "--frames", o.frames, 1, 1 << 20, &k, e) < 0)
		return -1;
	rq.spec.frames = k;
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
