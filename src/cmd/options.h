/* options.h - a verb's command line, declared once: one table of options per verb (after git's
 * parse-options.h) from which come the parsing, the --help text, the integer range checks,
 * shell completion and the man page.
 *
 * A verb declares a struct of its option values and a `struct verb_spec` whose options say,
 * per option: the long and short name, the kind (flag, string, integer with its range, one
 * of a list of choices, the shared output-format group, or a callback), where in the struct
 * the value goes, the name of its argument and a line of help. opts_parse() reads argv into
 * that struct and leaves the positional arguments, in the order given, at argv[*first..argc).
 *
 * The command line it reads is getopt_long's: options and positional arguments in any order,
 * `--name VALUE` or `--name=VALUE`, `-m VALUE` or `-mVALUE`, short flags grouped (`-fy`), a
 * unique prefix of a long name for the name, `--` ending the options, `-` a positional.
 * Its usage errors (exit 2, "...; see 'lakehouse VERB --help'"):
 *   unknown option '--jsn' (did you mean --json?)      option '--t' is ambiguous (--table, --time)
 *   --limit wants a value                              --json takes no value
 *   --limit wants a whole number from 0 to 100, got 'x'   (cmd_parse_long: no blanks, no overflow)
 *   --mode wants append, replace or upsert, got 'merge'
 * Nothing is allocated; string values point into argv.
 */
#ifndef LAKEHOUSE_CMD_OPTIONS_H
#define LAKEHOUSE_CMD_OPTIONS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/output.h"

enum opt_kind {
	OPT_END = 0,
	OPT_FLAG,     /* no argument; the int at dest becomes 1 */
	OPT_STRING,   /* const char * at dest */
	OPT_LONG,     /* long at dest, a whole number in [min, max] */
	OPT_CHOICE,   /* const char * at dest: one of choices (the table's own string) */
	OPT_FORMAT,   /* --json --csv --table --wide --line --vertical: enum output_format at dest */
	OPT_CALLBACK, /* cb(args, value, e) checks and stores the value itself */
};

struct opt {
	const char *long_name;
	char short_name; /* 0: none */
	enum opt_kind kind;
	size_t offset; /* of the destination in the verb's struct of values */
	long min, max; /* OPT_LONG */
	const char *const *choices; /* OPT_CHOICE: NULL-terminated */
	int (*cb)(void *args, const char *value, struct err *e); /* OPT_CALLBACK; 0 or -1 */
	const char *arg_name; /* the placeholder in the help: "N", "REF"; NULL for a flag */
	const char *help;     /* may hold '\n' (a line of its own, under the first); NULL: hidden */
};

/* The destination's type is checked at compile time: `&args->field` must convert to the
 * pointer type named (no cast). T is the verb's struct of values. */
#define OPT_DEST_(T, field, type) (offsetof(T, field) + 0 * sizeof((type){&((T *)0)->field}))
#define OPT_FLAG(l, s, T, field, h) \
	{.long_name = l, .short_name = s, .kind = OPT_FLAG, .offset = OPT_DEST_(T, field, int *), .help = h}
#define OPT_STRING(l, s, T, field, arg, h)                                                        \
	{.long_name = l, .short_name = s, .kind = OPT_STRING,                                      \
	 .offset = OPT_DEST_(T, field, const char **), .arg_name = arg, .help = h}
#define OPT_LONG(l, s, T, field, lo, hi, arg, h)                                                  \
	{.long_name = l, .short_name = s, .kind = OPT_LONG, .offset = OPT_DEST_(T, field, long *), \
	 .min = lo, .max = hi, .arg_name = arg, .help = h}
#define OPT_CHOICE(l, s, T, field, list, arg, h)                                                  \
	{.long_name = l, .short_name = s, .kind = OPT_CHOICE,                                      \
	 .offset = OPT_DEST_(T, field, const char **), .choices = list, .arg_name = arg, .help = h}
#define OPT_FORMAT(T, field, h)                                                                   \
	{.long_name = "json", .kind = OPT_FORMAT,                                                  \
	 .offset = OPT_DEST_(T, field, enum output_format *), .help = h}
#define OPT_CALLBACK(l, s, fn, arg, h) \
	{.long_name = l, .short_name = s, .kind = OPT_CALLBACK, .cb = fn, .arg_name = arg, .help = h}
#define OPT_END() {.kind = OPT_END}

/* One verb (or `completion`, `man`): the usage line(s) and description are written by hand,
 * the option list under them is made from options. */
struct verb_spec {
	const char *name;
	const char *usage;  /* "show SCHEMA.TABLE [--version REF | --time TS]": one line per form,
			     * each printed after "usage: lakehouse " (later ones aligned under it) */
	const char *about;  /* the description paragraph(s) */
	const struct opt *options; /* ends with OPT_END() */
	const char *more;   /* text after the option list, or NULL */
	const char *const *words; /* first positional words (subcommands, layers) for completion */
	const char *const *examples; /* NULL-terminated command lines, each "lakehouse ..." and
				      * optionally "  # what it does": the end of --help and of the
				      * verb's man page section; each runs against the demo lake
				      * (e2e.test_help_examples) */
};

/* The long names OPT_FORMAT stands for, NULL-terminated. */
extern const char *const opts_format_names[];

/* Parses argv[1..argc) (argv[0] is the verb) into args by spec. Returns 0 with *first the
 * index of the first positional argument (they are moved, in order, to the end of argv, as
 * getopt_long does); 1 when --help or -h was given (nothing else is read; the caller prints
 * the help); -1 on a usage error, e filled. Flags and values not given keep what args held. */
int opts_parse(const struct verb_spec *spec, void *args, int argc, char **argv, int *first,
	       struct err *e);

/* 1 when argv asks for --help (or -h) where opts_parse would read it as an option. */
int opts_wants_help(const struct verb_spec *spec, int argc, char **argv);

/* The --help text: usage lines, description, options (aligned, help wrapped), more, examples. */
int opts_help(const struct verb_spec *spec, struct buf *out);

#endif
