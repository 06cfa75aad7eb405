"""Where a word sits in conversation: the cues around a capitalised word that tell a name
from a title, a greeting, a place or a thing, and the sentences it is in.

The name-slot recognizer (:mod:`mhds.steps.pii.names`) reads these cues to decide whether a
word is a person; the keep-list, the famous-people rule, the address finder and the NER
filters ask the same questions ("is this in a person's slot?", "does the text greet it?",
"does this sentence read as English?"). Titles, particles and organisation words are here;
so are greetings ("Hi Montreal,"), the slot after a relation or "named" ("my sister Hope", "a
boy named Sue") and a form's name field. Signatures ("Warmly,\nOrsolya") are
:mod:`mhds.steps.pii.signatures`'. Pure Python, no models.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache

from mhds.steps.pii.gazetteer import is_given_name
from mhds.steps.pii.keep_terms import (
    CALENDAR,
    GEOGRAPHY,
    ORGANISATION_WORDS,
    RELATIONS,
    US_STATES,
    term_key,
)
from mhds.steps.pii.lexicon import (
    NAME_LIKE_STOP_WORDS,
    english_stop_words,
    is_capitalised,
    is_name_like,
    is_ordinary,
    stop_words_by_language,
)
from mhds.steps.pii.spans import Span

#: Span scores: after a relation or "named"; two or more name-like words; one name-like word
#: that only its neighbours make a name (below ``PIIConfig.certain_score``: uncertain).
STRONG, FULL_NAME, WEAK = 0.85, 0.75, 0.6
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: Particles inside a name ("van", "de", "bin").
PARTICLES = frozenset(
    [
        "de",
        "del",
        "della",
        "der",
        "den",
        "di",
        "da",
        "do",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "van",
        "von",
        "y",
        "al",
        "bin",
        "ibn",
        "ben",
    ]
)
TITLES = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "miss",
        "prof",
        "professor",
        "doctor",
        "rev",
        "judge",
        "sir",
        "dame",
        "herr",
        "frau",
        "ing",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
    ]
)
#: Words of a capitalised run that make it an organisation, a work or a place, not a person.
NOT_PERSON = ORGANISATION_WORDS | frozenset(
    {
        "inc", "ltd", "llc", "llp", "corp", "corporation", "company", "co", "group", "holdings",
        "limited", "plc", "gmbh", "ag", "sa", "nv", "bv", "bank", "university", "school",
        "hospital", "clinic", "press", "records", "systems", "technologies", "technology",
        "solutions", "services", "partners", "energy", "industries", "airlines", "motors",
        "church", "line", "department", "agency", "club", "team", "studio", "studios", "media",
        "news", "magazine", "journal", "books", "publishing", "therapy", "workbook", "program",
        "programme", "street", "avenue", "road", "lane", "drive", "boulevard", "county", "city",
        "state", "river", "lake", "mount", "island", "park",
    }
)  # fmt: skip
#: Words that lead a capitalised run without being part of a name ("Hi Michigan", "Dr Ann").
LEADING_WORDS = (
    TITLES | PARTICLES | frozenset(["hi", "hello", "hey", "dear", "thanks", "bye", "goodbye"])
)
_RELATION_CUE = re.compile(
    r"(?i:\b(?:my|our|his|her|their|your|a|the)[ \t]+(?:(?:ex|step|late|older|younger|little"
    r"|big|best|new|old)[ \t-]+)?(?P<rel>[a-z-]+(?:[ \t]+[a-z-]+)?)(?:['’]s)?)[ \t]*,?[ \t]*\Z"
)
_TITLE_BEFORE = re.compile(r"(?i:\b(?:dr|mr|mrs|ms|mx|prof|professor|doctor)\.?[ \t]*)\Z")
_NAMED_CUE = re.compile(
    r"(?i:\b(?:(?:named|called|nicknamed)(?:[ \t]+(?:him|her|them|it|me|us))?|name[ \t]+is"
    r"|name['’]s|(?:my|his|her|their|your|our|[a-z]+['’]s)[ \t]+(?:(?:full|first|last|real"
    r"|maiden|middle|legal)[ \t]+)?name(?:[ \t]+(?:is|was))?[ \t]*[:,-]?))[ \t]*\Z"
)
#: A form's name field at a line's start ("Name: Saksham Master", "Full name - Ana Ruiz");
#: searched in the whole text up to the run, so ``^`` is a real line start.
_NAME_FIELD = re.compile(
    r"(?:^|\n|\\n)[ \t*•-]*(?i:(?:full|first|last|given|family|patient|client|contact)"
    r"[ \t]+)?(?i:name)[ \t]*[:=-][ \t]*\Z"
)
#: A greeting that opens a text or a line: what follows it up to a comma or the line's end
#: is who is greeted ("Hi Chapel Hill,", "Dear Ms Oduya"); or an interjection there that opens
#: an address to someone ("Well Boise, the cat's out of the bag", "Oh Chino, ..."), if a
#: comma follows the word (``ADDRESSED``).
_INTERJECTION = r"(?i:well|oh|okay|ok)[ \t]+"
_GREETING = re.compile(
    rf"(?:^|\n|\\n)[ \t]*(?:(?i:hi|hello|hey|dear|greetings)[ \t,]*|{_INTERJECTION})\Z"
)
_INTERJECTED = re.compile(rf"{_INTERJECTION}\Z")
#: Greetings that no name run goes through when a greeting's words follow them ("Sertraline
#: Withdrawal Hey all", "Ty Hello I know"); "Rebecca Hey for DBT" is a surname.
GREETING_WORDS = frozenset({"Hi", "Hello", "Hey", "Hiya", "Howdy"})
_GREETING_WORD = re.compile(rf"(?<![\w'’-])(?:{'|'.join(sorted(GREETING_WORDS))})\b")
_GREETED = re.compile(
    r"[ \t]+(?:all|everyone|everybody|guys|there|folks|friends|y['’]all|reddit|r/\w+)\b"
)
ADDRESSED = re.compile(r"[ \t]*,")
CUE_REACH = 48
#: How far before "called" a thing's noun may stand ("the best tool for becoming a better
#: listener that I know of is called").
_THING_REACH = 120
TITLE_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof", "rev"})
#: A thing, not a person, before "called" or "named" ("a website called Conversations with a
#: Gender Therapist", "a technique called Havening", "the best technique I know of is called
#: Imago Dialogue", "the best tool for becoming a better listener that I know of is called").
_THING_CALLED = re.compile(
    r"(?i:\b(?:(?:book|website|site|app|program(?:me)?|technique|method|group|organi[sz]ation"
    r"|show|podcast|film|movie|song|approach|exercise|game|concept|phenomenon|term|process"
    r"|model|therapy|skill|tool|workbook|video|article|series|course|class|agency|company"
    r"|clinic|condition|disorder|practice|place|center|centre|project|campaign|movement|page"
    r"|blog|event|experience|state|symptom|response|reaction|effect|service|line|hotline"
    r"|network|resource|charity|foundation|dialogue|drug|medication|medicine|pill|supplement)s?"
    r"(?:(?:[ \t]+[a-z]+){1,10}[ \t]+(?:is|was))?"
    r"|it|this|that|its|it['’]s|which)"
    r"[ \t]+(?:(?:is|was|are|were)[ \t]+)?(?:also[ \t]+)?(?:called|named|titled)[ \t]*\Z)"
)
#: A noun of an abstract thing, no person's, right before "called", "named" or "titled" ("a
#: treatment called Dialectical Behavior Therapy", "a technique, called Thought Stopping", "a
#: phenomenon called the Yerkes Dodson Law"): what follows is the thing's name, never a person
#: or a place. Nouns of things people belong to or work at ("class", "group", "clinic",
#: "company") are left out ("a girl in my class named Emma"), and so is "is named".
_THING_NAMED = re.compile(
    r"(?i:\b(?:law|principle|phenomenon|theory|effect|technique|method|treatment|therapy"
    r"|disorder|syndrome|bias|idea|concept|model|approach|exercise|book|workbook|app|website"
    r"|podcast|film|movie|song|series|game|strategy|intervention|modality|framework|dialogue"
    r"|diagnosis|fallacy|skill|tool)s?,?[ \t]+(?:also[ \t]+)?(?:called|named|titled)"
    r"(?:[ \t]+the)?[ \t]*\Z)"
)
#: A note that the word before it is a name, changed or made up ("(changed)", "(name
#: changed)", "(not her real name)"); ``named`` when the note itself says "name".
_NAME_NOTE_AFTER = re.compile(
    r"[ \t]*\((?i:(?P<named>names?[ \t]+(?:(?:has|have|was|were)[ \t]+been[ \t]+)?changed"
    r"|not[ \t]+(?:his|her|their|my|the|a)[ \t]+real[ \t]+name|fake[ \t]+name"
    r"|made[ \t-]+up[ \t]+name|pseudonym|alias)|changed)\)"
)
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[ \t]+\Z")
_NOT_BEFORE_A_NAME = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "of", "my", "your", "our", "their"}
)
#: A capitalised word glued to a word's end by a missing space ("ForwardCutting", "HalpernA").
_GLUED_CAPITAL = re.compile(r"(?<=[a-z]{4})([A-Z][a-z]*)(?![^\W\d_])")
#: A web address glued to a word's end by a missing space ("Lewiswww", "Lewiswww.x.com").
GLUED_WEB = re.compile(r"(?<=[a-z])(?:www|https?)(?:[.:]\S*)?\Z")
_PLACE_KEYS = frozenset(term_key(t) for t in GEOGRAPHY | US_STATES)
#: A lower-case word of prose, accents too ("depresión"): not the "n" of an escaped "\\n", nor
#: a piece of an address ("dayrep.com", "www").
_LOWER_WORD = re.compile(r"(?<![\w'’\\./@-])[a-zß-öø-ÿ][a-zß-öø-ÿ'’]*(?![\w@/-]|\.\w)")
_MIN_WORDS_TO_TELL = 6
#: Verbs only people do, right after a name ("Hope Long told me"), or a relation's noun after
#: its possessive ("Hope's husband").
PERSON_VERB_AFTER = re.compile(
    r"['’]?s?[ \t]+(?:said|says|told|tells|asked|asks|called|calls|texted|texts|lives|lived"
    r"|married|died|cried|cries|yelled|yells|thinks|thought|feels|felt|loves|loved|hates|hated"
    r"|wants|wanted|knows|knew|drinks|drank|smokes|smoked|agreed|refused|refuses|passed[ \t]+away"
    r"|husband|wife|mother|father|mom|dad|son|daughter|brother|sister|boyfriend|girlfriend)\b"
)
#: English endings of abstract nouns, gerunds and adverbs, at least seven letters in all: a
#: sentence's first word so made is its subject or an adverb, not a name ("Reframing",
#: "Reconnection", "Caregiving", a misspelt "Addionally,"; names such as "Sally" or "Beverly"
#: are shorter or end otherwise).
_ABSTRACT_NOUN = re.compile(
    r"^[A-Z][a-z]{3,}(?:ing|tion|sion|ment|ness|ity|ism|ance|ence"
    r"|ally|ously|ively|fully|ingly|edly|ently|antly|ably|ibly)$"
)
_ENGLISH_SHARE = 0.15
#: Stop words of one other language ("que", "y", "está") fewer than which never make a
#: sentence foreign: English has some as words ("war", "come", "fine", "dice"), spread over
#: several languages' lists, and "Il mio ragazzo Matteo dice che I overthink" switches
#: languages for three words, its names still found by the English slots.
_MIN_OTHER = 4
LIST_JOINER = re.compile(r"[ \t]*(?:,[ \t]*(?:and|or)?|and|or|&)[ \t]*")
#: Sentence ends, and the bullets that open a list's items ("·  Learn coping skills").
_SENTENCE_END = frozenset(".!?:;\n·•◦‣▪●")
_OPENERS = ('"', "“", "‘", "(", "[", "¿", "¡")
#: A word glued to a lower-case word or a closing bracket before it: a line break was lost.
_GLUED_BEFORE = re.compile(r"[a-z][)\]]?\Z")
#: How far either side of a sentence too short to tell its language the text is read instead.
_LANGUAGE_REACH = 200


def reads_as_english(text: str, pos: int) -> bool:
    """Whether the sentence of ``text`` around ``pos`` reads as English (see
    ``EnglishSentences``); reads that sentence only."""
    start = max(text.rfind(c, 0, pos) for c in _SENTENCE_END) + 1
    ends = [i for c in _SENTENCE_END if (i := text.find(c, pos)) >= 0]
    return _is_english(text, start, min(ends, default=len(text)))


def _is_english(text: str, start: int, end: int) -> bool:
    words = _LOWER_WORD.findall(text, start, end)
    if len(words) < _MIN_WORDS_TO_TELL:
        # Too short to tell ("Planifica, organiza, delega:"): the text around it tells.
        around = (max(0, start - _LANGUAGE_REACH), min(len(text), end + _LANGUAGE_REACH))
        words = _LOWER_WORD.findall(text, *around)
        if len(words) < _MIN_WORDS_TO_TELL:
            return True
    english = sum(w in stop_words() for w in words)
    other = max(sum(w in stop for w in words) for stop in stop_words_by_language().values())
    return english >= _ENGLISH_SHARE * len(words) and (other < _MIN_OTHER or english >= other)


class EnglishSentences:
    """Whether the sentence around a position reads as English: name-likeness is measured
    against English, so in other languages ("Soy Consejera Profesional en Texas") NER alone
    judges. A sentence is English unless it has ``_MIN_WORDS_TO_TELL`` lower-case words or more
    and under ``_ENGLISH_SHARE`` of them are English stop words (about 0.4 in English prose),
    or, with four or more stop words of one other language
    (``lexicon.stop_words_by_language``), fewer English stop words than those ("a", "no" and
    "me" are English and Spanish, "y", "que" and "por" Spanish only);
    a sentence with fewer words is judged by the text up to ``_LANGUAGE_REACH`` either side.
    Sentence ends are found once per text and each sentence is judged once."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._ends = [i for i, c in enumerate(text) if c in _SENTENCE_END]
        self._judged: dict[int, bool] = {}

    def at(self, pos: int) -> bool:
        index = bisect_right(self._ends, pos)
        if index not in self._judged:
            start = self._ends[index - 1] + 1 if index else 0
            end = self._ends[index] if index < len(self._ends) else len(self._text)
            self._judged[index] = _is_english(self._text, start, end)
        return self._judged[index]


