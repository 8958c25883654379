/* tables.c - `lakehouse tables [SCHEMA]`: what the lake holds, one line per table. */
#include <stdio.h>
#include <string.h>

#include "lake/catalog.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct tables_opts {
	enum output_format fmt;
};
static const struct opt tables_options[] = {OPT_FORMAT(struct tables_opts, fmt, ""), OPT_END()};
static const char *const tables_examples[] = {
	"lakehouse tables",
	"lakehouse tables gold --json",
	NULL};
const struct verb_spec cmd_tables_spec = {
	.name = "tables",
	.usage = "tables [SCHEMA] [--json | --csv]",
	.about = "The lake's tables (all schemas but the reserved '" LAKE_OWN_SCHEMA "', or SCHEMA's): rows,\n"
		 "columns, data files and their bytes, and the last snapshot that changed each.\n",
	.options = tables_options,
	.examples = tables_examples};

int cmd_tables(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct tables_opts o = {.fmt = OUTPUT_TABLE};
	int first, parsed = opts_parse(&cmd_tables_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	enum output_format fmt = o.fmt;
	if (argc - first > 1)
		return cmd_usage_error(e, "tables", "give at most one SCHEMA");
	const char *schema = first < argc ? argv[first] : "";
	if (schema[0] && !lake_valid_identifier(schema))
		return cmd_usage_error(e, "tables", "invalid schema name '%s'", schema);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_READ, e) < 0)
		return -1;
	duckdb_result r;
	int rc = catalog_tables(l, -1, schema, 1, &r, e);
	if (rc == 0) {
		rc = output_result(stdout, lake_connection(l), &r, fmt) < 0
			     ? err_set(e, EXIT_FAILED, "cannot write to standard output")
			     : 0;
		duckdb_destroy_result(&r);
	}
	lake_close(l);
	return rc;
}
