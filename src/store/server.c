/* server.c - embedded S3 server lifecycle; see server.h.
 *
 * The default server is versitygw (Apache-2.0, built from the Go module proxy by
 * bootstrap.sh), chosen over s3s-fs by measurement: see README "Choosing the embedded S3
 * server". RustFS (the brief's store) runs the same way when LAKEHOUSE_RUSTFS_BIN names it.
 */
#include "store/server.h"
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/http.h"
#include "store/s3.h"

#define START_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 10000

static void state_path(const struct config *cfg, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", cfg->data_dir, name);
}

/* Which of our servers runs as pid (by its command line): SERVER_NONE when none. */
static enum server_kind running_kind(pid_t pid)
{
	char path[64], cmd[4096] = "";
	if (pid <= 0 || kill(pid, 0) != 0)
		return SERVER_NONE;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return SERVER_NONE;
	size_t n = fread(cmd, 1, sizeof cmd - 1, f);
	fclose(f);
	cmd[n] = '\0'; /* argv[0] only (as exec_server sets it): paths may name anything */
	const char *base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
	return strcmp(base, "versitygw") == 0 ? SERVER_VERSITYGW
	       : strcmp(base, "rustfs") == 0  ? SERVER_RUSTFS
					      : SERVER_NONE;
}

static pid_t pid_from_file(const struct config *cfg)
{
	char path[PATH_MAX];
	state_path(cfg, "s3.pid", path, sizeof path);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

pid_t server_pid(const struct config *cfg)
{
	pid_t pid = pid_from_file(cfg);
	return running_kind(pid) != SERVER_NONE ? pid : 0;
}

const char *server_name(enum server_kind kind)
{
	return kind == SERVER_RUSTFS ? "rustfs" : kind == SERVER_VERSITYGW ? "versitygw" : "";
}

enum server_kind server_running(const struct config *cfg)
{
	return running_kind(pid_from_file(cfg));
}

/* In the child: detach, redirect output to the log, hand over credentials (environment
 * only: command lines are visible to every local user), exec. */
static void exec_server(const struct config *cfg, enum server_kind kind, const char *bin,
			const char *listen, const char *logpath)
{
	char data[PATH_MAX], logs[PATH_MAX];
	setsid();
	int devnull = open("/dev/null", O_RDONLY);
	int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (devnull < 0 || log < 0)
		_exit(127);
	dup2(devnull, 0);
	dup2(log, 1);
	dup2(log, 2);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("RUSTFS_SECRET_KEY");
	if (kind == SERVER_RUSTFS) {
		state_path(cfg, "rustfs/data", data, sizeof data);
		state_path(cfg, "rustfs/logs", logs, sizeof logs);
		setenv("RUSTFS_ACCESS_KEY", cfg->access_key, 1);
		setenv("RUSTFS_SECRET_KEY", cfg->secret_key, 1);
		setenv("RUSTFS_ADDRESS", listen, 1);
		setenv("RUSTFS_REGION", cfg->region, 1);
		setenv("RUSTFS_CONSOLE_ENABLE", "false", 1);
		setenv("RUSTFS_OBS_LOG_DIRECTORY", logs, 1);
		execl(bin, "rustfs", "server", data, (char *)NULL);
	} else {
		state_path(cfg, "objects", data, sizeof data);
		setenv("ROOT_ACCESS_KEY", cfg->access_key, 1);
		setenv("ROOT_SECRET_KEY", cfg->secret_key, 1);
		setenv("VGW_REGION", cfg->region, 1);
		/* keep-alive is off by default in versitygw: without it every request pays a new
		 * TCP connection, and clients (ours, DuckDB httpfs) cannot reuse one. */
		execl(bin, "versitygw", "--port", listen, "--keep-alive", "posix", data, (char *)NULL);
	}
	fprintf(stderr, "lakehouse: cannot run %s: %s\n", bin, strerror(errno));
	_exit(127);
}

static void log_tail(const char *logpath, char *out, size_t n)
{
	out[0] = '\0';
	FILE *f = fopen(logpath, "r");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > (long)n - 1 ? size - (long)n + 1 : 0, SEEK_SET);
	size_t got = fread(out, 1, n - 1, f);
	out[got] = '\0';
	fclose(f);
	for (char *p = out; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* Polls until the server answers S3 requests, the child dies, or the timeout passes. */
static int wait_until_up(const struct config *cfg, pid_t child, const char *logpath,
			 struct err *e)
{
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return -1;
	s3_set_max_attempts(s, 1);
	int rc = -1;
	for (int waited = 0; waited < START_TIMEOUT_MS; waited += 100) {
		int status;
		if (waitpid(child, &status, WNOHANG) == child) {
			char tail[512];
			log_tail(logpath, tail, sizeof tail);
			err_set(e, EXIT_REMOTE, "the S3 server exited at start (see %s): %s", logpath, tail);
			break;
		}
		long answer = s3_service_status(s);
		/* it answers S3 calls (RustFS: 503 "Service not ready" before): now the bucket,
		 * whose errors are real ones (e.g. a wrong secret) */
		if (answer != 0 && answer != 503) {
			int exists = 0;
			rc = s3_bucket_exists(s, &exists, e);
			if (rc == 0 && !exists)
				rc = s3_create_bucket(s, e);
			break;
		}
		http_sleep_ms(100);
	}
	if (rc < 0 && !e->msg[0])
		err_set(e, EXIT_REMOTE, "the S3 server did not answer within %d s; see %s",
			START_TIMEOUT_MS / 1000, logpath);
	s3_free(s);
	return rc;
}

static int port_answers(const struct config *cfg)
{
	struct err ignored = {0};
	struct s3 *s = s3_new(cfg, &ignored);
	int answered = s && s3_reachable(s);
	s3_free(s);
	return answered;
}

static int server_binary(const struct config *cfg, enum server_kind kind, char *bin,
			 struct err *e)
{
	if (kind == SERVER_RUSTFS && !cfg->rustfs_bin[0])
		return err_set(e, EXIT_USAGE, "--server rustfs needs the RustFS binary: set "
					      "LAKEHOUSE_RUSTFS_BIN to its path");
	const char *path = kind == SERVER_RUSTFS ? cfg->rustfs_bin : cfg->s3_server_bin;
	if (!realpath(path, bin) || access(bin, X_OK) != 0)
		return err_set(e, 0, "S3 server binary '%s' not found; %s", path,
			       kind == SERVER_RUSTFS ? "check LAKEHOUSE_RUSTFS_BIN"
						     : "run scripts/bootstrap.sh or set LAKEHOUSE_S3_SERVER");
	return 0;
}

static int make_state_dirs(const struct config *cfg, enum server_kind kind, struct err *e)
{
	char path[PATH_MAX];
	if (kind != SERVER_RUSTFS) {
		state_path(cfg, "objects", path, sizeof path);
		return fs_mkdir_p(path, 0700, e);
	}
	state_path(cfg, "rustfs/logs", path, sizeof path);
	if (fs_mkdir_p(path, 0700, e) < 0)
		return -1;
	state_path(cfg, "rustfs/data", path, sizeof path); /* RustFS refuses a missing one */
	return fs_mkdir_p(path, 0700, e);
}

int server_start_kind(const struct config *cfg, enum server_kind kind, int *already,
		      struct err *e)
{
	*already = 0;
	if (!config_endpoint_is_local(cfg))
		return err_set(e, EXIT_USAGE,
			       "endpoint %s is not on this machine: the embedded server only serves "
			       "loopback endpoints; unset AWS_ENDPOINT_URL or start that server itself",
			       cfg->endpoint);
	enum server_kind running = server_running(cfg);
	if (running == kind) {
		*already = 1;
		return 0;
	}
	if (running != SERVER_NONE)
		return err_set(e, EXIT_CONFLICT, "the embedded %s server runs already (pid %d); stop it "
						 "first with 'lakehouse storage stop'",
			       server_name(running), (int)server_pid(cfg));
	char bin[PATH_MAX], logpath[PATH_MAX], pidpath[PATH_MAX], host[256], listen[300];
	if (server_binary(cfg, kind, bin, e) < 0)
		return -1;
	int port, tls;
	if (config_endpoint_parts(cfg, host, sizeof host, &port, &tls, e) < 0)
		return -1;
	if (tls)
		return err_set(e, EXIT_USAGE, "the embedded server speaks http, not https: set "
					      "AWS_ENDPOINT_URL=http://%s:%d", host, port);
	if (port_answers(cfg))
		return err_set(e, EXIT_REMOTE, "something already answers at %s; stop it or choose "
					       "another port with AWS_ENDPOINT_URL", cfg->endpoint);
	snprintf(listen, sizeof listen, "%s:%d", host, port);
	state_path(cfg, "s3.log", logpath, sizeof logpath);
	state_path(cfg, "s3.pid", pidpath, sizeof pidpath);
	if (make_state_dirs(cfg, kind, e) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_set(e, 0, "cannot fork: %s", strerror(errno));
	if (pid == 0)
		exec_server(cfg, kind, bin, listen, logpath);
	FILE *f = fopen(pidpath, "w");
	if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0) {
		kill(pid, SIGTERM);
		return err_set(e, 0, "cannot write %s: %s", pidpath, strerror(errno));
	}
	if (wait_until_up(cfg, pid, logpath, e) < 0) {
		kill(pid, SIGTERM);
		unlink(pidpath);
		return -1;
	}
	return 0;
}

int server_start(const struct config *cfg, int *already, struct err *e)
{
	return server_start_kind(cfg, SERVER_VERSITYGW, already, e);
}

int server_stop(const struct config *cfg, int *was_running, struct err *e)
{
	char pidpath[PATH_MAX];
	state_path(cfg, "s3.pid", pidpath, sizeof pidpath);
	pid_t pid = server_pid(cfg);
	*was_running = pid != 0;
	if (pid) {
		kill(pid, SIGTERM);
		int waited = 0;
		while (kill(pid, 0) == 0 && waited < STOP_TIMEOUT_MS) {
			waitpid(pid, NULL, WNOHANG); /* reap when it is our own child */
			http_sleep_ms(50);
			waited += 50;
		}
		if (kill(pid, 0) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
	}
	if (unlink(pidpath) != 0 && errno != ENOENT)
		return err_set(e, 0, "cannot remove %s: %s", pidpath, strerror(errno));
	return 0;
}
