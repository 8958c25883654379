#!/usr/bin/env python3
"""Generates VisDrone-MOT-shaped sequences (the official layout) for tests and benchmarks:
  <out>/<owner>/visdrone-mot/sequences/<seq>/0000001.jpg ...   JPEG frames
  <out>/<owner>/visdrone-mot/annotations/<seq>.txt             one box per line:
      frame_index,target_id,bbox_left,bbox_top,bbox_width,bbox_height,score,object_category,truncation,occlusion
Boxes are drawn moving, so frames differ. Ground truth for the busy-fragments query: each
sequence has a quiet part (3 tracks) and a busy stretch (25 tracks) at known frames; the
manifest names them. Bad variants (--bad): a missing frame, a malformed annotation line,
frames of different sizes.
With --det DIR it writes only the VisDrone-DET still-image layout (VisDrone2019-DET-train):
  DIR/VisDrone2019-DET-train/images/<stem>.jpg        JPEGs of different sizes
  DIR/VisDrone2019-DET-train/annotations/<stem>.txt   bbox_left,bbox_top,bbox_width,bbox_height,
                                                      score,object_category,truncation,occlusion
one file with trailing commas (as the release has), one with CRLF line ends, one image without
an annotation file, ignored regions (category 0) and score-0 boxes; and the refused variants
DIR/bad-line (a malformed line 3 in one file) and DIR/orphan (an annotation file whose image
is missing).
"""
import argparse
import json
import os
import random

from PIL import Image, ImageDraw

W, H = 320, 240


