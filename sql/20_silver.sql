-- 20_silver.sql: the silver layer, run by `lakehouse transform silver` as ONE transaction
-- followed by the quality gates of sql/checks/20_silver.sql (a failing gate rolls it all
-- back). A section runs when every table it @requires exists.

-- @section coco_source_categories
-- @requires raw.coco_categories
-- The categories a COCO release carries (annotations/instances_<split>.json), per split, ids
-- as the source has them (1..90 with gaps in the official release).
CREATE OR REPLACE TABLE silver.coco_source_categories AS
SELECT DISTINCT ON (split, category_id) category_id, name, supercategory, keypoints, skeleton, split
FROM raw.coco_categories WHERE category_id IS NOT NULL
ORDER BY split, category_id;

-- @section coco
-- @requires raw.coco_images raw.coco_objects
-- Category names come from the source's categories (silver.coco_source_categories) for the
-- splits that carry them. The Hub shapes carry ClassLabel ids without names: for them only,
-- COCO's 80 names in the order of detection-datasets/coco's ClassLabel (the fallback below).
CREATE TABLE IF NOT EXISTS silver.coco_source_categories (
    category_id INTEGER, name VARCHAR, supercategory VARCHAR, keypoints VARCHAR[],
    skeleton INTEGER[][], split VARCHAR);
CREATE OR REPLACE TABLE silver.coco_categories AS
SELECT (row_number() OVER () - 1)::INTEGER AS category_id, name FROM (VALUES
 ('person'), ('bicycle'), ('car'), ('motorcycle'), ('airplane'), ('bus'), ('train'), ('truck'),
 ('boat'), ('traffic light'), ('fire hydrant'), ('stop sign'), ('parking meter'), ('bench'),
 ('bird'), ('cat'), ('dog'), ('horse'), ('sheep'), ('cow'), ('elephant'), ('bear'), ('zebra'),
 ('giraffe'), ('backpack'), ('umbrella'), ('handbag'), ('tie'), ('suitcase'), ('frisbee'),
 ('skis'), ('snowboard'), ('sports ball'), ('kite'), ('baseball bat'), ('baseball glove'),
 ('skateboard'), ('surfboard'), ('tennis racket'), ('bottle'), ('wine glass'), ('cup'),
 ('fork'), ('knife'), ('spoon'), ('bowl'), ('banana'), ('apple'), ('sandwich'), ('orange'),
 ('broccoli'), ('carrot'), ('hot dog'), ('pizza'), ('donut'), ('cake'), ('chair'), ('couch'),
 ('potted plant'), ('bed'), ('dining table'), ('toilet'), ('tv'), ('laptop'), ('mouse'),
 ('remote'), ('keyboard'), ('cell phone'), ('microwave'), ('oven'), ('toaster'), ('sink'),
 ('refrigerator'), ('book'), ('clock'), ('vase'), ('scissors'), ('teddy bear'),
 ('hair drier'), ('toothbrush')) v(name);

-- One row per image: duplicate image_ids collapse to one row (dimensions taken from any row
-- that has them), then the same bytes under two ids keep the smaller id. Damaged images
-- (image_status 'truncated') stay, flagged image_ok = false, so gold can leave them out.
CREATE OR REPLACE TABLE silver.coco_images AS
WITH typed AS (
    SELECT image_id, image_uri, regexp_extract(image_uri, '[0-9a-f]{64}') AS content_sha256,
           max(width) OVER (PARTITION BY image_id)::INTEGER AS width,
           max(height) OVER (PARTITION BY image_id)::INTEGER AS height,
           file_name, split, coalesce(image_status, 'unchecked') <> 'truncated' AS image_ok,
           row_number() OVER (PARTITION BY image_id ORDER BY file_name, split) AS nth_of_id
    FROM raw.coco_images WHERE image_uri IS NOT NULL AND image_id IS NOT NULL),
one_per_id AS (SELECT * EXCLUDE (nth_of_id) FROM typed WHERE nth_of_id = 1)
SELECT * EXCLUDE (nth_of_content) FROM (
    SELECT *, row_number() OVER (PARTITION BY content_sha256 ORDER BY image_id) AS nth_of_content
    FROM one_per_id)
WHERE nth_of_content = 1;

-- Boxes: duplicates (same object_id) removed, boxes clipped to the image; a box with less
-- than one pixel of width or height left inside the image is dropped. Every change is
-- recorded in silver.coco_box_issues, so the counts are queryable.
CREATE OR REPLACE TABLE silver.coco_box_issues AS
WITH o AS (SELECT *, row_number() OVER (PARTITION BY object_id ORDER BY image_id) AS nth FROM raw.coco_objects),
j AS (
    SELECT o.object_id, o.image_id, o.nth, i.image_id IS NULL AS orphan,
           o.bbox[1] AS x, o.bbox[2] AS y, o.bbox[1] + o.bbox[3] AS x2, o.bbox[2] + o.bbox[4] AS y2,
           i.width AS w, i.height AS h
    FROM o LEFT JOIN silver.coco_images i USING (image_id))
SELECT object_id, image_id,
       CASE WHEN nth > 1 THEN 'duplicate'
            WHEN orphan THEN 'no_image'
            WHEN least(x2, w) - greatest(x, 0) < 1 OR least(y2, h) - greatest(y, 0) < 1 THEN 'dropped_outside'
            ELSE 'clipped' END AS issue
