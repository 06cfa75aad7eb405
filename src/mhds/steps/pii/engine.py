"""The PII detection engine: an NER-only spaCy pipeline on the sentences that need it, plus
the mhds pattern recognizers, the date and facility filters and the keep-list.

Why not plain Presidio: its default spaCy engine runs the tagger, parser and lemmatizer that
PII detection never uses (the NER of ``en_core_web_sm`` has its own tok2vec), and its regex
recognizers miss phone-shaped strings, street addresses, MRN/insurance numbers and ages.
Here spaCy loads NER only and is called directly (``ner_results`` maps its labels as
Presidio's spaCy recognizer did, with its score), texts go through ``nlp.pipe`` in batches
(optionally over several processes), and every span passes the keep-list that protects
clinical terms and public crisis resources. Texts with nothing NER could add skip it, and in
the others only the runs of sentences that could hold a name, a place or a dated day go
through it (:mod:`mhds.steps.pii.prefilter`); repeated texts are answered from a bounded cache.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mhds.steps.pii import brands, drugs, eponyms, famous, gazetteer
from mhds.steps.pii.address_terms import STREET_SUFFIXES
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.echo import echo_names
from mhds.steps.pii.gazetteer import is_city
from mhds.steps.pii.keep import KeepList
from mhds.steps.pii.keep_terms import ORGANISATION_WORDS
from mhds.steps.pii.lexicon import ACRONYM_PLURAL, is_name_like, is_ordinary, other_stop_words
from mhds.steps.pii.names import (
    PARTICLES,
    PERSON_VERB_AFTER,
    SHAPE_RECOGNIZER,
    audience_greeting,
    greets,
    in_person_slot,
    is_abstract_noun,
    is_place_name,
    is_stop_word,
    is_thing_called,
    is_title,
    listed_with,
    opens_utterance,
    reads_as_english,
    starts_sentence,
    without_glued_tail,
)
from mhds.steps.pii.ner import OTHER_NAME, NerModel, NerResult, ner_results
from mhds.steps.pii.pattern_sources import CREDENTIAL, MONTH
from mhds.steps.pii.patterns import PatternRecognizers
from mhds.steps.pii.prefilter import NERPrefilter
from mhds.steps.pii.sites import load_suffix_list
from mhds.steps.pii.spans import Category, Span, resolve_overlaps

log = logging.getLogger(__name__)

# An organisation is an identifier only when it names a facility a person can be tied to.
_FACILITY = re.compile(
    r"\b(hospital|clinic|center|centre|medical|health|school|academy|college|university|"
    r"church|prison|jail|shelter|rehab|institute|practice|pharmacy|hospice|ward)\b",
    re.IGNORECASE,
)
# An NER DATE is an identifier only when it pins a day: a month name with a number, or a
# numeric date. Bare years, weekdays, months and durations are clinical context, not PII.
_DAY_DATE = re.compile(
    rf"(\b({MONTH})\b\.?\s*\d{{1,2}}\b|\b\d{{1,2}}(st|nd|rd|th)?\s+(of\s+)?({MONTH})\b|"
    r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b)",
    re.IGNORECASE,
)
_PLACE_WORD_BEFORE = re.compile(r"\b(?:to|from|in|at|near)[ \t]+\Z", re.IGNORECASE)
#: A line of an NER span: what lies between line breaks.
#: A line, or a part of it between quotation marks: NER reads "Kathy Labriola“The Jealousy
#: Workbook" (a closing name glued to the next quoted title) as one name.
_GLUED_SENTENCE_END = re.compile(r"[a-z]+[.!?]+(?=[A-Z])")
_LINE = re.compile(r"[^\n“”«»\"]+")
#: "Center for ...", "Institute of ...": an organisation's name, not a facility that places
#: someone (a hospital, a school, a clinic named after its town).
_ORGANISATION_OF = re.compile(r"[ \t]+(?:for|of|on)[ \t]+[A-Z]")
#: Lower-case words a name may hold: the name slots' particles, and the connectors of
#: names such as "Mary of Teck", "Stratford upon Avon" or "Sankt Peter am Hart".
_NAME_PARTICLES = PARTICLES | frozenset(
    {"e", "el", "bint", "ter", "ten", "of", "the", "and", "st", "on", "upon", "am", "an", "im",
     "zu", "zum", "zur", "a", "i"}
)  # fmt: skip
_ORGANISATION_HEADS = frozenset({"center", "centre", "institute"})
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
#: A nation's or a nationwide body's name ("National Alliance on Mental Illness", "American
#: Red Cross Center"): an organisation, wherever its offices are.
_NATIONAL = re.compile(r"(?:the\s+)?(?:national|american|international|federal|u\.?s\.?)\b", re.I)
#: "your local", "the nearest": whichever place of that kind is near, so no place in particular.
_ANY_LOCAL = re.compile(r"\b(?:your|a|any|the)\s+(?:local|nearest|nearby|closest)\s+\Z", re.I)
_CUE_REACH = 24
#: Letters with full stops between them ("R.C.C.", "Ph.D"), after a comma that follows a
#: capitalised word or another such credential.
_DOTTED = re.compile(r"(?:[A-Z][a-z]?\.)+[A-Z][a-z]?\.?")
_AFTER_NAME_COMMA = re.compile(r"[A-Z][\w.'’-]*[ \t]*,[ \t]*\Z")
_MIN_CREDENTIAL_LETTERS = 3
#: Acronyms of three to five letters that NER reads as a place are not one, but for these.
_MIN_ACRONYM, _MAX_ACRONYM = 3, 5
_CITY_ACRONYMS = frozenset({"NYC", "DFW", "ATL", "PHX", "PDX", "SLC", "OKC", "NOLA"})
_WORD_PIECE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_GLUE = re.compile(r"[a-z][)\].!?;:,¿¡]*[A-Z]|[a-z][)\].!?;:,¿¡]*[0-9]|[a-z][)\].!?;:,¿¡]+[a-z]")
_ESCAPED_BREAK = re.compile(r"\\[ntr]")
_CAPITALISED = re.compile(r"\b[A-Z]")
#: Found inside a kept public page's address, still redacted: an e-mail address or a secret
#: in a query string is someone's, whatever the page.
_NEVER_PART_OF_A_PAGE = frozenset({Category.EMAIL, Category.CREDENTIAL})
_PRESIDIO_TO_CATEGORY = {
    "PERSON": Category.PERSON,
    "LOCATION": Category.LOCATION,
    "DATE_TIME": Category.DATE,
}


@dataclass
class AnalysisCounts:
    """What ``analyze_batch`` did with the texts it was given, summed over calls.

    Attributes:
        texts: texts asked for (``cached + skipped + ner``).
        cached: answered from the cache or by an identical text earlier in the same call.
        skipped: analysed by patterns only, the prefilter found nothing for NER.
        ner: analysed with NER (each distinct text of a call once).
    """

    texts: int = 0
    cached: int = 0
    skipped: int = 0
    ner: int = 0


class PIIEngine:
    """Detects identifiers in text.

    ``strict=True`` on a call widens the patterns for the residual pass over redacted text;
    both passes share one loaded model. ``counts`` tells how texts were answered.
    """

    def __init__(self, config: PIIConfig | None = None) -> None:
        self.config = config or PIIConfig()
        self.counts = AnalysisCounts()
        self._ner: NerModel | None = None
        self._prefilter: NERPrefilter | None = None
        self._cache = _SpanCache(self.config.ner_cache_size)
        self._patterns = PatternRecognizers(self.config, strict=False)
        self._strict_patterns = PatternRecognizers(self.config, strict=True)
        self._keep = KeepList(self.config)
        self._wanted = frozenset(self.config.categories)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_ner"] = None  # models load again in the worker (setup)
        state["_cache"] = _SpanCache(self.config.ner_cache_size)
        return state

    def setup(self) -> None:
        """Load spaCy (NER only) and build the prefilter, once."""
        if self._ner is None:
            self._ner = NerModel.load(self.config)
            gazetteer.load()  # the tables a text may need, read now rather than mid-batch
            eponyms.load()
            brands.load()
            famous.load()
            drugs.load()
            load_suffix_list()
            other_stop_words()
        if self._prefilter is None and self.config.ner_prefilter:
            self._prefilter = NERPrefilter(self.config)

    def analyze(self, text: str, *, strict: bool = False) -> list[Span]:
        """Spans of identifiers in ``text``, non-overlapping, sorted by start."""
        return next(iter(self.analyze_batch([text], strict=strict)))

    def analyze_batch(self, texts: Iterable[str], *, strict: bool = False) -> Iterator[list[Span]]:
        """Analyze many texts with batched (and optionally multi-process) NER, in order.

        Each distinct text is analysed once per call, and not at all when the cache holds it;
        only texts the prefilter passes go through NER. Every yielded list is a new list.
        """
        self.setup()
        batch = [str(text) for text in texts]
        unique = list(dict.fromkeys(batch))
        found: dict[str, tuple[Span, ...]] = {}
        for_ner: list[str] = []
        skipped = 0
        for text in unique:
            cached = self._cache.get((text, strict))
            if cached is not None:
                found[text] = cached
            elif self._prefilter is None or self._prefilter.needs_ner(text):
                for_ner.append(text)
            else:
                spans = self.analyze_patterns(text, strict=strict)
                found[text] = self._remember(text, strict, spans)
                skipped += 1
        for text, spans in zip(for_ner, self._analyze_with_ner(for_ner, strict), strict=True):
            found[text] = self._remember(text, strict, spans)
        self.counts.texts += len(batch)
        self.counts.ner += len(for_ner)
        self.counts.skipped += skipped
        self.counts.cached += len(batch) - len(for_ner) - skipped
        for text in batch:
            yield list(found[text])

    def _remember(self, text: str, strict: bool, spans: list[Span]) -> tuple[Span, ...]:
        frozen = tuple(spans)
        self._cache.put((text, strict), frozen)
        return frozen

    def _analyze_with_ner(self, texts: list[str], strict: bool) -> Iterator[list[Span]]:
        """Each text's spans, NER run on the pieces of it that need NER (``ner_pieces``: the
        runs of sentences the prefilter passes; the whole text with the prefilter off), all
        pieces of all texts batched through ``NerModel.pipe``."""
        if not texts:
            return
        ner = self._ner
        if ner is None:  # pragma: no cover - setup either set it or raised
            raise RuntimeError("PII NER model failed to load")
        unescaped = [unescape_breaks(text) for text in texts]
        pieces = [
            (index, start, end)
            for index, text in enumerate(unescaped)
            for start, end in self._ner_pieces(text)
        ]
        docs = ner.pipe(
            (unescaped[index][start:end] for index, start, end in pieces),
            batch_size=self.config.batch_size,
            n_process=self.config.n_process,
        )
        waiting = iter(zip(pieces, docs, strict=True))
        piece = next(waiting, None)
        for index, text in enumerate(unescaped):
            results: list[NerResult] = []
            while piece is not None and piece[0][0] == index:
                (_, offset, _), doc = piece
                results += ner_results(doc, offset)
                piece = next(waiting, None)
            yield self._finish(text, results, strict)

    def _ner_pieces(self, text: str) -> list[tuple[int, int]]:
        if self._prefilter is None:
            return [(0, len(text))]
        return self._prefilter.ner_pieces(text)

    def analyze_patterns(self, text: str, *, strict: bool = False) -> list[Span]:
        """Like ``analyze`` without the NER model: patterns, keep-list and merging only.

        The residual pass uses it for text the first pass left unchanged: NER is
        deterministic, so on identical text it would only repeat what the first pass saw.
        """
        return self._finish(text, [], strict)

    def _finish(self, text: str, results: list[Any], strict: bool) -> list[Span]:
        text = unescape_breaks(text)
        spans = [s for r in results for s in self._from_ner(text, r)]
        found = (self._strict_patterns if strict else self._patterns).find(text)
        found = _without_other_names(text, found, results)
        spans.extend(_places_after_place_words(text, spans, found))
        kept = self._to_redact(text, spans)
        if any(s.category is Category.CREDENTIAL for s in kept):
            kept = _clip_ner_at_credentials(text, kept)
        # A name found once in a text is that name wherever else the text has it.
        return self.without_kept_echoes(text, echo_names([text], [resolve_overlaps(kept)])[0])

    def _to_redact(self, text: str, spans: list[Span]) -> list[Span]:
        """The spans of wanted categories and enough score that the keep-list does not spare,
        without what lies inside a spared public page's address ("?qid=1471479801")."""
        redact: list[Span] = []
        public_sites: list[Span] = []
        for span in spans:
            if span.category not in self._wanted or span.score < self._threshold(span):
                continue
            if not self._keep.keeps(text, span):
                redact.append(span)
            elif span.category in (Category.URL, Category.EMAIL):
                public_sites.append(span)
        if not public_sites:
            return redact
        return [
            s for s in redact if s.category in _NEVER_PART_OF_A_PAGE or not _inside(s, public_sites)
        ]

    def without_kept_echoes(self, text: str, spans: list[Span]) -> list[Span]:
        """``spans`` without the echoes (``echo_names``) that the keep-list spares: a name
        echoed onto a public resource's name ("Gottman" of "Gottman's books") stays."""
        return [
            s for s in spans if s.recognizer != "conversation_echo" or not self._keep.keeps(text, s)
        ]

    def _threshold(self, span: Span) -> float:
        return self.config.ner_threshold if span.recognizer == "spacy_ner" else 0.0

    @staticmethod
    def _from_ner(text: str, result: Any) -> list[Span]:
        """Our spans of one NER result: one per line it covers (NER reads "Laurence Roger",
        a blank line and "6729 Hernandez Crossing" as one place) and per part between
        quotation marks, each a possible name."""
        entity = result.entity_type
        surface = text[result.start : result.end]
        if entity == "ORGANIZATION":
            facility = _FACILITY.search(surface)
            if (
                facility is None
                or (
                    facility[1].lower() in _ORGANISATION_HEADS
                    and _ORGANISATION_OF.match(surface, facility.end())
                )
                or _NATIONAL.match(surface)
            ):
                # "Centre for Clinical Interventions", "The National Sexual Violence Resource
                # Center": an organisation, not a place
                return []
            entity = "LOCATION"
        if entity in ("ORGANIZATION", "LOCATION") and _ANY_LOCAL.search(
            text, max(0, result.start - _CUE_REACH), result.start
        ):
            return []  # "your local VA Medical Clinic": any such place, not one
        if entity == "DATE_TIME" and not _DAY_DATE.search(surface):
            return []
        category = _PRESIDIO_TO_CATEGORY.get(entity)
        if category is None:
            return []
        spans = []
        lines = list(_LINE.finditer(text, result.start, result.end))
        for line in lines:
            start, end = _trim(text, *line.span())
            if start >= end:
                continue
            if len(lines) > 1 and is_place_name(text[start:end]):
                continue  # a country or state line of an address block: kept, as a place
            if category is not Category.DATE and not _could_be_a_name(text, start, end, category):
                continue
            found = _self_named(text, start, end) if category is Category.LOCATION else category
            spans.append(Span(start, end, found, float(result.score), "spacy_ner"))
        return spans


