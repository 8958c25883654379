/* publish.c - `lakehouse publish SCHEMA.TABLE --repo OWNER/NAME`: a table leaves the lake as a
 * Hugging Face dataset (Parquet shards + dataset card, one commit). */
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "hub/publish.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct publish_opts {
	const char *repo, *version, *message, *license;
	long shard_rows;
	int private_repo, with_media, json;
};
static const struct opt publish_options[] = {
	OPT_STRING("repo", 0, struct publish_opts, repo, "OWNER/NAME", "the dataset repo on the Hub"),
	OPT_STRING("version", 0, struct publish_opts, version, "REF",
		   "the table at snapshot REF (an id or a tag; default: now)"),
	OPT_FLAG("with-media", 0, struct publish_opts, with_media,
		 "embed the images that *_uri columns point to (Image feature), so the dataset works\n"
		 "without access to the lake's bucket"),
	OPT_FLAG("private", 0, struct publish_opts, private_repo, "create the repo private"),
	OPT_STRING("message", 'm', struct publish_opts, message, "M", "the Hub commit's message"),
	OPT_STRING("license", 0, struct publish_opts, license, "ID", "license in the card (default: other)"),
	OPT_LONG("shard-rows", 0, struct publish_opts, shard_rows, 1, LONG_MAX, "N",
		 "rows per Parquet file (default 100000; 2000 with --with-media)"),
	OPT_FLAG("json", 0, struct publish_opts, json, "the result as JSON"),
	OPT_END()};
static const char *const publish_examples[] = {
	"lakehouse publish gold.coco_train --repo demo/coco --with-media"
	 "  # to HF_ENDPOINT (default the Hub) with HF_TOKEN",
	"lakehouse publish gold.visdrone_train --repo demo/visdrone --version 6 --private",
	NULL};
const struct verb_spec cmd_publish_spec = {
	.name = "publish",
	.usage = "publish SCHEMA.TABLE --repo OWNER/NAME [--version REF] [--private]\n"
		 "                         [--message M] [--with-media] [--license ID] [--shard-rows N]\n"
		 "                         [--json]",
	.about = "Exports the table (now, or at snapshot or tag REF) to Parquet shards data/<split>-NNNNN-of-NNNNN\n"
		 "with a README.md dataset card (features, splits, provenance, the SQL that made it) in\n"
		 "local-store/publish/OWNER/NAME/, and pushes them to the Hub (HF_ENDPOINT, default\n"
		 "https://huggingface.co) in one commit, with HF_TOKEN (needs write access). Creates the\n"
		 "repo when missing. Publishing the same snapshot again makes no new commit.\n",
	.options = publish_options,
	.examples = publish_examples};

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
	struct publish_opts o = {0};
	int first, parsed = opts_parse(&cmd_publish_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	struct publish_request rq = {.repo = o.repo, .version = o.version, .message = o.message,
				     .license = o.license, .shard_rows = o.shard_rows,
				     .private_repo = o.private_repo, .with_media = o.with_media};
	int json = o.json;
	if (first + 1 != argc || !rq.repo)
		return cmd_usage_error(e, "publish", "give SCHEMA.TABLE and --repo OWNER/NAME");
	rq.table = argv[first];
	struct publish_result res;
	rq.progress = progress_new("publish", "steps");
	int rc = publish_run(cfg, &rq, &res, e);
	progress_finish(rq.progress, rc == 0);
	if (rc < 0)
		return -1;
	print_result(&res, rq.table, json);
	return 0;
}
