"""The keep-list: detected spans that must stay, because they are public crisis resources or
clinical and generic words that NER mislabels as names, places or dates.

Matching is case-insensitive on the span's text, stripped of surrounding punctuation, a
possessive "'s" and a leading "the"/"my"/"her"... and compared by a key without spaces or
punctuation. The vocabularies are in :mod:`mhds.steps.pii.keep_terms`.
"""

from __future__ import annotations

import re

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.keep_terms import (
    CALENDAR,
    DIAGNOSES,
    GEOGRAPHY,
    INSTRUMENTS,
    MEDICATIONS,
    MODALITIES,
    PLACES,
    RELATIONS,
    SIGN_OFFS,
    US_STATES,
)
from mhds.steps.pii.resources import PublicResources
from mhds.steps.pii.spans import Category, Span

#: Words that double as place names below state level: never kept as a LOCATION.
LOCATION_AMBIGUOUS: frozenset[str] = frozenset({"columbia"})
#: Local parts of e-mail addresses that name a service, not a person (kept at public domains).
ROLE_MAILBOXES: frozenset[str] = frozenset(
    {
        "info", "help", "helpline", "support", "contact", "hello", "office", "admin", "crisis",
        "hotline", "questions", "inquiries", "media", "press", "feedback", "services", "intake",
        "referrals", "mail", "general", "team", "webmaster", "communications", "outreach",
    }
)  # fmt: skip
#: Recognizers whose DATE ties a year to a person ("born in 1987"): never kept as a bare year.
DATED_EVENT_RECOGNIZERS: frozenset[str] = frozenset({"birth_year_regex", "date_named_regex"})

_NUMBER = (
    r"(?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty"
    r"|sixty|seventy|eighty|hundred|few|a few|several|many|some|couple(?: of)?|a couple(?: of)?"
    r"|half(?: an?)?)"
)
_UNIT = (
    r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|wks?|months?|mos?"
    r"|years?|yrs?|decades?|weekends?|semesters?|quarters?)"
)
_DURATION = re.compile(
    rf"(?:(?:last|past|next|first|previous|coming|other)\s+)?"
    rf"(?:{_NUMBER}(?:[\s-]+{_NUMBER}){{0,3}}(?:\s*(?:-|–|to|or)\s*{_NUMBER})?(?:\s+and\s+a\s+half)?"
    rf"[\s-]*)?{_UNIT}(?:\s+and\s+a\s+half)?"
    r"(?:\s+(?:ago|later|earlier|before|after|straight|prior|or so|long|in a row|from now))?"
)
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_PERIOD = (
    rf"(?:{_WEEKDAY}|weekend|january|february"
    r"|march|april|may|june|july|august|september|october|november|december|spring|summer|fall"
    r"|autumn|winter|morning|afternoon|evening|night|day|week|month|year|time)s?"
)
_RELATIVE = re.compile(
    rf"(?:(?:this|last|next|past|previous|coming|every|each|that|following|prior|same)\s+)?"
    rf"(?:(?:few|couple of|other|entire|whole|same|early|late|first|final|past|mid|{_WEEKDAY})\s+)?"
    rf"{_PERIOD}(?:\s+(?:morning|afternoon|evening|night|ago))?"
)
_YEAR = re.compile(r"(?:19|20)\d{2}s?|(?:19|20)\d{2}\s*(?:-|–|to)\s*(?:19|20)?\d{2}")
_DECADE_OF_LIFE = re.compile(
    r"(?:(?:early|mid|late)[\s-]*)?(?:'?\d0s|teens|twenties|thirties|forties|fifties|sixties"
    r"|seventies|eighties|nineties)"
)
_YOUNG_AGE = re.compile(
    r"(?:aged?\s+)?(\d{1,2})(?:[\s-]*(?:years?|yrs?)(?:[\s-]*old)?|[\s-]*(?:yo|y/o))?"
)
_DOSE = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|ug|g|ml|units?|iu)\b(?:\s*(?:/|a|per)\s*day)?"
    r"|\b(?:xr|er|sr|xl|cr|la|odt|ir|dr)\b"
)
_SEPARATORS = re.compile(r"\s*(?:,|/|&|\+|\band\b|\bor\b|\bplus\b)\s*")
_LEADING = re.compile(
    r"^(?:(?:the|my|our|your|his|her|their|for|about|around|almost|nearly|over|under|within|in"
    r"|during|since|until|till|from|on|by|at)\s+)+"
)
_STRIP = " \t\r\n.,;:!?\"'`()[]{}<>*_“”‘’"
_CRISIS_WORDS = re.compile(r"\b(?:lifeline|crisis|suicide|hotline|helpline|line|call|text|dial)\b")
_KEYPAD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999"
)  # vanity numbers
_NUMERIC = frozenset({Category.PHONE, Category.ID, Category.IP_ADDRESS})
_OVER_89_YEARS = re.compile(r"\b(?:9\d|1[01]\d|ninety)\S*[\s-]*(?:years?|yrs?)\b")
_NUMBER_GROUP = re.compile(r"\d[\d\s().-]*\d|\d")
_POSSESSIVE = re.compile(r"['’]s$")
#: Greek-derived endings of condition names ("Misophonia", "Trichotillomania", "Anorexia").
_CONDITION_ENDINGS = (
    "phobia", "philia", "phonia", "mania", "algia", "osis", "itis", "pathy", "plegia",
    "thymia", "somnia", "orexia", "lexia", "praxia", "phasia", "phagia", "tropin",
)  # fmt: skip
_CLINICAL_HEAD = re.compile(
    r"(?i:\b(?:disorders?|syndromes?|disease|therapy|therapies|treatment|phobias?|dysphoria"
    r"|psychosis|depression|anxiety|mania|inventory|scale|questionnaire|assessment|index"
    r"|checklist|interview|dementia|palsy|deficit|dystrophy|sclerosis))$"
)
_CONDITION_AFTER = re.compile(r"(?:['’]s)?[ \t]+(?:disorder|syndrome|disease)\b", re.IGNORECASE)
#: Stems of generic drug names (USAN Council stem list) of psychiatric and commonly
#: co-prescribed drugs: sertraline, fluoxetine, diazepam, quetiapine, risperidone ...
DRUG_STEMS = (
    "oxetine", "xetine", "traline", "alopram", "triptyline", "ipramine", "pramine", "azepam",
    "azolam", "zolam", "apine", "peridol", "eridone", "idone", "piprazole", "faxine", "pirone",
    "azodone", "oxamine", "gabalin", "pentin", "otrigine", "azepine", "phetamine", "phenidate",
    "trexone", "loxone", "orphine", "codone", "afinil", "clopidol", "lurasidone", "olol",
    "zepam", "barbital", "plon", "zolpidem", "suvorexant", "orexant",
)  # fmt: skip
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_HOST_END = re.compile(r"[/?#:]")


