/* source.c - see source.h. */
#define _XOPEN_SOURCE 700
#include "ingest/source.h"
#include "ingest/visdrone.h"

#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/progress.h"
#include "hub/hub.h"
#include "ingest/coco.h"
#include "ingest/imagefolder.h"
#include "ingest/visdrone_det.h"

void source_free(struct source *s)
{
	free(s->files);
	s->files = NULL;
	s->nfiles = 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int source_path_matches(const char *path, const char *config, const char *split)
{
	if (!ends_with(path, ".parquet"))
		return 0;
	char copy[1024], *segs[32];
	int n = 0;
	snprintf(copy, sizeof copy, "%s", path);
	for (char *save, *t = strtok_r(copy, "/", &save); t && n < 32; t = strtok_r(NULL, "/", &save))
		segs[n++] = t;
	if (config && *config && (n < 2 || (strcmp(segs[0], config) != 0 &&
					    !(strcmp(segs[0], "data") == 0 && strcmp(config, "default") == 0))))
		return 0;
	const char *base = segs[n - 1];
	size_t sl = strlen(split);
	if (strncmp(base, split, sl) == 0 && (base[sl] == '-' || base[sl] == '.' || base[sl] == '_'))
		return 1;
	for (int i = 0; i < n - 1; i++) /* <config>/<split>/0000.parquet */
		if (strcmp(segs[i], split) == 0)
			return 1;
	return 0;
}

static int add(struct source *s, size_t *cap, const char *local, const char *rel, struct err *e)
{
	if (s->nfiles == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct ingest_file *v = realloc(s->files, c * sizeof *v);
		if (!v)
			return err_set(e, EXIT_FAILED, "out of memory");
		s->files = v, *cap = c;
	}
	struct ingest_file *f = &s->files[s->nfiles++];
	snprintf(f->local, sizeof f->local, "%s", local);
	snprintf(f->rel, sizeof f->rel, "%s", rel);
	return 0;
}

/* ---- the Hub -------------------------------------------------------------------------- */

int source_parse_hf(const char *from, char *repo, size_t rn, char *rev, size_t vn, struct err *e)
{
	static const char prefix[] = "hf://datasets/";
	const char *p = from + (strncmp(from, prefix, strlen(prefix)) == 0 ? strlen(prefix) : 0);
	const char *at = strchr(p, '@');
	size_t len = at ? (size_t)(at - p) : strlen(p);
	const char *slash = memchr(p, '/', len);
	if (p == from || !slash || slash == p || slash == p + len - 1 ||
	    memchr(slash + 1, '/', len - (size_t)(slash + 1 - p)) || len >= rn || strstr(p, ".."))
		return err_set(e, EXIT_USAGE, "--from %s: expected hf://datasets/OWNER/REPO[@REVISION]", from);
	memcpy(repo, p, len);
	repo[len] = '\0';
	if (snprintf(rev, vn, "%s", at ? at + 1 : "main") >= (int)vn)
		return err_set(e, EXIT_USAGE, "--from %s: revision too long", from);
	if (!*rev)
		return err_set(e, EXIT_USAGE, "--from %s: empty revision after '@'", from);
	return 0;
}

static int push(struct hub_files *out, const struct hub_file *f, struct err *e)
{
	if (out->n == out->cap) {
		size_t c = out->cap ? out->cap * 2 : 64;
		struct hub_file *v = realloc(out->v, c * sizeof *v);
		if (!v)
			return err_set(e, EXIT_FAILED, "out of memory");
		out->v = v, out->cap = c;
	}
	out->v[out->n++] = *f;
	return 0;
}

static int select_split(const struct hub_files *all, const char *config, const char *split,
			struct hub_files *out, struct err *e)
{
	for (size_t i = 0; i < all->n; i++) {
		if (source_path_matches(all->v[i].path, config, split) && push(out, &all->v[i], e) < 0)
			return -1;
	}
	return 0;
}

/* The VisDrone layout: "<root>sequences/<seq>/<frame>" files; *root_len gets len(<root>). */
static int video_layout(const struct hub_files *all, size_t *root_len)
{
	for (size_t i = 0; i < all->n; i++) {
		const char *p = all->v[i].path, *q = strstr(p, "sequences/");
		if (q && (q == p || q[-1] == '/')) {
			*root_len = (size_t)(q - p);
			return 1;
		}
	}
	return 0;
}

static int select_video(const struct hub_files *all, size_t root_len, struct hub_files *out,
			struct err *e)
{
	for (size_t i = 0; i < all->n; i++) {
		const char *p = all->v[i].path;
		if (strlen(p) <= root_len || (strncmp(p + root_len, "sequences/", 10) != 0 &&
					      strncmp(p + root_len, "annotations/", 12) != 0))
			continue;
		if (push(out, &all->v[i], e) < 0)
			return -1;
	}
	return 0;
}

/* A repo of video files (any depth) and their optional <clip>.txt annotations. */
static int select_clips(const struct hub_files *all, struct hub_files *out, struct err *e)
{
	for (size_t i = 0; i < all->n; i++) {
		const char *p = all->v[i].path, *dot = strrchr(p, '.');
		if (dot && (visdrone_is_video_name(dot + 1) || strcmp(dot, ".txt") == 0) &&
		    push(out, &all->v[i], e) < 0)
			return -1;
	}
	for (size_t i = 0; i < out->n; i++)
		if (strcmp(strrchr(out->v[i].path, '.'), ".txt") != 0)
			return 0;
	hub_files_free(out);
	memset(out, 0, sizeof *out);
	return 0;
}

static int resolve_hf(const struct config *cfg, const char *from, const char *config,
		      const char *split, int threads, struct progress *progress, struct source *s,
		      struct err *e)
{
	char repo[512], rev[256], commit[41];
	if (source_parse_hf(from, repo, sizeof repo, rev, sizeof rev, e) < 0)
		return -1;
	if (hub_resolve_revision(cfg, repo, rev, commit, e) < 0)
		return -1;
	struct hub_files all = {0}, picked = {0};
	int rc = hub_list_files(cfg, repo, commit, &all, e);
	size_t root_len = 0;
	int video = rc == 0 && video_layout(&all, &root_len);
	if (video)
		rc = select_video(&all, root_len, &picked, e);
	else if (rc == 0)
		rc = select_split(&all, config, split, &picked, e);
	int clips = 0;
	if (rc == 0 && !video && picked.n == 0 && (rc = select_clips(&all, &picked, e)) == 0)
		clips = video = picked.n > 0; /* no Parquet of the split, but video files */
	if (rc == 0 && !video && picked.n == 0) {
		/* No Parquet of that split in the repo itself: the Hub's auto-converted copy. */
		hub_files_free(&all);
		rc = hub_resolve_revision(cfg, repo, "refs/convert/parquet", commit, e);
		if (rc < 0)
			err_wrap(e, "%s has no Parquet for split '%s' and no auto-converted Parquet", repo, split);
		rc = rc ? rc : hub_list_files(cfg, repo, commit, &all, e);
		rc = rc ? rc : select_split(&all, config, split, &picked, e);
	}
	if (rc == 0 && picked.n == 0)
		rc = err_set(e, EXIT_USAGE, "no Parquet files for %ssplit '%s' in %s@%s; check --split/--config",
			     config ? "the config and " : "", split, repo, rev);
	char root[2048];
	snprintf(root, sizeof root, "%s/%s/%s", cfg->local_store, repo, commit);
	if (rc == 0)
		progress_phase(progress, "download", "files");
	rc = rc ? rc : hub_download_files(cfg, repo, commit, picked.v, picked.n, root, threads,
					  progress, e);
	if (rc == 0 && video && clips)
		snprintf(s->video_root, sizeof s->video_root, "%s", root);
	else if (rc == 0 && video)
		snprintf(s->video_root, sizeof s->video_root, "%s/%.*s", root, (int)root_len,
			 picked.v[0].path);
	size_t cap = 0;
	for (size_t i = 0; rc == 0 && !video && i < picked.n; i++) {
		char local[4096];
		snprintf(local, sizeof local, "%s/%s", root, picked.v[i].path);
		rc = add(s, &cap, local, picked.v[i].path, e);
	}
	snprintf(s->repo, sizeof s->repo, "%s", repo);
	snprintf(s->revision, sizeof s->revision, "%s", commit);
	hub_files_free(&all);
	hub_files_free(&picked);
	return rc;
}

/* ---- a local folder ------------------------------------------------------------------- */

/* The state of one folder walk, passed along (nftw takes no context). */
struct walk {
	struct source *s;
	size_t cap, rootlen;
	const char *config, *split;
	struct err *e;
};

/* Adds the split's Parquet files under dir, recursively. Symbolic links are not followed and,
 * below the root, folders that cannot be read are skipped (as nftw with FTW_PHYS did). */
static int walk_folder(struct walk *w, const char *dir, int is_root)
{
	DIR *d = opendir(dir);
	if (!d)
		return is_root ? err_set(w->e, EXIT_FAILED, "cannot read %s: %s", dir, strerror(errno)) : 0;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char path[PATH_MAX];
		struct stat st;
		if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
			rc = err_set(w->e, EXIT_FAILED, "path too long under %s", dir);
		else if (lstat(path, &st) != 0)
			continue;
		else if (S_ISDIR(st.st_mode))
			rc = walk_folder(w, path, 0);
		else if (S_ISREG(st.st_mode) &&
			 source_path_matches(path + w->rootlen + 1, w->config, w->split))
			rc = add(w->s, &w->cap, path, path + w->rootlen + 1, w->e);
	}
	closedir(d);
	return rc;
}

