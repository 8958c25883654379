/* s3.c - S3 over libcurl; see s3.h.
 *
 * Every request carries x-amz-content-sha256 with the real payload hash (libcrypto): curl
 * 7.88 does not add it, and servers such as versitygw require it. Query strings are built
 * already sorted and encoded, so the canonical request curl signs is the one the server
 * computes.
 */
#include "store/s3.h"

#include "core/hash.h"
#include "core/http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PART_SIZE (8u << 20)
#define MIN_PART_SIZE (5u << 20)
#define MAX_ERROR_BODY (1u << 20)

struct s3 {
	const struct config *cfg;
	CURL *curl;
	char sigv4[128];
	size_t part_size;
	int max_attempts;
	int list_page;
	long connects; /* new TCP connections opened, for the connection-reuse test */
	int64_t received; /* GET body bytes */
	int denied;       /* the last reply refused our credentials (s3_access_denied) */
	char curl_error[CURL_ERROR_SIZE]; /* curl's detail of the last failure */
	int tls_refused; /* the last request met a certificate it could not verify */
};

struct s3_req {
	const char *method;
	int service;       /* 1: the service root "/" (ListBuckets), no bucket in the path */
	const char *key;   /* NULL: the bucket itself */
	const char *query; /* sorted, encoded, without '?'; NULL for none */
	const void *body;
	size_t body_len;
	int64_t range_off, range_len; /* range_len == 0: no Range header */
	struct buf *out;              /* response body sink; NULL: discard */
	const char *body_sha256;      /* hex SHA-256 of body when known; NULL: computed here */
	const char *path;             /* an admin API path ("/create-user") instead of the bucket */
};

struct s3_resp {
	long status;
	char etag[128];
	char last_modified[64];
	int64_t content_length;
	char code[128]; /* S3 error code from the XML body, or a synthetic one */
	char message[512];
};

const char *s3_key_of_uri(const char *bucket, const char *uri)
{
	size_t n = strlen(bucket);
	if (strncmp(uri, "s3://", 5) != 0 || strncmp(uri + 5, bucket, n) != 0 || uri[5 + n] != '/')
		return NULL;
	return uri + 5 + n + 1;
}

struct s3 *s3_new(const struct config *cfg, struct err *e)
{
	struct s3 *s = calloc(1, sizeof *s);
	if (!s || !(s->curl = curl_easy_init())) {
		free(s);
		err_set(e, EXIT_FAILED, "out of memory creating the S3 client");
		return NULL;
	}
	s->cfg = cfg;
	s->part_size = DEFAULT_PART_SIZE;
	s->max_attempts = 4;
	s->list_page = 1000;
	snprintf(s->sigv4, sizeof s->sigv4, "aws:amz:%s:s3", cfg->region);
	return s;
}

void s3_free(struct s3 *s)
{
	if (!s)
		return;
	curl_easy_cleanup(s->curl);
	free(s);
}

void s3_set_part_size(struct s3 *s, size_t bytes)
{
	s->part_size = bytes < MIN_PART_SIZE ? MIN_PART_SIZE : bytes;
}

void s3_set_max_attempts(struct s3 *s, int attempts)
{
	s->max_attempts = attempts < 1 ? 1 : attempts;
}

int64_t s3_bytes_received(const struct s3 *s)
{
	return s->received;
}

long s3_connections_opened(const struct s3 *s)
{
	return s->connects;
}

void s3_set_list_page(struct s3 *s, int max_keys)
{
	s->list_page = max_keys < 1 ? 1 : max_keys > 1000 ? 1000 : max_keys;
}

/* ---- encoding and hashing ------------------------------------------------------------- */

/* ---- XML helpers (libxml2) ------------------------------------------------------------ */

