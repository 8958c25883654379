/* storage.c - `lakehouse storage start|stop|status|ls`. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/s3.h"
#include "store/server.h"
#include "cmd/cmd.h"
#include "cmd/options.h"

struct storage_opts {
	const char *range, *output, *server;
	enum output_format fmt;
	int tls, read_only, read_write;     /* start --tls; user add --read-only|--read-write */
	const char *cert, *key, *prefix;    /* start --cert/--key; user add --prefix */
};
static const char *const storage_servers[] = {"versitygw", "rustfs", NULL};
static const char *const storage_actions[] = {"start", "stop", "status", "ls", "stat", "get",
					      "user", NULL};
static const struct opt storage_options[] = {
	OPT_CHOICE("server", 0, struct storage_opts, server, storage_servers, NULL,
		   "start: the server to run (default versitygw)"),
	OPT_STRING("range", 0, struct storage_opts, range, "OFFSET:LENGTH", "get: only these bytes"),
	OPT_STRING("output", 'o', struct storage_opts, output, "FILE",
		   "get: write to FILE (- for standard output)"),
	OPT_FLAG("tls", 0, struct storage_opts, tls,
		 "start: serve https with a certificate it makes (prints the CA to trust)"),
	OPT_STRING("cert", 0, struct storage_opts, cert, "FILE", "start --tls: serve this certificate"),
	OPT_STRING("key", 0, struct storage_opts, key, "FILE", "start --tls: its private key"),
	OPT_FLAG("read-only", 0, struct storage_opts, read_only, "user add: keys that can only read"),
	OPT_FLAG("read-write", 0, struct storage_opts, read_write, "user add: keys that can write"),
	OPT_STRING("prefix", 0, struct storage_opts, prefix, "P",
		   "user add: object rights under key prefix P only"),
	OPT_FORMAT(struct storage_opts, fmt, "ls, stat, status, user: output as JSON (ls also CSV)"),
	OPT_END()};
static const char *const storage_examples[] = {
	"lakehouse storage status",
	"lakehouse storage ls lake/gold/",
	"lakehouse storage get "
	 "s3://lakehouse/assets/coco/image/c75c2243b4db273adc8307c3e1e6c2a9e0cbb19bcc55fa285baba440e8786463.jpg "
	 "-o image.jpg",
	"lakehouse storage user add notebooks --read-only --prefix lake/",
	"lakehouse storage user ls",
	"lakehouse storage user rm notebooks",
	NULL};
const struct verb_spec cmd_storage_spec = {
	.name = "storage",
	.usage = "storage start [--server versitygw|rustfs] [--tls [--cert FILE --key FILE]]\n"
		 "                         | stop | status [--json] | ls [--json|--csv] [PREFIX]\n"
		 "                         | stat KEY | get KEY [--range OFFSET:LENGTH] [-o FILE]\n"
		 "                         | user add NAME --read-only|--read-write [--prefix P] [--json]\n"
		 "                         | user ls [--json] | user rm NAME",
	.about = "  start    run the embedded S3 server on the loopback endpoint (data in\n"
		 "           $LAKEHOUSE_DATA_DIR, default ./lakehouse-data) and create the bucket;\n"
		 "           --server rustfs runs RustFS (the binary LAKEHOUSE_RUSTFS_BIN names; data\n"
		 "           in $LAKEHOUSE_DATA_DIR/rustfs) instead of the default versitygw\n"
		 "  stop     stop the embedded server (either kind)\n"
		 "  status   endpoint, reachability, bucket, object count and bytes\n"
		 "  ls       list objects (key, size, time) under PREFIX\n"
		 "  stat     one object's size, ETag and time (a HEAD request)\n"
		 "  get      an object's bytes (or a byte range) to FILE or standard output (binary\n"
		 "           bytes go to a terminal only with -o -)\n"
		 "  user     scoped keys on the store (versitygw, RustFS): add prints the new keys\n"
		 "           once; ls names users and rights, never secrets; rm revokes\n"
		 "           (docs/security.md)\n"
		 "KEY and PREFIX may also be full s3://BUCKET/KEY URIs as the tables hold them.\n",
	.options = storage_options,
	.words = storage_actions,
	.examples = storage_examples};

struct tally {
	long long objects, bytes;
	enum output_format fmt;
	json_t *rows; /* ls --json */
	int print;
};

