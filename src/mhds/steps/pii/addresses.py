"""Address parts NER misses: street lines in the formats of many countries, apartment and
suite numbers, the city and postcode lines of an address block, postcodes after a country,
and towns named by the shape of their name after a place preposition. Pure Python.

A street line needs a house number, and either a USPS street suffix after the name
("28792 Albert St", "5120 Ángela Trace"), a street word before it ("Via Tasso 129",
"Calle Mayor 5", "29 Rue de Tanger"), a street ending ("Magrethevej 298"), a street word of its
own after it ("Rákóczi út 96", "Berliner Straße 5") or a second number ("140 Pesolantie 44").
After a street or unit, the lines below it (real or escaped line breaks) that hold only
capitalised words and a postcode are the rest of the address, as is ", Town" on the same line.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

from mhds.steps.pii.address_terms import (
    PLACE_ENDINGS,
    STREET_ENDINGS,
    STREET_SUFFIXES,
    STREET_WORDS_AFTER,
    STREET_WORDS_BEFORE,
    STREET_WORDS_BEFORE_LOWER,
)
from mhds.steps.pii.gazetteer import is_city
from mhds.steps.pii.keep_terms import GEOGRAPHY, US_STATE_CODES, US_STATE_NAMES, term_key
from mhds.steps.pii.lexicon import has_digit, is_name_like, is_ordinary
from mhds.steps.pii.name_cues import is_abbreviated_title, is_addressee
from mhds.steps.pii.spans import Category, Span

#: Upper-case letters of the Latin, Greek and Cyrillic scripts, as a character class.
UPPER = "[" + "".join(c for c in map(chr, range(0x500)) if c.isupper()) + "]"
#: A capitalised token: a word with an upper-case first letter ("Ángela", "O'Neil", "Pl.").
CAP = rf"{UPPER}[^\W\d_]*(?:['’-][^\W\d_]+)*\.?"
PARTICLE = (
    r"(?:de|del|della|der|den|des|di|da|do|dos|das|du|la|le|les|los|las|el|van|von|y|e|am|an|im"
    r"|zum|zur)"
)
_NUM = r"(?<![\w.,$/#-])[0-9]{1,6}[A-Za-z]?(?:-[0-9]{1,4})?"
_HOUSE = r"[0-9]{1,4}[A-Za-z]?(?![\w-])"
_GAP = r"[ \t]+"
_WORD = rf"(?:{CAP}|{PARTICLE})"
#: A postcode: digits (US, most of Europe), the UK's "SW1A 1AA", Canada's "L5M 1X2".
POSTCODE = (
    r"[0-9]{4,6}(?:-[0-9]{3,4})?|[A-Z]{1,2}[0-9][A-Z0-9]?[ \t]?[0-9][A-Z]{2}"
    r"|[A-Z][0-9][A-Z][ \t]?[0-9][A-Z][0-9]"
)
_DIRECTION = r"(?:(?:[NSEW]\.?|North|South|East|West|N\.?[EW]\.?|S\.?[EW]\.?)[ \t]+)?"
_SUFFIX = "|".join(re.escape(s) for s in STREET_SUFFIXES)
_BEFORE = "|".join(re.escape(s) for s in STREET_WORDS_BEFORE)
_ENDING = "|".join(re.escape(s) for s in STREET_ENDINGS)

STREET_US = re.compile(
    rf"{_NUM}{_GAP}(?:[0-9]{{1,5}}{_GAP})?{_DIRECTION}(?:[0-9]{{1,3}}(?:st|nd|rd|th)|{CAP})"
    rf"(?:{_GAP}{CAP}){{0,3}}{_GAP}(?:{_SUFFIX})\b\.?"
)
STREET_BEFORE = re.compile(
    rf"(?:{_NUM}{_GAP})?(?<![\w.])(?:{_BEFORE})(?:{_GAP}{_WORD}){{1,5}},?{_GAP}{_HOUSE}"
)
STREET_ENDING = re.compile(
    rf"(?:{_NUM}{_GAP})?(?<![\w'’-]){UPPER}[^\W\d_]*(?:{_ENDING})(?:{_GAP}{CAP})?{_GAP}{_HOUSE}"
)
_BEFORE_ANY_CASE = "|".join(re.escape(s) for s in STREET_WORDS_BEFORE + STREET_WORDS_BEFORE_LOWER)
#: The house number first, then a street word before the name, as France, Belgium and North
#: Africa write it ("29 Rue de Tanger", "2921 rue Parc", "115 Av. Habib Bourguiba").
STREET_NUMBER_FIRST = re.compile(
    rf"{_NUM}{_GAP}(?:[0-9]{{1,5}}{_GAP})?(?<![\w'’-])(?:{_BEFORE_ANY_CASE})"
    rf"(?:{_GAP}{_WORD}){{1,5}}(?![\w'’-])"
)
_AFTER = "|".join(re.escape(s) for s in STREET_WORDS_AFTER)
#: A street word of its own after the name, then the house number ("Rákóczi út 96").
STREET_WORD_AFTER = re.compile(
    rf"(?:{_NUM}{_GAP})?(?<![\w'’-]){CAP}(?:{_GAP}{CAP}){{0,2}}{_GAP}(?:{_AFTER}){_GAP}{_HOUSE}"
)
STREET_TWO_NUMBERS = re.compile(rf"{_NUM}{_GAP}{CAP}(?:{_GAP}{_WORD}){{0,3}}{_GAP}{_HOUSE}")
#: A street named without a house number, after a street cue ("lives on Banik Bridge street",
#: "the corner of Yago Crescent and Carlos Prairie") or before the word "street".
STREET_NAMED = re.compile(
    r"(?:\b(?:on|of|off|along|down|up|across|corner[ \t]+of|and)[ \t]+(?:the[ \t]+)?"
    rf"(?P<v>{CAP}(?:{_GAP}{CAP}){{0,2}}{_GAP}(?:{_SUFFIX})\b\.?))"
    rf"|(?P<v2>(?<![\w'’-]){CAP}(?:{_GAP}(?:{CAP}|{PARTICLE}|[0-9]{{1,4}})){{0,3}})"
    r"[ \t]+(?:street|road|avenue)\b"
)
#: A name and a house number after a street cue, ending a clause ("lives on the north side of
#: Constitución 71.", "enter on Voldi 77 St."): the street words of no country needed.
STREET_AFTER_CUE = re.compile(
    r"\b(?:on|at|of|off)[ \t]+(?:the[ \t]+)?"
    rf"(?P<v>{CAP}(?:{_GAP}(?:{CAP}|{PARTICLE})){{0,4}}{_GAP}{_HOUSE}(?:{_GAP}(?:{_SUFFIX})\b\.?)?)"
    r"(?=[ \t]*(?:[.,;!?)]|\n|\\n|\Z))"
)
#: US military and diplomatic mail: "PSC 9781, Box 1646", "APO AA 02477", "USNS Couturier".
MILITARY = re.compile(
    r"\bPSC[ \t]+[0-9]{3,5},?[ \t]+Box[ \t]+[0-9]{3,5}\b|\b(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)"
    rf"[ \t]+[0-9]{{5}}\b|\b(?:USNS|USNV|USS|USCGC)[ \t]+{CAP}"
)
UNIT = re.compile(
    r"(?<![\w-])(?:Apt|Apartment|Suite|Ste|Unit|Flat|Rm|Room|Floor|Fl|Bldg|Building)\.?"
    r"[ \t]*#?[ \t]*[0-9]{1,5}[A-Za-z]?(?![\w-])"
)
_COUNTRIES = sorted(
    {" ".join(w.capitalize() for w in t.split()) for t in GEOGRAPHY if len(t) > 3}
    | set(US_STATE_NAMES),
    key=len,
    reverse=True,
)
POSTCODE_AFTER_PLACE = re.compile(
    rf"\b(?:{'|'.join(map(re.escape, _COUNTRIES))}){_GAP}(?P<v>{POSTCODE})(?![\w-])"
)
POSTCODE_CUE = re.compile(
    r"(?i:\b(?:zip(?:[ \t]?code)?|postal[ \t]+code|post[ \t]?code)(?:[ \t]+(?:is|was))?)"
    rf"[ \t:#]*(?P<v>[0-9]{{3,6}}(?:-[0-9]{{3,4}})?|[0-9]{{2}}-[0-9]{{3}}|(?:{POSTCODE}))(?![\w-])"
)
#: A five-digit postcode after a town ("Springdale, 72764", "Arveyes 13959") or before it, as
#: much of Europe writes it ("75011 Paris", "10115 Berlin"); the town's words decide.
POSTCODE_AFTER_TOWN = re.compile(
    rf"(?<![\w'’-])(?P<town>{CAP}(?:{_GAP}{CAP}){{0,2}}),?{_GAP}"
    r"(?P<v>[0-9]{5}(?:-[0-9]{4})?)(?![\w-]|[.,][0-9])"
)
POSTCODE_BEFORE_TOWN = re.compile(
    rf"(?<![\w.,$/#-])(?P<v>[0-9]{{5}}){_GAP}(?P<town>{CAP}(?:[ \t-]+{CAP}){{0,2}})"
    rf"(?![\w'’-]|{_GAP}(?:{_SUFFIX})\b|{_GAP}[0-9])"
)
_PLACE_WORD = rf"{UPPER}[^\W\d_]*(?:{'|'.join(PLACE_ENDINGS)})"
TOWN_AFTER_PREPOSITION = re.compile(
    r"\b(?:in|at|from|to|near|into|outside|around|toward|towards|via|of)[ \t]+"
    r"(?P<v>(?:(?:North|South|East|West|New|Lake|Port|Fort|Mount|St\.|Saint|Upper|Lower"
    rf"|Great|Little)[ \t]+)?{_PLACE_WORD})\b(?![ \t]+{UPPER})"
)
#: Capitalised words after a cue of where someone is or is from ("live in Eugene", "writing
#: from Toronto Canada"): a place when they begin with a city's name (:mod:`gazetteer`).
CITY_AFTER_CUE = re.compile(
    r"\b(?:in|near|outside(?:[ \t]+of)?|around|(?:am|are|is|was|were|come|comes|came|moved"
    r"|writing|originally|here|live|lives|lived|based|moving|relocated)[ \t]+from)[ \t]+"
    rf"(?P<v>{UPPER}[^\W\d_]+(?:[ \t]+{UPPER}[^\W\d_]+){{0,3}})(?![\w'’-])"
)
_NON_SPACE = re.compile(r"\S+")
#: A town written in capitals after a place cue ("based in OSLO", "I am in ELVERUM").
TOWN_IN_CAPITALS = re.compile(
    r"\b(?:in|near|from|originally[ \t]+from|(?:moved|returned|went|came)[ \t]+to"
    rf"|arrived[ \t]+(?:at|in))[ \t]+(?P<v>{UPPER}{{4,}}(?:[ \t]+{UPPER}{{4,}})?)(?![\w&-])"
)
_LINE_LEAD = re.compile(r"[ \t?*•·>-]*")
_STATES = "|".join(US_STATE_CODES)
ADDRESS_LINE = re.compile(
    rf"(?P<place>{CAP}(?:{_GAP}(?:{CAP}|{PARTICLE})){{0,4}})"
    rf"(?:,?{_GAP}(?:{_STATES})\b)?(?:,?{_GAP}(?P<code>{POSTCODE}))?[ \t]*"
)
SAME_LINE_TOWN = re.compile(rf",[ \t]*(?P<place>{CAP}(?:{_GAP}(?:{CAP}|{PARTICLE})){{0,3}})")
_GEOGRAPHY_KEYS = frozenset(term_key(t) for t in GEOGRAPHY)
#: A text's first line, alone on it (escaped breaks read as real ones before this runs).
_CARD_HEAD = re.compile(r"\A[ \t]*(?P<v>[^\n]{3,60}?)[ \t]*\n")
_CARD_REACH = 300
#: Degrees after a name: "B.Sc.", "Ph.D.", ", MBA".
_DEGREE_AFTER = re.compile(r"(?:,?[ \t]+(?:(?:[A-Z][A-Za-z]{0,3}\.){1,3}|MBA|PhD|MD))+\Z")
_CARD_CONTACTS = frozenset(
    {"phone_regex", "phone_libphonenumber", "phone_cued_regex", "email_regex",
     "street_address_regex"}
)  # fmt: skip
_MAX_BLOCK_LINES = 3
_ADDRESSEE_REACH = 80
#: A street's line start: only white space and list marks between a line break and it.
_LINE_START = re.compile(r"(?:\n|\\n)[ \t?*•·>-]*\Z")
#: A line of the text before a street: up to a real or escaped line break.
_BLOCK_LINE = re.compile(r"(?:(?<=\n)|(?<=\\n)|^)(?:[^\n\\]|\\(?!n))+")
_BREAK = re.compile(r"\n|\\n")
_LINE_REST = re.compile(r"[ \t.,]*(?=\n|\\n|\Z)")
_MAX_ABBREVIATION = 5  # "Blvd." with its dot
#: Nouns counted after a number that are never a street's name ("10 Minute Walk").
_COUNT_NOUNS = frozenset(
    [
        "minute",
        "minutes",
        "min",
        "mins",
        "hour",
        "hours",
        "hr",
        "hrs",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "step",
        "steps",
        "mile",
        "miles",
        "km",
        "session",
        "sessions",
        "point",
        "points",
        "page",
        "pages",
        "chapter",
        "chapters",
        "part",
        "parts",
        "level",
        "levels",
        "stage",
        "stages",
        "tip",
        "tips",
        "thing",
        "things",
        "reason",
        "reasons",
        "sign",
        "signs",
        "rule",
        "rules",
        "habit",
        "habits",
        "lesson",
        "lessons",
        "question",
        "questions",
        "pillar",
        "pillars",
        "key",
        "keys",
        "love",
        "languages",
        "percent",
        "times",
        "people",
        "kids",
        "children",
        "pounds",
        "lbs",
        "kg",
        "degrees",
    ]
)
#: Suffixes that make a street of a name with no house number ("Main Street").
_STREET_WORDS = frozenset(
    [
        "Street",
        "St",
        "Avenue",
        "Ave",
        "Road",
        "Rd",
        "Boulevard",
        "Blvd",
        "Lane",
        "Ln",
        "Drive",
        "Terrace",
        "Crescent",
    ]
)
_TOWN_PREFIXES = frozenset(
    {"New", "Saint", "St", "San", "Santa", "North", "South", "East", "West", "Port", "Lake",
     "Fort", "Mount", "Bad", "La", "Le", "Los", "Las", "El", "Upper", "Lower", "Great", "Little"}
)  # fmt: skip
_NOT_STREET_START = frozenset({"the", "a", "an", "this", "that", "my", "our", "your", "which"})
_STREET_RULES = (
    STREET_US,
    STREET_BEFORE,
    STREET_NUMBER_FIRST,
    STREET_ENDING,
    STREET_WORD_AFTER,
    STREET_TWO_NUMBERS,
)


class AddressRecognizer:
    """Finds LOCATION spans of address parts in one text (line breaks may be escaped)."""

    def find(self, text: str) -> list[Span]:
        spans: list[Span] = []
        anchors: list[tuple[int, int]] = []
        if has_digit(text):
            for rule in _STREET_RULES:
                for match in rule.finditer(text):
                    if not _is_street(match, rule):
                        continue
                    anchors.append(match.span())
                    spans.append(
                        _span(*_without_full_stop(text, *match.span()), "street_address_regex")
                    )
                    spans.extend(_addressee(text, match.start()))
            for match in UNIT.finditer(text):
                anchors.append(match.span())
                spans.append(_span(match.start(), match.end(), "unit_regex"))
            for match in MILITARY.finditer(text):
                anchors.append(match.span())
                spans.append(_span(match.start(), match.end(), "military_address_regex"))
            for rule in (POSTCODE_AFTER_PLACE, POSTCODE_CUE):
                for match in rule.finditer(text):
                    spans.append(_span(*match.span("v"), "postcode_regex"))
            for rule in (POSTCODE_AFTER_TOWN, POSTCODE_BEFORE_TOWN):
                for match in rule.finditer(text):
                    if _is_town(match["town"]):
                        start, end = match.span("town")
                        spans.append(_span(*match.span("v"), "postcode_regex"))
                        spans.extend(_place(text, start, start + len(match["town"].rstrip("."))))
        for match in STREET_AFTER_CUE.finditer(text) if has_digit(text) else ():
            words = match["v"].split()
            if is_name_like(words[0]) and words[0].lower() not in _COUNT_NOUNS:
                anchors.append(match.span("v"))
                start, end = _without_full_stop(text, *match.span("v"))
                spans.append(_span(start, end, "street_address_regex"))
        for match in STREET_NAMED.finditer(text):
            group = "v" if match["v"] else "v2"
            words = match[group].split()
            named = is_name_like(words[0]) or words[-1].rstrip(".") in _STREET_WORDS
            if named and not _starts_no_street(words[0]):
                anchors.append(match.span(group))
                start, end = _without_full_stop(text, *match.span(group))
                spans.append(_span(start, end, "street_name_regex"))
        breaks = sorted(m.start() for m in _BREAK.finditer(text)) if anchors else []
        for end in sorted(end for _, end in anchors):
            spans.extend(_block_after(text, end, breaks))
        for match in TOWN_IN_CAPITALS.finditer(text):
            if not any(is_ordinary(w) for w in match["v"].split()):
                spans.append(Span(*match.span("v"), Category.LOCATION, 0.6, "town_shape_regex"))
        for match in CITY_AFTER_CUE.finditer(text):
            pieces = list(_NON_SPACE.finditer(text, match.start("v"), match.end("v")))
            for size in range(len(pieces), 0, -1):  # the longest city: "Chapel Hill", "Toronto"
                if is_city(" ".join(w[0] for w in pieces[:size])):
                    start, end = match.start("v"), pieces[size - 1].end()
                    spans.append(Span(start, end, Category.LOCATION, 0.6, "city_gazetteer"))
                    break
        for match in TOWN_AFTER_PREPOSITION.finditer(text):
            words = match["v"].split()
            if is_name_like(words[-1]):
                spans.append(Span(*match.span("v"), Category.LOCATION, 0.6, "town_shape_regex"))
        return spans


def _is_town(name: str) -> bool:
    """Whether words before or after a postcode can be a town: each is name-like or a place
    prefix ("New", "Saint"), the last is name-like, and none is a street word or a count."""
    words = name.replace("-", " ").replace(".", " ").split()
    if any(w.rstrip(".") in _STREET_WORDS or w.lower() in _COUNT_NOUNS for w in words):
        return False
    return is_name_like(words[-1]) and all(
        is_name_like(w) or w.rstrip(".") in _TOWN_PREFIXES for w in words
    )


def _is_street(match: re.Match[str], rule: re.Pattern[str]) -> bool:
    """Not a count ("10 Minute Walk", "24 Hour Crisis Center"); with two numbers, a name
    that is not an ordinary word ("140 Pesolantie 44", not "Step 1 Notice 2"); with the number
    first, a name-like word after the street word ("2 Rue Sébastopol", not "3 Place Cards")."""
    words = [w for w in match[0].split() if not w[0].isdigit()]
    if not words or words[0].lower() in _COUNT_NOUNS:
        return False
    if rule is STREET_ENDING:
        return not is_ordinary(words[0])  # "Lindenstraße 14", not "Spring 2020"
    if rule is STREET_NUMBER_FIRST:
        return any(is_name_like(w.rstrip(".")) for w in words[1:])
    if rule is STREET_TWO_NUMBERS:  # "140 Pesolantie 44", "357 R Portela 11"
        initial = len(words[0]) == 1 and len(words) > 1  # "R" for "Rua"
        return is_name_like(words[1] if initial else words[0])
    return True


def _starts_no_street(word: str) -> bool:
    """An article or a short title before capitalised words: "the Blue Lagoon", "Dr Green"
    (a person, not the street "Green Dr")."""
    return word.lower() in _NOT_STREET_START or is_abbreviated_title(word)


def _without_full_stop(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without a sentence's full stop after a whole suffix ("Main Street.");
    an abbreviation keeps its dot ("Albert St.")."""
    if text[end - 1 : end] == "." and len(text[start:end].split()[-1]) > _MAX_ABBREVIATION:
        return start, end - 1
    return start, end


