#!/usr/bin/env bash
# Separation proof: the catalog lives in a local DuckDB file and records the snapshots; the
# table bytes live in the bucket as Parquet. Both cases: a file big enough to be written as
# Parquet, and a <= 10-row insert that DuckLake inlines into the catalog (no object at all).
. "$(dirname "$0")/lib.sh"

start_storage
lh init
check "lake initialised" test "$RC" -eq 0

make_parquet "$FIXTURES/big.parquet" 20000
lh land raw.big "$FIXTURES/big.parquet" -m "big drop"
check "landed 20000 rows" eval '[ $RC -eq 0 ] && contains "$OUT" "landed 20000 rows"'
snap=$(printf '%s' "$OUT" | sed -n 's/.*snapshot \([0-9]*\).*/\1/p')

check "catalog file exists locally" test -s "$WORK/metadata.ducklake"
lh sql --csv "SELECT snapshot_id FROM __ducklake_metadata_lake.ducklake_snapshot WHERE snapshot_id = $snap"
check "catalog file records the snapshot" eval '[ "$(printf "%s" "$OUT" | tail -n1)" = "$snap" ]'
lh sql --csv "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_data_file WHERE begin_snapshot = $snap"
check "catalog lists one data file for that snapshot" eval '[ "$(printf "%s" "$OUT" | tail -n1)" = "1" ]'

lh sql --csv "SELECT data_file, data_file_size_bytes FROM ducklake_list_files('lake', 'big', schema => 'raw')"
files=$(printf '%s\n' "$OUT" | tail -n +2)
check "ducklake_list_files names data files under s3://lakehouse/lake/" \
  eval '[ -n "$files" ] && ! printf "%s\n" "$files" | grep -qv "^s3://lakehouse/lake/raw/big/.*\.parquet,"'
lh storage ls --csv lake/
listing=$OUT
all_agree=1
while IFS=, read -r uri size; do
  key=${uri#s3://lakehouse/}
  listed=$(printf '%s\n' "$listing" | grep -F "$key," | cut -d, -f2)
  lh storage stat --json "$key"
  headed=$(printf '%s' "$OUT" | sed -n 's/.*"size": \([0-9]*\).*/\1/p')
  if [ "$listed" != "$size" ] || [ "$headed" != "$size" ]; then
    all_agree=0
    echo "  $key: catalog $size, LIST ${listed:-missing}, HEAD ${headed:-missing}"
  fi
done <<<"$files"
check "every listed data file is in the bucket; LIST, HEAD and catalog agree on size" test "$all_agree" -eq 1

objects_before=$(printf '%s\n' "$listing" | grep -c '\.parquet,')
printf 'id,label\n1,a\n2,b\n3,c\n' > "$FIXTURES/tiny.csv"
lh land raw.tiny "$FIXTURES/tiny.csv" -m "tiny drop"
tiny_snap=$(printf '%s' "$OUT" | sed -n 's/.*snapshot \([0-9]*\).*/\1/p')
check "tiny landing made a snapshot" eval '[ $RC -eq 0 ] && [ -n "$tiny_snap" ]'
lh sql --csv "SELECT changes_made FROM __ducklake_metadata_lake.ducklake_snapshot_changes WHERE snapshot_id = $tiny_snap"
check "a 3-row insert is inlined into the catalog" eval 'contains "$OUT" "inlined_insert"'
lh storage ls --csv lake/
check "inlined rows add no object to the bucket" \
  eval '[ "$(printf "%s\n" "$OUT" | grep -c "\.parquet,")" = "$objects_before" ]'
lh sql --csv "SELECT string_agg(label, '' ORDER BY id) FROM raw.tiny"
check "inlined rows read back" eval '[ "$(printf "%s" "$OUT" | tail -n1)" = "abc" ]'

lh trace raw.big --json
check "trace: the snapshot that inserted, a data-file key a HEAD finds with the catalog's size and the footer's row count" \
  eval '[ $RC -eq 0 ] && printf "%s" "$OUT" | python3 -c "
import json, sys
d = json.load(sys.stdin)
f, o = d[\"data_files\"][0], d[\"objects\"][0]
ok = d[\"snapshot\"] == $snap and o[\"found\"] and o[\"size\"] == int(f[\"file_size_bytes\"]) and o[\"footer_rows\"] == 20000 and f[\"uri\"].endswith(o[\"key\"])
sys.exit(0 if ok else 1)"'
lh trace raw.tiny
check "trace of an inlined insert says there is no object" eval '[ $RC -eq 0 ] && contains "$OUT" "inlined into the catalog"'
check "trace names the DuckDB catalog file with its size" \
  eval 'contains "$OUT" "catalog: DuckDB file $WORK/metadata.ducklake (" && contains "$OUT" " bytes)"'

strays=$(find "$WORK" -path "$LAKEHOUSE_DATA_DIR" -prune -o -name '*.parquet' -print)
check "no Parquet file sits next to the catalog" test -z "$strays"
check "no local data folder next to the catalog" test ! -e "$WORK/metadata.ducklake.files"
objects=$(find "$S3_OBJECTS/lakehouse/lake" -name '*.parquet' | wc -l)
check "the Parquet bytes are the object store's (its data dir holds them)" test "$objects" -ge 1
finish
