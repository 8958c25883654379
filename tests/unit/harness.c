/* harness.c - see harness.h. */
#include "harness.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/s3.h"
#include "store/server.h"

int test_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	close(fd);
	return ntohs(a.sin_port);
}

/* The compatibility matrix: another server, through the launcher the e2e scenarios use
 * (tests/tools/<name>.sh), selected by the environment variable naming its binary. */
struct compat_server {
	const char *env, *launcher, *name;
};
static const struct compat_server compat_servers[] = {
	{"LAKEHOUSE_TEST_RUSTFS", "rustfs.sh", "RustFS"},
	{"LAKEHOUSE_TEST_S3FS", "s3s_fs.sh", "s3s-fs"},
};

static const struct compat_server *compat_server(void)
{
	for (size_t i = 0; i < sizeof compat_servers / sizeof compat_servers[0]; i++)
		if (getenv(compat_servers[i].env))
			return &compat_servers[i];
	return NULL;
}

void test_skip_without_server(void)
{
	const struct compat_server *c = compat_server();
	const char *bin = c ? getenv(c->env) : NULL;
	if (bin && access(bin, X_OK) != 0) {
		printf("SKIP: no %s binary at %s (%s)\n", c->name, bin, c->env);
		exit(TEST_SKIP_CODE);
	}
}

static int compat_run(const struct compat_server *c, const char *verb, const struct config *cfg)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "bash '%s/%s' %s '%s' '%s'", LAKEHOUSE_TEST_TOOLS_DIR, c->launcher,
		 verb, cfg->data_dir, cfg->endpoint);
	return system(cmd) == 0 ? 0 : -1;
}

static int start_compat(const struct compat_server *c, struct config *cfg)
{
	setenv("AWS_ACCESS_KEY_ID", cfg->access_key, 1);
	setenv("AWS_SECRET_ACCESS_KEY", cfg->secret_key, 1);
	if (compat_run(c, "start", cfg) < 0)
		return fprintf(stderr, "could not start %s\n", c->name), -1;
	struct err e = {0};
	struct s3 *s = s3_new(cfg, &e);
	int rc = s ? s3_create_bucket(s, &e) : -1;
	s3_free(s);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", c->name, e.msg);
	return rc;
}

int test_server_start(struct config *cfg)
{
	struct err e = {0};
	unsetenv("AWS_ENDPOINT_URL");
	if (config_load(cfg, "/nonexistent/.env", &e) < 0)
		return fprintf(stderr, "config: %s\n", e.msg), -1;
	char tmpl[] = "/tmp/lakehouse-test-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", tmpl);
	snprintf(cfg->endpoint, sizeof cfg->endpoint, "http://127.0.0.1:%d", test_free_port());
	if (compat_server())
		return start_compat(compat_server(), cfg);
	int already;
	if (server_start(cfg, &already, &e) < 0)
		return fprintf(stderr, "server_start: %s\n", e.msg), -1;
	return 0;
}

void test_server_stop(struct config *cfg)
{
	struct err e = {0};
	int was;
	if (compat_server())
		compat_run(compat_server(), "stop", cfg);
	else
		server_stop(cfg, &was, &e);
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", cfg->data_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", cfg->data_dir);
}
