# bench/lib.sh - the set-up every benchmark shares (source it): bootstrap and build, a temp
# work folder $W, and the settings for an embedded S3 server on a free loopback port, which
# is stopped (and $W removed, unless KEEP=1) on exit. Leaves the shell in the repo root.
# LAKEHOUSE_BENCH_STORE=rustfs runs RustFS (LAKEHOUSE_RUSTFS_BIN, default
# ../shared/tools/rustfs/rustfs) instead of the default versitygw: start_storage, $S3_SERVER,
# and $S3_OBJECTS (where the server keeps a bucket's data) follow it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test-tools >/dev/null
scripts/build.sh >/dev/null
ROOT=$PWD
LH=$ROOT/build/lakehouse
W=$(mktemp -d /tmp/lakehouse-bench-XXXXXX)
trap '$LH storage stop >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
export LAKEHOUSE_DATA_DIR=$W/data LAKEHOUSE_CATALOG=$W/lake.ducklake
export AWS_ENDPOINT_URL=http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-key

case ${LAKEHOUSE_BENCH_STORE:-embedded} in
  embedded|versitygw) S3_SERVER=versitygw S3_OBJECTS=$LAKEHOUSE_DATA_DIR/objects ;;
  rustfs)
    S3_SERVER=rustfs S3_OBJECTS=$LAKEHOUSE_DATA_DIR/rustfs/data
    export LAKEHOUSE_RUSTFS_BIN=${LAKEHOUSE_RUSTFS_BIN:-$ROOT/../shared/tools/rustfs/rustfs} ;;
  *) echo "LAKEHOUSE_BENCH_STORE wants embedded or rustfs" >&2; exit 2 ;;
esac
start_storage() { $LH storage start --server "$S3_SERVER" >/dev/null; }

# result NAME FIGURE BASELINE RATIO GOAL: one machine-readable line for bench/run's table.
result() { local name=$1; shift; printf 'RESULT|%s|%s|%s|%s|%s\n' "$name$([ "$S3_SERVER" = versitygw ] || echo " [$S3_SERVER]")" "$@"; }
