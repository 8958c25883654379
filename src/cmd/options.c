/* options.c - one parser and one help printer for every verb's option table; see options.h. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/suggest.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

const char *const opts_format_names[] = {"json", "csv", "table", "wide", "line", "vertical", NULL};
static const enum output_format format_values[] = {OUTPUT_JSON, OUTPUT_CSV,  OUTPUT_TABLE,
						   OUTPUT_WIDE, OUTPUT_LINE, OUTPUT_LINE};

#define MAX_NAMES 96

/* Every long name a verb knows: the option it belongs to, and for the format group its value. */
struct name {
	const char *name;
	const struct opt *opt; /* NULL: --help */
	enum output_format fmt;
};

static size_t long_names(const struct verb_spec *spec, struct name *out)
{
	size_t n = 0;
	out[n++] = (struct name){"help", NULL, 0};
	for (const struct opt *o = spec->options; o && o->kind != OPT_END && n < MAX_NAMES - 6; o++) {
		if (o->kind == OPT_FORMAT) {
			for (int i = 0; opts_format_names[i]; i++)
				out[n++] = (struct name){opts_format_names[i], o, format_values[i]};
		} else if (o->long_name) {
			out[n++] = (struct name){o->long_name, o, 0};
		}
	}
	return n;
}

static int takes_value(const struct opt *o)
{
	return o && o->kind != OPT_FLAG && o->kind != OPT_FORMAT;
}

/* The name given (up to '=') as a long option: exact, else the one it is a unique prefix of
 * (getopt_long's rule). NULL with a usage error otherwise. */
static const struct name *find_long(const struct verb_spec *spec, const struct name *names,
				    size_t n, const char *given, size_t len, struct err *e)
{
	const struct name *prefix_of = NULL;
	int ambiguous = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(names[i].name, given, len) != 0)
			continue;
		if (names[i].name[len] == '\0')
			return &names[i];
		if (prefix_of && prefix_of->opt != names[i].opt)
			ambiguous = 1;
		if (!prefix_of)
			prefix_of = &names[i];
	}
	if (prefix_of && !ambiguous)
		return prefix_of;
	char dashed[MAX_NAMES][48];
	const char *cands[MAX_NAMES];
	for (size_t i = 0; i < n; i++) {
		snprintf(dashed[i], sizeof dashed[i], "--%s", names[i].name);
		cands[i] = dashed[i];
	}
	char word[64];
	snprintf(word, sizeof word, "--%.*s", (int)(len < 60 ? len : 60), given);
	if (ambiguous) {
		char list[256] = "";
		for (size_t i = 0; i < n; i++)
			if (strncmp(names[i].name, given, len) == 0 && strlen(list) + strlen(cands[i]) + 3 < sizeof list)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "",
					 cands[i]);
		cmd_usage_error(e, spec->name, "option '%s' is ambiguous (%s)", word, list);
		return NULL;
	}
	const char *close = suggest_closest(word, cands, n);
	if (close)
		cmd_usage_error(e, spec->name, "unknown option '%s' (did you mean %s?)", word, close);
	else
		cmd_usage_error(e, spec->name, "unknown option '%s'", word);
	return NULL;
}

