/* server.c - embedded S3 server lifecycle; see server.h.
 *
 * The server is versitygw (Apache-2.0, built from the Go module proxy by bootstrap.sh),
 * chosen over s3s-fs by measurement: see README "Choosing the embedded S3 server".
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

/* A pid from the pid file counts only while it is alive and still our server binary. */
static int is_our_server(pid_t pid)
{
	char path[64], cmd[4096] = "";
	if (pid <= 0 || kill(pid, 0) != 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(cmd, 1, sizeof cmd - 1, f);
	fclose(f);
	cmd[n] = '\0';
	return strstr(cmd, "versitygw") != NULL;
}

pid_t server_pid(const struct config *cfg)
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
	return is_our_server((pid_t)pid) ? (pid_t)pid : 0;
}

int server_listens_elsewhere(const struct config *cfg, char *hint, size_t n)
{
	hint[0] = '\0';
	pid_t pid = server_pid(cfg);
	if (!pid)
		return 0;
	char path[64], cmd[4096];
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t len = fread(cmd, 1, sizeof cmd - 1, f);
	fclose(f);
	cmd[len] = '\0';
	/* the arguments are NUL-separated: find "--port" and take the next one (HOST:PORT) */
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1) {
		if (strcmp(cmd + i, "--port") != 0 || i + 7 >= len)
			continue;
		const char *listen = cmd + i + 7;
		if (strstr(cfg->endpoint, listen))
			return 0; /* it is the configured endpoint: no other place to suggest */
		snprintf(hint, n, "the embedded server (pid %d) listens at http://%s: set "
				  "AWS_ENDPOINT_URL=http://%s",
			 (int)pid, listen, listen);
		return 1;
	}
	return 0;
}

/* In the child: detach, redirect output to the log, hand over credentials, exec. */
static void exec_server(const struct config *cfg, const char *bin, const char *listen,
			const char *objects, const char *logpath)
{
	setsid();
	int devnull = open("/dev/null", O_RDONLY);
	int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (devnull < 0 || log < 0)
		_exit(127);
	dup2(devnull, 0);
	dup2(log, 1);
	dup2(log, 2);
	setenv("ROOT_ACCESS_KEY", cfg->access_key, 1);
	setenv("ROOT_SECRET_KEY", cfg->secret_key, 1);
	setenv("VGW_REGION", cfg->region, 1);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	/* keep-alive is off by default in versitygw: without it every request pays a new TCP
	 * connection, and clients (ours, DuckDB httpfs) cannot reuse one. */
	execl(bin, "versitygw", "--port", listen, "--keep-alive", "posix", objects, (char *)NULL);
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
		if (s3_reachable(s)) { /* it answers: now the bucket (its errors are real ones) */
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

int server_start(const struct config *cfg, int *already, struct err *e)
{
	*already = 0;
	if (!config_endpoint_is_local(cfg))
		return err_set(e, EXIT_USAGE,
			       "endpoint %s is not on this machine: the embedded server only serves "
			       "loopback endpoints; unset AWS_ENDPOINT_URL or start that server itself",
			       cfg->endpoint);
	if (server_pid(cfg)) {
		*already = 1;
		return 0;
	}
	char bin[PATH_MAX], objects[PATH_MAX], logpath[PATH_MAX], pidpath[PATH_MAX], host[256],
		listen[300];
	if (!realpath(cfg->s3_server_bin, bin))
		return err_set(e, 0, "S3 server binary '%s' not found; run scripts/bootstrap.sh or set "
				     "LAKEHOUSE_S3_SERVER", cfg->s3_server_bin);
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
	state_path(cfg, "objects", objects, sizeof objects);
	state_path(cfg, "s3.log", logpath, sizeof logpath);
	state_path(cfg, "s3.pid", pidpath, sizeof pidpath);
	if (fs_mkdir_p(objects, 0700, e) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_set(e, 0, "cannot fork: %s", strerror(errno));
	if (pid == 0)
		exec_server(cfg, bin, listen, objects, logpath);
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
