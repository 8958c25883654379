-- 40_export.sql: the queries of `lakehouse export` (src/media/export*.c). The tool first pins
-- the lake to one snapshot (re-attached read-only at SNAPSHOT_VERSION), sets the variable
-- export_snapshot to its id and materialises the user's selection as the temp table
-- export_selection: (image_uri, split) for images or (clip_uri, fragment_id, split) for
-- video fragments; split is NULL when the selection has none. One statement per section.

-- @section categories
-- @requires silver.coco_categories
-- silver numbers COCO's 80 categories 0..79 (detection-datasets/coco's ClassLabel); exports
-- carry the original sparse COCO ids (1..90) and supercategories, as training code expects.
CREATE OR REPLACE TEMP TABLE export_categories AS
SELECT c.category_id, c.name, o.coco_id, o.supercategory
FROM silver.coco_categories c JOIN (VALUES
 (0, 1, 'person'), (1, 2, 'vehicle'), (2, 3, 'vehicle'), (3, 4, 'vehicle'), (4, 5, 'vehicle'),
 (5, 6, 'vehicle'), (6, 7, 'vehicle'), (7, 8, 'vehicle'), (8, 9, 'vehicle'), (9, 10, 'outdoor'),
 (10, 11, 'outdoor'), (11, 13, 'outdoor'), (12, 14, 'outdoor'), (13, 15, 'outdoor'),
 (14, 16, 'animal'), (15, 17, 'animal'), (16, 18, 'animal'), (17, 19, 'animal'),
 (18, 20, 'animal'), (19, 21, 'animal'), (20, 22, 'animal'), (21, 23, 'animal'),
 (22, 24, 'animal'), (23, 25, 'animal'), (24, 27, 'accessory'), (25, 28, 'accessory'),
 (26, 31, 'accessory'), (27, 32, 'accessory'), (28, 33, 'accessory'), (29, 34, 'sports'),
 (30, 35, 'sports'), (31, 36, 'sports'), (32, 37, 'sports'), (33, 38, 'sports'),
 (34, 39, 'sports'), (35, 40, 'sports'), (36, 41, 'sports'), (37, 42, 'sports'),
 (38, 43, 'sports'), (39, 44, 'kitchen'), (40, 46, 'kitchen'), (41, 47, 'kitchen'),
 (42, 48, 'kitchen'), (43, 49, 'kitchen'), (44, 50, 'kitchen'), (45, 51, 'kitchen'),
 (46, 52, 'food'), (47, 53, 'food'), (48, 54, 'food'), (49, 55, 'food'), (50, 56, 'food'),
 (51, 57, 'food'), (52, 58, 'food'), (53, 59, 'food'), (54, 60, 'food'), (55, 61, 'food'),
 (56, 62, 'furniture'), (57, 63, 'furniture'), (58, 64, 'furniture'), (59, 65, 'furniture'),
 (60, 67, 'furniture'), (61, 70, 'furniture'), (62, 72, 'electronic'), (63, 73, 'electronic'),
 (64, 74, 'electronic'), (65, 75, 'electronic'), (66, 76, 'electronic'), (67, 77, 'electronic'),
 (68, 78, 'appliance'), (69, 79, 'appliance'), (70, 80, 'appliance'), (71, 81, 'appliance'),
 (72, 82, 'appliance'), (73, 84, 'indoor'), (74, 85, 'indoor'), (75, 86, 'indoor'),
 (76, 87, 'indoor'), (77, 88, 'indoor'), (78, 89, 'indoor'), (79, 90, 'indoor')) o(category_id, coco_id, supercategory) USING (category_id);

-- @section images
-- One row per selected image, its metadata from export_image_meta (silver.coco_images, or the
-- raw images table of `export --table raw.<NAME>_images`); images it does not know keep NULL
-- metadata.
CREATE OR REPLACE TEMP TABLE export_images AS
SELECT s.image_uri, nullif(regexp_extract(s.image_uri, '[0-9a-f]{64}'), '') AS sha256,
       i.image_id, i.width, i.height,
       coalesce(nullif(regexp_extract(i.file_name, '[^/]+$'), ''),
                regexp_extract(s.image_uri, '[^/]+$')) AS file_name,
       coalesce(s.split, i.split, 'all') AS split
