#!/usr/bin/env bash
# rebuild.sh - recreate the whole lakehouse from an empty bucket, deterministically:
# reset (bucket emptied, catalog removed), storage, init, ingest COCO and VisDrone from
# sources.conf, silver and gold, the version demo, and optionally a publish to the Hub.
#
#   ./rebuild.sh [--yes] [--offline] [--publish OWNER/NAME] [--sources FILE] [--store KIND]
#
# --yes       do not ask before deleting (needed when stdin is not a terminal)
# --offline   use the generated fixtures through the local Hub emulator even if the Hub answers
# --publish   publish gold.coco_train (with its images) to HF_ENDPOINT as OWNER/NAME; offline,
#             to the local emulator
# --store     embedded (default: versitygw) or rustfs: the server `lakehouse storage start`
#             runs when none answers; rustfs runs LAKEHOUSE_RUSTFS_BIN (default
#             ../shared/tools/rustfs/rustfs), data in $LAKEHOUSE_DATA_DIR/rustfs
# LAKEHOUSE_BIN=path uses that binary and skips bootstrap and build (tests do this).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
yes=0 offline=0 publish="" sources=$ROOT/sources.conf store=embedded
while [ $# -gt 0 ]; do
  case $1 in
    --yes) yes=1 ;;
    --offline) offline=1 ;;
    --publish) publish=${2:?--publish needs OWNER/NAME}; shift ;;
    --sources) sources=${2:?--sources needs a file}; shift ;;
    --store) store=${2:?--store needs embedded or rustfs}; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "rebuild.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -r "$sources" ] || { echo "rebuild.sh: cannot read $sources" >&2; exit 2; }
case $store in
  embedded) server=versitygw ;;
  rustfs)
    server=rustfs
    export LAKEHOUSE_RUSTFS_BIN=${LAKEHOUSE_RUSTFS_BIN:-$ROOT/../shared/tools/rustfs/rustfs}
    [ -x "$LAKEHOUSE_RUSTFS_BIN" ] ||
      { echo "rebuild.sh: --store rustfs: no RustFS binary at $LAKEHOUSE_RUSTFS_BIN; set LAKEHOUSE_RUSTFS_BIN" >&2; exit 2; } ;;
  *) echo "rebuild.sh: --store wants embedded or rustfs, got '$store'" >&2; exit 2 ;;
esac
sources=$(cd "$(dirname "$sources")" && pwd)/$(basename "$sources")
cd "$ROOT" # relative paths (catalog, local-store/, sources) are the repo's, as for every script

STEPS=() TIMES=()
t_start=$(date +%s.%N)
step_begin() { printf '\n== %s\n' "$1" >&2; STEP_NAME=$1; STEP_T0=$(date +%s.%N); }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
step_end() { STEPS+=("$STEP_NAME"); TIMES+=("$(since "$STEP_T0")"); }

step_begin "set up (bootstrap, build)"
if [ -z "${LAKEHOUSE_BIN:-}" ]; then
  "$ROOT/scripts/bootstrap.sh" --fixture-tools # the offline path: fixture generators, Hub emulator
  "$ROOT/scripts/build.sh" >/dev/null
  LAKEHOUSE_BIN=$ROOT/build/lakehouse
fi
lh() { "$LAKEHOUSE_BIN" "$@"; }
PY=$ROOT/.deps/venv/bin/python
step_end

step_begin "reset: empty the bucket, remove the catalog"
if [ "$yes" = 0 ]; then
  if [ -t 0 ]; then
    read -r -p "delete every object in the bucket and the catalog, then rebuild? [y/N] " answer
    case $answer in y|Y|yes) ;; *) echo "nothing changed" >&2; exit 1 ;; esac
  else
    echo "rebuild.sh: this deletes the whole lake; run with --yes when not on a terminal" >&2
    exit 2
  fi
fi
started_storage=0
if ! lh storage status >/dev/null 2>&1; then
  lh storage start --server "$server"
  started_storage=1
elif [ "$store" = rustfs ] && lh storage status --json | grep -q '"embedded_server": "versitygw"'; then
  echo "rebuild.sh: --store rustfs, but the embedded versitygw serves the endpoint; stop it first ($LAKEHOUSE_BIN storage stop)" >&2
  exit 2
fi
lh reset --yes
step_end

step_begin "init"
lh init
step_end

