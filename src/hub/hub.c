/* hub.c - Hugging Face Hub client; see hub.h. */
#include "hub/hub.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/http.h"
#include "core/progress.h"
#include "core/pool.h"
#include "hub/hub_http.h"

#define MAX_JSON (64u << 20)


void hub_files_free(struct hub_files *f)
{
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	return buf_append(ud, p, size * n) == 0 ? size * n : 0;
}

static size_t on_file_write(char *p, size_t size, size_t n, void *ud)
{
	struct hub_req *q = ud;
	size_t w = fwrite(p, 1, size * n, q->to_file);
	if (w != size * n || fflush(q->to_file) != 0)
		q->write_errno = errno ? errno : EIO;
	return q->write_errno ? 0 : w;
}

/* libcurl's progress callback: the bytes of a transfer count while it runs, not only when
 * a whole file is done. A new attempt starts again from 0. */
static int on_xfer(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		   curl_off_t ulnow)
{
	(void)dltotal, (void)ultotal;
	struct hub_req *q = ud;
	int64_t now = (int64_t)dlnow + (int64_t)ulnow;
	if (now < q->progress_seen)
		q->progress_seen = 0;
	progress_add(q->progress, 0, now - q->progress_seen);
	q->progress_seen = now;
	return 0;
}

static size_t on_discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p, (void)ud;
	return size * n;
}

