"""Which texts, and which sentences of them, need NER: a cheap test that lets text with no
possible name, place or dated day skip spaCy, the slowest part of PII detection. Pure
Python, no models.

NER contributes PERSON, LOCATION (and facilities) and DATE spans that pin a day. The test
sends a text to NER when it holds a capitalised word that could start a name, a day-dated
phrase, or a sign that names may be written in lower case. Within a text that needs NER,
only the runs of sentences that pass the same test go through it (``ner_pieces``): spaCy's
NER reads a few words either side of a token, so a sentence read alone gets the entities it
gets inside its text. Every rule errs towards NER: a needless NER call costs time, a skipped
name would leak.
"""

from __future__ import annotations

import re

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.keep import LOCATION_AMBIGUOUS
from mhds.steps.pii.keep_terms import (
    DIAGNOSES,
    INSTRUMENTS,
    MEDICATIONS,
    MODALITIES,
    RELATIONS,
)
from mhds.steps.pii.lexicon import (
    NAME_LIKE_STOP_WORDS,
    english_stop_words,
    has_digit,
    is_name_like,
)
from mhds.steps.pii.name_cues import in_person_slot, starts_sentence
from mhds.steps.pii.pattern_sources import MONTH

#: Words that open sentences in conversation and never start a name ("Thank you.", "Let's
#: try ..."), besides spaCy's English stop words. Words that are also given names (Hope,
#: Grace, Will, May, Mark, Sue ...) are deliberately absent.
SENTENCE_STARTERS: frozenset[str] = frozenset(
    {
        "absolutely", "actually", "agreed", "alright", "anyways", "apparently", "ask", "asking",
        "awesome", "basically", "breathe", "clearly", "come", "consider", "cool", "definitely",
        "especially", "exactly", "feel", "feeling", "felt", "finally", "fine", "focus",
        "fortunately", "generally", "good", "great", "hello", "hey", "hi", "hmm", "honestly",
        "hopefully", "imagine", "instead", "interesting", "keeping", "kind", "know", "knowing",
        "lastly", "lately", "let", "lets", "life", "like", "listen", "look", "luckily", "mainly",
        "maybe", "nah", "nearly", "need", "nice", "nope", "normally", "notice", "obviously", "oh",
        "ok", "okay", "overall", "people", "perfect", "personally", "plan", "pretty", "probably",
        "recently", "remember", "right", "sadly", "second", "seriously", "sleep", "someday",
        "sorry", "sort", "sounds", "start", "starting", "stop", "stopping", "sure", "talk",
        "talking", "tell", "telling", "thank", "thanks", "things", "think", "thinking", "thought",
        "today", "tomorrow", "tonight", "totally", "tried", "true", "truly", "try", "trying",
        "typically", "uh", "um", "understandable", "unfortunately", "usually", "want", "wish",
        "wo", "ai", "work", "wow", "write", "yeah", "yep", "yes", "yesterday",
    }
)  # fmt: skip
#: Calendar words that date no day and are not given names (April, June ... are both).
_CALENDAR = frozenset(
    {
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
        "january", "february", "march", "september", "october", "november", "december",
    }
)  # fmt: skip
# The engine's day-date filter (engine._DAY_DATE) without word boundaries: a superset, so any
# text holding an NER DATE the engine would keep matches it.
_DATE_CUE = re.compile(
    rf"(?:{MONTH})\.?\s*\d|\d\s*(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTH})"
    r"|\d[/.\-]\d{1,2}[/.\-]\d",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_][\w'’\-]*")
_SUFFIX = re.compile(r"(?:['’](?:s|re|ve|ll|d|m)|n['’]t)$", re.IGNORECASE)
_SENTENCE_END = frozenset(".!?…:\n")
_LEAD_IN = frozenset(" \t\r\xa0\"'“‘([{*-•–—>")
# Writers who do not capitalise: a lower-case "i" pronoun, or a sentence opening in lower case.
_CASUAL = re.compile(
    r"(?<![\w'’.])(?:i|im|i['’](?:m|ve|d|ll))(?![\w'’]|\.\w)|^\W*[a-z]|[.!?]\s+[a-z]"
)
# Phrases that introduce a name or a place; spaCy tags lower-case names after them.
_LOWER_CUES = re.compile(
    r"\bnames?(?:\s+(?:is|was)|['’]s)\b|\bnamed\b|\bcalled\b|\bcall(?:s|ed)?\s+(?:me|him|her)\b"
    r"|\bgoes\s+by\b|\bknown\s+as\b|\bnick(?:named?)?\b"
    r"|\b(?:dr|mr|mrs|ms|mx|miss|prof)\.?\s+[a-z]"
    r"|\b(?:i['’]?m|i\s+am|this\s+is|it['’]?s)\s+[a-z]+\s*(?:[,.!?;)]|$|and\b|from\b|here\b)"
    r"|\b(?:live[sd]?|living|moved?|moving|grew\s+up|born|raised|visit(?:ed|ing)?|"
    r"relocat\w*|fl(?:y|ew)|drove|trip)\s+(?:in|to|from|at|near|back\s+to)\b",
    re.IGNORECASE,
)
_RELATION = (
    r"aunt|auntie|bf|boss|boyfriend|brother|coach|counselor|cousin|coworker|dad|daughter|doctor"
    r"|ex|father|fiance|fiancee|friend|gf|girlfriend|grandfather|grandma|grandmother|grandpa"
    r"|husband|mom|mother|mum|neighbor|neighbour|nephew|niece|partner|roommate|sister|son"
    r"|sponsor|teacher|therapist|uncle|wife"
)
# A word that may be a lower-case name or place, after a greeting or sign-off ("hi sarah"),
# at the end of a sentence after a comma ("thanks so much, john."), after a title or a
# relation ("doctor yuki", "my son jacob"), after "told"/"texted"/"met" ..., or between "the"
# and a facility word ("the pittsburgh office"). A cue unless that word is a stop word.
_NAME_SLOT = re.compile(
    r"\b(?:hi|hey|hello|dear|thanks|thank\s+you)(?:\s*,\s*|\s+)([a-z]+)"
    r"|\b(?:love|bye|cheers|regards|xoxo|best)\s*,\s*([a-z]+)"
    r"|,\s*([a-z]+)\s*[.!?]+(?:\s|$)"
    r"|\b(?:doctor|nurse|pastor|coach|officer|judge|professor|aunt|auntie|uncle|grandma|grandpa)"
    r"\s+([a-z]+)"
    rf"|\b(?:my|our|his|her|their|your)\s+(?:{_RELATION})\s+([a-z]+)"
    r"|\b(?:told|tell|texted|text|asked|met|saw|married|marry|dating|dated|hugged)\s+([a-z]+)"
    r"|\bthe\s+([a-z]+)\s+(?:office|hospital|clinic|center|centre|school|campus|branch)\b",
    re.IGNORECASE,
)


# Where a sentence ends: after ., !, ? or … (and closing quotes or brackets) and white
# space, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”’)\]]*[^\S\n]+|[^\S\n]*\n\s*")
# Words a full stop follows inside a sentence: titles, initials, common abbreviations.
_ABBREVIATION = re.compile(
    r"(?:\b(?:dr|mr|mrs|ms|mx|prof|st|mt|jr|sr|vs|etc|no|ave|rd|dept|e\.g|i\.e|u\.s|approx)"
    r"|\b[A-Za-z])\.$",
    re.IGNORECASE,
)


class NERPrefilter:
    """Decides whether a text can hold something only NER would find.

    Args:
        config: ``extra_keep_terms`` join the clinical words that never make a text need NER.
    """

    def __init__(self, config: PIIConfig) -> None:
        self._stop_words = english_stop_words() - NAME_LIKE_STOP_WORDS
        clinical = MEDICATIONS | INSTRUMENTS | MODALITIES | DIAGNOSES | RELATIONS
        single = clinical | {t.lower() for t in config.extra_keep_terms}
        # Terms kept whatever NER calls them; one-word terms only ("Beck" of "Beck Depression
        # Inventory" is a surname) and never a word that is also a place ("Columbia").
        self._kept = (
            frozenset(_key(t) for t in single if " " not in t and t not in LOCATION_AMBIGUOUS)
            | _CALENDAR
        )

    def needs_ner(self, text: str) -> bool:
        """Whether ``text`` must go through NER (False only when NER cannot add a span)."""
        return self._needs_ner(text, 0, len(text))

    def _needs_ner(self, text: str, start: int, end: int) -> bool:
        """``needs_ner`` for the part ``start:end`` of ``text``; whether a word opens a
        sentence is judged in the whole text."""
        part = text[start:end]
        digits = has_digit(part)  # every day-dated phrase has one: the date cue needs it
        if _CASUAL.search(part) or (digits and _DATE_CUE.search(part)) or _LOWER_CUES.search(part):
            return True
        for slot in _NAME_SLOT.finditer(part):
            word = next(group for group in slot.groups() if group)
            if word.casefold() not in self._stop_words:
                return True
        # A number makes an address possible: NER may read a place in it whatever the case of
        # its words, so no capitalised word is waved through as a sentence's ordinary opener.
        openers = not digits
        for match in _WORD.finditer(text, start, end):
            word = match.group()
            if word[0].isupper() and not self._is_exempt(text, match.start(), word, openers):
                return True
        return False

    def ner_pieces(self, text: str) -> list[tuple[int, int]]:
        """The ``(start, end)`` runs of consecutive sentences of ``text`` that need NER
        (``needs_ner`` on each sentence). The whole text when its writer does not capitalise:
        names may then be in lower case in any sentence."""
        if _CASUAL.search(text):
            return [(0, len(text))]
        pieces: list[tuple[int, int]] = []
        adjacent = False
        for start, end in sentences(text):
            if not self._needs_ner(text, start, end):
                adjacent = False
            elif adjacent:
                pieces[-1] = (pieces[-1][0], end)
            else:
                pieces.append((start, end))
                adjacent = True
        return pieces

    def _is_exempt(self, text: str, start: int, word: str, openers: bool) -> bool:
        stem = _SUFFIX.sub("", word).casefold()
        if stem == "i" or _key(stem) in self._kept or _key(word) in self._kept:
            return True
        if stem in self._stop_words or stem in SENTENCE_STARTERS:
            return stem not in NAME_LIKE_STOP_WORDS and _is_sentence_start(text, start)
        # An ordinary word that opens a sentence ("Crying", "Therapy", "Best"): the engine
        # drops NER's reading of it as a name unless a person's slot comes before it
        # (``ner_filters.could_be_a_name``), so it alone gives NER nothing to add. "Opens a
        # sentence" as the engine judges it (``name_cues.starts_sentence``).
        return (
            openers
            and starts_sentence(text, start)
            and not is_name_like(word, sentence_start=True)
            and not in_person_slot(text, start)
        )


def sentences(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each sentence of ``text`` (white space between them left out):
    split after a sentence-ending mark followed by white space, or at a line break, but not
    after a title, an initial or a common abbreviation ("Dr. Ruiz", "J. K. Rowling")."""
    found: list[tuple[int, int]] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        inside = "\n" not in boundary.group()
        if inside and _ABBREVIATION.search(text, max(0, boundary.start() - 8), boundary.start()):
            continue
        if boundary.start() > start:
            found.append((start, boundary.start()))
        start = boundary.end()
    if start < len(text):
        found.append((start, len(text)))
    return found


def _is_sentence_start(text: str, start: int) -> bool:
    """Whether only quotes, brackets, bullets and spaces stand between ``start`` and the text
    start, a line break or a sentence-ending mark."""
    index = start - 1
    while index >= 0 and text[index] in _LEAD_IN:
        index -= 1
    return index < 0 or text[index] in _SENTENCE_END


def _key(term: str) -> str:
    return "".join(c for c in term.casefold() if c.isalnum())