HUB_PID=""
cleanup() { [ -z "$HUB_PID" ] || kill "$HUB_PID" 2>/dev/null || true; }
trap cleanup EXIT
hub_answers() {
  local endpoint=${HF_ENDPOINT:-https://huggingface.co}
  curl -s -o /dev/null --max-time 5 "$endpoint/api/datasets/detection-datasets/coco" 2>/dev/null
}
# The local Hub emulator serving the generated fixtures (test-only tools, same HTTP path).
start_emulator() {
  [ -z "$HUB_PID" ] || return 0
  local hub=${LAKEHOUSE_LOCAL_STORE:-local-store}/offline-hub port
  if [ ! -d "$hub/fixtures/visdrone-mot" ]; then
    "$PY" "$ROOT/tests/tools/make_fixtures.py" --out "$hub" >/dev/null
    "$PY" "$ROOT/tests/tools/make_visdrone.py" --out "$hub" >/dev/null
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  OFFLINE_TOKEN="hf_offline$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')"
  "$PY" "$ROOT/tests/tools/hub_emulator.py" --root "$hub" --port "$port" --cdn-port "$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')" \
    --token "$OFFLINE_TOKEN" --max-seconds 3600 &
  HUB_PID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/api/datasets/fixtures/coco-detection" && break; sleep 0.1; done
  export HF_ENDPOINT=http://127.0.0.1:$port
  echo "offline: generated fixtures served by the local Hub emulator at $HF_ENDPOINT" >&2
}

mode=online
if [ "$offline" = 1 ]; then
  mode=offline
elif ! hub_answers; then
  echo "the Hub (${HF_ENDPOINT:-https://huggingface.co}) cannot be reached: using the offline fixtures" >&2
  mode=offline
fi
[ "$mode" = online ] || start_emulator

step_begin "ingest ($mode sources from $(basename "$sources"))"
while read -r dataset m source split limit extra; do
  case $dataset in ''|'#'*) continue ;; esac
  [ "$m" = "$mode" ] || continue
  if [ "${source#hf://}" = "$source" ] && [ ! -d "$source" ] && [ ! -d "$ROOT/$source" ]; then
    echo "$dataset: folder $source is missing (sources.conf says where to get it); using its offline fixture" >&2
    start_emulator
    read -r source split < <(awk -v d="$dataset" '$1 == d && $2 == "offline" { print $3, $4; exit }' "$sources")
    limit=- extra=
  fi
  args=(ingest "$dataset" --from "$source" --split "$split")
  [ "$limit" = - ] || args+=(--limit "$limit")
  # shellcheck disable=SC2206 # extra options are words by design
  [ -z "${extra:-}" ] || args+=($extra)
  echo "lakehouse ${args[*]}" >&2
  lh "${args[@]}"
done <"$sources"
step_end

step_begin "silver and gold"
lh transform all
step_end

step_begin "version demo"
LAKEHOUSE_BIN=$LAKEHOUSE_BIN "$ROOT/scripts/version-demo.sh" >/dev/null
echo "version demo done (silver.demo_prices: bad transform, diff, rollback)" >&2
step_end

if [ -n "$publish" ]; then
  step_begin "publish gold.coco_train to $publish"
  if [ "$mode" = offline ]; then start_emulator; export HF_TOKEN=$OFFLINE_TOKEN; fi
  lh publish gold.coco_train --repo "$publish" --with-media
  step_end
fi

# ---- summary ----
printf '\n== summary\n'
tables=$(lh sql --csv "SELECT schema_name || '.' || table_name FROM duckdb_tables()
  WHERE database_name = 'lake' ORDER BY 1" | tail -n +2)
counts=""
for t in $tables; do counts+="${counts:+ UNION ALL }SELECT '$t' AS table_name, count(*) AS rows FROM $t"; done
lh sql "$counts"
for t in gold.coco_train gold.visdrone_train; do
  lh sql --csv "SELECT '$t' AS table_name, count(*) AS rows,
      md5(coalesce(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR)), '')) AS checksum
    FROM $t t" | tail -n +2 | sed 's/^/checksum /'
done
lh storage status
lh sql --csv "SELECT count(*) AS snapshots FROM lake.snapshots()" | tail -n1 | sed 's/^/snapshots /'
for i in "${!STEPS[@]}"; do printf 'elapsed %-45s %7.1f s\n' "${STEPS[$i]}" "${TIMES[$i]}"; done
printf 'elapsed %-45s %7.1f s\n' "total" "$(since "$t_start")"
[ "$started_storage" = 0 ] || echo "the embedded S3 server keeps running; stop it with: $LAKEHOUSE_BIN storage stop"
