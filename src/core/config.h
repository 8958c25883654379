/* config.h - where lakehouse finds its storage, catalog and dependencies.
 *
 * Sources, strongest first: the process environment, then KEY=VALUE lines of ./.env,
 * then built-in defaults that match a stock RustFS (`docker compose up -d` just works).
 * All strings live inside struct config (fixed buffers); nothing to free.
 */
#ifndef LAKEHOUSE_CONFIG_H
#define LAKEHOUSE_CONFIG_H

#include "core/err.h"

struct config {
	char endpoint[512];   /* http(s)://host:port, no trailing slash */
	/* AWS_CA_BUNDLE, else SSL_CERT_FILE: the PEM file of the CA(s) that sign an https
	 * endpoint's certificate (a private CA); "" = the system's CAs. Certificates are always
	 * verified, by our client and DuckDB's alike. */
	char ca_bundle[1024];
	char access_key[256];
	char secret_key[256]; /* never print, log or put into an error message */
	char region[64];
	char bucket[64];
	char catalog[1024];     /* DuckLake metadata path (a DuckDB file by default) */
	char data_dir[1024];    /* embedded server state: objects, pid, log */
	char extension_dir[1024];
	char s3_server_bin[1024];
	char rustfs_bin[1024];  /* LAKEHOUSE_RUSTFS_BIN: `storage start --server rustfs`; "" = none */
	char author[128];       /* recorded on every snapshot */
	char hf_endpoint[512];  /* HF_ENDPOINT, no trailing slash */
	char hf_token[512];     /* HF_TOKEN; never print, log or send to another host */
	char local_store[1024]; /* staging folder for downloads (LAKEHOUSE_LOCAL_STORE) */
	/* Numeric settings, parsed and range-checked once by config_load: */
	int duckdb_threads;    /* LAKEHOUSE_DUCKDB_THREADS; 0 = DuckDB's default */
	char duckdb_memory[32]; /* LAKEHOUSE_DUCKDB_MEMORY as DuckDB reads it ("4GB"); "" = default */
	long lock_timeout_s;   /* LAKEHOUSE_LOCK_TIMEOUT: wait for a catalog another process holds */
	long s3_timeout_s;     /* LAKEHOUSE_S3_TIMEOUT: an S3 request may stall this long, then fails */
	int dotenv_open_mode;  /* permission bits of a .env others may read (it holds secrets), else 0 */
};

/* Fills cfg from the environment, ./.env (dotenv_path, NULL for "./.env") and defaults.
 * A missing .env is fine; an unreadable or malformed one is an error naming the line. */
int config_load(struct config *cfg, const char *dotenv_path, struct err *e);

/* Checks .env text (n bytes) as config_load would read it: 0, or -1 naming the bad line. */
int config_check_dotenv(const char *text, size_t n, struct err *e);

/* What LAKEHOUSE_CATALOG names: a plain path is a DuckDB file; "sqlite:PATH",
 * "postgres:CONNINFO" and "mysql:..." are databases DuckLake reaches through a scanner. */
enum catalog_kind { CATALOG_DUCKDB_FILE, CATALOG_SQLITE, CATALOG_POSTGRES, CATALOG_MYSQL };
enum catalog_kind catalog_kind(const char *catalog);
/* For messages: "DuckDB file", "SQLite file", "PostgreSQL database", "MySQL database". */
const char *catalog_kind_name(enum catalog_kind kind);
/* The local file of a DuckDB-file or SQLite catalog (a pointer into catalog), NULL for a
 * catalog that lives in a database server. */
const char *catalog_file(const char *catalog);

/* Splits cfg->endpoint into host ("127.0.0.1"), port and TLS use. Returns 0 or -1. */
int config_endpoint_parts(const struct config *cfg, char *host, size_t hostlen, int *port,
			  int *use_tls, struct err *e);

/* 1 when the endpoint host is a loopback address (the embedded server may serve it). */
int config_endpoint_is_local(const struct config *cfg);

#endif
