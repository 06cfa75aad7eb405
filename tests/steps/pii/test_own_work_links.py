"""A link to a page on a public site that its writer says they made (a video, a song, a book, a
study's questionnaire) leads to them, even when the words that say so stand sentences away;
a page someone else made stays a public resource."""

from __future__ import annotations

import pytest

from mhds.steps.pii.authorship import is_writers_page
from mhds.steps.pii.engine import PIIEngine
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
