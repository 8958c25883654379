# lib.sh - shared helpers for the end-to-end scenarios: each runs the real lakehouse binary
# against a real S3 server it starts on a free loopback port, in a fresh temp folder: the
# embedded versitygw (`lakehouse storage start`), or, for the S3 compatibility matrix, RustFS
# when LAKEHOUSE_TEST_RUSTFS names its binary (tests/tools/rustfs.sh) or s3s-fs when
# LAKEHOUSE_TEST_S3FS does (tests/tools/s3s_fs.sh), or a multi-node store (label cluster):
# four RustFS nodes in distributed mode when LAKEHOUSE_TEST_RUSTFS_CLUSTER names the binary
# (tests/tools/rustfs_cluster.sh), a SeaweedFS cluster when LAKEHOUSE_TEST_SEAWEEDFS names weed
# (tests/tools/seaweedfs.sh). A named binary that is missing ends the scenario with exit 77, which ctest reports as skipped (SKIP_RETURN_CODE), never as passed.
# Every check counts; the script ends with "N passed, N failed" and fails if any failed.
set -u
E2E_DIR=$(cd "$(dirname "$0")" && pwd) # before the cd below
LAKEHOUSE_BIN=${LAKEHOUSE_BIN:?set LAKEHOUSE_BIN to the lakehouse binary}
PASSED=0
FAILED=0
WORK=$(mktemp -d /tmp/lakehouse-e2e-XXXXXX)
FIXTURES=$(mktemp -d /tmp/lakehouse-fix-XXXXXX) # fixtures live apart from the catalog folder

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export AWS_ENDPOINT_URL="http://127.0.0.1:$(free_port)"
export AWS_ACCESS_KEY_ID=e2e-access
# a canary: finish() fails the test if it shows up in any output or file
export AWS_SECRET_ACCESS_KEY="canary-s3-secret-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export LAKEHOUSE_DATA_DIR="$WORK/lakehouse-data"
export LAKEHOUSE_AUTHOR=e2e
unset S3_ENDPOINT AWS_ENDPOINT_URL_S3 LAKEHOUSE_CATALOG LAKEHOUSE_BUCKET
cd "$WORK"

# S3_OBJECTS/<bucket>/<key>: where the server keeps an object (a file for versitygw and
# s3s-fs, a folder with xl.meta and parts for RustFS). S3_SERVER_LOG: its log file or folder.
# S3_SERVER_FILES: the server's own data and logs, which check_secrets scans by name.
if [ -n "${LAKEHOUSE_TEST_RUSTFS:-}" ]; then
  S3_SERVER=rustfs
  if [ ! -x "$LAKEHOUSE_TEST_RUSTFS" ]; then
    echo "SKIP: no RustFS binary at $LAKEHOUSE_TEST_RUSTFS (LAKEHOUSE_TEST_RUSTFS; ../shared/tools/rustfs/rustfs in this team's checkouts)"
    rm -rf "$WORK" "$FIXTURES"
    exit 77
  fi
  S3_OBJECTS=$LAKEHOUSE_DATA_DIR/rustfs/data
  S3_SERVER_LOG=$LAKEHOUSE_DATA_DIR/rustfs/logs
elif [ -n "${LAKEHOUSE_TEST_RUSTFS_CLUSTER:-}" ]; then
  S3_SERVER=rustfs-cluster # objects are erasure-coded shards spread over four nodes' drives
  if [ ! -x "$LAKEHOUSE_TEST_RUSTFS_CLUSTER" ]; then
    echo "SKIP: no RustFS binary at $LAKEHOUSE_TEST_RUSTFS_CLUSTER (LAKEHOUSE_TEST_RUSTFS_CLUSTER; ../shared/tools/rustfs/rustfs in this team's checkouts)"
    rm -rf "$WORK" "$FIXTURES"
    exit 77
  fi
  S3_OBJECTS=$LAKEHOUSE_DATA_DIR/rustfs-cluster
  S3_SERVER_LOG=$LAKEHOUSE_DATA_DIR/rustfs-cluster
elif [ -n "${LAKEHOUSE_TEST_SEAWEEDFS:-}" ]; then
  S3_SERVER=seaweedfs # a cluster: objects live in volume files, not one file per object
  if [ ! -x "$LAKEHOUSE_TEST_SEAWEEDFS" ]; then
    echo "SKIP: no weed binary at $LAKEHOUSE_TEST_SEAWEEDFS (LAKEHOUSE_TEST_SEAWEEDFS; scripts/bootstrap.sh --test-tools)"
    rm -rf "$WORK" "$FIXTURES"
    exit 77
  fi
  S3_OBJECTS=$LAKEHOUSE_DATA_DIR/volume1
  S3_SERVER_LOG=$LAKEHOUSE_DATA_DIR/logs
elif [ -n "${LAKEHOUSE_TEST_S3FS:-}" ]; then
  S3_SERVER=s3s-fs
  S3_OBJECTS=$LAKEHOUSE_DATA_DIR/objects
  S3_SERVER_LOG=$LAKEHOUSE_DATA_DIR/s3s-fs.log
