#!/usr/bin/env bash
# Benchmark (not a test): a table with 200 snapshots (inserts, updates, deletes); the same
# aggregate query on an early version (AT (VERSION => n)) and on the current one, in one run.
# Each is run 30 times inside one `lakehouse sql -f` process; a trivial-query run of the same
# size is subtracted so process start-up does not count. Goal: early / current <= 1.5.
. "$(dirname "$0")/lib.sh"
cd "$W"
$LH storage start >/dev/null
$LH init >/dev/null
{
  echo "CREATE TABLE silver.events AS SELECT range AS id, range % 97 AS k, random() AS v FROM range(100000);"
  for i in $(seq 1 199); do
    case $((i % 3)) in
      0) echo "INSERT INTO silver.events SELECT 100000 * $i + range, range % 97, random() FROM range(2000);" ;;
      1) echo "UPDATE silver.events SET v = v + 1 WHERE id % 199 = $i;" ;;
      2) echo "DELETE FROM silver.events WHERE id % 997 = $i;" ;;
    esac
  done
} > build.sql
start=$(date +%s.%N)
$LH sql -f build.sql >/dev/null
echo "built 200 snapshots in $(echo "$(date +%s.%N) - $start" | bc) s"
first=$($LH sql --csv "SELECT min(snapshot_id) FROM ducklake_snapshots('lake') WHERE snapshot_id > 1" | tail -n1)
early=$((first + 5))
q="SELECT k, count(*), sum(v) FROM silver.events"
for kind in noop early current; do
  for i in $(seq 30); do
    case $kind in
      noop) echo "SELECT 1;" ;;
      early) echo "$q AT (VERSION => $early) GROUP BY k ORDER BY k;" ;;
      current) echo "$q GROUP BY k ORDER BY k;" ;;
    esac
  done > $kind.sql
done
best() { for i in 1 2 3; do s=$(date +%s.%N); $LH sql -f "$1" >/dev/null; echo "$(date +%s.%N) - $s" | bc; done | sort -n | sed -n 1p; } # not head: see fragments.sh
t0=$(best noop.sql); te=$(best early.sql); tc=$(best current.sql)
rows_e=$($LH sql --csv "SELECT count(*) FROM silver.events AT (VERSION => $early)" | tail -n1)
rows_c=$($LH sql --csv "SELECT count(*) FROM silver.events" | tail -n1)
pe=$(echo "($te - $t0) / 30 * 1000" | bc -l); pc=$(echo "($tc - $t0) / 30 * 1000" | bc -l)
printf 'early version %d (%d rows): %.2f ms/query; current (%d rows): %.2f ms/query; ratio %.2f (goal <= 1.5)\n' \
  "$early" "$rows_e" "$pe" "$rows_c" "$pc" "$(echo "$pe / $pc" | bc -l)"
result "time travel: early vs current version" "$(printf '%.2f ms' "$pe")" "$(printf '%.2f ms' "$pc")" "$(printf '%.2f' "$(echo "$pe / $pc" | bc -l)")" "<= 1.5"
