#!/usr/bin/env python3
"""Cycles between the top-level modules of src/ (a top-level file or folder), from
`use crate::X` and `crate::X::` references (and `use super::` at the top level)."""
import re, sys, pathlib
src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")
mods = {}
for p in src.rglob("*.rs"):
    rel = p.relative_to(src)
    name = rel.parts[0].removesuffix(".rs")
    if name in ("lib", "main"):
        continue
    mods.setdefault(name, []).append(p)
names = set(mods)
ref = re.compile(r'\bcrate::(\w+)')
group = re.compile(r'\buse\s+crate::\{([^;]*)\}', re.S)
edges = {m: set() for m in names}
for m, files in mods.items():
    for p in files:
        text = re.sub(r'//[^\n]*', '', p.read_text())
        found = set(ref.findall(text))
        for g in group.findall(text):
            found |= set(re.findall(r'(?:^|[,{\s])(\w+)', g))
        for t in found:
            if t in names and t != m:
                edges[m].add(t)
# strongly connected components (Tarjan)
index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in sorted(edges[v]):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        c = []
        while True:
            w = stack.pop(); on.discard(w); c.append(w)
            if w == v: break
        if len(c) > 1: sccs.append(sorted(c))
sys.setrecursionlimit(10000)
for v in sorted(names):
    if v not in index: visit(v)
if "-v" in sys.argv:
    for m in sorted(edges):
        print(f"{m} -> {', '.join(sorted(edges[m]))}")
if not sccs:
    print("no cycles")
for c in sccs:
    print("cycle among:", ", ".join(c))
    for a in c:
        print(f"  {a} -> {', '.join(sorted(edges[a] & set(c)))}")

# The layering of ARCHITECTURE.md: a module may use its own layer and those below.
LAYERS = {
    0: ["diagnostics"],
    1: ["config", "site_dirs", "content", "assets", "embedded", "segment", "lang", "country", "i18n", "urls"],
    2: ["markdown", "html", "images", "attachment", "site", "taxonomy"],
    3: ["render", "charts", "feeds", "search"],
    4: ["output", "pipeline", "linkcheck"],
    5: ["serve"],
}
layer = {m: n for n, ms in LAYERS.items() for m in ms}
unplaced = sorted(names - set(layer))
if unplaced:
    print("not in a layer:", ", ".join(unplaced))
bad = [(a, b) for a in sorted(edges) for b in sorted(edges[a]) if a in layer and b in layer and layer[b] > layer[a]]
print("layering: " + ("holds" if not bad else "; ".join(f"{a} ({layer[a]}) -> {b} ({layer[b]})" for a, b in bad)))
