/* transform.c - see transform.h. */
#define _GNU_SOURCE
#include "lake/transform.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "lake/lake.h"
#include "core/output.h"
#include "core/sqlfile.h"

/* The layer files transform runs and their gates, by key (the named queries are the files
 * under queries/, found by name). */
static const struct {
	const char *name, *path;
} layers[] = {
	{"silver", "20_silver.sql"},
	{"silver-checks", "checks/20_silver.sql"},
	{"gold", "30_gold.sql"},
	{"gold-checks", "checks/30_gold.sql"},
};

/* sql/<rel>: $LAKEHOUSE_SQL_DIR/<rel> when that is set, else the built-in copy. */
static int load_file(const char *rel, char **text, char *path, size_t pn, struct err *e)
{
	const char *dir = getenv("LAKEHOUSE_SQL_DIR");
	snprintf(path, pn, "%s/%s", dir && *dir ? dir : "sql", rel);
	if (!dir || !*dir) {
		const char *builtin = sqlfile_builtin(rel);
		if (!builtin)
			return err_set(e, EXIT_USAGE, "no SQL file sql/%s", rel);
		return (*text = strdup(builtin)) ? 0 : err_set(e, EXIT_FAILED, "out of memory");
	}
	struct buf b = {.max = 16u << 20};
	if (fs_read_file(path, &b, NULL, e) < 0) {
		buf_free(&b);
		return -1;
	}
	*text = b.data ? b.data : strdup(""); /* an empty file is empty SQL */
	return *text ? 0 : err_set(e, EXIT_FAILED, "out of memory");
}

/* A layer file by key (see layers[]). */
static int load(const char *key, char **text, char *path, size_t pn, struct err *e)
{
	for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
		if (strcmp(layers[i].name, key) == 0)
			return load_file(layers[i].path, text, path, pn, e);
	return err_set(e, EXIT_USAGE, "unknown SQL file '%s'", key);
}

/* Appends ", NAME" for sql/queries/NAME.sql to the buf ctx. */
static void add_query_name(const char *path, void *ctx)
{
	const char *base = path + strlen("queries/");
	buf_printf(ctx, "%s%.*s", ((struct buf *)ctx)->len ? ", " : "", (int)(strlen(base) - 4), base);
}

int transform_query_text(const char *name, char **text, struct err *e)
{
	char rel[200], path[4096];
	snprintf(rel, sizeof rel, "queries/%.100s.sql", name);
	size_t n = strlen(name);
	int plain = n > 0 && n < 100 &&
		    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
	if (plain && sqlfile_builtin(rel))
		return load_file(rel, text, path, sizeof path, e);
	struct buf names = {0};
	sqlfile_builtin_each("queries/", add_query_name, &names);
	err_set(e, EXIT_USAGE, "unknown query '%s': %s", name, names.data ? names.data : "none");
	buf_free(&names);
	return -1;
}

int transform_sql_creating(const char *schema, const char *table, char **text, struct err *e)
{
	char path[4096], needle[160];
	*text = NULL;
	if (strcmp(schema, "silver") != 0 && strcmp(schema, "gold") != 0)
		return 0;
	char *file;
	if (load(schema, &file, path, sizeof path, e) < 0)
		return -1;
	struct sql_section s[64];
	int n = sqlfile_sections(file, "-- @section ", s, 64);
	snprintf(needle, sizeof needle, "TABLE %s.%s", schema, table);
	size_t nl = strlen(needle);
	for (int i = 0; i < n && !*text; i++) {
		for (const char *p = s[i].body; (p = strstr(p, needle)) && p < s[i].body + s[i].body_len;
		     p += nl) {
			if (p[nl] == ' ' || p[nl] == '\n' || p[nl] == '(') {
				*text = strndup(s[i].body, s[i].body_len);
				break;
			}
		}
	}
	free(file);
	return 0;
}

