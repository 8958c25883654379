/* config.c - environment + .env + defaults; see config.h.
 *
 * Variable names are the ones users of the AWS tools and of the seed compose file expect:
 * AWS_ENDPOINT_URL or S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.
 * lakehouse's own settings carry the LAKEHOUSE_ prefix.
 */
#include "core/config.h"

#include "core/buf.h"
#include "core/fsutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LAKEHOUSE_DEFAULT_EXTENSION_DIR
#define LAKEHOUSE_DEFAULT_EXTENSION_DIR ".deps/duckdb/extensions"
#endif
#ifndef LAKEHOUSE_DEFAULT_S3_SERVER
#define LAKEHOUSE_DEFAULT_S3_SERVER ".deps/bin/versitygw"
#endif

#define DOTENV_MAX_VARS 128

struct dotenv {
	int n;
	char key[DOTENV_MAX_VARS][64];
	char val[DOTENV_MAX_VARS][1024];
};

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int dotenv_parse_line(struct dotenv *d, char *line, const char *path, int lineno,
			     struct err *e)
{
	char *s = trim(line);
	if (*s == '\0' || *s == '#')
		return 0;
	if (strncmp(s, "export ", 7) == 0)
		s = trim(s + 7);
	char *eq = strchr(s, '=');
	if (!eq)
		return err_set(e, EXIT_USAGE, "%s:%d: expected KEY=VALUE; fix or remove the line",
			       path, lineno);
	*eq = '\0';
	char *key = trim(s), *val = trim(eq + 1);
	size_t vlen = strlen(val);
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
		val[vlen - 1] = '\0';
		val++;
	} else {
		char *hash = strstr(val, " #"); /* inline comment after an unquoted value */
		if (hash)
			*hash = '\0', val = trim(val);
	}
	if (*key == '\0' || strlen(key) >= sizeof d->key[0] || strlen(val) >= sizeof d->val[0])
		return err_set(e, EXIT_USAGE, "%s:%d: key or value too long", path, lineno);
	if (d->n == DOTENV_MAX_VARS)
		return err_set(e, EXIT_USAGE, "%s: more than %d variables", path, DOTENV_MAX_VARS);
	snprintf(d->key[d->n], sizeof d->key[0], "%s", key);
	snprintf(d->val[d->n], sizeof d->val[0], "%s", val);
	d->n++;
	return 0;
}

/* Parses .env text line by line (lines longer than 2 KiB are an error). */
static int dotenv_parse(struct dotenv *d, const char *text, size_t n, const char *path,
			struct err *e)
{
	char line[2048];
	int lineno = 0, rc = 0;
	d->n = 0;
	for (size_t at = 0; rc == 0 && at < n;) {
		const char *nl = memchr(text + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (text + at)) : n - at;
		lineno++;
		if (len >= sizeof line || memchr(text + at, '\0', len))
			return err_set(e, EXIT_USAGE, "%s:%d: line too long or not text", path, lineno);
		memcpy(line, text + at, len);
		line[len] = '\0';
		rc = dotenv_parse_line(d, line, path, lineno, e);
		at += len + 1;
	}
	return rc;
}

int config_check_dotenv(const char *text, size_t n, struct err *e)
{
	static _Thread_local struct dotenv d; /* 130 KiB: off the stack */
	return dotenv_parse(&d, text, n, ".env", e);
}

static int dotenv_read(struct dotenv *d, const char *path, struct err *e)
{
	d->n = 0;
	struct buf b = {.max = 1u << 20};
	int missing = 0, rc = fs_read_file(path, &b, &missing, e);
	if (rc == 0)
		rc = dotenv_parse(d, b.data ? b.data : "", b.len, path, e);
	else if (missing) /* no .env is fine */
		rc = 0, memset(e, 0, sizeof *e);
	buf_free(&b);
	return rc;
}