FROM j
WHERE nth > 1 OR orphan OR x < 0 OR y < 0 OR x2 > w OR y2 > h;

-- area is the source's (a mask's area, not the box's w x h; NULL when the source has none) and
-- iscrowd stays as it came: NULL (unknown, the Hub shape has no such field) is not false;
-- segmentation (JSON text), keypoints and num_keypoints pass through as they came.
CREATE OR REPLACE TABLE silver.coco_objects AS
WITH o AS (SELECT DISTINCT ON (object_id) * FROM raw.coco_objects ORDER BY object_id, image_id),
c AS (
    SELECT o.object_id, o.image_id, o.category_id, o.split,
           greatest(o.bbox[1], 0) AS x0, greatest(o.bbox[2], 0) AS y0,
           least(o.bbox[1] + o.bbox[3], i.width) AS x1, least(o.bbox[2] + o.bbox[4], i.height) AS y1,
           o.area, o.iscrowd, o.segmentation, o.keypoints, o.num_keypoints
    FROM o JOIN silver.coco_images i USING (image_id))
SELECT c.object_id, c.image_id, c.category_id::INTEGER AS category_id,
       CASE WHEN c.split IN (SELECT split FROM silver.coco_source_categories) THEN s.name
            ELSE k.name END AS category,
       [x0, y0, x1 - x0, y1 - y0]::FLOAT[] AS bbox, c.area::FLOAT AS area,
       c.iscrowd, c.segmentation, c.keypoints, c.num_keypoints,
       EXISTS (SELECT 1 FROM silver.coco_box_issues b WHERE b.object_id = c.object_id AND b.issue = 'clipped') AS clipped
FROM c LEFT JOIN silver.coco_categories k USING (category_id)
LEFT JOIN silver.coco_source_categories s ON s.category_id = c.category_id AND s.split = c.split
WHERE x1 - x0 >= 1 AND y1 - y0 >= 1;

-- Schema evolution step (added after the first release of this layer): images with five or
-- more persons are flagged (person instances: a crowd region, iscrowd true, is not one).
-- DuckLake records it as a new schema version; time travel to a snapshot before it still
-- reads the old columns.
ALTER TABLE silver.coco_images ADD COLUMN is_crowded BOOLEAN;
UPDATE silver.coco_images SET is_crowded =
    image_id IN (SELECT image_id FROM silver.coco_objects
                 WHERE category = 'person' AND iscrowd IS NOT TRUE
                 GROUP BY image_id HAVING count(*) >= 5);

-- Captions come in their own section; gold reads this (empty) table when there are none.
CREATE TABLE IF NOT EXISTS silver.coco_captions (image_id BIGINT, caption VARCHAR);

-- @section coco_captions
-- @requires raw.coco_captions silver.coco_images
CREATE OR REPLACE TABLE silver.coco_captions AS
SELECT DISTINCT image_id, trim(caption) AS caption
FROM raw.coco_captions
WHERE caption IS NOT NULL AND trim(caption) <> ''
  AND image_id IN (SELECT image_id FROM silver.coco_images);

-- @section visdrone
-- @requires raw.visdrone_clips raw.visdrone_fragments raw.visdrone_annotations
-- Per-fragment statistics from the annotations. VisDrone's frame_index is 1-based; a
-- fragment covers clip frames start_frame..end_frame (0-based), i.e. frame_index
-- start_frame+1 .. end_frame+1. Boxes with score 0 and the categories 0 ("ignored region")
-- and 11 ("others") do not count, as the VisDrone toolkit ignores them in evaluation.
CREATE OR REPLACE TABLE silver.visdrone_annotations AS
SELECT a.*, ['pedestrian', 'people', 'bicycle', 'car', 'van', 'truck', 'tricycle',
             'awning-tricycle', 'bus', 'motor'][a.object_category] AS category
FROM raw.visdrone_annotations a
WHERE score <> 0 AND object_category NOT IN (0, 11) AND bbox_width > 0 AND bbox_height > 0;

CREATE OR REPLACE TABLE silver.visdrone_fragments AS
WITH per_frame AS (
    SELECT sequence, frame_index, count(*) AS n FROM silver.visdrone_annotations GROUP BY ALL
)
SELECT f.clip_uri, c.sequence, f.fragment_id, f.start_frame, f.end_frame, f.start_time,
       f.end_time, f.byte_offset, f.byte_length,
       count(b.target_id) AS n_objects,
       count(DISTINCT b.target_id) AS n_tracks,
       list(DISTINCT b.object_category ORDER BY b.object_category)
           FILTER (WHERE b.object_category IS NOT NULL) AS categories,
       coalesce(max(p.n), 0) AS max_objects_in_frame
FROM raw.visdrone_fragments f
JOIN raw.visdrone_clips c ON c.clip_uri = f.clip_uri
LEFT JOIN silver.visdrone_annotations b ON b.sequence = c.sequence
     AND b.frame_index BETWEEN f.start_frame + 1 AND f.end_frame + 1
LEFT JOIN per_frame p ON p.sequence = b.sequence AND p.frame_index = b.frame_index
GROUP BY ALL;
