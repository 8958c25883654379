#!/usr/bin/env python3
"""Opens pages of a `lakehouse view` site in headless Chromium (file://, DevTools protocol) and
checks what a person would see against what the lake says.

    check_view.py --site DIR --expect EXPECT.json [--screenshots DIR]

EXPECT.json (written by the e2e test from `lakehouse sql`):
  {"sheets": {"sheet-x.html": {"images": [[uri, boxes], ...]} |
                              {"fragments": [[clip_uri, fragment_id, [[frame, boxes] x3]], ...]}},
   "timeline": [snapshot ids], "text": {"page.html": ["text that must show", ...]},
   "gone": {"page.html": [uri, ...]}, "screenshots": ["index.html", ...]}
Every page is also checked for: every <img> loaded (naturalWidth > 0; placeholders are not
images), no console error or uncaught exception, no JavaScript dialog (an injected
<script>alert(1)</script> must never run), no <script> element at all.
Prints one line per check, "CHECK|1|name" or "CHECK|0|name: detail", for the test to count.
"""
import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import struct
import urllib.parse
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class WebSocket:
    """The client side of RFC 6455, as much as the DevTools protocol needs: text frames,
    fragmented messages, ping/pong. Standard library only, so the checker does not depend on
    the shared test venv."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("DevTools closed the connection during the handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"DevTools refused the WebSocket: {head[:200]!r}")

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _frame(self, opcode, payload):
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)  # clients must mask
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, text):
        self._frame(0x1, text.encode())

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the WebSocket")
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode in (0x0, 0x1, 0x2):
                message += payload
                if b0 & 0x80:
                    return message.decode()

    def close(self):
        self.sock.close()


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="lakehouse-chromium-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--disable-extensions", "--disable-background-networking",
             f"--remote-debugging-port={self.port}", f"--user-data-dir={self.profile}",
             "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        target = None
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=1) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages:
                    target = pages[0]
                    break
            except OSError:
                pass
            time.sleep(0.1)
        if not target:
            self.close()
            raise SystemExit("chromium did not offer a DevTools page target")
        self.ws = WebSocket(target["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.note(msg)

    def note(self, msg):
        if "method" not in msg:
            return
        self.events.append(msg)
        if msg["method"] == "Page.javascriptDialogOpening":  # recorded; never left blocking
            self.ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog",
                                     "params": {"accept": True}}))

    def wait_event(self, name, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i, ev in enumerate(self.events):
                if ev["method"] == name:
                    del self.events[i]
                    return ev
            self.note(json.loads(self.ws.recv()))
        raise RuntimeError(f"timed out waiting for {name}")

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


PAGE_FACTS = r"""
(() => {
  const imgs = [...document.images].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}));
  const tiles = [...document.querySelectorAll('figure.tile')].map(t => ({
    uri: t.dataset.uri, fragment: t.dataset.fragment === undefined ? null : Number(t.dataset.fragment),
    boxes: t.classList.contains('fragment') ? null : t.querySelectorAll('svg rect.box').length,
    images: t.querySelectorAll('img').length,
    frames: [...t.querySelectorAll('.frame')].map(f => ({frame: Number(f.dataset.frame),
      boxes: f.querySelectorAll('svg rect.box').length, images: f.querySelectorAll('img').length})),
    gone: [...t.querySelectorAll('.gone')].map(g => g.textContent)}));
  return JSON.stringify({imgs, tiles, scripts: document.scripts.length,
    text: document.body.innerText,
    snapshots: [...document.querySelectorAll('tr.snapshot')].map(r => Number(r.dataset.snapshot))});
})()
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--site", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--screenshots", default="")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = ap.parse_args()
    expect = json.load(open(args.expect))
    site = os.path.abspath(args.site)
    pages = sorted(set(["index.html", "timeline.html"]) | set(expect.get("sheets", {})) |
                   set(expect.get("text", {})) | set(expect.get("gone", {})))
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(f"CHECK|{1 if ok else 0}|{name}{'' if ok else ': ' + detail}", flush=True)

    b = Browser(args.chromium)
    try:
        for page in pages:
            b.events.clear()
            b.call("Page.navigate", url=f"file://{site}/{page}")
            b.wait_event("Page.loadEventFired")
            facts = json.loads(b.call("Runtime.evaluate", expression=PAGE_FACTS,
                                      returnByValue=True)["result"]["value"])
            b.call("Runtime.evaluate", expression="1")  # drain events raised during load
            errors = [e for e in b.events if
                      (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert")) or
                      e["method"] == "Runtime.exceptionThrown" or
                      (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
            dialogs = [e for e in b.events if e["method"] == "Page.javascriptDialogOpening"]
            broken = [i["src"] for i in facts["imgs"] if not i["ok"]]
            check(f"{page}: every <img> loaded ({len(facts['imgs'])})", not broken, f"broken: {broken[:5]}")
            check(f"{page}: no console error", not errors, json.dumps(errors[:3])[:600])
            check(f"{page}: no script ran a dialog, no <script> element", not dialogs and facts["scripts"] == 0,
                  f"dialogs {len(dialogs)}, scripts {facts['scripts']}")
            sheet = expect.get("sheets", {}).get(page)
            if sheet and "images" in sheet:
                want = sheet["images"]
                got = [t for t in facts["tiles"]]
                check(f"{page}: one tile per selected row ({len(want)})", len(got) == len(want),
                      f"{len(got)} tiles")
                check(f"{page}: one image per tile", all(t["images"] == 1 for t in got),
                      str([t["images"] for t in got]))
                check(f"{page}: tiles in the query's order",
                      [t["uri"] for t in got] == [w[0] for w in want], "order differs")
                bad = [(w[0][-20:], w[1], t["boxes"]) for w, t in zip(want, got) if w[1] != t["boxes"]]
                check(f"{page}: boxes drawn per image = its rows in silver.coco_objects "
                      f"({sum(w[1] for w in want)} boxes)", not bad, str(bad[:5]))
            if sheet and "fragments" in sheet:
                want = sheet["fragments"]
                got = facts["tiles"]
                check(f"{page}: one strip per selected fragment ({len(want)})", len(got) == len(want),
                      f"{len(got)} strips")
                check(f"{page}: 3 frames per strip, one image each",
                      all(len(t["frames"]) == 3 and all(f["images"] == 1 for f in t["frames"]) for t in got),
                      str([len(t["frames"]) for t in got]))
                bad = []
                for w, t in zip(want, got):
                    if (w[0], w[1]) != (t["uri"], t["fragment"]):
                        bad.append(("row", w[1], t["fragment"]))
                    for (frame, boxes), f in zip(w[2], t["frames"]):
                        if (frame, boxes) != (f["frame"], f["boxes"]):
                            bad.append((w[1], frame, boxes, f["frame"], f["boxes"]))
                check(f"{page}: first/middle/last frame with their boxes from the annotations "
                      f"({sum(x[1] for w in want for x in w[2])} boxes)", not bad, str(bad[:5]))
            for text in expect.get("text", {}).get(page, []):
                check(f"{page}: shows {text!r} as text", text in facts["text"], "not found")
            for uri in expect.get("gone", {}).get(page, []):
                check(f"{page}: a placeholder tile names the gone object",
                      any(uri in g for t in facts["tiles"] for g in t["gone"]), str(facts["tiles"][:2])[:300])
            if page == "timeline.html" and "timeline" in expect:
                check(f"timeline lists every snapshot ({len(expect['timeline'])}), newest first",
                      facts["snapshots"] == sorted(expect["timeline"], reverse=True), str(facts["snapshots"]))
            if args.screenshots and page in expect.get("screenshots", []):
                png = b.call("Page.captureScreenshot", format="png")["data"]
                path = os.path.join(args.screenshots, page.replace(".html", ".png"))
                with open(path, "wb") as f:
                    f.write(base64.b64decode(png))
                print(f"screenshot: {path}")
    finally:
        b.close()
    raise SystemExit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