static xmlDocPtr xml_parse(const char *xml, size_t len)
{
	if (!xml || !len || len > INT_MAX)
		return NULL;
	return xmlReadMemory(xml, (int)len, "s3.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* Text of the first child element of node named name, copied into dst ("" when absent). */
static void xml_child_text(xmlNodePtr node, const char *name, char *dst, size_t n)
{
	dst[0] = '\0';
	for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) {
			xmlChar *t = xmlNodeGetContent(c);
			snprintf(dst, n, "%s", t ? (const char *)t : "");
			xmlFree(t);
			return;
		}
	}
}

static void parse_error_body(const struct buf *body, struct s3_resp *rs)
{
	xmlDocPtr doc = xml_parse(body->data, body->len);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (root && strcmp((const char *)root->name, "Error") == 0) {
		xml_child_text(root, "Code", rs->code, sizeof rs->code);
		xml_child_text(root, "Message", rs->message, sizeof rs->message);
	}
	xmlFreeDoc(doc);
}

/* ---- the request loop ----------------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	return buf_append(b, p, size * n) == 0 ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct s3_resp *rs = ud;
	size_t len = size * n;
	char tmp[32];
	http_header_match(p, len, "etag", rs->etag, sizeof rs->etag);
	http_header_match(p, len, "last-modified", rs->last_modified, sizeof rs->last_modified);
	if (http_header_match(p, len, "content-length", tmp, sizeof tmp))
		rs->content_length = strtoll(tmp, NULL, 10);
	return len;
}

static int transient_curl_error(CURLcode rc)
{
	return rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
	       rc == CURLE_PARTIAL_FILE;
}

static int transient_status(long status)
{
	return status == 500 || status == 502 || status == 503 || status == 504;
}

static void describe(const struct s3 *s, const struct s3_req *rq, char *dst, size_t n)
{
	if (rq->path) {
		snprintf(dst, n, "%s %s%s", rq->method, s->cfg->endpoint, rq->path);
		return;
	}
	snprintf(dst, n, "%s s3://%s/%s", rq->method, s->cfg->bucket, rq->key ? rq->key : "");
}

static int build_url(const struct s3 *s, const struct s3_req *rq, char *url, size_t n,
		     struct err *e)
{
	char enc[3 * 1024 + 1] = "";
	if (rq->path) {
		int w = snprintf(url, n, "%s%s%s%s", s->cfg->endpoint, rq->path, rq->query ? "?" : "",
				 rq->query ? rq->query : "");
		return w < 0 || (size_t)w >= n ? err_set(e, EXIT_USAGE, "admin request URL too long") : 0;
	}
	if (rq->key && http_uri_encode(enc, sizeof enc, rq->key, 1) < 0)
		return err_set(e, EXIT_USAGE, "object key too long: %.64s...", rq->key);
	int w = snprintf(url, n, "%s/%s%s%s%s%s", s->cfg->endpoint, rq->service ? "" : s->cfg->bucket,
			 rq->key ? "/" : "", enc, rq->query ? "?" : "", rq->query ? rq->query : "");
	if (w < 0 || (size_t)w >= n)
		return err_set(e, EXIT_USAGE, "request URL too long for key %.64s...",
			       rq->key ? rq->key : "");
	return 0;
}

static int sends_body(const struct s3_req *rq)
{
	return rq->body || strcmp(rq->method, "PUT") == 0 || strcmp(rq->method, "POST") == 0 ||
	       strcmp(rq->method, "PATCH") == 0;
}

static CURLcode perform_once(struct s3 *s, const struct s3_req *rq, const char *url,
			     struct curl_slist *headers, struct buf *sink, struct s3_resp *rs)
{
	CURL *c = s->curl;
	curl_easy_reset(c); /* keeps the connection cache: the next request reuses the socket */
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s->sigv4);
	curl_easy_setopt(c, CURLOPT_USERNAME, s->cfg->access_key);
	curl_easy_setopt(c, CURLOPT_PASSWORD, s->cfg->secret_key);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* no byte moving for that long: give up */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, s->cfg->s3_timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* TLS: the peer and its name are always verified (curl's defaults, stated); a private
	 * CA comes from AWS_CA_BUNDLE / SSL_CERT_FILE, never from switching verification off. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->cfg->ca_bundle[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, s->cfg->ca_bundle);
	s->curl_error[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_error);
	if (strcmp(rq->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(rq->method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	if (sends_body(rq)) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
	}
	return curl_easy_perform(c);
}

/* A reply that refuses the key pair: a wrong secret (SignatureDoesNotMatch) and a wrong access
 * key (InvalidAccessKeyId on AWS/RustFS, XAdminUserNotFound on versitygw, NotSignedUp
 * on s3s-fs) get the same hint. */
static int credentials_refused(const struct s3_resp *rs)
{
	static const char *const codes[] = {"SignatureDoesNotMatch", "InvalidAccessKeyId",
					    "XAdminUserNotFound", "NotSignedUp", "AccessDenied",
					    "InvalidSecurity"};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(rs->code, codes[i]) == 0)
			return 1;
	return 0;
}

int s3_tls_error(const struct config *cfg, int bad_ca_file, const char *detail, struct err *e)
{
	if (bad_ca_file)
		return err_set(e, EXIT_REMOTE,
			       "cannot use the CA file '%s' (AWS_CA_BUNDLE or SSL_CERT_FILE) for %s: %s; "
			       "give a PEM file of CA certificates",
			       cfg->ca_bundle, cfg->endpoint, detail && *detail ? detail : "unreadable");
	if (cfg->ca_bundle[0])
		return err_set(e, EXIT_REMOTE,
			       "certificate not trusted: %s presented a certificate that the CA file "
			       "'%s' (AWS_CA_BUNDLE or SSL_CERT_FILE) does not verify (%s); set "
			       "AWS_CA_BUNDLE to the CA file that signed it",
			       cfg->endpoint, cfg->ca_bundle, detail && *detail ? detail : "?");
	return err_set(e, EXIT_REMOTE,
		       "certificate not trusted: %s presented a certificate that no CA of this system "
		       "signed (%s); for a private CA set AWS_CA_BUNDLE to its CA file (PEM)",
		       cfg->endpoint, detail && *detail ? detail : "?");
}

static int s3_do(struct s3 *s, const struct s3_req *rq, struct s3_resp *rs, struct err *e)
{
	char url[4096], what[1200], hdr[160];
	if (build_url(s, rq, url, sizeof url, e) < 0)
		return -1;
	describe(s, rq, what, sizeof what);

	char hash[65];
	if (rq->body_sha256)
		snprintf(hash, sizeof hash, "%s", rq->body_sha256);
	else
		sha256_hex(rq->body ? rq->body : "", rq->body_len, hash);
	struct curl_slist *headers = NULL;
	snprintf(hdr, sizeof hdr, "x-amz-content-sha256: %s", hash);
	headers = curl_slist_append(headers, hdr);
	/* Only headers that really go out may be listed: curl 7.88's SigV4 also signs the
	 * "Name:" entries that merely suppress a header, and strict servers (s3s, the layer
	 * RustFS is built on) then reject the signature. So a body gets an explicit type
	 * instead of curl's form type, and curl's own "Expect: 100-continue" (unsigned) stays. */
	if (sends_body(rq))
		headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
	if (rq->range_len) {
		if (rq->range_len > 0)
			snprintf(hdr, sizeof hdr, "Range: bytes=%lld-%lld", (long long)rq->range_off,
				 (long long)(rq->range_off + rq->range_len - 1));
		else
			snprintf(hdr, sizeof hdr, "Range: bytes=%lld-", (long long)rq->range_off);
		headers = curl_slist_append(headers, hdr);
	}

	/* Success bodies go to rq->out; error bodies are parsed from the same sink, then cut. */
	struct buf errbody = {.max = MAX_ERROR_BODY};
	struct buf *sink = rq->out ? rq->out : &errbody;
	size_t mark = sink->len;
	int rc = -1;
	s->denied = 0;
	s->tls_refused = 0;
	for (int attempt = 1;; attempt++) {
		memset(rs, 0, sizeof *rs);
		rs->content_length = -1;
		sink->len = mark; /* a retried request must not append twice */
		CURLcode cc = perform_once(s, rq, url, headers, sink, rs);
		if (cc != CURLE_OK) {
			if (transient_curl_error(cc) && attempt < s->max_attempts) {
				http_backoff_sleep(attempt);
				continue;
			}
			if (cc == CURLE_OPERATION_TIMEDOUT) {
				err_set(e, EXIT_REMOTE,
					"S3 endpoint %s stalled during %s: nothing moved for %ld s after %d "
					"attempts; check the server, or raise LAKEHOUSE_S3_TIMEOUT for a slow "
					"link",
					s->cfg->endpoint, what, s->cfg->s3_timeout_s, attempt);
				break;
			}
			if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE) {
				s->tls_refused = 1;
				s3_tls_error(s->cfg, cc == CURLE_SSL_CACERT_BADFILE, s->curl_error, e);
				break;
			}
			err_set(e, EXIT_REMOTE, "cannot reach S3 endpoint %s (%s) during %s",
				s->cfg->endpoint, curl_easy_strerror(cc), what);
			e->cause = ERR_CAUSE_S3_UNREACHABLE;
			break;
		}
		long fresh = 0;
		curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &fresh);
		s->connects += fresh;
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &rs->status);
		if (rs->status >= 200 && rs->status < 300) {
			rc = 0;
			break;
		}
		struct buf view = {.data = sink->data ? sink->data + mark : NULL, .len = sink->len - mark};
		parse_error_body(&view, rs);
		if (transient_status(rs->status) && attempt < s->max_attempts) {
			http_backoff_sleep(attempt);
			continue;
		}
		if (!rs->code[0])
			snprintf(rs->code, sizeof rs->code, "%s",
				 rs->status == 404   ? "NotFound"
				 : rs->status == 403 ? "Forbidden"
						     : "HTTPError");
		if (rs->status == 403 && strcmp(rs->code, "AccessDenied") == 0 && !rq->path &&
		    strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
			s->denied = 1; /* a write the keys may not do: not a credentials problem */
			err_set(e, EXIT_DENIED, "access denied: s3://%s/%s (these keys can read but not "
						"write; a writing verb needs keys made with 'lakehouse storage "
						"user add NAME --read-write')",
				s->cfg->bucket, rq->key ? rq->key : "");
			break;
		}
		int credentials = credentials_refused(rs);
		int remote = transient_status(rs->status) || rs->status == 401 || rs->status == 403 ||
			     credentials;
		s->denied = credentials || rs->status == 401 || rs->status == 403;
		err_set(e, remote ? EXIT_REMOTE : EXIT_FAILED, "%s failed: %s (HTTP %ld)%s%s%s", what,
			rs->code, rs->status, rs->message[0] ? ": " : "", rs->message,
			credentials ? " Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (environment "
				      "or .env) against the server's credentials."
				    : "");
		break;
	}
	if (rc < 0 && sink->data)
		sink->len = mark, sink->data[mark] = '\0';
	buf_free(&errbody);
	curl_slist_free_all(headers);
	return rc;
}