class KeepList:
    """Decides which detected spans stay in the text.

    Args:
        config: supplies the crisis numbers, the public domains and ``extra_keep_terms``.
    """

    def __init__(self, config: PIIConfig) -> None:
        self._crisis = frozenset(config.crisis_numbers)
        self._domains = tuple(d.lower().strip(".") for d in config.public_domains)
        clinical = MEDICATIONS | INSTRUMENTS | MODALITIES | DIAGNOSES | RELATIONS
        self._any = _keys(clinical | frozenset(config.extra_keep_terms))
        self._not_person = _keys(PLACES | CALENDAR | US_STATES | GEOGRAPHY | SIGN_OFFS)
        self._ambiguous = _keys(LOCATION_AMBIGUOUS)
        self._resources = PublicResources.default() if config.public_resources else None
        if self._resources is not None:  # a site of a listed resource is public, whole URL
            self._domains += tuple(sorted(self._resources.domains()))
        self._ranges: tuple[str, list[tuple[int, int, str]]] = ("", [])

    def public_ranges(self, text: str) -> list[tuple[int, int, str]]:
        """Where ``text`` names a public resource (helplines, organisations, directories,
        public figures, publications, their sites), remembered for the last text asked."""
        if self._resources is None:
            return []
        if self._ranges[0] != text:
            self._ranges = (text, self._resources.ranges(text))
        return self._ranges[1]

    def keeps(self, text: str, span: Span) -> bool:
        """Whether ``span`` must NOT be redacted from ``text``."""
        raw = text[span.start : span.end]
        category = span.category
        if category is Category.CREDENTIAL:
            return False  # a secret is never public, nor a clinical term
        if category in _NUMERIC:
            return self._is_crisis(raw, vanity=category is Category.PHONE)
        if any(a <= span.start and span.end <= b for a, b, _ in self.public_ranges(text)):
            return True  # inside a public resource's name or site
        if category in (Category.EMAIL, Category.URL):
            email = category is Category.EMAIL or ("@" in raw and "://" not in raw)
            return self._is_public(raw, email=email)
        phrase = _normalize(raw)
        if not phrase:
            return False
        if self._mentions_crisis_line(raw, phrase):
            return True
        if category in (Category.PERSON, Category.LOCATION) and is_clinical_name(text, span):
            return True
        timed = category in (Category.AGE, Category.DATE)
        if timed and self._is_vague_time(phrase, span.recognizer):
            return True
        return self._is_term(phrase, category)

    def _is_crisis(self, raw: str, *, vanity: bool) -> bool:
        value = raw.upper().translate(_KEYPAD) if vanity else raw
        digits = "".join(c for c in value if c.isdigit())
        if digits in self._crisis:
            return True
        return len(digits) == 11 and digits[0] == "1" and digits[1:] in self._crisis

    def _is_public(self, raw: str, *, email: bool) -> bool:
        value = raw.strip(_STRIP).lower()
        if email:
            local, _, host = value.rpartition("@")
            if not local or local.split("+")[0] not in ROLE_MAILBOXES:
                return False
        else:
            host = _HOST_END.split(_SCHEME.sub("", value).rpartition("@")[2])[0]
        host = host.strip(".")
        return any(host == d or host.endswith("." + d) for d in self._domains)

    def _mentions_crisis_line(self, raw: str, phrase: str) -> bool:
        """A crisis number alone ("988") or named with a crisis word ("988 Lifeline")."""
        numbers = _NUMBER_GROUP.findall(raw)
        if not numbers or not any(self._is_crisis(n, vanity=False) for n in numbers):
            return False
        return not phrase.strip("0123456789 ().-") or _CRISIS_WORDS.search(phrase) is not None

    def _is_vague_time(self, phrase: str, recognizer: str) -> bool:
        """A bare year, duration, relative time, decade of life or age up to 89."""
        if _OVER_89_YEARS.search(
            phrase
        ):  # "92 years", "ninety-two years": the age is an identifier
            return False
        if recognizer not in DATED_EVENT_RECOGNIZERS and _YEAR.fullmatch(phrase):
            return True
        if _DURATION.fullmatch(phrase) or _RELATIVE.fullmatch(phrase):
            return True
        if _DECADE_OF_LIFE.fullmatch(phrase):
            return True
        young = _YOUNG_AGE.fullmatch(phrase)
        return young is not None and int(young[1]) <= 89

    def _is_term(self, phrase: str, category: Category) -> bool:
        """Every part ("Zoloft 50mg and Wellbutrin XL" -> zoloft, wellbutrin) is a known term."""
        allowed = (self._any,) if category is Category.PERSON else (self._any, self._not_person)
        whole = _key(phrase)
        parts = [whole] if any(whole in terms for terms in allowed) else []
        if not parts:  # the dose pattern would eat terms such as "ER", so only when needed
            parts = [k for k in map(_key, _SEPARATORS.split(_DOSE.sub(" ", phrase))) if k]
        if not parts or (
            category is Category.LOCATION and any(p in self._ambiguous for p in parts)
        ):
            return False
        return all(any(p in terms for terms in allowed) for p in parts)


