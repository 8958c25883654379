/* reset.c - `lakehouse reset --yes`: back to an empty lake, for rebuild.sh. Deletes every
 * object in the bucket and the DuckDB-file catalog (with its WAL). Nothing else is touched:
 * local-store/ (staged downloads) stays, so a rebuild does not download again. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/s3.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: lakehouse reset --yes\n\n"
	"Deletes EVERY object in the bucket and the catalog file (a DuckDB-file catalog only),\n"
	"so 'lakehouse init' starts an empty lake. Staged downloads in local-store/ are kept.\n";

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
		return err_set(e, 0, "cannot remove the catalog %s: %s", catalog, strerror(errno));
	if (unlink(wal) != 0 && errno != ENOENT)
		return err_set(e, 0, "cannot remove %s: %s", wal, strerror(errno));
	return 0;
}

int cmd_reset(int argc, char **argv, const struct config *cfg, struct err *e)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
						 {"yes", no_argument, NULL, 'y'}, {0}};
	int opt, yes = 0;
	while ((opt = getopt_long(argc, argv, "hy", longopts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), 0;
		if (opt != 'y')
			return cmd_usage_error(e, "reset", "unknown option");
		yes = 1;
	}
	if (optind < argc)
		return cmd_usage_error(e, "reset", "unexpected argument '%s'", argv[optind]);
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
