/* land.c - `lakehouse land SCHEMA.NAME FILE`: a batch drop of Parquet, CSV or JSONL.
 *
 * Creates the table from the file's schema, or appends by column name when it exists, in
 * ONE transaction carrying a commit message: either the new snapshot has every row of the
 * file, or (bad file, lost storage, conflict) there is no new snapshot at all.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lake/lake.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct land_opts {
	const char *message, *format, *mode, *key, *types;
};
static const char *const land_formats[] = {"parquet", "csv", "jsonl", NULL};
static const char *const land_modes[] = {"append", "replace", "upsert", NULL};
static const struct opt land_options[] = {
	OPT_STRING("message", 'm', struct land_opts, message, "MSG",
		   "commit message (default: what was landed from where)"),
	OPT_CHOICE("format", 0, struct land_opts, format, land_formats, "FMT",
		   "parquet, csv or jsonl (default: from the file extension)"),
	OPT_CHOICE("mode", 0, struct land_opts, mode, land_modes, "MODE",
		   "append (default): add the file's rows; replace: the table holds exactly the file's\n"
		   "rows; upsert: rows whose --key matches are updated, the others inserted (DuckDB MERGE)"),
	OPT_STRING("key", 0, struct land_opts, key, "COL", "the key column of --mode upsert"),
	OPT_STRING("types", 0, struct land_opts, types, "COL=TYPE",
		   "a CSV column's type when the detected one is wrong, e.g.\n"
		   "--types zip=VARCHAR,score=DOUBLE"),
	OPT_END()};
static const char *const land_examples[] = {
	"lakehouse land raw.labels labels.csv -m 'first labels'",
	"lakehouse land raw.labels labels.csv --mode upsert --key id",
	"lakehouse land raw.scores labels.csv --types id=VARCHAR",
	NULL};
const struct verb_spec cmd_land_spec = {
	.name = "land",
	.usage = "land [-m MESSAGE] [--format parquet|csv|jsonl] [--mode MODE [--key COL]]\n"
		 "                      [--types COL=TYPE,...] [SCHEMA.]NAME FILE",
	.about = "Lands FILE into the table SCHEMA.NAME (schema defaults to raw): creates the table\n"
		 "from the file's columns, or adds to it by column name. One snapshot per call;\n"
		 "prints its id. Names are plain identifiers: letters, digits and '_'.\n",
	.options = land_options,
	.examples = land_examples};

struct target {
	char schema[64], table[64];
};

static int parse_target(const char *arg, struct target *t, struct err *e)
{
	return lake_parse_table(arg, t->schema, t->table, e);
}

/* Returns the DuckDB reader for a format name or file extension, NULL when unknown. */
static const char *reader_for(const char *fmt)
{
	if (strcasecmp(fmt, "parquet") == 0)
		return "read_parquet($1)";
	if (strcasecmp(fmt, "csv") == 0 || strcasecmp(fmt, "tsv") == 0)
		return "read_csv($1)";
	if (strcasecmp(fmt, "jsonl") == 0 || strcasecmp(fmt, "ndjson") == 0 ||
	    strcasecmp(fmt, "json") == 0)
		return "read_json($1)";
	return NULL;
}

static int check_file(const char *path, struct err *e)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return err_set(e, EXIT_FAILED, "cannot land %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(e, EXIT_FAILED, "cannot land %s: not a regular file", path);
	if (access(path, R_OK) != 0)
		return err_set(e, EXIT_FAILED, "cannot land %s: %s", path, strerror(errno));
	return 0;
}

static int schema_exists(struct lake *l, const char *schema, struct err *e)
{
	const char *p[] = {schema};
	int64_t n;
	if (lake_query_int64(l,
			     "SELECT count(*) FROM duckdb_schemas() WHERE database_name = 'lake' "
			     "AND schema_name = $1",
			     p, 1, &n, e) < 0)
		return -1;
	return n > 0 ? 0
		     : err_set(e, EXIT_USAGE, "schema '%s' does not exist in the lake (raw, silver, "
					      "gold are created by 'lakehouse init')",
			       schema);
}

enum land_mode { LAND_APPEND, LAND_REPLACE, LAND_UPSERT };
static const char *const mode_names[] = {"append", "replace", "upsert"};

