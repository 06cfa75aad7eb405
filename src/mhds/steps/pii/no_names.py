"""Capitalised words that name no one, whichever recognizer reads them as a name or a place.

- A people, a language, a faith or a group people name themselves by ("he is Australian",
  "not every Asian is a doctor", "even if one is Catholic", "Neurodivergent people"):
  ``keep_terms.PEOPLES``, but before a person's verb ("Tamil told me"). Those that people bear
  as names (a Census given name or surname, or ``_NAMED_TOO``: "Christian", "English",
  "Finn", "Jain", "Danish") only with a language's or a people's noun after ("English
  speaker", "English is not my first language") or after a language's verb with no clause
  going on ("I speak German at home"); elsewhere they are left to the name rules ("I confided
  in Finn", "I live in Latina").
- Chat shorthand ("Idk what to do", "Tbh", "Holy shit", "Dont"): ``keep_terms.
  CHAT_SHORTHAND`` and ``lexicon.BARE_CONTRACTIONS``. A surname among them ("Oh") is
  shorthand only when no person's verb follows ("Oh said"); "Im" is "I'm" only where
  ``names.reads_as_i_am`` says so ("and Im done"; not "I told Im about it").
- An acronym's plural ("the DTs", "any other FAs here?", "SSRIs"): two to five capitals and
  an "s", with no noun right after ("AJs house") and no place word before ("at JDs"); two
  capitals only after a determiner or a quantifier ("TJs always there for me" is someone).
- A medicine after its dose, at a clause's end or before a list's joiner ("40mg Latuda with
  1mg Cogentin."): no one is measured in milligrams, but a person can hold a dose ("the 2mg
  Oluwaseun handed me"), and a Census name is left to the name rules.
- A one-word contraction NER reads as a name or a place ("isn’t"), and the kind of a warning
  ("Trigger warning").
- A holiday named for someone, as a possessive before "Day" or "Eve" ("Valentine's Day",
  "St. Patrick's Day"): ``keep_terms.NOT_NAMES`` lists them whole.

:class:`mhds.steps.pii.keep.KeepList` asks after it has ruled out a person's slot ("my son
Christian", "Dr. English"), so a word here is never one person's name there.
"""

from __future__ import annotations

import re

from mhds.steps.pii.gazetteer import is_census_name, is_given_name
from mhds.steps.pii.keep_terms import CHAT_SHORTHAND, NOT_NAMES, PEOPLES, term_key
from mhds.steps.pii.lexicon import (
    BARE_CONTRACTIONS,
    CONTRACTIONS,
    EDGE_PUNCTUATION,
    english_stop_words,
)
from mhds.steps.pii.name_cues import PERSON_VERB_AFTER, after_title
from mhds.steps.pii.names import reads_as_i_am

