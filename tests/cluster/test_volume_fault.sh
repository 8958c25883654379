#!/usr/bin/env bash
# A SeaweedFS volume server dies mid-ingest (tests/tools/seaweedfs.sh: one master, three volume
# servers, replication 001, filer + S3 gateway). The ingest either completes (the other
# replicas take the writes) or stops with exit 3 (remote) and lands nothing: no snapshot, no
# rows. Objects already in the lake stay readable with the node down. After the node is
# back, a re-run converges to the full table, and one more re-run changes nothing.
. "$(dirname "$0")/../e2e/lib.sh"
[ "$S3_SERVER" = seaweedfs ] || { echo "set LAKEHOUSE_TEST_SEAWEEDFS to the weed binary"; exit 1; }
CLUSTER=$E2E_DIR/../tools/seaweedfs.sh
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" >/dev/null
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/big" --bench 80 --row-group 8 >/dev/null
start_storage
check "the cluster starts (master, 3 volume servers, filer + S3)" test "$RC" -eq 0
lh init
check "init on the cluster" test "$RC" -eq 0
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
lh ingest coco --from "$FIXTURES/hub/fixtures/coco-detection" --split val
check "a first ingest lands (the objects that must stay readable)" test "$RC" -eq 0
existing=$("$LAKEHOUSE_BIN" storage ls --csv assets/coco/image/ | tail -n +2 | cut -d, -f1)
base=$(snapshot_count)

# the big ingest, one volume server killed once its first objects are in
"$LAKEHOUSE_BIN" ingest bench --from "$FIXTURES/big/fixtures/bench" --split train --threads 2 \
  >"$WORK/ingest.out" 2>"$WORK/ingest.err" &
ingest_pid=$!
for _ in $(seq 600); do
  n=$("$LAKEHOUSE_BIN" storage ls --csv assets/bench/image/ 2>/dev/null | tail -n +2 | wc -l)
  [ "$n" -lt 3 ] || break
  kill -0 "$ingest_pid" 2>/dev/null || break
  sleep 0.1
done
mid=0; kill -0 "$ingest_pid" 2>/dev/null && mid=1
bash "$CLUSTER" kill-volume "$LAKEHOUSE_DATA_DIR" 2
check "volume server 2 was killed while the ingest was running" test "$mid" -eq 1
wait "$ingest_pid"; RC=$?
OUT=$(cat "$WORK/ingest.out") ERR=$(cat "$WORK/ingest.err")
cat "$WORK/ingest.out" "$WORK/ingest.err" >>"$FIXTURES/all-output.log"
echo "     ingest with a volume server down: exit $RC; $(printf '%s' "$ERR" | tail -n1 | cut -c1-200)"
rows=$(value "SELECT count(*) FROM raw.bench" 2>/dev/null)
if [ "$RC" -eq 0 ]; then
  check "completed: one snapshot, 80 rows" eval '[ "$(snapshot_count)" = "$((base + 1))" ] && [ "$rows" = 80 ]'
else
  check "stopped with exit 3 (remote), saying what failed" eval '[ $RC -eq 3 ] && [ -n "$ERR" ]'
  check "stopped: no snapshot, no rows landed" eval '[ "$(snapshot_count)" = "$base" ] && [ "${rows:-0}" != 80 ]'
fi

# reads with the node still down
bad=0 read=0
for key in $existing; do
  if "$LAKEHOUSE_BIN" storage get "$key" -o "$WORK/got.jpg" >/dev/null 2>&1 && [ -s "$WORK/got.jpg" ]; then
    read=$((read + 1))
    [ "$(sha256sum < "$WORK/got.jpg" | cut -c1-64)" = "$(basename "$key" .jpg)" ] || bad=$((bad + 1))
  else bad=$((bad + 1)); fi
done
check "every existing object reads back intact with a volume server down ($read read)" \
  eval '[ $bad -eq 0 ] && [ $read -gt 0 ]'
lh sql --csv "SELECT count(*) FROM raw.coco_images"
check "the table's Parquet files read with a volume server down" eval '[ $RC -eq 0 ] && [ "$(printf "%s" "$OUT" | tail -n1)" -gt 0 ]'

# the node comes back; a re-run converges, another changes nothing
bash "$CLUSTER" start-volume "$LAKEHOUSE_DATA_DIR" 2
check "volume server 2 restarts" test $? -eq 0
lh ingest bench --from "$FIXTURES/big/fixtures/bench" --split train --threads 2
check "the re-run after restart succeeds" test "$RC" -eq 0
check "... and the table holds every row once" eval '[ "$(value "SELECT count(*) FROM raw.bench")" = 80 ] && [ "$(value "SELECT count(DISTINCT image_uri) FROM raw.bench")" = 80 ]'
check "... and every image object is there" \
  eval '[ "$("$LAKEHOUSE_BIN" storage ls --csv assets/bench/image/ | tail -n +2 | wc -l)" -eq 80 ]'
after=$(snapshot_count)
lh ingest bench --from "$FIXTURES/big/fixtures/bench" --split train --threads 2
check "one more re-run lands no new snapshot" eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = "$after" ]'
finish
