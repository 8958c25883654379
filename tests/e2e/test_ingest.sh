#!/usr/bin/env bash
# Hub -> local-store -> objects + raw tables, end to end: the Hub emulator serves generated
# COCO-shaped repos; lakehouse ingests them into a real lake on the embedded S3 server.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --bad
cp -r "$FIXTURES/hub/fixtures/coco-detection" "$FIXTURES/hub/fixtures/gated-coco"
MANIFEST=$FIXTURES/hub/manifest.json
m() { "$PY" -c "import json,sys; m=json.load(open('$MANIFEST')); print(eval(sys.argv[1]))" "$1"; }
start_hub "$FIXTURES/hub" --gated fixtures/gated-coco
unset HF_TOKEN
start_storage
lh init
# objects PREFIX: how many objects under assets/PREFIX; fails (and prints nothing) when the
# listing itself fails, so a broken `storage ls` can never pass for an empty bucket
objects() {
  local listing
  listing=$("$LAKEHOUSE_BIN" storage ls --csv "assets/$1") || { echo "storage ls assets/$1 failed" >&2; return 1; }
  printf '%s\n' "$listing" | tail -n +2 | wc -l
}
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
base=$(snapshot_count)

# --- bad input first, on an empty bucket: each must land nothing --------------------------
lh ingest coco --from hf://datasets/fixtures/coco-corrupt --split val
check "corrupt Parquet: refused, names the source" eval '[ $RC -ne 0 ] && contains "$ERR" "fixtures/coco-corrupt"'
lh ingest coco --from hf://datasets/fixtures/coco-no-image-id --split val
check "missing column: exit 2 naming image_id" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "missing expected column(s) image_id"'
lh ingest coco --from hf://datasets/fixtures/no-such-repo --split val
check "repo not found: exit 3, says not found" eval '[ $RC -eq 3 ] && contains "$ERR" "not found"'
lh ingest coco --from hf://datasets/fixtures/gated-coco --split val
check "gated repo without a token: exit 3, says to set HF_TOKEN" \
  eval '[ $RC -eq 3 ] && contains "$ERR" "gated" && contains "$ERR" "HF_TOKEN"'
HF_TOKEN=hf_wrong lh ingest coco --from hf://datasets/fixtures/gated-coco --split val
check "gated repo with a wrong token: exit 3, HTTP 403" eval '[ $RC -eq 3 ] && contains "$ERR" "403"'
lh ingest coco --from hf://datasets/fixtures/coco-detection@v9 --split val
check "unknown revision: exit 3" eval '[ $RC -eq 3 ] && contains "$ERR" "revision"'
lh ingest coco --from hf://datasets/fixtures/coco-detection --split nosuch
check "unknown split: exit 2" eval '[ $RC -eq 2 ] && contains "$ERR" "nosuch"'
lh ingest 'co;co' --from hf://datasets/fixtures/coco-detection --split val
check "hostile dataset name: exit 2" eval '[ $RC -eq 2 ] && contains "$ERR" "invalid dataset name"'
check "bad inputs uploaded nothing (and the listing worked)" eval 'n=$(objects "") && [ "$n" -eq 0 ]'
check "bad inputs made no snapshot" eval '[ "$(snapshot_count)" = "$base" ]'

# --- the COCO detection split ---------------------------------------------------------------
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "ingest val succeeds with one snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "snapshot" && [ "$(snapshot_count)" = "$((base + 1))" ]'
val_images=$(m "m['repos']['coco-detection']['val']['images']")
check "objects under assets/coco/image/ = fixture images ($val_images)" \
  eval '[ "$(objects coco/image/)" -eq "$val_images" ]'
want=$(m "'\n'.join(sorted(m['repos']['coco-detection']['val']['image_sha256'].values()))")
have=$("$LAKEHOUSE_BIN" storage ls --csv assets/coco/image/ | tail -n +2 | sed 's|^assets/coco/image/\([0-9a-f]*\)\.jpg,.*|\1|' | sort)
check "object keys are the SHA-256 of the fixture images" test "$want" = "$have"
check "raw.coco_images rows = fixture images" eval '[ "$(value "SELECT count(*) FROM raw.coco_images")" -eq "$val_images" ]'
check "raw.coco_objects rows = fixture boxes" \
  eval '[ "$(value "SELECT count(*) FROM raw.coco_objects")" -eq "$(m "m[\"repos\"][\"coco-detection\"][\"val\"][\"objects\"]")" ]'
