-- fetch.sql: the media reader's plan (src/media/reader.c): the one join of a selection with
-- the fragment index, for fetch, export, view and stream. The reader prepares the selection
-- to learn its columns; the first section whose @requires columns it returns then runs once,
-- with {{selection}} replaced by the selection and {{order}} by the plan's order. It makes the
-- temp table media_plan: one row per item, numbered 0.. in plan order (`item`), to which
-- callers join their own metadata.

-- @section fragments
-- @requires clip_uri fragment_id
-- Video fragments: each selected fragment's byte range and its clip's init segment; `clip`
-- numbers the distinct clips 0.. (each init segment is read once per clip); `pos` is the
-- row's 1-based place in the selection. Rows the fragment index does not have are left out.
-- media_fragments / media_clips: raw.<NAME>_fragments / _clips of every video dataset, as one
-- (views the reader makes before this runs).
CREATE OR REPLACE TEMP TABLE media_plan AS
SELECT (row_number() OVER (ORDER BY {{order}}) - 1)::BIGINT AS item,
       (dense_rank() OVER (ORDER BY f.clip_uri) - 1)::BIGINT AS clip, q.pos,
       f.clip_uri, f.fragment_id, f.byte_offset, f.byte_length, f.start_frame, f.end_frame,
       f.start_time, f.end_time, c.init_bytes, c.sequence, c.bytes AS clip_bytes, c.fps,
       c.width, c.height, c.split AS clip_split
FROM (SELECT row_number() OVER () AS pos, clip_uri, fragment_id FROM (
{{selection}}
) s) q
JOIN temp.media_fragments f ON f.clip_uri = q.clip_uri AND f.fragment_id = q.fragment_id
JOIN temp.media_clips c ON c.clip_uri = q.clip_uri

-- @section images
-- @requires image_uri
-- Whole objects (COCO images), each once.
CREATE OR REPLACE TEMP TABLE media_plan AS
SELECT (row_number() OVER (ORDER BY image_uri) - 1)::BIGINT AS item, image_uri
FROM (SELECT DISTINCT image_uri FROM (
{{selection}}
) q WHERE image_uri IS NOT NULL)
