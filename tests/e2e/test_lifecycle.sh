#!/usr/bin/env bash
# End to end on the embedded server: storage start -> init -> land a generated Parquet file
# -> snapshots shows the new snapshot with its commit message -> storage stop.
. "$(dirname "$0")/lib.sh"

lh --version
check "--version names duckdb and both extensions" \
  eval 'contains "$OUT" "duckdb v1.5.5" && contains "$OUT" "ducklake" && contains "$OUT" "httpfs"'
for verb in diff expire fetch gc ingest init land log query rollback show snapshots sql storage trace transform; do
  lh "$verb" --help
  check "$verb --help prints usage" eval '[ $RC -eq 0 ] && contains "$OUT" "usage: lakehouse $verb"'
done
lh nosuchverb
check "unknown verb is a usage error (exit 2)" eval '[ $RC -eq 2 ] && contains "$ERR" "unknown verb"'

# The `storage` verb runs the embedded server: versitygw, or RustFS with --server rustfs (the
# RustFS column of the compatibility matrix checks that one); against s3s-fs only the lake
# steps in between run.
server_args=()
if [ "$S3_SERVER" = rustfs ]; then
  export LAKEHOUSE_RUSTFS_BIN=$LAKEHOUSE_TEST_RUSTFS
  server_args=(--server rustfs)
fi
if [ "$S3_SERVER" != s3s-fs ]; then
  lh storage start "${server_args[@]}"
  check "storage start ${server_args[*]}" eval '[ $RC -eq 0 ] && contains "$OUT" "started"'
  check "pid file and log file exist" test -s "$LAKEHOUSE_DATA_DIR/s3.pid" -a -f "$LAKEHOUSE_DATA_DIR/s3.log"
  lh storage start "${server_args[@]}"
  check "second start finds it running" eval '[ $RC -eq 0 ] && contains "$OUT" "already running"'
  pid=$(cat "$LAKEHOUSE_DATA_DIR/s3.pid")
  check "server command line carries no secret" eval '! tr "\0" " " < /proc/$pid/cmdline | grep -qF "$AWS_SECRET_ACCESS_KEY"'
else
  start_storage
fi

lh init
check "init creates the lake" eval '[ $RC -eq 0 ] && contains "$OUT" "lake ready" && [ -f metadata.ducklake ]'
lh sql --csv "SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'lake' ORDER BY 1"
check "schemas raw, silver, gold exist" eval 'contains "$OUT" "gold" && contains "$OUT" "raw" && contains "$OUT" "silver"'
before=$(snapshot_count)
lh init
check "init again adds no snapshot" eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = "$before" ]'

make_parquet "$FIXTURES/events.parquet" 2500
lh land raw.events "$FIXTURES/events.parquet" -m "first drop of events"
check "land prints the new snapshot id" eval '[ $RC -eq 0 ] && contains "$OUT" "landed 2500 rows into raw.events: snapshot"'
snap=$(printf '%s' "$OUT" | sed -n 's/.*snapshot \([0-9]*\).*/\1/p')

lh snapshots --csv
check "snapshots shows the snapshot with its message and author" \
  eval 'printf "%s\n" "$OUT" | grep -q "^$snap,.*e2e,first drop of events$"'
lh snapshots --json --last 1
check "snapshots --json --last 1 is the landing" \
  eval 'contains "$OUT" "\"id\": $snap" && contains "$OUT" "\"commit_message\": \"first drop of events\""'

make_parquet "$FIXTURES/more.parquet" 500
lh land raw.events "$FIXTURES/more.parquet"
check "land appends to an existing table" eval '[ $RC -eq 0 ] && contains "$OUT" "landed 500 rows"'
lh sql --csv "SELECT count(*), count(DISTINCT id) FROM raw.events"
check "table holds both drops" eval '[ "$(printf "%s" "$OUT" | tail -n1)" = "3000,2500" ]'
lh snapshots --csv --last 1
check "default commit message names file, table and rows" \
  eval 'contains "$OUT" "land more.parquet into raw.events: 500 rows (append)"'

printf 'id,label\n1,cat\n2,dog\n' > "$FIXTURES/labels.csv"
printf '{"id": 1, "caption": "a cat"}\n{"id": 2, "caption": "a dog"}\n' > "$FIXTURES/captions.jsonl"
lh land raw.labels "$FIXTURES/labels.csv"
check "land a CSV" eval '[ $RC -eq 0 ] && contains "$OUT" "landed 2 rows into raw.labels"'
lh land captions "$FIXTURES/captions.jsonl"
check "land a JSONL (schema defaults to raw)" eval '[ $RC -eq 0 ] && contains "$OUT" "landed 2 rows into raw.captions"'

lh sql -m "derive silver" "CREATE TABLE silver.events_by_bucket AS SELECT id % 10 AS bucket, count(*) AS n FROM raw.events GROUP BY 1"
lh snapshots --csv --last 1
check "sql -m commits with the message" eval 'contains "$OUT" "e2e,derive silver"'
printf 'SELECT sum(n) AS total FROM silver.events_by_bucket;\n' > "$FIXTURES/q.sql"
lh sql --json -f "$FIXTURES/q.sql"
check "sql -f runs a file" eval 'contains "$OUT" "\"total\": 3000"'

lh storage status --json
check "storage status reports objects" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "\"reachable\": true" && contains "$OUT" "\"bucket_exists\": true" && ! contains "$OUT" "\"objects\": 0,"'

if [ "$S3_SERVER" != s3s-fs ]; then
  kind=versitygw; [ "$S3_SERVER" = embedded ] || kind=$S3_SERVER
  check "status names the embedded server ($kind)" eval 'contains "$OUT" "\"embedded_server\": \"$kind\""'
  lh storage stop
  check "storage stop" eval '[ $RC -eq 0 ] && contains "$OUT" "stopped" && ! kill -0 $pid 2>/dev/null'
  lh storage status
  check "status after stop: unreachable, exit 3" eval '[ $RC -eq 3 ] && contains "$OUT" "reachable  no"'
  check "no output ever carried the secret" eval '! grep -rqF "$AWS_SECRET_ACCESS_KEY" "$FIXTURES/all-output.log" "$LAKEHOUSE_DATA_DIR/s3.log" "$S3_SERVER_LOG"'
fi
printf 'LAKEHOUSE_AUTHOR=e2e-from-dotenv\n' >.env
chmod 644 .env
lh --version
check ".env readable by others: a warning that says how to fix it" eval '[ $RC -eq 0 ] && contains "$ERR" "chmod 600 .env"'
chmod 600 .env
lh --version
check ".env owner-only: no warning" eval '[ $RC -eq 0 ] && ! contains "$ERR" "warning"'
rm .env
finish
