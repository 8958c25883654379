/* user.c - scoped keys (`lakehouse storage user`): the server_user_* half of server.h.
 *
 * Kept apart from server.c because it is a different concern: server.c starts and stops our
 * own server process, while this file talks to whatever store cfg->endpoint names (the
 * embedded one or not) through its admin API, with the admin keys. It needs only server.h's
 * public part (enum server_kind, server_running); server.c needs nothing from here.
 */
#include "store/server.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "store/s3.h"

#define VGW_SID "lakehouse-user-"

static int valid_user_name(const char *name)
{
	size_t n = strlen(name);
	if (n < 3 || n > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return 0;
	return 1;
}

static int random_secret(char *out, size_t n, struct err *e)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[40];
	FILE *f = fopen("/dev/urandom", "rb");
	int ok = f && fread(r, 1, sizeof r, f) == sizeof r;
	if (f)
		fclose(f);
	if (!ok || n < sizeof r + 1)
		return err_set(e, EXIT_FAILED, "cannot make a secret key (/dev/urandom)");
	for (size_t i = 0; i < sizeof r; i++)
		out[i] = alphabet[r[i] % (sizeof alphabet - 1)];
	out[sizeof r] = '\0';
	return 0;
}

/* Which admin API the store speaks: RustFS's or versitygw's (SERVER_NONE: neither). */
static enum server_kind admin_kind(struct s3 *s)
{
	struct err ignored = {0};
	long status = 0;
	if (s3_admin(s, "GET", "/rustfs/admin/v3/list-users", NULL, NULL, 0, NULL, &status,
		     &ignored) == 0)
		return SERVER_RUSTFS;
	memset(&ignored, 0, sizeof ignored);
	if (s3_admin(s, "PATCH", "/list-users", NULL, NULL, 0, NULL, &status, &ignored) == 0)
		return SERVER_VERSITYGW;
	return SERVER_NONE;
}

static struct s3 *admin_client(const struct config *cfg, enum server_kind *kind, struct err *e)
{
	struct s3 *s = s3_new(cfg, e);
	if (!s)
		return NULL;
	s3_set_max_attempts(s, 2);
	if ((*kind = admin_kind(s)) != SERVER_NONE)
		return s;
	s3_free(s);
	err_set(e, EXIT_REMOTE,
		"%s answers no admin API lakehouse knows with these keys (versitygw with IAM, "
		"RustFS): scoped keys need the store's admin keys in AWS_ACCESS_KEY_ID / "
		"AWS_SECRET_ACCESS_KEY%s",
		cfg->endpoint,
		server_running(cfg) == SERVER_VERSITYGW
			? "; an embedded versitygw started before 'storage user' existed runs without "
			  "IAM: restart it ('lakehouse storage stop', then 'lakehouse storage start')"
			: "");
	return NULL;
}

/* The statements that give name its rights (versitygw names it as Principal and tags them
 * with a Sid; RustFS attaches them to the user). */
static json_t *user_statements(const struct config *cfg, const char *name, enum user_access a,
			       const char *prefix, int principal)
{
	char bucket[128], objects[1024], sid[200];
	snprintf(bucket, sizeof bucket, "arn:aws:s3:::%s", cfg->bucket);
	snprintf(objects, sizeof objects, "arn:aws:s3:::%s/%s*", cfg->bucket, prefix ? prefix : "");
	json_t *object_actions = json_pack("[s]", "s3:GetObject");
	if (a == USER_READ_WRITE) {
		json_array_append_new(object_actions, json_string("s3:PutObject"));
		json_array_append_new(object_actions, json_string("s3:DeleteObject"));
		json_array_append_new(object_actions, json_string("s3:AbortMultipartUpload"));
		json_array_append_new(object_actions, json_string("s3:ListMultipartUploadParts"));
	}
	json_t *list = json_pack("{s:s, s:[s], s:[s]}", "Effect", "Allow", "Action", "s3:ListBucket",
				 "Resource", bucket);
	json_t *obj = json_pack("{s:s, s:o, s:[s]}", "Effect", "Allow", "Action", object_actions,
				"Resource", objects);
	if (principal) {
		snprintf(sid, sizeof sid, VGW_SID "%s-list", name);
		json_object_set_new(list, "Sid", json_string(sid));
		json_object_set_new(list, "Principal", json_pack("{s:[s]}", "AWS", name));
		snprintf(sid, sizeof sid, VGW_SID "%s-objects", name);
		json_object_set_new(obj, "Sid", json_string(sid));
		json_object_set_new(obj, "Principal", json_pack("{s:[s]}", "AWS", name));
	}
	return json_pack("[o, o]", list, obj);
}

