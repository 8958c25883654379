/* publish.c - see publish.h. */
#define _GNU_SOURCE
#include "hub/publish.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/progress.h"
#include "core/buf.h"
#include "hub/card.h"
#include "media/fetch.h"
#include "core/fsutil.h"
#include "hub/hub.h"
#include "lake/history.h"
#include "lake/transform.h"

#define DEFAULT_SHARD_ROWS 100000
#define DEFAULT_SHARD_ROWS_MEDIA 2000 /* ~300 MB of COCO-sized images per shard */
#define MEDIA_ROW_GROUP 100           /* the Hub's advice for image rows */

struct pub {
	const struct config *cfg;
	const struct publish_request *rq;
	struct publish_result *res;
	struct lake *l;
	char schema[64], table[64];
	char dir[4096], media_dir[4200];
	struct card card;
	struct hub_push_file *files; /* data shards, then README.md */
	size_t nfiles;
};

/* Empties dir (files only) so no shard of an earlier publish is picked up again. */
static int empty_dir(const char *dir, struct err *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : err_set(e, EXIT_FAILED, "cannot open %s: %s", dir, strerror(errno));
	struct dirent *de;
	char path[4400 + 256];
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return 0;
}

/* name as a quoted SQL identifier in out (a column name comes from the table: any text). */
static const char *ident(const char *name, char out[300])
{
	return lake_quote_ident(name, out, 300) == 0 ? out : "\"\"";
}

static int pick_snapshot(struct pub *p, struct err *e)
{
	int64_t snap = -1;
	if (lake_pin(p->l, &(struct lake_ref){.version = p->rq->version}, &snap, e) < 0)
		return -1;
	if (lake_check_version(p->l, p->schema, p->table, snap, e) < 0)
		return -1;
	p->res->snapshot = p->card.snapshot = snap;
	if (history_snapshot_time(p->l, snap, "%Y-%m-%d %H:%M:%S UTC", p->card.snapshot_time,
				  sizeof p->card.snapshot_time, NULL, e) < 0)
		return -1;
	return 0;
}

/* The rows in one fixed order (ORDER BY ALL), numbered by the temp table's rowid: the same
 * snapshot always gives the same shards, byte for byte. */
static int stage_rows(struct pub *p, struct err *e)
{
	char sql[512];
	snprintf(sql, sizeof sql,
		 "CREATE OR REPLACE TEMP TABLE publish_rows AS SELECT * FROM lake.\"%s\".\"%s\" "
		 "AT (VERSION => %lld) ORDER BY ALL",
		 p->schema, p->table, (long long)p->res->snapshot);
	if (lake_exec(p->l, sql, e) < 0 ||
	    lake_query_int64(p->l, "SELECT count(*) FROM publish_rows", NULL, 0, &p->res->rows, e) < 0)
		return -1;
	if (p->res->rows == 0)
		return err_set(e, EXIT_FAILED,
			       "%s.%s has no rows at snapshot %lld: nothing to publish (the Hub cannot "
			       "load an empty dataset); fill it first, e.g. 'lakehouse transform gold'",
			       p->schema, p->table, (long long)p->res->snapshot);
	return 0;
}

/* Is column c a URI column whose objects are all images? */
static int is_image_uri_column(struct pub *p, const struct card_column *c, int *yes, struct err *e)
{
	*yes = 0;
	size_t n = strlen(c->name);
	if (!c->is_varchar || n < 5 || strcmp(c->name + n - 4, "_uri") != 0)
		return 0;
	char sql[1024], q[300];
	int64_t bad = 0, present = 0;
	snprintf(sql, sizeof sql, "SELECT count(%s) FROM publish_rows", ident(c->name, q));
	if (lake_query_int64(p->l, sql, NULL, 0, &present, e) < 0)
		return -1;
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM publish_rows WHERE %s IS NOT NULL AND NOT "
		 "regexp_matches(lower(%s), '^s3://.+\\.(jpe?g|png|webp|gif|bmp|tiff?)$')",
		 q, q);
	if (lake_query_int64(p->l, sql, NULL, 0, &bad, e) < 0)
		return -1;
	*yes = present > 0 && bad == 0;
	return 0;
}

