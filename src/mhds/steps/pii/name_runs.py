"""Runs of capitalised words, the units the name slots (:mod:`mhds.steps.pii.names`) weigh:
words in a row joined by spaces, name particles ("van", "de") or initials ("Robin J."), with
leading titles, greetings and stop words and trailing particles cut off ("Hi Dr Ann Lee" ->
"Ann Lee"), a possessive's "'s" outside ("Hayashida's" -> "Hayashida", possessive), a word
glued on by a missing space a word of its own ("therapistLaura"), and a web address glued on
none ("Karrenbergwww.x.org")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mhds.steps.pii.lexicon import CONTRACTIONS, is_capitalised
from mhds.steps.pii.name_cues import (
    GLUED_WEB,
    GREETING_WORDS,
    LEADING_WORDS,
    NOT_PERSON,
    PARTICLES,
    WORD,
    glued_word_cut,
    greets_after,
    stop_words,
)

_INITIAL = re.compile(r"[A-Z]\.?")
#: The longest piece of an abbreviation written with full stops ("Ph.D", "R.C.C.").
_ABBREVIATION_PIECE = 2


@dataclass(frozen=True, slots=True)
class Run:
    """Capitalised words in a row (with particles and initials between them)."""

    start: int
    end: int
    words: tuple[str, ...]
    possessive: bool = False


def _pieces(text: str) -> Iterator[tuple[str, int, int]]:
    """Words of ``text`` with their offsets, but lower-case words right after one that is no
    particle (they can neither start, join nor close a run); a word glued on by a missing
    space is a word of its own, and a web address glued on is none ("Karrenbergwww.x.org")."""
    after_word = False  # whether the last word yielded was lower case and no particle
    for match in WORD.finditer(text):
        word, start, end = match.group(), match.start(), match.end()
        if word.islower():
            particle = word in PARTICLES
            if particle or not after_word:
                yield word, start, end  # a particle may join a run; a word closes it
            after_word = not particle
            continue
        after_word = False
        if (
            len(word) <= _ABBREVIATION_PIECE
            and text[end : end + 1] == "."
            and text[end + 1 : end + 2].isalpha()
            and word.lower() not in NOT_PERSON
        ):
            continue  # a piece of an abbreviation ("Ph" of "Ph.D"; not "Co" of "Co.Ltd.")
        glued = GLUED_WEB.search(word) if text[end : end + 1] in (".", ":") else None
        if glued is not None:
            word, end = word[: glued.start()], start + glued.start()
        cut = end if word[1:].islower() else glued_word_cut(text, start, end)
        yield word[: cut - start], start, cut
        if cut < end:
            yield text[cut:end], cut, end


def capitalised_runs(text: str) -> list[Run]:
    """Capitalised words in a row, joined by spaces, particles or initials."""
    runs: list[Run] = []
    words: list[str] = []
    start = end = -1
    for word, word_start, word_end in _pieces(text):
        gap = text[end:word_start] if words else ""
        joined = bool(words) and gap in (" ", "\t", " ", ". ") and not gap.startswith(".")
        if words and gap == ". " and _INITIAL.fullmatch(words[-1]):
            joined = True
        capital = is_capitalised(word) or (len(word) == 1 and word.isupper())
        if word in GREETING_WORDS and greets_after(text, word_end):
            capital = False  # "Risperidone Withdrawal Hey all": a title, then the greeting
        if words and words[-1].endswith(("'s", "’s")):
            joined = False  # a possessive ends a name: "Hayashida's Cautionary Tales"
        if capital or (joined and word in PARTICLES):
            if not joined and words:
                runs.append(_close(text, start, end, words))
                words = []
            if not words:
                start = word_start
            words.append(word)
            end = word_end
        elif words:
            runs.append(_close(text, start, end, words))
            words = []
    if words:
        runs.append(_close(text, start, end, words))
    return [r for r in runs if r.words]


def _close(text: str, start: int, end: int, words: list[str]) -> Run:
    """The run without leading titles and trailing particles or initials."""
    first, last = 0, len(words)
    while first < last and (
        words[first].lower() in LEADING_WORDS
        or words[first].lower() in stop_words()
        or words[first].lower().endswith(CONTRACTIONS)
    ):
        first += 1
    while last > first and (words[last - 1] in PARTICLES or len(words[last - 1]) == 1):
        last -= 1
    if first == last:
        return Run(start, end, ())
    cut_start = start
    for word in words[:first]:
        cut_start = text.index(word, cut_start) + len(word)
    begin = text.index(words[first], cut_start)
    stop = end
    for word in reversed(words[last:]):
        stop = text.rindex(word, begin, stop)
    stop = len(text[:stop].rstrip(" \t.")) if last < len(words) else end
    kept = words[first:last]
    if kept[-1].endswith(("'s", "’s")):
        return Run(begin, stop - 2, (*kept[:-1], kept[-1][:-2]), possessive=True)
    return Run(begin, stop, tuple(kept))
