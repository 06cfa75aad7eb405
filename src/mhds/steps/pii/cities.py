"""Cities the gazetteer (:mod:`mhds.steps.pii.gazetteer`) finds where no English place cue
stands: before a profession, as a practitioner names where they work ("Dr. Virginia Chow,
Montreal Psychologist"), and after a place word of another language, whose sentences the name
slots leave to NER ("proveo servicios en el este de Houston").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mhds.steps.pii.gazetteer import is_city
from mhds.steps.pii.keep_terms import US_STATE_NAMES
from mhds.steps.pii.spans import Category, Span

_SCORE = 0.75  # as sure as a place after an English place cue
RECOGNIZER = "city_regex"
_CITY = r"(?P<city>[A-Z][a-zà-ÿ]+(?:[ \t]+[A-Z][a-zà-ÿ]+){0,2})"
#: A city right before a practitioner's title ("Montreal Psychologist", "a Denver therapist").
_BEFORE_PROFESSION = re.compile(
    _CITY + r"[ \t]+(?i:psychologist|psychotherapist|therapist|counselor|counsellor"
    r"|psychiatrist|social[ \t]+worker|coach|clinician)s?\b"
)
#: Place words of other languages before a city ("en", "de", "desde", "à", "aus", "nach").
_FOREIGN_PLACE_WORD = re.compile(
    r"\b(?:en|de|desde|cerca[ \t]+de|à|a|au|près[ \t]+de|aus|nach|bei|em|perto[ \t]+de|da|di"
    r"|vicino[ \t]+a)[ \t]+" + _CITY
)


#: A state's name that conversation mostly uses for its city, after a place cue or a greeting,
#: or addressed at a text's, line's or sentence's start ("New York, what would it mean ...",
#: "... as a family?New York, I will be honest"): the city
#: ("especially in New York, when schedules ...", "Hi New York,"), privacy first; not
#: "upstate New York", "the state of New York", "New York State", "licensed in New York", "New
#: York and New Jersey" (a state is kept, as Safe Harbor keeps it). "New York, New York" is the
#: city and its state.
_CITY_OF_STATE_NAME = re.compile(
    r"(?:\b(?i:in|to|from|near|around|outside|visit|visited|visiting|hi|hello|hey|dear)[ \t]+"
    r"|(?:^|\n|(?<=[.!?]))[ \t]*(?=New[ \t]+York[ \t]*,))"
    r"(?P<city>New[ \t]+York)(?![ \t]+(?i:state|city)\b)(?!['’\w])"
    rf"(?![ \t]*(?:,|and|or|&)[ \t]*(?:and[ \t]+|or[ \t]+)?(?!New[ \t]+York\b)"
    rf"(?:{'|'.join(US_STATE_NAMES)})\b)"
)

#: A licence's word before "in New York" ("licensed to practice in New York"): the state.
_LICENCE_BEFORE = re.compile(r"(?i:\blicen[cs]\w*\b[^.!?\n]*\Z)")
_LICENCE_REACH = 40


def find_cities(text: str, is_english_at: Callable[[int], bool]) -> list[Span]:
    """LOCATION spans of the cities before a profession anywhere, of a state's name used for
    its city after a place cue, and of the cities after another language's place word in
    sentences that are not English (``is_english_at``)."""
    found = [_span(m) for m in _BEFORE_PROFESSION.finditer(text) if is_city(m["city"])]
    found += [
        _span(m)
        for m in _CITY_OF_STATE_NAME.finditer(text)
        if not _LICENCE_BEFORE.search(text, max(0, m.start() - _LICENCE_REACH), m.start())
    ]
    found += [
        _span(m)
        for m in _FOREIGN_PLACE_WORD.finditer(text)
        if not is_english_at(m.start("city")) and is_city(m["city"])
    ]
    return found


def _span(match: re.Match[str]) -> Span:
    return Span(*match.span("city"), Category.LOCATION, _SCORE, RECOGNIZER)
