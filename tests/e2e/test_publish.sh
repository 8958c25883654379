#!/usr/bin/env bash
# `lakehouse publish` into the Hub emulator, read back by the official huggingface_hub and
# datasets clients; idempotence, an upload killed mid-way, where the token goes, bad input.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
ORACLE=$E2E_DIR/../tools/check_publish.py
COLUMNS=image_id,image,width,height,categories,boxes,captions,split,source_split
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 8 --train 4 --crowds 1 >/dev/null
start_hub "$FIXTURES/hub" --lfs-chunk 4096
start_storage
lh init
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
lh ingest coco --from hf://datasets/fixtures/coco-detection --split train # gold keeps both splits
lh transform all
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
rows=$(value "SELECT count(*) FROM gold.coco_train")
commits() { HF_ENDPOINT=$HUB "$PY" "$ORACLE" commits "$HUB" "$1" 2>/dev/null | tail -n1; }
requests() { wc -l <"$HUB_REQUEST_LOG"; }

# ---- bad input: clear errors, nothing sent ----
before=$(requests)
HF_TOKEN= lh publish gold.coco_train --repo e2e/coco-gold
check "no token: usage error naming HF_TOKEN, before any request" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "HF_TOKEN" && [ "$(requests)" = "$before" ] && [ ! -e local-store/publish ]'
export HF_TOKEN=$HUB_TOKEN
for bad in nothing a/b/c "a/../b" "-x/y" "a--b/c" "owner/name.git" "own er/x"; do
  lh publish gold.coco_train --repo "$bad"
  check "invalid repo id '$bad' refused (exit 2)" eval '[ $RC -eq 2 ] && contains "$ERR" "invalid --repo"'
done
lh publish gold.nope --repo e2e/coco-gold
check "table not found: exit 2, says so" eval '[ $RC -eq 2 ] && contains "$ERR" "gold.nope"'
lh publish gold.coco_train --repo e2e/coco-gold --version 999
check "missing snapshot: exit 2" eval '[ $RC -eq 2 ] && contains "$ERR" "snapshot 999 does not exist"'
lh sql "CREATE TABLE gold.empty_t (a INTEGER)" -m "an empty table"
lh publish gold.empty_t --repo e2e/empty
check "empty table: refused with a reason (exit 1), no repo created" \
  eval '[ $RC -eq 1 ] && contains "$ERR" "no rows" && [ ! -d "$FIXTURES/hub/e2e/empty" ]'
HF_TOKEN=hf_wrong_token lh publish gold.coco_train --repo e2e/coco-gold
check "wrong token: 401 explained (exit 3), token not echoed" \
  eval '[ $RC -eq 3 ] && contains "$ERR" "refused HF_TOKEN" && ! contains "$OUT$ERR" hf_wrong_token'
check "rejected publishes made no repo" eval '[ ! -d "$FIXTURES/hub/e2e/coco-gold" ]'

# ---- publish with media, read back by the official clients ----
lh publish gold.coco_train --repo e2e/coco-gold --with-media
check "publish --with-media prints the dataset URL and commit" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "published $HUB/datasets/e2e/coco-gold" && contains "$OUT" "commit "'
check "oracle: snapshot_download + load_dataset read $rows rows, same columns, images decode to the objects' bytes" \
  eval 'HF_ENDPOINT=$HUB "$PY" "$ORACLE" read "$HUB" e2e/coco-gold "$rows" "$COLUMNS" --images image >"$FIXTURES/oracle.log" 2>&1 || { cat "$FIXTURES/oracle.log"; false; }'
check "card: features, splits with exact counts, provenance and the gold SQL" \
  eval 'f=$FIXTURES/hub/e2e/coco-gold/README.md; grep -q "dtype: image" "$f" && grep -q "num_examples" "$f" && grep -q "ingest coco from fixtures/coco-detection@" "$f" && grep -q "CREATE OR REPLACE TABLE gold.coco_train" "$f"'
check "multipart LFS upload used (parts on the storage host)" grep -q "PUT /lfs-upload/.*part=2" "$HUB_AUTH_LOG"
check "the token never reached the LFS storage host" eval '! grep -q "^AUTH" "$HUB_AUTH_LOG" && grep -q "^none PUT" "$HUB_AUTH_LOG"'
n1=$(commits e2e/coco-gold)

# ---- idempotence ----
lh publish gold.coco_train --repo e2e/coco-gold --with-media
check "same snapshot again: no new commit, says so" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "no new commit" && [ "$(commits e2e/coco-gold)" = "$n1" ]'

# ---- without media: URIs stay strings ----
lh publish gold.coco_train --repo e2e/coco-uris --json
check "publish without media: image_uri stays a string column, card says where it points" \
  eval '[ $RC -eq 0 ] && HF_ENDPOINT=$HUB "$PY" "$ORACLE" read "$HUB" e2e/coco-uris "$rows" "image_id,image_uri,width,height,categories,boxes,captions,split,source_split" >/dev/null 2>&1 && grep -q "s3://lakehouse/" "$FIXTURES/hub/e2e/coco-uris/README.md"'
check "--json result" eval 'echo "$OUT" | "$PY" -c "import json,sys; d=json.load(sys.stdin); assert d[\"rows\"] == $rows and not d[\"unchanged\"]"'

