/* gc.c - `lakehouse gc [--yes] [--min-age SECONDS]`: deletes what no retained snapshot needs:
 * DuckLake's data files scheduled for deletion, and media objects under assets/ that no
 * *_uri column of any table at any retained snapshot points to. Reachability comes from the
 * catalog, never from timestamps alone; --min-age (default 3600 s) only protects objects an
 * ingest may have uploaded but not yet committed. A dry run unless --yes. */
#define _GNU_SOURCE
#include <search.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lake/history.h"
#include "core/strset.h"
#include "lake/refs.h"
#include "store/s3.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct gc_opts {
	int yes, json;
	long min_age;
};
static const struct opt gc_options[] = {
	OPT_FLAG("yes", 0, struct gc_opts, yes, "delete them (without it, a dry run)"),
	OPT_LONG("min-age", 0, struct gc_opts, min_age, 0, LONG_MAX / 2, "SECONDS",
		 "keep objects younger than this (default 3600)"),
	OPT_FLAG("json", 0, struct gc_opts, json, "the counts as JSON"),
	OPT_END()};
static const char *const gc_examples[] = {
	"lakehouse gc  # a dry run: what it would delete",
	"lakehouse gc --yes --json",
	NULL};
const struct verb_spec cmd_gc_spec = {
	.name = "gc",
	.usage = "gc [--yes] [--min-age SECONDS] [--json]",
	.about = "Deletes media objects under assets/ that no retained snapshot references (any column\n"
		 "named *_uri, in any table, at any snapshot still in the lake), and DuckLake data files\n"
		 "scheduled for deletion. Dry run unless --yes. Objects younger than --min-age (default\n"
		 "3600) are kept: an ingest uploads objects before it commits their rows.\n",
	.options = gc_options,
	.examples = gc_examples};

struct gc {
	void *refs; /* strset of referenced URIs */
	int64_t refs_n;
	const struct config *cfg;
	struct s3 *s3;
	int yes, json;
	long min_age;
	time_t now;
	int64_t seen, unreferenced, young, bytes, deleted;
	struct err failure;
};

/* Adds one referenced URI to the set (refs_retained may repeat one). */
static int add_ref(const char *uri, void *ctx)
{
	struct gc *g = ctx;
	int fresh = strset_add(&g->refs, uri);
	g->refs_n += fresh > 0;
	return fresh < 0 ? -1 : 0;
}

static time_t parse_time(const char *iso) /* 2026-11-25T16:45:08Z or with fraction */
{
	struct tm tm = {0};
	if (!strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

static int on_object(const struct s3_object *o, void *ud)
{
	struct gc *g = ud;
	char uri[1200];
	g->seen++;
	snprintf(uri, sizeof uri, "s3://%s/%s", g->cfg->bucket, o->key);
	if (strset_has(&g->refs, uri))
		return 0;
	time_t t = parse_time(o->last_modified);
	if (!t || g->now - t < g->min_age) {
		g->young++;
		return 0;
	}
	g->unreferenced++;
	g->bytes += o->size;
	if (!g->json)
		printf("%s %s (%lld bytes)\n", g->yes ? "delete" : "would delete", o->key,
		       (long long)o->size);
	if (g->yes) {
		if (s3_delete(g->s3, o->key, &g->failure) < 0)
			return 1; /* stop: s3_list returns 0, the failure is reported after */
		g->deleted++;
	}
	return 0;
}

int cmd_gc(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct gc_opts o = {.min_age = 3600};
	int first, parsed = opts_parse(&cmd_gc_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	struct gc g = {.cfg = cfg, .min_age = o.min_age, .now = time(NULL), .yes = o.yes, .json = o.json};
	if (first != argc)
		return cmd_usage_error(e, "gc", "unexpected argument '%s'", argv[first]);
	struct lake *l;
	if (lake_open(&l, cfg, LAKE_EXISTING, e) < 0)
		return -1;
	int64_t files = 0;
	int rc = history_cleanup_files(l, !g.yes, &files, e);
	rc = rc ? rc : refs_retained(l, add_ref, &g, e);
	lake_close(l);
	if (rc == 0 && !(g.s3 = s3_new(cfg, e)))
		rc = -1;
	if (rc == 0)
		rc = s3_list(g.s3, "assets/", on_object, &g, e);
	if (rc == 0 && g.failure.code) {
		*e = g.failure;
		rc = -1;
	}
	if (rc == 0 && g.json)
		output_json(stdout, json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "dry_run", !g.yes,
					      "data_files", (json_int_t)files, "objects",
					      (json_int_t)g.seen, "referenced_uris", (json_int_t)g.refs_n,
					      "unreferenced", (json_int_t)g.unreferenced,
					      "unreferenced_bytes", (json_int_t)g.bytes, "deleted",
					      (json_int_t)g.deleted, "too_young", (json_int_t)g.young));
	else if (rc == 0)
		printf("%s %lld data files; media: %lld objects, %lld referenced URIs, %lld unreferenced "
		       "(%lld bytes) %s, %lld too young to judge\n",
		       g.yes ? "deleted" : "would delete", (long long)files, (long long)g.seen,
		       (long long)g.refs_n, (long long)g.unreferenced, (long long)g.bytes,
		       g.yes ? "deleted" : "to delete (dry run; --yes to do it)", (long long)g.young);
	s3_free(g.s3);
	strset_free(&g.refs);
	return rc;
}
