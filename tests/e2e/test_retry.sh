#!/usr/bin/env bash
# Transient S3 faults (503 SlowDown, 500) are retried with backoff; persistent ones end in a
# clear error with the S3 code. A fault-injecting proxy sits in front of the real server.
. "$(dirname "$0")/lib.sh"

start_storage
lh init
check "lake initialised" test "$RC" -eq 0
make_parquet "$FIXTURES/events.parquet" 1000

start_proxy 1 500 InternalError
AWS_ENDPOINT_URL=$PROXY lh land raw.events "$FIXTURES/events.parquet"
check "a 500 on the storage probe is retried: land succeeds" eval '[ $RC -eq 0 ] && contains "$OUT" "landed 1000 rows"'
stop_proxy

start_proxy 2 503 SlowDown
AWS_ENDPOINT_URL=$PROXY lh storage ls lake/
check "two 503 SlowDown replies are retried: ls succeeds" eval '[ $RC -eq 0 ] && contains "$OUT" ".parquet"'
check "the proxy saw the two faults, then a success" \
  eval '[ "$(head -n 3 "$PROXY_LOG" | cut -d" " -f1 | tr "\n" " ")" = "503 503 200 " ]'
stop_proxy

start_proxy 1000 503 SlowDown
before=$(snapshot_count)
AWS_ENDPOINT_URL=$PROXY lh storage ls
check "persistent SlowDown: exit 3 naming the S3 code" eval '[ $RC -eq 3 ] && contains "$ERR" "SlowDown (HTTP 503)"'
check "persistent SlowDown: bounded attempts (4)" eval '[ "$(wc -l < "$PROXY_LOG")" -eq 4 ]'
AWS_ENDPOINT_URL=$PROXY lh land raw.events "$FIXTURES/events.parquet"
check "persistent SlowDown: land fails, no snapshot" eval '[ $RC -eq 3 ] && [ "$(snapshot_count)" = "$before" ]'
stop_proxy

start_proxy 1 403 AccessDenied
AWS_ENDPOINT_URL=$PROXY lh storage ls
check "403 is not retried: one attempt, exit 3, code shown" \
  eval '[ $RC -eq 3 ] && contains "$ERR" "AccessDenied" && [ "$(wc -l < "$PROXY_LOG")" -eq 1 ]'
stop_proxy
finish
