"""Build counselchat_gold.jsonl from the sample (sample_counselchat.py) and the reviewed labels
(counselchat_labels.txt). Offsets are computed here from the exact substrings, never by hand.

Pass 2 (the second annotator's review) is recorded per record by comparing the reviewed labels
with the frozen pass-1 labels (counselchat_labels_pass1.txt): ``annotation.pass2`` is
{"by", "changed", "added", "removed", "relabelled"}, where added/removed list identifier spans
and protected ranges present only after / only before review ("LABEL:text@start"), and
relabelled lists ranges whose category or kind changed ("OLD->NEW:text@start"). Notes do not
count as changes. A change log by label is printed.

Usage: python build_counselchat_gold.py [--batch 2|3|...|14] [CSV]
(batch N: counselchatN_labels.txt and counselchatN_labels_pass1.txt -> counselchat_goldN.jsonl)
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from check_gold import CATEGORIES, KINDS
from sample_counselchat import DEFAULT_CSV, draw, load

HERE = Path(__file__).resolve().parent
LABELS = HERE / "counselchat_labels.txt"
LABELS_PASS1 = HERE / "counselchat_labels_pass1.txt"
OUT = HERE / "counselchat_gold.jsonl"
#: batch -> (reviewed labels, frozen pass-1 labels, output)
BATCHES = {
    1: (LABELS, LABELS_PASS1, OUT),
    2: (
        HERE / "counselchat2_labels.txt",
        HERE / "counselchat2_labels_pass1.txt",
        HERE / "counselchat_gold2.jsonl",
    ),
    3: (
        HERE / "counselchat3_labels.txt",
        HERE / "counselchat3_labels_pass1.txt",
        HERE / "counselchat_gold3.jsonl",
    ),
    4: (
        HERE / "counselchat4_labels.txt",
        HERE / "counselchat4_labels_pass1.txt",
        HERE / "counselchat_gold4.jsonl",
    ),
    5: (
        HERE / "counselchat5_labels.txt",
        HERE / "counselchat5_labels_pass1.txt",
        HERE / "counselchat_gold5.jsonl",
    ),
    6: (
        HERE / "counselchat6_labels.txt",
        HERE / "counselchat6_labels_pass1.txt",
        HERE / "counselchat_gold6.jsonl",
    ),
    7: (
        HERE / "counselchat7_labels.txt",
        HERE / "counselchat7_labels_pass1.txt",
        HERE / "counselchat_gold7.jsonl",
    ),
    8: (
        HERE / "counselchat8_labels.txt",
        HERE / "counselchat8_labels_pass1.txt",
        HERE / "counselchat_gold8.jsonl",
    ),
    9: (
        HERE / "counselchat9_labels.txt",
        HERE / "counselchat9_labels_pass1.txt",
        HERE / "counselchat_gold9.jsonl",
    ),
    10: (
        HERE / "counselchat10_labels.txt",
        HERE / "counselchat10_labels_pass1.txt",
        HERE / "counselchat_gold10.jsonl",
    ),
    11: (
        HERE / "counselchat11_labels.txt",
        HERE / "counselchat11_labels_pass1.txt",
        HERE / "counselchat_gold11.jsonl",
    ),
    12: (
        HERE / "counselchat12_labels.txt",
        HERE / "counselchat12_labels_pass1.txt",
        HERE / "counselchat_gold12.jsonl",
    ),
    13: (
        HERE / "counselchat13_labels.txt",
        HERE / "counselchat13_labels_pass1.txt",
        HERE / "counselchat_gold13.jsonl",
    ),
    14: (
        HERE / "counselchat14_labels.txt",
        HERE / "counselchat14_labels_pass1.txt",
        HERE / "counselchat_gold14.jsonl",
    ),
}
ANNOTATOR = "annotator-1 (mhds helper session, pass 1)"
REVIEWER = "annotator 2 (mhds helper session, independent review)"


def parse_labels(path: Path) -> tuple[dict[str, list[tuple[str, str, int | None]]], int]:
    """{id: [(label, substring, nth or None)]} and the count of texts read in sample order."""
    blocks: dict[str, list[tuple[str, str, int | None]]] = {}
    read_upto = -1
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("read-upto\t"):
            read_upto = int(raw.split("\t")[1])
            continue
        if "\t" not in raw:
            current = raw.strip()
            if current in blocks:
                raise ValueError(f"duplicate block {current}")
            blocks[current] = []
            continue
        parts = raw.split("\t")
        nth = int(parts[2].lstrip("#")) if len(parts) > 2 else None
        blocks[current].append((parts[0], parts[1], nth))
    return blocks, read_upto


def occurrences(text: str, pattern: str) -> list[tuple[int, int]]:
    """(start, end) of ``pattern`` in ``text`` not starting inside a word, or, when every
    occurrence does, all of them (a site glued to the name before it: "Lewiswww.x.com");
    "[...]" in the pattern marks the labelled part inside a longer context."""
    if "[" in pattern and "]" in pattern:
        pre, rest = pattern.split("[", 1)
        inner, post = rest.split("]", 1)
    else:
        pre, inner, post = "", pattern, ""
    full = pre + inner + post
    found = []
    i = text.find(full)
    while i != -1:
        found.append((i, i == 0 or not text[i - 1].isalnum() or not full[0].isalnum()))
        i = text.find(full, i + 1)
    starts = [i for i, at_word_start in found if at_word_start] or [i for i, _ in found]
    return [(i + len(pre), i + len(pre) + len(inner)) for i in starts]


def label_record(rec: dict, labels: list[tuple[str, str, int | None]]) -> dict:
    text = rec["text"]
    spans, protected, notes, taken = [], [], [], []
    for label, sub, nth in labels:
        if label == "note":
            notes.append(sub)
            continue
        if label not in CATEGORIES and label not in KINDS:
            raise ValueError(f"{rec['id']}: unknown label {label}")
        occ = occurrences(text, sub)
        if nth is not None:  # the n-th occurrence in the text, whatever earlier labels took
            occ = occ[nth - 1 : nth]
        occ = [o for o in occ if not any(o[0] < e and s < o[1] for s, e in taken)]
        if not occ:
            raise ValueError(f"{rec['id']}: {label} {sub!r} not found")
        for s, e in occ:
            taken.append((s, e))
            if label in CATEGORIES:
                spans.append({"start": s, "end": e, "category": label, "text": text[s:e]})
            else:
                protected.append({"start": s, "end": e, "kind": label, "text": text[s:e]})
    spans.sort(key=lambda d: d["start"])
    protected.sort(key=lambda d: d["start"])
    return {
        **{key: rec[key] for key in ("id", "row", "field", "subreddit", "stratum") if key in rec},
        "text": text,
        "spans": spans,
        "protected": protected,
        "notes": " | ".join(notes),
        "annotation": {"pass1": ANNOTATOR, "pass2": None},
    }


def _ranges(rec: dict) -> dict[tuple[int, int], str]:
    out = {(s["start"], s["end"]): s["category"] for s in rec["spans"]}
    out.update({(s["start"], s["end"]): s["kind"] for s in rec["protected"]})
    return out


def review(before: dict, after: dict, log: Counter) -> dict:
    """The pass-2 record for one text: what the review added, removed or relabelled."""
    b, a = _ranges(before), _ranges(after)
    text = after["text"]
    added = [f"{a[r]}:{text[r[0] : r[1]]}@{r[0]}" for r in sorted(a.keys() - b.keys())]
    removed = [f"{b[r]}:{text[r[0] : r[1]]}@{r[0]}" for r in sorted(b.keys() - a.keys())]
    relabelled = [
        f"{b[r]}->{a[r]}:{text[r[0] : r[1]]}@{r[0]}"
        for r in sorted(a.keys() & b.keys())
        if a[r] != b[r]
    ]
    for r in a.keys() - b.keys():
        log[("added", a[r])] += 1
    for r in b.keys() - a.keys():
        log[("removed", b[r])] += 1
    for r in a.keys() & b.keys():
        if a[r] != b[r]:
            log[("relabelled", f"{b[r]}->{a[r]}")] += 1
    return {
        "by": REVIEWER,
        "changed": bool(added or removed or relabelled),
        "added": added,
        "removed": removed,
        "relabelled": relabelled,
    }


def main() -> None:
    args = sys.argv[1:]
    batch = 1
    if args[:1] == ["--batch"]:
        batch, args = int(args[1]), args[2:]
    path = Path(args[0]) if args else DEFAULT_CSV
    build(draw(load(path), batch), *BATCHES[batch])


def build(sample: list[dict], labels: Path, labels_pass1: Path, out_path: Path) -> None:
    """Write ``out_path``: the sample's texts read so far, labelled, with what review changed."""
    blocks, read_upto = parse_labels(labels)
    blocks1, read_upto1 = parse_labels(labels_pass1)
    if read_upto1 != read_upto:
        raise ValueError("pass-1 and reviewed labels cover different numbers of texts")
    log: Counter = Counter()
    changed_ids = []
    ids = {r["id"] for r in sample}
    unknown = set(blocks) - ids
    if unknown:
        raise ValueError(f"labels for ids not in the sample: {sorted(unknown)}")
    written = 0
    with out_path.open("w", encoding="utf-8") as fh:
        for i, rec in enumerate(sample):
            if i > read_upto:
                if rec["id"] in blocks:
                    raise ValueError(f"{rec['id']} labelled but past read-upto")
                continue
            out = label_record(rec, blocks.get(rec["id"], []))
            before = label_record(rec, blocks1.get(rec["id"], []))
            out["annotation"]["pass2"] = review(before, out, log)
            if out["annotation"]["pass2"]["changed"]:
                changed_ids.append(rec["id"])
            fh.write(json.dumps(out, ensure_ascii=False) + "\n")
            written += 1
    print(f"wrote {written} of {len(sample)} sampled texts to {out_path.name}")
    print(f"pass 2: {len(changed_ids)} text(s) changed: {', '.join(changed_ids) or '-'}")
    for (what, label), n in sorted(log.items()):
        print(f"  {what:<10} {label:<28} {n}")


if __name__ == "__main__":
    main()