/* Looks a name up: environment first, then .env. Returns NULL when unset or empty. */
static const char *lookup(const struct dotenv *d, const char *name)
{
	const char *v = getenv(name);
	if (v && *v)
		return v;
	for (int i = d->n - 1; i >= 0; i--)
		if (strcmp(d->key[i], name) == 0 && d->val[i][0])
			return d->val[i];
	return NULL;
}

static void pick(char *dst, size_t n, const struct dotenv *d, const char *const names[],
		 const char *fallback)
{
	const char *v = NULL;
	for (int i = 0; names[i] && !v; i++)
		v = lookup(d, names[i]);
	snprintf(dst, n, "%s", v ? v : fallback);
}

static void trim_in_place(char *s)
{
	char *t = trim(s);
	memmove(s, t, strlen(t) + 1);
}

/* The token file huggingface_hub writes: $HF_TOKEN_PATH, else $HF_HOME/token, else
 * ~/.cache/huggingface/token. */
static void read_token_file(char *dst, size_t n)
{
	char path[1024];
	const char *p = getenv("HF_TOKEN_PATH"), *home = getenv("HF_HOME"), *user = getenv("HOME");
	if (p && *p)
		snprintf(path, sizeof path, "%s", p);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/token", home);
	else if (user && *user)
		snprintf(path, sizeof path, "%s/.cache/huggingface/token", user);
	else
		return;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(dst, (int)n, f))
		dst[0] = '\0';
	fclose(f);
}

/* A whole decimal number in [min, max] from the setting `name` (fallback when unset); a usage
 * error names the setting and the range otherwise. */
static int pick_number(const struct dotenv *d, const char *name, long fallback, long min,
		       long max, long *out, struct err *e)
{
	const char *v = lookup(d, name);
	*out = fallback;
	if (!v)
		return 0;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!isdigit((unsigned char)v[v[0] == '-']) || *end || errno == ERANGE || n < min || n > max)
		return err_set(e, EXIT_USAGE,
			       "%s='%.64s' is not a whole number from %ld to %ld; fix or unset it", name,
			       v, min, max);
	*out = n;
	return 0;
}

/* DuckDB's memory_limit: a positive number with a unit, "4GB", "1.5 GiB", "512MiB". Checked
 * here because DuckDB itself ignores a value it cannot read. */
static int memory_size_valid(const char *v)
{
	static const char *const units[] = {"k", "kb", "kib", "m", "mb", "mib",
					    "g", "gb", "gib", "t", "tb", "tib", NULL};
	const char *p = v;
	int nonzero = 0;
	for (; isdigit((unsigned char)*p) || (*p == '.' && p > v && isdigit((unsigned char)p[1])); p++)
		nonzero |= *p >= '1' && *p <= '9';
	while (*p == ' ')
		p++;
	for (int i = 0; nonzero && units[i]; i++)
		if (strcasecmp(p, units[i]) == 0)
			return 1;
	return 0;
}

static int load_numbers(struct config *cfg, const struct dotenv *d, struct err *e)
{
	long threads;
	if (pick_number(d, "LAKEHOUSE_LOCK_TIMEOUT", 10, 0, 86400, &cfg->lock_timeout_s, e) < 0 ||
	    pick_number(d, "LAKEHOUSE_S3_TIMEOUT", 60, 1, 86400, &cfg->s3_timeout_s, e) < 0 ||
	    pick_number(d, "LAKEHOUSE_DUCKDB_THREADS", 0, 1, 1024, &threads, e) < 0)
		return -1;
	cfg->duckdb_threads = (int)threads;
	if (cfg->duckdb_memory[0] && !memory_size_valid(cfg->duckdb_memory))
		return err_set(e, EXIT_USAGE,
			       "LAKEHOUSE_DUCKDB_MEMORY='%s' is not a memory size; give a number with "
			       "a unit, e.g. 4GB or 512MiB, or unset it",
			       cfg->duckdb_memory);
	return 0;
}