int transform_resplit_parse(const char *spec, long seed, struct transform_resplit *out,
			    struct err *e)
{
	static const char example[] = "e.g. --resplit train=0.8,val=0.1,test=0.1";
	memset(out, 0, sizeof *out);
	out->seed = seed;
	double sum = 0;
	for (const char *p = spec;; p++) {
		size_t len = strcspn(p, ",");
		char part[160];
		snprintf(part, sizeof part, "%.*s", (int)(len < 159 ? len : 159), p);
		char *eq = strchr(part, '=');
		if (!eq || len >= sizeof part)
			return err_set(e, EXIT_USAGE, "--resplit part '%s' is not NAME=FRACTION (%s)", part,
				       example);
		*eq = '\0';
		const char *name = part, *value = eq + 1;
		if (!lake_valid_identifier(name))
			return err_set(e, EXIT_USAGE,
				       "--resplit name '%s' is not an identifier: letters, digits and '_', "
				       "not starting with a digit (%s)",
				       name, example);
		for (int i = 0; i < out->n; i++)
			if (strcmp(out->parts[i].name, name) == 0)
				return err_set(e, EXIT_USAGE, "--resplit names '%s' twice: give each part once",
					       name);
		char *end;
		errno = 0;
		double f = strtod(value, &end);
		if (!*value || isspace((unsigned char)*value) || *end || errno || !isfinite(f) ||
		    !(f > 0 && f <= 1))
			return err_set(e, EXIT_USAGE,
				       "--resplit fraction of '%s' wants a number above 0 and at most 1, "
				       "got '%s' (%s)",
				       name, value, example);
		if (out->n == TRANSFORM_RESPLIT_MAX)
			return err_set(e, EXIT_USAGE, "--resplit takes at most %d parts",
				       TRANSFORM_RESPLIT_MAX);
		memcpy(out->parts[out->n].name, name, strlen(name) + 1); /* an identifier: < 64 */
		out->parts[out->n++].fraction = f;
		sum += f;
		p += len;
		if (!*p)
			break;
	}
	if (fabs(sum - 1) > 1e-9)
		return err_set(e, EXIT_USAGE, "--resplit fractions sum to %.10g, not 1 (%s)", sum, example);
	return 0;
}

void transform_resplit_describe(const struct transform_resplit *r, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < r->n && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%s=%.15g", i ? "," : "",
					 r->parts[i].name, r->parts[i].fraction);
	if (used < n)
		snprintf(buf + used, n - used, " seed %ld", r->seed);
}

/* Fills the temp table lakehouse_resplit (sql/00_attach.sql) that resplit_of() reads, before
 * the layer's transaction: the parts as [lower, upper) ranges, cumulative in the order given,
 * the last one open above. Values are bound, never pasted into the SQL. */
static int load_resplit(struct lake *l, const struct transform_resplit *r, struct err *e)
{
	if (lake_exec(l, "DELETE FROM temp.main.lakehouse_resplit", e) < 0)
		return -1;
	double lower = 0;
	for (int i = 0; i < r->n; i++) {
		double upper = i == r->n - 1 ? 2 : lower + r->parts[i].fraction;
		char lo[40], up[40], seed[32];
		snprintf(lo, sizeof lo, "%.17g", lower);
		snprintf(up, sizeof up, "%.17g", upper);
		snprintf(seed, sizeof seed, "%ld", r->seed);
		const char *par[] = {r->parts[i].name, lo, up, seed};
		duckdb_result res;
		if (lake_query(l, "INSERT INTO temp.main.lakehouse_resplit VALUES ($1, $2::DOUBLE, "
				  "$3::DOUBLE, $4::BIGINT)",
			       par, 4, &res, e) < 0)
			return err_wrap(e, "--resplit");
		duckdb_destroy_result(&res);
		lower = upper;
	}
	return 0;
}

struct exists_ctx {
	struct lake *l;
	struct err *e;
};

/* Non-zero when the table named "schema.table" is missing (stops the walk). */
static int table_missing(const char *word, void *ud)
{
	struct exists_ctx *x = ud;
	char schema[64], table[64];
	int exists = 0;
	struct err ignored = {0};
	if (lake_parse_table(word, schema, table, &ignored) < 0)
		return 1;
	if (lake_table_exists(x->l, schema, table, &exists, x->e) < 0)
		return -1;
	return !exists;
}

struct tx {
	const struct config *cfg;
	const char *layer, *message, *path, *check_path;
	const struct transform_resplit *resplit; /* NULL: none */
	char *sql, *checks;
	struct transform_result *res;
};

/* Runs a gate; fills e with its name and the first offending rows when it returns any. */
static int run_gate(struct lake *l, const struct sql_section *g, const char *path, struct err *e)
{
	char *body = strndup(g->body, g->body_len);
	duckdb_result r;
	int rc = body ? lake_query(l, body, NULL, 0, &r, e) : err_set(e, EXIT_FAILED, "out of memory");
	free(body);
	if (rc < 0)
		return err_wrap(e, "quality gate '%s' (%s) cannot run", g->name, path);
	idx_t rows = duckdb_row_count(&r);
	if (rows) {
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		output_result(mem, lake_connection(l), &r, OUTPUT_CSV);
		fclose(mem);
		/* keep the header and the first five offending rows */
		char *cut = text;
		for (int line = 0; cut && line < 6; line++)
			cut = strchr(cut, '\n') ? strchr(cut, '\n') + 1 : NULL;
		if (cut)
			*cut = '\0';
		rc = err_set(e, EXIT_FAILED,
			     "quality gate failed: %s (%s): %llu offending rows; nothing was committed. "
			     "First rows:\n%s",
			     g->name, path, (unsigned long long)rows, text ? text : "");
		free(text);
	}
	duckdb_destroy_result(&r);
	return rc;
}