def is_abstract_noun(word: str) -> bool:
    """Whether ``word`` has an English ending of abstract nouns or gerunds (``_ABSTRACT_NOUN``):
    as a sentence's first word, its subject rather than a name."""
    return _ABSTRACT_NOUN.match(word) is not None


def in_person_slot(text: str, start: int) -> bool:
    """Whether the word at ``start`` (after an optional title) follows a relation or "named"
    ("my husband, Gary Chapman", "my psychiatrist Dr. Seligman", "a man named Tyler"): such a
    word is a person's name whatever else it could be (a public figure, a drug name)."""
    title = _TITLE_BEFORE.search(text, max(0, start - 16), start)
    cue_end = start if title is None else title.start()
    return after_relation_or_named(text, cue_end) or in_name_field(text, start)


def after_title(text: str, start: int) -> bool:
    """Whether a title stands right before ``start`` ("Dr. ", "Mrs ", "Professor ")."""
    return _TITLE_BEFORE.search(text, max(0, start - 16), start) is not None


def greets(text: str, start: int, *, interjected: bool = True) -> bool:
    """Whether the word at ``start`` is greeted by a greeting that opens a text or a line, or
    (unless not ``interjected``) addressed after an interjection there ("Well Boise, ...": a
    comma must follow the word)."""
    before = max(0, start - CUE_REACH)
    if _GREETING.search(text, before, start) is None:
        return False
    if _INTERJECTED.search(text, before, start) is None:
        return True
    if not interjected:
        return False
    word = WORD.match(text, start)
    return word is not None and ADDRESSED.match(text, word.end()) is not None


