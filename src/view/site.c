/* site.c - see site.h. Plans every page (queries, thumbnails to make), makes the thumbnails,
 * then writes the pages into a temporary folder that replaces DIR at the end. */
#define _GNU_SOURCE
#include "view/site.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/fsutil.h"
#include "lake/catalog.h"
#include "lake/lake.h"
#include "lake/transform.h"
#include "store/s3.h"
#include "view/html.h"
#include "view/sheet.h"

#define MARKER ".lakehouse-view"

struct table_page {
	char schema[64], table[64];
	int64_t rows, columns, files, bytes, last_change;
	duckdb_result describe, first, history;
	int have_describe, have_first, have_history;
	long *thumb; /* per cell of first: thumbnail entry or -1 */
};

struct site {
	struct lake *l;
	const struct config *cfg;
	const struct view_request *rq;
	struct view_result *res;
	char final_dir[4096], tmp_dir[4096];
	int64_t version, newest;
	char version_time[64];
	struct thumbs *thumbs;
	struct table_page *tables;
	size_t ntables;
	struct sheet *sheets;
	size_t nsheets;
	duckdb_result snaps;
	int have_snaps;
	char stamp[65]; /* what the site shows: snapshot ids and the request, hashed */
	int up_to_date; /* the previous site has the same stamp: nothing to do */
};

/* ---- small helpers ---------------------------------------------------------------------- */

#define q(s, ...) view_queryf((s)->l, __VA_ARGS__)

/* A cell as text (NULL for SQL NULL); the caller frees it with duckdb_free. */
static char *cell(duckdb_result *r, idx_t col, idx_t row)
{
	return duckdb_value_is_null(r, col, row) ? NULL : duckdb_value_varchar(r, col, row);
}

static int esc_cell(struct buf *b, duckdb_result *r, idx_t col, idx_t row)
{
	char *v = cell(r, col, row);
	int rc = v ? html_escape(b, v) : buf_printf(b, "<i>NULL</i>");
	duckdb_free(v);
	return rc;
}

