/* hub_push.c - the Hub client's write side: create a repo, upload blobs over LFS, commit.
 * Protocol: ../shared/docs/hub-protocol.md section 3. */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "hub/hub.h"
#include "core/progress.h"
#include "hub/hub_http.h"

#define PREUPLOAD_BATCH 256 /* files per pre-upload call and per LFS batch (server limits) */
#define SAMPLE_BYTES 512

static const char *const lfs_headers[] = {"Accept: application/vnd.git-lfs+json",
					  "Content-Type: application/vnd.git-lfs+json", NULL};
static const char *const json_headers[] = {"Content-Type: application/json", NULL};

/* POSTs a JSON document; the reply (when out is not NULL) is parsed into *out. */
static int post_json(CURL *c, const struct config *cfg, const char *url, const char *repo,
		     json_t *doc, const char *const *headers, json_t **out, struct err *e)
{
	char *body = json_dumps(doc, JSON_COMPACT);
	if (!body)
		return err_set(e, EXIT_FAILED, "out of memory");
	struct hub_req q = {.method = "POST", .url = url, .headers = headers, .body = body,
			    .body_len = strlen(body)};
	struct hub_reply r;
	json_t *reply = NULL;
	int rc = hub_call_json(c, cfg, &q, repo, &reply, &r, e);
	free(body);
	if (rc == 0 && out)
		*out = reply;
	else
		json_decref(reply);
	return rc;
}

static char *base64_of(const unsigned char *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	if (out)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

/* Reads up to max bytes of a file; *n gets the count. The caller frees the result. */
static unsigned char *read_head(const char *path, size_t max, size_t *n, struct err *e)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = malloc(max ? max : 1);
	if (!f || !p) {
		if (f)
			fclose(f);
		free(p);
		err_set(e, EXIT_FAILED, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	*n = fread(p, 1, max, f);
	fclose(f);
	return p;
}

int hub_create_repo(const struct config *cfg, const char *repo, int private_repo, struct err *e)
{
	char url[1024], owner[128];
	const char *slash = strchr(repo, '/');
	snprintf(owner, sizeof owner, "%.*s", (int)(slash - repo), repo);
	snprintf(url, sizeof url, "%s/api/repos/create", cfg->hf_endpoint);
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", slash + 1, "organization", owner,
				"type", "dataset", "visibility", private_repo ? "private" : "public",
				"private", private_repo);
	CURL *c = hub_new_curl(e);
	if (!c || !doc) {
		json_decref(doc);
		return c ? err_set(e, EXIT_FAILED, "out of memory") : -1;
	}
	char *body = json_dumps(doc, JSON_COMPACT);
	struct buf reply = {.max = 1 << 20};
	struct hub_req q = {.method = "POST", .url = url, .headers = json_headers, .body = body,
			    .body_len = body ? strlen(body) : 0, .out = &reply};
	struct hub_reply r;
	int rc = hub_call(c, cfg, &q, repo, &r, e);
	if (rc < 0 && r.status == 409) { /* exists already: what we wanted */
		rc = 0;
		memset(e, 0, sizeof *e);
	}
	free(body);
	buf_free(&reply);
	json_decref(doc);
	curl_easy_cleanup(c);
	return rc;
}

/* Asks which files go to LFS; lfs[i] = 1 for those. */
static int preupload(CURL *c, const struct config *cfg, const char *repo,
		     const struct hub_commit *cm, int *lfs, struct err *e)
{
	char url[1024];
	snprintf(url, sizeof url, "%s/api/datasets/%s/preupload/main", cfg->hf_endpoint, repo);
	for (size_t start = 0; start < cm->nfiles; start += PREUPLOAD_BATCH) {
		size_t end = start + PREUPLOAD_BATCH < cm->nfiles ? start + PREUPLOAD_BATCH : cm->nfiles;
		json_t *files = json_array();
		for (size_t i = start; i < end; i++) {
			size_t n;
			unsigned char *head = read_head(cm->files[i].local, SAMPLE_BYTES, &n, e);
			char *sample = head ? base64_of(head, n) : NULL;
			free(head);
			if (!sample) {
				json_decref(files);
				return -1;
			}
			json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", cm->files[i].path,
							       "size", (json_int_t)cm->files[i].size,
							       "sample", sample));
			free(sample);
		}
		json_t *doc = json_pack("{s:o}", "files", files), *reply = NULL;
		int rc = post_json(c, cfg, url, repo, doc, json_headers, &reply, e);
		json_decref(doc);
		if (rc < 0)
			return err_wrap(e, "pre-upload check");
		size_t k;
		json_t *f;
		json_array_foreach(json_object_get(reply, "files"), k, f)
		{
			const char *path = json_string_value(json_object_get(f, "path"));
			const char *mode = json_string_value(json_object_get(f, "uploadMode"));
			for (size_t i = start; path && mode && i < end; i++)
				if (strcmp(cm->files[i].path, path) == 0)
					lfs[i] = strcmp(mode, "lfs") == 0;
		}
		json_decref(reply);
	}
	return 0;
}