def in_name_field(text: str, start: int) -> bool:
    return _NAME_FIELD.search(text, max(0, start - CUE_REACH), start) is not None


def after_relation_or_named(text: str, start: int) -> bool:
    """Whether the text before ``start`` ends with a relation ("my sister", "her therapist,")
    or "named" (not a thing's: "the best tool I know of is called"); never for a word glued on
    by a lost line break ("... of your partnerSet boundaries")."""
    if start > 0 and text[start - 1].isalpha():
        return False
    before = text[max(0, start - CUE_REACH) : start]
    if _NAMED_CUE.search(before) is not None:
        return _THING_CALLED.search(text, max(0, start - _THING_REACH), start) is None
    cue = _RELATION_CUE.search(before)
    return cue is not None and _is_relation(cue["rel"])


def is_place_name(phrase: str) -> bool:
    """Whether ``phrase`` is a country or a US state (kept, as Safe Harbor keeps them)."""
    return term_key(phrase) in _PLACE_KEYS


def glued_word_cut(text: str, start: int, end: int) -> int:
    """Where in ``text[start:end]`` a word glued on by a missing space starts ("Susan
    ForwardCutting Loose", "Howard HalpernA counselor"): a capital after four lower-case
    letters or more of a word, starting a stop word or an ordinary word that is no name; else
    ``end``. Names with inner capitals are not cut ("McKenzie", "DeShawn", "FitzGerald")."""
    for glue in _GLUED_CAPITAL.finditer(text, start, end):
        tail = glue[1]
        if is_stop_word(tail) or (is_ordinary(tail) and not is_name_like(tail)):
            return glue.start(1)
    return end