# ---- a new snapshot: new commit; shards of a split that disappeared are deleted ----
lh sql "DELETE FROM gold.coco_train WHERE split <> 'train'" -m "keep train only"
left=$(value "SELECT count(*) FROM gold.coco_train")
lh publish gold.coco_train --repo e2e/coco-uris
check "changed table: new commit, stale split files deleted on the Hub" \
  eval '[ $RC -eq 0 ] && [ "$(ls "$FIXTURES/hub/e2e/coco-uris/data")" = "train-00000-of-00001.parquet" ] && [ "$(commits e2e/coco-uris)" -eq 3 ]'
check "oracle reads the new state ($left rows)" \
  eval 'HF_ENDPOINT=$HUB "$PY" "$ORACLE" read "$HUB" e2e/coco-uris "$left" "image_id,image_uri,width,height,categories,boxes,captions,split,source_split" >/dev/null 2>&1'
old=$(value "SELECT max(snapshot_id) - 1 FROM lake.snapshots()")
lh publish gold.coco_train --repo e2e/coco-old --version "$old"
check "--version publishes the table as of that snapshot ($rows rows)" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "$rows rows" && grep -q "snapshot: $old," "$FIXTURES/hub/e2e/coco-old/README.md"'

# ---- a publish killed during the LFS upload leaves the Hub at its previous commit ----
lh sql "UPDATE gold.coco_train SET captions = ['changed'] WHERE image_id = (SELECT min(image_id) FROM gold.coco_train)" -m "edit a caption"
kill "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
start_hub "$FIXTURES/hub" --lfs-delay 0.3 --lfs-chunk 0
export HF_TOKEN=$HUB_TOKEN
head_before=$(commits e2e/coco-gold)
"$LAKEHOUSE_BIN" publish gold.coco_train --repo e2e/coco-gold --with-media >"$FIXTURES/killed.out" 2>&1 &
pub=$!
for _ in $(seq 100); do grep -q "PUT /lfs-upload" "$HUB_AUTH_LOG" && break; sleep 0.1; done
kill -9 "$pub"; wait "$pub" 2>/dev/null
check "killed mid-upload: still the previous commit (no partial commit)" \
  eval 'grep -q "PUT /lfs-upload" "$HUB_AUTH_LOG" && [ "$(commits e2e/coco-gold)" = "$head_before" ] && [ -f "$FIXTURES/hub/e2e/coco-gold/data/val-00000-of-00001.parquet" ]'
kill "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
start_hub "$FIXTURES/hub" --lfs-chunk 4096
export HF_TOKEN=$HUB_TOKEN
lh publish gold.coco_train --repo e2e/coco-gold --with-media
check "re-run completes: one new commit, the oracle reads $left rows" \
  eval '[ $RC -eq 0 ] && [ "$(commits e2e/coco-gold)" -eq $((head_before + 1)) ] && HF_ENDPOINT=$HUB "$PY" "$ORACLE" read "$HUB" e2e/coco-gold "$left" "$COLUMNS" --images image >/dev/null 2>&1'

# ---- server refusals: 413 and 429 on the commit ----
lh sql "UPDATE gold.coco_train SET captions = ['changed again'] WHERE image_id = (SELECT min(image_id) FROM gold.coco_train)" -m "edit a caption"
for status in 413 429; do
  kill "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
  start_hub "$FIXTURES/hub" --fail-commit "$status"
  export HF_TOKEN=$HUB_TOKEN
  n=$(commits e2e/coco-gold)
  lh publish gold.coco_train --repo e2e/coco-gold --with-media
  check "commit answered $status: clear error (exit 3), no new commit" \
    eval '[ $RC -eq 3 ] && contains "$ERR" "HTTP $status" && [ "$(commits e2e/coco-gold)" = "$n" ]'
done
kill "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
start_hub "$FIXTURES/hub" --fail-commit 413
export HF_TOKEN=$HUB_TOKEN
lh publish gold.coco_train --repo e2e/coco-gold
check "413: the message suggests smaller shards" eval 'contains "$ERR" "--shard-rows"'
kill "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
start_hub "$FIXTURES/hub" --rate-limit-first 2
export HF_TOKEN=$HUB_TOKEN
lh publish gold.coco_train --repo e2e/coco-gold --shard-rows 2
check "transient 429s are retried: publish completes, shards of 2 rows" \
  eval '[ $RC -eq 0 ] && [ "$(ls "$FIXTURES/hub/e2e/coco-gold/data" | wc -l)" -eq $(((left + 1) / 2)) ]'

# ---- emulator fidelity: the official upload_folder works against it ----
mkdir -p "$FIXTURES/up/data"
printf '# uploaded by huggingface_hub\n' >"$FIXTURES/up/README.md"
head -c 20000 /dev/urandom >"$FIXTURES/up/data/blob.bin"
check "official upload_folder into the emulator round-trips" \
  eval 'HF_ENDPOINT=$HUB "$PY" "$ORACLE" upload "$HUB" e2e/official "$FIXTURES/up" >/dev/null 2>&1'

leaked=0
while read -r token; do
  grep -rqF "$token" "$FIXTURES/all-output.log" "$FIXTURES/killed.out" local-store "$WORK" 2>/dev/null && leaked=1
done <"$FIXTURES/hub-tokens"
check "no token of any emulator run appears in any output or file of ours" [ "$leaked" = 0 ]
finish
