"""BuildConfig: everything that can change a release, in one typed, hashed object."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mhds.crisis.screening import SafetyConfig
from mhds.errors import ConfigError
from mhds.gates.base import Failure, Waiver
from mhds.gates.bias import BiasGateConfig
from mhds.gates.distribution import DistributionConfig
from mhds.ingest.config import IngestConfig
from mhds.persona.style import StyleConfig
from mhds.qa.config import QAConfig
from mhds.records.codec import canonical_json
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.pii.config import PIIConfig
from mhds.steps.split import SplitConfig


class BuildConfig(BaseModel):
    """The release config: per-stage configs, waivers and the previous release."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ingest: IngestConfig = Field(default_factory=IngestConfig, description="Ingest settings.")
    pii: PIIConfig = Field(default_factory=PIIConfig, description="PII detection/redaction.")
    dedup: DedupConfig = Field(default_factory=DedupConfig, description="Duplicate detection.")
    split: SplitConfig = Field(default_factory=SplitConfig, description="Split assignment.")
    distribution: DistributionConfig = Field(
        default_factory=DistributionConfig, description="Distribution gate thresholds."
    )
    bias: BiasGateConfig = Field(
        default_factory=BiasGateConfig, description="Bias gate thresholds (fail or warn)."
    )
    safety: SafetyConfig = Field(
        default_factory=SafetyConfig,
        description="Safety rules over the crisis families (screen and gate).",
    )
    style: StyleConfig = Field(
        default_factory=StyleConfig,
        description="Style distance of the persona families from their profiles (style gate).",
    )
    waivers: tuple[Waiver, ...] = Field(
        default=(), description="Recorded decisions to publish despite a failed gate."
    )
    previous_release: str | None = Field(
        default=None,
        description="Version to compare against (leakage, drift); default: the latest one.",
    )
    keep_duplicates_together: bool = Field(
        default=True,
        description="After de-duplication, search the surviving records again (exact and "
        "near, whatever the dedup switches) and put every pair found into one split. The "
        "first search bounds the pairs it tries in runs of mass-produced text, so removing "
        "duplicates can bring pairs it never tried within reach; the leakage gate's search "
        "over the compiled release is the same search over the same records, so with this "
        "on it finds no pair across splits.",
    )
    signoff: Literal["required", "not_required"] = Field(
        default="required",
        description="required: a build that passes its gates stops as a candidate "
        "(builds/<id>/) until clinicians have reviewed a sample and signed it off (`mhds qa`, "
        "then `mhds release publish BUILD_ID`); a waiver of the signoff gate publishes at once "
        "and is recorded. not_required: no clinical review (the manifest says so).",
    )
    qa: QAConfig = Field(
        default_factory=QAConfig, description="Clinical review: sample, overlap, pass rates."
    )
    max_shard_records: int = Field(
        default=100_000, ge=1, description="Records per release shard at most."
    )
    max_shard_bytes: int = Field(
        default=64 << 20, ge=1 << 16, description="Compressed bytes per release shard at most."
    )

    def output_hash(self) -> str:
        """Hash of what changes output (waivers, the previous release and the sign-off
        settings excluded: they change whether and when a release publishes, not what a
        build makes; a manifest records its sign-off in ``qa``)."""
        data = self.model_dump(
            mode="json", exclude={"waivers", "previous_release", "signoff", "qa"}
        )
        return "sha256:" + hashlib.sha256(canonical_json(data)).hexdigest()

    def stops_at_candidate(self) -> bool:
        """Whether a build stops as a candidate: sign-off required and no waiver covers its
        absence."""
        missing = Failure("missing")
        return self.signoff == "required" and not any(
            w.gate == "signoff" and w.covers(missing) for w in self.waivers
        )


def load_build_config(path: Path | None) -> BuildConfig:
    """Read a release config YAML (or defaults when ``path`` is None).

    Raises:
        ConfigError: unreadable YAML or invalid fields, naming the file and field path.
    """
    if path is None:
        return BuildConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"cannot read build config: {type(exc).__name__}", source=str(path)
        ) from exc
    try:
        return BuildConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(problems, source=str(path)) from None
