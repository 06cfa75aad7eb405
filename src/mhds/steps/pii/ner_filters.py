"""Which of NER's spans the PII engine believes, and how far they reach.

spaCy's small English model tags capitalised clinical words, greetings, credentials and
sentences glued by a missing space as people and places. These filters run on its spans
before the keep-list: a span must be able to be a name (not an ordinary word, an acronym, a
credential or a word of another language), is trimmed at a glued sentence end and at a
credential, and a place after a place word ("to Lakewood") is a place even where NER said
person. Pure Python over the text and NER's results; no models.
"""

from __future__ import annotations

import re
from typing import Any

from mhds.steps.pii import gazetteer
from mhds.steps.pii.address_terms import STREET_SUFFIXES
from mhds.steps.pii.gazetteer import is_city
from mhds.steps.pii.keep_terms import ORGANISATION_WORDS
from mhds.steps.pii.lexicon import ACRONYM_PLURAL, is_name_like, is_ordinary, other_stop_words
from mhds.steps.pii.name_cues import (
    PARTICLES,
    PERSON_VERB_AFTER,
    audience_greeting,
    greets,
    in_person_slot,
    is_abstract_noun,
    is_stop_word,
    is_thing_called,
    is_title,
    listed_with,
    opens_utterance,
    reads_as_english,
    starts_sentence,
    without_glued_tail,
)
from mhds.steps.pii.names import SHAPE_RECOGNIZER
from mhds.steps.pii.ner import OTHER_NAME
from mhds.steps.pii.pattern_sources import CREDENTIAL
from mhds.steps.pii.spans import Category, Span

_PLACE_WORD_BEFORE = re.compile(r"\b(?:to|from|in|at|near)[ \t]+\Z", re.IGNORECASE)
#: A sentence's last word glued to the next sentence by a missing space ("it!Earl Lewis"):
#: cut from the start of an NER span.
_GLUED_SENTENCE_END = re.compile(r"[a-z]+[.!?]+(?=[A-Z])")
#: Lower-case words a name may hold: the name slots' particles, and the connectors of
#: names such as "Mary of Teck", "Stratford upon Avon" or "Sankt Peter am Hart".
_NAME_PARTICLES = PARTICLES | frozenset(
    {"e", "el", "bint", "ter", "ten", "of", "the", "and", "st", "on", "upon", "am", "an", "im",
     "zu", "zum", "zur", "a", "i"}
)  # fmt: skip
#: "I am" in the languages of ``lexicon.other_stop_words`` ("soy", "je suis", "ich bin").
_I_AM_BEFORE = re.compile(r"\b(?:soy|estoy|sou|suis|bin|sono)[ \t]+\Z", re.I)
#: A clinical credential of four letters or more ("ARNP", "LCSW"); shorter ones are initials
#: as often ("JD", "RN").
_CREDENTIAL_WORD = re.compile(rf"(?=[A-Z]{{4}})(?:{CREDENTIAL})")
#: Words of a place's name ("Falls", "Hill", "City"): USPS street suffixes and a few more.
_PLACE_WORDS = frozenset(w.lower() for w in STREET_SUFFIXES) | {
    "city", "town", "county", "bay", "church", "springs", "heights", "island"
}  # fmt: skip
#: "I'm" or "I am" right before a word: who the writer is ("Hi, I'm Amelia!"), not a place.
_SELF_NAMED = re.compile(r"\bI(?:['’]m|[ \t]+am)[ \t]+\Z")
_DETERMINER_BEFORE = re.compile(r"\b(?:the|a|an|this|that|these|those)[ \t\n]+\Z", re.I)
#: A lower-case noun right after a name, which then qualifies it ("the Bull novel").
_ATTRIBUTIVE = re.compile(
    r"['’]?s?[ \t]+(?!(?:and|or|of|in|on|to|for|with|is|are|was|were|that|which)\b)[a-z]{3,}\b"
)
_CUE_REACH = 24
#: Acronyms of three to five letters that NER reads as a place are not one, but for these.
_MIN_ACRONYM, _MAX_ACRONYM = 3, 5
#: Letters with full stops between them ("R.C.C.", "Ph.D"), after a comma that follows a
#: capitalised word or another such credential.
_DOTTED = re.compile(r"(?:[A-Z][a-z]?\.)+[A-Z][a-z]?\.?")
_AFTER_NAME_COMMA = re.compile(r"[A-Z][\w.'’-]*[ \t]*,[ \t]*\Z")
_MIN_CREDENTIAL_LETTERS = 3
_CITY_ACRONYMS = frozenset({"NYC", "DFW", "ATL", "PHX", "PDX", "SLC", "OKC", "NOLA"})
_WORD_PIECE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_GLUE = re.compile(r"[a-z][)\].!?;:,¿¡]*[A-Z]|[a-z][)\].!?;:,¿¡]*[0-9]|[a-z][)\].!?;:,¿¡]+[a-z]")
_CAPITALISED = re.compile(r"\b[A-Z]")


