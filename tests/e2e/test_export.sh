#!/usr/bin/env bash
# `lakehouse export`: WebDataset shards (COCO images, VisDrone fragments) and COCO JSON, pinned
# to a snapshot, checked with the libraries training code uses (webdataset, Pillow, FFmpeg CLI,
# pycocotools; tests/tools/check_export.py). Real S3 server, real DuckLake, real FFmpeg.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
ORACLE=$E2E_DIR/../tools/check_export.py
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 8 --train 4 --crowds 1 >/dev/null
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/hub" --sequences 2 --frames 60 >/dev/null
# a sequence whose name has dots: its keys must come out without them
VD=$FIXTURES/hub/fixtures/visdrone-mot
DOTTED=$FIXTURES/visdrone-dotted
seq1=$(ls "$VD/sequences" | head -n1)
mkdir -p "$DOTTED/sequences" "$DOTTED/annotations"
cp -r "$VD/sequences/$seq1" "$DOTTED/sequences/uav.dot.v"
cp "$VD/annotations/$seq1.txt" "$DOTTED/annotations/uav.dot.v.txt"
start_hub "$FIXTURES/hub"
start_storage
lh init
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
lh ingest coco --from hf://datasets/fixtures/coco-captions --split val
lh ingest visdrone --from hf://datasets/fixtures/visdrone-mot --fps 30
lh ingest visdrone --from "$DOTTED" --fps 30
lh transform all
check "fixtures: COCO + captions + VisDrone (one sequence with dots) landed, silver and gold built" test "$RC" -eq 0
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
csv() { "$LAKEHOUSE_BIN" sql --csv "$1" >"$2"; }
shas() { (cd "$1" && sha256sum -- *.tar); }
V=$(value "SELECT id FROM lake.current_snapshot()")
rows=$(value "SELECT count(*) FROM gold.coco_train")

# ---- WebDataset, COCO images -----------------------------------------------------------------
lh export --table gold.coco_train --format webdataset --out "$WORK/w1" --shard-samples 3
check "export gold.coco_train: $rows samples in $(((rows + 2) / 3)) shards of at most 3" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "exported $rows image samples in $(((rows + 2) / 3)) shards" && [ "$(ls "$WORK/w1"/coco_train-*.tar | wc -l)" -eq $(((rows + 2) / 3)) ]'
csv "SELECT g.image_uri, (SELECT count(*) FROM silver.coco_objects o WHERE o.image_id = g.image_id) AS boxes FROM gold.coco_train g" "$FIXTURES/images.csv"
check "oracle (webdataset + Pillow): every sample decodes, .jpg SHA-256 = the object, box counts = silver" \
  eval '"$PY" "$ORACLE" wds "$FIXTURES/images.csv" "$(objects_dir assets/)" "$WORK"/w1/coco_train-*.tar >"$FIXTURES/o1.log" 2>&1 || { cat "$FIXTURES/o1.log"; false; }'
check "keys have no dots, members of a sample adjacent (.jpg then .json)" \
  eval '! tar tf "$WORK/w1/coco_train-000000.tar" | sed "s/\.[a-z]*$//" | grep -q "\." && [ "$(tar tf "$WORK/w1/coco_train-000000.tar" | sed -n "1s/\..*//p")" = "$(tar tf "$WORK/w1/coco_train-000000.tar" | sed -n "2s/\..*//p")" ]'
check "deterministic members: owner 0/0, mode 0644, mtime = the snapshot's time" \
  eval '[ -z "$(tar tvf "$WORK/w1/coco_train-000000.tar" | grep -v "^-rw-r--r-- 0/0 ")" ]'
M=$WORK/w1/coco_train.manifest.json
check "manifest: query, snapshot $V, catalog, per shard samples/bytes/SHA-256 equal the files" \
  eval '"$PY" -c "
