"""Context-preserving replacement: typed placeholders (or surrogates) that stay consistent
inside one conversation, so ``[PERSON_1]`` is the same person in every turn.

Consistency key: the category plus the normalised surface form (case-folded, inner
whitespace collapsed, surrounding punctuation dropped, a leading title removed). A one-word
PERSON that is a word of an earlier multi-word name ("Sarah" after "Sarah Johnson") reuses
that name's number.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from mhds.steps.pii.spans import Category, Span
from mhds.steps.pii.urls import address_key

_TITLE = re.compile(r"^(dr|mr|mrs|ms|miss|prof|mx)\.?\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_FIRST = [
    "Alex",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Avery",
    "Quinn",
    "Rowan",
    "Sam",
    "Robin",
    "Drew",
    "Kai",
    "Reese",
    "Emerson",
    "Hayden",
    "Parker",
]
_LAST = [
    "Rivera",
    "Chen",
    "Okafor",
    "Novak",
    "Haddad",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Kowalski",
    "Mensah",
    "Ibarra",
    "Sato",
    "Fischer",
    "Dubois",
    "Kaur",
    "Brennan",
]
_CITIES = [
    "Millbrook",
    "Cedar Falls",
    "Riverton",
    "Ashford",
    "Lakeview",
    "Fairhaven",
    "Brookside",
    "Westfield",
    "Oakridge",
    "Pinecrest",
]
_STREETS = ["Maple Avenue", "Birch Lane", "Harbor Road", "Willow Street", "Elm Court"]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass
class Replacement:
    """Where a replacement sits in the redacted text (for the residual scan to skip)."""

    start: int
    end: int
    category: Category


@dataclass
class ConversationRedactor:
    """Replaces spans across the turns of one conversation with consistent stand-ins."""

    mode: str = "placeholder"
    seed: int = 0
    counts: Counter[Category] = field(default_factory=Counter)
    _numbers: dict[tuple[Category, str], int] = field(default_factory=dict)
    _next: Counter[Category] = field(default_factory=Counter)

    def redact(
        self, text: str, spans: Sequence[Span], *, mode: str | None = None
    ) -> tuple[str, list[Replacement]]:
        """Return ``text`` with every span replaced, and where the replacements landed.

        ``mode`` overrides the redactor's for this text (metadata always gets placeholders);
        the numbering is shared either way.
        """
        parts: list[str] = []
        placed: list[Replacement] = []
        cursor = 0
        length = 0
        for span in sorted(spans):
            if span.start < cursor:
                raise ValueError("overlapping spans: resolve them before redacting")
            parts.append(text[cursor : span.start])
            length += span.start - cursor
            value = self._stand_in(span.category, text[span.start : span.end], mode or self.mode)
            parts.append(value)
            placed.append(Replacement(length, length + len(value), span.category))
            length += len(value)
            cursor = span.end
            self.counts[span.category] += 1
        parts.append(text[cursor:])
        return "".join(parts), placed

    def _stand_in(self, category: Category, surface: str, mode: str) -> str:
        number = self._number(category, _normalise(category, surface))
        if mode == "placeholder":
            return f"[{category.value}_{number}]"
        return _surrogate(category, number, self.seed)

    def _number(self, category: Category, key: str) -> int:
        if (category, key) in self._numbers:
            return self._numbers[(category, key)]
        if category == Category.PERSON and " " not in key:
            for (cat, known), number in self._numbers.items():
                if cat == category and key in known.split(" "):
                    self._numbers[(category, key)] = number
                    return number
        self._next[category] += 1
        self._numbers[(category, key)] = self._next[category]
        return self._next[category]


def _normalise(category: Category, surface: str) -> str:
    if category == Category.CREDENTIAL:
        return surface.strip()  # secrets are case-sensitive: "Hunter2" is not "hunter2"
    text = _SPACES.sub(" ", surface.casefold()).strip(" .,;:!?\"'()[]")
    if category == Category.PERSON:
        text = _TITLE.sub("", text)
    if category in (Category.PHONE, Category.ID, Category.IP_ADDRESS):
        text = re.sub(r"[^0-9a-z]", "", text)
    if category in (Category.URL, Category.EMAIL):
        text = address_key(text)  # "www.x.org/a/" and "x.org/a": one site, one placeholder
    return text


def _surrogate(category: Category, number: int, seed: int) -> str:
    """A realistic, clearly fictional stand-in, stable for (category, number, seed)."""
    digest = int.from_bytes(hashlib.sha256(f"{seed}:{category}:{number}".encode()).digest()[:8])
    pick = digest % 9973
    if category == Category.PERSON:
        return f"{_FIRST[pick % len(_FIRST)]} {_LAST[(pick // 7) % len(_LAST)]}"
    if category == Category.LOCATION:
        return _CITIES[pick % len(_CITIES)]
    if category == Category.DATE:
        return f"{_MONTHS[pick % 12]} {1 + pick % 28}"
    if category == Category.PHONE:
        return f"555-01{pick % 100:02d}"  # 555-0100..0199 is reserved for fiction
    if category == Category.EMAIL:
        return f"person{number}@example.com"
    if category == Category.URL:
        return f"https://example.org/{number}"
    if category == Category.IP_ADDRESS:
        return f"192.0.2.{pick % 254 + 1}"  # TEST-NET-1, documentation only
    if category == Category.AGE:
        return "90"
    if category == Category.CREDENTIAL:
        # No realistic fake: a key-shaped string would teach a model to write keys.
        return f"[CREDENTIAL_{number}]"
    return f"ID-{pick:05d}"