static void parse_link_next(const char *v, char *dst, size_t n)
{
	/* Link: <url>; rel="next"[, <url2>; rel="prev"] */
	for (const char *p = v; (p = strchr(p, '<')) != NULL; p++) {
		const char *end = strchr(p, '>');
		if (!end)
			return;
		if (strncmp(end, ">; rel=\"next\"", 13) == 0 && (size_t)(end - p - 1) < n) {
			memcpy(dst, p + 1, (size_t)(end - p - 1));
			dst[end - p - 1] = '\0';
			return;
		}
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct hub_reply *r = ud;
	size_t len = size * n;
	char link[2200];
	http_header_match(p, len, "x-error-code", r->error_code, sizeof r->error_code);
	http_header_match(p, len, "x-error-message", r->error_message, sizeof r->error_message);
	http_header_match(p, len, "retry-after", r->retry_after, sizeof r->retry_after);
	http_header_match(p, len, "etag", r->etag, sizeof r->etag);
	if (http_header_match(p, len, "link", link, sizeof link))
		parse_link_next(link, r->next, sizeof r->next);
	return len;
}

/* The token goes only to the Hub's own host: compare scheme+host+port of url with it. */
int hub_same_origin(const char *url, const char *endpoint)
{
	size_t n = strlen(endpoint);
	return strncmp(url, endpoint, n) == 0 && (url[n] == '/' || url[n] == '\0');
}

/* The server's own words: X-Error-Message, else the "error" field of a JSON body. */
static void server_message(const struct hub_reply *r, const struct buf *body, char *msg, size_t n)
{
	snprintf(msg, n, "%s", r->error_message);
	if (msg[0] || !body || !body->len)
		return;
	json_t *j = json_loadb(body->data, body->len, 0, NULL);
	const char *s = json_string_value(json_object_get(j, "error"));
	if (s)
		snprintf(msg, n, "%s", s);
	json_decref(j);
}

static int explain_write(const char *what, const char *repo, const struct hub_reply *r,
			 const char *said, struct err *e)
{
	const char *sep = said[0] ? ": " : "";
	switch (r->status) {
	case 401:
		return err_set(e, EXIT_REMOTE,
			       "the Hub refused HF_TOKEN (HTTP 401%s%s): check that the token is valid "
			       "and has write access (a 'write' or fine-grained token with repo write)",
			       sep, said);
	case 403:
		return err_set(e, EXIT_REMOTE,
			       "HF_TOKEN may not write to %s (HTTP 403%s%s): use a token of its owner or "
			       "of an organization member with write access",
			       repo, sep, said);
	case 409:
		return err_set(e, EXIT_CONFLICT, "%s: conflict (HTTP 409%s%s); run it again", what, sep,
			       said);
	case 412:
		return err_set(e, EXIT_CONFLICT,
			       "%s moved while publishing (HTTP 412%s%s): someone else committed; run "
			       "publish again",
			       repo, sep, said);
	case 413:
		return err_set(e, EXIT_REMOTE,
			       "%s: the Hub refused the request as too large (HTTP 413%s%s); publish in "
			       "smaller shards (--shard-rows)",
			       what, sep, said);
	}
	return 0; /* not a write-specific status */
}

static int hub_explain(const struct hub_req *q, const char *repo, const struct hub_reply *r,
		       const struct config *cfg, struct err *e)
{
	const char *what = q->url, *code = r->error_code;
	char said[256];
	server_message(r, q->out, said, sizeof said);
	if (q->method && strcmp(q->method, "HEAD") != 0 && explain_write(what, repo, r, said, e) < 0)
		return -1;
	if (r->status == 401 && strcmp(code, "GatedRepo") == 0)
		return err_set(e, EXIT_REMOTE,
			       "dataset %s is gated: set HF_TOKEN (environment or .env) to a token of "
			       "an account that accepted its conditions",
			       repo);
	if (r->status == 401 || strcmp(code, "RepoNotFound") == 0)
		return err_set(e, EXIT_REMOTE,
			       "dataset %s not found at %s (HTTP %ld)%s; check OWNER/REPO", repo,
			       cfg->hf_endpoint, r->status,
			       cfg->hf_token[0] ? "" : ", or set HF_TOKEN if it is private or gated");
	if (r->status == 403)
		return err_set(e, EXIT_REMOTE,
			       "access to dataset %s refused (HTTP 403%s%s): accept its conditions on "
			       "the dataset page with the account of HF_TOKEN",
			       repo, code[0] ? ", " : "", code);
	if (strcmp(code, "RevisionNotFound") == 0)
		return err_set(e, EXIT_REMOTE, "revision not found in dataset %s: %s", repo,
			       r->error_message);
	if (r->status == 404)
		return err_set(e, EXIT_REMOTE, "%s: not found (HTTP 404%s%s)", what, code[0] ? ", " : "",
			       code);
	if (r->status == 429)
		return err_set(e, EXIT_REMOTE,
			       "%s: rate limited by the Hub (HTTP 429) after %d attempt(s); wait a few "
			       "minutes, and set HF_TOKEN for a larger quota",
			       what, q->no_retry ? 1 : HUB_MAX_ATTEMPTS);
	return err_set(e, EXIT_REMOTE, "%s failed: HTTP %ld%s%s", what, r->status, said[0] ? ": " : "",
		       said);
}

/* Reads the PUT body of a hub_req from its file region. */
static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
	struct hub_req *q = ud;
	size_t want = size * n;
	if ((int64_t)want > q->upload_len - q->upload_done)
		want = (size_t)(q->upload_len - q->upload_done);
	if (want == 0)
		return 0;
	ssize_t got = pread(fileno(q->upload), p, want, q->upload_off + q->upload_done);
	if (got <= 0)
		return CURL_READFUNC_ABORT;
	q->upload_done += got;
	return (size_t)got;
}

static void set_body(CURL *c, struct hub_req *q)
{
	const char *method = q->method ? q->method : "GET";
	if (q->upload) {
		q->upload_done = 0;
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, q);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->upload_len);
	} else if (q->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 && !q->upload)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
}

static struct curl_slist *request_headers(const struct config *cfg, const struct hub_req *q,
					  char *auth, size_t auth_n)
{
	struct curl_slist *h = NULL;
	if (cfg->hf_token[0] && hub_same_origin(q->url, cfg->hf_endpoint)) {
		snprintf(auth, auth_n, "Authorization: Bearer %s", cfg->hf_token);
		h = curl_slist_append(h, auth);
	}
	h = curl_slist_append(h, "Accept-Encoding: identity");
	/* libcurl would send "Expect: 100-continue" on large bodies; the Hub does not need it */
	h = curl_slist_append(h, "Expect:");
	for (const char *const *x = q->headers; x && *x; x++)
		h = curl_slist_append(h, *x);
	return h;
}

