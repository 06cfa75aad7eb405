"""Overlapping findings merge, so no part of either leaks."""

from __future__ import annotations

from mhds.steps.pii.spans import Category, Span, resolve_overlaps


def test_overlaps_merge_into_the_union_with_the_longest_category() -> None:
    name = Span(4, 12, Category.PERSON, 0.85, "spacy_ner")
    url = Span(9, 40, Category.URL, 1.0, "url_regex")
    apart = Span(50, 55, Category.PHONE)
    assert resolve_overlaps([apart, url, name]) == [
        Span(4, 40, Category.URL, 1.0, "url_regex"),
        apart,
    ]


def test_touching_spans_stay_apart() -> None:
    a, b = Span(0, 5, Category.PERSON), Span(5, 9, Category.PERSON)
    assert resolve_overlaps([b, a]) == [a, b]
