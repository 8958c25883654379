#!/usr/bin/env bash
# Benchmark (not a test): samples/s delivered to a Python consumer as 224x224 uint8 arrays, on
# N generated photo-like 640x480 JPEGs (~100 KB, COCO's typical size) in the lake:
#   stream      StreamDataset(decode='rgb', size=(224, 224)): `lakehouse stream` reads (Range
#               GETs), decodes (libjpeg-turbo, DCT-scaled) and resizes in C, 2 threads
#   (a) Pillow from memory, 2 processes: the JPEG bytes already in RAM, Image.draft + resize
#   (b) boto3 + Pillow, a map-style loader in 2 processes: GET each object, decode, resize
#   (c) webdataset over the export's shards (local files), Pillow decode + resize, 2 processes
#   (b) and (c) also with Image.draft, which gives Pillow the same DCT scaling
#   the libjpeg-turbo ceiling: decode only (DCT-scaled to >= 224), no I/O, no resize, 2 threads
#   peak RSS of `lakehouse stream`; first-sample latency (process start to the first array)
# Usage: bench/stream.sh [N]   (default 1000)
N=${1:-1000}
. "$(dirname "$0")/lib.sh"
VENV=.deps/bench-venv
if [ ! -x $VENV/bin/python ] || ! cmp -s bench/requirements.txt $VENV/requirements.txt; then
  python3 -m venv $VENV && (cd bench && ../$VENV/bin/pip install -q -r requirements.txt)
  cp bench/requirements.txt $VENV/requirements.txt