FROM (SELECT image_uri, min(split) AS split FROM export_selection
      WHERE image_uri IS NOT NULL GROUP BY image_uri) s
LEFT JOIN export_image_meta i USING (image_uri);

-- @section images_bare
-- The same for a lake without the silver COCO tables (any table with image_uri).
CREATE OR REPLACE TEMP TABLE export_images AS
SELECT image_uri, nullif(regexp_extract(image_uri, '[0-9a-f]{64}'), '') AS sha256,
       NULL::BIGINT AS image_id, NULL::INTEGER AS width, NULL::INTEGER AS height,
       regexp_extract(image_uri, '[^/]+$') AS file_name, coalesce(min(split), 'all') AS split
FROM export_selection WHERE image_uri IS NOT NULL GROUP BY image_uri;

-- @section image_samples_bare
SELECT e.image_uri, coalesce('coco_' || left(e.sha256, 16), e.file_name) AS key_source,
       to_json({'image_uri': e.image_uri, 'file_name': e.file_name, 'split': e.split,
                'snapshot': getvariable('export_snapshot'), 'boxes': []::INTEGER[],
                'captions': []::VARCHAR[]}) AS json
FROM export_images e ORDER BY e.image_uri;

-- @section image_samples
-- @requires silver.coco_objects silver.coco_captions silver.coco_source_categories
-- A WebDataset sample per image: the object to copy and the <key>.json text. Category ids are
-- COCO's own: a COCO release's as they came, the Hub ClassLabel's mapped back (categories).
WITH release_images AS (
    SELECT image_id FROM silver.coco_images
    WHERE split IN (SELECT split FROM silver.coco_source_categories))
SELECT e.image_uri, coalesce('coco_' || left(e.sha256, 16), e.file_name) AS key_source,
       to_json({'image_id': e.image_id, 'width': e.width, 'height': e.height,
                'file_name': e.file_name, 'split': e.split, 'image_uri': e.image_uri,
                'snapshot': getvariable('export_snapshot'),
                'boxes': coalesce((SELECT list({'id': o.object_id,
                                                'category_id': CASE WHEN o.image_id IN (
                                                    SELECT image_id FROM release_images)
                                                    THEN o.category_id ELSE k.coco_id END,
                                                'category': o.category, 'bbox': o.bbox,
                                                'area': o.area, 'iscrowd': o.iscrowd,
                                                'segmentation': o.segmentation::JSON,
                                                'keypoints': o.keypoints,
                                                'num_keypoints': o.num_keypoints}
                                               ORDER BY o.object_id)
                                   FROM silver.coco_objects o
                                   LEFT JOIN export_categories k USING (category_id)
                                   WHERE o.image_id = e.image_id), []),
                'captions': coalesce((SELECT list(c.caption ORDER BY c.caption)
                                      FROM silver.coco_captions c
                                      WHERE c.image_id = e.image_id), [])}) AS json
FROM export_images e
ORDER BY e.image_id NULLS LAST, e.image_uri;

