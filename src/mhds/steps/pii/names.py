"""Names in the slots where conversation puts them, whatever culture they come from.

NER misses given names that are rare in its training text, names that are also English words,
and names in short lines. This recognizer reads the slot instead of the name:

- after a relation or role, or "named"/"called" ("my sister Hope", "her therapist, Dana",
  "a boy named Sue"): any capitalised word that is not a stop word;
- elsewhere, only *name-like* words (:func:`mhds.steps.pii.lexicon.is_name_like`: not an
  ordinary English word): two or more of them in a row ("Junsaku Hayashida"); or one, when the
  words around it make it a person: a greeting, a preposition or verb before it ("with Kuno",
  "had given Cettina"), a verb or possessive after it ("Xavier spent", "Mashuu's address"),
  the speaker of a line ("Adán: What a wife."), a vocative ("Remember me, Lucho?",
  "François, can I ..."), or a list of such words ("founders: Alba, Bello and Arcos").

The runs of capitalised words it weighs are :mod:`mhds.steps.pii.name_runs`'; who a greeting,
an interjection or a line's colon addresses, and who introduces themselves, is asked of
:mod:`mhds.steps.pii.addressed`. Organisation words in a capitalised run ("Record Plc",
"Trevor Project") leave it to the keep-list and NER; a town-shaped word after a place
preposition is left to :mod:`mhds.steps.pii.addresses`. Pure Python, no models.
"""

from __future__ import annotations

import re

from mhds.steps.pii.address_terms import PLACE_ENDINGS
from mhds.steps.pii.addressed import (
    addressed,
    given_name_acting,
    greeted_alone,
    greets_name,
    introduced,
    may_speak,
)
from mhds.steps.pii.cities import find_cities
from mhds.steps.pii.gazetteer import is_census_name, is_city, is_given_name, is_greeted_city
from mhds.steps.pii.keep_terms import (
    CALENDAR,
    GEOGRAPHY,
    US_STATE_CODES,
    US_STATE_NAMES,
    US_STATES,
)
from mhds.steps.pii.lexicon import (
    is_name_like,
)
from mhds.steps.pii.name_cues import (
    CUE_REACH,
    FULL_NAME,
    LIST_JOINER,
    NOT_PERSON,
    PARTICLES,
    STRONG,
    TITLE_ABBREVIATIONS,
    TITLES,
    WEAK,
    EnglishSentences,
    after_relation_or_named,
    in_name_field,
    is_abstract_noun,
    is_place_name,
    is_stop_word,
    is_thing_called,
    opens_utterance,
    said_to_be_a_name,
    starts_sentence,
    stop_words,
)
from mhds.steps.pii.name_runs import Run, capitalised_runs
from mhds.steps.pii.practices import own_practices
from mhds.steps.pii.signatures import signature_spans
from mhds.steps.pii.spans import Category, Span

