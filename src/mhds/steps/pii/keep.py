"""The keep-list: detected spans that must stay, because they are public crisis resources or
clinical and generic words that NER mislabels as names, places or dates.

Matching is case-insensitive on the span's text, stripped of surrounding punctuation, a
possessive "'s" and a leading "the"/"my"/"her"... and compared by a key without spaces or
punctuation. The vocabularies are in :mod:`mhds.steps.pii.keep_terms`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cache, lru_cache
from typing import Any, NamedTuple
from urllib.parse import unquote

from mhds.steps.pii.brands import used_as_brand
from mhds.steps.pii.cities import RECOGNIZER as CITY_RECOGNIZER
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.drugs import is_drug_name
from mhds.steps.pii.eponyms import names_a_condition
from mhds.steps.pii.famous import names_public_figure
from mhds.steps.pii.gazetteer import bears_a_city_name, is_census_name, is_city
from mhds.steps.pii.keep_terms import (
    CALENDAR,
    DIAGNOSES,
    GEOGRAPHY,
    INSTRUMENTS,
    MEDICATIONS,
    MODALITIES,
    NOT_NAMES,
    ORGANISATION_WORDS,
    PLACES,
    PLATFORMS,
    RELATIONS,
    SIGN_OFFS,
    US_STATE_CODES,
    US_STATES,
    term_key,
)
from mhds.steps.pii.lexicon import POSSESSIVE_AFTER, english_stop_words, is_name_like, is_ordinary
from mhds.steps.pii.names import in_person_slot
from mhds.steps.pii.pattern_sources import EMAIL, TLDS
from mhds.steps.pii.practices import PRACTICE_RECOGNIZER
from mhds.steps.pii.resources import EPONYM_AFTER, PublicResources
from mhds.steps.pii.spans import Category, Span
from mhds.steps.pii.works import cited_works, consumed_as_work

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
    "thymia", "somnia", "orexia", "praxia", "phasia", "phagia",
)  # fmt: skip
_CLINICAL_HEAD = re.compile(
    r"(?i:\b(?:(?P<strong>disorders?|syndromes?|disease|phobias?|dysphoria|psychosis|mania"
    r"|inventory|scale|questionnaire|index|checklist|interview|dementia|palsy|deficit|dystrophy"
    r"|sclerosis)|therapy|therapies|treatment|depression|anxiety|assessment))$"
)
_MIN_STEM_WORD = 8
#: A kind of therapy in lower case right after a span ("Couples therapy"), where a word that
#: takes a therapy stands before it ("attending", "try", "in"; not "I told Grace therapy ...").
_HEAD_AFTER = re.compile(r"[ \t]+(?:therapy|therapies|counsel+ing|treatment)\b")
_THERAPY_CUE = re.compile(
    r"(?i:\b(?:attend\w*|try|tried|trying|start\w*|begin|began|consider\w*|recommend\w*"
    r"|suggest\w*|in|into|of|about|for|an?|the|do|doing|did|through)[ \t]+\Z)"
)
_WORD_REACH = 40
_CAPITALISED_BEFORE = re.compile(r"(?<![\w'’])[A-Z][\w'’]*[ -]\Z")
_CAPITALISED_AFTER = re.compile(r"[ -][A-Z][\w'’]*(?![\w'’])")
_PATH_SEGMENT = re.compile(r"/([A-Za-z]+(?:[-_.][A-Za-z0-9]+){1,3})(?=[/?#]|$)")
_TITLE_WORDS = frozenset({"dr", "mr", "mrs", "ms", "prof"})
#: Top-level and second-level domains of public institutions.
_PUBLIC_TLDS = frozenset({"gov", "edu", "mil", "int"})
_PUBLIC_SLDS = frozenset({"gov", "gc", "ac", "edu", "nhs", "govt", "gouv", "gob", "mil"})
_GENERIC_SLDS = frozenset({"co", "com", "org", "net", "or", "ne"})
_PROFILE_PATH = re.compile(
    r"/(?:@|~|u/|user/|users/|profile|profiles/|people/|person/|author/|authors/|in/|member"
    r"|therapists?/|counsel+ors?/|providers?/|staff/|team/|our-team|about-me|bio/"
    r"|comments/)"  # a forum's thread ("reddit.com/r/x/comments/9w2b8l/..."): its poster's
)
#: One video's page on a public video site (a channel's page is not one).
_VIDEO_PAGE = re.compile(
    r"(?:www\.|m\.)?(?:youtube\.com/(?:watch\?|shorts/|embed/)|youtu\.be/[\w-]|vimeo\.com/[0-9])"
)
_PRACTICE_WORD = re.compile(
    r"therap|counsel|psychotherap|coach|heal|wellness|clinic|practice|associates|lcsw|lpc"
    r"|lmft|lmhc|phd|psyd|mft"
)
#: "dr" in a site's name, and what follows it: a doctor's when a Census name follows
#: ("drjenmcallister"), not in "drugs" or "drinkaware".
_DOCTOR = re.compile(r"dr(?=([a-z]{3,}))")
_PATH_PIECE = re.compile(r"[^/?#]+")
_SLUG_SPLIT = re.compile(r"[-_+ .]+")
_DOCUMENT = re.compile(r"\.(?:pdf|html?|aspx?|php|docx?)$")
_MAX_ACRONYM = 5
#: Ordinary words in a slug that make it a title even with one other word (an acronym).
_LONG_SLUG = 4
#: Words of organisations' site names that English mostly writes capitalised.
_ORGANISATION_WORDS = ORGANISATION_WORDS | {"line"}
_SHORT_PIECE = 3
#: Organisation words shorter than this ("line", "trust") are found inside other words, so
#: only the longer ones tell a site's name.
_MIN_ORGANISATION_WORD = 6
_LONG_ORGANISATION_WORDS = tuple(
    sorted(w for w in _ORGANISATION_WORDS if len(w) >= _MIN_ORGANISATION_WORD)
)
#: Last words of a site's name that say what the site is about, not whose it is
#: ("tinybuddha", "englishclub", "imagorelationships", "natboard").
_TOPIC_ENDS = tuple(
    sorted(
        {*_LONG_ORGANISATION_WORDS}
        | {"club", "board", "relationships", "buddha", "meditation", "mindfulness", "psychology",
           "recovery", "support", "parenting", "anxiety", "depression", "trauma",
           "grief", "resources", "guide", "tools", "magazine", "journal", "library", "school",
           "community", "forum"}
    )
)  # fmt: skip
#: Site names shorter than this are not matched to a listed site by a near miss.
_MIN_MISSPELT = 12
_SHORT_WORDS = frozenset(
    {"new", "act", "aid", "art", "kid", "mom", "dad", "men", "way", "day", "fit", "joy", "sex",
     "gay", "map", "net", "hub", "web", "age", "big", "app"}
)  # fmt: skip
#: Contractions a site's name writes without the apostrophe ("letsqueerthingsup").
_RUN_TOGETHER = frozenset(
    {"lets", "dont", "cant", "wont", "youre", "whats", "thats", "theres", "isnt", "ive", "youve",
     "doesnt", "didnt", "hows", "heres", "weve", "were"}
)  # fmt: skip
#: Region codes in organisations' site names ("psychologynj", "AcademyofCT", "namiuk").
_REGION_CODES = frozenset(code.lower() for code in US_STATE_CODES) | {"uk", "nyc"}
#: A shop's product page ("amazon.com/Explosive-Child-.../dp/0062270451"): a book or a thing
#: for sale, never a person's page.
_PRODUCT_PATH = re.compile(r"(?:^|/)(?:dp|gp/product)/[A-Z0-9]{10}(?:[/?]|$)", re.I)
_MAX_SITE_NAME = 40
_MAX_WORD = 18
_ATTRIBUTION = re.compile(r"[~—–][ \t]*\Z")
#: A possessive right before a word ("my grandma's Alzheimer's"): the word is the possessor's.
_AFTER_POSSESSIVE = re.compile(r"[a-z]['’]s[ \t]+\Z")
_POSSESSIVE_BEFORE = re.compile(r"\w['’]s?[ \t]+\Z")
_CITATION = re.compile(
    r"(?i:\b(?:read|reading|book|books|author|wrote|writes|written|work|research|theory"
    r"|approach|method|model|talks?|podcast|video|according|recommend\w*|suggest\w*|check"
    r"[ \t]+out|look[ \t]+up|found(?:er|ed)|developed|created|coined|by|stud(?:y|ies)|institute"
    r"|therapy|workbook|quote[sd]?|ted|website|site|article|blog|course|program|fan"
    r"|writings|teachings|poems|poetry|essays|lectures|sermons|philosophy))\b"
)
#: Stems of generic drug names (USAN Council stem list) of psychiatric and commonly
#: co-prescribed drugs: sertraline, fluoxetine, diazepam, quetiapine, risperidone ...
DRUG_STEMS = (
    "oxetine", "xetine", "traline", "alopram", "triptyline", "ipramine", "pramine", "azepam",
    "azolam", "zolam", "apine", "peridol", "eridone", "idone", "piprazole", "faxine", "pirone",
    "azodone", "oxamine", "gabalin", "pentin", "otrigine", "azepine", "phetamine", "phenidate",
    "trexone", "loxone", "orphine", "codone", "afinil", "clopidol", "lurasidone", "olol",
    "zepam", "barbital", "plon", "zolpidem", "suvorexant", "orexant",
)  # fmt: skip
_CLINICAL_ENDINGS = DRUG_STEMS + _CONDITION_ENDINGS
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_KNOWN_TLDS = frozenset(TLDS.split("|"))
_PLATFORM_KEYS = frozenset(term_key(t) for t in PLATFORMS)
_VERB_ENDINGS = ("ed", "d", "ing", "s")
#: Whose a site is, said in its sentence before it.
_OWNER = re.compile(
    r"(?i:\b(?:my|our|his|her)[ \t]+(?:[\w'’-]+[ \t]+){0,3}?(?:site|website|web[ \t]?page"
    r"|blog|page|practice|office|podcast|channel|videos?|books?|articles?|posts?|work|group|runs|owns"
    r"|writes|wrote|created|started|founded|manages|hosts|sells)\b"
    r"|\b(?:contact|email|e-mail|call|reach|find|visit|join|follow)"
    r"[ \t]+(?:me|us)\b|\babout[ \t]+(?:me|us)\b|\bshameless"
    r"|\b(?:I|we)(?:['’](?:m|ve|re))?[ \t]+(?:\w+[ \t]+){0,2}(?:run|runs|write|wrote|blog|post"
    r"|offer|host|created|founded|started|own|manage|lead|publish\w*)\b"
    r"|\b(?:I|we)[ \t]+(?:am|are|have)[ \t]+(?:the|an?|my|our)[ \t]+(?:\w+[ \t]+)?(?:author"
    r"|founder|owner|creator|editor|host|writer|blog|site|website|practice|podcast)\b)"
)
#: What a sentence says of a site it opens with, right after it ("... has listings of").
_RESOURCE_AFTER = re.compile(
    r"[)\]]?[ \t]+(?:has|have|offers?|provides?|lists|is[ \t]+an?|are)[ \t]+(?:\w+[ \t]+)?"
    r"(?:listings?|lists?|directory|directories|resources?|information|info|articles?|tools?"
    r"|support|help|blog|site|website|page|organi[sz]ation|group)\b",
    re.I,
)
#: Capitalised words right before a site in brackets or after a colon ("Teen Line (", "the
#: Companion App (").
_NAMED_BEFORE = re.compile(r"(?P<name>(?:[A-Z][a-z]+[ \t]+){0,3}[A-Z][a-z]+)[ \t]*[(:][ \t]*\Z")
#: Words that introduce a site as a resource for the reader.
_RESOURCE_CUE = re.compile(
    r"(?i:\b(?:here|resources?|links?|website|site|visit|check|see|information|info|more"
    r"|learn|try|recommend\w*|suggest\w*|consider\w*|available)\b)"
)
_SENTENCE_REACH = 200
_NANP_DIGITS = 10
_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
_LINE_CUE = re.compile(
    r"(?i:\b(?:hotline|helpline|lifeline|warmline|crisis[ \t]+line|support[ \t]+line"
    r"|help[ \t]+line|hot[ \t]+line))\b"
)
_LINE_REACH = 40
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
#: A list's item right before or after a word, with a release suffix ("Wellbutrin XL, ").
_MEDICATION_BEFORE = re.compile(
    r"(?<![\w-])([A-Za-z][\w-]+)(?:[ \t]+[A-Z]{1,3})?[ \t]*(?:,|/|,?[ \t]+(?:and|or))[ \t]*\Z"
)
_MEDICATION_AFTER = re.compile(r"[ \t]*(?:,|/|,?[ \t]+(?:and|or))[ \t]*([A-Za-z][\w-]+)")
_LIST_CLOSE = re.compile(r"[ \t]*[)\]]")
#: A verb of medicating right before a word, with at most an article or a dose between ("I'm
#: on", "put me on", "prescribed", "taking a", "switched to", "a drug called", "10mg of").
_MEDICATED_BEFORE = re.compile(
    r"(?i:(?:(?:['’]m|\bam|\bis|\bwas|\bbeen|\bbe|\bme|\bhim|\bher|\bthem|\bus|\bstill"
    r"|\bcurrently|\bstarted)[ \t]+on|\b(?:taking|take[sn]?|took|prescribed|prescribes"
    r"|switched[ \t]+(?:me[ \t]+)?to|dose[ \t]+of|mg[ \t]+of|drug[ \t]+called|medication"
    r"[ \t]+called)))(?:[ \t]+(?:a|an|some|\d+[ \t]*mg))?[ \t]+\Z"
)
#: After a word: a person's verb, or a word that takes someone somewhere.
_TAKEN_SOMEWHERE = re.compile(
    r"[ \t]+(?:to|out|back|home|along|away|around|over|off|with|into|and|who"
    r"|said|says|told|asked|called|texted|is|was|has|had)\b"
)
#: A dose ("50mg", "(10 mg)") or a medicine's noun ("side effects", "withdrawal", "XR") after.
_MEDICATED_AFTER = re.compile(
    r"(?:[ \t]*\(?[ \t]*\d+(?:\.\d+)?[ \t]*(?i:mg|mcg|ml|g)\b"
    r"|[ \t]+(?i:side[ \t]+effects?|withdrawals?|doses?|dosage|prescriptions?|pills?|tablets?"
    r"|injections?|refills?"
    r"|generic)\b|[ \t]+(?:XR|ER|XL|SR|CR|IR|ODT)\b)"
)
_SUBREDDIT_BEFORE = re.compile(r"(?<![\w/])/?r/(?P<name>\w*)\Z")
_SUBREDDIT_NAME = re.compile(r"\w+")
_CAMEL_PART = re.compile(r"[A-Z][a-z]+")
_MEDICATION_KEYS = frozenset(term_key(t) for t in MEDICATIONS)
#: A form's field for a site, right before it ("Website:", "URL -", "Blog:\n").
_SITE_FIELD = re.compile(
    r"(?i:\b(?:web[ \t]?site|web[ \t]?page|home[ \t]?page|url|blog|site|web))"
    r"[ \t]*[:=-][ \t]*\n?[ \t]*\Z"
)
_EMAIL_NEAR = re.compile(EMAIL)
_JOINER = re.compile(r"[\s,;&]*(?:(?:and|or)[\s,;&]*)?")
#: A sentence's end, also where a missing space glues the next one on ("about that:Here is").
_SENTENCE_END = re.compile(r"[.!?](?=[\s\"'”’)\]])|[.!?:](?=[A-Z][a-z])|\n")
_TOKEN = re.compile(r"\S+")
_SITE_MARK = re.compile(r"[./@]")
_NUMBER_TOKEN = re.compile(r"[\d()+-]+")
_CONNECTORS = frozenset({"and", "or"})
_WORD = re.compile(r"[^\W\d_]{2,}")
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
            if category is Category.PHONE and _is_toll_free_line(text, span.start, span.end):
                return True  # "a hotline to help with this 888-724-7240": an organisation's
            return self._is_crisis(raw, vanity=category is Category.PHONE)
        if category in (Category.EMAIL, Category.URL):
            return self._keeps_address(text, span, raw)
        # A listed name or clinical word in a person's slot is that person: "my husband, Gary
        # Chapman", "my uncle Guidone", "my neighbour Gottman".
        named = category in (Category.PERSON, Category.LOCATION)
        if named and self._in_title(text, span):
            return True  # "“A Counselor’s Advice on Open Relationships” by Kathy Labriola"
        platform = named and _is_platform(raw)
        if platform and _POSSESSIVE_BEFORE.search(
            text, max(0, span.start - _CUE_REACH), span.start
        ):
            return True  # "my ex-boyfriend's Instagram": the relation's account, not a name
        if named and in_person_slot(text, span.start):
            if _AFTER_POSSESSIVE.search(text, max(0, span.start - _CUE_REACH), span.start) and (
                names_a_condition(text, span.start, span.end)
            ):
                return True  # "my grandma's Alzheimer's": the relation's condition
            return _normalize(raw) in self._relations  # "my mom Mom" is no name
        if category is Category.PERSON and _after_public_role(text, span.start, span.end):
            return True  # "a quote from comedian Eddie Izzard": a public figure by their work
        if platform:
            return True  # "we talked on Skype", "we Skyped"
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
        if self._in_public_range(text, span):
            return True
        phrase = _normalize(raw)
        if not phrase:
            return False
        if self._mentions_crisis_line(raw, phrase):
            return True
        if named and is_clinical_name(text, span) and span.recognizer != PRACTICE_RECOGNIZER:
            return True
        if named and _listed_with_medication(text, span.start, span.end):
            return True  # "(e.g. Wellbutrin XL, Aplenzin)": a drug the list's others tell
        if named and _names_medicines(text, span.start, span.end):
            return True  # "put me on Tamoxifen", "prescribed Trazadone": a medicine, misspelt
        timed = category in (Category.AGE, Category.DATE)
        if timed and self._is_vague_time(phrase, span.recognizer):
            return True
        if span.recognizer == CITY_RECOGNIZER:
            return False  # a city by its cue, even one named as its state is: "in New York"
        if self._is_term(phrase, category):
            return True
        # A word of a capitalised term ("Chi" of "Tai Chi"): the term decides.
        return whole != raw and self._is_term(_normalize(whole), category)

    def _keeps_address(self, text: str, span: Span, raw: str) -> bool:
        """Whether an e-mail address or a site is public: a listed one (a role mailbox of a
        listed domain), a public page, or a site the text points to that is no one's own."""
        if names_a_person(raw):
            return False  # "goodtherapy.org/therapists/profile/jennifer-okafor-20231"
        email = span.category is Category.EMAIL or ("@" in raw and "://" not in raw)
        if not email and self._in_public_range(text, span):
            return True  # an address inside a public page's is still someone's own
        if self._is_public(raw, email=email):
            return True
        if email or self._resources is None or is_own_site(text, span.start, span.end):
            return False
        if on_a_users_host(raw):
            return False  # "x.blogspot.com/2019/09/...": a blog of its own, its writer's
        if self._is_misspelt_public(raw):
            return True  # "psychologtoday.com": a listed site misspelt, no one's own
        return is_resource_page(raw) or is_introduced_site(text, span.start, span.end)

    def _in_public_range(self, text: str, span: Span) -> bool:
        """Inside listed resources' names or sites, or cited works and their authors; a public
        figure only where the text cites them (a book, research, "by", a possessive), not
        merely names someone alike."""
        left = text[span.start : span.end]
        for start, end, kind in self.public_ranges(text):
            if start < span.end and span.start < end:
                if kind == "public_figure" and not _is_cited(text, start, end):
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

    def _is_misspelt_public(self, raw: str) -> bool:
        """Whether a site is a listed one misspelt by one letter ("psychologtoday.com")."""
        host = _host(raw)
        return len(host) >= _MIN_MISSPELT and any(
            _one_edit_apart(host, d) for d in self._domains if len(d) >= _MIN_MISSPELT
        )

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


