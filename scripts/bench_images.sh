#!/usr/bin/env bash
# The picture benchmark: a site of 200 article pairs, each with a 3000 × 2000 JPEG lead photo.
# Measures the first build (every photo decoded), a rebuild with nothing changed (every
# derivative from .qiao-cache/), and the bytes a phone (390 px wide, DPR 2) downloads for an
# article page in headless Chromium, against the original photo's size.
# Usage: scripts/bench_images.sh [PHOTOS]   (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."
PHOTOS=${1:-200}
WORK=target/bench-images
mkdir -p "$WORK"
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example gen_photos
./target/release/examples/gen_photos --photos "$PHOTOS" --out "$WORK/site" >/dev/null
rm -rf "$WORK/site/.qiao-cache" "$WORK/out"
QIAO=$PWD/target/release/qiao
t0=$(date +%s.%N); "$QIAO" -r "$WORK/site" build -o "$WORK/out" >/dev/null; t1=$(date +%s.%N)
"$QIAO" -r "$WORK/site" build -o "$WORK/out" >/dev/null; t2=$(date +%s.%N)
echo "photos: $PHOTOS ($(du -sh "$WORK/site/content" | cut -f1) of JPEGs)"
echo "first build (decodes every photo):        $(echo "$t1 - $t0" | bc) s"
echo "rebuild, nothing changed (cache hits):    $(echo "$t2 - $t1" | bc) s"
python3 scripts/page_bytes.py "$WORK/out" /en/news/item-007/ \
  "$WORK/site/content/news/2024/photo-007.jpg"