static int on_object(const struct s3_object *o, void *ud)
{
	struct tally *t = ud;
	t->objects++;
	t->bytes += o->size;
	if (!t->print)
		return 0;
	if (t->fmt == OUTPUT_JSON) {
		json_array_append_new(t->rows, json_pack("{s:s, s:I, s:s}", "key", o->key, "size",
							 (json_int_t)o->size, "last_modified",
							 o->last_modified));
	} else if (t->fmt == OUTPUT_CSV) {
		output_csv_field(stdout, o->key);
		printf(",%lld,%s\n", (long long)o->size, o->last_modified);
	} else {
		printf("%12lld  %-24s  %s\n", (long long)o->size, o->last_modified, o->key);
	}
	return 0;
}

static int do_ls(const struct config *cfg, const char *prefix, enum output_format fmt,
		 struct err *e)
{
	if (!(prefix = s3_key_of(cfg, prefix ? prefix : "", e)))
		return -1;
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return -1;
	struct tally t = {.fmt = fmt, .print = 1, .rows = json_array()};
	if (fmt == OUTPUT_CSV)
		printf("key,size,last_modified\n");
	int rc = s3_list(s, prefix, on_object, &t, e);
	if (rc == 0 && fmt == OUTPUT_JSON) {
		json_dumpf(t.rows, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (rc == 0 && fmt != OUTPUT_CSV) { /* table, wide or line */
		printf("(%lld objects, %lld bytes)\n", t.objects, t.bytes);
	}
	json_decref(t.rows);
	s3_free(s);
	return rc;
}

static int do_stat(const struct config *cfg, const char *key, enum output_format fmt,
		   struct err *e)
{
	if (!(key = s3_key_of(cfg, key, e)))
		return -1;
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return -1;
	struct s3_object o;
	int rc = s3_head(s, key, &o, NULL, e);
	s3_free(s);
	if (rc < 0)
		return -1;
	if (fmt == OUTPUT_JSON) {
		json_t *j = json_pack("{s:s, s:I, s:s, s:s}", "key", o.key, "size", (json_int_t)o.size,
				      "etag", o.etag, "last_modified", o.last_modified);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else {
		printf("key            %s\nsize           %lld\netag           %s\nlast_modified  %s\n",
		       o.key, (long long)o.size, o.etag, o.last_modified);
	}
	return 0;
}

/* Bytes a terminal would mangle: a NUL or a control byte other than tab/newline/CR/ESC. */
static int looks_binary(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];
		if (c == 0 || (c < 32 && c != '\t' && c != '\n' && c != '\r' && c != 27) || c == 127)
			return 1;
	}
	return 0;
}

static int do_get(const struct config *cfg, const char *key, const char *range,
		  const char *outpath, struct err *e)
{
	if (!(key = s3_key_of(cfg, key, e)))
		return -1;
	long off = 0, len = -1;
	if (range) {
		const char *colon = strchr(range, ':');
		char offset[32];
		if (!colon || colon - range >= (long)sizeof offset)
			return cmd_usage_error(e, "storage", "--range wants OFFSET:LENGTH, got '%s'", range);
		snprintf(offset, sizeof offset, "%.*s", (int)(colon - range), range);
		if (cmd_parse_long("storage", "--range OFFSET", offset, 0, LONG_MAX, &off, e) < 0 ||
		    cmd_parse_long("storage", "--range LENGTH", colon + 1, 1, LONG_MAX, &len, e) < 0)
			return -1;
	}
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return -1;
	struct buf b = {0};
	int rc = s3_get_range(s, key, off, len, &b, e);
	s3_free(s);
	int to_stdout = !outpath || strcmp(outpath, "-") == 0;
	if (rc == 0 && !outpath && isatty(STDOUT_FILENO) && looks_binary(&b))
		rc = cmd_usage_error(e, "storage",
				     "%s holds binary data (%zu bytes) and standard output is a terminal; "
				     "write it with -o FILE, or -o - to print it anyway",
				     key, b.len);
	if (rc == 0) {
		FILE *out = to_stdout ? stdout : fopen(outpath, "wb");
		if (!out || fwrite(b.data, 1, b.len, out) != b.len || (!to_stdout && fclose(out) != 0))
			rc = err_set(e, EXIT_FAILED, "cannot write %s", to_stdout ? "standard output" : outpath);
	}
	buf_free(&b);
	return rc;
}

static int do_status(const struct config *cfg, enum output_format fmt, struct err *e)
{
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return -1;
	struct tally t = {0};
	struct err problem = {0};
	int reachable = s3_reachable(s), exists = 0, listed = 0, denied = 0;
	int untrusted = !reachable && s3_tls_refused(s); /* it answered, with a certificate */
	if (reachable && s3_bucket_exists(s, &exists, &problem) == 0 && exists)
		listed = s3_list(s, "", on_object, &t, &problem) == 0;
	denied = reachable && s3_access_denied(s);
	s3_free(s);
	const char *state = !reachable ? "unknown" : denied ? "access denied"
					 : exists ? "exists" : problem.msg[0] ? "unknown" : "missing";
	pid_t pid = server_pid(cfg);
	const char *server = server_name(server_running(cfg));
	if (fmt == OUTPUT_JSON) {
		json_t *j = json_pack("{s:s, s:b, s:s, s:b, s:s, s:o, s:o, s:o, s:o, s:s}", "endpoint",
				      cfg->endpoint, "reachable", reachable, "bucket", cfg->bucket,
				      "bucket_exists", exists, "bucket_state", state,
				      "objects", listed ? json_integer(t.objects) : json_null(),
				      "bytes", listed ? json_integer(t.bytes) : json_null(),
				      "embedded_pid", pid ? json_integer(pid) : json_null(),
				      "embedded_server", pid ? json_string(server) : json_null(),
				      "error", problem.msg);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else {
		printf("endpoint   %s\nreachable  %s\nbucket     %s (%s)\n", cfg->endpoint,
		       reachable ? "yes" : "no", cfg->bucket, state);
		if (listed)
			printf("objects    %lld\nbytes      %lld\n", t.objects, t.bytes);
		if (pid)
			printf("embedded   %s running, pid %d, data in %s\n", server, (int)pid,
			       cfg->data_dir);
		else
			printf("embedded   not running\n");
		if (problem.msg[0])
			printf("problem    %s\n", problem.msg);
	}
	if (untrusted)
		return s3_tls_error(cfg, 0, "the TLS handshake failed verification", e);
	char elsewhere[400];
	if (!reachable && server_listens_elsewhere(cfg, elsewhere, sizeof elsewhere))
		return err_set(e, EXIT_REMOTE, "cannot reach S3 endpoint %s; %s", cfg->endpoint,
			       elsewhere);
	if (!reachable)
		return err_set(e, EXIT_REMOTE,
			       "cannot reach S3 endpoint %s; start the embedded server with "
			       "'lakehouse storage start' or 'docker compose up -d'",
			       cfg->endpoint);
	if (denied)
		return err_set(e, EXIT_REMOTE, "access denied by %s: %s", cfg->endpoint, problem.msg);
	return problem.msg[0] ? err_set(e, problem.code, "%s", problem.msg) : 0;
}

static int do_start(const struct config *cfg, const struct server_start_opts *o, struct err *e)
{
	int already;
	char ca[PATH_MAX];
	if (server_start_opts(cfg, o, &already, ca, sizeof ca, e) < 0)
		return -1;
	printf("%s (%s) at %s (bucket %s, data in %s)\n",
	       already ? "embedded S3 server already running" : "embedded S3 server started",
	       server_name(o->kind), cfg->endpoint, cfg->bucket, cfg->data_dir);
	if (ca[0])
		printf("TLS: its certificate is signed by the CA in %s; clients trust it with\n"
		       "  export AWS_CA_BUNDLE=%s\n", ca, ca);
	else if (o->tls)
		printf("TLS: serving %s; clients trust the CA that signed it (AWS_CA_BUNDLE)\n",
		       o->cert);
	return 0;
}

static int print_user(const struct store_user *u, void *ctx)
{
	json_t *rows = ctx;
	const char *access = !u->known ? "other" : u->access == USER_READ_WRITE ? "read-write"
										: "read-only";
	if (rows)
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s}", "name", u->name, "access",
						      access, "prefix", u->prefix));
	else
		printf("%-24s  %-10s  %s\n", u->name, access, u->prefix[0] ? u->prefix : "(whole bucket)");
	return 0;
}