def _block_after(text: str, end: int, breaks: list[int]) -> Iterator[Span]:
    """The town on the street's own line (", Deniseview") and the address lines below it."""
    same = SAME_LINE_TOWN.match(text, end)
    if same is not None and _LINE_REST.match(text, same.end()) is not None:
        yield from _place(text, same.start("place"), same.end("place"))
    elif _LINE_REST.match(text, end) is None:
        return  # the street is inside a sentence: the next line is not its address block
    pos = _line_end(text, breaks, end)
    for _ in range(_MAX_BLOCK_LINES):
        start = _next_line(text, pos)
        if start is None:
            return
        lead = _LINE_LEAD.match(text, start)
        start = lead.end() if lead else start
        stop = _line_end(text, breaks, start)
        if UNIT.fullmatch(text, start, stop) is not None:
            pos = stop
            continue
        line = ADDRESS_LINE.fullmatch(text, start, stop)
        if line is None:
            return
        yield from _place(text, line.start("place"), line.end("place"))
        if line["code"]:
            yield _span(*line.span("code"), "postcode_regex")
        pos = stop


def _addressee(text: str, street: int) -> Iterator[Span]:
    """The person on the line above a street that starts its own line ("Avi Ratta", a blank
    line, "183 Raval Glens"): an address block's first line."""
    head = text[max(0, street - _ADDRESSEE_REACH) : street]
    lead = _LINE_START.search(head)
    if lead is None:
        return
    lines = [m for m in _BLOCK_LINE.finditer(head, 0, lead.start()) if m[0].strip(" \t.,?*•·>-")]
    if not lines:
        return
    line = lines[-1]
    start = street - len(head) + line.start()
    if line.start() == 0 and start > 0:
        return  # the line is longer than the reach: no address block's first line
    words = line[0].strip(" \t.,?*•·>-")
    if is_addressee(words):
        start += line[0].index(words)
        yield Span(start, start + len(words), Category.PERSON, 0.75, "address_line_regex")


