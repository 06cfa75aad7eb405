"""Drug names, as chat and forum posts write them ("put me on Tamoxifen", "my doctor
prescribed Trazadone", "taking a Zofran"): medicines, not people or places. The keep-list
keeps one that NER or a word's shape reads as a person only where the words right around make
it a medicine (``clinical_names.names_medicines``): people bear some of these names too
("Senna", "Valerian").

The generic table (``data/drug_names.txt.gz``, 6,840 names) is every one-word generic name of
DrugBank's open vocabulary, MeSH, MedlinePlus and the NHS website as the
drug-named-entity-recognition project compiled them, less given names and frequent surnames
of the 1990 Census and cities' names. The brand table (``data/drug_brands.txt.gz``, 2,334
names) is MedlinePlus's and the NHS website's brands from the same project ("Zofran",
"Prilosec"), less the same and ordinary English words; a second one
(``data/drug_brands_fda.txt.gz``, 1,688 names) holds the first words of the trade names of the
FDA's Orange Book that the first lacks ("Symbicort", "NuvaRing"), of which the rules ask more
(below). People bear brands far more often ("Alora", "Kadian", "Kyleena", "Halaven"), so a
brand is a medicine only where the words around say so: a dose right after it ("Zofran
8mg"), what only a medicine comes as after it with an owner, an article or a verb of
medicating before ("I took Keflex antibiotic"), medicines listed with it ("Colace and
laxatives but"), an article after a verb of taking ("taking a Zofran"), or a known medicine it
stands beside as its other name ("vortioxetine (Brintellix)"); misspelt only as such another
name (``reads_as_medicine_name``). An Orange Book brand is never read misspelt, and in a list
it needs the list to end as a list (``clinical_names``). ``data/DRUG_NAMES.md`` says how, with
the sources and licences.

A word of eight letters or more one letter away from a generic name, or from one of the
keep-list's own medications (``keep_terms.MEDICATIONS``: "Lamictil", "Wellbiutrin"), is that
drug misspelt ("Trazadone", "Quetiapene"), unless it is itself a Census name or an ordinary
English word; like a generic name, it is a medicine only where the words around say so. A
generic name written as it is, of eight letters or more ("Tamoxifen", "Zopiclone"), is a
medicine without any word around it, unless it ends as given names do ("Valerian"), is two
English words run together ("Wormwood") or is someone's (a person's slot, a title before, a
possessive or a person's verb after it).
"""

from __future__ import annotations

from functools import cache, lru_cache

from mhds.steps.pii.gazetteer import is_census_name
from mhds.steps.pii.keep_terms import MEDICATIONS
from mhds.steps.pii.lexicon import is_ordinary, packaged_table

#: Misspellings are looked for only in words this long: shorter ones are one letter away from
#: too many names.
_MIN_MISSPELT = 8
#: A medicine's other name may be misspelt by a letter from this length, by two from the next.
_MIN_OTHER_NAME, _MIN_TWO_EDITS = 7, 9


@cache
def _names() -> frozenset[str]:
    return frozenset(packaged_table("drug_names.txt.gz").split())


@cache
def _brands() -> frozenset[str]:
    return frozenset(packaged_table("drug_brands.txt.gz").split())


@cache
def _fda_brands() -> frozenset[str]:
    """Brands only the FDA's Orange Book lists: matched as written, never misspelt."""
    return frozenset(packaged_table("drug_brands_fda.txt.gz").split())


@cache
def _spelt() -> frozenset[str]:
    """The names a misspelling is looked for near: the generic table's, and the keep-list's
    own one-word medications, brands that posts misspell most ("Lamictil", "Wellbiutrin")."""
    return _names() | frozenset(m for m in MEDICATIONS if m.isalpha())


