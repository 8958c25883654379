#!/usr/bin/env bash
# RustFS quirks (stack notes: rustfs#2607 bare 400 for a missing key, rustfs#2439 duplicate
# keys next to directory markers), served by the fault proxy in front of the real server:
# lakehouse reads through them as if the server were well-behaved.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 6 --train 3 --crowds 1 >/dev/null
start_hub "$FIXTURES/hub"
start_storage
lh init
start_proxy 0 503 SlowDown --rustfs-quirks
q() { AWS_ENDPOINT_URL=$PROXY lh "$@"; }
keys() { "$LAKEHOUSE_BIN" storage ls --csv "$1" | tail -n +2 | cut -d, -f1; }

q ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "ingest through the quirky listing lands" eval '[ $RC -eq 0 ]'
direct=$(keys assets/)
lines_before=$(wc -l <"$PROXY_LOG")
via=$(AWS_ENDPOINT_URL=$PROXY "$LAKEHOUSE_BIN" storage ls --csv assets/ | tail -n +2 | cut -d, -f1)
check "LIST with duplicated keys and a directory marker: each object once ($(echo "$direct" | wc -l) keys)" \
  eval '[ -n "$direct" ] && [ "$via" = "$direct" ]'
check "the proxy really served duplicates (its log has LIST calls)" grep -q "GET /lakehouse?.*list-type=2" "$PROXY_LOG"
# the proxy logs how many keys it duplicated in each LIST reply: for that one listing, every
# key the direct listing holds was served twice (and a marker), yet lakehouse showed it once
duplicated=$(tail -n +"$((lines_before + 1))" "$PROXY_LOG" | sed -n 's/.*list-type=2.* quirks: duplicated=\([0-9]*\) marker=1$/\1/p' |
  awk '{ n += $1 } END { print n + 0 }')
check "the proxy served each of the $(echo "$direct" | wc -l) keys twice in that listing (duplicated: $duplicated)" \
  eval '[ "$duplicated" -eq "$(echo "$direct" | wc -l)" ]'
before=$(snapshot_count)
uploads() { grep " PUT " "$PROXY_LOG" | grep -vc "/lake/.write-probe/"; } # a writer's probe is no upload
puts=$(uploads)
q ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "re-run through the quirky listing: no upload, no snapshot" \
  eval '[ $RC -eq 0 ] && [ "$(uploads)" = "$puts" ] && [ "$(snapshot_count)" = "$before" ]'
q storage stat assets/coco/image/no-such-object.jpg
check "HEAD of a missing key answered 400: reported as 'no such object' (exit 1), not an HTTP error" \
  eval '[ $RC -eq 1 ] && contains "$ERR" "no such object"'
make_parquet "$FIXTURES/events.parquet" 1000
q land raw.events "$FIXTURES/events.parquet"
q trace raw.events
check "trace through the quirky server finds the data files" eval '[ $RC -eq 0 ] && contains "$OUT" "found yes"'
stop_proxy
finish
