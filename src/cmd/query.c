/* query.c - `lakehouse query NAME`: the named queries of sql/queries/. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/lake.h"
#include "lake/transform.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse query NAME [--json | --csv]\n\n"
	"Runs a named query from sql/queries/: crowded-scenes (COCO images with 5+ persons),\n"
	"busy-fragments (VisDrone fragments with 20+ tracks). Their clip_uri/fragment_id or\n"
	"image_uri columns feed 'lakehouse fetch --sql'.\n";

int cmd_query(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'}, CMD_FORMAT_LONGOPTS, {0}};
	enum output_format fmt = OUTPUT_TABLE;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (!cmd_format_option(opt, &fmt))
			return cmd_usage_error(e, "query", "unknown option");
	}
	if (argc - optind != 1)
		return cmd_usage_error(e, "query", "give one query NAME");
	char *sql = NULL;
	if (transform_query_text(argv[optind], &sql, e) < 0)
		return -1;
	struct lake *l;
	int rc = lake_open(&l, cfg, LAKE_EXISTING, e);
	if (rc == 0) {
		rc = cmd_print_query(l, sql, NULL, 0, fmt, e);
		lake_close(l);
	}
	free(sql);
	return rc;
}