def card_holder(text: str, found: list[Span]) -> list[Span]:
    """The name on the first line of a contact card, a résumé or a letter's head ("Rüdiger
    Rust", a blank line, "Mathematiker", "Phone: ..."): two to four capitalised words alone on
    the text's first line, when a phone number, an e-mail address or a street of ``found``
    starts within ``_CARD_REACH`` characters below it."""
    head = _CARD_HEAD.match(text)
    if head is None:
        return []
    start, end = head.span("v")
    if (degree := _DEGREE_AFTER.search(text, start, end)) is not None:
        end = degree.start()  # "Anne-Rose Noack B.Sc.": the name, not the degree
    if not is_addressee(text[start:end]):
        return []
    below = range(head.end(), head.end() + _CARD_REACH)
    if not any(s.start in below and s.recognizer in _CARD_CONTACTS for s in found):
        return []
    return [Span(start, end, Category.PERSON, 0.75, "address_line_regex")]


def _place(text: str, start: int, end: int) -> Iterator[Span]:
    """A town, unless it is a country or region (kept, as Safe Harbor keeps them)."""
    if term_key(text[start:end]) not in _GEOGRAPHY_KEYS:
        yield _span(start, end, "address_line_regex")


def _line_end(text: str, breaks: list[int], pos: int) -> int:
    """Where the line holding ``pos`` ends: a line break, an escaped one ("\\n") or the end
    (``breaks``: where the text's line breaks are, sorted)."""
    index = bisect_left(breaks, pos)
    return breaks[index] if index < len(breaks) else len(text)


def _next_line(text: str, pos: int) -> int | None:
    """Where the next non-empty line after ``pos`` starts (after any blank lines)."""
    while pos < len(text):
        if text.startswith("\\n", pos):
            pos += 2
        elif text[pos] in "\n\r \t":
            pos += 1
        else:
            return pos
    return None


def _span(start: int, end: int, recognizer: str) -> Span:
    return Span(start, end, Category.LOCATION, 0.75, recognizer)
