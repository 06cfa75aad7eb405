"""Whether a page on a public site is its writer's own work, as the text around it says.

A page of a public site is kept as a public resource (:func:`mhds.steps.pii.sites.
is_resource_page`): one video of a video site, a shop's book page, a survey on a hosting
site. It is not kept when the writer says it is theirs, often sentences before a link that
stands alone: "What is your opinion on this song I wrote ... \n\nhttps://youtu.be/...",
"[https://www.amazon.com/dp/...](...): I wrote this book", "Could any kind soul do this
questionnaire for my thesis? ... [https://.../index.php/672931]". A link to a page someone
else made ("this song helped me", "my favourite video", "Anyway, this talk helped me: [link]"
after a song of the writer's) stays.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mhds.steps.pii.urls import SCHEME, site_labels

#: One video's page on a public video site (a channel's page is not one).
VIDEO_PAGE = re.compile(
    r"(?:www\.|m\.)?(?:youtube\.com/(?:watch\?|shorts/|embed/)|youtu\.be/[\w-]|vimeo\.com/[0-9])"
)
#: A shop's product page's path ("/Explosive-Child-.../dp/0062270451").
_PRODUCT_PATH = re.compile(r"/(?:dp|gp/product)/[A-Z0-9]{10}(?:[/?]|$)", re.I)
#: The writer saying a page is about them, in the paragraphs before its link ("I was
#: interviewed recently", "here is my story on national TV", "my interview with").
_WRITER_FEATURED = re.compile(
    r"(?i:\b(?:I|we)[ \t]+(?:was|were|got|have[ \t]+been|['’]ve[ \t]+been)[ \t]+"
    r"(?:recently[ \t]+|just[ \t]+)?(?:interviewed|featured|profiled)\b"
    r"|\bmy[ \t]+(?:interview|story|feature|op-?ed|guest[ \t]+post)[ \t]+(?:on|in|with|for)\b)"
)
_FEATURE_REACH = 600
#: The writer saying they run a study, anywhere before a survey's link ("We are carrying out an
#: **online study", "I'm conducting a survey for my dissertation", "this questionnaire for my
#: thesis"), or made the quiz or poll ("I made a short quiz", "This is a very quick quiz built
#: to ..."): the survey is theirs.
_WRITER_STUDY = re.compile(
    r"(?i:\b(?:I|we)(?:['’](?:m|re)|[ \t]+(?:am|are))[ \t]+(?:currently[ \t]+)?"
    r"(?:carrying[ \t]+out|conducting|running|doing|recruiting[ \t]+for)[ \t]+"
    r"(?:a|an|our|my|this)[ \t]+(?:[*_]*[\w-]+[ \t]+){0,2}[*_]*"
    r"(?:study|survey|research|questionnaire|project|dissertation|thesis)\b"
    r"|\b(?:I|we)[ \t]+(?:made|built|created|designed|put[ \t]+together)[ \t]+(?:a|an|this|my|our)"
    r"[ \t]+(?:[\w-]+[ \t]+){0,3}(?:quiz|survey|poll|questionnaire)\b"
    r"|\b(?:this|here)[ \t]+is[ \t]+(?:a|an|my|our)[ \t]+(?:[\w-]+[ \t]+){0,3}"
    r"(?:quiz|survey|poll|questionnaire)[ \t]+(?:(?:I|we)[ \t]+)?"
    r"(?:made|built|created|designed|put[ \t]+together)\b"
    r"|\b(?:survey|questionnaire)[ \t]+(?:for|of)[ \t]+(?:my|our)[ \t]+(?:[\w-]+[ \t]+)?"
    r"(?:thesis|dissertation|research|study|project)\b)"
)  # "This is a very quick quiz built to find out what you ... want"
#: A survey's or a study's page, by its path ("/survey/ppp/", "/questionnaire/x", "/quiz/x",
#: LimeSurvey's "/index.php/672931").
_SURVEY_PATH = re.compile(
    r"/(?:[\w-]*(?:survey|questionnaire|study|quiz|polls?(?![a-z]))[\w-]*|form|forms)/[^/?#]"
    r"|/index\.php/[0-9]{5,}(?![0-9])|[?&]sid=[0-9]{5,}(?![0-9])"
)
#: What a video's page may be of, and a shop's page: the writer's work named as such. Not
#: "episode" (of psychosis, of mania) nor "track" ("stopped me in my tracks").
_VIDEO_WORKS = (
    r"videos?|vids?|vlogs?|(?:short[ \t]+)?films?|clips?|songs?|lyrics|raps?|beats?|podcasts?"
    r"|channel|animations?|documentar(?:y|ies)|docuseries|web[ \t]?series|poems?|music|album"
    r"|mixtape"
)
_BOOK_WORKS = r"books?|e-?books?|novels?|memoirs?"
#: Works a bare "my" makes the writer's ("my lyrics", "my channel"); "my song", "my book" are
#: as often the one the writer likes or reads ("my song for when I'm low", "my book on the bus").
_MY_OWN_WORKS = r"lyrics|vlogs?|channel|mixtape|docuseries"
#: Words that make a work someone else's thing or not a work ("video call", "book club").
_NOT_A_WORK = (
    r"(?![ \t]+(?:games?|calls?|chats?|clubs?|lists?|recommendations?|reviews?|shelf|stores?"
    r"|camera|player)\b)"
)
#: Words between a verb of making and the work ("I made a 5 minute video", "an animated film").
_FILLER = (
    r"(?:(?:a|an|the|this|my|our|some|new|short|little|quick|small|first|second|third|latest"
    r"|own|whole|full|original|live|really|very|youtube|tiktok|music|animated|cover|ever|[0-9]+"
    r"|minute|min|hour)[ \t-]+)"
)
#: Verbs of making a work, past or going on ("I wrote", "I'm filming", "I have started making").
_MADE = (
    r"(?:(?:started|begun|been|am|m|was|currently)[ \t]+)?"
    r"(?:made|making|wrote|writing|written|recorded|recording|filmed|filming|produced|producing"
    r"|created|creating|edited|editing|uploaded|uploading|released|published|self-published"
    r"|composed|directed|shot|shooting|put[ \t]+together|working[ \t]+on)"
)
_MY_WORK = r"(?:own|new|first|latest|newest|debut|upcoming|original)"
_I_OR_WE = r"(?:I|we)(?:['’](?:ve|d|m|re)|[ \t]+(?:have|had|am|are))?"


def _made_by_writer(works: str) -> re.Pattern[str]:
    """The writer saying they made a work of ``works``: "I wrote a song", "I'm filming a
    YouTube docuseries", "this song I've written", "my new book", "my lyrics"."""
    work = rf"(?:{works}){_NOT_A_WORK}"
    i_made = (
        rf"\b{_I_OR_WE}[ \t]+(?:just[ \t]+|recently[ \t]+|finally[ \t]+|also[ \t]+)?{_MADE}"
        rf"[ \t]+{_FILLER}{{0,3}}\b{work}\b"
    )
    work_i_made = (
        rf"\b{work}[ \t]+(?:that[ \t]+|which[ \t]+)?{_I_OR_WE}[ \t]+"
        rf"(?:just[ \t]+|recently[ \t]+)?{_MADE}\b"
    )
    mine = rf"\bmy[ \t]+(?:{_MY_WORK}[ \t]+(?!music\b){work}|(?:{_MY_OWN_WORKS})\b)\b"
    return re.compile(rf"(?i:{i_made}|{work_i_made}|{mine})")


