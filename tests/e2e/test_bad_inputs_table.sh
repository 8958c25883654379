#!/usr/bin/env bash
# Table-driven bad input across the verbs: each case names the expected exit code and a
# fragment of the message, and after each one nothing has landed (same snapshot count, same
# object count). Fixtures are generated here; placeholders: F = fixture folder, DEAD = a port
# nobody listens on.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --bad >/dev/null
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/hub" --sequences 1 --frames 30 --bad >/dev/null
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --coco-official "$FIXTURES/coco" >/dev/null
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --imagefolder "$FIXTURES/if" >/dev/null
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --det "$FIXTURES/det" >/dev/null
start_hub "$FIXTURES/hub"
start_storage
lh init
F=$FIXTURES
DEAD=http://127.0.0.1:$(free_port)
make_parquet "$F/good.parquet" 100
lh land raw.base "$F/good.parquet" -m base
printf 'SELECT 1;\n' >"$F/ok.sql"
head -c $(($(stat -c %s "$F/good.parquet") / 2)) "$F/good.parquet" >"$F/truncated.parquet"
head -c 4096 /dev/urandom >"$F/random.parquet"
printf 'x,y\nfoo,bar\n' >"$F/wrong-columns.csv"
printf '{"id": 1}\n{"id": \n' >"$F/bad.jsonl"
mkdir -p "$F/badmp4/sequences" "$F/badmp4/annotations"
head -c 20000 /dev/urandom >"$F/badmp4/sequences/uav0000009_00000_v.mp4"
printf '1,1,10,10,20,20,1,4,0,0\n' >"$F/badmp4/annotations/uav0000009_00000_v.txt"
mkdir -p "$F/badjpeg/sequences/uav0000010_00000_v" "$F/badjpeg/annotations"
for i in 1 2 3; do head -c 5000 /dev/urandom >"$F/badjpeg/sequences/uav0000010_00000_v/000000$i.jpg"; done
printf '1,1,10,10,20,20,1,4,0,0\n' >"$F/badjpeg/annotations/uav0000010_00000_v.txt"
mkdir -p "$F/coco-trunc"
cp "$F/coco/zips/annotations_trainval2017.zip" "$F/coco-trunc/"
head -c 20000 "$F/coco/zips/val2017.zip" >"$F/coco-trunc/val2017.zip"
mkdir -p "$F/badclips" && head -c 20000 /dev/urandom >"$F/badclips/junk.mp4"
for c in if-dup if-clash if-nofile; do mkdir -p "$F/$c" && cp "$F/if/flat/photo_0.jpg" "$F/$c/a.jpg"; done
printf '{"file_name": "a.jpg"}\n{"file_name": "a.jpg"}\n' >"$F/if-dup/metadata.jsonl"
printf 'file_name,label\na.jpg,cat\n' >"$F/if-clash/metadata.csv"
printf '{"file_name": "a.jpg"}\n{"caption": "x"}\n' >"$F/if-nofile/metadata.jsonl"
mkdir -p "$F/if-outside/train" && cp "$F/if/flat/photo_0.jpg" "$F/if-outside/train/" && cp "$F/if/flat/photo_1.png" "$F/if-outside/"
mkdir -p "$F/tiny"
if mount -t tmpfs -o size=16k tmpfs "$F/tiny" 2>/dev/null; then TINY=1; else TINY=0; fi