/* Fetches every image of the image columns into media_dir through the loader. */
static int fetch_media(struct pub *p, struct err *e)
{
	for (int i = 0; i < p->card.ncolumns; i++) {
		struct card_column *c = &p->card.columns[i];
		int yes;
		if (is_image_uri_column(p, c, &yes, e) < 0)
			return -1;
		if (!yes)
			continue;
		char sql[512], q[300];
		snprintf(sql, sizeof sql, "SELECT %s AS image_uri FROM publish_rows", ident(c->name, q));
		struct fetch_request rq = {.sql = sql, .out_dir = p->media_dir, .threads = 8,
					   .progress = p->rq->progress};
		progress_phase(p->rq->progress, "media", "images");
		struct fetch_result fr;
		if (fs_mkdir_p(p->media_dir, 0755, e) < 0 || fetch_run_on(p->l, p->cfg, &rq, &fr, e) < 0)
			return err_wrap(e, "fetching the images of %s", c->name);
		card_set_image(&p->card, i);
		p->res->media += (int)fr.items;
	}
	if (!p->res->media)
		return err_set(e, EXIT_USAGE,
			       "--with-media: %s.%s has no column of image URIs (a VARCHAR column named "
			       "*_uri whose values are s3://... image objects); publish without it",
			       p->schema, p->table);
	return 0;
}

/* The SELECT list of a shard: image columns become {bytes, path} from the media folder. */
static int projection(struct pub *p, struct buf *sel, struct buf *joins)
{
	for (int i = 0; i < p->card.ncolumns; i++) {
		const struct card_column *c = &p->card.columns[i];
		char q[300], qp[300];
		ident(c->name, q);
		buf_printf(sel, "%s", i ? ", " : "");
		if (c->image) {
			buf_printf(sel,
				   "CASE WHEN r.%s IS NULL THEN NULL ELSE {'bytes': m%d.content, "
				   "'path': parse_filename(r.%s)} END AS %s",
				   q, i, q, ident(c->published_name, qp));
			buf_printf(joins,
				   " LEFT JOIN (SELECT parse_filename(filename) AS name, content FROM "
				   "read_blob('%s/*')) m%d ON m%d.name = parse_filename(r.%s)",
				   p->media_dir, i, i, q);
		} else if (c->as_text) {
			buf_printf(sel, "CAST(r.%s AS VARCHAR) AS %s", q, q);
		} else {
			buf_printf(sel, "r.%s", q);
		}
	}
	return 0;
}

static int add_file(struct pub *p, const char *path_in_repo, const char *local, struct err *e)
{
	struct hub_push_file *v = realloc(p->files, (p->nfiles + 1) * sizeof *v);
	if (!v)
		return err_set(e, EXIT_FAILED, "out of memory");
	p->files = v;
	struct hub_push_file *f = &v[p->nfiles];
	memset(f, 0, sizeof *f);
	snprintf(f->path, sizeof f->path, "%s", path_in_repo);
	snprintf(f->local, sizeof f->local, "%s", local);
	if (hub_hash_file(local, &f->size, f->sha256, f->git_oid, e) < 0)
		return -1;
	p->nfiles++;
	return 0;
}

