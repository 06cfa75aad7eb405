"""Where in one text each pattern rule of :mod:`mhds.steps.pii.patterns` is worth running:
everywhere, at digit gates, in the tokens around an "@", a dotted word or a web cue, in windows
around an introduction or a title, or nowhere when the text lacks a rule's cue. Matching only
there keeps the pattern pass fast on long texts with few numbers and no links.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mhds.steps.pii import pattern_sources as src

_DOT_LETTER = re.compile(r"\.[A-Za-z]")
_WEB_CUES = ("@", "www.", "http", "ftp:")
_DIGIT = re.compile(r"[0-9]")
_GATE = re.compile(r"[0-9](?<!\w[0-9])")
_MAX_GATES = 24  # above, scanning the text per pattern is faster than matching at each gate
_SPACE = re.compile(r"\s")


class Scopes:
    """Where each rule runs in one text: everywhere, at digit gates, or near a cue.

    A gate is a digit not preceded by a word character: every digit-led pattern starts at one,
    so with few gates, matching at each is faster than scanning the text.
    """

    def __init__(self, text: str, title_lower: re.Pattern[str]) -> None:
        self.text = text
        self.lower = text.lower()
        self.gates = [m.start() for m in _GATE.finditer(text)]
        self._title_lower = title_lower
        self._cache: dict[str, list[tuple[int, int]]] = {}

    def matches(self, pattern: re.Pattern[str], scope: str) -> Iterator[re.Match[str]]:
        """The matches of ``pattern`` within ``scope``, left to right, not overlapping."""
        if scope == "gates" and len(self.gates) <= _MAX_GATES:
            end = 0
            for pos in self.gates:
                if pos >= end and (match := pattern.match(self.text, pos)) is not None:
                    end = match.end()
                    yield match
            return
        for lo, hi in self.ranges(scope):
            yield from pattern.finditer(self.text, lo, hi)

    def ranges(self, scope: str) -> list[tuple[int, int]]:
        """The (start, end) ranges of ``scope``."""
        if scope not in self._cache:
            self._cache[scope] = self._compute(scope)
        return self._cache[scope]

    def _compute(self, scope: str) -> list[tuple[int, int]]:
        text, lower, whole = self.text, self.lower, [(0, len(self.text))]
        if scope == "all":
            return whole
        if scope in ("digits", "gates"):
            return whole if self.gates or _DIGIT.search(text) else []
        if scope == "at":
            return self._tokens(positions(text, "@"))
        if scope == "dot":
            return self._tokens([m.start() for m in _DOT_LETTER.finditer(text)])
        if len(lower) != len(text):  # lower-casing moved offsets: fall back to the whole text
            return whole
        if scope == "web":
            return self._tokens(sorted(p for cue in _WEB_CUES for p in positions(lower, cue)))
        if scope == "intro":
            return self._windows([p for cue in src.INTRO_CUES for p in positions(lower, cue)])
        if scope == "titles":
            return self._windows([m.start() for m in self._title_lower.finditer(lower)])
        cues = {
            "colons": ("::",) if text.count(":") < 7 else (":",),
            "box": ("box",),
            "age_words": ("ninety", "hundred"),
            "handles": ("u/",),
            "slashes": ("/",),
        }[scope]
        return whole if any(cue in lower for cue in cues) else []

    def _tokens(self, positions: list[int]) -> list[tuple[int, int]]:
        text = self.text
        out: list[tuple[int, int]] = []
        for pos in positions:
            if out and pos < out[-1][1]:
                continue
            start = max(text.rfind(" ", 0, pos), text.rfind("\n", 0, pos), text.rfind("\t", 0, pos))
            space = _SPACE.search(text, pos)
            out.append((start + 1, space.start() if space else len(text)))
        return out

    def _windows(self, positions: list[int]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for pos in sorted(positions):
            lo = max(0, pos - 24)
            space = _SPACE.search(self.text, min(len(self.text), pos + 96))
            hi = space.start() if space else len(self.text)
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
        return out


def positions(haystack: str, needle: str) -> list[int]:
    """Every offset where ``needle`` starts in ``haystack``, overlapping ones too."""
    found, pos = [], haystack.find(needle)
    while pos >= 0:
        found.append(pos)
        pos = haystack.find(needle, pos + 1)
    return found
