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
  [ -s "$1" ] || return 0 # an empty stream: no sample (and no tar)
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
  eval '[ $rc1 -eq 0 ] && [ $rc8 -eq 0 ] && [ -s "$WORK/s7e0t1.tar" ] && cmp -s "$WORK/s7e0t1.tar" "$WORK/s7e0t8.tar" || { cat "$WORK/err1"; false; }'
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
for r in 0 1 2; do $S --seed 7 --rank $r --world 3 2>/dev/null | cat >"$WORK/w3-$r.tar"; samples "$WORK/w3-$r.tar" >"$WORK/w3-$r"; done
check "--world 3 of $rows: sizes $(wc -l <"$WORK/w3-0") $(wc -l <"$WORK/w3-1") $(wc -l <"$WORK/w3-2") (within one), disjoint and complete" \
  eval '[ "$(cat "$WORK"/w3-? | sort)" = "$(sort "$WORK/e0")" ] && [ $(( $(wc -l <"$WORK/w3-0") - $(wc -l <"$WORK/w3-2") )) -le 1 ] && [ $(wc -l <"$WORK/w3-2") -ge $(( rows / 3 )) ]'
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
rc=$?
check "--skip past the end: an empty tar, exit 0" eval '[ $rc -eq 0 ] && [ -z "$(tar tf "$WORK/empty.tar")" ]'

# ---- video fragments: only the fragment's bytes, the init segment once per clip -----------------
FRAG_SQL="SELECT clip_uri, fragment_id FROM silver.visdrone_fragments"
nfrag=$(value "SELECT count(*) FROM ($FRAG_SQL)")
"$LAKEHOUSE_BIN" stream --sql "$FRAG_SQL" --seed 3 >"$WORK/frag.tar" 2>"$WORK/frag.err"
rc=$?
check "fragments: exit 0" eval '[ $rc -eq 0 ] || { cat "$WORK/frag.err"; false; }'
"$LAKEHOUSE_BIN" export --sql "$FRAG_SQL" --format webdataset --out - 2>/dev/null >"$WORK/frag-export.tar"
samples "$WORK/frag.tar" >"$WORK/f0"
check "every fragment ($nfrag) exactly once, .mp4 (init + fragment) and .json = export's" \
  eval '[ "$(wc -l <"$WORK/f0")" -eq "$nfrag" ] && [ "$(sort "$WORK/f0")" = "$(samples "$WORK/frag-export.tar" | sort)" ]'

# ---- decoded: .npy arrays made in C, checked against Pillow and FFmpeg ---------------------------
$S --seed 7 --decode rgb --size 224x224 --threads 4 >"$WORK/dec.tar" 2>"$WORK/dec.err"
rc=$?
check "--decode rgb --size 224x224: exit 0" eval '[ $rc -eq 0 ] || { cat "$WORK/dec.err"; false; }'
cat >"$WORK/pixels.py" <<'PY'
# pixels.py DECODED_TAR RAW_TAR W H FIT: every .npy against Pillow's decode + resize of the
# .jpg with the same key (stretch: mean absolute difference < 6); boxes mapped to the array.
import io, json, sys, tarfile
import numpy as np
from PIL import Image

def load(path):
    out = {}
    with tarfile.open(path, mode="r|") as t:
        for m in t:
            key, ext = m.name.split(".", 1)
            out.setdefault(key, {})[ext] = t.extractfile(m).read()
    return out

