"""A reviewer's re-admission covers the finding that was reviewed: the same record content,
the same categories in the same parts. Anything else is judged afresh."""

from __future__ import annotations

import pytest

from mhds.steps.base import Outcome
from mhds.steps.pii.step import PIIRedactor, parse_residual_finding, residual_finding
from tests.cases import make_record

# The strict residual scan reads "mom.listen" as a web address; the first pass does not.
RECORD = make_record("i told my mom.listen to me, it was hard.", "that sounds painful.")
KEY = (RECORD.metadata.id, RECORD.metadata.content_hash)


def run(readmitted: dict[tuple[str, str], str]) -> tuple[list[str], list[Outcome]]:
    held: list[Outcome] = []
    step = PIIRedactor(readmitted=readmitted)
    shipped = [r.metadata.id for r in step.run([RECORD], held.append)]
    return shipped, held


def test_the_finding_is_written_and_read_back() -> None:
    assert residual_finding(["URL", "PHONE", "URL"], ["user", "attributes"]) == (
        "PHONE,URL in attributes,user"
    )
    assert parse_residual_finding("PHONE,URL in attributes,user") == (
        frozenset({"PHONE", "URL"}),
        frozenset({"attributes", "user"}),
    )
    assert parse_residual_finding("URL") == (frozenset(), frozenset())
    assert parse_residual_finding(None) == (frozenset(), frozenset())


def test_without_a_decision_the_record_goes_to_review() -> None:
    shipped, [held] = run({})
    assert shipped == [] and held.reason == "pii_residual" and held.detail == "URL in user"


@pytest.mark.parametrize("reviewed", ["URL in user", "PHONE,URL in assistant,user"])
def test_a_decision_covering_the_finding_ships_it(reviewed: str) -> None:
    shipped, held = run({KEY: reviewed})
    assert shipped == [RECORD.metadata.id] and held == []


@pytest.mark.parametrize(
    ("key", "reviewed"),
    [
        (KEY, "PHONE in user"),  # another category than the one reviewed
        (KEY, "URL in assistant"),  # found in another part
        (KEY, ""),  # a decision that does not say what it covered
        ((RECORD.metadata.id, "sha256:" + "0" * 64), "URL in user"),  # other content
    ],
)
def test_anything_else_is_judged_afresh(key: tuple[str, str], reviewed: str) -> None:
    shipped, [held] = run({key: reviewed})
    assert shipped == [] and held.reason == "pii_residual"
