"""People famous the world over and well-known fictional characters, named as such ("the roles
played by George Clooney", "the writings of Epictetus", "listening to Michael Jackson"):
public figures, not private people, kept where NER or a name slot reads them as one.

The table (``data/famous_people.txt.gz``, 33,994 names) is Pantheon 1.0's globally famous
biographies (CC0), people with more than 30 Wikipedia sitelinks and fictional characters of
Wikidata (CC0, by way of an MIT-licensed query); ``data/FAMOUS_PEOPLE.md`` says how, with the
sources. A one-word name is there only for people born before 1800 known by their work
("Aristotle", not "Shakira").

Private people bear famous names, in every culture ("Salman Khan", "Li Na", "Laura Palmer"),
and no list of frequent names covers them all, so a whole name of the table is not enough.
A capitalised run that is one, matched as written (or after a sentence's ordinary first word:
"Watch George Clooney"), is kept only where the words around speak of the public figure:

- a way of taking in their work before it ("listening to", "rereading", "a fan of", "played
  by", "starring", "the writings of", "a song by", "the book Harry Potter"), a role of
  public work that is no one's own ("the singer", "actor"; not "our HOA's president"), a
  comparison ("I feel like Harry Potter", not "I feel like Linda hates me"), a work they are
  in ("in the movie Batman Begins, Bruce Wayne"), or a title and ", by" ("Meditations, by
  Marcus Aurelius");
- their work after it ("Michael Jackson's songs", "the Emma Stone movie", "a Laura Palmer
  fan");
- a list that goes on from a name kept so ("played by George Clooney, Sandra Bullock, and
  Jack Nicholson");
- nothing, for a one-word name ("the writings of Epictetus", "Aristotle's ethics").

And never where the words around tie the name to a private person: a person word of someone's
before it ("my coworker", "my cousins,", "Aunt"), a title ("Dr. John Smith"), a
self-introduction ("I'm Michael Jackson"), a greeting, the text's signature, "me and" before
it, or after it "my" or "our" ("George Clooney, my neighbour", "Michael Jackson from my
office"), "and I", an age and sex ("Emma Watson (22F)"), a namesake's suffix ("George
Clooney, Jr.") or a credential ("Layla Hassan, LMFT"), nor on a list that goes on from such a
name.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib.resources import files

from mhds.steps.pii.keep_terms import RELATIONS
from mhds.steps.pii.lexicon import is_ordinary
from mhds.steps.pii.names import after_title, greets, in_person_slot, signs_off

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})
_WORKS = (
    r"songs?|music|albums?|lyrics|movies?|films?|series|episodes?|books?|novels?|memoir|poems?"
    r"|poetry|plays?|writings|works|teachings|quotes?|sayings|words|talks?|podcasts?"
    r"|documentar(?:y|ies)|biopic|prints?|paintings?|posters?"
)
#: Taking in the figure's work, or a work named for them ("the book Harry Potter"), right
#: before the name.
_PUBLIC_BEFORE = re.compile(
    r"(?i:\b(?:(?:re)?listen\w*[ \t]+to|danc\w*[ \t]+to|(?:re)?watch\w*|(?:re)?read\w*"
    r"|fans?[ \t]+of|played[ \t]+by|starring|directed[ \t]+by|written[ \t]+by|sung[ \t]+by"
    r"|attributed[ \t]+to"
    r"|(?:the|a)[ \t]+(?:movie|film|show|series|book|novel|game|comic|play|musical)"
    rf"|(?:{_WORKS})[ \t]+(?:of|by|from))[ \t]+(?:(?:a|an|the|some|more)[ \t]+)?)\Z"
)
_ROLE_BEFORE = re.compile(
    r"(?i:\b(?:singer|actor|actress|rapper|comedian|author|poet|novelist|musician|philosopher"
    r"|songwriter|director|painter)(?:[ \t]+(?:is|was))?[ \t]*,?[ \t]+)\Z"
)
_COMPARED_BEFORE = re.compile(r"(?i:\b(?:feel\w*|look\w*|act\w*|sound\w*)[ \t]+like[ \t]+)\Z")
#: A work the figure is in, named before them ("in the movie Batman Begins, ").
_IN_WORK_BEFORE = re.compile(
    r"(?i:\b(?:in|from)[ \t]+(?:the[ \t]+)?(?:movie|film|show|series|book|novel|game|comic"
    r"|play|musical|cartoon|anime))[ \t]+(?:(?:[A-Z][\w'’:-]*|and|the|of|an?|in|on|to|for)[ \t]+)*"
    r"[A-Z][\w'’:-]*,?[ \t]+\Z"
)
_TITLE_BY_BEFORE = re.compile(r"[A-Z][\w'’]*,[ \t]+by[ \t]+\Z")  # "Meditations, by "
_WORK_AFTER = re.compile(
    rf"(?:['’]s?)?[ \t]+(?:[a-z]+[ \t]+)?(?i:{_WORKS}|fans?)\b"
    r"(?![ \t]+(?i:class(?:es)?|lessons?|teachers?|studio|group|school|camp|room|practice|recital))"
)
#: Whose a role is, before it ("our HOA president", "my church's musician").
_ROLE_OWNER = re.compile(r"(?i:\b(?:my|our|his|her|their|your)\b(?![ \t]+fav)|['’]s\b)")
#: A place or group of the writer's world before a cue ("the school play starring", "our
#: church's musician"): the work or role is local, its people private.
_LOCAL_BEFORE = re.compile(r"(?i:\b(?:school|community|church|local|class|college|camp|club)\b)")
#: A word after a compared name that makes it a clause about them ("feel like Linda hates").
_CLAUSE_VERB = re.compile(
    r"[ \t]+(?:(?i:has|had|is|was|does|did|will|would|can|could|should|might|may|must)\b"
    r"|[a-z]+(?:s|ed)\b)"
)
#: A writer naming themselves right before the name ("I'm ", "I am ", "this is ").
_SELF_BEFORE = re.compile(r"(?i:\b(?:i['’]?m|i[ \t]+am|this[ \t]+is|it['’]s))[ \t]*\Z")
_ME_AND_BEFORE = re.compile(r"\b(?i:me)[ \t]+(?:and|&)[ \t]+\Z")
#: Words right after the name that tie its bearer to the writer, or make them a namesake or a
#: practitioner.
_MINE_AFTER = re.compile(
    r"(?:,[ \t]*(?i:my|our)\b|[ \t]*\([ \t]*(?i:my|our)\b|[ \t]+(?i:from)[ \t]+(?i:my|our)\b"
    r"|,?[ \t]+(?:and|&)[ \t]+(?:I|me)\b|,?[ \t]*\(?[ \t]*\d{1,2}[ \t]*[MFmf]\b|,[ \t]*\d{1,2},"
    r"|,?[ \t]+(?:Jr|Sr|II|III|IV)\b|,?[ \t]*(?:LMFT|LPCC?|LCSW|LMHC|LCPC|MFT|MSW|PhD|PsyD|MD"
    r"|RN|NP|EdD|Ed\.D|Ph\.D|M\.D)\b"
    r"|,[ \t]*(?i:the|a|an|this|that)[ \t]+(?i:guy|girl|man|woman|boy|person|kid|lady|dude)\b"
    r"|[ \t]+(?i:is|was)[ \t]+(?:[a-z]+[ \t]+){0,5}?(?i:my|our|mine|me)\b)"
)
#: Someone's person word right before a name ("my cousins, ", "her best friends ").
_OWNED_BEFORE = re.compile(
    r"(?i:\b(?:my|our|his|her|their|your)[ \t]+(?:[a-z-]+[ \t]+)?(?P<rel>[a-z-]+)['’]?[ \t]*"
    r"[,:(]?[ \t]*)\Z"
)
#: A list's joint before a name ("George Clooney, Sandra Bullock, and ").
_LIST_BEFORE = re.compile(r"(?:,[ \t]*(?:(?:and|or|&)[ \t]+)?|[ \t]+(?:and|or|&)[ \t]+)\Z")
_RUN_BEFORE = re.compile(r"(?<![\w'’])(?:[A-Z][\w'’-]*[ \t])*[A-Z][\w'’-]*\Z")
_POSSESSIVE_END = re.compile(r"['’]s?\Z")
_PERSON_WORDS = RELATIONS | {
    "client", "patient", "officer", "professor", "sir", "madam", "miss", "mister", "lady",
    "lord", "sister", "brother", "father", "mother", "saint", "st", "captain", "sergeant",
    "detective", "agent", "judge", "coach", "nurse", "auntie", "granny", "grandma", "grandpa",
}  # fmt: skip
_CUE_REACH = 40
_LIST_DEPTH = 4


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


def names_public_figure(text: str, run_start: int, run_end: int, depth: int = 0) -> bool:
    """Whether the capitalised run ``text[run_start:run_end]`` is a famous person's or
    character's name (``is_famous``) that the words around name as the public figure (see the
    module's docstring)."""
    found = _famous_name(text, run_start, run_end)
    if found is None:
        return False
    start, end = found
    if _tied_to_writer(text, start, end, depth) or _tied_elsewhere(text, start, end):
        return False
    if " " not in text[start:end] or _cued(text, start, end):
        return True
    previous = _previous_in_list(text, start) if depth < _LIST_DEPTH else None
    return previous is not None and names_public_figure(text, *previous, depth + 1)


