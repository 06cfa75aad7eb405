"""Rebuild ``brands.txt.gz`` from the name-suggestion-index's brand files.

Run from the repository root with a copy of the index's ``data/brands`` folder (GitHub
repository ``osmlab/name-suggestion-index``; one JSON file per kind of place, each with its
brands as ``items``)::

    python src/mhds/steps/pii/data/build_brands.py name-suggestion-index/data/brands

Kept: the brand name (``tags.brand``, else ``displayName``) of every item whose location set
includes the whole world ("001") or an English-speaking country (us, gb, ca, au, nz, ie), in
ASCII, of three characters or more. Left out, because a person bears them as often: a name of
one word that is a given name or a frequent surname of the 1990 Census table
(``census_names.txt.gz``: "Shaw's", "Macy's", and a family's plural: "Millers",
"O'Briens"), and a name of two or more words that are all such names ("Benjamin Moore"); and,
because a place bears them, the names of cities of the
GeoNames table (``cities.txt.gz``: "Columbia", "Phoenix"). One brand a line, sorted, gzip
level 9 with no timestamp, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from mhds.steps.pii.data.table import write_lines
from mhds.steps.pii.gazetteer import bears_a_city_name, is_census_name

HERE = Path(__file__).resolve().parent
OUT = HERE / "brands.txt.gz"
_REGIONS = frozenset({"001", "us", "gb", "ca", "au", "nz", "ie"})
_MIN_LENGTH = 3
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")


def main(folder: str) -> int:
    brands: set[str] = set()
    files = sorted(Path(folder).rglob("*.json"))
    if not files:
        raise SystemExit(f"{folder}: no brand files (*.json)")
    for path in files:
        for item in json.loads(path.read_text(encoding="utf-8")).get("items", []):
            name = _brand(item)
            if name is None or _borne_by_people(name) or bears_a_city_name(name):
                continue
            brands.add(name)
    write_lines(OUT, sorted(brands))
    print(f"{len(brands)} brands from {len(files)} files written to {OUT.name}")
    return 0


def _brand(item: dict[str, Any]) -> str | None:
    include = item.get("locationSet", {}).get("include", [])
    if not any(isinstance(r, str) and r in _REGIONS for r in include):
        return None
    name = item.get("tags", {}).get("brand") or item.get("displayName") or ""
    name = name.strip()
    return name if name.isascii() and len(name) >= _MIN_LENGTH else None


def _borne_by_people(name: str) -> bool:
    """Whether every word of ``name`` is a Census name, alone, as a possessive or as a
    family's plural ("Macy's", "Benjamin Moore", "Millers", "O'Briens")."""
    words = _WORD.findall(name)
    return bool(words) and all(
        is_census_name(w) or (w[-1] in "sS" and is_census_name(w[:-1])) for w in words
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
