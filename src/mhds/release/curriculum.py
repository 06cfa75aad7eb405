"""The curriculum of a release: phases (registry stages, in order) -> families -> weights.

Rule (``weighting: train_records``): within a phase, a family's weight is its number of train
records divided by the phase's train records, so weights sum to 1 per phase. Families without
train records get no weight (a phase may be empty). Holdout families (``holdout: test_only``)
never appear in a phase; they are listed under ``holdout``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mhds.registry.schema import Registry
from mhds.release.manifest import SplitCount
from mhds.release.version import ReleaseError

WEIGHTING: Literal["train_records"] = "train_records"
_HEADER = (
    b"# mhds curriculum: phases in order; weight = the family's train records / the phase's\n"
    b"# train records (sums to 1 per phase). Holdout families are test-only and never trained.\n"
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CurriculumPhase(_Frozen):
    """One phase: a registry stage and the weights of its families."""

    id: str = Field(description="Stage id from the registry.")
    order: int = Field(description="Position in the curriculum, 1 first.")
    families: dict[str, float] = Field(
        description="Family -> weight (sums to 1; empty when the phase has no train records)."
    )


class Curriculum(_Frozen):
    """Phases in training order, plus the holdout families kept out of training."""

    schema_version: Literal[1] = Field(1, description="Curriculum schema version.")
    weighting: Literal["train_records"] = Field(WEIGHTING, description="How weights are set.")
    phases: tuple[CurriculumPhase, ...] = Field(description="Phases, in training order.")
    holdout: tuple[str, ...] = Field((), description="Test-only families, sorted.")

    def phase(self, phase_id: str) -> CurriculumPhase:
        """The phase called ``phase_id``.

        Raises:
            ReleaseError: no such phase (the message lists the known ones).
        """
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        known = ", ".join(p.id for p in self.phases) or "none"
        raise ReleaseError(f"unknown curriculum phase {phase_id!r} (known: {known})")


def build_curriculum(
    registry: Registry, counts: Mapping[str, Mapping[str, SplitCount | int]]
) -> Curriculum:
    """Build the curriculum from the registry's stages and the release's counts.

    Args:
        registry: gives stages (ordered by ``order``), each family's stage and holdouts.
        counts: family -> split -> records (a ``SplitCount`` or a plain int), as in the
            manifest; only ``train`` is used.

    Raises:
        ReleaseError: ``counts`` names a family the registry does not declare.
    """
    declared = {f.name for f in registry.families}
    unknown = sorted(set(counts) - declared)
    if unknown:
        raise ReleaseError(f"families not in the registry: {', '.join(unknown)}")
    holdout = tuple(sorted(f.name for f in registry.families if f.holdout == "test_only"))
    phases = []
    for stage in sorted(registry.stages, key=lambda s: (s.order, s.id)):
        train = {
            f.name: _records(counts.get(f.name, {}).get("train", 0))
            for f in registry.families
            if f.stage == stage.id and f.name not in holdout
        }
        total = sum(train.values())
        weights = {name: n / total for name, n in sorted(train.items()) if n > 0}
        phases.append(CurriculumPhase(id=stage.id, order=stage.order, families=weights))
    return Curriculum(phases=tuple(phases), holdout=holdout)


def curriculum_yaml(curriculum: Curriculum) -> bytes:
    """Deterministic YAML bytes (a comment header, sorted keys, phases in order)."""
    body = yaml.safe_dump(
        curriculum.model_dump(mode="json"),
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
    )
    return _HEADER + body.encode("utf-8")


def load_curriculum(data: bytes) -> Curriculum:
    """Parse curriculum YAML.

    Raises:
        ReleaseError: not YAML, or not a valid curriculum (names the bad fields).
    """
    try:
        return Curriculum.model_validate(yaml.safe_load(data))
    except yaml.YAMLError:
        raise ReleaseError("curriculum is not valid YAML") from None
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "<root>" for e in exc.errors())
        raise ReleaseError(f"invalid curriculum (fields: {fields[:200]})") from None


def _records(value: SplitCount | int) -> int:
    return value.records if isinstance(value, SplitCount) else int(value)
