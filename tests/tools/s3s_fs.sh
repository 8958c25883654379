#!/usr/bin/env bash
# s3s_fs.sh start|stop DATA_DIR [ENDPOINT] - the second, independent S3 server of the
# compatibility matrix (s3s-fs: the S3 protocol layer RustFS is built on, filesystem backend).
#
# start: runs $LAKEHOUSE_TEST_S3FS (the binary bootstrap.sh --test-tools builds) on ENDPOINT's
#        loopback port with the credentials of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
#        objects under DATA_DIR/objects, its log in DATA_DIR/s3s-fs.log; returns once the port
#        answers. s3s-fs takes keys only as arguments, so test credentials are visible to local
#        users in the process list while it runs: a test server only, never the product's.
# stop:  SIGTERM to the server started for DATA_DIR (no-op when none runs).
set -euo pipefail
. "$(dirname "$0")/server_lib.sh"
cmd=$1 dir=$2
pidfile="$dir/s3s-fs.pid"

case $cmd in
start)
  endpoint=${3:?ENDPOINT}
  bin=${LAKEHOUSE_TEST_S3FS:?set LAKEHOUSE_TEST_S3FS to the s3s-fs binary (scripts/bootstrap.sh --test-tools)}
  port=${endpoint##*:}
  mkdir -p "$dir/objects"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then exit 0; fi
  "$bin" --host 127.0.0.1 --port "$port" --access-key "${AWS_ACCESS_KEY_ID:?}" \
    --secret-key "${AWS_SECRET_ACCESS_KEY:?}" "$dir/objects" >>"$dir/s3s-fs.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then exit 0; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "s3s-fs exited: $(tail -3 "$dir/s3s-fs.log")" >&2; exit 1; }
    sleep 0.05
  done
  echo "s3s-fs did not answer on port $port within 10 s" >&2
  exit 1
  ;;
stop)
  stop_pidfile "$pidfile"
  ;;
*)
  echo "usage: s3s_fs.sh start|stop DATA_DIR [ENDPOINT]" >&2
  exit 2
  ;;
esac
