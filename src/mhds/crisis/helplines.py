"""Phone numbers and sites in crisis chats, for the safety rules: which tokens of a turn are
phone numbers (not dates, times, years, amounts or counts), whether a turn gives one of a
set of contacts, and whether a number is a known one (compared as digits, across a country or
trunk prefix for long numbers)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Final
from urllib.parse import urlsplit

from mhds.crisis.library import Resource

# Where a clause ends (negation and cue words look back only to it).
CLAUSE_END = re.compile(r"[.!?;:,\n()\[\]\"]|\bbut\b", re.IGNORECASE)
# Digit groups joined by a space, a dash or a dot followed by a digit; not inside a word, an
# amount (1,000, $300) or a fraction (24/7).
_NUMBER = re.compile(
    r"(?<![\w.,+/$£€])\+?(?:\(\d{1,5}\)|\d+)"
    r"(?:(?:\s?[\-\u2010-\u2013]\s?|[ .](?=[\d(]))(?:\(\d{1,5}\)|\d+))*(?![\w%]|\.\w)"
)
_GROUP = re.compile(r"\d+")
_UNIT = re.compile(
    r"[\s\-]*(?:years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?"
    r"|times?|mg|mcg|g|grams?|kg|kgs|kilos?|lbs?|pounds?|calories|kcals?|cals?|ml|people"
    r"|persons|percent|miles?|km|feet|ft|metres?|meters?|dollars|euros|words|pages|sessions"
    r"|clients|students|members|patients|cases|steps|points|am|pm|ad|bc|ce|bce)\b",
    re.IGNORECASE,
)
# Words that, among the four before a short number, make it a phone number.
_CUES: Final = frozenset(
    (
        *("call", "calling", "dial", "dialling", "dialing", "ring", "phone", "phoning"),
        *("text", "texting", "sms", "whatsapp", "number", "numbers", "line", "hotline"),
        *("helpline", "lifeline", "freephone", "tel", "telephone", "contact", "reach", "on"),
    )
)
_DATE = re.compile(r"\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}|\d{4}[./\-]\d{1,2}[./\-]\d{1,2}")
_TIME_OR_DECIMAL = re.compile(r"\d+\.\d+")
_RANGE = re.compile(r"\d{1,2}\s?[\-\u2013]\s?\d{1,3}|\d{1,3}\s?[\-\u2013]\s?\d{1,2}")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_SHORT = 3  # fewer digits than this is never a phone number
_LONG = 7  # this many digits is a phone number without a cue
_SUFFIX_MATCH = 9  # numbers this long also match across a country or trunk prefix


def contact_numbers(resource: Resource) -> tuple[str, ...]:
    """The digits of each number in a resource's contact."""
    found = ("".join(_GROUP.findall(m.group())) for m in _NUMBER.finditer(resource.contact))
    return tuple(n for n in found if len(n) >= _SHORT)


def _same_number(a: str, b: str) -> bool:
    """Equal digits, or long numbers that differ by a country or trunk prefix only."""
    if a == b:
        return True
    a, b = a.lstrip("0"), b.lstrip("0")
    if min(len(a), len(b)) < _SUFFIX_MATCH or abs(len(a) - len(b)) > 3:
        return False
    return a.endswith(b) or b.endswith(a)


def is_known(groups: list[str], known: Sequence[str]) -> bool:
    """The digit groups split into known numbers, but for a short trailing group (988 24/7)."""
    if splits_into_known(groups, known):
        return True
    tail_is_noise = len(groups) > 1 and len(groups[-1]) < _SHORT
    return tail_is_noise and splits_into_known(groups[:-1], known)


def splits_into_known(groups: list[str], known: Sequence[str]) -> bool:
    """Whether the digit groups, in order, join into a run of known numbers."""
    ok = [False] * len(groups) + [True]
    for i in range(len(groups) - 1, -1, -1):
        ok[i] = any(
            ok[j] and any(_same_number("".join(groups[i:j]), n) for n in known)
            for j in range(i + 1, len(groups) + 1)
        )
    return bool(groups) and ok[0]


def has_number(text: str, numbers: Sequence[str]) -> bool:
    """Whether any run of digit groups of a number token in ``text`` is one of ``numbers``."""
    for match in _NUMBER.finditer(text):
        groups = _GROUP.findall(match.group())
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                if any(_same_number("".join(groups[i:j]), n) for n in numbers):
                    return True
    return False


def gives_contact(text: str, resources: Sequence[Resource]) -> bool:
    numbers = [n for r in resources for n in contact_numbers(r)]
    if has_number(text, numbers):
        return True
    return any(_url_pattern(r.url).search(text) for r in resources if r.url)


def _url_pattern(url: str) -> re.Pattern[str]:
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    path = re.escape(parts.path.rstrip("/"))
    return re.compile(
        rf"(?<![\w.-])(?:https?://)?(?:www\.)?{re.escape(host)}(?:{path})?(?![\w-])",
        re.IGNORECASE,
    )


def phone_candidates(text: str) -> Iterator[list[str]]:
    """The digit groups of each phone-number-like token of ``text``."""
    text = _URL.sub(lambda m: " " * len(m.group()), text)  # ids inside links are no numbers
    for match in _NUMBER.finditer(text):
        token = match.group()
        groups = _GROUP.findall(token)
        if _UNIT.match(text, match.end()):
            groups = groups[:-1]  # a count: "300 people", "988 24 hours a day"
        digits = "".join(groups)
        if len(digits) < _SHORT or any(
            p.fullmatch(token) for p in (_DATE, _TIME_OR_DECIMAL, _RANGE)
        ):
            continue
        before = text[max(0, match.start() - 80) : match.start()]
        if _is_year(groups, before):
            continue
        if len(digits) >= _LONG or _is_cued(before):
            yield groups


def _is_year(groups: list[str], before: str) -> bool:
    if not all(len(g) == 4 and 1900 <= int(g) <= 2099 for g in groups):
        return False
    words = before.lower().split()
    return not (len(groups) == 1 and words and words[-1] in ("call", "text", "dial", "ring"))


def _is_cued(before: str) -> bool:
    stripped = before.rstrip()
    if stripped.endswith(("(", ":")):
        return True
    clause = CLAUSE_END.split(before)[-1]
    words = [w.strip("'\"*_").lower() for w in clause.split()][-4:]
    return any(w in _CUES for w in words)
