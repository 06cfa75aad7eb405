"""Rebuild ``drug_names.txt.gz`` and ``drug_brands.txt.gz`` from the drug dictionaries of the
drug-named-entity-recognition project (GitHub repository
``fastdatascience/drug_named_entity_recognition``, folder ``src/drug_named_entity_recognition``
at commit 8cd91a962c3df20eb7c84bf90ff1c0206fe5bbba).

Run from the repository root with that folder (here ``FOLDER``) and the FDA Orange Book's
``products.txt`` (here ``PRODUCTS``)::

    python src/mhds/steps/pii/data/build_drug_names.py FOLDER PRODUCTS

Read: ``drugbank vocabulary.csv`` (DrugBank's open vocabulary), ``drugs_dictionary_mesh.csv``
(MeSH), ``drugs_dictionary_medlineplus.csv`` (MedlinePlus) and ``drugs_dictionary_nhs.csv``
(the NHS website): each drug's generic name (the "Common name" column, and MeSH's "Generic
name"). Brands and other synonyms are not taken: people bear brands' names far more often
("Alora", "Kadian", "Calan", "Mirena"), and the keep-list's own list holds the psychiatric
brands. The project's Wikipedia dictionary is not read (its licence is CC BY-SA). Kept: a
name of one word (letters, inner hyphens), in ASCII, of five letters or more, lower case, that
is not a given name or frequent surname of the 1990 Census (``census_names.txt.gz``:
"Ginger") and no city's name (``cities.txt.gz``). One name a line, sorted, gzip level 9 with
no timestamp, so a rebuild gives the same bytes.

Brands go to their own table, read only where the words around make a word a medicine: the
"Synonyms" column of MedlinePlus (US brands: "Zofran", "Singulair") and of the NHS website (UK
brands: "Senokot"), kept as generic names are, and also not when the generic table has the
word or English has it as an ordinary word ("Capital", "Relief"). The Orange Book (the US
Food and Drug Administration's approved drug products, a work of the US government) gives
``drug_brands_fda.txt.gz``: the first word of each product's trade name approved by a new drug
application ("SYMBICORT", "NUVARING", "BEVESPI AEROSPHERE"), kept the same way, less the
brands of the first table, words with a hyphen ("pre-op") and Census names with a plural's "s"
("elliotts"): brands MedlinePlus and the NHS site do not list.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from mhds.steps.pii.data.table import write_lines
from mhds.steps.pii.gazetteer import bears_a_city_name, is_census_name
from mhds.steps.pii.lexicon import is_ordinary

HERE = Path(__file__).resolve().parent
OUT = HERE / "drug_names.txt.gz"
BRANDS_OUT = HERE / "drug_brands.txt.gz"
FDA_BRANDS_OUT = HERE / "drug_brands_fda.txt.gz"
#: file -> the columns of brands
BRAND_SOURCES = {
    "drugs_dictionary_medlineplus.csv": ("Synonyms",),
    "drugs_dictionary_nhs.csv": ("Synonyms",),
}
#: file -> the columns of generic names (each cell a "|"-separated list)
SOURCES = {
    "drugbank vocabulary.csv": ("Common name",),
    "drugs_dictionary_mesh.csv": ("Generic name", "Common name"),
    "drugs_dictionary_medlineplus.csv": ("Common name",),
    "drugs_dictionary_nhs.csv": ("Common name",),
}
#: The Orange Book's columns: its file is "~"-separated, with a header line.
_TRADE_NAME, _APPLICATION_TYPE = "Trade_Name", "Appl_Type"
_NEW_DRUG = "N"  # a new drug application: the product's own brand ("A": a generic's)
_NAME = re.compile(r"[A-Za-z]{2,}(?:-[A-Za-z]{2,})*")
_MIN_LENGTH = 5


def main(folder: str, products: str) -> int:
    names = _read(Path(folder), SOURCES)
    size = write_lines(OUT, sorted(names))
    print(f"{len(names)} generic drug names written to {OUT.name} ({size:,} bytes)")
    brands = {b for b in _read(Path(folder), BRAND_SOURCES) - names if not is_ordinary(b)}
    size = write_lines(BRANDS_OUT, sorted(brands))
    print(f"{len(brands)} drug brands written to {BRANDS_OUT.name} ({size:,} bytes)")
    fda = {
        b
        for b in _trade_names(Path(products)) - names - brands
        if not is_ordinary(b) and "-" not in b and not _is_family_plural(b)
    }
    size = write_lines(FDA_BRANDS_OUT, sorted(fda))
    print(f"{len(fda)} further drug brands written to {FDA_BRANDS_OUT.name} ({size:,} bytes)")
    return 0


def _is_family_plural(word: str) -> bool:
    """A Census surname or given name with a plural's "s" ("elliotts")."""
    return word.endswith("s") and is_census_name(word[:-1].capitalize())


def _read(folder: Path, sources: Mapping[str, tuple[str, ...]]) -> set[str]:
    """The names ``_kept`` of the ``sources`` columns (each cell a "|"-separated list)."""
    names: set[str] = set()
    for file, columns in sources.items():
        path = folder / file
        if not path.is_file():
            raise SystemExit(f"{path}: not found")
        with path.open(encoding="utf-8", newline="") as stream:
            for row in csv.DictReader(stream):
                for column in columns:
                    names.update(_kept(n.strip()) for n in (row.get(column) or "").split("|"))
    names.discard("")
    return names


def _trade_names(path: Path) -> set[str]:
    """The first word of each trade name of a new drug application in the Orange Book's
    ``products.txt``, ``_kept``."""
    if not path.is_file():
        raise SystemExit(f"{path}: not found")
    with path.open(encoding="latin-1", newline="") as stream:
        rows = csv.DictReader(stream, delimiter="~", quoting=csv.QUOTE_NONE)
        missing = {_TRADE_NAME, _APPLICATION_TYPE} - set(rows.fieldnames or ())
        if missing:
            raise SystemExit(f"{path}: line 1: no column {', '.join(sorted(missing))}")
        words = {
            row[_TRADE_NAME].split(maxsplit=1)[0]
            for row in rows
            if row[_APPLICATION_TYPE] == _NEW_DRUG and row[_TRADE_NAME].strip()
        }
    names = {_kept(word) for word in words}
    names.discard("")
    return names


def _kept(name: str) -> str:
    """``name`` in lower case when the table keeps it, else ""."""
    if not _NAME.fullmatch(name) or len(name) < _MIN_LENGTH:
        return ""
    word = name.lower()
    if is_census_name(name.capitalize()) or bears_a_city_name(name):
        return ""
    return word


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