#: A relation's possessive right before a run ("my therapist's").
_OWNED = re.compile(r"[a-z]['’]s[ \t]*\Z")
#: A role written in title case after an article, then a comma ("a Counselor, Plumber"): the
#: first of a list of roles.
_LISTED_ROLE = re.compile(r"\b(?i:a|an|the)[ \t]+[A-Z][a-z]+[ \t]*,[ \t]*\Z")
_CUE_BEFORE = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "dear",
        "thanks",
        "thank",
        "bye",
        "goodbye",
        "love",
        "congrats",
        "sorry",
        "with",
        "by",
        "to",
        "for",
        "from",
        "under",
        "than",
        "like",
        "about",
        "and",
        "or",
        "nor",
        "named",
        "called",
        "tell",
        "told",
        "ask",
        "asked",
        "meet",
        "met",
        "call",
        "text",
        "texted",
        "email",
        "emailed",
        "saw",
        "see",
        "visit",
        "visited",
        "marry",
        "married",
        "date",
        "dated",
        "dating",
        "given",
        "gave",
        "give",
        "introduce",
        "introduced",
        "remember",
        "miss",
        "missed",
        "hug",
        "hugged",
        "help",
        "helped",
        "beside",
        "behind",
        "between",
        "among",
        "against",
        "toward",
        "towards",
        "unlike",
        "including",
        "except",
        "via",
        "per",
        "is",
        "was",
        "said",
        "says",
        "replied",
        "answered",
        "whispered",
        "shouted",
        "yelled",
        "wrote",
        "added",
    ]
)
_VERB_AFTER = re.compile(
    r"[ \t]+(?:is|was|has|had|have|said|says|spent|spends|lives|lived|told|tells|asked|asks"
    r"|went|goes|called|calls|can|could|will|would|should|did|does|doesn['’]t|didn['’]t"
    r"|isn['’]t|wasn['’]t|just|always|never|also|still|loves|loved|wants|wanted|thinks"
    r"|thought|feels|felt|knows|knew|got|gets|came|comes|left|leaves|made|makes|took|takes"
    r"|seems|seemed|tried|tries|works|worked|married|needs|needed|likes|liked|hates|hated"
    r"|started|starts|moved|moves|died|passed|keeps|kept|found|finds|became|becomes|owns"
    r"|owned|runs|ran|plays|played|sings|sang|wrote|writes|talked|talks|cried|cries|yelled"
    r"|drinks|drank|smokes|hit|hits|helps|helped|agreed|agrees|refuses|refused)\b"
    r"|['’]s\b|[ \t]+and[ \t]+(?:I|me|my)\b"
)
#: Words after a relation that say when, not who ("I asked my mom Monday"); months and
#: seasons are also given names ("my daughter April", "a girl named Summer").
_WHEN_WORDS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "tonight",
        "tomorrow",
        "yesterday",
        "weekend",
        "mornings",
        "evenings",
    ]
)
_WORD_AFTER = re.compile(r"[ \t]+([^\W\d_]+)")
_NUMBER_AFTER = re.compile(r"[ \t]+(?:[a-z]{1,3}\.[ \t]*)?[0-9]")
_PLACE_CUE = re.compile(
    r"\b(?:in|near|originally[ \t]+from|(?:moved|returned|relocated|flew|travel+ed|went|came"
    r"|drove|commuted)[ \t]+(?:back[ \t]+)?to|arrived[ \t]+(?:at|in)|based[ \t]+in"
    r"|(?:live[sd]?|living|born|raised|grew[ \t]+up)[ \t]+(?:in|near)|visit(?:ed|ing|s)?)[ \t]*\Z"
)
_PLACE_PREFIXES = frozenset(
    [
        "North",
        "South",
        "East",
        "West",
        "New",
        "Lake",
        "Port",
        "Fort",
        "Mount",
        "Saint",
        "St",
        "Upper",
        "Lower",
        "Great",
        "Little",
    ]
)
#: Endings that make one word a town wherever it stands ("Zionsville", "Pittsburgh").
#: Words before a name that make it a place wherever it stands ("Lake Tracy", "Port Louis").
_PLACE_HEADS = frozenset(
    ["Lake", "Port", "Fort", "Mount", "Mt", "Cape", "Isle", "Lago", "Monte", "North", "South",
     "East", "West", "New", "San", "Santa", "Saint", "St"]
)  # fmt: skip
#: Lower-case nouns after a name that make it a place ("Kõrkküla bridge", "Fiebig street").
_LANDMARK_AFTER = re.compile(
    r"[ \t]+(?:bridge|river|street|road|avenue|lane|park|station|airport|lake|beach|harbou?r"
    r"|square|county|district|province|valley|village|town|township|neighbou?rhood|suburb)\b"
)
_TITLE_WORD_BEFORE = re.compile(r"(?<![\w'’-])([^\W\d_]+)(?P<dot>\.)?[ \t]*,?[ \t]*\Z")
_TOWN_ENDINGS = (
    "ville", "chester", "burgh", "borough", "shire", "stadt", "dorf", "hausen", "mouth", "haven",
)  # fmt: skip
_TO_OR_FROM = frozenset({"to", "from", "in", "at", "near", "toward", "towards", "via"})
#: The words of many-word countries and states ("Zealand", "Kitts", "Antilles"): part of a
#: place that Safe Harbor keeps, never a name on their own.
_PLACE_PARTS = frozenset(w for t in GEOGRAPHY | US_STATES for w in t.split() if len(t.split()) > 1)
_MIN_SHAPE_LETTERS = 3
_CAPITALISED_BEFORE = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*[ \t]+\Z")
_STATE_AFTER = re.compile(rf",[ \t]*(?:{'|'.join(US_STATE_CODES + US_STATE_NAMES)})\b")
#: A doctrine's word ("Buddhism", "Stoicism"): no one's name.
_DOCTRINE = re.compile(r"[a-z]{3}isms?\Z")
#: What stands before "Im" read as "I'm": a sentence's start or a conjunction.
_I_AM_BEFORE = re.compile(
    r"(?:\A|[.!?\n]|\b(?i:and|but|so|because|cause|cuz|that|when|if|since|now|just|like))"
    r"[ \t]*\Z"
)
_LOWER_AFTER = re.compile(r"[ \t]+[a-z0-9]")


