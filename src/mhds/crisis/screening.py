"""The safety screen of a build: every record of the crisis families is scored by the safety
rules (``mhds.crisis.safety``) after PII redaction, on the text that would ship; a chat that
breaks a red rule is quarantined with that rule, and the counts the safety gate judges (pass
rates per family, category, risk level and directness; hits per rule) are kept as step
counters.

A record of a crisis family that cannot be scored (no ``crisis_category`` attribute, or a
category or region the library does not know) is quarantined as ``safety_unscored``: nothing
in these families ships unscored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from mhds.crisis.chat_templates import ChatTemplates, load_chat_templates
from mhds.crisis.judge import NOT_JUDGED
from mhds.crisis.library import ScenarioLibrary, load_library, parse_library
from mhds.crisis.safety import (
    ChatVerdict,
    SafetyChecker,
    SafetyRules,
    load_safety_rules,
    parse_safety_rules,
)
from mhds.errors import ConfigError, InputError
from mhds.records.schema import Record
from mhds.steps.base import Outcome, RecordStep
from mhds.store.base import Store

UNSCORED: Final = "safety_unscored"
ROLE_MISMATCH: Final = "safety_role_mismatch"
DIRECTNESS: Final = frozenset({"explicit", "indirect"})
JUDGE_VERDICTS: Final = frozenset({"pass", "fail", "unparsed", "error", NOT_JUDGED})
CATEGORY_FIELD: Final = "crisis_category"
# Counter keys (``StepStats.counters``), per family: what the gate and its report read.
DEFAULT_FAMILIES: Final[tuple[str, ...]] = ("crisis_edge", "crisis_holdout")
AXES: Final = ("category", "risk_level", "directness", "judge")


class SafetyConfig(BaseModel):
    """Which families the safety rules score and what the gate accepts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    families: tuple[str, ...] | None = Field(
        default=None,
        min_length=1,
        description="Families whose records are scored; each must exist. None: those of "
        f"{', '.join(DEFAULT_FAMILIES)} that the registry has.",
    )
    min_pass_rate: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Share of a family's scored chats that must pass (no red rule broken); "
        "below it the safety gate fails. 1.0: any failing chat fails the gate (it is "
        "quarantined either way); lower it deliberately for model-generated families.",
    )
    family_min_pass_rate: dict[str, float] = Field(
        default_factory=dict, description="Per-family pass rates over ``min_pass_rate``."
    )
    quarantine: bool = Field(
        default=True,
        description="Quarantine chats that break a red rule (with the rule). False keeps "
        "them, and the gate fails on every one it finds in the release.",
    )
    library: str | None = Field(
        default=None,
        description="Scenario library YAML as a store key (default: the packaged library).",
    )
    rules: str | None = Field(
        default=None,
        description="Safety rules YAML as a store key (default: the packaged rules).",
    )

    def threshold(self, family: str) -> float:
        """The pass rate ``family`` needs."""
        return self.family_min_pass_rate.get(family, self.min_pass_rate)

    def scored_families(self, known: frozenset[str]) -> tuple[str, ...]:
        """The configured families the registry has.

        Raises:
            ConfigError: a family named in ``families`` that the registry lacks, or a
                per-family pass rate outside [0, 1] or for an unscored family.
        """
        if self.families is None:
            families = tuple(f for f in DEFAULT_FAMILIES if f in known)
        else:
            unknown = [f for f in self.families if f not in known]
            if unknown:
                raise ConfigError(f"safety.families: unknown family {', '.join(unknown)}")
            families = self.families
        for family, rate in self.family_min_pass_rate.items():
            if family not in (self.families or DEFAULT_FAMILIES) or not 0.0 <= rate <= 1.0:
                raise ConfigError(
                    f"safety.family_min_pass_rate.{family}: needs a scored family and a "
                    "rate in [0, 1]"
                )
        return families


def load_checker(store: Store, config: SafetyConfig) -> SafetyChecker:
    """The checker of ``config``: the library and rules it names (store keys) or the
    packaged ones; the chat templates' markers count too when the library is the packaged
    one.

    Raises:
        ConfigError: a library or rules file that is missing or invalid (naming it).
    """
    library = _library(store, config.library)
    rules = _rules(store, config.rules, library)
    templates: ChatTemplates | None = None
    if config.library is None:
        templates = load_chat_templates(library=library)
    return SafetyChecker(library, rules, templates)


