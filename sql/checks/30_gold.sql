-- Quality gates for gold (see sql/checks/20_silver.sql).

-- @check gold.coco_train.image_uri is unique and present
-- @requires gold.coco_train
SELECT image_uri, count(*) AS copies FROM gold.coco_train GROUP BY 1 HAVING count(*) > 1 OR image_uri IS NULL;

-- @check gold.coco_train keeps the source's split, and splits by it or by the re-split
-- @requires gold.coco_train silver.coco_images
SELECT g.image_id, g.split, g.source_split, i.split AS silver_split FROM gold.coco_train g
LEFT JOIN silver.coco_images i USING (image_id)
WHERE g.source_split IS NULL OR g.source_split = '' OR g.source_split IS DISTINCT FROM i.split
   OR g.split IS NULL OR g.split = '' OR g.split IS DISTINCT FROM resplit_of(g.image_id, i.split);

-- @check gold.visdrone_train has one row per fragment
-- @requires gold.visdrone_train
SELECT clip_uri, fragment_id, count(*) AS copies FROM gold.visdrone_train GROUP BY ALL HAVING count(*) > 1;
