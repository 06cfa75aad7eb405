"""The QA sampler: deterministic, strata respected, overlap balanced, sizes stated."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from mhds.errors import ConfigError
from mhds.qa.config import QAConfig, bound_statement, failure_bound
from mhds.qa.sampling import SampleUnit, draw_sample

REVIEW_FOR = {"therapy": "foundation", "crisis": "crisis"}


def units(n_therapy: int = 50, n_crisis: int = 12) -> list[SampleUnit]:
    found = []
    for i in range(n_therapy):
        split = ("train", "val", "test")[i % 3]
        found.append(
            SampleUnit(
                f"t{i:03d}", "therapy", split, groups=frozenset({"age_group"} if i % 5 == 0 else ())
            )
        )
    for i in range(n_crisis):
        category = ("self_harm", "abuse")[i % 2]
        found.append(SampleUnit(f"c{i:03d}", "crisis", "test", (("crisis_category", category),)))
    return found


def draw(
    config: QAConfig, reviewers: list[str], pool: list[SampleUnit] | None = None, **kw: object
):  # type: ignore[no-untyped-def]
    return draw_sample(
        pool if pool is not None else units(),
        config,
        seed="sha256:abc",
        reviewers=reviewers,
        review_for=REVIEW_FOR,
        **kw,  # type: ignore[arg-type]
    )


def test_the_same_inputs_give_the_same_sample_in_any_input_order() -> None:
    config = QAConfig(per_stratum=4)
    first = draw(config, ["a", "b", "c"])
    again = draw(config, ["c", "a", "b"], list(reversed(units())))
    assert first.items == again.items
    other_seed = draw_sample(
        units(), config, seed="sha256:other", reviewers=["a", "b", "c"], review_for=REVIEW_FOR
    )
    assert {i.record_id for i in other_seed.items} != {i.record_id for i in first.items}


def test_strata_are_family_split_and_attributes_each_with_its_size() -> None:
    sample = draw(QAConfig(per_stratum=4), ["a", "b"])
    per_stratum = Counter(item.stratum for item in sample.items)
    assert per_stratum == {
        "therapy/train": 4,
        "therapy/val": 4,
        "therapy/test": 4,
        "crisis/test/crisis_category=self_harm": 4,
        "crisis/test/crisis_category=abuse": 4,
    }
    assert {i.review for i in sample.items if i.family == "crisis"} == {"crisis"}
    for item in sample.items:
        family, split = item.stratum.split("/")[:2]
        assert (item.family, item.split) == (family, split)
    assert sample.strata["therapy/train"] == {
        "population": 17,
        "drawn": 4,
        "whole": False,
        "statement": bound_statement(4),
    }


def test_a_small_stratum_is_reviewed_whole() -> None:
    sample = draw(QAConfig(per_stratum=30), ["a", "b"], units(n_therapy=6, n_crisis=2))
    assert len(sample.items) == 8
    assert all(facts["whole"] for facts in sample.strata.values())


@pytest.mark.parametrize(("reviewers", "overlap"), [(3, 2), (4, 2), (5, 3), (2, 2)])
def test_overlap_is_balanced_and_every_pair_meets(reviewers: int, overlap: int) -> None:
    names = [f"r{i}" for i in range(reviewers)]
    sample = draw(QAConfig(per_stratum=17, overlap=overlap), names)
    load = Counter(name for item in sample.items for name in item.reviewers)
    assert all(len(set(item.reviewers)) == overlap for item in sample.items)
    cycle = len(list(itertools.combinations(names, overlap)))
    # loads differ by at most what one unfinished cycle of combinations can add
    assert max(load.values()) - min(load.values()) <= cycle
    pairs = Counter(p for item in sample.items for p in itertools.combinations(item.reviewers, 2))
    assert set(pairs) == set(itertools.combinations(names, 2))


def test_flagged_groups_get_their_own_bias_strata() -> None:
    sample = draw(
        QAConfig(per_stratum=2, per_bias_group=3), ["a", "b"], flagged_groups=["age_group"]
    )
    bias = [i for i in sample.items if i.stratum == "bias:age_group"]
    assert len(bias) == 3 and {i.review for i in bias} == {"bias"}
    assert all(int(i.record_id[1:]) % 5 == 0 for i in bias)
    assert len({i.item_id for i in sample.items}) == len(sample.items)


def test_too_few_reviewers_or_an_unknown_family_is_refused() -> None:
    with pytest.raises(ConfigError, match="overlap of 2"):
        draw(QAConfig(), ["a"])
    with pytest.raises(ConfigError, match="no review for family 'other'"):
        draw(QAConfig(), ["a", "b"], [SampleUnit("x", "other", "train")])


def test_the_sample_size_statement() -> None:
    assert failure_bound(299) < 0.01 < failure_bound(298)
    assert bound_statement(299) == (
        "0 failures in n = 299 bound the failure rate below 1.0% at 95% confidence"
    )
    assert "below 9.6%" in bound_statement(30)
