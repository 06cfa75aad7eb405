"""Draw the CounselChat gold sample (deterministic): which texts, not their labels.

Usage: python sample_counselchat.py [--batch 2|3|...|14] [CSV]
  -> JSON lines {"id","row","field","stratum","text"}

Strata (seeded ``random.Random("counselchat-gold-v1")``, drawn in this order, no text twice):
  likely_pii  60  answers or questions with a capitalised word after "my ", a digit, "www",
                  "http" or "@" (to get enough positives)
  answer     160  answerText, any
  question   100  questionText, any (one per question: a question repeats on every answer row)
Texts are compared after stripping whitespace, so a question repeated on many rows is one text.
Batch 2 (seed "counselchat-gold-v2"): likely_pii 100, answer 60, question 40, none of batch 1.
Batch 3 (seed "counselchat-gold-v3"): the same sizes as batch 2, none of batches 1 and 2.
Batch 4 (seed "counselchat-gold-v4"): the same sizes as batch 2, none of batches 1 to 3.
Batch 5 (seed "counselchat-gold-v5"): none of batches 1 to 4; likely_pii 61 (all that is left),
answer 99, question 40.
Batch 6 (seed "counselchat-gold-v6"): none of batches 1 to 5; answer 150, question 50.
Batch 7 (seed "counselchat-gold-v7"): none of batches 1 to 6; answer 150, question 50.
Batch 8 (seed "counselchat-gold-v8"): none of batches 1 to 7; answer 150, question 50.
Batch 9 (seed "counselchat-gold-v9"): none of batches 1 to 8; answer 150, question 50.
Batch 10 (seed "counselchat-gold-v10"): none of batches 1 to 9; answer 150, question 50.
Batch 11 (seed "counselchat-gold-v11"): none of batches 1 to 10; answer 150, question 50.
Batch 12 (seed "counselchat-gold-v12"): none of batches 1 to 11; answer 150, question 50.
Batch 13 (seed "counselchat-gold-v13"): none of batches 1 to 12; answer 150, question 50.
Batch 14 (seed "counselchat-gold-v14"): none of batches 1 to 13; answer 65, question 47 (all left).
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from pathlib import Path

SEED = "counselchat-gold-v1"
DEFAULT_CSV = Path(__file__).resolve().parents[4] / "shared" / "data" / "counsel_chat.csv"
LIKELY = re.compile(r"\bmy [A-Z]|\d|www|http|@")
SIZES = {"likely_pii": 60, "answer": 160, "question": 100}
#: Batch 2 (``--batch 2``): a fresh sample labelled later, drawn after batch 1 from what batch
#: 1 did not take, richer in likely identifiers; no engine was tuned on it.
SEED_2 = "counselchat-gold-v2"
SIZES_2 = {"likely_pii": 100, "answer": 60, "question": 40}
#: Batch 3 (``--batch 3``): drawn after batches 1 and 2 from what they did not take, labelled
#: while the engine's tuning on batches 1 and 2 went on, to measure that tuning blind.
SEED_3 = "counselchat-gold-v3"
#: Batch 4 (``--batch 4``): drawn after batches 1-3 from what they did not take, labelled in the
#: fifth session of issue 11; run blind once, then the dev part of that session's tuning.
SEED_4 = "counselchat-gold-v4"
#: Batch 5 (``--batch 5``): drawn after batches 1-4 from what they did not take, labelled in the
#: sixth session of issue 11; run blind once, then the dev part of that session's tuning.
SEED_5 = "counselchat-gold-v5"
#: By batch 5 only 61 texts with likely identifiers are left: it takes them all, and more answers.
SIZES_5 = {"likely_pii": 61, "answer": 99, "question": 40}
#: Batch 6 (``--batch 6``): drawn after batches 1-5, labelled in the sixth session of issue 11
#: after batch 5's fixes; run blind once, then dev. No text with likely identifiers is left.
SEED_6 = "counselchat-gold-v6"
SIZES_6 = {"likely_pii": 0, "answer": 150, "question": 50}
#: Batch 7 (``--batch 7``): drawn after batches 1-6, labelled in the sixth session of issue 11
#: after batch 6's fixes; run blind once, then dev.
SEED_7 = "counselchat-gold-v7"
#: Batch 8 (``--batch 8``): drawn after batches 1-7, labelled in the seventh session of issue 11
#: after that session's fixes on generated text; run blind once, then dev.
SEED_8 = "counselchat-gold-v8"
#: Batch 9 (``--batch 9``): drawn after batches 1-8, labelled in the eighth session of issue 11
#: (its texts were among those read unlabelled in the seventh); run blind once, then dev.
SEED_9 = "counselchat-gold-v9"
#: Batch 10 (``--batch 10``): drawn after batches 1-9, labelled in the session of PII step 17
#: and run blind once; then held out like batch 3 (only aggregates are read).
SEED_10 = "counselchat-gold-v10"
#: Batch 11 (``--batch 11``): drawn after batches 1-10, labelled in the session of PII step 20
#: (its texts were among those the unlabelled scans read for changes) and run blind once.
SEED_11 = "counselchat-gold-v11"
#: Batch 12 (``--batch 12``): drawn after batches 1-11, labelled later in the same session, after
#: step 20's fixes, and run blind once with them.
SEED_12 = "counselchat-gold-v12"
#: Batch 13 (``--batch 13``): drawn after batches 1-12, labelled in the session of PII step 21
#: and run blind once; then the dev part of that session's tuning.
SEED_13 = "counselchat-gold-v13"
#: Batch 14 (``--batch 14``): drawn after batches 1-13, labelled in the same session and run
#: blind once with step 21's final rules; then held out.
SEED_14 = "counselchat-gold-v14"
#: By batch 14 only 65 answers and 47 questions are left: it takes them all.
SIZES_14 = {"likely_pii": 0, "answer": 65, "question": 47}
SEEDS = {
    1: SEED, 2: SEED_2, 3: SEED_3, 4: SEED_4, 5: SEED_5, 6: SEED_6, 7: SEED_7, 8: SEED_8,
    9: SEED_9, 10: SEED_10, 11: SEED_11, 12: SEED_12, 13: SEED_13, 14: SEED_14,
}  # fmt: skip


def load(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def candidates(rows: list[dict[str, str]], field: str) -> list[tuple[int, str, str]]:
    """(row index, field, text) for non-empty texts, first row of each distinct text."""
    seen: set[str] = set()
    out = []
    for i, row in enumerate(rows):
        text = row[field]
        key = text.strip()
        if not key or key in seen:
            continue
        seen.add(key)
        out.append((i, field, text))
    return out


def draw(rows: list[dict[str, str]], batch: int = 1) -> list[dict[str, object]]:
    """One batch (1 to 14), drawn with its own seed from the texts earlier batches did not
    take (the batches are drawn in order, once each)."""
    if batch not in SEEDS:
        raise ValueError(f"no batch {batch}: batches are {sorted(SEEDS)}")
    taken: set[str] = set()
    for earlier in range(1, batch):
        taken |= {str(r["text"]).strip() for r in _draw_one(rows, earlier, taken)}
    return _draw_one(rows, batch, taken)


def _draw_one(rows: list[dict[str, str]], batch: int, taken: set[str]) -> list[dict[str, object]]:
    rng = random.Random(SEEDS[batch])
    sizes = {1: SIZES, 5: SIZES_5, 14: SIZES_14, **dict.fromkeys(range(6, 14), SIZES_6)}.get(
        batch, SIZES_2
    )
    answers = candidates(rows, "answerText")
    questions = candidates(rows, "questionText")
    used: set[str] = set(taken)
    picked: list[dict[str, object]] = []

    def take(pool: list[tuple[int, str, str]], n: int, stratum: str) -> None:
        pool = [c for c in pool if c[2].strip() not in used]
        for row, field, text in rng.sample(pool, n):
            used.add(text.strip())
            short = "a" if field == "answerText" else "q"
            picked.append(
                {
                    "id": f"cc-{row}-{short}",
                    "row": row,
                    "field": field,
                    "stratum": stratum,
                    "text": text,
                }
            )

    take([c for c in answers + questions if LIKELY.search(c[2])], sizes["likely_pii"], "likely_pii")
    take(answers, sizes["answer"], "answer")
    take(questions, sizes["question"], "question")
    return picked


def main() -> None:
    args = sys.argv[1:]
    batch = 1
    if args[:1] == ["--batch"]:
        batch, args = int(args[1]), args[2:]
    path = Path(args[0]) if args else DEFAULT_CSV
    for rec in draw(load(path), batch):
        print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main()
