"""Published works a text cites and the people credited with them, found by their slot: a
title, then "by" and the names ("“The Jealousy Workbook” by Kathy Labriola", "the book Healing
Trauma, by Peter Levine", "a TED talk by Brené Brown", "a therapy developed by Marsha
Linehan"), an author-date citation ("(Gagnon & Simon, 1973)", "Robinson (2012)"), a quotation's
author after a dash ('"... without your consent." - Eleanor Roosevelt'), a possessive before a
title after a verb of reading ("read Greene's Explosive Child"), a full name that wrote a
named book ("Rick Hanson, he wrote the book Buddha's Brain"; not where the sentence goes on to
the writer: "... and gave me a copy"), or a full name's book named after it ("Betty Dodson's
book Sex for One"; not "... came out last week; she's my sister-in-law").

Only reading is credited: a quoted title counts where the text around it speaks of books or
articles, and films, songs and their casts do not count at all ("a film directed by X", "“Tube
Snake Boogie” by X" name people the way a private person is named, and generated test corpora
label them as identifiers).

A name credited with a work is a public figure, and the work's title a publication, whether or
not the allowlist (:mod:`mhds.steps.pii.resources`) lists them; the keep-list spares both. The
same person named again in the text (their full name, or their surname alone as written) is
that figure too, where the keep-list finds the mention cited. A name after a relation ("a poem
by my friend Anna") is never credited: the keep-list asks the person slot first. Nor is a name
tied to the writer right after it ("the book Driftwood, by Anna Lee, my neighbour"), one
credited with a work that someone of the writer's wrote ("My cousin wrote the book ..."), or
one after a book club ("a Book Club by Anna Lee"): no one authors a club.
"""

from __future__ import annotations

import re

from mhds.steps.pii.gazetteer import is_given_name
from mhds.steps.pii.lexicon import POSSESSIVE_AFTER, is_name_like, sentence_start
from mhds.steps.pii.name_cues import PERSON_VERB_AFTER, glued_word_cut

