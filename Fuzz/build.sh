#!/usr/bin/env bash
# Builds a libFuzzer target outside SwiftPM:  Fuzz/build.sh <target>
#
# QueryParserFuzz: the target's Swift files are compiled into one module named `Trawl` together
# with the library sources it needs (so internal API is visible), with -sanitize=fuzzer,address;
# the ICU and CLD2 shims are compiled with clang and the same sanitizers.
#
# DocumentReadersFuzz, SegmentReaderFuzz, SearchExecutorFuzz, OpenSearchDSLFuzz: they need the whole library, Yams (front matter) and
# libxml2 (HTML). The library is built once into fuzz-out/build-library: libyaml (CYaml) with
# clang, Yams and Trawl with swiftc (-enable-testing, so the targets use `@testable import Trawl`),
# all instrumented for libFuzzer and ASan; each target then compiles its own file and links.
#
# Binaries land in fuzz-out/<target>. Yams comes from SwiftPM's checkout (.build/checkouts/Yams;
# `swift package resolve` fetches it).
set -euo pipefail

target="${1:?usage: Fuzz/build.sh <target> (QueryParserFuzz, DocumentReadersFuzz, SegmentReaderFuzz, SearchExecutorFuzz or OpenSearchDSLFuzz)}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/fuzz-out"
mkdir -p "$out"

bin="$(dirname "$(command -v swiftc)")"
clang="${CLANG:-$bin/clang}"
[ -x "$clang" ] || clang=clang
sanitize_c=(-fsanitize=fuzzer-no-link,address)
sanitize_swift=(-sanitize=fuzzer,address)

# A module map for the ICU shim (SwiftPM generates one; swiftc needs it spelled out).
icu_shim() {
  local dir="$1"
  mkdir -p "$dir/CTrawlICU"
  cat > "$dir/CTrawlICU/module.modulemap" <<MAP
module CTrawlICU {
    header "$root/Sources/CTrawlICU/include/TrawlICU.h"
    export *
}
MAP
  "$clang" -c -O1 -g "${sanitize_c[@]}" -I "$root/Sources/CTrawlICU/include" \
    "$root/Sources/CTrawlICU/TrawlICU.c" -o "$dir/TrawlICU.o"
}

# The same for the CLD2 shim (C++ over Debian's libcld2).
cld2_shim() {
  local dir="$1"
  mkdir -p "$dir/CTrawlCLD2"
  cat > "$dir/CTrawlCLD2/module.modulemap" <<MAP
module CTrawlCLD2 {
    header "$root/Sources/CTrawlCLD2/include/TrawlCLD2.h"
    export *
}
MAP
  "$clang" -x c++ -c -O1 -g "${sanitize_c[@]}" -I "$root/Sources/CTrawlCLD2/include" \
    "$root/Sources/CTrawlCLD2/TrawlCLD2.cpp" -o "$dir/TrawlCLD2.o"
}