static int cmp_files(const void *a, const void *b)
{
	return strcmp(((const struct ingest_file *)a)->rel, ((const struct ingest_file *)b)->rel);
}

static int resolve_folder(const char *from, const char *config, const char *split,
			  const char *format, struct source *s, struct err *e)
{
	char root[PATH_MAX], seqdir[PATH_MAX + 16];
	if (!realpath(from, root))
		return err_set(e, EXIT_FAILED, "--from %s: %s", from, strerror(errno));
	int coco = format && strcmp(format, "coco") == 0;
	int images = format && strcmp(format, "imagefolder") == 0;
	int det = format && strcmp(format, "visdrone-det") == 0;
	if (det && !visdrone_det_present(root))
		return err_set(e, EXIT_USAGE, "--format visdrone-det: no images/STEM.jpg with an "
			       "annotations/STEM.txt under %s", root);
	if (images && !imagefolder_present(root))
		return err_set(e, EXIT_USAGE, "--format imagefolder: no image files (jpg, jpeg, png, "
			       "webp, bmp, gif, tif, tiff) under %s", root);
	if (images) {
		snprintf(s->image_root, sizeof s->image_root, "%s", root);
		snprintf(s->repo, sizeof s->repo, "local:%s", root);
		snprintf(s->revision, sizeof s->revision, "local");
		return 0;
	}
	if (coco && !coco_layout_present(root, split))
		return err_set(e, EXIT_USAGE, "--format coco: no annotations/instances_%s.json under %s",
			       split, root);
	if (coco || (!format && coco_layout_present(root, split))) {
		snprintf(s->coco_root, sizeof s->coco_root, "%s", root);
		snprintf(s->repo, sizeof s->repo, "local:%s", root);
		snprintf(s->revision, sizeof s->revision, "local");
		return 0;
	}
	if (det || (!format && visdrone_det_present(root))) {
		snprintf(s->det_root, sizeof s->det_root, "%s", root);
		snprintf(s->repo, sizeof s->repo, "local:%s", root);
		snprintf(s->revision, sizeof s->revision, "local");
		return 0;
	}
	snprintf(seqdir, sizeof seqdir, "%s/sequences", root);
	struct stat st;
	if ((stat(seqdir, &st) == 0 && S_ISDIR(st.st_mode)) || /* the VisDrone layout */
	    (stat(root, &st) == 0 && S_ISREG(st.st_mode) && visdrone_has_clips(root))) {
		snprintf(s->video_root, sizeof s->video_root, "%s", root);
		snprintf(s->repo, sizeof s->repo, "local:%s", root);
		snprintf(s->revision, sizeof s->revision, "local");
		return 0;
	}
	struct walk w = {.s = s, .rootlen = strlen(root), .config = config, .split = split, .e = e};
	if (walk_folder(&w, root, 1) < 0)
		return -1;
	if (s->nfiles) /* qsort of no array at all (NULL) is undefined */
		qsort(s->files, s->nfiles, sizeof *s->files, cmp_files);
	snprintf(s->repo, sizeof s->repo, "local:%s", root);
	snprintf(s->revision, sizeof s->revision, "local");
	if (!s->nfiles && visdrone_has_clips(root)) { /* a folder of video files */
		snprintf(s->video_root, sizeof s->video_root, "%s", root);
		return 0;
	}
	if (!s->nfiles && imagefolder_present(root)) { /* a folder of images */
		snprintf(s->image_root, sizeof s->image_root, "%s", root);
		return 0;
	}
	return s->nfiles ? 0
			 : err_set(e, EXIT_USAGE,
				   "no layout fits %s (nothing for split '%s'); a source takes one of "
				   "these layouts:\n" SOURCE_LAYOUTS
				   "(--format " SOURCE_FORMATS " forces one; see 'lakehouse ingest --help')",
				   root, split);
}

int source_resolve(const struct config *cfg, const char *from, const char *config,
		   const char *split, const char *format, int threads, struct progress *progress,
		   struct source *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	if (strncmp(from, "hf://", 5) == 0) {
		if (strncmp(from, "hf://datasets/", 14) != 0)
			return err_set(e, EXIT_USAGE, "--from %s: only dataset repos are supported "
						      "(hf://datasets/OWNER/REPO)", from);
		if (format)
			return err_set(e, EXIT_USAGE, "--format %s reads a local folder, not %s", format,
				       from);
		return resolve_hf(cfg, from, config, split, threads, progress, out, e);
	}
	if (format && strcmp(format, "coco") != 0 && strcmp(format, "imagefolder") != 0 &&
	    strcmp(format, "visdrone-det") != 0)
		return err_set(e, EXIT_USAGE, "--format wants one of " SOURCE_FORMATS ", got '%s'",
			       format);
	return resolve_folder(from, config, split, format, out, e);
}
