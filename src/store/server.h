/* server.h - the embedded S3 server that `lakehouse storage` runs on a loopback endpoint:
 * versitygw (posix backend) by default, or RustFS when asked for and LAKEHOUSE_RUSTFS_BIN
 * (cfg->rustfs_bin) names its binary.
 *
 * State lives under cfg->data_dir: s3.pid, s3.log, and objects/ (versitygw's bucket data) or
 * rustfs/data + rustfs/logs (RustFS's, the layout of docker-compose.yml's volumes).
 * The server gets the credentials through its environment, never on its command line
 * (command lines are visible to every local user).
 */
#ifndef LAKEHOUSE_SERVER_H
#define LAKEHOUSE_SERVER_H

#include <sys/types.h>

#include "core/config.h"
#include "core/err.h"

enum server_kind { SERVER_NONE, SERVER_VERSITYGW, SERVER_RUSTFS };

/* Starts the server, waits until it answers S3 calls (a signed ListBuckets), creates the
 * bucket. *already = 1 when that server of ours was running already (nothing started); the
 * other kind running is a conflict (EXIT_CONFLICT). */
int server_start_kind(const struct config *cfg, enum server_kind kind, int *already,
		      struct err *e);
/* TLS for the embedded server (`storage start --tls`): it serves https with cert + key
 * (PEM files) when given, else with a certificate it makes once under
 * $LAKEHOUSE_DATA_DIR/tls/ (server.pem, server.key; for 127.0.0.1, ::1, localhost and the
 * endpoint's host), signed by a CA made with it (ca.pem; the CA's private key is thrown away
 * after signing, so nothing else can be issued under it). The endpoint must be https://. */
struct server_start_opts {
	enum server_kind kind;
	int tls;
	const char *cert, *key; /* NULL: make them */
};
/* server_start_kind with TLS options. ca (n bytes) receives the CA file clients must trust
 * (AWS_CA_BUNDLE): the one made, or "" when the caller brought the certificate or TLS is off. */
int server_start_opts(const struct config *cfg, const struct server_start_opts *o, int *already,
		      char *ca, size_t n, struct err *e);
/* server_start_kind with the default, versitygw. */
int server_start(const struct config *cfg, int *already, struct err *e);
/* Stops our server (SIGTERM, then SIGKILL after 10 s). *was_running tells if there was one. */
int server_stop(const struct config *cfg, int *was_running, struct err *e);
/* Pid of our running server, or 0. */
pid_t server_pid(const struct config *cfg);
/* When our server runs but listens somewhere other than cfg->endpoint, writes a hint naming
 * where it listens ("the embedded server (pid N) listens at http://H:P: set ...") into hint
 * and returns 1; otherwise hint = "" and 0. */
int server_listens_elsewhere(const struct config *cfg, char *hint, size_t n);
/* Which of our servers runs (SERVER_NONE when none). */
enum server_kind server_running(const struct config *cfg);
/* "versitygw", "rustfs", or "" for SERVER_NONE (static string). */
const char *server_name(enum server_kind kind);

/* ---- scoped keys (`storage user`), defined in user.c ------------------------------------
 * Declared here with the server because `storage` drives both; they work on any store that
 * speaks one of these admin APIs, embedded or not.
 * Keys for training jobs and notebooks, made with the admin keys (cfg's) on the store that
 * cfg->endpoint names: versitygw (its internal IAM, which the embedded server keeps in
 * $LAKEHOUSE_DATA_DIR/iam, + statements in the bucket policy naming the user) or RustFS (its
 * IAM admin API + a canned policy "lakehouse-NAME" attached to the user). A user's name is its
 * access key id; its secret is made here from /dev/urandom and sent in a request body, never on
 * a command line. Read-only: list the bucket, get objects; read-write adds put, delete and
 * multipart. With a prefix the object rights cover keys under it only (listing stays
 * bucket-wide). */
enum user_access { USER_READ_ONLY, USER_READ_WRITE };
struct store_user {
	char name[128];
	enum user_access access;
	int known; /* 0: no lakehouse policy names it (made by other tools) */
	char prefix[512];
};
/* Creates user name; secret (the caller's buffer, n >= 41 bytes) receives its secret key. */
int server_user_add(const struct config *cfg, const char *name, enum user_access access,
		    const char *prefix, char *secret, size_t n, struct err *e);
/* Calls fn for every user of the store (fn returns non-zero to stop). u is valid only during
 * the call; fn copies what it keeps. */
int server_user_list(const struct config *cfg, int (*fn)(const struct store_user *u, void *ctx),
		     void *ctx, struct err *e);
/* Removes the user and the policy lakehouse made for it. */
int server_user_rm(const struct config *cfg, const char *name, struct err *e);

#endif