#define PICK(field, fallback, ...)                                                      \
	pick(cfg->field, sizeof cfg->field, &d, (const char *const[]){__VA_ARGS__, NULL}, \
	     fallback)

int config_load(struct config *cfg, const char *dotenv_path, struct err *e)
{
	static struct dotenv d; /* 130 KiB: keep it off the stack */
	memset(cfg, 0, sizeof *cfg);
	struct stat st;
	if (stat(dotenv_path ? dotenv_path : ".env", &st) == 0 && (st.st_mode & 077))
		cfg->dotenv_open_mode = (int)(st.st_mode & 0777);
	if (dotenv_read(&d, dotenv_path ? dotenv_path : ".env", e) < 0)
		return -1;
	const char *user = getenv("USER");
	size_t n;

	PICK(endpoint, "http://127.0.0.1:9000", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL",
	     "S3_ENDPOINT");
	PICK(ca_bundle, "", "AWS_CA_BUNDLE", "SSL_CERT_FILE");
	PICK(access_key, "rustfsadmin", "AWS_ACCESS_KEY_ID", "RUSTFS_ACCESS_KEY");
	PICK(secret_key, "rustfsadmin", "AWS_SECRET_ACCESS_KEY", "RUSTFS_SECRET_KEY");
	PICK(region, "us-east-1", "AWS_REGION", "AWS_DEFAULT_REGION");
	PICK(bucket, "lakehouse", "LAKEHOUSE_BUCKET");
	PICK(catalog, "metadata.ducklake", "LAKEHOUSE_CATALOG");
	PICK(data_dir, "lakehouse-data", "LAKEHOUSE_DATA_DIR");
	PICK(extension_dir, LAKEHOUSE_DEFAULT_EXTENSION_DIR, "LAKEHOUSE_EXTENSION_DIR");
	PICK(s3_server_bin, LAKEHOUSE_DEFAULT_S3_SERVER, "LAKEHOUSE_S3_SERVER");
	PICK(rustfs_bin, "", "LAKEHOUSE_RUSTFS_BIN");
	PICK(author, user && *user ? user : "lakehouse", "LAKEHOUSE_AUTHOR");

	PICK(hf_endpoint, "https://huggingface.co", "HF_ENDPOINT");
	PICK(hf_token, "", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN");
	PICK(local_store, "local-store", "LAKEHOUSE_LOCAL_STORE");
	PICK(duckdb_memory, "", "LAKEHOUSE_DUCKDB_MEMORY");
	if (load_numbers(cfg, &d, e) < 0)
		return -1;
	if (!cfg->hf_token[0])
		read_token_file(cfg->hf_token, sizeof cfg->hf_token);
	trim_in_place(cfg->hf_token);
	n = strlen(cfg->hf_endpoint);
	while (n && cfg->hf_endpoint[n - 1] == '/')
		cfg->hf_endpoint[--n] = '\0';

	/* The seed's compose names the endpoint "rustfs:9000" without a scheme. */
	if (!strstr(cfg->endpoint, "://")) {
		char tmp[sizeof cfg->endpoint];
		snprintf(tmp, sizeof tmp, "%s", cfg->endpoint);
		if (snprintf(cfg->endpoint, sizeof cfg->endpoint, "http://%s", tmp) >=
		    (int)sizeof cfg->endpoint)
			return err_set(e, EXIT_USAGE, "endpoint too long");
	}
	n = strlen(cfg->endpoint);
	while (n && cfg->endpoint[n - 1] == '/')
		cfg->endpoint[--n] = '\0';
	size_t blen = strlen(cfg->bucket);
	if (blen < 3 || blen > 63)
		return err_set(e, EXIT_USAGE,
			       "invalid bucket name '%s' (LAKEHOUSE_BUCKET): S3 wants 3 to 63 characters",
			       cfg->bucket);
	for (const char *p = cfg->bucket; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '.'))
			return err_set(e, EXIT_USAGE,
				       "invalid bucket name '%s' (LAKEHOUSE_BUCKET): use lower-case "
				       "letters, digits, '-' and '.'",
				       cfg->bucket);
	/* The catalog string appears in messages and output: a password in it would leak. */
	if (catalog_kind(cfg->catalog) == CATALOG_POSTGRES && strstr(cfg->catalog, "password"))
		return err_set(e, EXIT_USAGE,
			       "LAKEHOUSE_CATALOG carries a password: remove it and set PGPASSWORD or "
			       "put it in ~/.pgpass (chmod 600); the catalog string is shown in messages");
	char host[256];
	int port, tls;
	if (config_endpoint_parts(cfg, host, sizeof host, &port, &tls, e) < 0)
		return -1;
	if (tls && cfg->ca_bundle[0] && access(cfg->ca_bundle, R_OK) != 0)
		return err_set(e, EXIT_USAGE,
			       "cannot read the CA file '%s' (AWS_CA_BUNDLE or SSL_CERT_FILE): %s; "
			       "set AWS_CA_BUNDLE to the PEM file of the CA that signs %s's "
			       "certificate",
			       cfg->ca_bundle, strerror(errno), cfg->endpoint);
	return 0;
}

