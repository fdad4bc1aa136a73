#!/usr/bin/env bash
# Checks that an app can depend on Trawl by version, as a package from a git URL with
# `from: "0.1.0"` (SwiftPM refuses packages with unsafe build flags there, and only there):
# a throwaway bare clone of this checkout's HEAD is tagged 0.1.0, a small consumer package
# depends on it by that version, builds (without compiling SwiftNIO or Hummingbird, which only
# the server needs), indexes two documents and runs a search through it.
#   scripts/consumer-check.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/trawl-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

git clone --quiet --bare "$root" "$work/trawl.git"
git -C "$work/trawl.git" tag 0.1.0 HEAD

mkdir -p "$work/consumer/Sources/Consumer"
cat > "$work/consumer/Package.swift" <<PACKAGE
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [
        .package(url: "file://$work/trawl.git", from: "0.1.0"),
    ],
    targets: [
        .executableTarget(name: "Consumer", dependencies: [.product(name: "Trawl", package: "trawl")]),
    ],
    swiftLanguageModes: [.v6]
)
PACKAGE
cat > "$work/consumer/Sources/Consumer/main.swift" <<'SWIFT'
import Foundation
import Trawl

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consumer-index-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: folder) }
let writer = try IndexWriter(path: folder)
try writer.add([
    Document(id: "a", title: "Oil sanctions widen", body: "Importing nations widened sanctions on crude oil exports."),
    Document(id: "b", title: "Harvest report", body: "Wheat harvest beats forecasts."),
])
try writer.commit()
writer.close()
let reader = try IndexReader(path: folder)
let results = try reader.search("sanctions AND oil")
print("hits:", results.hits.map(\.id).joined(separator: ","), "total:", results.total)
SWIFT

echo "building a consumer that depends on Trawl 0.1.0 from a git URL"
if ! (cd "$work/consumer" && swift build > "$work/build.log" 2>&1); then
  grep -E "error|unsafe" "$work/build.log" || tail -30 "$work/build.log"
  echo "consumer-check: the consumer does not build against Trawl by version" >&2
  exit 1
fi
# The library product must not bring the server's dependencies (SwiftNIO, Hummingbird) into
# an app: SwiftPM fetches every dependency of the package, but builds only what the product uses.
# (SwiftPM may create the build folders of every target it plans; what counts is what it compiled.)
compiled="$(grep -oE "Compiling (NIO[A-Za-z]*|Hummingbird[A-Za-z]*|TrawlServer) " "$work/build.log" | sort -u | head -5 || true)"
objects="$(find "$work/consumer/.build" -path '*/NIOCore.build/*.o' -o -path '*/Hummingbird.build/*.o' -o -path '*/TrawlServer.build/*.o' | head -3)"
if [ -n "$compiled$objects" ]; then
  echo "consumer-check: the consumer compiled the server's dependencies:" >&2
  echo "$compiled $objects" >&2
  exit 1
fi
grep -q "Compiling Trawl" "$work/build.log" || { echo "consumer-check: the build log does not show Trawl compiling" >&2; exit 1; }
echo "the consumer compiled Trawl without SwiftNIO or Hummingbird"
output="$(cd "$work/consumer" && swift run --skip-build Consumer)"
echo "$output"
[ "$output" = "hits: a total: 1" ] || { echo "consumer-check: unexpected search output" >&2; exit 1; }
echo "consumer-check: ok"
