#!/usr/bin/env python3
"""Relevance tables with paired significance tests, from `bench.py relevance` results files.

    python3 benchmarks/relevance_report.py RESULTS.json [RESULTS.json ...] \
        --base trawl-bm25 --engines trawl-bm25,trawl,trawl-expand,tantivy,... \
        [--loo 'LABEL=DEFAULT,CONFIG,CONFIG,...' ...] [--title TEXT] > benchmarks/results/relevance-NAME.md

Every engine's per-query measures come from the results files (the harness evaluates each query
with trec_eval's definitions; `per_query` in the JSON). Per collection and measure, each engine is
compared with `--base` by a paired two-sided randomization test (permutation of the per-query
differences' signs, 10,000 rounds, fixed seed): `*` marks p < 0.05, `**` p < 0.01.

`--loo LABEL=DEFAULT,CONFIG,...` (repeatable) names a parameter sweep's configurations (engine
names, the shipped default first): for each collection, the configuration with the best mean MAP
over the other six is chosen and its MAP on the held-out collection is shown next to the
default's, a leave-one-collection-out check that the defaults are not fitted to the test.
"""
import argparse
import json
import random
import sys

MEASURES = [("map", "MAP"), ("ndcg_cut_10", "nDCG@10"), ("P_10", "P@10"), ("recall_1000", "Recall@1000")]


def load(paths):
    """{collection: {engine: {qid: {measure: value}}}} merged over the files (later files win)."""
    merged = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            res = json.load(f)
        for cname, centry in res["collections"].items():
            for name, entry in centry["engines"].items():
                if "per_query" in entry:
                    merged.setdefault(cname, {})[name] = entry["per_query"]
    return merged


def randomization_p(a, b, rounds=10000, seed=19):
    """Two-sided p-value of the mean paired difference of `a` and `b` under sign flips
    (numpy when installed, else plain Python with the same definition)."""
    diffs = [x - y for x, y in zip(a, b)]
    n = len(diffs)
    if n == 0:
        return 1.0
    observed = abs(sum(diffs)) / n
    if observed == 0:
        return 1.0
    try:
        import numpy as np
    except ImportError:
        np = None
    if np is not None:
        rng = np.random.default_rng(seed)
        signs = rng.integers(0, 2, size=(rounds, n), dtype=np.int8) * 2 - 1
        stats = np.abs(signs @ np.asarray(diffs)) / n
        hits = int(np.count_nonzero(stats >= observed - 1e-12))
    else:
        rng = random.Random(seed)
        hits = 0
        for _ in range(rounds):
            total = sum(d if rng.random() < 0.5 else -d for d in diffs)
            if abs(total) / n >= observed - 1e-12:
                hits += 1
    return (hits + 1) / (rounds + 1)


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+")
    ap.add_argument("--base", required=True, help="engine the tests compare with")
    ap.add_argument("--engines", required=True, help="comma list of engines, in column order")
    ap.add_argument("--loo", action="append", default=[], help="LABEL=DEFAULT,CONFIG,... for the leave-one-out check")
    ap.add_argument("--title", default="Relevance: Trawl's ranking options and the peers")
    args = ap.parse_args()
    data = load(args.results)
    engines = [e for e in args.engines.split(",") if e]
    collections = sorted(data)
    out = [f"# {args.title}", ""]
    out.append("Per collection: the mean over the judged queries; `*` p < 0.05, `**` p < 0.01 in a paired two-sided "
               f"randomization test against `{args.base}` (10,000 sign flips of the per-query differences). "
               "Mean row: the unweighted mean of the collections.")
    out.append("")
    for key, label in MEASURES:
        out.append(f"## {label}")
        out.append("")
        out.append("| collection | " + " | ".join(engines) + " |")
        out.append("|---|" + "---:|" * len(engines))
        means = {e: [] for e in engines}
        for c in collections:
            cells = []
            base = data[c].get(args.base)
            for e in engines:
                pq = data[c].get(e)
                if pq is None:
                    cells.append("n/a")
                    continue
                qids = sorted(pq)
                value = mean(pq[q][key] for q in qids)
                means[e].append(value)
                mark = ""
                if base is not None and e != args.base:
                    common = [q for q in qids if q in base]
                    p = randomization_p([pq[q][key] for q in common], [base[q][key] for q in common])
                    mark = "**" if p < 0.01 else "*" if p < 0.05 else ""
                cells.append(f"{value:.4f}{mark}")
            out.append(f"| {c} | " + " | ".join(cells) + " |")
        out.append("| **mean** | " + " | ".join(
            f"{mean(means[e]):.4f}" if len(means[e]) == len(collections) else "n/a" for e in engines) + " |")
        out.append("")
    for group in args.loo:
        label, _, members = group.partition("=")
        loo = [e for e in members.split(",") if e]
        default = loo[0]
        out.append(f"## Leave one collection out: {label} (MAP)")
        out.append("")
        out.append("For each collection, the configuration with the best mean MAP over the other six, and its MAP "
                   f"on the held-out one, next to the shipped default `{default}`; configurations: "
                   + ", ".join(f"`{e}`" for e in loo) + ".")
        out.append("")
        out.append("| held out | chosen on the other six | its MAP | default's MAP |")
        out.append("|---|---|---:|---:|")
        chosen_values, default_values = [], []
        for c in collections:
            others = [o for o in collections if o != c]

            def score(e):
                return mean(mean(v["map"] for v in data[o][e].values()) for o in others)

            candidates = [e for e in loo if all(e in data[o] for o in collections)]
            best = max(candidates, key=score)
            held = mean(v["map"] for v in data[c][best].values())
            dflt = mean(v["map"] for v in data[c][default].values())
            chosen_values.append(held)
            default_values.append(dflt)
            out.append(f"| {c} | {best} | {held:.4f} | {dflt:.4f} |")
        out.append(f"| **mean** | | {mean(chosen_values):.4f} | {mean(default_values):.4f} |")
        out.append("")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