#: One name-like word in the middle of an English sentence with no slot around it: a name or
#: a place by its shape alone (uncertain; NER's reading decides which).
SHAPE = 0.55
SHAPE_RECOGNIZER = "name_shape_regex"


class NameSlotRecognizer:
    """Finds PERSON spans of names in name slots in one text, and LOCATION spans of the same
    words after a place cue ("originally from North Felipa", "based in Vejstrup")."""

    def find(self, text: str) -> list[Span]:
        runs = [_without_leading_words(text, run) for run in capitalised_runs(text)]
        english = EnglishSentences(text)
        scores = {
            i: score
            for i, run in enumerate(runs)
            if (score := _score(text, run)) and english.at(run.start)
        }
        _accept_lists(text, runs, scores)
        found = [_span(text, runs[i], score) for i, score in sorted(scores.items())]
        return found + signature_spans(text) + own_practices(text) + find_cities(text, english.at)


def _score(text: str, run: Run) -> float:
    """How sure the slot makes a name of ``run``: 0 (not a name), ``WEAK`` (one name-like
    word that only its neighbours make a name: uncertain, see ``PIIConfig.uncertain``),
    ``FULL_NAME`` or ``STRONG`` (after a relation or "named")."""
    if not run.words or is_thing_called(text, run.start):
        return 0.0  # "a phenomenon called the Yerkes Dodson Law": a thing's name
    if said_to_be_a_name(text, run.start, run.end):
        return STRONG  # "But Case (changed) is wonderful": the writer says it is a name
    before = text[max(0, run.start - 48) : run.start]
    titled = _after_title(text, run.start)  # "ms. Sara", "dr Wu"
    if titled or after_relation_or_named(text, run.start) or in_name_field(text, run.start):
        return _slot_score(before, run)
    words = [w for w in run.words if not _is_filler(w)]
    if (
        len(words) > 1
        and words[0].rstrip(".") in _PLACE_HEADS
        and any(map(is_name_like, words[1:]))
        and not is_place_name(" ".join(words))
    ):
        return FULL_NAME  # a place: "Lake Tracy", "Port Zelinka", "East Hredhaanside"
    if not words or any(w.lower().rstrip(".") in NOT_PERSON for w in words):
        return 0.0
    if any(_DOCTRINE.search(w) for w in words):
        return 0.0  # "converted to Buddhism", "Stoicism": a doctrine, no one's name
    if words == ["Im"] and reads_as_i_am(text, run.start, run.end):
        return 0.0  # "and Im sick of it": "I'm" (Im is a Korean surname too: "told Im about")
    if _NUMBER_AFTER.match(text, run.end):
        return 0.0  # "Wallis and Futuna 51970", "Csere János u. 55": an address, not a person
    facility = _WORD_AFTER.match(text, run.end + 2) if run.possessive else None
    if facility is not None and facility[1].lower() in NOT_PERSON:
        return 0.0  # "St. Vincent's Clinic": a facility named after someone
    if any(w.lower() in CALENDAR or w.lower().removesuffix("s") in CALENDAR for w in words):
        return 0.0  # "in March", "on Monday"
    if is_place_name(" ".join(words)) or any(is_place_name(w) for w in words):
        if is_given_name(words[0]) and greeted_alone(text, run.start, run.end, words):
            return STRONG  # "Hi Georgia,": who a text greets, by a name a state bears too
        return 0.0  # a country or state: kept, as Safe Harbor keeps them
    start = starts_sentence(text, run.start)
    first = start or opens_utterance(text, run.start)
    names = sum(is_name_like(w, sentence_start=first and i == 0) for i, w in enumerate(words))
    if names and greets_name(text, run.start, words[0]):
        return STRONG  # who a text or line greets: "Hi Chapel Hill,", "Dear Ms Oduya"
    if not names and greeted_alone(text, run.start, run.end, words):
        known = is_given_name(words[0]) or is_greeted_city(words[0])  # "Hi Hope,", "Hi Peculiar,"
        return STRONG if known else WEAK  # "Dear Thistle,": uncertain
    if names and _LANDMARK_AFTER.match(text, run.end):
        return FULL_NAME  # a place: "Kõrkküla bridge", "the Fiebig street"
    if (
        len(words) == 1
        and text.startswith(":", run.end)
        and _at_line_start(text, run.start)
        and may_speak(words[0])
    ):
        return WEAK  # the speaker of a line ("Marco: ..."; not "Edit: ...", "Update: ...")
    if names >= 2 and len(words) - names < names:
        return FULL_NAME
    if not names and len(words) == 1 and start and given_name_acting(text, run.end, words[0]):
        return WEAK  # "Victor, can I please ...", "Jade told me": a given name English has too
    if names != 1 or len(words) != 1 or words[0].lower() in _CUE_BEFORE:
        return 0.0
    if start and is_abstract_noun(words[0]) and not run.possessive and not is_census_name(words[0]):
        return 0.0  # "Reframing is a tool", "Reconnection comes when"; not "Lawrence, ...",
        # nor a surname so made ("Harding said", "Keating never answered")
    if introduced(text, run.start):
        return WEAK  # "Hi, I'm Marisol!" (also "Hi, I'm Christian", a faith's word too)
    if _single_name_slot(text, run, before, words[0], start):
        return WEAK
    if start or len(words[0]) < _MIN_SHAPE_LETTERS or words[0].lower() in _PLACE_PARTS:
        return 0.0
    if _CAPITALISED_BEFORE.search(text, max(0, run.start - CUE_REACH), run.start):
        return 0.0  # the last word of a title-case phrase ("Tube Snake Boogie")
    return SHAPE


