/* transform.c - `lakehouse transform silver|gold|all`: the medallion layers from SQL files,
 * each one transaction guarded by quality gates. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lake/transform.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse transform silver|gold|all [-m MESSAGE]\n\n"
	"Runs sql/20_silver.sql and/or sql/30_gold.sql (the sections whose input tables exist),\n"
	"then the quality gates in sql/checks/. Each layer is one snapshot; a failing gate leaves\n"
	"no snapshot and names the gate with a few offending rows. Set LAKEHOUSE_SQL_DIR to run\n"
	"edited copies of the SQL files instead of the built-in ones.\n";

int cmd_transform(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
						 {"message", required_argument, NULL, 'm'},
						 {0}};
	const char *message = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "hm:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (opt != 'm')
			return cmd_usage_error(e, "transform", "unknown option");
		message = optarg;
	}
	if (argc - optind != 1)
		return cmd_usage_error(e, "transform", "give silver, gold or all");
	const char *which = argv[optind];
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