def without_glued_tail(text: str, start: int, end: int) -> int:
    """Where a name found in ``text[start:end]`` ends, without a web address or a word glued on
    by a missing space ("Dr. Virginia Chowwww.x.ca", "Susan ForwardCutting Loose")."""
    web = GLUED_WEB.search(text, start, end)
    return glued_word_cut(text, start, end if web is None else web.start())


def said_to_be_a_name(text: str, start: int, end: int) -> bool:
    """Whether the writer notes right after ``text[start:end]`` that it is a name, changed or
    made up ("Mia (not her real name)", "Jo (name changed)"), or a bare "(changed)" after one
    word inside a sentence ("But Case (changed) is ..."; not "The Visiting Policy (changed)",
    "Title (changed) because ...", "Edit: Location (changed)")."""
    note = _NAME_NOTE_AFTER.match(text, end)
    if note is None:
        return False
    if note["named"]:
        return True
    if " " in text[start:end].strip() or starts_sentence(text, start):
        return False
    previous = _WORD_BEFORE.search(text, max(0, start - CUE_REACH), start)
    if previous is None:
        return True
    word = previous[1]
    if word.lower() in _NOT_BEFORE_A_NAME:
        return False  # "The Policy (changed)", "Terms of Service (changed)"
    return not word[0].isupper() or is_stop_word(word)  # "But Case", not "Visiting Policy"


