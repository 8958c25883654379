/* test_options.c - the one option parser every verb uses (src/cmd/options.c): values, ranges,
 * overflow, choices, the format group, unknown and ambiguous options, missing values, the
 * order of positional arguments, and the --help text made from the same table, examples last. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cmd/options.h"

struct t_opts {
	const char *message, *mode, *log[4];
	long limit, threads;
	int yes, force, nlog;
	enum output_format fmt;
};

static int log_value(void *args, const char *value, struct err *e)
{
	struct t_opts *o = args;
	if (strcmp(value, "bad") == 0)
		return err_set(e, EXIT_USAGE, "--log refuses 'bad'");
	o->log[o->nlog++] = value;
	return 0;
}

static const char *const modes[] = {"append", "replace", "upsert", NULL};
static const struct opt t_options[] = {
	OPT_STRING("message", 'm', struct t_opts, message, "MSG", "commit message"),
	OPT_CHOICE("mode", 0, struct t_opts, mode, modes, "MODE", "how rows land"),
	OPT_LONG("limit", 0, struct t_opts, limit, 0, LONG_MAX, "N", "at most N rows"),
	OPT_LONG("threads", 0, struct t_opts, threads, 1, 32, "N", "parallel requests"),
	OPT_FLAG("yes", 'y', struct t_opts, yes, "do it"),
	OPT_FLAG("force", 'f', struct t_opts, force, "overwrite"),
	OPT_CALLBACK("log", 0, log_value, "WORD", "remember WORD (repeatable)"),
	OPT_FORMAT(struct t_opts, fmt, ""),
	OPT_END()};
static const struct verb_spec t_spec = {
	.name = "t",
	.usage = "t [-m MSG] [--mode MODE] FILE...\n"
		 "        [--limit N]\n"
		 "t --yes",
	.about = "A verb for the tests.\n",
	.options = t_options,
	.more = "Nothing more.\n",
	.examples = (const char *const[]){"lakehouse t -m 'first' a.csv  # one file",
					  "lakehouse t --yes", NULL}};
static const struct verb_spec t_bare_spec = {.name = "bare", .usage = "bare", .options = t_options};

/* Parses the words of line (split at spaces; "''" is an empty word) as argv after verb "t". */
static int parse(const char *line, struct t_opts *o, char **argv, int *argc, int *first,
		 struct err *e)
{
	static char copy[512];
	snprintf(copy, sizeof copy, "%s", line);
	int n = 0;
	argv[n++] = "t";
	for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[n++] = strcmp(w, "''") == 0 ? w + 2 : w;
	argv[n] = NULL;
	*argc = n;
	memset(o, 0, sizeof *o);
	o->threads = 8;
	o->fmt = OUTPUT_TABLE;
	memset(e, 0, sizeof *e);
	return opts_parse(&t_spec, o, n, argv, first, e);
}