def is_clinical_name(text: str, span: Span) -> bool:
    """The clinical-term guard: a title-case span that names a condition, a treatment, a
    measure or a drug, not a person or place. Its last word is a clinical head noun ("Panic
    Disorder", "Beck Depression Inventory"; "... Therapy" or "... Treatment" only without a
    name-like word before it, which makes it a practice: "Brookhaven Therapy"); or it is a
    condition's eponym (:func:`mhds.steps.pii.eponyms.names_a_condition`: "Asperger('s)
    Syndrome", "Bell's Palsy", "has Parkinson's"); or it is one word of
    eight letters or more with the stem of a psychiatric drug's generic name (USAN stems:
    "-oxetine", "-azepam", "-apine" ...) or the Greek ending of a condition ("-phobia",
    "-phonia", "-osis" ...)."""
    raw = text[span.start : span.end].strip(_STRIP)
    head = _CLINICAL_HEAD.search(raw)  # also an ordinary word before a head noun
    if head is not None:
        before = raw[: head.start()].split()
        if head["strong"] or not any(is_name_like(w.strip(_STRIP)) for w in before):
            return True
    condition = names_a_condition(text, span.start, span.end)
    if condition is not None:
        return condition  # "Bell's Palsy", "has Parkinson's"; not "Jane Syndrome"
    if (
        _HEAD_AFTER.match(text, span.end)
        and _THERAPY_CUE.search(text, max(0, span.start - _WORD_REACH), span.start)
        and not any(is_name_like(w) for w in raw.split())
    ):
        return True  # "attending Couples therapy": an ordinary word naming a kind of therapy
    word = raw.lower()
    return " " not in raw and len(word) >= _MIN_STEM_WORD and word.endswith(_CLINICAL_ENDINGS)


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
    return _is_cited(text, start, end) or _CITATION.search(text, cue, role.start()) is not None