int hub_call(CURL *c, const struct config *cfg, struct hub_req *q, const char *repo,
	     struct hub_reply *r, struct err *e)
{
	char auth[600];
	int attempts = q->no_retry ? 1 : HUB_MAX_ATTEMPTS;
	for (int attempt = 1;; attempt++) {
		memset(r, 0, sizeof *r);
		q->write_errno = 0;
		struct curl_slist *h = request_headers(cfg, q, auth, sizeof auth);
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, q->url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, q->method ? 0L : 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "lakehouse/0.1 (libcurl)");
		set_body(c, q);
		if (q->progress) {
			q->progress_seen = 0;
			curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
			curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
			curl_easy_setopt(c, CURLOPT_XFERINFODATA, q);
		}
		long offset = 0;
		if (q->to_file) {
			fflush(q->to_file);
			offset = ftell(q->to_file);
			if (offset > 0) {
				char range[64];
				snprintf(range, sizeof range, "%ld-", offset);
				curl_easy_setopt(c, CURLOPT_RANGE, range);
			}
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_file_write);
			curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
			/* Error bodies must not land in the file: fail on >= 400 before writing. */
			curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
		} else if (q->out) {
			buf_reset(q->out);
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
			curl_easy_setopt(c, CURLOPT_WRITEDATA, q->out);
		} else {
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_discard);
		}
		CURLcode cc = curl_easy_perform(c);
		curl_slist_free_all(h);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
		if (q->to_file && cc == CURLE_OK && offset > 0 && r->status == 200) {
			/* the server ignored Range: start over from byte 0 */
			if (ftruncate(fileno(q->to_file), 0) != 0 || fseek(q->to_file, 0, SEEK_SET) != 0)
				return err_set(e, EXIT_FAILED, "cannot truncate a partial download: %s", strerror(errno));
			continue;
		}
		if (cc == CURLE_WRITE_ERROR && q->write_errno)
			return err_set(e, EXIT_FAILED,
				       "cannot write a download into the staging folder (%s): %s; free space "
				       "or point LAKEHOUSE_LOCAL_STORE elsewhere",
				       cfg->local_store, strerror(q->write_errno));
		int transient = (cc != CURLE_OK && cc != CURLE_HTTP_RETURNED_ERROR) || r->status == 429 ||
				r->status >= 500;
		if (cc == CURLE_OK && r->status < 400)
			return 0;
		if (transient && attempt < attempts) {
			long wait = atol(r->retry_after);
			if (r->status == 429 && wait > 0)
				http_sleep_ms((wait > 30 ? 30 : wait) * 1000);
			else
				http_backoff_sleep(attempt);
			continue;
		}
		if (cc != CURLE_OK && cc != CURLE_HTTP_RETURNED_ERROR)
			return err_set(e, EXIT_REMOTE, "cannot reach %s (%s)%s",
				       hub_same_origin(q->url, cfg->hf_endpoint) ? cfg->hf_endpoint
									   : "the Hub's storage",
				       curl_easy_strerror(cc), "; check HF_ENDPOINT and the network");
		return hub_explain(q, repo, r, cfg, e);
	}
}

/* A GET; p (may be NULL) counts the body's bytes while they arrive. */
static int hub_get(CURL *c, const struct config *cfg, const char *url, const char *repo,
		   struct buf *out, FILE *to_file, struct progress *p, struct hub_reply *r,
		   struct err *e)
{
	struct hub_req q = {.url = url, .out = out, .to_file = to_file, .progress = p};
	return hub_call(c, cfg, &q, repo, r, e);
}