/* storage user add NAME --read-only|--read-write [--prefix P] | ls | rm NAME */
static int do_user(const struct config *cfg, int argc, char **argv, const struct storage_opts *o,
		   enum output_format fmt, struct err *e)
{
	const char *sub = argc ? argv[0] : "";
	if (strcmp(sub, "add") == 0 && argc == 2) {
		if (o->read_only == o->read_write)
			return cmd_usage_error(e, "storage", "user add wants --read-only or --read-write");
		char secret[64];
		if (server_user_add(cfg, argv[1], o->read_write ? USER_READ_WRITE : USER_READ_ONLY,
				    o->prefix, secret, sizeof secret, e) < 0)
			return -1;
		if (fmt == OUTPUT_JSON) {
			json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", argv[1],
					      "access", o->read_write ? "read-write" : "read-only",
					      "prefix", o->prefix ? o->prefix : "", "access_key_id",
					      argv[1], "secret_access_key", secret, "endpoint",
					      cfg->endpoint);
			json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			putchar('\n');
			json_decref(j);
		} else {
			printf("user %s (%s%s%s) created at %s; its keys, shown this once:\n"
			       "AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n",
			       argv[1], o->read_write ? "read-write" : "read-only",
			       o->prefix ? ", keys under " : "", o->prefix ? o->prefix : "",
			       cfg->endpoint, argv[1], secret);
		}
		memset(secret, 0, sizeof secret);
		return 0;
	}
	if (o->read_only || o->read_write || o->prefix)
		return cmd_usage_error(e, "storage", "--read-only, --read-write and --prefix go with "
						     "user add only");
	if (strcmp(sub, "ls") == 0 && argc == 1) {
		json_t *rows = fmt == OUTPUT_JSON ? json_array() : NULL;
		int rc = server_user_list(cfg, print_user, rows, e);
		if (rc == 0 && rows) {
			json_dumpf(rows, stdout, JSON_INDENT(2));
			putchar('\n');
		}
		json_decref(rows);
		return rc;
	}
	if (strcmp(sub, "rm") == 0 && argc == 2) {
		if (server_user_rm(cfg, argv[1], e) < 0)
			return -1;
		printf("user %s removed from %s\n", argv[1], cfg->endpoint);
		return 0;
	}
	return cmd_usage_error(e, "storage", "give user add NAME --read-only|--read-write "
					     "[--prefix P], user ls or user rm NAME");
}

