"""Cited works and their authors, online platforms, things "called" a name, cities, signatures
with the writer's sites after them, and whose a web site is: on sentences written for these
tests (none comes from an evaluation corpus)."""

from __future__ import annotations

import pytest

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.gazetteer import is_city
from mhds.steps.pii.spans import Category
from mhds.steps.pii.works import CREDITED, cited_works
from tests.steps.pii.cases import redacted_texts, touches

C = Category


def found(engine: PIIEngine, text: str, category: Category) -> list[str]:
    return [text[s.start : s.end] for s in engine.analyze(text) if s.category is category]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("A book I often suggest: “Quiet Fields” by Odalys Brennecke.", "Odalys Brennecke"),
        ('Try reading "The Open Door: Notes on Grief" by Radomir Vesely.', "Radomir Vesely"),
        ("The workbook Finding Ground, by Ysolde Karrenberg, helps.", "Ysolde Karrenberg"),
        ("Read the article by Teodor Lindqvist on sleep.", "Teodor Lindqvist"),
        ("It is a therapy developed by Marguerite Okonkwo-Haller.", "Marguerite Okonkwo-Haller"),
        ("Identity shapes desire (Vasquez-Lund & Petrakis, 1988).", "Vasquez-Lund"),
        ("Identity shapes desire (Vasquez-Lund & Petrakis, 1988).", "Petrakis"),
        ("These traits were listed by Oyelaran (2011) in a review.", "Oyelaran"),
        # a pair of doctors credited together, and an author read without a title
        ("A book I like: “Holding Steady” by Drs. Ilse & Teodor Brandauer.", "Teodor Brandauer"),
        ("A book I like: “Holding Steady” by Drs. Ilse & Teodor Brandauer.", "Ilse"),
        # someone of the writer's who has them read the book, or an opinion after the name
        ("My therapist made me read the book Quiet Waters, by Elspeth Marlowe.", "Elspeth Marlowe"),
        ("My therapist wrote me a list: the book Quiet Waters, by Elspeth Marlowe.", "Marlowe"),
        ("Read the book Quiet Waters by Elspeth Marlowe in my opinion.", "Elspeth Marlowe"),
        # a full name that wrote a named book, right after it
        ("A skill from Tobiah Wrenfield, he wrote the book Calm Rivers, helps here.", "Wrenfield"),
        ("Ysolde Karrenberg wrote the book Finding Ground, and we can learn from it.", "Ysolde"),
    ],
)
def test_a_credited_author_is_kept(engine: PIIEngine, text: str, kept: str) -> None:
    assert not touches(engine, text, kept)


def test_an_authors_other_mention_is_kept_where_cited(engine: PIIEngine) -> None:
    text = (
        "Read the book “Quiet Fields” by Odalys Brennecke. Brennecke's later research on shame "
        "is good."
    )
    assert redacted_texts(engine, text) == []


def test_a_full_names_book_credits_its_author(engine: PIIEngine) -> None:
    text = "A gentle guide is Odalys Brennecke's book Quiet Fields: Healing After Loss."
    assert redacted_texts(engine, text) == []
    assert "Odalys Brennecke" in redacted_texts(
        engine, "My aunt Odalys Brennecke's book Quiet Fields came out."
    )
    # the writer tied to the author in the next sentence, a book someone owns, a title before
    # the name (from leak reviews)
    for private in (
        "Odalys Brennecke's book Quiet Fields came out. I'm her niece and I hated it.",
        "Odalys Brennecke's book Quiet Fields came out. I am her niece.",
        "I accidentally took Odalys Brennecke's book Friday and she is furious.",
        "Mrs. Odalys Brennecke's book Club meets on Thursdays.",
    ):
        assert "Odalys Brennecke" in redacted_texts(engine, private)


@pytest.mark.parametrize("says", ["asks us to picture", "argues", "explains", "teaches"])
def test_an_author_speaking_to_readers_is_cited(engine: PIIEngine, says: str) -> None:
    text = (
        "Read the book “Quiet Fields” by Odalys Brennecke. "
        f"Brennecke {says} that shame shrinks when it is named."
    )
    assert redacted_texts(engine, text) == []
    assert redacted_texts(engine, f"My neighbour Brennecke {says} the rent is due.") == [
        "Brennecke"
    ]
    # a doctor who bears the author's surname (from a leak review)
    doctor = (
        "Read the book “Quiet Fields” by Odalys Brennecke. My GP is Dr. Ana Brennecke, "
        f"and Dr. Brennecke {says} nothing like it."
    )
    assert "Brennecke" in redacted_texts(engine, doctor)
    # another given name, or the writer's own in the sentence (from a leak review)
    other = f"Read “Quiet Fields” by Odalys Brennecke. Mark Brennecke {says} why he hit me."
    assert "Mark Brennecke" in redacted_texts(engine, other)
    landlord = f"Read “Quiet Fields” by Odalys Brennecke. My landlord Brennecke {says} a lot."
    assert "Brennecke" in redacted_texts(engine, landlord)


