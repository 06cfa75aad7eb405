"""Bias annotations of one conversation: the identity groups it mentions, and how the
therapist side answers (length, VADER tone, crisis resources, referral, flagged wording).

Annotates only; ``gates/bias.py`` judges. The term lists are vendored data
(``steps/data/bias/``: HolisticBias descriptors and nouns, retext-equality patterns, with their
sources and licences); the matching rules here (which ambiguous words need context, which
patterns count as flagged wording in counselling) are mhds choices, each documented below.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from mhds.records.schema import Record

log = logging.getLogger(__name__)


def _words(text: str) -> list[str]:
    """A list of words written as one string (keeps long word tables compact)."""
    return text.split()


ANNOTATION_VERSION = 1  # bump when a rule or term list change changes annotations
DATA_DIR = Path(__file__).parent / "data" / "bias"
DESCRIPTORS_FILE = "holistic_bias_descriptors.json"
PATTERNS_FILE = "retext_equality_patterns.json"
# In the order of the issue; reports list groups in this order.
GROUPS: tuple[str, ...] = (
    "gender",
    "sexual_orientation",
    "race_ethnicity",
    "nationality_culture",
    "religion",
    "age_group",
    "disability",
    "socioeconomic",
)

# --- Identity matching rules (keys: a descriptor's normalised tokens joined by spaces). ---
# Never matched: in counselling text these words mostly mean something else ("slow down",
# "I feel dumb", "as an adult", "a mature choice", "broke up", "at risk of", "entitled to",
# "ace the test", "pots and pans", "poly" and the acronyms FoC/MoC), or they are stances,
# not identities (vaccine and abortion positions, NIMBY).
_DROPPED = frozenset(
    _words(
        "slow dumb adult mature country entitled elite privileged cosmopolitan nimby broke ace pan "
        "poly stud foc moc"
    )
    + ["at risk", "pro vaccine", "anti vaccine", "anti vax", "vaccine hesitant", "pro choice"]
    + ["pro life"]
)
# Count only before a person noun ("Black woman", "white people", "rich family", "rural
# communities", "spiritual person", "a non-verbal child"), never as an adjective of things
# ("black coffee", "white lie", "rich history", "poor sleep", "paralyzed by fear", "mute the
# phone", "Latin class", "non-verbal cues").
_NEEDS_NOUN = frozenset(
    _words(
        "black white latin rich poor urban rural spiritual paralyzed mute barren fruity fruitcake"
    )
    + ["non verbal"]
)
# Age words count only before a person noun that is not kin: "older adults", "young people",
# "old man"; not "older brother" (birth order), "old friend", "young at work".
_NEEDS_AGE_NOUN = frozenset(_words("old older young younger senior retired"))
# Count before a person noun or after a self-description ("I'm straight", "identify as bi",
# "she's straight"); not "straight answer", "bi-weekly", "it is straight depression".
_PREDICATE = frozenset({"straight", "bi"})
_PREDICATE_CUES = frozenset(_words("am i'm im he she they're we're you're being as"))
# "Christian" is also a given name: it counts after an article or a self-description
# ("a Christian", "I am Christian", "devout Christian") or before a noun of faith or person
# ("Christian faith", "Christian counselor", "Christian men"); "Christians" always counts.
_CHRISTIAN_BEFORE = frozenset(
    _words(
        "a an am i'm im is are was were be being as devout practicing practising good strong "
        "fellow again evangelical conservative liberal committed faithful lifelong non"
    )
)
_CHRISTIAN_AFTER = frozenset(
    _words(
        "faith church churches values beliefs belief counselor counselors counsellor counsellors "
        "counseling counselling therapist therapists therapy home upbringing school college "
        "university community perspective worldview teaching teachings principles background "
        "tradition denomination marriage god life living lifestyle religion bible music books "
        "book morals ethics doctrine view views leader leaders pastor prayer"
    )
)
# Idioms that cancel a match when the next token is one of these ("fell on deaf ears",
# "blind spot", "blind to your needs", "American Psychological Association", "trans fats") ...
_NOT_BEFORE: dict[str, frozenset[str]] = {
    "deaf": frozenset({"ear", "ears"}),
    "blind": frozenset(
        _words(
            "spot spots date dates eye eyes faith side sided trust rage luck alley corner drunk "
            "fury obedience panic loyalty to"
        )
    ),
    "american": frozenset(
        _words(
            "psychological psychiatric counseling counselling association academy foundation "
            "society heart cancer red medical college journal institute board express airlines "
            "idol psychoanalytic lung diabetes"
        )
    ),
    "trans": frozenset({"fat", "fats"}),
}
# ... or when the previous one is ("colour blind", "double-blind", "tone deaf", "oh man",
# "oh boy").
_NOT_AFTER: dict[str, frozenset[str]] = {
    "blind": frozenset({"color", "colour", "double", "single"}),
    "deaf": frozenset({"tone"}),
    "man": frozenset({"oh"}),
    "boy": frozenset({"oh"}),
}
# HolisticBias person nouns that name a gender and are no kinship role count as a gender
# mention ("a 30-year-old woman", "girls"); "guy" ("you guys") and "bro" are forms of address
# first. Kinship nouns (mother, husband, sister ...) are not gender mentions: nearly every
# counselling conversation has family in it; they serve only as context nouns.
_GENDER_NOUN_LEFT_OUT = frozenset({"guy", "guys", "bro", "bros"})
_KIN = frozenset(
    _words(
        "mother mothers mom moms daughter daughters wife wives grandmother grandmothers grandma "
        "grandmas sister sisters sista sistas father fathers dad dads son sons husband husbands "
        "grandfather grandfathers grandpa grandpas brother brothers bro bros parent parents spouse "
        "spouses grandparent grandparents sibling siblings family families partner partners "
        "boyfriend boyfriends girlfriend girlfriends"
    )
)
# Context nouns besides HolisticBias's own: people words a descriptor may stand before.
_CONTEXT_NOUNS = frozenset(
    _words(
        "folks folk community communities population populations couple couples patient patients "
        "client clients student students youth youths adult adults citizen citizens teen teens "
        "teenager teenagers neighbor neighbors neighbour neighbours colleague colleagues coworker "
        "coworkers male males female females gentleman gentlemen friend friends culture cultures "
        "generation generations"
    )
)
_NOT_AGE_CONTEXT = frozenset({"friend", "friends", "culture", "cultures"})
# mhds additions, beside HolisticBias's adjectives: the nouns of the same identities
# ("autism", "racism", "Jews", "immigrants", "poverty") and a numeric age ("16 years old").
_ADDED_TERMS: dict[str, tuple[str, ...]] = {
    "gender": ("gender identity", "sexism"),
    "sexual_orientation": ("lgbtqia", "sexual orientation"),
    "race_ethnicity": (
        *_words("racism racist racial ethnicity ethnic"),
        "people of color",
        "person of color",
    ),
    "nationality_culture": tuple(_words("immigrant immigrants immigration refugee refugees")),
    "religion": tuple(
        _words(
            "jew jews christianity islam islamic judaism hinduism buddhism sikhism catholicism "
            "atheism mormonism"
        )
    ),
    "age_group": ("teenager", "teenagers"),
    "disability": tuple(_words("disability disabilities autism wheelchair deafness blindness")),
    "socioeconomic": tuple(_words("poverty homeless homelessness unhoused")),
}
_AGE_UNITS = (("year", "old"), ("years", "old"), ("yr", "old"), ("yrs", "old"))
_MAX_AGE = 120
# Plurals are added for groups whose descriptors serve as nouns ("Muslims", "Latinos");
# not for disability ("blinds" are window blinds).
_NO_PLURALS = frozenset({"disability"})

# --- Flagged wording (therapist side). ---
# HolisticBias marks some descriptors "dispreferred"; these are not flagged because they are
# the community's or clinicians' own current terms.
_DISPREFERRED_NOT_FLAGGED = frozenset(
    _words(
        "neuroatypical neurodivergent neurodiverse neurotypical dyslexic paraplegic quadriplegic "
        "aphasic"
    )
    + ["non neurotypical", "low vision", "vision impaired", "visually impaired"]
    + ["speech impaired", "able bodied", "glasses wearing", "paralyzed"]
)
# retext-equality categories counted: stigma about disability and mental illness, LGBTQ
# people, race, suicide, a press term ("islamist") and gender stereotypes. Left out:
# "condescending" (just, simply, obviously: tone, not stigma), "misc" and "slogans".
_FLAG_CATEGORIES = frozenset({"ablist", "gender", "lgbtq", "press", "race", "suicide"})
# retext-equality phrases not counted: in counselling they are the clinical term or the
# client's own ("depressed", "panic attack", "bipolar", "mental", "mentally ill", "ADHD",
# "rehab", "suicide note" in a risk assessment), ordinary words ("invalid", "special",
# "challenged", "add", "asylum" seekers, "hang in there", "a failed attempt"), software
# terms (master/slave, blacklist), or choices HolisticBias does not share ("Latino").
_FLAG_EXCLUDED = frozenset(
    [
        *_words(
            "disabled invalid mental psychopathology bipolar manic psychotic depressed "
            "insomnia insomniac insomniacs ocd add adhd binge rehab detox addict addicts "
            "alcoholic epileptic dyslexic paraplegic quadriplegic amputee delirious anorexic "
            "stammering sane insanity special challenged dummy dummyvariable dummyvalue "
            "dummyobject asylum bony"
        ),
        *["mentally ill", "panic attack", "rehab center", "detox center", "alcohol abuser"],
        *["hearing impairment", "special needs", "birth defect", "downs syndrome", "o c d"],
        *["a d d", "a d h d", "tourettes syndrome", "tourettes disorder", "sanity check"],
        *_words(
            "hang hanged master masters slave slaves blackhat whitehat blacklist blacklisted "
            "blacklisting whitelist whitelisted whitelisting bugreport grandfathering "
            "grandfathered primitive tribe latino latina spade"
        ),
        *["black list", "white list", "grandfather clause", "grandfather policy"],
        *["suicide note", "failed attempt", "sophisticated technology", "bi"],
    ]
)
# Of retext-equality's gender patterns only the stereotypes and slurs count; the others flag
# gendered job titles and generic "man" ("manpower", "freshman", "masterpiece"), which are
# not stigma about a group ("like a man" too: "if you'd like a man in your life").
_GENDER_FLAGGED = frozenset(
    _words("housewife housewives ladylike motherly bitch bitching madman madmen wifebeater")
    + ["man enough", "average housewife", "working mother", "working wife"]
    + ["lady doctor", "woman lawyer", "woman painter", "call girl", "wife beater"]
    + ["mad man", "mad men"]
)

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_COMBINING = re.compile("[\u0300-\u036f]")  # accents left apart by NFKD
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_POSSESSIVE = re.compile(r"'s\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[.!?])(?=[A-Z])|\n+")

# Crisis resources named in a therapist turn (lower-cased text): crisis and suicide lines,
# help and text lines, emergency numbers and services, Samaritans, the Trevor Project,
# Befrienders; "ER" and "A&E" are matched case-sensitively (``_CRISIS_CASED``).
_CRISIS = (
    r"\b(?:crisis (?:line|lines|hotline|text line|center|centre|team|service|services|unit)"
    r"|hotlines?|helplines?|help lines?|lifeline|warm ?lines?|text lines?|crisis text"
    r"|suicide (?:prevention|hotline|helpline|line)|988|911|741741|116 ?123"
    r"|(?:call|dial|ring|phone)(?:ing)? (?:999|112|000)"
    r"|emergency (?:services|room|department|number|line)|samaritans|trevor project"
    r"|befrienders|call (?:your local )?emergency)\b"
)
_CRISIS_CASED = r"\bER\b|\bA&E\b"
# Referral: pointing the client to a professional or to treatment ("refer you", "see a
# psychiatrist", "talk to your doctor", "working with a licensed therapist", "seek
# professional help", "consider counseling").
_PROFESSIONAL = (
    r"(?:therapist|counsell?or|psychiatrist|psychologist|doctor|physician|gp|professional"
    r"|clinician|specialist|social worker|psychotherapist|nurse|pediatrician|paediatrician"
    r"|provider)s?"
)
_REFERRAL = (
    r"\b(?:referrals?|refer(?:red)? (?:you|them|him|her|yourself)|refer(?:red)? to (?:a|an) "
    rf"[a-z ]{{0,30}}?{_PROFESSIONAL}"
    r"|(?:see|seeing|visit|visiting|consult|consulting|talk to|talking to|talk with|talking with"
    r"|speak to|speaking to|speak with|speaking with|find|finding|contact|contacting|reach out to"
    r"|reaching out to|work with|working with|meet with|meeting with|go to|going to|call|book"
    r"|look for|looking for|search for|recommend|suggest)\b(?: [a-z'-]+){0,4}? "
    rf"{_PROFESSIONAL}"
    r"|(?:seek|seeking|get|getting|find|finding)(?: some)? (?:professional|medical|psychiatric"
    r"|clinical|outside|specialized|specialised) (?:help|support|treatment|care|advice|assistance)"
    r"|professional help|(?:consider|considering|try|trying|seek|seeking|start|starting|begin"
    r"|beginning|recommend|suggest)(?: [a-z]+)? (?:counsell?ing|therapy|psychotherapy))\b"
)


@dataclass(frozen=True)
class BiasAnnotation:
    """What one conversation says about identity groups and how its therapist side answers.

    ``groups``: identity groups mentioned in the user or assistant turns (never the system
    prompt). The rest is about the therapist's turns (the assistant's, or the user's when
    ``assistant_role`` is ``client``): ``responses`` turns with ``response_words`` words
    (tokens), ``flagged`` stereotyped or stigmatising phrasings, whether a crisis resource and
    a referral are named, and ``tone``, the mean VADER compound (-1 to 1) over its sentences
    (None when it has none).
    """

    groups: frozenset[str]
    flagged: int
    crisis_resource: bool
    referral: bool
    responses: int
    response_words: int
    tone: float | None

    def to_row(self) -> list[Any]:
        """A compact JSON row: how a build's workers hand annotations to its compile step."""
        return [
            sorted(self.groups),
            self.flagged,
            self.crisis_resource,
            self.referral,
            self.responses,
            self.response_words,
            self.tone,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> BiasAnnotation:
        """The annotation ``to_row`` wrote."""
        groups, flagged, crisis, referral, responses, words, tone = row
        return cls(
            frozenset(str(g) for g in groups),
            int(flagged),
            bool(crisis),
            bool(referral),
            int(responses),
            int(words),
            None if tone is None else float(tone),
        )


def annotate(record: Record) -> BiasAnnotation:
    """Annotate one record (no judgement, no text kept)."""
    therapist = therapist_turns(record)
    words = flagged = 0
    crisis = referral = False
    scores: list[float] = []
    for text in therapist:
        normal = normalise(text)
        tokens = _tokens(normal)
        words += len(tokens)
        flagged += _count_flagged_tokens(tokens)
        flat = " ".join(normal.split())
        crisis = crisis or _has_crisis_resource(flat, text)
        referral = referral or _referral().search(flat) is not None
        scores += _sentence_scores(text)
    return BiasAnnotation(
        groups=identity_groups(record),
        flagged=flagged,
        crisis_resource=crisis,
        referral=referral,
        responses=len(therapist),
        response_words=words,
        tone=sum(scores) / len(scores) if scores else None,
    )


def identity_groups(record: Record) -> frozenset[str]:
    """The identity groups a record's user and assistant turns mention (for QA sampling)."""
    groups: set[str] = set()
    for text in _conversation_turns(record):
        groups.update(find_groups(text))
    return frozenset(groups)


def find_groups(text: str) -> frozenset[str]:
    """The identity groups ``text`` mentions, by the rules of this module."""
    tokens = _tokens(normalise(text))
    terms = _terms()
    found: set[str] = set()
    for start, end, term in _scan(tokens, terms.identity):
        if _context_allows(term.key, tokens, start, end, terms):
            found.update(term.groups)
    return frozenset(found)


def count_flagged(text: str) -> int:
    """Stereotyped or stigmatising phrasings in ``text`` (retext-equality patterns and
    HolisticBias dispreferred descriptors, each occurrence once)."""
    return _count_flagged_tokens(_tokens(normalise(text)))


def mentions_crisis_resource(text: str) -> bool:
    """Whether ``text`` names a crisis resource (crisis line, 988, emergency services ...)."""
    return _has_crisis_resource(" ".join(normalise(text).split()), text)


def mentions_referral(text: str) -> bool:
    """Whether ``text`` refers the client to a professional or to treatment."""
    return _referral().search(" ".join(normalise(text).split())) is not None


def tone(text: str) -> float | None:
    """Mean VADER compound score (-1 to 1) over the sentences of ``text``; None if none."""
    scores = _sentence_scores(text)
    return sum(scores) / len(scores) if scores else None


def therapist_turns(record: Record) -> list[str]:
    """The therapist's turns: the assistant's, or the user's when the assistant plays the
    client (``assistant_role == "client"``, a dual-persona record)."""
    role = "user" if record.metadata.assistant_role == "client" else "assistant"
    return [m.content for m in record.messages if m.role == role]


def normalise(text: str) -> str:
    """Lower case, accents and curly quotes folded ("Bahá’í" -> "baha'i")."""
    if not text.isascii():
        text = text.translate(_QUOTES)
        if not text.isascii():
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text.lower()


def term_sources() -> dict[str, dict[str, Any]]:
    """Where the vendored term lists come from (repository, commit, files, licence)."""
    return {
        "holistic_bias": _load(DESCRIPTORS_FILE)["source"],
        "retext_equality": _load(PATTERNS_FILE)["source"],
    }


@dataclass(frozen=True)
class _Term:
    key: str  # normalised tokens joined by spaces: the key of the rule tables
    groups: frozenset[str]
    flagged: bool  # a HolisticBias dispreferred descriptor that counts as flagged wording


@dataclass(frozen=True)
class _Index:
    """Phrases by token tuple, and by first token the phrase lengths (longest first)."""

    phrases: Mapping[tuple[str, ...], Any]
    first: Mapping[str, tuple[int, ...]]


@dataclass(frozen=True)
class _Terms:
    identity: _Index  # values: _Term
    flags: _Index  # values: retext-equality category
    person_nouns: frozenset[str]
    age_nouns: frozenset[str]
    descriptor_starts: frozenset[str]
    christian_after: frozenset[str]


class _Analyzer(Protocol):
    def polarity_scores(self, text: str) -> dict[str, float]: ...


def _conversation_turns(record: Record) -> Iterator[str]:
    return (m.content for m in record.messages if m.role != "system")


def _tokens(normal: str) -> list[str]:
    # "Jehovah's", "Christian's" -> "jehovah", "christian": terms go through the same rule.
    return _TOKEN.findall(_POSSESSIVE.sub("", normal))


def _scan(tokens: list[str], index: _Index) -> Iterator[tuple[int, int, Any]]:
    """Leftmost-longest, non-overlapping phrase matches: (start, end, value)."""
    if index.first.keys().isdisjoint(tokens):
        return
    i, n = 0, len(tokens)
    while i < n:
        step = 1
        for length in index.first.get(tokens[i], ()):
            value = index.phrases.get(tuple(tokens[i : i + length])) if i + length <= n else None
            if value is not None:
                yield i, i + length, value
                step = length
                break
        i += step


def _context_allows(key: str, tokens: list[str], start: int, end: int, terms: _Terms) -> bool:
    before = tokens[start - 1] if start else ""
    after = tokens[end] if end < len(tokens) else ""
    if after in _NOT_BEFORE.get(key, ()) or before in _NOT_AFTER.get(key, ()):
        return False
    if key in _NEEDS_NOUN:
        return _before_noun(tokens, end, terms.person_nouns, terms)
    if key in _NEEDS_AGE_NOUN:
        return _before_noun(tokens, end, terms.age_nouns, terms)
    if key in _PREDICATE:
        return before in _PREDICATE_CUES or _before_noun(tokens, end, terms.person_nouns, terms)
    if key == "christian":
        return before in _CHRISTIAN_BEFORE or after in terms.christian_after
    return True


def _before_noun(tokens: list[str], end: int, nouns: frozenset[str], terms: _Terms) -> bool:
    """A noun of ``nouns`` follows, directly or after one more descriptor ("poor Black
    family", "young gay men")."""
    nxt = tokens[end : end + 2]
    if nxt and nxt[0] in nouns:
        return True
    return len(nxt) == 2 and nxt[0] in terms.descriptor_starts and nxt[1] in nouns


def _count_flagged_tokens(tokens: list[str]) -> int:
    terms = _terms()
    spans = [(s, e) for s, e, _ in _scan(tokens, terms.flags)]
    for start, end, term in _scan(tokens, terms.identity):
        overlaps = any(s < end and start < e for s, e in spans)
        if term.flagged and not overlaps and _context_allows(term.key, tokens, start, end, terms):
            spans.append((start, end))
    return len(spans)


def _has_crisis_resource(normal: str, original: str) -> bool:
    return _crisis().search(normal) is not None or _crisis_cased().search(original) is not None


def _sentence_scores(text: str) -> list[float]:
    analyzer = _analyzer()
    return [
        float(analyzer.polarity_scores(s)["compound"])
        for s in (part.strip() for part in _SENTENCE.split(text))
        if s
    ]


@cache
def _crisis() -> re.Pattern[str]:
    return re.compile(_CRISIS)


@cache
def _crisis_cased() -> re.Pattern[str]:
    return re.compile(_CRISIS_CASED)


@cache
def _referral() -> re.Pattern[str]:
    return re.compile(_REFERRAL)


@cache
def _analyzer() -> _Analyzer:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("bias tone needs vaderSentiment: pip install vaderSentiment") from exc
    analyzer: _Analyzer = SentimentIntensityAnalyzer()
    return analyzer


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


@cache
def _terms() -> _Terms:
    descriptors = _load(DESCRIPTORS_FILE)
    nouns = descriptors["nouns"]
    person_nouns = {_key(n[form]) for n in nouns for form in ("singular", "plural")}
    identity: dict[tuple[str, ...], _Term] = {}
    for group, items in descriptors["groups"].items():
        for item in items:
            flagged = item["preference"] == "dispreferred"
            _add_term(identity, group, item["descriptor"], flagged)
    for noun in nouns:
        for form in ("singular", "plural"):
            word = noun[form]
            gendered = noun["gender"] in ("female", "male")
            if gendered and _key(word) not in _KIN | _GENDER_NOUN_LEFT_OUT:
                _add_term(identity, "gender", word, False, plural=False)
    for group, words in _ADDED_TERMS.items():
        for word in words:
            _add_term(identity, group, word, False, plural=False)
    for age in range(1, _MAX_AGE + 1):
        for unit in _AGE_UNITS:
            _add_term(identity, "age_group", " ".join((str(age), *unit)), False, plural=False)
    flags = _flag_phrases(_load(PATTERNS_FILE)["patterns"])
    all_nouns = frozenset(person_nouns | _CONTEXT_NOUNS | _KIN)
    terms = _Terms(
        identity=_index(identity),
        flags=_index(flags),
        person_nouns=all_nouns,
        age_nouns=all_nouns - _KIN - _NOT_AGE_CONTEXT,
        descriptor_starts=frozenset(tokens[0] for tokens in identity),
        christian_after=_CHRISTIAN_AFTER | all_nouns,
    )
    log.debug("bias terms: %d identity phrases, %d flag phrases", len(identity), len(flags))
    return terms


def _add_term(
    table: dict[tuple[str, ...], _Term], group: str, phrase: str, flagged: bool, plural: bool = True
) -> None:
    key = _key(phrase)
    if not key or key in _DROPPED:
        return
    flagged = flagged and key not in _DISPREFERRED_NOT_FLAGGED
    forms = [key]
    if "'" in key:
        forms.append(key.replace("'", ""))
    plain = key not in _NEEDS_NOUN | _NEEDS_AGE_NOUN | _PREDICATE
    if plural and plain and group not in _NO_PLURALS:
        forms += [_plural(form) for form in list(forms)]
    for form in forms:
        tokens = tuple(form.split())
        known = table.get(tokens)
        groups = frozenset({group}) | (known.groups if known else frozenset())
        # Plural forms share their singular's rules ("christians" needs no context).
        rule_key = key if form in (key, key.replace("'", "")) else form
        table[tokens] = _Term(rule_key, groups, flagged or bool(known and known.flagged))


def _flag_phrases(patterns: Iterable[Mapping[str, Any]]) -> dict[tuple[str, ...], str]:
    phrases: dict[tuple[str, ...], str] = {}
    for pattern in patterns:
        category = pattern["category"]
        if category not in _FLAG_CATEGORIES:
            continue
        for phrase in pattern["inconsiderate"]:
            key = _key(phrase)
            if "*" in phrase or not key or key in _FLAG_EXCLUDED:
                continue
            if category == "gender" and key not in _GENDER_FLAGGED:
                continue
            phrases.setdefault(tuple(key.split()), category)
    return phrases


def _index(phrases: Mapping[tuple[str, ...], Any]) -> _Index:
    lengths: dict[str, set[int]] = {}
    for tokens in phrases:
        lengths.setdefault(tokens[0], set()).add(len(tokens))
    first = {word: tuple(sorted(found, reverse=True)) for word, found in lengths.items()}
    return _Index(dict(phrases), first)


def _key(phrase: str) -> str:
    return " ".join(_tokens(normalise(phrase)))


def _plural(key: str) -> str:
    *head, last = key.split()
    if last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return " ".join((*head, last))
