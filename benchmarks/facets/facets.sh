#!/usr/bin/env bash
# Facet counting on Reuters-21578 (its `topics` and `places` from the original SGML files):
# Trawl against Tantivy's terms aggregation and Lucene's sorted-set facets, in the same run.
#
#   benchmarks/facets/facets.sh [--engines tantivy,lucene] [--passes 10] [--warmup-seconds 5]
#
# Needs the peers installed (bash ../shared/peers/setup.sh) and the shared folder beside the
# repository (TRAWL_SHARED overrides it). Writes benchmarks/results/reuters21578-facets.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="${TRAWL_SHARED:-$repo/../shared}"
[ -d "$shared/data/reuters21578/original" ] || { echo "facets.sh: no Reuters originals under $shared/data" >&2; exit 1; }
shared="$(cd "$shared" && pwd)"
echo "== building trawl (swift build -c release)"
(cd "$repo" && swift build -c release 2>&1 | grep -E "warning: |error: |Build complete") || { echo "facets.sh: the release build failed" >&2; exit 1; }
mkdir -p "$repo/benchmarks/results"
python3 "$here/facets_peers.py" --shared "$shared" --trawl "$repo/.build/release/trawl" \
  --out "$repo/benchmarks/results/reuters21578-facets.md" "$@"
