#!/usr/bin/env bash
# Versioning beyond DuckLake: a bad multi-table transform undone with ONE
# `rollback --all`, schema-scoped rollback, tags (time travel, diff, expire keeps them, a race
# on a SQLite catalog), media-aware diff after deletes and gc, and expire/gc after renames,
# replaces and restores (DuckLake's data-loss reports 527/529/530 reproduced against our verbs).
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 12 --train 4 --crowds 1 >/dev/null
start_hub "$FIXTURES/hub"
start_storage
lh init
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
lh transform all
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
snap() { value "SELECT id FROM lake.current_snapshot()"; }
M=__ducklake_metadata_lake
# "schema.table" lines of the lake at snapshot $1 (user schemas), from the catalog
tables_at() {
  "$LAKEHOUSE_BIN" sql --csv "SELECT s.schema_name || '.' || t.table_name FROM $M.ducklake_table t JOIN $M.ducklake_schema s ON s.schema_id = t.schema_id AND s.begin_snapshot <= $1 AND (s.end_snapshot IS NULL OR s.end_snapshot > $1) WHERE t.begin_snapshot <= $1 AND (t.end_snapshot IS NULL OR t.end_snapshot > $1) AND s.schema_name <> 'lakehouse' ORDER BY 1" | tail -n +2
}
# rows differing between the table now and at snapshot $2 (EXCEPT ALL both ways)
differing() { value "SELECT (SELECT count(*) FROM (SELECT * FROM $1 EXCEPT ALL SELECT * FROM $1 AT (VERSION => $2))) + (SELECT count(*) FROM (SELECT * FROM $1 AT (VERSION => $2) EXCEPT ALL SELECT * FROM $1))"; }
columns() { value "SELECT string_agg(column_name || ' ' || column_type, '|') FROM (DESCRIBE SELECT * FROM $1 ${2:+AT (VERSION => $2)})"; }

# ---- a bad multi-table transform, undone with one rollback --all ----
lh sql "CREATE TABLE silver.legacy AS SELECT range AS id, 'keep' AS note FROM range(30)"
N=$(snap)
lh tag good -m "before the bad transform"
check "tag names the current snapshot" eval '[ $RC -eq 0 ] && contains "$OUT" "good -> snapshot $N"'
before=$(snapshot_count)
lh sql -m "bad transform: silver and gold at once" "UPDATE silver.coco_images SET width = 0 WHERE image_id % 2 = 0; DELETE FROM gold.coco_train WHERE image_id % 3 = 0; ALTER TABLE gold.coco_train ADD COLUMN junk INTEGER DEFAULT 1; CREATE TABLE gold.scratch AS SELECT 42 AS z; DROP TABLE silver.legacy; ALTER TABLE silver.coco_objects RENAME TO coco_objects_v2"
check "the bad transform is one commit" eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = "$((before + 1))" ]'
before=$(snapshot_count)
lh rollback --all --to good
check "rollback --all without --yes: a plan per table, no snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "dry run" && printf "%s\n" "$OUT" | grep -q "drop  *gold.scratch" && printf "%s\n" "$OUT" | grep -q "recreate  *silver.legacy" && printf "%s\n" "$OUT" | grep -q "rename  *silver.coco_objects (now named coco_objects_v2)" && printf "%s\n" "$OUT" | grep -q "restore  *gold.coco_train" && printf "%s\n" "$OUT" | grep -q "unchanged  *raw.coco_images" && [ "$(snapshot_count)" = "$before" ]'
lh rollback --all --to good --yes -m "undo the bad transform"
check "rollback --all --yes: exactly one new snapshot" eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = "$((before + 1))" ]'
check "the lake has the same tables as at N (scratch gone, legacy back, coco_objects renamed back)" \
  eval '[ "$(tables_at "$(snap)")" = "$(tables_at "$N")" ] && [ -n "$(tables_at "$N")" ]'
bad_tables=""
for t in $(tables_at "$N"); do
  [ "$(differing "$t" "$N")" = 0 ] && [ "$(columns "$t")" = "$(columns "$t" "$N")" ] || bad_tables+=" $t"
