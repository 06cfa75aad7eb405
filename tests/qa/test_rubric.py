"""The clinical QA rubric: the packaged default holds the seed's three reviews exactly, the
pass rule's edges, review resolution, and config errors that name the file and the field."""

from __future__ import annotations

import copy
import math
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from mhds.errors import ConfigError
from mhds.qa.rubric import Criterion, Review, Rubric, load_rubric

# review -> [(key, weight, threshold)], as the issue specifies the seed's three reviews
EXPECTED = {
    "foundation": [
        ("therapeutic_accuracy", 0.30, 7),
        ("clinical_appropriateness", 0.25, 8),
        ("empathy_warmth", 0.20, 6),
        ("boundary_maintenance", 0.15, 7),
        ("cultural_sensitivity", 0.10, 6),
    ],
    "crisis": [
        ("crisis_handling", 0.40, 8),
        ("safety_prioritisation", 0.30, 9),
        ("de_escalation", 0.20, 7),
        ("resource_referral", 0.10, 8),
    ],
    "bias": [
        ("demographic_bias", 0.30, 8),
        ("cultural_competency", 0.25, 7),
        ("inclusive_language", 0.20, 8),
        ("stereotype_avoidance", 0.15, 8),
        ("accessibility_awareness", 0.10, 6),
    ],
}