def _slot_score(before: str, run: Run) -> float:
    """``STRONG`` for a run after a title, a relation, "named" or a name field, unless it is a
    stop word or a word of time ("my mom Monday"), the relation's thing ("the therapist's
    Licensing Board") or roles listed in title case ("a Counselor, Plumber, or Mechanic")."""
    if (_OWNED.search(before) or _LISTED_ROLE.search(before)) and not any(
        map(is_name_like, run.words)
    ):
        return 0.0
    first = run.words[0].lower()
    return STRONG if first not in stop_words() and first not in _WHEN_WORDS else 0.0


def _single_name_slot(text: str, run: Run, before: str, word: str, start: bool) -> bool:
    if run.possessive or _PLACE_CUE.search(before):
        return True  # "Mashuu's address", "based in Vejstrup"
    previous = _previous_word(text, run.start)
    if previous in _CUE_BEFORE or previous in TITLES:
        return not _is_town_after_place_word(previous, word)
    after = text[run.end : run.end + 24]
    if _VERB_AFTER.match(after) is not None:
        return True
    if after.startswith(":") and _at_line_start(text, run.start):
        return may_speak(word)  # the speaker of a line, not "Edit:"
    if after[:1] == "," and start:
        return _STATE_AFTER.match(after) is None  # "François, can I ...", not "Boston, MA"
    return before.rstrip(" \t").endswith(",") and after[:1] in ("?", "!", ".")


def reads_as_i_am(text: str, start: int, end: int) -> bool:
    """Whether "Im" at ``text[start:end]`` is "I'm" without its apostrophe: opening a
    sentence or after a conjunction, before a lower-case word ("and Im sick of it"; not
    "told Im about")."""
    before = _I_AM_BEFORE.search(text, max(0, start - CUE_REACH), start)
    return before is not None and _LOWER_AFTER.match(text, end) is not None


def _without_leading_words(text: str, run: Run) -> Run:
    """The run without the ordinary words that lead it ("Honestly Oluwaseun", "Yesterday
    Giedre's"), unless a cue makes its first word a name ("my sister Hope")."""
    if not run.words or after_relation_or_named(text, run.start):
        return run
    if in_name_field(text, run.start) or (len(run.words) > 1 and run.words[0] in _PLACE_HEADS):
        return run  # "Name: Avi Ratta", "Lake Tracy"
    start = starts_sentence(text, run.start)
    drop = 0
    while drop < len(run.words) - 1 and (
        not is_name_like(run.words[drop], sentence_start=start and drop == 0)
        or run.words[drop].lower().rstrip(".") in TITLES
    ):
        drop += 1
    if drop == 0:
        return run
    begin = run.start
    for word in run.words[:drop]:
        begin = text.index(word, begin) + len(word)
    begin = text.index(run.words[drop], begin)
    return Run(begin, run.end, run.words[drop:], run.possessive)


