#!/usr/bin/env bash
# Runs the reliability suites that need a sanitizer, each in its own build folder so the normal
# debug build is left alone:
#   - ThreadSanitizer over the concurrency suite (8 searching threads, one committing writer);
#   - AddressSanitizer over the codec tests (bit packing, postings, term dictionary).
# Fails when a test fails or a sanitizer reports anything. Takes about 4 minutes on 2 cores from
# scratch (ThreadSanitizer build and run 1.5 min, AddressSanitizer 2.5 min); reruns are incremental.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
log="${TMPDIR:-/tmp}/trawl-sanitizers.log"
: > "$log"
export TRAWL_SANITIZER=1

run() {
  local name="$1"; shift
  echo "== $name: swift test $*"
  local started=$SECONDS
  swift test "$@" > "$log.part" 2>&1
  local code=$?
  cat "$log.part" >> "$log"
  grep -E "✔ Test run|✘ Test run|Executed [0-9]+ tests|error:|SUMMARY: (Thread|Address)Sanitizer|WARNING: ThreadSanitizer|ERROR: AddressSanitizer" "$log.part" | sort | uniq -c | sed 's/^ *[0-9]* //' | head -20
  local reports
  reports=$(grep -cE "WARNING: ThreadSanitizer|ERROR: AddressSanitizer" "$log.part" || true)
  echo "   exit $code, $reports sanitizer reports, $((SECONDS - started)) s"
  if [ "$code" -ne 0 ] || [ "$reports" -ne 0 ]; then
    echo "   FAILED: see $log"
    status=1
  fi
}

run "ThreadSanitizer" --scratch-path .build-tsan --sanitize=thread --filter "TrawlReliabilityTests.ConcurrencyTests"
ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" \
  run "AddressSanitizer" --scratch-path .build-asan --sanitize=address --filter "TrawlTests.Codec"
rm -f "$log.part"
exit $status
