/* main.c - lakehouse: a small data lakehouse over S3, DuckLake and DuckDB.
 *
 * Dispatches `lakehouse <verb> ...` through the command table below, loads the config once,
 * and is the only place that prints errors and decides the exit code.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <libavutil/log.h>
#include <libxml/parser.h>
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
	{"compact", cmd_compact, "merge small data files and flush inlined rows (time travel kept)"},
	{"diff", cmd_diff, "rows and columns a table changed between two snapshots"},
	{"expire", cmd_expire, "expire old snapshots and the data files only they needed"},
	{"export", cmd_export, "export a snapshot's selection as WebDataset shards or COCO JSON"},
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
	{"view", cmd_view, "write a static site: layers, snapshot timeline, contact sheets with boxes"},
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
	struct lake_versions v;
	int rc = lake_engine_versions(cfg, &v, e);
	printf("lakehouse %s\nduckdb %s\n", LAKEHOUSE_VERSION, v.duckdb);
	if (v.ducklake[0])
		printf("ducklake %s (for duckdb %s)\n", v.ducklake, v.duckdb);
	if (v.httpfs[0])
		printf("httpfs %s (for duckdb %s)\n", v.httpfs, v.duckdb);
	return rc;
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
		return EXIT_FAILURE_;
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
