#!/usr/bin/env bash
# rebuild.sh --yes --offline, twice, from the same (emptied) bucket: identical gold tables
# (checksums) and identical media object keys; the summary names every step.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)
export LAKEHOUSE_CATALOG=$WORK/metadata.ducklake LAKEHOUSE_LOCAL_STORE=$WORK/local-store
export LAKEHOUSE_BIN
# rebuild.sh starts the embedded server itself: versitygw, or RustFS with --store rustfs (the
# main job on RustFS); s3s-fs is started here.
store=()
case $S3_SERVER in
  s3s-fs) start_storage ;;
  rustfs) store=(--store rustfs); export LAKEHOUSE_RUSTFS_BIN=$LAKEHOUSE_TEST_RUSTFS ;;
esac
run_rebuild() {
  "$ROOT/rebuild.sh" --offline --publish e2e/rebuilt "${store[@]}" "$@" >"$WORK/rebuild.out" 2>"$WORK/rebuild.err"
  RC=$?
  OUT=$(cat "$WORK/rebuild.out"); ERR=$(cat "$WORK/rebuild.err")
}
gold_sums() { grep '^checksum ' "$WORK/rebuild.out"; }
object_keys() { "$LAKEHOUSE_BIN" storage ls --csv assets/ | tail -n +2 | cut -d, -f1 | sort; }
lake_files() { # DuckLake names data files by UUID: compare what each holds, not the names
  "$LAKEHOUSE_BIN" sql --csv "SELECT count(*), sum(record_count) FROM __ducklake_metadata_lake.ducklake_data_file WHERE end_snapshot IS NULL" | tail -n1
}

run_rebuild </dev/null
check "without --yes and no terminal: refuses, deletes nothing (exit 2)" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "--yes" && [ ! -e "$LAKEHOUSE_CATALOG" ]'
run_rebuild --yes
check "first rebuild succeeds and prints a summary" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "elapsed total" && contains "$OUT" "snapshots "'
check "offline: it says so and ingests through the local Hub emulator" \
  eval 'contains "$ERR" "offline: generated fixtures served by the local Hub emulator"'
every_step_timed() { local s; for s in reset init ingest "silver and gold" "version demo" publish; do contains "$OUT" "elapsed $s" || return 1; done; }
check "every step is timed" every_step_timed
check "gold tables have rows and checksums" eval '[ "$(gold_sums | wc -l)" -eq 2 ] && ! gold_sums | grep -q ",0,"'
sums1=$(gold_sums); keys1=$(object_keys); files1=$(lake_files)
[ "$S3_SERVER" != rustfs ] || check "--store rustfs: the rebuild ran on RustFS it started" \
  eval 'contains "$OUT" "embedded   rustfs running" && [ -d "$S3_OBJECTS/lakehouse/assets" ]'
check "published to the emulator" eval 'contains "$OUT" "published http://127.0.0.1"'
lh sql -m "noise" "CREATE TABLE raw.noise AS SELECT 1 AS x"
run_rebuild --yes
check "second rebuild succeeds" eval '[ $RC -eq 0 ]'
check "identical gold contents (checksums)" eval '[ "$(gold_sums)" = "$sums1" ]'
diff <(echo "$keys1") <(object_keys) | head -8 # on a failure: which keys differ
diff <(echo "$sums1") <(gold_sums)
check "identical media object keys ($(echo "$keys1" | wc -l) keys)" eval '[ "$(object_keys)" = "$keys1" ] && grep -q "^assets/visdrone/clips/" <<<"$keys1"'
check "same number of live data files and rows in them ($files1)" eval '[ "$(lake_files)" = "$files1" ]'
check "the reset removed what was there before (no raw.noise)" \
  eval '! "$LAKEHOUSE_BIN" sql --csv "SELECT 1 FROM raw.noise" >/dev/null 2>&1'
finish