def write_sequence(root, seq, frames, busy, rng, size_change_at=None):
    seq_dir = os.path.join(root, "sequences", seq)
    os.makedirs(seq_dir, exist_ok=True)
    os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
    tracks = []
    for tid in range(1, 26):
        tracks.append({"id": tid, "x": rng.uniform(0, W - 30), "y": rng.uniform(0, H - 20),
                       "dx": rng.uniform(-3, 3), "dy": rng.uniform(-2, 2),
                       "w": rng.randint(10, 30), "h": rng.randint(8, 20),
                       "cat": rng.choice([1, 2, 4, 5, 6, 9, 10]), "busy_only": tid > 3})
    lines = []
    for f in range(1, frames + 1):
        size = (W + 16, H) if size_change_at and f >= size_change_at else (W, H)
        img = Image.new("RGB", size, (90, 110, 90))
        d = ImageDraw.Draw(img)
        for y in range(0, H, 40):
            d.line([(0, y), (size[0], y)], fill=(120, 120, 120))
        for t in tracks:
            t["x"] = (t["x"] + t["dx"]) % (W - t["w"])
            t["y"] = (t["y"] + t["dy"]) % (H - t["h"])
            if t["busy_only"] and not (busy[0] <= f <= busy[1]):
                continue
            x, y = int(t["x"]), int(t["y"])
            d.rectangle([x, y, x + t["w"], y + t["h"]], fill=(40 * (t["cat"] % 6), 200, 255 - 20 * t["cat"]))
            lines.append(f"{f},{t['id']},{x},{y},{t['w']},{t['h']},1,{t['cat']},0,0")
        if f % 40 == 0:  # an ignored region and a score-0 box, as real VisDrone files have
            lines.append(f"{f},0,5,5,20,20,0,0,0,0")
        d.text((4, 4), f"{seq} {f}", fill=(255, 255, 255))
        img.save(os.path.join(seq_dir, f"{f:07d}.jpg"), quality=90)
    with open(os.path.join(root, "annotations", f"{seq}.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return len(lines)


def write_det(root, rng):
    os.makedirs(os.path.join(root, "images"), exist_ok=True)
    os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
    sizes = [(320, 240), (400, 300), (256, 192), (480, 270), (300, 300)]
    stems = [f"0000{i + 1:03d}_0{i * 37 % 1000:04d}_d_{i + 1:07d}" for i in range(len(sizes))]
    for i, (stem, (w, h)) in enumerate(zip(stems, sizes)):
        img = Image.new("RGB", (w, h), (80 + 30 * i, 110, 90))
        d = ImageDraw.Draw(img)
        lines = []
        for k in range(4 + i):
            bw, bh = rng.randint(5, 40), rng.randint(5, 30)
            x, y = rng.randint(0, w - bw), rng.randint(0, h - bh)
            cat = rng.randint(1, 11)
            d.rectangle([x, y, x + bw, y + bh], fill=(20 * cat, 200, 255 - 20 * cat))
            lines.append(f"{x},{y},{bw},{bh},1,{cat},{rng.randint(0, 2)},{rng.randint(0, 2)}")
        lines.append(f"{w - 30},{h - 20},25,18,0,0,0,0")   # an ignored region, score 0
        lines.append(f"3,4,12,9,0,{rng.randint(1, 11)},1,2")  # a score-0 box
        d.text((4, 4), stem, fill=(255, 255, 255))
        img.save(os.path.join(root, "images", f"{stem}.jpg"), quality=85 + i)
        if i == len(sizes) - 1:
            continue  # an image without annotation file: no boxes
        if i == 1:
            text = "".join(l + ",\n" for l in lines)      # trailing commas, as the release has
        elif i == 2:
            text = "".join(l + "\r\n" for l in lines)     # CRLF line ends
        else:
            text = "\n".join(lines) + "\n"
        with open(os.path.join(root, "annotations", f"{stem}.txt"), "w", newline="") as fh:
            fh.write(text)
    return stems


def make_det(out, rng):
    good = os.path.join(out, "VisDrone2019-DET-train")
    stems = write_det(good, rng)
    bad = os.path.join(out, "bad-line")
    write_det(bad, random.Random(1))
    p = os.path.join(bad, "annotations", f"{stems[3]}.txt")
    lines = open(p).read().split("\n")
    lines[2] = "12,30,abc,10,1,4,0,0"
    open(p, "w").write("\n".join(lines))
    orphan = os.path.join(out, "orphan")
    write_det(orphan, random.Random(2))
    os.remove(os.path.join(orphan, "images", f"{stems[0]}.jpg"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    ap.add_argument("--owner", default="fixtures")
    ap.add_argument("--sequences", type=int, default=3)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--bad", action="store_true")
    ap.add_argument("--det", metavar="DIR", help="write only the VisDrone-DET layouts into DIR")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.det:
        return make_det(args.det, rng)
    if not args.out:
        ap.error("--out (or --det) is required")
    root = os.path.join(args.out, args.owner, "visdrone-mot")
    manifest = {"sequences": {}}
    for i in range(args.sequences):
        seq = f"uav{i + 1:07d}_00000_v"
        start = 31 + 30 * (i % 3)  # busy for one second (30 frames) at a known place
        busy = (start, start + 29)
        n = write_sequence(root, seq, args.frames, busy, rng)
        manifest["sequences"][seq] = {"frames": args.frames, "busy_frames": busy, "annotations": n}
    if args.bad:
        bad = os.path.join(args.out, args.owner)
        r = os.path.join(bad, "visdrone-missing-frame")
        write_sequence(r, "uav0000099_00000_v", 40, (1, 10), rng)
        os.remove(os.path.join(r, "sequences", "uav0000099_00000_v", "0000017.jpg"))
        r = os.path.join(bad, "visdrone-bad-annotation")
        write_sequence(r, "uav0000098_00000_v", 40, (1, 10), rng)
        p = os.path.join(r, "annotations", "uav0000098_00000_v.txt")
        lines = open(p).read().split("\n")
        lines[6] = "7,3,12,abc,10,10,1,4,0"
        open(p, "w").write("\n".join(lines))
        r = os.path.join(bad, "visdrone-sizes")
        write_sequence(r, "uav0000097_00000_v", 40, (1, 10), rng, size_change_at=21)
    with open(os.path.join(args.out, "visdrone-manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)


if __name__ == "__main__":
    main()
