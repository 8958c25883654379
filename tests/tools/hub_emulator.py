#!/usr/bin/env python3
"""A test-only emulator of the Hugging Face Hub's read API, serving a folder as dataset repos.

<root>/<owner>/<name>/... is served as the dataset repo `<owner>/<name>` at one commit whose sha
is derived from the content. Endpoints (the ones the C client and huggingface_hub use):
  GET  /api/datasets/<repo>                     and /api/datasets/<repo>/revision/<rev>  repo info
  GET  /api/datasets/<repo>/tree/<rev>[/<path>]?recursive=true   paginated with Link: rel="next"
  HEAD|GET /datasets/<repo>/resolve/<rev>/<path>  X-Repo-Commit, ETag, X-Linked-Etag/-Size for
                                                 LFS-like files (.parquet, .jpg ...), Range
  GET  /api/datasets/<repo>/parquet[/<config>[/<split>]]         the auto-converted listing
Auth: repos listed with --gated need `Authorization: Bearer <--token>`: none gives 401, a wrong
one 403 with X-Error-Code: GatedRepo. Unknown repos give 401 RepoNotFound, as the Hub does.
With --cdn-port, large files redirect (302) to http://127.0.0.2:<port>/..., a second host that
records in --auth-log any Authorization header it receives (tokens must never get there).

Write side (needs --cdn-port: the second host is also the LFS storage, like the Hub's S3):
  POST /api/repos/create                          409 when the repo exists
  POST /api/datasets/<repo>/preupload/<rev>       uploadMode lfs for binary/large files
  POST /datasets/<repo>.git/info/lfs/objects/batch   basic PUT URLs on the storage host, or
                                                  multipart (--lfs-chunk) with a completion URL
  POST /datasets/<repo>.git/info/lfs/complete/<oid>  and .../objects/verify
  POST /api/datasets/<repo>/commit/<rev>          NDJSON; parentCommit checked (412 if moved)
  GET  /api/datasets/<repo>/commits/<rev>         the commit history, newest first
Writes need `Authorization: Bearer <--token>` (401 otherwise). Pushed repos keep their commit
log in <root>/.hub-state; revisions of a pushed repo are its commit ids, all served with the
head's files. --fail-commit STATUS answers every commit with that status; --lfs-delay slows
each storage PUT (to interrupt an upload in a test).
"""
import base64
import shutil
import time
import argparse
import hashlib
import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LFS_SUFFIXES = (".parquet", ".jpg", ".jpeg", ".png", ".mp4", ".bin", ".arrow")


class Repo:
    """One revision of a repo. refs/convert/parquet is served from the folder <repo>@convert
    when it exists (script-based datasets have their Parquet only there), else from <repo>."""

    def __init__(self, root, repo_id, rev="main"):
        self.dir = os.path.join(root, repo_id)
        if rev == "refs/convert/parquet" and os.path.isdir(self.dir + "@convert"):
            self.dir += "@convert"
        self.files = {}
        for base, _, names in os.walk(self.dir):
            for n in sorted(names):
                full = os.path.join(base, n)
                rel = os.path.relpath(full, self.dir).replace(os.sep, "/")
                data = open(full, "rb").read()
                self.files[rel] = {
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "git": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
                    "lfs": rel.endswith(LFS_SUFFIXES),
                }
        h = hashlib.sha1()
        for rel in sorted(self.files):
            h.update(rel.encode() + self.files[rel]["git"].encode())
        self.sha = h.hexdigest()
        self.commits = []
        log = commit_log_path(root, repo_id)
        if os.path.exists(log):
            self.commits = json.load(open(log))
            self.sha = self.commits[0]["id"]

    def entry(self, rel):
        f = self.files[rel]
        e = {"type": "file", "oid": f["git"], "size": f["size"], "path": rel}
        if f["lfs"]:
            e["lfs"] = {"oid": f["sha256"], "size": f["size"], "pointerSize": 134}
        return e


def commit_log_path(root, repo_id):
    return os.path.join(root, ".hub-state", repo_id, "commits.json")