static void message(struct site *s, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void message(struct site *s, const char *kind, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	buf_printf(&s->res->messages, "%s: %s\n", kind, line);
}

static int write_page(struct site *s, const char *name, struct buf *b, struct err *e)
{
	int rc = html_end(b) < 0 ? err_set(e, EXIT_FAILED, "out of memory") : html_write(s->tmp_dir, name, b, e);
	buf_free(b);
	s->res->pages += rc == 0;
	return rc;
}

static void subtitle(struct site *s, char *out, size_t n)
{
	if (s->version == s->newest)
		snprintf(out, n, "lake at snapshot %lld (%s), the newest", (long long)s->version,
			 s->version_time);
	else
		snprintf(out, n, "lake as it was at snapshot %lld (%s); the newest is %lld",
			 (long long)s->version, s->version_time, (long long)s->newest);
}

/* ---- the output folder ------------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* DIR may be new, empty, or a previous site (it holds the marker); anything else is refused so
 * that replacing it can never delete someone's files. The site is built in DIR's parent. */
static int prepare_out(struct site *s, const char *dir, struct err *e)
{
	snprintf(s->final_dir, sizeof s->final_dir, "%s", dir);
	size_t n = strlen(s->final_dir);
	while (n > 1 && s->final_dir[n - 1] == '/')
		s->final_dir[--n] = '\0';
	struct stat st;
	if (stat(s->final_dir, &st) == 0) {
		char marker[4200];
		snprintf(marker, sizeof marker, "%s/%s", s->final_dir, MARKER);
		if (!S_ISDIR(st.st_mode))
			return err_set(e, EXIT_FAILED, "cannot write --out %s: it is not a folder",
				       s->final_dir);
		if (access(marker, F_OK) != 0 && rmdir(s->final_dir) != 0)
			return err_set(e, EXIT_FAILED,
				       "--out %s is a folder that holds other files, not a site of "
				       "'lakehouse view'; choose a new or empty folder",
				       s->final_dir);
	}
	char copy[4096], base[4096];
	snprintf(copy, sizeof copy, "%s", s->final_dir);
	snprintf(base, sizeof base, "%s", basename(copy));
	snprintf(copy, sizeof copy, "%s", s->final_dir);
	const char *parent = dirname(copy);
	struct err me = {0};
	if (fs_mkdir_p(parent, 0755, &me) < 0)
		return err_set(e, EXIT_FAILED, "cannot write --out %s: %s", s->final_dir, me.msg);
	snprintf(s->tmp_dir, sizeof s->tmp_dir, "%.2000s/.%.1000s.tmp-XXXXXX", parent, base);
	if (!mkdtemp(s->tmp_dir)) {
		int err = errno;
		s->tmp_dir[0] = '\0';
		return err_set(e, EXIT_FAILED, "cannot write --out %s: %s", s->final_dir,
			       strerror(err));
	}
	chmod(s->tmp_dir, 0755);
	return 0;
}

static int site_path(struct site *s)
{
	char *abs = realpath(s->final_dir, NULL);
	snprintf(s->res->index_path, sizeof s->res->index_path, "%.4000s/index.html",
		 abs ? abs : s->final_dir);
	free(abs);
	return 0;
}

/* Swaps the finished folder in: one atomic exchange when DIR exists, else a rename. */
static int publish(struct site *s, struct err *e)
{
	char marker[4200];
	snprintf(marker, sizeof marker, "%s/%s", s->tmp_dir, MARKER);
	FILE *f = fopen(marker, "w");
	if (!f || fprintf(f, "a site written by 'lakehouse view'; the folder is replaced as a whole\n"
			     "stamp %s\n", s->stamp) < 0 ||
	    fclose(f) != 0)
		return err_set(e, EXIT_FAILED, "cannot write %s: %s", marker, strerror(errno));
	char old[4200];
	snprintf(old, sizeof old, "%s.old", s->tmp_dir);
	if (renameat2(AT_FDCWD, s->tmp_dir, AT_FDCWD, s->final_dir, RENAME_EXCHANGE) == 0) {
		rm_tree(s->tmp_dir); /* now the previous site */
	} else if (rename(s->tmp_dir, s->final_dir) != 0) {
		/* no atomic exchange on this file system: the previous site steps aside first */
		if (errno != ENOTEMPTY && errno != EEXIST)
			return err_set(e, EXIT_FAILED, "cannot move the site into %s: %s",
				       s->final_dir, strerror(errno));
		if (rename(s->final_dir, old) != 0 || rename(s->tmp_dir, s->final_dir) != 0) {
			int err = errno;
			rename(old, s->final_dir); /* put the previous site back */
			return err_set(e, EXIT_FAILED, "cannot move the site into %s: %s",
				       s->final_dir, strerror(err));
		}
		rm_tree(old);
	}
	s->tmp_dir[0] = '\0';
	return site_path(s);
}

/* ---- which snapshot --------------------------------------------------------------------- */

static int resolve_version(struct site *s, struct err *e)
{
	if (lake_current_snapshot(s->l, &s->newest, e) < 0)
		return -1;
	if (lake_pin(s->l, &s->rq->at, &s->version, e) < 0)
		return -1;
	if (history_snapshot_time(s->l, s->version, "%Y-%m-%d %H:%M:%S UTC", s->version_time,
				  sizeof s->version_time, NULL, e) < 0)
		return -1;
	if (s->version == s->newest)
		return 0;
	/* The whole site reads the lake as it was: attach the catalog at that snapshot. */
	return lake_attach_at(s->l, s->version, e);
}

/* Every snapshot's changes with table ids resolved to SCHEMA.TABLE, as temp.view_touch. */
static int load_touches(struct site *s, struct err *e)
{
	int rc = catalog_changes_table(s->l, "view_touch", e);
	if (rc == 0)
		rc = q(s, &s->snaps, e,
		       "SELECT snapshot_id, strftime(snapshot_time AT TIME ZONE 'UTC', '%%Y-%%m-%%d "
		       "%%H:%%M:%%S'), author, commit_message, (SELECT string_agg(replace(kind, '_', ' ') "
		       "|| ': ' || names, '; ') FROM (SELECT kind, string_agg(name, ', ' ORDER BY name) "
		       "AS names FROM temp.view_touch t WHERE t.snapshot_id = s.snapshot_id GROUP BY kind "
		       "ORDER BY kind)) FROM lake.snapshots() s ORDER BY snapshot_id DESC");
	s->have_snaps = rc == 0;
	if (rc == 0)
		s->res->snapshots = (int64_t)duckdb_row_count(&s->snaps);
	return rc;
}

/* ---- tables ----------------------------------------------------------------------------- */

static int is_image_uri(const char *col, const char *v)
{
	size_t n = strlen(col), m = v ? strlen(v) : 0;
	if (n < 4 || strcmp(col + n - 4, "_uri") != 0 || m < 5 || strncmp(v, "s3://", 5) != 0)
		return 0;
	const char *dot = strrchr(v, '.');
	return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0 ||
		       strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".webp") == 0 ||
		       strcasecmp(dot, ".gif") == 0 || strcasecmp(dot, ".bmp") == 0);
}

