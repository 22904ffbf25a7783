#!/usr/bin/env python3
"""Bytes a phone (390 px wide, DPR 2) downloads for one page of a built site, measured in
headless Chromium through chromedriver (W3C WebDriver over HTTP, no client library).

Usage: page_bytes.py OUT_DIR SITE_PATH [ORIGINAL_FILE ...]
Prints each resource with its transfer size, the total, and the sizes of the given original
files for comparison. The page is scrolled to the end so lazy pictures load too.
"""
import functools
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["value"]


def main():
    out, page, originals = sys.argv[1], sys.argv[2], sys.argv[3:]
    port = free_port()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=out)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dport = free_port()
    driver = subprocess.Popen(["chromedriver", f"--port={dport}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{dport}"
    try:
        for _ in range(100):
            try:
                call(base, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        profile = tempfile.mkdtemp()
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", f"--user-data-dir={profile}"],
            "mobileEmulation": {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}},
        }}}}
        session = call(base, "POST", "/session", caps)["sessionId"]
        s = f"/session/{session}"
        call(base, "POST", s + "/url", {"url": f"http://127.0.0.1:{port}{page}"})
        call(base, "POST", s + "/execute/async", {"script": """
            const done = arguments[0];
            window.scrollTo(0, document.body.scrollHeight);
            setTimeout(() => done(true), 1500);""", "args": []})
        entries = call(base, "POST", s + "/execute/sync", {"script": """
            const nav = performance.getEntriesByType('navigation')[0];
            return [[location.pathname, nav.transferSize || nav.encodedBodySize]].concat(
              performance.getEntriesByType('resource').map(e => [new URL(e.name).pathname,
                e.transferSize || e.encodedBodySize]));""", "args": []})
        call(base, "DELETE", s)
    finally:
        driver.terminate()
        server.shutdown()
    total = 0
    for name, size in entries:
        total += size
        print(f"  {size / 1024:8.1f} KB  {name}")
    print(f"page at 390 px, DPR 2: {total / 1024:.1f} KB in {len(entries)} requests")
    for f in originals:
        print(f"original photo {os.path.basename(f)}: {os.path.getsize(f) / 1024:.1f} KB")


if __name__ == "__main__":
    main()
