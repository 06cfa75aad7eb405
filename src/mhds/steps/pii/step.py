"""The PII step: detect, redact consistently per conversation, then prove it with an
independent, stricter residual scan of the output. Fail closed: a residual finding or a
detector error makes the record ``requires_review`` and sends it to quarantine."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import ClassVar

import msgspec

from mhds.records.hashing import compute_content_hash
from mhds.records.schema import Record
from mhds.steps.base import Outcome, RecordStep
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.echo import echo_addresses, echo_names
from mhds.steps.pii.engine import PIIEngine, unescape_breaks
from mhds.steps.pii.fields import (
    MESSAGE_KINDS,
    STANDALONE_KINDS,
    FieldText,
    record_texts,
    replace_texts,
    view_of,
)
from mhds.steps.pii.names import SHAPE
from mhds.steps.pii.redact import ConversationRedactor, Replacement
from mhds.steps.pii.spans import Category, Span

log = logging.getLogger(__name__)


class PIIReason(StrEnum):
    """Why the PII step quarantined a record."""

    RESIDUAL = "pii_residual"
    UNCERTAIN = "pii_uncertain"
    DETECTOR_ERROR = "pii_detector_error"


class PIIRedactor(RecordStep):
    """``pii_redact``: replaces identifiers in every free-text part of a record (the parts
    ``PIIConfig.fields`` names: messages, string attributes, group id, source key) and sets
    ``pii_status``.

    Counters in ``stats.counters``: ``redacted:<family>:<CATEGORY>`` per replacement,
    ``residual:<family>:<CATEGORY>`` per residual finding, ``uncertain_redacted:`` and
    ``uncertain_review:<family>:<CATEGORY>`` per uncertain span by what the ``uncertain``
    policy did with it, and ``readmitted:<family>`` per record shipped on a reviewer's decision
    (counts only, never text).

    ``readmitted`` maps (record id, content hash) to the residual finding a reviewer
    re-admitted from quarantine (``mhds quarantine readmit``), written as the step writes it
    (``URL in user``): while the record has that hash and its residual findings lie within
    the reviewed categories and parts, it ships with the first pass's redaction. A changed
    record, or a new kind of finding (another category, another part), is judged afresh.
    """

    name: ClassVar[str] = "pii_redact"
    # 8: NER on the sentences that need it (prefilter.ner_pieces); 9: the real-text classes of
    # CounselChat batches 1, 2 and 4 (greeted cities, practices, other languages, public pages);
    # 10: those of batches 5-7 (glued words, signatures, holidays, topic sites, "New York");
    # 11: other countries' forms (phones, streets, postcodes, titles), names listed with names;
    # 12: greeted towns by the Census name table, another language's stop words, condition
    # eponyms and brands kept, given names English has as words; 13: the Reddit classes (drug
    # names from a sourced table, bare contractions, quoted interjections, handles, subreddits);
    # 14: NER multiplies with OpenBLAS, not BLIS (ner.py; the same spans on every corpus, but
    # other floating-point arithmetic may decide a rare token otherwise); 15: people famous the
    # world over and characters, kept where the words around name them as such (famous.py);
    # 16: a condition misspelt by one letter kept ("Pedophelia"), a surname that ends like a
    # gerund read as a name where it opens a sentence ("Harding said"); 17: who a greeting
    # addresses though English has the word ("Hi Hope,"), no interjection's word ("Oh Wow,"),
    # a greeted US town of 500 people or more a place (towns.txt.gz); 18: words that name no
    # one (peoples, languages, faiths, chat shorthand, acronyms' plurals, a medicine by its
    # dose, a holiday's namesake: no_names.py), long generic drug names as written, more
    # medications and substances, a link whose writer says it is about them, "I'll turn 97",
    # dates as posts write them ("moved to 27/09", "the 15th of june"), a person's page or post
    # on a social platform ("facebook.com/jane.d1/videos/..."); 19: a link into what someone
    # posted (an image, a survey, an invite, a fundraiser: platforms.on_a_user_content_host), a
    # handle's number in a name's path ("/Jess-W1996"), months' short forms in lower case ("aug
    # 6th"), a day and month by their numbers after a birthday or a weekday ("my bday, (9/11)",
    # "Saturday (7/12)"), drug brands where the words around make them medicines
    # (drug_brands.txt.gz), a post's title glued on, "Hyperfocus", "April Fools", "1st Grade",
    # the keep-list's medications misspelt ("200mg of Lamictil"); 20: a one-word famous name's
    # thought with a word of its kind before it ("Aristotle's virtue ethics"), a day of the
    # month pinned by its words ("until the 29th.", "Monday the 22nd", "the 14th of last
    # month"), a survey's link after its writers say they run a study, "?New York," addressed
    # after a glued sentence, famous names with glued initials ("H.P. Lovecraft") or misspelt
    # when long ("Edgar Allen Poe"), a famous name's later mention in the same text, and no
    # author's credit for names tied to the writer ("the book X, by Anna Lee, my neighbour"),
    # and a full name's credit where it "wrote the book" a title names; 21: an author's credit
    # for a full name's book ("Betty Dodson's book Sex for One"; not with the writer tied to
    # them in the sentences around), an author speaking to readers ("Hansen asks us"; not "Dr.
    # Perel tells us"), a name the writer says was changed ("Case (changed)"), a greeted given
    # name a state bears ("Hi Georgia,"), "New York, New York", a lower-case full name signing
    # off with a degree ("Kindly-keith hughes M.A."), "Until next time" closing, a platform
    # after a possessive without its apostrophe ("my friends Instagram") and its services
    # ("Xbox Live"), a link's text naming its public site (no given name), unlisted drug brands
    # between known ones in a list near a word of medicines, and a quiz its writers made; 22: a
    # video's or a shop's page the text says its writer made ("this song I wrote ... [youtu.be
    # link]", "my new book ... [amazon link]", "I'm filming a YouTube docuseries"), a LimeSurvey
    # page of the writer's study, "my favourite video [link]" no one's own, a closing with an
    # emoji before the name ("Thank you 😁\nSB"), and a day of the month before a function word
    # ("on the 19th at the gym"); 23: a drug's brand with what only a medicine comes as after
    # an owner or a verb of medicating ("I took Keflex antibiotic", "my Mirena IUD"), medicines
    # listed with it ("Colace and laxatives but"), a known medicine's other name in brackets or
    # after a slash when written as a medicine's name ("mirtazapine (Rameron)",
    # "Prozac/Fluxotine", "my antidepressant (Trintellix)"), links and e-mail addresses read
    # without Markdown's escapes, links through Google's AMP viewer as the page they serve, no
    # person's name in a video's id, and a profile's name before where its therapist works; 24:
    # a page's path left without its site ("my blog post on: Four-ways-...-list/"), drug brands
    # of the FDA's Orange Book ("Symbicort", "NuvaRing"), and surnames that end as a
    # condition's name does ("Jonaitis", "Dr. Sethupathy") no clinical term; 25: one address,
    # one decision (a link or e-mail address redacted in one place is redacted wherever else
    # the text or its conversation has it, with one placeholder however it is written)
    version: ClassVar[int] = 25

    def __init__(
        self,
        config: PIIConfig | None = None,
        engine: PIIEngine | None = None,
        readmitted: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        super().__init__(config or PIIConfig())
        self.pii_config: PIIConfig = config or PIIConfig()
        self.engine = engine or PIIEngine(self.pii_config)
        self.batch_size = self.pii_config.batch_size
        self.readmitted: dict[tuple[str, str], str] = dict(readmitted or {})

    def setup(self) -> None:
        self.engine.setup()

    def apply_batch(self, records: Sequence[Record]) -> list[Outcome]:
        parts = [self._texts(record) for record in records]
        views = [text.view for texts in parts for text in texts]
        try:
            found = list(self.engine.analyze_batch(views))
        except Exception as exc:  # noqa: BLE001 - fail closed, then isolate the record at fault
            # The class name only: an exception's text may quote a record (--debug: traceback).
            log.warning(
                "PII detector failed on a batch (%s); retrying record by record", type(exc).__name__
            )
            log.debug("PII detector failure", exc_info=True)
            return [self.apply(record) for record in records]
        outcomes: list[Outcome] = []
        cursor = 0
        for record, texts in zip(records, parts, strict=True):
            spans = found[cursor : cursor + len(texts)]
            cursor += len(texts)
            outcomes.append(self._redact(record, texts, spans))
        return outcomes

    def apply(self, record: Record) -> Outcome:
        texts = self._texts(record)
        try:
            spans = list(self.engine.analyze_batch([text.view for text in texts]))
        except Exception as exc:  # noqa: BLE001 - a detector error counts as PII found
            return self._review(record, PIIReason.DETECTOR_ERROR, type(exc).__name__)
        return self._redact(record, texts, spans)

    def _texts(self, record: Record) -> list[FieldText]:
        return record_texts(record, self.pii_config.fields)

    def _redact(self, record: Record, texts: list[FieldText], spans: list[list[Span]]) -> Outcome:
        read = [unescape_breaks(text.view) for text in texts]  # as the engine read them
        spans = [
            self.engine.without_kept_echoes(view, found)
            for view, found in zip(
                read,
                _echo_in_conversation(texts, read, spans, self.engine.find_addresses),
                strict=True,
            )
        ]
        family = record.metadata.family
        uncertain = [
            (n, span)
            for n, found in enumerate(spans)
            for span in found
            if span.score < self.pii_config.certain_score
        ]
        # Under "review", uncertain spans in messages hold the record; elsewhere (attributes,
        # group id, source key) they are redacted, and the release gate scans those parts.
        held = [
            (n, s)
            for n, s in uncertain
            if self.pii_config.uncertain == "review" and texts[n].kind in MESSAGE_KINDS
        ]
        redactor = ConversationRedactor(self.pii_config.mode, self.pii_config.surrogate_seed)
        counts: Counter[Category] = Counter()
        parts: list[str] = []
        views: list[str] = []
        placed: list[list[Replacement]] = []
        for text, found in zip(texts, spans, strict=True):
            # Surrogates read as real values to a later scan: only messages get them. A group
            # id or source key gets a redactor of its own (its value alone decides).
            mode = None if text.kind in MESSAGE_KINDS else "placeholder"
            own = ConversationRedactor("placeholder") if text.kind in STANDALONE_KINDS else None
            part, replacements = (own or redactor).redact(text.part, found, mode=mode)
            counts.update(own.counts if own else {})
            parts.append(part)
            views.append(view_of(text.kind, part))
            placed.append(replacements)
        counts.update(redactor.counts)
        try:
            residual = self._residual(views, placed)
        except Exception as exc:  # noqa: BLE001 - fail closed
            return self._review(record, PIIReason.DETECTOR_ERROR, type(exc).__name__)
        if residual or held:
            # One finding for both reasons, so that one decision covers all a reviewer saw.
            finding = residual_finding(
                (s.category.value for _, s in residual + held),
                (texts[n].kind for n, _ in residual + held),
            )
            if not self._is_readmitted(record, finding):
                for _, span in residual:
                    self.stats.counters[f"residual:{family}:{span.category}"] += 1
                for _, span in held:
                    self.stats.counters[f"uncertain_review:{family}:{span.category}"] += 1
                reason = PIIReason.RESIDUAL if residual else PIIReason.UNCERTAIN
                return self._review(record, reason, finding)
            self.stats.counters[f"readmitted:{family}"] += 1
        for _, span in uncertain:
            self.stats.counters[f"uncertain_redacted:{family}:{span.category}"] += 1
        for category, count in counts.items():
            self.stats.counters[f"redacted:{family}:{category}"] += count
        redacted = replace_texts(record, texts, parts)
        status = "scrubbed" if counts else "none_detected"
        metadata = msgspec.structs.replace(
            redacted.metadata,
            pii_status=status,
            content_hash=compute_content_hash(redacted.messages),
        )
        return Outcome.keep(msgspec.structs.replace(redacted, metadata=metadata))

    def _residual(
        self, texts: list[str], placed: list[list[Replacement]]
    ) -> list[tuple[int, Span]]:
        """Strict second pass; findings inside our own replacements do not count. Returns
        (index of the text, finding) pairs."""
        if not self.pii_config.residual_scan:
            return []
        # Text the first pass did not change gets the strict patterns only: NER on identical
        # text would repeat the first pass (deterministic). Changed text gets NER again.
        changed = [n for n, replacements in enumerate(placed) if replacements]
        ner = iter(self.engine.analyze_batch([texts[n] for n in changed], strict=True))
        found = [
            next(ner) if replacements else self.engine.analyze_patterns(text, strict=True)
            for text, replacements in zip(texts, placed, strict=True)
        ]
        leftovers: list[tuple[int, Span]] = []
        for n, (spans, replacements) in enumerate(zip(found, placed, strict=True)):
            leftovers.extend(
                (n, s)
                for s in spans
                if not _by_shape_alone(s)
                and not any(s.start < r.end and r.start < s.end for r in replacements)
            )
        return leftovers

    def _is_readmitted(self, record: Record, finding: str) -> bool:
        reviewed = self.readmitted.get((record.metadata.id, record.metadata.content_hash))
        if reviewed is None:
            return False
        (categories, parts), (allowed, reviewed_parts) = (
            parse_residual_finding(finding),
            parse_residual_finding(reviewed),
        )
        return categories <= allowed and parts <= reviewed_parts

    def _review(self, record: Record, reason: PIIReason, detail: str) -> Outcome:
        metadata = msgspec.structs.replace(record.metadata, pii_status="requires_review")
        return Outcome.quarantine(
            msgspec.structs.replace(record, metadata=metadata),
            reason,
            field="messages",
            detail=detail,
        )


#: The packaged tables a redaction depends on (``pii_identity``).
_IDENTITY_DATA = (
    "common_words.txt.gz", "public_resources.yaml", "cities.txt.gz", "census_names.txt.gz",
    "disease_eponyms.txt.gz", "brands.txt.gz", "drug_names.txt.gz", "famous_people.txt.gz",
    "towns.txt.gz", "drug_brands.txt.gz", "drug_brands_fda.txt.gz",
)  # fmt: skip


@cache
def pii_identity() -> str:
    """What a build's key must change with besides its configuration: the PII step's version
    and a digest of the packaged data it reads (the ordinary-word table, the public-resource
    list, the city gazetteer, the Census names, the condition eponyms, the brands, the drug
    names, the famous people and the US towns), so that a new engine or list never resumes a build
    redacted by the old one."""
    data = files("mhds.steps.pii").joinpath("data")
    digest = hashlib.sha256()
    for name in _IDENTITY_DATA:
        digest.update(name.encode() + b"\0" + data.joinpath(name).read_bytes())
    return f"{PIIRedactor.name}:{PIIRedactor.version}:sha256:{digest.hexdigest()}"


def _by_shape_alone(span: Span) -> bool:
    """A word found by its shape alone (``names.SHAPE``) or an echo of one. The first pass
    decided it with NER's reading of the whole text (a place, a group's name, a work): it was
    redacted there, or NER or the keep-list spared it. The residual pass sees the text without
    NER (unchanged text) or with placeholders in it, and would only judge it again worse."""
    return span.score <= SHAPE and span.category in (Category.PERSON, Category.LOCATION)


def _echo_in_conversation(
    texts: list[FieldText],
    read: list[str],
    spans: list[list[Span]],
    find_addresses: Callable[[str], Iterable[Span]],
) -> list[list[Span]]:
    """``echo_names`` and ``echo_addresses`` over the conversation's parts (messages,
    attributes), as read (``read``: their views with escaped line breaks read as breaks); the
    standalone parts keep the spans found in them alone."""
    shared = [n for n, text in enumerate(texts) if text.kind not in STANDALONE_KINDS]
    views = [read[n] for n in shared]
    echoed = echo_addresses(views, echo_names(views, [spans[n] for n in shared]), find_addresses)
    result = [list(found) for found in spans]
    for n, found in zip(shared, echoed, strict=True):
        result[n] = found
    return result


def residual_finding(categories: Iterable[str], parts: Iterable[str]) -> str:
    """How a residual finding is written in the quarantine (``PHONE,URL in attributes,user``):
    the categories found and the kinds of part they were found in, never text."""
    return f"{','.join(sorted(set(categories)))} in {','.join(sorted(set(parts)))}"


def parse_residual_finding(finding: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """The categories and parts of a ``residual_finding`` (empty sets for anything else)."""
    categories, found, parts = (finding or "").partition(" in ")
    if not found:
        return frozenset(), frozenset()
    return frozenset(filter(None, categories.split(","))), frozenset(filter(None, parts.split(",")))