int hub_call_json(CURL *c, const struct config *cfg, struct hub_req *q, const char *repo,
		  json_t **out, struct hub_reply *r, struct err *e)
{
	struct buf body = {.max = MAX_JSON};
	q->out = &body;
	int rc = hub_call(c, cfg, q, repo, r, e);
	if (rc == 0) {
		json_error_t je;
		*out = json_loadb(body.data ? body.data : "", body.len, 0, &je);
		if (!*out)
			rc = err_set(e, EXIT_REMOTE, "unreadable JSON from %s: %s", q->url, je.text);
	}
	q->out = NULL;
	buf_free(&body);
	return rc;
}

static int get_json(CURL *c, const struct config *cfg, const char *url, const char *repo,
		    json_t **out, struct hub_reply *r, struct err *e)
{
	struct hub_req q = {.url = url};
	return hub_call_json(c, cfg, &q, repo, out, r, e);
}

CURL *hub_new_curl(struct err *e)
{
	CURL *c = curl_easy_init();
	if (!c)
		err_set(e, EXIT_FAILED, "cannot create a curl handle");
	return c;
}

int hub_resolve_revision(const struct config *cfg, const char *repo, const char *rev,
			 char sha[41], struct err *e)
{
	char rev_enc[512], url[2048];
	if (http_uri_encode(rev_enc, sizeof rev_enc, rev, 0) < 0)
		return err_set(e, EXIT_USAGE, "revision too long");
	snprintf(url, sizeof url, "%s/api/datasets/%s/revision/%s", cfg->hf_endpoint, repo, rev_enc);
	CURL *c = hub_new_curl(e);
	if (!c)
		return -1;
	json_t *j = NULL;
	struct hub_reply r;
	int rc = get_json(c, cfg, url, repo, &j, &r, e);
	if (rc == 0) {
		const char *s = json_string_value(json_object_get(j, "sha"));
		if (!s || strlen(s) != 40)
			rc = err_set(e, EXIT_REMOTE, "the Hub gave no commit sha for %s@%s", repo, rev);
		else
			memcpy(sha, s, 41);
	}
	json_decref(j);
	curl_easy_cleanup(c);
	return rc;
}

static int add_file(struct hub_files *out, json_t *entry)
{
	if (strcmp(json_string_value(json_object_get(entry, "type")) ?: "", "file") != 0)
		return 0;
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 64;
		struct hub_file *v = realloc(out->v, cap * sizeof *v);
		if (!v)
			return -1;
		out->v = v, out->cap = cap;
	}
	struct hub_file *f = &out->v[out->n++];
	memset(f, 0, sizeof *f);
	snprintf(f->path, sizeof f->path, "%s", json_string_value(json_object_get(entry, "path")) ?: "");
	snprintf(f->git_oid, sizeof f->git_oid, "%s", json_string_value(json_object_get(entry, "oid")) ?: "");
	f->size = json_integer_value(json_object_get(entry, "size"));
	json_t *lfs = json_object_get(entry, "lfs");
	if (lfs)
		snprintf(f->sha256, sizeof f->sha256, "%s", json_string_value(json_object_get(lfs, "oid")) ?: "");
	return 0;
}

static int add_page(struct hub_files *out, json_t *page, const char *repo, struct err *e)
{
	if (!json_is_array(page))
		return err_set(e, EXIT_REMOTE, "the Hub's tree listing of %s is not a JSON array", repo);
	size_t i;
	json_t *entry;
	json_array_foreach(page, i, entry)
	{
		if (!json_is_object(entry))
			return err_set(e, EXIT_REMOTE, "the Hub's tree listing of %s has a non-object entry",
				       repo);
		if (add_file(out, entry) < 0)
			return err_set(e, EXIT_FAILED, "out of memory listing %s", repo);
	}
	return 0;
}

int hub_parse_tree_page(const char *json, size_t n, struct hub_files *out, struct err *e)
{
	json_error_t je;
	json_t *j = json_loadb(json, n, 0, &je);
	if (!j)
		return err_set(e, EXIT_REMOTE, "unreadable JSON tree listing: %s", je.text);
	int rc = add_page(out, j, "the repo", e);
	json_decref(j);
	return rc;
}

