/* server.c - embedded S3 server lifecycle and its TLS certificate; see server.h (the scoped
 * keys it also declares live in user.c).
 *
 * The default server is versitygw (Apache-2.0, built from the Go module proxy by
 * bootstrap.sh), chosen over s3s-fs by measurement: see docs/dependencies.md "Choosing the embedded S3
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

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/http.h"
#include "store/s3.h"

#define START_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 10000

/* What the server serves TLS with: "" = plain http. */
struct server_tls {
	char cert[PATH_MAX], key[PATH_MAX]; /* "" = plain http */
	char tls_dir[PATH_MAX];             /* RustFS: a folder with rustfs_cert.pem, rustfs_key.pem */
};

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

/* Where our running server listens (HOST:PORT), from the s3.listen state file that
 * server_start writes; for a server started before that file existed, versitygw's --port. */
static int server_listen_address(const struct config *cfg, pid_t pid, char *out, size_t n)
{
	char path[PATH_MAX], cmd[4096];
	state_path(cfg, "s3.listen", path, sizeof path);
	FILE *f = fopen(path, "r");
	if (f) {
		int ok = fgets(out, (int)n, f) != NULL;
		fclose(f);
		out[strcspn(out, "\n")] = '\0';
		if (ok && out[0])
			return 1;
	}
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	size_t len = fread(cmd, 1, sizeof cmd - 1, f);
	fclose(f);
	cmd[len] = '\0';
	/* the arguments are NUL-separated: find "--port" and take the next one (HOST:PORT) */
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
		if (strcmp(cmd + i, "--port") == 0 && i + 7 < len) {
			snprintf(out, n, "%s", cmd + i + 7);
			return 1;
		}
	return 0;
}

int server_listens_elsewhere(const struct config *cfg, char *hint, size_t n)
{
	hint[0] = '\0';
	pid_t pid = server_pid(cfg);
	char listen[300];
	if (!pid || !server_listen_address(cfg, pid, listen, sizeof listen))
		return 0;
	if (strstr(cfg->endpoint, listen))
		return 0; /* it is the configured endpoint: no other place to suggest */
	snprintf(hint, n, "the embedded server (%s, pid %d) listens at http://%s: set "
			  "AWS_ENDPOINT_URL=http://%s",
		 server_name(server_running(cfg)), (int)pid, listen, listen);
	return 1;
}

/* In the child: detach, redirect output to the log, hand over credentials (environment
 * only: command lines are visible to every local user), exec. */
static void exec_server(const struct config *cfg, enum server_kind kind, const char *bin,
			const char *listen, const char *logpath, const struct server_tls *tls)
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
		if (tls->tls_dir[0])
			setenv("RUSTFS_TLS_PATH", tls->tls_dir, 1);
		execl(bin, "rustfs", "server", data, (char *)NULL);
	} else {
		state_path(cfg, "objects", data, sizeof data);
		setenv("ROOT_ACCESS_KEY", cfg->access_key, 1);
		setenv("ROOT_SECRET_KEY", cfg->secret_key, 1);
		setenv("VGW_REGION", cfg->region, 1);
		if (tls->cert[0]) {
			setenv("VGW_CERT", tls->cert, 1);
			setenv("VGW_KEY", tls->key, 1);
		}
		/* keep-alive is off by default in versitygw: without it every request pays a new
		 * TCP connection, and clients (ours, DuckDB httpfs) cannot reuse one. */
		/* its internal IAM (users of `storage user`) lives beside the objects, owner-only */
		char iam[PATH_MAX];
		state_path(cfg, "iam", iam, sizeof iam);
		execl(bin, "versitygw", "--port", listen, "--keep-alive", "--iam-dir", iam, "posix", data,
		      (char *)NULL);
	}
	fprintf(stderr, "lakehouse: cannot run %s: %s\n", bin, strerror(errno));
	_exit(127);
}


/* ---- TLS ------------------------------------------------------------------------------ */