static int write_shards(struct pub *p, struct err *e)
{
	char data[4200];
	snprintf(data, sizeof data, "%s/data", p->dir);
	if (fs_mkdir_p(data, 0755, e) < 0 || empty_dir(data, e) < 0)
		return -1;
	struct buf sel = {0}, joins = {0}, sql = {0};
	projection(p, &sel, &joins);
	int64_t per = p->rq->shard_rows > 0 ? p->rq->shard_rows
		      : p->rq->with_media  ? DEFAULT_SHARD_ROWS_MEDIA
					   : DEFAULT_SHARD_ROWS;
	int rc = 0;
	progress_phase(p->rq->progress, "export", "shards");
	for (int s = 0; s < p->card.nsplits; s++)
		progress_add_total(p->rq->progress, (p->card.splits[s].rows + per - 1) / per, 0);
	for (int s = 0; rc == 0 && s < p->card.nsplits; s++) {
		struct card_split *sp = &p->card.splits[s];
		int64_t shards = (sp->rows + per - 1) / per;
		for (int64_t i = 0; rc == 0 && i < shards; i++) {
			char rel[512], local[4800], where[256];
			snprintf(rel, sizeof rel, "data/%s-%05lld-of-%05lld.parquet", sp->name, (long long)i,
				 (long long)shards);
			snprintf(local, sizeof local, "%s/%s", p->dir, rel);
			if (p->card.split_column)
				snprintf(where, sizeof where, "WHERE r.split = '%s'", sp->name);
			else
				where[0] = '\0';
			buf_reset(&sql);
			buf_printf(&sql,
				   "COPY (SELECT %s FROM (SELECT rowid AS publish_order, * FROM publish_rows "
				   "r %s ORDER BY rowid LIMIT %lld OFFSET %lld) r%s ORDER BY r.publish_order) "
				   "TO '%s' (FORMAT parquet, COMPRESSION zstd",
				   sel.data, where, (long long)per, (long long)(i * per), joins.data ? joins.data : "",
				   local);
			if (p->rq->with_media)
				buf_printf(&sql, ", ROW_GROUP_SIZE %d", MEDIA_ROW_GROUP);
			buf_printf(&sql, ")");
			rc = lake_exec(p->l, sql.data, e);
			if (rc == 0)
				rc = add_file(p, rel, local, e);
			if (rc == 0) {
				sp->bytes += p->files[p->nfiles - 1].size;
				p->res->bytes += p->files[p->nfiles - 1].size;
				p->res->files++;
				progress_add(p->rq->progress, 1, p->files[p->nfiles - 1].size);
			}
		}
	}
	buf_free(&sel);
	buf_free(&joins);
	buf_free(&sql);
	return rc;
}

/* Split names come from the data: the Hub accepts \w+ only. */
static int read_splits(struct pub *p, struct err *e)
{
	duckdb_result r;
	const char *sql = p->card.split_column
				  ? "SELECT coalesce(split, ''), count(*) FROM publish_rows GROUP BY 1 ORDER BY 1"
				  : "SELECT 'train', count(*) FROM publish_rows";
	if (lake_query(p->l, sql, NULL, 0, &r, e) < 0)
		return -1;
	int rc = 0;
	for (idx_t i = 0; rc == 0 && i < duckdb_row_count(&r); i++) {
		char *name = duckdb_value_varchar(&r, 0, i);
		if (p->card.nsplits >= CARD_MAX_SPLITS)
			rc = err_set(e, EXIT_FAILED, "more than %d splits in %s.%s", CARD_MAX_SPLITS,
				     p->schema, p->table);
		else if (!name || !name[0] || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						     "0123456789_") != strlen(name) || strlen(name) > 63)
			rc = err_set(e, EXIT_FAILED,
				     "%s.%s has a split value '%s' the Hub does not accept (letters, digits "
				     "and _ only, not empty); fix the gold SQL",
				     p->schema, p->table, name ? name : "NULL");
		else {
			struct card_split *sp = &p->card.splits[p->card.nsplits++];
			snprintf(sp->name, sizeof sp->name, "%s", name);
			sp->rows = duckdb_value_int64(&r, 1, i);
		}
		duckdb_free(name);
	}
	duckdb_destroy_result(&r);
	return rc;
}

