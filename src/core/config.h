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
	char duckdb_threads[16], duckdb_memory[32]; /* DuckDB settings; "" = DuckDB's default */
	char lock_timeout[16]; /* seconds to wait for a catalog another process holds */
	char s3_timeout[16];   /* seconds an S3 request may stall (no byte moving) before it fails */
	int dotenv_open_mode;  /* permission bits of a .env others may read (it holds secrets), else 0 */
};

/* Fills cfg from the environment, ./.env (dotenv_path, NULL for "./.env") and defaults.
 * A missing .env is fine; an unreadable or malformed one is an error naming the line. */
int config_load(struct config *cfg, const char *dotenv_path, struct err *e);

/* Checks .env text (n bytes) as config_load would read it: 0, or -1 naming the bad line. */
int config_check_dotenv(const char *text, size_t n, struct err *e);

/* LAKEHOUSE_S3_TIMEOUT in seconds: 60 when it is not a positive number. */
long config_s3_timeout_s(const struct config *cfg);

/* Splits cfg->endpoint into host ("127.0.0.1"), port and TLS use. Returns 0 or -1. */
int config_endpoint_parts(const struct config *cfg, char *host, size_t hostlen, int *port,
			  int *use_tls, struct err *e);

/* 1 when the endpoint host is a loopback address (the embedded server may serve it). */
int config_endpoint_is_local(const struct config *cfg);

#endif
