"""The keep-list: detected spans that must stay, because they are public crisis resources or
clinical and generic words that NER mislabels as names, places or dates.

Matching is case-insensitive on the span's text, stripped of surrounding punctuation, a
possessive "'s" and a leading "the"/"my"/"her"... and compared by a key without spaces or
punctuation. The vocabularies are in :mod:`mhds.steps.pii.keep_terms`; whether a site or an
e-mail address is public is :mod:`mhds.steps.pii.sites`' question; whether an unlisted word is
a condition, a therapy or a drug by its shape or the words around it is
:mod:`mhds.steps.pii.clinical_names`'.
"""

from __future__ import annotations

import re

from mhds.steps.pii.brands import used_as_brand
from mhds.steps.pii.citations import CITATION, is_cited
from mhds.steps.pii.cities import RECOGNIZER as CITY_RECOGNIZER
from mhds.steps.pii.clinical_names import (
    is_clinical_name,
    listed_with_medication,
    named_by_its_form,
    names_medicines,
    opens_with_medicine,
    other_name_of_medicine,
)
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.eponyms import names_a_condition
from mhds.steps.pii.famous import names_public_figure
from mhds.steps.pii.gazetteer import bears_a_city_name, is_census_name, is_city
from mhds.steps.pii.helplines import is_toll_free_line
from mhds.steps.pii.keep_terms import (
    CALENDAR,
    DIAGNOSES,
    GEOGRAPHY,
    INSTRUMENTS,
    MEDICATIONS,
    MODALITIES,
    NOT_NAMES,
    PLACES,
    PLATFORMS,
    RELATIONS,
    ROLE_MAILBOXES,
    SIGN_OFFS,
    US_STATES,
    term_key,
)
from mhds.steps.pii.lexicon import (
    EDGE_PUNCTUATION,
    english_stop_words,
    is_name_like,
    is_ordinary,
    one_edit_apart,
)
from mhds.steps.pii.name_cues import after_title, in_person_slot
from mhds.steps.pii.names import SHAPE_RECOGNIZER
from mhds.steps.pii.no_names import names_no_one
from mhds.steps.pii.platforms import on_a_social_profile, on_a_user_content_host, on_a_users_host
from mhds.steps.pii.practices import PRACTICE_RECOGNIZER
from mhds.steps.pii.resources import PublicResources
from mhds.steps.pii.sites import (
    is_introduced_site,
    is_misspelt_site,
    is_own_site,
    is_resource_page,
    names_a_person,
    names_linked_site,
    reads_as_words,
)
from mhds.steps.pii.spans import Category, Span
from mhds.steps.pii.urls import SCHEME, as_read
from mhds.steps.pii.works import cited_works, consumed_as_work

