"""Rebuild ``disease_eponyms.txt.gz`` from the Human Disease Ontology's ``HumanDO.tsv``.

Run from the repository root with the report file of the DiseaseOntology/HumanDiseaseOntology
repository (``DOreports/HumanDO.tsv``: one disease a line, its id, label and parent)::

    python src/mhds/steps/pii/data/build_disease_eponyms.py HumanDO.tsv

Kept: the labels that open with a proper name, written capitalised ("Alzheimer's disease",
"Graves' disease", "Gilles de la Tourette syndrome", "Lyme disease", "Munchausen by proxy"),
one line per name and the word after it: the name in lower case without its possessive, the
first word after it that is not a stop word ("disease", "palsy", "by"), and 1 when the
label writes the name as a possessive. A name of several words is kept whole ("wilson-turner",
"gilles de la tourette"): its parts alone are people's names ("Marie", "Walker", "Frank").
Sorted, gzip level 9 with no timestamp, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from mhds.steps.pii.data.table import write_lines

OUT = Path(__file__).resolve().parent / "disease_eponyms.txt.gz"
_HEADER = ["id", "label", "subClassOf"]
#: A label's opening proper name (capitalised words, with hyphens and the particles of names),
#: its possessive, and what follows it.
_EPONYM = re.compile(
    r"(?P<name>[A-Z][a-zà-ÿ]+(?:(?:-| (?:de la |de |van |von |du )?)[A-Z][a-zà-ÿ]+)*)"
    r"(?P<possessive>'s|(?<=s)')? (?P<rest>[a-z][a-z -]*)"
)
_STOP = frozenset({"a", "an", "and", "de", "du", "in", "of", "or", "the", "to", "type", "with"})


def main(report: str) -> int:
    rows: set[str] = set()
    with open(report, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        if next(reader, None) != _HEADER:
            raise SystemExit(f"{report}:1: expected the columns {_HEADER}")
        for number, fields in enumerate(reader, 2):
            if len(fields) != len(_HEADER):
                raise SystemExit(f"{report}:{number}: {len(fields)} columns, expected 3")
            rows |= _rows(fields[1])
    size = write_lines(OUT, sorted(rows))
    print(f"{len(rows)} lines written to {OUT.name} ({size:,} bytes)")
    return 0


def _rows(label: str) -> set[str]:
    match = _EPONYM.match(label)
    if match is None:
        return set()
    head = next((w for w in re.split(r"[ -]", match["rest"]) if w and w not in _STOP), None)
    if head is None:
        return set()
    possessive = "1" if match["possessive"] else "0"
    return {f"{match['name'].lower()}\t{head}\t{possessive}"}


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