static const struct opt *find_short(const struct verb_spec *spec, char c)
{
	for (const struct opt *o = spec->options; o && o->kind != OPT_END; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

/* Stores value (NULL for a flag) into args as o says; shown names the option in errors. */
static int apply(const struct verb_spec *spec, const struct opt *o, enum output_format fmt,
		 const char *shown, const char *value, void *args, struct err *e)
{
	void *dest = (char *)args + o->offset;
	switch (o->kind) {
	case OPT_FLAG: *(int *)dest = 1; return 0;
	case OPT_FORMAT: *(enum output_format *)dest = fmt; return 0;
	case OPT_STRING: *(const char **)dest = value; return 0;
	case OPT_LONG: return cmd_parse_long(spec->name, shown, value, o->min, o->max, (long *)dest, e);
	case OPT_CALLBACK: return o->cb(args, value, e);
	case OPT_CHOICE: {
		char list[256] = "";
		size_t k = 0;
		for (; o->choices[k]; k++)
			if (strcmp(o->choices[k], value) == 0) {
				*(const char **)dest = o->choices[k];
				return 0;
			}
		for (size_t i = 0; i < k; i++) /* "a, b or c" */
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				 i == 0 ? "" : i + 1 == k ? " or " : ", ", o->choices[i]);
		return cmd_usage_error(e, spec->name, "%s wants %s, got '%s'", shown, list, value);
	}
	case OPT_END: break;
	}
	return err_set(e, EXIT_FAILED, "bad option table of %s", spec->name);
}

/* One pass over argv: 1 at --help/-h, 0 at the end (positional arguments into pos, *npos), -1
 * on an error. Without store nothing is stored and no value is checked (opts_wants_help). */
static int scan(const struct verb_spec *spec, void *args, int store, int argc, char **argv,
		char **pos, int *npos, struct err *e)
{
	struct name names[MAX_NAMES];
	size_t n = long_names(spec, names);
	int i = 1;
	for (; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			pos[(*npos)++] = a;
			continue;
		}
		if (a[1] == '-') {
			size_t len = strcspn(a + 2, "=");
			const char *eq = a[2 + len] == '=' ? a + 3 + len : NULL;
			const struct name *nm = find_long(spec, names, n, a + 2, len, e);
			if (!nm)
				return -1;
			if (!nm->opt)
				return 1;
			char shown[64];
			snprintf(shown, sizeof shown, "--%s", nm->name);
			const char *value = eq;
			if (!takes_value(nm->opt) && eq)
				return cmd_usage_error(e, spec->name, "%s takes no value", shown);
			if (takes_value(nm->opt) && !value) {
				if (i + 1 >= argc)
					return cmd_usage_error(e, spec->name, "%.*s wants a value", (int)(len + 2), a);
				value = argv[++i];
			}
			if (store && apply(spec, nm->opt, nm->fmt, shown, value, args, e) < 0)
				return -1;
			continue;
		}
		for (int j = 1; a[j]; j++) { /* -x, -xVALUE, -x VALUE, grouped flags -xy */
			if (a[j] == 'h')
				return 1;
			const struct opt *o = find_short(spec, a[j]);
			if (!o)
				return cmd_usage_error(e, spec->name, "unknown option '-%c'", a[j]);
			char shown[64];
			if (o->long_name)
				snprintf(shown, sizeof shown, "--%s", o->long_name);
			else
				snprintf(shown, sizeof shown, "-%c", o->short_name);
			if (!takes_value(o)) {
				if (store && apply(spec, o, OUTPUT_TABLE, shown, NULL, args, e) < 0)
					return -1;
				continue;
			}
			const char *value = a[j + 1] ? a + j + 1 : NULL;
			if (!value) {
				if (i + 1 >= argc)
					return cmd_usage_error(e, spec->name, "-%c wants a value", a[j]);
				value = argv[++i];
			}
			if (store && apply(spec, o, OUTPUT_TABLE, shown, value, args, e) < 0)
				return -1;
			break;
		}
	}
	for (; i < argc; i++)
		pos[(*npos)++] = argv[i];
	return 0;
}

int opts_parse(const struct verb_spec *spec, void *args, int argc, char **argv, int *first,
	       struct err *e)
{
	char *pos[argc > 0 ? argc : 1];
	int npos = 0;
	int rc = scan(spec, args, 1, argc, argv, pos, &npos, e);
	if (rc != 0)
		return rc;
	/* the positional arguments, in order, to the end of argv (options before them) */
	char *opts_first[argc > 0 ? argc : 1];
	int nopts = 0;
	for (int i = 1, k = 0; i < argc; i++) {
		if (k < npos && argv[i] == pos[k])
			k++;
		else
			opts_first[nopts++] = argv[i];
	}
	for (int i = 0; i < nopts; i++)
		argv[1 + i] = opts_first[i];
	for (int i = 0; i < npos; i++)
		argv[1 + nopts + i] = pos[i];
	*first = 1 + nopts;
	return 0;
}

int opts_wants_help(const struct verb_spec *spec, int argc, char **argv)
{
	char *pos[argc > 0 ? argc : 1];
	int npos = 0;
	struct err ignored = {0};
	return scan(spec, NULL, 0, argc, argv, pos, &npos, &ignored) == 1;
}

/* ---- help ------------------------------------------------------------------------------- */

#define HELP_WIDTH 92
#define HELP_COLUMN_MAX 26

