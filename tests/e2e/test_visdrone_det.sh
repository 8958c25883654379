#!/usr/bin/env bash
# The VisDrone-DET still-image layout (images/STEM.jpg + annotations/STEM.txt, 8 columns) as a
# source: every annotation line lands in raw.<NAME>_annotations with its 8 values as the file
# has them (oracle: Python reading the .txt files itself, trailing commas and CRLF included),
# every image is its own object holding the file's bytes with Pillow's width and height, an
# image without annotation file lands with no boxes, re-ingest adds nothing, a changed
# annotation file has its rows replaced; a malformed line or an orphan annotation file is
# refused (exit 2) and lands nothing.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
SRC=$FIXTURES/det
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --det "$SRC" >/dev/null
DET=$SRC/VisDrone2019-DET-train
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
start_storage
lh init
base=$(snapshot_count)

# --- refused inputs first: exit 2, nothing landed -------------------------------------------
bad_stem=$(ls "$SRC/bad-line/annotations" | sed -n 4p)
lh ingest det --from "$SRC/bad-line"
check "a malformed line: exit 2 naming the file and the line" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "annotations/$bad_stem:3:" && contains "$ERR" "8 comma-separated integers"'
orphan=$(ls "$SRC/orphan/annotations" | head -n1)
lh ingest det --from "$SRC/orphan"
check "an annotation file whose image is missing: exit 2 naming the file" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "annotations/$orphan" && contains "$ERR" "no image"'
lh ingest det --from "$SRC/bad-line" --skip-bad
check "--skip-bad does not apply to DET: exit 2" eval '[ $RC -eq 2 ] && contains "$ERR" "skip-bad"'
check "refused inputs landed no snapshot" eval '[ "$(snapshot_count)" = "$base" ]'
lh storage ls --csv assets/
check "refused inputs uploaded no object" eval '[ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" -eq 0 ]'
lh ingest nothing --from "$WORK" --format visdrone-det
check "--format visdrone-det on a folder without the layout: exit 2" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "visdrone-det"'
mkdir -p "$WORK/empty"
lh ingest nothing --from "$WORK/empty"
check "no layout fits: the list names VisDrone-DET with its example" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "FOLDER/images/STEM.jpg + FOLDER/annotations/STEM.txt" && contains "$ERR" "visdrone-det"'

# --- the good folder against the oracle ---------------------------------------------------------
lh ingest det --from "$DET" --split val
check "the DET folder ingests (detected, not as an imagefolder): one snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "visdrone-det" && contains "$OUT" "5 inserted" &&
        contains "$OUT" "annotation files: 4 inserted" && [ "$(snapshot_count)" = "$((base + 1))" ]'