struct landing {
	const struct config *cfg;
	struct target t;
	const char *path, *message;
	char reader[640]; /* the DuckDB reader call, the path as $1 */
	enum land_mode mode;
	char key[64];
	int64_t rows;
};

/* --types COL=TYPE[,COL=TYPE...] as read_csv's types = {'COL': 'TYPE', ...}: columns are
 * identifiers, types letters, digits, '_', '(', ')', ',' inside parentheses and spaces only,
 * so the text can be inlined. */
static int csv_types(const char *spec, char *out, size_t n, struct err *e)
{
	size_t used = (size_t)snprintf(out, n, "{");
	const char *p = spec;
	while (*p) {
		char col[64], type[64];
		size_t cl = strcspn(p, "=");
		if (!p[cl] || cl == 0 || cl >= sizeof col)
			return cmd_usage_error(e, "land", "--types wants COL=TYPE[,COL=TYPE], got '%s'", spec);
		snprintf(col, sizeof col, "%.*s", (int)cl, p);
		p += cl + 1;
		size_t tl = 0;
		for (int depth = 0; p[tl] && (p[tl] != ',' || depth); tl++)
			depth += p[tl] == '(' ? 1 : p[tl] == ')' ? -1 : 0;
		if (tl == 0 || tl >= sizeof type)
			return cmd_usage_error(e, "land", "--types wants COL=TYPE[,COL=TYPE], got '%s'", spec);
		snprintf(type, sizeof type, "%.*s", (int)tl, p);
		p += tl + (p[tl] == ',');
		if (!lake_valid_identifier(col) || strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_(), ") != strlen(type))
			return cmd_usage_error(e, "land", "--types: '%s=%s' is not COLUMN=TYPE", col, type);
		used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s'%s': '%s'",
					 used > 1 ? ", " : "", col, type);
	}
	if (used + 2 > n)
		return cmd_usage_error(e, "land", "--types is too long");
	snprintf(out + used, n - used, "}");
	return 0;
}

/* 1 (e filled) when the table has no column d->key; -1 when the catalog cannot tell. */
static int key_missing(struct lake *l, const struct landing *d, struct err *e)
{
	int64_t n = 0;
	const char *q[] = {d->t.schema, d->t.table, d->key};
	if (lake_query_int64(l, "SELECT count(*) FROM duckdb_columns() WHERE database_name = 'lake' "
				"AND schema_name = $1 AND table_name = $2 AND column_name = $3",
			     q, 3, &n, e) < 0)
		return -1;
	if (!n)
		err_set(e, EXIT_USAGE, "--key %s: %s.%s has no column %s", d->key, d->t.schema,
			d->t.table, d->key);
	return !n;
}

/* The transaction body: create-or-append, then the commit message. */
static int land_rows(struct lake *l, void *ctx, struct err *e)
{
	struct landing *d = ctx;
	const struct target *t = &d->t;
	int exists;
	if (lake_table_exists(l, t->schema, t->table, &exists, e) < 0)
		return -1;
	/* Identifiers were validated as [A-Za-z_][A-Za-z0-9_]*; the path is a bound parameter. */
	char sql[2048], name[160];
	snprintf(name, sizeof name, "lake.\"%s\".\"%s\"", t->schema, t->table);
	const char *p[] = {d->path};
	duckdb_result r;
	if (exists && d->mode == LAND_REPLACE) { /* the old rows go in the same snapshot */
		snprintf(sql, sizeof sql, "DELETE FROM %s", name);
		if (lake_query(l, sql, NULL, 0, &r, e) < 0)
			return err_wrap(e, "cannot replace %s.%s", t->schema, t->table);
		duckdb_destroy_result(&r);
	}
	if (exists && d->mode == LAND_UPSERT && key_missing(l, d, e))
		return -1;
	if (exists && d->mode == LAND_UPSERT)
		snprintf(sql, sizeof sql,
			 "MERGE INTO %s AS old USING (SELECT * FROM %s) AS new ON old.\"%s\" = "
			 "new.\"%s\" WHEN MATCHED THEN UPDATE WHEN NOT MATCHED THEN INSERT",
			 name, d->reader, d->key, d->key);
	else if (exists)
		snprintf(sql, sizeof sql, "INSERT INTO %s BY NAME SELECT * FROM %s", name, d->reader);
	else
		snprintf(sql, sizeof sql, "CREATE TABLE %s AS SELECT * FROM %s", name, d->reader);
	if (lake_query(l, sql, p, 1, &r, e) < 0)
		return err_wrap(e, "cannot land %s into %s.%s", d->path, t->schema, t->table);
	d->rows = (int64_t)duckdb_rows_changed(&r);
	if (d->rows == 0 && duckdb_column_count(&r) > 0 && duckdb_row_count(&r) > 0)
		d->rows = duckdb_value_int64(&r, 0, 0);
	duckdb_destroy_result(&r);
	if (!exists && d->mode == LAND_UPSERT && key_missing(l, d, e))
		return -1; /* the key column must exist for the next upsert */

	char auto_msg[1024];
	const char *message = d->message;
	if (!message) {
		char copy[1024];
		snprintf(copy, sizeof copy, "%s", d->path);
		snprintf(auto_msg, sizeof auto_msg, "land %s into %s.%s: %lld rows (%s)", basename(copy),
			 t->schema, t->table, (long long)d->rows, exists ? mode_names[d->mode] : "create");
		message = auto_msg;
	}
	return lake_set_commit_message(l, d->cfg->author, message, e);
}

