"""Whether a site or an e-mail address found in a text is public or someone's own.

A page of a public resource (a public institution's site, a content page of a site whose name
reads as ordinary words, one video of a video site) is kept; a therapist's profile page or a
site its own writer points to ("my blog", "contact me", a signature) is not; nor is a user's
page on a platform (:mod:`mhds.steps.pii.platforms`). :class:`mhds.steps.pii.keep.KeepList`
asks these questions of every URL and e-mail address the recognizers find.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cache, lru_cache
from string import digits
from typing import NamedTuple
from urllib.parse import unquote

from mhds.steps.pii.authorship import VIDEO_PAGE, is_shop_page, is_writers_page
from mhds.steps.pii.gazetteer import is_census_name, is_given_name
from mhds.steps.pii.keep_terms import ORGANISATION_WORDS, US_STATE_CODES
from mhds.steps.pii.lexicon import (
    EDGE_PUNCTUATION,
    english_stop_words,
    is_name_like,
    is_ordinary,
    one_edit_apart,
)
from mhds.steps.pii.pattern_sources import EMAIL, TLDS
from mhds.steps.pii.urls import SCHEME, site_labels

_CUE_REACH = 40
#: A Markdown link: its text, then its address in brackets ("[Medcircle about BPD](https://...)").
_LINK_AROUND = re.compile(r"\[(?P<label>[^\[\]\n]{1,120})\]\((?P<url>https?://[^\s()]+)\)")
_LINK_REACH = 120
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
     "gay", "map", "net", "hub", "web", "age", "big", "app", "med"}
)  # fmt: skip
#: Contractions a site's name writes without the apostrophe ("letsqueerthingsup").
_RUN_TOGETHER = frozenset(
    {"lets", "dont", "cant", "wont", "youre", "whats", "thats", "theres", "isnt", "ive", "youve",
     "doesnt", "didnt", "hows", "heres", "weve", "were"}
)  # fmt: skip
#: Region codes in organisations' site names ("psychologynj", "AcademyofCT", "namiuk").
_REGION_CODES = frozenset(code.lower() for code in US_STATE_CODES) | {"uk", "nyc"}
_MAX_SITE_NAME = 40
_MAX_WORD = 18
_KNOWN_TLDS = frozenset(TLDS.split("|"))
#: Whose a site is, said in its sentence before it.
OWNER_CUE = re.compile(
    r"(?i:\b(?:my|our|his|her)[ \t]+(?!(?:(?:all[ \t-]+time|very|absolute|most|personal)[ \t]+)?"
    r"(?:favou?rites?|favs?|faves?|go-to)\b)"
    r"(?:[\w'’-]+[ \t]+){0,3}?(?:site|website|web[ \t]?page"
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
#: A form's field for a site, right before it ("Website:", "URL -", "Blog:\n").
_SITE_FIELD = re.compile(
    r"(?i:\b(?:web[ \t]?site|web[ \t]?page|home[ \t]?page|url|blog|site|web))"
    r"[ \t]*[:=-][ \t]*\n?[ \t]*\Z"
)
_EMAIL_NEAR = re.compile(EMAIL)
#: A sentence's end, also where a missing space glues the next one on ("about that:Here is").
_SENTENCE_END = re.compile(r"[.!?](?=[\s\"'”’)\]])|[.!?:](?=[A-Z][a-z])|\n")
_TOKEN = re.compile(r"\S+")
_SITE_MARK = re.compile(r"[./@]")
_NUMBER_TOKEN = re.compile(r"[\d()+-]+")
_CONNECTORS = frozenset({"and", "or"})
_WORD = re.compile(r"[^\W\d_]{2,}")


def names_a_person(url: str) -> bool:
    """Whether a URL's path holds a person's name as one segment ("/jennifer-okafor-20231",
    "/dr_sam_lee"), or opens one after a profile's folder with a place after the name
    ("/therapists/jane-smith-chicago-il"): a directory's profile page names the therapist, so
    it is not public. A video's page holds no name: its id is no one's ("youtu.be/cBc_dvuRIjU"
    reads as two name-like words)."""
    if VIDEO_PAGE.match(SCHEME.sub("", url.lower())):
        return False
    for found in _PATH_SEGMENT.finditer(url):
        segment = _DOCUMENT.sub("", found[1])  # "/bookstor.htm" is a document, not a name
        # a handle's number is no part of the name ("/Jess-Woodward1996", "/chuck-solomon7")
        parts = [p.rstrip(digits) for p in re.split(r"[-_.]", segment) if not p.isdigit()]
        if len(parts) > 3 and _PROFILE_PATH.search(url, 0, found.start() + 1):
            parts = parts[:2]  # "jane-smith-chicago-il": the name, then where they work
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
    value = SCHEME.sub("", url.strip(EDGE_PUNCTUATION).lower())
    _, _, path = value.partition("/")
    labels = site_labels(value)
    if len(labels) < 2 or _PROFILE_PATH.search("/" + path):
        return False
    if labels[-1] in _PUBLIC_TLDS or (len(labels) >= 3 and labels[-2] in _PUBLIC_SLDS):
        return True
    if is_shop_page(value):
        return True
    if VIDEO_PAGE.match(value):
        return True  # one video of a video site, not a channel: "youtube.com/watch?v=..."
    if labels[-1] == "org" and path.strip("/") and _is_organisation_name(labels[-2]):
        return True  # a page of an organisation's site: "glbthotline.org/transteens.html"
    return _is_content_path(unquote(path)) and _has_plain_name(labels)


def names_linked_site(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is the name of the public page its link points to, in the
    link's text ("[Medcircle about BPD](https://www.medcircle.com/series/...)"): the site's
    name, not a person's; not a given name, nor a site its writer or someone they know owns
    ("My therapist has a blog: [Brightwater on anxiety](...)")."""
    if is_census_name(text[start:end]) or is_given_name(text[start:end]):
        return False  # "[Talia about anxiety](https://www.talia.com/...)": her own
    name = re.sub(r"[^a-z]", "", text[start:end].lower())
    for link in _LINK_AROUND.finditer(text, max(0, start - _LINK_REACH)):
        if link.start() > start:
            return False
        if link.start("label") <= start and end <= link.end("label"):
            labels = site_labels(SCHEME.sub("", link["url"].lower()))
            return (
                name in labels[:-1]
                and is_resource_page(link["url"])
                and not is_own_site(text, link.start("url"), link.end("url"))
            )
    return False