static int read_provenance(struct pub *p, struct err *e)
{
	duckdb_result r;
	if (history_provenance(p->l, p->res->snapshot, &r, e) < 0)
		return -1;
	struct buf b = {0};
	for (idx_t i = 0; i < duckdb_row_count(&r); i++) {
		char *line = duckdb_value_varchar(&r, 1, i);
		buf_printf(&b, "- %s\n", line ? line : "");
		duckdb_free(line);
	}
	duckdb_destroy_result(&r);
	p->card.provenance = b.data; /* card_free() releases it */
	return 0;
}

static int read_lake_types(struct pub *p, struct err *e)
{
	duckdb_result r;
	if (lake_query(p->l, "SELECT column_type FROM (DESCRIBE publish_rows)", NULL, 0, &r, e) < 0)
		return -1;
	for (idx_t i = 0; i < duckdb_row_count(&r) && (int)i < p->card.ncolumns; i++) {
		char *t = duckdb_value_varchar(&r, 0, i);
		snprintf(p->card.columns[i].lake_type, sizeof p->card.columns[i].lake_type, "%s", t ? t : "");
		duckdb_free(t);
	}
	duckdb_destroy_result(&r);
	return 0;
}

static int export(struct pub *p, struct err *e)
{
	duckdb_result r;
	if (stage_rows(p, e) < 0 ||
	    lake_query(p->l, "SELECT * FROM publish_rows LIMIT 0", NULL, 0, &r, e) < 0)
		return -1;
	int rc = card_columns_from(&p->card, &r, e);
	duckdb_destroy_result(&r);
	for (int i = 0; rc == 0 && i < p->card.ncolumns; i++) /* names go into SQL and YAML */
		if (strpbrk(p->card.columns[i].name, "\"\\\n\r\t"))
			rc = err_set(e, EXIT_FAILED,
				     "column '%s' of %s.%s has a quote, backslash or control character "
				     "in its name, which a dataset card cannot carry; rename it in the SQL",
				     p->card.columns[i].name, p->schema, p->table);
	if (rc < 0 || read_lake_types(p, e) < 0 || read_splits(p, e) < 0 || read_provenance(p, e) < 0)
		return -1;
	if (p->rq->with_media && fetch_media(p, e) < 0)
		return -1;
	if (transform_sql_creating(p->schema, p->table, &p->card.sql, e) < 0 || write_shards(p, e) < 0)
		return -1;
	char readme[4200];
	snprintf(readme, sizeof readme, "%s/README.md", p->dir);
	if (card_write(&p->card, readme, e) < 0)
		return -1;
	return add_file(p, "README.md", readme, e);
}

/* 1 when main already holds exactly our files (same paths, same content) and no other
 * data file; fills the paths to delete otherwise. */
static int compare_remote(struct pub *p, const struct hub_files *remote, char ***deleted,
			  size_t *ndeleted, struct err *e)
{
	int same = 1;
	*deleted = NULL, *ndeleted = 0;
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct hub_push_file *f = &p->files[i];
		int found = 0;
		for (size_t k = 0; k < remote->n && !found; k++) {
			const struct hub_file *r = &remote->v[k];
			found = strcmp(r->path, f->path) == 0 &&
				(r->sha256[0] ? strcmp(r->sha256, f->sha256) : strcmp(r->git_oid, f->git_oid)) == 0;
		}
		same &= found;
	}
	for (size_t k = 0; k < remote->n; k++) {
		const char *path = remote->v[k].path;
		int ours = 0;
		for (size_t i = 0; i < p->nfiles && !ours; i++)
			ours = strcmp(p->files[i].path, path) == 0;
		if (ours || strncmp(path, "data/", 5) != 0)
			continue;
		same = 0;
		char **v = realloc(*deleted, (*ndeleted + 1) * sizeof *v);
		if (!v || !(v[*ndeleted] = strdup(path))) {
			free(v ? v : *deleted);
			return err_set(e, EXIT_FAILED, "out of memory");
		}
		*deleted = v;
		(*ndeleted)++;
	}
	return same;
}

