/* hub.h - a Hugging Face Hub client over libcurl + jansson: read side (hub.c), write side
 * (hub_push.c).
 *
 * Endpoint from HF_ENDPOINT (default https://huggingface.co), token from HF_TOKEN; both live
 * in struct config. The token is sent only to the endpoint's own host: redirects to a CDN
 * or any other host go without it (libcurl drops Authorization on a host change and
 * CURLOPT_UNRESTRICTED_AUTH stays off). 429 and 5xx are retried with backoff; 401/403/404
 * become messages that say what to do. Protocol: ../shared/docs/hub-protocol.md.
 */
#ifndef LAKEHOUSE_HUB_H
#define LAKEHOUSE_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct hub_file {
	char path[1024];
	int64_t size;
	char git_oid[41]; /* git blob sha1 */
	char sha256[65];  /* LFS files: content sha256; "" otherwise */
};

/* A growable array of files; the caller frees it with hub_files_free(). */
struct hub_files {
	struct hub_file *v;
	size_t n, cap;
};
void hub_files_free(struct hub_files *f);

/* Resolves a branch, tag or commit to its 40-hex commit sha. */
int hub_resolve_revision(const struct config *cfg, const char *repo, const char *rev,
			 char sha[41], struct err *e);

/* Lists every file of the dataset repo at rev (recursive tree API, all pages). */
int hub_list_files(const struct config *cfg, const char *repo, const char *rev,
		   struct hub_files *out, struct err *e);

/* Adds the files of one page of a tree listing (JSON text) to out. */
int hub_parse_tree_page(const char *json, size_t n, struct hub_files *out, struct err *e);

/* Downloads files[0..n) of repo@commit into dest_root/<path>, `threads` at a time.
 * Resumes partial downloads with Range, verifies size and sha256 (LFS) or git sha1, skips
 * files already present and verified. Progress goes to output_progress(). */
int hub_download_files(const struct config *cfg, const char *repo, const char *commit,
		       const struct hub_file *files, size_t n, const char *dest_root, int threads,
		       struct err *e);

/* Size, SHA-256 and git blob SHA-1 (the Hub's "oid") of a local file, in one pass. */
int hub_hash_file(const char *path, int64_t *size, char sha256[65], char git_oid[41],
		  struct err *e);

/* 1 when id is OWNER/NAME as the Hub accepts it (letters, digits, '.', '_', '-'; no "--" or
 * "..", at most 96 characters per part). */
int hub_valid_repo_id(const char *id);

/* ---- write side ----------------------------------------------------------------------- */

struct hub_push_file {
	char path[512];    /* path in the repo */
	char local[4096];  /* the local file */
	int64_t size;
	char sha256[65];
	char git_oid[41];
};

/* Creates the dataset repo (private or public); a repo that exists already is fine. */
int hub_create_repo(const struct config *cfg, const char *repo, int private_repo, struct err *e);

struct hub_commit {
	const char *summary, *description;
	const char *parent; /* the head this commit builds on; the Hub refuses it if main moved */
	const struct hub_push_file *files;
	size_t nfiles;
	const char *const *deleted; /* paths to delete */
	size_t ndeleted;
	char oid[41];       /* out: the new commit */
};

/* One commit on main: pre-upload check, LFS upload of the files the Hub wants in LFS (basic
 * or multipart, only blobs it does not have yet; the token never goes to the storage host),
 * then the NDJSON commit. Nothing is visible on the branch before the commit succeeds. */
int hub_push(const struct config *cfg, const char *repo, struct hub_commit *c, struct err *e);

#endif