enum catalog_kind catalog_kind(const char *catalog)
{
	return strncmp(catalog, "sqlite:", 7) == 0     ? CATALOG_SQLITE
	       : strncmp(catalog, "postgres:", 9) == 0 ? CATALOG_POSTGRES
	       : strncmp(catalog, "mysql:", 6) == 0    ? CATALOG_MYSQL
						       : CATALOG_DUCKDB_FILE;
}

const char *catalog_kind_name(enum catalog_kind kind)
{
	switch (kind) {
	case CATALOG_SQLITE: return "SQLite file";
	case CATALOG_POSTGRES: return "PostgreSQL database";
	case CATALOG_MYSQL: return "MySQL database";
	default: return "DuckDB file";
	}
}

const char *catalog_file(const char *catalog)
{
	switch (catalog_kind(catalog)) {
	case CATALOG_DUCKDB_FILE: return catalog;
	case CATALOG_SQLITE: return catalog + strlen("sqlite:");
	default: return NULL;
	}
}

int config_endpoint_parts(const struct config *cfg, char *host, size_t hostlen, int *port,
			  int *use_tls, struct err *e)
{
	const char *p = cfg->endpoint;
	if (strncmp(p, "http://", 7) == 0) {
		*use_tls = 0, *port = 80, p += 7;
	} else if (strncmp(p, "https://", 8) == 0) {
		*use_tls = 1, *port = 443, p += 8;
	} else {
		return err_set(e, EXIT_USAGE,
			       "endpoint '%s' must start with http:// or https:// (AWS_ENDPOINT_URL)",
			       cfg->endpoint);
	}
	size_t hl = strcspn(p, ":/");
	if (hl == 0 || hl >= hostlen)
		return err_set(e, EXIT_USAGE, "endpoint '%s' has no valid host", cfg->endpoint);
	memcpy(host, p, hl);
	host[hl] = '\0';
	p += hl;
	if (*p == ':') {
		char *end;
		long v = strtol(p + 1, &end, 10);
		if (end == p + 1 || v <= 0 || v > 65535 || (*end && *end != '/'))
			return err_set(e, EXIT_USAGE, "endpoint '%s' has an invalid port", cfg->endpoint);
		*port = (int)v;
		p = end;
	}
	if (*p && strcmp(p, "/") != 0)
		return err_set(e, EXIT_USAGE,
			       "endpoint '%s' must not carry a path; give scheme://host:port",
			       cfg->endpoint);
	return 0;
}

int config_endpoint_is_local(const struct config *cfg)
{
	char host[256];
	int port, tls;
	if (config_endpoint_parts(cfg, host, sizeof host, &port, &tls, NULL) < 0)
		return 0;
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "[::1]") == 0;
}
