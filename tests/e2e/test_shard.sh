#!/usr/bin/env bash
# ingest --shard K/N: 4 processes at once, each one shard of a 3-file split (so shards cut
# files into row ranges), against one PostgreSQL catalog. The table equals a single-process
# ingest of the same split (EXCEPT ALL both ways), every object is uploaded once, each shard
# makes one snapshot, and re-running a shard adds nothing.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --train 90 --val 4 >/dev/null
SRC=$FIXTURES/split
"$PY" - "$FIXTURES/hub/fixtures/coco-detection/data/train-00000-of-00001.parquet" "$SRC/data" <<'PYEOF'
import os, sys
import pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
os.makedirs(sys.argv[2])
for i, (a, b) in enumerate([(0, 30), (30, 70), (70, t.num_rows)]):  # uneven files
    pq.write_table(t.slice(a, b - a), os.path.join(sys.argv[2], f"train-{i:05d}-of-00003.parquet"))
PYEOF
start_storage
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
# the two tables with the bucket taken out of the URIs, for the comparison
export_tables() { # export_tables PREFIX
  lh sql "COPY (SELECT * REPLACE (regexp_extract(image_uri, '[^/]+$') AS image_uri) FROM raw.coco_images) TO '$FIXTURES/$1-images.parquet' (FORMAT parquet);
          COPY (FROM raw.coco_objects) TO '$FIXTURES/$1-objects.parquet' (FORMAT parquet)"
}

# the reference: one process, DuckDB-file catalog, its own bucket
LAKEHOUSE_BUCKET=single lh init
LAKEHOUSE_BUCKET=single lh ingest coco --from "$SRC" --split train
check "single-process ingest of the 3-file split" eval '[ $RC -eq 0 ] && contains "$OUT" "90 blobs"'
LAKEHOUSE_BUCKET=single export_tables single

lh ingest coco --from "$SRC" --split train --shard 3/2
check "--shard K/N with K > N is a usage error" test "$RC" -eq 2

start_pg
export LAKEHOUSE_CATALOG=$PG_CATALOG LAKEHOUSE_BUCKET=sharded
lh init
base=$(snapshot_count)
pids=()
for k in 1 2 3 4; do
  "$LAKEHOUSE_BIN" ingest coco --from "$SRC" --split train --shard "$k/4" >"$WORK/shard$k.out" 2>"$WORK/shard$k.err" &
  pids+=($!)
done
bad=0
for k in 1 2 3 4; do wait "${pids[k-1]}" || { bad=$((bad + 1)); echo "     shard $k: $(cat "$WORK/shard$k.err")"; }; done
cat "$WORK"/shard*.out "$WORK"/shard*.err >>"$FIXTURES/all-output.log"
check "4 shards at once all succeed" test "$bad" -eq 0
check "one snapshot per shard" eval '[ "$(snapshot_count)" = "$((base + 4))" ]'
blobs=$(cat "$WORK"/shard*.out | sed -n 's/.* \([0-9]*\) blobs (\([0-9]*\) new objects.*/\1 \2/p')
check "the shards split the 90 images between them, each uploading its own" \
  eval '[ "$(printf "%s\n" "$blobs" | awk "{b += \$1; n += \$2} END {print b, n}")" = "90 90" ]'
check "no shard is empty or the whole split" \
  eval '[ "$(printf "%s\n" "$blobs" | awk "\$1 > 0 && \$1 < 90" | wc -l)" -eq 4 ]'
export_tables sharded
for t in images objects; do
  n=$(value "SELECT (SELECT count(*) FROM (FROM '$FIXTURES/single-$t.parquet' EXCEPT ALL FROM '$FIXTURES/sharded-$t.parquet'))
             + (SELECT count(*) FROM (FROM '$FIXTURES/sharded-$t.parquet' EXCEPT ALL FROM '$FIXTURES/single-$t.parquet'))")
  rows=$(value "SELECT count(*) FROM '$FIXTURES/sharded-$t.parquet'")
  check "raw.coco_$t after 4 shards equals the single-process ingest ($rows rows, EXCEPT ALL both ways)" \
    eval '[ "$n" = 0 ] && [ "$rows" -gt 0 ]'
done
check "no image landed twice" eval '[ "$(value "SELECT count(*) - count(DISTINCT image_id) FROM raw.coco_images")" = 0 ]'
objects=$("$LAKEHOUSE_BIN" storage ls --csv assets/coco/image/ | tail -n +2 | wc -l)
check "90 image objects in the bucket, one per image" test "$objects" -eq 90
after=$(snapshot_count)
lh ingest coco --from "$SRC" --split train --shard 2/4
check "re-running a shard adds nothing: no snapshot, no upload" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "nothing new" && contains "$OUT" "0 new objects" && [ "$(snapshot_count)" = "$after" ]'
finish
