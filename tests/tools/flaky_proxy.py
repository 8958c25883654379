#!/usr/bin/env python3
"""A test-only HTTP proxy that injects S3 faults in front of a real S3 server.

The first --fail-first requests get --status with an S3 XML error body (default 503 SlowDown);
the rest are forwarded unchanged (the Host header is kept, so SigV4 signatures stay valid).
Every request is logged to --log as "<status> <method> <path>" (a quirky LIST reply adds
" quirks: duplicated=N marker=1"). Stops after --max-seconds.
--put-delay-ms slows PUTs down so a test can kill a client in the middle of its uploads.
--rustfs-quirks answers like RustFS's open issues: a HEAD of a missing key gets a bare 400
(rustfs#2607) and every ListObjectsV2 reply lists each key twice plus a directory marker
(rustfs#2439).
"""
import re
import argparse
import http.client
import http.server
import threading
import time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--upstream", required=True, help="host:port of the real server")
    ap.add_argument("--fail-first", type=int, default=2)
    ap.add_argument("--status", type=int, default=503)
    ap.add_argument("--code", default="SlowDown")
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--put-delay-ms", type=int, default=0, help="slow every PUT down (crash tests)")
    ap.add_argument("--rustfs-quirks", action="store_true")
    args = ap.parse_args()
    lock = threading.Lock()
    state = {"seen": 0}
    host, port = args.upstream.rsplit(":", 1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def record(self, status, note=""):
            with lock, open(args.log, "a") as f:
                f.write(f"{status} {self.command} {self.path}{note}\n")

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                state["seen"] += 1
                fail = state["seen"] <= args.fail_first
            if fail:
                xml = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{args.code}</Code>"
                       f"<Message>injected by flaky_proxy</Message></Error>").encode()
                self.send_response(args.status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(0 if self.command == "HEAD" else len(xml)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(xml)
                self.record(args.status)
                return
            if self.command == "PUT" and args.put_delay_ms:
                time.sleep(args.put_delay_ms / 1000)
            up = http.client.HTTPConnection(host, int(port), timeout=30)
            up.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                up.putheader(k, v)
            up.endheaders(body)
            resp = up.getresponse()
            data = resp.read()
            status = resp.status
            note = ""
            if args.rustfs_quirks and self.command == "HEAD" and status == 404:
                status = 400
            if args.rustfs_quirks and self.command == "GET" and "list-type=2" in self.path and status == 200:
                marker = b"<Contents><Key>assets/</Key><Size>0</Size><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag></Contents>"
                data, duplicated = re.subn(rb"(<Contents>.*?</Contents>)", rb"\1\1", data, flags=re.S)
                data = data.replace(b"<Contents>", marker + b"<Contents>", 1)
                note = f" quirks: duplicated={duplicated} marker={int(duplicated > 0)}"
            self.send_response(status)
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            up.close()
            self.record(status, note)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.listen), Handler)
    server.handle_error = lambda request, client_address: None  # clients that gave up (timeouts) are expected
    threading.Timer(args.max_seconds, server.shutdown).start()
    server.serve_forever()

if __name__ == "__main__":
    main()
