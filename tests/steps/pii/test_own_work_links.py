"""A link to a page on a public site that its writer says they made (a video, a song, a book, a
study's questionnaire) leads to them, even when the words that say so stand sentences away;
a page someone else made stays a public resource."""

from __future__ import annotations

import pytest

from mhds.steps.pii.authorship import is_writers_page
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.urls import as_read
from tests.steps.pii.cases import redacted_texts

VIDEO = "https://www.youtube.com/watch?v=Q1w2E3r4T5y"
SHORT_VIDEO = "https://youtu.be/Zx9Yw8Vu7Ts"
BOOK = "https://www.amazon.com/dp/B01ABCDE23"
UK_BOOK = "https://www.amazon.co.uk/Quiet-Fields/dp/B07XYZ1234"


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (f"Here is a rough cut of the song I wrote after my dad died. Be honest!\n\n{SHORT_VIDEO}",
         SHORT_VIDEO),
        (f"I recorded a short film about panic attacks. It took months. [Watch]({VIDEO})", VIDEO),
        (f"My latest video is up. It covers my first year sober.\n\n{VIDEO}", VIDEO),
        (f"Be kind, this is my first vlog ever. {SHORT_VIDEO}", SHORT_VIDEO),
        (f"Here's the song I've written about my grandad {SHORT_VIDEO}", SHORT_VIDEO),
        (f"I made a 3 minute video about panic attacks: {VIDEO}", VIDEO),
        (f"I'm filming a YouTube docuseries with my cousin. Thoughts?\n\n{VIDEO}", VIDEO),
        (f"We have started making videos about panic. Feedback welcome! {SHORT_VIDEO}",
         SHORT_VIDEO),
        (f"Week 3 of recovery. Thank you for watching, see you next week.\n{VIDEO}", VIDEO),
        (f"Five years of notes went into my new book on grief.\n\n{BOOK}", BOOK),
        (f"My new memoir is out today!\n\n{UK_BOOK}", UK_BOOK),
        (f"[Grief Notes]({BOOK}): we published this book last spring.", BOOK),
    ],
)  # fmt: skip
def test_a_work_its_writer_made_leads_to_them(engine: PIIEngine, text: str, url: str) -> None:
    assert url in redacted_texts(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        f"This song got me through last winter. {SHORT_VIDEO}",
        f"My favourite video when I can't sleep: {VIDEO}",
        f"I made a video call with my mum. After that I watched this talk: {VIDEO}",
        f"I finished the book on the train, and I recommend it: {BOOK}",
        f"I wrote a letter to my brother. This song says it better than I can {SHORT_VIDEO}",
        # a work the writer made, named sentences before a link that a sentence of its own
        # introduces as someone else's
        f"I wrote a song last year for my niece. Anyway, this lecture helped me: {VIDEO}",
        # "episode", "tracks", "my book": an illness's episode, an idiom, the book one reads
        f"My first episode of psychosis was awful. This video explains it well: {VIDEO}",
        f"That talk stopped me in my tracks: {VIDEO}",
        f"I left my book on the train. It was this one: {BOOK}",
        f"Thanks for watching my cat last week! This clip made me laugh: {VIDEO}",
        f"My absolute favourite video for sleep: {VIDEO}",
    ],
)
def test_a_work_someone_else_made_stays_a_public_resource(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


def test_a_study_the_writer_runs_owns_its_survey_page() -> None:
    """LimeSurvey's pages ("/index.php/<survey id>") are surveys too, and "this questionnaire
    for my dissertation" says whose they are."""
    link = "https://survey.example-uni.ac.uk/index.php/483921?lang=en"
    text = f"Could you fill in this questionnaire for my dissertation? Thanks!\n\n{link}"
    start = text.index(link)
    assert is_writers_page(text, start, start + len(link), start)
    plain = f"I read a study for my research class: {link}"
    start = plain.index(link)
    assert not is_writers_page(plain, start, start + len(link), start)


def test_a_link_is_read_without_markdowns_escapes() -> None:
    assert as_read("https://youtu.be/Zx9\\_Yw8Vu7Ts") == "https://youtu.be/Zx9_Yw8Vu7Ts"
    assert as_read("www.example.org/a\\*b") == "www.example.org/a*b"


def test_an_escaped_link_to_the_writers_own_video_leads_to_them(engine: PIIEngine) -> None:
    """Reddit's editor escapes an underscore in a link's text: the same own video either way."""
    escaped, plain = "https://youtu.be/Zx9\\_Yw8Vu7Ts", "https://youtu.be/Zx9_Yw8Vu7Ts"
    text = f"Here's the song I've written about my grandad\n\n[{escaped}]({plain})"
    assert {escaped, plain} <= set(redacted_texts(engine, text))


@pytest.mark.parametrize(
    ("wrapped", "page"),
    [
        ("https://www.google.com/amp/s/www.nbcnews.com/news/amp/ncna1234",
         "https://www.nbcnews.com/news/amp/ncna1234"),
        ("google.co.uk/amp/www.bbc.co.uk/news/health-1234", "https://www.bbc.co.uk/news/health-1234"),
    ],
)  # fmt: skip
def test_a_page_googles_amp_viewer_serves_is_read_as_that_page(wrapped: str, page: str) -> None:
    assert as_read(wrapped) == page


def test_a_public_page_through_googles_amp_viewer_is_kept(engine: PIIEngine) -> None:
    page = "https://www.google.com/amp/s/www.nimh.nih.gov/health/topics/depression"
    assert redacted_texts(engine, f"This helped me understand it: {page}") == []
    profile = "https://www.google.com/amp/s/www.facebook.com/jane.doe.1990"
    assert profile in redacted_texts(engine, f"This helped me understand it: {profile}")


def test_a_public_videos_id_is_no_persons_name(engine: PIIEngine) -> None:
    """A video's id split at its underscore reads as two name-like words ("YXz", "JUtHJwk"),
    but a video's page names no one: the video stays a public page."""
    video = "https://youtu.be/YXz_JUtHJwk"
    assert redacted_texts(engine, f"This video really helped me with grounding: {video}") == []
    assert "https://www.justgiving.com/Jess-Woodward1996" in redacted_texts(
        engine, "Please donate: https://www.justgiving.com/Jess-Woodward1996"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://www.psychologytoday.com/us/therapists/jane-smith-chicago-il/123456",
        "https://www.psychologytoday.com/us/therapists/LaToya-McDonald-chicago-il/123456",
        "https://www.nami.org/Personal-Stories/LaToya-McDonald",
        "https://www.google.com/amp/s/www.psychologytoday.com/us/therapists/jane-smith-chicago-il/1",
    ],
)
def test_a_profile_naming_its_person_stays_redacted(engine: PIIEngine, url: str) -> None:
    """A directory's profile names its therapist, with where they work after the name, in any
    case, and through Google's AMP viewer too."""
    assert url in redacted_texts(engine, f"My therapist is great: {url}")


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("Check out my blog post on:\u00a0how-to-calm-a-racing-mind/I hope it helps!",
         "how-to-calm-a-racing-mind/"),
        ("I wrote about it here: /my-year-of-grief-and-recovery/ if you want to read it.",
         "/my-year-of-grief-and-recovery/"),
        ("Part two is up: Five-things-my-anxiety-taught-me/", "Five-things-my-anxiety-taught-me/"),
    ],
)  # fmt: skip
def test_a_pages_path_without_its_site_is_a_link(engine: PIIEngine, text: str, path: str) -> None:
    """A scraper leaves a link's path without its site ("my blog post on: Four-ways-...-list/"):
    the path is the page's address, redacted as one."""
    spans = engine.analyze(text)
    assert any(text[s.start : s.end] == path and s.category.value == "URL" for s in spans)


