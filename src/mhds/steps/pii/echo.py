"""Names found once, found everywhere: a detected name or place searched again in every part
of the same conversation (``echo_names``); and one address, one decision: a link or an e-mail
address redacted in one part is redacted wherever else the conversation has it
(``echo_addresses``).

The search is plain substring search with the word-boundary rules of the regex
``(?<![\\w@./])(needle|...)(?![\\w@]|\\.\\w)`` (needles longest first), not that regex: one
pattern per conversation would be compiled once and thrown away, and each would push a
compiled pattern of the phone-number library out of ``re``'s cache (512 entries), which it
then compiles again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from mhds.steps.pii.lexicon import is_name_like
from mhds.steps.pii.spans import Category, Span, resolve_overlaps
from mhds.steps.pii.urls import address_key

_ECHO_SCORE = 0.8
ADDRESS_CATEGORIES = frozenset({Category.URL, Category.EMAIL})
_NAME_WORD = re.compile(r"\b[A-Z][a-z]{2,}\b")
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof", "mx"})


def echo_names(texts: Sequence[str], spans: Sequence[list[Span]]) -> list[list[Span]]:
    """Extend PERSON and LOCATION findings to every turn of one conversation.

    NER often finds "Priya Natarajan" in one turn and misses a bare "Priya" in the next.
    Each detected surface form, and each capitalised word of a detected name (3+ letters),
    is searched as a whole word, case-sensitively, in every message; new hits join the spans.
    """
    needles = _needles(texts, spans)
    if not needles:
        return [list(found) for found in spans]
    ordered = sorted(needles, key=len, reverse=True)
    result = []
    for text, found in zip(texts, spans, strict=True):
        taken = {(s.start, s.end, s.category) for s in found}  # a span is not its own echo
        extra = [
            Span(start, end, *needles[needle], "conversation_echo")
            for start, end, needle in whole_words(text, ordered)
            if (start, end, needles[needle][0]) not in taken
        ]
        result.append(resolve_overlaps([*found, *extra]) if extra else list(found))
    return result


def echo_addresses(
    texts: Sequence[str],
    spans: Sequence[list[Span]],
    find_addresses: Callable[[str], Iterable[Span]],
) -> list[list[Span]]:
    """Redact a link or an e-mail address in every part of one conversation once it is
    redacted in one: the keep-list decides each part on its own words, and may keep in a
    second message ("a great resource: x.com/a") the site the first called the writer's own
    ("my website, www.x.com/a"), showing what the first hid. ``find_addresses`` gives the
    addresses of a part as the engine's patterns find and bound them; one is the same address
    however it is written (``urls.address_key``), and what is added keeps the category and
    score of the span it echoes."""
    found_keys: dict[str, tuple[Category, float]] = {}
    for text, found in zip(texts, spans, strict=True):
        for span in found:
            if span.category in ADDRESS_CATEGORIES:
                key = address_key(text[span.start : span.end])
                category, score = found_keys.get(key, (span.category, 0.0))
                found_keys[key] = (category, max(score, span.score))
    if not found_keys:
        return [list(found) for found in spans]
    result = []
    for text, found in zip(texts, spans, strict=True):
        extra: list[Span] = []
        for address in find_addresses(text):
            start, end = address.start, address.end
            echoed = found_keys.get(address_key(text[start:end]))
            if echoed and not any(s.start < end and start < s.end for s in [*found, *extra]):
                extra.append(Span(start, end, *echoed, "address_echo"))
        result.append(resolve_overlaps([*found, *extra]) if extra else list(found))
    return result


def _needles(
    texts: Sequence[str], spans: Sequence[list[Span]]
) -> dict[str, tuple[Category, float]]:
    """What to search for: each PERSON or LOCATION surface form, and each name-like word of
    a PERSON's, with the category and score of the first span that gave it."""
    needles: dict[str, tuple[Category, float]] = {}
    for text, found in zip(texts, spans, strict=True):
        for span in found:
            if span.category not in (Category.PERSON, Category.LOCATION):
                continue
            surface = text[span.start : span.end]
            # An echo is as sure as the span it echoes (an uncertain name stays uncertain).
            score = min(_ECHO_SCORE, span.score)
            needles.setdefault(surface, (span.category, score))
            if span.category == Category.PERSON:
                for word in _NAME_WORD.findall(surface):
                    # A name's word alone, not an ordinary one ("Common" of "Common Humanity").
                    if word.casefold() not in _TITLES and is_name_like(word):
                        needles.setdefault(word, (Category.PERSON, score))
    return needles


def whole_words(text: str, needles: Sequence[str]) -> Iterator[tuple[int, int, str]]:
    """``(start, end, needle)`` of each whole-word occurrence in ``text``, left to right,
    never overlapping; at one start the first of ``needles`` wins (give them longest first)."""
    rank = {needle: n for n, needle in enumerate(needles)}
    found = [
        (start, rank[needle], start + len(needle), needle)
        for needle in needles
        for start in _occurrences(text, needle)
        if _bounded(text, start, start + len(needle))
    ]
    free_from = 0
    for start, _, end, needle in sorted(found):
        if start >= free_from:
            yield start, end, needle
            free_from = end


def _occurrences(text: str, needle: str) -> Iterator[int]:
    """Every start of ``needle`` in ``text``, overlapping ones included."""
    start = text.find(needle)
    while start != -1:
        yield start
        start = text.find(needle, start + 1)


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands alone: no word character, ``@``, ``.`` or ``/``
    before it; no word character or ``@`` after it, nor a ``.`` then a word character."""
    if start and (_is_word(text[start - 1]) or text[start - 1] in "@./"):
        return False
    if end < len(text) and (_is_word(text[end]) or text[end] == "@"):
        return False
    return not (text[end : end + 1] == "." and end + 1 < len(text) and _is_word(text[end + 1]))


def _is_word(char: str) -> bool:
    """``re``'s ``\\w`` for one character of a ``str`` pattern."""
    return char.isalnum() or char == "_"