/* The left column of an option: "-m, --message MSG", "--format webdataset|coco". */
static void option_left(const struct opt *o, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	if (o->short_name)
		len += (size_t)snprintf(out, cap, "-%c%s", o->short_name, o->long_name ? ", " : "");
	if (o->long_name && len < cap)
		len += (size_t)snprintf(out + len, cap - len, "--%s", o->long_name);
	if (o->arg_name && len < cap) {
		len += (size_t)snprintf(out + len, cap - len, " %s", o->arg_name);
	} else if (o->kind == OPT_CHOICE && len < cap) {
		for (size_t i = 0; o->choices[i] && len < cap; i++)
			len += (size_t)snprintf(out + len, cap - len, "%c%s", i ? '|' : ' ', o->choices[i]);
	}
}

/* "  LEFT  help words..." with the help wrapped at HELP_WIDTH, its lines under column; a single
 * '\n' in help is a space, "\n\n" starts a line of its own. */
static int option_line(struct buf *out, const char *left, const char *help, int column)
{
	int rc = buf_printf(out, "  %s", left), at = 2 + (int)strlen(left);
	if (at > column - 2) {
		rc |= buf_printf(out, "\n");
		at = 0;
	}
	rc |= buf_printf(out, "%*s", column - at, "");
	at = column;
	int line_start = 1;
	for (const char *p = help; *p;) {
		if (p[0] == '\n' && p[1] == '\n') {
			rc |= buf_printf(out, "\n%*s", column, "");
			at = column;
			line_start = 1;
			p += 2;
			continue;
		}
		size_t space = strspn(p, " \n");
		size_t word = strcspn(p + space, " \n");
		if (!line_start && at + 1 + (int)word > HELP_WIDTH) {
			rc |= buf_printf(out, "\n%*s", column, "");
			at = column;
			line_start = 1;
		}
		if (!line_start && space) {
			rc |= buf_printf(out, " ");
			at++;
		}
		rc |= buf_printf(out, "%.*s", (int)word, p + space);
		at += (int)word;
		p += space + word;
		line_start = 0;
	}
	return rc | buf_printf(out, "\n");
}

static const char format_left[] = "--json, --csv";
static const char format_help[] = "output as JSON or CSV (default: an aligned table, cut to a "
				  "terminal's width)";
static const char format_left2[] = "--wide, --line";
static const char format_help2[] = "the table never cut; or one 'column = value' line per cell";

int opts_help(const struct verb_spec *spec, struct buf *out)
{
	int rc = 0;
	const char *u = spec->usage;
	for (int first = 1; *u; first = 0) {
		size_t n = strcspn(u, "\n");
		if (first)
			rc |= buf_printf(out, "usage: lakehouse %.*s\n", (int)n, u);
		else if (*u == ' ') /* a continuation, aligned by hand */
			rc |= buf_printf(out, "%.*s\n", (int)n, u);
		else
			rc |= buf_printf(out, "       lakehouse %.*s\n", (int)n, u);
		u += n + (u[n] == '\n');
	}
	if (spec->about)
		rc |= buf_printf(out, "\n%s%s", spec->about,
				 spec->about[0] && spec->about[strlen(spec->about) - 1] != '\n' ? "\n" : "");
	int column = 0, any = 0;
	char left[160];
	for (const struct opt *o = spec->options; o && o->kind != OPT_END; o++) {
		if (!o->help)
			continue;
		option_left(o, left, sizeof left);
		int w = o->kind == OPT_FORMAT ? (int)sizeof format_left2 - 1 : (int)strlen(left);
		if (w + 4 <= HELP_COLUMN_MAX && w + 4 > column)
			column = w + 4;
		any = 1;
	}
	if (column < 12)
		column = 12;
	if (any)
		rc |= buf_printf(out, "\noptions:\n");
	for (const struct opt *o = spec->options; o && o->kind != OPT_END; o++) {
		if (!o->help)
			continue;
		if (o->kind == OPT_FORMAT) {
			rc |= option_line(out, format_left, o->help[0] ? o->help : format_help, column);
			if (!o->help[0]) /* a verb's own words for the group leave --wide, --line out */
				rc |= option_line(out, format_left2, format_help2, column);
			continue;
		}
		option_left(o, left, sizeof left);
		rc |= option_line(out, left, o->help, column);
	}
	if (spec->more)
		rc |= buf_printf(out, "\n%s", spec->more);
	if (spec->examples && spec->examples[0])
		rc |= buf_printf(out, "\nexamples:\n");
	for (size_t i = 0; spec->examples && spec->examples[i]; i++)
		rc |= buf_printf(out, "  %s\n", spec->examples[i]);
	return rc ? -1 : 0;
}
