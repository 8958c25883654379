#!/usr/bin/env bash
# Storage faults: the S3 server stopped in the middle of an ingest gives a clear error and
# lands nothing; after a restart the re-run completes with the full data. A server that
# stalls longer than LAKEHOUSE_S3_TIMEOUT fails with a message naming the setting.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 6 --train 3 --crowds 1 >/dev/null
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/hub" --sequences 3 --frames 90 >/dev/null
start_hub "$FIXTURES/hub"
start_storage
lh init
base=$(snapshot_count)

# ---- the server goes away mid-ingest ----
"$LAKEHOUSE_BIN" ingest visdrone --from hf://datasets/fixtures/visdrone-mot >"$WORK/ingest.out" 2>"$WORK/ingest.err" &
pid=$!
for _ in $(seq 100); do [ -d "$S3_OBJECTS/lakehouse/assets" ] && break; sleep 0.05; done
sleep 0.3
stop_storage
wait "$pid"; rc=$?
RC=$rc; ERR=$(cat "$WORK/ingest.err")
check "server stopped mid-ingest: exit 3, the error names the endpoint and how to start it" \
  eval '[ $RC -eq 3 ] && contains "$ERR" "$AWS_ENDPOINT_URL" && contains "$ERR" "lakehouse storage start"'
start_storage
check "nothing landed (no snapshot, no table)" \
  eval '[ "$(snapshot_count)" = "$base" ] && ! "$LAKEHOUSE_BIN" sql "SELECT 1 FROM raw.visdrone_clips" >/dev/null 2>&1'
lh ingest visdrone --from hf://datasets/fixtures/visdrone-mot
check "after a restart the re-run completes: 3 clips, 1 snapshot" \
  eval '[ $RC -eq 0 ] && [ "$("$LAKEHOUSE_BIN" sql --csv "SELECT count(*) FROM raw.visdrone_clips" | tail -n1)" = 3 ] && [ "$(snapshot_count)" = $((base + 1)) ]'

# ---- a server that stalls ----
start_proxy 0 503 SlowDown --put-delay-ms 4000
base=$(snapshot_count)
AWS_ENDPOINT_URL=$PROXY LAKEHOUSE_S3_TIMEOUT=1 lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "stalled server: exit 3 naming LAKEHOUSE_S3_TIMEOUT, no snapshot" \
  eval '[ $RC -eq 3 ] && contains "$ERR" "stalled" && contains "$ERR" "LAKEHOUSE_S3_TIMEOUT" && [ "$(snapshot_count)" = "$base" ]'
stop_proxy
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "without the stall the same ingest lands" eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = $((base + 1)) ]'
finish