/* ---- bucket --------------------------------------------------------------------------- */

/* One request, no retry: the HTTP status, 0 when nothing answered. */
static long status_of_one_try(struct s3 *s, struct s3_req *rq)
{
	struct s3_resp rs;
	struct err ignored = {0};
	int attempts = s->max_attempts;
	s->max_attempts = 1;
	s3_do(s, rq, &rs, &ignored);
	s->max_attempts = attempts;
	return rs.status;
}

int s3_reachable(struct s3 *s)
{
	return status_of_one_try(s, &(struct s3_req){.method = "HEAD"}) != 0;
}

const char *s3_key_of(const struct config *cfg, const char *arg, struct err *e)
{
	if (strncmp(arg, "s3://", 5) != 0)
		return arg;
	const char *key = s3_key_of_uri(cfg->bucket, arg);
	if (key)
		return key;
	if (strcmp(arg + 5, cfg->bucket) == 0)
		return arg + strlen(arg); /* s3://BUCKET: the whole bucket */
	err_set(e, EXIT_USAGE,
		"%s is not in the configured bucket %s (LAKEHOUSE_BUCKET); give a key or an "
		"s3://%s/... URI",
		arg, cfg->bucket, cfg->bucket);
	return NULL;
}

int s3_tls_refused(const struct s3 *s)
{
	return s->tls_refused;
}

