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

Organisation words in a capitalised run ("Record Plc", "Trevor Project") leave it to the
keep-list and NER; a town-shaped word after a place preposition is left to
:mod:`mhds.steps.pii.addresses`. Pure Python, no models.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from mhds.steps.pii.address_terms import PLACE_ENDINGS
from mhds.steps.pii.cities import find_cities
from mhds.steps.pii.gazetteer import is_city, is_given_name, is_greeted_city
from mhds.steps.pii.keep_terms import (
    CALENDAR,
    GEOGRAPHY,
    ORGANISATION_WORDS,
    RELATIONS,
    US_STATE_CODES,
    US_STATE_NAMES,
    US_STATES,
    term_key,
)
from mhds.steps.pii.lexicon import (
    CONTRACTIONS,
    NAME_LIKE_STOP_WORDS,
    english_stop_words,
    is_capitalised,
    is_name_like,
    is_ordinary,
    stop_words_by_language,
)
from mhds.steps.pii.pattern_sources import CLOSING
from mhds.steps.pii.practices import own_practices
from mhds.steps.pii.spans import Category, Span

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_INITIAL = re.compile(r"[A-Z]\.?")
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
_TITLES = frozenset(
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
_NOT_PERSON = ORGANISATION_WORDS | frozenset(
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
_LEADING = (
    _TITLES | PARTICLES | frozenset(["hi", "hello", "hey", "dear", "thanks", "bye", "goodbye"])
)
_RELATION_CUE = re.compile(
    r"(?i:\b(?:my|our|his|her|their|your|a|the)[ \t]+(?:(?:ex|step|late|older|younger|little"
    r"|big|best|new|old)[ \t-]+)?(?P<rel>[a-z-]+(?:[ \t]+[a-z-]+)?)(?:['’]s)?)[ \t]*,?[ \t]*\Z"
)
#: A relation's possessive right before a run ("my therapist's").
_OWNED = re.compile(r"[a-z]['’]s[ \t]*\Z")
#: A role written in title case after an article, then a comma ("a Counselor, Plumber"): the
#: first of a list of roles.
_LISTED_ROLE = re.compile(r"\b(?i:a|an|the)[ \t]+[A-Z][a-z]+[ \t]*,[ \t]*\Z")
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
#: A greeting that opens a text or a line: what follows it up to a comma or the line's end
#: is who is greeted ("Hi Chapel Hill,", "Dear Ms Oduya"); or an interjection there that opens
#: an address to someone ("Well Boise, the cat's out of the bag", "Oh Chino, ..."), if a
#: comma follows the word (``_ADDRESSED``).
_INTERJECTION = r"(?i:well|oh|okay|ok)[ \t]+"
_GREETING = re.compile(
    rf"(?:^|\n|\\n)[ \t]*(?:(?i:hi|hello|hey|dear|greetings)[ \t,]*|{_INTERJECTION})\Z"
)
#: A writer introducing themselves after a greeting ("Hi, I'm ", "Hello there! I am ").
_GREETED_INTRO = re.compile(
    r"(?:^|\n|\\n|[.!?][ \t]+)[ \t]*(?i:hi|hello|hey)(?:[ \t]+(?i:there|all|everyone))?"
    r"[ \t,!.]*(?:I['’]?m|I[ \t]+am)[ \t]+\Z"
)
_INTERJECTED = re.compile(rf"{_INTERJECTION}\Z")
#: Greetings that no name run goes through when a greeting's words follow them ("Sertraline
#: Withdrawal Hey all", "Ty Hello I know"); "Rebecca Hey for DBT" is a surname.
_GREETING_WORDS = frozenset({"Hi", "Hello", "Hey", "Hiya", "Howdy"})
_GREETING_WORD = re.compile(rf"(?<![\w'’-])(?:{'|'.join(sorted(_GREETING_WORDS))})\b")
_GREETED = re.compile(
    r"[ \t]+(?:all|everyone|everybody|guys|there|folks|friends|y['’]all|reddit|r/\w+)\b"
)
#: Labels forum posts give their lines ("Edit: thanks all", "Update: ..."): no speaker.
_LINE_LABELS = frozenset(
    {"edit", "edited", "update", "updated", "note", "eta", "tl;dr", "tldr", "ps", "pps", "context",
     "background", "disclaimer", "title"}
)  # fmt: skip
_ADDRESSED = re.compile(r"[ \t]*,")
_LINE_START = re.compile(r"(?:^|\n|\\n)[ \t]*\Z")
_CUE_REACH = 48
#: How far before "called" a thing's noun may stand ("the best tool for becoming a better
#: listener that I know of is called").
_THING_REACH = 120
_TITLE_WORD_BEFORE = re.compile(r"(?<![\w'’-])([^\W\d_]+)(?P<dot>\.)?[ \t]*,?[ \t]*\Z")
_TITLE_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof", "rev"})
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
#: A closing before a signature ("Warmly,", "Hope this helps,", "Be well.").
#: (glued on by a missing space too: "...left in ManhattanHope that helps C")
_CLOSED = (
    rf"(?:\b|(?<=[a-z])(?=[A-Z])){CLOSING}[ \t\xa0]*[,.!:;~-]*[ \t\xa0]*(?:\n|\\n)?[ \t\xa0~-]*"
)
_CLOSING = re.compile(_CLOSED + r"\Z")
_SIGNATURE_REACH = 200
#: The longest piece of an abbreviation written with full stops ("Ph.D", "R.C.C.").
_ABBREVIATION_PIECE = 2
#: A lower-case name after a closing at a text's end ("Peace - keith").
_LOWER_SIGNED = re.compile(_CLOSED + r"(?P<name>[a-z][a-z'’-]{1,30})[ \t\xa0.!]*\Z")
#: A sentence's end before a signature that no closing introduces ("... love life. Mirella"),
#: not a line break alone (the last line of an address block is no signature).
_AFTER_SENTENCE = re.compile(r"(?:[a-z)][\"'”’]?[.!?][\"'”’)]*[ \t\xa0]*|(?:\n|\\n)[ \t\xa0]*)\Z")
#: A capitalised word glued to a word's end by a missing space ("ForwardCutting", "HalpernA").
_GLUED_CAPITAL = re.compile(r"(?<=[a-z]{4})([A-Z][a-z]*)(?![^\W\d_])")
#: A web address glued to a word's end by a missing space ("Lewiswww", "Lewiswww.x.com").
GLUED_WEB = re.compile(r"(?<=[a-z])(?:www|https?)(?:[.:]\S*)?\Z")
#: One capital letter alone at a text's end after a sentence: an initial that signs it (not the
#: words "A" and "I").
_LONE_INITIAL = re.compile(r"[B-HJ-Z]\.?")
#: A tilde right before a name at a text's end signs it ("... who you want to be! ~Mark"), and
#: so does a dash after a sentence's end ("... throughout the day. -IJP"; a dash at a line's
#: start is a list's bullet).
_SIGN_MARK = re.compile(r"(?:^|[.!?\s])[ \t\xa0]*~[ \t\xa0]*\Z|[.!?][ \t\xa0]*[-–—][ \t\xa0]*\Z")
#: A credential after a signature: two capitals or more ("LPC", "PhD", "M.Ed.").
_CREDENTIAL = r"(?=[A-Za-z.-]*[A-Z][a-z.-]*[A-Z])[A-Z][A-Za-z.-]{1,7}"
#: A word of a signature's name; a web address glued on ("Lewiswww.x.com") is not of it.
_NAME_TOKEN = r"[A-Z](?:(?!www\.|https?:)[^\W\d_])*(?:['’-][^\W\d_]+)*\.?"
#: A signature at a text's end: a name (or an initial), then credentials after commas
#: ("Robin J. Landwehr, DBH, LPC") or a practice after "~", "|" or a dash, then the writer's
#: sites or numbers.
_CONTACT = (
    r"(?:(?:https?://|www\.)\S+|[\w.+-]+@\S+|[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\S*"
    r"|\+?\(?(?:\d[().\s-]*){9,}\d)"  # a phone number: ten digits or more, not a postcode
)
#: The writer's own sites, addresses or numbers that may follow a signature, bare or in
#: brackets, glued or not ("~Mark (www.x.com and www.y.org)", "Earl Lewiswww.x.com").
_CONTACTS = (
    rf"(?:[ \t\xa0]*\(?[ \t\xa0]*{_CONTACT}"
    rf"(?:[ \t\xa0]*(?:,|&|\||and)?[ \t\xa0]*{_CONTACT})*[ \t\xa0]*\)?)?"
)
_SIGNED = re.compile(
    rf"(?<![\w'’])(?<!\w-)(?P<name>{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{0,3}})"
    rf"(?:(?:[ \t\xa0]*,[ \t\xa0]*{_CREDENTIAL})+"
    r"|[ \t\xa0]*(?:[~|–—]|[ \t]-[ \t])[ \t\xa0]*(?P<practice>[A-Z][^\n]{0,79}?))?"
    rf"{_CONTACTS}[ \t\xa0.!~]*\Z"
)
#: The last word of a practice's name ("Image and Likeness Counseling", "Oak Tree Therapy").
_PRACTICE_END = re.compile(
    r"(?i:\b(?:counseling|counselling|therapy|psychotherapy|psychology|wellness|services"
    r"|practice|associates|center|centre|clinic|group|llc|pllc|inc)\.?)[ \t\xa0.!]*\Z"
)
_TOWN_ENDINGS = (
    "ville", "chester", "burgh", "borough", "shire", "stadt", "dorf", "hausen", "mouth", "haven",
)  # fmt: skip
_TO_OR_FROM = frozenset({"to", "from", "in", "at", "near", "toward", "towards", "via"})
_PLACE_KEYS = frozenset(term_key(t) for t in GEOGRAPHY | US_STATES)
#: The words of many-word countries and states ("Zealand", "Kitts", "Antilles"): part of a
#: place that Safe Harbor keeps, never a name on their own.
_PLACE_PARTS = frozenset(w for t in GEOGRAPHY | US_STATES for w in t.split() if len(t.split()) > 1)
_MIN_SHAPE_LETTERS = 3
_CAPITALISED_BEFORE = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*[ \t]+\Z")
_STATE_AFTER = re.compile(rf",[ \t]*(?:{'|'.join(US_STATE_CODES + US_STATE_NAMES)})\b")
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
#: Verbs of speaking right after a sentence's first word ("Jade told me"), which an abstract
#: noun a sentence gives life to does not take ("Hope felt", "Grace knows", "Faith moved").
_SPEAKS_AFTER = re.compile(
    r"[ \t]+(?:said|says|told|tells|asked|asks|called|calls|texted|texts|wrote|writes"
    r"|yelled|yells|replied|replies|answered|answers|promised|promises)\b"
)
#: Words of address that the Census table holds as given names ("Honey, can you ...", "Love,
#: are you okay?") and titles of rank ("King said ..."): no one's name there.
_ADDRESS_WORDS = frozenset(
    {"honey", "love", "man", "buddy", "lady", "dude", "sir", "babe", "baby", "sweetie",
     "darling", "dear", "kid", "girl", "boy", "mate", "pal", "angel", "sugar", "champ", "chief",
     "boss", "doc", "bro", "sis", "king", "queen", "prince", "princess", "duke", "lord"}
)  # fmt: skip
#: A question put to the word before it ("Victor, can I please ...", "Ella, could you ...").
_ASKED_AFTER = re.compile(
    r"[ \t]*,[ \t]*(?i:can|could|would|will|may|do|did|are|have)[ \t]+(?:I|you|we)\b"
)
#: English endings of abstract nouns, gerunds and adverbs, at least seven letters in all: a
#: sentence's first word so made is its subject or an adverb, not a name ("Reframing",
#: "Reconnection", "Caregiving", a misspelt "Addionally,"; names such as "Sally" or "Beverly"
#: are shorter or end otherwise).
_ABSTRACT_NOUN = re.compile(
    r"^[A-Z][a-z]{3,}(?:ing|tion|sion|ment|ness|ity|ism|ance|ence"
    r"|ally|ously|ively|fully|ingly|edly|ently|antly|ably|ibly)$"
)
#: A doctrine's word ("Buddhism", "Stoicism"): no one's name.
_DOCTRINE = re.compile(r"[a-z]{3}isms?\Z")
#: What stands before "Im" read as "I'm": a sentence's start or a conjunction.
_I_AM_BEFORE = re.compile(
    r"(?:\A|[.!?\n]|\b(?i:and|but|so|because|cause|cuz|that|when|if|since|now|just|like))"
    r"[ \t]*\Z"
)
_LOWER_AFTER = re.compile(r"[ \t]+[a-z0-9]")
_ENGLISH_SHARE = 0.15
#: Stop words of one other language ("que", "y", "está") fewer than which never make a
#: sentence foreign: English has some as words ("war", "come", "fine", "dice"), spread over
#: several languages' lists, and "Il mio ragazzo Matteo dice che I overthink" switches
#: languages for three words, its names still found by the English slots.
_MIN_OTHER = 4
_LIST = re.compile(r"[ \t]*(?:,[ \t]*(?:and|or)?|and|or|&)[ \t]*")
#: Sentence ends, and the bullets that open a list's items ("·  Learn coping skills").
_SENTENCE_END = frozenset(".!?:;\n·•◦‣▪●")
_OPENERS = ('"', "“", "‘", "(", "[", "¿", "¡")
#: A word glued to a lower-case word or a closing bracket before it: a line break was lost.
_GLUED_BEFORE = re.compile(r"[a-z][)\]]?\Z")
#: How far either side of a sentence too short to tell its language the text is read instead.
_LANGUAGE_REACH = 200


@dataclass(frozen=True, slots=True)
class _Run:
    """Capitalised words in a row (with particles and initials between them)."""

    start: int
    end: int
    words: tuple[str, ...]
    possessive: bool = False


#: Span scores: after a relation or "named"; two or more name-like words; one name-like word
#: that only its neighbours make a name (below ``PIIConfig.certain_score``: uncertain).
STRONG, FULL_NAME, WEAK = 0.85, 0.75, 0.6
#: One name-like word in the middle of an English sentence with no slot around it: a name or
#: a place by its shape alone (uncertain; NER's reading decides which).
SHAPE = 0.55
SHAPE_RECOGNIZER = "name_shape_regex"


class NameSlotRecognizer:
    """Finds PERSON spans of names in name slots in one text, and LOCATION spans of the same
    words after a place cue ("originally from North Felipa", "based in Vejstrup")."""

    def find(self, text: str) -> list[Span]:
        runs = [_without_leading_words(text, run) for run in _runs(text)]
        english = _EnglishSentences(text)
        scores = {
            i: score
            for i, run in enumerate(runs)
            if (score := _score(text, run)) and english.at(run.start)
        }
        _accept_lists(text, runs, scores)
        found = [_span(text, runs[i], score) for i, score in sorted(scores.items())]
        return found + _signature(text) + own_practices(text) + find_cities(text, english.at)


def _signature(text: str) -> list[Span]:
    """The name that signs a text off at its very end, with the practice after it: after a
    closing ("Hope this helps, C", "In solidarity,-Lindsey") any capitalised word or an
    initial (``STRONG``); after a sentence's end, name-like words ("... your love life.
    Mirella~Image and Likeness Counseling": ``FULL_NAME``). A practice after "~", "|" or a
    dash that ends in a practice noun is a place of work (LOCATION)."""
    match = _SIGNED.search(text, max(0, len(text) - _SIGNATURE_REACH))
    if match is None:
        return _lower_case_signature(text)
    words = match["name"].replace(".", " ").split()
    start, end = match.span("name")
    while len(words) > 1 and words[0].lower() in _TITLES:  # "Warmly, Dr. Ana Ruiz"
        start = text.index(words[1], start + len(words[0]))
        words = words[1:]
    score = _signed_score(text, match, words)
    if not score:
        return []
    if len(words[-1]) > 1:
        end = len(text[:end].rstrip("."))  # "Mireille." ends a sentence
    found = [Span(start, end, Category.PERSON, score, "name_slot_regex")]
    practice = match["practice"]
    if practice and _PRACTICE_END.search(practice):
        start, end = match.span("practice")
        end = start + len(practice.rstrip(" \t\xa0.!"))
        found.append(Span(start, end, Category.LOCATION, score, "name_slot_regex"))
    return found


def _signed_score(text: str, match: re.Match[str], words: list[str]) -> float:
    """How sure a text's last words are its signature: ``STRONG`` after a closing or a tilde,
    or with a tilde after them ("... and your daughter, Mirella~"), unless they are a stop word;
    ``FULL_NAME`` for name-like words or one initial after a sentence's end ("... your love
    life. Mirella", "... the people around you. C"); 0 otherwise."""
    before = max(0, match.start() - _CUE_REACH)
    if (
        _CLOSING.search(text, before, match.start()) is not None
        or _SIGN_MARK.search(text, before, match.start()) is not None
        or (not match["practice"] and match[0].rstrip(" \t\xa0.!").endswith("~"))
    ):
        first = words[0].lower()
        return 0.0 if first in _stop_words() or first in _LEADING else STRONG
    if not _AFTER_SENTENCE.search(text, before, match.start()):
        return 0.0
    if len(words) == 1 and _LONE_INITIAL.fullmatch(words[0]) is not None:
        return FULL_NAME
    named = any(is_name_like(w, sentence_start=i == 0) for i, w in enumerate(words) if len(w) > 1)
    return FULL_NAME if named and not is_place_name(" ".join(words)) else 0.0


def _lower_case_signature(text: str) -> list[Span]:
    """A name written in lower case after a closing at a text's very end ("Peace - keith"):
    one word that is no English word ("Peace - love" is none)."""
    match = _LOWER_SIGNED.search(text, max(0, len(text) - _CUE_REACH))
    if match is None or is_ordinary(match["name"]) or match["name"] in _stop_words():
        return []
    return [Span(*match.span("name"), Category.PERSON, STRONG, "name_slot_regex")]


def reads_as_english(text: str, pos: int) -> bool:
    """Whether the sentence of ``text`` around ``pos`` reads as English (see
    ``_EnglishSentences``); reads that sentence only."""
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
    english = sum(w in _stop_words() for w in words)
    other = max(sum(w in stop for w in words) for stop in stop_words_by_language().values())
    return english >= _ENGLISH_SHARE * len(words) and (other < _MIN_OTHER or english >= other)


class _EnglishSentences:
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


def _score(text: str, run: _Run) -> float:
    """How sure the slot makes a name of ``run``: 0 (not a name), ``WEAK`` (one name-like
    word that only its neighbours make a name: uncertain, see ``PIIConfig.uncertain``),
    ``FULL_NAME`` or ``STRONG`` (after a relation or "named")."""
    if not run.words or is_thing_called(text, run.start):
        return 0.0  # "a phenomenon called the Yerkes Dodson Law": a thing's name
    before = text[max(0, run.start - 48) : run.start]
    titled = _after_title(text, run.start)  # "ms. Sara", "dr Wu"
    if titled or _after_relation_or_named(text, run.start) or _in_name_field(text, run.start):
        return _slot_score(before, run)
    words = [w for w in run.words if not _is_filler(w)]
    if (
        len(words) > 1
        and words[0].rstrip(".") in _PLACE_HEADS
        and any(map(is_name_like, words[1:]))
        and not is_place_name(" ".join(words))
    ):
        return FULL_NAME  # a place: "Lake Tracy", "Port Zelinka", "East Hredhaanside"
    if not words or any(w.lower().rstrip(".") in _NOT_PERSON for w in words):
        return 0.0
    if any(_DOCTRINE.search(w) for w in words):
        return 0.0  # "converted to Buddhism", "Stoicism": a doctrine, no one's name
    if words == ["Im"] and _reads_as_i_am(text, run):
        return 0.0  # "and Im sick of it": "I'm" (Im is a Korean surname too: "told Im about")
    if _NUMBER_AFTER.match(text, run.end):
        return 0.0  # "Wallis and Futuna 51970", "Csere János u. 55": an address, not a person
    facility = _WORD_AFTER.match(text, run.end + 2) if run.possessive else None
    if facility is not None and facility[1].lower() in _NOT_PERSON:
        return 0.0  # "St. Vincent's Clinic": a facility named after someone
    if any(w.lower() in CALENDAR or w.lower().removesuffix("s") in CALENDAR for w in words):
        return 0.0  # "in March", "on Monday"
    if is_place_name(" ".join(words)) or any(is_place_name(w) for w in words):
        return 0.0  # a country or state: kept, as Safe Harbor keeps them
    start = starts_sentence(text, run.start)
    first = start or opens_utterance(text, run.start)
    names = sum(is_name_like(w, sentence_start=first and i == 0) for i, w in enumerate(words))
    if names and greets(text, run.start):
        return STRONG  # who a text or line greets: "Hi Chapel Hill,", "Dear Ms Oduya"
    if names and _LANDMARK_AFTER.match(text, run.end):
        return FULL_NAME  # a place: "Kõrkküla bridge", "the Fiebig street"
    if (
        len(words) == 1
        and text.startswith(":", run.end)
        and _at_line_start(text, run.start)
        and _may_speak(words[0])
    ):
        return WEAK  # the speaker of a line ("Marco: ..."; not "Edit: ...", "Update: ...")
    if names >= 2 and len(words) - names < names:
        return FULL_NAME
    if not names and len(words) == 1 and start and _given_name_acting(text, run, words[0]):
        return WEAK  # "Victor, can I please ...", "Jade told me": a given name English has too
    if names != 1 or len(words) != 1 or words[0].lower() in _CUE_BEFORE:
        return 0.0
    if start and is_abstract_noun(words[0]) and not run.possessive and not is_given_name(words[0]):
        return 0.0  # "Reframing is a tool", "Reconnection comes when"; not "Lawrence, ..."
    if _GREETED_INTRO.search(text, max(0, run.start - _CUE_REACH), run.start):
        return WEAK  # "Hi, I'm Marisol!" (also "Hi, I'm Christian", a faith's word too)
    if _single_name_slot(text, run, before, words[0], start):
        return WEAK
    if start or len(words[0]) < _MIN_SHAPE_LETTERS or words[0].lower() in _PLACE_PARTS:
        return 0.0
    if _CAPITALISED_BEFORE.search(text, max(0, run.start - _CUE_REACH), run.start):
        return 0.0  # the last word of a title-case phrase ("Tube Snake Boogie")
    return SHAPE


def _slot_score(before: str, run: _Run) -> float:
    """``STRONG`` for a run after a title, a relation, "named" or a name field, unless it is a
    stop word or a word of time ("my mom Monday"), the relation's thing ("the therapist's
    Licensing Board") or roles listed in title case ("a Counselor, Plumber, or Mechanic")."""
    if (_OWNED.search(before) or _LISTED_ROLE.search(before)) and not any(
        map(is_name_like, run.words)
    ):
        return 0.0
    first = run.words[0].lower()
    return STRONG if first not in _stop_words() and first not in _WHEN_WORDS else 0.0


def _given_name_acting(text: str, run: _Run, word: str) -> bool:
    """Whether an ordinary word opening a sentence is a given name (``is_given_name``) that
    acts as a person: a verb of speaking after it ("Jade told me"), or addressed with a
    question ("Victor, can I please speak ..."). "Hope is", "Grace comes", "Faith moved
    mountains" and words of address ("Honey, can you ...") are no such slot."""
    if not is_given_name(word) or word.lower() in _ADDRESS_WORDS:
        return False
    return (
        _SPEAKS_AFTER.match(text, run.end) is not None
        or _ASKED_AFTER.match(text, run.end) is not None
    )


def _single_name_slot(text: str, run: _Run, before: str, word: str, start: bool) -> bool:
    if run.possessive or _PLACE_CUE.search(before):
        return True  # "Mashuu's address", "based in Vejstrup"
    previous = _previous_word(text, run.start)
    if previous in _CUE_BEFORE or previous in _TITLES:
        return not _is_town_after_place_word(previous, word)
    after = text[run.end : run.end + 24]
    if _VERB_AFTER.match(after) is not None:
        return True
    if after.startswith(":") and _at_line_start(text, run.start):
        return _may_speak(word)  # the speaker of a line, not "Edit:"
    if after[:1] == "," and start:
        return _STATE_AFTER.match(after) is None  # "François, can I ...", not "Boston, MA"
    return before.rstrip(" \t").endswith(",") and after[:1] in ("?", "!", ".")


def _reads_as_i_am(text: str, run: _Run) -> bool:
    """Whether "Im" is "I'm" without its apostrophe: opening a sentence or after a
    conjunction, before a lower-case word ("and Im sick of it"; not "told Im about")."""
    before = _I_AM_BEFORE.search(text, max(0, run.start - _CUE_REACH), run.start)
    return before is not None and _LOWER_AFTER.match(text, run.end) is not None


def _may_speak(word: str) -> bool:
    """Whether a word opening a line before a colon can be who speaks: a name-like word
    ("Marco:", "Chen:"), not a label posts give their lines ("Edit:", "Update:")."""
    return is_name_like(word) and word.lower() not in _LINE_LABELS


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
    return _after_relation_or_named(text, cue_end) or _in_name_field(text, start)


def signs_off(text: str, start: int) -> bool:
    """Whether the word at ``start`` is in the name that signs the text off (``_signature``:
    "Warmly, Dr. Ana Ruiz", "... your love life. Mirella")."""
    if start < len(text) - _SIGNATURE_REACH:
        return False
    return any(s.start <= start < s.end for s in _signature(text) if s.category is Category.PERSON)


def after_title(text: str, start: int) -> bool:
    """Whether a title stands right before ``start`` ("Dr. ", "Mrs ", "Professor ")."""
    return _TITLE_BEFORE.search(text, max(0, start - 16), start) is not None


def greets(text: str, start: int) -> bool:
    """Whether the word at ``start`` is greeted by a greeting that opens a text or a line, or
    addressed after an interjection there ("Well Boise, ...": a comma must follow the word)."""
    before = max(0, start - _CUE_REACH)
    if _GREETING.search(text, before, start) is None:
        return False
    if _INTERJECTED.search(text, before, start) is None:
        return True
    word = _WORD.match(text, start)
    return word is not None and _ADDRESSED.match(text, word.end()) is not None


def _addressed(text: str, run: _Run) -> bool:
    """Whether ``run`` is greeted (``greets``) or opens a text or a line before a comma, as who
    it is written to ("Lorain, you're correct that ...")."""
    if greets(text, run.start):
        return True
    before = max(0, run.start - _CUE_REACH)
    return _LINE_START.search(text, before, run.start) is not None and (
        _ADDRESSED.match(text, run.end) is not None
    )


def _in_name_field(text: str, start: int) -> bool:
    return _NAME_FIELD.search(text, max(0, start - _CUE_REACH), start) is not None


def _after_relation_or_named(text: str, start: int) -> bool:
    """Whether the text before ``start`` ends with a relation ("my sister", "her therapist,")
    or "named" (not a thing's: "the best tool I know of is called"); never for a word glued on
    by a lost line break ("... of your partnerSet boundaries")."""
    if start > 0 and text[start - 1].isalpha():
        return False
    before = text[max(0, start - _CUE_REACH) : start]
    if _NAMED_CUE.search(before) is not None:
        return _THING_CALLED.search(text, max(0, start - _THING_REACH), start) is None
    cue = _RELATION_CUE.search(before)
    return cue is not None and _is_relation(cue["rel"])


def _without_leading_words(text: str, run: _Run) -> _Run:
    """The run without the ordinary words that lead it ("Honestly Oluwaseun", "Yesterday
    Giedre's"), unless a cue makes its first word a name ("my sister Hope")."""
    if not run.words or _after_relation_or_named(text, run.start):
        return run
    if _in_name_field(text, run.start) or (len(run.words) > 1 and run.words[0] in _PLACE_HEADS):
        return run  # "Name: Avi Ratta", "Lake Tracy"
    start = starts_sentence(text, run.start)
    drop = 0
    while drop < len(run.words) - 1 and (
        not is_name_like(run.words[drop], sentence_start=start and drop == 0)
        or run.words[drop].lower().rstrip(".") in _TITLES
    ):
        drop += 1
    if drop == 0:
        return run
    begin = run.start
    for word in run.words[:drop]:
        begin = text.index(word, begin) + len(word)
    begin = text.index(run.words[drop], begin)
    return _Run(begin, run.end, run.words[drop:], run.possessive)


def _span(text: str, run: _Run, score: float) -> Span:
    before = text[max(0, run.start - 48) : run.start]
    place = (
        _PLACE_CUE.search(before) is not None
        or (run.words[0] in _PLACE_PREFIXES and _previous_word(text, run.start) in _TO_OR_FROM)
        or (len(run.words) == 1 and run.words[0].lower().endswith(_TOWN_ENDINGS))
        or (len(run.words) > 1 and run.words[0].rstrip(".") in _PLACE_HEADS)
        or _LANDMARK_AFTER.match(text, run.end) is not None
        or (_addressed(text, run) and is_greeted_city(" ".join(run.words)))
    )
    category = Category.LOCATION if place else Category.PERSON
    recognizer = SHAPE_RECOGNIZER if score == SHAPE else "name_slot_regex"
    return Span(run.start, run.end, category, score, recognizer)


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


def _pieces(text: str) -> Iterator[tuple[str, int, int]]:
    """Words of ``text`` with their offsets, but lower-case words right after one that is no
    particle (they can neither start, join nor close a run); a word glued on by a missing
    space is a word of its own, and a web address glued on is none ("Karrenbergwww.x.org")."""
    after_word = False  # whether the last word yielded was lower case and no particle
    for match in _WORD.finditer(text):
        word, start, end = match.group(), match.start(), match.end()
        if word.islower():
            particle = word in PARTICLES
            if particle or not after_word:
                yield word, start, end  # a particle may join a run; a word closes it
            after_word = not particle
            continue
        after_word = False
        if (
            len(word) <= _ABBREVIATION_PIECE
            and text[end : end + 1] == "."
            and text[end + 1 : end + 2].isalpha()
            and word.lower() not in _NOT_PERSON
        ):
            continue  # a piece of an abbreviation ("Ph" of "Ph.D"; not "Co" of "Co.Ltd.")
        glued = GLUED_WEB.search(word) if text[end : end + 1] in (".", ":") else None
        if glued is not None:
            word, end = word[: glued.start()], start + glued.start()
        cut = end if word[1:].islower() else glued_word_cut(text, start, end)
        yield word[: cut - start], start, cut
        if cut < end:
            yield text[cut:end], cut, end


def _runs(text: str) -> list[_Run]:
    """Capitalised words in a row, joined by spaces, particles or initials."""
    runs: list[_Run] = []
    words: list[str] = []
    start = end = -1
    for word, word_start, word_end in _pieces(text):
        gap = text[end:word_start] if words else ""
        joined = bool(words) and gap in (" ", "\t", " ", ". ") and not gap.startswith(".")
        if words and gap == ". " and _INITIAL.fullmatch(words[-1]):
            joined = True
        capital = is_capitalised(word) or (len(word) == 1 and word.isupper())
        if word in _GREETING_WORDS and greets_after(text, word_end):
            capital = False  # "Risperidone Withdrawal Hey all": a title, then the greeting
        if words and words[-1].endswith(("'s", "’s")):
            joined = False  # a possessive ends a name: "Hayashida's Cautionary Tales"
        if capital or (joined and word in PARTICLES):
            if not joined and words:
                runs.append(_close(text, start, end, words))
                words = []
            if not words:
                start = word_start
            words.append(word)
            end = word_end
        elif words:
            runs.append(_close(text, start, end, words))
            words = []
    if words:
        runs.append(_close(text, start, end, words))
    return [r for r in runs if r.words]


def _close(text: str, start: int, end: int, words: list[str]) -> _Run:
    """The run without leading titles and trailing particles or initials."""
    first, last = 0, len(words)
    while first < last and (
        words[first].lower() in _LEADING
        or words[first].lower() in _stop_words()
        or words[first].lower().endswith(CONTRACTIONS)
    ):
        first += 1
    while last > first and (words[last - 1] in PARTICLES or len(words[last - 1]) == 1):
        last -= 1
    if first == last:
        return _Run(start, end, ())
    cut_start = start
    for word in words[:first]:
        cut_start = text.index(word, cut_start) + len(word)
    begin = text.index(words[first], cut_start)
    stop = end
    for word in reversed(words[last:]):
        stop = text.rindex(word, begin, stop)
    stop = len(text[:stop].rstrip(" \t.")) if last < len(words) else end
    kept = words[first:last]
    if kept[-1].endswith(("'s", "’s")):
        return _Run(begin, stop - 2, (*kept[:-1], kept[-1][:-2]), possessive=True)
    return _Run(begin, stop, tuple(kept))


def _accept_lists(text: str, runs: list[_Run], scores: dict[int, float]) -> None:
    """Name-like words joined by commas and "and" to an accepted run join it (``WEAK``); so
    does any one capitalised word inside a sentence when two runs of the list are accepted
    ("Osborne, Bailey and Wood")."""
    joined = [
        _LIST.fullmatch(text, a.end, b.start) is not None
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


def _joins_list(text: str, run: _Run, in_list: bool) -> bool:
    """Whether ``run`` is a name by the list it stands in: name-like words, or (``in_list``:
    two names of the list accepted, neither a city) one capitalised word that does not open a
    sentence."""
    words = run.words
    if not words or any(w.lower() in _NOT_PERSON for w in words):
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


def is_thing_called(text: str, start: int) -> bool:
    """Whether the words right before ``start`` call an abstract thing by the name that starts
    there (``_THING_NAMED``: "a treatment called Dialectical Behavior Therapy", "a phenomenon
    called the ...")."""
    return _THING_NAMED.search(text, max(0, start - _CUE_REACH), start) is not None


def is_abbreviated_title(word: str) -> bool:
    """Whether ``word`` is a title written short ("Dr", "Mrs."), which no street name starts
    with ("Dr Green"; a street may be "Judge Street")."""
    return word.lower().rstrip(".") in _TITLE_ABBREVIATIONS


def is_title(word: str) -> bool:
    """Whether ``word`` is a title before a name ("Dr.", "Herr", "Ing.", "Mme")."""
    return word.lower().rstrip(".") in _TITLES


def listed_with(text: str, span: Span, others: list[Span]) -> bool:
    """Whether ``span`` is joined to one of ``others`` by a comma, "and" or "or" ("Mazzanti,
    Acevedo and Carney")."""
    return any(
        (o.end <= span.start and _LIST.fullmatch(text, o.end, span.start))
        or (span.end <= o.start and _LIST.fullmatch(text, span.end, o.start))
        for o in others
    )


def _is_filler(word: str) -> bool:
    return word.lower() in PARTICLES or len(word.rstrip(".")) == 1


def _is_relation(phrase: str | None) -> bool:
    if phrase is None:
        return False
    words = phrase.lower().split()
    return any(" ".join(words[i:]) in RELATIONS for i in range(len(words)))


def _is_town_after_place_word(previous: str, word: str) -> bool:
    return previous in ("to", "from", "via", "toward", "towards") and word.lower().endswith(
        PLACE_ENDINGS
    )


def _after_title(text: str, start: int) -> bool:
    """Whether a title stands before ``start``: an abbreviation with or without its dot ("Dr.
    Wu", "ms Sara"), or a whole word without a full stop after it ("doctor Wu", not "your
    doctor. Regardless ...")."""
    match = _TITLE_WORD_BEFORE.search(text, max(0, start - _CUE_REACH), start)
    if match is None or match[1].lower() not in _TITLES:
        return False
    return not match["dot"] or match[1].lower() in _TITLE_ABBREVIATIONS


def _previous_word(text: str, start: int) -> str:
    match = re.search(r"([^\W\d_]+)\.?[ \t]*,?[ \t]*\Z", text[max(0, start - 32) : start])
    return match[1].lower() if match else ""


def _at_line_start(text: str, start: int) -> bool:
    head = text[max(0, start - _CUE_REACH) : start].rstrip(" \t?*•-")
    if not head:
        return start <= _CUE_REACH or not text[:start].strip(" \t?*•-")
    return head.endswith(("\n", "\\n"))


def is_addressee(line: str) -> bool:
    """Whether a line above a street line names a person ("Avi Ratta", "Dr. Lena Holm"): two
    to four capitalised words, one of them name-like, none an organisation's or a place's."""
    words = [w for w in _WORD.findall(line) if w.lower().rstrip(".") not in _TITLES]
    if not 2 <= len(words) <= 4 or not all(is_capitalised(w) or w in PARTICLES for w in words):
        return False
    if any(w.lower() in _NOT_PERSON or w.lower() in CALENDAR for w in words):
        return False
    return not is_place_name(line) and any(is_name_like(w) for w in words)


def starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence or a line (its capital says nothing),
    also one glued to the last word by a lost line break ("affirmations)Reframing: ...")."""
    if _GLUED_BEFORE.search(text, max(0, start - 2), start) is not None:
        return True
    head = text[max(0, start - _CUE_REACH) : start].rstrip(" \t\xa0\"'“¿¡(")
    if not head:
        return start <= _CUE_REACH or not text[:start].strip()
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
    head = text[max(0, start - _CUE_REACH) : start].rstrip(" \t\xa0")
    if not head.endswith(_OPENERS):
        return False
    word = _WORD.match(text, start)
    return (
        word is not None
        and text[word.end() : word.end() + 1] in (",", "!", "?")
        and not is_given_name(word[0])
    )


def is_stop_word(word: str) -> bool:
    """Whether ``word`` (any case) is one of spaCy's English stop words ("There", "I")."""
    return word.lower() in _stop_words()


@cache
def _stop_words() -> frozenset[str]:
    """spaCy's English stop words and titles: never a name, even in a relation slot."""
    return (english_stop_words() | _TITLES) - NAME_LIKE_STOP_WORDS
