#!/usr/bin/env bash
# Generates the man page as docs/cli.md describes (swift-argument-parser's generate-manual
# plugin, debug build) and fails when `man --warnings` reports anything on it, or when the help
# texts it is made from hold non-ASCII characters (the generator drops them: `café` becomes
# `caf`). mdoc refuses some of what a terminal shows fine, such as a blank line inside a
# discussion. Installs man-db and groff when missing (Debian/Ubuntu). Run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh man=man-db groff=groff-base
mkdir -p .build
page=.build/plugins/GenerateManual/outputs/TrawlCLI/trawl.1
rm -f "$page"
if ! swift package plugin --allow-writing-to-package-directory generate-manual --configuration debug > .build/manual.log 2>&1 \
  || [ ! -s "$page" ]; then
  echo "the man page was not generated; the end of .build/manual.log:"
  tail -20 .build/manual.log
  exit 1
fi
warnings=$(MANWIDTH=80 man --warnings -l -E UTF-8 "$page" 2>&1 > /dev/null)
if [ -n "$warnings" ]; then
  echo "man reports warnings on $page (fix the help texts in Sources/TrawlCLI):"
  echo "$warnings"
  exit 1
fi
# The texts the page is made from: the JSON the generator reads from the tool.
if LC_ALL=C grep -o '.\{0,30\}[^[:print:][:space:]]\+.\{0,10\}' <("$(swift build --show-bin-path)/trawl" --experimental-dump-help); then
  echo "the help texts above hold non-ASCII characters, which the man page loses; use ASCII in Sources/TrawlCLI"
  exit 1
fi
echo "man page: no warnings ($page)"
