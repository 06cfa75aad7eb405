"""Build reddit_goldN.jsonl from the sample (sample_reddit.py) and the labels, as
build_counselchat_gold.py does for CounselChat (offsets from exact substrings; pass 2 from the
diff of the reviewed labels with the frozen pass-1 labels).

Usage: python build_reddit_gold.py --batch 1|2|...|11 CSV
(batch N: redditN_labels.txt and redditN_labels_pass1.txt -> reddit_goldN.jsonl; CSV: the
dataset file named in sample_reddit.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

from build_counselchat_gold import build
from sample_reddit import draw, load

HERE = Path(__file__).resolve().parent


def main() -> None:
    args = sys.argv[1:]
    if len(args) != 3 or args[0] != "--batch":
        raise SystemExit(__doc__)
    batch = int(args[1])
    build(
        draw(load(Path(args[2])), batch),
        HERE / f"reddit{batch}_labels.txt",
        HERE / f"reddit{batch}_labels_pass1.txt",
        HERE / f"reddit_gold{batch}.jsonl",
    )


if __name__ == "__main__":
    main()
