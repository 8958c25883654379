#!/usr/bin/env bash
# The evidence behind REPORT.md, written to EVIDENCE.md: rebuilds a lake offline in a temp
# folder on RustFS (the brief's object store: `rebuild.sh --store rustfs` runs the RustFS binary
# LAKEHOUSE_RUSTFS_BIN names, default ../shared/tools/rustfs/rustfs, on a free loopback port)
# and runs every command whose figures the report quotes, each printed before its full output,
# in the report's section order.
#   scripts/report-evidence.sh [--out FILE] [--store rustfs|embedded]
# --out    default: EVIDENCE.md in the repository root
# --store  rustfs (default): exit 2 when no RustFS binary is there, never another store instead;
#          embedded (versitygw) only when asked for, and the evidence then says so
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUTFILE=$ROOT/EVIDENCE.md store=rustfs RUSTFS_BIN=
while [ $# -gt 0 ]; do
  case $1 in
    --out) OUTFILE=${2:?--out FILE}; shift 2 ;;
    --store) store=${2:?--store rustfs|embedded}; shift 2 ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "report-evidence: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case $store in
  rustfs)
    RUSTFS_BIN=${LAKEHOUSE_RUSTFS_BIN:-$ROOT/../shared/tools/rustfs/rustfs}
    [ -x "$RUSTFS_BIN" ] || {
      echo "report-evidence: no RustFS binary at $RUSTFS_BIN: set LAKEHOUSE_RUSTFS_BIN (or pass --store embedded for versitygw, which the evidence then names)" >&2
      exit 2
    }
    RUSTFS_BIN=$(cd "$(dirname "$RUSTFS_BIN")" && pwd)/$(basename "$RUSTFS_BIN")
    export LAKEHOUSE_RUSTFS_BIN=$RUSTFS_BIN ;;
  embedded) ;;
  *) echo "report-evidence: --store wants rustfs or embedded, got '$store'" >&2; exit 2 ;;
esac
"$ROOT/scripts/bootstrap.sh" --test-tools >/dev/null
"$ROOT/scripts/build.sh" >/dev/null
W=$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-evidence-XXXXXX")
export LAKEHOUSE_BIN=$ROOT/build/lakehouse LAKEHOUSE_DATA_DIR=$W/data LAKEHOUSE_CATALOG=$W/metadata.ducklake
export LAKEHOUSE_LOCAL_STORE=$W/local-store AWS_ACCESS_KEY_ID=evidence AWS_SECRET_ACCESS_KEY="evidence-$RANDOM$RANDOM"
export AWS_ENDPOINT_URL=http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
unset LAKEHOUSE_BUCKET LAKEHOUSE_SQL_DIR S3_ENDPOINT
slow_pid=
# on any exit: the slow HTTP server, then the store (by its pid file should lakehouse itself fail)
cleanup() {
  [ -z "$slow_pid" ] || kill "$slow_pid" 2>/dev/null || true
  "$LAKEHOUSE_BIN" storage stop >/dev/null 2>&1 ||
    { [ ! -f "$W/data/s3.pid" ] || kill "$(cat "$W/data/s3.pid")" 2>/dev/null || true; sleep 2; }
  rm -rf "$W"
}
trap cleanup EXIT
cd "$W"
M=__ducklake_metadata_lake # DuckLake's catalog tables, as DuckDB attaches them
lh() { "$LAKEHOUSE_BIN" "$@"; }
# show CMD...: the command (paths shortened: lakehouse, $W, $ROOT) and its full output.
tidy() { sed "s|$LAKEHOUSE_BIN|lakehouse|g; ${RUSTFS_BIN:+s|$RUSTFS_BIN|rustfs|g;} s|$W|\$W|g; s|$ROOT/||g; s|${ROOT%/*}/|../|g"; }
# quoted ARGS...: the arguments as one would type them (double quotes around those that need them)
quoted() {
  local a out=
  for a; do
    case $a in
      lh) a=lakehouse ;;
      "${RUSTFS_BIN:-/no-rustfs}") a=rustfs ;;
      ''|*[[:space:]\'\"\$\*\;\(\)\|\<\>\&\#%]*) a="\"${a//\"/\\\"}\"" ;;
    esac
    out+="${out:+ }$a"
  done
  printf '%s' "$out"
}
show() { printf '\n$ %s\n' "$(quoted "$@")" | tidy; "$@" 2>&1 | tidy; }
note() { printf '\n# %s\n' "$*"; }
section() { [ -z "${in_block:-}" ] || printf '```\n'; printf '\n## %s\n\n```console' "$1"; in_block=1; echo "evidence: $1" >&2; }
csv1() { lh sql --csv "$1" | tail -n1; } # one value
lake_objects() { lh storage ls --csv lake/ | tail -n +2 | wc -l; }
now_ms() { date +%s%3N; }