def is_clinical_name(text: str, span: Span) -> bool:
    """The clinical-term guard: a title-case span that names a condition, a treatment, a
    measure or a drug, not a person or place. Its last word is a clinical head noun ("Panic
    Disorder", "Dialectical Behavior Therapy", "Beck Depression Inventory"); or it is the
    eponym of a condition written after it ("Asperger('s) Syndrome", "Tourette's Disorder");
    or it is one word with the stem of a psychiatric drug's generic name (USAN stems:
    "-oxetine", "-azepam", "-apine" ...) or the Greek ending of a condition ("-phobia",
    "-phonia", "-osis" ...)."""
    raw = text[span.start : span.end].strip(_STRIP)
    if _CLINICAL_HEAD.search(raw) or _CONDITION_AFTER.match(text, span.end):
        return True
    return " " not in raw and raw.lower().endswith(DRUG_STEMS + _CONDITION_ENDINGS)


def _normalize(raw: str) -> str:
    """Lower-cased text without surrounding punctuation, possessive or leading determiner."""
    phrase = raw.strip(_STRIP).lower()
    phrase = _POSSESSIVE.sub("", phrase)
    phrase = _LEADING.sub("", " ".join(phrase.split()))
    return phrase.strip(_STRIP)


def _key(phrase: str) -> str:
    return "".join(c for c in phrase if c.isalnum())


def _keys(terms: frozenset[str]) -> frozenset[str]:
    return frozenset(k for k in (_key(_normalize(t)) for t in terms) if k)
