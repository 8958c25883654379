#!/usr/bin/env bash
# Version control on the lake, end to end: a deliberately bad transform damages a table,
# `diff` shows the damage, `rollback` repairs it in a new snapshot, and time travel still
# shows the bad version. Runs on the embedded default (starts it when nothing answers).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${LAKEHOUSE_BIN:-}" ]; then # set by rebuild.sh and tests: already set up
  lh=$LAKEHOUSE_BIN
else
  scripts/bootstrap.sh
  scripts/build.sh >/dev/null
  lh=build/lakehouse
fi
$lh storage status >/dev/null 2>&1 || $lh storage start
$lh init
step() { printf '\n== %s\n' "$*"; }

step "a good table"
$lh sql -m "demo: create silver.demo_prices" \
  "CREATE OR REPLACE TABLE silver.demo_prices AS SELECT range AS item, round(10 + range * 1.5, 2) AS price FROM range(100)"
good=$($lh sql --csv "SELECT id FROM lake.current_snapshot()" | tail -n1)

step "a deliberately bad transform: prices of a third of the items multiplied by 100, two rows lost"
$lh sql -m "demo: bad price transform" \
  "UPDATE silver.demo_prices SET price = price * 100 WHERE item % 3 = 0; DELETE FROM silver.demo_prices WHERE item IN (7, 8)"
bad=$($lh sql --csv "SELECT id FROM lake.current_snapshot()" | tail -n1)

step "diff shows the damage (snapshot $good -> $bad)"
$lh diff silver.demo_prices "$good" "$bad" --sample 6

step "rollback repairs it, as a new snapshot"
$lh rollback silver.demo_prices --to "$good" -m "demo: undo the bad price transform"
$lh sql "SELECT count(*) AS rows, max(price) AS max_price FROM silver.demo_prices"

step "time travel still shows the bad version ($bad)"
$lh show silver.demo_prices --version "$bad" --limit 4
$lh log silver.demo_prices
