"""The QA sample: which records clinicians review, and who reviews each.

Deterministic: the same records, digest and settings always give the same sample and the same
assignment, wherever the store sits. Records are grouped into strata (family x split, plus the
values of the configured attributes, such as a crisis category or a persona, where a record
carries them); each stratum's records are ranked by sha256(seed, id) with the seed taken from
the content digest, and the first ``per_stratum`` are drawn (a smaller stratum whole). Records
of identity groups the bias report flagged are drawn again into ``bias:<group>`` strata,
reviewed with the bias rubric. Items are assigned to ``overlap`` reviewers by cycling through
every combination of that many reviewers in a fixed order, so that each reviewer gets the same
number of items (within one cycle's remainder) and every pair of reviewers meets, which is what
agreement statistics need.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mhds.errors import ConfigError
from mhds.qa.config import QAConfig, bound_statement, failure_bound

BIAS_STRATUM = "bias:"


@dataclass(frozen=True)
class SampleUnit:
    """What sampling knows of one record: its id, family, split, the values of the
    stratifying attributes it carries, and the identity groups it mentions."""

    id: str
    family: str
    split: str
    strata_values: tuple[tuple[str, str], ...] = ()
    groups: frozenset[str] = frozenset()

    @property
    def stratum(self) -> str:
        """``family/split`` then ``/<attribute>=<value>`` per stratifying attribute."""
        extra = "".join(f"/{name}={value}" for name, value in self.strata_values)
        return f"{self.family}/{self.split}{extra}"


@dataclass(frozen=True)
class SampleItem:
    """One item to review: a record, its stratum, the review (rubric) it takes, and the
    reviewers it is assigned to."""

    item_id: str
    record_id: str
    family: str
    split: str
    stratum: str
    review: str
    reviewers: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (one line of ``items.jsonl``)."""
        return {
            "item_id": self.item_id,
            "record_id": self.record_id,
            "family": self.family,
            "split": self.split,
            "stratum": self.stratum,
            "review": self.review,
            "reviewers": list(self.reviewers),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SampleItem:
        """Inverse of ``to_dict``."""
        return cls(
            str(data["item_id"]),
            str(data["record_id"]),
            str(data["family"]),
            str(data["split"]),
            str(data["stratum"]),
            str(data["review"]),
            tuple(str(r) for r in data["reviewers"]),
        )


@dataclass(frozen=True)
class Sample:
    """The drawn items, in review order, with each stratum's size and statement."""

    seed: str
    items: tuple[SampleItem, ...]
    strata: dict[str, dict[str, Any]] = field(default_factory=dict)

    def plan(self) -> dict[str, Any]:
        """The sampling part of the QA plan: method, seed, per-stratum sizes and what each
        size supports."""
        drawn = len({item.record_id for item in self.items})
        return {
            "method": "stratified random sample without replacement; within each stratum "
            "records ranked by sha256(seed + id)",
            "seed": self.seed,
            "strata": self.strata,
            "items": len(self.items),
            "records": drawn,
            "statement": bound_statement(drawn),
            "bound": round(failure_bound(drawn), 6),
        }


def rank(seed: str, record_id: str) -> str:
    """A record's place in its stratum's draw order."""
    return hashlib.sha256(f"{seed}\0{record_id}".encode()).hexdigest()


def draw_sample(
    units: Iterable[SampleUnit],
    config: QAConfig,
    *,
    seed: str,
    reviewers: Sequence[str],
    review_for: Mapping[str, str],
    flagged_groups: Iterable[str] = (),
    bias_review: str = "bias",
) -> Sample:
    """Draw the sample and assign reviewers (see the module docstring).

    Args:
        units: the records to draw from.
        config: sizes and overlap.
        seed: the content digest of what is reviewed (or anything stable naming it).
        reviewers: who may be assigned (sorted here; at least ``config.overlap``).
        review_for: family -> review key of the rubric.
        flagged_groups: identity groups whose conversations the bias review must see.
        bias_review: the review key those items take.

    Raises:
        ConfigError: fewer reviewers than the overlap, or a family with no review.
    """
    people = sorted(set(reviewers))
    if len(people) < config.overlap:
        raise ConfigError(
            f"{len(people)} reviewer(s) ({', '.join(people) or 'none'}) for an overlap of "
            f"{config.overlap}: add reviewers with `mhds qa reviewer add NAME`"
        )
    strata: dict[str, list[SampleUnit]] = {}
    by_group: dict[str, list[SampleUnit]] = {}
    flagged = set(flagged_groups)
    for unit in units:
        strata.setdefault(unit.stratum, []).append(unit)
        for group in sorted(unit.groups & flagged):
            by_group.setdefault(group, []).append(unit)
    chosen: list[tuple[str, SampleUnit, str]] = []
    sizes: dict[str, dict[str, Any]] = {}
    for stratum in sorted(strata):
        members = strata[stratum]
        family = members[0].family
        if family not in review_for:
            raise ConfigError(f"no review for family {family!r} in the rubric")
        drawn = _draw(members, config.per_stratum, seed)
        sizes[stratum] = _stratum_facts(len(members), len(drawn))
        chosen.extend((stratum, unit, review_for[family]) for unit in drawn)
    for group in sorted(by_group):
        stratum = f"{BIAS_STRATUM}{group}"
        drawn = _draw(by_group[group], config.per_bias_group, seed)
        sizes[stratum] = _stratum_facts(len(by_group[group]), len(drawn))
        chosen.extend((stratum, unit, bias_review) for unit in drawn)
    teams = itertools.cycle(itertools.combinations(people, config.overlap))
    items = tuple(
        SampleItem(
            item_id=_item_id(stratum, unit.id),
            record_id=unit.id,
            family=unit.family,
            split=unit.split,
            stratum=stratum,
            review=review,
            reviewers=next(teams),
        )
        for stratum, unit, review in chosen
    )
    return Sample(seed, items, sizes)


def _draw(members: list[SampleUnit], size: int, seed: str) -> list[SampleUnit]:
    ranked = sorted(members, key=lambda unit: (rank(seed, unit.id), unit.id))
    return ranked[:size]


def _stratum_facts(population: int, drawn: int) -> dict[str, Any]:
    return {
        "population": population,
        "drawn": drawn,
        "whole": drawn == population,
        "statement": bound_statement(drawn) if drawn else "nothing to review",
    }


def _item_id(stratum: str, record_id: str) -> str:
    """A short, stable item id: the same record drawn into a bias stratum is another item."""
    digest = hashlib.sha256(f"{stratum}\0{record_id}".encode()).hexdigest()
    return f"item-{digest[:16]}"