# annotations_ok NAME DIR SPLIT: raw.NAME_annotations holds exactly the lines of
# DIR/annotations/*.txt, in split SPLIT.
annotations_ok() {
  "$LAKEHOUSE_BIN" sql --json "SELECT file_name, line, bbox_left, bbox_top, bbox_width, bbox_height, score, object_category, truncation, occlusion, split FROM raw.$1_annotations ORDER BY file_name, line" >"$WORK/ann-$1.json" || return 1
  "$PY" - "$2" "$WORK/ann-$1.json" "$3" <<'EOF'
import json, os, sys
root = sys.argv[1]
doc = json.load(open(sys.argv[2]))
lake = doc if isinstance(doc, list) else doc.get("rows", doc)
cols = ["bbox_left", "bbox_top", "bbox_width", "bbox_height", "score", "object_category", "truncation", "occlusion"]
want = []
for name in sorted(os.listdir(os.path.join(root, "annotations"))):
    raw = open(os.path.join(root, "annotations", name), "rb").read().decode()
    for n, text in enumerate(raw.split("\n"), 1):
        text = text.rstrip("\r")
        if not text:
            continue
        fields = text[:-1].split(",") if text.endswith(",") else text.split(",")
        assert len(fields) == 8, (name, n, text)
        row = {"file_name": "images/" + name[:-4] + ".jpg", "line": n, "split": sys.argv[3]}
        row.update(zip(cols, map(int, fields)))
        want.append(row)
bad = []
if len(want) != len(lake):
    bad.append(f"{len(lake)} rows, the files have {len(want)} lines")
for w, r in zip(want, lake):
    if {k: r.get(k) for k in w} != w:
        bad.append(f"lake {r} != file {w}")
if not any(r["object_category"] == 0 for r in want) or not any(r["score"] == 0 for r in want):
    bad.append("the fixture lacks an ignored region or a score-0 line")
for b in bad[:10]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
check "every annotation line lands with its 8 values as the file has them (trailing commas, CRLF)" \
  annotations_ok det "$DET" val
check "the ignored regions (category 0) and score-0 boxes landed" \
  eval '[ "$(value "SELECT count(*) FROM raw.det_annotations WHERE object_category = 0")" = 4 ] &&
        [ "$(value "SELECT count(*) FROM raw.det_annotations WHERE score = 0")" = 8 ]'
no_ann=$(ls "$DET/images" | tail -n1)
check "the image without annotation file lands, with no boxes" \
  eval '[ "$(value "SELECT count(*) FROM raw.det_images WHERE file_name = '"'images/$no_ann'"'")" = 1 ] &&
        [ "$(value "SELECT count(*) FROM raw.det_annotations WHERE file_name = '"'images/$no_ann'"'")" = 0 ]'

# images_ok NAME DIR: one row per image; its object holds the file's bytes (sha256), width and
# height are Pillow's.
images_ok() {
  local n=0 uri rel w h
  while IFS=, read -r uri rel w h; do
    "$LAKEHOUSE_BIN" storage get "$uri" -o "$WORK/obj" 2>/dev/null || return 1
    [ "$(sha256sum <"$WORK/obj" | cut -d' ' -f1)" = "$(sha256sum <"$2/$rel" | cut -d' ' -f1)" ] || return 1
    [ "$w,$h" = "$("$PY" -c 'import sys; from PIL import Image; print("%d,%d" % Image.open(sys.argv[1]).size)' "$2/$rel")" ] || return 1
    case "$uri" in "s3://"*"/assets/$1/image/"[0-9a-f]*) ;; *) return 1 ;; esac
    n=$((n + 1))
  done < <("$LAKEHOUSE_BIN" sql --csv "SELECT image_uri, file_name, width, height FROM raw.$1_images WHERE split = 'val'" | tail -n +2)
  [ "$n" -eq "$(ls "$2/images" | wc -l)" ]
}
check "every image is its own object whose bytes equal the file; width, height as Pillow reads them" images_ok det "$DET"

lh ingest det --from "$DET" --split val
check "re-ingest of the same folder: no snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "no snapshot" && [ "$(snapshot_count)" = "$((base + 1))" ]'

# --- the tables follow the folder ---------------------------------------------------------------
cp -r "$DET" "$WORK/det2"
lh ingest det2 --from "$WORK/det2"
first=$(ls "$WORK/det2/annotations" | head -n1)
printf '1,2,3,4,1,5,0,0\n7,8,9,10,0,0,0,0\n' >"$WORK/det2/annotations/$first"
rm "$WORK/det2/annotations/$(ls "$WORK/det2/annotations" | sed -n 2p)"
lh ingest det2 --from "$WORK/det2"
check "a changed and a removed annotation file: images unchanged, 1 updated, 1 removed" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "0 inserted, 0 updated, 0 removed" &&
        contains "$OUT" "annotation files: 0 inserted, 1 updated, 1 removed"'
check "the annotations hold the folder as it is now (split from the default --split train)" \
  eval '[ "$(value "SELECT count(*) FROM raw.det2_annotations WHERE split = '"'train'"' AND file_name = '"'images/${first%.txt}.jpg'"'")" = 2 ] &&
        [ "$(value "SELECT string_agg(bbox_width::VARCHAR, '"'|'"' ORDER BY line) FROM raw.det2_annotations WHERE file_name = '"'images/${first%.txt}.jpg'"'")" = "3|9" ]'
check "det2: every annotation line as the changed files have them" annotations_ok det2 "$WORK/det2" train

finish