def test_words_of_a_cited_title_are_kept(engine: PIIEngine) -> None:
    text = "I recommend the book “Mending Halvard’s Bridge” by Ines Kowalczyk for couples."
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("A poem by Ottoline was read at the funeral.", "Ottoline"),
        ("I read a letter written by my sister Ottoline.", "Ottoline"),
        ("I keep reading everything by my sister Ottoline.", "Ottoline"),
        # reading "anything by" someone names no work: a coworker's posts are read too
        ("I have been reading everything by Ottoline, my coworker.", "Ottoline"),
        ("We watched a film directed by Ottoline Marsh at home.", "Ottoline Marsh"),
        ('Her favourite song is "Grey Harbour" by Ottoline Marsh.', "Ottoline Marsh"),
        ("I was hurt by Ottoline last week.", "Ottoline"),
        ("I met Ottoline (2019) at camp.", "Ottoline"),
        ("The book by my friend Ottoline Marsh made me cry.", "Ottoline Marsh"),
        # a work's noun near "by" that credits nothing (review of issue 11's fourth session)
        ("I joined a study group and got bullied by Ottoline Marsh every week.", "Ottoline Marsh"),
        ("I joined a book club run by Ottoline Marsh.", "Ottoline Marsh"),
        (
            'He sent a text that said "Meet Ottoline Marsh" by Teodor Lind. I read it.',
            "Teodor Lind",
        ),
        ("We lost our dad (Teodor Lindqvist, 2019) last year.", "Teodor Lindqvist"),
        # a credit tied to the writer right after it, someone of theirs writing the work, or
        # a book club, which no one authors
        ("I read the book Driftwood, by Ottoline Marsh, my neighbour.", "Ottoline Marsh"),
        ("It is the memoir Driftwood, by Ottoline Marsh (my aunt).", "Ottoline Marsh"),
        ("My cousin wrote the book Driftwood, by Ottoline Marsh, her pen name.", "Ottoline Marsh"),
        ("My mom runs a Book Club by Ottoline Marsh at church.", "Ottoline Marsh"),
        # a book written by someone the writer knows: a relation, or "me" later on
        ("My cousin Ottoline Marsh wrote the book Driftwood about her recovery.", "Ottoline Marsh"),
        ("Ottoline Marsh wrote a book called Driftwood and gave me a copy.", "Ottoline Marsh"),
        (
            "Teodor Lindqvist wrote the book Salt Roads. He's my uncle and we don't speak.",
            "Teodor Lindqvist",
        ),
        ("At group today Teodor Lindqvist wrote the book Salt Roads, he said.", "Teodor Lindqvist"),
    ],
)
def test_a_name_outside_a_reading_credit_is_redacted(
    engine: PIIEngine, text: str, name: str
) -> None:
    assert any(name in r for r in redacted_texts(engine, text))


def test_cited_works_reports_titles_and_credited_people() -> None:
    text = 'I like "Small Lights" by Anouk Verhaegen & Tomas Rydell, a book on hope.'
    assert [(text[a:b], kind) for a, b, kind in cited_works(text)] == [
        ("Small Lights", "publication"),
        ("Anouk Verhaegen", CREDITED),
        ("Tomas Rydell", CREDITED),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "We talked on Skype every night.",
        "I keep checking Instagram and Facebook for her posts.",
        "We Skyped for hours, then I was Googling symptoms.",
        "I matched with him on Tinder.",
        # a friend's account, the apostrophe left out; a platform's service
        "He kept mocking my friends Instagram in front of everyone.",
        "Does anyone here still play on Xbox Live at night?",
    ],
)
def test_an_online_platform_is_no_name(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "There is a group for teens. It's called Harbour Line and it is free.",
        "It is called Quiet Ground Collective.",
        "You may feel an experience called Depersonalization after trauma.",
    ],
)
def test_a_thing_called_a_name_is_no_person(engine: PIIEngine, text: str) -> None:
    assert found(engine, text, C.PERSON) == []


