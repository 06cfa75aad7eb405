"""The engine on therapy-style text: every category found, clinical meaning kept."""

from __future__ import annotations

from typing import Any

import pytest

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import AnalysisCounts, PIIEngine
from mhds.steps.pii.spans import Category


def found(engine: PIIEngine, text: str) -> set[tuple[str, Category]]:
    return {(text[s.start : s.end], s.category) for s in engine.analyze(text)}


@pytest.mark.parametrize(
    ("text", "value", "category"),
    [
        ("My therapist Sarah Johnson said I should journal.", "Sarah Johnson", Category.PERSON),
        ("I talked to Dr. Miguel Alvarez about it.", "Miguel Alvarez", Category.PERSON),
        ("We moved to Portland last year and I miss my friends.", "Portland", Category.LOCATION),
        (
            "I was admitted to St. Mary's Hospital after the attempt.",
            "St. Mary's Hospital",
            Category.LOCATION,
        ),
        (
            "I live at 1423 Oak Street and the neighbours are loud.",
            "1423 Oak Street",
            Category.LOCATION,
        ),
        ("My session is on March 14, 2021 at noon.", "March 14, 2021", Category.DATE),
        ("Call me on (503) 555-0134 after work.", "(503) 555-0134", Category.PHONE),
        ("Email me at jane.doe@gmail.com please.", "jane.doe@gmail.com", Category.EMAIL),
        (
            "My blog is www.janesjourney.net if you want to read it.",
            "www.janesjourney.net",
            Category.URL,
        ),
        ("The log showed 192.168.14.7 as my address.", "192.168.14.7", Category.IP_ADDRESS),
        ("My MRN 00482913 is on the discharge papers.", "00482913", Category.ID),
        ("My SSN is 123-45-6789.", "123-45-6789", Category.ID),
        ("I'm 93 years old and still grieving.", "93", Category.AGE),
    ],
)
def test_every_category_is_found(
    engine: PIIEngine, text: str, value: str, category: Category
) -> None:
    assert (value, category) in found(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "I take 50mg of sertraline and 1mg of lorazepam at night.",
        "My PHQ-9 score was 14 and my GAD-7 was 11.",
        "We tried CBT, then EMDR and DBT skills.",
        "My sister and my mom came with me on Monday.",
        "Since 2019 I have felt this way, for about three weeks at a time.",
        "If you are in crisis call 988 or 1-800-273-8255, or text HOME to 741741.",
        "I moved from Ohio to the United States when I was 12.",
        "Visit suicidepreventionlifeline.org or https://988lifeline.org for help.",
    ],
)
def test_clinical_meaning_and_public_resources_are_kept(engine: PIIEngine, text: str) -> None:
    assert engine.analyze(text) == []


def test_spans_do_not_overlap_and_are_sorted(engine: PIIEngine) -> None:
    text = "Dr. Ana Ruiz (ana@ruiz-therapy.com, www.ruiz-therapy.com) sees me in Denver."
    spans = engine.analyze(text)
    assert spans == sorted(spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
    assert {s.category for s in spans} >= {Category.PERSON, Category.EMAIL, Category.URL}


def test_batch_equals_one_by_one(engine: PIIEngine) -> None:
    texts = ["Call Tom at 555-123-4567.", "", "Nothing here.", "I'm 95 and live in Boise."]
    assert list(engine.analyze_batch(texts)) == [engine.analyze(t) for t in texts]


@pytest.mark.parametrize(
    ("text", "value", "category"),
    [
        (
            "Book through my site, https://calendly.com/giulia-oliveira today.",
            "https://calendly.com/giulia-oliveira",
            Category.URL,
        ),
        ("My MRN at the hospital is 6666026.", "6666026", Category.ID),
        ("My cell is +44 7700 900445, texting is better.", "+44 7700 900445", Category.PHONE),
        ("My grandmother is 100 and I'm her carer.", "100", Category.AGE),
    ],
)
def test_benchmark_misses_now_found(
    engine: PIIEngine, text: str, value: str, category: Category
) -> None:
    assert (value, category) in found(engine, text)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("My MRN 8023183. Your GAD-7 score was 12.", "GAD-7"),
        ("Take care of yourself this week.\n\nWarmly,\nThe clinic team", "Warmly"),
    ],
)
def test_benchmark_false_positives_now_kept(engine: PIIEngine, text: str, kept: str) -> None:
    assert all(kept not in text[s.start : s.end] for s in engine.analyze(text))


def fresh(loaded: PIIEngine, **config: Any) -> PIIEngine:
    """A new engine (empty cache, zero counts) sharing the session's loaded model."""
    engine = PIIEngine(PIIConfig(**config))
    engine._ner = loaded._ner
    return engine


@pytest.mark.parametrize(
    ("text", "name"),
    [("Sarah called me", "Sarah"), ("Yesterday I met Sarah Johnson at work.", "Sarah Johnson")],
)
def test_names_still_reach_ner(engine: PIIEngine, text: str, name: str) -> None:
    gated = fresh(engine)
    assert (name, Category.PERSON) in found(gated, text)
    assert gated.counts == AnalysisCounts(texts=1, ner=1)


