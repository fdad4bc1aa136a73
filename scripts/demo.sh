#!/usr/bin/env bash
# The main job: build trawl, index the sample articles into ./index, and search them.
# Every command is echoed exactly as it runs (from the repository root), so it can be pasted
# into a shell.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "building trawl (swift build -c release; the first build takes a few minutes)"
log="$(mktemp "${TMPDIR:-/tmp}/trawl-demo-build.XXXXXX")"
trap 'rm -f "$log"' EXIT
if ! swift build -c release --product trawl > "$log" 2>&1; then
  grep -E "error|warning: " "$log" || tail -40 "$log"
  echo "the build failed" >&2
  exit 1
fi
grep -E "warning: " "$log" | grep -v "/\.build/" || true
trawl=".build/release/trawl"
[ -x "$trawl" ] || { echo "the build failed: no $trawl" >&2; exit 1; }
echo "build finished: $trawl (put it on your PATH as trawl, e.g. sudo install $trawl /usr/local/bin/, to type the shorter trawl ...)"

# An argument as a user types it: bare when the shell leaves it alone, else in single quotes.
quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=+@%,-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

run() {
  local line="$trawl"
  for argument in "$@"; do line+=" $(quote "$argument")"; done
  echo
  echo "\$ $line"
  "$trawl" "$@"
}

run index samples/articles
run search 'sanctions AND oil' --limit 3
run search '"oil exports"' --limit 3
run search 'date:[2024-01-01 TO 2024-06-30] storm'
run search 'title:zurich'
run search '"the who"' --limit 2
run search 'sanction*' --sort -date --limit 3
run search 'tags:sanctions OR section:business' --facets tags:5,section,year --sort -rating,date --limit 3
run search 'Häfen'
run search '"jeunes musiciens"' --limit 2
run search 'lang:es'
run stats