def is_thing_called(text: str, start: int) -> bool:
    """Whether the words right before ``start`` call an abstract thing by the name that starts
    there (``_THING_NAMED``: "a treatment called Dialectical Behavior Therapy", "a phenomenon
    called the ...")."""
    return _THING_NAMED.search(text, max(0, start - CUE_REACH), start) is not None


def is_abbreviated_title(word: str) -> bool:
    """Whether ``word`` is a title written short ("Dr", "Mrs."), which no street name starts
    with ("Dr Green"; a street may be "Judge Street")."""
    return word.lower().rstrip(".") in TITLE_ABBREVIATIONS


def is_title(word: str) -> bool:
    """Whether ``word`` is a title before a name ("Dr.", "Herr", "Ing.", "Mme")."""
    return word.lower().rstrip(".") in TITLES


def listed_with(text: str, span: Span, others: list[Span]) -> bool:
    """Whether ``span`` is joined to one of ``others`` by a comma, "and" or "or" ("Mazzanti,
    Acevedo and Carney")."""
    return any(
        (o.end <= span.start and LIST_JOINER.fullmatch(text, o.end, span.start))
        or (span.end <= o.start and LIST_JOINER.fullmatch(text, span.end, o.start))
        for o in others
    )


def _is_relation(phrase: str | None) -> bool:
    if phrase is None:
        return False
    words = phrase.lower().split()
    return any(" ".join(words[i:]) in RELATIONS for i in range(len(words)))


