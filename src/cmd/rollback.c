/* rollback.c - `lakehouse rollback SCHEMA.TABLE --to REF`, `rollback --schema S --to REF`,
 * `rollback --all --to REF`: a NEW snapshot in which the table, the schema or the lake equals
 * its state at snapshot (or tag) REF; see lake/restore.h. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "lake/history.h"
#include "lake/restore.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct rollback_opts {
	const char *to, *message, *schema;
	int json, all, yes;
};
static const struct opt rollback_options[] = {
	OPT_STRING("to", 0, struct rollback_opts, to, "REF", "the snapshot id or tag to go back to"),
	OPT_STRING("schema", 0, struct rollback_opts, schema, "S", "every table of schema S"),
	OPT_FLAG("all", 0, struct rollback_opts, all, "every table of the lake"),
	OPT_FLAG("yes", 0, struct rollback_opts, yes, "carry out the plan of --schema or --all"),
	OPT_STRING("message", 'm', struct rollback_opts, message, "MESSAGE", "commit message"),
	OPT_FLAG("json", 0, struct rollback_opts, json, "the plan and the result as JSON"),
	OPT_END()};
static const char *const rollback_examples[] = {
	"lakehouse rollback silver.demo_prices --to 8 -m 'the bad prices again'",
	"lakehouse rollback --schema silver --to 7 --yes -m 'silver as of snapshot 7'",
	NULL};
const struct verb_spec cmd_rollback_spec = {
	.name = "rollback",
	.usage = "rollback SCHEMA.TABLE --to REF [-m MESSAGE] [--json]\n"
		 "rollback (--schema S | --all) --to REF [--yes] [-m MESSAGE] [--json]",
	.about = "Restores, in ONE new snapshot, a table (or every table of a schema, or of the lake) to its\n"
		 "rows and columns at REF, a snapshot id or a tag. For a schema or the lake: tables created\n"
		 "after REF are dropped, tables dropped after it recreated, renamed tables get their old\n"
		 "names back, unchanged tables are left alone. The plan is shown per table; only --yes\n"
		 "carries it out. Earlier snapshots stay readable ('lakehouse show --version').\n",
	.options = rollback_options,
	.examples = rollback_examples};

static void print_plan(const struct restore_plan *p, const char *scope, int yes, int64_t snap,
		       int json)
{
	if (json) {
		json_t *steps = json_array();
		for (size_t i = 0; i < p->n; i++) {
			const struct restore_step *s = &p->steps[i];
			json_array_append_new(steps, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "action",
							       restore_action_name(s->action), "schema",
							       s->schema, "name_now", s->name_now, "name_at",
							       s->name_at, "rows_now", (json_int_t)s->rows_now,
							       "rows_at", (json_int_t)s->rows_at));
		}
		json_t *j = json_pack("{s:s, s:I, s:b, s:I, s:o}", "scope", scope, "to", (json_int_t)p->to,
				      "dry_run", !yes, "snapshot", (json_int_t)snap, "plan", steps);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
		return;
	}
	printf("rollback %s to snapshot %lld: %zu change(s)%s\n", scope, (long long)p->to, p->changes,
	       yes ? "" : " (dry run; --yes to do it)");
	for (size_t i = 0; i < p->n; i++) {
		const struct restore_step *s = &p->steps[i];
		const char *name = s->name_at[0] ? s->name_at : s->name_now;
		if (s->action == RESTORE_SCHEMA_CREATE || s->action == RESTORE_SCHEMA_DROP) {
			printf("  %-15s %s\n", restore_action_name(s->action), s->schema);
			continue;
		}
		printf("  %-15s %s.%s", restore_action_name(s->action), s->schema, name);
		if (s->action == RESTORE_RENAME || s->action == RESTORE_RENAME_CONTENT)
			printf(" (now named %s)", s->name_now);
		if (s->rows_now >= 0)
			printf("  rows now %lld", (long long)s->rows_now);
		if (s->rows_at >= 0)
			printf("  rows at %lld: %lld", (long long)p->to, (long long)s->rows_at);
		putchar('\n');
	}
	if (yes && p->changes)
		printf("snapshot %lld\n", (long long)snap);
}

static int rollback_scope(struct lake *l, const char *schema, int64_t to, int yes, int json,
			  const struct config *cfg, const char *message, struct err *e)
{
	struct restore_plan plan;
	char scope[80];
	snprintf(scope, sizeof scope, schema ? "schema %s" : "the lake", schema);
	int64_t snap = -1;
	if (restore_plan(l, schema, to, &plan, e) < 0)
		return -1;
	int rc = yes ? restore_apply(l, &plan, scope, cfg->author, message, &snap, e) : 0;
	if (rc >= 0)
		print_plan(&plan, scope, yes, snap, json);
	restore_plan_free(&plan);
	return rc < 0 ? -1 : 0;
}

int cmd_rollback(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct rollback_opts o = {0};
	int first, parsed = opts_parse(&cmd_rollback_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	const char *to_ref = o.to, *message = o.message, *schema = o.schema;
	int json = o.json, all = o.all, yes = o.yes;
	int whole = all || schema;
	if (!to_ref || (all && schema) || argc - first != (whole ? 0 : 1))
		return cmd_usage_error(e, "rollback", "give SCHEMA.TABLE, --schema S or --all, and --to REF");
	if (schema && !lake_valid_identifier(schema))
		return cmd_usage_error(e, "rollback", "invalid schema name '%s'", schema);
	char sch[64], table[64];
	if (!whole && lake_parse_table(argv[first], sch, table, e) < 0)
		return -1;
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	int64_t to = -1, snap = 0;
	int rc = lake_pin(l, &(struct lake_ref){.version = to_ref}, &to, e);
	if (rc == 0 && whole) {
		rc = rollback_scope(l, schema, to, yes, json, cfg, message, e);
	} else if (rc == 0) {
		rc = restore_table(l, sch, table, to, cfg->author, message, &snap, e);
		char name[140];
		snprintf(name, sizeof name, "%s.%s", sch, table);
		if (rc == 0 && json)
			output_json(stdout, json_pack("{s:s, s:I, s:I}", "table", name, "to", (json_int_t)to,
						      "snapshot", (json_int_t)snap));
		else if (rc == 0)
			printf("rolled back %s.%s to snapshot %lld: snapshot %lld\n", sch, table,
			       (long long)to, (long long)snap);
	}
	lake_close(l);
	return rc;
}
