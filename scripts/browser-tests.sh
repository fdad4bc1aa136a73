#!/usr/bin/env bash
# The web search page in a real headless browser, bounded in time:
#   1. installs what is missing: Debian's chromium and chromium-driver (apt-get), Selenium
#      (pinned) in a venv under .build/;
#   2. builds release, writes the fixture (tests/browser/make_fixture.py) and indexes it;
#   3. starts `trawl serve` on a free loopback port and runs tests/browser/test_search_page.py
#      against it; stops the server; exits non-zero on any failure.
#   scripts/browser-tests.sh [--screenshots DIR]   (desktop and phone screenshots, for people)
set -euo pipefail
cd "$(dirname "$0")/.."
screenshots=()
if [ "${1:-}" = "--screenshots" ] && [ -n "${2:-}" ]; then screenshots=(--screenshots "$2"); fi
venv=.build/browser-venv
selenium="selenium==4.40.0"

echo "== browser: chromium and chromium-driver"
if ! command -v chromium > /dev/null || ! { command -v chromedriver > /dev/null || [ -x /usr/lib/chromium/chromedriver ]; }; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver > /dev/null
fi
chromium --version 2> /dev/null || true

echo "== venv with $selenium"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "$selenium"

echo "== release build"
swift build -c release --product trawl 2>&1 | grep -E "error|warning: |Build complete" | grep -v "^\[" || true
trawl="$(swift build -c release --show-bin-path)/trawl"
[ -x "$trawl" ] || { echo "browser-tests: no release trawl binary"; exit 1; }

work="$(mktemp -d -t trawl-browser-tests.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid"; wait "$server_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== fixture and index"
python3 tests/browser/make_fixture.py "$work/articles" "$work/manifest.json"
"$trawl" index "$work/articles" --index "$work/articles-index" > "$work/index.log" 2>&1 \
  || { echo "browser-tests: indexing failed"; tail -20 "$work/index.log"; exit 1; }

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
echo "== trawl serve on 127.0.0.1:$port"
"$trawl" serve --index "$work/articles-index" --host 127.0.0.1 --port "$port" 2>> "$work/server.log" &
server_pid=$!
ready=0
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/_health" > /dev/null 2>&1; then ready=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ "$ready" -eq 1 ] || { echo "browser-tests: the server did not start"; tail -20 "$work/server.log"; exit 1; }

echo "== the search page in headless Chromium"
status=0
timeout 300 "$venv/bin/python" tests/browser/test_search_page.py "http://127.0.0.1:$port" "$work/manifest.json" \
  ${screenshots[@]+"${screenshots[@]}"} || status=$?

kill -TERM "$server_pid"
wait "$server_pid" || { echo "browser-tests: the server did not stop cleanly"; status=1; }
server_pid=""
if [ "$status" -ne 0 ]; then echo "browser-tests: FAILED"; tail -5 "$work/server.log"; exit 1; fi
echo "browser-tests: ok"
