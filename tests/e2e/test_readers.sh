#!/usr/bin/env bash
# Many readers on one DuckDB-file catalog: a reading verb attaches the catalog read-only (a
# shared lock), so any number of them run at once and none waits for another, even with
# LAKEHOUSE_LOCK_TIMEOUT=0; a writer needs the catalog alone: it waits for the readers up to
# LAKEHOUSE_LOCK_TIMEOUT, then commits, or refuses with "lake busy" naming the holder; nothing
# is lost either way. A reader never creates anything (no catalog, no schema, no snapshot).
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 8 --train 4 --crowds 1 >/dev/null
start_hub "$FIXTURES/hub"
start_storage
lh tables
check "a reader before 'init' creates no catalog" eval '[ $RC -ne 0 ] && [ ! -e metadata.ducklake ] && contains "$ERR" "lakehouse init"'
lh init
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
lh transform all
check "fixtures: COCO landed, silver and gold built" [ "$RC" -eq 0 ]
lh sql "CREATE TABLE raw.counter AS SELECT 1 AS n" -m "counter"
snaps=$(snapshot_count)
sum_catalog() { sha256sum metadata.ducklake | cut -d' ' -f1; }
before=$(sum_catalog)

# ---- 8 readers at once, none waiting: LAKEHOUSE_LOCK_TIMEOUT=0 turns any wait into a failure --
# A long reader holds the catalog the whole time, so the others overlap it (and each other).
reader_cmds=(
  "query crowded-scenes --csv"
  "show gold.coco_train --limit 5"
  "sql --csv 'SELECT count(*) FROM gold.coco_train'"
  "view --out $WORK/site --limit 4"
  "export --table gold.coco_train --format webdataset --out $WORK/exp --shard-samples 4"
  "tables"
  "stream --table gold.coco_train --seed 1 --decode rgb --size 32x32"
  "snapshots --json"
)
# (far longer than the others need; it is ended once they are done)
LAKEHOUSE_LOCK_TIMEOUT=0 "$LAKEHOUSE_BIN" sql "SELECT count(*) FROM range(100000000000) t(x) WHERE x % 7 = 3" >/dev/null 2>"$FIXTURES/long.err" &
long=$!
sleep 1.5
pids=()
for i in "${!reader_cmds[@]}"; do
  (eval "LAKEHOUSE_LOCK_TIMEOUT=0 \"\$LAKEHOUSE_BIN\" ${reader_cmds[$i]}" >"$FIXTURES/r$i.out" 2>"$FIXTURES/r$i.err"
   echo $? >"$FIXTURES/r$i.rc") &
  pids+=($!)
done
wait "${pids[@]}"
long_alive=0; kill -0 "$long" 2>/dev/null && long_alive=1
kill "$long" 2>/dev/null; wait "$long" 2>/dev/null
long_rc=0; if grep -q "error" "$FIXTURES/long.err"; then long_rc=1; fi # it ran until ended
failed=""
for i in "${!reader_cmds[@]}"; do
  [ "$(cat "$FIXTURES/r$i.rc")" = 0 ] || failed+="[${reader_cmds[$i]%% *}: $(head -c 300 "$FIXTURES/r$i.err")] "
  cat "$FIXTURES/r$i.out" "$FIXTURES/r$i.err" >>"$FIXTURES/all-output.log"
done
RC=$long_rc ERR=$failed
check "8 readers (query, show, sql, view, export, tables, stream, snapshots) at once beside a 9th, LAKEHOUSE_LOCK_TIMEOUT=0: all succeed" \
  eval '[ -z "$failed" ] && [ "$long_rc" -eq 0 ]'
check "the 9th reader held the catalog throughout: the 8 ran beside it, not after it" [ "$long_alive" = 1 ]
check "readers changed nothing: same snapshot count, catalog bytes unchanged" \
  eval '[ "$(snapshot_count)" = "$snaps" ] && [ "$(sum_catalog)" = "$before" ]'

# ---- a writer meets readers ----------------------------------------------------------------------
"$LAKEHOUSE_BIN" sql "SELECT count(*) FROM range(1000000000) t(x) WHERE x % 7 = 3" >/dev/null 2>&1 &
long=$!
for _ in $(seq 300); do # until the reader holds its lock on the catalog (its open can be slow)
  awk -v p="$long" '$5 == p { found = 1 } END { exit !found }' /proc/locks && break
  sleep 0.1
done
LAKEHOUSE_LOCK_TIMEOUT=0 lh sql "INSERT INTO raw.counter VALUES (2)" -m "impatient writer"
check "a writer beside a reader, LAKEHOUSE_LOCK_TIMEOUT=0: exit 4 'lake busy' naming the reader's pid and the setting" \
  eval '[ $RC -eq 4 ] && contains "$ERR" "lake busy" && contains "$ERR" "pid $long" && contains "$ERR" "LAKEHOUSE_LOCK_TIMEOUT" && contains "$ERR" "reader"'
check "the refused writer wrote nothing" eval '[ "$(sum_catalog)" = "$before" ]'
LAKEHOUSE_LOCK_TIMEOUT=300 lh sql "INSERT INTO raw.counter VALUES (3)" -m "patient writer"
writer_rc=$RC
check "a patient writer waits for the reader, then commits" eval '[ $writer_rc -eq 0 ] && ! kill -0 $long 2>/dev/null'
wait "$long"

# a reader meets a writer: waits for it (or refuses clearly at 0)
"$LAKEHOUSE_BIN" sql "INSERT INTO raw.counter SELECT 4 FROM range(1500000000) t(x) WHERE x = 1" -m "slow writer" >/dev/null 2>"$FIXTURES/slow.err" &
slow=$!
for _ in $(seq 120); do # until the writer holds the catalog (after its storage checks)
  LAKEHOUSE_LOCK_TIMEOUT=0 lh tables
  [ "$RC" -eq 0 ] || break
  sleep 0.25
done
check "a reader beside a writer, LAKEHOUSE_LOCK_TIMEOUT=0: exit 4 'lake busy', the writer named" \
  eval '[ $RC -eq 4 ] && contains "$ERR" "lake busy" && contains "$ERR" "is writing"'
LAKEHOUSE_LOCK_TIMEOUT=300 lh sql --csv "SELECT list(n ORDER BY n) FROM raw.counter"
check "a patient reader waits for the writer and sees its commit: nothing lost (1, 3, 4)" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "[1,3,4]"'
wait "$slow"
finish
