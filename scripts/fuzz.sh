#!/usr/bin/env bash
# Builds every libFuzzer target (Fuzz/build.sh) and runs each for a fixed time:
#   scripts/fuzz.sh [SECONDS per target, default 30]
# Exits non-zero when a target crashes, leaks memory past the limit or hangs; the input that did
# it is saved in fuzz-out/artifacts/<target>/ (reproduce with `fuzz-out/<target> <file>`, then
# add it to Tests/TrawlReliabilityTests/FuzzRegressionTests.swift). Prints the executions run.
set -uo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/fuzz-out"
targets=(QueryParserFuzz DocumentReadersFuzz SegmentReaderFuzz SearchExecutorFuzz OpenSearchDSLFuzz)
status=0
summary=()

for target in "${targets[@]}"; do
  echo "== $target: build"
  if ! "$root/Fuzz/build.sh" "$target" > "$out-$target-build.log" 2>&1; then
    mkdir -p "$out"; mv "$out-$target-build.log" "$out/$target-build.log" 2>/dev/null
    echo "   build failed: see $out/$target-build.log"; tail -20 "$out/$target-build.log"
    status=1; summary+=("$target: build failed"); continue
  fi
  mv "$out-$target-build.log" "$out/$target-build.log"
  corpus="$out/corpus-$target"
  artifacts="$out/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  options=(-max_total_time="$seconds" -rss_limit_mb=4096 -timeout=60 -print_final_stats=1
           -artifact_prefix="$artifacts/")
  case "$target" in
    QueryParserFuzz) options+=(-max_len=4096 -dict="$root/Fuzz/QueryParserFuzz/query.dict") ;;
    DocumentReadersFuzz) options+=(-max_len=65536) ;;
    SegmentReaderFuzz) options+=(-max_len=4096) ;;
    SearchExecutorFuzz) options+=(-max_len=512) ;;
    OpenSearchDSLFuzz) options+=(-max_len=2048 -dict="$root/Fuzz/OpenSearchDSLFuzz/dsl.dict") ;;
  esac
  echo "== $target: run ${seconds}s"
  log="$out/$target-run.log"
  (cd "$out" && "./$target" "${options[@]}" "$corpus" "$root/Fuzz/$target/corpus" > "$log" 2>&1)
  code=$?
  runs=$(grep -oE "stat::number_of_executed_units: [0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1)
  if [ "$code" -ne 0 ]; then
    echo "   FAILED (exit $code):"; grep -E "ERROR|SUMMARY|Test unit written|Fatal error" "$log" | head -10
    status=1
    summary+=("$target: ${runs:-?} executions, FAILED")
  else
    echo "   ${runs:-?} executions, no crash"
    summary+=("$target: ${runs:-?} executions, no crash")
  fi
done

echo "== fuzz summary (${seconds}s per target)"
printf '   %s\n' "${summary[@]}"
exit $status
