/* export_common.c - what the export files share: sections of sql/40_export.sql, WebDataset
 * keys, --threads and progress; see export_parts.h. */
#define _GNU_SOURCE
#include "media/export_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "core/sqlfile.h"
#include "lake/lake.h"

#define MAX_THREADS 32

void export_key(const char *src, char *out, size_t n)
{
	size_t i = 0;
	for (; src[i] && i + 1 < n; i++) {
		char c = src[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '-';
		out[i] = ok ? c : '_';
	}
	if (i == 0 && n > 1)
		out[i++] = '_';
	out[i] = '\0';
}

char *export_section_sql(const char *name, struct err *e)
{
	struct sql_section s[32];
	int n = sqlfile_sections(sqlfile_builtin("40_export.sql"), "-- @section ", s, 32);
	for (int i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0) {
			size_t len = s[i].body_len; /* without the final ';': it may become a subquery */
			while (len && strchr("; \n\t", s[i].body[len - 1]))
				len--;
			return strndup(s[i].body, len);
		}
	err_set(e, EXIT_FAILED, "internal: no section '%s' in sql/40_export.sql", name);
	return NULL;
}

int export_section_query(struct lake *l, const char *name, const char *const *params, int np,
			 duckdb_result *res, struct err *e)
{
	char *sql = export_section_sql(name, e);
	if (!sql)
		return -1;
	duckdb_result tmp;
	int rc = lake_query(l, sql, params, np, res ? res : &tmp, e);
	free(sql);
	if (rc < 0)
		return err_wrap(e, "export query '%s' (sql/40_export.sql)", name);
	if (!res)
		duckdb_destroy_result(&tmp);
	return 0;
}

char *export_value_str(duckdb_result *r, idx_t col, idx_t row)
{
	char *v = duckdb_value_varchar(r, col, row);
	char *s = strdup(v ? v : "");
	duckdb_free(v);
	return s;
}

int export_threads(const struct export_request *rq)
{
	return rq->threads < 1 ? 1 : rq->threads > MAX_THREADS ? MAX_THREADS : rq->threads;
}

void export_report(const struct export_request *rq, int64_t done, int64_t total, int64_t bytes,
		   int64_t shards)
{
	progress_set(rq->progress, done, total, bytes);
	if (shards)
		progress_set_count(rq->progress, "shards", shards);
}