#: The kind of a range whose slot credits the person with a work ("by", "(Simon, 1973)"): the
#: slot is the citation. Their other mentions are "public_figure", cited only in context.
CREDITED = "credited_figure"
#: A capitalised word with a lower-case letter, read whole (possessive: no backtracking into
#: it, so a long list of capitalised words cannot make the search exponential), or an initial.
_NAME_WORD = r"(?:[A-Z]\.|[A-Z](?=[\w'’-]*[a-z])[\w'’-]*+)"
#: A capitalised word of letters (and a hyphen), or an initial: a name word that a possessive
#: may follow.
_LETTERS_WORD = r"(?:[A-Z]\.|[A-Z][^\W\d_]*+(?:-[A-Z][^\W\d_]*+)?)"
_PARTICLE = r"(?:de|da|del|van|von|der|den|di|du|la|le|st\.?)"
#: One credited name: capitalised words with an initial or a particle among them.
_NAME = (
    rf"(?:(?:Drs?\.?|Prof\.?)[ \t]+)?{_NAME_WORD}"
    rf"(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_NAME_WORD}){{0,3}}"
)
#: Names joined by commas, "&" and "and" ("Dossie Easton & Janet Hardy").
_NAMES = re.compile(rf"{_NAME}(?:[ \t]*(?:,|&|,?[ \t]+and)[ \t]+{_NAME})*")
#: A quoted title right before "by" ending the text ("“Love in Abundance” by", '"The Secret to
#: Desire" (Ted Talk) by'), the quote's text in ``title``.
_QUOTED_BY = re.compile(
    r"[“\"«‘'](?P<title>[A-Z0-9][^“”\"«»\n]{1,160}?)[”\"»’'][ \t]*(?:\([^()\n]{1,30}\)[ \t]*)?"
    r",?[ \t]*by[ \t]+\Z"
)
#: A work's noun a few words before "by" ("the book Healing Trauma, by", "a talk by").
_WORK_NOUN = re.compile(
    r"(?i:\b(?:book|books|workbook|novel|memoir|article|essay|study|studies|research|paper"
    r"|podcast|talk|lecture|course|guide|chapter|theory|model|method|approach|technique"
    r"|framework))\b(?![ \t]+(?i:club|clubs|group|groups|store|shop|fair|drive|signing)\b)"
)
#: What may stand between a work's noun and "by", to the end of the text (a list's opening
#: and one title: "books about family dynamics, such as:Toxic Parents: Overcoming Their
#: Hurtful Legacy and Reclaiming Your Life by").
_BETWEEN_BY = re.compile(r"(?P<between>[^.!?\n“”\"]{0,160}?)[ \t]*,?[ \t]*by[ \t]+\Z")
#: A verb of authorship right before "by" ("developed by", "coined by"). Reading "anything by"
#: someone is no such verb: a coworker's or a cousin's blog is read as well ("reading everything
#: by Jenna, my coworker").
_MADE_BY = re.compile(
    r"(?i:\b(?:authored|co-authored|developed|coined|founded|pioneered|popularized"
    r"|popularised))[ \t]+by[ \t]+\Z"
)
_BY = re.compile(r"\bby[ \t]+(?=[A-Z])")
_YEAR = r"(?:19|20)\d\d[a-z]?"
#: An author-date citation, surnames only as such citations write them: "(Gagnon & Simon,
#: 1973)", "Robinson (2012)", "(Linehan et al., 1991)"; not "(Robert Kowalski, 2019)".
_CITATION = re.compile(
    rf"\((?P<inside>{_NAME_WORD}(?:[ \t]*(?:,|&|,?[ \t]+and)[ \t]+{_NAME_WORD})*+)"
    rf"(?:[ \t]+et[ \t]+al\.?)?,?[ \t]+{_YEAR}(?:[,;][^()\n]{{0,20}})?\)"
    rf"|(?<![\w'’])(?P<before>{_NAME_WORD}(?:[ \t]*(?:,|&|,?[ \t]+and)[ \t]+{_NAME_WORD})*+)"
    rf"(?:[ \t]+et[ \t]+al\.?)?[ \t]*\({_YEAR}\)"
)
#: A capitalised title run ending the text before "by" ("Healing Trauma,").
_TITLE_RUN = re.compile(
    r"(?:[A-Z][\w'’:-]*[ \t]+(?:(?:of|the|and|a|an|to|for|in|on|with)[ \t]+)*)*"
    r"[A-Z][\w'’-]*[ \t]*,?[ \t]*\Z"
)
_REACH = 200
#: Words that make a quoted title something to read (a book, an article, a workbook).
_READING = re.compile(
    r"(?i:\b(?:books?|workbooks?|reading|novels?|memoirs?|articles?|essays?|authors?"
    r"|chapters?|guides?|bibliotherapy|library|libraries|amazon|publish\w*|talks?|lectures?"
    r"|podcasts?))\b"
)
_CONTEXT_REACH = 400
_CONTEXT_AFTER = 120
#: How far a quoted title may stand after the last one read for it to be read too.
_CHAIN_REACH = 600
_CUE_REACH = 40
#: A given name right before a credited surname, however spelt ("Alber" of "Alber Ellis").
_GIVEN_BEFORE = re.compile(r"(?<![\w'’.])[A-Z][a-z]+[ \t]\Z")
#: Words right before a narrative citation that make it one ("listed by Robinson (2012)").
_NARRATIVE_CUE = re.compile(
    r"(?i:\b(?:by|see|cf\.?|per|according[ \t]+to|research[ \t]+(?:by|of|from)|work[ \t]+of))"
    r"\s*\Z"
)
#: A sentence's first word glued to a name's end by a missing space ("ChapmanAnd").
_GLUED_WORD = re.compile(
    r"(?<=[a-z])(?:And|The|I|In|If|It|This|That|But|For|An?|Or|So|My|Also|You|We)\Z"
)
_CALENDAR = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
     "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december", "christmas", "easter", "thanksgiving", "then", "now"}
)  # fmt: skip
#: A quotation of four words or more, then a dash and who said it, by full name, ending the
#: sentence or the line ("“No one can make you feel inferior ...” - Eleanor Roosevelt.").
_ATTRIBUTION = re.compile(
    rf"[“\"](?P<quote>[^“”\"\n]{{12,400}})[”\"][ \t]*[-–—―][ \t]*(?P<names>{_NAME})[ \t]*"
    r"(?=[.!\n]|\Z)"
)
_MIN_QUOTED_WORDS = 4
#: A possessive name before a title-case work after a verb of reading ("read Greene's
#: Explosive Child", "recommend Gottman's Seven Principles").
_READ_POSSESSIVE = re.compile(
    r"(?i:\b(?:read|reading|recommend|try)[ \t]+)(?P<names>[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,2})"
    r"['’]s[ \t]+"
    r"(?P<title>[A-Z][\w'’-]*(?:[ \t]+(?:(?:of|the|and|a|an|to|for|in|on|with)[ \t]+)*"
    r"[A-Z][\w'’-]*)*)"
)
_SPLIT = re.compile(r"[ \t]*(?:,|&|,?[ \t]+and)[ \t]+")
#: The writer or someone's relation, in the sentence of a "wrote the book" credit or a full
#: name's book, or in the one before or after it ("Reading my grandma's book wrecked me. X
#: wrote the book ...", "... He's my cousin", "I'm her aunt", "Your brother-in-law ...", "At
#: group last night"): the author is someone known, not a public one.
#: Not the "we" and "our" of advice ("he teaches that we ... hold in our mind").
_SOMEONE_KNOWN = re.compile(
    r"(?i:\b(?:me|my|mine|myself)\b|\bI['’]?m[ \t]+(?:her|his|their)\b"
    r"|\byour[ \t]+(?:[a-z-]+[ \t]+)?(?:brother|sister|mother|father"
    r"|mom|dad|husband|wife|partner|son|daughter|cousin|aunt|uncle|friend|boss|ex|family)"
    r"(?:-in-law)?\b"
    r"|\b(?:at|in|from)[ \t]+(?:(?:my|our|the)[ \t]+)?(?:[\w-]+[ \t]+)?group\b)"
)
#: The writer in a sentence at all ("I", "we", "us", "our"), or someone known: a book named
#: after its owner's full name there is no public author's.
_WRITER_IN = re.compile(rf"{_SOMEONE_KNOWN.pattern}|\b(?:I|we|We|us|our|Our)\b")
#: A title's first word that makes the words after an owner's book no title ("Kevin Walsh's book
#: Report is due").
_NOT_TITLE_WORDS = frozenset({"club", "report", "in", "on", "at", "is", "was", "and", "or"})
_SENTENCE_BREAK = re.compile(r"[.!?\n]+[\s\"”’)]*")
#: A full name that wrote a named book, right after it ("Rick Hanson, he wrote the book
#: Buddha's Brain", "Harriet Lerner wrote the book The Dance of Anger"): its author.
_WROTE_TITLE = re.compile(
    rf"(?P<names>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{1,3}})(?:[ \t]*,[ \t]*(?:who|he|she))?"
    r"[ \t]+(?:wrote|authored|co-authored)[ \t]+(?:the|a)[ \t]+(?:book|workbook|novel|memoir)"
    r"[ \t]+(?:(?:called|titled|entitled)[ \t]+)?[“\"]?"
    r"(?P<title>[A-Z][\w'’-]*(?:[ \t]+(?:(?:of|the|and|a|an|to|for|in|on|with)[ \t]+)*"
    r"[A-Z][\w'’-]*)*)"
)
#: A full name's book, its title of two words or more right after it ("Betty Dodson's book Sex
#: for One", "Brené Brown's new book, Rising Strong"): its author, unless a title before the
#: name, the title's first word or the sentences around make it someone's own or owned book
#: ("Mrs. Jenna Hollis's book Club", "Kevin Walsh's book Friday", "... I am her aunt").
_POSSESSIVE_BOOK = re.compile(
    rf"(?<![\w'’.])(?<!(?i:dr|mr|ms)\.[ \t])(?<!(?i:mrs)\.[ \t])"
    rf"(?P<names>{_LETTERS_WORD}(?:[ \t]+{_LETTERS_WORD}){{1,3}})['’]s[ \t]+"
    r"(?:(?:new|latest|first|classic|famous|great|wonderful|excellent)[ \t]+)?"
    r"(?:book|workbook|novel|memoir)[ \t]*[,:]?[ \t]+[“\"]?"
    r"(?P<title>[A-Z][\w'’-]*(?:[ \t]+(?:(?:of|the|and|a|an|to|for|in|on|with)[ \t]+)*"
    r"[A-Z][\w'’-]*)+)"
)
#: The names tied to the writer right after them ("by Sarah Jones, my neighbour", "by Dana
#: Reyes (my aunt)", "by Sam Lee from our office"): someone's, not an author's.
_TIED_AFTER = re.compile(
    r"(?:[ \t]*,[ \t]*|[ \t]*\([ \t]*|[ \t]+(?i:from|of)[ \t]+)(?i:my|our|me)\b"
)
#: Someone of the writer's writing the work, earlier in its sentence ("My cousin wrote the book
#: Hope, by ...", "my aunt self-published a memoir"): their own, not a public author's; not
#: writing to someone ("My therapist wrote me a list: the book ...").
_OWN_WRITING = re.compile(
    r"(?i:\b(?:my|our)[ \t]+(?:[\w'’-]+[ \t]+){0,2}?(?:wrote|writes|has[ \t]+written"
    r"|published|self-published|is[ \t]+writing)\b(?![ \t]+(?:me|us|you|to|down|back)\b))"
)
_TITLES = re.compile(r"^(?:Drs?\.?|Prof\.?)[ \t]+")