-- @section fragment_samples
-- @requires silver.visdrone_annotations
-- A WebDataset sample per fragment of the media reader's plan (temp.media_plan: the selection
-- joined with the fragment index once, clip by clip; src/media/reader.h), in its order: the
-- clip, the key and the <key>.json text with every box of its frames (frame: 0-based within
-- the fragment; the boxes silver keeps) and, under "annotations", every line of the source's
-- annotation file for those frames as it came: its 10 columns in the file's order
-- (frame_index, target_id, bbox_left, bbox_top, bbox_width, bbox_height, score,
-- object_category, truncation, occlusion; NULL where a DET line has none), ignored regions
-- included. The bytes (init segment + fragment) come from the reader.
SELECT p.clip_uri, p.sequence || '_f' || lpad(p.fragment_id::VARCHAR, 6, '0') AS key_source,
       to_json({'clip_uri': p.clip_uri, 'sequence': p.sequence, 'fragment_id': p.fragment_id,
                'start_frame': p.start_frame, 'end_frame': p.end_frame,
                'frames': p.end_frame - p.start_frame + 1, 'start_time': p.start_time,
                'end_time': p.end_time, 'fps': p.fps, 'width': p.width, 'height': p.height,
                'split': coalesce(s.split, p.clip_split), 'snapshot': getvariable('export_snapshot'),
                'boxes': coalesce((SELECT list({'frame': a.frame_index - 1 - p.start_frame,
                                                'frame_index': a.frame_index,
                                                'track_id': a.target_id,
                                                'category_id': a.object_category,
                                                'category': a.category,
                                                'bbox': [a.bbox_left, a.bbox_top,
                                                         a.bbox_width, a.bbox_height]}
                                               ORDER BY a.frame_index, a.target_id)
                                   FROM silver.visdrone_annotations a
                                   WHERE a.sequence = p.sequence
                                     AND a.frame_index BETWEEN p.start_frame + 1
                                                           AND p.end_frame + 1), []),
                'annotations': coalesce((SELECT list([r.frame_index, r.target_id, r.bbox_left,
                                                      r.bbox_top, r.bbox_width, r.bbox_height,
                                                      r.score, r.object_category, r.truncation,
                                                      r.occlusion]
                                                     ORDER BY r.frame_index, r.target_id,
                                                     r.bbox_left, r.bbox_top, r.bbox_width,
                                                     r.bbox_height, r.score, r.object_category,
                                                     r.truncation, r.occlusion)
                                         FROM raw.visdrone_annotations r
                                         WHERE r.sequence = p.sequence
                                           AND r.frame_index BETWEEN p.start_frame + 1
                                                                 AND p.end_frame + 1), [])}) AS json
FROM temp.media_plan p
JOIN (SELECT clip_uri, fragment_id, min(split) AS split FROM export_selection
      GROUP BY clip_uri, fragment_id) s
  ON s.clip_uri = p.clip_uri AND s.fragment_id = p.fragment_id
ORDER BY p.item;

-- @section fragments_unknown
-- Selected fragments the reader's plan left out: not in the fragment index (a stale or wrong
-- selection).
SELECT s.clip_uri || '#' || s.fragment_id
FROM (SELECT DISTINCT clip_uri, fragment_id FROM export_selection) s
ANTI JOIN temp.media_plan p ON p.clip_uri = s.clip_uri AND p.fragment_id = s.fragment_id
ORDER BY 1 LIMIT 3;

-- @section coco_splits
SELECT DISTINCT split FROM export_images ORDER BY split;

-- @section coco_images
-- COCO JSON `images` of one split ($1), in the official layout; coco_url names the object.
SELECT to_json({'id': image_id, 'file_name': file_name, 'width': width, 'height': height,
                'coco_url': image_uri}), image_uri, file_name
FROM export_images WHERE split = $1 ORDER BY image_id NULLS LAST, image_uri;

-- @section coco_annotations
-- COCO JSON `annotations` of one split ($1): original category ids, [x, y, w, h] boxes.
SELECT to_json({'id': o.object_id, 'image_id': o.image_id, 'category_id': k.coco_id,
                'bbox': o.bbox, 'area': o.area, 'iscrowd': o.iscrowd::INTEGER,
                'segmentation': []::INTEGER[]})
FROM export_images e JOIN silver.coco_objects o USING (image_id)
JOIN export_categories k USING (category_id)
WHERE e.split = $1 ORDER BY o.image_id, o.object_id;

-- @section coco_categories
SELECT to_json({'id': coco_id, 'name': name, 'supercategory': supercategory})
FROM export_categories ORDER BY coco_id;

-- @section coco_captions
-- captions_<split>.json annotations of one split ($1); ids numbered in a fixed order.
SELECT to_json({'id': row_number() OVER (ORDER BY c.image_id, c.caption),
                'image_id': c.image_id, 'caption': c.caption})
FROM export_images e JOIN silver.coco_captions c USING (image_id)
WHERE e.split = $1 ORDER BY c.image_id, c.caption;

