# bench/lib.sh - the set-up every benchmark shares (source it): bootstrap and build, a temp
# work folder $W, and the settings for an embedded S3 server on a free loopback port, which
# is stopped (and $W removed, unless KEEP=1) on exit. Leaves the shell in the repo root.
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

# result NAME FIGURE BASELINE RATIO GOAL: one machine-readable line for bench/run's table.
result() { printf 'RESULT|%s|%s|%s|%s|%s\n' "$@"; }