def cited_works(text: str) -> list[tuple[int, int, str]]:
    """The titles ("publication") and credited people (:data:`CREDITED`) of the works ``text``
    cites, with author-date citations ("(Simon, 1973)", "Robinson (2012)"), and the people's
    other mentions as "public_figure", as sorted, non-overlapping (start, end, kind)."""
    people: set[str] = set()
    found = _credited_by(text, people)
    for said in _ATTRIBUTION.finditer(text):  # '"..." - Eleanor Roosevelt'
        if len(said["quote"].split()) >= _MIN_QUOTED_WORDS and " " in said["names"]:
            found.extend(_credit(text, said.start("names"), said["names"], CREDITED, people))
    for wrote in _WROTE_TITLE.finditer(text):  # "Rick Hanson, he wrote the book Buddha's Brain"
        if _SOMEONE_KNOWN.search(_sentences_around(text, wrote.start(), wrote.end())):
            continue  # "... wrote a book called Quiet Waters and gave me a copy": someone known
        found.append((wrote.start("title"), wrote.end("title"), "publication"))
        found.extend(_credit(text, wrote.start("names"), wrote["names"], CREDITED, people))
    for book in _POSSESSIVE_BOOK.finditer(text):
        first = book["title"].split()[0].lower()
        around = _sentences_around(text, book.start(), book.end())
        if first in _CALENDAR or first in _NOT_TITLE_WORDS or _WRITER_IN.search(around):
            continue  # "X's book Quiet Rivers came out; she's my sister-in-law": someone known
        found.append((book.start("title"), book.end("title"), "publication"))
        found.extend(_credit(text, book.start("names"), book["names"], CREDITED, people))
    for read in _READ_POSSESSIVE.finditer(text):  # "read Greene's Explosive Child"
        found.append((read.start("title"), read.end("title"), "publication"))
        found.extend(_credit(text, read.start("names"), read["names"], CREDITED, people))
    for citation in _CITATION.finditer(text):
        if citation["inside"] is not None:  # "(Gagnon & Simon, 1973)"
            found.extend(
                _credit(text, citation.start("inside"), citation["inside"], CREDITED, people)
            )
            continue
        # "Robinson (2012)": credited after "by", "see", "according to"; else cited in context
        cue = _NARRATIVE_CUE.search(text, max(0, citation.start() - _CUE_REACH), citation.start())
        kind = CREDITED if cue is not None else "public_figure"
        found.extend(_credit(text, citation.start("before"), citation["before"], kind, people))
    found.extend(_mentions(text, people, found))
    return _without_overlaps(found)