static int load_tables(struct site *s, struct err *e)
{
	duckdb_result r;
	if (catalog_tables(s->l, s->version, NULL, 0, &r, e) < 0)
		return -1;
	idx_t n = duckdb_row_count(&r);
	s->tables = calloc(n ? n : 1, sizeof *s->tables);
	if (!s->tables) {
		duckdb_destroy_result(&r);
		return err_set(e, EXIT_FAILED, "out of memory");
	}
	for (idx_t i = 0; i < n; i++) {
		char *schema = cell(&r, 0, i), *table = cell(&r, 1, i);
		if (schema && table && lake_valid_identifier(schema) && lake_valid_identifier(table)) {
			struct table_page *t = &s->tables[s->ntables++];
			snprintf(t->schema, sizeof t->schema, "%s", schema);
			snprintf(t->table, sizeof t->table, "%s", table);
			t->columns = duckdb_value_int64(&r, 3, i);
			t->files = duckdb_value_int64(&r, 4, i);
			t->bytes = duckdb_value_int64(&r, 5, i);
			t->last_change = duckdb_value_is_null(&r, 6, i) ? -1 : duckdb_value_int64(&r, 6, i);
		}
		duckdb_free(schema);
		duckdb_free(table);
	}
	duckdb_destroy_result(&r);
	s->res->tables = (int64_t)s->ntables;
	return 0;
}

/* The table's schema events up to the site's snapshot (lake/catalog.h); only those of
 * snapshot `only` when it is >= 0. */
static int schema_events(struct site *s, const char *schema, const char *table, int64_t only,
			 duckdb_result *r, struct err *e)
{
	return catalog_schema_events(s->l, schema, table, s->version, only, r, e);
}

static int plan_table(struct site *s, struct table_page *t, struct err *e)
{
	if (q(s, &t->describe, e, "DESCRIBE lake.\"%s\".\"%s\"", t->schema, t->table) < 0)
		return -1;
	t->have_describe = 1;
	duckdb_result r;
	if (q(s, &r, e, "SELECT count(*) FROM lake.\"%s\".\"%s\"", t->schema, t->table) < 0)
		return -1;
	t->rows = duckdb_value_int64(&r, 0, 0);
	duckdb_destroy_result(&r);
	if (schema_events(s, t->schema, t->table, -1, &t->history, e) < 0)
		return -1;
	t->have_history = 1;
	if (t->columns == 0)
		return 0; /* COLUMNS(*) of a table without columns is an error */
	if (q(s, &t->first, e, "SELECT COLUMNS(*)::VARCHAR FROM lake.\"%s\".\"%s\" LIMIT %ld",
	      t->schema, t->table, s->rq->table_rows) < 0)
		return -1;
	t->have_first = 1;
	idx_t rows = duckdb_row_count(&t->first), cols = duckdb_column_count(&t->first);
	t->thumb = malloc((rows * cols > 0 ? rows * cols : 1) * sizeof *t->thumb);
	if (!t->thumb)
		return err_set(e, EXIT_FAILED, "out of memory");
	for (idx_t i = 0; i < rows; i++)
		for (idx_t c = 0; c < cols; c++) {
			char *v = cell(&t->first, c, i);
			t->thumb[i * cols + c] =
				is_image_uri(duckdb_column_name(&t->first, c), v) ? thumbs_add_image(s->thumbs, v) : -1;
			duckdb_free(v);
		}
	return 0;
}

