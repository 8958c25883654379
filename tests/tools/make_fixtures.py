#!/usr/bin/env python3
"""Generates small, deterministic Hub-shaped dataset repositories for tests and benchmarks.

Each repo is a folder the Hub emulator serves as `datasets/<owner>/<name>`:
  coco-detection : the shape of detection-datasets/coco (data/<split>-0000i-of-0000n.parquet)
                   image_id int64, image struct<bytes: binary, path: string>, width, height,
                   objects struct<bbox_id: list<int64>, category: list<int64>,
                   bbox: list<list<float>>, area: list<float>>   (a Sequence of dicts)
  coco-captions  : the shape of HuggingFaceM4/COCO config 2014_captions (one row per image),
                   script-based: main holds COCO.py + README.md, the Parquet is in the folder
                   coco-captions@convert, served as revision refs/convert/parquet
                   image struct<bytes, path>, filepath, filename, cocoid int32,
                   sentences_raw list<string>
Images are real JPEGs drawn here: a sky/ground scene with people (a head and a body) and
cars; a few scenes are crowds (5 or more persons). Everything derives from --seed.
Also writes <out>/manifest.json with per-split counts and the SHA-256 of every image.

With --coco-official DIR it writes instead the COCO official release layout (no Hub shape):
  DIR/annotations/instances_<split>.json, captions_<split>.json, person_keypoints_<split>.json
  DIR/<split>/<id:012d>.jpg (640x480 JPEGs), DIR/zips/<split>.zip +
  DIR/zips/annotations_trainval2017.zip (the same files, as the release ships them), and
  DIR/bad/<case>/ (the same layout, each with one planted fault: not-coco, orphan, no-image-file,
  negative-box, duplicate-id, rle-size). Segmentations come in the three forms the release uses:
  polygons, uncompressed RLE (iscrowd 1) and compressed RLE strings; persons carry keypoints.

With --imagefolder DIR it writes instead folders of loose images in the Hugging Face imagefolder
convention (real JPEGs and PNGs of different sizes):
  DIR/labeled/{train,test,val}/{cat,dog}/*.{jpg,png}  split folders, label folders, no metadata
  DIR/meta/{train,test}/*.jpg + <split>/metadata.jsonl  extra columns caption, score, tags;
                                                   one score null, one absent
  DIR/flat/*.{jpg,png}                             no split, no label
  DIR/csv/*.png + metadata.csv                     metadata as CSV (one empty cell)
  DIR/bad/orphan/                                  metadata.jsonl names an image that is not there
  DIR/bad/notes/                                   no image, no layout (a text file)
and DIR/manifest.json (the orphan's file and line, every image's relative path and SHA-256).
"""
import argparse
import hashlib
import io
import json
import os
import random

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image, ImageDraw

CATEGORIES = ["person", "bicycle", "car"]  # ids 0, 1, 2: a prefix of COCO's 80 names
COCO_NAMES = ["person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck"]
IMAGE_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
OBJECTS_TYPE = pa.struct([
    ("bbox_id", pa.list_(pa.int64())),
    ("category", pa.list_(pa.int64())),
    ("bbox", pa.list_(pa.list_(pa.float32(), 4))),
    ("area", pa.list_(pa.float32())),
])


