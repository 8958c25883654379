#!/usr/bin/env bash
# A folder of loose images (the Hugging Face imagefolder convention) as a source: one row per
# image in raw.<NAME>_images with the splits, labels and metadata Hugging Face's own `datasets`
# library computes for the same folder (the oracle), every image its own object holding the
# file's bytes, re-ingest adds nothing, the table follows the folder; a metadata row naming no
# image, an empty folder or a folder in no layout is refused (exit 2) and lands nothing.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
SRC=$FIXTURES/imagefolder
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --imagefolder "$SRC" >/dev/null
MANIFEST=$SRC/manifest.json
m() { "$PY" -c "import json,sys; m=json.load(open('$MANIFEST')); print(eval(sys.argv[1]))" "$1"; }
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
start_storage
lh init
base=$(snapshot_count)

# --- refused inputs first: exit 2, nothing landed -------------------------------------------
lh ingest orphans --from "$SRC/bad/orphan"
check "metadata row naming no image: exit 2, names the file, the line and the file_name" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "metadata.jsonl line $(m "m[\"orphan\"][\"line\"]")" && contains "$ERR" "missing.jpg"'
mkdir -p "$WORK/empty"
for case in "$WORK/empty" "$SRC/bad/notes"; do
  lh ingest nothing --from "$case"
  check "no layout fits $(basename "$case"): exit 2, lists every layout with an example" \
    eval '[ $RC -eq 2 ] && contains "$ERR" "no layout fits" && contains "$ERR" "hf://datasets/OWNER/REPO" &&
          contains "$ERR" "Parquet CONFIG/SPLIT" && contains "$ERR" "COCO release folder" &&
          contains "$ERR" "COCO zips" && contains "$ERR" "imagefolder" && contains "$ERR" "VisDrone" &&
          contains "$ERR" "video files"'
done
lh ingest nothing --from "$SRC/flat" --format nosuch
check "--format with an unknown layout: exit 2, lists the valid names" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "coco, imagefolder" && contains "$ERR" "nosuch"'
lh ingest nothing --from "$SRC/bad/notes" --format imagefolder
check "--format imagefolder on a folder without images: exit 2" eval '[ $RC -eq 2 ] && contains "$ERR" "no image files"'
check "refused inputs landed no snapshot" eval '[ "$(snapshot_count)" = "$base" ]'
lh storage ls --csv assets/
check "refused inputs uploaded no object" eval '[ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" -eq 0 ]'

