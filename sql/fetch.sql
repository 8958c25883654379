-- fetch.sql: what `lakehouse fetch` reads for the rows of the user's --sql query. The query
-- is only prepared to learn its columns; the first section whose @requires columns it
-- returns then runs once, with {{query}} replaced by the query.

-- @section fragments
-- @requires clip_uri fragment_id
-- Video fragments: each selected fragment's byte range in the fragment index and its clip's
-- init segment, in clip order (each init segment is read once per clip).
SELECT q.clip_uri, q.fragment_id, f.byte_offset, f.byte_length, f.start_frame,
       c.init_bytes, c.sequence, c.bytes
FROM (
{{query}}
) q
JOIN raw.visdrone_fragments f ON f.clip_uri = q.clip_uri AND f.fragment_id = q.fragment_id
JOIN raw.visdrone_clips c ON c.clip_uri = q.clip_uri
ORDER BY q.clip_uri, q.fragment_id

-- @section images
-- @requires image_uri
-- Whole objects (COCO images), each once.
SELECT DISTINCT image_uri FROM (
{{query}}
) q WHERE image_uri IS NOT NULL
