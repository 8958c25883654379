/* hub.h - a Hugging Face Hub client (read side) over libcurl + jansson.
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

#include "config.h"
#include "err.h"

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

/* Downloads files[0..n) of repo@commit into dest_root/<path>, `threads` at a time.
 * Resumes partial downloads with Range, verifies size and sha256 (LFS) or git sha1, skips
 * files already present and verified. Shows a progress line when stderr is a TTY. */
int hub_download_files(const struct config *cfg, const char *repo, const char *commit,
		       const struct hub_file *files, size_t n, const char *dest_root, int threads,
		       struct err *e);

#endif