#: Conditions shorter than this are not matched to a misspelling: short words lie one letter
#: from too many names ("Mania", "Maria").
_MIN_MISSPELT_TERM = 8
#: The recognizers whose names and places may be a condition misspelt (NER, the name slots
#: and shapes), and the place words that make a word a place ("in", "near").
_MISSPELT_READERS = frozenset({"spacy_ner", "name_slot_regex", SHAPE_RECOGNIZER})
_PLACE_BEFORE = re.compile(r"\b(?i:in|from|near|to|at|around|outside|via)[ \t]+\Z")
#: Words that double as place names below state level: never kept as a LOCATION.
LOCATION_AMBIGUOUS: frozenset[str] = frozenset({"columbia"})
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
_CRISIS_WORDS = re.compile(r"\b(?:lifeline|crisis|suicide|hotline|helpline|line|call|text|dial)\b")
_KEYPAD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999"
)  # vanity numbers
_NUMERIC = frozenset({Category.PHONE, Category.ID, Category.IP_ADDRESS})
_OVER_89_YEARS = re.compile(r"\b(?:9\d|1[01]\d|ninety)\S*[\s-]*(?:years?|yrs?)\b")
_NUMBER_GROUP = re.compile(r"\d[\d\s().-]*\d|\d")
_POSSESSIVE = re.compile(r"['’]s$")
_WORD_REACH = 40
_CAPITALISED_BEFORE = re.compile(r"(?<![\w'’])[A-Z][\w'’]*[ -]\Z")
_CAPITALISED_AFTER = re.compile(r"[ -][A-Z][\w'’]*(?![\w'’])")
#: A possessive right before a word ("my grandma's Alzheimer's"): the word is the possessor's.
_AFTER_POSSESSIVE = re.compile(r"[a-z]['’]s[ \t]+\Z")
#: A word ending in "'s", "'" or "s" right before: a possessive, its apostrophe written or not
#: ("my friend's", "my friends "; also "his", "this", harmless before a platform's name).
_POSSESSIVE_BEFORE = re.compile(r"\w(?:['’]s?|(?<=[a-z])s)[ \t]+\Z")
_PLATFORM_KEYS = frozenset(term_key(t) for t in PLATFORMS)
_VERB_ENDINGS = ("ed", "d", "ing", "s")
_CUE_REACH = 40
#: Roles that are public by their nature, right before a name (and a second one joined by
#: "and": "author and feminist"). Film and song people are left out, as in works.py: a
#: "songwriter Evelyn Ferreira" is named the way a private person is.
_PUBLIC_ROLE = re.compile(
    r"(?i:\b(?:author|novelist|poet|playwright|comedian|comedienne|philosopher|activist"
    r"|feminist|journalist|theologian|psychoanalyst)"
    r"(?:[ \t\n]+and[ \t\n]+[a-z]+)?)[ \t,]*(?:[A-Z][a-z]+[ \t]+)?\Z"  # "Grace Lee Boggs"
)
#: A possessive that makes a person someone's ("my", "her", "a friend's"), or the writer's
#: own role ("I am a poet, ...", "I'm an author, ...").
_POSSESSOR = re.compile(
    r"(?i:\b(?:my|our|his|her|their|your)\b(?![ \t]+favou?rite\b)|\w['’]s\b"
    r"|\bi(?:[ \t]+am|['’]m)[ \t]+an?\b)"
)  # "my favorite comedian, Norm Macdonald": a fan's, not someone's own
_SUBREDDIT_BEFORE = re.compile(r"(?<![\w/])/?r/(?P<name>\w*)\Z")
_SUBREDDIT_NAME = re.compile(r"\w+")
_CAMEL_PART = re.compile(r"[A-Z][a-z]+")
_JOINER = re.compile(r"[\s,;&]*(?:(?:and|or)[\s,;&]*)?")
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
        self._long_diagnoses = tuple(
            sorted(t for t in DIAGNOSES if t.isalpha() and len(t) >= _MIN_MISSPELT_TERM)
        )
        self._not_names = _keys(NOT_NAMES)
        self._not_person = _keys(PLACES | CALENDAR | US_STATES | GEOGRAPHY | SIGN_OFFS)
        self._ambiguous = _keys(LOCATION_AMBIGUOUS)
        self._relations = frozenset(_normalize(t) for t in RELATIONS)
        self._resources = (
            PublicResources.default().extended(
                config.extra_public_resources, source="PIIConfig.extra_public_resources"
            )
            if config.public_resources and config.extra_public_resources
            else PublicResources.default()
            if config.public_resources
            else None
        )
        if self._resources is not None:  # a site of a listed resource is public, whole URL
            self._domains += tuple(sorted(self._resources.domains()))
        self._ranges: tuple[str, list[tuple[int, int, str]]] = ("", [])

    def public_ranges(self, text: str) -> list[tuple[int, int, str]]:
        """Where ``text`` names a public resource (helplines, organisations, directories,
        public figures, publications, their sites), remembered for the last text asked."""
        if self._resources is None:
            return []
        if self._ranges[0] != text:
            listed = self._resources.ranges(text)
            self._ranges = (text, _merged(listed, cited_works(text)))
        return self._ranges[1]

    def keeps(self, text: str, span: Span) -> bool:
        """Whether ``span`` must NOT be redacted from ``text``."""
        raw = text[span.start : span.end]
        category = span.category
        if category is Category.CREDENTIAL:
            return False  # a secret is never public, nor a clinical term
        if category in _NUMERIC:
            if category is Category.PHONE and is_toll_free_line(text, span.start, span.end):
                return True  # "a hotline to help with this 888-724-7240": an organisation's
            return self._is_crisis(raw, vanity=category is Category.PHONE)
        if category in (Category.EMAIL, Category.URL):
            return self._keeps_address(text, span, as_read(raw))
        # A listed name or clinical word in a person's slot is that person: "my husband, Gary
        # Chapman", "my uncle Guidone", "my neighbour Gottman".
        named = category in (Category.PERSON, Category.LOCATION)
        if named and self._in_title(text, span):
            return True  # "“A Counselor’s Advice on Open Relationships” by Kathy Labriola"
        platform = named and _is_platform(raw)
        if platform and _POSSESSIVE_BEFORE.search(
            text, max(0, span.start - _CUE_REACH), span.start
        ):
            return True  # "my ex-boyfriend's Instagram", "my friends Instagram": an account
        if named and in_person_slot(text, span.start):
            if _AFTER_POSSESSIVE.search(text, max(0, span.start - _CUE_REACH), span.start) and (
                names_a_condition(text, span.start, span.end)
            ):
                return True  # "my grandma's Alzheimer's": the relation's condition
            if named_by_its_form(text, span.start, span.end):
                return True  # "my Mirena IUD": what it comes as makes it a medicine
            return _normalize(raw) in self._relations  # "my mom Mom" is no name
        if category is Category.PERSON and _after_public_role(text, span.start, span.end):
            return True  # "a quote from comedian Eddie Izzard": a public figure by their work
        if platform or (named and names_linked_site(text, span.start, span.end)):
            return True  # "we talked on Skype", "we Skyped", "[Medcircle on BPD](https://...)"
        if named and _in_subreddit(text, span):
            return True  # "/r/IncelsWithoutHate": a forum, public
        run_start, run_end = _capitalised_run(text, span.start, span.end)
        whole = text[run_start:run_end]  # "Tai Chi" of "Chi"
        if named and used_as_brand(text, span.start, span.end, whole):
            return True  # "a Walmart parking lot", "a Gucci bag"
        if named and consumed_as_work(text, run_start, run_end):
            return True  # "playing Kingdom Hearts", "rewatching Frasier": a game, a show
        if named and names_public_figure(text, run_start, run_end):
            return True  # "the roles played by George Clooney", "the writings of Epictetus"
        if named and term_key(raw) in self._not_names:
            return True  # "if God is real", "Christmas", "Good Luck!"
        if named and names_no_one(text, span.start, span.end):
            return True  # "English is not my first language", "Idk", "the DTs", "1mg Cogentin"
        if self._in_public_range(text, span):
            return True
        phrase = _normalize(raw)
        if not phrase:
            return False
        if self._mentions_crisis_line(raw, phrase):
            return True
        if named and is_clinical_name(text, span) and span.recognizer != PRACTICE_RECOGNIZER:
            return True
        if named and listed_with_medication(text, span.start, span.end):
            return True  # "(e.g. Wellbutrin XL, Aplenzin)": a drug the list's others tell
        if named and opens_with_medicine(text, span.start, span.end):
            return True  # "Vyvanse Hello!", "Abilify Insomnia": a title glued to what follows
        if named and names_medicines(text, span.start, span.end):
            return True  # "put me on Tamoxifen", "prescribed Trazadone": a medicine, misspelt
        if named and other_name_of_medicine(text, span.start, span.end):
            return True  # "mirtazapine (Rameron)", "Prozac/Fluxotine": its other name
        timed = category in (Category.AGE, Category.DATE)
        if timed and self._is_vague_time(phrase, span.recognizer):
            return True
        if span.recognizer == CITY_RECOGNIZER:
            return False  # a city by its cue, even one named as its state is: "in New York"
        if self._is_term(phrase, category):
            return True
        if named and self._is_misspelt_diagnosis(text, span):
            return True  # "Pedophelia": a condition with one letter wrong, no one's name
        # A word of a capitalised term ("Chi" of "Tai Chi"): the term decides.
        return whole != raw and self._is_term(_normalize(whole), category)

    def _keeps_address(self, text: str, span: Span, raw: str) -> bool:
        """Whether an e-mail address or a site is public: a listed one (a role mailbox of a
        listed domain), a public page, or a site the text points to that is no one's own."""
        if names_a_person(raw) or on_a_social_profile(raw) or on_a_user_content_host(raw):
            return False  # "goodtherapy.org/therapists/profile/...", "facebook.com/jane.d1"
        email = span.category is Category.EMAIL or ("@" in raw and "://" not in raw)
        if not email and self._in_public_range(text, span):
            return True  # an address inside a public page's is still someone's own
        if self._is_public(raw, email=email):
            return True
        if email or self._resources is None or is_own_site(text, span.start, span.end):
            return False
        if on_a_users_host(raw):
            return False  # "x.blogspot.com/2019/09/...": a blog of its own, its writer's
        if is_misspelt_site(raw, self._domains):
            return True  # "psychologtoday.com": a listed site misspelt, no one's own
        return is_resource_page(raw) or is_introduced_site(text, span.start, span.end)

    def _in_public_range(self, text: str, span: Span) -> bool:
        """Inside listed resources' names or sites, or cited works and their authors; a public
        figure only where the text cites them (a book, research, "by", a possessive), not
        merely names someone alike."""
        left = text[span.start : span.end]
        for start, end, kind in self.public_ranges(text):
            if start < span.end and span.start < end:
                if kind == "public_figure" and not is_cited(text, start, end):
                    return False
                a, b = max(start, span.start) - span.start, min(end, span.end) - span.start
                left = left[:a] + " " * (b - a) + left[b:]
        # covered, but for what joins two names ("John Gottman & Nan Silver") or a sentence's
        # first word glued on by a missing space ("Gary ChapmanAnd")
        if left == text[span.start : span.end]:
            return False
        return _JOINER.fullmatch(left) is not None or all(
            w.lower() in english_stop_words() for w in left.split()
        )

    def _in_title(self, text: str, span: Span) -> bool:
        """Inside the title of a publication the text cites."""
        return any(
            start <= span.start and span.end <= end
            for start, end, kind in self.public_ranges(text)
            if kind == "publication"
        )

    def _is_misspelt_diagnosis(self, text: str, span: Span) -> bool:
        """A one-word condition of ``DIAGNOSES``, of ``_MIN_MISSPELT_TERM`` letters or more,
        written with one letter changed, added or dropped ("Pedophelia", which NER calls a
        place), where nothing makes it a person's or a place's name: found by NER or by its
        shape or slot alone (not as a town, a street or a practice), not after a place word
        or a title, not a Census name, not a city's.

        Only conditions: drugs, instruments and therapies lie one letter from private
        people's and places' names too often ("Concepta", "Thomazine", "Stravato",
        "Columbina", "Havering", "Ramelton", "Edinburg": a leak review found them all)."""
        word = text[span.start : span.end].strip(EDGE_PUNCTUATION)
        if len(word) < _MIN_MISSPELT_TERM or not word.isalpha():
            return False
        if span.recognizer not in _MISSPELT_READERS or _PLACE_BEFORE.search(
            text, max(0, span.start - _CUE_REACH), span.start
        ):
            return False  # found as a town, a street, a practice; or "in Edinburg"
        if is_census_name(word) or bears_a_city_name(word) or after_title(text, span.start):
            return False
        return any(one_edit_apart(word.lower(), term) for term in self._long_diagnoses)

    def _is_crisis(self, raw: str, *, vanity: bool) -> bool:
        value = raw.upper().translate(_KEYPAD) if vanity else raw
        digits = "".join(c for c in value if c.isdigit())
        if digits in self._crisis:
            return True
        return len(digits) == 11 and digits[0] == "1" and digits[1:] in self._crisis

    def _is_public(self, raw: str, *, email: bool) -> bool:
        value = raw.strip(EDGE_PUNCTUATION).lower()
        if email:
            local, _, host = value.rpartition("@")
            if not local or local.split("+")[0] not in ROLE_MAILBOXES:
                return False
        else:
            host = _HOST_END.split(SCHEME.sub("", value).rpartition("@")[2])[0]
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
        whole = term_key(phrase)
        parts = [whole] if any(whole in terms for terms in allowed) else []
        if not parts:  # the dose pattern would eat terms such as "ER", so only when needed
            parts = [k for k in map(term_key, _SEPARATORS.split(_DOSE.sub(" ", phrase))) if k]
        if not parts or (
            category is Category.LOCATION and any(p in self._ambiguous for p in parts)
        ):
            return False
        return all(any(p in terms for terms in allowed) for p in parts)