case "$target" in
  QueryParserFuzz)
    build="$out/build-$target"
    mkdir -p "$build"
    icu_shim "$build"
    # The parser needs analysis (ICU shim, stemmer; not the documents' languages), dates,
    # errors, the edit distance and the query code.
    analysis=()
    for file in "$root"/Sources/Trawl/Analysis/*.swift; do
      case "$(basename "$file")" in LanguageDetection.swift|DocumentLanguage.swift) ;; *) analysis+=("$file") ;; esac
    done
    sources=(
      "${analysis[@]}"
      "$root"/Sources/Trawl/Query/*.swift
      "$root"/Sources/Trawl/Support/TrawlError.swift
      "$root"/Sources/Trawl/Support/PosixLock.swift
      "$root"/Sources/Trawl/Support/EditDistance.swift
      "$root"/Sources/Trawl/Model/DocumentDate.swift
      "$root"/Sources/Trawl/Model/FieldValue.swift
    )
    swiftc -O -g "${sanitize_swift[@]}" -parse-as-library -swift-version 6 \
      -module-name Trawl -package-name Trawl \
      -I "$build/CTrawlICU" -Xcc "-fmodule-map-file=$root/Sources/CStemmer/module.modulemap" \
      "${sources[@]}" "$root"/Fuzz/"$target"/*.swift \
      "$build/TrawlICU.o" -licuuc -licui18n -licudata -lstemmer \
      -use-ld=lld -o "$out/$target"
    ;;

  DocumentReadersFuzz|SegmentReaderFuzz|SearchExecutorFuzz|OpenSearchDSLFuzz)
    lib="$out/build-library"
    yams="$root/.build/checkouts/Yams"
    if [ ! -d "$yams/Sources/Yams" ]; then
      (cd "$root" && swift package resolve >/dev/null)
    fi
    [ -d "$yams/Sources/Yams" ] || { echo "Yams sources not found in $yams" >&2; exit 2; }
    xml_flags=($(pkg-config --cflags libxml-2.0))
    clang_modules=(
      -Xcc "-fmodule-map-file=$root/Sources/CLibXML2/module.modulemap"
      -Xcc "-fmodule-map-file=$root/Sources/CTrawlZlib/module.modulemap"
      -Xcc "-fmodule-map-file=$root/Sources/CStemmer/module.modulemap"
      -Xcc "-fmodule-map-file=$yams/Sources/CYaml/include/module.modulemap"
      -Xcc -I -Xcc "$yams/Sources/CYaml/include"
      -Xcc -DYAML_DECLARE_STATIC
      -I "$lib/CTrawlICU" -I "$lib/CTrawlCLD2" -I "$lib/Modules"
    )
    for flag in "${xml_flags[@]}"; do clang_modules+=(-Xcc "$flag"); done
    # The library, rebuilt when a source is newer than it.
    stamp="$lib/Trawl.o"
    newest="$(find "$root/Sources" "$root/Fuzz/build.sh" -newer "$stamp" -print -quit 2>/dev/null || true)"
    if [ ! -f "$stamp" ] || [ -n "$newest" ]; then
      echo "building the instrumented library (libyaml, Yams, Trawl) in $lib"
      rm -rf "$lib"
      mkdir -p "$lib/Modules" "$lib/cyaml"
      icu_shim "$lib"
      cld2_shim "$lib"
      for c in "$yams"/Sources/CYaml/src/*.c; do
        "$clang" -c -O1 -g "${sanitize_c[@]}" -DYAML_DECLARE_STATIC -I "$yams/Sources/CYaml/include" \
          "$c" -o "$lib/cyaml/$(basename "$c" .c).o"
      done
      swiftc -O -g "${sanitize_swift[@]}" -parse-as-library -swift-version 5 -wmo -c -DSWIFT_PACKAGE \
        -module-name Yams -emit-module -emit-module-path "$lib/Modules/Yams.swiftmodule" \
        "${clang_modules[@]}" "$yams"/Sources/Yams/*.swift -o "$lib/Yams.o"
      swiftc -O -g "${sanitize_swift[@]}" -enable-testing -parse-as-library -swift-version 6 -wmo -c \
        -module-name Trawl -package-name Trawl -emit-module -emit-module-path "$lib/Modules/Trawl.swiftmodule" \
        "${clang_modules[@]}" $(find "$root/Sources/Trawl" -name '*.swift' | sort) -o "$lib/Trawl.o"
    fi
    # SegmentReaderFuzz shares its input format and steps with the regression tests.
    shared=()
    [ "$target" = SegmentReaderFuzz ] && shared=("$root/Tests/TrawlReliabilityTests/SegmentFuzzInput.swift")
    # SearchExecutorFuzz shares the differential check and the brute-force evaluator with the tests.
    [ "$target" = SearchExecutorFuzz ] && shared=("$root/Tests/TrawlTests/SearchDifferential.swift"
                                                 "$root/Tests/TrawlTests/BruteForceSearch.swift"
                                                 "$root/Tests/TrawlTests/AssertingScorer.swift")
    swiftc -O -g "${sanitize_swift[@]}" -parse-as-library -swift-version 6 \
      -module-name "$target" "${clang_modules[@]}" \
      "$root"/Fuzz/"$target"/*.swift "${shared[@]}" \
      "$lib/Trawl.o" "$lib/Yams.o" "$lib"/cyaml/*.o "$lib/TrawlICU.o" "$lib/TrawlCLD2.o" \
      -licuuc -licui18n -licudata -lxml2 -lz -lstemmer -lcld2 -lstdc++ \
      -use-ld=lld -o "$out/$target"
    ;;

  *)
    echo "unknown fuzz target: $target" >&2
    exit 2
    ;;
esac

echo "built $out/$target"
echo "run:   $out/$target -max_total_time=20 $root/Fuzz/$target/corpus"
