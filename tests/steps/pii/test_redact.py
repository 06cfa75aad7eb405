"""Consistent placeholders and surrogates inside one conversation."""

from __future__ import annotations

import pytest

from mhds.steps.pii.redact import ConversationRedactor
from mhds.steps.pii.spans import Category, Span


def spans_of(text: str, *values: tuple[str, Category]) -> list[Span]:
    return [Span(text.index(v), text.index(v) + len(v), c) for v, c in values]


def test_same_person_same_placeholder_across_turns() -> None:
    redactor = ConversationRedactor()
    first = "Sarah Johnson called me. Then Mark called."
    second = "Did sarah johnson call again? And Sarah?"
    out1, _ = redactor.redact(
        first, spans_of(first, ("Sarah Johnson", Category.PERSON), ("Mark", Category.PERSON))
    )
    out2, placed = redactor.redact(
        second, spans_of(second, ("sarah johnson", Category.PERSON), ("Sarah?", Category.PERSON))
    )
    assert out1 == "[PERSON_1] called me. Then [PERSON_2] called."
    assert out2 == "Did [PERSON_1] call again? And [PERSON_1]"
    assert [second_part for second_part in (out2[p.start : p.end] for p in placed)] == [
        "[PERSON_1]",
        "[PERSON_1]",
    ]


def test_numbers_are_per_category_and_phone_formats_merge() -> None:
    redactor = ConversationRedactor()
    text = "Call 555-123-4567 or (555) 123-4567 in Denver."
    out, _ = redactor.redact(
        text,
        spans_of(
            text,
            ("555-123-4567", Category.PHONE),
            ("(555) 123-4567", Category.PHONE),
            ("Denver", Category.LOCATION),
        ),
    )
    assert out == "Call [PHONE_1] or [PHONE_1] in [LOCATION_1]."


def test_surrogates_are_consistent_and_fictional() -> None:
    redactor = ConversationRedactor(mode="surrogate", seed=7)
    text = "Sarah met Sarah at 555-867-5309."
    out, placed = redactor.redact(
        text,
        [Span(0, 5, Category.PERSON), Span(10, 15, Category.PERSON), Span(19, 31, Category.PHONE)],
    )
    first, second, phone = (out[p.start : p.end] for p in placed)
    assert first == second and first != "Sarah"
    assert phone.startswith("555-01")
    again, _ = ConversationRedactor(mode="surrogate", seed=7).redact(
        text,
        [Span(0, 5, Category.PERSON), Span(10, 15, Category.PERSON), Span(19, 31, Category.PHONE)],
    )
    assert again == out


def test_overlapping_spans_are_refused() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        ConversationRedactor().redact(
            "abcdef", [Span(0, 3, Category.PERSON), Span(2, 4, Category.PERSON)]
        )