/* The user's rights read back from a policy's statements (those naming it, or all). */
static void user_from_statements(json_t *stmts, const char *name, const char *bucket,
				 struct store_user *u)
{
	char sid[200], arn[128];
	snprintf(sid, sizeof sid, VGW_SID "%s-objects", name);
	snprintf(arn, sizeof arn, "arn:aws:s3:::%s/", bucket);
	size_t i;
	json_t *st;
	json_array_foreach(stmts, i, st) {
		const char *id = json_string_value(json_object_get(st, "Sid"));
		json_t *res = json_object_get(st, "Resource"), *one;
		const char *r = NULL;
		size_t k;
		if (json_is_string(res))
			r = json_string_value(res);
		json_array_foreach(res, k, one) /* RustFS sorts them: the bucket's comes first */
			if (json_string_value(one) && strncmp(json_string_value(one), arn, strlen(arn)) == 0)
				r = json_string_value(one);
		if ((id && *id && strcmp(id, sid) != 0) || !r || strncmp(r, arn, strlen(arn)) != 0)
			continue;
		u->known = 1;
		snprintf(u->prefix, sizeof u->prefix, "%s", r + strlen(arn));
		size_t pl = strlen(u->prefix);
		if (pl && u->prefix[pl - 1] == '*')
			u->prefix[pl - 1] = '\0';
		u->access = USER_READ_ONLY;
		size_t j;
		json_t *act, *acts = json_object_get(st, "Action");
		json_array_foreach(acts, j, act)
			if (json_string_value(act) && strcmp(json_string_value(act), "s3:PutObject") == 0)
				u->access = USER_READ_WRITE;
	}
}

/* versitygw: the bucket policy's statements (an empty array when it has none). */
static json_t *vgw_policy(struct s3 *s, const struct config *cfg, struct err *e)
{
	struct buf b = {0};
	long status = 0;
	char path[128];
	snprintf(path, sizeof path, "/%s", cfg->bucket);
	int rc = s3_admin(s, "GET", path, "policy=", NULL, 0, &b, &status, e);
	json_t *doc = NULL;
	if (rc == 0)
		doc = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
	else if (status == 404)
		memset(e, 0, sizeof *e), doc = json_pack("{s:s, s:[]}", "Version", "2012-10-17", "Statement");
	buf_free(&b);
	if (!doc && rc == 0)
		err_set(e, EXIT_REMOTE, "the policy of bucket %s is not JSON", cfg->bucket);
	if (doc && !json_is_array(json_object_get(doc, "Statement")))
		json_object_set_new(doc, "Statement", json_array());
	return doc;
}

/* versitygw: the bucket policy without name's statements, plus add (may be NULL). */
static int vgw_set_policy(struct s3 *s, const struct config *cfg, const char *name, json_t *add,
			  struct err *e)
{
	json_t *doc = vgw_policy(s, cfg, e);
	if (!doc)
		return json_decref(add), -1;
	json_t *old = json_object_get(doc, "Statement"), *kept = json_array();
	char prefix[200];
	snprintf(prefix, sizeof prefix, VGW_SID "%s-", name);
	size_t i;
	json_t *st;
	json_array_foreach(old, i, st) {
		const char *id = json_string_value(json_object_get(st, "Sid"));
		if (!id || strncmp(id, prefix, strlen(prefix)) != 0)
			json_array_append(kept, st);
	}
	if (add)
		json_array_extend(kept, add);
	json_decref(add);
	json_object_set_new(doc, "Statement", kept);
	char path[128];
	snprintf(path, sizeof path, "/%s", cfg->bucket);
	int rc;
	if (json_array_size(kept) == 0) {
		rc = s3_admin(s, "DELETE", path, "policy=", NULL, 0, NULL, NULL, e);
	} else {
		char *text = json_dumps(doc, JSON_COMPACT);
		rc = text ? s3_admin(s, "PUT", path, "policy=", text, strlen(text), NULL, NULL, e) : -1;
		free(text);
	}
	json_decref(doc);
	return rc;
}

