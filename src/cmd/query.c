/* query.c - `lakehouse query NAME`: the named queries of sql/queries/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake.h"
#include "lake/transform.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct query_opts {
	enum output_format fmt;
};
static const struct opt query_options[] = {OPT_FORMAT(struct query_opts, fmt, ""), OPT_END()};
static const char *const query_names[] = {"crowded-scenes", "busy-fragments", NULL};
static const char *const query_examples[] = {
	"lakehouse query crowded-scenes",
	"lakehouse query busy-fragments --csv > busy.csv",
	NULL};
const struct verb_spec cmd_query_spec = {
	.name = "query",
	.usage = "query NAME [--json | --csv]",
	.about = "Runs a named query from sql/queries/: crowded-scenes (COCO images with 5+ persons),\n"
		 "busy-fragments (VisDrone fragments with 20+ tracks). Their clip_uri/fragment_id or\n"
		 "image_uri columns feed 'lakehouse fetch --sql'.\n",
	.options = query_options,
	.words = query_names,
	.examples = query_examples};

/* The value of a "-- @TAG value" header line of the query text, into out ("" if none). */
static void header(const char *sql, const char *tag, char *out, size_t n)
{
	const char *p = strstr(sql, tag);
	out[0] = '\0';
	if (p)
		snprintf(out, n, "%.*s", (int)strcspn(p + strlen(tag), "\n"), p + strlen(tag));
}

/* A named query whose tables are missing: which ones, and what creates them. */
static int explain_missing(struct lake *l, const char *name, const char *sql, struct err *e)
{
	char requires[512], made_by[512], missing[512] = "";
	header(sql, "-- @requires ", requires, sizeof requires);
	header(sql, "-- @made-by ", made_by, sizeof made_by);
	struct err ignored = {0};
	for (char *save = NULL, *t = strtok_r(requires, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char schema[64], table[64];
		int exists = 1;
		if (lake_parse_table(t, schema, table, &ignored) == 0 &&
		    lake_table_exists(l, schema, table, &exists, &ignored) == 0 && !exists)
			snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
				 missing[0] ? ", " : "", t);
	}
	if (!missing[0])
		return -1;
	return err_set(e, EXIT_USAGE, "query %s reads %s, which the lake does not have yet; %s%s",
		       name, missing, made_by[0] ? "create them with: " : "",
		       made_by[0] ? made_by : "see 'lakehouse tables'");
}

int cmd_query(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct query_opts o = {.fmt = OUTPUT_TABLE};
	int first, parsed = opts_parse(&cmd_query_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	enum output_format fmt = o.fmt;
	if (argc - first != 1)
		return cmd_usage_error(e, "query", "give one query NAME");
	char *sql = NULL;
	if (transform_query_text(argv[first], &sql, e) < 0)
		return -1;
	struct lake *l;
	int rc = lake_open(&l, cfg, LAKE_READ, e);
	if (rc == 0) {
		rc = cmd_print_query(l, sql, NULL, 0, fmt, e);
		if (rc < 0 && strncmp(e->msg, "no table ", 9) == 0)
			explain_missing(l, argv[first], sql, e);
		lake_close(l);
	}
	free(sql);
	return rc;
}
