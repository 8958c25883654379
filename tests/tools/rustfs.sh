#!/usr/bin/env bash
# rustfs.sh start|stop DATA_DIR [ENDPOINT] - RustFS itself (the brief's object store) for the
# compatibility matrix, built from its public source (../shared/tools/rustfs/README.md).
#
# start: runs $LAKEHOUSE_TEST_RUSTFS on ENDPOINT's loopback port with the credentials of
#        AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY handed over as RUSTFS_ACCESS_KEY /
#        RUSTFS_SECRET_KEY in its environment (never on a command line: neither RustFS's nor
#        curl's), objects under DATA_DIR/rustfs/data, its logs in DATA_DIR/rustfs/logs (the
#        layout `lakehouse storage start --server rustfs` and docker-compose.yml use). Returns
#        once a signed ListBuckets answers 200: /health answers earlier, while S3 calls still
#        get "503 Service not ready" on a fresh data folder.
# stop:  SIGTERM to the server started for DATA_DIR, by its pid (SIGKILL after 10 s).
# Exit 77 (ctest's skip code for the compat.rustfs entries) when the binary is missing.
set -euo pipefail
. "$(dirname "$0")/server_lib.sh"
cmd=$1 dir=$2
pidfile="$dir/rustfs.pid"

case $cmd in
start)
  endpoint=${3:?ENDPOINT}
  bin=${LAKEHOUSE_TEST_RUSTFS:?set LAKEHOUSE_TEST_RUSTFS to the rustfs binary}
  [ -x "$bin" ] || { echo "SKIP: no RustFS binary at $bin (../shared/tools/rustfs/rustfs in this team's checkouts)" >&2; exit 77; }
  port=${endpoint##*:}
  mkdir -p "$dir/rustfs/data" "$dir/rustfs/logs"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then exit 0; fi
  RUSTFS_ACCESS_KEY=${AWS_ACCESS_KEY_ID:?} RUSTFS_SECRET_KEY=${AWS_SECRET_ACCESS_KEY:?} \
    RUSTFS_ADDRESS=127.0.0.1:$port RUSTFS_CONSOLE_ENABLE=false \
    RUSTFS_OBS_LOG_DIRECTORY=$dir/rustfs/logs \
    "$bin" server "$dir/rustfs/data" </dev/null >>"$dir/rustfs/logs/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 400); do
    code=$(list_buckets_status "$port")
    [ "$code" = 200 ] && exit 0
    kill -0 "$(cat "$pidfile")" 2>/dev/null ||
      { echo "rustfs exited: $(tail -3 "$dir/rustfs/logs/stdout.log")" >&2; exit 1; }
    sleep 0.05
  done
  echo "rustfs: no 200 to a signed ListBuckets on port $port within 20 s (last: HTTP $code)" >&2
  exit 1
  ;;
stop)
  stop_pidfile "$pidfile"
  ;;
*)
  echo "usage: rustfs.sh start|stop DATA_DIR [ENDPOINT]" >&2
  exit 2
  ;;
esac
