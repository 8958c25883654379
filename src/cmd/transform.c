/* transform.c - `lakehouse transform silver|gold|all`: the medallion layers from SQL files,
 * each one transaction guarded by quality gates. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lake/transform.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct transform_opts {
	const char *message, *resplit;
	long seed;
};
static const struct opt transform_options[] = {
	OPT_STRING("message", 'm', struct transform_opts, message, "MESSAGE", "commit message"),
	OPT_STRING("resplit", 0, struct transform_opts, resplit, "NAME=FRACTION,...",
		   "redraw gold's split: e.g. train=0.8,val=0.1,test=0.1 (needs --seed)"),
	OPT_LONG("seed", 0, struct transform_opts, seed, 0, LONG_MAX, "N",
		 "the seed of the re-split (the same seed, the same split)"),
	OPT_END()};
static const char *const transform_layers[] = {"silver", "gold", "all", NULL};
static const char *const transform_examples[] = {
	"lakehouse transform all",
	"lakehouse transform gold --resplit train=0.8,val=0.1,test=0.1 --seed 7"
	 "  # redraw gold's split, reproducibly",
	"lakehouse transform gold -m 'source splits again'  # without --resplit: each source's split",
	NULL};
const struct verb_spec cmd_transform_spec = {
	.name = "transform",
	.examples = transform_examples,
	.usage = "transform silver|gold|all [-m MESSAGE] [--resplit NAME=FRACTION,... --seed N]",
	.about = "Runs sql/20_silver.sql and/or sql/30_gold.sql (the sections whose input tables exist),\n"
		 "then the quality gates in sql/checks/. Each layer is one snapshot; a failing gate leaves\n"
		 "no snapshot and names the gate with a few offending rows. Set LAKEHOUSE_SQL_DIR to run\n"
		 "edited copies of the SQL files instead of the built-in ones.\n",
	.options = transform_options,
	.more = "Gold keeps the split each source gave (COCO's val2017 stays val2017; VisDrone clips,\n"
		"which come without one, get a fixed 80/10/10 by sequence). --resplit redraws it for\n"
		"gold on purpose: the parts in the order given cover [0, 1) by their fractions (each in\n"
		"(0, 1], summing to 1), and a row goes to the part that holds the first 64 bits of\n"
		"SHA-256(\"SEED:KEY\") / 2^64, KEY being image_id for COCO and sequence for VisDrone.\n"
		"The same seed gives the same split on any machine, in any row order; --seed is\n"
		"required. gold.coco_train.source_split keeps the source's split, the snapshot's\n"
		"message records the re-split, and exports follow it. `transform gold` without\n"
		"--resplit returns to the source's split.\n",
	.words = transform_layers};

int cmd_transform(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct transform_opts o = {.seed = -1};
	int first, parsed = opts_parse(&cmd_transform_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	const char *message = o.message;
	if (argc - first != 1)
		return cmd_usage_error(e, "transform", "give silver, gold or all");
	const char *which = argv[first];
	int all = strcmp(which, "all") == 0;
	struct transform_resplit resplit = {0};
	if (o.seed >= 0 && !o.resplit)
		return cmd_usage_error(e, "transform",
				       "--seed seeds a re-split: give --resplit NAME=FRACTION,... with it");
	if (o.resplit) {
		if (strcmp(which, "silver") == 0)
			return cmd_usage_error(e, "transform",
					       "--resplit redraws gold's split: run 'transform gold' or "
					       "'transform all' with it");
		if (o.seed < 0)
			return cmd_usage_error(e, "transform",
					       "--resplit needs --seed N, so that the split can be drawn "
					       "again (e.g. --seed 7)");
		if (transform_resplit_parse(o.resplit, o.seed, &resplit, e) < 0)
			return cmd_usage_error(e, "transform", "%s", e->msg);
	}
	const char *layers[] = {all ? "silver" : which, all ? "gold" : NULL};
	for (int i = 0; i < 2 && layers[i]; i++) {
		struct transform_result res;
		int gold = strcmp(layers[i], "gold") == 0;
		if (transform_run(cfg, layers[i], message, gold ? &resplit : NULL, &res, e) < 0)
			return err_wrap(e, "transform %s", layers[i]);
		if (res.snapshot < 0) {
			printf("%s: nothing to transform (no input tables yet)\n", layers[i]);
			continue;
		}
		char how[600] = "";
		if (gold && resplit.n) {
			char d[560];
			transform_resplit_describe(&resplit, d, sizeof d);
			snprintf(how, sizeof how, " (resplit %s)", d);
		}
		printf("%s: sections %s, %d quality gates passed%s: snapshot %lld\n", layers[i],
		       res.sections, res.gates, how, (long long)res.snapshot);
	}
	return 0;
}
