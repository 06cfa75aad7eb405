"""Whether a page on a public site is its writer's own work, said anywhere in the text.

A page of a public site is kept as a public resource (:func:`mhds.steps.pii.sites.
is_resource_page`): one video of a video site, a shop's book page, a survey on a hosting
site. It is not kept when the writer says it is theirs, often sentences before its link:
"What is your opinion on this song I wrote ... https://youtu.be/...", "This method is
detailed in my new book ... at [this link](https://www.amazon.com/gp/product/...)", "Could
any kind soul do this questionnaire for my thesis? ... [https://.../index.php/672931]".
A link to a page someone else made ("this song helped me", "my favourite video") stays.
"""

from __future__ import annotations

import re

#: One video's page on a public video site (a channel's page is not one).
VIDEO_PAGE = re.compile(
    r"(?:www\.|m\.)?(?:youtube\.com/(?:watch\?|shorts/|embed/)|youtu\.be/[\w-]|vimeo\.com/[0-9])"
)
#: A shop's product page ("amazon.com/Explosive-Child-.../dp/0062270451"): a book or a thing
#: for sale, never a person's page.
PRODUCT_PATH = re.compile(r"(?:^|/)(?:dp|gp/product)/[A-Z0-9]{10}(?:[/?]|$)", re.I)
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
    r"|\b(?:survey|questionnaire|study)[ \t]+(?:for|of)[ \t]+(?:my|our)[ \t]+(?:[\w-]+[ \t]+)?"
    r"(?:thesis|dissertation|research|study|project)\b)"
)  # "This is a very quick quiz built to find out what you ... want"
#: A survey's or a study's page, by its path ("/survey/ppp/", "/questionnaire/x", "/quiz/x",
#: LimeSurvey's "/index.php/672931").
_SURVEY_PATH = re.compile(
    r"/(?:[\w-]*(?:survey|questionnaire|study|quiz|polls?(?![a-z]))[\w-]*|form|forms)/[^/?#]"
    r"|/index\.php/[0-9]{5,}(?![0-9])|[?&]sid=[0-9]{5,}(?![0-9])"
)
#: What a video's page may be of, and a shop's page: the writer's work named as such.
_VIDEO_WORKS = (
    r"videos?|vids?|vlogs?|(?:short[ \t]+)?films?|clips?|songs?|tracks?|lyrics|raps?|beats?"
    r"|podcasts?|episodes?|channel|animations?|documentar(?:y|ies)|docuseries|web[ \t]?series"
    r"|poems?|music|album|mixtape"
)
_BOOK_WORKS = r"books?|e-?books?|novels?|memoirs?|workbooks?"
#: Words that make a work someone else's thing or not a work ("video call", "book club").
_NOT_A_WORK = (
    r"(?![ \t]+(?:games?|calls?|chats?|club|clubs|lists?|recommendations?|shelf|store|camera"
    r"|player|stores?)\b)"
)
_FILLER = (
    r"(?:(?:a|an|the|this|my|our|some|new|short|little|quick|first|second|latest|own|youtube"
    r"|tiktok)[ \t]+)"
)
#: Verbs of making a work, past or going on ("I wrote", "I'm filming", "I have started making").
_MADE = (
    r"(?:(?:started|begun|been|am|m)[ \t]+)?"
    r"(?:made|making|wrote|writing|written|recorded|recording|filmed|filming|produced|producing"
    r"|created|creating|edited|editing|uploaded|uploading|released|published|composed|directed"
    r"|shot|shooting|put[ \t]+together|working[ \t]+on)"
)
_MY_WORK = r"(?:own|new|first|latest|newest|debut|recent|next|upcoming|original)"


def _made_by_writer(works: str) -> re.Pattern[str]:
    """The writer saying they made a work of ``works``: "I wrote a song", "I'm filming a
    YouTube docuseries", "this song I wrote", "my new book", "my lyrics"."""
    work = rf"(?:{works}){_NOT_A_WORK}"
    return re.compile(
        rf"(?i:\b(?:I|we)(?:['’](?:ve|d|m|re)|[ \t]+(?:have|had))?[ \t]+"
        rf"(?:just[ \t]+|recently[ \t]+|finally[ \t]+|also[ \t]+)?{_MADE}[ \t]+{_FILLER}{{0,3}}"
        rf"\b{work}\b"
        rf"|\b{work}[ \t]+(?:that[ \t]+|which[ \t]+)?(?:I|we)[ \t]+(?:just[ \t]+|recently[ \t]+)?"
        rf"{_MADE}\b"
        rf"|\bmy[ \t]+(?:{_MY_WORK}[ \t]+)?(?!music\b){work}\b)"
    )


_MADE_VIDEO = _made_by_writer(_VIDEO_WORKS)
_MADE_BOOK = _made_by_writer(_BOOK_WORKS)
_THANKS_FOR_WATCHING = re.compile(r"(?i:\bthanks?[ \t]+(?:you[ \t]+)?for[ \t]+watching\b)")
#: How far after a link the writer may still say it is theirs ("[link]: I wrote this book.").
_AFTER_REACH = 200


def is_writers_page(text: str, start: int, end: int, here: int) -> bool:
    """Whether the page linked at ``text[start:end]`` (its token starting at ``here``) is
    about its writer or made by them: the paragraphs before it say the writer was interviewed
    or featured, or it is a survey's page and the writer said before it that they run the
    study, or it is a video's or a shop's page and the text says the writer made the video,
    song or book (before the link, or in the words right after it), or a video's page in a
    text that thanks its readers for watching."""
    if _WRITER_FEATURED.search(text, max(0, here - _FEATURE_REACH), here):
        return True  # "I was interviewed recently ... [link]": a page about the writer
    if _SURVEY_PATH.search(text, start, end) and _WRITER_STUDY.search(text, 0, here):
        return True  # "We are carrying out an online study ... [survey link]"
    url = text[start:end]
    host_and_path = re.sub(r"^[a-z]+://", "", url.lower())
    if VIDEO_PAGE.match(host_and_path):
        made = _MADE_VIDEO
        if _THANKS_FOR_WATCHING.search(text):
            return True  # "Thanks for watching!": how a video's maker signs off
    elif "amazon." in host_and_path and PRODUCT_PATH.search(url):
        made = _MADE_BOOK
    else:
        return False
    return bool(made.search(text, 0, here) or made.search(text, end, end + _AFTER_REACH))
