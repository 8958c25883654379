#!/usr/bin/env bash
# Bad input: each case gets a clear error, a non-zero exit, and leaves the lake as it was.
. "$(dirname "$0")/lib.sh"

# --- storage not reachable ---------------------------------------------------------------
dead="http://127.0.0.1:$(free_port)"
AWS_ENDPOINT_URL=$dead lh init
check "unreachable endpoint: exit 3" test "$RC" -eq 3
check "unreachable endpoint: error names the endpoint and how to start storage" \
  eval 'contains "$ERR" "$dead" && contains "$ERR" "lakehouse storage start"'

start_storage
printf 'id\n1\n' > "$FIXTURES/early.csv"
lh land raw.early "$FIXTURES/early.csv"
check "land before init: says to run init" eval '[ $RC -ne 0 ] && contains "$ERR" "lakehouse init"'
lh init
make_parquet "$FIXTURES/events.parquet" 1000
lh land raw.events "$FIXTURES/events.parquet"
check "baseline landing" test "$RC" -eq 0
base=$(snapshot_count)

# --- wrong secret ------------------------------------------------------------------------
wrong="Wr0ng-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
for cmd in "init" "storage ls" "land raw.events $FIXTURES/events.parquet"; do
  AWS_SECRET_ACCESS_KEY=$wrong lh $cmd
  check "wrong secret ($cmd): exit 3 with the S3 error code" \
    eval '[ $RC -eq 3 ] && contains "$ERR" "SignatureDoesNotMatch"'
  check "wrong secret ($cmd): the secret appears in no output" \
    eval '! contains "$OUT$ERR" "$wrong" && ! contains "$OUT$ERR" "$AWS_SECRET_ACCESS_KEY"'
done
check "wrong secret: nothing in the server log either" \
  eval '! grep -rqF -e "$wrong" -e "$AWS_SECRET_ACCESS_KEY" "$S3_SERVER_LOG"'
check "wrong secret: no snapshot" eval '[ "$(snapshot_count)" = "$base" ]'

# --- missing and corrupt files -------------------------------------------------------------
lh land raw.events "$FIXTURES/missing.parquet"
check "missing file: exit 1, names the file" \
  eval '[ $RC -eq 1 ] && contains "$ERR" "missing.parquet" && contains "$ERR" "No such file"'
head -c 4096 /dev/urandom > "$FIXTURES/garbage.parquet"
lh land raw.events "$FIXTURES/garbage.parquet"
check "random bytes as Parquet: exit 1, names file and table" \
  eval '[ $RC -eq 1 ] && contains "$ERR" "garbage.parquet" && contains "$ERR" "raw.events"'
size=$(stat -c %s "$FIXTURES/events.parquet")
head -c $((size / 2)) "$FIXTURES/events.parquet" > "$FIXTURES/truncated.parquet"
lh land raw.fresh "$FIXTURES/truncated.parquet"
check "truncated Parquet: exit 1" eval '[ $RC -eq 1 ] && contains "$ERR" "truncated.parquet"'
lh sql --csv "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fresh'"
check "truncated Parquet: no half-created table" eval '[ "$(printf "%s" "$OUT" | tail -n1)" = "0" ]'
printf 'id,name\nnot-a-number,x\n' > "$FIXTURES/wrongtype.csv"
lh land raw.events "$FIXTURES/wrongtype.csv"
check "append with an incompatible column type: exit 1" test "$RC" -eq 1
lh land raw.events "$FIXTURES/events.txt"
check "unknown format: usage error (exit 2) suggesting --format" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "--format"'
check "failed landings left no snapshot" eval '[ "$(snapshot_count)" = "$base" ]'
lh sql --csv "SELECT count(*) FROM raw.events"
check "failed landings left the rows as they were" eval '[ "$(printf "%s" "$OUT" | tail -n1)" = "1000" ]'

# --- hostile table names -----------------------------------------------------------------
for name in "raw.x'; DROP TABLE raw.events; --" 'raw.a;b' 'raw."q"' "raw.x' OR '1'='1" '../etc' 'raw.'; do
  lh land "$name" "$FIXTURES/events.parquet"
  check "table name [$name] rejected as usage error" eval '[ $RC -eq 2 ] && contains "$ERR" "invalid table name"'
done
lh sql --csv "SELECT count(*) FROM raw.events"
check "raw.events survived the hostile names" eval '[ $RC -eq 0 ] && [ "$(printf "%s" "$OUT" | tail -n1)" = "1000" ]'
check "hostile names made no snapshot" eval '[ "$(snapshot_count)" = "$base" ]'

# --- usage errors --------------------------------------------------------------------------
lh land raw.events
check "land without a file: exit 2" eval '[ $RC -eq 2 ] && contains "$ERR" "lakehouse land --help"'
lh sql
check "sql without a query: exit 2" test "$RC" -eq 2
lh sql "SELEC 1"
check "SQL syntax error: exit 1 with DuckDB's message" eval '[ $RC -eq 1 ] && contains "$ERR" "syntax error"'
lh snapshots --last abc
check "snapshots --last abc: exit 2" test "$RC" -eq 2
finish