fi
PY=$ROOT/$VENV/bin/python
echo "generating $N images..."
"$PY" - "$W/hub/fixtures/bench" "$N" <<'PYGEN'
# photo-like 640x480 JPEGs (smooth colour fields, edges, fine grain), quality 90, in the Hub
# layout `lakehouse ingest bench` reads
import io, os, sys
import numpy as np
import pyarrow as pa, pyarrow.parquet as pq
from PIL import Image, ImageDraw
out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
os.makedirs(os.path.join(out, "data"), exist_ok=True)
per = 200
for shard in range((n + per - 1) // per):
    rows = {"image_id": [], "image": [], "width": [], "height": []}
    for i in range(shard * per, min(n, (shard + 1) * per)):
        low = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
        img = Image.fromarray(low).resize((640, 480), Image.BICUBIC)
        d = ImageDraw.Draw(img)
        for _ in range(12):
            x, y = rng.integers(0, 600), rng.integers(0, 440)
            d.rectangle([x, y, x + rng.integers(10, 160), y + rng.integers(10, 120)],
                        fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
        a = np.asarray(img, dtype=np.int16) + rng.integers(-12, 13, (480, 640, 3))
        buf = io.BytesIO()
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=90)
        rows["image_id"].append(i)
        rows["image"].append({"bytes": buf.getvalue(), "path": f"bench/{i:07d}.jpg"})
        rows["width"].append(640)
        rows["height"].append(480)
    t = pa.table({"image_id": pa.array(rows["image_id"], pa.int64()),
                  "image": pa.array(rows["image"], pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
                  "width": pa.array(rows["width"], pa.int64()), "height": pa.array(rows["height"], pa.int64())})
    pq.write_table(t, os.path.join(out, "data", f"train-{shard:05d}-of-{(n + per - 1) // per:05d}.parquet"))
PYGEN
start_storage
cd "$W"
$LH init >/dev/null
$LH ingest bench --from "$W/hub/fixtures/bench" --split train --threads 4 >/dev/null
rm -rf "$W/hub"
SEL="SELECT image_uri FROM raw.bench"
$LH sql --csv "$SEL" | tail -n +2 >"$W/uris"
echo "$N images in the lake ($(du -sm "$LAKEHOUSE_DATA_DIR/objects/lakehouse/assets" | cut -f1) MB of objects)"
$LH export --sql "$SEL" --format webdataset --out "$W/shards" --shard-size 16000000 >/dev/null
THREADS=2

# peak RSS and wall time of the stream alone (decoded arrays to /dev/null)
/usr/bin/time -f "%e %M" -o "$W/stream.time" $LH stream --sql "$SEL" --decode rgb --size 224x224 \
  --threads $THREADS >/dev/null
read -r st_s st_kb <"$W/stream.time"

# the libjpeg-turbo ceiling: decode only, DCT-scaled as stream does, 2 threads, files in RAM
cat >"$W/ceiling.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <turbojpeg.h>
struct job { unsigned char **data; unsigned long *len; int from, to; };
static void *run(void *p)
{
	struct job *j = p;
	tjhandle tj = tjInitDecompress();
	unsigned char *out = malloc(4096 * 4096 * 3);
	for (int i = j->from; i < j->to; i++) {
		int w, h, s, c;
		tjDecompressHeader3(tj, j->data[i], j->len[i], &w, &h, &s, &c);
		tjscalingfactor f = {1, 1};
		if (w / 2 >= 224 && h / 2 >= 224) f.denom = 2;
		tjDecompress2(tj, j->data[i], j->len[i], out, TJSCALED(w, f), 0, TJSCALED(h, f), TJPF_RGB, 0);
	}
	free(out);
	tjDestroy(tj);
	return NULL;
}
int main(int argc, char **argv)
{
	int n = argc - 1;
	unsigned char **data = calloc(n, sizeof *data);
	unsigned long *len = calloc(n, sizeof *len);
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(argv[i + 1], "rb");
		fseek(f, 0, SEEK_END), len[i] = ftell(f), fseek(f, 0, SEEK_SET);
		data[i] = malloc(len[i]);
		if (fread(data[i], 1, len[i], f) != len[i]) return 1;
		fclose(f);
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pthread_t t[2];
	struct job jobs[2] = {{data, len, 0, n / 2}, {data, len, n / 2, n}};
	for (int k = 0; k < 2; k++) pthread_create(&t[k], NULL, run, &jobs[k]);
	for (int k = 0; k < 2; k++) pthread_join(t[k], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", n / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
	return 0;
}
C
cc -O2 -o "$W/ceiling" "$W/ceiling.c" -lturbojpeg -lpthread
OBJ=$LAKEHOUSE_DATA_DIR/objects/lakehouse
ceiling=$("$W/ceiling" $(sed "s|^s3://lakehouse/|$OBJ/|" "$W/uris"))

cat >"$W/consumers.py" <<'PYC'
# consumers.py: each loader delivers every image as a 224x224x3 uint8 array to this process.
import glob, io, json, os, sys, tarfile, time
from multiprocessing import Pool
import numpy as np
from PIL import Image
sys.path.insert(0, os.path.join(os.environ["ROOT"], "python"))
from lakehouse import StreamDataset

W, SEL, N = os.environ["W"], os.environ["SEL"], int(os.environ["N"])
URIS = open(os.path.join(W, "uris")).read().split()
SIZE = (224, 224)
res = {}

def pil(data, draft=True):
    im = Image.open(io.BytesIO(data))
    if draft:
        im.draft("RGB", SIZE)
    return np.asarray(im.convert("RGB").resize(SIZE, Image.BILINEAR))

def timed(name, it):
    t0 = time.perf_counter(); first = None; n = 0
    for a in it:
        assert a.shape == (224, 224, 3)
        if first is None:
            first = time.perf_counter() - t0
        n += 1
    dt = time.perf_counter() - t0
    assert n == N, (name, n)
    res[name] = {"per_s": n / dt, "first_s": first}
    print(f"{name:10s} {n / dt:8.1f} samples/s   first sample {first * 1000:7.1f} ms", flush=True)

# stream: StreamDataset, arrays made in C
ds = StreamDataset(sql=SEL, decode="rgb", size=SIZE, threads=int(os.environ["THREADS"]), seed=1)
timed("stream", (s["image"] for s in ds))

# (a) Pillow from memory, 2 processes
obj = os.environ["OBJ"]
blobs = [open(u.replace("s3://lakehouse/", obj + "/"), "rb").read() for u in URIS]
with Pool(2) as p:
    timed("pillow-mem", p.imap(pil, blobs, chunksize=16))

# (b) boto3 + Pillow map-style loader, 2 processes
def init_boto():
    global S3
    import boto3
    S3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
def get_decode(uri, draft=False):
    key = uri.split("/", 3)[3]
    return pil(S3.get_object(Bucket="lakehouse", Key=key)["Body"].read(), draft=draft)
def get_decode_draft(uri):
    return get_decode(uri, True)
with Pool(2, initializer=init_boto) as p:
    timed("boto3", p.imap(get_decode, URIS, chunksize=16))
with Pool(2, initializer=init_boto) as p:
    timed("boto3-draft", p.imap(get_decode_draft, URIS, chunksize=16))

# (c) webdataset over the export's shards, Pillow, 2 processes (shards split between them)
def wds_shard(path, draft=False):
    import webdataset as wds
    return [pil(s["jpg"], draft=draft) for s in wds.WebDataset(path, shardshuffle=False)]
def wds_shard_draft(path):
    return wds_shard(path, True)
shards = sorted(glob.glob(os.path.join(W, "shards", "*.tar")))
with Pool(2) as p:
    timed("wds", (a for batch in p.imap(wds_shard, shards) for a in batch))
with Pool(2) as p:
    timed("wds-draft", (a for batch in p.imap(wds_shard_draft, shards) for a in batch))
json.dump(res, open(os.path.join(W, "consumers.json"), "w"))
PYC
LAKEHOUSE_BIN=$LH ROOT=$ROOT W=$W SEL=$SEL N=$N OBJ=$OBJ THREADS=$THREADS "$PY" "$W/consumers.py"
read -r s_ps s_first a_ps b_ps c_ps bd_ps cd_ps < <("$PY" -c "
import json; r = json.load(open('$W/consumers.json'))
print(*(r[k]['per_s'] for k in ('stream',)), r['stream']['first_s'],
      *(r[k]['per_s'] for k in ('pillow-mem', 'boto3', 'wds', 'boto3-draft', 'wds-draft')))")
echo
printf '%-62s %10s\n' "224x224 arrays to a Python consumer, $N images 640x480" "samples/s"
printf '%-62s %10.1f\n' "lakehouse stream --decode (StreamDataset), $THREADS threads" "$s_ps"
printf '%-62s %10.1f\n' "(a) Pillow draft + resize from memory, 2 processes" "$a_ps"
printf '%-62s %10.1f\n' "(b) boto3 + Pillow map-style loader, 2 processes" "$b_ps"
printf '%-62s %10.1f\n' "(c) webdataset on the export's shards + Pillow, 2 processes" "$c_ps"
printf '%-62s %10.1f\n' "(b) with Image.draft (DCT scaling in Pillow too)" "$bd_ps"
printf '%-62s %10.1f\n' "(c) with Image.draft" "$cd_ps"
printf '%-62s %10.1f\n' "libjpeg-turbo decode only (DCT-scaled, no I/O), 2 threads" "$ceiling"
printf '%-62s %10s\n' "lakehouse stream peak RSS" "$((st_kb / 1024)) MiB"
printf '%-62s %10s\n' "first sample (StreamDataset: process start to first array)" "$(printf '%.0f' "$(echo "$s_first * 1000" | bc -l)") ms"
printf '%-62s %10s\n' "lakehouse stream alone, decoded to /dev/null" "$(printf '%.1f' "$(echo "$N / $st_s" | bc -l)")/s"
result "stream: samples/s to Python (224x224)" "$(printf '%.0f/s' "$s_ps")" "$(printf '%.0f/s boto3+Pillow' "$b_ps")" \
  "$(printf '%.2fx' "$(echo "$s_ps / $b_ps" | bc -l)")" ">= (b)"