check "at least 5 scenes with 5 or more persons" \
  eval '[ "$(value "SELECT count(*) FROM (SELECT image_id FROM raw.coco_objects WHERE category_id = 0 GROUP BY 1 HAVING count(*) >= 5)")" -ge 5 ]'
check "no BLOB column anywhere in the lake" \
  eval '[ "$(value "SELECT count(*) FROM duckdb_columns() WHERE database_name = '"'lake'"' AND data_type LIKE '"'%BLOB%'"'")" -eq 0 ]'
lh sql --csv "SELECT file_name, image_uri FROM raw.coco_images ORDER BY image_id"
rows_ok=1
while IFS=, read -r name uri; do
  got=$("$LAKEHOUSE_BIN" storage get "$uri" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$(m "m['repos']['coco-detection']['val']['image_sha256']['$name']")" ] || { rows_ok=0; echo "  $name -> $uri: $got"; }
done < <(printf '%s\n' "$OUT" | tail -n +2)
check "every image_uri GETs the bytes of its own image" test "$rows_ok" -eq 1
commit=$(value "SELECT DISTINCT source_revision FROM raw.coco_images")
check "the Parquet was staged in local-store/<owner>/<repo>/<commit>/" \
  test -s "$WORK/local-store/fixtures/coco-detection/$commit/data/val-00000-of-00001.parquet"
lh snapshots --csv --last 1
check "commit message names repo, revision, split and rows" \
  eval 'contains "$OUT" "fixtures/coco-detection@$commit split val: $((val_images + $(m "m[\"repos\"][\"coco-detection\"][\"val\"][\"objects\"]"))) rows"'

# --- idempotence and increments ---------------------------------------------------------------
before=$(snapshot_count)
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "re-run: nothing new, no snapshot, no object" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "nothing new" && contains "$OUT" "0 new objects" && [ "$(snapshot_count)" = "$before" ] && [ "$(objects coco/image/)" -eq "$val_images" ]'
lh ingest coco --from hf://datasets/fixtures/coco-detection --split train
train_images=$(m "m['repos']['coco-detection']['train']['images']")
check "a second split adds exactly one snapshot" \
  eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = "$((before + 1))" ] && [ "$(value "SELECT count(*) FROM raw.coco_images")" -eq $((val_images + train_images)) ]'
lh ingest coco --from hf://datasets/fixtures/coco-captions --split val
check "captions come from the auto-converted Parquet (refs/convert/parquet)" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.coco_captions")" -eq "$(m "m[\"repos\"][\"coco-captions\"][\"val\"][\"captions\"]")" ]'
check "the captions repo's images are the same objects (0 new)" \
  eval 'contains "$OUT" "(0 new objects" && [ "$(objects coco/image/)" -eq $((val_images + train_images)) ]'

# --- a local batch drop in the same layout -------------------------------------------------------
lh ingest localdrop --from "$FIXTURES/hub/fixtures/coco-detection" --split train --limit 10
check "--from ./folder with --limit lands exactly 10 rows into raw.localdrop" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.localdrop")" -eq 10 ] && [ "$(value "SELECT DISTINCT source_revision FROM raw.localdrop")" = local ]'
lh ingest localdrop --from "$FIXTURES/hub/fixtures/coco-detection" --split train
check "... and without the limit adds only the other rows" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.localdrop")" -eq "$train_images" ] && [ "$(value "SELECT count(DISTINCT image_uri) FROM raw.localdrop")" -eq "$train_images" ]'

# --- resume a partial download; ride out a rate limit --------------------------------------
src=$FIXTURES/hub/fixtures/coco-detection/data/val-00000-of-00001.parquet
stage=$WORK/local-store/fixtures/coco-detection/$commit/data/val-00000-of-00001.parquet
rm -f "$stage"
head -c 30000 "$src" > "$stage.part"
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "a partial download resumes with a Range request" \
  eval '[ $RC -eq 0 ] && grep -q "val-00000-of-00001.parquet range=bytes=30000-" "$HUB_AUTH_LOG" && cmp -s "$src" "$stage"'
printf 'garbage' > "$stage.part"; rm -f "$stage"
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "a damaged partial file fails verification, is removed, and the next run recovers" \
  eval '[ $RC -ne 0 ] && contains "$ERR" "does not match" && [ ! -e "$stage.part" ]'
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "... and the next run is clean" eval '[ $RC -eq 0 ] && cmp -s "$src" "$stage"'

