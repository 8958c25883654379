/* tables.c - `lakehouse tables [SCHEMA]`: what the lake holds, one line per table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lake/catalog.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse tables [SCHEMA] [--json | --csv]\n\n"
	"The lake's tables (all schemas but the reserved '" LAKE_OWN_SCHEMA "', or SCHEMA's): rows,\n"
	"columns, data files and their bytes, and the last snapshot that changed each.\n";

int cmd_tables(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
						 CMD_FORMAT_LONGOPTS, {0}};
	enum output_format fmt = OUTPUT_TABLE;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (!cmd_format_option(opt, &fmt))
			return cmd_usage_error(e, "tables", "unknown option");
	}
	if (argc - optind > 1)
		return cmd_usage_error(e, "tables", "give at most one SCHEMA");
	const char *schema = optind < argc ? argv[optind] : "";
	if (schema[0] && !lake_valid_identifier(schema))
		return cmd_usage_error(e, "tables", "invalid schema name '%s'", schema);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	duckdb_result r;
	int rc = catalog_tables(l, -1, schema, 1, &r, e);
	if (rc == 0) {
		rc = output_result(stdout, lake_connection(l), &r, fmt) < 0
			     ? err_set(e, 0, "cannot write to standard output")
			     : 0;
		duckdb_destroy_result(&r);
	}
	lake_close(l);
	return rc;
}
