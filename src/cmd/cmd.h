/* cmd.h - the verbs of lakehouse, one source file each (src/cmd/<verb>.c), and the helpers
 * they share (src/cmd/common.c).
 *
 * A verb declares its options once, in a `struct verb_spec cmd_<verb>_spec` (cmd/options.h),
 * parses argv with opts_parse(), calls into the modules, prints results on stdout and returns
 * 0 or -1 with e filled; main() prints e and picks the exit code. `--help`, completion and the
 * man page are made from the specs without running the verb (src/cmd/help.c).
 */
#ifndef LAKEHOUSE_CMD_H
#define LAKEHOUSE_CMD_H

#include "core/config.h"
#include "core/err.h"
#include "core/output.h"

typedef int (*cmd_fn)(int argc, char **argv, const struct config *cfg, struct err *e);

struct verb_spec;
struct command {
	const char *name;
	cmd_fn run; /* NULL for the verbs main runs itself (completion, man: they read the table) */
	const struct verb_spec *spec; /* its options, usage and description */
	const char *summary;
};

int cmd_compact(int argc, char **argv, const struct config *cfg, struct err *e);
/* Help, completion and the man page, all generated from the verb table and the verbs' specs
 * (src/cmd/help.c); nothing is run to read them. */
/* A verb's --help: its spec's text (examples included). */
void cmd_print_help(const struct command *c);
/* `lakehouse completion bash|zsh`: a completion script for the verbs and their options. */
int cmd_completion(int argc, char **argv, const struct command *cmds, size_t n, struct err *e);
/* `lakehouse man`: the manual page (roff) from the verbs' help texts and examples. */
int cmd_man(int argc, char **argv, const struct command *cmds, size_t n, const char *version,
	    struct err *e);
extern const struct verb_spec cmd_completion_spec, cmd_man_spec, cmd_help_spec;

int cmd_diff(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_log(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_reset(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_rollback(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_show(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_expire(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_gc(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_publish(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_query(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_transform(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_trace(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_export(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_fetch(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_ingest(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_init(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_land(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_snapshots(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_sql(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_storage(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_stream(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_tables(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_tag(int argc, char **argv, const struct config *cfg, struct err *e);
int cmd_view(int argc, char **argv, const struct config *cfg, struct err *e);
extern const struct verb_spec cmd_compact_spec, cmd_diff_spec, cmd_expire_spec, cmd_export_spec,
	cmd_fetch_spec, cmd_gc_spec, cmd_ingest_spec, cmd_init_spec, cmd_land_spec, cmd_log_spec,
	cmd_publish_spec, cmd_query_spec, cmd_reset_spec, cmd_rollback_spec, cmd_show_spec,
	cmd_snapshots_spec, cmd_sql_spec, cmd_storage_spec, cmd_stream_spec, cmd_tables_spec, cmd_tag_spec,
	cmd_trace_spec, cmd_transform_spec, cmd_view_spec;

/* Runs one query on the lake (VARCHAR parameters $1..$n) and prints its result in fmt. */
struct lake;
int cmd_print_query(struct lake *l, const char *sql, const char *const *params, int nparams,
		    enum output_format fmt, struct err *e);

/* The usage error every verb reports: "MESSAGE; see 'lakehouse VERB --help'". */
int cmd_usage_error(struct err *e, const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An integer option (opts_parse's OPT_LONG) or argument: text must be a whole decimal number in [min, max] (no
 * blanks, no overflow), stored in *out; otherwise the usage error
 * "WHAT wants a whole number from MIN to MAX, got 'TEXT'" for verb. Returns 0 or -1. */
int cmd_parse_long(const char *verb, const char *what, const char *text, long min, long max,
		   long *out, struct err *e);

#endif
