"""Rebuild ``famous_people.txt.gz``: the names of people famous the world over and of
well-known fictional characters, which a text names as public figures, not as private people.

Run from the repository root with the four source files in one folder::

    python src/mhds/steps/pii/data/build_famous_people.py SOURCES

- ``pantheon.csv``: Pantheon 1.0 (Yu et al., Harvard Dataverse, doi:10.7910/DVN/28201, CC0),
  11,341 people whose English Wikipedia article has more than 25 other language editions;
  the copy in GitHub repository ``ALMArchive/celebs``, file ``data/pantheon.csv``;
- ``extremely_relevant_names.txt`` and ``extremely_relevant_figures2.txt``: people with more
  than 30 Wikipedia sitelinks, queried from Wikidata (CC0) by GitHub repository
  ``geru-scotland/lore-nexus`` (MIT), folder ``dataset/preprocessing/apis/wikidata/raw_data``;
- ``wikidata-universes.csv``: Wikidata's fictional characters that belong to a narrative
  universe, from the same folder.

Kept: a name of two to five words, each capitalised but for a particle ("Ludwig van
Beethoven"), in letters, hyphens, apostrophes and initials' dots; and the one-word name of a
person of Pantheon born before 1800 and known by their work (a philosopher, writer, artist or
scientist: "Aristotle", "Epictetus", "Confucius"), of four letters or more, that is not a given
name or a frequent surname of the 1990 Census table (``census_names.txt.gz``), an ordinary
English word (``common_words.txt.gz``), a city's name (``cities.txt.gz``) or, read through by
hand, a given name borne today ("Kabir", "Hafez"). Rulers' and religious figures' one-word
names ("Valerian", "Idris", "Nehemiah"), and those of later people and of characters
("Aaliyah", "Shakira", "Adira"), are given names that private people of many cultures bear.
A name with accents is also kept without them ("Charlotte Bronte"). One name a line, sorted, gzip
level 9 with no timestamp, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from pathlib import Path

from mhds.steps.pii.data.table import write_lines
from mhds.steps.pii.gazetteer import bears_a_city_name, is_census_name
from mhds.steps.pii.lexicon import is_ordinary

HERE = Path(__file__).resolve().parent
OUT = HERE / "famous_people.txt.gz"
_PEOPLE_LISTS = ("extremely_relevant_names.txt", "extremely_relevant_figures2.txt")
_PARTICLES = frozenset(
    {"de", "da", "di", "del", "della", "der", "den", "van", "von", "la", "le", "du", "of"}
    | {"the", "al", "el", "bin", "ibn", "y", "e", "zu", "ter", "ten", "dos", "das"}
)
_WORD = re.compile(r"(?:[^\W\d_]\.)+|[^\W\d_]+(?:['’-][^\W\d_]+)*\.?")
_MAX_WORDS = 5
_MIN_ONE_WORD = 4
_HISTORICAL = 1800
#: Pantheon's occupations of people known by their work rather than by their rule or faith.
_BY_THEIR_WORK = frozenset(
    {"PHILOSOPHER", "WRITER", "HISTORIAN", "PAINTER", "MATHEMATICIAN", "PHYSICIAN", "SCULPTOR"}
    | {"ARTIST", "ARCHITECT", "ASTRONOMER", "GEOGRAPHER", "COMPOSER", "CHEMIST", "LINGUIST"}
    | {"PHYSICIST", "INVENTOR", "ECONOMIST", "BIOLOGIST", "PSYCHOLOGIST"}
)
#: One-word names of such people that are also given names or surnames borne today in South
#: Asia and Iran, which the Census table does not know (read through by hand).
_BORNE_TODAY = frozenset({"Attar", "Hafez", "Kabir", "Saadi"})


def main(folder: str) -> int:
    source = Path(folder)
    names, historical = _pantheon(source / "pantheon.csv")
    for listed in _PEOPLE_LISTS:
        names |= _lines(source / listed)
    names |= _characters(source / "wikidata-universes.csv")
    kept = {n for name in names for n in _variants(name) if _keeps(n, name in historical)}
    write_lines(OUT, sorted(kept))
    print(f"{len(kept)} names of {len(names)} written to {OUT.name}")
    return 0


def _pantheon(path: Path) -> tuple[set[str], set[str]]:
    """Pantheon's names, and those of people born before ``_HISTORICAL`` known by their
    work."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = [
            (row["name"].strip(), row["birthyear"].strip(), row["occupation"])
            for row in csv.DictReader(stream)
        ]
    historical = {
        name
        for name, year, occupation in rows
        if _year(year) < _HISTORICAL and occupation in _BY_THEIR_WORK
    }
    return {name for name, _, _ in rows}, historical


def _year(value: str) -> float:
    """A birth year ("-384", "1809"); unknown ones count as recent."""
    try:
        return float(value)
    except ValueError:
        return float("inf")


def _lines(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}


def _characters(path: Path) -> set[str]:
    with path.open(encoding="utf-8", newline="") as stream:
        return {row["itemLabel"].strip() for row in csv.DictReader(stream)}


def _variants(name: str) -> set[str]:
    """The name as written, and without its accents where it has any ("Charlotte Brontë",
    "Charlotte Bronte")."""
    name = " ".join(name.split())
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return {name, folded} if len(folded) == len(unicodedata.normalize("NFC", name)) else {name}


def _keeps(name: str, historical: bool) -> bool:
    words = name.split()
    if not words or len(words) > _MAX_WORDS or not all(_WORD.fullmatch(w) for w in words):
        return False
    if len(words) == 1:
        word = words[0]
        return (
            historical
            and word not in _BORNE_TODAY
            and len(word) >= _MIN_ONE_WORD
            and word[0].isupper()
            and word.isalpha()
            and not is_census_name(word)
            and not is_ordinary(word.lower())
            and not bears_a_city_name(word)
        )
    return words[0][0].isupper() and all(w[0].isupper() or w in _PARTICLES for w in words)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