@cache
def _one_deleted() -> dict[str, tuple[str, ...]]:
    """Each long name with one letter deleted, and the names it comes from: two words one
    letter apart share such a form, or one is such a form of the other."""
    index: dict[str, list[str]] = {}
    for name in _spelt():
        if len(name) >= _MIN_MISSPELT - 1:
            for i in range(len(name)):
                index.setdefault(name[:i] + name[i + 1 :], []).append(name)
    return {form: tuple(names) for form, names in index.items()}


def load() -> None:
    """Read the tables and index their misspellings now (a tenth of a second), not at the
    first drug a batch meets."""
    _one_deleted()
    _brands()
    _fda_brands()


def is_listed_drug(word: str) -> bool:
    """Whether ``word`` is a generic name of the table as written, any case: no misspelling."""
    return word.lower() in _names()


def is_listed_brand(word: str) -> bool:
    """Whether ``word`` is a brand of the brand tables as written, any case: no misspelling."""
    key = word.lower()
    return key in _brands() or key in _fda_brands()


def is_fda_only_brand(word: str) -> bool:
    """Whether ``word`` is a brand only the Orange Book's table lists ("Symbicort", "Skyla"):
    more of them are names people bear that the Census lacks, so fewer rules take them. The
    build leaves the first table's brands out of that table."""
    return word.lower() in _fda_brands()


def is_drug_name(word: str) -> bool:
    """Whether ``word`` (one word, any case) is a generic drug name of the table, or a
    misspelling of one or of the keep-list's own medications (see the module's docstring)."""
    key = word.lower()
    if key in _names():
        return True
    if len(key) < _MIN_MISSPELT or not key.isalpha() or is_ordinary(key) or is_census_name(word):
        return False
    return _misspells(key)


@lru_cache(maxsize=4096)
def reads_as_medicine_name(word: str) -> bool:
    """Whether ``word`` is written as a medicine's name: a generic name or a brand of the
    tables (the Orange Book's too), one of the keep-list's own medications, or one of those but
    the Orange Book's misspelt, by a letter in a word of seven letters or more ("Rameron"), by
    two in one of nine or more ("Fluxotine"); not a Census name nor an ordinary English word.
    Only for a word that stands where a medicine's other name goes ("mirtazapine (Rameron)"):
    nothing around it is asked."""
    key = word.lower()
    if key in _spelt() or key in _brands() or key in _fda_brands():  # _spelt holds _names
        return True
    if len(key) < _MIN_OTHER_NAME or not key.isalpha() or is_ordinary(key) or is_census_name(word):
        return False
    edits = 1 if len(key) < _MIN_TWO_EDITS else 2
    return any(
        abs(len(name) - len(key)) <= edits and _within_edits(key, name, edits)
        for name in _by_first_letter().get(key[0], ())
    )


@cache
def _by_first_letter() -> dict[str, tuple[str, ...]]:
    """The generic names, brands and the keep-list's one-word medications by first letter (not
    the Orange Book's brands: most are obscure, and their misspellings are people's names,
    "Dolphine" of "Dolophine")."""
    index: dict[str, list[str]] = {}
    for name in sorted(_spelt() | _brands()):
        index.setdefault(name[:1], []).append(name)
    return {letter: tuple(names) for letter, names in index.items()}


def _within_edits(a: str, b: str, most: int) -> bool:
    """Whether ``a`` and ``b`` are at most ``most`` letters changed, added or dropped apart
    (Levenshtein, stopped once every way costs more)."""
    row = list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (letter != other))
        if min(row) > most:
            return False
    return row[-1] <= most


def _misspells(key: str) -> bool:
    """Whether ``key`` is one letter changed, added or dropped from a name of ``_spelt``."""
    index, names = _one_deleted(), _spelt()
    forms = [key[:i] + key[i + 1 :] for i in range(len(key))]
    if key in index or any(form in names for form in forms):
        return True  # a letter dropped from a name, or one added to it
    return any(  # a letter changed: both lose it at the same place
        form[:i] == name[:i] and form[i:] == name[i + 1 :]
        for i, form in enumerate(forms)
        for name in index.get(form, ())
        if len(name) == len(key)
    )
