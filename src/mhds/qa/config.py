"""QAConfig: how a release's clinical review is sampled, assigned and judged (release config
``qa:``). Whether a release needs sign-off at all is the release config's ``signoff``."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# One-sided confidence of the sample-size statements written into the QA plan.
CONFIDENCE = 0.95


class QAConfig(BaseModel):
    """Sample sizes, overlap, pass rates and what a failed item does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    per_stratum: int = Field(
        30,
        ge=1,
        description="Items drawn per stratum (family x split, and crisis category and persona "
        "where records carry them); a smaller stratum is reviewed whole. 30 items with no "
        "failure bound the stratum's failure rate below 9.6% at 95% confidence; 299 bound it "
        "below 1%.",
    )
    strata_attributes: tuple[str, ...] = Field(
        ("crisis_category", "persona"),
        description="Record attributes whose values split a family x split stratum further "
        "(records without the attribute stay in the plain stratum).",
    )
    per_bias_group: int = Field(
        10,
        ge=0,
        description="Extra items drawn per identity group the bias report flagged, reviewed "
        "with the bias rubric (0: none).",
    )
    overlap: int = Field(2, ge=1, description="Reviewers who score each item.")
    min_pass_rate: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Share of a family's reviewed items that must pass for sign-off.",
    )
    on_failed_item: Literal["exclude", "block_family"] = Field(
        "exclude",
        description="exclude: an item that failed review is left out of the published release "
        "(listed in the manifest); block_family: its family fails the signoff gate.",
    )
    score_gap: float = Field(
        3.0,
        gt=0,
        description="Reviewers whose scores on one criterion differ by this much or more send "
        "the item to adjudication (as does a pass/fail disagreement).",
    )
    rubric: str | None = Field(
        None, description="Path of a rubric YAML overriding the packaged default."
    )


def weaker_settings(run: QAConfig, asked: QAConfig) -> list[str]:
    """How a QA run's settings review less than the release config asked (empty: at least
    as thorough): a smaller sample, fewer reviewers per item, a lower pass rate, a wider
    score gap before adjudication, another stratification, rubric or failed-item rule."""
    found = []
    for name in ("per_stratum", "per_bias_group", "overlap", "min_pass_rate"):
        if getattr(run, name) < getattr(asked, name):
            found.append(f"{name} {getattr(run, name)} < {getattr(asked, name)}")
    if run.score_gap > asked.score_gap:
        found.append(f"score_gap {run.score_gap} > {asked.score_gap}")
    for name in ("strata_attributes", "rubric", "on_failed_item"):
        if getattr(run, name) != getattr(asked, name):
            found.append(f"{name} differs")
    return found


def failure_bound(n: int, confidence: float = CONFIDENCE) -> float:
    """The upper bound on a failure rate when ``n`` items were reviewed and none failed:
    ``1 - (1 - confidence) ** (1 / n)`` (exact binomial, one-sided; about 3/n)."""
    if n < 1:
        return 1.0
    return float(1.0 - (1.0 - confidence) ** (1.0 / n))


def bound_statement(n: int, what: str = "failure", confidence: float = CONFIDENCE) -> str:
    """``0 <what>s in n = 299 bound the <what> rate below 1.0% at 95% confidence``."""
    bound = failure_bound(n, confidence)
    percent = math.ceil(bound * 1000) / 10
    return (
        f"0 {what}s in n = {n} bound the {what} rate below {percent:.1f}% "
        f"at {confidence:.0%} confidence"
    )