dec, raw = load(sys.argv[1]), load(sys.argv[2])
w, h, fit = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
assert dec.keys() == raw.keys(), (sorted(dec), sorted(raw))
worst = 0.0
for key, s in dec.items():
    a = np.load(io.BytesIO(s["npy"]))
    assert a.dtype == np.uint8 and a.shape == (h, w, 3), (key, a.dtype, a.shape)
    j, j0 = json.loads(s["json"]), json.loads(raw[key]["json"])
    im = Image.open(io.BytesIO(raw[key]["jpg"])).convert("RGB")
    d = j["decode"]
    assert d["source"] == [im.width, im.height] and d["width"] == w and d["height"] == h, d
    sx, sy = d["scale"]
    ox, oy = d["offset"]
    if fit == "stretch":
        ref = np.asarray(im.resize((w, h), Image.BILINEAR), dtype=np.int16)
        mad = float(np.abs(a.astype(np.int16) - ref).mean())
        worst = max(worst, mad)
        assert mad < 6, (key, mad)
        assert abs(sx - w / im.width) < 1e-9 and abs(sy - h / im.height) < 1e-9 and ox == oy == 0
    if fit == "pad":  # the bars are black, the picture in the middle
        assert sx == sy and (ox > 0 or oy > 0 or im.width * h == im.height * w), d
        if ox >= 1:
            assert a[:, : int(ox)].max() == 0 and a[:, w - int(ox) + 1 :].max() == 0
        if oy >= 1:
            assert a[: int(oy)].max() == 0 and a[h - int(oy) + 1 :].max() == 0
    if fit == "crop":
        assert sx == sy and ox <= 0 and oy <= 0, d
    # every box mapped by x' = x * sx + ox (clipped to the array), none lost but cropped ones
    boxes0 = {b["id"]: b["bbox"] for b in j0["boxes"]}
    for b in j["boxes"]:
        x, y, bw, bh = boxes0[b["id"]]
        x0, y0 = max(x * sx + ox, 0), max(y * sy + oy, 0)
        x1, y1 = min((x + bw) * sx + ox, w), min((y + bh) * sy + oy, h)
        assert np.allclose(b["bbox"], [x0, y0, x1 - x0, y1 - y0], atol=1e-6), (b, x0, y0, x1, y1)
    if fit != "crop":
        assert len(j["boxes"]) == len(j0["boxes"]), key
print(f"{len(dec)} samples, worst mean absolute difference {worst:.2f}")
PY
"$PY" "$WORK/pixels.py" "$WORK/dec.tar" "$WORK/s7e0t1.tar" 224 224 stretch >"$WORK/pix.log" 2>&1
rc=$?
check "every .npy is uint8 224x224x3 within a mean absolute difference of 6 of Pillow (decode + BILINEAR resize); boxes scaled: $(tail -n1 "$WORK/pix.log")" \
  eval '[ $rc -eq 0 ] || { cat "$WORK/pix.log"; false; }'
for fit in pad crop; do
  $S --seed 7 --decode rgb --size 160x96 --fit $fit >"$WORK/dec-$fit.tar" 2>/dev/null
  "$PY" "$WORK/pixels.py" "$WORK/dec-$fit.tar" "$WORK/s7e0t1.tar" 160 96 $fit >"$WORK/pix-$fit.log" 2>&1
  rc=$?
  check "--fit $fit --size 160x96: geometry, black bars (pad), boxes mapped and clipped" \
    eval '[ $rc -eq 0 ] || { cat "$WORK/pix-$fit.log"; false; }'
done
check "--decode with the same (seed, epoch) on 1 and 4 threads: byte-identical" \
  eval '$S --seed 7 --decode rgb --size 224x224 --threads 1 2>/dev/null | cmp -s - "$WORK/dec.tar"'

"$LAKEHOUSE_BIN" stream --sql "$FRAG_SQL" --seed 3 --decode rgb --size 64x48 >"$WORK/fdec.tar" 2>"$WORK/fdec.err"
"$LAKEHOUSE_BIN" stream --sql "$FRAG_SQL" --seed 3 --decode rgb --size 64x48 --frames 4 >"$WORK/fdec4.tar" 2>>"$WORK/fdec.err"
"$PY" - "$WORK/fdec.tar" "$WORK/fdec4.tar" "$WORK/frag.tar" "$WORK" >"$WORK/fdec.log" 2>&1 <<'PY'
# every fragment decodes to its frame count (T x 48 x 64 x 3), close to FFmpeg's own decode +
# scale of the .mp4; --frames 4 keeps 4 evenly spaced frames and the boxes of those frames
import io, json, os, subprocess, sys, tarfile
import numpy as np
def load(path):
    out = {}
    with tarfile.open(path, mode="r|") as t:
        for m in t:
            key, ext = m.name.split(".", 1)
            out.setdefault(key, {})[ext] = t.extractfile(m).read()
    return out
