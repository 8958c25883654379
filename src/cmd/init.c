/* init.c - `lakehouse init`: create the bucket when missing and attach (creating) the lake.
 *
 * Idempotent: on an existing lake it only re-attaches and reports.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lake/lake.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse init\n\n"
	"Creates the bucket (when missing) and the DuckLake catalog with the schemas raw,\n"
	"silver and gold, by running sql/00_attach.sql. Safe to run again.\n";

int cmd_init(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		return cmd_usage_error(e, "init", "unknown option");
	}
	if (optind < argc)
		return cmd_usage_error(e, "init", "unexpected argument '%s'", argv[optind]);
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