done
check "every table: EXCEPT ALL both ways vs AT (VERSION => N) empty, columns equal ($(tables_at "$N" | wc -l) tables)" test -z "$bad_tables"
[ -z "$bad_tables" ] || echo "     differing: $bad_tables"
check "the dropped table is back with its rows" eval '[ "$(value "SELECT count(*) FROM silver.legacy WHERE note = '"'keep'"'")" = 30 ]'
before=$(snapshot_count)
lh rollback --all --to good --yes
check "rolling back again changes nothing and makes no snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "0 change(s)" && [ "$(snapshot_count)" = "$before" ]'

# ---- rollback --schema: one schema only ----
S=$(snap)
lh sql -m "touch both" "INSERT INTO silver.legacy VALUES (99, 'new'); DELETE FROM gold.coco_train WHERE split <> 'train'"
lh rollback --schema gold --to "$S" --yes
check "rollback --schema gold restores gold" eval '[ $RC -eq 0 ] && [ "$(differing gold.coco_train "$S")" = 0 ]'
check "... and leaves silver as it is" eval '[ "$(value "SELECT count(*) FROM silver.legacy")" = 31 ]'
lh rollback --schema nosuch --to "$S"
check "rollback --schema of an unknown schema: usage error" eval '[ $RC -eq 2 ] && contains "$ERR" "nosuch"'

# ---- tags ----
rows_good=$(value "SELECT count(*) FROM gold.coco_train AT (VERSION => $N)")
lh sql "DELETE FROM gold.coco_train WHERE image_id = (SELECT max(image_id) FROM gold.coco_train)"
lh tag after
lh show gold.coco_train --version good --csv --limit 100000
check "show --version TAG travels to the tagged snapshot" eval '[ $RC -eq 0 ] && [ "$(printf "%s\n" "$OUT" | tail -n +2 | wc -l)" = "$rows_good" ]'
check "SQL: AT (VERSION => tag('good'))" eval '[ "$(value "SELECT count(*) FROM gold.coco_train AT (VERSION => tag('"'good'"'))")" = "$rows_good" ]'
lh diff gold.coco_train good after --json
check "diff TAG_A TAG_B" eval '[ $RC -eq 0 ] && printf "%s" "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"from\"] == $N and \"media\" in d else 1)"'
lh diff --all good after
check "diff --all TAG_A TAG_B names the changed table" eval '[ $RC -eq 0 ] && printf "%s\n" "$OUT" | grep -q "changed  *gold.coco_train"'
lh log --csv
check "log shows each snapshot's tags" eval '[ $RC -eq 0 ] && printf "%s\n" "$OUT" | grep -q "^$N,.*,good$"'
lh log gold.coco_train --since good --csv
check "log --since TAG: only later snapshots" eval '[ $RC -eq 0 ] && [ "$(printf "%s\n" "$OUT" | tail -n +2 | cut -d, -f1 | sort -n | head -1)" -gt "$N" ]'
# every verb that reads the past takes a tag where it takes a snapshot id
lh export --table gold.coco_train --version good --format webdataset --no-images --out "$FIXTURES/by-tag"
lh export --table gold.coco_train --version "$N" --format webdataset --no-images --out "$FIXTURES/by-id"
check "export --version TAG = export --version ID (same shards, byte for byte)" \
  eval '[ $RC -eq 0 ] && diff -r "$FIXTURES/by-tag" "$FIXTURES/by-id" >/dev/null'
lh fetch --sql "SELECT image_uri FROM gold.coco_train" --version good --dry-run
check "fetch --version TAG: the query reads the tagged snapshot" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "would fetch $rows_good images"'
lh fetch --sql "SELECT image_uri FROM gold.coco_train" --time "$(value "SELECT snapshot_time FROM lake.snapshots() WHERE snapshot_id = $N")" --dry-run
check "fetch --time TS: the snapshot current then" eval '[ $RC -eq 0 ] && contains "$OUT" "would fetch $rows_good images"'
lh view --version good --out "$FIXTURES/view-good" --json
check "view --version TAG shows the tagged snapshot" \
  eval '[ $RC -eq 0 ] && printf "%s" "$OUT" | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)[\"snapshot\"] == $N else 1)"'
