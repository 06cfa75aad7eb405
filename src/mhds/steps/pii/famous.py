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
A capitalised run that is one, matched as written (or after a sentence's ordinary first word
that is no given name or title: "Watch George Clooney", not "Principal John Smith"), is kept
only where the words around speak of the public figure:

- taking in their work before it ("listening to", "rereading", "a fan of", "played by",
  "starring", "the writings of", "the book Harry Potter") with no clause of theirs after it
  ("watching Jennifer Lee flirt", "the book Jennifer Lee recommended"), no possessive ("reading
  Jennifer Lee's texts") and no private writing or event before ("a prank played by");
- a role of public work that is no one's own ("the singer", "actor"; not "our HOA's
  president", "I'm in a band and the singer"), or a comparison that is no clause ("I feel
  like Harry Potter", not "I feel like Linda never listens");
- a film, show or book they are in ("in the movie Batman Begins, Bruce Wayne"), a title and
  ", by" near words of reading ("the classics: Meditations, by Marcus Aurelius"), or their
  work after the name ("Michael Jackson's songs", "the Emma Stone movie", "a Laura Palmer
  fan") with no one's person word in the sentences just before ("My sister died last year.
  Reading Amy Lee's poems ...");
- a list that goes on from a name kept so ("played by George Clooney, Sandra Bullock, and
  Jack Nicholson");
- for a one-word name, also a thought or saying of theirs after it ("Aristotle's ethics",
  "Socrates said"; not "Nagarjuna said he would call").

None counts in a local setting ("the school play starring", "songs ... for our band", "sung by
... from church"), and never where the words around tie the name to a private person: a
person word of someone's before it ("my coworker", "my cousins,", "Aunt"), a title ("Dr. John
Smith"), a self-introduction ("I'm Michael Jackson"), a greeting, the text's signature, "me
and" before it, or after it "my" or "our" ("George Clooney, my neighbour", "Michael Jackson
from my office"), "and I", "of mine", an age and sex ("Emma Watson (22F)"), a namesake's
suffix ("George Clooney, Jr."), a credential ("Layla Hassan, LMFT"), a person noun (", the guy
who", ", her coach") or "is ... my" ("David Lee is the boy in my class"); nor on a list that
goes on from such a name, nor where another mention of the same name is tied so.
"""

from __future__ import annotations

import re
from functools import cache

from mhds.steps.pii.gazetteer import is_given_name
from mhds.steps.pii.keep_terms import RELATIONS
from mhds.steps.pii.lexicon import (
    STRAIGHT_APOSTROPHES,
    is_ordinary,
    one_edit_apart,
    packaged_table,
)
from mhds.steps.pii.name_cues import after_title, greets, in_person_slot
from mhds.steps.pii.signatures import signs_off

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
    r"|(?:the|a)[ \t]+(?:movie|film|show|series|book|novel|comic)"
    rf"|(?:{_WORKS})[ \t]+(?:of|by|from))[ \t]+(?:(?:a|an|the|some|more)[ \t]+)?)\Z"
)
_ROLE_BEFORE = re.compile(
    r"(?i:\b(?:singer|actor|actress|rapper|comedian|author|poet|novelist|musician|philosopher"
    r"|songwriter)(?:[ \t]+(?:is|was))?[ \t]*,?[ \t]+)\Z"
)
_COMPARED_BEFORE = re.compile(
    r"(?i:\b(?:feel\w*|look\w*|act(?:s|ed|ing)?|sound\w*)[ \t]+like[ \t]+)\Z"
)
#: A work the figure is in, named before them ("in the movie Batman Begins, "); not a game or
#: a play, which private people play and stage.
_IN_WORK_BEFORE = re.compile(
    r"(?i:\b(?:in|from)[ \t]+(?:the[ \t]+)?(?:movie|film|show|series|book|novel|comic|cartoon"
    r"|anime))[ \t]+(?:(?:[A-Z][\w'’:-]*|and|the|of|an?|in|on|to|for)[ \t]+)*"
    r"[A-Z][\w'’:-]*,?[ \t]+\Z"
)
_TITLE_BY_BEFORE = re.compile(r"[A-Z][\w'’]*,[ \t]+by[ \t]+\Z")  # "Meditations, by "
#: Reading, near a title and ", by": the title is a book's, not a painting's at a show.
_READING = re.compile(r"(?i:\b(?:books?|read\w*|novels?|authors?|classics|poems?|poetry)\b)")
_NOUN_WORKS = (
    r"songs?|music|albums?|lyrics|movies?|films?|episodes?|books?|novels?|memoir|poems?"
    r"|poetry|writings|teachings|podcasts?|documentar(?:y|ies)|biopic|paintings?|interviews?"
)
_WORK_AFTER = re.compile(
    rf"(?:(?:['’]s?)[ \t]+(?:[a-z]+[ \t]+)?|[ \t]+)(?i:{_NOUN_WORKS}|fans?)\b"
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
    r"|[a-z]+(?:s|ed)\b|[a-z]+n['’]t\b|(?:never|just|only|really|always|still|even|actually"
    r"|probably|clearly|also|already|kind[ \t]+of|sort[ \t]+of|[a-z]+ly)\b)"
)
#: Words that may follow a name taken in as a work ("listening to X nonstop", "read X and"):
#: any other lowercase word makes the name a clause's subject ("watching X flirt", "the book
#: X recommended", "reading X the story").
_FREE_AFTER = re.compile(
    r"(?:[ \t]*(?:[.,;:!?)\]\"”']|\Z)|[ \t]+(?i:and|or|but|on|in|at|for|with|again|nonstop"
    r"|lately|all|every|when|while|since|because|now|today|too|as|a[ \t]+lot|so|is|was|has|had"
    r"|(?:talk|speak|sing|perform|explain|read|play)\w*[ \t]+(?:about|live|on|in)"
    r")\b|[ \t]+[A-Z]\w*)"
)
#: My or our later in the clause after a work's name ("Tom Cooper's songs for our band",
#: "sung by Maria Perez from church").
_MINE_LATER = re.compile(
    r"[^.!?\n]{0,60}?\b(?:(?i:for|in|at|from|with|into)[ \t]+(?i:our)\b"
    r"|(?i:from|at)[ \t]+(?:church|school|work|class|group))"
)
#: A private piece of writing or event right before a cue ("a prank played by", "the card
#: written by", "the spring concert starring").
_PRIVATE_AGENT_BEFORE = re.compile(
    r"(?i:\b(?:prank|trick|joke|note|letter|email|e-mail|text|message|review|report|card|post"
    r"|comment|student|wedding|spring|drama|funeral|memorial|talent)\b)"
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
    r"|[ \t]+(?i:is|was)[ \t]+(?:[a-z]+[ \t]+){0,5}?(?i:my|our|mine|me)\b"
    r"|,[ \t]*(?i:his|her|their|a|an|the)[ \t]+(?:[a-z]+[ \t]+)?(?i:client|patient|member|friend"
    r"|coworker|co-worker|classmate|student|coach|teacher|boss|neighbou?r|cousin|colleague)\b"
    r"|,?[ \t]+(?i:of[ \t]+mine)\b)"
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
#: Relations, and roles and forms of address that stand before a private person's name.
_PERSON_WORDS = RELATIONS | {
    "client", "patient", "officer", "professor", "sir", "madam", "miss", "mister", "lady",
    "lord", "saint", "st", "captain", "sergeant", "detective", "agent", "judge",
}  # fmt: skip
#: Words a run may open with that are part of the name, never an ordinary word before it
#: ("Principal John Smith", "Big Mike Johnson").
_NOT_STRIPPED = frozenset(
    {"principal", "dean", "rabbi", "imam", "reverend", "deputy", "chef", "bishop", "elder"}
    | {"chief", "sheriff", "big", "little", "young", "old", "baby", "president", "governor"}
    | {"senator", "mayor", "councilman", "superintendent", "trooper", "pastor", "cantor"}
    | {"sensei"}
)
#: After a one-word name: a thought of theirs ("Aristotle's ethics"), maybe with one word of
#: its kind before it ("Aristotle's virtue ethics"; not before "works", which may be a verb:
#: "Plato's leash works"), or their saying it ("Socrates said"; not "... said he would call"
#: or "... told me").
_ATTRIBUTED = re.compile(
    r"(?:['’]s[ \t]+(?:(?:[a-z]+[ \t]+)?(?i:ethics|philosophy|ideas?|teaching|concept|theory)"
    r"|(?i:view|works?|writings))\b"
    r"|[ \t]+(?i:said|says|wrote|writes|taught|teaches|argued|argues|believed|believes|called)\b"
    r"(?![ \t]+(?i:he|she|they)\b|[^.!?\n]*\b(?i:me|us)\b))"
)
#: Someone's word before a name's work, a sentence or two back ("my sister", "her late
#: sister", "my client's sister").
_SOMEONES = re.compile(
    r"(?i:\b(?:my|our|his|her|their|your|[a-z]+['’]s)[ \t]+(?:(?:late|little|older|younger"
    r"|best|big|baby|step|ex|new|old)[ \t-]+)?(?P<rel>[a-z-]+))"
)
#: The writer, later in the name's sentence ("... shouted at me", "... and our kids").
_WRITER_LATER = re.compile(r"[^.!?\n]*\b(?i:me|us|my|our|mine)\b")
_CUE_REACH = 40
_KIN_REACH = 160
_LIST_DEPTH = 4
#: A group the writer is in, earlier in a role's sentence ("I'm in a band and the singer").
_ROLE_SENTENCE_OWNER = re.compile(r"(?i:\b(?:band|hired|my(?![ \t]+fav)|our)\b)")


#: Initials written together ("H.P. Lovecraft"), as the table writes them apart.
_GLUED_INITIALS = re.compile(r"(?<=\b[A-Z]\.)(?=[A-Z]\.)")
#: Names shorter than this are not matched to a name of the table by a near miss.
_MIN_MISSPELT = 14
#: Initials right before a run ("H.P. " of "H.P. Lovecraft", "J. K. " of "J. K. Rowling").
_INITIALS_BEFORE = re.compile(r"(?<![\w.])(?:[A-Z]\.[ \t]?){1,3}[ \t]\Z")
_INITIALS_REACH = 9


@cache
def _famous() -> frozenset[str]:
    return frozenset(packaged_table("famous_people.txt.gz").splitlines())


@cache
def _by_first_word() -> dict[str, tuple[str, ...]]:
    """The table's names of two words or more, by their first word."""
    groups: dict[str, list[str]] = {}
    for name in _famous():
        first, space, _ = name.partition(" ")
        if space and len(name) >= _MIN_MISSPELT - 1:  # one letter dropped from a long name
            groups.setdefault(first, []).append(name)
    return {first: tuple(names) for first, names in groups.items()}


def load() -> None:
    """Read the table now, not at the first name a batch meets."""
    _by_first_word()


def _as_the_table_writes(name: str) -> str:
    """``name`` with straight apostrophes and its initials apart ("H. P. Lovecraft")."""
    return _GLUED_INITIALS.sub(" ", name.translate(STRAIGHT_APOSTROPHES))


def is_famous(name: str) -> bool:
    """Whether ``name`` ("Marcus Aurelius", "Bruce Wayne", "H.P. Lovecraft") is a name of the
    table, as written or with its initials apart."""
    return _as_the_table_writes(name) in _famous()


def is_misspelt_famous(name: str) -> bool:
    """Whether ``name`` is a long name of the table (14 characters or more) with one letter
    changed, added or dropped after its first word ("Edgar Allen Poe")."""
    name = _as_the_table_writes(name)
    first, space, _ = name.partition(" ")
    if not space or len(name) < _MIN_MISSPELT:
        return False
    return any(one_edit_apart(name, known) for known in _by_first_word().get(first, ()))


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
    if _cued(text, start, end) or _cued_elsewhere(text, start, end):
        return True
    if " " not in text[start:end]:
        return _ATTRIBUTED.match(text, end) is not None
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
    if is_famous(run) or is_misspelt_famous(run):
        return run_start, run_start + len(run)
    initials = _INITIALS_BEFORE.search(text, max(0, run_start - _INITIALS_REACH), run_start)
    if initials is not None and is_famous(initials[0] + run):
        return initials.start(), run_start + len(run)  # "H.P. " before "Lovecraft"
    ordinary = is_ordinary(first) and not is_given_name(first)
    if rest and ordinary and first.lower() not in _NOT_STRIPPED and is_famous(rest):
        start = run_start + len(first) + 1
        return start, start + len(rest)
    return None


def _cued(text: str, start: int, end: int) -> bool:
    """Whether the words right around the name speak of the public figure."""
    before = max(0, start - _CUE_REACH)
    if _LOCAL_BEFORE.search(text, before, start) or _MINE_LATER.match(text, end):
        return False  # "the school play starring ...", "Tom Cooper's songs for our band"
    if _WORK_AFTER.match(text, end) is not None:
        return not _kin_nearby(text, start)  # "My sister died. Reading Amy Lee's poems ..."
    public = _PUBLIC_BEFORE.search(text, before, start)
    if public is not None:
        return _taken_in(text, public.start(), end)
    role = _ROLE_BEFORE.search(text, before, start)
    if role is not None:
        return _public_role(text, role.start())
    if _COMPARED_BEFORE.search(text, before, start) is not None:
        return _CLAUSE_VERB.match(text, end) is None
    return _IN_WORK_BEFORE.search(text, max(0, start - 2 * _CUE_REACH), start) is not None or (
        _TITLE_BY_BEFORE.search(text, before, start) is not None
        and _READING.search(text, max(0, start - 2 * _CUE_REACH), start) is not None
    )


def _kin_nearby(text: str, start: int) -> bool:
    """Whether someone's person word comes in the sentences just before the name ("my sister",
    "my client's sister", "our cousin"): a work named after it may be theirs ("My cousin
    released an EP. Jack Johnson's songs ...")."""
    return any(
        _is_person_word(cue["rel"])
        for cue in _SOMEONES.finditer(text, max(0, start - _KIN_REACH), start)
    )


def _taken_in(text: str, cue: int, end: int) -> bool:
    """Whether a name after a cue of taking in a work (``_PUBLIC_BEFORE`` at ``cue``) is the
    work's figure: no possessive ("reading Jennifer Lee's texts"), no clause of theirs after
    ("watching Jennifer Lee flirt"), no private piece of writing or event before ("a prank
    played by")."""
    if text.startswith(("'s", "’s"), end) or _FREE_AFTER.match(text, end) is None:
        return False
    return _PRIVATE_AGENT_BEFORE.search(text, max(0, cue - 25), cue) is None


def _public_role(text: str, role: int) -> bool:
    """Whether the role at ``role`` is no one's own: no owner right before ("our HOA's") and
    no band or hiring of the writer's earlier in its sentence ("I'm in a band and the
    singer")."""
    sentence = max(text.rfind(".", 0, role), text.rfind("\n", 0, role), 0)
    return (
        _ROLE_OWNER.search(text, max(0, role - 20), role) is None
        and _ROLE_SENTENCE_OWNER.search(text, sentence, role) is None
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


def _cued_elsewhere(text: str, start: int, end: int) -> bool:
    """Whether another mention of the same whole name in the text is named as the public
    figure ("while watching Harry Potter, then Harry Potter becomes that movie"), and this
    one's sentence says nothing of the writer after it ("... Taylor Swift shouted at me")."""
    name = text[start:end]
    if " " not in name or _WRITER_LATER.match(text, end):
        return False
    return any(
        _cued(text, other.start(), other.end())
        for other in re.finditer(re.escape(name), text)
        if other.start() != start
    )


def _owned(text: str, start: int) -> bool:
    """Whether a person word, one or many, of the writer's or someone's comes right before
    ("my cousins, ", "our neighbours "): ``in_person_slot`` knows the singular only."""
    cue = _OWNED_BEFORE.search(text, max(0, start - _CUE_REACH), start)
    return cue is not None and _is_person_word(cue["rel"])


def _is_person_word(word: str) -> bool:
    """A person word, one or many ("cousin", "cousins", "bosses")."""
    word = word.lower()
    return any(w in _PERSON_WORDS for w in (word, word.removesuffix("s"), word[:-2]))


def _previous_in_list(text: str, start: int) -> tuple[int, int] | None:
    """The capitalised run that the name goes on from in a list ("George Clooney, " before
    "Sandra Bullock"), if any."""
    joint = _LIST_BEFORE.search(text, max(0, start - 8), start)
    if joint is None:
        return None
    previous = _RUN_BEFORE.search(text, max(0, joint.start() - _CUE_REACH), joint.start())
    return None if previous is None else previous.span()