static int push(struct pub *p, struct err *e)
{
	const char *repo = p->rq->repo;
	char head[41] = "";
	struct hub_files remote = {0};
	if (hub_create_repo(p->cfg, repo, p->rq->private_repo, e) < 0 ||
	    hub_resolve_revision(p->cfg, repo, "main", head, e) < 0 ||
	    hub_list_files(p->cfg, repo, head, &remote, e) < 0) {
		hub_files_free(&remote);
		return -1;
	}
	char **deleted = NULL;
	size_t ndeleted = 0;
	int same = compare_remote(p, &remote, &deleted, &ndeleted, e);
	hub_files_free(&remote);
	if (same < 0)
		return -1;
	if (same) {
		p->res->unchanged = 1;
		memcpy(p->res->commit, head, sizeof head);
		return 0;
	}
	char summary[512], description[1024];
	if (p->rq->message)
		snprintf(summary, sizeof summary, "%s", p->rq->message);
	else
		snprintf(summary, sizeof summary, "publish %s.%s at lake snapshot %lld", p->schema,
			 p->table, (long long)p->res->snapshot);
	snprintf(description, sizeof description,
		 "%lld rows in %d Parquet file(s), %lld bytes%s; lake snapshot %lld of %s.",
		 (long long)p->res->rows, p->res->files, (long long)p->res->bytes,
		 p->rq->with_media ? ", images embedded" : "", (long long)p->res->snapshot,
		 p->card.snapshot_time);
	struct hub_commit c = {.summary = summary, .description = description, .parent = head,
			       .files = p->files, .nfiles = p->nfiles,
			       .deleted = (const char *const *)deleted, .ndeleted = ndeleted,
			       .progress = p->rq->progress};
	int rc = hub_push(p->cfg, repo, &c, e);
	if (rc == 0)
		memcpy(p->res->commit, c.oid, sizeof c.oid);
	for (size_t i = 0; i < ndeleted; i++)
		free(deleted[i]);
	free(deleted);
	return rc;
}

static int check_request(const struct config *cfg, const struct publish_request *rq, struct pub *p,
			 struct err *e)
{
	if (!cfg->hf_token[0])
		return err_set(e, EXIT_USAGE,
			       "publishing needs a Hub token with write access: set HF_TOKEN in the "
			       "environment or .env (tokens: %s/settings/tokens)",
			       cfg->hf_endpoint);
	if (!rq->repo || !hub_valid_repo_id(rq->repo))
		return err_set(e, EXIT_USAGE,
			       "invalid --repo '%s': want OWNER/NAME (letters, digits, '.', '_', '-'; no "
			       "'--' or '..')",
			       rq->repo ? rq->repo : "");
	return lake_parse_table(rq->table, p->schema, p->table, e);
}

int publish_run(const struct config *cfg, const struct publish_request *rq,
		struct publish_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	struct pub p = {.cfg = cfg, .rq = rq, .res = res};
	if (check_request(cfg, rq, &p, e) < 0)
		return -1;
	snprintf(p.dir, sizeof p.dir, "%s/publish/%s", cfg->local_store, rq->repo);
	if (strchr(p.dir, '\''))
		return err_set(e, EXIT_USAGE, "LAKEHOUSE_LOCAL_STORE must not contain a quote: %s",
			       cfg->local_store);
	snprintf(p.media_dir, sizeof p.media_dir, "%s/media", p.dir);
	snprintf(res->staging, sizeof res->staging, "%s", p.dir);
	snprintf(res->url, sizeof res->url, "%s/datasets/%s", cfg->hf_endpoint, rq->repo);
	card_init(&p.card, rq->repo, p.schema, p.table, rq->license, rq->with_media, cfg->bucket);
	int rc = lake_open(&p.l, cfg, LAKE_READ, e);
	if (rc == 0) {
		rc = pick_snapshot(&p, e);
		if (rc == 0)
			rc = export(&p, e);
		lake_close(p.l);
	}
	if (rc == 0)
		rc = push(&p, e);
	card_free(&p.card);
	free(p.files);
	return rc;
}
