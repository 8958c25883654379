#!/usr/bin/env bash
# rustfs_cluster.sh start|stop|kill-node|start-node DIR [ENDPOINT|N] - a real multi-node S3
# store on loopback for the "cluster" test label: RustFS (the brief's store; the prebuilt
# binary of ../shared/tools/rustfs) in distributed mode, four server processes that each own
# one drive and together form one erasure set (4 drives: 2 data + 2 parity shards per object,
# so any one node may die and reads and writes go on). Node 1 listens on ENDPOINT's port and is
# the client's endpoint; nodes 2-4 on free loopback ports. Every node is given the same list
# of the four drives as http://127.0.0.1:PORT/DIR/rustfs-cluster/nodeN.
#
# Credentials: RUSTFS_ACCESS_KEY / RUSTFS_SECRET_KEY from AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY in each node's environment, never on a command line (curl's included).
#
# start:        starts the four nodes; returns once a signed ListBuckets answers 200 on every
#               node (the set has formatted its drives); ports go to DIR/rustfs-cluster/ports.env.
# stop:         SIGTERM to every node started for DIR (SIGKILL after 10 s).
# kill-node N:  SIGKILL to node N (2..4): a machine dying mid-write.
# start-node N: starts node N again on its port and drive, and waits until it answers.
# Exit 77 (ctest's skip code) when the binary is missing.
set -euo pipefail
. "$(dirname "$0")/server_lib.sh"
cmd=$1 dir=$2
root=$dir/rustfs-cluster
bin=${LAKEHOUSE_TEST_RUSTFS_CLUSTER:-}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
alive() { [ -f "$root/node$1.pid" ] && kill -0 "$(cat "$root/node$1.pid")" 2>/dev/null; }
port_of() { eval echo "\$NODE${1}_PORT"; }

drives() { # the same drive list for every node
  local n
  for n in 1 2 3 4; do printf 'http://127.0.0.1:%s%s/node%s\n' "$(port_of $n)" "$root" "$n"; done
}

node() { # node N: one RustFS process in the background, pid in ROOT/nodeN.pid
  local n=$1
  mkdir -p "$root/node$n" "$root/logs$n"
  local vols
  mapfile -t vols < <(drives)
  RUSTFS_ACCESS_KEY=${AWS_ACCESS_KEY_ID:?} RUSTFS_SECRET_KEY=${AWS_SECRET_ACCESS_KEY:?} \
    RUSTFS_ADDRESS=127.0.0.1:$(port_of "$n") RUSTFS_CONSOLE_ENABLE=false \
    RUSTFS_OBS_LOG_DIRECTORY=$root/logs$n \
    "$bin" server "${vols[@]}" </dev/null >>"$root/logs$n/stdout.log" 2>&1 &
  echo $! >"$root/node$n.pid"
}

ready() { [ "$(list_buckets_status "$(port_of "$1")")" = 200 ]; } # node N serves S3

wait_ready() { # wait_ready N...: up to 60 s for each node; names the logs otherwise
  local n
  for n in "$@"; do
    for _ in $(seq 600); do
      ready "$n" && continue 2
      alive "$n" || { echo "RustFS node $n exited: $(tail -3 "$root/logs$n/stdout.log")" >&2; return 1; }
      sleep 0.1
    done
    echo "RustFS node $n: no 200 to a signed ListBuckets within 60 s; logs in $root/logs$n" >&2
    return 1
  done
}

case $cmd in
start)
  endpoint=${3:?ENDPOINT}
  : "${bin:?set LAKEHOUSE_TEST_RUSTFS_CLUSTER to the rustfs binary}"
  [ -x "$bin" ] || { echo "SKIP: no RustFS binary at $bin (../shared/tools/rustfs/rustfs in this team's checkouts)" >&2; exit 77; }
  mkdir -p "$root"
  if alive 1; then exit 0; fi
  {
    echo "NODE1_PORT=${endpoint##*:}"
    for n in 2 3 4; do echo "NODE${n}_PORT=$(free_port)"; done
  } >"$root/ports.env"
  . "$root/ports.env"
  for n in 1 2 3 4; do node "$n"; done
  wait_ready 1 2 3 4
  ;;
stop)
  for n in 1 2 3 4; do stop_pidfile "$root/node$n.pid"; done
  ;;
kill-node)
  n=${3:?N}
  [ "$n" != 1 ] || { echo "node 1 is the client's endpoint; kill 2, 3 or 4" >&2; exit 2; }
  kill_pidfile "$root/node$n.pid" "RustFS node $n for $dir"
  ;;
start-node)
  n=${3:?N}
  . "$root/ports.env"
  alive "$n" || node "$n"
  wait_ready "$n"
  ;;
*)
  echo "usage: rustfs_cluster.sh start|stop|kill-node|start-node DIR [ENDPOINT|N]" >&2
  exit 2
  ;;
esac
