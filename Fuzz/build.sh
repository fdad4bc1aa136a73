#!/usr/bin/env bash
# Builds a libFuzzer target outside SwiftPM:  Fuzz/build.sh QueryParserFuzz
#
# The target's Swift files are compiled into one module named `Trawl` together with the
# library sources it needs (so internal API is visible), with -sanitize=fuzzer,address; the
# ICU shim is compiled with clang and the same sanitizers. The binary lands in fuzz-out/<target>.
set -euo pipefail

target="${1:?usage: Fuzz/build.sh <target> (for example QueryParserFuzz)}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/fuzz-out"
build="$out/build-$target"
mkdir -p "$build"

case "$target" in
  QueryParserFuzz)
    # The parser needs analysis (ICU shim, stemmer), dates, errors and the query code.
    sources=(
      "$root"/Sources/Trawl/Analysis/*.swift
      "$root"/Sources/Trawl/Query/*.swift
      "$root"/Sources/Trawl/Support/*.swift
      "$root"/Sources/Trawl/Documents/Document.swift
    )
    ;;
  *)
    echo "unknown fuzz target: $target" >&2
    exit 2
    ;;
esac

bin="$(dirname "$(command -v swiftc)")"
clang="${CLANG:-$bin/clang}"
[ -x "$clang" ] || clang=clang

# A module map for the ICU shim (SwiftPM generates one; swiftc needs it spelled out).
mkdir -p "$build/CTrawlICU"
cat > "$build/CTrawlICU/module.modulemap" <<MAP
module CTrawlICU {
    header "$root/Sources/CTrawlICU/include/TrawlICU.h"
    export *
}
MAP

"$clang" -c -O1 -g -fsanitize=fuzzer-no-link,address \
  -I "$root/Sources/CTrawlICU/include" \
  "$root/Sources/CTrawlICU/TrawlICU.c" -o "$build/TrawlICU.o"

swiftc -O -g -sanitize=fuzzer,address -parse-as-library -swift-version 6 \
  -module-name Trawl -package-name Trawl \
  -I "$build/CTrawlICU" \
  "${sources[@]}" "$root"/Fuzz/"$target"/*.swift \
  "$build/TrawlICU.o" -licuuc -licui18n -licudata \
  -use-ld=lld -o "$out/$target"

echo "built $out/$target"
echo "run:   $out/$target -max_total_time=20 $root/Fuzz/$target/corpus"
