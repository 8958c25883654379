#!/usr/bin/env bash
# `transform gold --resplit NAME=FRACTION,... --seed N`: gold's split redrawn on purpose,
# reproducibly. Without it gold keeps the source's split; with it every image lands in exactly
# one part, the one an independent oracle (Python's hashlib over "SEED:image_id") computes; the
# same seed twice gives the same split, another seed another; source_split keeps the source's
# split; the snapshot's message records the re-split; the COCO export follows it; bad values
# exit 2 and land nothing; `transform gold` alone returns to the source's split.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
SRC=$FIXTURES/coco
IMAGES=60
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --coco-official "$SRC" --coco-images $IMAGES >/dev/null
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
assignment() { "$LAKEHOUSE_BIN" sql --csv "SELECT image_id, split FROM gold.coco_train ORDER BY image_id" | tail -n +2; }
# oracle SEED PARTS: image_id,split for every image of $WORK/ids (or KEY,split for the keys of
# KEYS-FILE), from the definition alone (the
# first 64 bits of SHA-256("SEED:KEY") over 2^64 against the cumulative fractions, in order).
oracle() { # SEED PARTS [KEYS-FILE]
  "$PY" - "$1" "$2" "${3:-$WORK/ids}" <<'PYEOF'
import hashlib, sys
seed, spec, ids = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().split()
parts = [(n, float(f)) for n, f in (p.split("=") for p in spec.split(","))]
for key in sorted(ids, key=lambda k: (int(k), "") if k.isdigit() else (0, k)):
    x = int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:16], 16) / 2**64
    lower = 0.0
    for i, (name, frac) in enumerate(parts):
        upper = 2.0 if i == len(parts) - 1 else lower + frac
        if lower <= x < upper:
            print(f"{key},{name}")
            break
        lower = upper
PYEOF
}
start_storage
lh init
lh ingest coco --from "$SRC" --split val2017
check "COCO fixture ingested" eval '[ $RC -eq 0 ]'
lh transform all
check "transform all" eval '[ $RC -eq 0 ]'
check "gold has every image" eval '[ "$(value "SELECT count(*) FROM gold.coco_train")" = $IMAGES ]'
check "without --resplit, gold's split is the source's" \
  eval '[ "$(value "SELECT string_agg(DISTINCT split) FROM gold.coco_train")" = val2017 ]'
check "source_split is there too, the source's" \
  eval '[ "$(value "SELECT count(*) FROM gold.coco_train WHERE source_split = '"'"'val2017'"'"' AND split = source_split")" = $IMAGES ]'
"$LAKEHOUSE_BIN" sql --csv "SELECT image_id FROM gold.coco_train" | tail -n +2 >"$WORK/ids"
source_assignment=$(assignment)

# --- bad values: exit 2, a message naming the fix, no snapshot -------------------------------
n=$(snapshot_count)
bad() { # WHAT-THE-ERROR-NAMES ARGS...
  local want=$1; shift
  lh transform "$@"
  check "refused: transform $* (exit 2, names '$want')" \
    eval '[ $RC -eq 2 ] && contains "$ERR" "$want" && [ "$(snapshot_count)" = "$n" ]'
}
bad "sum to 0.9" gold --resplit train=0.8,val=0.1 --seed 7
bad "sum to 1.1" gold --resplit train=0.9,val=0.1,test=0.1 --seed 7
bad "'1x' is not an identifier" gold --resplit 1x=0.5,val=0.5 --seed 7
bad "'tr-ain' is not an identifier" gold --resplit tr-ain=1 --seed 7
bad "names 'a' twice" gold --resplit a=0.5,a=0.5 --seed 7
bad "got '0'" gold --resplit a=0,b=1 --seed 7
bad "got '1.5'" gold --resplit a=1.5 --seed 7
bad "got '-0.5'" gold --resplit a=0.5,b=-0.5 --seed 7
bad "got 'half'" gold --resplit a=half,b=0.5 --seed 7
bad "got 'nan'" gold --resplit a=nan --seed 7
bad "is not NAME=FRACTION" gold --resplit train --seed 7
bad "is not NAME=FRACTION" gold --resplit "train=0.5,,val=0.5" --seed 7
bad "is not NAME=FRACTION" gold --resplit "" --seed 7
bad "needs --seed" gold --resplit train=0.8,val=0.1,test=0.1
bad "give --resplit" gold --seed 7
bad "give --resplit" all --seed 7
bad "run 'transform gold'" silver --resplit train=1 --seed 7
bad "--seed wants a whole number" gold --resplit train=1 --seed -1
bad "--seed wants a whole number" gold --resplit train=1 --seed x
check "gold untouched by the refused runs" eval '[ "$(assignment)" = "$source_assignment" ]'