def _credited_by(text: str, people: set[str]) -> list[tuple[int, int, str]]:
    """The titles and credited names of the works "by" someone ("“The Jealousy Workbook” by
    Kathy Labriola", "the book Healing Trauma, by Peter Levine", a list of titles each "by" its
    author), remembering the people in ``people``."""
    found: list[tuple[int, int, str]] = []
    read_at = -_CHAIN_REACH  # where a credited quoted title last stood among reading
    credited_to = -1  # where the last credited names end
    for by in _BY.finditer(text):
        names = _NAMES.match(text, by.end())
        if names is None or names[0].lower() in _CALENDAR or _is_someones(text, by, names.end()):
            continue
        title = _title_before(text, by.start(), by.end())
        if title is None and credited_to >= 0:
            title = _next_title(text, credited_to, by.start())
        if title is None:
            continue
        quoted, start, end = title
        if quoted:
            around = text[max(0, by.start() - _CONTEXT_REACH) : by.end() + _CONTEXT_AFTER]
            if _READING.search(around) is None and by.start() - read_at > _CHAIN_REACH:
                continue  # a song's or a film's title: its people are not cited as a resource
        read_at = by.start()  # a list of books: the next title is read too
        if start < end:
            found.append((start, end, "publication"))
        credits = _credit(text, names.start(), names[0], CREDITED, people)
        found.extend(credits)
        credited_to = credits[-1][1] if credits else -1
    return found