int s3_access_denied(const struct s3 *s)
{
	return s->denied;
}

long s3_service_status(struct s3 *s)
{
	return status_of_one_try(s, &(struct s3_req){.method = "GET", .service = 1});
}

int s3_bucket_exists(struct s3 *s, int *exists, struct err *e)
{
	/* A one-key LIST rather than HEAD: its error replies carry a body with the S3 error code
	 * (SignatureDoesNotMatch, AccessDenied ...), which a HEAD reply cannot. */
	struct buf body = {0};
	struct s3_req rq = {.method = "GET", .query = "list-type=2&max-keys=1", .out = &body};
	struct s3_resp rs;
	*exists = 0;
	int rc = s3_do(s, &rq, &rs, e);
	buf_free(&body);
	if (rc == 0) {
		*exists = 1;
		return 0;
	}
	if (rs.status == 404 && strcmp(rs.code, "NoSuchBucket") == 0) {
		memset(e, 0, sizeof *e);
		return 0;
	}
	return -1;
}

int s3_create_bucket(struct s3 *s, struct err *e)
{
	struct s3_req rq = {.method = "PUT"};
	struct s3_resp rs;
	if (s3_do(s, &rq, &rs, e) == 0)
		return 0;
	if (strcmp(rs.code, "BucketAlreadyOwnedByYou") == 0 ||
	    strcmp(rs.code, "BucketAlreadyExists") == 0) {
		memset(e, 0, sizeof *e);
		return 0;
	}
	return -1;
}

