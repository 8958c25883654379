-- The seed's "crowded scenes" query: images with five or more person instances, most crowded
-- first. Crowd regions (iscrowd true: one annotation covering many people) are not instances;
-- they are counted in a column of their own.
-- @requires silver.coco_objects silver.coco_images
-- @made-by lakehouse ingest coco --from hf://datasets/detection-datasets/coco --split val, then lakehouse transform silver
SELECT i.image_id, i.image_uri, count(*) FILTER (WHERE o.iscrowd IS NOT TRUE) AS persons,
       count(*) FILTER (WHERE o.iscrowd) AS crowd_regions
FROM silver.coco_objects o JOIN silver.coco_images i USING (image_id)
WHERE o.category = 'person'
GROUP BY ALL
HAVING count(*) FILTER (WHERE o.iscrowd IS NOT TRUE) >= 5
ORDER BY persons DESC, image_id
