-- Quality gates for silver: each check returns the offending rows; any row fails the
-- transform, which then leaves no snapshot. A check runs when its @requires tables exist.

-- @check silver.coco_images.image_id is unique
-- @requires silver.coco_images
SELECT image_id, count(*) AS copies FROM silver.coco_images GROUP BY 1 HAVING count(*) > 1;

-- @check silver.coco_images.image_uri is not null
-- @requires silver.coco_images
SELECT image_id FROM silver.coco_images WHERE image_uri IS NULL OR content_sha256 = '';

-- @check silver.coco_objects.object_id is unique
-- @requires silver.coco_objects
SELECT object_id, count(*) AS copies FROM silver.coco_objects GROUP BY 1 HAVING count(*) > 1;

-- @check silver.coco_objects.image_id exists in silver.coco_images
-- @requires silver.coco_objects silver.coco_images
SELECT object_id, image_id FROM silver.coco_objects o
WHERE NOT EXISTS (SELECT 1 FROM silver.coco_images i WHERE i.image_id = o.image_id);

-- @check silver.coco_objects.bbox lies inside its image
-- @requires silver.coco_objects silver.coco_images
SELECT o.object_id, o.bbox, i.width, i.height FROM silver.coco_objects o JOIN silver.coco_images i USING (image_id)
WHERE o.bbox[1] < 0 OR o.bbox[2] < 0 OR o.bbox[3] < 1 OR o.bbox[4] < 1
   OR o.bbox[1] + o.bbox[3] > i.width + 0.001 OR o.bbox[2] + o.bbox[4] > i.height + 0.001;

-- @check silver.coco_objects.category is a known COCO category
-- @requires silver.coco_objects
SELECT object_id, category_id FROM silver.coco_objects WHERE category IS NULL;

-- @check silver.visdrone_fragments cover every clip frame exactly once
-- @requires silver.visdrone_fragments raw.visdrone_clips
SELECT c.clip_uri, c.n_frames, sum(f.end_frame - f.start_frame + 1) AS covered
FROM raw.visdrone_clips c LEFT JOIN silver.visdrone_fragments f USING (clip_uri)
GROUP BY ALL HAVING covered IS DISTINCT FROM c.n_frames;

-- @check silver.visdrone_annotations.object_category in 1..10
-- @requires silver.visdrone_annotations
SELECT sequence, frame_index, target_id, object_category FROM silver.visdrone_annotations
WHERE object_category NOT BETWEEN 1 AND 10 OR category IS NULL;
