"""The clinical QA rubric: versioned data (``data/rubric-v1.yaml``, or a release's own file)
that says which review an item gets, what its criteria and weights are, and when it passes."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mhds.errors import ConfigError
from mhds.records.codec import canonical_json

SCALE_MIN: Final = 0
SCALE_MAX: Final = 10
DEFAULT_PASS_SCORE = 7.0
WEIGHT_TOLERANCE = 1e-6
# Weighted scores are rounded to this many places before the pass rule compares them, so that
# float sums such as 6.9999999999 read as the 7.0 a reviewer would compute by hand.
WEIGHTED_PLACES = 4
DEFAULT_RUBRIC = "rubric-v1.yaml"
SNAKE_CASE = r"^[a-z][a-z0-9_]*$"


class Criterion(BaseModel):
    """One scored criterion of a review."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=SNAKE_CASE, description="Stable snake_case id, used in decisions.")
    label: str = Field(min_length=1, description="Name shown to the reviewer.")
    weight: float = Field(gt=0, le=1, description="Share of the weighted score (0 to 1].")
    threshold: float = Field(
        ge=SCALE_MIN, le=SCALE_MAX, description="Lowest passing score on this criterion."
    )
    guideline: str = Field(
        min_length=1, description="What a 9-10, a 5-6 and a 0-3 look like; read beside the form."
    )


@dataclass(frozen=True)
class Judgement:
    """The pass rule applied to one item's scores.

    Attributes:
        weighted: sum of weight * score, rounded to ``WEIGHTED_PLACES`` places.
        below_threshold: keys of the criteria scored under their threshold, in rubric order.
        weighted_ok: whether ``weighted`` is at or above the review's pass score.
    """

    weighted: float
    below_threshold: tuple[str, ...]
    weighted_ok: bool

    @property
    def passed(self) -> bool:
        """Every criterion at or above its threshold and the weighted score high enough."""
        return self.weighted_ok and not self.below_threshold

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "weighted": self.weighted,
            "passed": self.passed,
            "below_threshold": list(self.below_threshold),
            "weighted_ok": self.weighted_ok,
        }


class Review(BaseModel):
    """A set of weighted criteria and the score an item needs to pass them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, description="Name shown to the reviewer.")
    pass_score: float = Field(
        default=DEFAULT_PASS_SCORE,
        ge=SCALE_MIN,
        le=SCALE_MAX,
        description="Lowest passing weighted score.",
    )
    criteria: tuple[Criterion, ...] = Field(
        min_length=1, description="Criteria in form order; their weights sum to 1."
    )

    @field_validator("criteria")
    @classmethod
    def _valid_criteria(cls, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        keys = [c.key for c in criteria]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"criterion keys repeated: {', '.join(repeated)}")
        total = math.fsum(c.weight for c in criteria)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise ValueError(f"weights sum to {total:.6g}, not 1")
        return criteria

    @property
    def keys(self) -> tuple[str, ...]:
        """The criterion keys, in form order."""
        return tuple(c.key for c in self.criteria)

    def judge(self, scores: Mapping[str, float]) -> Judgement:
        """Apply the pass rule to one item's scores (criterion key -> score).

        Raises:
            ValueError: a criterion missing, an unknown key, or a score that is not a finite
                number inside the scale; the message lists every one.
        """
        _check_scores(self.keys, scores)
        weighted = round(
            math.fsum(c.weight * scores[c.key] for c in self.criteria), WEIGHTED_PLACES
        )
        below = tuple(c.key for c in self.criteria if scores[c.key] < c.threshold)
        return Judgement(weighted, below, weighted >= self.pass_score)


class Rubric(BaseModel):
    """The whole rubric: its reviews, which review each family or stage gets, and the privacy
    question asked of every item."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, description="Rubric version, e.g. '1'.")
    scale_min: Literal[0] = Field(
        default=SCALE_MIN, description="Lowest score; the forms and decision log assume 0."
    )
    scale_max: Literal[10] = Field(
        default=SCALE_MAX, description="Highest score; the forms and decision log assume 10."
    )
    pii_question: str = Field(
        min_length=1, description="Asked of every item; answered yes/no plus the span quoted."
    )
    reviews: dict[str, Review] = Field(min_length=1, description="Review key -> review.")
    family_reviews: dict[str, str] = Field(
        default_factory=dict, description="Family name -> review key (checked first)."
    )
    stage_reviews: dict[str, str] = Field(
        default_factory=dict, description="Stage id -> review key (checked second)."
    )
    default_review: str = Field(description="Review key for items no mapping names.")

    @model_validator(mode="after")
    def _known_reviews(self) -> Rubric:
        valid = ", ".join(sorted(self.reviews))
        named = [("default_review", self.default_review)]
        named += [(f"family_reviews.{k}", v) for k, v in self.family_reviews.items()]
        named += [(f"stage_reviews.{k}", v) for k, v in self.stage_reviews.items()]
        problems = [
            f"{where}: unknown review {key!r}" for where, key in named if key not in self.reviews
        ]
        if problems:
            raise ValueError(f"{'; '.join(problems)} (valid: {valid})")
        return self

    def review_key_for(self, family: str, stage: str | None = None) -> str:
        """The key of the review an item gets: by its family, else its stage, else the
        default."""
        if family in self.family_reviews:
            return self.family_reviews[family]
        if stage is not None and stage in self.stage_reviews:
            return self.stage_reviews[stage]
        return self.default_review

    def review_for(self, family: str, stage: str | None = None) -> Review:
        """The review an item gets (see ``review_key_for``)."""
        return self.reviews[self.review_key_for(family, stage)]

    def digest(self) -> str:
        """``sha256:<hex>`` of the canonical JSON of the whole rubric, so that a decision can
        name the exact rubric it was made under."""
        data = self.model_dump(mode="json")
        return "sha256:" + hashlib.sha256(canonical_json(data)).hexdigest()