#: "Thanks for watching!": how a video's maker signs off (not "watching out", "watching my dog").
_THANKS_FOR_WATCHING = re.compile(
    r"(?i:\bthanks?[ \t]+(?:you[ \t]+)?(?:so[ \t]+much[ \t]+)?for[ \t]+watching\b"
    r"(?![ \t]+(?:out|over|after|my|our|your|his|her|their|the|him|them|me|us)\b))"
)
_MADE_VIDEO = _made_by_writer(_VIDEO_WORKS)
_MADE_BOOK = _made_by_writer(_BOOK_WORKS)
#: How far before a link that opens its own sentence the writer may have said they made it
#: ("What do you think of this song I wrote? ... \n\n[link]").
_ALONE_REACH = 1500
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")
#: What may stand in a link's sentence before it when the link opens it: markup and links.
_MARKUP_ONLY = re.compile(r"(?:\s|[\[\]()*_>#:-]|(?:https?://|www\.)\S+?(?=[\])\s]|\Z))*")
#: A Markdown link's rest after its text, before its address ("](https://...)").
_LINK_REST = re.compile(r"\]\([^()\s]*\)")
#: What may stand between a link and the words after it that say whose it is ("]: ", " — ").
_LEAD_IN = re.compile(r"[ \t\n:–—)*_-]*")