static void free_tables(struct site *s)
{
	for (size_t i = 0; i < s->ntables; i++) {
		struct table_page *t = &s->tables[i];
		if (t->have_describe)
			duckdb_destroy_result(&t->describe);
		if (t->have_first)
			duckdb_destroy_result(&t->first);
		if (t->have_history)
			duckdb_destroy_result(&t->history);
		free(t->thumb);
	}
	free(s->tables);
}

static int render_history(struct buf *b, duckdb_result *h)
{
	idx_t n = duckdb_row_count(h);
	if (!n)
		return buf_printf(b, "<p>no schema changes</p>");
	int rc = buf_printf(b, "<table><tr><th>snapshot</th><th>change</th><th>detail</th></tr>");
	for (idx_t i = 0; i < n; i++) {
		long long snap = (long long)duckdb_value_int64(h, 0, i);
		rc |= buf_printf(b, "<tr><td><a href=\"snapshot-%lld.html\">%lld</a></td><td>", snap, snap);
		rc |= esc_cell(b, h, 1, i);
		rc |= buf_printf(b, "</td><td>");
		rc |= esc_cell(b, h, 2, i);
		rc |= buf_printf(b, "</td></tr>");
	}
	return rc | buf_printf(b, "</table>");
}

static int render_table(struct site *s, struct table_page *t, struct err *e)
{
	struct buf b = {0};
	char title[160], sub[256], name[200];
	snprintf(title, sizeof title, "%s.%s", t->schema, t->table);
	subtitle(s, sub, sizeof sub);
	int rc = html_begin(&b, title, sub);
	rc |= buf_printf(&b, "<p>%lld rows, %lld columns, %lld data files, %lld bytes",
			 (long long)t->rows, (long long)t->columns, (long long)t->files,
			 (long long)t->bytes);
	if (t->last_change >= 0)
		rc |= buf_printf(&b, "; last changed in <a href=\"snapshot-%lld.html\">snapshot %lld</a>",
				 (long long)t->last_change, (long long)t->last_change);
	rc |= buf_printf(&b, "</p><h2>schema</h2><table><tr><th>column</th><th>type</th></tr>");
	for (idx_t i = 0; i < duckdb_row_count(&t->describe); i++) {
		rc |= buf_printf(&b, "<tr><td>");
		rc |= esc_cell(&b, &t->describe, 0, i);
		rc |= buf_printf(&b, "</td><td>");
		rc |= esc_cell(&b, &t->describe, 1, i);
		rc |= buf_printf(&b, "</td></tr>");
	}
	rc |= buf_printf(&b, "</table><h2>schema history</h2>");
	rc |= render_history(&b, &t->history);
	if (t->have_first) {
		idx_t rows = duckdb_row_count(&t->first), cols = duckdb_column_count(&t->first);
		rc |= buf_printf(&b, "<h2>first %llu rows</h2><table class=\"rows\"><tr>",
				 (unsigned long long)rows);
		for (idx_t c = 0; c < cols; c++) {
			rc |= buf_printf(&b, "<th>");
			rc |= html_escape(&b, duckdb_column_name(&t->first, c));
			rc |= buf_printf(&b, "</th>");
		}
		rc |= buf_printf(&b, "</tr>");
		for (idx_t i = 0; i < rows; i++) {
			rc |= buf_printf(&b, "<tr>");
			for (idx_t c = 0; c < cols; c++) {
				rc |= buf_printf(&b, "<td>");
				const struct thumb_entry *en = thumbs_get(s->thumbs, t->thumb[i * cols + c]);
				if (en)
					rc |= sheet_render_picture(&b, en, 0, NULL, 0);
				rc |= esc_cell(&b, &t->first, c, i);
				rc |= buf_printf(&b, "</td>");
			}
			rc |= buf_printf(&b, "</tr>");
		}
		rc |= buf_printf(&b, "</table>");
	}
	if (rc) {
		buf_free(&b);
		return err_set(e, EXIT_FAILED, "out of memory");
	}
	snprintf(name, sizeof name, "table-%s.%s.html", t->schema, t->table);
	return write_page(s, name, &b, e);
}

