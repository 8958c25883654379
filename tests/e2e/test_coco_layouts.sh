#!/usr/bin/env bash
# The COCO official layout (annotations/instances_<split>.json + <split>/ images) from a local
# folder: every field lands as it came (images, annotations with their segmentation forms,
# categories, licenses, captions, keypoints), each image its own object, one snapshot;
# faulty inputs are refused naming the file and the record, landing nothing.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
SRC=$FIXTURES/coco
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --coco-official "$SRC" >/dev/null
MANIFEST=$SRC/manifest.json
m() { "$PY" -c "import json,sys; m=json.load(open('$MANIFEST')); print(eval(sys.argv[1]))" "$1"; }
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
start_storage
lh init
base=$(snapshot_count)

# --- bad input first: each refused with exit 2, naming the file and the record ------------
bad() { # CASE WHAT-THE-ERROR-NAMES
  WANT=$2
  lh ingest coco --from "$SRC/bad/$1" --split val2017
  check "bad input $1: exit 2, names instances_val2017.json and $2" \
    eval '[ $RC -eq 2 ] && contains "$ERR" "instances_val2017.json" && contains "$ERR" "$WANT"'
}
bad not-coco "not a COCO instances file"
bad orphan "annotation $(m "m['bad_ids']['orphan']")"
bad no-image-file "image $(m "m['bad_ids']['no-image-file']")"
bad negative-box "annotation $(m "m['bad_ids']['negative-box']") has a negative box size"
bad duplicate-id "duplicate annotation id $(m "m['bad_ids']['duplicate-id']")"
bad rle-size "annotation $(m "m['bad_ids']['rle-size']") has an RLE mask"
bad rle-string "annotation $(m "m['bad_ids']['rle-string']") has an RLE mask that is not valid"
bad rle-runs "annotation $(m "m['bad_ids']['rle-runs']") has an uncompressed RLE mask whose counts do not cover"
bad truncated-json "not JSON near byte"
check "bad inputs landed no snapshot" eval '[ "$(snapshot_count)" = "$base" ]'
lh storage ls --csv assets/
check "bad inputs uploaded no object" eval '[ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" -eq 0 ]'
lh ingest coco --from "$SRC" --split val2017 --format nosuch
check "--format with an unknown layout: exit 2" eval '[ $RC -eq 2 ] && contains "$ERR" "--format"'

# --- the folder: auto-detected --------------------------------------------------------------
lh ingest coco --from "$SRC" --split val2017
check "COCO layout ingests (auto-detected)" eval '[ $RC -eq 0 ] && contains "$OUT" "snapshot"'
check "one snapshot" eval '[ "$(snapshot_count)" = "$((base + 1))" ]'
check "every image landed once" eval '[ "$(value "SELECT count(DISTINCT image_id) FROM raw.coco_images")" = "$(m "m[\"images\"]")" ]'
check "every annotation landed" eval '[ "$(value "SELECT count(*) FROM raw.coco_objects")" = "$(m "m[\"annotations\"]")" ]'
check "every caption landed" eval '[ "$(value "SELECT count(*) FROM raw.coco_captions")" = "$(m "m[\"captions\"]")" ]'
check "categories landed" eval '[ "$(value "SELECT count(*) FROM raw.coco_categories")" = "$(m "m[\"categories\"]")" ]'
check "licenses landed" eval '[ "$(value "SELECT count(*) FROM raw.coco_licenses")" = "$(m "m[\"licenses\"]")" ]'
check "each image is its own content-addressed object" eval \
  '[ "$(value "SELECT count(*) FROM raw.coco_images WHERE image_uri LIKE '"'"'s3://%/assets/coco/image/%.jpg'"'"'")" = "$(m "m[\"images\"]")" ]'
lh storage ls --csv assets/coco/image/
check "the objects are in the bucket" eval '[ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" -eq "$(m "m[\"images\"]")" ]'
check "split kept as the source names it" eval '[ "$(value "SELECT string_agg(DISTINCT split) FROM raw.coco_objects")" = val2017 ]'

# field by field against the source JSON (the oracle reads the files with the json module)
"$LAKEHOUSE_BIN" sql --json "SELECT * FROM raw.coco_images ORDER BY image_id" >"$WORK/images.json"
"$LAKEHOUSE_BIN" sql --json "SELECT * FROM raw.coco_objects ORDER BY object_id" >"$WORK/objects.json"
"$LAKEHOUSE_BIN" sql --json "SELECT * FROM raw.coco_categories ORDER BY category_id" >"$WORK/cats.json"
"$LAKEHOUSE_BIN" sql --json "SELECT * FROM raw.coco_licenses ORDER BY license_id" >"$WORK/lic.json"
"$LAKEHOUSE_BIN" sql --json "SELECT * FROM raw.coco_captions ORDER BY caption_id" >"$WORK/caps.json"
OUT=$("$PY" "$E2E_DIR/../tools/check_coco.py" raw "$SRC" "$WORK" 2>&1); RC=$?
check "raw equals the source field by field (images, annotations, segmentation, keypoints, categories, licenses, captions)" eval '[ $RC -eq 0 ]'
[ $RC -eq 0 ] || printf '%s\n' "$OUT" | head -20