/* ---- objects -------------------------------------------------------------------------- */

int s3_put_hashed(struct s3 *s, const char *key, const void *data, size_t len,
		  const char *sha256_hex, struct err *e)
{
	struct s3_req rq = {.method = "PUT", .key = key, .body = data, .body_len = len,
			    .body_sha256 = sha256_hex};
	struct s3_resp rs;
	return s3_do(s, &rq, &rs, e);
}

int s3_put(struct s3 *s, const char *key, const void *data, size_t len, struct err *e)
{
	return s3_put_hashed(s, key, data, len, NULL, e);
}

int s3_get_range(struct s3 *s, const char *key, int64_t off, int64_t len, struct buf *out,
		 struct err *e)
{
	if (off < 0 || len == 0)
		return err_set(e, EXIT_USAGE, "invalid range %lld+%lld for %s", (long long)off,
			       (long long)len, key);
	struct s3_req rq = {.method = "GET", .key = key, .out = out, .range_off = off,
			    .range_len = (off == 0 && len < 0) ? 0 : len};
	struct s3_resp rs;
	size_t before = out->len;
	int rc = s3_do(s, &rq, &rs, e);
	if (rc == 0)
		s->received += (int64_t)(out->len - before);
	if (rc == 0 && len > 0 && out->len - before != (size_t)len)
		return err_set(e, EXIT_FAILED,
			       "GET s3://%s/%s bytes %lld+%lld: got %zu bytes; the object is shorter "
			       "than asked (stale index?)",
			       s->cfg->bucket, key, (long long)off, (long long)len, out->len - before);
	return rc;
}

/* A missing key is 404; RustFS answers a HEAD with a bare 400 (no error body, so no code)
 * instead (rustfs#2607, #1952): the same "no such object" for callers. */
