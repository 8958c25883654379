#!/usr/bin/env bash
# Crash consistency: SIGKILL at seeded random points during ingest, transform, rollback and
# publish. After each kill the catalog opens and the lake is exactly in the state before the
# step or after it (a checksum of every table, compared with an uninterrupted reference run),
# never in between; the Hub repo is at its previous commit or the next. Re-running the step and
# the rest of the pipeline converges to the reference: same tables, same media object keys.
#
#   tests/crash/crash.sh [TRIALS [SEED]]      (default 4 trials, seed 1; prints a tally)
# Needs LAKEHOUSE_BIN and the test tools (scripts/bootstrap.sh --test-tools).
TRIALS=${1:-4}
SEED=${2:-1}
LAKEHOUSE_BIN=${LAKEHOUSE_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/lakehouse}
. "$(dirname "$0")/../e2e/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 12 --train 4 --crowds 2 >/dev/null
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/hub" --sequences 2 --frames 60 >/dev/null
start_hub "$FIXTURES/hub" --max-seconds 3600
export HF_TOKEN=$HUB_TOKEN LAKEHOUSE_LOCAL_STORE=$WORK/local-store
lh storage start
RANDOM=$SEED

step_names=(- "ingest coco" "ingest visdrone" "transform silver" "transform gold" "damage" "rollback" "publish")
# run_step K REPO: runs step K of the pipeline in the current lake (ROLLBACK_TO must be set for 6)
step_cmd() {
  case $1 in
    1) echo ingest coco --from hf://datasets/fixtures/coco-detection --split val ;;
    2) echo ingest visdrone --from hf://datasets/fixtures/visdrone-mot ;;
    3) echo transform silver ;;
    4) echo transform gold ;;
    5) echo sql -m damage "DELETE FROM gold.coco_train WHERE split <> 'train'" ;;
    6) echo rollback gold.coco_train --to "$ROLLBACK_TO" -m repair ;;
    7) echo publish gold.coco_train --repo "crash/$2" --with-media ;;
  esac
}
run_step() { # eval keeps the quoted SQL of step 5 one argument
  local cmd; cmd=$(step_cmd "$1" "$2")
  if [ "$1" = 5 ]; then "$LAKEHOUSE_BIN" sql -m damage "DELETE FROM gold.coco_train WHERE split <> 'train'"
  else "$LAKEHOUSE_BIN" $cmd; fi
}
state() { # one checksum over every table's rows (sorted), the lake's logical state
  local tables q=""
  tables=$("$LAKEHOUSE_BIN" sql --csv "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = 'lake' ORDER BY 1" | tail -n +2) || return 1
  for t in $tables; do
    q+="${q:+ UNION ALL }SELECT '$t' AS t, md5(coalesce(string_agg(CAST(x AS VARCHAR), chr(10) ORDER BY CAST(x AS VARCHAR)), '')) AS h FROM $t x"
  done
  [ -n "$q" ] || { echo empty; return 0; }
  "$LAKEHOUSE_BIN" sql --csv "SELECT md5(string_agg(t || h, ',' ORDER BY t)) FROM ($q)" | tail -n1
}
asset_keys() { "$LAKEHOUSE_BIN" storage ls --csv assets/ | tail -n +2 | cut -d, -f1 | sort | md5sum | cut -c1-32; }
hub_commits() {
  curl -s "$HUB/api/datasets/crash/$1/commits/main" | "$PY" -c 'import json,sys
try: print(len(json.load(sys.stdin)))
except Exception: print(0)'
}
current_snapshot() { "$LAKEHOUSE_BIN" sql --csv "SELECT id FROM lake.current_snapshot()" | tail -n1; }

# ---- the uninterrupted reference ----
# Every run uses the same bucket name (URIs in the tables name it), emptied by `reset` first.
fresh_lake() { "$LAKEHOUSE_BIN" reset --yes >/dev/null && "$LAKEHOUSE_BIN" init >/dev/null; }
export LAKEHOUSE_CATALOG=$WORK/lake.ducklake
fresh_lake
declare -a REF DUR
REF[0]=$(state)
for k in 1 2 3 4 5 6 7; do
  [ "$k" != 5 ] || ROLLBACK_TO=$(current_snapshot)
  t0=$(date +%s%N)
  run_step "$k" reference >/dev/null 2>"$WORK/ref.err" || { echo "reference step $k failed:"; cat "$WORK/ref.err"; exit 1; }
  DUR[$k]=$(( ($(date +%s%N) - t0) / 1000000 ))
  REF[$k]=$(state)
done
REF_KEYS=$(asset_keys)
echo "reference: step times (ms) ${DUR[*]:1}"

# ---- trials ----
targets=(1 2 3 4 6 7)
survived=0
for trial in $(seq "$TRIALS"); do
  s=${targets[$((RANDOM % ${#targets[@]}))]}
  delay=$(( RANDOM % (DUR[s] * 12 / 10 + 1) ))
  fresh_lake
  for k in $(seq 1 $((s - 1))); do
    [ "$k" != 5 ] || ROLLBACK_TO=$(current_snapshot)
    run_step "$k" "t$trial" >/dev/null 2>&1
  done
  [ "$s" -le 5 ] || [ -n "${ROLLBACK_TO:-}" ]
  commits_before=$(hub_commits "t$trial")
  run_step "$s" "t$trial" >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v ms="$delay" 'BEGIN { printf "%.3f", ms / 1000 }')"
  kill -9 "$pid" 2>/dev/null && killed=killed || killed="finished first"
  wait "$pid" 2>/dev/null
  name="trial $trial: SIGKILL at ${delay} ms into '${step_names[$s]}' ($killed)"
  after=$(state)
  failed_before=$FAILED
  check "$name: the catalog opens and the lake is in the state before or after the step" \
    eval '[ -n "$after" ] && { [ "$after" = "${REF[$((s - 1))]}" ] || [ "$after" = "${REF[$s]}" ]; }'
  if [ "$s" = 7 ]; then
    c=$(hub_commits "t$trial")
    check "$name: the Hub repo is at its previous commit or the next ($commits_before → $c)" \
      eval '[ "$c" = "$commits_before" ] || [ "$c" = $((commits_before + 1)) ]'
  fi
  for k in $(seq "$s" 7); do
    [ "$k" != 5 ] || ROLLBACK_TO=$(current_snapshot)
    run_step "$k" "t$trial" >/dev/null 2>"$WORK/rerun.err" || { FAILED=$((FAILED + 1)); echo "     re-run of step $k failed: $(head -c 300 "$WORK/rerun.err")"; }
  done
  check "$name: re-running converges to the reference (tables and media keys)" \
    eval '[ "$(state)" = "${REF[7]}" ] && [ "$(asset_keys)" = "$REF_KEYS" ]'
  [ "$FAILED" != "$failed_before" ] || survived=$((survived + 1))
done
echo "crash trials: $TRIALS run, $survived survived (seed $SEED)"
finish