/* ---- media totals ----------------------------------------------------------------------- */

struct dataset_total {
	char name[128];
	int64_t objects, bytes;
};

struct totals {
	struct dataset_total d[64];
	size_t n;
};

static int count_object(const struct s3_object *o, void *ctx)
{
	struct totals *t = ctx;
	const char *p = o->key + strlen("assets/");
	size_t len = strcspn(p, "/");
	char name[128];
	snprintf(name, sizeof name, "%.*s", (int)len, p);
	size_t i = 0;
	while (i < t->n && strcmp(t->d[i].name, name) != 0)
		i++;
	if (i == t->n) {
		if (t->n == sizeof t->d / sizeof t->d[0])
			return 0;
		snprintf(t->d[t->n++].name, sizeof t->d[0].name, "%s", name);
	}
	t->d[i].objects++;
	t->d[i].bytes += o->size;
	return 0;
}

/* ---- index and timeline ----------------------------------------------------------------- */

static int render_index(struct site *s, struct err *e)
{
	struct buf b = {0};
	char sub[256];
	subtitle(s, sub, sizeof sub);
	int rc = html_begin(&b, "layers", sub);
	rc |= buf_printf(&b, "<div class=\"layers\">");
	static const char *const layers[] = {"raw", "silver", "gold"};
	for (int k = 0; k < 3; k++) {
		rc |= buf_printf(&b, "<div class=\"layer\" id=\"layer-%s\"><h2>%s</h2>", layers[k], layers[k]);
		for (size_t i = 0; i < s->ntables; i++) {
			struct table_page *t = &s->tables[i];
			if (strcmp(t->schema, layers[k]) != 0)
				continue;
			rc |= buf_printf(&b,
					 "<div class=\"card\" data-table=\"%s.%s\"><b><a href=\"table-%s.%s.html\">%s</a></b>"
					 "<div class=\"n\">%lld rows · %lld columns · %lld data files · %lld bytes",
					 t->schema, t->table, t->schema, t->table, t->table, (long long)t->rows,
					 (long long)t->columns, (long long)t->files, (long long)t->bytes);
			if (t->last_change >= 0)
				rc |= buf_printf(&b, " · changed in <a href=\"snapshot-%lld.html\">%lld</a>",
						 (long long)t->last_change, (long long)t->last_change);
			rc |= buf_printf(&b, "</div></div>");
		}
		rc |= buf_printf(&b, "</div>");
	}
	rc |= buf_printf(&b, "</div><h2>contact sheets</h2><ul>");
	for (size_t i = 0; i < s->nsheets; i++) {
		rc |= buf_printf(&b, "<li><a href=\"%s\">", sheet_file(&s->sheets[i]));
		rc |= html_escape(&b, sheet_title(&s->sheets[i]));
		rc |= buf_printf(&b, "</a></li>");
	}
	rc |= buf_printf(&b, "</ul><h2>media in the bucket</h2>");
	struct totals tot = {0};
	struct err le = {0};
	struct s3 *c = s3_new(s->cfg, &le);
	if (!c || s3_list(c, "assets/", count_object, &tot, &le) < 0) {
		rc |= buf_printf(&b, "<p class=\"note\">cannot list the bucket: ");
		rc |= html_escape(&b, le.msg);
		rc |= buf_printf(&b, "</p>");
	} else {
		rc |= buf_printf(&b, "<table><tr><th>dataset</th><th>objects</th><th>bytes</th></tr>");
		for (size_t i = 0; i < tot.n; i++) {
			rc |= buf_printf(&b, "<tr><td>");
			rc |= html_escape(&b, tot.d[i].name);
			rc |= buf_printf(&b, "</td><td>%lld</td><td>%lld</td></tr>",
					 (long long)tot.d[i].objects, (long long)tot.d[i].bytes);
		}
		rc |= buf_printf(&b, "</table>");
	}
	s3_free(c);
	if (rc) {
		buf_free(&b);
		return err_set(e, EXIT_FAILED, "out of memory");
	}
	return write_page(s, "index.html", &b, e);
}

