/* card.h - the README.md dataset card of a published table: a YAML header the Hub and
 * `datasets` read (configs/data_files, features, splits with exact row counts) and prose
 * (what the table is, its columns, row counts, provenance, the SQL that made it, how to load).
 * The card holds no time of publishing, so the same snapshot always gives the same card.
 */
#ifndef LAKEHOUSE_CARD_H
#define LAKEHOUSE_CARD_H

#include <duckdb.h>
#include <stdint.h>

#include "core/err.h"

#define CARD_MAX_SPLITS 32

struct card_column {
	char name[128];           /* in the lake */
	char published_name[140]; /* in the dataset: image_uri becomes image with media */
	char *features;           /* YAML of the column's Hub feature (owned) */
	char lake_type[256];      /* its DuckDB type, for the card's column table */
	int is_varchar;
	int as_text; /* no Hub feature for this type: published as its text form */
	int image;   /* an image URI column published as an Image feature */
};

struct card_split {
	char name[64];
	int64_t rows;
	int64_t bytes; /* Σ of its Parquet files */
};

struct card {
	char repo[256], schema[64], table[64], license[64], bucket[64];
	int with_media;
	int64_t snapshot;
	char snapshot_time[64];
	struct card_column *columns; /* owned */
	int ncolumns;
	int split_column; /* the table has a VARCHAR column named split */
	struct card_split splits[CARD_MAX_SPLITS];
	int nsplits;
	char *provenance; /* markdown list of the snapshots that built the table (owned) */
	char *sql;        /* the SQL section that creates the table, or NULL (owned) */
};

void card_init(struct card *c, const char *repo, const char *schema, const char *table,
	       const char *license, int with_media, const char *bucket);
/* Columns and their features from a (LIMIT 0) result over the table. */
int card_columns_from(struct card *c, duckdb_result *r, struct err *e);
/* Marks column i (NAME_uri) as an image column published as NAME with dtype image. */
void card_set_image(struct card *c, int i);
/* Writes README.md to path. */
int card_write(const struct card *c, const char *path, struct err *e);
void card_free(struct card *c);

#endif