_CUE_REACH = 40
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,5}s")
#: Where initials' plural is someone's home ("at JDs", "went to CJs"): their possessive.
_PLACE_BEFORE = re.compile(r"(?i:\b(?:at|to|from|by|near|in|over|outside))[ \t]+\Z")
#: What makes two capitals and an "s" a plural: a determiner or a quantifier right before
#: ("the DTs", "any other FAs", "fellow NTs"); two capitals are initials as often ("AJs and
#: I", "TJs always there for me").
_PLURAL_BEFORE = re.compile(
    r"(?i:\b(?:the|any|other|fellow|some|all|many|most|few|these|those|more|no|two|three"
    r"|several))[ \t]+\Z"
)
_WORD_AFTER = re.compile(r"[ \t]+([a-z]+)\b")
_DOSE_BEFORE = re.compile(r"(?i:\b[0-9]+(?:\.[0-9]+)?[ \t]*(?:mg|mcg|µg|ug|g|ml|iu))[ \t]+\Z")
#: What may follow a medicine named after its dose: the clause's end, a list's joiner with no
#: person after it, or how often ("1mg Cogentin.", "40mg Latuda with ..."); not a verb of a
#: person who holds the dose ("the 2mg Oluwaseun handed me", "10mg Sarah gave me").
_MEDICINE_AFTER = re.compile(
    r"[ \t]*(?:[.,;:!?)/]|\Z)|[ \t]+(?:(?:and|or|with|plus)(?![ \t]+(?:I|me|we|he|she|they)\b)"
    r"|daily|twice|once|nightly|every|per|at[ \t]+night|in[ \t]+the[ \t]+morning)\b"
)
_POSSESSIVE_END = re.compile(r"['’]s?\Z")
_HOLIDAY_AFTER = re.compile(r"(?:['’]s)?[ \t]+(Day|Eve)\b")
_SAINT_BEFORE = re.compile(r"\b(St\.?|Saint)[ \t]+\Z")
#: A language's verb right before one ("I speak German", "fluent in Farsi"); not a bare "in"
#: ("I confided in Finn", "I live in Latina").
_LANGUAGE_BEFORE = re.compile(
    r"(?i:\b(?:speaks?|speaking|spoke|spoken|fluent[ \t]+in|native))[ \t]+\Z"
)
#: What follows a language so named: the clause's end, a list's joiner or where and when ("I
#: speak German at home"); not a verb ("I learned Christian had lied", "in Dane's flat").
_LANGUAGE_AFTER = re.compile(
    r"[ \t]*(?:[.,;:!?)]|\Z)|[ \t]+(?:and|or|at|with|but|too|as|well|fluently|every|now)\b"
)
#: A noun right after that only a language or a people takes ("English speaker", "Irish
#: descent", "English isn't my first language"); not nouns a person's name is put before as
#: an object ("I told Finn people like us ...", "I bought Jain food").
_PEOPLE_NOUN_AFTER = re.compile(
    r"[ \t]+(?i:speakers?|language|accent|descent|heritage|citizens?|citizenship)\b"
    r"|[ \t]+(?:is|isn['’]t|is[ \t]+not)[ \t]+(?:not[ \t]+)?(?:my|his|her|their|our)[ \t]+"
    r"(?:first|second|native|mother)[ \t]+(?:language|tongue)\b"
)
#: Peoples' and faiths' words that people bear as names or nicknames where the 1990 Census
#: does not list them ("Finn", "Jain", "Islam", "Tamil", "Danish", "Amish", "Dutch").
_NAMED_TOO = frozenset(
    {"finn", "jain", "islam", "tamil", "arab", "danish", "amish", "dutch", "aussie", "swede",
     "persian"}
)  # fmt: skip
#: Kinds of warning posts open with ("Trigger warning", "TW"): the word is the warning's.
_WARNED = frozenset({"trigger", "content", "spoiler"})
_WARNING_AFTER = re.compile(r"[ \t]+(?i:warning)\b")
#: "Holy" is an interjection only before its usual words ("Holy shit"; not "I met Holy at").
_HOLY_AFTER = re.compile(r"[ \t]+(?i:shit|crap|cow|moly|hell|fuck|heck|smokes|mother)\b")
_PEOPLE_KEYS = frozenset(term_key(t) for t in PEOPLES)
_SHORTHAND_KEYS = frozenset(term_key(t) for t in CHAT_SHORTHAND)
_HOLIDAY_KEYS = frozenset(term_key(t) for t in NOT_NAMES if t.endswith((" day", " eve")))