int server_user_add(const struct config *cfg, const char *name, enum user_access access,
		    const char *prefix, char *secret, size_t n, struct err *e)
{
	if (!valid_user_name(name))
		return err_set(e, EXIT_USAGE, "invalid user name '%s': 3 to 64 letters, digits, '-', "
					      "'_' or '.' (it becomes the access key id)", name);
	if (prefix && (strchr(prefix, '*') || strchr(prefix, '"') || prefix[0] == '/'))
		return err_set(e, EXIT_USAGE, "invalid prefix '%s': a key prefix such as lake/ (no "
					      "'*', no leading '/')", prefix);
	if (strcmp(name, cfg->access_key) == 0)
		return err_set(e, EXIT_USAGE, "'%s' is the admin's own access key", name);
	enum server_kind kind;
	struct s3 *s = admin_client(cfg, &kind, e);
	if (!s)
		return -1;
	int rc = random_secret(secret, n, e);
	char query[300], body[400];
	if (rc == 0 && kind == SERVER_VERSITYGW) {
		int len = snprintf(body, sizeof body,
				   "<Account><Access>%s</Access><Secret>%s</Secret><Role>user</Role>"
				   "</Account>", name, secret);
		long status = 0;
		rc = s3_admin(s, "PATCH", "/create-user", NULL, body, (size_t)len, NULL, &status, e);
		if (rc < 0 && status == 409)
			err_set(e, EXIT_USAGE, "user %s exists already; remove it first with "
					       "'lakehouse storage user rm %s'", name, name);
		if (rc == 0 && vgw_set_policy(s, cfg, name, user_statements(cfg, name, access, prefix, 1),
					      e) < 0) {
			struct err ignored = {0};
			snprintf(query, sizeof query, "access=%s", name);
			s3_admin(s, "PATCH", "/delete-user", query, NULL, 0, NULL, NULL, &ignored);
			rc = err_wrap(e, "cannot set the bucket policy for %s", name);
		}
	} else if (rc == 0) { /* RustFS */
		struct buf users = {0};
		rc = s3_admin(s, "GET", "/rustfs/admin/v3/list-users", NULL, NULL, 0, &users, NULL, e);
		json_t *all = rc == 0 ? json_loadb(users.data ? users.data : "", users.len, 0, NULL) : NULL;
		if (rc == 0 && json_object_get(all, name))
			rc = err_set(e, EXIT_USAGE, "user %s exists already; remove it first with "
						    "'lakehouse storage user rm %s'", name, name);
		json_decref(all);
		buf_free(&users);
		json_t *policy = json_pack("{s:s, s:o}", "Version", "2012-10-17", "Statement",
					   user_statements(cfg, name, access, prefix, 0));
		char *text = json_dumps(policy, JSON_COMPACT);
		json_decref(policy);
		snprintf(query, sizeof query, "name=lakehouse-%s", name);
		if (rc == 0)
			rc = s3_admin(s, "PUT", "/rustfs/admin/v3/add-canned-policy", query, text,
				      strlen(text), NULL, NULL, e);
		free(text);
		int len = snprintf(body, sizeof body, "{\"secretKey\":\"%s\",\"status\":\"enabled\"}",
				   secret);
		snprintf(query, sizeof query, "accessKey=%s", name);
		if (rc == 0)
			rc = s3_admin(s, "PUT", "/rustfs/admin/v3/add-user", query, body, (size_t)len,
				      NULL, NULL, e);
		snprintf(query, sizeof query,
			 "isGroup=false&policyName=lakehouse-%s&userOrGroup=%s", name, name);
		if (rc == 0)
			rc = s3_admin(s, "PUT", "/rustfs/admin/v3/set-user-or-group-policy", query, NULL,
				      0, NULL, NULL, e);
	}
	memset(body, 0, sizeof body);
	if (rc < 0)
		memset(secret, 0, n);
	s3_free(s);
	return rc;
}