def _famous_name(text: str, run_start: int, run_end: int) -> tuple[int, int] | None:
    """Where the run's famous name is: the whole run but a possessive, or the run after an
    ordinary word ("Watch George Clooney"); never a name that opens with a person word or a
    title ("Uncle Bob", "Officer Davis", "Aunt May")."""
    run = _POSSESSIVE_END.sub("", text[run_start:run_end])  # "Aristotle's"
    first, _, rest = run.partition(" ")
    if first.lower().rstrip(".") in _PERSON_WORDS:
        return None
    if is_famous(run):
        return run_start, run_start + len(run)
    if rest and is_ordinary(first) and is_famous(rest):
        start = run_start + len(first) + 1
        return start, start + len(rest)
    return None


def _cued(text: str, start: int, end: int) -> bool:
    """Whether the words right around the name speak of the public figure."""
    before = max(0, start - _CUE_REACH)
    if _LOCAL_BEFORE.search(text, before, start) is not None:
        return False  # "the school play starring ...", "our church choir's singer ..."
    if _WORK_AFTER.match(text, end) is not None:
        return True
    if _PUBLIC_BEFORE.search(text, before, start) is not None:
        possessive = text.startswith(("'s", "’s"), end)
        return not possessive  # "reading Jennifer Lee's texts": her texts, not her work
    role = _ROLE_BEFORE.search(text, before, start)
    if role is not None:
        return _ROLE_OWNER.search(text, max(0, role.start() - 20), role.start()) is None
    if _COMPARED_BEFORE.search(text, before, start) is not None:
        return _CLAUSE_VERB.match(text, end) is None
    return (
        _IN_WORK_BEFORE.search(text, max(0, start - 2 * _CUE_REACH), start) is not None
        or _TITLE_BY_BEFORE.search(text, before, start) is not None
    )


