#!/usr/bin/env bash
# A storage node dies mid-ingest: RustFS node 2 of 4 in distributed mode (one erasure set,
# 2 data + 2 parity shards; tests/tools/rustfs_cluster.sh) or SeaweedFS volume server 2 of 3
# (replication 001; tests/tools/seaweedfs.sh). The ingest either completes (the other nodes
# take the writes) or stops with exit 3 (remote) and lands nothing: no snapshot, no rows.
# Objects already in the lake stay readable with the node down. After the node is back, a
# re-run converges to the full table, and one more re-run changes nothing.
. "$(dirname "$0")/../e2e/lib.sh"
case $S3_SERVER in
rustfs-cluster) NODE="RustFS node 2" STARTED="the cluster starts (4 RustFS nodes, one erasure set)" ;;
seaweedfs) NODE="volume server 2" STARTED="the cluster starts (master, 3 volume servers, filer + S3)" ;;
*) echo "set LAKEHOUSE_TEST_RUSTFS_CLUSTER or LAKEHOUSE_TEST_SEAWEEDFS"; exit 1 ;;
esac
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" >/dev/null
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/big" --bench 80 --row-group 8 >/dev/null
start_storage
check "$STARTED" test "$RC" -eq 0
lh init
check "init on the cluster" test "$RC" -eq 0
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
lh ingest coco --from "$FIXTURES/hub/fixtures/coco-detection" --split val
check "a first ingest lands (the objects that must stay readable)" test "$RC" -eq 0
existing=$("$LAKEHOUSE_BIN" storage ls --csv assets/coco/image/ | tail -n +2 | cut -d, -f1)
if [ "$S3_SERVER" = rustfs-cluster ]; then # every object has a shard on every node's drive
  shards=$(for n in 1 2 3 4; do find "$S3_OBJECTS/node$n/lakehouse/assets" -name xl.meta 2>/dev/null | wc -l; done | sort -u)
  check "the objects are spread over all 4 nodes (xl.meta per object on each drive: $shards)" \
    eval '[ "$(printf "%s\n" "$shards" | wc -l)" -eq 1 ] && [ "$shards" -eq "$(printf "%s\n" "$existing" | wc -l)" ]'
fi
base=$(snapshot_count)

# the big ingest, one node killed once its first objects are in
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
bash "$S3_LAUNCHER" kill-node "$LAKEHOUSE_DATA_DIR" 2
check "$NODE was killed while the ingest was running" test "$mid" -eq 1
wait "$ingest_pid"; RC=$?
OUT=$(cat "$WORK/ingest.out") ERR=$(cat "$WORK/ingest.err")
cat "$WORK/ingest.out" "$WORK/ingest.err" >>"$FIXTURES/all-output.log"
echo "     ingest with $NODE down: exit $RC; $(printf '%s' "$ERR" | tail -n1 | cut -c1-200)"
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
check "every existing object reads back intact with $NODE down ($read read)" \
  eval '[ $bad -eq 0 ] && [ $read -gt 0 ]'
lh sql --csv "SELECT count(*) FROM raw.coco_images"
check "the table's Parquet files read with $NODE down" eval '[ $RC -eq 0 ] && [ "$(printf "%s" "$OUT" | tail -n1)" -gt 0 ]'

# the node comes back; a re-run converges, another changes nothing
bash "$S3_LAUNCHER" start-node "$LAKEHOUSE_DATA_DIR" 2
check "$NODE restarts" test $? -eq 0
# After the restart the store may stall requests while it heals what was written during the
# outage (RustFS under load stalled one GET for 60 s once, and a listing for minutes another
# time). A client then fails fast and retries, as users' loops do: each S3 request gets 15 s,
# and each command below runs up to 3 times while it fails for a remote reason (exit 3). A
# failed ingest attempt must land nothing.
export LAKEHOUSE_S3_TIMEOUT=15
stalls=0
remote() { # remote ARGS...: lh ARGS, again while it exits 3; a failed attempt lands nothing
  local before attempt
  for attempt in 1 2 3; do
    before=$(snapshot_count)
    lh "$@"
    [ "$RC" -eq 3 ] || return 0
    stalls=$((stalls + 1))
    echo "     the store failed a request (exit 3): $(printf '%s' "$ERR" | tail -n1 | cut -c1-160)"
    check "... a remote failure landed no snapshot" test "$(snapshot_count)" = "$before"
  done
}
rerun() { remote ingest bench --from "$FIXTURES/big/fixtures/bench" --split train --threads 2; }
rerun
check "the re-run after restart succeeds" test "$RC" -eq 0
remote sql --csv "SELECT count(*) || ' ' || count(DISTINCT image_uri) AS rows_uris FROM raw.bench"
check "... and the table holds every row once" eval '[ $RC -eq 0 ] && [ "$(printf "%s" "$OUT" | tail -n1)" = "80 80" ]'
remote storage ls --csv assets/bench/image/
check "... and every image object is there" eval '[ $RC -eq 0 ] && [ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" -eq 80 ]'
after=$(snapshot_count)
rerun
check "one more re-run lands no new snapshot" eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = "$after" ]'
echo "     remote failures retried after the restart: $stalls"
finish