def _after_public_role(text: str, start: int, end: int) -> bool:
    """Whether a name follows a role that is public by its nature in a sentence that cites
    them ("a quote from comedian Eddie Izzard", "the advice by author and feminist Rita Mae
    Brown"), with no possessive or "I am" that makes the person someone's or the writer ("my
    friend, a poet, Dana", "I am a poet, Sarah", "the journalist Paul who lives next door")."""
    window = max(0, start - _CUE_REACH)
    role = _PUBLIC_ROLE.search(text, window, start)
    if role is None or _POSSESSOR.search(text, window, role.start()) is not None:
        return False
    cue = max(0, role.start() - _CUE_REACH)  # "a quote from\ncomedian": across a line's wrap
    return is_cited(text, start, end) or CITATION.search(text, cue, role.start()) is not None


def _in_subreddit(text: str, span: Span) -> bool:
    """Whether a name lies in a subreddit's name made of ordinary words or an acronym
    ("/r/IncelsWithoutHate", "r/BPD"), and no city's: "r/Boise" tells where its members live,
    "r/JusticeForAoife" and "r/Ballard" name a person or a place."""
    head = _SUBREDDIT_BEFORE.search(text, max(0, span.start - _CUE_REACH), span.start)
    if head is None or span.category is not Category.PERSON:
        return False
    name = _SUBREDDIT_NAME.match(text, head.start("name"))
    if name is None or bears_a_city_name(name[0]) or is_city(name[0]):
        return False
    if any(is_name_like(part) for part in _CAMEL_PART.findall(name[0])):
        return False  # "r/PrayForMiten"
    return all(reads_as_words(part.lower()) for part in name[0].split("_") if part)