HF_TOKEN=$HUB_TOKEN lh publish gold.coco_train --repo e2e/by-tag --version good
check "publish --version TAG publishes the tagged snapshot" eval '[ $RC -eq 0 ] && contains "$OUT" "at snapshot $N: $rows_good rows"'
lh export --table gold.coco_train --version nosuchtag --format webdataset --out "$FIXTURES/x"
check "export --version of an unknown tag: usage error naming it" eval '[ $RC -eq 2 ] && contains "$ERR" "no tag named '"'nosuchtag'"'"'
lh tag good
check "re-tagging an existing name without --force: refused (exit 4)" eval '[ $RC -eq 4 ] && contains "$ERR" "already exists (snapshot $N)" && contains "$ERR" "--force"'
lh tag 'bad name!'
check "a tag name outside [A-Za-z0-9._-]: usage error" test "$RC" -eq 2
lh tag --list --json
check "tag --list --json" eval '[ $RC -eq 0 ] && printf "%s" "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if sorted(t[\"name\"] for t in d) == [\"after\", \"good\"] else 1)"'
lh rollback gold.coco_train --to nosuchtag
check "an unknown tag: usage error naming it" eval '[ $RC -eq 2 ] && contains "$ERR" "no tag named '"'nosuchtag'"'"'

# ---- media-aware diff: 5 rows of gold.coco_train deleted, then gc ----
A=$(snap)
five=$(value "SELECT string_agg(image_uri, ' ' ORDER BY image_uri) FROM (SELECT image_uri FROM gold.coco_train ORDER BY image_id LIMIT 5)")
lh sql -m "drop five images" "DELETE FROM gold.coco_train WHERE image_id IN (SELECT image_id FROM gold.coco_train ORDER BY image_id LIMIT 5)"
B=$(snap)
lh gc --min-age 0 --yes
lh diff gold.coco_train "$A" "$B" --json
printf '%s' "$OUT" >"$FIXTURES/mediadiff.json"
expected_bytes=0
for u in $five; do expected_bytes=$((expected_bytes + $(object_size "$u"))); done
check "diff lists the 5 image URIs as removed, with their bytes, still in the bucket after gc" \
  eval 'python3 -c "import json,sys; m=json.load(open(\"$FIXTURES/mediadiff.json\"))[\"media\"]; rem=[o for o in m[\"objects\"] if o[\"change\"] == \"removed\"]; ok = m[\"removed\"] == 5 and m[\"added\"] == 0 and sorted(o[\"uri\"] for o in rem) == sorted(\"$five\".split()) and all(o[\"in_bucket\"] for o in rem) and m[\"removed_bytes\"] == $expected_bytes; sys.exit(0 if ok else 1)"'
lh diff gold.coco_train "$A" "$B"
check "diff (text) says whether gc collected them" eval 'contains "$OUT" "5 removed ($expected_bytes bytes); 0 of them no longer in the bucket" && contains "$OUT" "in bucket"'

