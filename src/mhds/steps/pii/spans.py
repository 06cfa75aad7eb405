"""PII categories and detected spans (offsets only: a span never carries the text it covers)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """The HIPAA Safe Harbor identifier kinds that occur in conversations, and credentials
    (keys, tokens, passwords: not identifiers, but never to ship in training text)."""

    PERSON = "PERSON"
    LOCATION = "LOCATION"
    DATE = "DATE"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    URL = "URL"
    IP_ADDRESS = "IP_ADDRESS"
    ID = "ID"
    AGE = "AGE"
    CREDENTIAL = "CREDENTIAL"


CATEGORIES: tuple[Category, ...] = tuple(Category)


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """One detected identifier: ``text[start:end]`` is of ``category``.

    Attributes:
        start: first character offset (Python str index).
        end: one past the last character.
        category: the identifier kind.
        score: detector confidence in [0, 1].
        recognizer: which recognizer found it (for reports and tuning).
    """

    start: int
    end: int
    category: Category
    score: float = 1.0
    recognizer: str = ""

    def overlaps(self, other: Span) -> bool:
        """Whether the two spans share at least one character."""
        return self.start < other.end and other.start < self.end

    @property
    def length(self) -> int:
        """Number of characters covered."""
        return self.end - self.start


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Merge overlapping spans into one covering span, sorted by start.

    Dropping the shorter of two overlapping spans would leak the part of it outside the
    longer one ("Dr. Virginia Chowwww.site.ca": the URL span must not leave "Virginia"
    behind), so overlaps are unioned. The merged span takes the category and recognizer of
    its longest pattern member (NER only when no pattern matched; then highest score, then
    earliest start) and the highest score; a group holding a credential is a CREDENTIAL
    (a key inside a URL is counted as the secret it is).
    """
    merged: list[list[Span]] = []
    for span in sorted(spans):
        if merged and span.start < max(s.end for s in merged[-1]):
            merged[-1].append(span)
        else:
            merged.append([span])
    result = []
    for group in merged:
        # Patterns outrank NER for the label: spaCy often tags a whole URL or ID cue as a
        # PERSON or LOCATION with the same extent (the union still covers both).
        lead = min(
            group,
            key=lambda s: (
                s.category != Category.CREDENTIAL,
                s.recognizer == "spacy_ner",
                -s.length,
                -s.score,
                s.start,
                s.category,
            ),
        )
        start, end = min(s.start for s in group), max(s.end for s in group)
        result.append(Span(start, end, lead.category, max(s.score for s in group), lead.recognizer))
    return result
