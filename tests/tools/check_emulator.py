#!/usr/bin/env python3
"""Oracle check: the official huggingface_hub client against the Hub emulator.

Proves the emulator answers as the Hub does for what our C client relies on: repo info at a
revision, the paginated recursive tree, resolve (HEAD metadata + GET, incl. a redirect to a
second host that must never see the token), gated and missing repos.
Usage: check_emulator.py ENDPOINT ROOT REPO GATED_REPO TOKEN AUTH_LOG
"""
import hashlib
import os
import sys
import tempfile

endpoint, root, repo, gated, token, auth_log = sys.argv[1:7]
os.environ["HF_ENDPOINT"] = endpoint
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ.pop("HF_TOKEN", None)
from huggingface_hub import HfApi, hf_hub_download  # noqa: E402  (reads HF_ENDPOINT at import)
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError  # noqa: E402

passed = failed = 0


def check(name, ok):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + name)
    passed, failed = passed + bool(ok), failed + (not ok)


api = HfApi(endpoint=endpoint, token=False)
local = {}
for base, _, names in os.walk(os.path.join(root, repo)):
    for n in names:
        full = os.path.join(base, n)
        local[os.path.relpath(full, os.path.join(root, repo))] = full

info = api.dataset_info(repo, revision="main")
check("dataset_info returns a 40-hex commit sha", len(info.sha) == 40)
check("dataset_info lists every file as a sibling", sorted(s.rfilename for s in info.siblings) == sorted(local))

tree = [e for e in api.list_repo_tree(repo, repo_type="dataset", recursive=True) if hasattr(e, "lfs")]
check("paginated recursive tree lists every file", sorted(e.path for e in tree) == sorted(local))
lfs = [e for e in tree if e.lfs]
check("parquet files carry LFS sha256 and size",
      lfs and all(e.lfs.sha256 == hashlib.sha256(open(local[e.path], "rb").read()).hexdigest() for e in lfs))

with tempfile.TemporaryDirectory() as cache:
    for rel in sorted(local):
        got = hf_hub_download(repo, rel, repo_type="dataset", revision=info.sha, cache_dir=cache, token=token)
        check(f"hf_hub_download {rel} is byte-identical", open(got, "rb").read() == open(local[rel], "rb").read())
    try:
        hf_hub_download(gated, "README.md", repo_type="dataset", cache_dir=cache, token=False)
        check("gated repo without token is refused", False)
    except GatedRepoError:
        check("gated repo without token raises GatedRepoError", True)
    got = hf_hub_download(gated, "README.md", repo_type="dataset", cache_dir=cache, token=token)
    check("gated repo with the token downloads", os.path.getsize(got) > 0)
    try:
        api.dataset_info("fixtures/does-not-exist")
        check("missing repo is refused", False)
    except RepositoryNotFoundError:
        check("missing repo raises RepositoryNotFoundError", True)

lines = open(auth_log).read().split("\n") if os.path.exists(auth_log) else []
check("downloads went through the second (CDN) host", any(l.startswith("none ") for l in lines))
check("the CDN host never received the token", not any(l.startswith("AUTH") for l in lines))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
