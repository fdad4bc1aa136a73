#!/usr/bin/env bash
# Load on `trawl serve` with wrk over the Reuters index and the peer harness's Reuters queries:
#   1. throughput of GET /search with the default threads and with --threads 1;
#   2. GET /search median latency (one connection) against `trawl search --batch`'s round trip
#      on the same queries: ids only, and doing GET /search's work (snippets, and the "did you
#      mean" suggestion of a query with fewer than 3 hits, as `trawl search --json` does);
#   3. concurrent _bulk writes and searches for SECONDS, counting errors.
#   scripts/server-load.sh [SECONDS]     (default 60 for step 3; 10 s for each wrk run)
# Prints small tables; exits 1 when a request failed. Skips when the data set is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-60}"
data=../shared/data/reuters21578/reuters21578.jsonl.zst
queries=../shared/peers/queries/reuters21578.queries.jsonl
if [ ! -f "$data" ] || [ ! -f "$queries" ]; then echo "server-load: skipped, Reuters or its queries are absent"; exit 0; fi
command -v wrk > /dev/null || { echo "server-load: wrk is not installed (apt-get install wrk)"; exit 1; }

swift build -c release --product trawl 2>&1 | grep -E "error|Build complete" || true
trawl="$(swift build -c release --show-bin-path)/trawl"
work="$(mktemp -d "${TMPDIR:-/tmp}/trawl-server-load.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid"; wait "$server_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/docs"
zstd -dc "$data" > "$work/docs/reuters.jsonl"
"$trawl" index "$work/docs" --index "$work/reuters" --quiet --optimize

# The harness's queries as Trawl query strings, and wrk's request list.
python3 - "$queries" "$work" <<'PY'
import json, sys, urllib.parse
def words(ws, op): return "(" + (" %s " % op).join(ws) + ")"
out = []
for line in open(sys.argv[1]):
    q = json.loads(line)
    t = q["type"]
    if t == "term": s = q["terms"][0]
    elif t == "and": s = " AND ".join(q["terms"])
    elif t == "or": s = " OR ".join(q["terms"])
    elif t == "phrase": s = '"%s"' % " ".join(q["terms"])
    elif t == "date_range":
        s = words(q["terms"], "AND" if q.get("op", "and") == "and" else "OR") + " AND date:[%s TO %s]" % (q["from"], q["to"])
    else:
        parts = []
        for m in q.get("must", []):
            if "phrase" in m: parts.append('"%s"' % " ".join(m["phrase"]))
            elif "or" in m: parts.append(words(m["or"], "OR"))
            elif "and" in m: parts.append(words(m["and"], "AND"))
            elif "term" in m: parts.append(m["term"])
        s = " AND ".join(parts) + "".join(" -" + w for w in q.get("must_not", []))
        if "from" in q: s += " AND date:[%s TO %s]" % (q["from"], q["to"])
    out.append(s)
with open(sys.argv[2] + "/queries.txt", "w") as f:
    for s in out: f.write(s + "\n")
with open(sys.argv[2] + "/batch.jsonl", "w") as f:
    for i, s in enumerate(out): f.write(json.dumps({"qid": str(i), "q": s, "k": 10}) + "\n")
with open(sys.argv[2] + "/paths.lua", "w") as f:
    f.write("paths = {\n")
    for s in out: f.write('  "/search?limit=10&q=%s",\n' % urllib.parse.quote(s, safe=""))
    f.write("}\ncounter = 0\nrequest = function()\n  counter = counter + 1\n  return wrk.format(\"GET\", paths[(counter % #paths) + 1])\nend\n")
PY
echo "queries: $(wc -l < "$work/queries.txt")"
# wrk goes on with plain requests when its script does not load: check it first.
if wrk -t1 -c1 -d1s -s "$work/paths.lua" http://127.0.0.1:9 2>&1 | grep -q "paths.lua"; then
  echo "server-load: wrk cannot load its request script"; exit 1
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
start_server() {
  port="$(free_port)"
  "$trawl" serve --index "$work/reuters" --port "$port" "$@" 2> "$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/_health" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server-load: the server did not start"; tail "$work/server.log"; exit 1
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }
rps() { grep "Requests/sec" | awk '{print $2}'; }
errors() { grep -E "Non-2xx|Socket errors" || true; }