def _self_named(text: str, start: int, end: int) -> Category:
    """An NER place right after "I'm" that no city bears is the writer's name ("Hi, I'm
    Amelia!"; not "I am Boston based")."""
    if _SELF_NAMED.search(text, 0, start) is None or is_city(text[start:end]):
        return Category.LOCATION
    return Category.PERSON


def _could_be_a_name(text: str, start: int, end: int, category: Category) -> bool:
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


def _without_other_names(text: str, found: list[Span], results: list[Any]) -> list[Span]:
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


def _inside(span: Span, others: list[Span]) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


def _places_after_place_words(text: str, ner: list[Span], found: list[Span]) -> list[Span]:
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
                or greets(text, span.start)  # "Hi Montreal,": the asker's town as their name
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


def unescape_breaks(text: str) -> str:
    """``text`` with JSON- or code-escaped line breaks and tabs read as white space, offsets
    unchanged: a backslash-n becomes a space and a line break, backslash-t and backslash-r two
    spaces. Scraped text often holds them ("Kristin Fuerst\\n\\n28792 Albert St"), and NER
    and the patterns would read "Fuerst\\n\\n28792" as one word."""
    if "\\" not in text:
        return text
    return _ESCAPED_BREAK.sub(lambda m: " \n" if m[0] == "\\n" else "  ", text)


class _SpanCache:
    """The spans of recently analysed ``(text, strict)`` keys, least recently used dropped.

    Values are tuples of frozen spans, so no caller can change what a later one gets.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, bool], tuple[Span, ...]] = OrderedDict()

    def get(self, key: tuple[str, bool]) -> tuple[Span, ...] | None:
        spans = self._items.get(key)
        if spans is not None:
            self._items.move_to_end(key)
        return spans

    def put(self, key: tuple[str, bool], spans: tuple[Span, ...]) -> None:
        if self._size == 0:
            return
        self._items[key] = spans
        self._items.move_to_end(key)
        if len(self._items) > self._size:
            self._items.popitem(last=False)


def _clip_ner_at_credentials(text: str, spans: list[Span]) -> list[Span]:
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
    start, end = _trim(text, start, end)
    if start >= end or not _CAPITALISED.search(text, start, end):
        return []
    return [Span(start, end, span.category, span.score, span.recognizer)]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
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