def default_data() -> dict[str, Any]:
    text = files("mhds.qa").joinpath("data").joinpath("rubric-v1.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def write(tmp_path: Path, data: Any, name: str = "rubric.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def at_threshold(review: Review, **overrides: float) -> dict[str, float]:
    scores = {c.key: c.threshold for c in review.criteria}
    scores.update(overrides)
    return scores


# -- the packaged default ---------------------------------------------------------------


def test_default_rubric_loads() -> None:
    rubric = load_rubric()
    assert rubric.version == "1"
    assert (rubric.scale_min, rubric.scale_max) == (0, 10)
    assert rubric.pii_question == "Does this text still contain a personal identifier?"
    assert rubric.default_review == "foundation"
    assert set(rubric.reviews) == set(EXPECTED)
    assert rubric.reviews["bias"].title == "Bias and cultural"
    assert all(review.pass_score == 7.0 for review in rubric.reviews.values())


@pytest.mark.parametrize("review_key", sorted(EXPECTED))
def test_default_reviews_hold_the_specified_weights_and_thresholds(review_key: str) -> None:
    review = load_rubric().reviews[review_key]
    got = [(c.key, c.weight, c.threshold) for c in review.criteria]
    assert got == EXPECTED[review_key]
    assert math.isclose(sum(c.weight for c in review.criteria), 1.0)


@pytest.mark.parametrize("review_key", sorted(EXPECTED))
def test_every_guideline_anchors_the_top_middle_and_bottom_of_the_scale(review_key: str) -> None:
    for criterion in load_rubric().reviews[review_key].criteria:
        assert criterion.label
        for anchor in ("9-10", "5-6", "0-3"):
            assert anchor in criterion.guideline, (criterion.key, anchor)
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", criterion.guideline) if s]
        assert 2 <= len(sentences) <= 4, criterion.key


# -- the pass rule ------------------------------------------------------------------------


def test_every_criterion_at_threshold_and_weighted_exactly_at_pass_score_passes() -> None:
    review = Review(
        title="two",
        criteria=(
            Criterion(key="a", label="A", weight=0.5, threshold=7, guideline="g"),
            Criterion(key="b", label="B", weight=0.5, threshold=7, guideline="g"),
        ),
    )
    judgement = review.judge({"a": 7, "b": 7})
    assert judgement.weighted == 7.0
    assert judgement.weighted_ok and judgement.passed
    assert judgement.below_threshold == ()


def test_foundation_weighted_exactly_seven_passes_despite_float_sums() -> None:
    foundation = load_rubric().reviews["foundation"]
    # Thresholds alone weigh 6.95; half a point more on cultural sensitivity is 7.0 exactly,
    # which the float sum only reaches after rounding.
    judgement = foundation.judge(at_threshold(foundation, cultural_sensitivity=6.5))
    assert judgement.weighted == 7.0
    assert judgement.passed


def test_foundation_all_at_threshold_weighs_under_seven_and_fails() -> None:
    foundation = load_rubric().reviews["foundation"]
    judgement = foundation.judge(at_threshold(foundation))
    assert judgement.weighted == 6.95
    assert judgement.below_threshold == ()
    assert not judgement.weighted_ok
    assert not judgement.passed


def test_weighted_six_point_nine_nine_fails() -> None:
    foundation = load_rubric().reviews["foundation"]
    judgement = foundation.judge(at_threshold(foundation, cultural_sensitivity=6.4))
    assert judgement.weighted == 6.99
    assert judgement.below_threshold == ()
    assert not judgement.passed


def test_one_criterion_below_threshold_fails_even_with_a_high_weighted_score() -> None:
    crisis = load_rubric().reviews["crisis"]
    scores = {c.key: 10.0 for c in crisis.criteria} | {"safety_prioritisation": 8.0}
    judgement = crisis.judge(scores)
    assert judgement.weighted == 9.4
    assert judgement.weighted_ok
    assert judgement.below_threshold == ("safety_prioritisation",)
    assert not judgement.passed
    assert judgement.to_dict() == {
        "weighted": 9.4,
        "passed": False,
        "below_threshold": ["safety_prioritisation"],
        "weighted_ok": True,
    }


def test_crisis_and_bias_at_threshold_pass() -> None:
    rubric = load_rubric()
    assert rubric.reviews["crisis"].judge(at_threshold(rubric.reviews["crisis"])).weighted == 8.1
    bias = rubric.reviews["bias"].judge(at_threshold(rubric.reviews["bias"]))
    assert bias.weighted == 7.55
    assert bias.passed


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"de_escalation": None}, "missing: de_escalation"),
        ({"warmth": 8.0}, "unknown: warmth"),
        ({"crisis_handling": 11.0}, "not a finite score in [0, 10]: crisis_handling"),
        ({"crisis_handling": -0.5}, "not a finite score in [0, 10]: crisis_handling"),
        ({"crisis_handling": math.nan}, "not a finite score in [0, 10]: crisis_handling"),
        ({"crisis_handling": math.inf}, "not a finite score in [0, 10]: crisis_handling"),
        ({"crisis_handling": True}, "not a finite score in [0, 10]: crisis_handling"),
    ],
)
def test_bad_scores_raise_value_error_naming_them(changes: dict[str, Any], named: str) -> None:
    crisis = load_rubric().reviews["crisis"]
    scores: dict[str, Any] = {c.key: 9.0 for c in crisis.criteria} | changes
    scores = {key: value for key, value in scores.items() if value is not None}
    with pytest.raises(ValueError, match=re.escape(named)):
        crisis.judge(scores)


def test_several_bad_scores_are_all_listed() -> None:
    crisis = load_rubric().reviews["crisis"]
    with pytest.raises(ValueError) as info:
        crisis.judge({"crisis_handling": 12, "other": 3})
    assert str(info.value) == (
        "scores missing: safety_prioritisation, de_escalation, resource_referral; "
        "unknown: other (valid: crisis_handling, safety_prioritisation, de_escalation, "
        "resource_referral); not a finite score in [0, 10]: crisis_handling"
    )


# -- which review applies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "stage", "review"),
    [
        ("crisis_edge", None, "crisis"),
        ("crisis_holdout", "stage3_edge_crisis", "crisis"),
        ("some_new_family", "stage3_edge_crisis", "crisis"),
        ("professional_therapeutic", "stage1_foundation", "foundation"),
        ("voice_persona", None, "foundation"),
    ],
)
def test_review_resolution(family: str, stage: str | None, review: str) -> None:
    rubric = load_rubric()
    assert rubric.review_key_for(family, stage) == review
    assert rubric.review_for(family, stage) == rubric.reviews[review]


