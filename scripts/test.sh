#!/usr/bin/env bash
# Runs every test: installs missing system packages, builds, runs the Swift Testing suites and
# prints only what matters — build errors and warnings, each failure with its details, the
# lines tests print themselves, and the closing summary. The whole log is kept in
# .build/test.log. Arguments go to `swift test` (e.g. --filter SearchDifferentialTests).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1
mkdir -p .build
echo "building and running the tests (the first build takes a few minutes; full log: .build/test.log)"
swift test --disable-xctest "$@" > .build/test.log 2>&1
status=$?
# Failures and their details (the indented lines after a ✘), build diagnostics, summaries.
awk '
  /^(◇|􀟈) (Test|Suite) .* started\.$/ { next }
  /^(✔|􀟈) (Test|Suite) .* passed after/ { detail = 0; next }
  /^(◇|↳) (Testing Library Version|Target Platform)/ { next }
  /^◇ Test run started\.$/ { next }
  /^\[[0-9]+\/[0-9]+\]/ { next }
  /^(✘|􀢄) / { detail = 1; print; next }
  /^↳ / { if (detail) print; next }
  /^(Building|Build complete|Compiling|Write|Planning)/ { next }
  { print }
' .build/test.log
if [ "$status" -ne 0 ] && ! grep -qE "^(✘|􀢄) Test run with" .build/test.log; then
  echo "the tests did not finish (exit $status); the end of .build/test.log:"
  tail -40 .build/test.log
fi
exit "$status"