# --- the re-split ----------------------------------------------------------------------------
lh transform gold --resplit train=0.8,val=0.1,test=0.1 --seed 7 -m "redraw"
check "transform gold --resplit ... --seed 7" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "resplit train=0.8,val=0.1,test=0.1 seed 7" && [ "$(snapshot_count)" = "$((n + 1))" ]'
seed7=$(assignment)
in_parts="SELECT count(*), count(DISTINCT image_id) FROM gold.coco_train WHERE split IN ('train', 'val', 'test')"
check "every image in exactly one part, no image lost or doubled" \
  eval '[ "$(value "$in_parts")" = "$IMAGES,$IMAGES" ]'
check "the assignment is the oracle's (SHA-256 of seed:image_id, cumulative fractions)" \
  eval '[ "$seed7" = "$(oracle 7 train=0.8,val=0.1,test=0.1)" ]'
check "all three parts used, train the largest" \
  eval '[ "$(value "SELECT count(DISTINCT split) FROM gold.coco_train")" = 3 ] && [ "$(value "SELECT mode(split) FROM gold.coco_train")" = train ]'
check "source_split still the source's" \
  eval '[ "$(value "SELECT count(*) FROM gold.coco_train WHERE source_split = '"'"'val2017'"'"'")" = $IMAGES ]'
lh log
check "log shows the message and the re-split" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "redraw (gold: resplit train=0.8,val=0.1,test=0.1 seed 7)"'
lh transform gold --resplit train=0.8,val=0.1,test=0.1 --seed 7
check "the same seed again: the same assignment" eval '[ $RC -eq 0 ] && [ "$(assignment)" = "$seed7" ]'
lh log
check "default message records the re-split" \
  eval 'contains "$OUT" "quality gates passed; resplit train=0.8,val=0.1,test=0.1 seed 7"'
lh transform gold --resplit train=0.8,val=0.1,test=0.1 --seed 8
check "another seed: another assignment (the oracle's)" \
  eval '[ $RC -eq 0 ] && [ "$(assignment)" != "$seed7" ] && [ "$(assignment)" = "$(oracle 8 train=0.8,val=0.1,test=0.1)" ]'
lh transform gold --resplit a=0.25,b=0.25,c=0.5 --seed 7
check "other names and fractions, any order (the oracle's)" \
  eval '[ $RC -eq 0 ] && [ "$(assignment)" = "$(oracle 7 a=0.25,b=0.25,c=0.5)" ]'
lh transform gold --resplit all=1 --seed 3
check "one part takes everything" eval '[ $RC -eq 0 ] && [ "$(value "SELECT string_agg(DISTINCT split) FROM gold.coco_train")" = all ]'

# --- the export follows the re-split ---------------------------------------------------------
lh transform gold --resplit train=0.8,val=0.1,test=0.1 --seed 7
lh export --table gold.coco_train --format coco --out "$WORK/export"
check "export writes one instances file per part" \
  eval '[ $RC -eq 0 ] && [ "$(cd "$WORK/export/annotations" && ls instances_*.json | tr "\n" " ")" = "instances_test.json instances_train.json instances_val.json " ]'
