#!/usr/bin/env bash
# The main job: build trawl, index the sample articles into ./index, and search them.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product trawl 2>&1 | grep -E "error|warning: |Compiling Trawl|Build complete" || true
trawl=".build/release/trawl"
[ -x "$trawl" ] || { echo "the build failed" >&2; exit 1; }

run() {
  echo
  echo "\$ trawl $*"
  "$trawl" "$@"
}

run index samples/articles
run search 'sanctions AND oil' --limit 3
run search '"oil exports"' --limit 3
run search 'date:[2024-01-01 TO 2024-06-30] storm'
run search 'title:zurich'
run search '"the who"' --limit 2
run search 'sanction*' --sort -date --limit 3
run stats
