/* sqlfile.c - see sqlfile.h. */
#include "core/sqlfile.h"

#include <stdio.h>
#include <string.h>

/* Copies the rest of the line after `tag` within [from, end) into dst ("" when absent). */
static void tag_value(const char *from, const char *end, const char *tag, char *dst, size_t n)
{
	dst[0] = '\0';
	const char *t = strstr(from, tag);
	if (!t || t >= end)
		return;
	t += strlen(tag);
	size_t len = strcspn(t, "\n");
	while (len && (t[len - 1] == ' ' || t[len - 1] == '\r'))
		len--;
	while (len && *t == ' ')
		t++, len--;
	snprintf(dst, n, "%.*s", (int)len, t);
}

int sqlfile_sections(const char *text, const char *marker, struct sql_section *out, int max)
{
	int n = 0;
	size_t ml = strlen(marker);
	for (const char *p = strstr(text, marker); p && n < max; n++) {
		const char *next = strstr(p + ml, marker);
		const char *end = next ? next : p + strlen(p);
		struct sql_section *s = &out[n];
		tag_value(p, end, marker, s->name, sizeof s->name);
		tag_value(p, end, "-- @dataset ", s->dataset, sizeof s->dataset);
		tag_value(p, end, "-- @requires", s->requires, sizeof s->requires);
		s->body = p;
		s->body_len = (size_t)(end - p);
		p = next;
	}
	return n;
}

int sqlfile_each_required(const struct sql_section *s, int (*fn)(const char *word, void *ctx),
			  void *ctx)
{
	char copy[512];
	snprintf(copy, sizeof copy, "%s", s->requires);
	char *save;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		int rc = fn(w, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int sqlfile_expand(const struct sql_section *s, const char *placeholder, const char *value,
		   struct buf *out)
{
	const char *p = s->body, *end = s->body + s->body_len, *t;
	size_t pl = strlen(placeholder);
	while ((t = strstr(p, placeholder)) != NULL && t + pl <= end) {
		if (buf_append(out, p, (size_t)(t - p)) < 0 || buf_append(out, value, strlen(value)) < 0)
			return -1;
		p = t + pl;
	}
	return buf_append(out, p, (size_t)(end - p)) < 0 ? -1 : 0;
}