def test_a_person_called_a_name_is_still_a_person(engine: PIIEngine) -> None:
    assert found(engine, "My son is called Teodor.", C.PERSON) == ["Teodor"]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("I am writing from Winnipeg Canada so I cannot refer you.", "Winnipeg"),
        ("We moved here from Bakersfield last spring.", "Bakersfield"),
        ("My cousin lives in Tallahassee with her kids.", "Tallahassee"),
    ],
)
def test_a_city_after_a_place_cue_is_a_place(engine: PIIEngine, text: str, place: str) -> None:
    assert any(place in f for f in found(engine, text, C.LOCATION))


def test_a_greeted_person_stays_a_person(engine: PIIEngine) -> None:
    assert found(engine, "Hi Ottoline, thanks for writing.", C.PERSON) == ["Ottoline"]


@pytest.mark.parametrize(
    ("phrase", "city"),
    [
        ("Fresno", True),
        ("Montréal", True),
        ("St. Louis", False),  # written "Saint Louis" in the table
        ("Mobile", False),  # an ordinary word first
        ("March", False),  # a month
        ("Georgia", False),  # a US state: kept, as Safe Harbor keeps it
        ("Canada", False),
        ("Hope", False),
    ],
)
def test_is_city(phrase: str, city: bool) -> None:
    assert is_city(phrase) is city


def test_meetings_in_march_name_no_city(engine: PIIEngine) -> None:
    assert redacted_texts(engine, "My boss schedules meetings in March and in May.") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "You can change this. ~Ottoline (www.ottolinemarsh.com and www.brightpath.org)",
            "Ottoline",
        ),
        ("Be gentle with yourself. Best of luck. Radomir~", "Radomir"),
        ("You can do it!Ysolde Karrenbergwww.brightpath.org", "Ysolde Karrenberg"),
    ],
)
def test_a_signature_before_the_writers_sites_is_a_person(
    engine: PIIEngine, text: str, name: str
) -> None:
    assert name in found(engine, text, C.PERSON)


def test_a_site_that_signs_a_text_off_is_redacted_everywhere(engine: PIIEngine) -> None:
    text = (
        "More ideas are at www.brightpath.org if you want them. Take care. "
        "~Ottoline (www.brightpath.org)"
    )
    assert found(engine, text, C.URL) == ["www.brightpath.org", "www.brightpath.org"]


def test_a_list_of_books_credits_every_author(engine: PIIEngine) -> None:
    text = (
        "Books that help couples: “Quiet Fields” by Odalys Brennecke, "
        + "and many more pages of thought on trust and repair follow here. " * 5
        + "“Second Light” by Radomir Vesely & Ysolde Karrenberg“Third Door” by Teodor Lindqvist"
    )
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("There is a hotline to help with this 888-724-7240 any time.", True),
        ("The helpline (1-877-555-0199) is free.", True),
        ("Call me at 888-724-7240 any time.", False),  # toll-free, but no line named
        ("The hotline is great; my cell is 415-724-7240.", False),  # not toll-free
    ],
)
def test_a_toll_free_helpline_is_kept(engine: PIIEngine, text: str, kept: bool) -> None:
    assert (found(engine, text, C.PHONE) == []) is kept


def test_a_closing_glued_to_the_last_word_still_signs(engine: PIIEngine) -> None:
    assert "R" in found(engine, "There is so much to see in the parkHope that helps R", C.PERSON)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("My daughter Alexa cries at night.", "Alexa"),  # a platform's name given to a person
        ("For appointments call my office at 888-555-0199 (not a crisis hotline).", "888-555-0199"),
        ("My cell is 877-555-0134, I also volunteer for a helpline.", "877-555-0134"),
        (
            "I run a support group; details at www.quietharborgroup.org if you want.",
            "www.quietharborgroup.org",
        ),
        ("I write about this a lot at www.jdoe.com every week.", "www.jdoe.com"),
        ("Good luck! ~Mark (www.markspace.com and www.quietoak.org)", "www.markspace.com"),
        ("read http://janedoe.org/report.pdfOttoline said it was fine.", "Ottoline"),
    ],
)
def test_what_a_public_resource_rule_must_not_spare(
    engine: PIIEngine, text: str, value: str
) -> None:
    assert any(value in r for r in redacted_texts(engine, text))


def test_a_long_list_of_capitalised_words_is_read(engine: PIIEngine) -> None:
    # The author-date citation once backtracked exponentially on a list like this one; the
    # suite's timeout fails such a regression (speed targets live in benchmarks/).
    text = "I have tried " + ", ".join(f"Drugname{chr(97 + n % 26)}x" for n in range(60)) + "."
    assert isinstance(engine.analyze(text), list)
