#!/usr/bin/env python3
"""Oracle for `lakehouse publish`: the official Hugging Face clients read back what our C client
pushed into the Hub emulator.

  check_publish.py read ENDPOINT REPO ROWS COLUMNS [--images COLUMN]
      snapshot_download + datasets.load_dataset: total rows == ROWS, column names == COLUMNS
      (comma-separated, in order); with --images, COLUMN decodes as an Image in every split and
      its bytes hash to the content-addressed name (sha256) it carries.
  check_publish.py commits ENDPOINT REPO        prints the number of commits on main
  check_publish.py upload ENDPOINT REPO FOLDER  the official upload_folder into the emulator
      (emulator fidelity), then snapshot_download gives back the same bytes.
Prints one line per fact checked; exits non-zero on the first mismatch.
"""
import hashlib
import os
import sys
import tempfile


def fail(msg):
    print(f"MISMATCH: {msg}")
    sys.exit(1)


def read(endpoint, repo, rows, columns, image_col=None):
    from huggingface_hub import snapshot_download
    import datasets

    with tempfile.TemporaryDirectory() as tmp:
        local = snapshot_download(repo_id=repo, repo_type="dataset", endpoint=endpoint, cache_dir=tmp)
        files = sorted(os.path.relpath(os.path.join(b, n), local) for b, _, ns in os.walk(local) for n in ns)
        print("snapshot_download:", " ".join(files))
        if "README.md" not in files or not any(f.startswith("data/") for f in files):
            fail("README.md and data/ expected")
        ds = datasets.load_dataset(repo, cache_dir=os.path.join(tmp, "ds"))
        total = sum(len(ds[s]) for s in ds)
        print("load_dataset splits:", {s: len(ds[s]) for s in ds}, "total", total)
        if total != int(rows):
            fail(f"{total} rows, gold has {rows}")
        want = columns.split(",")
        for s in ds:
            if ds[s].column_names != want:
                fail(f"columns of {s}: {ds[s].column_names} != {want}")
        print("columns:", ",".join(want))
        if image_col:
            n = 0
            for s in ds:
                feat = ds[s].features[image_col]
                if type(feat).__name__ != "Image":
                    fail(f"{image_col} is {feat}, not Image")
                raw = ds[s].cast_column(image_col, datasets.Image(decode=False))
                for row, dec in zip(raw, ds[s]):
                    img = row[image_col]
                    stem = os.path.splitext(img["path"])[0]
                    if hashlib.sha256(img["bytes"]).hexdigest() != stem:
                        fail(f"image bytes do not hash to {stem}")
                    if dec[image_col].size[0] <= 0:
                        fail("image does not decode")
                    n += 1
            print(f"images: {n} decode, bytes match their sha256 names")


def commits(endpoint, repo):
    from huggingface_hub import HfApi
    print(len(HfApi(endpoint=endpoint).list_repo_commits(repo, repo_type="dataset")))


def upload(endpoint, repo, folder):
    os.environ["HF_HUB_DISABLE_XET"] = "1"  # the emulator speaks LFS, not Xet
    from huggingface_hub import HfApi, snapshot_download
    api = HfApi(endpoint=endpoint, token=os.environ["HF_TOKEN"])
    api.create_repo(repo, repo_type="dataset", exist_ok=True)
    info = api.upload_folder(folder_path=folder, repo_id=repo, repo_type="dataset", commit_message="upload_folder")
    print("upload_folder commit:", info.oid)
    with tempfile.TemporaryDirectory() as tmp:
        local = snapshot_download(repo_id=repo, repo_type="dataset", endpoint=endpoint, cache_dir=tmp)
        for base, _, names in os.walk(folder):
            for n in names:
                rel = os.path.relpath(os.path.join(base, n), folder)
                if open(os.path.join(folder, rel), "rb").read() != open(os.path.join(local, rel), "rb").read():
                    fail(f"{rel} differs after the round trip")
        print("upload_folder round trip: identical")


if __name__ == "__main__":
    cmd, endpoint, repo = sys.argv[1:4]
    os.environ["HF_ENDPOINT"] = endpoint
    if cmd == "read":
        image = sys.argv[sys.argv.index("--images") + 1] if "--images" in sys.argv else None
        read(endpoint, repo, sys.argv[4], sys.argv[5], image)
    elif cmd == "commits":
        commits(endpoint, repo)
    elif cmd == "upload":
        upload(endpoint, repo, sys.argv[4])
