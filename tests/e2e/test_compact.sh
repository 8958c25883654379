#!/usr/bin/env bash
# compact: a table fed by many small commits (some inlined in the catalog, most one small
# Parquet file each, with an update and a delete among them) is compacted; it then has fewer
# data files and objects, no inlined rows, and every retained snapshot still time-travels to
# exactly the rows it had before compaction (EXCEPT ALL both ways against a copy taken
# before). A second compact finds nothing to do.
. "$(dirname "$0")/lib.sh"
start_storage
lh init
parquet_objects() { "$LAKEHOUSE_BIN" storage ls --csv lake/silver/feed/ | tail -n +2 | grep -c '\.parquet' ; }
{
  echo "CREATE TABLE silver.feed (id BIGINT, cam VARCHAR, score DOUBLE);"
  id=0
  for i in $(seq 1 40); do
    n=$(( (i * 37) % 91 + 3 )) # 3..93 rows: some commits inlined (<= 10 rows), most a file
    # BEGIN/COMMIT each: `sql` runs a script of several writes as one transaction otherwise
    echo "BEGIN; INSERT INTO silver.feed SELECT $id + range, 'cam' || ((range + $i) % 5), (range * $i) % 101 / 10.0 FROM range($n); COMMIT;"
    id=$((id + n))
    [ "$i" -ne 20 ] || echo "BEGIN; UPDATE silver.feed SET score = -1 WHERE id % 17 = 3; COMMIT;"
    [ "$i" -ne 30 ] || echo "BEGIN; DELETE FROM silver.feed WHERE id % 13 = 5; COMMIT;"
  done
} > "$FIXTURES/feed.sql"
lh sql -f "$FIXTURES/feed.sql"
check "40 small commits land" test "$RC" -eq 0
lh sql --csv "SELECT snapshot_id FROM lake.snapshots() WHERE snapshot_id >= (SELECT min(snapshot_id) FROM lake.snapshots() WHERE changes['tables_created'] IS NOT NULL) ORDER BY 1"
snaps=$(printf '%s\n' "$OUT" | tail -n +2)
# every retained snapshot's rows, copied aside before compaction
for s in $snaps; do
  echo "COPY (SELECT * FROM silver.feed AT (VERSION => $s)) TO '$FIXTURES/v$s.parquet' (FORMAT parquet);"
done | tail -n +2 > "$FIXTURES/before.sql" # the first is the CREATE: no rows yet
lh sql -f "$FIXTURES/before.sql"
check "snapshots copied aside before compaction" test "$RC" -eq 0
lh sql --csv "SELECT count(*) FROM lake.snapshots() WHERE map_contains(changes, 'inlined_insert')"
inlined_commits=$(printf '%s\n' "$OUT" | tail -n1)
check "some commits were inlined into the catalog (the flush has work)" test "$inlined_commits" -gt 0
lh sql --csv "SELECT sum(file_count) FROM ducklake_table_info('lake') WHERE table_name = 'feed'"
files_before=$(printf '%s\n' "$OUT" | tail -n1)
objects_before=$(parquet_objects)

lh compact silver.nosuch
check "compact of a missing table is a usage error naming it" eval '[ $RC -eq 2 ] && contains "$ERR" silver.nosuch'
lh compact silver.feed --json
check "compact silver.feed succeeds" test "$RC" -eq 0
json=$OUT
lh sql --csv "SELECT sum(file_count) FROM ducklake_table_info('lake') WHERE table_name = 'feed'"
files_after=$(printf '%s\n' "$OUT" | tail -n1)
objects_after=$(parquet_objects)
echo "     data files $files_before -> $files_after, parquet objects $objects_before -> $objects_after"
check "compaction reduces the live data files at least 4x" test $((files_after * 4)) -le "$files_before"
deleted=$(printf '%s' "$json" | sed -n 's/.*"files_deleted": \([0-9]*\).*/\1/p')
check "intermediate files no snapshot reads are deleted at once ($deleted)" test "${deleted:-0}" -gt 0
check "the report says what it did" eval 'contains "$json" "\"data_files_before\": $files_before" && contains "$json" "\"data_files_after\": $files_after" && ! contains "$json" "\"rows_flushed\": 0,"'
lh sql --csv "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_inlined_data_tables"
lh sql --csv "SELECT count(*) FROM lake.snapshots() WHERE map_contains(changes, 'flushed_inlined') AND commit_message LIKE 'compact:%'"
check "the flush is its own snapshot with a commit message" eval '[ "$(printf "%s" "$OUT" | tail -n1)" = 1 ]'

# every retained snapshot, before vs after: EXCEPT ALL both ways, one query per snapshot
for s in $(printf '%s\n' "$snaps" | tail -n +2); do
  echo "SELECT $s AS v, (SELECT count(*) FROM (FROM silver.feed AT (VERSION => $s) EXCEPT ALL FROM '$FIXTURES/v$s.parquet'))" \
       "+ (SELECT count(*) FROM (FROM '$FIXTURES/v$s.parquet' EXCEPT ALL FROM silver.feed AT (VERSION => $s))) AS differing,"\
       "(SELECT count(*) FROM '$FIXTURES/v$s.parquet') AS rows UNION ALL"
done > "$FIXTURES/after.sql"
echo "SELECT NULL, NULL, NULL WHERE false;" >> "$FIXTURES/after.sql"
lh sql --csv -f "$FIXTURES/after.sql"
bad=$(printf '%s\n' "$OUT" | awk -F, 'NR > 1 && $2 != 0' | head -3)
checked=$(printf '%s\n' "$OUT" | awk -F, 'NR > 1 && $2 == 0' | wc -l)
check "every retained snapshot ($checked of them) reads exactly its rows after compaction" \
  eval '[ $RC -eq 0 ] && [ -z "$bad" ] && [ "$checked" -eq $(( $(printf "%s\n" "$snaps" | wc -l) - 1 )) ]'
[ -z "$bad" ] || echo "     differing: $bad"
lh sql --csv "SELECT count(*) FROM silver.feed"
check "the current table still has every row" eval '[ "$(printf "%s" "$OUT" | tail -n1)" -gt 1000 ]'

lh expire --keep 1 --yes
check "after expire the bucket holds exactly the live files (rewritten-away ones deleted)" \
  eval '[ $RC -eq 0 ] && [ "$(parquet_objects)" -eq "$files_after" ]'
lh compact silver.feed
check "a second compact finds nothing to merge" eval '[ $RC -eq 0 ] && contains "$OUT" "0 data files merged"'
lh compact
check "compact without a table runs over all tables" eval '[ $RC -eq 0 ] && contains "$OUT" "all tables"'
finish