def names_no_one(text: str, start: int, end: int) -> bool:
    """Whether the one word at ``text[start:end]`` is a people, a language, a faith, chat
    shorthand, an acronym's plural, a medicine by its dose or a holiday's namesake."""
    raw = text[start:end].strip(EDGE_PUNCTUATION)
    if " " in raw or after_title(text, start):
        return False  # one word only ("Canadian Visa", "Jessica Moreno'll"); "Mr. English"
    if raw.lower().endswith(CONTRACTIONS):
        return True  # "isn’t", "You'll": NER reads contractions as names and places too
    word = _POSSESSIVE_END.sub("", raw)
    if not word or not word.replace("-", "").isalnum():
        return False
    if _ACRONYM_PLURAL.fullmatch(word):
        return _is_acronyms_plural(text, start, end, word)
    if _DOSE_BEFORE.search(text, max(0, start - _CUE_REACH), start) and not is_census_name(word):
        return _MEDICINE_AFTER.match(text, end) is not None  # "1mg Cogentin."
    key = term_key(word)
    if _is_people(key):
        return _names_a_people(text, start, end, key)
    if key == "im":
        return reads_as_i_am(text, start, end)  # "and Im done"; not "I told Im about it"
    if key == "holy":
        return _HOLY_AFTER.match(text, end) is not None
    if (key in _SHORTHAND_KEYS or key in BARE_CONTRACTIONS) and not is_given_name(word):
        return not is_census_name(word) or PERSON_VERB_AFTER.match(text, end) is None
    if key in _WARNED and _WARNING_AFTER.match(text, end):
        return True  # "*Trigger warning*", "Content warning:"
    return _names_a_holiday(text, start, end, key)


def _is_acronyms_plural(text: str, start: int, end: int, word: str) -> bool:
    """Whether capitals and an "s" are an acronym's plural ("the DTs.", "other FAs"), not
    initials' possessive or "is" without its apostrophe: no noun right after ("AJs house"),
    no place word right before ("at JDs"), and, for two capitals, a determiner or a
    quantifier right before ("the DTs"; not "TJs always there for me", "I miss AJs")."""
    before = text[max(0, start - _CUE_REACH) : start]
    if _PLACE_BEFORE.search(before):
        return False
    if len(word) == 3 and not _PLURAL_BEFORE.search(before):
        return False
    after = _WORD_AFTER.match(text, end)
    return after is None or after[1] in english_stop_words()


def _names_a_people(text: str, start: int, end: int, key: str) -> bool:
    """Whether a word of ``PEOPLES`` names a people, a language or a faith here. One that
    people bear as a name (a Census name, ``_NAMED_TOO``, or the plural of one, which may be a
    possessive without its apostrophe: "Christians car") does only with a language's or a
    people's noun right after ("English speaker", "Irish descent") or as a language after its
    verb with no clause going on ("I speak German at home", "fluent in Farsi.")."""
    if PERSON_VERB_AFTER.match(text, end):
        return False  # "Tamil told me"
    if not any(is_census_name(k) or k in _NAMED_TOO for k in _forms(key)):
        return True  # "Canadian", "Mormons"
    if _PEOPLE_NOUN_AFTER.match(text, end):
        return True
    before = text[max(0, start - _CUE_REACH) : start]
    return _LANGUAGE_BEFORE.search(before) is not None and (
        _LANGUAGE_AFTER.match(text, end) is not None
    )


def _names_a_holiday(text: str, start: int, end: int, key: str) -> bool:
    """Whether the word and a possessive "Day" or "Eve" after it, with "St." or "Saint"
    before it, are a holiday of ``NOT_NAMES`` ("Valentine's Day", "St. Patrick's Day")."""
    holiday = _HOLIDAY_AFTER.match(text, end)
    if holiday is None:
        return False
    saint = _SAINT_BEFORE.search(text, max(0, start - _CUE_REACH), start)
    prefix = term_key(saint[1]) if saint else ""
    return term_key(f"{prefix}{key}s{holiday[1]}") in _HOLIDAY_KEYS


def _is_people(key: str) -> bool:
    """A people, language or faith of the table, or its plural ("Canadians", "Jews")."""
    return any(k in _PEOPLE_KEYS for k in _forms(key))


def _forms(key: str) -> tuple[str, ...]:
    """A word's key, and its singular if it ends in "s" ("canadians" -> "canadian")."""
    return (key, key[:-1]) if key.endswith("s") else (key,)