static int render_timeline(struct site *s, struct err *e)
{
	struct buf b = {0};
	char sub[256];
	subtitle(s, sub, sizeof sub);
	int rc = html_begin(&b, "snapshot timeline", sub);
	rc |= buf_printf(&b, "<table id=\"timeline\"><tr><th>snapshot</th><th>time (UTC)</th><th>author</th>"
			     "<th>message</th><th>changed</th></tr>");
	for (idx_t i = 0; i < duckdb_row_count(&s->snaps); i++) {
		long long id = (long long)duckdb_value_int64(&s->snaps, 0, i);
		rc |= buf_printf(&b, "<tr class=\"snapshot%s\" data-snapshot=\"%lld\"><td><a href=\"snapshot-%lld.html\">%lld</a></td><td>",
				 id > s->version ? " later" : "", id, id, id);
		for (idx_t c = 1; c < 5; c++) {
			rc |= esc_cell(&b, &s->snaps, c, i);
			rc |= buf_printf(&b, c < 4 ? "</td><td>" : "</td></tr>");
		}
	}
	rc |= buf_printf(&b, "</table>");
	if (rc) {
		buf_free(&b);
		return err_set(e, EXIT_FAILED, "out of memory");
	}
	return write_page(s, "timeline.html", &b, e);
}

/* One snapshot: per table it touched, the change feed's counts and the schema changes. */
static int render_snapshot(struct site *s, idx_t row, struct err *e)
{
	long long id = (long long)duckdb_value_int64(&s->snaps, 0, row);
	duckdb_result r;
	if (q(s, &r, e,
	      "SELECT name, string_agg(DISTINCT replace(kind, '_', ' '), ', ') FROM temp.view_touch "
	      "WHERE snapshot_id = %lld GROUP BY name ORDER BY name",
	      id) < 0)
		return -1;
	struct buf b = {0};
	char title[64], sub[256];
	snprintf(title, sizeof title, "snapshot %lld", id);
	subtitle(s, sub, sizeof sub);
	int rc = html_begin(&b, title, sub);
	rc |= buf_printf(&b, "<p>");
	rc |= esc_cell(&b, &s->snaps, 1, row);
	rc |= buf_printf(&b, " UTC by ");
	rc |= esc_cell(&b, &s->snaps, 2, row);
	rc |= buf_printf(&b, ": <q>");
	rc |= esc_cell(&b, &s->snaps, 3, row);
	rc |= buf_printf(&b, "</q></p><table><tr><th>what</th><th>change</th><th>rows inserted</th>"
			     "<th>rows deleted</th><th>rows updated</th><th>schema changes</th></tr>");
	for (idx_t i = 0; i < duckdb_row_count(&r); i++) {
		char *name = cell(&r, 0, i);
		char schema[64] = "", table[64] = "";
		const char *dot = name ? strchr(name, '.') : NULL;
		if (dot && dot - name < 64 && strlen(dot + 1) < 64) {
			snprintf(schema, sizeof schema, "%.*s", (int)(dot - name), name);
			snprintf(table, sizeof table, "%s", dot + 1);
		}
		int valid = lake_valid_identifier(schema) && lake_valid_identifier(table);
		rc |= buf_printf(&b, "<tr><td>");
		rc |= html_escape(&b, name);
		rc |= buf_printf(&b, "</td><td>");
		rc |= esc_cell(&b, &r, 1, i);
		rc |= buf_printf(&b, "</td>");
		duckdb_result c;
		struct err ce = {0};
		if (valid && q(s, &c, &ce,
			       "SELECT count(*) FILTER (WHERE change_type = 'insert'), count(*) FILTER "
			       "(WHERE change_type = 'delete'), count(*) FILTER (WHERE change_type = "
			       "'update_postimage') FROM ducklake_table_changes('lake', '%s', '%s', %lld, %lld)",
			       schema, table, id, id) == 0) {
			rc |= buf_printf(&b, "<td>%lld</td><td>%lld</td><td>%lld</td>",
					 (long long)duckdb_value_int64(&c, 0, 0),
					 (long long)duckdb_value_int64(&c, 1, 0),
					 (long long)duckdb_value_int64(&c, 2, 0));
			duckdb_destroy_result(&c);
		} else {
			rc |= buf_printf(&b, "<td colspan=\"3\">-</td>");
		}
		rc |= buf_printf(&b, "<td>");
		if (valid && schema_events(s, schema, table, id, &c, &ce) == 0) {
			for (idx_t k = 0; k < duckdb_row_count(&c); k++) {
				rc |= esc_cell(&b, &c, 1, k);
				rc |= buf_printf(&b, ": ");
				rc |= esc_cell(&b, &c, 2, k);
				rc |= buf_printf(&b, "<br>");
			}
			duckdb_destroy_result(&c);
		}
		rc |= buf_printf(&b, "</td></tr>");
		duckdb_free(name);
	}
	duckdb_destroy_result(&r);
	rc |= buf_printf(&b, "</table>");
	if (rc) {
		buf_free(&b);
		return err_set(e, EXIT_FAILED, "out of memory");
	}
	char file[64];
	snprintf(file, sizeof file, "snapshot-%lld.html", id);
	return write_page(s, file, &b, e);
}