# exit | message fragment | arguments (eval'd, so quotes work)
cases=$(cat <<'EOF'
2|unknown option|ingest coco --bogus
2|give|ingest
2|unknown verb|frobnicate
2|invalid table name|land 'raw.x;DROP TABLE raw.base' $F/good.parquet
2|invalid table name|land "raw.a'b" $F/good.parquet
2|invalid table name|land raw.ünïcode $F/good.parquet
2|invalid table name|land raw.a-b $F/good.parquet
1|No such file|land raw.t $F/missing.parquet
1|truncated.parquet|land raw.t $F/truncated.parquet
1|random.parquet|land raw.t $F/random.parquet
1|does not have a column|land raw.base $F/wrong-columns.csv
1|bad.jsonl|land raw.t $F/bad.jsonl
2|invalid dataset name|ingest '../etc' --from hf://datasets/fixtures/coco-detection --split val
2|invalid dataset name|ingest 'co"co' --from hf://datasets/fixtures/coco-detection --split val
1|fixtures/coco-corrupt|ingest coco --from hf://datasets/fixtures/coco-corrupt --split val
2|missing expected column|ingest coco --from hf://datasets/fixtures/coco-no-image-id --split val
3|not found|ingest coco --from hf://datasets/fixtures/no-such-repo --split val
3|revision|ingest coco --from hf://datasets/fixtures/coco-detection@nope --split val
2|nosuch|ingest coco --from hf://datasets/fixtures/coco-detection --split nosuch
3|cannot reach|HF_ENDPOINT=$DEAD lh_ ingest coco --from hf://datasets/fixtures/coco-detection --split val
2|uav0000009_00000_v|ingest visdrone --from $F/badmp4
1|uav0000010_00000_v|ingest visdrone --from $F/badjpeg
2|frame 0000017.jpg is missing|ingest visdrone --from hf://datasets/fixtures/visdrone-missing-frame
2|expected 10 comma-separated integers|ingest visdrone --from hf://datasets/fixtures/visdrone-bad-annotation
2|junk.mp4|ingest drones --from $F/badclips
2|not a COCO instances file|ingest coco --from $F/coco/bad/not-coco --split val2017
2|instances_val2017.json: annotation 106 refers to an image_id that has no image|ingest coco --from $F/coco/bad/orphan --split val2017
2|instances_val2017.json: image 146: file|ingest coco --from $F/coco/bad/no-image-file --split val2017
2|val2017.zip: damaged or truncated zip|ingest coco --from $F/coco-trunc --split val2017
2|annotation 106 has a negative box size|ingest coco --from $F/coco/bad/negative-box --split val2017
2|duplicate annotation id 104|ingest coco --from $F/coco/bad/duplicate-id --split val2017
2|annotation 103 has an RLE mask whose size is not the image's|ingest coco --from $F/coco/bad/rle-size --split val2017
2|annotation 104 has an RLE mask that is not valid: its counts string ends inside a count|ingest coco --from $F/coco/bad/rle-string --split val2017
2|annotation 103 has an uncompressed RLE mask whose counts do not cover its size|ingest coco --from $F/coco/bad/rle-runs --split val2017
2|instances_val2017.json: not JSON near byte|ingest coco --from $F/coco/bad/truncated-json --split val2017
2|--format coco: no annotations/instances_nosuch.json|ingest coco --from $F/coco/zips --split nosuch --format coco
2|metadata.jsonl line 3: file_name 'missing.jpg' names no image|ingest pics --from $F/if/bad/orphan
2|metadata.jsonl line 2: file_name 'a.jpg' is named a second time|ingest pics --from $F/if-dup
2|metadata.jsonl line 2: no file_name|ingest pics --from $F/if-nofile
2|a metadata column is named label|ingest pics --from $F/if-clash
2|photo_1.png: outside the split folders|ingest pics --from $F/if-outside
2|no layout fits|ingest pics --from $F/if/bad/notes
2|--format wants one of coco, imagefolder, visdrone-det, got 'nosuch'|ingest pics --from $F/if/flat --format nosuch
2|annotations/0000004_00111_d_0000004.txt:3: expected 8 comma-separated integers|ingest det --from $F/det/bad-line
2|annotations/0000001_00000_d_0000001.txt: no image images/0000001_00000_d_0000001.*|ingest det --from $F/det/orphan
2|--format visdrone-det: no images/STEM.jpg|ingest det --from $F/if/flat --format visdrone-det
2|--format imagefolder: no image files|ingest pics --from $F/if/bad/notes --format imagefolder
3|SignatureDoesNotMatch|AWS_SECRET_ACCESS_KEY=wrong-secret-value lh_ sql 'SELECT count(*) FROM raw.base'
3|cannot reach S3 endpoint|AWS_ENDPOINT_URL=$DEAD lh_ land raw.t $F/good.parquet
1|syntax error|sql 'SELEC 1'
1|ok-missing.sql|sql -f $F/ok-missing.sql
2|no table no_such_table|sql -m 'half a script' 'INSERT INTO raw.base SELECT * FROM raw.base LIMIT 1; SELECT * FROM no_such_table'
2|invalid table name|show 'raw.base;--'
2|snapshot 999|show raw.base --version 999
2|did not exist at snapshot 0|diff raw.base 0 999
2|snapshot 999|rollback raw.base --to 999 -m x
2|--keep|expire
2|image_uri|fetch --sql 'SELECT 1 AS x' --out $F/out
2|--threads|fetch --sql 'SELECT 1' --out $F/out --threads 99
2|unknown query|query no-such-query
2|silver|transform platinum
2|no table raw.nope|trace raw.nope
2|--yes|reset
2|invalid --repo|HF_TOKEN=hf_x lh_ publish gold.x --repo 'a/../b'
2|HF_TOKEN|HF_TOKEN= lh_ publish raw.base --repo e2e/x
2|unexpected argument|init extra
2|--last wants a whole number >= 0|snapshots --last 99999999999999999999
2|--threads wants a whole number from 1 to 32|ingest coco --from hf://datasets/fixtures/coco-detection --split val --threads ''
2|snapshot B (1) must not be older than A (2)|diff raw.base 2 1
2|--range wants OFFSET:LENGTH|storage get lake/x --range 12
2|--range LENGTH wants a whole number >= 1|storage get lake/x --range 0:0
EOF
)
[ "$TINY" = 0 ] || cases+=$'\n''1|No space left|LAKEHOUSE_LOCAL_STORE=$F/tiny lh_ ingest coco --from hf://datasets/fixtures/coco-detection --split val'

lh_() { "$LAKEHOUSE_BIN" "$@"; }
objects() { "$LAKEHOUSE_BIN" storage ls --csv "" | tail -n +2 | wc -l; }
n=0
while IFS='|' read -r want fragment args; do
  [ -n "$want" ] || continue
  n=$((n + 1))
  snaps=$(snapshot_count); objs=$(objects)
  case $args in *lh_*) cmd="$args" ;; *) cmd="lh_ $args" ;; esac
  eval "$cmd" >"$WORK/.out" 2>"$WORK/.err"
  RC=$?; OUT=$(cat "$WORK/.out"); ERR=$(cat "$WORK/.err")
  cat "$WORK/.out" "$WORK/.err" >>"$FIXTURES/all-output.log"
  check "case $n: $args → exit $want, says '$fragment', nothing landed" \
    eval '[ "$RC" = "$want" ] && contains "$ERR" "$fragment" && [ "$(snapshot_count)" = "$snaps" ] && [ "$(objects)" = "$objs" ]'
done <<<"$cases"
check "at least 30 cases ran ($n)" [ "$n" -ge 30 ]
[ "$TINY" = 1 ] && umount "$F/tiny"
[ "$TINY" = 1 ] || echo "note: no tmpfs mount allowed here, the disk-full case did not run"
check "the base table is intact (100 rows)" eval '[ "$("$LAKEHOUSE_BIN" sql --csv "SELECT count(*) FROM raw.base" | tail -n1)" = 100 ]'
finish
