/* server.h - the embedded S3 server (versitygw, posix backend) that `lakehouse storage`
 * runs on a loopback endpoint when no Docker/RustFS is around.
 *
 * State lives under cfg->data_dir: objects/ (the bucket data), s3.pid, s3.log.
 * The server gets the credentials through its environment, never on its command line
 * (command lines are visible to every local user).
 */
#ifndef LAKEHOUSE_SERVER_H
#define LAKEHOUSE_SERVER_H

#include <sys/types.h>

#include "core/config.h"
#include "core/err.h"

/* Starts the server, waits until it answers, creates the bucket. *already = 1 when a
 * server of ours was running already (nothing started). */
int server_start(const struct config *cfg, int *already, struct err *e);
/* Stops our server (SIGTERM, then SIGKILL after 10 s). *was_running tells if there was one. */
int server_stop(const struct config *cfg, int *was_running, struct err *e);
/* Pid of our running server, or 0. */
pid_t server_pid(const struct config *cfg);
/* When our server runs but listens somewhere other than cfg->endpoint, writes a hint naming
 * where it listens ("the embedded server (pid N) listens at http://H:P: set ...") into hint
 * and returns 1; otherwise hint = "" and 0. */
int server_listens_elsewhere(const struct config *cfg, char *hint, size_t n);

#endif
