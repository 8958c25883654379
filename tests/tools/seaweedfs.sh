#!/usr/bin/env bash
# seaweedfs.sh start|stop|kill-node|start-node DIR [ENDPOINT|N] - a real multi-node S3
# store on loopback for the "cluster" test label: SeaweedFS (weed, built by
# scripts/bootstrap.sh --test-tools) as one master (default replication 001: every volume has
# one more copy on another server of the same rack), three volume servers, and a filer with
# its S3 gateway on ENDPOINT's port. Every port is a free loopback port chosen here (gRPC ones
# too: weed's default of port + 10000 can collide or overflow); data, logs and sockets stay
# in DIR.
#
# Credentials: the S3 gateway takes AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from its
# environment as its admin identity, so the secret is on no command line and in no file.
#
# start:        starts the cluster (master, volumes, filer, then its S3 gateway as a separate
#               weed s3 process), returns once three volume servers have joined and the
#               S3 port answers; ports go to DIR/ports.env.
# stop:         SIGTERM to every process of the cluster started for DIR.
# kill-node N:  SIGKILL to volume server N (1..3): a node dying mid-write.
# start-node N: starts volume server N again on its ports and data folder.
set -euo pipefail
. "$(dirname "$0")/server_lib.sh"
cmd=$1 dir=$2
bin=${LAKEHOUSE_TEST_SEAWEEDFS:-}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

# run NAME ARGS...: one weed process in the background, pid in DIR/NAME.pid, glog files in
# DIR/logs, stdout/stderr in DIR/NAME.log.
run() {
  local name=$1; shift
  mkdir -p "$dir/logs"
  : "${bin:?set LAKEHOUSE_TEST_SEAWEEDFS to the weed binary (scripts/bootstrap.sh --test-tools)}"
  "$bin" -logdir="$dir/logs" "$@" >>"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

volume() { # volume N: starts volume server N on the ports recorded for it
  local n=$1 port grpc
  port=$(eval echo "\$VOLUME${n}_PORT") grpc=$(eval echo "\$VOLUME${n}_GRPC")
  mkdir -p "$dir/volume$n"
  run "volume$n" volume -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="$port" -port.grpc="$grpc" \
    -dir="$dir/volume$n" -max=50 -master="127.0.0.1:$MASTER_PORT.$MASTER_GRPC" \
    -dataCenter=dc1 -rack=rack1 -minFreeSpace=64MiB -preStopSeconds=0
}

# waits up to 60 s for COMMAND to succeed; names WHAT and the logs otherwise
wait_for() {
  local what=$1; shift
  for _ in $(seq 600); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  echo "SeaweedFS: $what not ready within 60 s; logs in $dir" >&2
  tail -n 5 "$dir"/*.log >&2 || true
  return 1
}

volumes_joined() { # the master knows $1 volume servers
  [ "$(curl -sf "http://127.0.0.1:$MASTER_PORT/dir/status" | grep -o '"Url":"127.0.0.1:[0-9]*"' | sort -u | wc -l)" -ge "$1" ]
}

case $cmd in
start)
  endpoint=${3:?ENDPOINT}
  : "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}"
  mkdir -p "$dir"
  if alive s3; then exit 0; fi
  {
    echo "MASTER_PORT=$(free_port) MASTER_GRPC=$(free_port)"
    for n in 1 2 3; do echo "VOLUME${n}_PORT=$(free_port) VOLUME${n}_GRPC=$(free_port)"; done
    echo "FILER_PORT=$(free_port) FILER_GRPC=$(free_port)"
    echo "S3_PORT=${endpoint##*:} S3_GRPC=$(free_port)"
  } >"$dir/ports.env"
  . "$dir/ports.env"
  mkdir -p "$dir/master" "$dir/filer"
  run master master -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="$MASTER_PORT" -port.grpc="$MASTER_GRPC" \
    -mdir="$dir/master" -defaultReplication=001 -volumeSizeLimitMB=64 -volumePreallocate=false
  wait_for "master" port_open "$MASTER_PORT"
  for n in 1 2 3; do volume $n; done
  wait_for "three volume servers" volumes_joined 3
  run filer filer -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="$FILER_PORT" -port.grpc="$FILER_GRPC" \
    -master="127.0.0.1:$MASTER_PORT.$MASTER_GRPC" -defaultStoreDir="$dir/filer" \
    -localSocket="$dir/filer.sock" -defaultReplicaPlacement=001
  wait_for "filer" port_open "$FILER_GRPC"
  # the S3 gateway as its own process (the filer's embedded -s3 did not come up in this
  # version); it reads the admin identity from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
  run s3 s3 -ip.bind=127.0.0.1 -port="$S3_PORT" -port.grpc="$S3_GRPC" -port.iceberg=0 \
    -port.lance=0 -localSocket="$dir/s3.sock" -filer="127.0.0.1:$FILER_PORT.$FILER_GRPC"
  wait_for "S3 gateway" port_open "$S3_PORT"
  ;;
stop)
  for name in s3 filer volume1 volume2 volume3 master; do stop_pidfile "$dir/$name.pid"; done
  ;;
kill-node)
  n=${3:?N}
  kill_pidfile "$dir/volume$n.pid" "volume server $n for $dir"
  ;;
start-node)
  n=${3:?N}
  . "$dir/ports.env"
  alive "volume$n" || volume "$n"
  port=$(eval echo "\$VOLUME${n}_PORT")
  wait_for "volume server $n" port_open "$port"
  wait_for "volume server $n joining" volumes_joined 3
  ;;
*)
  echo "usage: seaweedfs.sh start|stop|kill-node|start-node DIR [ENDPOINT|N]" >&2
  exit 2
  ;;
esac