static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A certificate for subject CN (signed by issuer/ikey, or self-signed when issuer is NULL). */
static X509 *make_x509(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
		       const char *san)
{
	X509 *x = X509_new();
	unsigned char serial[16];
	int ok = x != NULL;
	if (ok) {
		FILE *r = fopen("/dev/urandom", "rb");
		ok = r && fread(serial, 1, sizeof serial, r) == sizeof serial;
		if (r)
			fclose(r);
		serial[0] &= 0x7f;
	}
	BIGNUM *bn = ok ? BN_bin2bn(serial, sizeof serial, NULL) : NULL;
	ok = ok && bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
	     X509_set_version(x, 2) && X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 60L * 60 * 24 * 825) && X509_set_pubkey(x, key);
	BN_free(bn);
	X509_NAME *name = ok ? X509_get_subject_name(x) : NULL;
	ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"lakehouse",
					      -1, -1, 0) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) &&
	     X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	if (ok && !issuer)
		ok = add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") == 0 &&
		     add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") == 0 &&
		     add_ext(x, x, NID_subject_key_identifier, "hash") == 0;
	else if (ok)
		ok = add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
		     add_ext(x, issuer, NID_key_usage, "critical,digitalSignature") == 0 &&
		     add_ext(x, issuer, NID_ext_key_usage, "serverAuth") == 0 &&
		     add_ext(x, issuer, NID_subject_alt_name, san) == 0 &&
		     add_ext(x, issuer, NID_authority_key_identifier, "keyid") == 0;
	ok = ok && X509_sign(x, issuer ? ikey : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Writes a PEM file (a key when key is set, else the certificate) readable by the owner
 * only for keys. */
static int write_pem(const char *path, X509 *cert, EVP_PKEY *key, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, key ? 0600 : 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int ok = f && (key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
			   : PEM_write_X509(f, cert));
	if (f ? fclose(f) != 0 : (fd >= 0 && close(fd) != 0))
		ok = 0;
	return ok ? 0 : err_set(e, EXIT_FAILED, "cannot write %s", path);
}

/* The made certificate: dir/ca.pem, dir/server.pem, dir/server.key, made once (kept across
 * restarts, so clients keep trusting ca.pem). */
static int make_tls_files(const struct config *cfg, struct err *e)
{
	char dir[PATH_MAX], ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], host[256], san[512];
	state_path(cfg, "tls", dir, sizeof dir);
	state_path(cfg, "tls/ca.pem", ca, sizeof ca);
	state_path(cfg, "tls/server.pem", cert, sizeof cert);
	state_path(cfg, "tls/server.key", key, sizeof key);
	if (access(ca, R_OK) == 0 && access(cert, R_OK) == 0 && access(key, R_OK) == 0)
		return 0;
	int port, tls;
	if (config_endpoint_parts(cfg, host, sizeof host, &port, &tls, e) < 0 ||
	    fs_mkdir_p(dir, 0700, e) < 0)
		return -1;
	int ip = strspn(host, "0123456789.") == strlen(host);
	snprintf(san, sizeof san, "IP:127.0.0.1,IP:::1,DNS:localhost%s%s",
		 strcmp(host, "127.0.0.1") && strcmp(host, "localhost") ? (ip ? ",IP:" : ",DNS:") : "",
		 strcmp(host, "127.0.0.1") && strcmp(host, "localhost") ? host : "");
	char hostname[128] = "this machine", cn[200];
	gethostname(hostname, sizeof hostname - 1);
	snprintf(cn, sizeof cn, "lakehouse embedded S3 CA (%.100s)", hostname);
	EVP_PKEY *cakey = EVP_EC_gen("P-256"), *srvkey = EVP_EC_gen("P-256");
	X509 *cax = cakey ? make_x509(cakey, cn, NULL, NULL, NULL) : NULL;
	X509 *srv = cax && srvkey ? make_x509(srvkey, host, cax, cakey, san) : NULL;
	int rc = srv ? 0 : err_set(e, EXIT_FAILED, "cannot make a TLS certificate (OpenSSL)");
	if (rc == 0)
		rc = write_pem(key, NULL, srvkey, e);
	if (rc == 0)
		rc = write_pem(cert, srv, NULL, e);
	if (rc == 0) /* last: its presence means the set is complete */
		rc = write_pem(ca, cax, NULL, e);
	X509_free(srv);
	X509_free(cax);
	EVP_PKEY_free(srvkey);
	EVP_PKEY_free(cakey); /* the CA's key is never written: nothing else can be issued */
	return rc;
}

