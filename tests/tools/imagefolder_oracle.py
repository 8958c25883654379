#!/usr/bin/env python3
"""The oracle for a folder of images: what Hugging Face's own `datasets` library makes of it.

  imagefolder_oracle.py DATA_DIR   prints one JSON object per image, sorted by (split, file_name):
                                   split, file_name (relative to DATA_DIR), label (the class name
                                   or null) and every metadata field, as
                                   datasets.load_dataset("imagefolder", data_dir=DATA_DIR) gives them.
Offline; the cache lives in a temporary folder.
"""
import json
import os
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="imagefolder-oracle-")

import datasets  # noqa: E402  (after the environment is set)

datasets.disable_progress_bars()
datasets.logging.set_verbosity_error()


def main():
    root = os.path.realpath(sys.argv[1])
    dd = datasets.load_dataset("imagefolder", data_dir=root)
    rows = []
    for split, ds in dd.items():
        ds = ds.cast_column("image", datasets.Image(decode=False))
        label = ds.features.get("label")
        for ex in ds:
            row = {"split": split,
                   "file_name": os.path.relpath(os.path.realpath(ex.pop("image")["path"]), root)}
            row["label"] = label.int2str(ex.pop("label")) if label is not None else None
            row.update(ex)
            rows.append(row)
    rows.sort(key=lambda r: (r["split"], r["file_name"]))
    for r in rows:
        print(json.dumps(r, sort_keys=True))


if __name__ == "__main__":
    main()
