#!/usr/bin/env python3
"""Acceptance test of the OpenSearch-compatible API with the real opensearch-py client.

    python3 tests/opensearch/acceptance.py URL [--trawl BIN --index DIR] [--data FILE] [--api-key KEY]

Creates the index named --name (default: reuters; a `trawl serve` index is named after its
folder), bulk-loads Reuters-21578 with helpers.bulk, refreshes, runs searches over every query
type of the DSL and compares their hit ids with `trawl search --json` for the equivalent query
string over a reference index the script builds from the same documents with `trawl index`
(given --trawl; without it the searches are only checked for shape, so the script also runs
against a real OpenSearch), then counts, gets, updates and deletes. Exits 0 when every check
passed, 1 otherwise; skips (exit 0, with a message) when the data set is absent.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError, RequestError, TransportError

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "reuters21578", "reuters21578.jsonl.zst")

MAPPINGS = {
    "properties": {
        "title": {"type": "text"},
        "body": {"type": "text"},
        "date": {"type": "date"},
        "month": {"type": "keyword"},
        "wordcount": {"type": "integer"},
    }
}


def load_documents(path, limit):
    """Reuters records with two derived metadata fields: month (keyword) and wordcount (number)."""
    raw = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    documents = []
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        record = json.loads(line)
        document = {"id": record["id"], "title": record["title"], "date": record["date"], "body": record["body"]}
        if record["date"]:
            document["month"] = record["date"][:7]
        document["wordcount"] = len(record["body"].split())
        documents.append(document)
        if limit and len(documents) >= limit:
            break
    return documents


# Each search: the DSL body, the equivalent Trawl query string, how the reference is run
# (`or`: --or; `weights`: --weights) and how hits are compared: `rank` (the top 10 in order,
# near-ties in score free to trade places: ranking_differences) or `set` (every matching id).
def searches():
    s = []

    def add(name, query, trawl, mode="rank", **reference):
        s.append({"name": name, "query": query, "trawl": trawl, "mode": mode, "reference": reference})

    # query_string: Trawl's syntax is Lucene's, passed through.
    for q in ["oil", "crude oil", "opec AND production", "wheat OR grain", "dollar -yen", '"trade deficit"',
              "bank rates", "title:gold", "coffee AND (brazil OR colombia)", '"net profit"~2', "shar*",
              "acquisition stake", "body:tanker", "grain^2 wheat"]:
        add("query_string AND " + q, {"query_string": {"query": q, "default_operator": "AND"}}, q)
    for q in ["oil gold", "yen mark franc", "merger acquisition"]:
        add("query_string OR " + q, {"query_string": {"query": q, "default_operator": "OR"}}, q, **{"or": True})
    add("query_string fields", {"query_string": {"query": "oil prices", "default_operator": "AND", "fields": ["title^3", "body"]}},
        "(title:oil^3 OR body:oil) AND (title:prices^3 OR body:prices)")
    add("query_string date range", {"query_string": {"query": "oil AND date:[1987-03-01 TO 1987-03-31]", "default_operator": "AND"}},
        "oil AND date:[1987-03-01 TO 1987-03-31]")
    # match
    for field, text in [("body", "oil prices"), ("title", "bank"), ("body", "interest rates"), ("title", "gold mine")]:
        add("match and %s:%s" % (field, text), {"match": {field: {"query": text, "operator": "and"}}},
            "%s:(%s)" % (field, " AND ".join(text.split())))
        add("match or %s:%s" % (field, text), {"match": {field: {"query": text}}},
            "%s:(%s)" % (field, " OR ".join(text.split())))
    # match_phrase with slop
    for text, slop in [("crude oil", 0), ("interest rates", 0), ("oil prices", 2), ("trade surplus", 1)]:
        add("match_phrase %s~%d" % (text, slop), {"match_phrase": {"body": {"query": text, "slop": slop}}},
            'body:"%s"~%d' % (text, slop) if slop else 'body:"%s"' % text)
    # multi_match: the matching documents are those of either field
    for text in ["sugar", "cocoa exports"]:
        add("multi_match " + text, {"multi_match": {"query": text, "fields": ["title", "body"], "operator": "and"}},
            " AND ".join("(title:%s OR body:%s)" % (w, w) for w in text.split()), mode="set")
    # bool
    add("bool must+filter", {"bool": {"must": [{"match": {"body": "oil"}}],
                                      "filter": [{"range": {"date": {"gte": "1987-03-01", "lte": "1987-03-31"}}}]}},
        "body:oil AND date:[1987-03-01 TO 1987-03-31]")
    add("bool must_not", {"bool": {"must": [{"match": {"body": "oil"}}], "must_not": [{"match": {"body": "opec"}}]}},
        "body:oil -body:opec")
    add("bool should", {"bool": {"should": [{"match": {"body": "gold"}}, {"match": {"body": "silver"}}]}},
        "body:gold OR body:silver")
    add("bool should msm 2", {"bool": {"should": [{"match": {"body": "gold"}}, {"match": {"body": "silver"}},
                                                  {"match": {"body": "platinum"}}], "minimum_should_match": 2}},
        "(body:gold AND body:silver) OR (body:gold AND body:platinum) OR (body:silver AND body:platinum)", mode="set")
    add("bool filter only", {"bool": {"filter": [{"term": {"month": "1987-04"}}, {"match": {"body": "coffee"}}]}},
        'month:"1987-04" AND body:coffee', mode="set")
    add("bool nested", {"bool": {"must": [{"bool": {"should": [{"match": {"title": "wheat"}}, {"match": {"title": "corn"}}]}}],
                                 "must_not": [{"match": {"body": "soviet"}}]}},
        "(title:wheat OR title:corn) -body:soviet")
    # term / terms on a keyword field
    add("term month", {"term": {"month": "1987-03"}}, 'month:"1987-03"', mode="set")
    add("terms months", {"terms": {"month": ["1987-06", "1987-07"]}}, 'month:("1987-06" OR "1987-07")', mode="set")
    add("bool term+match", {"bool": {"must": [{"match": {"body": "tin"}}], "filter": [{"term": {"month": "1987-03"}}]}},
        'body:tin AND month:"1987-03"')
    # range: dates, date math, numbers
    add("range date", {"range": {"date": {"gte": "1987-04-01", "lte": "1987-04-07"}}}, "date:[1987-04-01 TO 1987-04-07]", mode="set")
    add("range date gt/lt", {"range": {"date": {"gt": "1987-10-01", "lt": "1987-10-05"}}}, "date:{1987-10-01 TO 1987-10-05}", mode="set")
    add("range wordcount", {"range": {"wordcount": {"gte": 500, "lte": 520}}}, "wordcount:[500 TO 520]", mode="set")
    add("range wordcount gt", {"range": {"wordcount": {"gt": 1500}}}, "wordcount:>1500", mode="set")
    add("bool match+range wordcount", {"bool": {"must": [{"match": {"body": "dividend"}}], "filter": [{"range": {"wordcount": {"lt": 40}}}]}},
        "body:dividend AND wordcount:<40")
    # prefix
    add("prefix body", {"prefix": {"body": "refiner"}}, "body:refiner*", mode="set")
    add("prefix title", {"prefix": {"title": "petro"}}, "title:petro*", mode="set")
    # exists
    add("exists month", {"bool": {"must": [{"match": {"body": "cocoa"}}], "filter": [{"exists": {"field": "month"}}]}},
        "body:cocoa AND _exists_:month")
    # match_all
    add("match_all", {"match_all": {}}, None, mode="count")
    return s


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, name, condition, detail=""):
        if condition:
            self.passed += 1
        else:
            self.failed.append(name)
            print("FAIL %s %s" % (name, detail), flush=True)


def trawl_search(trawl, index, query, limit, reference):
    args = [trawl, "search", "--json", "--count", "--limit", str(limit), "--index", index]
    if reference.get("or"):
        args.append("--or")
    if reference.get("weights"):
        args += ["--weights", reference["weights"]]
    args.append(query)
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise RuntimeError("trawl search %r failed: %s" % (query, result.stderr.strip()))
    return json.loads(result.stdout)


def ranking_differences(server, trawl, k, tolerance=1e-3):
    """Where the server's top k ([(score, id)]) departs from trawl's, up to near-ties.

    Both lists are ordered by score; at each rank the server's document must be one of trawl's
    hits, with trawl's score for it within `tolerance` (relative) of trawl's score at that rank
    and of the server's: documents whose scores tie or nearly tie may trade places (trawl's JSON
    rounds scores, so an exact or a fixed-decimal comparison flips at rounding boundaries).
    Returns the problems found (empty when the rankings agree)."""
    server = sorted(server, key=lambda p: (-p[0], p[1]))[:k]
    trawl = sorted(trawl, key=lambda p: (-p[0], p[1]))
    scores = {i: score for score, i in trawl}
    near = lambda a, b: abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))
    problems = []
    if len(server) != min(k, len(trawl)):
        problems.append("server returned %d of trawl's %d" % (len(server), min(k, len(trawl))))
    if len({i for _, i in server}) != len(server):
        problems.append("duplicate ids")
    for rank, (score, i) in enumerate(server):
        if rank >= len(trawl):
            break
        if i not in scores:
            problems.append("rank %d: %s is not among trawl's hits" % (rank + 1, i))
        elif not near(scores[i], trawl[rank][0]) or not near(scores[i], score):
            problems.append("rank %d: %s (server %.4f, trawl %.4f) where trawl has %s (%.4f)"
                            % (rank + 1, i, score, scores[i], trawl[rank][1], trawl[rank][0]))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--name", default="reuters")
    parser.add_argument("--trawl")
    parser.add_argument("--index", help="where to build the reference index (default: a temporary folder)")
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="load only the first N documents")
    parser.add_argument("--api-key", default=os.environ.get("TRAWL_API_KEY"))
    args = parser.parse_args()

    if not os.path.exists(args.data):
        print("acceptance: skipped, the Reuters data set is absent (%s)" % args.data)
        return 0
    documents = load_documents(args.data, args.limit)
    headers = {"Authorization": "ApiKey " + args.api_key} if args.api_key else None
    client = OpenSearch(args.url, headers=headers, timeout=120)
    checks = Checks()
    name = args.name

    info = client.info()
    checks.check("root info", "version" in info and "number" in info["version"], str(info))

    # The index: a fresh one.
    if client.indices.exists(index=name):
        try:
            client.indices.delete(index=name)
        except TransportError:
            pass
    try:
        created = client.indices.create(index=name, body={"mappings": MAPPINGS})
        checks.check("create index", created.get("acknowledged") is True, str(created))
    except RequestError as error:
        checks.check("create index", False, str(error))
    checks.check("index exists", client.indices.exists(index=name))

    # Bulk load.
    started = time.time()
    actions = ({"_index": name, "_id": d["id"], "_source": {k: v for k, v in d.items() if k != "id" and v is not None}}
               for d in documents)
    ok, errors = helpers.bulk(client, actions, chunk_size=1000, request_timeout=300, raise_on_error=False)
    checks.check("bulk load", ok == len(documents) and not errors, "ok=%d errors=%s" % (ok, errors[:3]))
    client.indices.refresh(index=name)
    print("loaded %d documents in %.1f s" % (ok, time.time() - started), flush=True)
    count = client.count(index=name)["count"]
    checks.check("count all", count == len(documents), "count=%d" % count)
    cat = client.cat.indices(index=name, format="json")
    checks.check("cat indices", int(cat[0]["docs.count"]) == len(documents), str(cat))

    # The reference index.
    reference = None
    temporary = None
    if args.trawl:
        temporary = tempfile.mkdtemp(prefix="trawl-acceptance-")
        folder = os.path.join(temporary, "docs")
        os.makedirs(folder)
        with open(os.path.join(folder, "reuters.jsonl"), "w") as out:
            for d in documents:
                out.write(json.dumps(d) + "\n")
        reference = args.index or os.path.join(temporary, "reference")
        subprocess.run([args.trawl, "index", folder, "--index", reference, "--quiet",
                        "--field", "month:keyword", "--field", "wordcount:number"], check=True)

    # Searches.
    searched = 0
    for search in searches():
        label = "search " + search["name"]
        body = {"query": search["query"], "track_total_hits": True}
        try:
            if search["mode"] == "count":
                response = client.search(index=name, body=dict(body, size=0))
                checks.check(label, response["hits"]["total"]["value"] == len(documents), str(response["hits"]["total"]))
                searched += 1
                continue
            size = 10000 if search["mode"] == "set" else 50
            response = client.search(index=name, body=dict(body, size=size))
        except TransportError as error:
            checks.check(label, False, str(error))
            continue
        searched += 1
        hits = response["hits"]["hits"]
        total = response["hits"]["total"]["value"]
        checks.check(label + " shape", all("_id" in h and "_score" in h and "_source" in h for h in hits), "")
        counted = client.count(index=name, body={"query": search["query"]})["count"]
        checks.check(label + " count", counted == total, "count=%d total=%d" % (counted, total))
        if reference is None:
            continue
        expected = trawl_search(args.trawl, reference, search["trawl"], size, search["reference"])
        checks.check(label + " total", total == expected["total"], "server=%d trawl=%d" % (total, expected["total"]))
        if search["mode"] == "set":
            got = {h["_id"] for h in hits}
            want = {h["id"] for h in expected["hits"]}
            checks.check(label + " ids", got == want, "only server: %s only trawl: %s" % (sorted(got - want)[:5], sorted(want - got)[:5]))
        else:
            problems = ranking_differences([(h["_score"], h["_id"]) for h in hits],
                                           [(h["score"], h["id"]) for h in expected["hits"]], 10)
            checks.check(label + " ids", not problems, "; ".join(problems[:3]))
    checks.check("at least 50 searches", searched >= 50, "searched=%d" % searched)

    # Paging, _source filtering, sorting.
    page = client.search(index=name, body={"query": {"match": {"body": "oil"}}, "from": 10, "size": 5})
    first = client.search(index=name, body={"query": {"match": {"body": "oil"}}, "size": 15})
    checks.check("paging", [h["_id"] for h in page["hits"]["hits"]] == [h["_id"] for h in first["hits"]["hits"]][10:15])
    by_date = client.search(index=name, body={"query": {"match": {"body": "oil"}}, "sort": [{"date": "desc"}], "size": 20})
    dates = [h["_source"].get("date") for h in by_date["hits"]["hits"]]
    checks.check("sort by date", dates == sorted(dates, reverse=True), str(dates))

    # Gets, updates, deletes.
    sample = documents[100]
    got = client.get(index=name, id=sample["id"])
    checks.check("get", got["found"] and got["_source"].get("body", "") == sample["body"], str(got)[:200])
    try:
        client.get(index=name, id="no-such-document")
        checks.check("get missing", False)
    except NotFoundError:
        checks.check("get missing", True)
    client.update(index=name, id=sample["id"], body={"doc": {"title": "Zyzzyva acceptance title"}}, refresh=True)
    found = client.search(index=name, body={"query": {"match": {"title": "zyzzyva"}}})
    checks.check("update visible", [h["_id"] for h in found["hits"]["hits"]] == [sample["id"]], str(found["hits"]))
    checks.check("update kept body", client.get(index=name, id=sample["id"])["_source"].get("body", "") == sample["body"])
    client.index(index=name, id="acceptance-new", body={"title": "Quokka sighting", "body": "A quokka was seen."}, refresh=True)
    checks.check("index one", client.count(index=name, body={"query": {"match": {"body": "quokka"}}})["count"] == 1)
    client.delete(index=name, id="acceptance-new", refresh=True)
    client.delete(index=name, id=sample["id"], refresh=True)
    checks.check("delete", client.count(index=name)["count"] == len(documents) - 1)
    try:
        client.get(index=name, id=sample["id"])
        checks.check("get deleted", False)
    except NotFoundError:
        checks.check("get deleted", True)
    # Errors in OpenSearch's shape.
    try:
        client.search(index=name, body={"query": {"no_such_query": {}}})
        checks.check("unknown query is a 400", False)
    except RequestError as error:
        checks.check("unknown query is a 400", error.status_code == 400, str(error))

    if temporary:
        shutil.rmtree(temporary, ignore_errors=True)
    print("acceptance: %d checks passed, %d failed (%d searches)" % (checks.passed, len(checks.failed), searched))
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
