"""Brands of shops, restaurants and services named in conversation ("a Walmart parking lot", "a
Gucci bag", "coffee at Starbucks"): public names, not people or places, kept where NER or a
word's shape reads them as one.

The table (``data/brands.txt.gz``, 4,122 brands) is the name-suggestion-index's brands of the
English-speaking countries and of the whole world, less the names that people bear too (a
given name or frequent surname of the 1990 Census, alone, as a family's plural or as all of
a brand's words: "Macy's", "Millers", "Benjamin Moore") and cities' names ("Columbia");
``data/BRANDS.md`` says how, with its source and licence (BSD 3-Clause). A brand is matched
as written, case and all, with its possessive ("Chili's"). The keep-list keeps a brand only
where the words around use it as one (``used_as_brand``: "a Walmart parking lot", "at
Starbucks"), and a name in a person's slot is that person whatever brand bears it.
"""

from __future__ import annotations

import re
from functools import cache

from mhds.steps.pii.lexicon import POSSESSIVE_AFTER, STRAIGHT_APOSTROPHES, packaged_table
from mhds.steps.pii.name_cues import PERSON_VERB_AFTER

#: What stands before a brand used as one: an article and up to three lower-case words ("a
#: cute little Gucci bag"), or "at" ("at Starbucks").
_ARTICLE_BEFORE = re.compile(r"\b(?i:a|an|the)[ \t]+(?:[a-z]+[ \t]+){0,3}\Z")
_AT_BEFORE = re.compile(r"\b(?i:at)[ \t]+\Z")
#: A clause about the word before it, as said of a person ("the Zara I met", "... who texted").
_CLAUSE_AFTER = re.compile(r"[ \t]+(?:I|we|you|he|she|they|who|whom)\b")
_CUE_REACH = 40


@cache
def _brands() -> frozenset[str]:
    return frozenset(packaged_table("brands.txt.gz").splitlines())


def load() -> None:
    """Read the table now, not at the first brand a batch meets."""
    _brands()


def is_brand(name: str) -> bool:
    """Whether ``name`` ("Walmart", "Chili's") is a brand of the table, as written."""
    return name.translate(STRAIGHT_APOSTROPHES) in _brands()


def used_as_brand(text: str, start: int, end: int, run: str) -> bool:
    """Whether ``text[start:end]``, with its possessive ("Chili's") or as the capitalised
    words ``run`` around it, is a brand (``is_brand``) where the words around it use it as one:
    after an article and a few adjectives ("a Walmart parking lot", "a cute little Gucci bag")
    or right after "at" ("coffee at Starbucks", "at Chili's"), with no verb or clause of a
    person after it. People bear brands' names too ("I told Zara", "Zara said", "Smitty's
    house", "the Zara I met"), so a name alone is no brand."""
    raw = text[start:end]
    possessive = POSSESSIVE_AFTER.match(text, end) is not None
    if not (is_brand(raw) or (possessive and is_brand(raw + "'s")) or is_brand(run)):
        return False
    at = _AT_BEFORE.search(text, max(0, start - _CUE_REACH), start) is not None
    if possessive:
        return at  # "at Chili's"; not "Smitty's house", "the Swensen's"
    if _CLAUSE_AFTER.match(text, end) or PERSON_VERB_AFTER.match(text, end):
        return False  # "the Zara I met at group", "the Zara who texted me": someone
    return at or _ARTICLE_BEFORE.search(text, max(0, start - _CUE_REACH), start) is not None
