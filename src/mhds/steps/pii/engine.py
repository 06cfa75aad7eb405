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
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.echo import ADDRESS_CATEGORIES, echo_names
from mhds.steps.pii.keep import KeepList
from mhds.steps.pii.lexicon import other_stop_words
from mhds.steps.pii.name_cues import is_place_name
from mhds.steps.pii.ner import NerModel, NerResult, ner_results
from mhds.steps.pii.ner_filters import (
    clip_at_credentials,
    could_be_a_name,
    places_after_place_words,
    self_named,
    trim_span,
    without_other_names,
)
from mhds.steps.pii.pattern_sources import MONTH
from mhds.steps.pii.patterns import PatternRecognizers
from mhds.steps.pii.platforms import load_suffix_list
from mhds.steps.pii.prefilter import NERPrefilter
from mhds.steps.pii.spans import Category, Span, resolve_overlaps
from mhds.steps.pii.urls import address_key

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
#: A line of an NER span, or a part of it between quotation marks: NER reads "Kathy
#: Labriola“The Jealousy Workbook" (a closing name glued to the next quoted title) as one name.
_LINE = re.compile(r"[^\n“”«»\"]+")
#: "Center for ...", "Institute of ...": an organisation's name, not a facility that places
#: someone (a hospital, a school, a clinic named after its town).
_ORGANISATION_OF = re.compile(r"[ \t]+(?:for|of|on)[ \t]+[A-Z]")
_ORGANISATION_HEADS = frozenset({"center", "centre", "institute"})
#: A nation's or a nationwide body's name ("National Alliance on Mental Illness", "American
#: Red Cross Center"): an organisation, wherever its offices are.
_NATIONAL = re.compile(r"(?:the\s+)?(?:national|american|international|federal|u\.?s\.?)\b", re.I)
#: "your local", "the nearest": whichever place of that kind is near, so no place in particular.
_ANY_LOCAL = re.compile(r"\b(?:your|a|any|the)\s+(?:local|nearest|nearby|closest)\s+\Z", re.I)
_CUE_REACH = 24
_ESCAPED_BREAK = re.compile(r"\\[ntr]")
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
        found = without_other_names(text, found, results)
        spans.extend(places_after_place_words(text, spans, found))
        kept = self._to_redact(text, spans)
        if any(s.category is Category.CREDENTIAL for s in kept):
            kept = clip_at_credentials(text, kept)
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
            elif span.category in ADDRESS_CATEGORIES:
                public_sites.append(span)
        if not public_sites:
            return redact
        # One address, one decision: a site or an e-mail address redacted in one place is
        # redacted wherever else the text has it ("[Read the article](https://x.com/a) ...
        # my toolbox ... [Continue Reading](https://x.com/a)"), or the kept one shows it.
        redacted = {
            address_key(text[s.start : s.end]) for s in redact if s.category in ADDRESS_CATEGORIES
        }
        again = [s for s in public_sites if address_key(text[s.start : s.end]) in redacted]
        if again:
            redact.extend(again)
            public_sites = [s for s in public_sites if s not in again]
        return [
            s for s in redact if s.category in _NEVER_PART_OF_A_PAGE or not _inside(s, public_sites)
        ]

    def find_addresses(self, text: str) -> list[Span]:
        """The links and e-mail addresses the patterns find in ``text``, kept or not."""
        return self._patterns.find_addresses(text)

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
            start, end = trim_span(text, *line.span())
            if start >= end:
                continue
            if len(lines) > 1 and is_place_name(text[start:end]):
                continue  # a country or state line of an address block: kept, as a place
            if category is not Category.DATE and not could_be_a_name(text, start, end, category):
                continue
            found = self_named(text, start, end) if category is Category.LOCATION else category
            spans.append(Span(start, end, found, float(result.score), "spacy_ner"))
        return spans


def _inside(span: Span, others: list[Span]) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


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
