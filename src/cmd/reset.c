/* reset.c - `lakehouse reset --yes`: back to an empty lake, for rebuild.sh. Deletes every
 * object in the bucket and the DuckDB-file catalog (with its WAL). Nothing else is touched:
 * local-store/ (staged downloads) stays, so a rebuild does not download again. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/s3.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct reset_opts {
	int yes;
};
static const struct opt reset_options[] = {
	OPT_FLAG("yes", 'y', struct reset_opts, yes, "yes, delete everything"), OPT_END()};
static const char *const reset_examples[] = {
	"lakehouse reset --yes  # then lakehouse init: an empty lake",
	NULL};
const struct verb_spec cmd_reset_spec = {
	.name = "reset",
	.usage = "reset --yes",
	.about = "Deletes EVERY object in the bucket and the catalog file (a DuckDB-file catalog only),\n"
		 "so 'lakehouse init' starts an empty lake. Staged downloads in local-store/ are kept.\n",
	.options = reset_options,
	.examples = reset_examples};

struct wipe {
	struct s3 *s3;
	long deleted;
	struct err failure;
};

static int delete_object(const struct s3_object *o, void *ctx)
{
	struct wipe *w = ctx;
	if (s3_delete(w->s3, o->key, &w->failure) < 0)
		return 1; /* stop; reported after the listing */
	w->deleted++;
	return 0;
}

static int remove_catalog(const char *catalog, struct err *e)
{
	char wal[1100];
	snprintf(wal, sizeof wal, "%s.wal", catalog);
	if (unlink(catalog) != 0 && errno != ENOENT)
		return err_set(e, EXIT_FAILED, "cannot remove the catalog %s: %s", catalog, strerror(errno));
	if (unlink(wal) != 0 && errno != ENOENT)
		return err_set(e, EXIT_FAILED, "cannot remove %s: %s", wal, strerror(errno));
	return 0;
}

int cmd_reset(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct reset_opts o = {0};
	int first, parsed = opts_parse(&cmd_reset_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	int yes = o.yes;
	if (first < argc)
		return cmd_usage_error(e, "reset", "unexpected argument '%s'", argv[first]);
	if (!yes)
		return cmd_usage_error(e, "reset",
				       "this deletes every object in s3://%s and the catalog %s; add --yes",
				       cfg->bucket, cfg->catalog);
	if (catalog_kind(cfg->catalog) != CATALOG_DUCKDB_FILE)
		return err_set(e, EXIT_USAGE,
			       "reset removes only a DuckDB-file catalog, not '%s': drop that database "
			       "yourself",
			       cfg->catalog);
	struct wipe w = {.s3 = s3_new(cfg, e)};
	if (!w.s3)
		return -1;
	int exists = 0, rc = s3_bucket_exists(w.s3, &exists, e);
	if (rc == 0 && exists) {
		rc = s3_list(w.s3, "", delete_object, &w, e);
		if (rc == 0 && w.failure.code)
			*e = w.failure, rc = -1;
	}
	s3_free(w.s3);
	if (rc == 0)
		rc = remove_catalog(cfg->catalog, e);
	if (rc == 0)
		printf("reset: %ld objects deleted from s3://%s, catalog %s removed\n", w.deleted,
		       cfg->bucket, cfg->catalog);
	return rc;
}
