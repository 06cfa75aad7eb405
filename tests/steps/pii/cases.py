"""What the PII tests on written sentences share."""

from __future__ import annotations

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.spans import Category


def redacted(engine: PIIEngine, text: str) -> list[tuple[Category, str]]:
    """The (category, text) of every span ``engine`` redacts in ``text``, in order."""
    return [(s.category, text[s.start : s.end]) for s in engine.analyze(text)]


def redacted_texts(engine: PIIEngine, text: str) -> list[str]:
    """The text of every span ``engine`` redacts in ``text``, in order."""
    return [value for _, value in redacted(engine, text)]


def touches(engine: PIIEngine, text: str, kept: str) -> bool:
    """Whether any span ``engine`` redacts in ``text`` holds ``kept`` or lies inside it."""
    return any(kept in value or value in kept for _, value in redacted(engine, text))
