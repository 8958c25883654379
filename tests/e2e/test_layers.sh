#!/usr/bin/env bash
# Silver and gold on planted problems: duplicates removed, boxes clipped or dropped with the
# counts the fixture planted, gold shapes and deterministic splits, and quality gates that
# stop a buggy transform with no snapshot.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
SQL_DIR=$E2E_DIR/../../sql
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --bad
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/hub"
M=$FIXTURES/hub/manifest.json
d() { "$PY" -c "import json; print(json.load(open('$M'))['dirty']['$1'])"; }
start_hub "$FIXTURES/hub"
start_storage
lh init
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }

lh transform all
check "transform with no raw tables: nothing to do, no snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "nothing to transform" && [ "$(snapshot_count)" = 2 ]'
lh ingest coco --from hf://datasets/fixtures/coco-dirty --split val
check "dirty COCO ingested as it is (raw keeps every row)" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.coco_images")" -eq "$(d rows)" ]'
lh ingest visdrone --from hf://datasets/fixtures/visdrone-mot
# the layer as first released, without the is_crowded step
cp -r "$SQL_DIR" "$FIXTURES/sql-v1"
sed -i '/^-- Schema evolution step/,/GROUP BY image_id HAVING count(\*) >= 5);/d' "$FIXTURES/sql-v1/20_silver.sql"
LAKEHOUSE_SQL_DIR=$FIXTURES/sql-v1 lh transform silver
check "silver v1 (before the evolution step) builds" eval '[ $RC -eq 0 ] && ! grep -q is_crowded "$FIXTURES/sql-v1/20_silver.sql"'
v1=$(value "SELECT id FROM lake.current_snapshot()")
before=$(snapshot_count)
lh transform silver
check "transform silver: one snapshot, gates passed" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "quality gates passed" && [ "$(snapshot_count)" = "$((before + 1))" ]'
lh log --last 1 --csv
check "its commit message names the file and the input snapshot" \
  eval 'contains "$OUT" "sql/20_silver.sql" && contains "$OUT" "from snapshot $v1"'
check "duplicate images (by id and by content) removed: $(d silver_images) images" \
  eval '[ "$(value "SELECT count(*) FROM silver.coco_images")" -eq "$(d silver_images)" ] && [ "$(value "SELECT count(*) FROM silver.coco_images WHERE image_id = 9999")" -eq 0 ]'
check "duplicate boxes removed, counted ($(d duplicate_boxes))" \
  eval '[ "$(value "SELECT count(*) FROM silver.coco_box_issues WHERE issue = '"'duplicate'"'")" -eq "$(d duplicate_boxes)" ]'
check "boxes partly outside clipped, counted ($(d clipped))" \
  eval '[ "$(value "SELECT count(*) FROM silver.coco_box_issues WHERE issue = '"'clipped'"'")" -eq "$(d clipped)" ] && [ "$(value "SELECT count(*) FROM silver.coco_objects WHERE clipped")" -eq "$(d clipped)" ]'
check "boxes wholly outside dropped, counted ($(d dropped))" \
  eval '[ "$(value "SELECT count(*) FROM silver.coco_box_issues WHERE issue = '"'dropped_outside'"'")" -eq "$(d dropped)" ]'
check "silver.coco_objects holds the $(d silver_objects) valid boxes, all named" \
  eval '[ "$(value "SELECT count(*) FROM silver.coco_objects WHERE category IS NOT NULL")" -eq "$(d silver_objects)" ]'
check "VisDrone: ignored regions and score-0 boxes left out of silver" \
  eval '[ "$(value "SELECT count(*) FROM silver.visdrone_annotations WHERE score = 0 OR object_category IN (0, 11)")" -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.visdrone_annotations WHERE object_category = 0")" -gt 0 ]'

check "schema evolution: is_crowded appears with a new schema version" \
  eval '[ "$(value "SELECT count(*) FROM silver.coco_images WHERE is_crowded")" -ge 5 ] && [ "$(value "SELECT (SELECT schema_version FROM lake.snapshots() ORDER BY snapshot_id DESC LIMIT 1) > (SELECT schema_version FROM lake.snapshots() WHERE snapshot_id = $v1)")" = true ]'
check "time travel to before the step reads the old shape (no is_crowded)" \
  eval '[ "$(value "SELECT count(*) FROM (DESCRIBE SELECT * FROM silver.coco_images AT (VERSION => $v1)) WHERE column_name = '"'is_crowded'"'")" -eq 0 ]'

lh transform gold
check "transform gold: one snapshot" eval '[ $RC -eq 0 ] && contains "$OUT" "gold: sections coco, visdrone"'
check "gold.coco_train: one row per usable image" \
  eval '[ "$(value "SELECT count(*) FROM gold.coco_train")" -eq "$(d silver_images)" ]'
check "gold.coco_train types: list of categories, list of boxes (struct), list of captions" \
  eval '[ "$(value "SELECT typeof(categories) = '"'VARCHAR[]'"' AND typeof(captions) = '"'VARCHAR[]'"' AND typeof(boxes) = '"'STRUCT(category VARCHAR, bbox FLOAT[])[]'"' FROM gold.coco_train LIMIT 1")" = true ]'
check "gold keeps the source split (val stays val, no re-split)" \
  eval '[ "$(value "SELECT string_agg(DISTINCT split) FROM gold.coco_train")" = val ]'
splits=$(value "SELECT md5(string_agg(image_id || split, ',' ORDER BY image_id)) FROM gold.coco_train")
lh transform gold
check "splits are deterministic across runs" \
  eval '[ "$(value "SELECT md5(string_agg(image_id || split, '"','"' ORDER BY image_id)) FROM gold.coco_train")" = "$splits" ]'
check "gold.visdrone_train: one row per fragment" \
  eval '[ "$(value "SELECT count(*) FROM gold.visdrone_train")" -eq "$(value "SELECT count(*) FROM raw.visdrone_fragments")" ]'
lh query crowded-scenes --csv
check "query crowded-scenes: at least 5 scenes with 5+ persons" \
  eval '[ $RC -eq 0 ] && [ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" -ge 5 ]'
lh query busy-fragments --csv
check "query busy-fragments: the 3 planted busy fragments" eval '[ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" -eq 3 ]'

# --- a buggy transform is stopped by a gate ---------------------------------------------------
cp -r "$SQL_DIR" "$FIXTURES/sql"
# the planted bug: the transform forgets to remove duplicate images
sed -i 's/WHERE nth_of_id = 1)/WHERE true)/; s/^WHERE nth_of_content = 1;/;/' "$FIXTURES/sql/20_silver.sql"
check "the planted bug applied" eval '! grep -q "nth_of_content = 1" "$FIXTURES/sql/20_silver.sql"' 
before=$(snapshot_count)
LAKEHOUSE_SQL_DIR=$FIXTURES/sql lh transform silver
check "a duplicate key fails the gate: exit 1, gate named, offending rows shown" \
  eval '[ $RC -eq 1 ] && contains "$ERR" "quality gate failed: silver.coco_images.image_id is unique" && contains "$ERR" "image_id,copies"'
check "... and leaves no snapshot" eval '[ "$(snapshot_count)" = "$before" ]'
check "... and silver is untouched" \
  eval '[ "$(value "SELECT count(*) FROM silver.coco_images")" -eq "$(d silver_images)" ]'
finish
