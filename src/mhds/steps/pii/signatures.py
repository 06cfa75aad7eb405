"""The name that signs a text off at its very end, and the practice after it: after a closing
("Warmly,\nOrsolya", "Hope this helps, C", "In solidarity,-Lindsey"), a tilde or a dash ("...
who you want to be! ~Mark"), or a sentence's end ("... your love life. Mirella~Image and
Likeness Counseling"); with credentials after commas ("Robin J. Landwehr, DBH, LPC") and the
writer's own sites or numbers after it. The name slots (:mod:`mhds.steps.pii.names`) add these
spans; the famous-people rule and the site rules ask whether a word signs a text off.
"""

from __future__ import annotations

import re

from mhds.steps.pii.lexicon import is_name_like, is_ordinary
from mhds.steps.pii.name_cues import (
    CUE_REACH,
    FULL_NAME,
    LEADING_WORDS,
    STRONG,
    TITLES,
    is_place_name,
    stop_words,
)
from mhds.steps.pii.pattern_sources import CLOSING, CLOSING_MARKS
from mhds.steps.pii.spans import Category, Span

#: A closing before a signature ("Warmly,", "Hope this helps,", "Be well.", "Thank you 😁").
#: (glued on by a missing space too: "...left in ManhattanHope that helps C")
_CLOSED = (
    rf"(?:\b|(?<=[a-z])(?=[A-Z])){CLOSING}[ \t\xa0]*[,.!:;~-]*[ \t\xa0]*{CLOSING_MARKS}(?:\n|\\n)?"
    r"[ \t\xa0~-]*"
)
_CLOSING = re.compile(_CLOSED + r"\Z")
_SIGNATURE_REACH = 200
#: A sentence's end before a signature that no closing introduces ("... love life. Mirella"),
#: not a line break alone (the last line of an address block is no signature).
_AFTER_SENTENCE = re.compile(r"(?:[a-z)][\"'”’]?[.!?][\"'”’)]*[ \t\xa0]*|(?:\n|\\n)[ \t\xa0]*)\Z")
#: One capital letter alone at a text's end after a sentence: an initial that signs it (not the
#: words "A" and "I").
_LONE_INITIAL = re.compile(r"[B-HJ-Z]\.?")
#: A tilde right before a name at a text's end signs it ("... who you want to be! ~Mark"), and
#: so does a dash after a sentence's end ("... throughout the day. -IJP"; a dash at a line's
#: start is a list's bullet).
_SIGN_MARK = re.compile(r"(?:^|[.!?\s])[ \t\xa0]*~[ \t\xa0]*\Z|[.!?][ \t\xa0]*[-–—][ \t\xa0]*\Z")
#: A credential after a signature: two capitals or more ("LPC", "PhD", "M.Ed.").
_CREDENTIAL = r"(?=[A-Za-z.-]*[A-Z][a-z.-]*[A-Z])[A-Z][A-Za-z.-]{1,7}"
#: A word of a signature's name; a web address glued on ("Lewiswww.x.com") is not of it.
_NAME_TOKEN = r"[A-Z](?:(?!www\.|https?:)[^\W\d_])*(?:['’-][^\W\d_]+)*\.?"
#: A signature at a text's end: a name (or an initial), then credentials after commas
#: ("Robin J. Landwehr, DBH, LPC") or a practice after "~", "|" or a dash, then the writer's
#: sites or numbers.
_CONTACT = (
    r"(?:(?:https?://|www\.)\S+|[\w.+-]+@\S+|[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\S*"
    r"|\+?\(?(?:\d[().\s-]*){9,}\d)"  # a phone number: ten digits or more, not a postcode
)
#: The writer's own sites, addresses or numbers that may follow a signature, bare or in
#: brackets, glued or not ("~Mark (www.x.com and www.y.org)", "Earl Lewiswww.x.com").
_CONTACTS = (
    rf"(?:[ \t\xa0]*\(?[ \t\xa0]*{_CONTACT}"
    rf"(?:[ \t\xa0]*(?:,|&|\||and)?[ \t\xa0]*{_CONTACT})*[ \t\xa0]*\)?)?"
)
#: A lower-case name, one or two words, after a closing at a text's end, with credentials and
#: sites after it ("Peace - keith", "Kindly-keith hughes M.A.  keithcounseling.com").
_LOWER_SIGNED = re.compile(
    _CLOSED + r"(?P<name>[a-z][a-z'’-]{1,30}(?:[ \t][a-z][a-z'’-]{1,30})?)"
    rf"(?:[ \t\xa0]*,?[ \t\xa0]*{_CREDENTIAL})*{_CONTACTS}[ \t\xa0.!]*\Z"
)
_SIGNED = re.compile(
    rf"(?<![\w'’])(?<!\w-)(?P<name>{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{0,3}})"
    rf"(?:(?:[ \t\xa0]*,[ \t\xa0]*{_CREDENTIAL})+"
    r"|[ \t\xa0]*(?:[~|–—]|[ \t]-[ \t])[ \t\xa0]*(?P<practice>[A-Z][^\n]{0,79}?))?"
    rf"{_CONTACTS}[ \t\xa0.!~]*\Z"
)
#: The last word of a practice's name ("Image and Likeness Counseling", "Oak Tree Therapy").
_PRACTICE_END = re.compile(
    r"(?i:\b(?:counseling|counselling|therapy|psychotherapy|psychology|wellness|services"
    r"|practice|associates|center|centre|clinic|group|llc|pllc|inc)\.?)[ \t\xa0.!]*\Z"
)


