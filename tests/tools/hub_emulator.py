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
"""
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

    def entry(self, rel):
        f = self.files[rel]
        e = {"type": "file", "oid": f["git"], "size": f["size"], "path": rel}
        if f["lfs"]:
            e["lfs"] = {"oid": f["sha256"], "size": f["size"], "pointerSize": 134}
        return e


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
    args = ap.parse_args()
    lock = threading.Lock()
    calls = {"n": 0}

    def load(repo_id, rev="main"):
        if ".." in repo_id.split("/") or not os.path.isdir(os.path.join(args.root, repo_id)):
            return None
        repo = Repo(args.root, repo_id, "main")
        if rev not in ("main", repo.sha):
            converted = Repo(args.root, repo_id, "refs/convert/parquet")
            if rev in ("refs/convert/parquet", converted.sha):
                repo = converted
        repo.id = repo_id
        return repo

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
            if rev in ("main", repo.sha, "refs/convert/parquet") or \
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

    servers = [ThreadingHTTPServer(("127.0.0.1", args.port), Hub)]
    if args.cdn_port:
        servers.append(ThreadingHTTPServer(("127.0.0.2", args.cdn_port), Cdn))
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    threading.Timer(args.max_seconds, lambda: [s.shutdown() for s in servers]).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
