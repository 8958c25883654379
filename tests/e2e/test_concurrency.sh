#!/usr/bin/env bash
# Two or more clients at once. DuckDB-file catalog: one process at a time; a second one waits
# up to LAKEHOUSE_LOCK_TIMEOUT, then "lake busy" (exit 4). SQLite and PostgreSQL catalogs:
# 4 writers appending to one table lose no row (commit conflicts are retried), and readers
# during writes see whole snapshots only.
. "$(dirname "$0")/lib.sh"
start_storage
lh init

# ---- DuckDB-file catalog ----
"$LAKEHOUSE_BIN" sql "SELECT count(*) FROM range(1500000000) t(x) WHERE x % 7 = 3" >/dev/null 2>&1 &
busy=$!
sleep 1
LAKEHOUSE_LOCK_TIMEOUT=0 lh sql "CREATE TABLE raw.late AS SELECT 1 AS x" -m "late writer"
check "second process on a DuckDB-file catalog: 'lake busy', exit 4, nothing written" \
  eval '[ $RC -eq 4 ] && contains "$ERR" "lake busy" && contains "$ERR" "LAKEHOUSE_LOCK_TIMEOUT"'
LAKEHOUSE_LOCK_TIMEOUT=300 lh sql "CREATE TABLE raw.late AS SELECT 1 AS x" -m "patient writer"
check "with a long enough timeout it waits for the first and then commits" eval '[ $RC -eq 0 ]'
wait "$busy"
check "only the patient writer's table exists, once" \
  eval '[ "$("$LAKEHOUSE_BIN" sql --csv "SELECT count(*) FROM raw.late" | tail -n1)" = 1 ]'

# ---- database catalogs: concurrent writers and readers ----
writer() {
  for i in $(seq 10); do
    "$LAKEHOUSE_BIN" sql -m "writer $1 append $i" "INSERT INTO raw.t SELECT $1, range FROM range(50)" >/dev/null 2>>"$FIXTURES/writer$1.err" ||
      echo "writer $1 append $i failed" >>"$FIXTURES/failures"
  done
}
pair_writer() { # each commit adds 10 rows to a and 10 to b: a reader must never see them differ
  for i in $(seq 12); do
    "$LAKEHOUSE_BIN" sql -m "pair $i" "INSERT INTO raw.a SELECT range FROM range(10); INSERT INTO raw.b SELECT range FROM range(10)" \
      >/dev/null 2>>"$FIXTURES/pair.err" || echo "pair $i failed" >>"$FIXTURES/failures"
  done
}
reader() {
  while [ ! -e "$FIXTURES/stop" ]; do
    "$LAKEHOUSE_BIN" sql --csv "SELECT (SELECT count(*) FROM raw.a) AS a, (SELECT count(*) FROM raw.b) AS b" 2>/dev/null |
      tail -n +2 >>"$FIXTURES/reads"
  done
}
# concurrent_clients NAME: 4 writers x 10 appends, a pair writer and a reader on the lake that
# LAKEHOUSE_CATALOG names, then the checks.
concurrent_clients() {
  local name=$1
  lh init
  check "a $name catalog works" eval '[ $RC -eq 0 ] && contains "$OUT" "lake ready"'
  lh sql "CREATE TABLE raw.t (writer INTEGER, i INTEGER); CREATE TABLE raw.a (i INTEGER); CREATE TABLE raw.b (i INTEGER)" -m "tables"
  rm -f "$FIXTURES/stop" "$FIXTURES"/*.err; : >"$FIXTURES/failures"; : >"$FIXTURES/reads"
  reader & local rpid=$!
  local pids=()
  for w in 1 2 3 4; do writer "$w" & pids+=($!); done
  pair_writer & pids+=($!)
  wait "${pids[@]}"
  touch "$FIXTURES/stop"; wait "$rpid"
  check "$name: 4 concurrent writers x 10 appends x 50 rows: all 2000 rows, none failed" \
    eval '[ ! -s "$FIXTURES/failures" ] && [ "$("$LAKEHOUSE_BIN" sql --csv "SELECT count(*) FROM raw.t" | tail -n1)" = 2000 ]'
  local per_writer
  per_writer=$("$LAKEHOUSE_BIN" sql --csv "SELECT writer, count(*) FROM raw.t GROUP BY writer ORDER BY writer" | tail -n +2 | tr '\n' ' ')
  check "$name: each writer's 500 rows are there ($per_writer)" [ "$per_writer" = "1,500 2,500 3,500 4,500 " ]
  local reads; reads=$(wc -l <"$FIXTURES/reads")
  check "$name: readers during the writes ($reads reads) saw whole snapshots only (a = b, multiples of 10)" \
    eval '[ "$reads" -gt 0 ] && awk -F, "\$1 != \$2 || \$1 % 10 != 0 { bad = 1 } END { exit bad }" "$FIXTURES/reads"'
  check "$name: one snapshot per commit (4 x 10 + 12)" \
    eval '[ "$("$LAKEHOUSE_BIN" sql --csv "SELECT count(*) FROM lake.snapshots() WHERE commit_message LIKE '"'"'writer %'"'"' OR commit_message LIKE '"'"'pair %'"'"'" | tail -n1)" = 52 ]'
  [ ! -s "$FIXTURES/failures" ] || { cat "$FIXTURES/failures"; head -5 "$FIXTURES"/*.err; }
}

export LAKEHOUSE_LOCK_TIMEOUT=120 # writers queue for the catalog's lock; a loaded CI machine is slow

# SQLite (DuckLake over sqlite_scanner, WAL)
export LAKEHOUSE_CATALOG=sqlite:$WORK/catalog.sqlite LAKEHOUSE_BUCKET=sqlite-lake
concurrent_clients SQLite
lh trace raw.t
check "trace names the SQLite catalog file, not a DuckDB file" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "catalog: SQLite file $WORK/catalog.sqlite (" && ! contains "$OUT" "DuckDB"'

# PostgreSQL (DuckLake over postgres_scanner): the catalog for many clients
start_pg
export LAKEHOUSE_CATALOG=$PG_CATALOG LAKEHOUSE_BUCKET=pg-lake
password=$PGPASSWORD; unset PGPASSWORD
lh init
check "PostgreSQL without a password: exit 3, says to set PGPASSWORD or ~/.pgpass" \
  eval '[ $RC -eq 3 ] && contains "$ERR" "PGPASSWORD" && contains "$ERR" ".pgpass"'
export PGPASSWORD=$password
concurrent_clients PostgreSQL
lh trace raw.t
check "trace names the PostgreSQL catalog database, no file size" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "catalog: PostgreSQL database $PG_CATALOG" && ! contains "$OUT" "DuckDB" && ! contains "$OUT" "bytes)"'
lh trace raw.t --json
check "trace --json: catalog_kind PostgreSQL, the database instead of a file" \
  eval '[ $RC -eq 0 ] && printf "%s" "$OUT" | python3 -c "
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d[\"catalog_kind\"] == \"PostgreSQL database\" and \"catalog_file\" not in d and d[\"catalog_database\"].startswith(\"postgres:\") else 1)"'
finish
