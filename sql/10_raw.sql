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
CREATE TABLE IF NOT EXISTS raw.coco_images (
    image_id BIGINT, image_uri VARCHAR, image_status VARCHAR, width INTEGER, height INTEGER,
    file_name VARCHAR, split VARCHAR, source_repo VARCHAR, source_revision VARCHAR);
INSERT INTO raw.coco_images
SELECT image_id, image_uri, image_status, width, height, image_path, split, source_repo,
       source_revision
FROM ingest_rows r
WHERE NOT EXISTS (SELECT 1 FROM raw.coco_images i WHERE i.image_id = r.image_id);
CREATE TABLE IF NOT EXISTS raw.coco_objects (
    object_id BIGINT, image_id BIGINT, category_id INTEGER, bbox FLOAT[], area FLOAT,
    iscrowd BOOLEAN, split VARCHAR);
-- bbox is COCO's [x, y, width, height] in pixels. The detection-datasets/coco shape has no
-- iscrowd field, so it lands as NULL (unknown) rather than a guessed false.
INSERT INTO raw.coco_objects
SELECT o.object_id, o.image_id, o.category_id, o.bbox, o.area, NULL, o.split
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
INSERT INTO raw.coco_images
SELECT cocoid, image_uri, image_status, NULL, NULL, filepath || '/' || filename, split,
       source_repo, source_revision
FROM ingest_rows r
WHERE NOT EXISTS (SELECT 1 FROM raw.coco_images i WHERE i.image_id = r.cocoid);
CREATE TABLE IF NOT EXISTS raw.coco_captions (
    image_id BIGINT, caption VARCHAR, split VARCHAR, source_repo VARCHAR,
    source_revision VARCHAR);
INSERT INTO raw.coco_captions
SELECT c.image_id, c.caption, c.split, c.source_repo, c.source_revision
FROM (SELECT cocoid AS image_id, unnest(sentences_raw) AS caption, split, source_repo,
             source_revision
      FROM ingest_rows) c
WHERE NOT EXISTS (SELECT 1 FROM raw.coco_captions x
                  WHERE x.image_id = c.image_id AND x.caption = c.caption);

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
