#!/usr/bin/env bash
# Versioning verbs on a real lake: log, show (time travel by version and by time), diff
# (DuckLake's change feed), rollback (content AND schema of snapshot N, as a new snapshot).
. "$(dirname "$0")/lib.sh"
start_storage
lh init
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
snap() { value "SELECT id FROM lake.current_snapshot()"; }

lh sql -m "create" "CREATE TABLE silver.items AS SELECT range AS id, 'v' || range AS v FROM range(50)"
good=$(snap)
sleep 1.1; t_good=$(value "SELECT strftime(now() AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S')"); sleep 1.1
lh sql -m "bad transform" "UPDATE silver.items SET v = 'broken' WHERE id < 4; DELETE FROM silver.items WHERE id >= 48; INSERT INTO silver.items SELECT 100 + range, 'new' FROM range(3)"
check "a multi-statement sql -m is one commit" test "$RC" -eq 0
bad=$(snap)
lh sql -m "schema change" "ALTER TABLE silver.items ADD COLUMN score DOUBLE DEFAULT 0.5"
lh sql -m "other table" "CREATE TABLE silver.other AS SELECT 1 AS x"
last=$(snap)

lh log silver.items --csv
check "log lists only the snapshots touching the table, newest first" \
  eval '[ $RC -eq 0 ] && [ "$(printf "%s\n" "$OUT" | tail -n +2 | cut -d, -f1 | tr "\n" " ")" = "$((last - 1)) $bad $good " ]'
lh diff silver.items "$good" "$bad" --json
check "diff counts equal the planted changes (3 inserted, 2 deleted, 4 updated)" \
  eval 'contains "$OUT" "\"inserted\": 3" && contains "$OUT" "\"deleted\": 2" && contains "$OUT" "\"updated\": 4"'
lh diff silver.items "$bad" "$last"
check "diff shows the added column" eval '[ $RC -eq 0 ] && printf "%s\n" "$OUT" | grep -q "^score  *added"'
lh show silver.items --version "$good" --csv --limit 1000
check "show --version N returns the rows at N" eval '[ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" -eq 50 ] && ! contains "$OUT" broken'
lh show silver.items --time "$t_good+00" --csv --limit 1000
check "show --time returns the state at that time" eval '[ $RC -eq 0 ] && [ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" -eq 50 ] && ! contains "$OUT" broken'
lh sql --csv "SELECT count(*) FROM silver.items AT (VERSION => $bad) WHERE v = 'broken'"
check "sql accepts AT (VERSION => n)" eval '[ "$(printf "%s" "$OUT" | tail -n1)" = 4 ]'

before=$(snapshot_count)
lh rollback silver.items --to 99999
check "rollback to a missing snapshot: refused, exit 2, no snapshot" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "does not exist" && [ "$(snapshot_count)" = "$before" ]'
lh rollback silver.other --to "$good"
check "rollback to before the table existed: refused" eval '[ $RC -eq 2 ] && contains "$ERR" "did not exist at snapshot $good"'
lh rollback silver.items --to "$good" -m "repair the bad transform" --json
check "rollback makes exactly one new snapshot (--json reports it)" \
  eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = "$((before + 1))" ] && contains "$OUT" "\"to\": $good"'
check "rows equal those at N (both EXCEPT ALL directions empty)" \
  eval '[ "$(value "SELECT (SELECT count(*) FROM (SELECT * FROM silver.items EXCEPT ALL SELECT * FROM silver.items AT (VERSION => $good))) + (SELECT count(*) FROM (SELECT * FROM silver.items AT (VERSION => $good) EXCEPT ALL SELECT * FROM silver.items))")" = 0 ]'
check "the column list equals that at N (score is gone)" \
  eval '[ "$(value "SELECT string_agg(column_name, '"'|'"' ORDER BY column_index) FROM duckdb_columns() WHERE database_name = '"'lake'"' AND schema_name = '"'silver'"' AND table_name = '"'items'"'")" = "id|v" ]'
check "the bad version stays readable by time travel" \
  eval '[ "$(value "SELECT count(*) FROM silver.items AT (VERSION => $bad) WHERE v = '"'broken'"'")" = 4 ]'
lh log silver.items --last 1
check "log shows the rollback with its message" eval 'contains "$OUT" "repair the bad transform"'
now=$(snap)
lh diff silver.items "$good" "$now" --json
check "diff across the rollback: no difference left" eval 'contains "$OUT" "\"inserted\": 0" && contains "$OUT" "\"deleted\": 0"'
lh show 'silver.items; DROP TABLE silver.items' --version 1
check "hostile table name in show: usage error" eval '[ $RC -eq 2 ]'
finish
