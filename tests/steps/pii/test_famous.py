"""People famous the world over and well-known characters are kept as public figures; the same
names where the words around tie them to a private person are redacted. Sentences written for
these tests (none comes from an evaluation corpus)."""

from __future__ import annotations

import pytest

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.famous import is_famous
from tests.steps.pii.cases import redacted_texts


@pytest.mark.parametrize(
    "text",
    [
        "When I feel low I rewatch old interviews with Oprah Winfrey and take notes.",
        "When I cannot sleep I listen to Carl Sagan talk about the stars.",
        "The stoics help me, especially the sayings of Epictetus.",
        "I keep a quote by Confucius on my fridge about small steps.",
        "Even Sherlock Holmes needed a friend, so I am allowed to need people too.",
        "I sometimes feel like Harry Potter living under the stairs.",
        "Watch Meryl Streep in that film and tell me grief is not universal.",
    ],
)
def test_a_famous_name_is_kept(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My coworker Oprah Winfrey keeps texting me at night.", "Oprah Winfrey"),  # a relation
        ("A girl named Meryl Streep sat with me at lunch.", "Meryl Streep"),  # "named"
        ("Dr. Sigmund Freud told me my scans were fine.", "Sigmund Freud"),  # a title
        ("I'm Meryl Streep and I have had panic attacks since May.", "Meryl Streep"),
        ("Hi Oprah Winfrey, thank you for writing in.", "Oprah Winfrey"),  # a greeting
        ("Meryl Streep, my neighbour, keeps calling the police on us.", "Meryl Streep"),
        ("Yesterday Oprah Winfrey from my office shouted at me.", "Oprah Winfrey"),
        ("I hope this helps you move forward.\n\nWarmly,\nMeryl Streep", "Meryl Streep"),
    ],
)
def test_a_famous_name_tied_to_the_writer_stays_redacted(
    engine: PIIEngine, text: str, name: str
) -> None:
    assert name in redacted_texts(engine, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Valerian keeps asking me to move in with him.", "Valerian"),  # an emperor's name
        ("Aaliyah and I broke up after three years.", "Aaliyah"),  # a singer's name
        ("I texted Kabir twice and he never replied.", "Kabir"),  # a poet's, borne today
    ],
)
def test_a_one_word_name_people_bear_stays_redacted(
    engine: PIIEngine, text: str, name: str
) -> None:
    assert name in redacted_texts(engine, text)


def test_the_table_holds_whole_names_and_few_single_words() -> None:
    assert is_famous("Oprah Winfrey") and is_famous("Epictetus")
    assert is_famous("Charlotte Brontë") and is_famous("Charlotte Bronte")
    assert is_famous("Sherlock Holmes")  # a character
    for word in ("Oprah", "Winfrey", "Valerian", "Aaliyah", "Kabir", "John", "Shakira"):
        assert not is_famous(word), word
    assert not is_famous("oprah winfrey")  # as written, case and all
