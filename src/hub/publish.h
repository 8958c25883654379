/* publish.h - a lake table (usually gold) leaves the lake as a Hugging Face dataset.
 *
 * The table at one snapshot is exported to Parquet shards data/<split>-NNNNN-of-NNNNN.parquet
 * in <local-store>/publish/<owner>/<name>/ (rows in a fixed order, so the same snapshot gives
 * the same bytes), with a README.md dataset card (YAML features/configs/splits, provenance).
 * With media, URI columns of images become Image features (struct of bytes and path) filled
 * through the loader. Then one commit on the Hub; when the Hub already holds exactly these
 * files nothing is committed.
 */
#ifndef LAKEHOUSE_PUBLISH_H
#define LAKEHOUSE_PUBLISH_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct publish_request {
	const char *table;   /* SCHEMA.TABLE */
	const char *repo;    /* OWNER/NAME on the Hub */
	const char *version; /* snapshot id or tag to publish; NULL = the current snapshot */
	int private_repo;    /* create the repo private (an existing repo keeps its visibility) */
	int with_media;
	const char *message; /* commit summary; NULL = one naming table and snapshot */
	const char *license; /* card license id; NULL = "other" */
	int64_t shard_rows;  /* rows per Parquet file; 0 = default */
};

struct publish_result {
	int64_t snapshot, rows, bytes; /* bytes: Σ Parquet sizes */
	int files;                     /* Parquet shards */
	int media;                     /* images embedded */
	int unchanged;                 /* the Hub already had these files: no commit made */
	char commit[41];               /* the new commit, or the head that already matched */
	char url[1024];                /* https://.../datasets/OWNER/NAME */
	char staging[4096];
};

int publish_run(const struct config *cfg, const struct publish_request *rq,
		struct publish_result *res, struct err *e);

#endif