def load_rubric(path: Path | None = None) -> Rubric:
    """Read a rubric YAML, or the packaged ``rubric-v1.yaml`` when ``path`` is None.

    Raises:
        ConfigError: unreadable YAML or invalid fields, naming the file and field path.
    """
    data, source = read_rubric_source(path)
    return rubric_from_bytes(data, source=source)


def read_rubric_source(path: Path | None) -> tuple[bytes, str]:
    """The bytes of the rubric at ``path`` (the packaged one for None) and how errors name it.

    Raises:
        ConfigError: the file cannot be read.
    """
    if path is None:
        resource = files("mhds.qa").joinpath("data").joinpath(DEFAULT_RUBRIC)
        source = f"mhds/qa/data/{DEFAULT_RUBRIC}"
    else:
        resource, source = path, str(path)
    try:
        return resource.read_bytes(), source
    except OSError as exc:
        raise ConfigError(f"cannot read rubric: {type(exc).__name__}", source=source) from exc


def rubric_from_bytes(data: bytes, *, source: str) -> Rubric:
    """A rubric from the bytes of its YAML file; ``source`` names it in errors.

    Raises:
        ConfigError: not UTF-8, invalid YAML or invalid fields.
    """
    return parse_rubric(_decode(data, source), source=source)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read rubric: {type(exc).__name__}", source=source) from exc


def parse_rubric(text: str, *, source: str) -> Rubric:
    """A rubric from YAML already read; ``source`` names it in errors.

    Raises:
        ConfigError: invalid YAML or invalid fields, naming ``source`` and the field path.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot read rubric: {type(exc).__name__}", source=source) from exc
    try:
        return Rubric.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems = "; ".join(_where(e["loc"]) + e["msg"] for e in exc.errors())
        raise ConfigError(problems, source=source) from None


def _where(loc: tuple[int | str, ...]) -> str:
    return f"{'.'.join(str(p) for p in loc)}: " if loc else ""


def _check_scores(keys: tuple[str, ...], scores: Mapping[str, float]) -> None:
    problems: list[str] = []
    missing = [k for k in keys if k not in scores]
    unknown = sorted(k for k in scores if k not in keys)
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown: {', '.join(unknown)} (valid: {', '.join(keys)})")
    bad = [k for k in keys if k in scores and not _is_score(scores[k])]
    if bad:
        problems.append(f"not a finite score in [{SCALE_MIN}, {SCALE_MAX}]: {', '.join(bad)}")
    if problems:
        raise ValueError("scores " + "; ".join(problems))


def _is_score(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and SCALE_MIN <= value <= SCALE_MAX


def read_rubric_text(path: str | None) -> str | None:
    """The text of the rubric file at ``path`` (validated), or None for the packaged one:
    what a candidate pins at build time.

    Raises:
        ConfigError: unreadable or invalid (naming the file).
    """
    if path is None:
        return None
    data, source = read_rubric_source(Path(path))
    text = _decode(data, source)
    parse_rubric(text, source=source)
    return text


def load_rubric_text(text: str | None) -> Rubric:
    """The rubric a candidate pinned (its YAML text), or the packaged one for None."""
    if text is None:
        return load_rubric(None)
    return parse_rubric(text, source="the candidate's rubric")
