"""Conditions named after people, written with the name first, are kept as clinical terms; the
same names as someone's stay redacted. Sentences written for these tests (none comes from an
evaluation corpus)."""

from __future__ import annotations

import pytest

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.eponyms import is_eponym, names_a_condition
from tests.steps.pii.cases import redacted_texts


@pytest.mark.parametrize(
    "text",
    [
        "I have Graves' Disease and my heart races when I am anxious.",
        "Since my Bell's Palsy last spring I avoid mirrors.",
        "My mom has Parkinson's and I look after her every weekend.",
        "Caring for my grandma's Alzheimer's is wearing me down.",
        "I was told I have Hashimoto's, which can affect mood.",
        "My uncle has Wilson's disease and hides it from everyone.",
        "My doctor mentioned Cushing's syndrome as a possibility.",
        "Her doctor thinks it is Hodgkin's Lymphoma and she is terrified.",
        "They suspected Munchausen by proxy at the hospital.",
        "My cousin has Klinefelter Syndrome and feels different.",
    ],
)
def test_a_condition_named_after_someone_is_kept(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("I went to Brown's and bought a coat for the wedding.", "Brown"),
        ("We ate at Kennedy's after the game and I felt fine.", "Kennedy"),
        ("My friend Evans's mom has Parkinson's.", "Evans"),
        ("My coworker Marisol Parkinson's desk is next to mine.", "Marisol Parkinson"),
        # names people bear, before a word that is no condition's or with no one given it
        ("My dad Frank's dementia is getting worse every month.", "Frank"),
        ("Mr. Wilson's disease of a car broke down again.", "Wilson"),
        ("I was staying with Taylor's for the weekend and felt safe.", "Taylor"),
        ("I keep thinking of Addison's last text to me.", "Addison"),
        ("Dr. Turner's diagnosis made me cry in the car.", "Turner"),
    ],
)
def test_the_same_names_as_someones_are_redacted(engine: PIIEngine, text: str, name: str) -> None:
    assert name in redacted_texts(engine, text)


def test_the_ontologys_names_and_the_ones_written_first() -> None:
    assert is_eponym("Kaposi's") and is_eponym("Graves'") and is_eponym("Hashimoto")
    assert not is_eponym("Marisol")
    text = "Ottoline Syndrome is the name of my band."
    assert names_a_condition(text, 0, 8) is False  # a head noun after a name that names none
    assert names_a_condition("Ottoline called.", 0, 8) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # surnames that end as a condition's name does: the clinical-term guard kept them
        ("I met Jonaitis at the clinic yesterday.", "Jonaitis"),  # Lithuanian
        ("We talked to Adomaitis about the rent.", "Adomaitis"),
        ("My coworker Stankaitis yelled at me again.", "Stankaitis"),
        ("I told Subramania everything after group.", "Subramania"),  # Tamil
        ("Venkatapathy was the only one who stayed.", "Venkatapathy"),
        # after a title or a relation's word (PII step 24, from a code review)
        ("Dr. Sethupathy said my bloodwork was fine.", "Sethupathy"),
        ("Coach Kalnitis made us run laps.", "Kalnitis"),
        ("Uncle Ganapathy visited last week.", "Ganapathy"),
        ("Mrs. Ozolitis, my teacher, called my mom.", "Ozolitis"),
    ],
)
def test_surnames_ending_as_conditions_do_stay_redacted(
    engine: PIIEngine, text: str, name: str
) -> None:
    assert name in redacted_texts(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "I was diagnosed with Pancreatitis last year and I am scared.",
        "My Neuropathy is worse at night.",
        "Trichotillomania has been with me since I was twelve.",
    ],
)
def test_a_condition_by_its_ending_is_kept(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []
