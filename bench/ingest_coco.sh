#!/usr/bin/env bash
# Benchmark (not a test): `lakehouse ingest` of the COCO official layout (N generated 640x480
# JPEGs + annotations/instances_val2017.json, captions, keypoints) from a folder and from the
# release's zips read in place, against the Hub-shaped path (the same images and boxes as one
# detection-datasets/coco-shaped Parquet file). Prints wall time, images/s and peak RSS each.
# Usage: bench/ingest_coco.sh [N_IMAGES] (default 5000)
N=${1:-5000}
. "$(dirname "$0")/lib.sh"
PY=.deps/venv/bin/python
echo "generating $N images in the COCO official layout..."
$PY tests/tools/make_fixtures.py --coco-official "$W/coco" --coco-images "$N" >/dev/null
# the same images and boxes in the Hub's shape (data/val-00000-of-00001.parquet)
$PY - "$W/coco" "$W/hub" <<'PYEOF'
import json, os, sys
import pyarrow as pa, pyarrow.parquet as pq
src, out = sys.argv[1:3]
d = json.load(open(f"{src}/annotations/instances_val2017.json"))
by_image = {}
for a in d["annotations"]:
    by_image.setdefault(a["image_id"], []).append(a)
rows = {"image_id": [], "image": [], "width": [], "height": [], "objects": []}
for im in d["images"]:
    anns = by_image.get(im["id"], [])
    rows["image_id"].append(im["id"])
    rows["image"].append({"bytes": open(f"{src}/val2017/{im['file_name']}", "rb").read(), "path": im["file_name"]})
    rows["width"].append(im["width"]); rows["height"].append(im["height"])
    rows["objects"].append({"bbox_id": [a["id"] for a in anns], "category": [a["category_id"] for a in anns],
                            "bbox": [a["bbox"] for a in anns], "area": [float(a["area"]) for a in anns]})
os.makedirs(f"{out}/data", exist_ok=True)
t = pa.table({"image_id": pa.array(rows["image_id"], pa.int64()),
              "image": pa.array(rows["image"], pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
              "width": pa.array(rows["width"], pa.int64()), "height": pa.array(rows["height"], pa.int64()),
              "objects": pa.array(rows["objects"], pa.struct([("bbox_id", pa.list_(pa.int64())), ("category", pa.list_(pa.int64())),
                                                              ("bbox", pa.list_(pa.list_(pa.float32()))), ("area", pa.list_(pa.float32()))]))})
pq.write_table(t, f"{out}/data/val-00000-of-00001.parquet", row_group_size=32)
PYEOF
media_mb=$(du -sm "$W/coco/val2017" | cut -f1)
start_storage
$LH init >/dev/null

measure() { # measure NAME COMMAND... -> "seconds peak_rss_kb"
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/$name.time" "$@" > "$W/$name.out" 2> "$W/$name.err" || {
    echo "$name failed:"; cat "$W/$name.err"; exit 1; }
  cat "$W/$name.time"
}
report() { # report NAME "seconds rss_kb"
  local s=${2% *} kb=${2#* }
  printf '%-28s %7.1f s  %7.0f images/s  peak RSS %5d MiB\n' "$1" "$s" "$(echo "$N / $s" | bc -l)" $((kb / 1024))
}
echo "$N images, $media_mb MB of JPEG"
folder=$(measure folder $LH ingest cocofolder --from "$W/coco" --split val2017)
zips=$(measure zips $LH ingest cocozip --from "$W/coco/zips" --split val2017)
hub=$(measure hub $LH ingest coco --from "$W/hub" --split val)
report "official layout, folder" "$folder"
report "official layout, zips" "$zips"
report "Hub-shaped Parquet" "$hub"
result "ingest COCO official folder ($N images)" "${folder% *} s" "${hub% *} s (Hub Parquet)" "$(echo "${folder% *} / ${hub% *}" | bc -l | cut -c1-4)" "-"