counts=$("$PY" -c "
import json, sys
print(','.join(f'{s}={len(json.load(open(sys.argv[1] + f\"/annotations/instances_{s}.json\"))[\"images\"])}' for s in ('train', 'val', 'test')))" "$WORK/export")
want=$(oracle 7 train=0.8,val=0.1,test=0.1 | "$PY" -c "
import collections, sys
c = collections.Counter(l.strip().split(',')[1] for l in sys.stdin)
print(','.join(f'{s}={c[s]}' for s in ('train', 'val', 'test')))")
check "each instances file holds its part's images ($want)" eval '[ "$counts" = "$want" ]'

# --- VisDrone: clips re-split by sequence ----------------------------------------------------
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/hub" --sequences 8 --frames 30 >/dev/null
start_hub "$FIXTURES/hub"
lh ingest visdrone --from hf://datasets/fixtures/visdrone-mot
check "VisDrone fixture ingested" eval '[ $RC -eq 0 ]'
by_sequence="SELECT DISTINCT f.sequence || ',' || g.split FROM gold.visdrone_train g
  JOIN silver.visdrone_fragments f USING (clip_uri, fragment_id) ORDER BY 1"
clip_splits() { "$LAKEHOUSE_BIN" sql --csv "$by_sequence" | tail -n +2 | tr -d '"' | LC_ALL=C sort; }
lh transform all
default_clips="SELECT count(*) FROM gold.visdrone_train g JOIN silver.visdrone_fragments f
  USING (clip_uri, fragment_id) WHERE g.split IS DISTINCT FROM split_of(f.sequence)"
check "without --resplit, clips keep the default split_of(sequence)" \
  eval '[ $RC -eq 0 ] && [ "$(value "$default_clips")" = 0 ] && [ "$(value "SELECT count(*) FROM gold.visdrone_train")" -gt 0 ]'
"$LAKEHOUSE_BIN" sql --csv "SELECT DISTINCT sequence FROM silver.visdrone_fragments" | tail -n +2 >"$WORK/sequences"
lh transform gold --resplit train=0.5,val=0.25,test=0.25 --seed 11
check "with --resplit, each clip's fragments go to its sequence's part (the oracle's)" \
  eval '[ $RC -eq 0 ] && [ "$(clip_splits)" = "$(oracle 11 train=0.5,val=0.25,test=0.25 "$WORK/sequences" | LC_ALL=C sort)" ] && [ "$(wc -l <"$WORK/sequences")" = 8 ]'
check "COCO in the same run re-split too (the oracle's)" \
  eval '[ "$(assignment)" = "$(oracle 11 train=0.5,val=0.25,test=0.25)" ]'

# --- a part named like a source split: the export still holds every image of that part -----
# A second release split (train2017: the fixture's images, re-encoded, under other ids), then a re-split
# whose part 'val2017' mixes images of both releases: instances_val2017.json must not be
# rebuilt from the val2017 release alone.
"$PY" - "$SRC" "$FIXTURES/coco-train" <<'PYEOF'
import json, os, sys
from PIL import Image
src, out = sys.argv[1], sys.argv[2]
d = json.load(open(f"{src}/annotations/instances_val2017.json"))
os.makedirs(f"{out}/annotations"); os.makedirs(f"{out}/train2017")
for im in d["images"]:
    old = im["file_name"]
    im["id"] += 1000000
    im["file_name"] = f"{im['id']:012d}.jpg"
    img = Image.open(f"{src}/val2017/{old}")  # other bytes: silver drops duplicate content
    img.putpixel((0, 0), (0, 0, 0))
    img.save(f"{out}/train2017/{im['file_name']}", quality=95)
for a in d["annotations"]:
    a["id"] += 1000000; a["image_id"] += 1000000
json.dump(d, open(f"{out}/annotations/instances_train2017.json", "w"))
PYEOF
lh ingest coco --from "$FIXTURES/coco-train" --split train2017
check "a second release split ingested" eval '[ $RC -eq 0 ]'
lh transform all --resplit val2017=0.5,other=0.5 --seed 5
mixed="SELECT count(DISTINCT source_split) FROM gold.coco_train WHERE split = 'val2017'"
check "the part val2017 holds images of both releases" eval '[ $RC -eq 0 ] && [ "$(value "$mixed")" = 2 ]'
lh export --table gold.coco_train --format coco --out "$WORK/export2"
in_part=$(value "SELECT count(*) FROM gold.coco_train WHERE split = 'val2017'")
exported=$("$PY" -c "import json, sys; print(len(json.load(open(sys.argv[1]))['images']))" "$WORK/export2/annotations/instances_val2017.json")
check "instances_val2017.json holds every image of the part ($in_part)" eval '[ $RC -eq 0 ] && [ "$exported" = "$in_part" ]'

# --- back to the source's split --------------------------------------------------------------
lh transform gold
check "transform gold without --resplit returns to the source's split (and clips to split_of)" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM gold.coco_train WHERE split IS DISTINCT FROM source_split")" = 0 ] && [ "$(assignment | grep -F "$source_assignment")" = "$source_assignment" ] && [ "$(value "$default_clips")" = 0 ]'
finish
