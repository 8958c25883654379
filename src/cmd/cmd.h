/* cmd.h - the verbs of lakehouse, one source file each (src/cmd/<verb>.c), and the helpers
 * they share (src/cmd/common.c).
 *
 * A verb parses its own options, calls into the modules, prints results on stdout and
 * returns 0 or -1 with e filled; main() prints e and picks the exit code. `--help` prints
 * the verb's usage on stdout and returns 0.
 */
#ifndef LAKEHOUSE_CMD_H
#define LAKEHOUSE_CMD_H

#include "core/config.h"
#include "core/err.h"
#include "core/output.h"

typedef int (*cmd_fn)(int argc, char **argv, const struct config *cfg, struct err *e);

struct command {
	const char *name;
	cmd_fn run; /* NULL for the verbs main runs itself (completion, man: they read the table) */
	const char *summary;
	const char *examples; /* 1-3 command lines, one per line: the end of the verb's --help */
};

int cmd_compact(int argc, char **argv, const struct config *cfg, struct err *e);
/* Help, completion and the man page, all generated from the verb table (src/cmd/help.c). */
/* The verb's --help text (the verb run with --help in a child process, so nothing it sets
 * up stays behind), malloc'd, the caller frees it; NULL when it cannot be had. */
char *cmd_help_text(const struct command *c, const struct config *cfg);
/* Prints the examples after a verb's --help. */
void cmd_print_examples(const struct command *c);
/* `lakehouse completion bash|zsh`: a completion script for the verbs and their options. */
int cmd_completion(int argc, char **argv, const struct command *cmds, size_t n,
		   const struct config *cfg, struct err *e);
/* `lakehouse man`: the manual page (roff) from the verbs' help texts and examples. */
int cmd_man(const struct command *cmds, size_t n, const struct config *cfg, const char *version,
	    struct err *e);
/* After a usage error of verb c: an option in argv that c does not know replaces the message
 * with "unknown option '--X' (did you mean --Y?)". */
void cmd_explain_option(const struct command *c, const struct config *cfg, int argc, char **argv,
			struct err *e);

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

/* Shared option handling: --json / --csv / --table / --wide / --line set *fmt. Returns 1 if opt was one. */
int cmd_format_option(int opt, enum output_format *fmt);
/* Runs one query on the lake (VARCHAR parameters $1..$n) and prints its result in fmt. */
struct lake;
int cmd_print_query(struct lake *l, const char *sql, const char *const *params, int nparams,
		    enum output_format fmt, struct err *e);

/* The usage error every verb reports: "MESSAGE; see 'lakehouse VERB --help'". */
int cmd_usage_error(struct err *e, const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An integer option or argument: text must be a whole decimal number in [min, max] (no
 * blanks, no overflow), stored in *out; otherwise the usage error
 * "WHAT wants a whole number from MIN to MAX, got 'TEXT'" for verb. Returns 0 or -1. */
int cmd_parse_long(const char *verb, const char *what, const char *text, long min, long max,
		   long *out, struct err *e);

#define CMD_OPT_JSON 1001
#define CMD_OPT_CSV 1002
#define CMD_OPT_TABLE 1003
#define CMD_OPT_WIDE 1004
#define CMD_OPT_LINE 1005
#define CMD_FORMAT_LONGOPTS                                       \
	{"json", no_argument, NULL, CMD_OPT_JSON},                \
		{"csv", no_argument, NULL, CMD_OPT_CSV},          \
		{"table", no_argument, NULL, CMD_OPT_TABLE},      \
		{"wide", no_argument, NULL, CMD_OPT_WIDE},        \
		{"line", no_argument, NULL, CMD_OPT_LINE},        \
		{"vertical", no_argument, NULL, CMD_OPT_LINE}

#endif