def is_writers_page(text: str, start: int, end: int, here: int) -> bool:
    """Whether the page linked at ``text[start:end]`` (its token starting at ``here``) is
    about its writer or made by them: the paragraphs before it say the writer was interviewed
    or featured; or it is a survey's page and the writer said before it that they run the
    study; or it is a video's or a shop's page and the writer says they made the video, song
    or book (:func:`_said_made`)."""
    if _WRITER_FEATURED.search(text, max(0, here - _FEATURE_REACH), here):
        return True  # "I was interviewed recently ... [link]": a page about the writer
    if _SURVEY_PATH.search(text, start, end) and _WRITER_STUDY.search(text, 0, here):
        return True  # "We are carrying out an online study ... [survey link]"
    url = text[start:end]
    host_and_path = SCHEME.sub("", url.lower())
    if VIDEO_PAGE.match(host_and_path):
        return _said_made(text, end, here, "video")
    if is_shop_page(host_and_path):
        return _said_made(text, end, here, "book")
    return False


def is_shop_page(value: str) -> bool:
    """Whether ``value`` (a URL without its scheme) is a shop's product page
    ("amazon.com/Explosive-Child-.../dp/0062270451"): a book or a thing for sale, never a
    person's page."""
    _, _, path = value.partition("/")
    return "amazon" in site_labels(value) and _PRODUCT_PATH.search("/" + path) is not None


def _said_made(text: str, end: int, here: int, kind: str) -> bool:
    """Whether the writer says they made the work linked at ``text[here:end]``: in the link's
    own sentence before it ("Song I wrote: [link]"), in the words right after it ("[link]: I
    wrote this book", "[link]\n\nThanks for watching!"), or anywhere in the text shortly before
    a link that opens its own sentence ("What is your opinion on this song I wrote? ...
    \n\n[link]"). A link a sentence of its own introduces ("Anyway, this talk helped me:
    [link]") is not the writer's for a work they named sentences before."""
    cues = _cues(text, kind)
    opens = _sentence_start(text, here)
    if _MARKUP_ONLY.fullmatch(text, opens, here):
        opens = max(0, here - _ALONE_REACH)
    if any(opens <= cue < here for cue in cues):
        return True
    after = _LINK_REST.match(text, end)
    at = after.end() if after else end
    lead_in = _LEAD_IN.match(text, at)  # "[link]: I wrote ..."
    at = lead_in.end() if lead_in else at
    stop = _SENTENCE_END.search(text, at)
    closes = stop.end() if stop else len(text)
    return any(at <= cue < closes for cue in cues)


@lru_cache(maxsize=8)
def _cues(text: str, kind: str) -> tuple[int, ...]:
    """Where ``text`` says its writer made a work of ``kind`` ("video" or "book"), found once
    per text: the starts of those phrases."""
    made = _MADE_VIDEO if kind == "video" else _MADE_BOOK
    found = [m.start() for m in made.finditer(text)]
    if kind == "video":
        found += [m.start() for m in _THANKS_FOR_WATCHING.finditer(text)]
    return tuple(sorted(found))


def _sentence_start(text: str, at: int) -> int:
    """Where the sentence holding ``at`` starts (after the last sentence end before it)."""
    ends = list(_SENTENCE_END.finditer(text, max(0, at - _ALONE_REACH), at))
    return ends[-1].end() if ends else max(0, at - _ALONE_REACH)
