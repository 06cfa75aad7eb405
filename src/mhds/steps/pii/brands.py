"""Brands of shops, restaurants and services named in conversation ("a Walmart parking lot", "a
Gucci bag", "coffee at Starbucks"): public names, not people or places, kept where NER or a
word's shape reads them as one.

The table (``data/brands.txt.gz``, 4,122 brands) is the name-suggestion-index's brands of the
English-speaking countries and of the whole world, less the names that people bear too (a
given name or frequent surname of the 1990 Census, alone, as a family's plural or as all of
a brand's words: "Macy's", "Millers", "Benjamin Moore") and cities' names ("Columbia");
``data/BRANDS.md`` says how, with its source and licence (BSD 3-Clause). A brand is matched
as written, case and all, with its possessive ("Chili's").
The keep-list (``keep._names_a_brand``) keeps a brand only where the words around use it as
one ("a Walmart parking lot", "at Starbucks"), and a name in a person's slot is that person
whatever brand bears it.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib.resources import files

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})


@cache
def _brands() -> frozenset[str]:
    blob = files("mhds.steps.pii").joinpath("data/brands.txt.gz").read_bytes()
    return frozenset(gzip.decompress(blob).decode().splitlines())


def load() -> None:
    """Read the table now, not at the first brand a batch meets."""
    _brands()


def is_brand(name: str) -> bool:
    """Whether ``name`` ("Walmart", "Chili's") is a brand of the table, as written."""
    return name.translate(_APOSTROPHES) in _brands()