# --- the token never leaves the Hub's host ----------------------------------------------------
HF_TOKEN=$HUB_TOKEN lh ingest gated --from hf://datasets/fixtures/gated-coco --split val
check "gated repo with the token ingests" eval '[ $RC -eq 0 ] && contains "$OUT" "snapshot"'
check "downloads were redirected to the CDN host" grep -q '^none ' "$HUB_AUTH_LOG"
check "the CDN host never received the token" eval '! grep -q "^AUTH" "$HUB_AUTH_LOG"'
check "no output carried the token" eval '! grep -qF "$HUB_TOKEN" "$FIXTURES/all-output.log"'

# --- hostile blob paths and a truncated JPEG ---------------------------------------------------
lh ingest hostile --from hf://datasets/fixtures/coco-bad-paths --split val
check "hostile blob paths ingest" test "$RC" -eq 0
bad_keys=$("$LAKEHOUSE_BIN" storage ls --csv "" | tail -n +2 | cut -d, -f1 | grep -v '^lake/' | grep -Ev '^assets/[a-z_]+/image/[0-9a-f]{64}\.[a-z0-9]{1,5}$')
check "every object key stays under assets/<dataset>/<column>/ as <sha256>.<ext>" test -z "$bad_keys"
check "hostile paths are kept only as metadata" \
  eval '[ "$(value "SELECT count(*) FROM raw.hostile WHERE image_path LIKE '"'%..%'"' OR image_path LIKE '"'/%'"'")" -ge 3 ]'
check "nothing was written outside the object store's folder" \
  eval '[ -z "$(find "$WORK" "$FIXTURES" -name evil.jpg -o -name absolute.jpg 2>/dev/null)" ] && [ ! -e /etc/evil.jpg ]'
lh ingest trunc --from hf://datasets/fixtures/coco-truncated --split val
tid=$(m "m['bad']['truncated_image_id']")
check "a truncated JPEG is landed but flagged (image_status = truncated)" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT image_status FROM raw.trunc WHERE image_id = $tid")" = truncated ] && [ "$(value "SELECT count(*) FROM raw.trunc WHERE image_status = '"'ok'"'")" -eq $((val_images - 1)) ]'

# --- a crash during the uploads ---------------------------------------------------------------
before=$(snapshot_count)
start_proxy 0 200 none --put-delay-ms 150
AWS_ENDPOINT_URL=$PROXY "$LAKEHOUSE_BIN" ingest crash --from hf://datasets/fixtures/coco-detection --split val --threads 1 >/dev/null 2>&1 &
victim=$!
# five image objects stored (a writer's probe under lake/.write-probe/ is no image)
for _ in $(seq 200); do [ "$(grep ' PUT ' "$PROXY_LOG" | grep -vc '/lake/.write-probe/')" -ge 5 ] && break; sleep 0.05; done
kill -9 $victim; wait $victim 2>/dev/null
stop_proxy
partial=$(objects crash/image/)
check "killed mid-upload: some but not all objects ($partial)" eval '[ "$partial" -ge 5 ] && [ "$partial" -lt "$val_images" ]'
check "killed mid-upload: no new snapshot" eval '[ "$(snapshot_count)" = "$before" ]'
lh ingest crash --from hf://datasets/fixtures/coco-detection --split val
check "re-run completes with one snapshot" eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = "$((before + 1))" ]'
a=$(value "SELECT md5(string_agg(image_path || regexp_extract(image_uri, '[0-9a-f]{64}'), ',' ORDER BY image_id)) FROM raw.crash")
b=$(value "SELECT md5(string_agg(file_name || regexp_extract(image_uri, '[0-9a-f]{64}'), ',' ORDER BY image_id)) FROM raw.coco_images WHERE split = 'val'")
check "after the re-run: same rows and objects as the uninterrupted ingest" \
  eval '[ "$a" = "$b" ] && [ "$(objects crash/image/)" -eq "$val_images" ]'

# --- rate limits: 429 with Retry-After is waited out; a persistent one ends clearly ---------
kill "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
: > "$HUB_REQUEST_LOG"
start_hub "$FIXTURES/hub" --rate-limit-first 2
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "two 429 replies are waited out" \
  eval '[ $RC -eq 0 ] && [ "$(grep -c "^429 " "$HUB_REQUEST_LOG")" -eq 2 ]'
kill "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
start_hub "$FIXTURES/hub" --rate-limit-first 1000
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "a persistent 429 ends with exit 3 and says rate limited" \
  eval '[ $RC -eq 3 ] && contains "$ERR" "rate limited"'
finish