@pytest.mark.parametrize(
    "text",
    [
        "My self-care plan: sleep/eat/walk, and up-to-date meds/therapy.",
        "She is my mother-in-law/best friend, and a stay-at-home-mom/nurse.",
        "The one-size-fits-all/quick-fix approach never works.",
        # from a code review: four words joined so, a relation by marriage, numbers
        "We were on-again-off-again/Toxic for years.",
        "I'm a stay-at-home-mom/dad/2 kids and a 9-to-5-job/ guy.",
        "My future mother-in-law-to-be/ boss hates me.",
        "A once-in-a-lifetime/ trip, 1-2-3-4/5 steps, a first-generation-college-student/ here.",
    ],
)
def test_hyphenated_words_with_a_slash_are_no_link(engine: PIIEngine, text: str) -> None:
    assert not [s for s in engine.analyze(text) if s.category.value == "URL"]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        # a post's own page, linked under its title and again where it closes: the closing
        # link signs the post off, and it is the same address as the first
        ("Five Ways To Sit With Grief [Read The Full Post](https://quietharbour.com/sitting-with-"
         "grief/)\n\nGrief comes in waves. Let yourself feel it, and keep one small routine each "
         "day. -[Continue Reading](https://quietharbour.com/sitting-with-grief/)",
         "https://quietharbour.com/sitting-with-grief/"),
        # written another way the second time: no scheme, "www.", capitals, a closing slash
        ("Five Ways To Sit With Grief [Read The Full Post](https://quietharbour.com/sitting-with-"
         "grief/)\n\nGrief comes in waves. Keep one small routine each day. Continue at "
         "www.QuietHarbour.com/sitting-with-grief",
         "www.QuietHarbour.com/sitting-with-grief"),
    ],
)  # fmt: skip
def test_one_address_gets_one_decision(engine: PIIEngine, text: str, url: str) -> None:
    """An address redacted in one place is redacted wherever else the text has it: kept once,
    it would show what the other place hides."""
    spans = [s for s in engine.analyze(text) if s.category.value == "URL"]
    assert len(spans) == 2
    assert url in [text[s.start : s.end] for s in spans]


def test_a_public_address_named_twice_stays_kept(engine: PIIEngine) -> None:
    text = "Call 988 or read https://www.nami.org/help. I printed www.nami.org/help for my mum."
    assert not [s for s in engine.analyze(text) if s.category.value == "URL"]
