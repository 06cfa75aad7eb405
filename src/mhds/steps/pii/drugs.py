"""Drug names, generic and brand, as chat and forum posts write them ("put me on Tamoxifen",
"my doctor prescribed Trazadone"): medicines, not people or places. The keep-list keeps one
that NER or a word's shape reads as a person only where the words around make it a medicine
(``keep._names_medicines``): people bear many drugs' names ("Senna", "Alora", "Metin").

The table (``data/drug_names.txt.gz``, 21,196 names) is every one-word name and synonym of
DrugBank's open vocabulary, MeSH, MedlinePlus and the NHS website as the
drug-named-entity-recognition project compiled them, less given names and frequent surnames
of the 1990 Census ("Allegra") and cities' names; ``data/DRUG_NAMES.md`` says how, with its
sources and licences. A word of eight letters or more one letter away from a name of the table
is that drug misspelt ("Trazadone", "Risperidal", "Abilifiy"), unless it is itself a Census
name or an ordinary English word. A name in a person's slot is that person whatever drug
bears it: the keep-list asks the slot first.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib.resources import files

from mhds.steps.pii.gazetteer import is_census_name
from mhds.steps.pii.lexicon import is_ordinary

#: Misspellings are looked for only in words this long: shorter ones are one letter away from
#: too many names.
_MIN_MISSPELT = 8
_ENDINGS = ("'s", "’s", "s")


@cache
def _table() -> tuple[frozenset[str], frozenset[str]]:
    """Every name of the table, and the names people write (misspellings are matched against
    these only: the other synonyms hold foreign brands that given names resemble)."""
    blob = files("mhds.steps.pii").joinpath("data/drug_names.txt.gz").read_bytes()
    lines = gzip.decompress(blob).decode().split()
    return frozenset(w.lstrip("~") for w in lines), frozenset(w[1:] for w in lines if w[0] == "~")


@cache
def _one_deleted() -> dict[str, tuple[str, ...]]:
    """Each long common name with one letter deleted, and the names it comes from: two words
    one letter apart share such a form, or one is such a form of the other."""
    index: dict[str, list[str]] = {}
    for name in _table()[1]:
        if len(name) >= _MIN_MISSPELT - 1:
            for i in range(len(name)):
                index.setdefault(name[:i] + name[i + 1 :], []).append(name)
    return {form: tuple(names) for form, names in index.items()}


def load() -> None:
    """Read the table now, not at the first drug a batch meets."""
    _table()


def is_drug_name(word: str) -> bool:
    """Whether ``word`` (one word, any case, with a plural or possessive "s" or not) is a drug
    name of the table, or a misspelling of one (see the module's docstring)."""
    key = word.lower()
    names = _table()[0]
    if key in names:
        return True
    if is_census_name(word):
        return False  # "Waters" is a surname before it is more than one "water"
    if any(key.endswith(e) and key[: -len(e)] in names for e in _ENDINGS):
        return True  # "Benzos", "Wellbutrin's"
    if len(key) < _MIN_MISSPELT or not key.isalpha() or is_ordinary(key):
        return False
    return _misspells(key)


def _misspells(key: str) -> bool:
    """Whether ``key`` is one letter changed, added or dropped from a common name."""
    index, common = _one_deleted(), _table()[1]
    forms = [key[:i] + key[i + 1 :] for i in range(len(key))]
    if key in index or any(form in common for form in forms):
        return True  # a letter dropped from a name, or one added to it
    return any(  # a letter changed: both lose it at the same place
        form[:i] == name[:i] and form[i:] == name[i + 1 :]
        for i, form in enumerate(forms)
        for name in index.get(form, ())
        if len(name) == len(key)
    )