def _sentences_around(text: str, start: int, end: int) -> str:
    """The sentence holding ``text[start:end]``, with the one before and the one after it."""
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(text)]
    before = [b for b in breaks if b <= start]
    after = [b for b in breaks if b > end]
    first = before[-2] if len(before) >= 2 else 0
    last = after[1] if len(after) >= 2 else len(text)
    return text[first:last]


def _is_someones(text: str, by: re.Match[str], names_end: int) -> bool:
    """Whether the work "by" names is someone's own, not a public author's: the names are tied
    to the writer right after them, or someone of the writer's wrote it earlier in the
    sentence."""
    if _TIED_AFTER.match(text, names_end):
        return True
    return _OWN_WRITING.search(text, sentence_start(text, by.start()), by.start()) is not None


def _credit(
    text: str, position: int, names: str, kind: str, people: set[str]
) -> list[tuple[int, int, str]]:
    """The ranges of the names in ``names`` (found from ``position``), remembered in
    ``people``; a sentence's first word glued on ("Gary ChapmanAnd") is left out."""
    ranges = []
    names = names[: glued_word_cut(names, 0, len(names))]  # "Susan ForwardCutting Loose"
    for raw in _SPLIT.split(names):
        name = _GLUED_WORD.sub("", raw)
        if not name or name.lower() in _CALENDAR:
            continue
        start = text.index(name, position)
        position = start + len(raw)
        ranges.append((start, start + len(name), kind))
        people.add(_TITLES.sub("", name))
    return ranges


def _title_before(text: str, by_start: int, by_end: int) -> tuple[bool, int, int] | None:
    """Whether the title is quoted, and its range before "by" (empty when the slot names no
    title), or None when what precedes "by" credits no work."""
    window_start = max(0, by_end - _REACH)
    window = text[window_start:by_end]
    quoted = _QUOTED_BY.search(window)
    if quoted is not None:
        return True, window_start + quoted.start("title"), window_start + quoted.end("title")
    if _MADE_BY.search(window) is not None:
        return False, by_start, by_start
    slots = [b for m in _WORK_NOUN.finditer(window) if (b := _BETWEEN_BY.match(window, m.end()))]
    if not slots:
        return None
    # the nearest work's noun first ("an approach outlined in the book, X, by"); a farther one
    # where the nearer stands inside the title ("books such as: A Guide to Calm by")
    for between in reversed(slots):
        if not between["between"].strip(" \t,:"):
            return False, by_start, by_start  # "a talk by", "the book by"
        run = _TITLE_RUN.search(between["between"])
        lead = between["between"][: run.start()].strip(" \t,") if run is not None else ""
        if run is None or (lead and not lead.endswith(":")):
            continue  # "a study group and got bullied by", "a book club run by": no credit
        start = window_start + between.start("between") + run.start()
        end = window_start + between.start("between") + len(between["between"].rstrip(" \t,"))
        return False, start, end
    return None


