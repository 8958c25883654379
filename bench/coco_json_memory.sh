#!/usr/bin/env bash
# Benchmark (not a test): peak memory of `lakehouse ingest` on a COCO instances file of the
# official train2017 size (bench/make_big_coco.py: 5,000 images, 860,000 annotations, ~440 MB
# of JSON). The annotation files are streamed (coco_json_split: one record per line, read by
# DuckDB a line at a time), so peak RSS is set by the staged tables, not by the document.
# The baseline in the same run is the size of the file itself: a reader that holds the whole
# document holds at least that much.
# Usage: bench/coco_json_memory.sh [ANNOTATIONS] (default 860000)
M=${1:-860000}
. "$(dirname "$0")/lib.sh"
PY=.deps/venv/bin/python
echo "generating an instances file with $M annotations..."
bytes=$($PY bench/make_big_coco.py "$W/coco" --annotations "$M" | tail -n1)
start_storage
$LH init >/dev/null
/usr/bin/time -f "%e %M" -o "$W/big.time" $LH ingest big --from "$W/coco" --split train2017 \
  >"$W/big.out" 2>"$W/big.err" || { echo "ingest failed:"; cat "$W/big.err"; exit 1; }
read -r secs kb <"$W/big.time"
file_mb=$((bytes / 1048576)) rss_mb=$((kb / 1024))
rows=$($LH sql --csv "SELECT count(*) FROM raw.big_objects" | tail -n1)
printf 'instances file %d MiB, %s annotations landed: %.1f s, peak RSS %d MiB\n' "$file_mb" "$rows" "$secs" "$rss_mb"
result "ingest COCO instances of train2017 size ($M annotations)" "$rss_mb MiB peak RSS" "$file_mb MiB (the file)" "$(echo "$rss_mb / $file_mb" | bc -l | cut -c1-4)" "bounded"