int cmd_land(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct land_opts o = {0};
	int first, parsed = opts_parse(&cmd_land_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	struct landing d = {.cfg = cfg, .message = o.message};
	const char *format = o.format, *mode = o.mode, *key = o.key, *types = o.types;
	if (argc - first != 2)
		return cmd_usage_error(e, "land", "give a table name and a file");
	d.path = argv[first + 1];
	if (parse_target(argv[first], &d.t, e) < 0)
		return -1;
	const char *ext = strrchr(d.path, '.');
	const char *reader = reader_for(format ? format : ext ? ext + 1 : "");
	if (!reader)
		return cmd_usage_error(e, "land",
				       "cannot tell the format of %s: use a .parquet, .csv or .jsonl "
				       "file or pass --format",
				       d.path);
	if (mode && strcmp(mode, "append") != 0 && strcmp(mode, "replace") != 0 &&
	    strcmp(mode, "upsert") != 0)
		return cmd_usage_error(e, "land", "--mode wants append, replace or upsert, got '%s'", mode);
	d.mode = !mode || mode[0] == 'a' ? LAND_APPEND : mode[0] == 'r' ? LAND_REPLACE : LAND_UPSERT;
	if (d.mode == LAND_UPSERT && !key)
		return cmd_usage_error(e, "land", "--mode upsert needs --key COL");
	if (key && d.mode != LAND_UPSERT)
		return cmd_usage_error(e, "land", "--key applies to --mode upsert only");
	if (key && !lake_valid_identifier(key))
		return cmd_usage_error(e, "land", "--key '%s' is not a column name", key);
	snprintf(d.key, sizeof d.key, "%s", key ? key : "");
	if (types && strncmp(reader, "read_csv", 8) != 0)
		return cmd_usage_error(e, "land", "--types applies to CSV files only");
	char typemap[512] = "";
	if (types && csv_types(types, typemap, sizeof typemap, e) < 0)
		return -1;
	if (types)
		snprintf(d.reader, sizeof d.reader, "read_csv($1, types = %s)", typemap);
	else
		snprintf(d.reader, sizeof d.reader, "%s", reader);
	if (check_file(d.path, e) < 0)
		return -1;

	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	int64_t snap = 0;
	int rc = schema_exists(l, d.t.schema, e);
	if (rc == 0)
		rc = lake_in_transaction(l, land_rows, &d, e);
	if (rc == 0)
		rc = lake_current_snapshot(l, &snap, e);
	if (rc == 0)
		printf("landed %lld rows into %s.%s: snapshot %lld%s%s%s\n", (long long)d.rows,
		       d.t.schema, d.t.table, (long long)snap, d.mode ? " (" : "",
		       d.mode ? mode_names[d.mode] : "", d.mode ? ")" : "");
	lake_close(l);
	return rc;
}
