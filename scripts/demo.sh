#!/usr/bin/env bash
# The main job: build trawl, then show it at work on the sample articles in samples/articles.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product trawl >/dev/null
trawl=".build/release/trawl"
echo "\$ trawl analyze \"Russia's sanctions hit café owners in Zürich\""
"$trawl" analyze "Russia's sanctions hit café owners in Zürich"