import json, hashlib, os, sys
m = json.load(open(\"$M\"))
assert m[\"snapshot\"][\"id\"] == $V and m[\"snapshot\"][\"time\"], m[\"snapshot\"]
assert \"gold\" in m[\"query\"] and m[\"catalog\"][\"metadata\"].endswith(\"metadata.ducklake\")
assert sum(s[\"samples\"] for s in m[\"shards\"]) == $rows == m[\"samples\"]
for s in m[\"shards\"]:
    b = open(os.path.join(\"$WORK/w1\", s[\"name\"]), \"rb\").read()
    assert len(b) == s[\"bytes\"] and hashlib.sha256(b).hexdigest() == s[\"sha256\"], s
"'
check "no temporary file left in the folder" eval '[ -z "$(ls -A "$WORK/w1" | grep -v -e "\.tar$" -e "manifest.json$")" ]'

# ---- reproducible: same snapshot, same bytes ---------------------------------------------------
lh export --table gold.coco_train --format webdataset --out "$WORK/w2" --shard-samples 3
check "two exports of the same snapshot are byte-identical (SHA-256 of every shard, manifest)" \
  eval '[ $RC -eq 0 ] && [ "$(shas "$WORK/w1")" = "$(shas "$WORK/w2")" ] && cmp -s "$M" "$WORK/w2/coco_train.manifest.json"'
lh export --table gold.coco_train --format webdataset --out - --threads 3 >/dev/null
"$LAKEHOUSE_BIN" export --table gold.coco_train --format webdataset --out - >"$WORK/all.tar" 2>"$FIXTURES/stdout.err"
"$PY" "$ORACLE" list "$WORK/all.tar" >"$FIXTURES/list-stdout" 2>&1
"$PY" "$ORACLE" list "$WORK"/w1/coco_train-*.tar >"$FIXTURES/list-folder" 2>&1
check "--out - gives one tar with the same samples as the folder form (keys and member SHA-256)" \
  eval '[ -s "$FIXTURES/list-folder" ] && [ "$(wc -l <"$FIXTURES/list-stdout")" -eq "$rows" ] && cmp -s "$FIXTURES/list-stdout" "$FIXTURES/list-folder"'

# ---- time travel: rows deleted after snapshot V are still in an export at V --------------------
lh sql "DELETE FROM gold.coco_train WHERE image_id IN (SELECT min(image_id) FROM gold.coco_train)" -m "drop one image"
check "one gold row deleted" eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM gold.coco_train")" -eq $((rows - 1)) ]'
lh export --table gold.coco_train --format webdataset --out "$WORK/now" --shard-samples 3
check "export now: $((rows - 1)) samples" eval '[ $RC -eq 0 ] && contains "$OUT" "exported $((rows - 1)) image samples"'
lh export --table gold.coco_train --version "$V" --format webdataset --out "$WORK/atv" --shard-samples 3
check "export --version $V: the deleted row is back, shards byte-identical to the first export" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "exported $rows image samples" && [ "$(shas "$WORK/w1")" = "$(shas "$WORK/atv")" ]'
T=$(value "SELECT snapshot_time FROM lake.snapshots() WHERE snapshot_id = $V")
lh export --table gold.coco_train --time "$T" --format webdataset --out "$WORK/att" --shard-samples 3
check "export --time (snapshot $V's time) = export --version $V" \
  eval '[ $RC -eq 0 ] && [ "$(shas "$WORK/w1")" = "$(shas "$WORK/att")" ]'

# ---- WebDataset, VisDrone fragments ----------------------------------------------------------
FRAG_SQL="SELECT clip_uri, fragment_id FROM silver.visdrone_fragments"
nfrag=$(value "SELECT count(*) FROM ($FRAG_SQL)")
lh export --sql "$FRAG_SQL" --format webdataset --out "$WORK/v1" --name visdrone
check "export $nfrag fragments" eval '[ $RC -eq 0 ] && contains "$OUT" "exported $nfrag fragment samples in 1 shards"'
csv "SELECT regexp_replace(c.sequence, '[^A-Za-z0-9_-]', '_', 'g') || '_f' || lpad(f.fragment_id::VARCHAR, 6, '0') AS key, f.clip_uri, c.init_bytes, f.byte_offset, f.byte_length, f.end_frame - f.start_frame + 1 AS frames, (SELECT count(*) FROM silver.visdrone_annotations a WHERE a.sequence = c.sequence AND a.frame_index BETWEEN f.start_frame + 1 AND f.end_frame + 1) AS boxes FROM raw.visdrone_fragments f JOIN raw.visdrone_clips c USING (clip_uri)" "$FIXTURES/fragments.csv"
check "oracle: every .mp4 = init + fragment bytes and decodes alone (ffmpeg) to its frame count; boxes = silver" \
  eval '"$PY" "$ORACLE" wds "$FIXTURES/fragments.csv" "$(objects_dir assets/)" "$WORK/v1/visdrone-000000.tar" >"$FIXTURES/o2.log" 2>&1 || { cat "$FIXTURES/o2.log"; false; }'
# every line of the source's annotations/<seq>.txt comes back, 10 columns as written, from the
# "annotations" of the fragments covering its frames (read with the tarfile and json modules)
check "VisDrone: the fragments' annotations give back every source annotation line, 10 columns" \
  "$PY" - "$WORK/v1/visdrone-000000.tar" "$VD/annotations" "$DOTTED/annotations" <<'PYEOF'
import glob, json, os, sys, tarfile
got = {}
for m in (t := tarfile.open(sys.argv[1])):
    if m.name.endswith(".json"):
        d = json.load(t.extractfile(m))
        got.setdefault(d["sequence"], []).extend(tuple(a) for a in d["annotations"])
want = {}
for folder in sys.argv[2:]:
    for f in glob.glob(os.path.join(folder, "*.txt")):
        rows = [tuple(int(v) for v in l.strip().rstrip(",").split(",")) for l in open(f) if l.strip()]
        want[os.path.basename(f)[:-4]] = rows
assert want and set(want) <= set(got), (sorted(want), sorted(got))
for seq, rows in want.items():
    assert sorted(got[seq]) == sorted(rows), (seq, len(got[seq]), len(rows))
print(sum(map(len, want.values())), "lines in", len(want), "files")
PYEOF
check "a dot in a key source is sanitised: uav.dot.v -> uav_dot_v_f000000" \
  eval 'tar tf "$WORK/v1/visdrone-000000.tar" | grep -qx "uav_dot_v_f000000.mp4" && ! tar tf "$WORK/v1/visdrone-000000.tar" | grep -q "^uav\.dot"'

# ---- COCO JSON ---------------------------------------------------------------------------------
lh export --table gold.coco_train --version "$V" --format coco --out "$WORK/coco"
check "export --format coco" eval '[ $RC -eq 0 ] && [ -d "$WORK/coco/annotations" ]'
bad=0
for split in $("$LAKEHOUSE_BIN" sql --csv "SELECT DISTINCT split FROM gold.coco_train AT (VERSION => $V)" | tail -n +2); do
  csv "SELECT o.image_id, o.category, o.bbox[1] AS x, o.bbox[2] AS y, o.bbox[3] AS w, o.bbox[4] AS h FROM silver.coco_objects o JOIN (SELECT * FROM gold.coco_train AT (VERSION => $V)) g USING (image_id) WHERE g.split = '$split'" "$FIXTURES/coco-$split.csv"
  ncap=$(value "SELECT count(*) FROM silver.coco_captions c JOIN (SELECT * FROM gold.coco_train AT (VERSION => $V)) g USING (image_id) WHERE g.split = '$split'")
  capargs=()
  [ "$ncap" -eq 0 ] || capargs=("$WORK/coco/annotations/captions_$split.json" "$ncap")
  "$PY" "$ORACLE" coco "$WORK/coco/annotations/instances_$split.json" "$FIXTURES/coco-$split.csv" "${capargs[@]}" >>"$FIXTURES/o3.log" 2>&1 || bad=1
  nimg=$(value "SELECT count(*) FROM gold.coco_train AT (VERSION => $V) WHERE split = '$split'")
  [ "$(ls "$WORK/coco/$split" | wc -l)" -eq "$nimg" ] || { bad=1; echo "  $split: $(ls "$WORK/coco/$split" | wc -l) image files, want $nimg"; }
done
[ "$bad" -eq 0 ] || cat "$FIXTURES/o3.log"
check "oracle (pycocotools COCO): per split images/annotations/categories and every image's boxes = silver; captions; image files" test "$bad" -eq 0
lh export --table gold.coco_train --format coco --out "$WORK/coco-uris" --no-images
check "--no-images: annotations only, images referenced by coco_url" \
  eval '[ $RC -eq 0 ] && [ "$(ls "$WORK/coco-uris")" = annotations ] && grep -q "\"coco_url\":\"s3://" "$WORK/coco-uris"/annotations/instances_*.json'

# ---- straight to the store ---------------------------------------------------------------------
lh export --table gold.coco_train --format webdataset --out s3://lakehouse/exports/coco --shard-samples 4
lh storage ls --csv exports/coco/
check "export to s3://: storage ls shows the shards and the manifest" \
  eval '[ "$(printf "%s\n" "$OUT" | grep -c "exports/coco/coco_train-00000[0-9].tar")" -eq $(((rows + 2) / 4)) ] && contains "$OUT" "exports/coco/coco_train.manifest.json"'
OBJ=$(objects_dir exports/coco/)
"$PY" -c "import hashlib,json,sys; m=json.load(open('$OBJ/lakehouse/exports/coco/coco_train.manifest.json')); sys.exit(any(hashlib.sha256(open('$OBJ/lakehouse/exports/coco/'+s['name'],'rb').read()).hexdigest()!=s['sha256'] for s in m['shards']))"
check "the uploaded shards match the manifest's SHA-256" test $? -eq 0
lh export --table gold.coco_train --format webdataset --out s3://lakehouse/exports/coco
check "s3:// prefix that holds objects: refused without --force (exit 2)" eval '[ $RC -eq 2 ] && contains "$ERR" "not empty"'
lh export --table gold.coco_train --format webdataset --out s3://lakehouse/exports/coco --force
lh storage ls --csv exports/coco/
check "--force to s3://: one shard now, the earlier export's other shards deleted, manifest kept" \
  eval '[ "$(printf "%s\n" "$OUT" | grep -c "exports/coco/coco_train-[0-9]*.tar")" -eq 1 ] && contains "$OUT" "exports/coco/coco_train-000000.tar" && contains "$OUT" "exports/coco/coco_train.manifest.json"'

# ---- bad input ----------------------------------------------------------------------------------
lh export --sql "SELECT image_id FROM gold.coco_train" --format webdataset --out "$WORK/bad1"
check "a query without image_uri or clip_uri+fragment_id: exit 2, says what it needs" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "image_uri" && contains "$ERR" "clip_uri and fragment_id"'
lh export --table gold.coco_train --format webdataset --out "$WORK/w1"
check "an existing non-empty DEST: refused without --force (exit 2), files untouched" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "not empty" && contains "$ERR" "--force" && [ "$(shas "$WORK/w1")" = "$(shas "$WORK/w2")" ]'
lh export --table gold.coco_train --format webdataset --out "$WORK/w1" --force
check "--force writes over it (one shard now, stale shards removed)" \
  eval '[ $RC -eq 0 ] && [ "$(ls "$WORK/w1"/*.tar | wc -l)" -eq 1 ]'
lh export --table gold.coco_train --format webdataset --out "$WORK/bad2" --version 999
check "a snapshot that does not exist: exit 2" eval '[ $RC -eq 2 ] && contains "$ERR" "snapshot 999 does not exist"'
lh export --table gold.coco_train --format coco --out -
check "--format coco to stdout: usage error" eval '[ $RC -eq 2 ]'
lh export --table gold.coco_train --format tar --out "$WORK/bad3"
check "unknown --format: usage error" eval '[ $RC -eq 2 ] && contains "$ERR" "webdataset or coco"'
"$LAKEHOUSE_BIN" export --table gold.coco_train --format webdataset --out - >/dev/full 2>"$FIXTURES/full.err"
RC=$? ERR=$(cat "$FIXTURES/full.err")
check "a full disk (stdout on /dev/full): exit 1 with the reason" eval '[ $RC -eq 1 ] && contains "$ERR" "No space left"'
# the folder form on a disk that fills up: a 16 KiB file-size limit makes the shard's writes
# fail (EFBIG) the way a full disk does (ENOSPC), with no root needed for a small filesystem
(trap '' XFSZ; ulimit -f 16; exec "$LAKEHOUSE_BIN" export --table gold.coco_train --format webdataset \
  --out "$WORK/full" --shard-samples 3) >"$FIXTURES/fulldir.out" 2>"$FIXTURES/fulldir.err"
RC=$? ERR=$(cat "$FIXTURES/fulldir.err")
check "a folder that fills up: exit 1 naming the shard and the reason, no file left" \
  eval '[ $RC -eq 1 ] && contains "$ERR" "coco_train-000000.tar" && contains "$ERR" "File too large" && [ -z "$(ls -A "$WORK/full" 2>/dev/null)" ]'
victim=$(value "SELECT image_uri FROM gold.coco_train ORDER BY image_id DESC LIMIT 1")
mv "$S3_OBJECTS/${victim#s3://}" "$FIXTURES/victim" # a file or, for RustFS, a folder
lh export --table gold.coco_train --format webdataset --out "$WORK/bad4" --shard-samples 100
check "a missing object: exit 1 naming its URI" eval '[ $RC -eq 1 ] && contains "$ERR" "$victim"'
check "... and no shard under its final name, no temporary file left" eval '[ -z "$(ls -A "$WORK/bad4" 2>/dev/null)" ]'
mv "$FIXTURES/victim" "$S3_OBJECTS/${victim#s3://}"

finish