full, four, raw = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
assert full.keys() == raw.keys() == four.keys()
worst = 0
for key, s in full.items():
    a, j = np.load(io.BytesIO(s["npy"])), json.loads(s["json"])
    assert a.shape == (j["frames"], 48, 64, 3), (key, a.shape, j["frames"])
    mp4 = os.path.join(sys.argv[4], key + ".mp4")
    open(mp4, "wb").write(raw[key]["mp4"])
    ref = subprocess.run(["ffmpeg", "-v", "error", "-i", mp4, "-vf", "scale=64:48:flags=area",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    ref = np.frombuffer(ref, np.uint8).reshape(-1, 48, 64, 3)
    assert ref.shape == a.shape, (ref.shape, a.shape)
    worst = max(worst, float(np.abs(a.astype(np.int16) - ref).mean()))
    b, j4 = np.load(io.BytesIO(four[key]["npy"])), json.loads(four[key]["json"])
    kept = j4["decode"]["frames"]
    n = j["frames"]
    assert b.shape[0] == min(4, n) and kept == [k * n // 4 for k in range(4)], (b.shape, kept)
    assert np.array_equal(b, a[kept]), key
    raw_boxes = json.loads(raw[key]["json"])["boxes"]
    assert len(j4["boxes"]) == sum(1 for x in raw_boxes if x["frame"] in kept)
    assert all(x["frame"] < 4 for x in j4["boxes"])
assert worst < 6, worst
print(f"{len(full)} fragments, worst mean absolute difference to FFmpeg {worst:.2f}")
PY
rc=$?
check "fragments decode to their frame count (TxHxWx3) near FFmpeg's decode; --frames 4: 4 evenly spaced frames and their boxes: $(tail -n1 "$WORK/fdec.log")" \
  eval '[ $rc -eq 0 ] || { cat "$WORK/fdec.log" "$WORK/fdec.err"; false; }'

# ---- consumers: webdataset's pipe: URL -------------------------------------------------------
"$PY" - "$LAKEHOUSE_BIN" "$rows" >"$WORK/wds.log" 2>&1 <<'PY'
import sys, webdataset as wds
bin, rows = sys.argv[1], int(sys.argv[2])
raw = list(wds.WebDataset(f"pipe:{bin} stream --table gold.coco_train --seed 7", shardshuffle=False).decode("rgb8"))
assert len(raw) == rows and all(s["jpg"].shape[2] == 3 and "boxes" in s["json"] for s in raw)
dec = list(wds.WebDataset(f"pipe:{bin} stream --table gold.coco_train --seed 7 --decode rgb --size 224x224", shardshuffle=False).decode())
assert [s["__key__"] for s in dec] == [s["__key__"] for s in raw]
assert all(s["npy"].shape == (224, 224, 3) for s in dec)
print("ok", len(raw))
PY
rc=$?
check "webdataset.WebDataset('pipe:lakehouse stream ...') reads the raw and the decoded stream" \
  eval '[ $rc -eq 0 ] || { cat "$WORK/wds.log"; false; }'

# ---- Python: StreamDataset (pure Python; torch optional: tested here without it) -----------------
cp -r "$E2E_DIR/../../python" "$WORK/pysrc" # the build writes next to its sources
"$PY" -m pip install --quiet --no-deps --no-build-isolation --target "$WORK/pylib" "$WORK/pysrc" >"$WORK/pip.log" 2>&1
check "pip install ./python: a pure-Python package (no compiled file)" \
  eval '[ -f "$WORK/pylib/lakehouse/stream.py" ] && [ -z "$(find "$WORK/pylib" -name "*.so")" ] || { cat "$WORK/pip.log"; false; }'
PYTHONPATH=$WORK/pylib "$PY" - "$WORK/s7e0t1.tar" "$WORK/dec.tar" "$rows" >"$WORK/sd.log" 2>&1 <<'PY'
import io, json, sys, tarfile
import numpy as np
import lakehouse.stream as ls
from lakehouse import StreamDataset

def load(path):
    keys, out = [], {}
    with tarfile.open(path, mode="r|") as t:
        for m in t:
            k, ext = m.name.split(".", 1)
            if k not in out:
                keys.append(k)
            out.setdefault(k, {})[ext] = t.extractfile(m).read()
    return keys, out

raw_keys, raw = load(sys.argv[1])
dec_keys, dec = load(sys.argv[2])
rows = int(sys.argv[3])
# raw bytes, the stream's order
got = list(StreamDataset(table="gold.coco_train", seed=7, epoch=0))
assert [s["__key__"] for s in got] == raw_keys, "order"
assert all(s["jpg"] == raw[s["__key__"]]["jpg"] and s["json"] == json.loads(raw[s["__key__"]]["json"]) for s in got)
# decoded
ds = StreamDataset(table="gold.coco_train", seed=7, epoch=0, decode="rgb", size=(224, 224), threads=4)
full = list(ds)
assert [s["__key__"] for s in full] == dec_keys
assert all(s["image"].shape == (224, 224, 3) and s["image"].dtype == np.uint8 for s in full)
assert all(np.array_equal(s["image"], np.load(io.BytesIO(dec[s["__key__"]]["npy"]))) for s in full)
assert "decode" in full[0]["json"]
# exact resume from state_dict(), in a new dataset object
ds = StreamDataset(table="gold.coco_train", seed=7, epoch=0, decode="rgb", size=(224, 224))
head = []
for s in ds:
    head.append(s)
    if len(head) == 3:
        break
state = ds.state_dict()
assert state["consumed"] == 3 and state["epoch"] == 0, state
ds2 = StreamDataset(table="gold.coco_train", seed=0, epoch=5, decode="rgb", size=(224, 224))
ds2.load_state_dict(state)
tail = list(ds2)
both = head + tail
assert [s["__key__"] for s in both] == dec_keys, ([s["__key__"] for s in both], dec_keys)
assert all(np.array_equal(a["image"], b["image"]) for a, b in zip(both, full))
assert ds2.state_dict()["consumed"] == rows
# another epoch: the same samples, another order
ds2.set_epoch(1)
e1 = [s["__key__"] for s in ds2]
assert sorted(e1) == sorted(dec_keys) and e1 != dec_keys
# ranks, and DataLoader workers on their own (worker info faked: no torch here)
r1 = [s["__key__"] for s in StreamDataset(table="gold.coco_train", seed=7, rank=1, world=2)]
assert r1 == raw_keys[1::2], r1
ls._worker_info = lambda: (1, 3)
w = StreamDataset(table="gold.coco_train", seed=7, rank=1, world=2)
assert w.split() == (4, 6)
assert [s["__key__"] for s in w] == raw_keys[4::6]
ls._worker_info = lambda: (0, 1)
# a missing object: the good samples, then an error naming it
bad = StreamDataset(sql="SELECT image_uri FROM gold.coco_train UNION ALL SELECT 's3://lakehouse/assets/coco/missing.jpg'", seed=7)
seen = []
try:
    for s in bad:
        seen.append(s["__key__"])
    raise AssertionError("no error")
except RuntimeError as e:
    assert "missing.jpg" in str(e), e
assert seen and seen == [k for k in seen if k in raw]
print("ok", len(full), len(tail))
PY
rc=$?
check "StreamDataset: the stream's samples and order (raw and decoded), exact resume from state_dict(), epochs, ranks, workers, errors" \
  eval '[ $rc -eq 0 ] || { cat "$WORK/sd.log"; false; }'

# ---- errors --------------------------------------------------------------------------------------
# a selection naming an object that is not there: the stream stops after the last complete sample
BAD="SELECT image_uri FROM gold.coco_train UNION ALL SELECT 's3://lakehouse/assets/coco/missing.jpg'"
"$LAKEHOUSE_BIN" stream --sql "$BAD" --seed 7 >"$WORK/bad.tar" 2>"$WORK/bad.err"; rc=$?
"$LAKEHOUSE_BIN" stream --sql "$BAD" --seed 7 --skip-bad >"$WORK/skipbad.tar" 2>"$WORK/skipbad.err"; rcs=$?
good=$(samples "$WORK/bad.tar" | wc -l)
"$LAKEHOUSE_BIN" stream --sql "$BAD" --seed 7 --skip "$good" >"$WORK/bad-at.tar" 2>"$WORK/bad-at.err"; rca=$?
check "a missing object: exit 1 naming its URI, after $good complete samples (those before it; resuming there fails at once)" \
  eval '[ $rc -eq 1 ] && grep -q "s3://lakehouse/assets/coco/missing.jpg" "$WORK/bad.err" && [ "$(samples "$WORK/bad.tar")" = "$(samples "$WORK/skipbad.tar" | head -n "$good")" ] && [ $rca -eq 1 ] && [ "$(samples "$WORK/bad-at.tar" | wc -l)" -eq 0 ] || { cat "$WORK/bad.err"; false; }'
check "--skip-bad: exit 0, the $rows good samples, 'skipped 1' on stderr naming the URI" \
  eval '[ $rcs -eq 0 ] && [ "$(samples "$WORK/skipbad.tar" | wc -l)" -eq "$rows" ] && grep -q "skipped 1 samples.*missing.jpg" "$WORK/skipbad.err" || { cat "$WORK/skipbad.err"; false; }'
# a corrupt object: a clip's bytes where an image is expected fail its decode
CORRUPT="SELECT image_uri FROM gold.coco_train UNION ALL (SELECT clip_uri AS image_uri FROM raw.visdrone_clips LIMIT 1)"
clip=$(value "SELECT clip_uri FROM raw.visdrone_clips LIMIT 1")
"$LAKEHOUSE_BIN" stream --sql "$CORRUPT" --decode rgb --size 32x32 >"$WORK/corrupt.tar" 2>"$WORK/corrupt.err"; rc=$?
check "a corrupt image under --decode: exit 1 naming the URI" \
  eval '[ $rc -eq 1 ] && grep -q "$clip" "$WORK/corrupt.err" && grep -qi "jpeg" "$WORK/corrupt.err" || { cat "$WORK/corrupt.err"; false; }'
if [ "$S3_FILE_PER_OBJECT" = 1 ]; then
  victim=$(value "SELECT image_uri FROM gold.coco_train ORDER BY image_uri LIMIT 1")
  f=$S3_OBJECTS/${victim#s3://}
  cp "$f" "$WORK/victim.bak" && head -c 600 "$WORK/victim.bak" >"$f"
  $S --seed 7 --decode rgb --size 64x64 >/dev/null 2>"$WORK/trunc.err"; rct=$?
  $S --seed 7 >/dev/null 2>"$WORK/trunc2.err"; rct2=$?
  cp "$WORK/victim.bak" "$f"
  check "a truncated JPEG in the store: exit 1 naming it (--decode; and by its SHA-256 without)" \
    eval '[ $rct -eq 1 ] && grep -q "$victim" "$WORK/trunc.err" && [ $rct2 -eq 1 ] && grep -q "$victim.*SHA-256" "$WORK/trunc2.err" || { cat "$WORK/trunc.err" "$WORK/trunc2.err"; false; }'
fi

# a reader that stops early: the stream ends quietly, exit 0
$S --seed 7 --decode rgb --size 512x512 2>"$WORK/pipe.err" | head -c 1000 >/dev/null
ps=${PIPESTATUS[0]}
check "the reader closing the pipe ends the stream quietly: exit 0, nothing on stderr" \
  eval '[ "$ps" -eq 0 ] && [ ! -s "$WORK/pipe.err" ]'
st=$( { $S --seed 7 --decode rgb --size 512x512 2>"$WORK/pipe.err"; echo $? >"$WORK/pipe.rc"; } | head -c 1000 | wc -c)
check "(its exit code, seen from the pipeline)" eval '[ "$(cat "$WORK/pipe.rc")" -eq 0 ] && [ ! -s "$WORK/pipe.err" ] && [ "$st" -eq 1000 ]'

# usage errors, before any byte
lh stream --table gold.coco_train --rank 4 --world 4
check "--rank 4 --world 4: a usage error (exit 2)" eval '[ $RC -eq 2 ] && [ -z "$OUT" ]'
lh stream --table gold.coco_train --decode rgb
check "--decode without --size: a usage error (exit 2)" eval '[ $RC -eq 2 ] && [ -z "$OUT" ]'

# an expired snapshot: a clear error before the first byte
lh sql "DELETE FROM gold.coco_train WHERE image_id IN (SELECT min(image_id) FROM gold.coco_train)" -m "drop one image"
$S --version "$V" >"$WORK/atv.tar" 2>/dev/null
rc=$?
check "--version $V (before the delete): $rows samples" eval '[ $rc -eq 0 ] && [ "$(samples "$WORK/atv.tar" | wc -l)" -eq "$rows" ]'
lh expire --keep 1 --yes
lh stream --table gold.coco_train --version "$V"
check "--version $V after 'expire --keep 1': exit 2 naming the snapshot, nothing on stdout" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "$V" && [ -z "$OUT" ]'

finish