# --- each variant against the oracle ----------------------------------------------------------
# compare NAME VARIANT: raw.NAME_images (split, file_name, label and the metadata columns) must
# equal what datasets.load_dataset("imagefolder", data_dir=...) gives, file by file; width,
# height and sha256 must equal the manifest's.
compare() {
  "$PY" "$E2E_DIR/../tools/imagefolder_oracle.py" "$SRC/$2" >"$WORK/oracle-$1.jsonl" 2>"$WORK/oracle-$1.err" || return 1
  "$LAKEHOUSE_BIN" sql --json "SELECT * EXCLUDE (image_uri, image_status, source_repo) FROM raw.$1_images ORDER BY split, file_name" >"$WORK/lake-$1.json" || return 1
  "$PY" - "$WORK/oracle-$1.jsonl" "$WORK/lake-$1.json" "$MANIFEST" "$2" <<'EOF'
import json, sys
oracle = [json.loads(l) for l in open(sys.argv[1])]
doc = json.load(open(sys.argv[2]))
lake = doc if isinstance(doc, list) else doc.get("rows", doc)
images = json.load(open(sys.argv[3]))["images"][sys.argv[4]]
bad = []
if len(oracle) != len(lake):
    bad.append(f"{len(lake)} rows, the oracle has {len(oracle)}")
for o, r in zip(oracle, lake):
    for k, v in o.items():
        if r.get(k) != v:
            bad.append(f"{o['file_name']}: {k} = {r.get(k)!r}, the oracle says {v!r}")
    want = images[r["file_name"]]
    for k in ("sha256", "width", "height"):
        if r.get(k) != want[k]:
            bad.append(f"{r['file_name']}: {k} = {r.get(k)!r}, the file has {want[k]!r}")
for b in bad[:10]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

lh ingest pets --from "$SRC/labeled"
check "labeled split folders ingest (auto-detected): one snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "imagefolder" && [ "$(snapshot_count)" = "$((base + 1))" ]'
check "labeled: rows, splits and labels as datasets computes them, sizes and hashes of the files" compare pets labeled
check "labeled: the folder val/ lands as the split validation" eval '[ "$(value "SELECT count(*) FROM raw.pets_images WHERE split = '"'validation'"'")" = 2 ]'
check "labeled: one row per image" eval '[ "$(value "SELECT count(*) FROM raw.pets_images")" = "$(m "len(m[\"images\"][\"labeled\"])")" ]'

# every row's object holds exactly the file's bytes
objects_ok() {
  local n=0 uri rel
  while IFS=, read -r uri rel; do
    "$LAKEHOUSE_BIN" storage get "$uri" -o "$WORK/obj" 2>/dev/null || return 1
    [ "$(sha256sum <"$WORK/obj" | cut -d' ' -f1)" = "$(sha256sum <"$SRC/$1/$rel" | cut -d' ' -f1)" ] || return 1
    case "$uri" in "s3://"*"/assets/$2/image/"[0-9a-f]*) ;; *) return 1 ;; esac
    n=$((n + 1))
  done < <("$LAKEHOUSE_BIN" sql --csv "SELECT image_uri, file_name FROM raw.$2_images" | tail -n +2)
  [ "$n" -eq "$(m "len(m[\"images\"][\"$1\"])")" ]
}
check "labeled: every image is its own object whose bytes equal the file (content-addressed key)" objects_ok labeled pets

lh ingest pets --from "$SRC/labeled"
check "re-ingest of the same folder: no snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "no snapshot" && [ "$(snapshot_count)" = "$((base + 1))" ]'

lh ingest captions --from "$SRC/meta"
check "metadata.jsonl per split folder ingests" eval '[ $RC -eq 0 ] && contains "$OUT" "6 inserted"'
check "metadata: every column as datasets reads it (a null and an absent value stay NULL), no label" compare captions meta
check "metadata: tags stay a list" eval '[ "$(value "SELECT typeof(tags) FROM raw.captions_images LIMIT 1")" = "VARCHAR[]" ]'

lh ingest photos --from "$SRC/flat" --split holdout
check "flat folder: split from --split, no label" eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.photos_images WHERE split = '"'holdout'"' AND label IS NULL")" = 4 ]'
lh sql "UPDATE raw.photos_images SET split = 'train'" -m "the oracle names it train"
check "flat: file names, sizes and hashes as datasets and the files say" compare photos flat

lh ingest shots --from "$SRC/csv" --format imagefolder
check "metadata.csv ingests with --format imagefolder" eval '[ $RC -eq 0 ]'
check "metadata.csv: every column as datasets reads it (an empty cell NULL)" compare shots csv

# --- the table follows the folder ---------------------------------------------------------------
cp -r "$SRC/labeled" "$WORK/pets2"
lh ingest pets2 --from "$WORK/pets2"
rm "$WORK/pets2/train/cat/cat_0.jpg"
cp "$SRC/flat/photo_0.jpg" "$WORK/pets2/train/dog/dog_9.jpg"
cp "$SRC/flat/photo_2.jpg" "$WORK/pets2/test/cat/cat_0.jpg"
lh ingest pets2 --from "$WORK/pets2"
check "a changed folder: 1 inserted, 1 updated, 1 removed in one snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "1 inserted, 1 updated, 1 removed"'
check "the table holds the folder as it is now" eval '[ "$(value "SELECT count(*) FROM raw.pets2_images")" = 12 ] &&
  [ "$(value "SELECT sha256 FROM raw.pets2_images WHERE file_name = '"'test/cat/cat_0.jpg'"'")" = "$(sha256sum <"$SRC/flat/photo_2.jpg" | cut -d" " -f1)" ]'

# --- --skip-bad sets the faulty metadata row aside -----------------------------------------------
lh ingest orphans --from "$SRC/bad/orphan" --skip-bad
check "--skip-bad: the images land, the orphan row is set aside with its line" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.orphans_images WHERE note IS NOT NULL")" = 2 ] &&
        [ "$(value "SELECT record_id FROM raw.orphans_rejects")" = 3 ]'

finish