else
  S3_SERVER=embedded
  S3_OBJECTS=$LAKEHOUSE_DATA_DIR/objects
  S3_SERVER_LOG=$LAKEHOUSE_DATA_DIR/s3.log
fi
S3_SERVER_FILES=("$S3_OBJECTS") # scanned once even where the logs live among the data
[ "$S3_SERVER_LOG" = "$S3_OBJECTS" ] || S3_SERVER_FILES+=("$S3_SERVER_LOG")
# 1 when S3_OBJECTS/<bucket>/<key> is a plain file holding the object's bytes
case $S3_SERVER in embedded | s3s-fs) S3_FILE_PER_OBJECT=1 ;; *) S3_FILE_PER_OBJECT=0 ;; esac
S3_LAUNCHER=$E2E_DIR/../tools/${S3_SERVER//-/_}.sh

# start_storage / stop_storage: the server under test (RC, OUT, ERR as lh sets them).
start_storage() {
  if [ "$S3_SERVER" = embedded ]; then lh storage start; return; fi
  OUT=$(bash "$S3_LAUNCHER" start "$LAKEHOUSE_DATA_DIR" "$AWS_ENDPOINT_URL" 2>&1)
  RC=$? ERR=$OUT
}
stop_storage() {
  if [ "$S3_SERVER" = embedded ]; then lh storage stop; return; fi
  OUT=$(bash "$S3_LAUNCHER" stop "$LAKEHOUSE_DATA_DIR" 2>&1)
  RC=$? ERR=$OUT
}

# start_proxy FAIL_FIRST STATUS CODE [ARGS...]: a fault-injecting proxy in front of the
# embedded server; sets PROXY, PROXY_PID and PROXY_LOG.
start_proxy() {
  local port fail=$1 status=$2 code=$3; shift 3
  port=$(free_port)
  PROXY_LOG=$(mktemp "$FIXTURES/proxy-XXXXXX.log")
  python3 "$E2E_DIR/../tools/flaky_proxy.py" --listen "$port" --upstream "${AWS_ENDPOINT_URL#http://}" \
    --fail-first "$fail" --status "$status" --code "$code" --log "$PROXY_LOG" --max-seconds 900 "$@" &
  PROXY_PID=$!
  PROXY="http://127.0.0.1:$port"
  wait_port "$port"
}
stop_proxy() { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=; }

wait_port() {
  for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.1)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  exit 1
}

cleanup() {
  [ -z "${PROXY_PID:-}" ] || kill "$PROXY_PID" 2>/dev/null
  [ -z "${PG_DIR:-}" ] || { bash "$E2E_DIR/../tools/pg_server.sh" stop "$PG_DIR"; rm -rf "$PG_DIR"; }
  [ -z "${HUB_PID:-}" ] || kill "$HUB_PID" 2>/dev/null
  stop_storage >/dev/null 2>&1
  "$LAKEHOUSE_BIN" storage stop >/dev/null 2>&1 # one a scenario started itself (any kind)
  rm -rf "$WORK" "$FIXTURES"
}
trap cleanup EXIT

# lh ARGS...: runs lakehouse, keeping stdout in $OUT, stderr in $ERR and the code in $RC.
lh() {
  "$LAKEHOUSE_BIN" "$@" >"$WORK/.out" 2>"$WORK/.err"
  RC=$?
  OUT=$(cat "$WORK/.out")
  ERR=$(cat "$WORK/.err")
  # every output of every run is kept for the no-secret-anywhere checks
  cat "$WORK/.out" "$WORK/.err" >>"$FIXTURES/all-output.log"
}

# Objects as a client sees them, on any server (the S3 listing, not the server's folders):
# object_keys PREFIX lists keys, object_size URI prints a size (empty when absent).
object_keys() { "$LAKEHOUSE_BIN" storage ls --csv "$1" 2>/dev/null | tail -n +2 | cut -d, -f1; }
object_size() {
  local key=${1#s3://*/}
  "$LAKEHOUSE_BIN" storage ls --csv "$1" 2>/dev/null | awk -F, -v k="$key" '$1 == k { print $2 }'
}
# objects_dir [PREFIX]: a folder laid out <bucket>/<key> with the bucket's objects (those under
# PREFIX at least). The server's own folder where it keeps one file per object (an independent
# read); else a copy of the objects under PREFIX, made with GETs.
objects_dir() {
  if [ "$S3_FILE_PER_OBJECT" = 1 ]; then echo "$S3_OBJECTS"; return; fi
  local dir=$WORK/objects-copy bucket=${LAKEHOUSE_BUCKET:-lakehouse} key
  rm -rf "$dir"
  for key in $(object_keys "s3://$bucket/${1:-}"); do
    mkdir -p "$dir/$bucket/$(dirname "$key")"
    "$LAKEHOUSE_BIN" storage get "s3://$bucket/$key" -o "$dir/$bucket/$key" >/dev/null 2>&1 || return 1
  done
  echo "$dir"
}

pass() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$1"; printf '     rc=%s\n     stdout: %s\n     stderr: %s\n' "${RC:-}" "${OUT:-}" "${ERR:-}" | head -20; }

# check NAME COMMAND...: passes when COMMAND succeeds.
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
contains() { case "$1" in *"$2"*) return 0 ;; *) return 1 ;; esac; }