int s3_reply_is_missing_key(long status, const char *code)
{
	return status == 404 || (status == 400 && strcmp(code, "HTTPError") == 0);
}

int s3_head(struct s3 *s, const char *key, struct s3_object *out, int *found, struct err *e)
{
	struct s3_req rq = {.method = "HEAD", .key = key};
	struct s3_resp rs;
	int rc = s3_do(s, &rq, &rs, e);
	if (found)
		*found = rc == 0;
	if (rc < 0 && s3_reply_is_missing_key(rs.status, rs.code))
		err_set(e, EXIT_FAILED, "no such object: s3://%s/%s", s->cfg->bucket, key);
	if (rc < 0)
		return -1;
	snprintf(out->key, sizeof out->key, "%s", key);
	out->size = rs.content_length;
	snprintf(out->etag, sizeof out->etag, "%s", rs.etag);
	snprintf(out->last_modified, sizeof out->last_modified, "%s", rs.last_modified);
	return 0;
}

int s3_delete(struct s3 *s, const char *key, struct err *e)
{
	struct s3_req rq = {.method = "DELETE", .key = key};
	struct s3_resp rs;
	return s3_do(s, &rq, &rs, e);
}

int s3_admin(struct s3 *s, const char *method, const char *path, const char *query,
	     const void *body, size_t len, struct buf *out, long *status, struct err *e)
{
	struct s3_req rq = {.method = method, .path = path, .query = query, .body = body,
			    .body_len = len, .out = out};
	struct s3_resp rs;
	int rc = s3_do(s, &rq, &rs, e);
	if (status)
		*status = rs.status;
	return rc;
}

