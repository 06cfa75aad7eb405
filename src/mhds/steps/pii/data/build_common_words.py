"""Rebuild ``common_words.txt.gz`` from spacy-lookups-data's English word probabilities.

Run from the repository root after ``pip download --no-deps spacy-lookups-data==1.0.5``::

    python src/mhds/steps/pii/data/build_common_words.py \
        spacy_lookups_data-1.0.5-py2.py3-none-any.whl

A word is kept when it is alphabetic (inner ' and - allowed) and its lower-case log
probability is at least -16. It is *ordinary* when it is at least as probable in lower case as
capitalised ("hope", "mark", "river"; not "sean", "dallas", "xavier"), and *ordinary at a
sentence start* (written with a leading ``~``) when the capitalised form is at most
``SENTENCE_MARGIN`` (log) more probable: sentence-initial words such as "However",
"Furthermore", "Unfortunately" are capitalised more often than not, names by about 2.5 to 3.5
("john" -13.0 against "John" -10.1). The output is sorted, one word a line, gzip level 9 with no
timestamp, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import zipfile
from pathlib import Path

from mhds.steps.pii.data.table import write_lines

MEMBER = "spacy_lookups_data/data/en_lexeme_prob.json.gz"
FLOOR = -16.0
SENTENCE_MARGIN = 2.3
_WORD = re.compile(r"^[a-z][a-z'\-]*[a-z]$")


def main(wheel: str) -> int:
    with zipfile.ZipFile(wheel) as archive:
        probs: dict[str, float] = json.loads(gzip.decompress(archive.read(MEMBER)))
    unseen = min(probs.values())
    words = []
    for word, prob in probs.items():
        if not _WORD.match(word) or prob < FLOOR:
            continue
        capitalised = probs.get(word.capitalize(), unseen)
        if prob >= capitalised:
            words.append(word)
        elif prob >= capitalised - SENTENCE_MARGIN:
            words.append("~" + word)
    words.sort(key=lambda w: w.lstrip("~"))
    out = Path(__file__).with_name("common_words.txt.gz")
    write_lines(out, words)
    print(f"{len(words)} words -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
