-- 20_silver.sql: the silver layer (so far: VisDrone fragment statistics). Run it as one
-- commit with `lakehouse sql -m "silver: ..." -f sql/20_silver.sql`.

-- Per-fragment statistics from the annotations. VisDrone's frame_index is 1-based; a
-- fragment covers clip frames start_frame..end_frame (0-based), i.e. frame_index
-- start_frame+1 .. end_frame+1. Boxes with score 0 and the categories 0 ("ignored region")
-- and 11 ("others") do not count, as the VisDrone toolkit ignores them in evaluation.
CREATE OR REPLACE TABLE silver.visdrone_fragments AS
WITH boxes AS (
    SELECT sequence, frame_index, target_id, object_category
    FROM raw.visdrone_annotations
    WHERE score <> 0 AND object_category NOT IN (0, 11)
),
per_frame AS (
    SELECT sequence, frame_index, count(*) AS n FROM boxes GROUP BY ALL
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
LEFT JOIN boxes b ON b.sequence = c.sequence
     AND b.frame_index BETWEEN f.start_frame + 1 AND f.end_frame + 1
LEFT JOIN per_frame p ON p.sequence = b.sequence AND p.frame_index = b.frame_index
GROUP BY ALL;
