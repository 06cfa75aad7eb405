"""What the engine redacted in the CounselChat texts that no gold batch holds (read unlabelled,
issue 11), each tested on sentences written for these tests: a thing named after "called" (a
treatment, a law, a phenomenon, "the" before its name), organisations whose last word is a
charity or a service, credentials and an abbreviation's letters that NER reads as people,
ordinary words that NER reads as a place, and a title before ordinary words. Also the names
that must still be found."""

from __future__ import annotations

import pytest

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.spans import Category
from tests.steps.pii.cases import redacted, touches

C = Category


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Some clinics offer a treatment called Cognitive Processing Therapy (CPT).", "Cognitive"),
        ("There is a phenomenon called the Dunning Kruger Effect (look it up).", "Dunning"),
        ("There is an idea called the Baader Meinhof Phenomenon, too.", "Baader"),
        ("Food banks and groups such as Lutheran Charities can help.", "Lutheran"),
        ("Ask a psychiatrist or ARNP about it.", "ARNP"),
        ("Notice the body's signals, i. e., a racing heart or sweaty palms.", "i. e"),
        ("Our programme mixes Mental Health with gardening and music.", "Mental Health"),
        ("If you have only dated Mr. Not Right Now for a month, wait.", "Not Right Now"),
    ],
)
def test_keeps(engine: PIIEngine, text: str, kept: str) -> None:
    assert not touches(engine, text, kept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a person called by a name, with no thing before "called"
        ("My neighbour, who is called Ottoline, checks on me.", (C.PERSON, "Ottoline")),
        # a city of ordinary words after a place word
        ("We moved to Long Beach last spring.", (C.LOCATION, "Long Beach")),
        # a name after a title
        ("I saw Dr. Okonkwo on Tuesday.", (C.PERSON, "Okonkwo")),
    ],
)
def test_finds(engine: PIIEngine, text: str, expected: tuple[Category, str]) -> None:
    assert expected in redacted(engine, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # sentences a review of this change wrote to make the new rules leak: a person named
        # after a noun of a place people are in, a relation's name ending in an organisation
        # word, a small town of ordinary words, a name that is also a faith's word, initials
        ("There is a girl in my class named Emma who keeps bullying me.", (C.PERSON, "Emma")),
        ("The nurse for my treatment is named Beth and she is kind.", (C.PERSON, "Beth")),
        ("My son's friend from his class is called Mason.", (C.PERSON, "Mason")),
        ("My stepdad Eddie Bank hits my mom.", (C.PERSON, "Eddie Bank")),
        (
            "Falls Church is a small town and everybody knows my family.",
            (C.LOCATION, "Falls Church"),
        ),
        ("Hi, I'm Christian and I am 24.", (C.PERSON, "Christian")),
        ("I slept over at AJs house last weekend.", (C.PERSON, "AJs")),
        ("My boyfriend JD hits me when he drinks.", (C.PERSON, "JD")),
        ("My ex lives on Judge Street now.", (C.LOCATION, "Judge Street")),
    ],
)
def test_review_leaks_stay_redacted(
    engine: PIIEngine, text: str, expected: tuple[Category, str]
) -> None:
    assert expected in redacted(engine, text)