-- @section coco_from_source
-- 1 when split $1 came from a COCO release (annotations/instances_<split>.json): its images,
-- annotations, categories, licenses and captions are then exported as they came (the
-- sections *_source below), not rebuilt from the Hub-shaped silver columns. Only when every
-- image exported under $1 came from that release: a re-split part that merely shares the
-- release's name (transform gold --resplit val2017=...) is rebuilt, or the images it took from
-- other releases would be left out. The release's raw tables are the temp views
-- export_release_{images,objects,categories,licenses,captions} (raw.coco_*, or raw.<NAME>_*
-- for `export --table raw.<NAME>_images`) and its exported annotations export_kept_objects
-- (silver's, or every raw one); run only when they exist. A field the source did not have
-- (NULL) is left out of the record, as in the source (json_merge_patch drops null members).
SELECT count(*) > 0 FROM export_release_categories WHERE split = $1
  AND NOT EXISTS (SELECT 1 FROM export_images e WHERE e.split = $1 AND NOT EXISTS
                  (SELECT 1 FROM export_release_images r
                   WHERE r.image_id = e.image_id AND r.split = $1));

-- @section coco_images_source
-- The image file goes where file_name says (subfolders kept: the ingest refused names that
-- climb out of the split folder).
SELECT json_merge_patch('{}', to_json({'id': r.image_id, 'file_name': r.file_name, 'width': r.width,
                'height': r.height, 'license': r.license,
                'coco_url': r.coco_url, 'flickr_url': r.flickr_url,
                'date_captured': r.date_captured})), e.image_uri, r.file_name
FROM export_images e
JOIN (SELECT DISTINCT ON (image_id) * FROM export_release_images WHERE split = $1
      ORDER BY image_id) r USING (image_id)
WHERE e.split = $1 ORDER BY r.image_id;

-- @section coco_annotations_source
-- The annotations kept, with every field as the source gave it: the box before clipping, the
-- source's area, iscrowd, segmentation (JSON as it came), category ids.
SELECT json_merge_patch('{}', to_json({'id': r.object_id, 'image_id': r.image_id, 'category_id': r.category_id,
                'bbox': r.bbox::DOUBLE[], 'area': r.area::DOUBLE,
                'iscrowd': r.iscrowd::INTEGER, 'segmentation': r.segmentation::JSON}))
FROM export_images e JOIN export_release_objects r ON r.image_id = e.image_id AND r.split = $1
WHERE e.split = $1 AND r.object_id IN (SELECT object_id FROM export_kept_objects)
ORDER BY r.image_id, r.object_id;

-- @section coco_categories_source
SELECT json_merge_patch('{}', to_json({'id': category_id, 'name': name, 'supercategory': supercategory}))
FROM (SELECT DISTINCT ON (category_id) * FROM export_release_categories
      WHERE split = $1 AND category_id IS NOT NULL ORDER BY category_id)
ORDER BY category_id;

-- @section coco_licenses_source
SELECT json_merge_patch('{}', to_json({'id': license_id, 'name': name, 'url': url}))
FROM (SELECT DISTINCT ON (license_id) * FROM export_release_licenses WHERE split = $1
      ORDER BY license_id) ORDER BY license_id;

-- @section coco_captions_source
-- captions_<split>.json annotations as they came: ids and text untouched.
SELECT json_merge_patch('{}', to_json({'id': c.caption_id, 'image_id': c.image_id, 'caption': c.caption}))
FROM export_images e JOIN export_release_captions c USING (image_id)
WHERE e.split = $1 AND c.split = $1 AND c.caption_id IS NOT NULL
ORDER BY c.caption_id;

-- @section coco_keypoints_source
-- person_keypoints_<split>.json annotations: those that came with keypoints, as they came.
SELECT json_merge_patch('{}', to_json({'id': r.object_id, 'image_id': r.image_id, 'category_id': r.category_id,
                'bbox': r.bbox::DOUBLE[], 'area': r.area::DOUBLE,
                'iscrowd': r.iscrowd::INTEGER, 'segmentation': r.segmentation::JSON,
                'keypoints': r.keypoints, 'num_keypoints': r.num_keypoints}))
FROM export_images e JOIN export_release_objects r ON r.image_id = e.image_id AND r.split = $1
WHERE e.split = $1 AND r.keypoints IS NOT NULL
  AND r.object_id IN (SELECT object_id FROM export_kept_objects)
ORDER BY r.image_id, r.object_id;

-- @section coco_keypoint_categories_source
SELECT json_merge_patch('{}', to_json({'id': category_id, 'name': name, 'supercategory': supercategory,
                'keypoints': keypoints, 'skeleton': skeleton}))
FROM (SELECT DISTINCT ON (category_id) * FROM export_release_categories
      WHERE split = $1 AND category_id IS NOT NULL ORDER BY category_id)
WHERE keypoints IS NOT NULL ORDER BY category_id;