/* The usage error line parses to: exit 2, the message, the pointer to --help. */
static void assert_usage_error(const char *line, const char *message)
{
	struct t_opts o;
	struct err e;
	char *argv[32];
	int argc, first;
	assert_int_equal(parse(line, &o, argv, &argc, &first, &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	char want[512];
	snprintf(want, sizeof want, "%s; see 'lakehouse t --help'", message);
	assert_string_equal(e.msg, want);
}

static void test_values_flags_and_positionals(void **state)
{
	(void)state;
	struct t_opts o;
	struct err e;
	char *argv[32];
	int argc, first;
	assert_int_equal(parse("a.csv -m hello --limit=5 b.csv -yf --mode upsert -- --c", &o, argv,
			       &argc, &first, &e), 0);
	assert_string_equal(o.message, "hello");
	assert_int_equal(o.limit, 5);
	assert_int_equal(o.threads, 8); /* not given: kept */
	assert_true(o.yes && o.force);
	assert_string_equal(o.mode, "upsert");
	assert_ptr_equal(o.mode, modes[2]); /* the table's own string */
	assert_int_equal(argc - first, 3);  /* in the order given, "--c" after -- as a word */
	assert_string_equal(argv[first], "a.csv");
	assert_string_equal(argv[first + 1], "b.csv");
	assert_string_equal(argv[first + 2], "--c");

	assert_int_equal(parse("-mattached --lim 7 - --log x --log y", &o, argv, &argc, &first, &e), 0);
	assert_string_equal(o.message, "attached");
	assert_int_equal(o.limit, 7); /* a unique prefix */
	assert_int_equal(o.nlog, 2);
	assert_string_equal(o.log[1], "y");
	assert_int_equal(argc - first, 1);
	assert_string_equal(argv[first], "-"); /* standard input, not an option */
}

static void test_format_group(void **state)
{
	(void)state;
	struct t_opts o;
	struct err e;
	char *argv[32];
	int argc, first;
	assert_int_equal(parse("--csv", &o, argv, &argc, &first, &e), 0);
	assert_int_equal(o.fmt, OUTPUT_CSV);
	assert_int_equal(parse("--csv --json", &o, argv, &argc, &first, &e), 0);
	assert_int_equal(o.fmt, OUTPUT_JSON); /* the last one wins */
	assert_int_equal(parse("--vertical", &o, argv, &argc, &first, &e), 0);
	assert_int_equal(o.fmt, OUTPUT_LINE);
	assert_int_equal(parse("--wide", &o, argv, &argc, &first, &e), 0);
	assert_int_equal(o.fmt, OUTPUT_WIDE);
}

static void test_integer_ranges_and_overflow(void **state)
{
	(void)state;
	assert_usage_error("--threads 33", "--threads wants a whole number from 1 to 32, got '33'");
	assert_usage_error("--threads 0", "--threads wants a whole number from 1 to 32, got '0'");
	assert_usage_error("--threads ''", "--threads wants a whole number from 1 to 32, got ''");
	assert_usage_error("--threads 5x", "--threads wants a whole number from 1 to 32, got '5x'");
	assert_usage_error("--limit -1", "--limit wants a whole number >= 0, got '-1'");
	assert_usage_error("--limit 99999999999999999999",
			   "--limit wants a whole number >= 0, got '99999999999999999999'");
	assert_usage_error("--limit=+3", "--limit wants a whole number >= 0, got '+3'");
	struct t_opts o;
	struct err e;
	char *argv[32];
	int argc, first;
	assert_int_equal(parse("--limit 9223372036854775807 --threads 32", &o, argv, &argc, &first, &e), 0);
	assert_int_equal(o.limit, LONG_MAX);
	assert_int_equal(o.threads, 32);
}

static void test_unknown_ambiguous_and_missing(void **state)
{
	(void)state;
	assert_usage_error("--jsn", "unknown option '--jsn' (did you mean --json?)");
	assert_usage_error("--lmit 3", "unknown option '--lmit' (did you mean --limit?)");
	assert_usage_error("--bogus", "unknown option '--bogus'");
	assert_usage_error("-x", "unknown option '-x'");
	assert_usage_error("--l 3", "option '--l' is ambiguous (--limit, --log, --line)");
	assert_usage_error("a --limit", "--limit wants a value");
	assert_usage_error("a -m", "-m wants a value");
	assert_usage_error("--yes=1", "--yes takes no value");
	assert_usage_error("--mode merge", "--mode wants append, replace or upsert, got 'merge'");
	struct t_opts o;
	struct err e;
	char *argv[32];
	int argc, first;
	assert_int_equal(parse("--log bad", &o, argv, &argc, &first, &e), -1); /* the callback's own */
	assert_string_equal(e.msg, "--log refuses 'bad'");
}

static void test_help(void **state)
{
	(void)state;
	struct t_opts o;
	struct err e;
	char *argv[32];
	int argc, first;
	assert_int_equal(parse("a --limit 3 --help", &o, argv, &argc, &first, &e), 1);
	assert_int_equal(parse("-h", &o, argv, &argc, &first, &e), 1);
	char *h1[] = {"t", "-m", "-h", NULL}, *h2[] = {"t", "--", "--help", NULL},
	     *h3[] = {"t", "x", "--he", NULL};
	assert_false(opts_wants_help(&t_spec, 3, h1)); /* -h is -m's value */
	assert_false(opts_wants_help(&t_spec, 3, h2)); /* a word after -- */
	assert_true(opts_wants_help(&t_spec, 3, h3));  /* a prefix, as getopt_long reads it */

	struct buf b = {0};
	assert_int_equal(opts_help(&t_spec, &b), 0);
	const char *want =
		"usage: lakehouse t [-m MSG] [--mode MODE] FILE...\n"
		"        [--limit N]\n"
		"       lakehouse t --yes\n"
		"\n"
		"A verb for the tests.\n"
		"\n"
		"options:\n"
		"  -m, --message MSG  commit message\n"
		"  --mode MODE        how rows land\n"
		"  --limit N          at most N rows\n"
		"  --threads N        parallel requests\n"
		"  -y, --yes          do it\n"
		"  -f, --force        overwrite\n"
		"  --log WORD         remember WORD (repeatable)\n"
		"  --json, --csv      output as JSON or CSV (default: an aligned table, cut to a terminal's\n"
		"                     width)\n"
		"  --wide, --line     the table never cut; or one 'column = value' line per cell\n"
		"\n"
		"Nothing more.\n"
		"\n"
		"examples:\n"
		"  lakehouse t -m 'first' a.csv  # one file\n"
		"  lakehouse t --yes\n";
	assert_string_equal(b.data, want);
	buf_free(&b);
}

/* The examples close the help, after "more", one command line each, indented by two; a verb
 * without examples has no section. */
static void test_help_examples(void **state)
{
	(void)state;
	struct buf b = {0};
	assert_int_equal(opts_help(&t_spec, &b), 0);
	const char *section = strstr(b.data, "\nexamples:\n");
	assert_non_null(section);
	assert_true(section > strstr(b.data, "Nothing more."));
	int lines = 0;
	for (const char *p = section + strlen("\nexamples:\n"); *p; p = strchr(p, '\n') + 1) {
		assert_memory_equal(p, "  lakehouse ", strlen("  lakehouse "));
		lines++;
	}
	assert_int_equal(lines, 2);
	buf_free(&b);

	struct buf bare = {0};
	assert_int_equal(opts_help(&t_bare_spec, &bare), 0);
	assert_null(strstr(bare.data, "examples:"));
	buf_free(&bare);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_flags_and_positionals),
		cmocka_unit_test(test_format_group),
		cmocka_unit_test(test_integer_ranges_and_overflow),
		cmocka_unit_test(test_unknown_ambiguous_and_missing),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_help_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