# --- again: nothing new, no snapshot --------------------------------------------------------
n=$(snapshot_count)
lh ingest coco --from "$SRC" --split val2017 --format coco
check "re-ingest: nothing new, no snapshot" eval '[ $RC -eq 0 ] && contains "$OUT" "nothing new" && [ "$(snapshot_count)" = "$n" ]'

# --- silver validates, never invents; gold keeps the source split ---------------------------
lh transform all
check "transform all over the COCO layout" eval '[ $RC -eq 0 ]'
check "category names come from the source (its id 3 is car, ClassLabel 3 would be motorcycle)" \
  eval '[ "$(value "SELECT string_agg(DISTINCT category) FROM silver.coco_objects WHERE category_id = 3")" = car ]'
check "iscrowd kept as it came" \
  eval '[ "$(value "SELECT count(*) FILTER (WHERE iscrowd) || 0 || count(*) FILTER (WHERE iscrowd IS NULL) FROM silver.coco_objects")" = 100 ]'
check "area is the source's, not w x h" \
  eval '[ "$(value "SELECT count(*) FROM silver.coco_objects o JOIN raw.coco_objects r USING (object_id) WHERE abs(o.area - r.area) > 0.001")" = 0 ]'
lh query crowded-scenes --csv
check "crowded-scenes counts person instances, crowd regions apart" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "139," && contains "$OUT" ",5,1"'
check "gold keeps the source split val2017" \
  eval '[ "$(value "SELECT string_agg(DISTINCT split) FROM gold.coco_train")" = val2017 ]'

# --- export gives back what came in ------------------------------------------------------------
lh export --table gold.coco_train --format coco --out "$WORK/export"
check "export --format coco writes instances_ and captions_val2017.json" \
  eval '[ $RC -eq 0 ] && [ -f "$WORK/export/annotations/instances_val2017.json" ] && [ -f "$WORK/export/annotations/captions_val2017.json" ]'
OUT=$("$PY" "$E2E_DIR/../tools/check_coco.py" export "$SRC" "$WORK/export" 2>&1); RC=$?
check "pycocotools loads the export; images, annotations (masks decoded), categories, licenses, captions, keypoints equal the source's" eval '[ $RC -eq 0 ]'
[ $RC -eq 0 ] || printf '%s\n' "$OUT" | tail -20
check "exported images are the source's bytes" eval '[ "$(cd "$WORK/export/val2017" && sha256sum * | "$PY" -c "
import json,sys; m=json.load(open(\"$MANIFEST\"))[\"image_sha256\"]
got={l.split()[1]: l.split()[0] for l in sys.stdin}; print(got == m)")" = True ]'

# --- the release's zips, read in place: the same tables --------------------------------------
cp -r "$SRC/zips" "$FIXTURES/trunc"
head -c 30000 "$SRC/zips/val2017.zip" >"$FIXTURES/trunc/val2017.zip"
n=$(snapshot_count)
lh ingest zipped --from "$FIXTURES/trunc" --split val2017
check "a truncated zip: exit 2 naming it, nothing landed" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "val2017.zip" && [ "$(snapshot_count)" = "$n" ]'
lh ingest zipped --from "$SRC/zips" --split val2017
check "val2017.zip + annotations_trainval2017.zip ingest in place" eval '[ $RC -eq 0 ] && contains "$OUT" "snapshot"'
check "nothing unpacked beside the zips" eval '[ "$(ls "$SRC/zips" | wc -l)" -eq 2 ]'
# a table's fingerprint without the columns that name the source (folder, object prefix)
fp() { value "SELECT md5(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR))) FROM (SELECT COLUMNS(c -> c NOT IN ('source_repo', 'image_uri')) FROM raw.$1) t"; }
for tab in images objects categories licenses captions; do
  check "zip ingest equals folder ingest: $tab" eval '[ "$(fp "coco_$tab")" = "$(fp "zipped_$tab")" ] && [ "$(value "SELECT count(*) FROM raw.zipped_$tab")" -gt 0 ]'
done
check "zip images are the same bytes as the folder's" \
  eval '[ "$(value "SELECT count(*) FROM raw.zipped_images z JOIN raw.coco_images c USING (image_id) WHERE regexp_extract(z.image_uri, '"'[0-9a-f]{64}'"') = regexp_extract(c.image_uri, '"'[0-9a-f]{64}'"')")" = "$(m "m[\"images\"]")" ]'

# --- a Hub-shaped split beside the release's, in the same tables -------------------------------
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 4 --train 2 --crowds 1 >/dev/null
lh ingest coco --from "$FIXTURES/hub/fixtures/coco-detection" --split val
check "Hub-shaped val lands beside val2017 in raw.coco_* (new columns NULL)" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.coco_images WHERE split = '"'val'"' AND coco_url IS NULL")" = 4 ]'
lh transform all
check "silver names Hub ClassLabel ids by the fallback (0 = person), the release's by its own" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT string_agg(DISTINCT category) FROM silver.coco_objects o JOIN silver.coco_images i USING (image_id) WHERE i.split = '"'val'"' AND o.category_id = 0")" = person ] && [ "$(value "SELECT string_agg(DISTINCT category) FROM silver.coco_objects WHERE category_id = 3 AND image_id IN (SELECT image_id FROM silver.coco_images WHERE split = '"'val2017'"')")" = car ]'
rm -rf "$WORK/export2"
lh export --table gold.coco_train --format coco --out "$WORK/export2" --no-images
OUT=$("$PY" "$E2E_DIR/../tools/check_coco.py" export "$SRC" "$WORK/export2" 2>&1); RC=$?
check "with a Hub split beside it, val2017 still exports as it came; val exports too" \
  eval '[ $RC -eq 0 ] && [ -f "$WORK/export2/annotations/instances_val.json" ]'