def self_named(text: str, start: int, end: int) -> Category:
    """An NER place right after "I'm" that no city bears is the writer's name ("Hi, I'm
    Amelia!"; not "I am Boston based")."""
    if _SELF_NAMED.search(text, 0, start) is None or is_city(text[start:end]):
        return Category.LOCATION
    return Category.PERSON


def could_be_a_name(text: str, start: int, end: int, category: Category) -> bool:
    """Whether an NER PERSON or LOCATION span could be a name. Not when it is in lower case and
    every word of it is an ordinary English word ("lesbian", "bisexual") or its sentence is not
    English (the English model's noise on other languages); nor when it is words glued across
    a missing space ("youRemember", "relationship).If", "Property;And") of which none is
    name-like. A lower-case name ("my name is sarah") stays: "sarah" is no ordinary word."""
    surface = text[start:end]
    words = _WORD_PIECE.findall(surface)
    if not words:
        return False
    if all(len(w) == 1 for w in words) and surface.islower():
        return False  # "i. e.": an abbreviation's letters
    if all(map(is_stop_word, words)):
        return in_person_slot(text, start)  # "so did I": a pronoun, echoed it would be every "I"
    english = reads_as_english(text, start)
    if not english:
        foreign = _in_other_language(text, start, surface, words, category)
        if foreign is not None:
            return foreign
    if surface.islower() or not any(c.isupper() for c in surface):
        if all(is_ordinary(w) for w in words):
            return False
        return english
    if _GLUE.search(surface):
        return any(is_name_like(w, sentence_start=True) for w in words)
    if category is Category.PERSON and any(w.islower() and w not in _NAME_PARTICLES for w in words):
        return False  # "Yo estaba": a name's words are capitalised, bar "van", "de", "bin"
    if _no_name_or_place(text, start, end, category, words):
        return False
    if (
        len(words) == 1
        and (starts_sentence(text, start) or opens_utterance(text, start))
        and (not is_name_like(words[0], sentence_start=True) or is_abstract_noun(words[0]))
    ):
        # A sentence's first word, capitalised as such ("Learn more here", "Tons of good
        # suggestions", "Nod and vocalize"), is a name only in a person's slot.
        return in_person_slot(text, start)
    return True


def _no_name_or_place(
    text: str, start: int, end: int, category: Category, words: list[str]
) -> bool:
    """What NER reads as a name or place in English text that is none: ordinary words
    (``_ordinary_words``, ``_ordinary_place_word``), credentials written with full stops after a
    name ("Avraham Cohen, Ph.D, R.C.C., C.C.C."), an acronym read as a place ("people engage in
    BDSM"), an organisation ("Quiet Ground Collective"), a title alone ("Ing.", "Sra.")."""
    surface = text[start:end]
    if category is Category.PERSON and (
        (len(words) == 1 and is_title(words[0]))  # "Ing. Hans Weber": the title alone
        or _CREDENTIAL_WORD.fullmatch(surface) is not None  # "a psychiatrist or ARNP"
        or all(ACRONYM_PLURAL.fullmatch(w) for w in words)  # "LCSWs, LPCs and LMFTs"
        or _ordinary_words(text, start, end, words)
        or (len(words) > 1 and words[-1].lower() in ORGANISATION_WORDS)
    ):
        return True
    if category is Category.LOCATION and (
        _ordinary_place_word(text, start, words) or _is_acronym(text, start, surface)
    ):
        return True
    if is_thing_called(text, start):
        return True  # "a phenomenon called the Yerkes Dodson Law"
    return _is_credential(text, start, surface)


def _is_credential(text: str, start: int, surface: str) -> bool:
    """Letters with full stops, three or more, after a comma that follows a name or another
    credential ("Cohen, Ph.D, R.C.C."; not "my friend, A.J.")."""
    letters = sum(c.isalpha() for c in surface)
    return (
        letters >= _MIN_CREDENTIAL_LETTERS
        and _DOTTED.fullmatch(surface) is not None
        and _AFTER_NAME_COMMA.search(text, max(0, start - _CUE_REACH), start) is not None
    )


