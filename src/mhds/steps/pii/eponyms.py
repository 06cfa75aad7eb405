"""Conditions named after people or places, written with the name first ("Asperger's
Syndrome", "Graves' Disease", "Bell's Palsy", "my mom has Parkinson's"): the name is the
condition, not a person.

The names are the Human Disease Ontology's (``data/disease_eponyms.txt.gz``: each disease label
that opens with a proper name, with the word after it; ``data/DISEASE_EPONYMS.md`` says how,
with its source and licence, CC0), and a few the ontology's labels do not write first
(``_WRITTEN_FIRST``: "Tourette's", "Hashimoto's", "Stockholm syndrome"). A name is a condition
right before a head noun of conditions (``_HEADS``) or a word its own labels put after it
("Munchausen by proxy", "Kaposi's sarcoma"); as a bare possessive ("Parkinson's") only after
a word that gives someone a condition ("has", "diagnosed with", "died of", "my dad's") and
before no noun, since "Brown's" and "Evans's" are more often someone's.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib.resources import files

from mhds.steps.pii.lexicon import english_stop_words

#: Names of conditions that the ontology's labels do not open with (its label is another's
#: or holds no possessive), written first in conversation.
_WRITTEN_FIRST = frozenset(
    {
        "asperger", "tourette", "alzheimer", "parkinson", "huntington", "crohn", "cushing",
        "addison", "graves", "hashimoto", "munchausen", "capgras", "cotard", "korsakoff",
        "wernicke", "broca", "raynaud", "sjogren", "sjögren", "rett", "down", "williams",
        "klinefelter", "turner", "marfan", "lyme", "meniere", "ménière", "kanner", "stockholm",
        "prader-willi", "angelman", "charcot", "bell", "guillain-barre", "guillain-barré",
        "tay-sachs", "niemann-pick", "kluver-bucy", "fragile",
    }
)  # fmt: skip
#: Head nouns of conditions after any of the names, and endings of condition words
#: ("Hashimoto's Thyroiditis", "Kaposi's Sarcoma").
_HEADS = frozenset({"disorder", "disorders", "syndrome", "disease", "palsy", "dementia"})
_HEAD_ENDINGS = ("itis", "osis", "pathy", "oma", "plegia", "trophy")
#: The word after a name, with the name's possessive before it ("'s", or "'" after an s).
_AFTER = re.compile(r"(?:['’]s|(?<=s)['’])?[ \t]+(?P<word>[A-Za-z]+)")
_POSSESSIVE = re.compile(r"['’]s?$")
#: A bare possessive ("Parkinson's"), then no word or a stop word.
_BARE = re.compile(r"['’]s(?![\w'’])(?:[ \t]*(?P<next>[A-Za-z]+))?")
#: Words right before a bare possessive that give someone a condition: "has Parkinson's",
#: "diagnosed with Alzheimer's", "died of Huntington's", "my dad's Parkinson's".
_GIVES_CONDITION = re.compile(
    r"(?i:\b(?:has|have|had|having|with|of|from|early[- ]onset|late[- ]stage|stage)"
    r"|[a-z]['’]s)[ \t]+\Z"
)
_CUE_REACH = 24


@cache
def _ontology() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Each name's words after it in the ontology's labels, and the names it writes as
    possessives."""
    blob = files("mhds.steps.pii").joinpath("data/disease_eponyms.txt.gz").read_bytes()
    after: dict[str, set[str]] = {}
    possessive = set()
    for line in gzip.decompress(blob).decode().splitlines():
        name, word, written = line.split("\t")
        after.setdefault(name, set()).add(word)
        if written == "1":
            possessive.add(name)
    return {k: frozenset(v) for k, v in after.items()}, frozenset(possessive)


def load() -> None:
    """Read the table now, not at the first condition a batch meets."""
    _ontology()


def is_eponym(name: str) -> bool:
    """Whether ``name`` ("Asperger's", "Graves'") names a condition somewhere."""
    key = _POSSESSIVE.sub("", name).lower()
    return key in _WRITTEN_FIRST or key in _ontology()[0]


def names_a_condition(text: str, start: int, end: int) -> bool | None:
    """Whether the name at ``text[start:end]`` is a condition's ("Bell's Palsy", "has
    Parkinson's"); False where a head noun of conditions follows a name that names none ("Jane
    Syndrome"); None where nothing after the name speaks of a condition."""
    key = _POSSESSIVE.sub("", text[start:end]).lower()
    after = _AFTER.match(text, end)
    word = after["word"].lower() if after is not None else ""
    if word in _HEADS or word.endswith(_HEAD_ENDINGS):
        return is_eponym(key)
    if word and word in _ontology()[0].get(key, ()):
        return True  # "Munchausen by proxy", "Kaposi's sarcoma"
    return True if _bare_possessive(text, start, end, key) else None


def _bare_possessive(text: str, start: int, end: int, key: str) -> bool:
    """Whether a condition's name written as a bare possessive ("Parkinson's") is the
    condition: a name so written, before no noun, after a word that gives someone one."""
    bare = _BARE.match(text, end)
    if bare is None or (bare["next"] and bare["next"].lower() not in english_stop_words()):
        return False
    if key not in _WRITTEN_FIRST and key not in _ontology()[1]:
        return False
    return _GIVES_CONDITION.search(text, max(0, start - _CUE_REACH), start) is not None
