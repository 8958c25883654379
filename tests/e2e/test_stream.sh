#!/usr/bin/env bash
# `lakehouse stream`: one WebDataset tar on stdout in a (seed, epoch) permutation, split by rank,
# resumable with --skip, decoded to arrays in C; read with tarfile, webdataset, Pillow, NumPy
# and the python/ package (StreamDataset). Real S3 server, real DuckLake, real FFmpeg.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 8 --train 4 --crowds 1 >/dev/null
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/hub" --sequences 2 --frames 60 >/dev/null
start_hub "$FIXTURES/hub"
start_storage
lh init
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
lh ingest visdrone --from hf://datasets/fixtures/visdrone-mot --fps 30
lh transform all
check "fixtures: COCO + VisDrone landed, silver and gold built" test "$RC" -eq 0
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
V=$(value "SELECT id FROM lake.current_snapshot()")
rows=$(value "SELECT count(*) FROM gold.coco_train")
S="$LAKEHOUSE_BIN stream --table gold.coco_train"
# tarinfo.py TAR: one line per sample, "key member-sha256 ..." in stream order
samples() {
  "$PY" - "$1" <<'PY'
import hashlib, sys, tarfile
cur, line = None, []
with tarfile.open(sys.argv[1], mode="r|") as t:
    for m in t:
        key = m.name.split(".", 1)[0]
        if key != cur and cur is not None:
            print(cur, *line); line = []
        cur = key
        line.append(m.name.split(".", 1)[1] + ":" + hashlib.sha256(t.extractfile(m).read()).hexdigest()[:16])
if cur is not None:
    print(cur, *line)
PY
}

# ---- order: a function of (seed, epoch) only ---------------------------------------------------
$S --seed 7 --epoch 0 --threads 1 >"$WORK/s7e0t1.tar" 2>"$WORK/err1"; rc1=$?
$S --seed 7 --epoch 0 --threads 8 >"$WORK/s7e0t8.tar" 2>"$WORK/err8"; rc8=$?
check "stream --threads 1 and --threads 8: exit 0, byte-identical" \
  eval '[ $rc1 -eq 0 ] && [ $rc8 -eq 0 ] && [ -s "$WORK/s7e0t1.tar" ] && cmp -s "$WORK/s7e0t1.tar" "$WORK/s7e0t8.tar" || cat "$WORK/err1"'
samples "$WORK/s7e0t1.tar" >"$WORK/e0"
"$LAKEHOUSE_BIN" export --table gold.coco_train --format webdataset --out - 2>/dev/null >"$WORK/export.tar"
samples "$WORK/export.tar" >"$WORK/ex"
check "every sample of gold.coco_train ($rows) exactly once, members = export's (key, .jpg, .json bytes)" \
  eval '[ "$(wc -l <"$WORK/e0")" -eq "$rows" ] && [ "$(sort "$WORK/e0")" = "$(sort "$WORK/ex")" ] && [ -z "$(cut -d" " -f1 "$WORK/e0" | sort | uniq -d)" ]'
check "shuffled: not the export's order" eval '[ "$(cut -d" " -f1 "$WORK/e0")" != "$(cut -d" " -f1 "$WORK/ex")" ]'
$S --seed 7 --epoch 1 >"$WORK/s7e1.tar" 2>/dev/null
samples "$WORK/s7e1.tar" >"$WORK/e1"
check "another epoch: the same samples in another order" \
  eval '[ "$(sort "$WORK/e1")" = "$(sort "$WORK/e0")" ] && [ "$(cut -d" " -f1 "$WORK/e1")" != "$(cut -d" " -f1 "$WORK/e0")" ]'
$S --seed 8 --epoch 0 >"$WORK/s8e0.tar" 2>/dev/null
check "another seed: another order" eval '[ "$(samples "$WORK/s8e0.tar" | cut -d" " -f1)" != "$(cut -d" " -f1 "$WORK/e0")" ]'

# ---- ranks and resume --------------------------------------------------------------------------
: >"$WORK/ranks"
ok=1
for r in 0 1 2 3; do
  $S --seed 7 --epoch 0 --rank $r --world 4 --threads 3 >"$WORK/r$r.tar" 2>/dev/null || ok=0
  samples "$WORK/r$r.tar" >"$WORK/r$r"
  cat "$WORK/r$r" >>"$WORK/ranks"
  # rank r's samples are places r, r+4, ... of the whole stream
  [ "$(cut -d" " -f1 "$WORK/r$r")" = "$(cut -d" " -f1 "$WORK/e0" | awk -v r=$r 'NR % 4 == r + 1 || (r == 3 && NR % 4 == 0)')" ] || ok=0
done
sizes=$(for r in 0 1 2 3; do wc -l <"$WORK/r$r"; done | sort -n | sed -n '1p;$p' | tr '\n' ' ')
check "--rank 0..3 --world 4: disjoint, together complete, sizes within one ($sizes), each every 4th sample" \
  eval '[ $ok -eq 1 ] && [ "$(sort "$WORK/ranks")" = "$(sort "$WORK/e0")" ] && [ -z "$(cut -d" " -f1 "$WORK/ranks" | sort | uniq -d)" ] && [ $(( ${sizes#* } - ${sizes%% *} )) -le 1 ]'
tail_of() { # tail_of TAR N: the bytes of TAR after its first N samples (2 members each)
  "$PY" - "$1" "$2" <<'PY'
import sys, tarfile
data = open(sys.argv[1], "rb").read()
n = int(sys.argv[2]) * 2
with tarfile.open(sys.argv[1], mode="r:") as t:
    members = t.getmembers()
start = members[n].offset if n < len(members) else len(data) - 1024
sys.stdout.buffer.write(data[start:])
PY
}
$S --seed 7 --epoch 0 --skip 5 >"$WORK/skip5.tar" 2>/dev/null
tail_of "$WORK/s7e0t1.tar" 5 >"$WORK/tail5.tar"
check "--skip 5 = the full stream after its first 5 samples, byte for byte" \
  eval '[ -s "$WORK/skip5.tar" ] && cmp -s "$WORK/skip5.tar" "$WORK/tail5.tar"'
$S --seed 7 --epoch 0 --rank 1 --world 4 --skip 1 >"$WORK/r1skip1.tar" 2>/dev/null
tail_of "$WORK/r1.tar" 1 >"$WORK/r1tail1.tar"
check "--rank 1 --world 4 --skip 1 = rank 1's stream after its first sample" \
  cmp -s "$WORK/r1skip1.tar" "$WORK/r1tail1.tar"
$S --seed 7 --skip 100000 >"$WORK/empty.tar" 2>/dev/null
check "--skip past the end: an empty tar, exit 0" eval '[ $? -eq 0 ] && [ -z "$(tar tf "$WORK/empty.tar")" ]'

finish