def _is_acronym(text: str, start: int, surface: str) -> bool:
    """An acronym of three to five capitals that no city bears, in text that is not shouted
    ("engage in BDSM"; not "NYC", "RENO", "I MOVED TO DENVER")."""
    shaped = _MIN_ACRONYM <= len(surface) <= _MAX_ACRONYM and surface.isalpha()
    if not shaped or not surface.isupper():
        return False
    if surface in _CITY_ACRONYMS or is_city(surface.title()):
        return False
    around = text[max(0, start - _CUE_REACH) : start + len(surface) + _CUE_REACH]
    return any(c.islower() for c in around)


def _in_other_language(
    text: str, start: int, surface: str, words: list[str], category: Category
) -> bool | None:
    """Whether the English model's reading of a sentence in another language could be a name,
    or None when the rules for English decide: no name opens or ends in lower case ("de
    pánico", "Identifica la"); what follows "I am" in that language is a role, not a place
    ("soy Consejera Profesional Licenciada"); a sentence's opening word, or a run opening with
    a stop word of that language ("Aprende a ...", "Soy Miserable"), is a name only in a
    person's slot or as a city. Other places stand: a town the gazetteer does not know is
    still a town."""
    if words[0].islower() or words[-1].islower():
        return False
    if category is Category.LOCATION and _I_AM_BEFORE.search(text, max(0, start - 12), start):
        return is_city(surface)
    if (len(words) == 1 or words[0].lower() in other_stop_words()) and starts_sentence(text, start):
        return in_person_slot(text, start) or is_city(surface)
    return None


def _ordinary_words(text: str, start: int, end: int, words: list[str]) -> bool:
    """Whether an NER person is ordinary English words, not a name: capitalised ordinary words
    outside a person's slot with no person's verb after them ("Trauma Recovery", "Girl Scout";
    not "my sister Hope Long", "Hope Long told me"), or one ordinary word shouted ("that MUST
    continue") or after a determiner with no noun after it ("the Pros and Cons"; not "the Bull
    novel", which names the novel's author)."""
    if len(words) == 1:
        if not is_ordinary(words[0]):
            return False
        if words[0].isupper():
            return True
        determiner = _DETERMINER_BEFORE.search(text, max(0, start - 8), start)
        return determiner is not None and _ATTRIBUTIVE.match(text, end) is None
    return (
        all(w[0].isupper() and is_ordinary(w) and not is_name_like(w) for w in words)
        and not in_person_slot(text, start)
        and PERSON_VERB_AFTER.match(text, end) is None
    )


def _ordinary_place_word(text: str, start: int, words: list[str]) -> bool:
    """Whether an NER place is ordinary English words that no city bears and no place word
    comes before ("a Counselor, Plumber, or Mechanic"; not "moved to Reading", "in Hope"), or
    several with no word of a place's among them ("we combine Mental Health with yoga"; not
    "Falls Church", "Black Mountain", "Long Beach")."""
    if not all(is_ordinary(w) and not is_name_like(w) for w in words):
        return False
    if _PLACE_WORD_BEFORE.search(text, max(0, start - 12), start) is not None:
        return False
    if len(words) > 1:  # "Falls Church", "Park City", "Pine Hill" stay places
        return not is_city(" ".join(words)) and not any(w.lower() in _PLACE_WORDS for w in words)
    return not gazetteer.bears_a_city_name(words[0])


def without_other_names(text: str, found: list[Span], results: list[Any]) -> list[Span]:
    """``found`` without the words found by their shape alone that NER reads as something
    other than a person or a place: a group ("Christian"), a work, a product, an event, or an
    organisation ("Metallica"), unless they are listed with names ("Hegde, Mukherjee and
    Pillay", where NER reads "Mukherjee" as a product)."""
    others = [(r.start, r.end) for r in results if r.entity_type == OTHER_NAME]
    if not others:
        return found
    people = [s for s in found if s.category is Category.PERSON]
    return [
        s
        for s in found
        if s.recognizer != SHAPE_RECOGNIZER
        or not any(s.start < e and b < s.end for b, e in others)
        or listed_with(text, s, people)
    ]


