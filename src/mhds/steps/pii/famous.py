"""People famous the world over and well-known fictional characters, named as such ("the roles
played by George Clooney", "the writings of Epictetus", "Bruce Wayne, who has a great fear of
bats"): public figures, not private people, kept where NER or a name slot reads them as one.

The table (``data/famous_people.txt.gz``, 33,994 names) is Pantheon 1.0's globally famous
biographies (CC0), people with more than 30 Wikipedia sitelinks and fictional characters of
Wikidata (CC0, by way of an MIT-licensed query); ``data/FAMOUS_PEOPLE.md`` says how, with the
sources. A one-word name is there only for people born before 1800 whose name is no given
name ("Aristotle", not "Shakira").

A private person may bear a famous name, so the name counts only as a whole capitalised run
("George Clooney", not the "George" of "George Clooney Smith"), matched as written, and never
where the words around name a private person: a relation or "named" before it (decided
before this module is asked), a title ("Dr. John Smith"), a self-introduction ("I'm Michael
Jackson"), a greeting ("Hi Laura Palmer"), the text's signature, or the writer's own right
after it ("George Clooney, my neighbour", "Michael Jackson from my office").
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib.resources import files

from mhds.steps.pii.lexicon import is_ordinary
from mhds.steps.pii.names import after_title, greets, signs_off

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})
#: A writer naming themselves right before the name ("I'm ", "I am ", "this is ").
_SELF_BEFORE = re.compile(r"(?i:\b(?:i['’]?m|i[ \t]+am|this[ \t]+is|it['’]s|me,))[ \t]*\Z")
#: Words right after the name that tie its bearer to the writer ("George Clooney, my
#: neighbour", "Michael Jackson from my office", "Laura Palmer (our babysitter)").
_MINE_AFTER = re.compile(r"['’]?s?[ \t]*(?:,|\(|(?i:from|at|in|of|with))?[ \t]*(?i:my|our|me)\b")
_POSSESSIVE_END = re.compile(r"['’]s?\Z")
_CUE_REACH = 24


@cache
def _famous() -> frozenset[str]:
    blob = files("mhds.steps.pii").joinpath("data/famous_people.txt.gz").read_bytes()
    return frozenset(gzip.decompress(blob).decode().splitlines())


def load() -> None:
    """Read the table now, not at the first name a batch meets."""
    _famous()


def is_famous(name: str) -> bool:
    """Whether ``name`` ("Marcus Aurelius", "Bruce Wayne") is a name of the table, as written."""
    return name.translate(_APOSTROPHES) in _famous()


def names_public_figure(text: str, run_start: int, run_end: int) -> bool:
    """Whether the capitalised run ``text[run_start:run_end]`` is a famous person's or
    character's name (``is_famous``), whole or after an ordinary word that opens a sentence
    ("Watch George Clooney"), and nothing before it makes the name a private person's."""
    run = _POSSESSIVE_END.sub("", text[run_start:run_end])  # "Aristotle's"
    start = run_start
    if not is_famous(run):
        first, _, rest = run.partition(" ")
        if not (rest and is_ordinary(first) and is_famous(rest)):
            return False
        start = run_start + len(first) + 1
    before = max(0, start - _CUE_REACH)
    return not (
        after_title(text, start)
        or _SELF_BEFORE.search(text, before, start) is not None
        or greets(text, start)
        or signs_off(text, start)
        or _MINE_AFTER.match(text, run_end) is not None
    )