static int put_region(CURL *c, const struct config *cfg, const char *repo, const char *href,
		      FILE *f, int64_t off, int64_t len, struct progress *progress, char *etag,
		      size_t etag_n, struct err *e)
{
	struct hub_req q = {.method = "PUT", .url = href, .upload = f, .upload_off = off,
			    .upload_len = len, .progress = progress};
	struct hub_reply r;
	if (hub_call(c, cfg, &q, repo, &r, e) < 0)
		return err_wrap(e, "LFS upload");
	if (etag)
		snprintf(etag, etag_n, "%s", r.etag);
	return 0;
}

/* Multipart: PUT each chunk to its signed URL, then tell the Hub the parts' ETags. */
static int upload_multipart(CURL *c, const struct config *cfg, const char *repo,
			    const struct hub_push_file *pf, FILE *f, json_t *upload,
			    struct progress *progress, struct err *e)
{
	json_t *header = json_object_get(upload, "header");
	json_t *cs = json_object_get(header, "chunk_size");
	int64_t chunk = json_is_string(cs) ? atoll(json_string_value(cs)) : json_integer_value(cs);
	if (chunk <= 0)
		return err_set(e, EXIT_REMOTE, "the Hub's multipart answer for %s has no chunk size",
			       pf->path);
	int64_t parts = (pf->size + chunk - 1) / chunk;
	json_t *done = json_array();
	int rc = 0;
	for (int64_t i = 0; rc == 0 && i < parts; i++) {
		char key[32], etag[128];
		snprintf(key, sizeof key, "%05lld", (long long)(i + 1));
		const char *href = json_string_value(json_object_get(header, key));
		if (!href) {
			rc = err_set(e, EXIT_REMOTE, "the Hub gave no URL for part %s of %s", key, pf->path);
			break;
		}
		int64_t len = i + 1 < parts ? chunk : pf->size - i * chunk;
		rc = put_region(c, cfg, repo, href, f, i * chunk, len, progress, etag, sizeof etag, e);
		if (rc == 0)
			json_array_append_new(done, json_pack("{s:I, s:s}", "partNumber", (json_int_t)(i + 1),
							      "etag", etag));
	}
	if (rc == 0) {
		json_t *doc = json_pack("{s:s, s:o}", "oid", pf->sha256, "parts", done);
		const char *href = json_string_value(json_object_get(upload, "href"));
		rc = href ? post_json(c, cfg, href, repo, doc, lfs_headers, NULL, e)
			  : err_set(e, EXIT_REMOTE, "the Hub gave no completion URL for %s", pf->path);
		json_decref(doc);
		return rc;
	}
	json_decref(done);
	return rc;
}

