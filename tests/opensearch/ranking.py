#!/usr/bin/env python3
"""The ranking options of `trawl serve` through the real opensearch-py client.

    python3 tests/opensearch/ranking.py URL --trawl BIN --index DIR --name NAME -- FLAG ...

URL is a `trawl serve` started with the ranking flags FLAG ... (for instance `--near --weights
title=2,body=1`) over the index folder DIR, which nothing writes to meanwhile. Every search
is compared with `trawl search --json` over DIR with the same flags: OpenSearch `_search`
(query_string, OR) with `trawl search --or`, the native `/search` with `trawl search`, and
`/search?near=false` with `trawl search --no-near`. A search with the default ranking must
differ from the server's on some query, so the flags are seen to reach the server. Exits 0
when every check passed, 1 otherwise; skips (exit 0) when the index has no documents.
"""

import argparse
import json
import os
import subprocess
import sys

from opensearchpy import OpenSearch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acceptance import Checks, ranking_differences  # noqa: E402

QUERIES = ["oil prices opec", "crude oil exports", "interest rates bank", "grain wheat harvest",
           "coffee brazil quota", "gold mine production", "trade deficit japan", "sugar exports"]


def trawl_hits(trawl, index, query, flags):
    """[(score, id)] of `trawl search --json --limit 10 FLAGS QUERY`."""
    result = subprocess.run([trawl, "search", "--json", "--limit", "10", "--index", index] + flags + [query],
                            capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise RuntimeError("trawl search %r failed: %s" % (query, result.stderr.strip()))
    return [(hit["score"], hit["id"]) for hit in json.loads(result.stdout)["hits"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--trawl", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--name", required=True)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    flags = argv[split + 1:]

    client = OpenSearch(args.url, timeout=120)
    if client.count(index=args.name)["count"] == 0:
        print("ranking: skipped, the index has no documents")
        return 0
    checks = Checks()
    differs = False
    for query in QUERIES:
        body = {"size": 10, "query": {"query_string": {"query": query, "default_operator": "OR"}}}
        served = [(h["_score"], h["_id"]) for h in client.search(index=args.name, body=body)["hits"]["hits"]]
        expected = trawl_hits(args.trawl, args.index, query, ["--or"] + flags)
        problems = ranking_differences(served, expected, 10)
        checks.check("_search " + query, served and not problems, "; ".join(problems[:3]))
        if ranking_differences(served, trawl_hits(args.trawl, args.index, query, ["--or"]), 10):
            differs = True
        for extra, cli in [({}, []), ({"near": "false"}, ["--no-near"])]:
            params = {"q": query, "limit": 10}
            params.update(extra)
            native = client.transport.perform_request("GET", "/search", params=params)
            got = [(h["score"], h["id"]) for h in native["hits"]]
            problems = ranking_differences(got, trawl_hits(args.trawl, args.index, query, flags + cli), 10)
            checks.check("/search %s %s" % (query, extra), not problems, "; ".join(problems[:3]))
    checks.check("the flags change the ranking", differs, "every _search ranked as the default does")
    print("ranking: %d checks passed, %d failed" % (checks.passed, len(checks.failed)))
    return 0 if not checks.failed else 1


if __name__ == "__main__":
    sys.exit(main())
