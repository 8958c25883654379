#!/usr/bin/env python3
"""Oracle for `lakehouse export`, with the libraries training code uses (test-only).

  wds EXPECT.csv OBJECTS SHARD...   the `webdataset` package iterates the shards; every sample
      is checked against EXPECT.csv (a `lakehouse sql --csv` result, header first):
        images:    image_uri,boxes
        fragments: key,clip_uri,init_bytes,byte_offset,byte_length,frames,boxes
      .jpg/.png: decodes with Pillow, SHA-256 equals the object's (OBJECTS/<bucket>/<key>);
      .mp4: bytes = the clip object's init segment + the fragment's byte range, and the FFmpeg
      CLI decodes it alone to exactly `frames` frames; .json: parses, box count = `boxes`.
      Sample count = rows of EXPECT.csv, every row seen once.
  list SHARD...                     one line per sample: key, then ext:sha256 per member.
  coco INSTANCES.json EXPECT.csv [CAPTIONS.json NCAPTIONS]
      pycocotools' COCO loads the file; image / annotation / category counts and every image's
      boxes equal EXPECT.csv (image_id,category,x,y,w,h from the silver tables, category by
      name); the categories are COCO's 80 with their original ids (person 1, car 3, toothbrush 90).
Exit status 0 when everything holds; the first failures are printed.
"""
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile


def fail(msgs):
    for m in msgs[:10]:
        print("FAIL", m, file=sys.stderr)
    sys.exit(1 if msgs else 0)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def object_bytes(objects, uri):
    assert uri.startswith("s3://"), uri
    with open(os.path.join(objects, uri[5:]), "rb") as f:
        return f.read()


def ffmpeg_frames(data):
    with tempfile.NamedTemporaryFile(suffix=".mp4") as t:
        t.write(data)
        t.flush()
        out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                              "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", t.name],
                             capture_output=True, text=True)
        dec = subprocess.run(["ffmpeg", "-v", "error", "-i", t.name, "-f", "null", "-"],
                             capture_output=True, text=True)
        if dec.returncode != 0 or dec.stderr.strip():
            return -1
        return int(out.stdout.strip() or -1)


def samples(shards):
    import webdataset as wds
    return wds.WebDataset(shards, shardshuffle=False, empty_check=False)


def cmd_wds(expect_path, objects, shards):
    from PIL import Image
    expect = read_csv(expect_path)
    fragments = "clip_uri" in expect[0] if expect else False
    want = {(r["key"] if fragments else r["image_uri"]): r for r in expect}
    seen, errors = set(), []
    for s in samples(shards):
        key = s["__key__"]
        if "json" not in s:
            errors.append(f"{key}: no .json member")
            continue
        meta = json.loads(s["json"])
        ident = key if fragments else meta.get("image_uri")
        row = want.get(ident)
        if row is None:
            errors.append(f"{key}: not in the selection ({ident})")
            continue
        if ident in seen:
            errors.append(f"{key}: twice")
        seen.add(ident)
        if len(meta["boxes"]) != int(row["boxes"]):
            errors.append(f"{key}: {len(meta['boxes'])} boxes, the lake has {row['boxes']}")
        if fragments:
            clip = object_bytes(objects, row["clip_uri"])
            off, ln, init = int(row["byte_offset"]), int(row["byte_length"]), int(row["init_bytes"])
            if s.get("mp4") != clip[:init] + clip[off:off + ln]:
                errors.append(f"{key}: .mp4 is not init segment + fragment bytes")
            n = ffmpeg_frames(s["mp4"])
            if n != int(row["frames"]) or meta["frames"] != n:
                errors.append(f"{key}: decodes to {n} frames, fragment has {row['frames']}")
        else:
            ext = "jpg" if "jpg" in s else "png"
            data = s.get(ext)
            if data is None:
                errors.append(f"{key}: no image member")
                continue
            try:
                Image.open(io.BytesIO(data)).load()
            except Exception as ex:  # noqa: BLE001 - any decode error is a failure
                errors.append(f"{key}: Pillow cannot decode: {ex}")
            if hashlib.sha256(data).hexdigest() != hashlib.sha256(object_bytes(objects, ident)).hexdigest():
                errors.append(f"{key}: image bytes differ from the object {ident}")
    if seen != set(want):
        errors.append(f"{len(seen)} samples, selection has {len(want)}; missing {sorted(set(want) - seen)[:3]}")
    print(f"{len(seen)} samples checked")
    fail(errors)


def cmd_list(shards):
    for s in samples(shards):
        members = sorted(k for k in s if not k.startswith("__"))
        print(s["__key__"], " ".join(f"{k}:{hashlib.sha256(s[k]).hexdigest()}" for k in members))


def cmd_coco(instances, expect_path, captions=None, ncaptions=None):
    from pycocotools.coco import COCO
    coco = COCO(instances)
    expect = read_csv(expect_path)
    errors = []
    cat_id = {c["name"]: c["id"] for c in coco.loadCats(coco.getCatIds())}
    want = {}
    for r in expect:
        want.setdefault(int(r["image_id"]), []).append(
            (cat_id.get(r["category"], -1), tuple(round(float(r[k]), 2) for k in ("x", "y", "w", "h"))))
    data = json.load(open(instances))
    n_images = len(coco.getImgIds())
    if n_images != len(data["images"]):
        errors.append("image ids not unique")
    if len(coco.getAnnIds()) != len(expect):
        errors.append(f"{len(coco.getAnnIds())} annotations, silver has {len(expect)}")
    cats = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    if len(cats) != 80 or cats.get(1) != "person" or cats.get(3) != "car" or cats.get(90) != "toothbrush":
        errors.append(f"categories are not COCO's original 80 ids: {len(cats)}")
    for img in coco.loadImgs(coco.getImgIds()):
        got = sorted((a["category_id"], tuple(round(v, 2) for v in a["bbox"]))
                     for a in coco.loadAnns(coco.getAnnIds(imgIds=img["id"])))
        if got != sorted(want.get(img["id"], [])):
            errors.append(f"image {img['id']}: boxes {got} != silver {sorted(want.get(img['id'], []))}")
    extra = set(want) - set(coco.getImgIds())
    if extra:
        errors.append(f"silver boxes for images not exported: {sorted(extra)[:3]}")
    if captions:
        cap = COCO(captions)
        if len(cap.getAnnIds()) != int(ncaptions):
            errors.append(f"{len(cap.getAnnIds())} captions, silver has {ncaptions}")
    print(f"{n_images} images, {len(coco.getAnnIds())} annotations, {len(cats)} categories")
    fail(errors)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "wds":
        cmd_wds(args[0], args[1], args[2:])
    elif cmd == "list":
        cmd_list(args)
    elif cmd == "coco":
        cmd_coco(*args)
    else:
        sys.exit(f"unknown command {cmd}")
