/* land.c - `lakehouse land SCHEMA.NAME FILE`: a batch drop of Parquet, CSV or JSONL.
 *
 * Creates the table from the file's schema, or appends by column name when it exists, in
 * ONE transaction carrying a commit message: either the new snapshot has every row of the
 * file, or (bad file, lost storage, conflict) there is no new snapshot at all.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lake/lake.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse land [-m MESSAGE] [--format parquet|csv|jsonl] [SCHEMA.]NAME FILE\n\n"
	"Lands FILE into the table SCHEMA.NAME (schema defaults to raw): creates the table\n"
	"from the file's columns, or appends to it by column name. One snapshot per call;\n"
	"prints its id. Names are plain identifiers: letters, digits and '_'.\n"
	"  -m, --message MSG   commit message (default: what was landed from where)\n"
	"  --format FMT        parquet, csv or jsonl (default: from the file extension)\n";

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
		return err_set(e, 0, "cannot land %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(e, 0, "cannot land %s: not a regular file", path);
	if (access(path, R_OK) != 0)
		return err_set(e, 0, "cannot land %s: %s", path, strerror(errno));
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

struct landing {
	const struct config *cfg;
	struct target t;
	const char *reader, *path, *message;
	int64_t rows;
};

/* The transaction body: create-or-append, then the commit message. */
static int land_rows(struct lake *l, void *ctx, struct err *e)
{
	struct landing *d = ctx;
	const struct target *t = &d->t;
	int exists;
	if (lake_table_exists(l, t->schema, t->table, &exists, e) < 0)
		return -1;
	/* Identifiers were validated as [A-Za-z_][A-Za-z0-9_]*; the path is a bound parameter. */
	char sql[512];
	if (exists)
		snprintf(sql, sizeof sql, "INSERT INTO lake.\"%s\".\"%s\" BY NAME SELECT * FROM %s",
			 t->schema, t->table, d->reader);
	else
		snprintf(sql, sizeof sql, "CREATE TABLE lake.\"%s\".\"%s\" AS SELECT * FROM %s",
			 t->schema, t->table, d->reader);
	const char *p[] = {d->path};
	duckdb_result r;
	if (lake_query(l, sql, p, 1, &r, e) < 0)
		return err_wrap(e, "cannot land %s into %s.%s", d->path, t->schema, t->table);
	d->rows = (int64_t)duckdb_rows_changed(&r);
	if (d->rows == 0)
		d->rows = duckdb_value_int64(&r, 0, 0);
	duckdb_destroy_result(&r);

	char auto_msg[1024];
	const char *message = d->message;
	if (!message) {
		char copy[1024];
		snprintf(copy, sizeof copy, "%s", d->path);
		snprintf(auto_msg, sizeof auto_msg, "land %s into %s.%s: %lld rows (%s)", basename(copy),
			 t->schema, t->table, (long long)d->rows, exists ? "append" : "create");
		message = auto_msg;
	}
	return lake_set_commit_message(l, d->cfg->author, message, e);
}

int cmd_land(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
						 {"message", required_argument, NULL, 'm'},
						 {"format", required_argument, NULL, 'F'},
						 {0}};
	struct landing d = {.cfg = cfg};
	const char *format = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "hm:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (opt == 'm')
			d.message = optarg;
		else if (opt == 'F')
			format = optarg;
		else
			return cmd_usage_error(e, "land", "unknown option");
	}
	if (argc - optind != 2)
		return cmd_usage_error(e, "land", "give a table name and a file");
	d.path = argv[optind + 1];
	if (parse_target(argv[optind], &d.t, e) < 0)
		return -1;
	const char *ext = strrchr(d.path, '.');
	d.reader = reader_for(format ? format : ext ? ext + 1 : "");
	if (!d.reader)
		return cmd_usage_error(e, "land",
				       "cannot tell the format of %s: use a .parquet, .csv or .jsonl "
				       "file or pass --format",
				       d.path);
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
		printf("landed %lld rows into %s.%s: snapshot %lld\n", (long long)d.rows, d.t.schema,
		       d.t.table, (long long)snap);
	lake_close(l);
	return rc;
}
