/* sqltext.c - SQL text as the lake reads it, without running anything: which statements only
 * read (a reading verb may then open the catalog read-only), identifiers quoted and checked,
 * SCHEMA.TABLE arguments split. Pure functions; declared in lake.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lake/lake.h"

/* Skips blanks, ';', "-- ..." and C-style comments. */
static const char *skip_blank(const char *p)
{
	for (;;) {
		while (*p && (isspace((unsigned char)*p) || *p == ';'))
			p++;
		if (p[0] == '-' && p[1] == '-')
			p += strcspn(p, "\n");
		else if (p[0] == '/' && p[1] == '*')
			p = strstr(p + 2, "*/") ? strstr(p + 2, "*/") + 2 : p + strlen(p);
		else
			return p;
	}
}

/* The end of the statement at p: the first ';' outside quotes and comments. */
static const char *statement_end(const char *p)
{
	for (; *p && *p != ';'; p++) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			while (p[1] && p[1] != q)
				p++;
			if (p[1])
				p++;
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n") - 1; /* at the last character before the newline */
		} else if (p[0] == '/' && p[1] == '*') {
			const char *close = strstr(p + 2, "*/");
			p = close ? close + 1 : p + strlen(p) - 1;
		}
	}
	return p;
}

static int starts_with_word(const char *p, const char *word)
{
	size_t n = strlen(word);
	return strncasecmp(p, word, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

/* A CTE may lead a write (WITH x AS (...) INSERT ...): a writing keyword anywhere in the
 * statement counts (in a string too: opening for writing is the safe mistake). */
static int writes_after_with(const char *p, const char *end)
{
	static const char *const words[] = {"INSERT", "UPDATE", "DELETE", "MERGE", NULL};
	for (const char *q = p; q < end; q++)
		if ((q == p || !isalnum((unsigned char)q[-1])) && isalpha((unsigned char)*q))
			for (size_t i = 0; words[i]; i++)
				if (starts_with_word(q, words[i]))
					return 1;
	return 0;
}

int lake_sql_reads_only(const char *sql)
{
	static const char *const reads[] = {"SELECT", "WITH", "FROM", "VALUES", "TABLE", "SHOW",
					    "DESCRIBE", "DESC", "SUMMARIZE", "EXPLAIN", "PIVOT",
					    "UNPIVOT", NULL};
	int statements = 0;
	for (const char *p = skip_blank(sql); *p; p = skip_blank(p)) {
		int read = 0;
		for (size_t i = 0; reads[i] && !read; i++)
			read = starts_with_word(p, reads[i]);
		if (!read && starts_with_word(p, "COPY")) /* COPY (query) TO file, not COPY t FROM */
			read = *skip_blank(p + 4) == '(';
		if (!read && (starts_with_word(p, "SET") || starts_with_word(p, "RESET")))
			read = starts_with_word(skip_blank(p + (toupper((unsigned char)*p) == 'S' ? 3 : 5)),
						"VARIABLE");
		const char *end = statement_end(p);
		if (read && starts_with_word(p, "WITH") && writes_after_with(p, end))
			read = 0;
		if (!read)
			return 0;
		statements++;
		p = end;
	}
	return statements > 0;
}

int lake_quote_ident(const char *name, char *out, size_t n)
{
	size_t j = 0;
	if (n < 3)
		return -1;
	out[j++] = '"';
	for (const char *p = name; *p; p++) {
		if (j + 3 >= n)
			return -1;
		if (*p == '"')
			out[j++] = '"';
		out[j++] = *p;
	}
	out[j++] = '"';
	out[j] = '\0';
	return 0;
}

int lake_valid_identifier(const char *name)
{
	if (!name || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return 0;
	size_t n = 0;
	for (const char *p = name; *p; p++, n++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			return 0;
	return n <= 63;
}

int lake_parse_table(const char *arg, char schema[64], char table[64], struct err *e)
{
	const char *dot = strchr(arg, '.');
	const char *name = dot ? dot + 1 : arg;
	size_t slen = dot ? (size_t)(dot - arg) : 3;
	if (slen >= 64 || strlen(name) >= 64)
		goto bad;
	memcpy(schema, dot ? arg : "raw", slen);
	schema[slen] = '\0';
	snprintf(table, 64, "%s", name);
	if (lake_valid_identifier(schema) && lake_valid_identifier(table))
		return 0;
bad:
	return err_set(e, EXIT_USAGE,
		       "invalid table name '%s': use SCHEMA.NAME with letters, digits and '_' only "
		       "(e.g. raw.events)",
		       arg);
}
