"""PII categories and detected spans (offsets only: a span never carries the text it covers)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """The HIPAA Safe Harbor identifier kinds that occur in conversations."""

    PERSON = "PERSON"
    LOCATION = "LOCATION"
    DATE = "DATE"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    URL = "URL"
    IP_ADDRESS = "IP_ADDRESS"
    ID = "ID"
    AGE = "AGE"


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
    """Keep a non-overlapping subset: longer spans win, then higher score, then earlier start.

    Returns the kept spans sorted by start.
    """
    ranked = sorted(spans, key=lambda s: (-s.length, -s.score, s.start, s.category))
    kept: list[Span] = []
    for span in ranked:
        if not any(span.overlaps(k) for k in kept):
            kept.append(span)
    return sorted(kept)