snapshot_count() {
  "$LAKEHOUSE_BIN" sql --csv "SELECT count(*) FROM lake.snapshots()" | tail -n1
}

# make_parquet PATH ROWS: a generated Parquet file (id, name, score, ts).
make_parquet() {
  lh sql "COPY (SELECT range AS id, 'item ' || range AS name, (range % 97) / 7.0 AS score, TIMESTAMP '2024-01-01' + INTERVAL (range) SECOND AS ts FROM range($2)) TO '$1' (FORMAT parquet)"
  [ "$RC" -eq 0 ] || { echo "fixture generation failed: $ERR" >&2; exit 1; }
}

# Secrets: neither the S3 secret nor any Hub token or PostgreSQL password the test used
# appears in any output, in any file the run left (catalog, staging, the server's data and log
# folders; binary files included) or in the repo; the catalog is owner-only.
check_secrets() {
  local repo leaks="" scanned=0 f
  repo=$(cd "$E2E_DIR/../.." && pwd)
  for s in "$AWS_SECRET_ACCESS_KEY" $(cat "$FIXTURES/hub-tokens" "$FIXTURES/canaries" 2>/dev/null); do
    leaks+=$(grep -rlaF -- "$s" "$WORK" "$FIXTURES/all-output.log" 2>/dev/null)
    leaks+=$(grep -rlIF --exclude-dir=.git --exclude-dir=.deps --exclude-dir='build*' -- "$s" "$repo" 2>/dev/null)
    # the server's own folders by name (also when a scenario moved them out of $WORK)
    for f in "${S3_SERVER_FILES[@]}"; do
      [ -e "$f" ] && leaks+=$(grep -rlaF -- "$s" "$f" 2>/dev/null)
    done
  done
  for f in "${S3_SERVER_FILES[@]}"; do [ -e "$f" ] && scanned=$((scanned + $(find "$f" -type f | wc -l))); done
  check "no secret in any output or file (S3 secret, Hub tokens, PostgreSQL password as canaries; $S3_SERVER data+logs: $scanned files)" [ -z "$leaks" ]
  [ -z "$leaks" ] || echo "     leaked into: $leaks"
  local catalog=${LAKEHOUSE_CATALOG:-$WORK/metadata.ducklake}
  catalog=${catalog#sqlite:}
  [ ! -f "$catalog" ] || check "the catalog file is owner-only (600)" [ "$(stat -c %a "$catalog")" = 600 ]
}

finish() {
  check_secrets
  printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
  [ "$FAILED" -eq 0 ]
}

# start_pg: a throw-away PostgreSQL server on a free port with a canary password (exported as
# PGPASSWORD, where libpq finds it); sets PG_CATALOG to the lake's catalog string for it.
start_pg() {
  PG_DIR=$(mktemp -d /tmp/lakehouse-pg-XXXXXX) # outside $WORK: the postgres user must reach it
  export PGPASSWORD="canary-pg-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
  echo "$PGPASSWORD" >>"$FIXTURES/canaries"
  PG_CATALOG=$(bash "$E2E_DIR/../tools/pg_server.sh" start "$PG_DIR" "$(free_port)") ||
    { echo "could not start PostgreSQL" >&2; exit 1; }
}

# start_hub ROOT [EMULATOR ARGS...]: the Hub emulator with a CDN on 127.0.0.2; sets HUB,
# HUB_TOKEN, HUB_AUTH_LOG, HUB_REQUEST_LOG and exports HF_ENDPOINT.
start_hub() {
  local root=$1; shift
  local port cdn; port=$(free_port); cdn=$(free_port)
  HUB="http://127.0.0.1:$port"
  HUB_TOKEN="hf_e2e$(od -An -N12 -tx8 /dev/urandom | tr -d ' \n')"
  echo "$HUB_TOKEN" >>"$FIXTURES/hub-tokens"
  HUB_AUTH_LOG="$FIXTURES/cdn-auth.log"
  HUB_REQUEST_LOG="$FIXTURES/hub-requests.log"
  : > "$HUB_AUTH_LOG"
  "$E2E_DIR/../../.deps/venv/bin/python" "$E2E_DIR/../tools/hub_emulator.py" --root "$root" \
    --port "$port" --cdn-port "$cdn" --token "$HUB_TOKEN" --auth-log "$HUB_AUTH_LOG" \
    --request-log "$HUB_REQUEST_LOG" --max-seconds 1800 "$@" & # > the ctest TIMEOUT: a loaded machine is slow, not hung; cleanup kills it
  HUB_PID=$!
  export HF_ENDPOINT=$HUB
  wait_port "$port"
}
