/* main.c - lakehouse: a small data lakehouse over S3, DuckLake and DuckDB.
 *
 * Dispatches `lakehouse <verb> ...` through the command table below, loads the config once,
 * and is the only place that prints errors and decides the exit code.
 */
#include <curl/curl.h>
#include <libavutil/log.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/options.h"
#include "core/config.h"
#include "core/err.h"
#include "core/suggest.h"
#include "lake/lake.h"
#include "store/server.h"

#ifndef LAKEHOUSE_VERSION
#define LAKEHOUSE_VERSION "0.1.0"
#endif

static const struct command commands[] = {
	{"completion", NULL, &cmd_completion_spec,
	 "print a bash or zsh completion script (generated from this table)"},
	{"compact", cmd_compact, &cmd_compact_spec,
	 "merge small data files and flush inlined rows (time travel kept)"},
	{"diff", cmd_diff, &cmd_diff_spec,
	 "rows and columns a table changed between two snapshots"},
	{"expire", cmd_expire, &cmd_expire_spec,
	 "expire old snapshots and the data files only they needed"},
	{"export", cmd_export, &cmd_export_spec,
	 "export a snapshot's selection as WebDataset shards or COCO JSON"},
	{"fetch", cmd_fetch, &cmd_fetch_spec,
	 "fetch the objects or video fragments a query selects"},
	{"gc", cmd_gc, &cmd_gc_spec,
	 "delete media objects and files no retained snapshot references"},
	{"help", NULL, &cmd_help_spec, "this list, or a verb's --help (help VERB)"},
	{"ingest", cmd_ingest, &cmd_ingest_spec,
	 "ingest a dataset from the Hugging Face Hub or a folder"},
	{"init", cmd_init, &cmd_init_spec,
	 "create the bucket and the lake (catalog, schemas raw/silver/gold)"},
	{"land", cmd_land, &cmd_land_spec,
	 "land a Parquet/CSV/JSONL file into raw.NAME in one snapshot"},
	{"log", cmd_log, &cmd_log_spec,
	 "snapshots that touched a table, newest first"},
	{"man", NULL, &cmd_man_spec,
	 "print the manual page (roff) generated from every verb's help"},
	{"publish", cmd_publish, &cmd_publish_spec,
	 "publish a table to the Hugging Face Hub as a dataset"},
	{"query", cmd_query, &cmd_query_spec,
	 "run a named query (crowded-scenes, busy-fragments)"},
	{"reset", cmd_reset, &cmd_reset_spec,
	 "delete every object and the catalog: an empty lake (rebuild.sh)"},
	{"rollback", cmd_rollback, &cmd_rollback_spec,
	 "restore a table's rows and schema as of a snapshot (new snapshot)"},
	{"show", cmd_show, &cmd_show_spec,
	 "a table's rows now, at a snapshot or at a time (time travel)"},
	{"snapshots", cmd_snapshots, &cmd_snapshots_spec,
	 "list the lake's snapshots with their commit messages"},
	{"sql", cmd_sql, &cmd_sql_spec,
	 "run SQL against the lake"},
	{"storage", cmd_storage, &cmd_storage_spec,
	 "start/stop/inspect the object store; list objects"},
	{"stream", cmd_stream, &cmd_stream_spec,
	 "stream a snapshot's selection as shuffled WebDataset samples on stdout"},
	{"tables", cmd_tables, &cmd_tables_spec,
	 "the lake's tables: rows, columns, files, bytes, last snapshot"},
	{"tag", cmd_tag, &cmd_tag_spec,
	 "name a snapshot (tag NAME), list or delete tags"},
	{"trace", cmd_trace, &cmd_trace_spec,
	 "where an INSERT's state lives: catalog rows, objects, footers"},
	{"transform", cmd_transform, &cmd_transform_spec,
	 "build silver / gold from sql/ with quality gates"},
	{"view", cmd_view, &cmd_view_spec,
	 "write a static site: layers, snapshot timeline, contact sheets with boxes"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
	fprintf(out, "usage: lakehouse [--version | -V] [--help] <verb> [<args>]\n\nverbs:\n");
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
	struct lake_versions v;
	int rc = lake_engine_versions(cfg, &v, e);
	printf("lakehouse %s\nduckdb %s\n", LAKEHOUSE_VERSION, v.duckdb);
	if (v.ducklake[0])
		printf("ducklake %s (for duckdb %s)\n", v.ducklake, v.duckdb);
	if (v.httpfs[0])
		printf("httpfs %s (for duckdb %s)\n", v.httpfs, v.duckdb);
	return rc;
}

static const struct command *find_verb(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_verb(const char *name)
{
	const char *names[NCOMMANDS];
	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	const char *close = suggest_closest(name, names, NCOMMANDS);
	if (close)
		fprintf(stderr, "lakehouse: unknown verb '%s' (did you mean %s?)\n\n", name, close);
	else
		fprintf(stderr, "lakehouse: unknown verb '%s'\n\n", name);
	usage(stderr);
	return EXIT_USAGE;
}

/* `lakehouse help [VERB]`: the verb list, or VERB's --help; reads no configuration. */
static int help_verb(int argc, char **argv)
{
	struct err e = {0};
	int first, rc = opts_parse(&cmd_help_spec, NULL, argc, argv, &first, &e);
	if (rc == 1) {
		cmd_print_help(find_verb("help"));
		return EXIT_OK;
	}
	if (rc == 0 && argc - first > 1)
		rc = cmd_usage_error(&e, "help", "give one verb, got %d words", argc - first);
	if (rc < 0) {
		fprintf(stderr, "lakehouse: error: %s\n", e.msg);
		return e.code;
	}
	if (first == argc) {
		usage(stdout);
		return EXIT_OK;
	}
	const struct command *cmd = find_verb(argv[first]);
	if (!cmd)
		return unknown_verb(argv[first]);
	cmd_print_help(cmd);
	return EXIT_OK;
}

/* Runs a verb; its --help comes from its spec (examples included), not from running it. */
static int run_verb(const struct command *cmd, int argc, char **argv, const struct config *cfg,
		    struct err *e)
{
	if (opts_wants_help(cmd->spec, argc, argv)) {
		cmd_print_help(cmd);
		return 0;
	}
	if (strcmp(cmd->name, "completion") == 0)
		return cmd_completion(argc, argv, commands, NCOMMANDS, e);
	if (strcmp(cmd->name, "man") == 0)
		return cmd_man(argc, argv, commands, NCOMMANDS, LAKEHOUSE_VERSION, e);
	return cmd->run(argc, argv, cfg, e);
}

/* Process-wide set-up, once, before any thread starts: libcurl (the S3 and Hub clients) and
 * libxml2 (S3 replies) must not be initialised lazily from worker threads, and FFmpeg's log
 * level is one global (a CLI shows only FFmpeg's errors). */
static int process_setup(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "lakehouse: error: cannot initialise libcurl\n");
		return -1;
	}
	xmlInitParser();
	av_log_set_level(AV_LOG_ERROR);
	return 0;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	struct err e = {0};
	if (process_setup() < 0)
		return EXIT_FAILED;
	if (argc >= 2 && strcmp(argv[1], "help") == 0)
		return help_verb(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	int rc = config_load(&cfg, NULL, &e);
	if (rc == 0 && cfg.dotenv_open_mode)
		fprintf(stderr, "lakehouse: warning: .env holds secrets but others may read it (mode %03o); "
				"run: chmod 600 .env\n", cfg.dotenv_open_mode);
	if (rc == 0 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
			strcmp(argv[1], "version") == 0)) {
		rc = print_version(&cfg, &e);
	} else if (rc == 0) {
		const struct command *cmd = find_verb(argv[1]);
		if (!cmd)
			return unknown_verb(argv[1]);
		rc = run_verb(cmd, argc - 1, argv + 1, &cfg, &e);
	}
	if (rc < 0 && e.cause == ERR_CAUSE_S3_UNREACHABLE) {
		char elsewhere[400];
		if (server_listens_elsewhere(&cfg, elsewhere, sizeof elsewhere))
			fprintf(stderr, "lakehouse: error: %s; %s\n", e.msg, elsewhere);
		else
			fprintf(stderr, "lakehouse: error: %s; start the embedded server with 'lakehouse "
					"storage start', or point AWS_ENDPOINT_URL at a running S3 server "
					"(e.g. 'docker compose up -d')\n", e.msg);
		return e.code;
	}
	if (rc < 0) {
		fprintf(stderr, "lakehouse: error: %s\n", e.msg[0] ? e.msg : "failed");
		return e.code ? e.code : EXIT_FAILED;
	}
	return EXIT_OK;
}