def _next_title(text: str, after: int, by_start: int) -> tuple[bool, int, int] | None:
    """The next title of a list of works, right after the last one's credited names and before
    "by" ("... by Susan ForwardCutting Loose: An Adult's Guide ... by Howard Halpern"), or
    None."""
    between = text[after:by_start]
    run = _TITLE_RUN.search(between)
    if run is None or between[: run.start()].strip(" \t,;:."):
        return None
    return False, after + run.start(), after + len(between.rstrip(" \t,"))


def _mentions(
    text: str, people: set[str], taken: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """Other mentions of the credited people: the full name, or the surname as written, with
    the given name before it however spelt ("Albert Ellis" credited, "Alber Ellis" again)."""
    forms = set(people)
    forms.update(p.split()[-1] for p in people if len(p.split()) > 1)
    found: list[tuple[int, int, str]] = []
    surnames = forms - people
    for form in sorted(forms, key=len, reverse=True):
        for match in re.finditer(rf"(?<![\w'’]){re.escape(form)}(?![\w])", text):
            span = match.span()
            given = _GIVEN_BEFORE.search(text, max(0, span[0] - _CUE_REACH), span[0])
            if form in surnames and given is not None:
                span = (given.start(), span[1])  # "Alber Ellis": a given name as written
            if not any(a < span[1] and span[0] < b for a, b, _ in taken + found):
                found.append((span[0], span[1], "public_figure"))
    return found


def _without_overlaps(ranges: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(ranges, key=lambda r: (r[0], -r[1])):
        if out and start < out[-1][1]:
            continue
        out.append((start, end, kind))
    return out


#: A verb of playing, watching or reading right before a title ("playing Kingdom Hearts",
#: "rewatching Frasier", "reading Harry Potter"): a game, a show or a book.
_CONSUMED_BEFORE = re.compile(
    r"(?i:\b(?:play(?:s|ed|ing)?|(?:re)?watch(?:es|ed|ing)?|binge[- ]?watch(?:ed|ing)?"
    r"|binged|binging|stream(?:s|ed|ing)?|(?:re)?read(?:s|ing)?))[ \t]+(?:the[ \t]+)?\Z"
)
#: A clause about the word before it, as said of a person ("watching Tom who ...").
_CLAUSE_AFTER = re.compile(r"[ \t]+(?:who|whom|while|when)\b")
_VERB_REACH = 24


def consumed_as_work(text: str, start: int, end: int) -> bool:
    """Whether the capitalised words ``text[start:end]`` are what a verb of playing, watching
    or reading right before them takes: a game, a show or a book
    ("playing Kingdom Hearts", "watching Breaking Bad"), when they are all ordinary words.
    A name-like word or a given name among them is someone looked after, played against or read
    to ("watching Tendai for my sister", "played Oisin at pool", "read Aoife a story", "watching
    Hope and Faith"), and so is a run with a possessive or a person's verb after it ("read
    Sarah's texts", "watched Tom cried")."""
    if _CONSUMED_BEFORE.search(text, max(0, start - _VERB_REACH), start) is None:
        return False
    if any(is_given_name(w) or is_name_like(w) for w in text[start:end].split()):
        return False  # "watching Tendai for my sister", "played Oisin at pool"
    return not (
        POSSESSIVE_AFTER.match(text, end)
        or PERSON_VERB_AFTER.match(text, end)
        or _CLAUSE_AFTER.match(text, end)
    )