def _listed_with_medication(text: str, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]`` is an item of a list of known medications: after
    one and closing a bracket ("(e.g. Wellbutrin XL, Aplenzin)"), or between two ("Zoloft,
    Aplenzin or Paxil"); a drug's brand the lists lack. A clause that goes on after it is no
    list ("I was on Prozac and Rebecca noticed")."""
    before = _MEDICATION_BEFORE.search(text, max(0, start - _CUE_REACH), start)
    if before is None or term_key(before[1]) not in _MEDICATION_KEYS:
        return False
    if _LIST_CLOSE.match(text, end):
        return True
    after = _MEDICATION_AFTER.match(text, end)
    return after is not None and term_key(after[1]) in _MEDICATION_KEYS


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
    return all(_reads_as_words(part.lower()) for part in name[0].split("_") if part)


def _names_medicines(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is one generic drug name
    (:func:`mhds.steps.pii.drugs.is_drug_name`) that the words right around make a medicine: a
    verb of medicating right before it, with at most an article or a dose between ("I'm on
    Sertraline", "put me on Tamoxifen", "prescribed Trazadone", "taking a Quetiapine", "a drug
    called Tamoxifen"), or a dose or a medicine's noun right after it ("Lamotrigine 50mg",
    "Sertraline Withdrawal", which may be the span's own last word). Not with a possessive,
    nor before a word that takes a person somewhere ("taking Senna to the beach", "I'm on
    Valerian's side")."""
    first = text[start:end].split(maxsplit=1)[0] if text[start:end].strip() else ""
    after = start + len(first)
    if not first or not is_drug_name(first):
        return False
    noun = _MEDICATED_AFTER.match(text, after)
    if after < end and (noun is None or noun.end() < end):
        return False  # words after the drug's name that are no medicine's noun
    if POSSESSIVE_AFTER.match(text, after) or _TAKEN_SOMEWHERE.match(text, after):
        return False  # "Senna's couch", "taking Senna to the park", "Valerian said"
    return noun is not None or (
        _MEDICATED_BEFORE.search(text, max(0, start - _CUE_REACH), start) is not None
    )


def _capitalised_run(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the capitalised words around ``text[start:end]``, joined by single spaces or
    hyphens, start and end."""
    while (m := _CAPITALISED_BEFORE.search(text, max(0, start - _WORD_REACH), start)) is not None:
        start = m.start()
    while (m := _CAPITALISED_AFTER.match(text, end)) is not None:
        end = m.end()
    return start, end


def names_a_person(url: str) -> bool:
    """Whether a URL's path holds a person's name as one segment ("/jennifer-okafor-20231",
    "/dr_sam_lee"): a directory's profile page names the therapist, so it is not public."""
    for segment in _PATH_SEGMENT.findall(url):
        segment = _DOCUMENT.sub("", segment)  # "/bookstor.htm" is a document, not a name
        parts = [p for p in re.split(r"[-_.]", segment) if not p.isdigit()]
        if 2 <= len(parts) <= 3 and all(
            p.isalpha() and is_name_like(p.capitalize()) for p in parts if p not in _TITLE_WORDS
        ):
            return True
    return False


def is_resource_page(url: str) -> bool:
    """Whether a URL is a page of a public resource, not a person's or a practice's site:
    a public institution's site (.gov, .edu, .ac.uk ...), or a content page (a path slug of
    two or more ordinary words, or a document: "/what-is-social-anxiety",
    "/pdf/Cycle%20of%20Violence.pdf") on a site whose name reads as ordinary words or an
    acronym ("socialanxietyinstitute.org", "psychology.tools", "bfwc.org") and holds no
    practice word ("therapybyshannon.com"), or one video's page on a video site
    ("youtube.com/watch?v=..."). A bare domain ("www.PsychologyResource.ca") is
    how an author points to their own site, so it is not kept; nor is a profile path
    ("/@janedoe", "/in/jane-doe", "/users/...")."""
    value = _SCHEME.sub("", url.strip(_STRIP).lower())
    _, _, path = value.partition("/")
    labels = _site_labels(value)
    if len(labels) < 2 or _PROFILE_PATH.search("/" + path):
        return False
    if labels[-1] in _PUBLIC_TLDS or (len(labels) >= 3 and labels[-2] in _PUBLIC_SLDS):
        return True
    if "amazon" in labels and _PRODUCT_PATH.search(path):
        return True
    if _VIDEO_PAGE.match(value):
        return True  # one video of a video site, not a channel: "youtube.com/watch?v=..."
    if labels[-1] == "org" and path.strip("/") and _is_organisation_name(labels[-2]):
        return True  # a page of an organisation's site: "glbthotline.org/transteens.html"
    return _is_content_path(unquote(path)) and _has_plain_name(labels)


def on_a_users_host(url: str) -> bool:
    """Whether a URL's site is one that a host gives each of its users ("x.blogspot.com",
    "x.github.io", "x.wixsite.com"): the private part of the Public Suffix List, as bundled
    with tldextract (read offline), says which hosts do. Such a site is its owner's."""
    return bool(_suffixes()(_SCHEME.sub("", url.strip(_STRIP))).is_private)


def load_suffix_list() -> None:
    """Read the bundled Public Suffix List now (a third of a second), not at the first URL a
    batch meets."""
    _suffixes()("example.com")


@cache
def _suffixes() -> Any:
    import tldextract  # imported on first use, with its bundled list: it never downloads

    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def _is_toll_free_line(text: str, start: int, end: int) -> bool:
    """A North American toll-free number (800, 888, 877 ...) that a helpline or hotline names
    right before it, with no owner there ("a hotline to help with this 888-724-7240", not "my
    office, a crisis hotline too, 888-..."): toll-free lines belong to organisations."""
    digits = "".join(c for c in text[start:end] if c.isdigit())
    if len(digits) == _NANP_DIGITS + 1 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != _NANP_DIGITS or digits[:3] not in _TOLL_FREE:
        return False
    before = text[max(0, start - _LINE_REACH) : start]
    return _LINE_CUE.search(before) is not None and _OWNER.search(before) is None


def is_own_site(text: str, start: int, end: int) -> bool:
    """Whether the URL at ``text[start:end]`` is the writer's or another person's own site:
    its sentence says whose ("my website", "our practice", "her blog", "contact me"), a form's
    field holds it ("Website: ..."), an e-mail address stands in its paragraph (contact
    details), or the same site is so named elsewhere in the text or signs it off there
    ("~Mark (www.x.com)")."""
    host = _host(text[start:end])
    if not host:
        return False
    here = _token_start(text, start)
    owned, signing = _site_mentions(text, host)
    if owned or _is_owned_at(text, here):
        return True
    return any(at != here for at in signing)


@lru_cache(maxsize=64)
def _site_mentions(text: str, host: str) -> tuple[frozenset[int], frozenset[int]]:
    """Where ``text`` mentions ``host`` (each at its token's start) so that its words say whose
    it is, and where a mention signs the text off: found once per text and site."""
    mentions = {_token_start(text, m.start()) for m in re.finditer(re.escape(host), text, re.I)}
    owned = frozenset(at for at in mentions if _is_owned_at(text, at))
    return owned, frozenset(at for at in mentions if _signs_off(text, at))


def _is_owned_at(text: str, at: int) -> bool:
    """Whether the words around the site at ``at`` say whose it is."""
    return (
        _OWNER.search(_sentence_before(text, at)) is not None
        or _SITE_FIELD.search(text, max(0, at - _CUE_REACH), at) is not None
        or _email_in_paragraph(text, at)
    )


def is_introduced_site(text: str, start: int, end: int) -> bool:
    """Whether the URL at ``text[start:end]`` is a public site the text points a reader to:
    a site whose name reads as ordinary words or an acronym and holds no practice word
    ("everydayfeminism.com", "afsp.org"), with no personal name or user name in its path,
    and introduced as a resource in its sentence ("The website www.everydayfeminism.com is a
    blog", "more information on www.afsp.org."). Whose site it is was asked first
    (:func:`is_own_site`)."""
    raw = text[start:end]
    value = _SCHEME.sub("", raw.strip(_STRIP).lower())
    _, _, path = value.partition("/")
    labels = _site_labels(value)
    if len(labels) < 2 or labels[-1] not in _KNOWN_TLDS:
        return False  # "mom.listen": a missing space after a full stop, not a site
    if _PROFILE_PATH.search("/" + path) or names_a_person(raw):
        return False
    first = _PATH_PIECE.match(path)
    if first is not None and _is_user_name(first[0]):
        return False
    if not _has_plain_name(labels) and not _is_topic_page(labels, path):
        return False
    sentence = _sentence_before(text, _token_start(text, start))
    if _RESOURCE_CUE.search(sentence) is not None:
        return True  # "The website ...", "check out ..."
    if _is_closing(text, start):
        return False  # "... comfort. Bright Path: www.brightpath.org": how a practice signs
    if _RESOURCE_AFTER.match(text, end):
        return True  # "www.academyofct.org has listings of ...", "... is a great resource"
    named = _NAMED_BEFORE.search(text, max(0, start - _CUE_REACH), start)
    return named is not None and _names_the_site(named["name"], labels)  # "Teen Line (...)"


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one letter changed, added or dropped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def _is_organisation_name(name: str) -> bool:
    """Whether a site's name is an organisation's ("glbthotline", "mettainstitute"; not
    "hopecounselingcenter", "kowalskifoundation"): ``_is_named_for`` one of its words."""
    return _is_named_for(name, _LONG_ORGANISATION_WORDS)


def _is_named_for(name: str, ends: tuple[str, ...]) -> bool:
    """Whether a site's name ends in one of ``ends`` after ordinary words or an acronym, if
    anything, and holds no practice word: named for what it is, not whose it is."""
    end = next((w for w in ends if name.endswith(w)), None)
    if end is None or _holds_practice_word(name):
        return False
    before = name[: -len(end)]
    return not before or _reads_as_words(before)


def _is_topic_page(labels: list[str], path: str) -> bool:
    """Whether a site whose name does not read as words ("imagorelationships.org",
    "tinybuddha.com") is linked at one of its content pages ("/about-imago-therapy/",
    "/blog/let-go-past-mistakes/"), ends in a word that says what it is about and holds no
    practice word: a page on a topic, which a writer introducing it points a reader to (not
    "janedoe.com/anxiety-tips", whose name says whose it is)."""
    name = labels[-3] if len(labels) >= 3 and labels[-2] in _GENERIC_SLDS else labels[-2]
    return _is_named_for(name, _TOPIC_ENDS) and _is_content_path(unquote(path))


def _names_the_site(name: str, labels: list[str]) -> bool:
    """Whether ordinary words just before a site are its name ("Teen Line" of
    teenlineonline.org, "Companion App" of companionapp.io); a person's name is not ("Jane
    Doe" of janedoe.com: her own site)."""
    words = name.split()
    if any(is_name_like(w) for w in words):
        return False
    site = labels[-2] if len(labels) >= 2 else ""
    return site.startswith("".join(words).lower())


def _signs_off(text: str, at: int) -> bool:
    """Whether the site at ``at`` stands in the text's closing with nothing introducing it as
    a resource ("... with ease and comfort. www.x.com", not "Resource: www.emdr.com")."""
    return _is_closing(text, at) and _RESOURCE_CUE.search(_sentence_before(text, at)) is None


def _host(url: str) -> str:
    return ".".join(_site_labels(_SCHEME.sub("", url.strip(_STRIP).lower())))


def _site_labels(value: str) -> list[str]:
    host = value.partition("/")[0].rpartition("@")[2].partition(":")[0].strip(".")
    return [label for label in host.split(".") if label and label != "www"]


def _has_plain_name(labels: list[str]) -> bool:
    """Whether a site's name (the label before its top-level or generic second-level domain:
    "newharbinger" of newharbinger.com, "x" of x.org.uk) reads as ordinary words or an acronym
    and holds no practice word."""
    name = labels[-3] if len(labels) >= 3 and labels[-2] in _GENERIC_SLDS else labels[-2]
    return not _holds_practice_word(name) and all(
        _reads_as_words(part) for part in name.split("-") if part
    )


def _holds_practice_word(name: str) -> bool:
    """Whether a site's name holds a practice's word ("therapybyshannon", "markmorrislcsw") or
    a doctor's title before a Census name ("drjenmcallister"; not "drugs", "drinkaware")."""
    if _PRACTICE_WORD.search(name) is not None:
        return True
    return any(_opens_with_census_name(m[1]) for m in _DOCTOR.finditer(name))


def _opens_with_census_name(letters: str) -> bool:
    """Whether ``letters`` start with a given name or surname of the Census table."""
    return any(
        is_census_name(letters[:cut])
        for cut in range(_SHORT_PIECE, min(len(letters), _MAX_WORD) + 1)
    )


def _is_user_name(piece: str) -> bool:
    """A path's first piece that reads as a user name ("janedoe", "jdoe99"), not a word, a slug
    or a document ("blog", "what-is-anxiety", "Page548.htm", "watch?v=")."""
    if _DOCUMENT.search(piece) or _SLUG_SPLIT.search(piece) or "?" in piece or "=" in piece:
        return False
    return not is_ordinary(piece.lower())


def _token_start(text: str, at: int) -> int:
    """Where the run of non-space characters holding ``at`` starts ("http://www." before a host)."""
    while at > 0 and not text[at - 1].isspace():
        at -= 1
    return at


def _email_in_paragraph(text: str, at: int) -> bool:
    """Whether an e-mail address stands in the paragraph (up to a blank line) holding ``at``."""
    facts = _facts(text)
    paragraph = bisect_right(facts.breaks, at)
    start = facts.breaks[paragraph - 1] if paragraph else 0
    end = facts.breaks[paragraph] if paragraph < len(facts.breaks) else len(text)
    first = bisect_left(facts.emails, start)
    return first < len(facts.emails) and facts.emails[first] < end


def _sentence_before(text: str, start: int) -> str:
    """The words of ``start``'s sentence before it (within reach)."""
    window = text[max(0, start - _SENTENCE_REACH) : start]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    return window[ends[-1] :] if ends else window


def _is_closing(text: str, start: int) -> bool:
    """Whether nothing but sites, addresses, numbers and punctuation follow ``start`` to the
    text's end: the place of a signature's own site."""
    return start >= _facts(text).closing


class _Facts(NamedTuple):
    """What the site rules ask of a whole text, found once per text: where its closing run of
    sites and numbers starts, where its blank lines and its e-mail addresses are."""

    closing: int
    breaks: list[int]
    emails: list[int]


@lru_cache(maxsize=4)
def _facts(text: str) -> _Facts:
    blanked = _TOKEN.sub(_blank_site_or_number, text)
    words = [m.end() for m in _WORD.finditer(blanked) if m[0].lower() not in _CONNECTORS]
    return _Facts(
        closing=words[-1] if words else 0,
        breaks=[m.start() for m in re.finditer(r"\n\n", text)],
        emails=[m.start() for m in _EMAIL_NEAR.finditer(text)],
    )


def _blank_site_or_number(match: re.Match[str]) -> str:
    """A token blanked out when it is a site, an address or a number, offsets kept."""
    token = match[0]
    if _SITE_MARK.search(token) or _NUMBER_TOKEN.fullmatch(token):
        return " " * len(token)
    return token


def _is_content_path(path: str) -> bool:
    for segment in _PATH_PIECE.findall(path):
        words = [w for w in _SLUG_SPLIT.split(_DOCUMENT.sub("", segment)) if w]
        letters = [w for w in words if w.isalpha()]
        document = _DOCUMENT.search(segment) is not None
        plain = sum(map(_is_plain_word, letters))
        if len(letters) >= (1 if document else 2) and plain == len(letters):
            return True
        if plain >= _LONG_SLUG and plain == len(letters) - 1:
            return True  # "eaaa-enhanced-assess-acknowledge-act-...": a title with an acronym
    return False


@cache
def _reads_as_words(name: str) -> bool:
    """Whether a site's name is ordinary words run together ("newharbinger") or an acronym."""
    if not name.isalpha() or len(name) > _MAX_SITE_NAME:
        return False
    if len(name) <= _MAX_ACRONYM:
        return True
    reach = [False] * (len(name) + 1)
    reach[0] = True
    for end in range(2, len(name) + 1):
        reach[end] = any(
            reach[start] and _is_site_word(name[start:end])
            for start in range(max(0, end - _MAX_WORD), end - 1)
        )
    return reach[-1]


def _is_site_word(piece: str) -> bool:
    """A word of a site's name: four letters or more ("mindful", "path"), or a short function
    word ("of", "the", "new"), never pieces that split a made-up or personal name ("ja" "ne"
    "doe", "connect" "ful" "ness")."""
    if len(piece) <= _SHORT_PIECE:
        return piece in _SHORT_WORDS or piece in english_stop_words() or piece in _REGION_CODES
    if piece in _RUN_TOGETHER:
        return True
    return piece in _ORGANISATION_WORDS or _is_plain_word(piece)


def _is_plain_word(word: str) -> bool:
    """An ordinary English word that is not also a name ("path", not "jane" or "shannon")."""
    return is_ordinary(word) and not is_name_like(word.capitalize())


def _is_cited(text: str, start: int, end: int) -> bool:
    if EPONYM_AFTER.search(text, start, end):
        return True  # "Gottman Certified": the work, not the person
    if POSSESSIVE_AFTER.match(text, end) or _ATTRIBUTION.search(text, max(0, start - 4), start):
        return True  # "Gottman's research", a quote's "~Brene Brown" or "— Viktor Frankl"
    left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    stops = [i for c in ".!?\n" if (i := text.find(c, end)) >= 0]
    return _CITATION.search(text, left, min(stops, default=len(text))) is not None


def _merged(
    first: list[tuple[int, int, str]], second: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """``first`` and the ranges of ``second`` that overlap none of it, sorted."""
    extra = [r for r in second if not any(a < r[1] and r[0] < b for a, b, _ in first)]
    return sorted(first + extra)


def _is_platform(raw: str) -> bool:
    """An online platform's name, or a verb made of it ("Skyped", "Googling")."""
    key = term_key(_normalize(raw))
    return key in _PLATFORM_KEYS or any(
        key.endswith(ending) and key[: -len(ending)] in _PLATFORM_KEYS for ending in _VERB_ENDINGS
    )


def _normalize(raw: str) -> str:
    """Lower-cased text without surrounding punctuation, possessive or leading determiner."""
    phrase = raw.strip(_STRIP).lower()
    phrase = _POSSESSIVE.sub("", phrase)
    phrase = _LEADING.sub("", " ".join(phrase.split()))
    return phrase.strip(_STRIP)


def _keys(terms: frozenset[str]) -> frozenset[str]:
    return frozenset(k for k in (term_key(_normalize(t)) for t in terms) if k)
