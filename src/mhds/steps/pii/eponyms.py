"""Conditions named after people or places, written with the name first ("Asperger's
Syndrome", "Graves' Disease", "Bell's Palsy", "my mom has Parkinson's"): the name is the
condition, not a person.

The names are the Human Disease Ontology's (``data/disease_eponyms.txt.gz``: each disease label
that opens with a proper name, with the word after it; ``data/DISEASE_EPONYMS.md`` says how,
with its source and licence, CC0), and a few the ontology's labels do not open with
(``_WRITTEN_FIRST``: "Tourette's", "Hashimoto's", "Stockholm syndrome").

People bear many of these names ("Wilson", "Addison", "Taylor"), so the rules weigh who the
name could be:

- after a title ("Mr. Wilson's disease of a car") the name is a person;
- a name people seldom bear (not a given name or frequent surname of the 1990 Census table,
  ``gazetteer.is_census_name``) is a condition before a head noun of conditions
  (``_HEADS``) or before the word its own labels put after it ("Munchausen by proxy");
- a name people bear is one before the words ``_WRITTEN_FIRST`` gives it ("Cushing's
  syndrome", "Down syndrome"); before the word the ontology's labels put after it ("Wilson's
  disease", "Taylor's syndrome") only where a word gives someone a condition before it
  ("has", "diagnosed with", "my dad's") or that word is capitalised: "Scott's disorder",
  "Taylor's syndrome of lateness" stay people's;
- a bare possessive ("Parkinson's") is a condition only for the names conversation so writes
  (``_BARE``), before no noun, after a word that gives someone a condition ("has Parkinson's",
  "my grandma's Alzheimer's"); "staying with Taylor's", "thinking of Addison's last text" are
  someone's.
"""

from __future__ import annotations

import re
from functools import cache

from mhds.steps.pii.gazetteer import is_census_name
from mhds.steps.pii.lexicon import english_stop_words, packaged_table

#: Names of conditions that the ontology's labels do not open with (its label is another's
#: or holds no possessive), written first in conversation, with the words after them.
_WRITTEN_FIRST: dict[str, frozenset[str]] = {
    name: frozenset(after.split())
    for name, after in {
        "asperger": "syndrome disorder", "tourette": "syndrome disorder",
        "alzheimer": "disease dementia", "parkinson": "disease", "huntington": "disease chorea",
        "crohn": "disease", "cushing": "syndrome disease", "addison": "disease",
        "graves": "disease", "hashimoto": "thyroiditis disease encephalopathy",
        "munchausen": "syndrome by", "capgras": "syndrome delusion", "cotard": "syndrome delusion",
        "korsakoff": "syndrome psychosis", "wernicke": "encephalopathy aphasia",
        "broca": "aphasia", "raynaud": "disease syndrome phenomenon", "sjogren": "syndrome",
        "sjögren": "syndrome", "rett": "syndrome disorder", "down": "syndrome",
        "williams": "syndrome", "klinefelter": "syndrome", "turner": "syndrome",
        "marfan": "syndrome", "lyme": "disease", "meniere": "disease", "ménière": "disease",
        "kanner": "syndrome autism", "stockholm": "syndrome", "prader-willi": "syndrome",
        "angelman": "syndrome", "charcot": "disease", "bell": "palsy",
        "guillain-barre": "syndrome", "guillain-barré": "syndrome", "tay-sachs": "disease",
        "niemann-pick": "disease", "kluver-bucy": "syndrome", "fragile": "x",
    }.items()
}  # fmt: skip
#: The names conversation writes as a bare possessive for the condition ("has Parkinson's").
_BARE = frozenset(
    {"alzheimer", "parkinson", "huntington", "hashimoto", "tourette", "asperger", "crohn",
     "addison", "cushing", "graves", "meniere", "ménière", "raynaud", "sjogren", "sjögren"}
)  # fmt: skip
#: Head nouns of conditions after a name people seldom bear.
_HEADS = frozenset({"disorder", "disorders", "syndrome", "disease", "palsy", "dementia"})
#: The word after a name, with the name's possessive before it ("'s", or "'" after an s).
_AFTER = re.compile(r"(?:['’]s|(?<=s)['’])?[ \t]+(?P<word>[A-Za-z]+)")
_POSSESSIVE = re.compile(r"['’]s?$")
#: A bare possessive ("Parkinson's"), then no word or a stop word.
_BARE_POSSESSIVE = re.compile(r"['’]s(?![\w'’])(?:[ \t]*(?P<next>[A-Za-z]+))?")
#: Words right before a name that give someone a condition: "has Parkinson's", "diagnosed
#: with Alzheimer's", "died of Huntington's", "my dad's Parkinson's".
_GIVES_CONDITION = re.compile(
    r"(?i:\b(?:has|have|had|having|diagnosed[ \t]+with|diagnosis[ \t]+of|suffers?[ \t]+from"
    r"|suffering[ \t]+from|died[ \t]+(?:of|from)|living[ \t]+with|battling|early[- ]onset"
    r"|late[- ]stage|stage[ \t]+\w+)|[a-z]['’]s)[ \t]+\Z"
)
_TITLE_BEFORE = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof)\.?[ \t]+\Z")
_FAMILY_BEFORE = re.compile(r"\b(?i:the)[ \t]+\Z")  # "the Raynauds": a family
_CUE_REACH = 24