def signature_spans(text: str) -> list[Span]:
    """The name that signs a text off at its very end, with the practice after it: after a
    closing ("Hope this helps, C", "In solidarity,-Lindsey") any capitalised word or an
    initial (``STRONG``); after a sentence's end, name-like words ("... your love life.
    Mirella~Image and Likeness Counseling": ``FULL_NAME``). A practice after "~", "|" or a
    dash that ends in a practice noun is a place of work (LOCATION)."""
    match = _SIGNED.search(text, max(0, len(text) - _SIGNATURE_REACH))
    if match is None:
        return _lower_case_signature(text)
    words = match["name"].replace(".", " ").split()
    start, end = match.span("name")
    while len(words) > 1 and words[0].lower() in TITLES:  # "Warmly, Dr. Ana Ruiz"
        start = text.index(words[1], start + len(words[0]))
        words = words[1:]
    score = _signed_score(text, match, words)
    if not score:
        return _lower_case_signature(text)  # "Kindly-keith hughes M.A.": not "M.A."
    if len(words[-1]) > 1:
        end = len(text[:end].rstrip("."))  # "Mireille." ends a sentence
    found = [Span(start, end, Category.PERSON, score, "name_slot_regex")]
    practice = match["practice"]
    if practice and _PRACTICE_END.search(practice):
        start, end = match.span("practice")
        end = start + len(practice.rstrip(" \t\xa0.!"))
        found.append(Span(start, end, Category.LOCATION, score, "name_slot_regex"))
    return found


def _signed_score(text: str, match: re.Match[str], words: list[str]) -> float:
    """How sure a text's last words are its signature: ``STRONG`` after a closing or a tilde,
    or with a tilde after them ("... and your daughter, Mirella~"), unless they are a stop word;
    ``FULL_NAME`` for name-like words or one initial after a sentence's end ("... your love
    life. Mirella", "... the people around you. C"); 0 otherwise."""
    before = max(0, match.start() - CUE_REACH)
    if (
        _CLOSING.search(text, before, match.start()) is not None
        or _SIGN_MARK.search(text, before, match.start()) is not None
        or (not match["practice"] and match[0].rstrip(" \t\xa0.!").endswith("~"))
    ):
        first = words[0].lower()
        return 0.0 if first in stop_words() or first in LEADING_WORDS else STRONG
    if not _AFTER_SENTENCE.search(text, before, match.start()):
        return 0.0
    if len(words) == 1 and _LONE_INITIAL.fullmatch(words[0]) is not None:
        return FULL_NAME
    named = any(is_name_like(w, sentence_start=i == 0) for i, w in enumerate(words) if len(w) > 1)
    return FULL_NAME if named and not is_place_name(" ".join(words)) else 0.0


def _lower_case_signature(text: str) -> list[Span]:
    """A name written in lower case after a closing at a text's very end ("Peace - keith",
    "Kindly-keith hughes M.A."): one or two words that are no English words ("Peace - love"
    is none)."""
    match = _LOWER_SIGNED.search(text, max(0, len(text) - _SIGNATURE_REACH))
    if match is None or any(is_ordinary(w) or w in stop_words() for w in match["name"].split()):
        return []
    return [Span(*match.span("name"), Category.PERSON, STRONG, "name_slot_regex")]


def signs_off(text: str, start: int) -> bool:
    """Whether the word at ``start`` is in the name that signs the text off (``signature_spans``:
    "Warmly, Dr. Ana Ruiz", "... your love life. Mirella")."""
    if start < len(text) - _SIGNATURE_REACH:
        return False
    return any(
        s.start <= start < s.end for s in signature_spans(text) if s.category is Category.PERSON
    )
