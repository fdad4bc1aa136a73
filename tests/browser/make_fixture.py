#!/usr/bin/env python3
"""Writes the browser test's fixture: a folder of Markdown articles with front matter (title,
date, tags) whose dates span 2014-2024, and a manifest (JSON, outside the folder) that lists
every article's file, date and words, so the test can compute what each search must find.

    python3 tests/browser/make_fixture.py FOLDER MANIFEST.json [--count 150]

The articles are generated from a fixed seed: the same arguments write the same files. About
two thirds mention "harbour", so a search for it fills more than three pages of ten.
"""
import argparse
import datetime
import json
import os
import random

TOPICS = {
    "shipping": ["harbour", "tanker", "freight", "container", "port", "cargo"],
    "energy": ["crude", "pipeline", "refinery", "barrel", "drilling", "harbour"],
    "farming": ["wheat", "grain", "harvest", "barley", "silo", "tractor"],
    "weather": ["storm", "gale", "flood", "drought", "forecast", "harbour"],
}
FILLER = ["the", "council", "reported", "on", "monday", "that", "prices", "rose", "after", "talks",
          "with", "local", "traders", "near", "the", "coast", "while", "officials", "expect", "more"]


def article(rng, index):
    tags = rng.sample(sorted(TOPICS), 2)
    day = datetime.date(2014, 1, 1) + datetime.timedelta(days=rng.randrange(0, 11 * 365))
    words = []
    for _ in range(rng.randrange(40, 90)):
        if rng.random() < 0.3:
            words.append(rng.choice(TOPICS[rng.choice(tags)]))
        else:
            words.append(rng.choice(FILLER))
    if index % 3 != 2 and "harbour" not in words:
        words.insert(rng.randrange(0, len(words)), "harbour")
    if index % 3 == 2:
        words = [w for w in words if w != "harbour"]
    title_words = [w for w in words if w not in FILLER][:3] or ["notes"]
    title = f"Article {index}: " + " ".join(title_words).capitalize()
    return {"file": f"article-{index:03d}.md", "title": title, "date": day.isoformat(), "tags": tags,
            "words": sorted(set(words)), "body": " ".join(words)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("manifest")
    parser.add_argument("--count", type=int, default=150)
    args = parser.parse_args()
    rng = random.Random(16)
    os.makedirs(args.folder, exist_ok=True)
    articles = [article(rng, i) for i in range(args.count)]
    for a in articles:
        with open(os.path.join(args.folder, a["file"]), "w", encoding="utf-8") as out:
            out.write("---\n")
            out.write(f"title: \"{a['title']}\"\n")
            out.write(f"date: {a['date']}\n")
            out.write(f"tags: [{', '.join(a['tags'])}]\n")
            out.write("---\n\n")
            out.write(a["body"] + "\n")
    with open(args.manifest, "w", encoding="utf-8") as out:
        json.dump([{k: a[k] for k in ("file", "title", "date", "tags", "words")} for a in articles], out, indent=1)
    print(f"make_fixture: {len(articles)} articles in {args.folder}")


if __name__ == "__main__":
    main()