int hub_list_files(const struct config *cfg, const char *repo, const char *rev,
		   struct hub_files *out, struct err *e)
{
	char rev_enc[512], url[2048];
	if (http_uri_encode(rev_enc, sizeof rev_enc, rev, 0) < 0)
		return err_set(e, EXIT_USAGE, "revision too long");
	snprintf(url, sizeof url, "%s/api/datasets/%s/tree/%s?recursive=true&expand=false",
		 cfg->hf_endpoint, repo, rev_enc);
	CURL *c = hub_new_curl(e);
	if (!c)
		return -1;
	int rc = 0;
	for (int page = 0; rc == 0 && url[0]; page++) {
		json_t *j = NULL;
		struct hub_reply r;
		if ((rc = get_json(c, cfg, url, repo, &j, &r, e)) < 0)
			break;
		rc = add_page(out, j, repo, e);
		json_decref(j);
		/* Follow the next page only on the Hub's own host (it carries the token). */
		if (r.next[0] && !hub_same_origin(r.next, cfg->hf_endpoint))
			rc = err_set(e, EXIT_REMOTE, "the Hub's next-page link leaves %s; refusing",
				     cfg->hf_endpoint);
		snprintf(url, sizeof url, "%s", r.next);
	}
	curl_easy_cleanup(c);
	return rc;
}

/* ---- downloads ------------------------------------------------------------------------ */

int hub_hash_file(const char *path, int64_t *size, char sha256[65], char git_oid[41],
		  struct err *e)
{
	struct stat st;
	FILE *in = fopen(path, "rb");
	if (!in || fstat(fileno(in), &st) != 0) {
		if (in)
			fclose(in);
		return err_set(e, EXIT_FAILED, "cannot read %s: %s", path, strerror(errno));
	}
	struct digest *s256 = digest_new(DIGEST_SHA256), *s1 = digest_new(DIGEST_SHA1);
	if (!s256 || !s1) {
		fclose(in);
		digest_free(s256);
		digest_free(s1);
		return err_set(e, EXIT_FAILED, "out of memory");
	}
	char hdr[64];
	int hn = snprintf(hdr, sizeof hdr, "blob %lld", (long long)st.st_size);
	digest_update(s1, hdr, (size_t)hn + 1); /* git hashes "blob <size>\0" + content */
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, in)) > 0) {
		digest_update(s256, chunk, got);
		digest_update(s1, chunk, got);
	}
	int bad = ferror(in);
	fclose(in);
	digest_hex(s256, sha256);
	digest_hex(s1, git_oid);
	digest_free(s256);
	digest_free(s1);
	*size = st.st_size;
	return bad ? err_set(e, EXIT_FAILED, "cannot read %s", path) : 0;
}

/* Verifies a local file against the Hub's size and hash (sha256 for LFS, git sha1 else). */
static int verify_file(const char *path, const struct hub_file *f, int *ok)
{
	*ok = 0;
	struct stat st;
	if (stat(path, &st) != 0 || st.st_size != f->size)
		return 0;
	int64_t size;
	char sha256[65], git_oid[41];
	struct err ignored;
	if (hub_hash_file(path, &size, sha256, git_oid, &ignored) < 0)
		return -1;
	*ok = strcmp(f->sha256[0] ? sha256 : git_oid, f->sha256[0] ? f->sha256 : f->git_oid) == 0;
	return 0;
}

int hub_valid_repo_id(const char *id)
{
	const char *slash = strchr(id, '/');
	if (!slash || strchr(slash + 1, '/') || strstr(id, "--") || strstr(id, ".."))
		return 0;
	const char *parts[2] = {id, slash + 1};
	size_t lens[2] = {(size_t)(slash - id), strlen(slash + 1)};
	for (int i = 0; i < 2; i++) {
		const char *p = parts[i];
		size_t n = lens[i];
		if (n < 1 || n > 96 || !isalnum((unsigned char)p[0]) || p[n - 1] == '.' || p[n - 1] == '-')
			return 0;
		for (size_t k = 0; k < n; k++)
			if (!isalnum((unsigned char)p[k]) && !strchr("._-", p[k]))
				return 0;
	}
	return !(lens[1] >= 4 && strcmp(parts[1] + lens[1] - 4, ".git") == 0);
}