/* ---- sheets ------------------------------------------------------------------------------- */

static int plan_sheets(struct site *s, struct err *e)
{
	static const struct view_sheet defaults[] = {{.query = "crowded-scenes"},
						     {.query = "busy-fragments"}};
	const struct view_sheet *list = s->rq->n_sheets ? s->rq->sheets : defaults;
	size_t n = s->rq->n_sheets ? s->rq->n_sheets : 2;
	s->sheets = calloc(n, sizeof *s->sheets);
	if (!s->sheets)
		return err_set(e, EXIT_FAILED, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!s->rq->n_sheets) { /* a default sheet needs its tables */
			int coco = view_table_exists(s->l, "silver", "coco_objects") &&
				   view_table_exists(s->l, "silver", "coco_images");
			int vd = view_table_exists(s->l, "silver", "visdrone_fragments");
			if ((i == 0 && !coco) || (i == 1 && !vd))
				continue;
		}
		char *text = NULL;
		if (list[i].query && transform_query_text(list[i].query, &text, e) < 0)
			return err_wrap(e, "--query");
		struct sheet_spec spec = {.sql = text ? text : list[i].sql, .query = list[i].query,
					  .index = (int)i + 1, .limit = s->rq->limit};
		int rc = sheet_plan(s->l, &spec, s->thumbs, &s->sheets[s->nsheets], e);
		free(text);
		if (rc < 0)
			return -1;
		s->nsheets++;
	}
	s->res->sheets = (int64_t)s->nsheets;
	return 0;
}

static int render_sheets(struct site *s, struct err *e)
{
	char sub[256];
	subtitle(s, sub, sizeof sub);
	for (size_t i = 0; i < s->nsheets; i++) {
		struct buf b = {0};
		int rc = html_begin(&b, sheet_title(&s->sheets[i]), sub);
		int64_t tiles = 0;
		rc |= sheet_render(&b, &s->sheets[i], s->thumbs, &tiles);
		if (rc) {
			buf_free(&b);
			return err_set(e, EXIT_FAILED, "out of memory");
		}
		s->res->tiles += tiles;
		if (sheet_reason(&s->sheets[i])[0])
			message(s, "note", "%s: %s", sheet_title(&s->sheets[i]), sheet_reason(&s->sheets[i]));
		if (write_page(s, sheet_file(&s->sheets[i]), &b, e) < 0)
			return -1;
	}
	return 0;
}

/* ---- the run ------------------------------------------------------------------------------ */

/* A site is a function of the snapshot shown, the snapshots that exist and the request (the
 * lake never changes under a snapshot id), so an equal stamp means an equal site. */