/* Fills tls for the server to start: the files to serve (made or the caller's), and for
 * RustFS a folder that names them as it expects. ca receives the CA file to trust. */
static int prepare_tls(const struct config *cfg, const struct server_start_opts *o,
		       struct server_tls *tls, char *ca, size_t n, struct err *e)
{
	memset(tls, 0, sizeof *tls);
	if (o->cert || o->key) {
		if (!o->cert || !o->key)
			return err_set(e, EXIT_USAGE, "--cert and --key go together");
		if (!realpath(o->cert, tls->cert) || !realpath(o->key, tls->key))
			return err_set(e, EXIT_USAGE, "cannot find %s: %s",
				       realpath(o->cert, tls->cert) ? o->key : o->cert, strerror(errno));
		snprintf(ca, n, "%s", "");
	} else {
		if (make_tls_files(cfg, e) < 0)
			return -1;
		char path[PATH_MAX];
		state_path(cfg, "tls/server.pem", path, sizeof path);
		if (!realpath(path, tls->cert))
			return err_set(e, EXIT_FAILED, "cannot find %s", path);
		state_path(cfg, "tls/server.key", path, sizeof path);
		if (!realpath(path, tls->key))
			return err_set(e, EXIT_FAILED, "cannot find %s", path);
		state_path(cfg, "tls/ca.pem", path, sizeof path);
		if (!realpath(path, ca))
			return err_set(e, EXIT_FAILED, "cannot find %s", path);
	}
	if (o->kind != SERVER_RUSTFS)
		return 0;
	char link[PATH_MAX + 32];
	state_path(cfg, "rustfs/tls", tls->tls_dir, sizeof tls->tls_dir);
	if (fs_mkdir_p(tls->tls_dir, 0700, e) < 0)
		return -1;
	const char *names[] = {"rustfs_cert.pem", "rustfs_key.pem"}, *targets[] = {tls->cert, tls->key};
	for (int i = 0; i < 2; i++) {
		snprintf(link, sizeof link, "%s/%s", tls->tls_dir, names[i]);
		unlink(link);
		if (symlink(targets[i], link) != 0)
			return err_set(e, EXIT_FAILED, "cannot link %s: %s", link, strerror(errno));
	}
	return 0;
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
		if ((answer != 0 && answer != 503) || s3_tls_refused(s)) {
			int exists = 0; /* a certificate the client does not trust: that error */
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
		return err_set(e, EXIT_FAILED, "S3 server binary '%s' not found; %s", path,
			       kind == SERVER_RUSTFS ? "check LAKEHOUSE_RUSTFS_BIN"
						     : "run scripts/bootstrap.sh or set LAKEHOUSE_S3_SERVER");
	return 0;
}

static int make_state_dirs(const struct config *cfg, enum server_kind kind, struct err *e)
{
	char path[PATH_MAX];
	if (kind != SERVER_RUSTFS) {
		state_path(cfg, "iam", path, sizeof path);
		if (fs_mkdir_p(path, 0700, e) < 0)
			return -1;
		state_path(cfg, "objects", path, sizeof path);
		return fs_mkdir_p(path, 0700, e);
	}
	state_path(cfg, "rustfs/logs", path, sizeof path);
	if (fs_mkdir_p(path, 0700, e) < 0)
		return -1;
	state_path(cfg, "rustfs/data", path, sizeof path); /* RustFS refuses a missing one */
	return fs_mkdir_p(path, 0700, e);
}

int server_start_opts(const struct config *cfg, const struct server_start_opts *o, int *already,
		      char *ca, size_t n, struct err *e)
{
	*already = 0;
	snprintf(ca, n, "%s", "");
	if (!config_endpoint_is_local(cfg))
		return err_set(e, EXIT_USAGE,
			       "endpoint %s is not on this machine: the embedded server only serves "
			       "loopback endpoints; unset AWS_ENDPOINT_URL or start that server itself",
			       cfg->endpoint);
	char bin[PATH_MAX], logpath[PATH_MAX], pidpath[PATH_MAX], host[256], listen[300];
	int port, tls;
	if (config_endpoint_parts(cfg, host, sizeof host, &port, &tls, e) < 0)
		return -1;
	if (tls && !o->tls)
		return err_set(e, EXIT_USAGE, "endpoint %s is https: start the server with --tls, or "
					      "set AWS_ENDPOINT_URL=http://%s:%d", cfg->endpoint, host, port);
	if (!tls && o->tls)
		return err_set(e, EXIT_USAGE, "--tls serves https: set AWS_ENDPOINT_URL=https://%s:%d",
			       host, port);
	if (!o->tls && (o->cert || o->key))
		return err_set(e, EXIT_USAGE, "--cert and --key go with --tls");
	enum server_kind running = server_running(cfg);
	if (running == o->kind) {
		*already = 1;
		char made[PATH_MAX];
		state_path(cfg, "tls/ca.pem", made, sizeof made);
		if (tls && !o->cert && access(made, R_OK) == 0)
			snprintf(ca, n, "%s", made);
		return 0;
	}
	if (running != SERVER_NONE)
		return err_set(e, EXIT_CONFLICT, "the embedded %s server runs already (pid %d); stop it "
						 "first with 'lakehouse storage stop'",
			       server_name(running), (int)server_pid(cfg));
	if (server_binary(cfg, o->kind, bin, e) < 0)
		return -1;
	struct server_tls st = {0};
	if (o->tls && prepare_tls(cfg, o, &st, ca, n, e) < 0)
		return -1;
	/* our own requests to it trust the CA made for it (AWS_CA_BUNDLE may name another) */
	struct config *probe = malloc(sizeof *probe);
	if (!probe)
		return err_set(e, EXIT_FAILED, "out of memory");
	*probe = *cfg;
	if (ca[0])
		snprintf(probe->ca_bundle, sizeof probe->ca_bundle, "%s", ca);
	int rc = -1;
	if (port_answers(probe)) {
		err_set(e, EXIT_REMOTE, "something already answers at %s; stop it or choose "
					"another port with AWS_ENDPOINT_URL", cfg->endpoint);
		goto out;
	}
	snprintf(listen, sizeof listen, "%s:%d", host, port);
	state_path(cfg, "s3.log", logpath, sizeof logpath);
	state_path(cfg, "s3.pid", pidpath, sizeof pidpath);
	if (make_state_dirs(cfg, o->kind, e) < 0)
		goto out;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		err_set(e, EXIT_FAILED, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		exec_server(cfg, o->kind, bin, listen, logpath, &st);
	FILE *f = fopen(pidpath, "w");
	if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0) {
		kill(pid, SIGTERM);
		err_set(e, EXIT_FAILED, "cannot write %s: %s", pidpath, strerror(errno));
		goto out;
	}
	char listenpath[PATH_MAX]; /* where it listens, for "wrong endpoint" hints */
	state_path(cfg, "s3.listen", listenpath, sizeof listenpath);
	if ((f = fopen(listenpath, "w")) != NULL) {
		fprintf(f, "%s\n", listen);
		fclose(f);
	}
	if (wait_until_up(probe, pid, logpath, e) < 0) {
		int ignored; /* stopped for good before we return: the port is free again */
		server_stop(cfg, &ignored, NULL);
		unlink(pidpath);
		goto out;
	}
	rc = 0;
out:
	free(probe);
	return rc;
}

int server_start_kind(const struct config *cfg, enum server_kind kind, int *already,
		      struct err *e)
{
	char ca[PATH_MAX];
	struct server_start_opts o = {.kind = kind};
	return server_start_opts(cfg, &o, already, ca, sizeof ca, e);
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
		return err_set(e, EXIT_FAILED, "cannot remove %s: %s", pidpath, strerror(errno));
	return 0;
}