static int run_layer(struct lake *l, void *ctx, struct err *e)
{
	struct tx *t = ctx;
	struct sql_section secs[32], gates[64];
	int n = sqlfile_sections(t->sql, "-- @section ", secs, 32), ran = 0;
	struct exists_ctx x = {l, e};
	t->res->sections[0] = '\0'; /* a conflict retry runs the body again */
	t->res->gates = 0;
	for (int i = 0; i < n; i++) {
		int missing = sqlfile_each_required(&secs[i], table_missing, &x);
		if (missing < 0)
			return -1;
		if (missing)
			continue;
		char *body = strndup(secs[i].body, secs[i].body_len);
		int rc = body ? lake_exec(l, body, e) : err_set(e, EXIT_FAILED, "out of memory");
		free(body);
		if (rc < 0)
			return err_wrap(e, "%s section %s", t->path, secs[i].name);
		snprintf(t->res->sections + strlen(t->res->sections),
			 sizeof t->res->sections - strlen(t->res->sections), "%s%s",
			 ran++ ? ", " : "", secs[i].name);
	}
	if (!ran)
		return 1; /* nothing to do: no input tables yet */
	int ng = sqlfile_sections(t->checks, "-- @check ", gates, 64);
	for (int i = 0; i < ng; i++) {
		int missing = sqlfile_each_required(&gates[i], table_missing, &x);
		if (missing < 0)
			return -1;
		if (missing)
			continue;
		if (run_gate(l, &gates[i], t->check_path, e) < 0)
			return -1;
		t->res->gates++;
	}
	char msg[1024], resplit[600] = "";
	if (t->resplit)
		transform_resplit_describe(t->resplit, resplit, sizeof resplit);
	if (t->message)
		snprintf(msg, sizeof msg, "%s%s%s%s", t->message, *resplit ? " (gold: resplit " : "",
			 resplit, *resplit ? ")" : "");
	else
		snprintf(msg, sizeof msg,
			 "transform %s: %s (sections %s) from snapshot %lld; %d quality gates passed%s%s",
			 t->layer, t->path, t->res->sections, (long long)t->res->input_snapshot,
			 t->res->gates, *resplit ? "; resplit " : "", resplit);
	return lake_set_commit_message(l, t->cfg->author, msg, e);
}

int transform_run(const struct config *cfg, const char *layer, const char *message,
		  const struct transform_resplit *resplit, struct transform_result *res,
		  struct err *e)
{
	memset(res, 0, sizeof *res);
	res->snapshot = -1;
	if (strcmp(layer, "silver") != 0 && strcmp(layer, "gold") != 0)
		return err_set(e, EXIT_USAGE, "unknown layer '%s': silver, gold or all", layer);
	if (resplit && resplit->n == 0)
		resplit = NULL;
	if (resplit && strcmp(layer, "gold") != 0)
		return err_set(e, EXIT_USAGE, "--resplit redraws gold's split, not %s's", layer);
	char key[32], path[4096], check_path[4096];
	struct tx t = {.cfg = cfg, .layer = layer, .message = message, .res = res, .path = path,
		       .check_path = check_path, .resplit = resplit};
	snprintf(key, sizeof key, "%s-checks", layer);
	if (load(layer, &t.sql, path, sizeof path, e) < 0 ||
	    load(key, &t.checks, check_path, sizeof check_path, e) < 0) {
		free(t.sql);
		return -1;
	}
	struct lake *l;
	int rc = lake_open(&l, cfg, LAKE_EXISTING, e);
	if (rc == 0) {
		rc = lake_current_snapshot(l, &res->input_snapshot, e);
		if (rc == 0 && resplit)
			rc = load_resplit(l, resplit, e);
		if (rc == 0)
			rc = lake_in_transaction(l, run_layer, &t, e);
		rc = rc == 0 ? lake_current_snapshot(l, &res->snapshot, e) : rc < 0 ? -1 : 0;
		lake_close(l);
	}
	free(t.sql);
	free(t.checks);
	return rc;
}