def draw_scene(rng, image_id, crowd):
    w, h = rng.choice([(320, 240), (288, 216), (256, 192)])
    img = Image.new("RGB", (w, h), (rng.randint(90, 140), rng.randint(150, 200), 235))
    d = ImageDraw.Draw(img)
    horizon = int(h * rng.uniform(0.45, 0.6))
    d.rectangle([0, horizon, w, h], fill=(rng.randint(60, 110), rng.randint(110, 150), 70))
    objects = []
    persons = rng.randint(5, 8) if crowd else rng.randint(0, 3)
    cars = rng.randint(0, 2)
    for _ in range(persons):
        ph = rng.randint(h // 6, h // 3)
        pw = max(6, ph // 3)
        x = rng.randint(0, w - pw - 1)
        y = rng.randint(horizon - ph // 2, h - ph - 1)
        d.ellipse([x + pw // 4, y, x + 3 * pw // 4, y + pw // 2], fill=(230, 190, 160))
        d.rectangle([x, y + pw // 2, x + pw, y + ph], fill=(rng.randint(0, 255), 40, rng.randint(0, 255)))
        objects.append((0, [float(x), float(y), float(pw), float(ph)]))
    for _ in range(cars):
        cw, ch = rng.randint(w // 6, w // 3), rng.randint(h // 10, h // 6)
        x, y = rng.randint(0, w - cw - 1), rng.randint(horizon, h - ch - 1)
        d.rectangle([x, y, x + cw, y + ch], fill=(rng.randint(0, 255), rng.randint(0, 255), 30))
        objects.append((2, [float(x), float(y), float(cw), float(ch)]))
    d.text((4, 4), f"#{image_id}", fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue(), w, h, objects, persons


def captions_for(rng, persons, cars):
    who = "a crowd of people" if persons >= 5 else f"{persons} people" if persons else "an empty field"
    extra = f" and {cars} car{'s' if cars != 1 else ''}" if cars else ""
    return [f"{who}{extra} under a blue sky", f"a drawn scene with {who}{extra}",
            f"outdoor picture number {rng.randint(1, 999)}"][: rng.randint(2, 3)]


def hf_metadata(features):
    return {b"huggingface": json.dumps({"info": {"features": features}}).encode()}


def write_parquet(path, table, row_group_size=100):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pq.write_table(table, path, row_group_size=row_group_size)


def make_bad_variants(out, owner, table, rng, manifest):
    """Repos that must be refused or flagged: corrupt Parquet, a missing column, hostile
    blob paths, a truncated JPEG."""
    def repo(name, t=None, raw=None):
        path = os.path.join(out, owner, name, "data", "val-00000-of-00001.parquet")
        if raw is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "wb").write(raw)
        else:
            write_parquet(path, t)
    repo("coco-corrupt", raw=b"PAR1" + bytes(rng.getrandbits(8) for _ in range(3000)) + b"PAR1")
    repo("coco-no-image-id", table.drop_columns(["image_id"]))
    images = table.column("image").to_pylist()
    hostile = ["../../../../etc/evil.jpg", "/etc/absolute.jpg", "a/../../b.JPEG", "..", "no-extension"]
    for i, p in enumerate(hostile):
        images[i] = {"bytes": images[i]["bytes"], "path": p}
    repo("coco-bad-paths", table.set_column(1, "image", pa.array(images, IMAGE_TYPE)))
    images = table.column("image").to_pylist()
    cut = images[0]["bytes"][: len(images[0]["bytes"]) // 2]
    images[0] = {"bytes": cut, "path": images[0]["path"]}
    repo("coco-truncated", table.set_column(1, "image", pa.array(images, IMAGE_TYPE)))
    manifest["bad"] = {"hostile_paths": hostile, "truncated_sha256": hashlib.sha256(cut).hexdigest(),
                       "truncated_image_id": table.column("image_id")[0].as_py()}


def make_bench(out, owner, count, seed, row_group, shard_rows=200):
    """A big repo for bench/ingest: `count` distinct ~1.3 MB JPEGs (noise, so they do not
    compress) in shards of shard_rows rows, and the same JPEGs as plain files for the
    plain-uploader baseline."""
    rng = random.Random(seed)
    base = Image.frombytes("RGB", (1400, 1000), rng.randbytes(1400 * 1000 * 3))
    repo = os.path.join(out, owner, "bench")
    files = os.path.join(out, "bench-files")
    os.makedirs(files, exist_ok=True)
    shards = (count + shard_rows - 1) // shard_rows
    total = 0
    for shard in range(shards):
        rows = {"image_id": [], "image": [], "width": [], "height": []}
        for i in range(shard * shard_rows, min(count, (shard + 1) * shard_rows)):
            img = base.copy()
            d = ImageDraw.Draw(img)
            d.rectangle([i % 1300, (i * 7) % 900, i % 1300 + 90, (i * 7) % 900 + 90], fill=(i % 256, 80, 200))
            d.text((20, 20), f"bench image {i}", fill=(255, 255, 255))
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=90)
            data = buf.getvalue()
            total += len(data)
            name = f"bench/{i:07d}.jpg"
            open(os.path.join(files, f"{i:07d}.jpg"), "wb").write(data)
            rows["image_id"].append(i)
            rows["image"].append({"bytes": data, "path": name})
            rows["width"].append(1400)
            rows["height"].append(1000)
        table = pa.table({"image_id": pa.array(rows["image_id"], pa.int64()),
                          "image": pa.array(rows["image"], IMAGE_TYPE),
                          "width": pa.array(rows["width"], pa.int64()),
                          "height": pa.array(rows["height"], pa.int64())})
        write_parquet(os.path.join(repo, "data", f"train-{shard:05d}-of-{shards:05d}.parquet"), table,
                      row_group)
    print(f"{count} images, {total / 1e6:.0f} MB of JPEG in {shards} shards, {row_group} rows per row group")


def make_dirty(out, owner, table, manifest):
    """coco-dirty: the val split with planted problems for the silver layer to handle:
    two duplicated rows, the same bytes under a new image_id, one duplicated box, three boxes
    partly outside their image (to clip) and two wholly outside (to drop)."""
    rows = table.to_pylist()
    dup_boxes = sum(len(r["objects"]["bbox_id"]) for r in rows[:2]) + 1
    extra = [dict(rows[0]), dict(rows[1])]
    copy = dict(rows[2])
    copy["image_id"] = 9999
    copy["objects"] = {"bbox_id": [], "category": [], "bbox": [], "area": []}
    extra.append(copy)
    def first_box_with_objects(start, count):
        picked = [r for r in rows[start:] if r["objects"]["bbox_id"]][:count]
        assert len(picked) == count
        return picked
    r3 = first_box_with_objects(3, 1)[0]
    o = r3["objects"]
    r3["objects"] = {k: o[k] + o[k][:1] for k in o}  # one box listed twice
    for r in first_box_with_objects(10, 3):  # partly outside: clipped
        b = r["objects"]["bbox"][0]
        r["objects"]["bbox"][0] = [float(r["width"] - b[2] / 2), b[1], b[2], b[3]]
    for r in first_box_with_objects(20, 2):  # wholly outside: dropped
        b = r["objects"]["bbox"][0]
        r["objects"]["bbox"][0] = [float(r["width"] + 10), b[1], b[2], b[3]]
    dirty = pa.Table.from_pylist(rows + extra, schema=table.schema)
    write_parquet(os.path.join(out, owner, "coco-dirty", "data", "val-00000-of-00001.parquet"), dirty)
    unique_objects = len({i for r in rows for i in r["objects"]["bbox_id"]})
    manifest["dirty"] = {"rows": len(rows) + len(extra), "silver_images": len(rows),
                         "duplicate_boxes": dup_boxes, "clipped": 3, "dropped": 2,
                         "silver_objects": unique_objects - 2}


def make(out, splits, seed, owner, bad=False):
    rng = random.Random(seed)
    manifest = {"owner": owner, "repos": {}}
    det_dir = os.path.join(out, owner, "coco-detection")
    cap_dir = os.path.join(out, owner, "coco-captions")
    det_info, cap_info = {}, {}
    next_id, next_box = 1, 1
    for split, count, crowds in splits:
        det_rows = {k: [] for k in ("image_id", "image", "width", "height", "objects")}
        cap_rows = {k: [] for k in ("image", "filepath", "filename", "cocoid", "sentences_raw")}
        images, n_objects, n_captions, crowd_scenes = {}, 0, 0, 0
        for i in range(count):
            image_id = next_id
            next_id += 1
            crowd = i < crowds
            jpeg, w, h, objs, persons = draw_scene(rng, image_id, crowd)
            crowd_scenes += persons >= 5
            name = f"{split}2017/{image_id:012d}.jpg"
            images[name] = hashlib.sha256(jpeg).hexdigest()
            ids = list(range(next_box, next_box + len(objs)))
            next_box += len(objs)
            det_rows["image_id"].append(image_id)
            det_rows["image"].append({"bytes": jpeg, "path": name})
            det_rows["width"].append(w)
            det_rows["height"].append(h)
            det_rows["objects"].append({
                "bbox_id": ids, "category": [c for c, _ in objs], "bbox": [b for _, b in objs],
                "area": [b[2] * b[3] for _, b in objs]})
            n_objects += len(objs)
            caps = captions_for(rng, persons, sum(1 for c, _ in objs if c == 2))
            n_captions += len(caps)
            cap_rows["image"].append({"bytes": jpeg, "path": name})
            cap_rows["filepath"].append(f"{split}2017")
            cap_rows["filename"].append(os.path.basename(name))
            cap_rows["cocoid"].append(image_id)
            cap_rows["sentences_raw"].append(caps)
        det = pa.table({
            "image_id": pa.array(det_rows["image_id"], pa.int64()),
            "image": pa.array(det_rows["image"], IMAGE_TYPE),
            "width": pa.array(det_rows["width"], pa.int64()),
            "height": pa.array(det_rows["height"], pa.int64()),
            "objects": pa.array(det_rows["objects"], OBJECTS_TYPE),
        }).replace_schema_metadata(hf_metadata({
            "image_id": {"dtype": "int64", "_type": "Value"}, "image": {"_type": "Image"},
            "width": {"dtype": "int64", "_type": "Value"}, "height": {"dtype": "int64", "_type": "Value"},
            "objects": {"feature": {"bbox_id": {"dtype": "int64", "_type": "Value"},
                                    "category": {"names": COCO_NAMES, "_type": "ClassLabel"},
                                    "bbox": {"feature": {"dtype": "float32", "_type": "Value"},
                                             "length": 4, "_type": "Sequence"},
                                    "area": {"dtype": "float32", "_type": "Value"}},
                        "_type": "Sequence"}}))
        write_parquet(os.path.join(det_dir, "data", f"{split}-00000-of-00001.parquet"), det)
        if split == "val":
            val_table = det
        cap = pa.table({
            "image": pa.array(cap_rows["image"], IMAGE_TYPE),
            "filepath": pa.array(cap_rows["filepath"], pa.string()),
            "filename": pa.array(cap_rows["filename"], pa.string()),
            "cocoid": pa.array(cap_rows["cocoid"], pa.int32()),
            "sentences_raw": pa.array(cap_rows["sentences_raw"], pa.list_(pa.string())),
        }).replace_schema_metadata(hf_metadata({"image": {"_type": "Image"}}))
        # Script-based on the Hub: its Parquet exists only under refs/convert/parquet.
        write_parquet(os.path.join(cap_dir + "@convert", "2014_captions", split, "0000.parquet"), cap)
        det_info[split] = {"images": count, "objects": n_objects, "crowd_scenes": crowd_scenes,
                           "image_sha256": images}
        cap_info[split] = {"images": count, "captions": n_captions}
    os.makedirs(cap_dir, exist_ok=True)
    with open(os.path.join(cap_dir, "COCO.py"), "w") as f:
        f.write("# loading script placeholder: the Hub serves this dataset's Parquet from refs/convert/parquet\n")
    for d, title in ((det_dir, "COCO-shaped detection fixture"), (cap_dir, "COCO-shaped captions fixture")):
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write(f"---\nlicense: cc-by-4.0\n---\n# {title}\nGenerated by tests/tools/make_fixtures.py (seed {seed}).\n")
    if bad:
        make_bad_variants(out, owner, val_table, rng, manifest)
        make_dirty(out, owner, val_table, manifest)
    manifest["repos"]["coco-detection"] = det_info
    manifest["repos"]["coco-captions"] = cap_info
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


def rle_runs(mask_cols, h, w):
    """Column-major run lengths of a mask given as the set of (x, y) inside, starting with 0s."""
    runs, cur, n = [], 0, 0
    for x in range(w):
        for y in range(h):
            v = 1 if (x, y) in mask_cols else 0
            if v != cur:
                runs.append(n)
                cur, n = v, 0
            n += 1
    runs.append(n)
    return runs


def rle_string(counts):
    """COCO's compressed RLE string (pycocotools rleToString)."""
    out = []
    for i, x in enumerate(counts):
        if i > 2:
            x -= counts[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def make_coco_official(out, seed, split="val2017", count=6):
    import copy
    import zipfile
    rng = random.Random(seed)
    w, h = 640, 480
    images, anns, caps, kps = [], [], [], []
    ann_id, cap_id = 100, 9000
    sha = {}
    os.makedirs(os.path.join(out, split), exist_ok=True)
    os.makedirs(os.path.join(out, "annotations"), exist_ok=True)
    for i in range(count):
        image_id = 139 + i * 7
        img = Image.new("RGB", (w, h), (rng.randint(90, 140), rng.randint(150, 200), 235))
        d = ImageDraw.Draw(img)
        d.rectangle([0, 260, w, h], fill=(80, 130, 70))
        boxes = []
        for k in range(rng.randint(1, 4) if i else 6):
            bw, bh = rng.randint(20, 60), rng.randint(60, 160)
            x, y = rng.randint(0, w - bw - 1), rng.randint(200, h - bh - 1)
            d.rectangle([x, y, x + bw, y + bh], fill=(rng.randint(0, 255), 40, 200))
            boxes.append((1, x, y, bw, bh))
        if i % 2:
            x, y = rng.randint(0, 500), rng.randint(300, 400)
            d.rectangle([x, y, x + 100, y + 50], fill=(200, 200, 30))
            boxes.append((3, x, y, 100, 50))
        d.text((4, 4), f"#{image_id}", fill=(255, 255, 255))
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=80)
        name = f"{image_id:012d}.jpg"
        with open(os.path.join(out, split, name), "wb") as f:
            f.write(buf.getvalue())
        sha[name] = hashlib.sha256(buf.getvalue()).hexdigest()
        images.append({"license": 1 + i % 2, "file_name": name,
                       "coco_url": f"http://images.cocodataset.org/{split}/{name}",
                       "height": h, "width": w, "date_captured": f"2013-11-{14 + i:02d} 11:18:45",
                       "flickr_url": f"http://farm{i + 1}.staticflickr.com/{image_id}_z.jpg",
                       "id": image_id})
        for n, (cat, x, y, bw, bh) in enumerate(boxes):
            ann_id += 1 + rng.randint(0, 3)
            a = {"id": ann_id, "image_id": image_id, "category_id": cat,
                 "bbox": [x + 0.37, y + 0.81, bw - 0.5, bh + 0.25], "iscrowd": 0}
            if n == 0 and i == 0:  # a crowd region: uncompressed RLE, as the release stores it
                inside = {(xx, yy) for xx in range(x, x + bw) for yy in range(y, y + bh)}
                a["segmentation"] = {"counts": rle_runs(inside, h, w), "size": [h, w]}
                a["iscrowd"] = 1
                a["bbox"] = [float(x), float(y), float(bw), float(bh)]
                a["area"] = bw * bh
            elif n == 1 and i in (0, 3):  # a compressed RLE string
                inside = {(xx, yy) for xx in range(x, x + bw) for yy in range(y + 2, y + bh)}
                a["segmentation"] = {"size": [h, w], "counts": rle_string(rle_runs(inside, h, w))}
                a["area"] = bw * (bh - 2)
                a["bbox"] = [float(x), float(y + 2), float(bw), float(bh - 2)]
            else:  # a polygon (not the box: its area is not w*h)
                poly = [x + 0.5, y + 0.25, x + bw - 0.75, y + 1.5, x + bw - 1.0, y + bh - 0.5,
                        x + 2.125, y + bh - 3.0]
                a["segmentation"] = [poly]
                xs, ys = poly[0::2], poly[1::2]
                a["area"] = round(abs(sum(xs[j] * ys[j - 1] - xs[j - 1] * ys[j] for j in range(4))) / 2, 4)
            anns.append(a)
            if cat == 1 and a["iscrowd"] == 0:
                pts = []
                for _ in range(17):
                    v = rng.choice([0, 1, 2])
                    pts += [x + rng.randint(0, bw), y + rng.randint(0, bh), v] if v else [0, 0, 0]
                kp = dict(a, keypoints=pts, num_keypoints=sum(1 for j in range(2, 51, 3) if pts[j]))
                kps.append(kp)
        for c in range(5 if i % 2 else 4):
            cap_id += 1 + rng.randint(0, 5)
            caps.append({"image_id": image_id, "id": cap_id,
                         "caption": [f"A picture of {len(boxes)} things on grass.",
                                     "Some people standing near a yellow box ",
                                     "A \"drawn\" scene, café style\n", "blue  sky",
                                     "people"][c]})
    cats = [{"supercategory": "person", "id": 1, "name": "person"},
            {"supercategory": "vehicle", "id": 2, "name": "bicycle"},
            {"supercategory": "vehicle", "id": 3, "name": "car"},
            {"supercategory": "animal", "id": 18, "name": "dog"}]
    kp_cat = dict(cats[0], keypoints=["nose", "left_eye", "right_eye", "left_ear", "right_ear",
                                      "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
                                      "left_wrist", "right_wrist", "left_hip", "right_hip",
                                      "left_knee", "right_knee", "left_ankle", "right_ankle"],
                  skeleton=[[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13]])
    licenses = [{"url": "http://creativecommons.org/licenses/by-nc-sa/2.0/", "id": 1,
                 "name": "Attribution-NonCommercial-ShareAlike License"},
                {"url": "http://creativecommons.org/licenses/by-nc/2.0/", "id": 2,
                 "name": "Attribution-NonCommercial License"}]
    info = {"description": "COCO-layout fixture", "version": "1.0", "year": 2017}
    docs = {
        f"instances_{split}.json": {"info": info, "licenses": licenses, "images": images,
                                    "annotations": anns, "categories": cats},
        f"captions_{split}.json": {"info": info, "licenses": licenses, "images": images,
                                   "annotations": caps},
        f"person_keypoints_{split}.json": {"info": info, "licenses": licenses, "images": images,
                                           "annotations": kps, "categories": [kp_cat]},
    }
    for name, doc in docs.items():
        with open(os.path.join(out, "annotations", name), "w") as f:
            json.dump(doc, f)
    zdir = os.path.join(out, "zips")
    os.makedirs(zdir, exist_ok=True)
    with zipfile.ZipFile(os.path.join(zdir, f"{split}.zip"), "w") as z:
        for im in images:
            z.write(os.path.join(out, split, im["file_name"]), f"{split}/{im['file_name']}")
    with zipfile.ZipFile(os.path.join(zdir, "annotations_trainval2017.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        for name in docs:
            z.write(os.path.join(out, "annotations", name), f"annotations/{name}")

    def bad(case, mutate, drop_file=None):
        root = os.path.join(out, "bad", case)
        os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
        os.makedirs(os.path.join(root, split), exist_ok=True)
        doc = copy.deepcopy(docs[f"instances_{split}.json"])
        doc = mutate(doc)
        with open(os.path.join(root, "annotations", f"instances_{split}.json"), "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        for im in images:
            if im["file_name"] != drop_file:
                with open(os.path.join(out, split, im["file_name"]), "rb") as src, \
                        open(os.path.join(root, split, im["file_name"]), "wb") as dst:
                    dst.write(src.read())

    def set_ann(field, value, k=2):
        def m(doc):
            doc["annotations"][k][field] = value
            return doc
        return m

    if count > 50:  # a benchmark's layout: no bad copies of thousands of images
        bad = lambda *a, **k: None  # noqa: E731
    bad("not-coco", lambda doc: [{"hello": "world"}])
    bad("orphan", set_ann("image_id", 999999))
    bad("no-image-file", lambda doc: doc, drop_file=images[1]["file_name"])
    bad("negative-box", set_ann("bbox", [10.0, 10.0, -4.0, 20.0]))
    bad("duplicate-id", set_ann("id", anns[1]["id"]))
    bad("rle-size", lambda doc: (doc["annotations"][0]["segmentation"].__setitem__("size", [h, w + 1]), doc)[1])

    def rle_index(kind):  # the first annotation whose mask is an RLE with counts of this type
        return next(i for i, a in enumerate(anns) if isinstance(a.get("segmentation"), dict)
                    and isinstance(a["segmentation"]["counts"], kind))

    def cut_rle(kind, cut):
        def m(doc):
            seg = doc["annotations"][rle_index(kind)]["segmentation"]
            seg["counts"] = cut(seg["counts"])
            return doc
        return m
    # a compressed RLE string that stops short of the mask, and runs that miss pixels
    bad("rle-string", cut_rle(str, lambda c: c[:-2]))
    bad("rle-runs", cut_rle(list, lambda c: c[:-1]))
    bad("truncated-json", lambda doc: json.dumps(doc)[:len(json.dumps(doc)) // 2])
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"split": split, "images": len(images), "annotations": len(anns),
                   "captions": len(caps), "keypoints": len(kps), "categories": len(cats),
                   "licenses": len(licenses), "bad_ids": {
                       "orphan": anns[2]["id"], "no-image-file": images[1]["id"],
                       "negative-box": anns[2]["id"], "duplicate-id": anns[1]["id"],
                       "rle-size": anns[0]["id"],
                       "rle-string": anns[rle_index(str)]["id"],
                       "rle-runs": anns[rle_index(list)]["id"]},
                   "image_sha256": sha}, f, indent=1, sort_keys=True)


def make_coco_custom(out, seed, split="train"):
    """A COCO-format detection dataset that is not COCO: its own categories (sparse ids, one
    without a supercategory), images of several sizes and formats in subfolders of the split
    folder, optional fields absent (no licenses, coco_url, flickr_url, date_captured, captions
    or keypoints), one crowd region as a compressed RLE. Writes DIR/manifest.json."""
    rng = random.Random(seed)
    cats = [{"id": 7, "name": "widget", "supercategory": "part"},
            {"id": 42, "name": "gadget", "supercategory": "part"},
            {"id": 1000, "name": "sprocket"}]
    images, anns, sha = [], [], {}
    ann_id = 5000
    for i, (w, h, ext, sub) in enumerate([(320, 240, "jpg", "cam1"), (200, 300, "png", "cam1"),
                                          (640, 360, "jpg", "cam2/day"), (97, 61, "png", "cam2/day")]):
        img = Image.new("RGB", (w, h), (rng.randint(0, 255), 120, 90))
        buf = io.BytesIO()
        img.save(buf, format="JPEG" if ext == "jpg" else "PNG")
        name = f"{sub}/frame {i:03d}.{ext}"  # a subfolder and a blank in the name
        os.makedirs(os.path.join(out, split, sub), exist_ok=True)
        with open(os.path.join(out, split, name), "wb") as f:
            f.write(buf.getvalue())
        sha[name] = hashlib.sha256(buf.getvalue()).hexdigest()
        image_id = 10 ** 6 + i * 13
        images.append({"id": image_id, "file_name": name, "width": w, "height": h})
        for k in range(1 + i % 3):
            ann_id += 1 + rng.randint(0, 9)
            bw, bh = rng.randint(5, w // 3), rng.randint(5, h // 3)
            x, y = rng.randint(0, w - bw - 1), rng.randint(0, h - bh - 1)
            a = {"id": ann_id, "image_id": image_id, "category_id": cats[k % 3]["id"],
                 "bbox": [x + 0.5, y + 0.25, float(bw), float(bh)], "iscrowd": 0,
                 "area": float(bw * bh) - 0.75,
                 "segmentation": [[x + 0.5, y + 0.25, x + bw, y + 0.25, x + bw, y + bh, x + 0.5, y + bh]]}
            if i == 2 and k == 0:
                inside = {(xx, yy) for xx in range(x, x + bw) for yy in range(y, y + bh)}
                a.update(iscrowd=1, bbox=[float(x), float(y), float(bw), float(bh)], area=bw * bh,
                         segmentation={"size": [h, w], "counts": rle_string(rle_runs(inside, h, w))})
            anns.append(a)
    os.makedirs(os.path.join(out, "annotations"), exist_ok=True)
    with open(os.path.join(out, "annotations", f"instances_{split}.json"), "w") as f:
        json.dump({"images": images, "annotations": anns, "categories": cats}, f)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"split": split, "images": len(images), "annotations": len(anns),
                   "categories": len(cats), "image_sha256": sha}, f, indent=1, sort_keys=True)
def imagefolder_image(rng, path, w, h):
    """A real image of w x h pixels at path (JPEG or PNG by the extension); returns its bytes."""
    img = Image.new("RGB", (w, h), tuple(rng.randrange(256) for _ in range(3)))
    d = ImageDraw.Draw(img)
    for _ in range(4):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        d.rectangle([x0, y0, x0 + rng.randrange(1, w), y0 + rng.randrange(1, h)],
                    fill=tuple(rng.randrange(256) for _ in range(3)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    buf = io.BytesIO()
    img.save(buf, format="PNG" if path.endswith(".png") else "JPEG", quality=85)
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return buf.getvalue()


def make_imagefolder(out, seed):
    rng = random.Random(seed)
    sizes = [(64, 48), (40, 40), (33, 57), (80, 20), (21, 35), (50, 31)]
    manifest = {"images": {}}

    def put(variant, rel, i):
        w, h = sizes[i % len(sizes)]
        data = imagefolder_image(rng, os.path.join(out, variant, rel), w, h)
        manifest["images"].setdefault(variant, {})[rel] = {
            "sha256": hashlib.sha256(data).hexdigest(), "width": w, "height": h}

    i = 0
    for split, n in (("train", 3), ("test", 2), ("val", 1)):  # val: the split validation
        for label in ("cat", "dog"):
            for k in range(n):
                put("labeled", f"{split}/{label}/{label}_{k}.{'png' if k == 1 else 'jpg'}", i)
                i += 1
    for split, n in (("train", 4), ("test", 2)):
        rows = []
        for k in range(n):
            name = f"img_{k}.jpg"
            put("meta", f"{split}/{name}", i)
            i += 1
            row = {"file_name": name, "caption": f"{split} picture {k}", "score": round(0.5 + k / 8, 3),
                   "tags": [split, f"t{k}"]}
            if split == "train" and k == 1:
                row["score"] = None  # a null value
            if split == "train" and k == 2:
                del row["score"]  # an absent key
            rows.append(row)
        with open(os.path.join(out, "meta", split, "metadata.jsonl"), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    for k in range(4):
        put("flat", f"photo_{k}.{'png' if k % 2 else 'jpg'}", i)
        i += 1
    lines = ["file_name,caption,rating"]
    for k in range(3):
        put("csv", f"shot_{k}.png", i)
        i += 1
        lines.append(f"shot_{k}.png,{'' if k == 1 else f'shot number {k}'},{k + 1}")
    with open(os.path.join(out, "csv", "metadata.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for k in range(2):
        put("bad/orphan", f"a_{k}.jpg", i)
        i += 1
    with open(os.path.join(out, "bad", "orphan", "metadata.jsonl"), "w") as f:
        f.write('{"file_name": "a_0.jpg", "note": "x"}\n{"file_name": "a_1.jpg", "note": "y"}\n'
                '{"file_name": "missing.jpg", "note": "z"}\n')
    manifest["orphan"] = {"file": "metadata.jsonl", "line": 3, "file_name": "missing.jpg"}
    os.makedirs(os.path.join(out, "bad", "notes"), exist_ok=True)
    with open(os.path.join(out, "bad", "notes", "README.txt"), "w") as f:
        f.write("no images here\n")
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="the Hub-shaped repos (required unless --coco-official)")
    ap.add_argument("--owner", default="fixtures")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--val", type=int, default=40)
    ap.add_argument("--train", type=int, default=24)
    ap.add_argument("--crowds", type=int, default=6, help="crowd scenes (>= 5 persons) per split")
    ap.add_argument("--bad", action="store_true", help="also write the bad-input repos")
    ap.add_argument("--bench", type=int, default=0, help="write only the benchmark repo, N images")
    ap.add_argument("--row-group", type=int, default=32, help="rows per Parquet row group (bench)")
    ap.add_argument("--coco-official", metavar="DIR", help="write only the COCO official layout into DIR")
    ap.add_argument("--coco-images", type=int, default=6, help="images in the COCO official layout")
    ap.add_argument("--coco-custom", metavar="DIR", help="write only a COCO-format dataset with its own categories into DIR")
    ap.add_argument("--imagefolder", metavar="DIR", help="write only the imagefolder layouts into DIR")
    args = ap.parse_args()
    if args.imagefolder:
        return make_imagefolder(args.imagefolder, args.seed)
    if args.coco_official:
        return make_coco_official(args.coco_official, args.seed, count=args.coco_images)
    if args.coco_custom:
        return make_coco_custom(args.coco_custom, args.seed)
    if not args.out:
        ap.error("--out is required")
    if args.bench:
        return make_bench(args.out, args.owner, args.bench, args.seed, args.row_group)
    make(args.out, [("val", args.val, args.crowds), ("train", args.train, min(args.crowds, args.train))],
         args.seed, args.owner, args.bad)


if __name__ == "__main__":
    main()