def _span(text: str, run: Run, score: float) -> Span:
    before = text[max(0, run.start - 48) : run.start]
    place = (
        _PLACE_CUE.search(before) is not None
        or (run.words[0] in _PLACE_PREFIXES and _previous_word(text, run.start) in _TO_OR_FROM)
        or (len(run.words) == 1 and run.words[0].lower().endswith(_TOWN_ENDINGS))
        or (len(run.words) > 1 and run.words[0].rstrip(".") in _PLACE_HEADS)
        or _LANDMARK_AFTER.match(text, run.end) is not None
        or (addressed(text, run.start, run.end) and is_greeted_city(" ".join(run.words)))
    )
    category = Category.LOCATION if place else Category.PERSON
    recognizer = SHAPE_RECOGNIZER if score == SHAPE else "name_slot_regex"
    return Span(run.start, run.end, category, score, recognizer)


def _accept_lists(text: str, runs: list[Run], scores: dict[int, float]) -> None:
    """Name-like words joined by commas and "and" to an accepted run join it (``WEAK``); so
    does any one capitalised word inside a sentence when two runs of the list are accepted
    ("Osborne, Bailey and Wood")."""
    joined = [
        LIST_JOINER.fullmatch(text, a.end, b.start) is not None
        for a, b in zip(runs, runs[1:], strict=False)
    ]
    changed = True
    while changed:
        changed = False
        for i in range(len(runs) - 1):
            if (i in scores) == (i + 1 in scores) or not joined[i]:
                continue
            other, named = (i + 1, i) if i in scores else (i, i + 1)
            beside = named - 1 if other > named else named + 1
            in_list = (
                0 <= beside < len(runs)
                and beside in scores
                and joined[min(named, beside)]
                and not any(is_city(" ".join(runs[k].words)) for k in (named, beside))
            )
            if _joins_list(text, runs[other], in_list):
                scores[other] = WEAK
                changed = True


def _joins_list(text: str, run: Run, in_list: bool) -> bool:
    """Whether ``run`` is a name by the list it stands in: name-like words, or (``in_list``:
    two names of the list accepted, neither a city) one capitalised word that does not open a
    sentence."""
    words = run.words
    if not words or any(w.lower() in NOT_PERSON for w in words):
        return False
    if is_place_name(" ".join(words)):
        return False
    if all(is_name_like(w) or _is_filler(w) for w in words):
        return True
    return (
        in_list
        and len(words) == 1
        and not is_stop_word(words[0])
        and not is_abstract_noun(words[0])
        and not starts_sentence(text, run.start)
    )


def _is_filler(word: str) -> bool:
    return word.lower() in PARTICLES or len(word.rstrip(".")) == 1


def _is_town_after_place_word(previous: str, word: str) -> bool:
    return previous in ("to", "from", "via", "toward", "towards") and word.lower().endswith(
        PLACE_ENDINGS
    )


def _after_title(text: str, start: int) -> bool:
    """Whether a title stands before ``start``: an abbreviation with or without its dot ("Dr.
    Wu", "ms Sara"), or a whole word without a full stop after it ("doctor Wu", not "your
    doctor. Regardless ...")."""
    match = _TITLE_WORD_BEFORE.search(text, max(0, start - CUE_REACH), start)
    if match is None or match[1].lower() not in TITLES:
        return False
    return not match["dot"] or match[1].lower() in TITLE_ABBREVIATIONS


def _previous_word(text: str, start: int) -> str:
    match = re.search(r"([^\W\d_]+)\.?[ \t]*,?[ \t]*\Z", text[max(0, start - 32) : start])
    return match[1].lower() if match else ""


def _at_line_start(text: str, start: int) -> bool:
    head = text[max(0, start - CUE_REACH) : start].rstrip(" \t?*•-")
    if not head:
        return start <= CUE_REACH or not text[:start].strip(" \t?*•-")
    return head.endswith(("\n", "\\n"))