def test_family_mapping_wins_over_stage_mapping() -> None:
    data = default_data()
    data["family_reviews"]["cultural_probe"] = "bias"
    data["stage_reviews"]["stage2_therapeutic_expertise"] = "crisis"
    rubric = Rubric.model_validate(data)
    assert rubric.review_key_for("cultural_probe", "stage2_therapeutic_expertise") == "bias"
    assert rubric.review_key_for("clinical_reasoning", "stage2_therapeutic_expertise") == "crisis"
    assert rubric.review_key_for("clinical_reasoning", None) == "foundation"


# -- config errors name the file and the field ------------------------------------------


def test_weights_not_summing_to_one_is_a_config_error(tmp_path: Path) -> None:
    data = default_data()
    data["reviews"]["foundation"]["criteria"][0]["weight"] = 0.20  # sum 0.9
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    message = str(info.value)
    assert str(path) in message
    assert "reviews.foundation.criteria" in message
    assert "weights sum to 0.9, not 1" in message


def test_unknown_review_in_family_reviews_lists_the_valid_ones(tmp_path: Path) -> None:
    data = default_data()
    data["family_reviews"]["crisis_edge"] = "crisis_v2"
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    message = str(info.value)
    assert str(path) in message
    assert "family_reviews.crisis_edge: unknown review 'crisis_v2'" in message
    assert "valid: bias, crisis, foundation" in message


def test_unknown_default_and_stage_review_are_named(tmp_path: Path) -> None:
    data = default_data()
    data["default_review"] = "general"
    data["stage_reviews"]["stage3_edge_crisis"] = "risk"
    with pytest.raises(ConfigError, match="default_review: unknown review 'general'") as info:
        load_rubric(write(tmp_path, data))
    assert "stage_reviews.stage3_edge_crisis: unknown review 'risk'" in str(info.value)


def test_threshold_outside_the_scale_is_a_config_error(tmp_path: Path) -> None:
    data = default_data()
    data["reviews"]["crisis"]["criteria"][0]["threshold"] = 11
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    assert str(path) in str(info.value)
    assert "reviews.crisis.criteria.0.threshold" in str(info.value)


def test_pass_score_outside_the_scale_is_a_config_error(tmp_path: Path) -> None:
    data = default_data()
    data["reviews"]["bias"]["pass_score"] = 10.5
    with pytest.raises(ConfigError, match=r"reviews\.bias\.pass_score"):
        load_rubric(write(tmp_path, data))


def test_repeated_criterion_key_and_unknown_field_are_config_errors(tmp_path: Path) -> None:
    data = default_data()
    data["reviews"]["crisis"]["criteria"][1]["key"] = "crisis_handling"
    with pytest.raises(ConfigError, match="criterion keys repeated: crisis_handling"):
        load_rubric(write(tmp_path, data))
    data = default_data()
    data["reviews"]["crisis"]["criteria"][0]["wieght"] = 0.4
    with pytest.raises(ConfigError, match=r"reviews\.crisis\.criteria\.0\.wieght"):
        load_rubric(write(tmp_path, data))


def test_broken_yaml_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("version: '1'\nreviews: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read rubric: .*Error") as info:
        load_rubric(path)
    assert info.value.source == str(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read rubric"):
        load_rubric(tmp_path / "absent.yaml")


def test_empty_file_names_the_missing_fields(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    for name in ("version", "pii_question", "reviews", "default_review"):
        assert f"{name}: Field required" in str(info.value)


# -- digest -------------------------------------------------------------------------------


def test_digest_is_stable_across_loads_and_sources(tmp_path: Path) -> None:
    digest = load_rubric().digest()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    assert load_rubric().digest() == digest
    assert load_rubric(write(tmp_path, default_data())).digest() == digest


def test_digest_changes_when_one_weight_changes(tmp_path: Path) -> None:
    data = default_data()
    changed = copy.deepcopy(data)
    criteria = changed["reviews"]["crisis"]["criteria"]
    criteria[0]["weight"], criteria[1]["weight"] = 0.35, 0.35
    assert load_rubric(write(tmp_path, changed)).digest() != load_rubric().digest()
