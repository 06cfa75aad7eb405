"""Rebuild ``cities.txt.gz`` from GeoNames' ``cities15000.txt``.

Run from the repository root with a copy of the GeoNames dump (19 tab-separated columns)::

    python src/mhds/steps/pii/data/build_cities.py cities15000.txt

One line per city and spelling: its name, and its ASCII name where that differs, then its
country code and population, tab-separated (alternate names in other languages are left out).
The output is sorted, gzip level 9 with no timestamp, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mhds.steps.pii.data.table import write_lines

OUT = Path(__file__).resolve().parent / "cities.txt.gz"
_COLUMNS = 19


def main(dump: str) -> int:
    rows = set()
    for number, line in enumerate(Path(dump).read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split("\t")
        if len(fields) != _COLUMNS:
            raise SystemExit(f"{dump}:{number}: {len(fields)} columns, expected {_COLUMNS}")
        name, ascii_name, country, population = fields[1], fields[2], fields[8], fields[14]
        for spelling in {name, ascii_name}:
            if spelling.strip():
                rows.add(f"{spelling.strip()}\t{country}\t{int(population)}")
    size = write_lines(OUT, sorted(rows))
    print(f"{len(rows)} spellings written to {OUT.name} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
