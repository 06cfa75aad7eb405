"""Capitalised words that name no one (``mhds.steps.pii.no_names``): peoples, languages and
faiths, chat shorthand, acronyms' plurals, a medicine after its dose and holidays named for
someone; and the given names and surnames among them that stay names in a person's slot.
Sentences written for these tests (none comes from an evaluation corpus or the scans)."""

from __future__ import annotations

import pytest

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.no_names import names_no_one
from tests.steps.pii.cases import redacted_texts


@pytest.mark.parametrize(
    "text",
    [
        # peoples, languages and faiths
        "Sorry for my grammar, Portuguese is my first language and my English is rusty.",
        "My boyfriend is Nigerian and his parents want him to marry a Nigerian girl.",
        "Are there other Hispanics here who feel stuck between two cultures?",
        "I was raised Mormon and left at nineteen; my family still won't talk about it.",
        "Can anyone recommend a therapist who sees clients in Farsi or Urdu?",
        "I speak German at home and Dutch at work, and I dream in neither.",
        # chat shorthand and interjections
        "Idk why but Im always exhausted after lunch, even when I sleep well.",
        "Tbh the meds help. Ngl the weight gain sucks though.",
        "The kids were screaming in the car (Yep, all three of them) and I lost it.",
        "Holy crap, I actually got out of bed and showered today.",
        "I guess Im just tired of it. No Im not going back there.",
        # acronyms' plurals, a medicine after its dose, holidays named for someone
        "My psychiatrist says SSRIs take weeks, and my PCPs keep disagreeing.",
        "I get weird DMs from strangers every time I post a selfie.",
        "She started 20mg Paxil and 0.5 mg Klonopin, then added 10mg Nardoxin.",
        "St. Patrick's Day is the hardest day of the year for me sober.",
        "I spent Valentine’s Day alone again and honestly it was fine.",
    ],
)
def test_words_that_name_no_one_are_kept(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My brother Christian moved out in June.", "Christian"),  # a given name, a person's slot
        ("Christian told me the party was off.", "Christian"),  # a given name, no language's cue
        ("My friend Irish lent me her car for the week.", "Irish"),
        ("Mr. English said the exam would be easy.", "English"),  # a title: a surname
        ("I met Ty at group and we talked for hours.", "Ty"),  # a given name in shorthand's list
    ],
)
def test_names_among_those_words_stay_redacted(engine: PIIEngine, text: str, name: str) -> None:
    assert name in redacted_texts(engine, text)


def test_a_surname_that_is_also_shorthand_is_a_name_before_a_persons_verb() -> None:
    text = "Oh said the appointment moved. Oh well."
    assert not names_no_one(text, 0, 2)  # "Oh said": someone
    assert names_no_one(text, 31, 33)  # "Oh well": an interjection


def test_only_one_word_is_judged() -> None:
    text = "I posted on the Canadian Visa forum."
    assert not names_no_one(text, 16, 29)  # "Canadian Visa": left to the other rules
    assert names_no_one(text, 16, 24)


@pytest.mark.parametrize(
    "text",
    [
        "Tamoxifen is the reason I can't take most antidepressants.",  # a long generic name
        "Zopiclone knocks me out but I wake up groggy.",
        "Has anyone compared Qudexy vs Topamax for migraines?",  # compared with a medication
        "I ended up in the ER after swallowing a bottle of Tylenol.",
        "Is it safe to mix Benzos with a couple of beers?",
        "My doctor wants me on the Aristada shot every month.",
        "The Cogentin is for the shaking, she said.",
    ],
)
def test_medicines_are_kept(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []
