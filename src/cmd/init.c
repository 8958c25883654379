/* init.c - `lakehouse init`: create the bucket when missing and attach (creating) the lake.
 *
 * Idempotent: on an existing lake it only re-attaches and reports.
 */
#include <stdio.h>
#include <string.h>

#include "lake/lake.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct init_opts {
	int unused;
};
static const struct opt init_options[] = {OPT_END()};
static const char *const init_examples[] = {
	"lakehouse init  # safe on an existing lake",
	NULL};
const struct verb_spec cmd_init_spec = {
	.name = "init",
	.usage = "init",
	.about = "Creates the bucket (when missing) and the DuckLake catalog with the schemas raw,\n"
		 "silver and gold, by running sql/00_attach.sql. Safe to run again.\n",
	.options = init_options,
	.examples = init_examples};

int cmd_init(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct init_opts o = {0};
	int first, parsed = opts_parse(&cmd_init_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	if (first < argc)
		return cmd_usage_error(e, "init", "unexpected argument '%s'", argv[first]);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_CREATE, e) < 0)
		return -1;
	int64_t snap = 0;
	int rc = lake_current_snapshot(l, &snap, e);
	if (rc == 0)
		printf("lake ready: catalog %s, data s3://%s/lake/ at %s, snapshot %lld\n", cfg->catalog,
		       cfg->bucket, cfg->endpoint, (long long)snap);
	lake_close(l);
	return rc;
}
