/* assets.c - a dataset's media as content-addressed objects; see assets.h. */
#include "ingest/assets.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/hash.h"
#include "core/progress.h"
#include "core/strset.h"
#include "media/media.h"
#include "store/s3.h"
#include "store/upload.h"

#define UPLOAD_INFLIGHT (16u << 20) /* bytes of blobs queued or travelling at once */

struct assets {
	const struct config *cfg;
	const char *dataset;
	struct progress *progress;
	void *known; /* strset: object keys in the bucket or queued by this run */
	struct uploader *up;
	int64_t blobs;
};

static int on_existing(const struct s3_object *o, void *ud)
{
	return strset_add(ud, o->key) < 0 ? -1 : 0;
}

struct assets *assets_begin(const struct config *cfg, const char *dataset, int threads,
			    struct progress *progress, struct err *e)
{
	struct assets *a = calloc(1, sizeof *a);
	if (!a) {
		err_set(e, EXIT_FAILED, "out of memory");
		return NULL;
	}
	a->cfg = cfg, a->dataset = dataset, a->progress = progress;
	char prefix[200];
	snprintf(prefix, sizeof prefix, "assets/%s/", dataset);
	struct s3 *s = s3_new(cfg, e);
	int rc = s ? s3_list(s, prefix, on_existing, &a->known, e) : -1;
	s3_free(s);
	if (rc == 0 && !(a->up = uploader_new(cfg, threads, UPLOAD_INFLIGHT, e)))
		rc = -1;
	if (rc < 0) {
		strset_free(&a->known);
		free(a);
		return NULL;
	}
	uploader_count(a->up, progress);
	return a;
}

int assets_put(struct assets *a, const char *kind, const char *name, const void *data,
	       size_t len, void (*release)(void *ctx), void *ctx, struct asset *out,
	       struct err *e)
{
	char ext[8], key[1024];
	sha256_hex(data, len, out->sha256);
	media_extension(name, data, len, ext);
	out->status = media_status(ext, data, len);
	out->fresh = 0;
	int fresh;
	if (media_key(key, sizeof key, a->dataset, kind, out->sha256, ext) < 0)
		fresh = err_set(e, EXIT_FAILED, "object key too long for %s", name);
	else if ((fresh = strset_add(&a->known, key)) < 0)
		err_set(e, EXIT_FAILED, "out of memory");
	if (fresh <= 0) {
		if (release)
			release(ctx);
		if (fresh == 0)
			progress_count(a->progress, "skipped", 1);
	}
	if (fresh < 0)
		return -1;
	snprintf(out->uri, sizeof out->uri, "s3://%s/%s", a->cfg->bucket, key);
	a->blobs++;
	progress_add(a->progress, 1, (int64_t)len);
	out->fresh = fresh;
	return fresh ? uploader_put(a->up, key, data, len, out->sha256, release, ctx, e) : 0;
}

int assets_end(struct assets *a, int rc, struct assets_stats *st, struct err *e)
{
	if (!a)
		return rc;
	struct upload_stats up = {0};
	struct err upload_err = {0};
	if (uploader_finish(a->up, &up, &upload_err) < 0 && rc == 0) {
		*e = upload_err;
		rc = -1;
	}
	if (st)
		*st = (struct assets_stats){a->blobs, up.objects, up.bytes};
	strset_free(&a->known);
	free(a);
	return rc;
}
