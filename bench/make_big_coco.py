#!/usr/bin/env python3
"""Writes a COCO official layout whose instances file has the size of the real
instances_train2017.json (448 MB: 118k images, 860k annotations, most of them polygons), for
bench/coco_json_memory.sh. The JSON is written as it is generated (this script's memory stays
small); every image is a hard link to one small JPEG, so the run measures the annotation path.
Usage: make_big_coco.py DIR [--images N] [--annotations M] [--split S]"""
import argparse, io, json, os, random

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--images", type=int, default=5000)
ap.add_argument("--annotations", type=int, default=860000)
ap.add_argument("--split", default="train2017")
a = ap.parse_args()
rnd = random.Random(1)
W, H = 640, 480
os.makedirs(f"{a.dir}/annotations", exist_ok=True)
os.makedirs(f"{a.dir}/{a.split}", exist_ok=True)
from PIL import Image
proto = f"{a.dir}/proto.jpg"
Image.new("RGB", (W, H), (90, 120, 150)).save(proto, quality=50)
for i in range(1, a.images + 1):
    p = f"{a.dir}/{a.split}/{i:012d}.jpg"
    if not os.path.exists(p):
        os.link(proto, p)

def rle_counts(n):  # uncompressed RLE over W*H pixels
    cuts = sorted(rnd.sample(range(1, W * H), 2 * n))
    c, prev = [], 0
    for x in cuts + [W * H]:
        c.append(x - prev); prev = x
    return c

with open(f"{a.dir}/annotations/instances_{a.split}.json", "w") as f:
    f.write('{"info": {"description": "bench", "year": 2017}, "licenses": [{"url": "http://x", "id": 1, "name": "L"}], "images": [')
    f.write(",".join(json.dumps({"license": 1, "file_name": f"{i:012d}.jpg", "coco_url": f"http://images.cocodataset.org/{a.split}/{i:012d}.jpg",
                                 "height": H, "width": W, "date_captured": "2013-11-14 11:18:45", "flickr_url": "http://farm.example/x.jpg", "id": i})
                     for i in range(1, a.images + 1)))
    f.write('], "annotations": [')
    for k in range(1, a.annotations + 1):
        img = rnd.randint(1, a.images)
        x, y = rnd.uniform(0, W - 50), rnd.uniform(0, H - 50)
        w, h = rnd.uniform(1, 49), rnd.uniform(1, 49)
        crowd = k % 100 == 0
        if crowd:
            seg = {"counts": rle_counts(20), "size": [H, W]}
        else:
            seg = [[round(rnd.uniform(x, x + w), 2) if j % 2 == 0 else round(rnd.uniform(y, y + h), 2) for j in range(2 * rnd.randint(8, 40))]]
        f.write(("," if k > 1 else "") + json.dumps({"segmentation": seg, "area": round(w * h, 4), "iscrowd": int(crowd), "image_id": img,
                                                     "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)], "category_id": rnd.randint(1, 90), "id": k}))
    f.write('], "categories": [')
    f.write(",".join(json.dumps({"supercategory": "thing", "id": c, "name": f"class{c}"}) for c in range(1, 91)))
    f.write("]}")
print(os.path.getsize(f"{a.dir}/annotations/instances_{a.split}.json"))
