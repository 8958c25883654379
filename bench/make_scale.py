"""COCO-like repos for bench/scale.sh: N small distinct JPEGs (~7 boxes each, COCO's category
mix: person about 30 % of boxes, car 5 %, chair 4.5 %, the other 77 classes sharing the rest;
crowded scenes with 5+ persons in about 10 % of images) and 5 captions per image, as
Hub-shaped local folders (data/train-XXXXX-of-YYYYY.parquet, 1,000 images per file) that
`lakehouse ingest coco --from DIR --split train` reads. Shards are written once into a pool
and each size hard-links the first N/1000 of them, so 1k, 10k and 100k share their first images.
Usage: make_scale.py POOL OUT N"""
import io
import os
import random
import sys

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image, ImageDraw

NAMES = ("person bicycle car motorcycle airplane bus train truck boat traffic_light fire_hydrant "
         "stop_sign parking_meter bench bird cat dog horse sheep cow elephant bear zebra giraffe "
         "backpack umbrella handbag tie suitcase frisbee skis snowboard sports_ball kite "
         "baseball_bat baseball_glove skateboard surfboard tennis_racket bottle wine_glass cup "
         "fork knife spoon bowl banana apple sandwich orange broccoli carrot hot_dog pizza donut "
         "cake chair couch potted_plant bed dining_table toilet tv laptop mouse remote keyboard "
         "cell_phone microwave oven toaster sink refrigerator book clock vase scissors teddy_bear "
         "hair_drier toothbrush").replace("_", " ").split(" ")
NAMES = [n.replace("-", " ") for n in NAMES]
PER_SHARD = 1000
IMAGE_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
OBJECTS_TYPE = pa.struct([("bbox_id", pa.list_(pa.int64())), ("category", pa.list_(pa.int64())),
                          ("bbox", pa.list_(pa.list_(pa.float32(), 4))), ("area", pa.list_(pa.float32()))])


def hf(features):
    import json
    return {b"huggingface": json.dumps({"info": {"features": features}}).encode()}


def category(rng):
    r = rng.random()
    if r < 0.30:
        return 0
    if r < 0.35:
        return 2
    if r < 0.395:
        return 56  # chair
    return rng.choice([c for c in range(1, 80) if c not in (2, 56)])


def shard(pool, k):
    det = os.path.join(pool, "det", f"{k:05d}.parquet")
    if os.path.exists(det):
        return
    rng = random.Random(k)
    rows = {k2: [] for k2 in ("image_id", "image", "width", "height", "objects", "cocoid", "caps")}
    for i in range(PER_SHARD):
        image_id = k * PER_SHARD + i + 1
        img = Image.new("RGB", (96, 72), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        d = ImageDraw.Draw(img)
        crowd = rng.random() < 0.10
        n = rng.randint(5, 9) if crowd else rng.randint(3, 10)
        cats = [0] * 5 + [category(rng) for _ in range(n - 5)] if crowd else [category(rng) for _ in range(n)]
        boxes = []
        for c in cats:
            x, y, w, h = rng.randint(0, 80), rng.randint(0, 56), rng.randint(4, 16), rng.randint(4, 16)
            d.rectangle([x, y, x + w, y + h], outline=(c * 3 % 256, 255 - c * 3 % 256, 128))
            boxes.append([float(x), float(y), float(w), float(h)])
        d.text((2, 2), str(image_id), fill=(255, 255, 255))
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=80)
        name = f"train2017/{image_id:012d}.jpg"
        rows["image_id"].append(image_id)
        rows["image"].append({"bytes": buf.getvalue(), "path": name})
        rows["width"].append(96)
        rows["height"].append(72)
        base = image_id * 16
        rows["objects"].append({"bbox_id": list(range(base, base + len(cats))), "category": cats,
                                "bbox": boxes, "area": [b[2] * b[3] for b in boxes]})
        rows["caps"].append([f"{NAMES[cats[0]]} number {j} in picture {image_id}" for j in range(5)])
    os.makedirs(os.path.dirname(det), exist_ok=True)
    t = pa.table({"image_id": pa.array(rows["image_id"], pa.int64()),
                  "image": pa.array(rows["image"], IMAGE_TYPE),
                  "width": pa.array(rows["width"], pa.int64()), "height": pa.array(rows["height"], pa.int64()),
                  "objects": pa.array(rows["objects"], OBJECTS_TYPE)}).replace_schema_metadata(hf({
        "image_id": {"dtype": "int64", "_type": "Value"}, "image": {"_type": "Image"},
        "width": {"dtype": "int64", "_type": "Value"}, "height": {"dtype": "int64", "_type": "Value"},
        "objects": {"feature": {"bbox_id": {"dtype": "int64", "_type": "Value"},
                                "category": {"names": NAMES, "_type": "ClassLabel"},
                                "bbox": {"feature": {"dtype": "float32", "_type": "Value"}, "length": 4,
                                         "_type": "Sequence"},
                                "area": {"dtype": "float32", "_type": "Value"}}, "_type": "Sequence"}}))
    pq.write_table(t, det + ".tmp", row_group_size=250)
    cap = pa.table({"image": pa.array(rows["image"], IMAGE_TYPE),
                    "filepath": pa.array(["train2017"] * PER_SHARD, pa.string()),
                    "filename": pa.array([r["path"].split("/")[1] for r in rows["image"]], pa.string()),
                    "cocoid": pa.array(rows["image_id"], pa.int32()),
                    "sentences_raw": pa.array(rows["caps"], pa.list_(pa.string()))}
                   ).replace_schema_metadata(hf({"image": {"_type": "Image"}}))
    os.makedirs(os.path.join(pool, "cap"), exist_ok=True)
    pq.write_table(cap, os.path.join(pool, "cap", f"{k:05d}.parquet"), row_group_size=250)
    os.rename(det + ".tmp", det)


def main():
    pool, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    shards = max(1, n // PER_SHARD)
    for k in range(shards):
        shard(pool, k)
    for kind in ("det", "cap"):
        d = os.path.join(out, kind, "data")
        os.makedirs(d, exist_ok=True)
        for k in range(shards):
            link = os.path.join(d, f"train-{k:05d}-of-{shards:05d}.parquet")
            if not os.path.exists(link):
                os.link(os.path.join(pool, kind, f"{k:05d}.parquet"), link)  # the walker skips symlinks


if __name__ == "__main__":
    main()
