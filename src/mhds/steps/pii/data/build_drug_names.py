"""Rebuild ``drug_names.txt.gz`` from the drug dictionaries of the drug-named-entity-recognition
project (GitHub repository ``fastdatascience/drug_named_entity_recognition``, folder
``src/drug_named_entity_recognition`` at commit 8cd91a962c3df20eb7c84bf90ff1c0206fe5bbba).

Run from the repository root with that folder (here ``FOLDER``)::

    python src/mhds/steps/pii/data/build_drug_names.py FOLDER

Read: ``drugbank vocabulary.csv`` (DrugBank's open vocabulary: common names and synonyms),
``drugs_dictionary_mesh.csv`` (MeSH), ``drugs_dictionary_medlineplus.csv`` (MedlinePlus) and
``drugs_dictionary_nhs.csv`` (the NHS website): every name and synonym, split at "|". The
project's Wikipedia dictionary is not read (its licence is CC BY-SA). Kept: a name of one word
(letters, inner hyphens), in ASCII, of five letters or more, lower case, that is not a given
name or frequent surname of the 1990 Census (``census_names.txt.gz``: "Allegra", "Ginger")
and no city's name (``cities.txt.gz``). One name a line, sorted, written "~name" when it is a
name people write (a common name, or a MedlinePlus or NHS brand: the names misspellings are
matched against) and "name" when it is only another synonym (a foreign brand, a code); gzip
level 9 with no timestamp, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from mhds.steps.pii.data.table import write_lines
from mhds.steps.pii.gazetteer import bears_a_city_name, is_census_name

HERE = Path(__file__).resolve().parent
OUT = HERE / "drug_names.txt.gz"
#: file -> (the columns of names people write, the columns of other synonyms); each cell is a
#: "|"-separated list
SOURCES = {
    "drugbank vocabulary.csv": (("Common name",), ("Synonyms",)),
    "drugs_dictionary_mesh.csv": (("Generic name", "Common name"), ("Synonyms",)),
    "drugs_dictionary_medlineplus.csv": (("Common name", "Synonyms"), ()),
    "drugs_dictionary_nhs.csv": (("Common name", "Synonyms"), ()),
}
_NAME = re.compile(r"[A-Za-z]{2,}(?:-[A-Za-z]{2,})*")
_MIN_LENGTH = 5


def main(folder: str) -> int:
    common: set[str] = set()
    other: set[str] = set()
    for file, (common_columns, other_columns) in SOURCES.items():
        path = Path(folder) / file
        if not path.is_file():
            raise SystemExit(f"{path}: not found")
        with path.open(encoding="utf-8", newline="") as stream:
            for row in csv.DictReader(stream):
                common.update(_names(row, common_columns))
                other.update(_names(row, other_columns))
    names = sorted(common | other)
    size = write_lines(OUT, [f"~{n}" if n in common else n for n in names])
    print(f"{len(names)} drug names ({len(common)} common) written to {OUT.name} ({size:,} bytes)")
    return 0


def _names(row: dict[str, str], columns: tuple[str, ...]) -> set[str]:
    found = {_kept(n.strip()) for c in columns for n in (row.get(c) or "").split("|")}
    return found - {""}


def _kept(name: str) -> str:
    """``name`` in lower case when the table keeps it, else ""."""
    if not _NAME.fullmatch(name) or len(name) < _MIN_LENGTH:
        return ""
    word = name.lower()
    if is_census_name(name.capitalize()) or bears_a_city_name(name):
        return ""
    return word


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