def tree_hash(folder):
    h = hashlib.sha1()
    for base, _, names in sorted(os.walk(folder)):
        for n in sorted(names):
            full = os.path.join(base, n)
            h.update(os.path.relpath(full, folder).encode() + hashlib.sha256(open(full, "rb").read()).digest())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", default="")
    ap.add_argument("--gated", action="append", default=[])
    ap.add_argument("--page-size", type=int, default=3)
    ap.add_argument("--cdn-port", type=int, default=0)
    ap.add_argument("--auth-log", default="")
    ap.add_argument("--request-log", default="")
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--rate-limit-first", type=int, default=0,
                    help="answer the first N API calls with 429 and Retry-After: 1")
    ap.add_argument("--lfs-chunk", type=int, default=0,
                    help="LFS objects larger than this go multipart with parts of this size")
    ap.add_argument("--lfs-delay", type=float, default=0, help="seconds each storage PUT waits")
    ap.add_argument("--fail-commit", type=int, default=0, help="answer every commit with this status")
    args = ap.parse_args()
    lock = threading.Lock()
    calls = {"n": 0}

    state = os.path.join(args.root, ".hub-state")
    lfs_store = os.path.join(state, "lfs")
    os.makedirs(lfs_store, exist_ok=True)

    def load(repo_id, rev="main"):
        if ".." in repo_id.split("/") or repo_id.startswith(".") or \
                not os.path.isdir(os.path.join(args.root, repo_id)):
            return None
        repo = Repo(args.root, repo_id, "main")
        if rev in [c["id"] for c in repo.commits]:
            rev = repo.sha
        if rev not in ("main", repo.sha):
            converted = Repo(args.root, repo_id, "refs/convert/parquet")
            if rev in ("refs/convert/parquet", converted.sha):
                repo = converted
        repo.id = repo_id
        return repo

    def record_commit(repo_id, parent, title, message, folder):
        log = commit_log_path(args.root, repo_id)
        os.makedirs(os.path.dirname(log), exist_ok=True)
        commits = json.load(open(log)) if os.path.exists(log) else []
        oid = hashlib.sha1(f"{parent}\n{title}\n{tree_hash(folder)}\n{len(commits)}".encode()).hexdigest()
        commits.insert(0, {"id": oid, "title": title, "message": message, "parents": [parent] if parent else [],
                           "date": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())})
        json.dump(commits, open(log + ".tmp", "w"))
        os.replace(log + ".tmp", log)
        return oid

    def store_object(oid, data):
        tmp = os.path.join(lfs_store, oid + ".tmp")
        open(tmp, "wb").write(data)
        os.replace(tmp, os.path.join(lfs_store, oid))

    class Hub(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, status, body=b"", ctype="application/json", headers=()):
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            if args.request_log:
                with lock, open(args.request_log, "a") as f:
                    f.write(f"{status} {self.command} {self.path}\n")

        def error(self, status, code, msg):
            headers = [("X-Error-Code", code), ("X-Error-Message", msg)]
            if status == 429:
                headers.append(("Retry-After", "1"))
            self.send(status, {"error": msg}, headers=headers)

        def authorised(self, repo_id):
            if repo_id not in args.gated:
                return True
            auth = self.headers.get("Authorization", "")
            if not auth:
                self.error(401, "GatedRepo", f"Access to dataset {repo_id} is restricted. You must be authenticated.")
                return False
            if auth != f"Bearer {args.token}":
                self.error(403, "GatedRepo", f"Access to dataset {repo_id} is restricted and you are not in the authorized list.")
                return False
            return True

        def repo_from(self, parts):
            """parts after 'datasets': owner, name, ... -> (Repo, rest) or None (error sent)."""
            if len(parts) < 2:
                self.error(404, "RepoNotFound", "Repository not found")
                return None, None
            repo_id = "/".join(parts[:2])
            rev = parts[3] if len(parts) > 3 and parts[2] in ("revision", "tree", "resolve") else "main"
            repo = load(repo_id, rev)
            if repo is None:
                self.error(401, "RepoNotFound", f"Repository Not Found for url: {self.path}.")
                return None, None
            if not self.authorised(repo_id):
                return None, None
            return repo, parts[2:]

        def check_rev(self, repo, rev):
            if rev in ("main", repo.sha, "refs/convert/parquet") or rev in [c["id"] for c in repo.commits] or \
                    rev == Repo(args.root, repo.id, "refs/convert/parquet").sha:
                return True
            self.error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            return False

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
            with lock:
                calls["n"] += 1
                limited = calls["n"] <= args.rate_limit_first
            if limited:
                return self.error(429, "RateLimited", "rate limit reached, retry later") or None
            if parts[:2] == ["api", "datasets"]:
                return self.api(parts[2:], query)
            if parts[:1] == ["datasets"] and len(parts) >= 5 and parts[3] == "resolve":
                repo, rest = self.repo_from(parts[1:])
                if repo:
                    self.resolve(repo, rest[1], "/".join(rest[2:]))
                return
            self.error(404, "EntryNotFound", "not found")


        def body(self):
            n = int(self.headers.get("Content-Length", "0"))
            return self.rfile.read(n) if n else b""

        def writer(self):
            """Writes need the token; 401 otherwise, as the Hub answers a bad token."""
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or (args.token and auth != f"Bearer {args.token}"):
                self.error(401, "Unauthorized", "Invalid credentials in Authorization header")
                return False
            return True

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
            data = self.body()
            with lock:
                calls["n"] += 1
                limited = calls["n"] <= args.rate_limit_first
            if limited:
                return self.error(429, "RateLimited", "rate limit reached, retry later")
            if parts[:2] == ["api", "validate-yaml"]:
                return self.validate_yaml(json.loads(data or b"{}"))
            if parts[:3] == ["api", "repos", "create"]:
                return self.writer() and self.create_repo(json.loads(data or b"{}"))
            if parts[:2] == ["api", "datasets"] and len(parts) >= 5 and parts[4] in ("preupload", "commit", "paths-info"):
                repo_id = "/".join(parts[2:4])
                repo = load(repo_id)
                if repo is None:
                    return self.error(404, "RepoNotFound", f"Repository {repo_id} not found")
                if parts[4] == "paths-info":
                    return self.paths_info(repo, urllib.parse.parse_qs(data.decode()))
                if not self.writer():
                    return
                if parts[4] == "preupload":
                    return self.preupload(repo, json.loads(data))
                return self.commit(repo, data)
            if parts[:1] == ["datasets"] and len(parts) >= 4 and parts[2].endswith(".git") and parts[3] == "info":
                repo_id = parts[1] + "/" + parts[2][:-4]
                if load(repo_id) is None:
                    return self.error(404, "RepoNotFound", f"Repository {repo_id} not found")
                if parts[4:6] == ["lfs", "complete"] and len(parts) == 7:
                    # like the Hub's, the completion URL works without a token (the client sends none)
                    return self.lfs_complete(parts[6], json.loads(data))
                if not self.writer():
                    return
                if parts[4:6] == ["lfs", "objects"] and parts[6:] == ["batch"]:
                    return self.lfs_batch(repo_id, json.loads(data))
                if parts[4:6] == ["lfs", "objects"] and parts[6:] == ["verify"]:
                    return self.lfs_verify(json.loads(data))
            self.error(404, "EntryNotFound", "unknown API path")

        def create_repo(self, req):
            if req.get("type") != "dataset":
                return self.error(400, "BadRequest", "only dataset repos here")
            repo_id = f"{req.get('organization')}/{req.get('name')}"
            url = f"http://{self.headers['Host']}/datasets/{repo_id}"
            folder = os.path.join(args.root, repo_id)
            if os.path.isdir(folder):
                return self.send(409, {"error": "You already created this dataset repo", "url": url})
            os.makedirs(folder)
            with open(os.path.join(folder, ".gitattributes"), "w") as f:
                f.write("*.parquet filter=lfs diff=lfs merge=lfs -text\n")
            record_commit(repo_id, None, "initial commit", "", folder)
            self.send(200, {"url": url, "name": repo_id, "id": repo_id})

        def validate_yaml(self, req):
            import yaml
            text = req.get("content", "")
            if text.startswith("---\n"):
                try:
                    yaml.safe_load(text[4:].split("\n---", 1)[0])
                except yaml.YAMLError as e:
                    return self.error(400, "BadRequest", f"invalid YAML: {e}")
            self.send(200, {"errors": [], "warnings": []})

        def preupload(self, repo, req):
            files = []
            for f in req.get("files", []):
                sample = base64.b64decode(f.get("sample", ""))
                lfs = f["path"].endswith(LFS_SUFFIXES) or f.get("size", 0) >= 10 << 20 or b"\0" in sample
                files.append({"path": f["path"], "uploadMode": "lfs" if lfs and f.get("size", 0) else "regular",
                              "shouldIgnore": False})
            self.send(200, {"files": files, "commitOid": repo.sha})

        def paths_info(self, repo, form):
            out = [repo.entry(p) for p in form.get("paths", []) if p in repo.files]
            self.send(200, out)

        def storage_url(self, oid, part=0):
            q = f"?part={part}" if part else ""
            return f"http://127.0.0.2:{args.cdn_port}/lfs-upload/{oid}{q}"

        def lfs_batch(self, repo_id, req):
            if "application/vnd.git-lfs+json" not in self.headers.get("Accept", ""):
                return self.error(406, "NotAcceptable", "Accept must be application/vnd.git-lfs+json")
            multipart = args.lfs_chunk and "multipart" in req.get("transfers", [])
            hub = f"http://{self.headers['Host']}/datasets/{repo_id}.git/info/lfs"
            objects = []
            for o in req.get("objects", []):
                oid, size = o["oid"], o["size"]
                entry = {"oid": oid, "size": size, "authenticated": True}
                if os.path.exists(os.path.join(lfs_store, oid)):
                    objects.append(entry)  # stored already: no actions
                    continue
                verify = {"href": f"{hub}/objects/verify"}
                if multipart and size > args.lfs_chunk:
                    n = (size + args.lfs_chunk - 1) // args.lfs_chunk
                    header = {"chunk_size": str(args.lfs_chunk)}
                    header.update({f"{i:05d}": self.storage_url(oid, i) for i in range(1, n + 1)})
                    entry["actions"] = {"upload": {"href": f"{hub}/complete/{oid}", "header": header},
                                        "verify": verify}
                else:
                    entry["actions"] = {"upload": {"href": self.storage_url(oid)}, "verify": verify}
                objects.append(entry)
            self.send(200, {"transfer": "multipart" if multipart else "basic", "objects": objects},
                      "application/vnd.git-lfs+json")

        def lfs_complete(self, oid, req):
            parts = sorted(req.get("parts", []), key=lambda p: p["partNumber"])
            chunks = []  # joined once: += would copy the object per part
            for p in parts:
                path = os.path.join(state, "lfs-parts", f"{oid}.{p['partNumber']}")
                if not os.path.exists(path):
                    return self.error(400, "BadRequest", f"part {p['partNumber']} missing")
                chunk = open(path, "rb").read()
                if p.get("etag") != f'"{hashlib.md5(chunk).hexdigest()}"':
                    return self.error(400, "BadRequest", f"etag mismatch on part {p['partNumber']}")
                chunks.append(chunk)
            data = b"".join(chunks)
            if hashlib.sha256(data).hexdigest() != oid:
                return self.error(400, "BadRequest", "assembled object does not match its oid")
            store_object(oid, data)
            self.send(200, {"success": True})

        def lfs_verify(self, req):
            path = os.path.join(lfs_store, req.get("oid", "-"))
            if not os.path.exists(path) or os.path.getsize(path) != req.get("size"):
                return self.error(404, "EntryNotFound", "object not stored")
            self.send(200, {"success": True})

        def commit(self, repo, data):
            if args.fail_commit:
                return self.error(args.fail_commit, "Refused", f"commit refused with {args.fail_commit} (emulator --fail-commit)")
            try:
                lines = [json.loads(l) for l in data.decode().splitlines() if l.strip()]
            except ValueError:
                return self.error(400, "BadRequest", "commit body is not NDJSON")
            if not lines or lines[0].get("key") != "header":
                return self.error(400, "BadRequest", "the first NDJSON line must be the header")
            header = lines[0]["value"]
            with lock:
                head = Repo(args.root, repo.id).sha
                parent = header.get("parentCommit")
                if parent and parent != head:
                    return self.error(412, "PreconditionFailed", "A commit has happened since. Please refresh and try again.")
                writes = []
                for l in lines[1:]:
                    v = l.get("value", {})
                    path = v.get("path", "")
                    if ".." in path.split("/") or path.startswith("/") or path.startswith(".hub"):
                        return self.error(400, "BadRequest", f"invalid path {path}")
                    if l["key"] == "lfsFile":
                        src = os.path.join(lfs_store, v["oid"])
                        if not os.path.exists(src) or os.path.getsize(src) != v["size"]:
                            return self.error(422, "Unprocessable", f"LFS object of {path} was not uploaded")
                        writes.append(("copy", path, src))
                    elif l["key"] == "file":
                        writes.append(("data", path, base64.b64decode(v["content"])))
                    elif l["key"] in ("deletedFile", "deletedFolder"):
                        writes.append(("delete", path, None))
                    else:
                        return self.error(400, "BadRequest", f"unknown key {l['key']}")
                folder = repo.dir
                for kind, path, what in writes:
                    full = os.path.join(folder, path)
                    if kind == "delete":
                        if os.path.isdir(full):
                            shutil.rmtree(full)
                        elif os.path.exists(full):
                            os.remove(full)
                        continue
                    os.makedirs(os.path.dirname(full), exist_ok=True)
                    if kind == "copy":
                        shutil.copyfile(what, full)
                    else:
                        open(full, "wb").write(what)
                oid = record_commit(repo.id, head, header.get("summary", ""), header.get("description", ""), folder)
            host = f"http://{self.headers['Host']}"
            self.send(200, {"commitOid": oid, "commitUrl": f"{host}/datasets/{repo.id}/commit/{oid}",
                            "commitMessage": header.get("summary", ""), "success": True})

        def commits(self, repo):
            self.send(200, [{"id": c["id"], "title": c["title"], "message": c["message"],
                             "authors": [{"user": "emulator"}], "date": c["date"]} for c in repo.commits])

        def info(self, repo):
            return {"_id": repo.sha[:24], "id": repo.id, "sha": repo.sha,
                    "private": False, "gated": False, "disabled": False, "downloads": 0, "likes": 0,
                    "tags": [], "lastModified": "2026-11-01T00:00:00.000Z",
                    "siblings": [{"rfilename": p} for p in sorted(repo.files)]}

        def api(self, parts, query):
            repo, rest = self.repo_from(parts)
            if not repo:
                return
            if not rest:
                return self.send(200, self.info(repo))
            if rest[0] == "commits":
                return self.commits(repo)
            if rest[0] == "revision" and len(rest) >= 2:
                rev = "/".join(rest[1:])
                if self.check_rev(repo, rev):
                    self.send(200, self.info(repo))
                return
            if rest[0] == "tree" and len(rest) >= 2:
                rev, prefix = rest[1], "/".join(rest[2:])
                if not self.check_rev(repo, rev):
                    return
                recursive = query.get("recursive", ["false"])[0].lower() == "true"
                entries, dirs = [], set()
                for rel in sorted(repo.files):
                    if prefix and not rel.startswith(prefix + "/"):
                        continue
                    sub = rel[len(prefix) + 1:] if prefix else rel
                    if "/" in sub:
                        top = (prefix + "/" if prefix else "") + sub.split("/")[0]
                        if top not in dirs:
                            dirs.add(top)
                            entries.append({"type": "directory", "oid": "0" * 40, "size": 0, "path": top})
                        if not recursive:
                            continue
                    entries.append(repo.entry(rel))
                if recursive:  # directories of every depth, as the Hub lists them
                    for rel in sorted(repo.files):
                        segs = rel.split("/")[:-1]
                        for i in range(1, len(segs) + 1):
                            d = "/".join(segs[:i])
                            if d not in dirs and (not prefix or d.startswith(prefix + "/")):
                                dirs.add(d)
                                entries.append({"type": "directory", "oid": "0" * 40, "size": 0, "path": d})
                start = int(query.get("cursor", ["0"])[0])
                page = entries[start:start + args.page_size]
                headers = []
                if start + args.page_size < len(entries):
                    q = dict((k, v[0]) for k, v in query.items())
                    q["cursor"] = str(start + args.page_size)
                    nxt = f"http://{self.headers['Host']}{urllib.parse.urlsplit(self.path).path}?{urllib.parse.urlencode(q)}"
                    headers.append(("Link", f'<{nxt}>; rel="next"'))
                return self.send(200, page, headers=headers)
            if rest[0] == "parquet":
                listing = {}
                for rel in sorted(repo.files):
                    segs = rel.split("/")
                    if rel.endswith(".parquet") and len(segs) == 3:
                        listing.setdefault(segs[0], {}).setdefault(segs[1], []).append(
                            f"http://{self.headers['Host']}/datasets/{repo_id_of(repo)}/resolve/"
                            f"refs%2Fconvert%2Fparquet/{rel}")
                sel = listing
                for key in rest[1:3]:
                    sel = sel.get(key) if isinstance(sel, dict) else None
                    if sel is None:
                        return self.error(404, "EntryNotFound", "no such config or split")
                return self.send(200, sel)
            self.error(404, "EntryNotFound", "unknown API path")

        def resolve(self, repo, rev, rel):
            if not self.check_rev(repo, rev):
                return
            f = repo.files.get(rel)
            if f is None:
                return self.error(404, "EntryNotFound", f"{rel} does not exist at {rev}")
            headers = [("X-Repo-Commit", repo.sha), ("ETag", f'"{f["sha256"] if f["lfs"] else f["git"]}"'),
                       ("Accept-Ranges", "bytes")]
            if f["lfs"]:
                headers += [("X-Linked-Etag", f'"{f["sha256"]}"'), ("X-Linked-Size", str(f["size"]))]
                if args.cdn_port:
                    folder = os.path.relpath(repo.dir, args.root).replace(os.sep, "/")
                    loc = f"http://127.0.0.2:{args.cdn_port}/{urllib.parse.quote(folder)}/{urllib.parse.quote(rel)}"
                    return self.send(302, b"redirect body must not be saved", "text/plain",
                                     headers + [("Location", loc)])
            self.serve_file(os.path.join(repo.dir, rel), f["size"], headers)

        def serve_file(self, path, size, headers):
            data = open(path, "rb").read()
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes="):
                a, _, b = rng[6:].partition("-")
                start, end = int(a or 0), int(b) if b else size - 1
                if start >= size:
                    return self.send(416, b"", headers=headers + [("Content-Range", f"bytes */{size}")])
                end = min(end, size - 1)
                return self.send(206, data[start:end + 1], "application/octet-stream",
                                 headers + [("Content-Range", f"bytes {start}-{end}/{size}")])
            self.send(200, data, "application/octet-stream", headers)

    def repo_id_of(repo):
        return repo.id

    class Cdn(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            if args.auth_log:
                with lock, open(args.auth_log, "a") as f:
                    rng = self.headers.get("Range")
                    f.write(f"{'AUTH' if self.headers.get('Authorization') else 'none'} {self.path}"
                            f"{' range=' + rng if rng else ''}\n")
            rel = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path.lstrip("/"))
            path = os.path.join(args.root, rel)
            if ".." in rel.split("/") or not os.path.isfile(path):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            Hub.serve_file(self, path, os.path.getsize(path), [("Accept-Ranges", "bytes")])

        send = Hub.send

        def do_PUT(self):
            url = urllib.parse.urlsplit(self.path)
            if args.auth_log:
                with lock, open(args.auth_log, "a") as f:
                    f.write(f"{'AUTH' if self.headers.get('Authorization') else 'none'} PUT {self.path}\n")
            n = int(self.headers.get("Content-Length", "0"))
            # into one preallocated buffer: `data += chunk` copied the whole body per 64 kB
            # chunk (quadratic: a 650 MB upload took minutes)
            data = bytearray(n)
            view, got = memoryview(data), 0
            while got < n:  # read slowly with --lfs-delay, so a test can kill the client mid-upload
                k = self.rfile.readinto(view[got:min(n, got + 65536)])
                if not k:
                    break
                got += k
                if args.lfs_delay:
                    time.sleep(args.lfs_delay)
            view.release()
            data = bytes(data[:got])
            parts = [p for p in url.path.split("/") if p]
            if len(parts) != 2 or parts[0] != "lfs-upload" or len(data) != n:
                return self.send(400, {"error": "bad upload"})
            oid, q = parts[1], urllib.parse.parse_qs(url.query)
            etag = f'"{hashlib.md5(data).hexdigest()}"'
            if "part" in q:
                os.makedirs(os.path.join(state, "lfs-parts"), exist_ok=True)
                open(os.path.join(state, "lfs-parts", f"{oid}.{int(q['part'][0])}"), "wb").write(data)
            elif hashlib.sha256(data).hexdigest() != oid:
                return self.send(400, {"error": "content does not match its oid"})
            else:
                store_object(oid, data)
            self.send(200, b"", "text/plain", [("ETag", etag)])

    class Quiet(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # a client killed mid-upload (a test does that) is not an emulator error

    servers = [Quiet(("127.0.0.1", args.port), Hub)]
    if args.cdn_port:
        servers.append(Quiet(("127.0.0.2", args.cdn_port), Cdn))
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    threading.Timer(args.max_seconds, lambda: [s.shutdown() for s in servers]).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
