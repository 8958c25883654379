/* transform.c - `lakehouse transform silver|gold|all`: the medallion layers from SQL files,
 * each one transaction guarded by quality gates. */
#include <stdio.h>
#include <string.h>

#include "lake/transform.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct transform_opts {
	const char *message;
};
static const struct opt transform_options[] = {
	OPT_STRING("message", 'm', struct transform_opts, message, "MESSAGE", "commit message"),
	OPT_END()};
static const char *const transform_layers[] = {"silver", "gold", "all", NULL};
static const char *const transform_examples[] = {
	"lakehouse transform all",
	"lakehouse transform silver -m 'rebuild silver'",
	NULL};
const struct verb_spec cmd_transform_spec = {
	.name = "transform",
	.examples = transform_examples,
	.usage = "transform silver|gold|all [-m MESSAGE]",
	.about = "Runs sql/20_silver.sql and/or sql/30_gold.sql (the sections whose input tables exist),\n"
		 "then the quality gates in sql/checks/. Each layer is one snapshot; a failing gate leaves\n"
		 "no snapshot and names the gate with a few offending rows. Set LAKEHOUSE_SQL_DIR to run\n"
		 "edited copies of the SQL files instead of the built-in ones.\n",
	.options = transform_options,
	.words = transform_layers};

int cmd_transform(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct transform_opts o = {0};
	int first, parsed = opts_parse(&cmd_transform_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	const char *message = o.message;
	if (argc - first != 1)
		return cmd_usage_error(e, "transform", "give silver, gold or all");
	const char *which = argv[first];
	int all = strcmp(which, "all") == 0;
	const char *layers[] = {all ? "silver" : which, all ? "gold" : NULL};
	for (int i = 0; i < 2 && layers[i]; i++) {
		struct transform_result res;
		if (transform_run(cfg, layers[i], message, &res, e) < 0)
			return err_wrap(e, "transform %s", layers[i]);
		if (res.snapshot < 0)
			printf("%s: nothing to transform (no input tables yet)\n", layers[i]);
		else
			printf("%s: sections %s, %d quality gates passed: snapshot %lld\n", layers[i],
			       res.sections, res.gates, (long long)res.snapshot);
	}
	return 0;
}