status=0
echo
echo "| run | requests/s | errors |"
echo "|---|---:|---|"
for threads in default 1; do
  if [ "$threads" = default ]; then start_server; else start_server --threads 1; fi
  wrk -t2 -c16 -d3s -s "$work/paths.lua" "http://127.0.0.1:$port" > /dev/null
  out="$(wrk -t2 -c16 -d10s -s "$work/paths.lua" "http://127.0.0.1:$port")"
  echo "| GET /search, $threads threads, 16 connections | $(echo "$out" | rps) | $(echo "$out" | errors | tr '\n' ' ') |"
  [ -z "$(echo "$out" | errors)" ] || status=1
  if [ "$threads" = default ]; then
    latency="$(wrk -t1 -c1 -d10s --latency -s "$work/paths.lua" "http://127.0.0.1:$port" | awk '/ 50%/ {print $2}')"
  fi
  stop_server
done

# trawl search --batch round trip: one request written, its answer read, the next request.
# (`snippets`: the hits' stored fields, snippets and a suggestion too, as GET /search answers them.)
batch_round_trip() {
python3 - "$trawl" "$work" "$1" <<'PY'
import json, subprocess, sys, time, statistics
trawl, work, snippets = sys.argv[1], sys.argv[2], sys.argv[3] == "snippets"
p = subprocess.Popen([trawl, "search", "--batch", "--index", work + "/reuters"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
lines = open(work + "/batch.jsonl").read().splitlines()
if snippets:
    lines = [json.dumps(dict(json.loads(l), snippets=True, suggest=True)) for l in lines]
times = []
for _ in range(5):
    for line in lines:
        t = time.perf_counter()
        p.stdin.write(line + "\n"); p.stdin.flush(); p.stdout.readline()
        times.append(time.perf_counter() - t)
p.stdin.close(); p.wait()
print("%.3fms" % (statistics.median(times) * 1000))
PY
}
batch_median="$(batch_round_trip ids)"
batch_snippets_median="$(batch_round_trip snippets)"
echo
echo "| one at a time, same queries | median |"
echo "|---|---:|"
echo "| GET /search (wrk, 1 connection) | $latency |"
echo "| trawl search --batch round trip (ids only) | $batch_median |"
echo "| trawl search --batch round trip (snippets and suggestion, GET /search's work) | $batch_snippets_median |"

# Concurrent _bulk writes and searches.
start_server
python3 - "$port" "$duration" > "$work/bulk.txt" <<'PY' &
import json, sys, time, urllib.request
port, duration = sys.argv[1], float(sys.argv[2])
end = time.time() + duration
sent = failed = batches = 0
n = 0
while time.time() < end:
    lines = []
    for _ in range(100):
        n += 1
        lines.append(json.dumps({"index": {"_id": "load-%d" % (n % 5000)}}))
        lines.append(json.dumps({"title": "load test %d" % n, "body": "crude oil shipment number %d" % n, "date": "1987-05-01"}))
    request = urllib.request.Request("http://127.0.0.1:%s/reuters/_bulk" % port, data=("\n".join(lines) + "\n").encode(),
                                     headers={"Content-Type": "application/x-ndjson"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
            if answer.get("errors"): failed += 1
    except Exception as error:
        failed += 1
        print("bulk error:", error, file=sys.stderr)
    batches += 1
    sent += 100
print(batches, sent, failed)
PY
bulk_pid=$!
out="$(wrk -t2 -c8 -d"${duration}s" -s "$work/paths.lua" "http://127.0.0.1:$port")"
wait "$bulk_pid"
read -r batches sent failed < "$work/bulk.txt"
echo
echo "| ${duration} s of concurrent writes and searches | count |"
echo "|---|---:|"
echo "| _bulk requests (100 documents each) | $batches |"
echo "| _bulk requests failed | $failed |"
echo "| searches/s | $(echo "$out" | rps) |"
echo "| search errors | $(echo "$out" | errors | tr '\n' ' ') |"
[ "$failed" = 0 ] && [ -z "$(echo "$out" | errors)" ] || status=1
stop_server
exit $status