# ---- expire keeps tagged snapshots; deleting the tag lets it go ----
files_before=$(object_keys s3://lakehouse/lake/ | wc -l)
lh expire --keep 1 --yes
check "expire --keep 1 keeps the tagged snapshots and says so" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "kept" && printf "%s\n" "$OUT" | grep -q "good  *$N" && [ "$(value "SELECT count(*) FROM lake.snapshots() WHERE snapshot_id = $N")" = 1 ]'
check "the tagged snapshot still reads (time travel by tag, every row)" \
  eval '[ "$(value "SELECT count(*) FROM gold.coco_train AT (VERSION => tag('"'good'"'))")" = "$rows_good" ] && [ "$(value "SELECT count(*) FROM (SELECT * FROM gold.coco_train AT (VERSION => $N))")" = "$rows_good" ]'
files_tagged=$(object_keys s3://lakehouse/lake/ | wc -l)
lh tag --delete good
check "tag --delete" eval '[ $RC -eq 0 ] && ! "$LAKEHOUSE_BIN" tag --list | grep -q "^good "'
lh tag --delete after
lh expire --keep 1 --yes
check "after deleting the tag, expire removes its snapshot and the files only it needed" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM lake.snapshots() WHERE snapshot_id = $N")" = 0 ] && [ "$(object_keys s3://lakehouse/lake/ | wc -l)" -lt "$files_tagged" ]'
echo "     data objects: $files_before before expiry, $files_tagged with tags kept, $(object_keys s3://lakehouse/lake/ | wc -l) after"

# ---- rename / replace / restore, then expire + gc: nothing readable before is lost ----
# 527: rows inserted before and after a rename
lh sql "CREATE TABLE raw.r527 AS SELECT range AS i FROM range(40)"
lh sql "ALTER TABLE raw.r527 RENAME TO r527b"
lh sql "INSERT INTO raw.r527b SELECT 100 + range FROM range(40)"
# 529: a table renamed, then expired
lh sql "CREATE TABLE raw.r529 (i INTEGER)"
lh sql "ALTER TABLE raw.r529 RENAME TO r529c"
# 530: columns of a renamed table
lh sql "CREATE TABLE raw.r530 AS SELECT range AS i, 'x' || range AS s FROM range(20)"
lh sql "ALTER TABLE raw.r530 RENAME TO r530a"
# a rollback replaces a table
lh sql "CREATE TABLE raw.rb AS SELECT range AS i FROM range(25)"
R=$(snap)
lh sql "DELETE FROM raw.rb WHERE i < 10"
lh rollback raw.rb --to "$R"
# fingerprint of every live table: rows and a hash of every row, and the columns
fingerprint() { for t in $(tables_at "$(snap)"); do echo "$t $(value "SELECT count(*) || ' ' || coalesce(sum(hash(x)), 0) FROM $t x") $(columns "$t")"; done; }
fp_before=$(fingerprint)
lh expire --keep 1 --yes
check "expire after renames, a rollback and a lake restore: passes its own check" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "read as before"'
lh gc --min-age 0 --yes
check "gc after them succeeds" test "$RC" -eq 0
check "every live table reads exactly as before (rows, row hashes, columns)" eval '[ "$(fingerprint)" = "$fp_before" ]'
check "527: 80 rows inserted before and after the rename survive" eval '[ "$(value "SELECT count(DISTINCT i) FROM raw.r527b")" = 80 ]'
lh sql "CREATE TABLE raw.r529b (i INTEGER); INSERT INTO raw.r529c VALUES (1)"
check "529: the renamed table survives and takes inserts" eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.r529c")" = 1 ]'
check "530: the renamed table keeps its columns" eval '[ "$(columns raw.r530a)" = "i BIGINT|s VARCHAR" ]'
check "the rolled-back table keeps its 25 rows" eval '[ "$(value "SELECT count(*) FROM raw.rb")" = 25 ]'
missing=$(for u in $(value "SELECT string_agg(DISTINCT image_uri, ' ') FROM (SELECT image_uri FROM silver.coco_images UNION ALL SELECT image_uri FROM gold.coco_train)"); do
  [ -n "$(object_size "$u")" ] || echo "$u"; done)
check "every image a live row references is still in the bucket" test -z "$missing"

# ---- concurrent tag of one name on a SQLite catalog: one wins, the others get a clear error ----
export LAKEHOUSE_CATALOG="sqlite:$WORK/race.sqlite" LAKEHOUSE_BUCKET=lakehouse-race
lh init
lh sql "CREATE TABLE raw.t AS SELECT 1 AS x"
racers=()
for i in 1 2 3; do
  ( "$LAKEHOUSE_BIN" tag race -m "client $i" >"$FIXTURES/race$i.out" 2>&1; echo $? >"$FIXTURES/race$i.rc" ) &
  racers+=($!)
done
wait "${racers[@]}" # only the racers: a bare wait would also wait for the servers of lib.sh
cat "$FIXTURES"/race*.out >>"$FIXTURES/all-output.log"
won=$(cat "$FIXTURES"/race*.rc | grep -c '^0$')
lost=$(grep -l "tag 'race' already exists" "$FIXTURES"/race*.out | wc -l)
check "3 clients tag 'race' at once: one wins, two get 'already exists' (exit 4)" \
  eval '[ "$won" = 1 ] && [ "$lost" = 2 ] && [ "$(cat "$FIXTURES"/race*.rc | grep -c "^4$")" = 2 ]'
check "the catalog holds exactly one tag 'race'" \
  eval '[ "$(value "SELECT count(*) FROM lakehouse.tags WHERE name = '"'race'"'")" = 1 ]'
finish
