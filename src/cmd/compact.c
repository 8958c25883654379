/* compact.c - `lakehouse compact [TABLE] [--json]`: small-file compaction for tables fed by
 * many small commits.
 * The steps and their snapshots: lake/maintain.h.
 * Without TABLE, every table of the lake. */
#include <stdio.h>

#include "lake/maintain.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct compact_opts {
	int json;
};
static const struct opt compact_options[] = {
	OPT_FLAG("json", 0, struct compact_opts, json, "the counts as JSON"),
	OPT_END()};
static const char *const compact_examples[] = {
	"lakehouse compact silver.demo_prices  # merge the version demo's small commits",
	"lakehouse compact --json  # every table",
	NULL};
const struct verb_spec cmd_compact_spec = {
	.name = "compact",
	.usage = "compact [SCHEMA.TABLE] [--json]",
	.about = "Compacts a table fed by many small commits (all tables without SCHEMA.TABLE): writes rows\n"
		 "inlined in the catalog out to Parquet, rewrites files that have deleted rows, merges\n"
		 "adjacent small data files into larger ones, then deletes the replaced files no retained\n"
		 "snapshot reads (rewritten files stay until `lakehouse expire`). Time travel to every\n"
		 "retained snapshot keeps working: a merged file remembers which snapshot added each row.\n"
		 "Each step is its own snapshot.\n",
	.options = compact_options,
	.examples = compact_examples};

int cmd_compact(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct compact_opts o = {0};
	int first, parsed = opts_parse(&cmd_compact_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	int json = o.json;
	if (argc - first > 1)
		return cmd_usage_error(e, "compact", "give at most one table");
	const char *s = NULL, *t = NULL;
	char schema[64], table[64];
	if (first < argc) {
		if (lake_parse_table(argv[first], schema, table, e) < 0)
			return -1;
		s = schema;
		t = table;
	}
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	struct compact_result c;
	int rc = lake_compact(l, s, t, &c, e);
	lake_close(l);
	if (rc < 0)
		return -1;
	char name[140] = "";
	if (t)
		snprintf(name, sizeof name, "%s.%s", s, t);
	if (json)
		return output_json(stdout, json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "table",
						     t ? json_string(name) : json_null(), "rows_flushed",
						     (json_int_t)c.flushed, "files_rewritten",
						     (json_int_t)c.rewritten_from, "files_merged",
						     (json_int_t)c.merged_from, "files_created",
						     (json_int_t)c.merged_into, "data_files_before",
						     (json_int_t)c.files_before, "data_files_after",
						     (json_int_t)c.files_after, "files_deleted",
						     (json_int_t)c.files_deleted));
	printf("compacted %s: %lld inlined rows written out, %lld files with deletes rewritten, %lld "
	       "data files merged into %lld; data files %lld -> %lld; %lld replaced files deleted\n",
	       t ? name : "all tables", (long long)c.flushed, (long long)c.rewritten_from,
	       (long long)c.merged_from, (long long)c.merged_into, (long long)c.files_before,
	       (long long)c.files_after, (long long)c.files_deleted);
	return 0;
}
