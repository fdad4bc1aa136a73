#!/usr/bin/env bash
# The server's end-to-end checks, bounded in time:
#   1. installs opensearch-py (pinned) in a venv under .build/, builds release;
#   2. starts `trawl serve` on a free port over a temporary index and runs
#      tests/opensearch/acceptance.py against it (Reuters through the real client, every
#      search compared with `trawl search --json`);
#   3. restarts it with ranking options (`--near --weights title=2,body=1`) over the same
#      index and runs tests/opensearch/ranking.py (`_search` and `/search` against
#      `trawl search` with the same options);
#   4. the crash check: N writes acknowledged with refresh=true, `kill -9`, restart, every one
#      present;
#   5. stops the server with SIGTERM (graceful shutdown).
#   scripts/server-tests.sh [N]     (N writes in the crash check, default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
writes="${1:-200}"
venv=.build/opensearch-venv
opensearch_py="opensearch-py==3.2.0"

echo "== venv with $opensearch_py"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "$opensearch_py"

echo "== release build"
swift build -c release --product trawl 2>&1 | grep -E "error|warning: |Compiling|Build complete" | grep -v "^\[" || true
trawl="$(swift build -c release --show-bin-path)/trawl"
[ -x "$trawl" ] || { echo "server-tests: no release trawl binary"; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/trawl-server-tests.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid"; wait "$server_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# start_server INDEX PORT [FLAG ...]: starts `trawl serve` in the background and waits for
# /_health.
start_server() {
  "$trawl" serve --index "$1" --port "$2" "${@:3}" 2>> "$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$2/_health" > /dev/null 2>&1; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { echo "server-tests: the server exited"; tail -20 "$work/server.log"; exit 1; }
    sleep 0.1
  done
  echo "server-tests: the server did not answer within 10 s"; tail -20 "$work/server.log"; exit 1
}

stop_server() {
  kill -TERM "$server_pid"
  local status=0
  wait "$server_pid" || status=$?
  server_pid=""
  [ "$status" -eq 0 ] || { echo "server-tests: the server exited with $status on SIGTERM"; tail -20 "$work/server.log"; exit 1; }
}

status=0
port="$(free_port)"
echo "== acceptance (opensearch-py against trawl serve on port $port)"
start_server "$work/reuters" "$port"
if ! timeout 1200 "$venv/bin/python" tests/opensearch/acceptance.py "http://127.0.0.1:$port" --trawl "$trawl" --index "$work/reference"; then
  echo "server-tests: acceptance failed"
  status=1
fi
stop_server
echo "   access log: $(grep -c 'request' "$work/server.log" || true) request lines"

ranking=(--near --weights title=2,body=1)
echo "== ranking options (trawl serve ${ranking[*]} over the same index, against trawl search)"
port="$(free_port)"
start_server "$work/reuters" "$port" "${ranking[@]}"
if ! timeout 600 "$venv/bin/python" tests/opensearch/ranking.py "http://127.0.0.1:$port" --trawl "$trawl" \
    --index "$work/reuters" --name reuters -- "${ranking[@]}"; then
  echo "server-tests: ranking failed"
  status=1
fi
stop_server

echo "== crash check: $writes writes with refresh=true, kill -9, restart"
port="$(free_port)"
start_server "$work/crash" "$port"
started=$SECONDS
for i in $(seq 1 "$writes"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    --data "{\"title\": \"crash check $i\", \"body\": \"write number $i\"}" \
    "http://127.0.0.1:$port/crash/_doc/w$i?refresh=true")
  [ "$code" = "201" ] || { echo "server-tests: write $i answered $code"; status=1; break; }
done
echo "   $writes acknowledged writes in $((SECONDS - started)) s"
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
start_server "$work/crash" "$port"
missing=0
for i in $(seq 1 "$writes"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/crash/_doc/w$i")
  [ "$code" = "200" ] || missing=$((missing + 1))
done
count=$(curl -s "http://127.0.0.1:$port/_cat/indices?format=json" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["docs.count"])')
echo "   after the restart: $count documents, $missing acknowledged writes missing"
if [ "$missing" -ne 0 ] || [ "$count" != "$writes" ]; then status=1; fi
stop_server

[ "$status" -eq 0 ] && echo "server-tests: ok" || echo "server-tests: FAILED"
exit $status
