-- 10_raw.sql: shapes raw tables from staged files, run by `lakehouse ingest` inside its one
-- transaction. The tool first exposes the staged rows as the view `ingest_rows`:
--   * every column of the staged Parquet files, except media columns (STRUCT(bytes, path)),
--     which become <col>_uri (s3://<bucket>/assets/<dataset>/<col>/<sha256>.<ext>),
--     <col>_path (the blob's original path, metadata only) and <col>_status
--     ('ok', 'truncated' = damaged JPEG/PNG, landed but flagged, or 'unchecked');
--   * lineage: split, source_repo, source_revision, source_file, source_row.
-- A section runs when its @dataset matches the ingest NAME and every @requires column is in
-- the staged files; `*` sections run for datasets that have no section of their own
-- ({{table}} is then raw.<NAME>, a validated identifier). Every INSERT skips rows that are
-- already landed, so re-running an ingest adds nothing.

-- @section coco_detection
-- @dataset coco
-- @requires image_id image width height objects
-- The shape of detection-datasets/coco: one row per image, objects as a struct of lists.
-- (INSERT ... BY NAME: a COCO-release ingest may have added columns, which stay NULL here.)
CREATE TABLE IF NOT EXISTS raw.coco_images (
    image_id BIGINT, image_uri VARCHAR, image_status VARCHAR, width INTEGER, height INTEGER,
    file_name VARCHAR, split VARCHAR, source_repo VARCHAR, source_revision VARCHAR);
INSERT INTO raw.coco_images BY NAME
SELECT image_id, image_uri, image_status, width, height, image_path AS file_name, split,
       source_repo, source_revision
FROM ingest_rows r
WHERE NOT EXISTS (SELECT 1 FROM raw.coco_images i WHERE i.image_id = r.image_id);
CREATE TABLE IF NOT EXISTS raw.coco_objects (
    object_id BIGINT, image_id BIGINT, category_id INTEGER, bbox FLOAT[], area FLOAT,
    iscrowd BOOLEAN, split VARCHAR);
-- bbox is COCO's [x, y, width, height] in pixels. The detection-datasets/coco shape has no
-- iscrowd field, so it lands as NULL (unknown) rather than a guessed false.
INSERT INTO raw.coco_objects BY NAME
SELECT o.object_id, o.image_id, o.category_id, o.bbox, o.area, NULL::BOOLEAN AS iscrowd, o.split
FROM (SELECT image_id, split, unnest(objects.bbox_id) AS object_id,
             unnest(objects.category) AS category_id, unnest(objects.bbox) AS bbox,
             unnest(objects.area) AS area
      FROM ingest_rows) o
WHERE NOT EXISTS (SELECT 1 FROM raw.coco_objects x WHERE x.object_id = o.object_id);

-- @section coco_captions
-- @dataset coco
-- @requires cocoid image sentences_raw filepath filename
-- The shape of HuggingFaceM4/COCO (config 2014_captions): one row per image, its captions
-- as a list. The same image bytes give the same object as the detection shape.
CREATE TABLE IF NOT EXISTS raw.coco_images (
    image_id BIGINT, image_uri VARCHAR, image_status VARCHAR, width INTEGER, height INTEGER,
    file_name VARCHAR, split VARCHAR, source_repo VARCHAR, source_revision VARCHAR);
INSERT INTO raw.coco_images BY NAME
SELECT cocoid AS image_id, image_uri, image_status, NULL::INTEGER AS width,
       NULL::INTEGER AS height, filepath || '/' || filename AS file_name, split, source_repo,
       source_revision
FROM ingest_rows r
WHERE NOT EXISTS (SELECT 1 FROM raw.coco_images i WHERE i.image_id = r.cocoid);
CREATE TABLE IF NOT EXISTS raw.coco_captions (
    image_id BIGINT, caption VARCHAR, split VARCHAR, source_repo VARCHAR,
    source_revision VARCHAR);
INSERT INTO raw.coco_captions BY NAME
SELECT c.image_id, c.caption, c.split, c.source_repo, c.source_revision
FROM (SELECT cocoid AS image_id, unnest(sentences_raw) AS caption, split, source_repo,
             source_revision
      FROM ingest_rows) c
WHERE NOT EXISTS (SELECT 1 FROM raw.coco_captions x
                  WHERE x.image_id = c.image_id AND x.caption = c.caption);

-- @section coco_official_images
-- @dataset coco_json
-- The COCO official layout (annotations/instances_<split>.json + <split>/ images, or the
-- release's zips), read by `lakehouse ingest` into memory.main.coco_src_{images,objects,
-- categories,licenses,captions} (the JSON records as they are, fields absent from the file
-- NULL) and memory.main.coco_media (image id -> object URI, status). {{name}} is the ingest
-- NAME: coco lands in the tables the Hub shapes use (columns they lack are added), another
-- NAME in raw.<NAME>_*.
-- Each section follows the source for its table within the split being ingested, in the same
-- five steps: the view coco_n gives the staged rows in the table's shape; coco_change keys
-- the difference with the landed rows of the split (a new key "inserted", a content that
-- differs "updated", a landed key the source no longer has "removed"); a SELECT returns the
-- counts (coco_table, change, n) that `lakehouse ingest` reports; the updated and removed
-- rows are deleted; the inserted and updated rows are inserted. With `ingest --append-only`
-- (variable ingest_append_only) nothing is updated or removed.
CREATE TABLE IF NOT EXISTS raw."{{name}}_images" (
    image_id BIGINT, image_uri VARCHAR, image_status VARCHAR, width INTEGER, height INTEGER,
    file_name VARCHAR, split VARCHAR, source_repo VARCHAR, source_revision VARCHAR);
ALTER TABLE raw."{{name}}_images" ADD COLUMN IF NOT EXISTS license BIGINT;
ALTER TABLE raw."{{name}}_images" ADD COLUMN IF NOT EXISTS coco_url VARCHAR;
ALTER TABLE raw."{{name}}_images" ADD COLUMN IF NOT EXISTS flickr_url VARCHAR;
ALTER TABLE raw."{{name}}_images" ADD COLUMN IF NOT EXISTS date_captured VARCHAR;
CREATE OR REPLACE TEMP VIEW coco_n AS
    SELECT s.id AS image_id, m.uri AS image_uri, m.status AS image_status, s.width::INTEGER AS width,
           s.height::INTEGER AS height, s.file_name, getvariable('ingest_split') AS split,
           getvariable('ingest_repo') AS source_repo, getvariable('ingest_revision') AS source_revision,
           s.license, s.coco_url, s.flickr_url, s.date_captured
    FROM memory.main.coco_src_images s JOIN memory.main.coco_media m ON m.image_id = s.id;
CREATE OR REPLACE TEMP TABLE coco_change AS
SELECT * FROM (
    SELECT coalesce(n.image_id, x.image_id) AS k,
           CASE WHEN x.image_id IS NULL THEN 'inserted' WHEN n.image_id IS NULL THEN 'removed'
                WHEN (n.image_uri, n.image_status, n.width, n.height, n.file_name, n.license,
                     n.coco_url, n.flickr_url, n.date_captured)
                     IS DISTINCT FROM (x.image_uri, x.image_status, x.width, x.height,
                     x.file_name, x.license, x.coco_url, x.flickr_url, x.date_captured) THEN
                     'updated' END AS change
    FROM coco_n n FULL JOIN (SELECT * FROM raw."{{name}}_images"
                             WHERE split = getvariable('ingest_split')) x ON x.image_id = n.image_id)
WHERE change IS NOT NULL AND NOT (getvariable('ingest_append_only') AND change <> 'inserted');
SELECT 'images' AS coco_table, change, count(*) AS n FROM coco_change GROUP BY ALL;
DELETE FROM raw."{{name}}_images" WHERE split = getvariable('ingest_split')
    AND image_id IN (SELECT k FROM coco_change WHERE change <> 'inserted');
INSERT INTO raw."{{name}}_images" BY NAME SELECT * FROM coco_n WHERE image_id IN (SELECT k FROM coco_change);

-- @section coco_official_objects
-- @dataset coco_json
-- One row per annotation: id as object_id, category_id as in the source, bbox [x, y, w, h],
-- area and iscrowd as they came, segmentation as JSON text (polygons, uncompressed RLE
-- {"counts": [...], "size": [h, w]} or compressed RLE {"counts": "...", "size": [h, w]}),
-- keypoints [x1, y1, v1, ...] and num_keypoints (from person_keypoints_<split>.json).
CREATE TABLE IF NOT EXISTS raw."{{name}}_objects" (
    object_id BIGINT, image_id BIGINT, category_id INTEGER, bbox FLOAT[], area FLOAT,
    iscrowd BOOLEAN, split VARCHAR);
ALTER TABLE raw."{{name}}_objects" ADD COLUMN IF NOT EXISTS segmentation VARCHAR;
ALTER TABLE raw."{{name}}_objects" ADD COLUMN IF NOT EXISTS keypoints DOUBLE[];
ALTER TABLE raw."{{name}}_objects" ADD COLUMN IF NOT EXISTS num_keypoints INTEGER;
ALTER TABLE raw."{{name}}_objects" ADD COLUMN IF NOT EXISTS source_repo VARCHAR;
CREATE OR REPLACE TEMP VIEW coco_n AS
    SELECT id AS object_id, image_id, category_id::INTEGER AS category_id, bbox::FLOAT[] AS bbox,
           area::FLOAT AS area, iscrowd::BOOLEAN AS iscrowd, getvariable('ingest_split') AS split,
           segmentation::VARCHAR AS segmentation, keypoints, num_keypoints::INTEGER AS num_keypoints,
           getvariable('ingest_repo') AS source_repo
    FROM memory.main.coco_src_objects;
CREATE OR REPLACE TEMP TABLE coco_change AS
SELECT * FROM (
    SELECT coalesce(n.object_id, x.object_id) AS k,
           CASE WHEN x.object_id IS NULL THEN 'inserted' WHEN n.object_id IS NULL THEN 'removed'
                WHEN (n.image_id, n.category_id, n.bbox, n.area, n.iscrowd, n.segmentation,
                     n.keypoints, n.num_keypoints)
                     IS DISTINCT FROM (x.image_id, x.category_id, x.bbox, x.area, x.iscrowd,
                     x.segmentation, x.keypoints, x.num_keypoints) THEN 'updated' END AS change
    FROM coco_n n FULL JOIN (SELECT * FROM raw."{{name}}_objects"
                             WHERE split = getvariable('ingest_split')) x ON x.object_id = n.object_id)
WHERE change IS NOT NULL AND NOT (getvariable('ingest_append_only') AND change <> 'inserted');
SELECT 'objects' AS coco_table, change, count(*) AS n FROM coco_change GROUP BY ALL;
DELETE FROM raw."{{name}}_objects" WHERE split = getvariable('ingest_split')
    AND object_id IN (SELECT k FROM coco_change WHERE change <> 'inserted');
INSERT INTO raw."{{name}}_objects" BY NAME SELECT * FROM coco_n WHERE object_id IN (SELECT k FROM coco_change);

-- @section coco_official_categories
-- @dataset coco_json
-- The source's categories (ids as they are: the official release skips some), with the
-- keypoint names and skeleton of person_keypoints_<split>.json when present; per split.
CREATE TABLE IF NOT EXISTS raw."{{name}}_categories" (
    category_id INTEGER, name VARCHAR, supercategory VARCHAR, keypoints VARCHAR[],
    skeleton INTEGER[][], split VARCHAR, source_repo VARCHAR);
CREATE OR REPLACE TEMP VIEW coco_n AS
    SELECT id::INTEGER AS category_id, name, supercategory, keypoints,
           skeleton::INTEGER[][] AS skeleton, getvariable('ingest_split') AS split,
           getvariable('ingest_repo') AS source_repo
    FROM memory.main.coco_src_categories;
CREATE OR REPLACE TEMP TABLE coco_change AS
SELECT * FROM (
    SELECT coalesce(n.category_id, x.category_id) AS k,
           CASE WHEN x.category_id IS NULL THEN 'inserted' WHEN n.category_id IS NULL THEN 'removed'
                WHEN (n.name, n.supercategory, n.keypoints, n.skeleton)
                     IS DISTINCT FROM (x.name, x.supercategory, x.keypoints, x.skeleton) THEN
                     'updated' END AS change
    FROM coco_n n FULL JOIN (SELECT * FROM raw."{{name}}_categories"
                             WHERE split = getvariable('ingest_split')) x ON x.category_id = n.category_id)
WHERE change IS NOT NULL AND NOT (getvariable('ingest_append_only') AND change <> 'inserted');
SELECT 'categories' AS coco_table, change, count(*) AS n FROM coco_change GROUP BY ALL;
DELETE FROM raw."{{name}}_categories" WHERE split = getvariable('ingest_split')
    AND category_id IN (SELECT k FROM coco_change WHERE change <> 'inserted');
INSERT INTO raw."{{name}}_categories" BY NAME SELECT * FROM coco_n WHERE category_id IN (SELECT k FROM coco_change);

-- @section coco_official_licenses
-- @dataset coco_json
CREATE TABLE IF NOT EXISTS raw."{{name}}_licenses" (
    license_id BIGINT, name VARCHAR, url VARCHAR, split VARCHAR, source_repo VARCHAR);
CREATE OR REPLACE TEMP VIEW coco_n AS
    SELECT id AS license_id, name, url, getvariable('ingest_split') AS split,
           getvariable('ingest_repo') AS source_repo
    FROM memory.main.coco_src_licenses;
CREATE OR REPLACE TEMP TABLE coco_change AS
SELECT * FROM (
    SELECT coalesce(n.license_id, x.license_id) AS k,
           CASE WHEN x.license_id IS NULL THEN 'inserted' WHEN n.license_id IS NULL THEN 'removed'
                WHEN (n.name, n.url)
                     IS DISTINCT FROM (x.name, x.url) THEN 'updated' END AS change
    FROM coco_n n FULL JOIN (SELECT * FROM raw."{{name}}_licenses"
                             WHERE split = getvariable('ingest_split')) x ON x.license_id = n.license_id)
WHERE change IS NOT NULL AND NOT (getvariable('ingest_append_only') AND change <> 'inserted');
SELECT 'licenses' AS coco_table, change, count(*) AS n FROM coco_change GROUP BY ALL;
DELETE FROM raw."{{name}}_licenses" WHERE split = getvariable('ingest_split')
    AND license_id IN (SELECT k FROM coco_change WHERE change <> 'inserted');
INSERT INTO raw."{{name}}_licenses" BY NAME SELECT * FROM coco_n WHERE license_id IN (SELECT k FROM coco_change);

-- @section coco_official_captions
-- @dataset coco_json
-- captions_<split>.json: one row per caption, its id kept, the text exactly as it came.
CREATE TABLE IF NOT EXISTS raw."{{name}}_captions" (
    image_id BIGINT, caption VARCHAR, split VARCHAR, source_repo VARCHAR,
    source_revision VARCHAR);
ALTER TABLE raw."{{name}}_captions" ADD COLUMN IF NOT EXISTS caption_id BIGINT;
CREATE OR REPLACE TEMP VIEW coco_n AS
    SELECT id AS caption_id, image_id, caption, getvariable('ingest_split') AS split,
           getvariable('ingest_repo') AS source_repo, getvariable('ingest_revision') AS source_revision
    FROM memory.main.coco_src_captions;
CREATE OR REPLACE TEMP TABLE coco_change AS
SELECT * FROM (
    SELECT coalesce(n.caption_id, x.caption_id) AS k,
           CASE WHEN x.caption_id IS NULL THEN 'inserted' WHEN n.caption_id IS NULL THEN 'removed'
                WHEN (n.image_id, n.caption)
                     IS DISTINCT FROM (x.image_id, x.caption) THEN 'updated' END AS change
    FROM coco_n n FULL JOIN (SELECT * FROM raw."{{name}}_captions"
                             WHERE split = getvariable('ingest_split')) x ON x.caption_id = n.caption_id)
WHERE change IS NOT NULL AND NOT (getvariable('ingest_append_only') AND change <> 'inserted');
SELECT 'captions' AS coco_table, change, count(*) AS n FROM coco_change GROUP BY ALL;
DELETE FROM raw."{{name}}_captions" WHERE split = getvariable('ingest_split')
    AND caption_id IN (SELECT k FROM coco_change WHERE change <> 'inserted');
INSERT INTO raw."{{name}}_captions" BY NAME SELECT * FROM coco_n WHERE caption_id IN (SELECT k FROM coco_change);

-- @section coco_official_rejects
-- @dataset coco_json
-- `ingest --skip-bad` only: the records set aside (memory.main.coco_rejects: the file, the
-- record kind and id, why), the split's earlier list replaced.
CREATE TABLE IF NOT EXISTS raw."{{name}}_rejects" (
    split VARCHAR, source_file VARCHAR, record VARCHAR, record_id BIGINT, reason VARCHAR,
    source_repo VARCHAR);
DELETE FROM raw."{{name}}_rejects" WHERE split = getvariable('ingest_split');
INSERT INTO raw."{{name}}_rejects"
SELECT getvariable('ingest_split'), source_file, record, record_id, reason,
       getvariable('ingest_repo')
FROM memory.main.coco_rejects;

-- @section generic
-- @dataset *
-- @requires
-- Any other dataset: the staged rows as they are, media replaced by URIs, plus lineage.
CREATE TABLE IF NOT EXISTS {{table}} AS SELECT * FROM ingest_rows WITH NO DATA;
INSERT INTO {{table}} BY NAME
SELECT * FROM ingest_rows r
WHERE NOT EXISTS (SELECT 1 FROM {{table}} t
                  WHERE t.source_repo = r.source_repo AND t.source_file = r.source_file
                    AND t.source_row = r.source_row);
