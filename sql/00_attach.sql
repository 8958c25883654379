-- 00_attach.sql: attach the lake. Run by `lakehouse init` and, the same way, by every verb.
--
-- No secret or path literal lives here: the tool binds them first as DuckDB variables from the
-- environment / .env (see src/lake.c):
--   s3_key_id, s3_secret, s3_region, s3_endpoint (host:port, no scheme), s3_use_ssl,
--   ca_cert_file (AWS_CA_BUNDLE / SSL_CERT_FILE: a private CA's PEM file, '' = the system's),
--   bucket, catalog (DuckLake metadata path: a DuckDB file by default),
--   catalog_parameters (options of the metadata database: WAL and a busy timeout for SQLite),
--   read_only (true for a verb that only reads: the catalog is attached read-only, so on a
--   DuckDB file any number of readers share it; such an open stops at the marker below)
-- Extensions are loaded from local files: the tool opens DuckDB with extension_directory set
-- to .deps/duckdb/extensions and autoinstall/autoload off, so nothing is downloaded.
LOAD httpfs;
LOAD ducklake;
-- Stray AWS_* variables in the environment must not override the secret built below.
SET enable_global_s3_configuration = false;
-- TLS: the store's certificate is verified whichever HTTP client httpfs uses (curl verifies by
-- default, httplib does not), against the CA file when one is named.
SET enable_server_cert_verification = true;
SET enable_curl_server_cert_verification = true;
SET ca_cert_file = getvariable('ca_cert_file');

CREATE OR REPLACE SECRET lakehouse_s3 (
    TYPE s3,
    KEY_ID getvariable('s3_key_id'),
    SECRET getvariable('s3_secret'),
    REGION getvariable('s3_region'),
    ENDPOINT getvariable('s3_endpoint'),
    URL_STYLE 'path',
    USE_SSL getvariable('s3_use_ssl'),
    SCOPE 's3://' || getvariable('bucket') || '/'
);

-- Table data lives under the lake/ prefix, not at the bucket root: DuckLake has trouble with a
-- bucket-root DATA_PATH (ducklake#255), and its orphan cleanup deletes unknown Parquet under
-- DATA_PATH, so media objects live beside it under s3://<bucket>/assets/.
CREATE OR REPLACE SECRET lakehouse_catalog (
    TYPE ducklake,
    METADATA_PATH getvariable('catalog'),
    DATA_PATH 's3://' || getvariable('bucket') || '/lake/',
    METADATA_PARAMETERS getvariable('catalog_parameters')
);

ATTACH IF NOT EXISTS 'ducklake:lakehouse_catalog' AS lake (READ_ONLY getvariable('read_only'));
USE lake;

-- tag('NAME'): the snapshot a tag names (`FROM t AT (VERSION => tag('v1'))`). The tool loads
-- the tags of lakehouse.tags into this variable after the attach (src/lake/lake.c).
SET VARIABLE lakehouse_tags = MAP {}::MAP(VARCHAR, BIGINT);
CREATE OR REPLACE TEMP MACRO tag(name) AS coalesce(getvariable('lakehouse_tags')[name],
    error('no tag named ''' || name || '''; see lakehouse tag --list'));

-- split_of(KEY): the gold layer's deterministic split of a stable key (an image's content
-- SHA-256, a clip's sequence), 80 / 10 / 10 by its hash; sql/30_gold.sql uses it.
CREATE OR REPLACE TEMP MACRO split_of(key) AS
    CASE WHEN hash(key) % 100 < 80 THEN 'train' WHEN hash(key) % 100 < 90 THEN 'val' ELSE 'test' END;

-- The gold layer's re-split (`transform gold --resplit NAME=FRACTION,... --seed N`): one row
-- per part, in the order given, covering [lower, upper) of [0, 1) (the last part's upper is 2,
-- so it takes everything from its lower up). Empty unless that transform fills it, and then
-- gold keeps each source's own split.
CREATE OR REPLACE TEMP TABLE lakehouse_resplit (name VARCHAR, lower DOUBLE, upper DOUBLE, seed BIGINT);
-- resplit_point(SEED, KEY): where a row's natural key falls in [0, 1) for a seed: the first 64
-- bits of SHA-256('SEED:KEY') as an unsigned integer over 2^64. A fixed, public hash (not
-- DuckDB's internal hash()) so that any tool can recompute an assignment from the seed alone,
-- and the same key lands in the same part whatever the row order or thread count.
CREATE OR REPLACE TEMP MACRO resplit_point(seed, key) AS
    ('0x' || left(sha256(seed::VARCHAR || ':' || key::VARCHAR), 16))::UBIGINT::DOUBLE
        / 18446744073709551616.0;
-- resplit_of(KEY, FALLBACK): KEY's part under the re-split; FALLBACK without one (or for a
-- NULL key, which no hash places).
CREATE OR REPLACE TEMP MACRO resplit_of(key, fallback) AS coalesce(
    (SELECT p.name FROM temp.main.lakehouse_resplit p
     WHERE resplit_point(p.seed, key) >= p.lower AND resplit_point(p.seed, key) < p.upper),
    fallback);

-- lakehouse: writers only below (a read-only open runs the file up to this line)
-- The medallion schemas, created together in one snapshot the first time (a no-op after).
BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS lake.raw;
CREATE SCHEMA IF NOT EXISTS lake.silver;
CREATE SCHEMA IF NOT EXISTS lake.gold;
CALL lake.set_commit_message('lakehouse', 'init: medallion schemas raw, silver, gold');
COMMIT;