int s3_write_probe(struct s3 *s, struct err *e)
{
	char key[160], host[64] = "host";
	unsigned char r[8] = {0};
	FILE *f = fopen("/dev/urandom", "rb");
	if (f) {
		if (fread(r, 1, sizeof r, f) != sizeof r)
			memset(r, 0, sizeof r);
		fclose(f);
	}
	gethostname(host, sizeof host - 1);
	snprintf(key, sizeof key, "lake/.write-probe/%.60s-%ld-%02x%02x%02x%02x%02x%02x%02x%02x", host,
		 (long)getpid(), r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	/* A store on a POSIX file system (versitygw) can refuse the PUT while another writer's
	 * probe DELETE removes the emptied .write-probe/ folder (409 "Existing Object is a
	 * directory"): a few tries, unless the keys are refused. */
	int rc = -1;
	for (int attempt = 0; attempt < 4 && rc < 0; attempt++) {
		if (attempt && e->code == EXIT_DENIED)
			break;
		if (attempt)
			http_backoff_sleep(attempt);
		rc = s3_put(s, key, "", 0, e);
	}
	return rc < 0 ? -1 : s3_delete(s, key, e);
}

/* ---- multipart upload ----------------------------------------------------------------- */

struct multipart {
	char upload_id[512];
	char upload_id_enc[1600];
	struct buf complete_xml; /* <Part> entries accumulate here */
};

static int multipart_begin(struct s3 *s, const char *key, struct multipart *mp, struct err *e)
{
	struct buf body = {0};
	struct s3_req rq = {.method = "POST", .key = key, .query = "uploads=", .out = &body};
	struct s3_resp rs;
	int rc = s3_do(s, &rq, &rs, e);
	if (rc == 0) {
		xmlDocPtr doc = xml_parse(body.data, body.len);
		xml_child_text(doc ? xmlDocGetRootElement(doc) : NULL, "UploadId", mp->upload_id,
			       sizeof mp->upload_id);
		xmlFreeDoc(doc);
		if (!mp->upload_id[0] ||
		    http_uri_encode(mp->upload_id_enc, sizeof mp->upload_id_enc, mp->upload_id, 0) < 0)
			rc = err_set(e, EXIT_REMOTE, "POST s3://%s/%s?uploads: no UploadId in the reply",
				     s->cfg->bucket, key);
	}
	buf_free(&body);
	return rc;
}

static int multipart_part(struct s3 *s, const char *key, struct multipart *mp, int number,
			  const void *data, size_t len, struct err *e)
{
	char query[2048], part[512];
	snprintf(query, sizeof query, "partNumber=%d&uploadId=%s", number, mp->upload_id_enc);
	struct s3_req rq = {.method = "PUT", .key = key, .query = query, .body = data, .body_len = len};
	struct s3_resp rs;
	if (s3_do(s, &rq, &rs, e) < 0)
		return err_wrap(e, "part %d", number);
	if (!rs.etag[0])
		return err_set(e, EXIT_REMOTE, "PUT s3://%s/%s part %d: no ETag in the reply",
			       s->cfg->bucket, key, number);
	int n = snprintf(part, sizeof part, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
			 number, rs.etag);
	return buf_append(&mp->complete_xml, part, (size_t)n) == 0
		       ? 0
		       : err_set(e, EXIT_FAILED, "out of memory during multipart upload");
}

static int multipart_complete(struct s3 *s, const char *key, struct multipart *mp, struct err *e)
{
	static const char open_tag[] = "<CompleteMultipartUpload>";
	static const char close_tag[] = "</CompleteMultipartUpload>";
	struct buf xml = {0}, reply = {0};
	char query[1700];
	snprintf(query, sizeof query, "uploadId=%s", mp->upload_id_enc);
	int rc = -1;
	if (buf_append(&xml, open_tag, sizeof open_tag - 1) < 0 ||
	    buf_append(&xml, mp->complete_xml.data, mp->complete_xml.len) < 0 ||
	    buf_append(&xml, close_tag, sizeof close_tag - 1) < 0) {
		err_set(e, EXIT_FAILED, "out of memory completing a multipart upload");
		goto out;
	}
	struct s3_req rq = {.method = "POST", .key = key, .query = query, .body = xml.data,
			    .body_len = xml.len, .out = &reply};
	struct s3_resp rs;
	if (s3_do(s, &rq, &rs, e) < 0)
		goto out;
	/* S3 may answer 200 with an <Error> body when completion fails late. */
	parse_error_body(&reply, &rs);
	if (rs.code[0]) {
		err_set(e, EXIT_REMOTE, "completing upload of s3://%s/%s failed: %s: %s",
			s->cfg->bucket, key, rs.code, rs.message);
		goto out;
	}
	rc = 0;
out:
	buf_free(&xml);
	buf_free(&reply);
	return rc;
}

static void multipart_abort(struct s3 *s, const char *key, struct multipart *mp)
{
	char query[1700];
	snprintf(query, sizeof query, "uploadId=%s", mp->upload_id_enc);
	struct s3_req rq = {.method = "DELETE", .key = key, .query = query};
	struct s3_resp rs;
	struct err ignored = {0};
	s3_do(s, &rq, &rs, &ignored); /* best effort: the first error is the one to report */
}

static int read_full(FILE *f, char *p, size_t n, size_t *got)
{
	*got = fread(p, 1, n, f);
	return ferror(f) ? -1 : 0;
}

int s3_put_file(struct s3 *s, const char *key, const char *path, struct err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, EXIT_FAILED, "cannot open %s: %s", path, strerror(errno));
	char *chunk = malloc(s->part_size);
	struct multipart mp = {0};
	int rc = -1, started = 0;
	size_t got;
	if (!chunk) {
		err_set(e, EXIT_FAILED, "out of memory for a %zu-byte upload buffer", s->part_size);
		goto out;
	}
	if (read_full(f, chunk, s->part_size, &got) < 0) {
		err_set(e, EXIT_FAILED, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (got < s->part_size || feof(f) || fgetc(f) == EOF) { /* fits in one PUT */
		rc = s3_put(s, key, chunk, got, e);
		goto out;
	}
	fseek(f, (long)s->part_size, SEEK_SET);
	if (multipart_begin(s, key, &mp, e) < 0)
		goto out;
	started = 1;
	for (int number = 1; got > 0; number++) {
		if (multipart_part(s, key, &mp, number, chunk, got, e) < 0)
			goto out;
		if (read_full(f, chunk, s->part_size, &got) < 0) {
			err_set(e, EXIT_FAILED, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
	}
	rc = multipart_complete(s, key, &mp, e);
out:
	if (rc < 0 && started)
		multipart_abort(s, key, &mp);
	buf_free(&mp.complete_xml);
	free(chunk);
	fclose(f);
	return rc;
}

/* ---- listing -------------------------------------------------------------------------- */

/* cur->prev holds the last key handed to cb (across pages): S3 lists each key once, in order,
 * but RustFS can list a key twice next to a directory marker (rustfs#2439). Markers ("dir/",
 * empty) are not objects and are skipped too. */
int s3_list_parse_page(const char *xml, size_t len, s3_list_cb cb, void *ctx,
		       struct s3_list_cursor *cur)
{
	xmlDocPtr doc = xml_parse(xml, len);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root) {
		xmlFreeDoc(doc);
		return -1;
	}
	char truncated[16], size[32];
	for (xmlNodePtr c = root->children; c && !cur->stopped; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "Contents") != 0)
			continue;
		struct s3_object o;
		xml_child_text(c, "Key", o.key, sizeof o.key);
		xml_child_text(c, "Size", size, sizeof size);
		xml_child_text(c, "ETag", o.etag, sizeof o.etag);
		xml_child_text(c, "LastModified", o.last_modified, sizeof o.last_modified);
		o.size = strtoll(size, NULL, 10);
		size_t klen = strlen(o.key);
		if ((klen && o.key[klen - 1] == '/' && o.size == 0) || strcmp(o.key, cur->prev) == 0)
			continue;
		snprintf(cur->prev, sizeof cur->prev, "%s", o.key);
		if (cb(&o, ctx))
			cur->stopped = 1;
	}
	xml_child_text(root, "IsTruncated", truncated, sizeof truncated);
	xml_child_text(root, "NextContinuationToken", cur->token, sizeof cur->token);
	if (strcmp(truncated, "true") != 0)
		cur->token[0] = '\0';
	xmlFreeDoc(doc);
	return 0;
}

int s3_list(struct s3 *s, const char *prefix, s3_list_cb cb, void *ctx, struct err *e)
{
	struct s3_list_cursor cur = {0};
	char token_enc[3200], prefix_enc[3200], query[7000];
	if (http_uri_encode(prefix_enc, sizeof prefix_enc, prefix ? prefix : "", 0) < 0)
		return err_set(e, EXIT_USAGE, "prefix too long");
	struct buf body = {0};
	int rc = 0;
	do {
		http_uri_encode(token_enc, sizeof token_enc, cur.token, 0);
		/* Parameters in sorted order: the canonical form SigV4 signs. */
		snprintf(query, sizeof query, "%s%s%slist-type=2&max-keys=%d&prefix=%s",
			 cur.token[0] ? "continuation-token=" : "", token_enc, cur.token[0] ? "&" : "",
			 s->list_page, prefix_enc);
		buf_reset(&body);
		struct s3_req rq = {.method = "GET", .query = query, .out = &body};
		struct s3_resp rs;
		if (s3_do(s, &rq, &rs, e) < 0) {
			rc = -1;
			break;
		}
		if (s3_list_parse_page(body.data, body.len, cb, ctx, &cur) < 0) {
			rc = err_set(e, EXIT_REMOTE, "LIST s3://%s/%s: unreadable XML reply",
				     s->cfg->bucket, prefix ? prefix : "");
			break;
		}
	} while (cur.token[0] && !cur.stopped);
	buf_free(&body);
	return rc;
}