def places_after_place_words(text: str, ner: list[Span], found: list[Span]) -> list[Span]:
    """A one-word name-slot PERSON after "to", "from", "in", "at" or "near" that NER reads as a
    place is a place ("driving to Albuquerque"), and so is a word found by its shape alone that
    NER reads as one, unless it is a given name no city bears; elsewhere the slot's PERSON
    stands ("had given Cettina"), as NER often calls unfamiliar given names places."""
    places = [s for s in ner if s.category is Category.LOCATION]
    if not places:
        return found
    out = []
    for span in found:
        if (
            span.recognizer in (SHAPE_RECOGNIZER, "name_slot_regex")
            and span.category is Category.PERSON
            and (
                # a word by its shape: NER tells which, unless a given name that no city bears
                (span.recognizer == SHAPE_RECOGNIZER and not _given_name_only(text, span))
                or (
                    " " not in text[span.start : span.end]
                    and _PLACE_WORD_BEFORE.search(text, max(0, span.start - 12), span.start)
                )
                # "Hi Montreal,": the asker's town as their name; not "Hi Georgia,", a name
                or (greets(text, span.start) and not _given_name_only(text, span))
            )
            and any(span.overlaps(p) for p in places)
            and not _after_a_person(text, span.start, found)  # "said Erik to Käte"
            and not listed_with(text, span, _people_not_placed(text, found, places))
        ):
            span = Span(span.start, span.end, Category.LOCATION, span.score, span.recognizer)
        out.append(span)
    return out


def _given_name_only(text: str, span: Span) -> bool:
    """Whether a word is a given name (``gazetteer.is_given_name``: "Stephen", "Monika") that
    no city bears: NER calls unfamiliar names places, and these are names."""
    surface = text[span.start : span.end]
    return gazetteer.is_given_name(surface) and not is_city(surface)


def _people_not_placed(text: str, found: list[Span], places: list[Span]) -> list[Span]:
    """The PERSON findings that neither NER nor the gazetteer reads as places: a name listed
    with them is a name too ("founders: Mazzanti, Acevedo and Carney")."""
    return [
        s
        for s in found
        if s.category is Category.PERSON
        and not any(s.overlaps(p) for p in places)
        and not is_city(text[s.start : s.end])
    ]


def _after_a_person(text: str, start: int, found: list[Span]) -> bool:
    """Whether a name found as a PERSON stands right before the word before ``start``."""
    gap = text.rfind(" ", 0, max(0, start - 1))
    return any(
        s.category is Category.PERSON and 0 <= gap - s.end <= 1 and s.end <= gap for s in found
    )


def clip_at_credentials(text: str, spans: list[Span]) -> list[Span]:
    """Cut NER spans to their parts outside credentials, keeping a part only when it holds a
    capitalised word: spaCy often reads a key with the words beside it as one entity ("keys
    <key id>"), and the union of overlaps would take those words too. A lower-case name cut
    off here is found again by the residual scan's NER, which fails the record closed."""
    credentials = [s for s in spans if s.category is Category.CREDENTIAL]
    out: list[Span] = []
    for span in spans:
        cuts = [c for c in credentials if span.recognizer == "spacy_ner" and span.overlaps(c)]
        if not cuts:
            out.append(span)
            continue
        start = span.start
        for cut in sorted(cuts):
            out.extend(_ner_piece(text, span, start, cut.start))
            start = max(start, cut.end)
        out.extend(_ner_piece(text, span, start, span.end))
    return out


def _ner_piece(text: str, span: Span, start: int, end: int) -> list[Span]:
    start, end = trim_span(text, start, end)
    if start >= end or not _CAPITALISED.search(text, start, end):
        return []
    return [Span(start, end, span.category, span.score, span.recognizer)]


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding whitespace, quotes and a possessive ``'s`` from an NER span, and the
    end of a sentence, the start of a web address or a word glued to it."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if text[start:end].endswith(("'s", "’s")):
        end -= 2
    # words glued on by a missing space: "it!Earl Lewiswww" is "Earl Lewis"
    head = _GLUED_SENTENCE_END.match(text, start, end)
    if head is not None:
        start = head.end()
    # a greeting that opens the text after a title with no full stop ("Ty Hello I know",
    # "Risperidone Withdrawal Hey all"): the name, if any, ends before it
    greeting = audience_greeting(text, start, end)
    if greeting is not None:
        end = greeting
        while end > start and not text[end - 1].isalnum():
            end -= 1
    return start, without_glued_tail(text, start, end)  # "Susan ForwardCutting Loose"
