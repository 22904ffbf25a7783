"""Serve benchmark: time from saving an edited article to the rebuilt page being served,
and requests per second for a static page under wrk (on 127.0.0.1, bounded in time)."""
import glob, os, re, shutil, subprocess, sys, threading, time, urllib.request

qiao, root, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
server = subprocess.Popen([qiao, "-r", root, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
base = None
for line in server.stdout:
    m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
    if m:
        base = m.group(1)
        break
# The server says when it wrote the edited page first, and when the whole rebuild ended.
logged = {"Updated": [], "Built": []}
def read_log():
    for line in server.stdout:
        m = re.match(r"(Updated|Built) .* in (\d+) ms", line)
        if m:
            logged[m.group(1)].append(int(m.group(2)))
threading.Thread(target=read_log, daemon=True).start()
path = sorted(glob.glob(os.path.join(root, "content/news/*/*/article-05017.en.md")))[0]
original = open(path, encoding="utf-8").read()
latencies = []
try:
    for n in range(max(runs, 5)):
        time.sleep(10)  # let the previous edit's search index finish
        marker = f"EDITMARK{n}T{time.time_ns()}"
        started = time.time()
        with open(path, "w", encoding="utf-8") as f:
            f.write(original.replace("\n---\n\n", f"\n---\n\n{marker} ", 1))
        while marker not in urllib.request.urlopen(base + "/en/news/article-05017/").read().decode():
            time.sleep(0.005)
        latencies.append((time.time() - started) * 1000)
    latencies.sort()
    print("save to served: median %.0f ms (runs: %s)" % (latencies[len(latencies) // 2], ", ".join("%.0f" % l for l in latencies)))
    time.sleep(10)
    for what, label in (("Updated", "edited page written first"), ("Built", "whole rebuild (lists, feeds)")):
        ms = sorted(logged[what][-len(latencies):])
        if ms:
            print("%s: median %d ms (runs: %s)" % (label, ms[len(ms) // 2], ", ".join(map(str, ms))))
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-t2", "-c32", "-d10s", base + "/en/"], capture_output=True, text=True).stdout
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
        print("wrk static page: %s requests/s, errors: %s" % (rps.group(1) if rps else "?", errors.group(0) if errors else "none"))
    else:
        print("wrk not installed (apt-get install wrk)")
finally:
    with open(path, "w", encoding="utf-8") as f:
        f.write(original)
    server.terminate()
    server.wait()
