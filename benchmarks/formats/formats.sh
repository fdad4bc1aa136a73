#!/usr/bin/env bash
# Ingestion throughput per format: generates mail (.eml, .mbox, a Maildir), EPUB, Word,
# OpenDocument and PDF inputs from the shared 20 Newsgroups and Reuters-21578 collections
# (generate.py, Python's standard library only), then times a release `trawl index` of each
# into a new index and prints a Markdown table of MB/s (input bytes on disk) and documents/s.
#
#   benchmarks/formats/formats.sh [work folder, default /tmp/trawl-formats]
#
# Needs the shared folder beside the repository (TRAWL_SHARED overrides it) and zstd;
# TRAWL_BIN names a release trawl to use instead of building one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="${TRAWL_SHARED:-$repo/../shared}"
work="${1:-/tmp/trawl-formats}"
[ -f "$shared/data/20newsgroups/20newsgroups.jsonl.zst" ] || { echo "formats.sh: no 20 Newsgroups under $shared/data" >&2; exit 1; }
if [ -n "${TRAWL_BIN:-}" ]; then
  trawl="$TRAWL_BIN" # a release trawl built elsewhere
else
  echo "== building trawl (swift build -c release)" >&2
  (cd "$repo" && swift build -c release --product trawl 2>&1 | grep -E "error: |Build complete" >&2) || { echo "formats.sh: the release build failed" >&2; exit 1; }
  trawl="$repo/.build/release/trawl"
fi
rm -rf "$work" && mkdir -p "$work"
echo "== generating inputs in $work" >&2
python3 "$here/generate.py" --shared "$shared/data" --out "$work/inputs" >&2
echo "| format | files | documents | MB | seconds | MB/s | documents/s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for format in eml mbox maildir docx odt epub pdf; do
  input="$work/inputs/$format"
  files=$(find "$input" -type f | wc -l)
  bytes=$(find "$input" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
  best=""
  for pass in 1 2 3; do
    rm -rf "$work/index-$format"
    start=$(date +%s.%N)
    "$trawl" index --index "$work/index-$format" --threads 1 --json "$input" > "$work/summary-$format.json" || true
    end=$(date +%s.%N)
    seconds=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$seconds < $best" | bc -l)" = 1 ]; then best=$seconds; fi
  done
  documents=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['documents'])" "$work/summary-$format.json")
  python3 - "$format" "$files" "$documents" "$bytes" "$best" <<'PY'
import sys
fmt, files, docs, size, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print(f"| {fmt} | {files:,} | {docs:,} | {size / 1e6:.1f} | {secs:.2f} | {size / 1e6 / secs:.1f} | {docs / secs:,.0f} |")
PY
done