int cmd_storage(int argc, char **argv, const struct config *cfg, struct err *e)
{
	struct storage_opts o = {.fmt = OUTPUT_TABLE};
	int first, parsed = opts_parse(&cmd_storage_spec, &o, argc, argv, &first, e);
	if (parsed != 0)
		return parsed < 0 ? -1 : 0;
	enum output_format fmt = o.fmt;
	const char *range = o.range, *outpath = o.output, *server = o.server;
	if (first >= argc)
		return cmd_usage_error(e, "storage", "give start, stop, status, ls, stat or get");
	const char *action = argv[first++];
	int nargs = argc - first;
	if (fmt == OUTPUT_CSV && strcmp(action, "ls") != 0)
		return cmd_usage_error(e, "storage", "--csv applies to storage ls only");
	if (fmt == OUTPUT_JSON && strcmp(action, "ls") != 0 && strcmp(action, "stat") != 0 &&
	    strcmp(action, "status") != 0 && strcmp(action, "user") != 0)
		return cmd_usage_error(e, "storage",
				       "--json applies to storage ls, stat, status and user only");
	if ((range || outpath) && strcmp(action, "get") != 0)
		return cmd_usage_error(e, "storage", "%s applies to storage get only",
				       range ? "--range" : "-o");
	if (strcmp(action, "user") == 0)
		return do_user(cfg, nargs, argv + first, &o, fmt, e);
	if (o.read_only || o.read_write || o.prefix)
		return cmd_usage_error(e, "storage", "--read-only, --read-write and --prefix go with "
						     "user add only");
	if (strcmp(action, "ls") == 0) {
		if (nargs > 1)
			return cmd_usage_error(e, "storage", "ls takes at most one PREFIX");
		return do_ls(cfg, nargs ? argv[first] : "", fmt, e);
	}
	if (strcmp(action, "get") == 0) {
		if (nargs != 1)
			return cmd_usage_error(e, "storage", "get takes one KEY");
		return do_get(cfg, argv[first], range, outpath, e);
	}
	if (strcmp(action, "stat") == 0) {
		if (nargs != 1)
			return cmd_usage_error(e, "storage", "stat takes one KEY");
		return do_stat(cfg, argv[first], fmt, e);
	}
	if (nargs)
		return cmd_usage_error(e, "storage", "unexpected argument '%s'", argv[first]);
	if (strcmp(action, "status") == 0)
		return do_status(cfg, fmt, e);
	if ((server || o.tls || o.cert || o.key) && strcmp(action, "start") != 0)
		return cmd_usage_error(e, "storage", "%s goes with start only",
				       server ? "--server" : o.tls ? "--tls" : "--cert/--key");
	int flag;
	if (strcmp(action, "start") == 0) {
		struct server_start_opts start = {
			.kind = server && strcmp(server, "rustfs") == 0 ? SERVER_RUSTFS : SERVER_VERSITYGW,
			.tls = o.tls, .cert = o.cert, .key = o.key};
		return do_start(cfg, &start, e);
	}
	if (strcmp(action, "stop") == 0) {
		if (server_stop(cfg, &flag, e) < 0)
			return -1;
		printf("%s\n", flag ? "embedded S3 server stopped" : "embedded S3 server was not running");
		return 0;
	}
	return cmd_usage_error(e, "storage", "unknown action '%s'", action);
}