static int make_stamp(struct site *s, struct err *e)
{
	int64_t count = 0;
	if (lake_query_int64(s->l, "SELECT count(*) FROM lake.snapshots()", NULL, 0, &count, e) < 0)
		return -1;
	struct buf b = {0};
	int rc = buf_printf(&b, "view 1\nversion %lld newest %lld snapshots %lld limit %ld rows %ld\n",
			    (long long)s->version, (long long)s->newest, (long long)count,
			    s->rq->limit, s->rq->table_rows);
	for (size_t i = 0; rc == 0 && i < s->rq->n_sheets; i++) {
		char *text = NULL;
		const struct view_sheet *sh = &s->rq->sheets[i];
		if (sh->query && transform_query_text(sh->query, &text, e) < 0) {
			buf_free(&b);
			return err_wrap(e, "--query");
		}
		rc = buf_printf(&b, "sheet %s\n%s\n", sh->query ? sh->query : "--sql", text ? text : sh->sql);
		free(text);
	}
	if (rc == 0)
		sha256_hex(b.data, b.len, s->stamp);
	buf_free(&b);
	if (rc < 0)
		return err_set(e, EXIT_FAILED, "out of memory");
	char marker[4200], line[256];
	snprintf(marker, sizeof marker, "%s/%s", s->final_dir, MARKER);
	FILE *f = fopen(marker, "r");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "stamp ", 6) == 0 && strncmp(line + 6, s->stamp, 64) == 0)
			s->up_to_date = 1;
	if (f)
		fclose(f);
	return 0;
}

static int build(struct site *s, struct err *e)
{
	if (resolve_version(s, e) < 0 || make_stamp(s, e) < 0)
		return -1;
	if (s->up_to_date)
		return 0;
	if (load_touches(s, e) < 0 || load_tables(s, e) < 0)
		return -1;
	char old[4200], fresh[4200];
	snprintf(old, sizeof old, "%s/thumbs", s->final_dir);
	snprintf(fresh, sizeof fresh, "%s/thumbs", s->tmp_dir);
	s->thumbs = thumbs_new(s->cfg, old, fresh);
	if (!s->thumbs)
		return err_set(e, EXIT_FAILED, "out of memory");
	if (plan_sheets(s, e) < 0)
		return -1;
	for (size_t i = 0; i < s->ntables; i++)
		if (plan_table(s, &s->tables[i], e) < 0)
			return err_wrap(e, "table %s.%s", s->tables[i].schema, s->tables[i].table);
	if (thumbs_make(s->thumbs, s->rq->threads, s->rq->progress, &s->res->media, e) < 0)
		return -1;
	for (long i = 0; thumbs_get(s->thumbs, i); i++) {
		const struct thumb_entry *en = thumbs_get(s->thumbs, i);
		if (en->state == THUMB_GONE) {
			s->res->warnings++;
			message(s, "warning", "%s: %s (a placeholder tile names it)", en->uri, en->why);
		}
	}
	if (render_index(s, e) < 0 || render_timeline(s, e) < 0)
		return -1;
	for (idx_t i = 0; i < duckdb_row_count(&s->snaps); i++)
		if (render_snapshot(s, i, e) < 0)
			return -1;
	for (size_t i = 0; i < s->ntables; i++)
		if (render_table(s, &s->tables[i], e) < 0)
			return -1;
	return render_sheets(s, e);
}

int view_build(const struct config *cfg, const struct view_request *rq, struct view_result *res,
	       struct err *e)
{
	memset(res, 0, sizeof *res);
	struct site s = {.cfg = cfg, .rq = rq, .res = res};
	if (prepare_out(&s, rq->out_dir, e) < 0)
		return -1;
	int rc = lake_open(&s.l, cfg, LAKE_READ, e);
	if (rc == 0)
		rc = build(&s, e);
	res->version = s.version;
	for (size_t i = 0; i < s.nsheets; i++)
		sheet_free(&s.sheets[i]);
	free(s.sheets);
	free_tables(&s);
	if (s.have_snaps)
		duckdb_destroy_result(&s.snaps);
	thumbs_free(s.thumbs);
	if (s.l)
		lake_close(s.l);
	res->up_to_date = s.up_to_date;
	if (rc == 0 && s.up_to_date)
		rc = site_path(&s);
	else if (rc == 0)
		rc = publish(&s, e);
	rm_tree(s.tmp_dir); /* after a failure: nothing half-written stays */
	return rc;
}