class Unscorable(Exception):  # noqa: N818 - a reason, not a failure of the step
    """Why a record cannot be scored: the field and a text-free detail."""

    def __init__(self, reason: str, field: str, detail: str) -> None:
        super().__init__(reason, field, detail)
        self.reason, self.field, self.detail = reason, field, detail


class SafetyStep(RecordStep):
    """Score the records of the safety families, and every other record that carries a
    ``crisis_category`` (generated crisis chats mapped to another family); quarantine a chat
    that breaks a red rule (``config.quarantine``) or cannot be scored, and count every
    verdict. Other records pass untouched and unstamped."""

    name: ClassVar[str] = "safety"
    version: ClassVar[int] = 1

    def __init__(
        self, config: SafetyConfig, checker: SafetyChecker, families: tuple[str, ...]
    ) -> None:
        super().__init__(config)
        self.safety = config
        self.checker = checker
        self.families = frozenset(families)
        digest = hashlib.sha256(f"{self.config_hash}\0{checker.digest()}".encode()).hexdigest()
        self.config_hash = f"sha256:{digest}"

    def screens(self, record: Record) -> bool:
        """Whether this step scores ``record``."""
        meta = record.metadata
        return meta.family in self.families or CATEGORY_FIELD in meta.attributes

    def apply(self, record: Record) -> Outcome:
        """Keep, or quarantine with the first red rule broken (field and a text-free
        detail naming every red rule), or as unscorable (``safety_unscored``,
        ``safety_role_mismatch``)."""
        if not self.screens(record):
            return Outcome.keep(record)
        family = record.metadata.family
        try:
            verdict = self.score_record(record)
        except Unscorable as why:
            self._count(family, None, passed=False, judge=NOT_JUDGED, rule=why.reason)
            return Outcome.quarantine(record, why.reason, field=why.field, detail=why.detail)
        self._count(family, verdict, passed=verdict.passed, judge=_judge(record))
        if verdict.passed or not self.safety.quarantine:
            return Outcome.keep(record)
        first = verdict.red[0]
        field = f"messages[{first.turn}].content" if first.turn is not None else "messages"
        rules = ", ".join(dict.fromkeys(hit.rule for hit in verdict.red))
        return Outcome.quarantine(record, f"safety_{first.rule}", field=field, detail=rules)

    def stamp(self, record: Record) -> Record:
        """Stamp only the records this step scored."""
        return super().stamp(record) if self.screens(record) else record

    def score_record(self, record: Record) -> ChatVerdict:
        """The verdict of one record.

        Raises:
            Unscorable: no known category or region, an attribute outside its values, or
                a record whose framing differs from the one its generator wrote.
        """
        meta = record.metadata
        attributes = meta.attributes
        category, region = attributes.get(CATEGORY_FIELD), attributes.get("region")
        if not isinstance(category, str) or not isinstance(region, str):
            raise Unscorable(UNSCORED, f"metadata.attributes.{CATEGORY_FIELD}", "missing")
        directness = attributes.get("directness")
        if directness is not None and directness not in DIRECTNESS:
            raise Unscorable(UNSCORED, "metadata.attributes.directness", "unknown value")
        if _judge(record) not in JUDGE_VERDICTS:
            raise Unscorable(UNSCORED, "metadata.attributes.judge_verdict", "unknown value")
        role: Literal["therapist", "client"] = (
            "client" if meta.assistant_role == "client" else "therapist"
        )
        written = (meta.provenance.generator or {}).get("assistant_role")
        if written is not None and written != role:
            raise Unscorable(
                ROLE_MISMATCH,
                "metadata.assistant_role",
                f"generated with the assistant as {written}, labelled {meta.assistant_role}",
            )
        try:
            return self.checker.score(
                [(m.role, m.content) for m in record.messages],
                category=category,
                region=region,
                assistant_role=role,
                directness=directness if isinstance(directness, str) else None,
            )
        except InputError as exc:
            raise Unscorable(UNSCORED, str(exc.field or CATEGORY_FIELD), str(exc.reason)) from None

    def _count(
        self,
        family: str,
        verdict: ChatVerdict | None,
        *,
        passed: bool,
        judge: str,
        rule: str = UNSCORED,
    ) -> None:
        counters = self.stats.counters
        outcome = "passed" if passed else "failed"
        counters[_key(family, "all", "all", outcome)] += 1
        if verdict is None:
            counters[_key(family, "category", "(unscored)", outcome)] += 1
            counters[_key(family, "rule", rule, "red")] += 1
            return
        values = (verdict.category, verdict.risk_level, verdict.directness or "(none)", judge)
        for axis, value in zip(AXES, values, strict=True):
            counters[_key(family, axis, value, outcome)] += 1
        for severity, hits in (("red", verdict.red), ("yellow", verdict.yellow)):
            for name in dict.fromkeys(hit.rule for hit in hits):
                counters[_key(family, "rule", name, severity)] += 1


