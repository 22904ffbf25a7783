"""Checks a large build's output (run by bench.sh above 10,000 pairs): the sitemap index and
its sitemaps (each within the protocol's 50,000 URLs and 50 MB, every URL a page of the
output, every page listed), every internal link (`qiao check --output`), and a search in
each language whose hits are pages of the output. Exits non-zero on the first failure."""
import json, os, re, subprocess, sys, time
from urllib.parse import urlparse

qiao, site, out, pages = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def fail(msg):
    print("FAILED: " + msg)
    sys.exit(1)

def local(url):
    """The output file an absolute or root-relative URL is served from."""
    path = urlparse(url).path.lstrip("/")
    return os.path.join(out, path, "index.html") if path.endswith("/") or not path else os.path.join(out, path)

robots = open(os.path.join(out, "robots.txt"), encoding="utf-8").read()
root = re.search(r"^Sitemap: (\S+)", robots, re.M).group(1)
index = open(local(root), encoding="utf-8").read()
if "<sitemapindex" not in index:
    fail("%s is not a sitemap index at %d pages" % (root, pages))
maps = re.findall(r"<loc>([^<]+)</loc>", index)
listed = set()
for m in maps:
    name = local(m)
    size = os.path.getsize(name)
    urls = re.findall(r"<loc>([^<]+)</loc>", open(name, encoding="utf-8").read())
    if len(urls) > 50000 or size > 50 * 1024 * 1024:
        fail("%s holds %d URLs in %d bytes, over the protocol's limits" % (m, len(urls), size))
    listed.update(urls)
missing = [u for u in listed if not os.path.isfile(local(u))]
if missing:
    fail("%d sitemap URLs are not pages of the output, e.g. %s" % (len(missing), missing[0]))
html = sum(f == "index.html" for _, _, files in os.walk(out) for f in files)
if len(listed) != html:
    fail("the sitemaps list %d URLs; the output has %d index.html pages" % (len(listed), html))
print("sitemap index: %d sitemaps, %d URLs, each a page of the output; every page listed" % (len(maps), len(listed)))

started = time.time()
check = subprocess.run([qiao, "-r", site, "check", "--output", out], capture_output=True, text=True)
if check.returncode != 0:
    fail("qiao check --output:\n" + check.stdout[-2000:] + check.stderr[-2000:])
print("links: %s (%.0f s)" % (check.stdout.strip().splitlines()[-1], time.time() - started))

for query, lang in (("鲁班工坊", "zh"), ("Luban Workshop", "en")):
    started = time.time()
    res = subprocess.run([qiao, "-r", site, "search", "--json", "--lang", lang, "-o", out, query], capture_output=True, text=True)
    if res.returncode != 0:
        fail("qiao search %s: %s" % (query, res.stderr))
    found = json.loads(res.stdout)
    hits = found.get("hits", [])
    if not hits or found.get("total", 0) < len(hits):
        fail("qiao search %s found nothing: %s" % (query, res.stdout[:500]))
    for h in hits:
        if not os.path.isfile(local(h["url"])):
            fail("hit %s of %s is not a page of the output" % (h["url"], query))
    print("search %s: %d articles, the first %d pages of the output (%.1f s)" % (query, found["total"], len(hits), time.time() - started))