def _capitalised_run(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the capitalised words around ``text[start:end]``, joined by single spaces or
    hyphens, start and end."""
    while (m := _CAPITALISED_BEFORE.search(text, max(0, start - _WORD_REACH), start)) is not None:
        start = m.start()
    while (m := _CAPITALISED_AFTER.match(text, end)) is not None:
        end = m.end()
    return start, end


def _merged(
    first: list[tuple[int, int, str]], second: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """``first`` and the ranges of ``second`` that overlap none of it, sorted."""
    extra = [r for r in second if not any(a < r[1] and r[0] < b for a, b, _ in first)]
    return sorted(first + extra)


def _is_platform(raw: str) -> bool:
    """An online platform's name, a verb made of it ("Skyped", "Googling"), or one of its
    services, named with an English word after it ("Xbox Live", "Google Drive")."""
    phrase = _normalize(raw)
    key = term_key(phrase)
    first, _, service = phrase.partition(" ")
    # a service by an English word, not by someone's surname ("Amazon Cole")
    if service.isalpha() and is_ordinary(service) and not is_census_name(service.title()):
        return term_key(first) in _PLATFORM_KEYS or key in _PLATFORM_KEYS
    return key in _PLATFORM_KEYS or any(
        key.endswith(ending) and key[: -len(ending)] in _PLATFORM_KEYS for ending in _VERB_ENDINGS
    )


def _normalize(raw: str) -> str:
    """Lower-cased text without surrounding punctuation, possessive or leading determiner."""
    phrase = raw.strip(EDGE_PUNCTUATION).lower()
    phrase = _POSSESSIVE.sub("", phrase)
    phrase = _LEADING.sub("", " ".join(phrase.split()))
    return phrase.strip(EDGE_PUNCTUATION)


def _keys(terms: frozenset[str]) -> frozenset[str]:
    return frozenset(k for k in (term_key(_normalize(t)) for t in terms) if k)
