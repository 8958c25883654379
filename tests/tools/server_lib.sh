# server_lib.sh - sourced by the test servers' start/stop tools (rustfs.sh, rustfs_cluster.sh,
# seaweedfs.sh, s3s_fs.sh): what stopping a server by its pid file and asking an S3 server
# whether it serves mean, in one place.

# stop_pidfile FILE: SIGTERM to the process FILE names, SIGKILL after 10 s, then FILE removed
# (no-op when FILE is absent).
stop_pidfile() {
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$1"
}

# list_buckets_status PORT: the HTTP status of a signed ListBuckets on the loopback PORT, with
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; curl reads user:secret from a config on stdin, so
# the secret is on no command line.
list_buckets_status() {
  printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" |
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 -K - \
      --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" \
      -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
      "http://127.0.0.1:$1/" || true
}

# kill_pidfile FILE WHAT: SIGKILL (a machine dying mid-write) to the process FILE names, then
# FILE removed; fails naming WHAT when no such process was started.
kill_pidfile() {
  [ -f "$1" ] || { echo "no $2 runs" >&2; return 1; }
  kill -9 "$(cat "$1")" 2>/dev/null || true
  rm -f "$1"
}
