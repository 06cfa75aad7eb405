"""Capitalised words that name no one, whichever recognizer reads them as a name or a place.

- A people, a language or a faith ("English is not my first language", "he is Australian",
  "not every Asian is a doctor", "even if one is Catholic"): ``keep_terms.PEOPLES``. Those that
  are also given names ("Christian", "German", "Irish") name a language only after a
  language's cue ("I speak German", "fluent in German", "my German isn't great"); elsewhere
  they are left to the name rules.
- Chat shorthand ("Idk what to do", "Tbh", "Holy shit", "Dont"): ``keep_terms.
  CHAT_SHORTHAND`` and ``lexicon.BARE_CONTRACTIONS``. A surname among them ("Oh") is
  shorthand only when no person's verb follows ("Oh said"); "Im" is "I'm" only where
  ``names.reads_as_i_am`` says so ("and Im done"; not "I told Im about it").
- An acronym's plural ("NTs", "the DTs", "any other FAs here?"): two to five capitals and an
  "s", with no noun right after that would make it initials' possessive ("AJs house").
- A medicine after or before its dose ("40mg Latuda with 1mg Cogentin", "Cogentin 2 mg"): no
  one is measured in milligrams.
- A holiday named for someone, as a possessive before "Day" or "Eve" ("Valentine's Day",
  "St. Patrick's Day"): ``keep_terms.NOT_NAMES`` lists them whole.

:class:`mhds.steps.pii.keep.KeepList` asks after it has ruled out a person's slot ("my son
Christian", "Dr. English"), so a word here is never one person's name there.
"""

from __future__ import annotations

import re

from mhds.steps.pii.gazetteer import is_census_name, is_given_name
from mhds.steps.pii.keep_terms import CHAT_SHORTHAND, NOT_NAMES, PEOPLES, term_key
from mhds.steps.pii.lexicon import BARE_CONTRACTIONS, EDGE_PUNCTUATION, english_stop_words
from mhds.steps.pii.name_cues import PERSON_VERB_AFTER, after_title
from mhds.steps.pii.names import reads_as_i_am

_CUE_REACH = 40
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,5}s")
_DOSE_BEFORE = re.compile(r"(?i:\b[0-9]+(?:\.[0-9]+)?[ \t]*(?:mg|mcg|µg|ug|g|ml|iu))[ \t]+\Z")
_DOSE_AFTER = re.compile(r"[ \t]*\(?[0-9]+(?:\.[0-9]+)?[ \t]*(?i:mg|mcg|µg|ug|ml|iu)\b")
_POSSESSIVE_END = re.compile(r"['’]s?\Z")
_HOLIDAY_AFTER = re.compile(r"(?:['’]s)?[ \t]+(Day|Eve)\b")
_LANGUAGE_CUE = re.compile(
    r"(?i:\b(?:speaks?|speaking|spoke|spoken|learn(?:s|t|ed|ing)?|fluent[ \t]+in|in|native"
    r"|my|our|his|her|their|your))[ \t]+\Z"
)
_WORD_AFTER = re.compile(r"[ \t]+([a-z]+)\b")
_PEOPLE_KEYS = frozenset(term_key(t) for t in PEOPLES)
_SHORTHAND_KEYS = frozenset(term_key(t) for t in CHAT_SHORTHAND)
_HOLIDAY_KEYS = frozenset(term_key(t) for t in NOT_NAMES if t.endswith((" day", " eve")))


def names_no_one(text: str, start: int, end: int) -> bool:
    """Whether the one word at ``text[start:end]`` is a people, a language, a faith, chat
    shorthand, an acronym's plural, a medicine after its dose or a holiday's namesake."""
    word = _POSSESSIVE_END.sub("", text[start:end].strip(EDGE_PUNCTUATION))
    if not word or not word.replace("-", "").isalnum():
        return False  # one word only: "Canadian Visa" is left to the other rules
    if _ACRONYM_PLURAL.fullmatch(word):
        return _not_possessed(text, end)
    if _DOSE_BEFORE.search(text, max(0, start - _CUE_REACH), start) or _DOSE_AFTER.match(text, end):
        return True
    if after_title(text, start):
        return False  # "Mr. English", "Dr. Oh"
    key = term_key(word)
    if _is_people(key):
        return (
            not is_given_name(word)
            or _LANGUAGE_CUE.search(text, max(0, start - _CUE_REACH), start) is not None
        )
    if key == "im":
        return reads_as_i_am(text, start, end)  # "and Im done"; not "I told Im about it"
    if (key in _SHORTHAND_KEYS or key in BARE_CONTRACTIONS) and not is_given_name(word):
        return not is_census_name(word) or PERSON_VERB_AFTER.match(text, end) is None
    holiday = _HOLIDAY_AFTER.match(text, end)
    return holiday is not None and term_key(f"{key}s{holiday[1]}") in _HOLIDAY_KEYS


def _not_possessed(text: str, end: int) -> bool:
    """Whether no noun follows an acronym's "s" right after it, which would make the "s" a
    possessive without its apostrophe ("AJs house"): a stop word or no word ("the DTs.",
    "NTs that have anxiety")."""
    after = _WORD_AFTER.match(text, end)
    return after is None or after[1] in english_stop_words()


def _is_people(key: str) -> bool:
    """A people, language or faith of the table, or its plural ("Canadians", "Jews")."""
    return key in _PEOPLE_KEYS or (key.endswith("s") and key[:-1] in _PEOPLE_KEYS)
