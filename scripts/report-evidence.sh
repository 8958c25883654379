#!/usr/bin/env bash
# The evidence behind REPORT.md: rebuilds a lake offline in a temp folder (own embedded S3
# server) and runs every command the report quotes, printing each command before its output.
#   scripts/report-evidence.sh > evidence.txt
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/bootstrap.sh" --test-tools >/dev/null
"$ROOT/scripts/build.sh" >/dev/null
W=$(mktemp -d /tmp/lakehouse-evidence-XXXXXX)
export LAKEHOUSE_BIN=$ROOT/build/lakehouse LAKEHOUSE_DATA_DIR=$W/data LAKEHOUSE_CATALOG=$W/metadata.ducklake
export LAKEHOUSE_LOCAL_STORE=$W/local-store AWS_ACCESS_KEY_ID=evidence AWS_SECRET_ACCESS_KEY="evidence-$RANDOM$RANDOM"
export AWS_ENDPOINT_URL=http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap '"$LAKEHOUSE_BIN" storage stop >/dev/null 2>&1; rm -rf "$W"' EXIT
lh() { "$LAKEHOUSE_BIN" "$@"; }
show() { printf '\n$ %s\n' "$*" | sed "s|$LAKEHOUSE_BIN|lakehouse|; s|$W|\$W|g"; "$@" 2>&1 | sed "s|$W|\$W|g"; }

show "$ROOT/rebuild.sh" --yes --offline
echo; echo "# 1. where an INSERT lives"
show lh trace raw.coco_images
echo; echo "# 2. snapshots"
show lh snapshots
echo; echo "# 3. catalog size vs data bytes"
show stat -c '%s bytes  %n' "$LAKEHOUSE_CATALOG"
lh storage ls --csv >"$W/objects.csv"
show lh sql "SELECT CASE WHEN key LIKE 'lake/%' THEN 'lake/ (Parquet of the tables)' ELSE 'assets/ (media objects)' END AS prefix,
  count(*) AS objects, sum(size) AS bytes FROM read_csv('$W/objects.csv', header = true) GROUP BY 1 ORDER BY 1"
show lh sql "SELECT (SELECT count(*) FROM __ducklake_metadata_lake.ducklake_data_file) AS data_files,
  (SELECT count(*) FROM __ducklake_metadata_lake.ducklake_snapshot) AS snapshots, (SELECT count(*) FROM duckdb_tables() WHERE database_name = '__ducklake_metadata_lake') AS catalog_tables"
echo; echo "# 4. what keeping old snapshots retains"
show lh sql "SELECT sum(file_size_bytes) FILTER (WHERE end_snapshot IS NULL) AS live_bytes,
  sum(file_size_bytes) FILTER (WHERE end_snapshot IS NOT NULL) AS bytes_only_old_snapshots_need,
  count(*) FILTER (WHERE end_snapshot IS NOT NULL) AS files_only_old_snapshots_need
  FROM __ducklake_metadata_lake.ducklake_data_file"
show lh expire --keep 1
echo; echo "# 5. fragment over-read"
show lh fetch --dry-run --sql "SELECT clip_uri, fragment_id FROM silver.visdrone_fragments ORDER BY n_objects DESC, clip_uri, fragment_id LIMIT 2"
show lh fetch --sql "SELECT clip_uri, fragment_id FROM silver.visdrone_fragments ORDER BY n_objects DESC, clip_uri, fragment_id LIMIT 2" --out "$W/frag"
echo; echo "# 6. quality gates instead of constraints"
cp -r "$ROOT/sql" "$W/sql-bug"
sed -i 's/WHERE nth_of_id = 1)/WHERE true)/; s/^WHERE nth_of_content = 1;/;/' "$W/sql-bug/20_silver.sql"
show lh sql --csv "SELECT count(*) AS snapshots FROM lake.snapshots()"
show lh sql "INSERT INTO raw.coco_images SELECT * FROM raw.coco_images LIMIT 1" -m "a duplicated image row"
LAKEHOUSE_SQL_DIR=$W/sql-bug show lh transform silver || true
show lh sql --csv "SELECT count(*) AS snapshots FROM lake.snapshots()"
show lh transform silver
echo; echo "# 7. two clients on a DuckDB-file catalog"
lh sql "SELECT count(*) FROM range(1500000000) t(x) WHERE x % 7 = 3" >/dev/null &
sleep 1
LAKEHOUSE_LOCK_TIMEOUT=1 show lh sql "SELECT 1" || true
show lh sql --csv "SELECT 'second client got in after waiting' AS note"
wait