def is_own_site(text: str, start: int, end: int) -> bool:
    """Whether the URL at ``text[start:end]`` is the writer's or another person's own site:
    its sentence says whose ("my website", "our practice", "her blog", "contact me"), a form's
    field holds it ("Website: ..."), an e-mail address stands in its paragraph (contact
    details), the same site is so named elsewhere in the text or signs it off there ("~Mark
    (www.x.com)"), or the text says the page is about the writer or made by them
    (:func:`mhds.steps.pii.authorship.is_writers_page`: "I was interviewed recently ...",
    "We are carrying out an online study ... [.../survey/ppp/]", "this song I wrote ...
    [youtu.be/...]")."""
    host = _host(text[start:end])
    if not host:
        return False
    here = _token_start(text, start)
    owned, signing = _site_mentions(text, host)
    if owned or _is_owned_at(text, here):
        return True
    if is_writers_page(text, start, end, here):
        return True  # "I was interviewed recently ... [link]", "this song I wrote ... [link]"
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
        OWNER_CUE.search(_sentence_before(text, at)) is not None
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
    value = SCHEME.sub("", raw.strip(EDGE_PUNCTUATION).lower())
    _, _, path = value.partition("/")
    labels = site_labels(value)
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
    return not before or reads_as_words(before)


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
    return ".".join(site_labels(SCHEME.sub("", url.strip(EDGE_PUNCTUATION).lower())))


def _has_plain_name(labels: list[str]) -> bool:
    """Whether a site's name (the label before its top-level or generic second-level domain:
    "newharbinger" of newharbinger.com, "x" of x.org.uk) reads as ordinary words or an acronym
    and holds no practice word."""
    name = labels[-3] if len(labels) >= 3 and labels[-2] in _GENERIC_SLDS else labels[-2]
    return not _holds_practice_word(name) and all(
        reads_as_words(part) for part in name.split("-") if part
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
def reads_as_words(name: str) -> bool:
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


def is_misspelt_site(url: str, domains: tuple[str, ...]) -> bool:
    """Whether a site is one of ``domains`` misspelt by one letter ("psychologtoday.com")."""
    host = _host(url)
    return len(host) >= _MIN_MISSPELT and any(
        one_edit_apart(host, d) for d in domains if len(d) >= _MIN_MISSPELT
    )