# --- another NAME lands in raw.<NAME>_* -----------------------------------------------------
lh ingest mycoco --from "$SRC" --split val2017 --format coco
check "NAME mycoco lands in raw.mycoco_*" eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.mycoco_objects")" = "$(m "m[\"annotations\"]")" ]'
# --- --skip-bad sets faulty records aside, lands the rest --------------------------------------
ORPHAN=$(m "m['bad_ids']['orphan']") NOFILE=$(m "m['bad_ids']['no-image-file']")
NANN=$(m "m['annotations']") NIMG=$(m "m['images']")
lh ingest skipped --from "$SRC/bad/orphan" --split val2017 --skip-bad
check "--skip-bad: the orphan annotation set aside in raw.skipped_rejects, the rest landed" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "1 faulty records set aside in raw.skipped_rejects" && [ "$(value "SELECT record || record_id FROM raw.skipped_rejects")" = "annotation$ORPHAN" ] && [ "$(value "SELECT count(*) FROM raw.skipped_objects")" = "$((NANN - 1))" ]'
lh ingest skipped2 --from "$SRC/bad/no-image-file" --split val2017 --skip-bad
check "--skip-bad: a missing image file sets the image and its annotations aside" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.skipped2_images")" = "$((NIMG - 1))" ] && [ "$(value "SELECT count(*) FROM raw.skipped2_rejects WHERE record = '"'image'"' AND record_id = $NOFILE")" = 1 ] && [ "$(value "SELECT count(*) FROM raw.skipped2_objects WHERE image_id = $NOFILE")" = 0 ] && [ "$(value "SELECT count(*) FROM raw.skipped2_rejects WHERE record = '"'annotation'"' AND reason = '"'its image was set aside'"'")" -gt 0 ]'

# --- re-ingest follows the source ----------------------------------------------------------------
EDIT=$FIXTURES/edited
cp -r "$SRC" "$EDIT"
edit() { "$PY" -c "
import json, sys
p = '$EDIT/annotations/instances_val2017.json'; d = json.load(open(p))
exec(sys.argv[1])
json.dump(d, open(p, 'w'))" "$1"; }
lh ingest sync --from "$EDIT" --split val2017
check "sync: first ingest inserts everything" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "$(m "sum(m[k] for k in (\"images\", \"annotations\", \"captions\", \"categories\", \"licenses\"))") inserted, 0 updated, 0 removed"'
n=$(snapshot_count)
lh ingest sync --from "$EDIT" --split val2017
check "sync: the same source again: unchanged, no snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "0 inserted, 0 updated, 0 removed" && contains "$OUT" "no snapshot" && [ "$(snapshot_count)" = "$n" ]'
edit "d['annotations'][4]['bbox'][2] += 3.5"
FIXED=$(m "json.load(open('$EDIT/annotations/instances_val2017.json'))['annotations'][4]['id']")
lh ingest sync --from "$EDIT" --split val2017
check "sync: a corrected box: 1 updated row in one snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "0 inserted, 1 updated, 0 removed" && [ "$(snapshot_count)" = "$((n + 1))" ]'
check "sync: the corrected box is the one landed" \
  eval '[ "$(value "SELECT count(*) FROM raw.sync_objects WHERE object_id = $FIXED")" = 1 ] && [ "$(value "SELECT count(*) FROM raw.sync_objects")" = "$(m "m[\"annotations\"]")" ]'
# (a car: person annotations come back from person_keypoints_val2017.json)
edit "d['annotations'].remove(next(a for a in d['annotations'] if a['category_id'] == 3)); d['annotations'][5]['area'] = 1.5"
lh ingest sync --from "$EDIT" --split val2017 --append-only
check "sync --append-only: nothing updated or removed" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "0 inserted, 0 updated, 0 removed" && [ "$(snapshot_count)" = "$((n + 1))" ]'
lh ingest sync --from "$EDIT" --split val2017
check "sync: a dropped annotation and a changed area: 1 updated, 1 removed" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "0 inserted, 1 updated, 1 removed" && [ "$(value "SELECT count(*) FROM raw.sync_objects")" = "$(( $(m "m[\"annotations\"]") - 1 ))" ]'
check_secrets
finish
