"""The registry: dataset families, their stages, and the sources that feed them.

Families and stages come from the registry, never from code. Sources point at store keys
(exact keys or prefixes ending in ``/``), never at local paths. Mapping an object to a source
is explicit: an object belongs to a source when its key equals one of the source's keys or
starts with one of its prefixes; nothing is guessed from substrings.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mhds.records.adapters.base import AdapterOptions
from mhds.records.schema import AssistantRole
from mhds.store.lease import LOCKS_PREFIX

Approval = Literal["approved", "pending", "rejected"]
Holdout = Literal["none", "test_only"]
SourceFormat = Literal["auto", "jsonl", "json", "csv", "tsv", "text"]

# The file ingest writes beside each source's processed shards (read by inventory).
INGEST_MANIFEST_NAME = "_manifest.json"


class FrozenModel(BaseModel):
    """Base of every registry, inventory and coverage model: immutable, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Range(FrozenModel):
    """An inclusive numeric range."""

    min: int = Field(default=0, ge=0, description="Smallest expected value.")
    max: int | None = Field(
        default=None, ge=0, description="Largest expected value (none: unbounded)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self


class Stage(FrozenModel):
    """A curriculum stage (``stage1_foundation`` ...)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Stable stage id.")
    description: str = Field("", description="What the stage teaches.")
    order: int = Field(description="Position in the curriculum, 1 first.")


class SplitRatios(FrozenModel):
    """Train/val/test fractions; they must add up to 1."""

    train: float = Field(default=0.9, ge=0, le=1)
    val: float = Field(default=0.05, ge=0, le=1)
    test: float = Field(default=0.05, ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> SplitRatios:
        if abs(self.train + self.val + self.test - 1.0) > 1e-9:
            raise ValueError("train + val + test must equal 1")
        return self


class Family(FrozenModel):
    """A dataset family: what it is, where it sits in the curriculum, what to expect of it."""

    name: str = Field(pattern=r"^[a-z0-9_]+$", description="Stable family name.")
    description: str = Field("", description="What the family holds.")
    stage: str = Field(description="Stage id the family belongs to.")
    required: bool = Field(False, description="Whether a release needs this family present.")
    min_records: int = Field(0, ge=0, description="Records needed to count as present.")
    assistant_role: AssistantRole = Field(
        "therapist", description="Which side the model learns to play."
    )
    holdout: Holdout = Field("none", description="test_only: every record goes to test.")
    priority: int = Field(
        100,
        ge=-1_000_000,
        le=1_000_000,
        description="Keep priority in de-duplication: lower wins (used by the dedup step); "
        "a test-only family's record is kept over any other family's.",
    )
    splits: SplitRatios = Field(default_factory=SplitRatios, description="Split ratios.")
    expected_turns: Range = Field(default_factory=Range, description="Messages per conversation.")
    expected_tokens: Range = Field(default_factory=Range, description="Tokens per conversation.")
    consent_required: bool = Field(
        False,
        description="Records of this family carry a real person's voice (lecture transcripts "
        "and what is built from them): every source feeding it needs a `consent` reference, "
        "or its records are denied (provenance reason missing_consent).",
    )


class Generator(FrozenModel):
    """How a synthetic source was generated."""

    name: str = Field(min_length=1, description="Generator name and version.")
    parameters: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="Parameters that determine the output (seed ...)."
    )


class Source(FrozenModel):
    """One acquired dataset, its location(s) in the store and how to read it."""

    id: str = Field(pattern=r"^[a-z0-9_\-]+$", description="Stable source id.")
    family: str = Field(description="Family the records go to.")
    description: str = Field("", description="What the source is and where it came from.")
    keys: tuple[str, ...] = Field((), description="Exact object keys of this source.")
    prefixes: tuple[str, ...] = Field(
        (),
        description="Key prefixes (ending in '/') whose objects belong to this source. The "
        "first location that holds objects is canonical; others are mirrors (another tier).",
    )
    format: SourceFormat = Field("auto", description="Container format; auto = from suffix.")
    adapter: str = Field(description="Adapter name (chatml, sharegpt, counselchat ...).")
    adapter_options: dict[str, object] = Field(
        default_factory=dict, description="Options for the adapter (see AdapterOptions)."
    )
    items_path: str | None = Field(
        None, description="JSON only: ijson path of the array of items (e.g. data.item)."
    )
    license: str = Field(description="Licence tag (SPDX id or a short name).")
    approval: Approval = Field("pending", description="Licence/ethics approval status.")
    assistant_role: AssistantRole | None = Field(
        None, description="Override of the family's assistant_role for this source."
    )
    generator: Generator | None = Field(
        default=None,
        description="For synthetic sources: the generator and its parameters, stamped into "
        "every record's provenance (synthetic records without one are blocked).",
    )
    consent: str | None = Field(
        default=None,
        description="Reference to the speaker's signed consent or to the licence that allows "
        "using a real person's voice (a document id or URL). Required by families with "
        "consent_required; a blank reference is an error.",
    )

    @field_validator("license")
    @classmethod
    def _license_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(
                "licence is empty: give the source's licence as an SPDX id (CC-BY-4.0, MIT) "
                "or a short name (internal-synthetic)"
            )
        return value

    @field_validator("consent")
    @classmethod
    def _consent_given(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(
                "consent is blank: give the reference of the speaker's consent or of the "
                "licence (a document id or URL), or remove the field"
            )
        return value

    @field_validator("keys")
    @classmethod
    def _relative_keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        for key in keys:
            if key.startswith("/") or key.endswith("/") or "://" in key:
                raise ValueError(f"key {key!r} must be a relative object key inside the store")
        return keys

    @field_validator("prefixes")
    @classmethod
    def _relative_prefixes(cls, prefixes: tuple[str, ...]) -> tuple[str, ...]:
        for prefix in prefixes:
            if prefix.startswith("/") or not prefix.endswith("/") or "://" in prefix:
                raise ValueError(
                    f"prefix {prefix!r} must be relative and end with '/' (no substring matches)"
                )
        return prefixes

    @model_validator(mode="after")
    def _has_location(self) -> Source:
        if not self.keys and not self.prefixes:
            raise ValueError("a source needs at least one of keys or prefixes")
        return self

    def locations(self) -> tuple[str, ...]:
        """Keys and prefixes, in declared order (keys first)."""
        return self.keys + self.prefixes

    def matches(self, key: str) -> str | None:
        """The location that ``key`` falls under, or None."""
        for location in self.locations():
            if key == location or (location.endswith("/") and key.startswith(location)):
                return location
        return None


class Layout(FrozenModel):
    """Where mhds writes in the store (relative prefixes)."""

    raw: str = Field(default="raw/", description="Sources as acquired, never modified.")
    processed: str = Field(default="processed/", description="Canonical records, per family.")
    inventory: str = Field(default="inventory/", description="Inventory runs, versioned.")
    releases: str = Field(default="releases/", description="Immutable releases.")
    quarantine: str = Field(default="quarantine/", description="Rejected records with reasons.")
    audit: str = Field(default="audit/", description="Hash-chained audit logs, one per build.")
    work: str = Field(
        default="work/", description="Build intermediates (stage shards, dedup phases, markers)."
    )
    builds: str = Field(
        default="builds/",
        description="Candidates waiting for sign-off, and reports of builds that did not publish.",
    )
    qa: str = Field(
        default="qa/", description="QA runs: plan, sample, write-once decisions, sign-off."
    )

    def ingest_manifest_key(self, family: str, source_id: str) -> str:
        """Where ingest keeps the manifest of one source's processed shards."""
        return f"{self.processed}{family}/{source_id}/{INGEST_MANIFEST_NAME}"

    def own_prefixes(self) -> tuple[str, ...]:
        """Prefixes mhds writes to (never reported as unmapped)."""
        return (
            self.processed,
            self.inventory,
            self.releases,
            self.quarantine,
            self.audit,
            self.work,
            self.builds,
            self.qa,
            LOCKS_PREFIX,
        )


class Registry(FrozenModel):
    """The whole registry file."""

    version: Literal[1] = Field(1, description="Registry schema version.")
    layout: Layout = Field(default_factory=Layout, description="Store layout.")
    stages: tuple[Stage, ...] = Field(description="Curriculum stages.")
    families: tuple[Family, ...] = Field(description="Dataset families.")
    sources: tuple[Source, ...] = Field((), description="Acquired sources.")
    ignore_prefixes: tuple[str, ...] = Field(
        (), description="Prefixes to leave out of inventory entirely (scratch areas, logs)."
    )
    allowed_licenses: tuple[str, ...] | None = Field(
        None,
        description="Licences a source may carry (exact tags: CC-BY-4.0, MIT, "
        "internal-synthetic ...). A source with any other licence fails validation. "
        "Unset: every non-empty licence is accepted.",
    )

    @field_validator("allowed_licenses")
    @classmethod
    def _some_licence_allowed(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and not value:
            raise ValueError(
                "an empty list allows no source: list the allowed licences, or remove "
                "allowed_licenses to accept every non-empty licence"
            )
        return value

    @model_validator(mode="after")
    def _references(self) -> Registry:
        # Every problem names its field path (families[2].stage) so a loader can report all.
        problems = _duplicates("stages", "id", [s.id for s in self.stages])
        problems += _duplicates("families", "name", [f.name for f in self.families])
        problems += _duplicates("sources", "id", [s.id for s in self.sources])
        stage_ids = [s.id for s in self.stages]
        family_names = [f.name for f in self.families]
        for i, family in enumerate(self.families):
            if family.stage not in stage_ids:
                problems.append(
                    f"families[{i}].stage: unknown stage {family.stage!r} "
                    f"(known: {', '.join(stage_ids)})"
                )
        problems += self._licence_problems()
        for i, source in enumerate(self.sources):
            if source.family not in family_names:
                problems.append(
                    f"sources[{i}].family: unknown family {source.family!r} "
                    f"(known: {', '.join(family_names)})"
                )
            try:
                AdapterOptions.model_validate(source.adapter_options)
            except ValidationError as exc:
                problems += [
                    f"sources[{i}].adapter_options{_dotted(err['loc'])}: {err['msg']}"
                    for err in exc.errors()
                ]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _licence_problems(self) -> list[str]:
        """Entries of ``allowed_licenses`` are non-empty and unique; sources use one of them."""
        if self.allowed_licenses is None:
            return []
        problems = []
        for i, tag in enumerate(self.allowed_licenses):
            if not tag.strip():
                problems.append(f"allowed_licenses[{i}]: empty licence")
            elif tag in self.allowed_licenses[:i]:
                first = self.allowed_licenses.index(tag)
                problems.append(
                    f"allowed_licenses[{i}]: duplicate {tag!r} (also allowed_licenses[{first}])"
                )
        allowed = ", ".join(self.allowed_licenses)
        problems += [
            f"sources[{i}].license: {source.license!r} is not an allowed licence "
            f"(allowed_licenses: {allowed})"
            for i, source in enumerate(self.sources)
            if source.license not in self.allowed_licenses
        ]
        return problems

    def family(self, name: str) -> Family:
        """The family called ``name`` (KeyError when unknown)."""
        for family in self.families:
            if family.name == name:
                return family
        raise KeyError(name)

    def source(self, source_id: str) -> Source:
        """The source with id ``source_id`` (KeyError when unknown)."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)

    def adapter_options(self, source: Source) -> AdapterOptions:
        """The source's adapter options with assistant_role filled from source or family."""
        role = source.assistant_role or self.family(source.family).assistant_role
        return AdapterOptions.model_validate({"assistant_role": role, **source.adapter_options})


def _duplicates(section: str, field: str, names: list[str]) -> list[str]:
    first: dict[str, int] = {}
    problems = []
    for i, name in enumerate(names):
        if name in first:
            also = f"{section}[{first[name]}]"
            problems.append(f"{section}[{i}].{field}: duplicate {field} {name!r} (also {also})")
        else:
            first[name] = i
    return problems


def _dotted(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
