/* publish.c - `lakehouse publish SCHEMA.TABLE --repo OWNER/NAME`: a table leaves the lake as a
 * Hugging Face dataset (Parquet shards + dataset card, one commit). */
#include <getopt.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/publish.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse publish SCHEMA.TABLE --repo OWNER/NAME [--version REF] [--private]\n"
	"                         [--message M] [--with-media] [--license ID] [--shard-rows N]\n"
	"                         [--json]\n\n"
	"Exports the table (now, or at snapshot or tag REF) to Parquet shards data/<split>-NNNNN-of-NNNNN\n"
	"with a README.md dataset card (features, splits, provenance, the SQL that made it) in\n"
	"local-store/publish/OWNER/NAME/, and pushes them to the Hub (HF_ENDPOINT, default\n"
	"https://huggingface.co) in one commit, with HF_TOKEN (needs write access). Creates the\n"
	"repo when missing. Publishing the same snapshot again makes no new commit.\n"
	"  --with-media    embed the images that *_uri columns point to (Image feature), so the\n"
	"                  dataset works without access to the lake's bucket\n"
	"  --private       create the repo private\n"
	"  --license ID    license in the card (default: other)\n"
	"  --shard-rows N  rows per Parquet file (default 100000; 2000 with --with-media)\n";

static void print_result(const struct publish_result *r, const char *table, int json)
{
	if (json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:i, s:I, s:i, s:b, s:s, s:s, s:s}", "table", table,
				      "snapshot", (json_int_t)r->snapshot, "rows", (json_int_t)r->rows,
				      "files", r->files, "bytes", (json_int_t)r->bytes, "images", r->media,
				      "unchanged", r->unchanged, "commit", r->commit, "url", r->url,
				      "staging", r->staging);
		char *s = json_dumps(j, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(j);
		return;
	}
	printf("%s at snapshot %lld: %lld rows, %d Parquet file(s), %lld bytes", table,
	       (long long)r->snapshot, (long long)r->rows, r->files, (long long)r->bytes);
	if (r->media)
		printf(", %d images embedded", r->media);
	printf("\n");
	if (r->unchanged)
		printf("unchanged: %s already holds exactly this at commit %s; no new commit\n", r->url,
		       r->commit);
	else
		printf("published %s\ncommit %s\n", r->url, r->commit);
}

int cmd_publish(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},         {"repo", required_argument, NULL, 'r'},
		{"version", required_argument, NULL, 'v'}, {"private", no_argument, NULL, 'p'},
		{"message", required_argument, NULL, 'm'}, {"with-media", no_argument, NULL, 'M'},
		{"license", required_argument, NULL, 'l'}, {"shard-rows", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},          {0}};
	struct publish_request rq = {0};
	int opt, json = 0;
	long n;
	while ((opt = getopt_long(argc, argv, "hm:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h': return fputs(usage, stdout), 0;
		case 'r': rq.repo = optarg; break;
		case 'p': rq.private_repo = 1; break;
		case 'm': rq.message = optarg; break;
		case 'M': rq.with_media = 1; break;
		case 'l': rq.license = optarg; break;
		case 'j': json = 1; break;
		case 'v': rq.version = optarg; break;
		case 's':
			if (cmd_parse_long("publish", "--shard-rows", optarg, 1, LONG_MAX, &n, e) < 0)
				return -1;
			rq.shard_rows = n;
			break;
		default: return cmd_usage_error(e, "publish", "unknown option");
		}
	}
	if (optind + 1 != argc || !rq.repo)
		return cmd_usage_error(e, "publish", "give SCHEMA.TABLE and --repo OWNER/NAME");
	rq.table = argv[optind];
	struct publish_result res;
	if (publish_run(cfg, &rq, &res, e) < 0)
		return -1;
	print_result(&res, rq.table, json);
	return 0;
}
