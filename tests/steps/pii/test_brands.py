"""Brands that NER or a word's shape reads as people are kept; names people bear too, and a
brand's name in a person's slot, are redacted. Sentences written for these tests (none comes
from an evaluation corpus)."""

from __future__ import annotations

import pytest

from mhds.steps.pii.brands import is_brand
from mhds.steps.pii.engine import PIIEngine
from tests.steps.pii.cases import redacted_texts


@pytest.mark.parametrize(
    "text",
    [
        "We slept in the car outside a Walmart parking lot for weeks.",
        "We used to meet at Starbucks before work, and now I avoid it.",
    ],
)
def test_a_brand_is_kept(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My friend Gucci said I should leave him.", "Gucci"),  # a person's slot
        ("I told Macy's mom everything.", "Macy"),  # a brand people bear too: not listed
        # a brand's name used as a person's or a place's: no article or "at" before it
        ("I told Zara everything after the session.", "Zara"),
        ("Zara said she would drive me to group.", "Zara"),
        ("Smitty's house is the only place I feel safe.", "Smitty"),
        ("I grew up in Avalon with my grandmother.", "Avalon"),
        ("We stayed with the Millers over the holidays.", "Millers"),
        ("I keep thinking about the Zara I met at group.", "Zara"),
        # "in" and "to" said of people (being in a shop is not told from them either)
        ("I believe in Zara and she believes in me.", "Zara"),
        ("I confided in Zara last night.", "Zara"),
        ("I was in Zara's car when it happened.", "Zara"),
        ("I went to Zara and she said no.", "Zara"),
    ],
)
def test_a_name_people_bear_stays_redacted(engine: PIIEngine, text: str, name: str) -> None:
    assert name in redacted_texts(engine, text)


def test_the_table_leaves_out_names_people_bear() -> None:
    assert is_brand("Walmart") and is_brand("Chili’s")
    assert not is_brand("Macy's") and not is_brand("Benjamin Moore") and not is_brand("walmart")
    assert not is_brand("Columbia")  # a sportswear brand, and cities