/* Uploads one object the LFS batch asked for, then verifies it when asked. */
static int upload_object(CURL *c, const struct config *cfg, const char *repo,
			 const struct hub_push_file *pf, json_t *actions, struct progress *progress,
			 struct err *e)
{
	json_t *upload = json_object_get(actions, "upload");
	const char *href = json_string_value(json_object_get(upload, "href"));
	if (!href)
		return err_set(e, EXIT_REMOTE, "the Hub's LFS answer for %s has no upload URL", pf->path);
	FILE *f = fopen(pf->local, "rb");
	if (!f)
		return err_set(e, EXIT_FAILED, "cannot read %s: %s", pf->local, strerror(errno));
	int rc = json_object_get(json_object_get(upload, "header"), "chunk_size")
			 ? upload_multipart(c, cfg, repo, pf, f, upload, progress, e)
			 : put_region(c, cfg, repo, href, f, 0, pf->size, progress, NULL, 0, e);
	fclose(f);
	const char *verify = json_string_value(json_object_get(json_object_get(actions, "verify"), "href"));
	if (rc == 0 && verify) {
		json_t *doc = json_pack("{s:s, s:I}", "oid", pf->sha256, "size", (json_int_t)pf->size);
		rc = post_json(c, cfg, verify, repo, doc, lfs_headers, NULL, e);
		json_decref(doc);
	}
	return rc;
}

static const struct hub_push_file *by_oid(const struct hub_commit *cm, const int *lfs,
					  const char *oid)
{
	for (size_t i = 0; oid && i < cm->nfiles; i++)
		if (lfs[i] && strcmp(cm->files[i].sha256, oid) == 0)
			return &cm->files[i];
	return NULL;
}

