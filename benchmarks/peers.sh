#!/usr/bin/env bash
# Trawl side by side with Tantivy, Xapian, SQLite FTS5, Lucene and bm25s, through the shared
# harness (../shared/peers/bench.py; see its README.md), with Trawl plugged in as an external
# engine by benchmarks/trawl-adapter.json.
#
#   benchmarks/peers.sh reuters21578 [bench.py run options...]
#   benchmarks/peers.sh wikipedia    [bench.py run options...]
#   benchmarks/peers.sh PATH.jsonl[.zst|.gz] [bench.py run options...]
#   benchmarks/peers.sh relevance    [bench.py relevance options...]  (Trawl as trawl, trawl-near, trawl-expand, trawl-bm25)
#   benchmarks/peers.sh --fuzzy reuters21578|wikipedia|PATH [bench.py run options...]
#
# --fuzzy runs a second query set of the corpus with typo-tolerant and prefix queries beside
# plain terms (bench.py make-queries --types term,fuzzy,prefix --n 200 --seed 42), kept in
# results/NAME.fuzzy.queries.jsonl; its tables go to results/NAME.fuzzy.md.
#
# Builds Trawl in release (`swift build -c release` in the repository root) first. Outputs go to
# benchmarks/results/NAME.json (everything; git-ignored) and NAME.md (the tables).
# Extra options go to bench.py, e.g. a quick smoke run:
#   benchmarks/peers.sh reuters21578 --repeat 1 --warmup-seconds 2
# Only Trawl: add `--engines ''`. The shared folder defaults to ../shared beside the repository
# (TRAWL_SHARED overrides it).
set -euo pipefail

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}
[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac
fuzzy=""
if [ "$1" = "--fuzzy" ]; then fuzzy=1; shift; [ $# -ge 1 ] || usage; fi
target="$1"; shift

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shared="${TRAWL_SHARED:-$repo/../shared}"
[ -d "$shared/peers" ] || { echo "peers.sh: no harness at $shared/peers (set TRAWL_SHARED)" >&2; exit 1; }
shared="$(cd "$shared" && pwd)"
bench="$shared/peers/bench.py"
data="$shared/data"
results="$here/results"
adapter="$here/trawl-adapter.json"
mkdir -p "$results"

cleanup=()
trap 'for f in "${cleanup[@]+"${cleanup[@]}"}"; do rm -rf "$f"; done' EXIT

echo "== building trawl (swift build -c release)"
log="$(mktemp "${TMPDIR:-/tmp}/trawl-peers-build.XXXXXX")"
cleanup+=("$log")
if ! (cd "$repo" && swift build -c release > "$log" 2>&1); then
  tail -40 "$log" >&2
  echo "peers.sh: the release build failed" >&2
  exit 1
fi
grep -E "warning: |Build complete" "$log" | grep -v "/\.build/" || true
echo "trawl $("$repo/.build/release/trawl" --version)"

# A query set for a corpus without one: sampled from the corpus (seeded), kept in results/.
queries_for() { # corpus name
  local corpus="$1" name="$2" queries="$results/$2.queries.jsonl"
  if [ ! -s "$queries" ]; then
    echo "== sampling queries for $name (bench.py make-queries --n 200 --seed 42)" >&2
    python3 "$bench" make-queries --corpus "$corpus" --out "$queries" --n 200 --seed 42 >&2
  fi
  echo "$queries"
}

case "$target" in
  relevance)
    collections=""
    for c in adi cisi cranfield lisa medline npl time; do
      [ -d "$data/$c" ] || { echo "peers.sh: missing collection $data/$c" >&2; exit 1; }
      collections="${collections:+$collections,}$data/$c"
    done
    echo "== bench.py relevance (7 collections; trawl, trawl-near, trawl-expand, trawl-bm25)"
    # Trawl's ranking options beside its default: the term-proximity bonus (--near), RM3
    # query expansion (--expand), and the ranking before free-text stop words and title weight 3
    # (trawl-bm25); benchmarks/relevance_report.py adds significance tests.
    python3 "$bench" relevance --collections "$collections" --external "$adapter" \
      --external "$here/trawl-near-adapter.json" --external "$here/trawl-expand-adapter.json" \
      --external "$here/trawl-bm25-adapter.json" \
      --out "$results/relevance" "$@"
    exit 0
    ;;
  reuters21578|reuters)
    name="reuters21578"
    corpus="$data/reuters21578/reuters21578.jsonl.zst"
    queries="$shared/peers/queries/reuters21578.queries.jsonl"
    ;;
  wikipedia|wikipedia-en-2015-sample)
    name="wikipedia-en-2015-sample"
    folder="$data/wikipedia-en-2015-sample"
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/trawl-peers.XXXXXX")"
    cleanup+=("$tmp")
    corpus="$tmp/$name.jsonl"
    echo "== decompressing the two parts into $corpus"
    zstd -dc "$folder/$name.part1.jsonl.zst" "$folder/$name.part2.jsonl.zst" > "$corpus"
    queries="$(queries_for "$corpus" "$name")"
    ;;
  *)
    [ -f "$target" ] || { echo "peers.sh: no corpus '$target' (reuters21578, wikipedia, relevance or a JSONL path)" >&2; exit 2; }
    corpus="$(cd "$(dirname "$target")" && pwd)/$(basename "$target")"
    name="$(basename "$corpus")"
    name="${name%.zst}"; name="${name%.gz}"; name="${name%.jsonl}"
    queries="$(queries_for "$corpus" "$name")"
    ;;
esac

[ -f "$corpus" ] || { echo "peers.sh: corpus not found: $corpus" >&2; exit 1; }
if [ -n "$fuzzy" ]; then
  queries="$results/$name.fuzzy.queries.jsonl"
  if [ ! -s "$queries" ]; then
    echo "== sampling fuzzy queries for $name (bench.py make-queries --types term,fuzzy,prefix --n 200 --seed 42)"
    python3 "$bench" make-queries --corpus "$corpus" --out "$queries" --n 200 --seed 42 --types term,fuzzy,prefix
  fi
  name="$name.fuzzy"
fi
echo "== bench.py run: $name"
python3 "$bench" run --corpus "$corpus" --queries "$queries" --external "$adapter" --out "$results/$name" "$@"
echo "== tables: $results/$name.md"