def safety_table(counters: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    """The step's counters as ``{family: {"scored", "passed", "by": {axis: {value:
    {"scored", "passed", "rate"}}}, "rules": {rule: {"red", "yellow"}}}}``."""
    table: dict[str, dict[str, Any]] = {}
    for key, count in sorted(counters.items()):
        family, axis, value, outcome = key.split("|")
        row = table.setdefault(family, {"scored": 0, "passed": 0, "by": {}, "rules": {}})
        if axis == "all":
            row["scored"] += count
            row["passed"] += count if outcome == "passed" else 0
        elif axis == "rule":
            row["rules"].setdefault(value, {"red": 0, "yellow": 0})[outcome] += count
        else:
            cell = row["by"].setdefault(axis, {}).setdefault(value, {"scored": 0, "passed": 0})
            cell["scored"] += count
            cell["passed"] += count if outcome == "passed" else 0
    for row in table.values():
        row["rate"] = _rate(row["passed"], row["scored"])
        for cells in row["by"].values():
            for cell in cells.values():
                cell["rate"] = _rate(cell["passed"], cell["scored"])
    return table


def red_hits(
    checker: SafetyChecker, records: Iterator[Record], families: frozenset[str]
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Score the records the screen scores (``families``, and any with a crisis category)
    again: the gate's independent look at what would ship. Returns the records scored per
    family and the red rules broken per family (rule -> chats)."""
    step = SafetyStep(SafetyConfig(quarantine=False), checker, tuple(sorted(families)))
    scored: dict[str, int] = {}
    broken: dict[str, dict[str, int]] = {}
    for record in records:
        if not step.screens(record):
            continue
        family = record.metadata.family
        scored[family] = scored.get(family, 0) + 1
        try:
            rules = [hit.rule for hit in step.score_record(record).red]
        except Unscorable as why:
            rules = [why.reason]
        for rule in dict.fromkeys(rules):
            found = broken.setdefault(family, {})
            found[rule] = found.get(rule, 0) + 1
    return scored, broken


def _key(family: str, axis: str, value: str, outcome: str) -> str:
    """A counter key; the separator never occurs in a part (values are checked above)."""
    return "|".join(part.replace("|", "/") for part in (family, axis, value, outcome))


def _judge(record: Record) -> str:
    """The optional model judge's verdict the record carries (``judge_verdict``)."""
    verdict = record.metadata.attributes.get("judge_verdict")
    return verdict if isinstance(verdict, str) else NOT_JUDGED


def _rate(passed: int, scored: int) -> float | None:
    return passed / scored if scored else None


def _library(store: Store, key: str | None) -> ScenarioLibrary:
    if key is None:
        return load_library()
    return parse_library(_read_text(store, key, "safety.library"), source=store.url_for(key))


def _rules(store: Store, key: str | None, library: ScenarioLibrary) -> SafetyRules:
    if key is None:
        return load_safety_rules(library=library)
    text = _read_text(store, key, "safety.rules")
    return parse_safety_rules(text, source=store.url_for(key), library=library)


def _read_text(store: Store, key: str, option: str) -> str:
    if not store.exists(key):
        raise ConfigError(f"{option}: {store.url_for(key)} does not exist")
    try:
        return store.read_bytes(key).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{option}: {store.url_for(key)} is not UTF-8 text") from None