struct download_job {
	const struct config *cfg;
	const char *repo, *commit, *dest_root;
	const struct hub_file *files;
	size_t n;
	struct progress *progress;
};

static int download_one(CURL *c, struct download_job *j, const struct hub_file *f, struct err *e)
{
	char dest[4096], part[4200], path_enc[3200], url[6000];
	snprintf(dest, sizeof dest, "%s/%s", j->dest_root, f->path);
	int ok;
	if (strstr(f->path, "..") || f->path[0] == '/')
		return err_set(e, EXIT_REMOTE, "refusing Hub path '%s' (leaves the staging folder)",
			       f->path);
	if (verify_file(dest, f, &ok) == 0 && ok) {
		progress_add(j->progress, 0, f->size);
		progress_count(j->progress, "already staged", 1);
		return 0; /* staged by an earlier run */
	}
	if (fs_mkdir_parents(dest, 0755, e) < 0)
		return -1;
	snprintf(part, sizeof part, "%s.part", dest);
	if (verify_file(part, f, &ok) == 0 && ok) { /* complete, but the rename was cut short */
		progress_add(j->progress, 0, f->size);
		return fs_rename(part, dest, e);
	}
	if (http_uri_encode(path_enc, sizeof path_enc, f->path, 1) < 0)
		return err_set(e, EXIT_USAGE, "path too long: %s", f->path);
	snprintf(url, sizeof url, "%s/datasets/%s/resolve/%s/%s", j->cfg->hf_endpoint, j->repo,
		 j->commit, path_enc);
	FILE *out = fopen(part, "ab");
	if (!out)
		return err_set(e, EXIT_FAILED, "cannot write %s: %s", part, strerror(errno));
	if (fseek(out, 0, SEEK_END) == 0) /* a resumed part's bytes are already here */
		progress_add(j->progress, 0, ftell(out));
	struct hub_reply r;
	int rc = hub_get(c, j->cfg, url, j->repo, NULL, out, j->progress, &r, e);
	if (fclose(out) != 0 && rc == 0)
		rc = err_set(e, EXIT_FAILED, "cannot write %s: %s", part, strerror(errno));
	if (rc < 0)
		return -1;
	if (verify_file(part, f, &ok) < 0 || !ok) {
		unlink(part); /* a bad partial file must not be resumed */
		return err_set(e, EXIT_REMOTE,
			       "%s from %s does not match the Hub's size/hash; removed, run again",
			       f->path, j->repo);
	}
	return fs_rename(part, dest, e);
}

static int curl_start(void *ctx, void **state, struct err *e)
{
	(void)ctx;
	return (*state = hub_new_curl(e)) ? 0 : -1;
}

static void curl_stop(void *ctx, void *state)
{
	(void)ctx;
	curl_easy_cleanup(state);
}

static int download_task(void *ctx, void *state, void *task, struct err *e)
{
	struct download_job *j = ctx;
	const struct hub_file *f = &j->files[POOL_INDEX(task)];
	if (download_one(state, j, f, e) < 0)
		return -1;
	progress_add(j->progress, 1, 0); /* its bytes were counted while they came */
	return 0;
}

static const struct pool_ops download_ops = {
	.worker_start = curl_start, .worker_stop = curl_stop, .run = download_task};

int hub_download_files(const struct config *cfg, const char *repo, const char *commit,
		       const struct hub_file *files, size_t n, const char *dest_root, int threads,
		       struct progress *progress, struct err *e)
{
	struct download_job j = {.cfg = cfg, .repo = repo, .commit = commit,
				 .dest_root = dest_root, .files = files, .n = n, .progress = progress};
	for (size_t i = 0; i < n; i++)
		progress_add_total(progress, 1, files[i].size);
	return pool_for(n, threads > 32 ? 32 : threads, &download_ops, &j, e);
}
