-- 30_gold.sql: ML-ready tables, run by `lakehouse transform gold` (one transaction, then the
-- gates of sql/checks/30_gold.sql). COCO keeps the split its source gave each image (val2017
-- stays val2017, the Hub's val stays val): a benchmark's splits are not ours to redraw.
-- VisDrone sequences carry no split, so theirs is deterministic: a hash of the sequence
-- name, 80 / 10 / 10: split_of() of sql/00_attach.sql.
-- `transform gold --resplit NAME=FRACTION,... --seed N` redraws both on purpose: resplit_of()
-- of sql/00_attach.sql places each image by its image_id and each clip by its sequence. The
-- source's split stays in coco_train.source_split either way, so nothing is lost.

-- @section coco
-- @requires silver.coco_images silver.coco_objects silver.coco_captions
CREATE OR REPLACE TABLE gold.coco_train AS
SELECT i.image_id, i.image_uri, i.width, i.height,
       coalesce(list(DISTINCT o.category ORDER BY o.category) FILTER (WHERE o.category IS NOT NULL), [])
           AS categories,
       coalesce(list({'category': o.category, 'bbox': o.bbox} ORDER BY o.object_id)
           FILTER (WHERE o.object_id IS NOT NULL), []) AS boxes,
       coalesce((SELECT list(c.caption ORDER BY c.caption) FROM silver.coco_captions c
                 WHERE c.image_id = i.image_id), []) AS captions,
       resplit_of(i.image_id, i.split) AS split,
       i.split AS source_split
FROM silver.coco_images i LEFT JOIN silver.coco_objects o USING (image_id)
WHERE i.image_ok
GROUP BY ALL;

-- @section visdrone
-- @requires silver.visdrone_fragments silver.visdrone_annotations
CREATE OR REPLACE TABLE gold.visdrone_train AS
SELECT f.clip_uri, f.fragment_id, f.start_frame, f.end_frame, f.n_objects, f.n_tracks,
       coalesce(list({'frame_index': a.frame_index, 'target_id': a.target_id,
                      'category': a.object_category,
                      'bbox': [a.bbox_left, a.bbox_top, a.bbox_width, a.bbox_height]}
                     ORDER BY a.frame_index, a.target_id)
                FILTER (WHERE a.target_id IS NOT NULL), []) AS boxes,
       resplit_of(f.sequence, split_of(f.sequence)) AS split
FROM silver.visdrone_fragments f
LEFT JOIN silver.visdrone_annotations a ON a.sequence = f.sequence
     AND a.frame_index BETWEEN f.start_frame + 1 AND f.end_frame + 1
GROUP BY ALL;
