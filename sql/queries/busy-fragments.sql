-- The seed's "busy fragments" query: fragments with many tracked objects, busiest first.
-- @requires silver.visdrone_fragments
-- @made-by lakehouse ingest visdrone --from ./VisDrone2019-MOT-val, then lakehouse transform silver
SELECT clip_uri, fragment_id, n_objects, n_tracks, max_objects_in_frame
FROM silver.visdrone_fragments
WHERE n_tracks >= 20
ORDER BY n_objects DESC
LIMIT 100
