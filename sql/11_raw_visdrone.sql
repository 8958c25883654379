-- 11_raw_visdrone.sql: lands video clips (VisDrone sequences, or any folder of video files),
-- run by `lakehouse ingest NAME` inside its one transaction after the clip objects are
-- uploaded; for NAME other than visdrone the tool runs it with raw.visdrone_ read as raw.NAME_. The tool stages the rows of this run in
-- memory.main.vd_clips / vd_fragments / vd_annotations; sequences already landed are skipped.
CREATE TABLE IF NOT EXISTS raw.visdrone_clips (
    clip_uri VARCHAR, sequence VARCHAR, n_frames INTEGER, fps INTEGER, width INTEGER,
    height INTEGER, codec VARCHAR, bytes BIGINT, init_bytes BIGINT, split VARCHAR,
    source_repo VARCHAR, source_revision VARCHAR, encoding VARCHAR);
-- encoding (how the clip's bytes were made: "libx264 crf=23 preset=veryfast" or "copy") came
-- later: lakes made before it gain the column here (schema evolution; older rows read NULL).
ALTER TABLE raw.visdrone_clips ADD COLUMN IF NOT EXISTS encoding VARCHAR;
-- How each clip was stored against its source (later still; older rows read NULL):
-- source_uri (the file, or hf://datasets/REPO@REV/PATH), source_bytes, stored_bytes, copied
-- (packets kept, no decode), crf and psnr_db (of a re-encode, PSNR against the decoded
-- source; NULL for a copy), audio_dropped (the source had audio, which the lake does not keep).
ALTER TABLE raw.visdrone_clips ADD COLUMN IF NOT EXISTS source_uri VARCHAR;
ALTER TABLE raw.visdrone_clips ADD COLUMN IF NOT EXISTS source_bytes BIGINT;
ALTER TABLE raw.visdrone_clips ADD COLUMN IF NOT EXISTS stored_bytes BIGINT;
ALTER TABLE raw.visdrone_clips ADD COLUMN IF NOT EXISTS copied BOOLEAN;
ALTER TABLE raw.visdrone_clips ADD COLUMN IF NOT EXISTS crf DOUBLE;
ALTER TABLE raw.visdrone_clips ADD COLUMN IF NOT EXISTS psnr_db DOUBLE;
ALTER TABLE raw.visdrone_clips ADD COLUMN IF NOT EXISTS audio_dropped BOOLEAN;
CREATE TABLE IF NOT EXISTS raw.visdrone_fragments (
    clip_uri VARCHAR, fragment_id INTEGER, start_frame INTEGER, end_frame INTEGER,
    start_time DOUBLE, end_time DOUBLE, byte_offset BIGINT, byte_length BIGINT);
-- frame_index is VisDrone's (1-based); fragment frames are 0-based positions in the clip,
-- so frame_index f lives in the fragment with start_frame <= f - 1 <= end_frame.
CREATE TABLE IF NOT EXISTS raw.visdrone_annotations (
    sequence VARCHAR, frame_index INTEGER, target_id INTEGER, bbox_left INTEGER,
    bbox_top INTEGER, bbox_width INTEGER, bbox_height INTEGER, score INTEGER,
    object_category INTEGER, truncation INTEGER, occlusion INTEGER);
INSERT INTO raw.visdrone_clips BY NAME
SELECT * FROM memory.main.vd_clips c
WHERE NOT EXISTS (SELECT 1 FROM raw.visdrone_clips x WHERE x.sequence = c.sequence);
INSERT INTO raw.visdrone_fragments
SELECT * FROM memory.main.vd_fragments f
WHERE NOT EXISTS (SELECT 1 FROM raw.visdrone_fragments x WHERE x.clip_uri = f.clip_uri);
INSERT INTO raw.visdrone_annotations
SELECT * FROM memory.main.vd_annotations a
WHERE NOT EXISTS (SELECT 1 FROM raw.visdrone_annotations x WHERE x.sequence = a.sequence);