{
cat <<EOF
# EVIDENCE: the commands behind REPORT.md and their full output

Written by \`scripts/report-evidence.sh\` (do not edit by hand) from commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`
on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU cores. \`\$W\` is the run's temp folder. Sections follow REPORT.md.
EOF
if [ "$store" = rustfs ]; then
  cat <<EOF

**Object store: RustFS.** Every bucket below is served by RustFS, the server binary
\`$(sed "s|^${ROOT%/*}/|../|" <<<"$RUSTFS_BIN")\` (\`rustfs\` below; its build is shown next), which \`rebuild.sh --store rustfs\`
starts through \`lakehouse storage start --server rustfs\` on a free loopback port, objects under
\`\$W/data/rustfs/data\`.
EOF
else
  cat <<EOF

**Object store: the embedded versitygw** (\`--store embedded\` was asked for), not RustFS.
EOF
fi
printf '\n```console\n$ lakehouse --version\n'; lh --version; in_block=1
if [ "$store" = rustfs ]; then
  # its version text also lists every later tag of the repository; the commit line is the build's
  printf '\n$ rustfs --version | grep -E "^(build time|build profile|rust version|git commit)"\n'
  "$RUSTFS_BIN" --version | grep -E "^(build time|build profile|rust version|git commit)"
  show sha256sum "$RUSTFS_BIN"
  show grep -E "^- (source|its one git)|^  \(" "$(dirname "$RUSTFS_BIN")/README.md"
fi

section "0. The lake: rebuilt from an empty bucket"
show "$ROOT/rebuild.sh" --yes --offline --store "$store"
show lh storage status

# ---------------------------------------------------------------------------------------------
section "1. Catalog + data files instead of one self-contained file; several readers at once"
show stat -c '%s bytes  %n' "$LAKEHOUSE_CATALOG"
lh storage ls --csv >"$W/objects.csv"
show lh sql "SELECT CASE WHEN key LIKE 'lake/%' THEN 'lake/ (Parquet of the tables)' ELSE 'assets/ (media objects)' END AS prefix,
  count(*) AS objects, sum(size) AS bytes FROM read_csv('$W/objects.csv', header = true) GROUP BY 1 ORDER BY 1"
show lh sql "SELECT (SELECT count(*) FROM $M.ducklake_data_file) AS data_files, (SELECT count(*) FROM $M.ducklake_snapshot) AS snapshots"
note "a query pinned to a snapshot keeps its answer while new commits land"
gold=$(csv1 "SELECT snapshot_id FROM $M.ducklake_snapshot_changes WHERE commit_message LIKE 'transform gold%'")
show lh sql "SELECT count(*) AS gold_rows_at_snapshot_$gold FROM gold.coco_train AT (VERSION => $gold)"
show lh sql -m "a later commit" "DELETE FROM gold.coco_train WHERE split = 'val'"
show lh sql "SELECT (SELECT count(*) FROM gold.coco_train AT (VERSION => $gold)) AS at_snapshot_$gold, (SELECT count(*) FROM gold.coco_train) AS now"
show lh rollback gold.coco_train --to "$gold" -m "undo the later commit"

note "DuckDB-file catalog: readers open it read-only and share it; a writer (here: sql with -m) needs it alone and"
note "waits (LAKEHOUSE_LOCK_TIMEOUT) or is refused. The first client, a reader, holds the lake while it reads a CSV"
note "from a local HTTP server that answers each GET after 4 s."
slow_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$slow_port" <<'PY' &
import http.server, sys, time
class Slow(http.server.BaseHTTPRequestHandler):
    body = b"a\n1\n"
    def head(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
    def do_HEAD(self):
        self.head()
    def do_GET(self):
        time.sleep(4)
        self.head()
        self.wfile.write(self.body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
PY
slow_pid=$!
sleep 0.5
printf '\n$ lakehouse sql "SELECT count(*) FROM read_csv(%s)" &    # first client: holds the catalog while it reads\n' "'http://127.0.0.1:$slow_port/slow.csv'"
lh sql "SELECT count(*) FROM read_csv('http://127.0.0.1:$slow_port/slow.csv')" >/dev/null &
busy=$!
sleep 1
printf '\n$ LAKEHOUSE_LOCK_TIMEOUT=1 lakehouse sql "SELECT 1"; echo "exit $?"    # a second reader\n'
out=$(LAKEHOUSE_LOCK_TIMEOUT=1 lh sql "SELECT 1" 2>&1) && rc=0 || rc=$?
printf '%s\nexit %s\n' "$out" "$rc" | tidy
printf '\n$ LAKEHOUSE_LOCK_TIMEOUT=1 lakehouse sql -m "a writer" "SELECT 1"; echo "exit $?"\n'
out=$(LAKEHOUSE_LOCK_TIMEOUT=1 lh sql -m "a writer" "SELECT 1" 2>&1) && rc=0 || rc=$?
printf '%s\nexit %s\n' "$out" "$rc" | tidy
t0=$(now_ms)
printf '\n$ LAKEHOUSE_LOCK_TIMEOUT=120 lakehouse sql -m "a writer" --csv "SELECT %s AS note"\n' "'the writer got in after waiting'"
LAKEHOUSE_LOCK_TIMEOUT=120 lh sql -m "a writer" --csv "SELECT 'the writer got in after waiting' AS note" 2>&1 | tidy
echo "(waited and ran: $(($(now_ms) - t0)) ms)"
wait "$busy"
kill "$slow_pid"; wait "$slow_pid" 2>/dev/null || true; slow_pid=

note "SQLite catalog (many processes at once): one writer commits 10 rows to raw.a AND raw.b per snapshot,"
note "two readers count both tables in a loop meanwhile; a reader must never see a half commit (a != b)"
(
  export LAKEHOUSE_CATALOG=sqlite:$W/readers.sqlite LAKEHOUSE_BUCKET=readers LAKEHOUSE_LOCK_TIMEOUT=120
  show lh init
  show lh sql -m "tables a and b" "CREATE TABLE raw.a (i INTEGER); CREATE TABLE raw.b (i INTEGER)"
  reader() {
    while [ ! -e "$W/stop" ]; do
      lh sql --csv "SELECT (SELECT count(*) FROM raw.a) AS a, (SELECT count(*) FROM raw.b) AS b" 2>/dev/null | tail -n +2 >>"$W/reads-$1"
    done
  }
  reader 1 & r1=$!
  reader 2 & r2=$!
  printf '\n$ for i in $(seq 12); do lakehouse sql -m "pair $i" "INSERT INTO raw.a SELECT range FROM range(10); INSERT INTO raw.b SELECT range FROM range(10)"; done\n'
  for i in $(seq 12); do
    lh sql -m "pair $i" "INSERT INTO raw.a SELECT range FROM range(10); INSERT INTO raw.b SELECT range FROM range(10)" >/dev/null
    [ "$i" != 3 ] || pinned=$(csv1 "SELECT id FROM lake.current_snapshot()")
  done
  touch "$W/stop"; wait "$r1" "$r2"
  cat "$W"/reads-* >"$W/reads.csv"
  show lh sql "SELECT count(*) AS reads, count(*) FILTER (WHERE a <> b) AS half_commits_seen, count(DISTINCT a) AS distinct_states_seen, min(a) AS min_a, max(a) AS max_a
    FROM read_csv('$W/reads.csv', header = false, columns = {'a': 'BIGINT', 'b': 'BIGINT'})"
  show lh sql "SELECT count(*) AS a_at_snapshot_$pinned FROM raw.a AT (VERSION => $pinned)"
)

# ---------------------------------------------------------------------------------------------
section "2. Snapshots, time travel, rollback, and what keeping every snapshot costs"
show lh snapshots
note "a separate lake (own catalog and bucket) for one table of 100,000 rows, updated 1 % at a time"
export LAKEHOUSE_CATALOG=$W/curve.ducklake LAKEHOUSE_BUCKET=curve
show lh init
show lh sql -m "curve: 100,000 rows" "CREATE TABLE silver.curve AS SELECT range AS id, hash(range) % 1000000 AS v, 'row ' || range AS label FROM range(100000)"
created=$(csv1 "SELECT id FROM lake.current_snapshot()")
update() { echo "BEGIN; UPDATE silver.curve SET v = v + 1 WHERE id % 100 = $1; COMMIT;"; } # one commit each (a script of several writes is otherwise one transaction)
files_q="SELECT 'data' AS kind, data_file_id AS id, record_count AS rows, file_size_bytes AS bytes, begin_snapshot, end_snapshot FROM $M.ducklake_data_file WHERE table_id = (SELECT table_id FROM $M.ducklake_table WHERE table_name = 'curve' AND end_snapshot IS NULL)
  UNION ALL SELECT 'delete', delete_file_id, delete_count, file_size_bytes, begin_snapshot, end_snapshot FROM $M.ducklake_delete_file
  ORDER BY begin_snapshot, kind"
# curve_row LABEL: live vs old-only bytes and files, catalog size, what the bucket holds
curve_row() {
  lh storage ls --csv lake/ >"$W/curve-objects.csv"
  local catalog_bytes; catalog_bytes=$(stat -c %s "$W/curve.ducklake")
  printf '\n$ lakehouse storage ls --csv lake/ > $W/curve-objects.csv; stat -c %%s $W/curve.ducklake   → %s\n' "$catalog_bytes"
  show lh sql "WITH f AS (SELECT file_size_bytes AS b, end_snapshot AS e FROM $M.ducklake_data_file UNION ALL SELECT file_size_bytes, end_snapshot FROM $M.ducklake_delete_file),
    bucket AS (SELECT count(*) AS n, sum(size) AS s FROM read_csv('$W/curve-objects.csv', header = true)),
    catalog AS (SELECT (SELECT count(*) FROM $M.ducklake_snapshot WHERE snapshot_id > 0) AS snapshots, (SELECT count(*) FROM $M.ducklake_snapshot) + (SELECT count(*) FROM $M.ducklake_snapshot_changes)
      + (SELECT count(*) FROM $M.ducklake_data_file) + (SELECT count(*) FROM $M.ducklake_delete_file) + (SELECT count(*) FROM $M.ducklake_file_column_stats) AS rows)
  SELECT '$1' AS state, any_value(catalog.snapshots) AS snapshots,
    count(*) FILTER (WHERE e IS NULL) AS live_files, coalesce(sum(b) FILTER (WHERE e IS NULL), 0) AS live_bytes,
    count(*) FILTER (WHERE e IS NOT NULL) AS old_only_files, coalesce(sum(b) FILTER (WHERE e IS NOT NULL), 0) AS old_only_bytes,
    any_value(bucket.n) AS bucket_objects, any_value(bucket.s) AS bucket_bytes,
    any_value(bucket.s) - coalesce(sum(b), 0) AS awaiting_cleanup_bytes,
    round((any_value(bucket.s) - coalesce(sum(b), 0)) / sum(b) FILTER (WHERE e IS NULL), 1) AS cleanup_per_live_byte,
    $catalog_bytes AS catalog_file_bytes, any_value(catalog.rows) AS catalog_rows
  FROM f, bucket, catalog"
}
curve_row "K=0"
show lh sql "$(update 0)"
note "the data-file rows across one update: the old file stays, a delete file and a new file join"
show lh sql "$files_q"
show lh sql "SELECT (SELECT sum(v) FROM silver.curve AT (VERSION => $created)) AS sum_v_at_snapshot_$created, (SELECT sum(v) FROM silver.curve) AS sum_v_now"
note "time travel by timestamp: the snapshot current at that time (here the creation's own time)"
created_at=$(csv1 "SELECT snapshot_time FROM $M.ducklake_snapshot WHERE snapshot_id = $created")
show lh sql "SELECT sum(v) AS sum_v_at_time FROM silver.curve AT (TIMESTAMP => TIMESTAMPTZ '$created_at')"
curve_row "K=1"
printf '\n$ lakehouse sql "UPDATE ... WHERE id %% 100 = 1; ... = 9;"   (9 more updates of 1,000 rows, one snapshot each)\n'
lh sql "$(for k in $(seq 1 9); do update "$k"; done)" >/dev/null
curve_row "K=10"
note "a second delete on a data file writes a new delete file holding every deleted position with the snapshot"
note "that deleted it; the catalog row of the one it supersedes moves to ducklake_files_scheduled_for_deletion at once"
live_delete=$(lh sql --csv "SELECT delete_file FROM ducklake_list_files('lake', 'curve', schema => 'silver') WHERE delete_file IS NOT NULL" | tail -n +2)
show lh sql "SELECT _ducklake_internal_snapshot_id AS deleted_at_snapshot, count(*) AS positions FROM read_parquet('$live_delete') GROUP BY 1 ORDER BY 1"
show lh sql "SELECT count(*) AS scheduled_for_deletion, min(schedule_start) AS first, max(schedule_start) AS last FROM $M.ducklake_files_scheduled_for_deletion"
printf '\n$ lakehouse sql "UPDATE ... WHERE id %% 100 = 10; ... = 99;"   (90 more updates of 1,000 rows, one snapshot each)\n'
lh sql "$(for k in $(seq 10 99); do update "$k"; done)" >/dev/null
curve_row "K=100"
note "those superseded delete files are reclaimed by cleanup alone (ducklake_cleanup_old_files), every snapshot kept"
show lh sql "SELECT count(*) AS scheduled_for_deletion FROM $M.ducklake_files_scheduled_for_deletion"
show lh gc --yes --min-age 0
curve_row "K=100, cleaned up"
note "rollback: a new snapshot whose table content is the one of snapshot $created"
show lh rollback silver.curve --to "$created" -m "back to the table as created"
show lh sql "SELECT CASE WHEN end_snapshot IS NULL THEN 'live' ELSE 'old snapshots only' END AS state, count(*) AS data_files, sum(record_count) AS rows,
  sum(file_size_bytes) AS bytes, min(begin_snapshot) AS first_begin, max(begin_snapshot) AS last_begin FROM $M.ducklake_data_file GROUP BY 1 ORDER BY 1"
show lh sql "SELECT (SELECT sum(v) FROM silver.curve AT (VERSION => $created)) AS sum_v_at_snapshot_$created, (SELECT sum(v) FROM silver.curve) AS sum_v_now"
curve_row "rolled back"
show lh expire --keep 1 --yes
curve_row "expired"
show lh gc --yes --min-age 0
curve_row "gc"
export LAKEHOUSE_CATALOG=$W/metadata.ducklake
unset LAKEHOUSE_BUCKET

# ---------------------------------------------------------------------------------------------
section "3. Quality gates instead of keys and constraints"
show ls "$ROOT/sql/checks"
show grep -c '^-- @check' "$ROOT"/sql/checks/20_silver.sql "$ROOT"/sql/checks/30_gold.sql
cp -r "$ROOT/sql" "$W/sql-bug"
sed -i 's/WHERE nth_of_id = 1)/WHERE true)/; s/^WHERE nth_of_content = 1;/;/' "$W/sql-bug/20_silver.sql"
show diff "$ROOT/sql/20_silver.sql" "$W/sql-bug/20_silver.sql" || true
show lh sql --csv "SELECT count(*) AS snapshots FROM lake.snapshots()"
show lh sql "INSERT INTO raw.coco_images SELECT * FROM raw.coco_images LIMIT 1" -m "a duplicated image row"
show env LAKEHOUSE_SQL_DIR="$W/sql-bug" "$LAKEHOUSE_BIN" transform silver || true
show lh sql --csv "SELECT count(*) AS snapshots FROM lake.snapshots()"
show lh transform silver
show lh sql "SELECT count(*) AS image_rows, count(DISTINCT image_id) AS image_ids FROM silver.coco_images"

# ---------------------------------------------------------------------------------------------
section "4. One INSERT traced to bytes"
ingest=$(csv1 "SELECT snapshot_id FROM $M.ducklake_snapshot_changes WHERE commit_message LIKE 'ingest coco from fixtures/coco-detection%'")
show lh trace raw.coco_images --snapshot "$ingest"
note "the same object as the store sees it: a HEAD, then where the server keeps it on its disk"
object_uri=$(lh sql --csv "SELECT data_file FROM ducklake_list_files('lake', 'coco_images', schema => 'raw', snapshot_version => $ingest)" | tail -n +2)
show lh storage stat "$object_uri"
if [ "$store" = rustfs ]; then store_dir=$W/data/rustfs/data; else store_dir=$W/data/objects; fi
object_dir=$store_dir/${object_uri#s3://}
show find "$object_dir" -printf '%y %6s bytes  %P\n'
printf '\n$ grep -a -o PAR1 ... | wc -l    # Parquet magic (head and tail of the file) inside what the server stores\n'
find "$object_dir" -type f -exec cat {} + | grep -a -o PAR1 | wc -l
show lh sql -m "create raw.readings" "CREATE TABLE raw.readings (sensor VARCHAR, t TIMESTAMP, value DOUBLE)"
show lh sql -m "one reading" "INSERT INTO raw.readings VALUES ('s1', TIMESTAMP '2026-01-01 00:00:00', 20.5)"
show lh trace raw.readings
show lh sql -m "10,000 readings" "INSERT INTO raw.readings SELECT 's' || (range % 7), TIMESTAMP '2026-01-01' + INTERVAL (range) SECOND, range / 10 FROM range(10000)"
show lh trace raw.readings

# ---------------------------------------------------------------------------------------------
section "5. A SQL catalog instead of metadata files: what one commit writes and costs"
catalog_rows_q="SELECT (SELECT count(*) FROM $M.ducklake_snapshot) + (SELECT count(*) FROM $M.ducklake_snapshot_changes) + (SELECT count(*) FROM $M.ducklake_data_file) + (SELECT count(*) FROM $M.ducklake_file_column_stats) + (SELECT count(*) FROM $M.ducklake_table_stats)"
# commit_cost LABEL SQL: objects and catalog rows that one commit adds
commit_cost() {
  local o0 r0
  o0=$(lake_objects); r0=$(csv1 "$catalog_rows_q")
  lh sql -m "$1" "$2" >/dev/null
  printf '%-22s objects_written %s  catalog_rows_added %s\n' "$1" $(($(lake_objects) - o0)) $(($(csv1 "$catalog_rows_q") - r0))
}
one="INSERT INTO raw.readings VALUES ('s1', TIMESTAMP '2026-01-02 00:00:00', 21.0)"
many="INSERT INTO raw.readings SELECT 's' || (range % 7), TIMESTAMP '2026-01-02' + INTERVAL (range) SECOND, range / 10 FROM range(10000)"
printf '\n$ # catalog rows = snapshot + snapshot_changes + data_file + file_column_stats + table_stats rows\n'
printf '$ lakehouse sql -m ... "%s"\n' "$one"
commit_cost "1-row insert" "$one"
printf '$ lakehouse sql -m ... "%s"\n' "$many"
commit_cost "10,000-row insert" "$many"
note "commit time inside one process (no start-up): each statement is its own transaction and snapshot;"
note "get_current_timestamp() is the start of the statement's transaction, so consecutive stamps time the commit between"
clock="CREATE TEMP TABLE clock (round INTEGER, what VARCHAR, ts TIMESTAMPTZ);"
for i in $(seq 7); do
  clock+=" INSERT INTO clock VALUES ($i, 'start', get_current_timestamp()); $one; INSERT INTO clock VALUES ($i, '1-row insert', get_current_timestamp());"
  clock+=" $many; INSERT INTO clock VALUES ($i, '10,000-row insert', get_current_timestamp());"
done
clock+=" SELECT what, count(*) AS commits, median(ms) AS median_ms, min(ms) AS min_ms, max(ms) AS max_ms
  FROM (SELECT what, epoch_ms(ts) - epoch_ms(lag(ts) OVER (PARTITION BY round ORDER BY ts)) AS ms FROM clock) WHERE ms IS NOT NULL GROUP BY what ORDER BY what"
show lh sql "$clock"
note "the gold transform: two tables in one snapshot (one catalog transaction)"
show lh sql "SELECT snapshot_id, changes_made, commit_message FROM $M.ducklake_snapshot_changes WHERE snapshot_id = $gold"
show lh sql "SELECT t.table_name, count(*) AS data_files, sum(f.record_count) AS rows, sum(f.file_size_bytes) AS bytes FROM $M.ducklake_data_file f JOIN $M.ducklake_table t USING (table_id)
  WHERE f.begin_snapshot = $gold GROUP BY 1 ORDER BY 1"
note "planning a scan of a table at a snapshot: one catalog query lists its files (no metadata-file chain)"
show lh sql "SELECT f.path, f.record_count, f.file_size_bytes FROM $M.ducklake_data_file f JOIN $M.ducklake_table t USING (table_id)
  WHERE t.table_name = 'coco_train' AND f.begin_snapshot <= $gold AND (f.end_snapshot IS NULL OR f.end_snapshot > $gold)"

# ---------------------------------------------------------------------------------------------
section "6. Image and video bytes outside the tables; the fragment index"
show lh sql "SELECT image_id, image_uri, width, height FROM silver.coco_images ORDER BY image_id LIMIT 2"
show lh sql "SELECT clip_uri, fragment_id, start_frame, end_frame, byte_offset, byte_length, n_objects FROM silver.visdrone_fragments ORDER BY n_objects DESC, clip_uri, fragment_id LIMIT 4"
show lh query busy-fragments
show lh fetch --dry-run --sql "SELECT clip_uri, fragment_id FROM silver.visdrone_fragments ORDER BY n_objects DESC, clip_uri, fragment_id LIMIT 2"
show lh fetch --sql "SELECT clip_uri, fragment_id FROM silver.visdrone_fragments ORDER BY n_objects DESC, clip_uri, fragment_id LIMIT 2" --out "$W/frag"
note "the clips above last 4 s; a 60 s clip (1,800 generated frames, same generator) in a lake of its own:"
note "the busiest one-second fragment against the whole clip"
show "$ROOT/.deps/venv/bin/python" "$ROOT/tests/tools/make_visdrone.py" --out "$W/long" --owner long --sequences 1 --frames 1800 --seed 11
(
  export LAKEHOUSE_CATALOG=$W/long.ducklake LAKEHOUSE_BUCKET=long
  show lh init
  show lh ingest visdrone --from "$W/long/long/visdrone-mot" --split val
  show lh transform silver
  show lh sql "SELECT count(*) AS fragments, min(end_time - start_time) AS fragment_seconds, sum(byte_length) AS fragment_bytes FROM silver.visdrone_fragments"
  show lh fetch --dry-run --sql "SELECT clip_uri, fragment_id FROM silver.visdrone_fragments ORDER BY n_objects DESC, fragment_id LIMIT 1"
  note "the catalog keeps min/max per column per data file of the index: a filter no file can match reads no file"
  show lh sql "SELECT f.data_file_id, f.record_count, c.column_name, s.min_value, s.max_value FROM $M.ducklake_file_column_stats s
    JOIN $M.ducklake_data_file f USING (data_file_id) JOIN $M.ducklake_table t ON t.table_id = f.table_id AND t.end_snapshot IS NULL
    JOIN $M.ducklake_schema sc ON sc.schema_id = t.schema_id AND sc.end_snapshot IS NULL
    JOIN $M.ducklake_column c ON c.table_id = s.table_id AND c.column_id = s.column_id AND c.end_snapshot IS NULL
    WHERE sc.schema_name = 'silver' AND t.table_name = 'visdrone_fragments' AND f.end_snapshot IS NULL AND c.column_name IN ('n_objects', 'start_frame') ORDER BY 1, 3"
  for limit in 500 1000; do
    printf '\n$ lakehouse sql "EXPLAIN SELECT clip_uri, fragment_id FROM silver.visdrone_fragments WHERE n_objects > %s" | grep -oE "EMPTY_RESULT|[A-Z_]*SCAN[A-Z_]*|Files: [0-9/]+"\n' "$limit"
    lh sql "EXPLAIN SELECT clip_uri, fragment_id FROM silver.visdrone_fragments WHERE n_objects > $limit" | grep -oE "EMPTY_RESULT|[A-Z_]*SCAN[A-Z_]*|Files: [0-9/]+" || true
  done
)
printf '```\n'
} >"$OUTFILE.tmp"
mv "$OUTFILE.tmp" "$OUTFILE"
echo "evidence: wrote $OUTFILE" >&2
