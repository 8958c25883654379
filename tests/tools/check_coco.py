#!/usr/bin/env python3
"""Oracle for the COCO official layout: compares what lakehouse made of a COCO release with
the release itself, field by field (floats within 1e-3, masks equal after decoding).

  check_coco.py raw SRC DIR     DIR holds images/objects/cats/lic/caps.json, the raw tables
                                as `lakehouse sql --json` prints them
  check_coco.py export SRC DIR  DIR/annotations/{instances,captions,person_keypoints}_<split>.json, written by
                                `lakehouse export --format coco`, loaded with pycocotools
SRC is the folder tests/tools/make_fixtures.py --coco-official wrote (its manifest names the
split). Prints every difference; exit 1 if any.
"""
import json
import os
import sys

import numpy as np
from pycocotools import mask as mask_utils

DIFFS = []


def same(a, b, where):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or abs(float(a) - float(b)) > 1e-3:
            DIFFS.append(f"{where}: {a!r} != {b!r}")
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            DIFFS.append(f"{where}: length {len(a)} != {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
        return
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            DIFFS.append(f"{where}: keys {sorted(a)} != {sorted(b)}")
        for k in a:
            if k in b:
                same(a[k], b[k], f"{where}.{k}")
        return
    if a != b:
        DIFFS.append(f"{where}: {a!r} != {b!r}")


def decode(seg, h, w):
    if isinstance(seg, list):
        rles = mask_utils.frPyObjects(seg, h, w)
        return mask_utils.decode(mask_utils.merge(rles))
    if isinstance(seg["counts"], list):
        return mask_utils.decode(mask_utils.frPyObjects(seg, h, w))
    return mask_utils.decode({"size": seg["size"], "counts": seg["counts"].encode()})


def same_mask(a, b, h, w, where):
    if not np.array_equal(decode(a, h, w), decode(b, h, w)):
        DIFFS.append(f"{where}: masks differ after decoding")


def load(path):
    with open(path) as f:
        return json.load(f)


def check_raw(src, d, split):
    inst = load(os.path.join(src, "annotations", f"instances_{split}.json"))
    caps = load(os.path.join(src, "annotations", f"captions_{split}.json"))
    kps = {a["id"]: a for a in load(os.path.join(src, "annotations", f"person_keypoints_{split}.json"))["annotations"]}
    kpcat = {c["id"]: c for c in load(os.path.join(src, "annotations", f"person_keypoints_{split}.json"))["categories"]}
    rows = {r["image_id"]: r for r in load(os.path.join(d, "images.json"))}
    same(sorted(rows), sorted(i["id"] for i in inst["images"]), "image ids")
    for i in inst["images"]:
        r = rows.get(i["id"], {})
        for k in ("file_name", "width", "height", "license", "coco_url", "flickr_url", "date_captured"):
            same(r.get(k), i[k], f"image {i['id']}.{k}")
        same(r.get("split"), split, f"image {i['id']}.split")
    dims = {i["id"]: (i["height"], i["width"]) for i in inst["images"]}
    objs = {r["object_id"]: r for r in load(os.path.join(d, "objects.json"))}
    same(sorted(objs), sorted(a["id"] for a in inst["annotations"]), "annotation ids")
    for a in inst["annotations"]:
        r = objs.get(a["id"], {})
        where = f"annotation {a['id']}"
        same(r.get("image_id"), a["image_id"], where + ".image_id")
        same(r.get("category_id"), a["category_id"], where + ".category_id")
        same(r.get("bbox"), a["bbox"], where + ".bbox")
        same(float(r.get("area") or 0), float(a["area"]), where + ".area")
        same(r.get("iscrowd"), bool(a["iscrowd"]), where + ".iscrowd")
        seg = json.loads(r["segmentation"]) if r.get("segmentation") else None
        same(seg, a["segmentation"], where + ".segmentation")
        same_mask(seg, a["segmentation"], *dims[a["image_id"]], where + ".segmentation")
        k = kps.get(a["id"])
        same(r.get("keypoints"), [float(x) for x in k["keypoints"]] if k else None, where + ".keypoints")
        same(r.get("num_keypoints"), k["num_keypoints"] if k else None, where + ".num_keypoints")
    cats = {r["category_id"]: r for r in load(os.path.join(d, "cats.json"))}
    same(sorted(cats), sorted(c["id"] for c in inst["categories"]), "category ids")
    for c in inst["categories"]:
        r = cats.get(c["id"], {})
        for k in ("name", "supercategory"):
            same(r.get(k), c[k], f"category {c['id']}.{k}")
        for k in ("keypoints", "skeleton"):
            same(r.get(k), kpcat.get(c["id"], {}).get(k), f"category {c['id']}.{k}")
    lic = {r["license_id"]: r for r in load(os.path.join(d, "lic.json"))}
    for l in inst["licenses"]:
        same({"name": lic.get(l["id"], {}).get("name"), "url": lic.get(l["id"], {}).get("url")},
             {"name": l["name"], "url": l["url"]}, f"license {l['id']}")
    cap = {r["caption_id"]: r for r in load(os.path.join(d, "caps.json"))}
    same(sorted(cap), sorted(c["id"] for c in caps["annotations"]), "caption ids")
    for c in caps["annotations"]:
        r = cap.get(c["id"], {})
        same(r.get("caption"), c["caption"], f"caption {c['id']}.caption")
        same(r.get("image_id"), c["image_id"], f"caption {c['id']}.image_id")


def check_export(src, d, split):
    from pycocotools.coco import COCO
    for kind, keys in (("instances", ("images", "annotations", "categories", "licenses")),
                       ("captions", ("images", "annotations")),
                       ("person_keypoints", ("images", "annotations", "categories", "licenses"))):
        path = os.path.join(d, "annotations", f"{kind}_{split}.json")
        if not os.path.exists(os.path.join(src, "annotations", f"{kind}_{split}.json")):
            if os.path.exists(path):
                DIFFS.append(f"{path}: exported, but the source has no {kind} file")
            continue
        want = load(os.path.join(src, "annotations", f"{kind}_{split}.json"))
        got = COCO(path).dataset  # pycocotools must load it
        for key in keys:
            w = {x["id"]: x for x in want.get(key, [])}  # an absent array: none
            g = {x["id"]: x for x in got.get(key, [])}
            same(sorted(g), sorted(w), f"{kind}.{key} ids")
            for i, x in w.items():
                if i in g:
                    same(g[i], x, f"{kind}.{key}[{i}]")
        if kind == "instances":
            dims = {i["id"]: (i["height"], i["width"]) for i in want["images"]}
            g = {x["id"]: x for x in got["annotations"]}
            for a in want["annotations"]:
                if a["id"] in g:
                    same_mask(g[a["id"]]["segmentation"], a["segmentation"], *dims[a["image_id"]],
                              f"instances.annotations[{a['id']}].segmentation")


def check_images(src, d, split):
    """Each image file where its file_name says, the source's bytes."""
    import hashlib
    for name, sha in load(os.path.join(src, "manifest.json"))["image_sha256"].items():
        p = os.path.join(d, split, name)
        if not os.path.exists(p):
            DIFFS.append(f"image file {p}: missing")
        elif hashlib.sha256(open(p, "rb").read()).hexdigest() != sha:
            DIFFS.append(f"image file {p}: not the source's bytes")


def main():
    mode, src, d = sys.argv[1:4]
    split = load(os.path.join(src, "manifest.json"))["split"]
    (check_raw if mode == "raw" else check_export)(src, d, split)
    if mode == "export" and os.path.isdir(os.path.join(d, split)):
        check_images(src, d, split)
    for line in DIFFS[:40]:
        print(line)
    print(f"{len(DIFFS)} differences")
    sys.exit(1 if DIFFS else 0)


if __name__ == "__main__":
    main()