def test_text_with_nothing_for_ner_skips_it(engine: PIIEngine) -> None:
    gated = fresh(engine)
    assert gated.analyze("Thank you. I feel tired on Mondays.") == []
    assert gated.counts == AnalysisCounts(texts=1, skipped=1)
    assert found(gated, "Thanks. My number is (503) 555-0134.") == {
        ("(503) 555-0134", Category.PHONE)
    }  # patterns still run on skipped texts
    assert gated.counts.ner == 0


def test_lower_case_name_cue_goes_to_ner(engine: PIIEngine) -> None:
    gated = fresh(engine)
    assert ("sarah", Category.PERSON) in found(gated, "my name is sarah and i feel lost")
    assert gated.counts.ner == 1


def test_prefilter_off_sends_every_text_to_ner(engine: PIIEngine) -> None:
    ungated = fresh(engine, ner_prefilter=False)
    list(ungated.analyze_batch(["Thank you. I feel tired on Mondays.", "ok", ""]))
    assert ungated.counts.ner == 3


def test_prefilter_changes_no_span(engine: PIIEngine) -> None:
    texts = [
        "Thank you. I feel tired on Mondays.",
        "Sarah called me on March 3rd from Boise.",
        "we moved to chicago last year",
        "My PHQ-9 was 14, so CBT it is.",
    ]
    ungated = fresh(engine, ner_prefilter=False, ner_cache_size=0)
    assert list(fresh(engine).analyze_batch(texts)) == list(ungated.analyze_batch(texts))


def test_ner_on_the_sentences_that_need_it_finds_what_it_finds_on_the_whole_text(
    engine: PIIEngine,
) -> None:
    # Long texts where most sentences hold nothing for NER: the names and places in the
    # others, and their offsets in the whole text, are those NER finds on the whole text.
    filler = "It is hard to feel this way, and it takes time. " * 6
    texts = [
        f"{filler}I spoke to Priya Natarajan last week. {filler}She moved to Denver.",
        f"Thank you for writing.\xa0{filler}My brother Tomasz lives in Gdansk now. {filler}",
        f"{filler}\nWarmly,\nDr. Ana Ruiz\n",
    ]
    pieced = fresh(engine, ner_cache_size=0)
    whole = fresh(engine, ner_prefilter=False, ner_cache_size=0)
    assert list(pieced.analyze_batch(texts)) == list(whole.analyze_batch(texts))
    assert found(pieced, texts[0]) >= {
        ("Priya Natarajan", Category.PERSON),
        ("Denver", Category.LOCATION),
    }


def test_cache_answers_repeats_without_ner(engine: PIIEngine) -> None:
    cached = fresh(engine)
    text = "Priya Natarajan moved to Denver."
    first = cached.analyze(text)
    again = list(cached.analyze_batch([text, text]))
    assert again == [first, first]
    assert cached.counts == AnalysisCounts(texts=3, cached=2, ner=1)
    strict = cached.analyze(text, strict=True)  # strict is a separate key
    assert cached.counts.ner == 2
    assert {(s.start, s.end) for s in strict} >= {(s.start, s.end) for s in first}


def test_cached_spans_cannot_be_changed_by_a_caller(engine: PIIEngine) -> None:
    cached = fresh(engine)
    text = "Call Tom at 555-123-4567."
    first = cached.analyze(text)
    expected = list(first)
    first.clear()
    assert cached.analyze(text) == expected != []


def test_cache_is_bounded_and_can_be_off(engine: PIIEngine) -> None:
    small = fresh(engine, ner_cache_size=1)
    list(small.analyze_batch(["Tomasz is here.", "Ann is here."]))
    small.analyze("Tomasz is here.")  # pushed out by "Ann"
    assert small.counts.ner == 3
    off = fresh(engine, ner_cache_size=0)
    off.analyze("Tomasz is here.")
    off.analyze("Tomasz is here.")
    assert off.counts == AnalysisCounts(texts=2, ner=2)


def _blas_threads() -> list[int]:
    from threadpoolctl import ThreadpoolController

    return [info["num_threads"] for info in ThreadpoolController().select(user_api="blas").info()]


def test_ner_multiplies_with_numpy_blas_in_one_thread_and_gives_the_threads_back(
    engine: PIIEngine,
) -> None:
    ner = engine._ner
    assert ner is not None
    layers = list(ner.nlp.get_pipe("ner").model.walk())
    assert layers and all(getattr(layer.ops, "use_blis", True) is False for layer in layers)
    before = _blas_threads()
    docs = ner.pipe(["My sister Anna moved to Oslo."], batch_size=8, n_process=1)
    first = next(docs)
    during = _blas_threads()
    assert list(docs) == []
    assert during and all(threads == 1 for threads in during)
    assert _blas_threads() == before
    assert {(e.text, e.label_) for e in first.ents} >= {("Anna", "PERSON"), ("Oslo", "GPE")}