static int upload_lfs(CURL *c, const struct config *cfg, const char *repo,
		      const struct hub_commit *cm, const int *lfs, struct err *e)
{
	char url[1024];
	snprintf(url, sizeof url, "%s/datasets/%s.git/info/lfs/objects/batch", cfg->hf_endpoint, repo);
	for (size_t start = 0; start < cm->nfiles; start += PREUPLOAD_BATCH) {
		size_t end = start + PREUPLOAD_BATCH < cm->nfiles ? start + PREUPLOAD_BATCH : cm->nfiles;
		json_t *objects = json_array();
		for (size_t i = start; i < end; i++)
			if (lfs[i])
				json_array_append_new(objects, json_pack("{s:s, s:I}", "oid", cm->files[i].sha256,
									 "size", (json_int_t)cm->files[i].size));
		if (json_array_size(objects) == 0) {
			json_decref(objects);
			continue;
		}
		json_t *doc = json_pack("{s:s, s:[s,s], s:s, s:{s:s}, s:o}", "operation", "upload",
					"transfers", "basic", "multipart", "hash_algo", "sha256", "ref",
					"name", "main", "objects", objects),
		       *reply = NULL;
		int rc = post_json(c, cfg, url, repo, doc, lfs_headers, &reply, e);
		json_decref(doc);
		if (rc < 0)
			return err_wrap(e, "LFS batch");
		size_t k;
		json_t *o;
		json_array_foreach(json_object_get(reply, "objects"), k, o)
		{
			const char *oid = json_string_value(json_object_get(o, "oid"));
			const struct hub_push_file *pf = by_oid(cm, lfs, oid);
			json_t *err = json_object_get(o, "error"), *actions = json_object_get(o, "actions");
			if (!pf)
				rc = err_set(e, EXIT_REMOTE, "the Hub's LFS answer names an unknown object");
			else if (err)
				rc = err_set(e, EXIT_REMOTE, "the Hub refused %s: %s (LFS error %lld)", pf->path,
					     json_string_value(json_object_get(err, "message")) ?: "",
					     (long long)json_integer_value(json_object_get(err, "code")));
			else if (actions) /* no actions: the Hub has this blob already */
				rc = upload_object(c, cfg, repo, pf, actions, cm->progress, e);
			else { /* counted as moved: the ETA is about what is left */
				progress_add(cm->progress, 0, pf->size);
				progress_count(cm->progress, "on the Hub", 1);
			}
			if (rc == 0 && pf)
				progress_add(cm->progress, 1, 0);
			if (rc < 0)
				break;
		}
		json_decref(reply);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Appends one NDJSON line. */
static int ndjson(struct buf *b, json_t *line)
{
	char *s = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	int rc = s ? buf_printf(b, "%s\n", s) : -1;
	free(s);
	return rc;
}

static int commit_body(const struct hub_commit *cm, const int *lfs, struct buf *b, struct err *e)
{
	json_t *header = json_pack("{s:s, s:s}", "summary", cm->summary, "description",
				   cm->description ? cm->description : "");
	if (cm->parent && cm->parent[0])
		json_object_set_new(header, "parentCommit", json_string(cm->parent));
	int rc = ndjson(b, json_pack("{s:s, s:o}", "key", "header", "value", header));
	for (size_t i = 0; rc == 0 && i < cm->nfiles; i++) {
		const struct hub_push_file *f = &cm->files[i];
		if (lfs[i]) {
			rc = ndjson(b, json_pack("{s:s, s:{s:s, s:s, s:s, s:I}}", "key", "lfsFile", "value",
						 "path", f->path, "algo", "sha256", "oid", f->sha256, "size",
						 (json_int_t)f->size));
			continue;
		}
		size_t n;
		unsigned char *data = read_head(f->local, (size_t)f->size, &n, e);
		char *b64 = data ? base64_of(data, n) : NULL;
		free(data);
		if (!b64)
			return -1;
		rc = ndjson(b, json_pack("{s:s, s:{s:s, s:s, s:s}}", "key", "file", "value", "path",
					 f->path, "content", b64, "encoding", "base64"));
		free(b64);
	}
	for (size_t i = 0; rc == 0 && i < cm->ndeleted; i++)
		rc = ndjson(b, json_pack("{s:s, s:{s:s}}", "key", "deletedFile", "value", "path",
					 cm->deleted[i]));
	return rc < 0 ? err_set(e, EXIT_FAILED, "out of memory building the commit") : 0;
}

static int commit(CURL *c, const struct config *cfg, const char *repo, struct hub_commit *cm,
		  const int *lfs, struct err *e)
{
	char url[1024];
	snprintf(url, sizeof url, "%s/api/datasets/%s/commit/main", cfg->hf_endpoint, repo);
	struct buf body = {0}, reply = {.max = 1 << 20};
	static const char *const headers[] = {"Content-Type: application/x-ndjson", NULL};
	int rc = commit_body(cm, lfs, &body, e);
	/* no blind retry: a commit that timed out may have landed; a re-run sees it */
	struct hub_req q = {.method = "POST", .url = url, .headers = headers, .body = body.data,
			    .body_len = body.len, .out = &reply, .no_retry = 1};
	struct hub_reply r;
	if (rc == 0 && (rc = hub_call(c, cfg, &q, repo, &r, e)) < 0)
		err_wrap(e, "commit");
	if (rc == 0) {
		json_t *j = json_loadb(reply.data ? reply.data : "", reply.len, 0, NULL);
		const char *oid = json_string_value(json_object_get(j, "commitOid"));
		if (oid && strlen(oid) == 40)
			memcpy(cm->oid, oid, 41);
		else
			rc = err_set(e, EXIT_REMOTE, "the Hub's commit answer has no commitOid");
		json_decref(j);
	}
	buf_free(&body);
	buf_free(&reply);
	return rc;
}

int hub_push(const struct config *cfg, const char *repo, struct hub_commit *cm, struct err *e)
{
	CURL *c = hub_new_curl(e);
	if (!c)
		return -1;
	int *lfs = calloc(cm->nfiles + 1, sizeof *lfs);
	int rc = lfs ? 0 : err_set(e, EXIT_FAILED, "out of memory");
	if (rc == 0)
		rc = preupload(c, cfg, repo, cm, lfs, e);
	if (rc == 0) {
		progress_phase(cm->progress, "upload", "files");
		for (size_t i = 0; i < cm->nfiles; i++)
			if (lfs[i])
				progress_add_total(cm->progress, 1, cm->files[i].size);
		rc = upload_lfs(c, cfg, repo, cm, lfs, e);
	}
	if (rc == 0) {
		progress_phase(cm->progress, "commit", "commits");
		rc = commit(c, cfg, repo, cm, lfs, e);
	}
	free(lfs);
	curl_easy_cleanup(c);
	return rc;
}