def _tied_to_writer(text: str, start: int, end: int, depth: int) -> bool:
    """Whether the words around make the name a private person's the writer knows, or a list
    it goes on makes the name before it one ("my cousins, Ann Lee and Oprah Winfrey")."""
    before = max(0, start - _CUE_REACH)
    possessive = text.startswith(("'s", "’s"), end)  # "I'm Michael Jackson's biggest fan"
    if (
        in_person_slot(text, start)
        or _owned(text, start)
        or after_title(text, start)
        or (not possessive and _SELF_BEFORE.search(text, before, start) is not None)
        or _ME_AND_BEFORE.search(text, before, start) is not None
        or greets(text, start)
        or signs_off(text, start)
        or _MINE_AFTER.match(text, end) is not None
    ):
        return True
    previous = _previous_in_list(text, start) if depth < _LIST_DEPTH else None
    return previous is not None and _tied_to_writer(text, *previous, depth + 1)


def _tied_elsewhere(text: str, start: int, end: int) -> bool:
    """Whether another mention of the same name in the text is tied to the writer ("I listen
    to Taylor Swift and David Lee; David Lee is the boy in my class")."""
    name = text[start:end]
    return any(
        _tied_to_writer(text, other.start(), other.end(), _LIST_DEPTH)
        for other in re.finditer(re.escape(name), text)
        if other.start() != start
    )


def _owned(text: str, start: int) -> bool:
    """Whether a person word, one or many, of the writer's or someone's comes right before
    ("my cousins, ", "our neighbours "): ``in_person_slot`` knows the singular only."""
    cue = _OWNED_BEFORE.search(text, max(0, start - _CUE_REACH), start)
    if cue is None:
        return False
    word = cue["rel"].lower()
    return any(w in _PERSON_WORDS for w in (word, word.removesuffix("s"), word[:-2]))


def _previous_in_list(text: str, start: int) -> tuple[int, int] | None:
    """The capitalised run that the name goes on from in a list ("George Clooney, " before
    "Sandra Bullock"), if any."""
    joint = _LIST_BEFORE.search(text, max(0, start - 8), start)
    if joint is None:
        return None
    previous = _RUN_BEFORE.search(text, max(0, joint.start() - _CUE_REACH), joint.start())
    return None if previous is None else previous.span()
