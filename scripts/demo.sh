#!/usr/bin/env bash
# The main job on the embedded default (no Docker): set up the machine, build, start the
# local S3 server, create the lake, land a generated sample as raw.sample, list snapshots.
# The server keeps running afterwards; stop it with: build/lakehouse storage stop
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/build.sh
lh=build/lakehouse
# Use a store that already answers (RustFS via compose, or a running embedded server);
# otherwise start the embedded one.
if $lh storage status >/dev/null 2>&1; then
  echo "using the S3 server at ${AWS_ENDPOINT_URL:-http://127.0.0.1:9000}"
else
  $lh storage start
fi
$lh init
mkdir -p local-store/demo
sample=$PWD/local-store/demo/sample-$(date +%Y%m%d-%H%M%S).parquet
$lh sql "COPY (SELECT range AS id, 'item ' || range AS name, (range % 97) / 7.0 AS score,
               TIMESTAMP '2024-01-01' + INTERVAL (range) MINUTE AS ts FROM range(10000))
         TO '$sample' (FORMAT parquet)"
$lh land raw.sample "$sample" -m "demo: generated sample of 10000 rows"
$lh snapshots
$lh storage ls lake/
