/* main.c - lakehouse: a small data lakehouse over S3, DuckLake and DuckDB.
 *
 * Dispatches `lakehouse <verb> ...` through the command table below, loads the config once,
 * and is the only place that prints errors and decides the exit code.
 */
#include <duckdb.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "core/err.h"
#include "lake/lake.h"

#ifndef LAKEHOUSE_VERSION
#define LAKEHOUSE_VERSION "0.1.0"
#endif

static const struct command commands[] = {
	{"diff", cmd_diff, "rows and columns a table changed between two snapshots"},
	{"expire", cmd_expire, "expire old snapshots and the data files only they needed"},
	{"fetch", cmd_fetch, "fetch the objects or video fragments a query selects"},
	{"gc", cmd_gc, "delete media objects and files no retained snapshot references"},
	{"ingest", cmd_ingest, "ingest a dataset from the Hugging Face Hub or a folder"},
	{"init", cmd_init, "create the bucket and the lake (catalog, schemas raw/silver/gold)"},
	{"land", cmd_land, "land a Parquet/CSV/JSONL file into raw.NAME in one snapshot"},
	{"log", cmd_log, "snapshots that touched a table, newest first"},
	{"publish", cmd_publish, "publish a table to the Hugging Face Hub as a dataset"},
	{"query", cmd_query, "run a named query (crowded-scenes, busy-fragments)"},
	{"reset", cmd_reset, "delete every object and the catalog: an empty lake (rebuild.sh)"},
	{"rollback", cmd_rollback, "restore a table, a schema or the lake as of a snapshot (new snapshot)"},
	{"show", cmd_show, "a table's rows now, at a snapshot or at a time (time travel)"},
	{"snapshots", cmd_snapshots, "list the lake's snapshots with their commit messages"},
	{"sql", cmd_sql, "run SQL against the lake"},
	{"storage", cmd_storage, "start/stop/inspect the object store; list objects"},
	{"tag", cmd_tag, "name a snapshot (tag NAME), list or delete tags"},
	{"trace", cmd_trace, "where an INSERT's state lives: catalog rows, objects, footers"},
	{"transform", cmd_transform, "build silver / gold from sql/ with quality gates"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
	fprintf(out, "usage: lakehouse [--version] [--help] <verb> [<args>]\n\nverbs:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\nRun 'lakehouse <verb> --help' for a verb's options.\n"
		"Storage and credentials come from the environment or ./.env: AWS_ENDPOINT_URL\n"
		"(or S3_ENDPOINT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,\n"
		"LAKEHOUSE_BUCKET, LAKEHOUSE_CATALOG, LAKEHOUSE_DATA_DIR.\n");
}

/* Prints lakehouse's, DuckDB's and the extensions' versions (loads the local extensions). */
static int print_version(const struct config *cfg, struct err *e)
{
	printf("lakehouse %s\nduckdb %s\n", LAKEHOUSE_VERSION, duckdb_library_version());
	duckdb_database db;
	duckdb_connection con;
	duckdb_config dc;
	duckdb_create_config(&dc);
	duckdb_set_config(dc, "extension_directory", cfg->extension_dir);
	duckdb_set_config(dc, "autoinstall_known_extensions", "false");
	duckdb_set_config(dc, "autoload_known_extensions", "false");
	int rc = 0;
	if (duckdb_open_ext(NULL, &db, dc, NULL) == DuckDBError) {
		duckdb_destroy_config(&dc);
		return err_set(e, 0, "cannot open DuckDB");
	}
	duckdb_destroy_config(&dc);
	duckdb_connect(db, &con);
	static const char *const exts[] = {"ducklake", "httpfs"};
	for (int i = 0; i < 2 && rc == 0; i++) {
		char sql[128];
		duckdb_result r;
		snprintf(sql, sizeof sql, "LOAD %s", exts[i]);
		if (duckdb_query(con, sql, &r) == DuckDBError) {
			rc = err_set(e, 0, "cannot load the %s extension from %s: %s; run scripts/bootstrap.sh",
				     exts[i], cfg->extension_dir, duckdb_result_error(&r));
		} else {
			duckdb_destroy_result(&r);
			snprintf(sql, sizeof sql,
				 "SELECT extension_version FROM duckdb_extensions() WHERE extension_name = '%s'",
				 exts[i]);
			duckdb_query(con, sql, &r);
			char *v = duckdb_value_varchar(&r, 0, 0);
			printf("%s %s (for duckdb %s)\n", exts[i], v ? v : "?", duckdb_library_version());
			duckdb_free(v);
		}
		duckdb_destroy_result(&r);
	}
	duckdb_disconnect(&con);
	duckdb_close(&db);
	return rc;
}

int cmd_format_option(int opt, enum output_format *fmt)
{
	switch (opt) {
	case CMD_OPT_JSON: *fmt = OUTPUT_JSON; return 1;
	case CMD_OPT_CSV: *fmt = OUTPUT_CSV; return 1;
	case CMD_OPT_TABLE: *fmt = OUTPUT_TABLE; return 1;
	default: return 0;
	}
}

int cmd_print_query(struct lake *l, const char *sql, const char *const *params, int nparams,
		    enum output_format fmt, struct err *e)
{
	duckdb_result r;
	if (lake_query(l, sql, params, nparams, &r, e) < 0)
		return -1;
	int rc = output_result(stdout, lake_connection(l), &r, fmt) < 0
			 ? err_set(e, 0, "cannot write to standard output")
			 : 0;
	duckdb_destroy_result(&r);
	return rc;
}

int cmd_usage_error(struct err *e, const char *verb, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(e, EXIT_USAGE, "%s; see 'lakehouse %s --help'", msg, verb);
}

int main(int argc, char **argv)
{
	static struct config cfg;
	struct err e = {0};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	int rc = config_load(&cfg, NULL, &e);
	if (rc == 0 && cfg.dotenv_open_mode)
		fprintf(stderr, "lakehouse: warning: .env holds secrets but others may read it (mode %03o); "
				"run: chmod 600 .env\n", cfg.dotenv_open_mode);
	if (rc == 0 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)) {
		rc = print_version(&cfg, &e);
	} else if (rc == 0) {
		const struct command *cmd = NULL;
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (strcmp(commands[i].name, argv[1]) == 0)
				cmd = &commands[i];
		if (!cmd) {
			fprintf(stderr, "lakehouse: unknown verb '%s'\n\n", argv[1]);
			usage(stderr);
			return EXIT_USAGE;
		}
		optind = 1;
		rc = cmd->run(argc - 1, argv + 1, &cfg, &e);
	}
	if (rc < 0) {
		fprintf(stderr, "lakehouse: error: %s\n", e.msg[0] ? e.msg : "failed");
		return e.code ? e.code : EXIT_FAILURE_;
	}
	return EXIT_OK;
}