int server_user_list(const struct config *cfg, int (*fn)(const struct store_user *u, void *ctx),
		     void *ctx, struct err *e)
{
	enum server_kind kind;
	struct s3 *s = admin_client(cfg, &kind, e);
	if (!s)
		return -1;
	struct buf b = {0};
	int rc;
	if (kind == SERVER_VERSITYGW) {
		rc = s3_admin(s, "PATCH", "/list-users", NULL, NULL, 0, &b, NULL, e);
		json_t *doc = rc == 0 ? vgw_policy(s, cfg, e) : NULL;
		json_t *stmts = json_object_get(doc, "Statement");
		/* <Accounts><Access>NAME</Access>...</Accounts>: names only, never the secrets */
		for (const char *p = b.data ? strstr(b.data, "<Access>") : NULL; rc == 0 && p;
		     p = strstr(p + 8, "<Access>")) {
			struct store_user u = {0};
			const char *end = strstr(p + 8, "</Access>");
			if (!end)
				break;
			snprintf(u.name, sizeof u.name, "%.*s", (int)(end - p - 8), p + 8);
			user_from_statements(stmts, u.name, cfg->bucket, &u);
			if (fn(&u, ctx))
				break;
		}
		json_decref(doc);
	} else {
		rc = s3_admin(s, "GET", "/rustfs/admin/v3/list-users", NULL, NULL, 0, &b, NULL, e);
		json_t *all = rc == 0 ? json_loadb(b.data ? b.data : "", b.len, 0, NULL) : NULL;
		const char *name;
		json_t *info;
		json_object_foreach(all, name, info) {
			struct store_user u = {0};
			snprintf(u.name, sizeof u.name, "%s", name);
			char query[200];
			struct buf pb = {0};
			struct err ignored = {0};
			snprintf(query, sizeof query, "name=lakehouse-%s", name);
			if (s3_admin(s, "GET", "/rustfs/admin/v3/info-canned-policy", query, NULL, 0, &pb,
				     NULL, &ignored) == 0) {
				json_t *p = json_loadb(pb.data ? pb.data : "", pb.len, 0, NULL);
				json_t *st = json_object_get(p, "Statement");
				if (!st) /* RustFS wraps it: {"policy_name": .., "policy": {...}} */
					st = json_object_get(json_object_get(p, "policy"), "Statement");
				user_from_statements(st, name, cfg->bucket, &u);
				json_decref(p);
			}
			buf_free(&pb);
			if (fn(&u, ctx))
				break;
		}
		json_decref(all);
	}
	buf_free(&b);
	s3_free(s);
	return rc;
}

int server_user_rm(const struct config *cfg, const char *name, struct err *e)
{
	if (!valid_user_name(name))
		return err_set(e, EXIT_USAGE, "invalid user name '%s'", name);
	enum server_kind kind;
	struct s3 *s = admin_client(cfg, &kind, e);
	if (!s)
		return -1;
	char query[300];
	int rc;
	long status = 0;
	if (kind == SERVER_VERSITYGW) {
		snprintf(query, sizeof query, "access=%s", name);
		rc = vgw_set_policy(s, cfg, name, NULL, e);
		if (rc == 0)
			rc = s3_admin(s, "PATCH", "/delete-user", query, NULL, 0, NULL, &status, e);
	} else {
		snprintf(query, sizeof query, "accessKey=%s", name);
		rc = s3_admin(s, "DELETE", "/rustfs/admin/v3/remove-user", query, NULL, 0, NULL, &status,
			      e);
		snprintf(query, sizeof query, "name=lakehouse-%s", name);
		struct err ignored = {0};
		if (rc == 0)
			s3_admin(s, "DELETE", "/rustfs/admin/v3/remove-canned-policy", query, NULL, 0,
				 NULL, NULL, &ignored);
	}
	if (rc < 0 && status == 404)
		err_set(e, EXIT_USAGE, "no user %s (see 'lakehouse storage user ls')", name);
	s3_free(s);
	return rc;
}