@cache
def _ontology() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Each name's words after it in the ontology's labels, and the names it writes as
    possessives."""
    after: dict[str, set[str]] = {}
    possessive = set()
    for line in packaged_table("disease_eponyms.txt.gz").splitlines():
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
    Syndrome"); None where nothing around the name makes it a condition."""
    if _TITLE_BEFORE.search(text, max(0, start - _CUE_REACH), start):
        return None  # "Mr. Wilson's disease of a car": a person
    key = _POSSESSIVE.sub("", text[start:end]).lower()
    if _written_without_apostrophe(key) and not _FAMILY_BEFORE.search(text, 0, start):
        return True  # "have Aspergers", "Autism/Aspergers"; not "for the Raynauds"
    after = _AFTER.match(text, end)
    if after is not None:
        decided = _before_word(text, start, key, after["word"])
        if decided is not None:
            return decided
    return True if _bare_possessive(text, start, end, key) else None


def _written_without_apostrophe(key: str) -> bool:
    """Whether ``key`` is a condition's bare possessive written with no apostrophe
    ("aspergers", "tourettes", "alzheimers"), of a name that is no Census name."""
    stem = key[:-1]
    return key.endswith("s") and stem in _BARE and not is_census_name(stem)


def _before_word(text: str, start: int, key: str, word: str) -> bool | None:
    own = _WRITTEN_FIRST.get(key, frozenset()) | _ontology()[0].get(key, frozenset())
    lower = word.lower()
    if not is_census_name(key):
        if lower in own:
            return True  # "Munchausen by proxy", "Kaposi's sarcoma"
        return is_eponym(key) if lower in _HEADS else None
    if lower in _WRITTEN_FIRST.get(key, frozenset()):
        return True  # "Cushing's syndrome", "Down syndrome": the conditions so named
    if lower not in own:
        return None  # "Scott's disorder": a person's
    given = _GIVES_CONDITION.search(text, max(0, start - _CUE_REACH), start) is not None
    return True if given or word[0].isupper() else None  # "has Wilson's disease"


def _bare_possessive(text: str, start: int, end: int, key: str) -> bool:
    """Whether a condition's name written as a bare possessive ("Parkinson's") is the
    condition: a name so written, before no noun, after a word that gives someone one."""
    bare = _BARE_POSSESSIVE.match(text, end)
    if key not in _BARE or bare is None:
        return False
    if bare["next"] and bare["next"].lower() not in english_stop_words():
        return False
    return _GIVES_CONDITION.search(text, max(0, start - _CUE_REACH), start) is not None
