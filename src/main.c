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
	 "print a bash or zsh completion script (generated from this table)",
	 "source <(lakehouse completion bash)\nlakehouse completion zsh > ~/.zfunc/_lakehouse"},
	{"compact", cmd_compact, &cmd_compact_spec,
	 "merge small data files and flush inlined rows (time travel kept)",
	 "lakehouse compact raw.events\nlakehouse compact --json"},
	{"diff", cmd_diff, &cmd_diff_spec,
	 "rows and columns a table changed between two snapshots",
	 "lakehouse diff raw.coco_images 1 3\nlakehouse diff silver.coco_boxes 2 4 --json"},
	{"expire", cmd_expire, &cmd_expire_spec,
	 "expire old snapshots and the data files only they needed",
	 "lakehouse expire --keep 10\nlakehouse expire --older-than '7 days' --yes"},
	{"export", cmd_export, &cmd_export_spec,
	 "export a snapshot's selection as WebDataset shards or COCO JSON",
	 "lakehouse export --table gold.crowded_scenes --format webdataset --out shards\n"
	 "lakehouse export --sql 'SELECT * FROM silver.coco_images LIMIT 100' --format coco --out coco.json"},
	{"fetch", cmd_fetch, &cmd_fetch_spec,
	 "fetch the objects or video fragments a query selects",
	 "lakehouse fetch --sql 'SELECT image_uri FROM gold.crowded_scenes' --out crowded --dry-run\n"
	 "lakehouse fetch --sql 'SELECT clip_uri, fragment_id FROM silver.visdrone_fragments LIMIT 3' "
	 "--out frags --frames jpg"},
	{"gc", cmd_gc, &cmd_gc_spec,
	 "delete media objects and files no retained snapshot references",
	 "lakehouse gc\nlakehouse gc --yes --json"},
	{"ingest", cmd_ingest, &cmd_ingest_spec,
	 "ingest a dataset from the Hugging Face Hub or a folder",
	 "lakehouse ingest coco --from hf://datasets/detection-datasets/coco --split val --limit 300\n"
	 "lakehouse ingest visdrone --from ./VisDrone2019-VID-val\n"
	 "lakehouse ingest photos --from ./photos"},
	{"init", cmd_init, &cmd_init_spec,
	 "create the bucket and the lake (catalog, schemas raw/silver/gold)",
	 "lakehouse storage start && lakehouse init"},
	{"land", cmd_land, &cmd_land_spec,
	 "land a Parquet/CSV/JSONL file into raw.NAME in one snapshot",
	 "lakehouse land raw.events events.parquet -m 'first batch'\n"
	 "lakehouse land raw.labels labels.csv --mode upsert --key id\n"
	 "lakehouse land raw.sensors sensors.csv --types reading=DOUBLE"},
	{"log", cmd_log, &cmd_log_spec,
	 "snapshots that touched a table, newest first",
	 "lakehouse log raw.coco_images --last 5\nlakehouse log --json"},
	{"man", NULL, &cmd_man_spec,
	 "print the manual page (roff) generated from every verb's help",
	 "lakehouse man > lakehouse.1 && man -l lakehouse.1"},
	{"publish", cmd_publish, &cmd_publish_spec,
	 "publish a table to the Hugging Face Hub as a dataset",
	 "lakehouse publish gold.crowded_scenes --repo me/crowded\n"
	 "lakehouse publish raw.coco_images --repo me/coco --with-media --private"},
	{"query", cmd_query, &cmd_query_spec,
	 "run a named query (crowded-scenes, busy-fragments)",
	 "lakehouse query crowded-scenes\nlakehouse query busy-fragments --csv > busy.csv"},
	{"reset", cmd_reset, &cmd_reset_spec,
	 "delete every object and the catalog: an empty lake (rebuild.sh)",
	 "lakehouse reset --yes"},
	{"rollback", cmd_rollback, &cmd_rollback_spec,
	 "restore a table's rows and schema as of a snapshot (new snapshot)",
	 "lakehouse rollback silver.coco_boxes --to 4 -m 'undo the bad transform'"},
	{"show", cmd_show, &cmd_show_spec,
	 "a table's rows now, at a snapshot or at a time (time travel)",
	 "lakehouse show raw.coco_images --limit 5\nlakehouse show raw.coco_images --version 2\n"
	 "lakehouse show raw.coco_images --time '2026-11-25 16:45:00+00' --json"},
	{"snapshots", cmd_snapshots, &cmd_snapshots_spec,
	 "list the lake's snapshots with their commit messages",
	 "lakehouse snapshots --last 5\nlakehouse snapshots --json"},
	{"sql", cmd_sql, &cmd_sql_spec,
	 "run SQL against the lake",
	 "lakehouse sql 'SELECT count(*) FROM raw.coco_images'\n"
	 "lakehouse sql -m 'fix labels' \"UPDATE raw.labels SET label = 'car' WHERE label = 'cars'\"\n"
	 "lakehouse sql -f report.sql --csv"},
	{"storage", cmd_storage, &cmd_storage_spec,
	 "start/stop/inspect the object store; list objects",
	 "lakehouse storage status\nlakehouse storage ls s3://lakehouse/assets/\n"
	 "lakehouse storage get s3://lakehouse/assets/coco/val/1.jpg -o 1.jpg"},
	{"stream", cmd_stream, &cmd_stream_spec,
	 "stream a snapshot's selection as shuffled WebDataset samples on stdout",
	 "lakehouse stream --table gold.coco_train --seed 1 --epoch 3 | tar tv\n"
	 "lakehouse stream --table gold.coco_train --decode rgb --size 224x224 --rank 0 --world 4 > part0.tar"},
	{"tables", cmd_tables, &cmd_tables_spec,
	 "the lake's tables: rows, columns, files, bytes, last snapshot",
	 "lakehouse tables\nlakehouse tables silver --json"},
	{"tag", cmd_tag, &cmd_tag_spec,
	 "name a snapshot (tag NAME), list or delete tags",
	 "lakehouse tag before-cleanup\nlakehouse show raw.coco_images --version before-cleanup"},
	{"trace", cmd_trace, &cmd_trace_spec,
	 "where an INSERT's state lives: catalog rows, objects, footers",
	 "lakehouse trace raw.coco_images\nlakehouse trace raw.coco_images --snapshot 2 --json"},
	{"transform", cmd_transform, &cmd_transform_spec,
	 "build silver / gold from sql/ with quality gates",
	 "lakehouse transform all\nlakehouse transform silver -m 'rebuild silver'"},
	{"view", cmd_view, &cmd_view_spec,
	 "write a static site: layers, snapshot timeline, contact sheets with boxes",
	 "lakehouse view --out site\nlakehouse view --out site --query crowded-scenes --limit 50"},
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

/* Runs a verb; its --help comes from its spec (with the table's examples), not from running it. */
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
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
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