def is_addressee(line: str) -> bool:
    """Whether a line above a street line names a person ("Avi Ratta", "Dr. Lena Holm"): two
    to four capitalised words, one of them name-like, none an organisation's or a place's."""
    words = [w for w in WORD.findall(line) if w.lower().rstrip(".") not in TITLES]
    if not 2 <= len(words) <= 4 or not all(is_capitalised(w) or w in PARTICLES for w in words):
        return False
    if any(w.lower() in NOT_PERSON or w.lower() in CALENDAR for w in words):
        return False
    return not is_place_name(line) and any(is_name_like(w) for w in words)


def starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence or a line (its capital says nothing),
    also one glued to the last word by a lost line break ("affirmations)Reframing: ...")."""
    if _GLUED_BEFORE.search(text, max(0, start - 2), start) is not None:
        return True
    head = text[max(0, start - CUE_REACH) : start].rstrip(" \t\xa0\"'“¿¡(")
    if not head:
        return start <= CUE_REACH or not text[:start].strip()
    return head[-1] in _SENTENCE_END or head.endswith("\\n")


def greets_after(text: str, end: int) -> bool:
    """Whether a greeting word ending at ``end`` greets an audience ("Hey all", "Hello
    everyone", "Hi guys"), so a title before it is no name ("Sertraline Withdrawal Hey all");
    "Rebecca Hey for DBT", "Megan Hello I know you're reading" are names."""
    return _GREETED.match(text, end) is not None


def audience_greeting(text: str, start: int, end: int) -> int | None:
    """Where a greeting of an audience (``greets_after``) starts inside ``text[start:end]``
    after its first word, if one does: what comes before it is a title, not a name's start."""
    greeting = _GREETING_WORD.search(text, start, end)
    if greeting is None or greeting.start() == start or not greets_after(text, greeting.end()):
        return None
    return greeting.start()


def opens_utterance(text: str, start: int) -> bool:
    """Whether the word at ``start`` follows an opening quotation mark or bracket, a comma or
    a mark of exclamation or question follows it, and it is no given name ('she said "Wow, I
    ...', '"Yikes!"'): it opens what is quoted as an exclamation, so its capital says as little
    as a sentence's first word's ('"Fang will take care of you"', "(Manning)", '"Mark, stop!"'
    stay names)."""
    head = text[max(0, start - CUE_REACH) : start].rstrip(" \t\xa0")
    if not head.endswith(_OPENERS):
        return False
    word = WORD.match(text, start)
    return (
        word is not None
        and text[word.end() : word.end() + 1] in (",", "!", "?")
        and not is_given_name(word[0])
    )


def is_stop_word(word: str) -> bool:
    """Whether ``word`` (any case) is one of spaCy's English stop words ("There", "I")."""
    return word.lower() in stop_words()


@cache
def stop_words() -> frozenset[str]:
    """spaCy's English stop words and titles: never a name, even in a relation slot."""
    return (english_stop_words() | TITLES) - NAME_LIKE_STOP_WORDS
