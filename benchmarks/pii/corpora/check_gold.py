"""Validate a hand-labelled gold JSONL (default: counselchat_gold.jsonl) and print its counts.

Checks, for every record: the fields are present; ids are unique; every span and protected
range lies inside the text and its "text" equals text[start:end]; categories are mhds's ten
and kinds are public_resource / clinical_term / public_figure; identifier spans do not overlap
each other; a protected range does not overlap an identifier span; no span starts or ends
with whitespace. Exits 1 on any problem.

Usage: python check_gold.py [FILE.jsonl]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

CATEGORIES = (
    "PERSON",
    "LOCATION",
    "DATE",
    "PHONE",
    "EMAIL",
    "URL",
    "IP_ADDRESS",
    "ID",
    "AGE",
    "CREDENTIAL",
)
KINDS = ("public_resource", "clinical_term", "public_figure")
FIELDS = ("id", "row", "field", "text", "spans", "protected", "notes")


def check(path: Path) -> tuple[list[str], dict[str, Counter]]:
    problems: list[str] = []
    counts = {
        "category": Counter(),
        "category_texts": Counter(),
        "kind": Counter(),
        "field": Counter(),
        "stratum": Counter(),
        "texts": Counter(),
    }
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        rid = rec.get("id", f"line {n}")
        missing = [f for f in FIELDS if f not in rec]
        if missing:
            problems.append(f"{rid}: missing {missing}")
            continue
        if rid in seen:
            problems.append(f"{rid}: duplicate id")
        seen.add(rid)
        text = rec["text"]
        counts["texts"]["all"] += 1
        counts["texts"]["with identifiers"] += bool(rec["spans"])
        counts["texts"]["with protected ranges"] += bool(rec["protected"])
        counts["field"][rec["field"]] += 1
        counts["stratum"][rec.get("stratum", "?")] += 1
        for group, key, allowed in (
            ("spans", "category", CATEGORIES),
            ("protected", "kind", KINDS),
        ):
            for s in rec[group]:
                start, end = s["start"], s["end"]
                if not (0 <= start < end <= len(text)):
                    problems.append(f"{rid}: {group} offsets {start}:{end} out of range")
                    continue
                if text[start:end] != s["text"]:
                    problems.append(
                        f"{rid}: {group} {start}:{end} is {text[start:end]!r}, not {s['text']!r}"
                    )
                if s["text"] != s["text"].strip():
                    problems.append(f"{rid}: {group} {s['text']!r} has edge whitespace")
                if s.get(key) not in allowed:
                    problems.append(f"{rid}: {group} {key} {s.get(key)!r} not in {allowed}")
        for a_list, b_list, what in (
            (rec["spans"], rec["spans"], "identifier spans overlap"),
            (rec["spans"], rec["protected"], "protected range overlaps an identifier"),
        ):
            for i, a in enumerate(a_list):
                for j, b in enumerate(b_list):
                    if a_list is b_list and j <= i:
                        continue
                    if a["start"] < b["end"] and b["start"] < a["end"]:
                        problems.append(f"{rid}: {what}: {a['text']!r} / {b['text']!r}")
        for s in rec["spans"]:
            counts["category"][s["category"]] += 1
        for c in {s["category"] for s in rec["spans"]}:
            counts["category_texts"][c] += 1
        for s in rec["protected"]:
            counts["kind"][s["kind"]] += 1
    return problems, counts


def main() -> None:
    path = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).with_name("counselchat_gold.jsonl")
    )
    problems, counts = check(path)
    print(
        f"{path.name}: {counts['texts']['all']} texts "
        f"({counts['texts']['with identifiers']} with identifiers, "
        f"{counts['texts']['with protected ranges']} with protected ranges)"
    )
    print("fields:", dict(counts["field"]), " strata:", dict(counts["stratum"]))
    print("identifier spans (spans / texts):")
    for c in CATEGORIES:
        print(f"  {c:<11} {counts['category'][c]:>4} / {counts['category_texts'][c]}")
    print(f"  {'total':<11} {sum(counts['category'].values()):>4}")
    print("protected ranges:")
    for k in KINDS:
        print(f"  {k:<16} {counts['kind'][k]:>4}")
    print(f"  {'total':<16} {sum(counts['kind'].values()):>4}")
    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
