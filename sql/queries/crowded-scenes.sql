-- The seed's "crowded scenes" query: images with five or more persons, most crowded first.
-- @requires silver.coco_objects silver.coco_images
-- @made-by lakehouse ingest coco --from hf://datasets/detection-datasets/coco --split val, then lakehouse transform silver
SELECT i.image_id, i.image_uri, count(*) AS persons
FROM silver.coco_objects o JOIN silver.coco_images i USING (image_id)
WHERE o.category = 'person'
GROUP BY ALL
HAVING count(*) >= 5
ORDER BY persons DESC, image_id
