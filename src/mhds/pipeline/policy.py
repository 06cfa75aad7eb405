"""The release's PII gate: every record that would ship was cleared by the PII step under
the release policy, and nothing outside its messages carries an identifier.

``PIIGate`` trusts each record's ``pii_status``, which the PII step sets by its own config: a
config that leaves out a category, a kind of field or the residual scan marks records with
phone numbers ``none_detected`` when it does not look for phones. So the build judges the
config in force too: a narrower one fails the gate (fail closed; a recorded waiver can accept
it), and the records that would ship are scanned again for what it left out (strict patterns,
plus NER for names, places and dates), so the report says what would have escaped.

Whatever the config, every free-text part of a record that is not a message (string
attributes, the group id, the source key: ``mhds.steps.pii.fields``) is scanned here for
every category, because those parts never pass through the step's residual scan of messages
on their own: a finding fails the gate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from mhds.gates.base import Failure, GateStatus, Verdict
from mhds.gates.pii import PIIGate
from mhds.records.schema import Record
from mhds.steps.base import StepStats
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.fields import (
    FIELD_KINDS,
    MESSAGE_KINDS,
    METADATA_KINDS,
    FieldText,
    placeholder_holes,
    record_texts,
)
from mhds.steps.pii.spans import CATEGORIES, Category, Span

# Categories only the NER model finds (the strict patterns cover the rest).
NER_CATEGORIES = frozenset({Category.PERSON, Category.LOCATION, Category.DATE})
# Most record ids listed in the evidence; the counts are always complete.
MAX_LISTED = 100
# Records scanned per detector batch.
BATCH = 256


def policy_gaps(config: PIIConfig) -> list[str]:
    """How ``config`` falls short of the release policy (empty: it meets it)."""
    gaps = [f"category {c.value} not scanned" for c in omitted_categories(config)]
    gaps += [f"field {kind} not redacted" for kind in omitted_fields(config)]
    if not config.residual_scan:
        gaps.append("residual scan off")
    if config.ner_threshold > 0:
        gaps.append(f"NER threshold raised to {config.ner_threshold}")
    return gaps


def omitted_categories(config: PIIConfig) -> list[Category]:
    """The identifier categories ``config`` does not detect, in declaration order."""
    wanted = set(config.categories)
    return [c for c in CATEGORIES if c not in wanted]


def omitted_fields(config: PIIConfig) -> list[str]:
    """The kinds of record parts ``config`` does not redact, in declaration order."""
    wanted = set(config.fields)
    return [kind for kind in FIELD_KINDS if kind not in wanted]


class ReleasePIIGate(PIIGate):
    """``PIIGate`` plus the release policy and the scan of every non-message text part.

    Failures: ``unshippable`` (a record not cleared), ``policy`` (the config is narrower than
    the policy; the rescan's findings are its evidence) and ``metadata_identifiers`` (an
    identifier in an attribute, group id or source key), each per family where it has one.
    """

    name: ClassVar[str] = "pii"
    checks: ClassVar[tuple[str, ...]] = ("unshippable", "policy", "metadata_identifiers")

    def check(  # type: ignore[override]  # the PII config is required here
        self,
        records: Iterable[Record],
        stats: StepStats | None = None,
        *,
        config: PIIConfig,
    ) -> Verdict:
        """Judge the records that would ship, the PII step's stats and its config."""
        scan = _Scan(config)
        verdict = super().check(scan.watch(records), stats)
        if verdict.status == GateStatus.ERROR:
            return verdict
        failures = list(verdict.failures)
        evidence: dict[str, Any] = {**verdict.evidence, "metadata_scan": scan.metadata.evidence()}
        problems = [verdict.summary] if verdict.status == GateStatus.FAIL else []
        for family, count in sorted(scan.metadata.by_family.items()):
            kinds = ", ".join(sorted(scan.metadata.kinds_by_family[family]))
            detail = f"{count} identifiers in {kinds}"
            failures.append(Failure("metadata_identifiers", family, detail))
        if scan.metadata.records:
            problems.append(
                f"{scan.metadata.records} records carry identifiers outside their messages "
                f"({scan.metadata.summary()})"
            )
        gaps = policy_gaps(config)
        if gaps:
            rescan = scan.policy
            found = (
                f"; rescan found {rescan.records} records with {rescan.summary()}"
                if rescan is not None and rescan.records
                else ""
            )
            gap_text = f"PII config narrower than the release policy ({'; '.join(gaps)}){found}"
            failures.append(Failure("policy", None, gap_text))
            problems.insert(0, gap_text)
            evidence["policy"] = {
                "categories_not_scanned": [c.value for c in omitted_categories(config)],
                "fields_not_redacted": omitted_fields(config),
                "residual_scan": config.residual_scan,
                **({"rescan": rescan.evidence()} if rescan is not None else {}),
            }
        if not failures:
            scanned = scan.metadata.texts
            summary = f"{verdict.summary}; {scanned} non-message texts scanned, none identifying"
            return Verdict(self.name, GateStatus.PASS, summary, evidence)
        return Verdict(self.name, GateStatus.FAIL, "; ".join(problems), evidence, tuple(failures))


@dataclass
class _Findings:
    """Counts of what a scan found (never text), with the first record ids."""

    scanned: int = 0
    texts: int = 0
    records: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_field: Counter[str] = field(default_factory=Counter)
    by_family: Counter[str] = field(default_factory=Counter)
    kinds_by_family: dict[str, set[str]] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)

    def add(self, record: Record, texts: list[FieldText], found: list[list[Span]]) -> None:
        self.scanned += 1
        self.texts += len(texts)
        hits = [(text, span) for text, spans in zip(texts, found, strict=True) for span in spans]
        if not hits:
            return
        family = record.metadata.family
        self.records += 1
        self.by_category.update(span.category.value for _, span in hits)
        self.by_field.update(text.kind for text, _ in hits)
        self.by_family[family] += len(hits)
        self.kinds_by_family.setdefault(family, set()).update(text.kind for text, _ in hits)
        if len(self.ids) < MAX_LISTED:
            self.ids.append(record.metadata.id)

    def summary(self) -> str:
        return ", ".join(f"{n} {c}" for c, n in sorted(self.by_category.items()))

    def evidence(self) -> dict[str, Any]:
        return {
            "records_scanned": self.scanned,
            "texts_scanned": self.texts,
            "records_with_findings": self.records,
            "findings_by_category": dict(sorted(self.by_category.items())),
            "findings_by_field": dict(sorted(self.by_field.items())),
            "findings_by_family": dict(sorted(self.by_family.items())),
            "first_ids": self.ids,
        }


class _Scan:
    """Scans records in batches as they stream past the base gate: the non-message parts of
    every record for every category, and, when the config is narrower than the policy, what
    it left out (the omitted message roles for every category, the others for the omitted
    categories)."""

    def __init__(self, config: PIIConfig) -> None:
        # Every category at the default NER threshold, whatever the build's config says.
        self.full = PIIEngine(
            config.model_copy(update={"categories": CATEGORIES, "ner_threshold": 0.0})
        )
        self.metadata = _Findings()
        omitted = omitted_categories(config)
        self.omitted_roles = sorted(MESSAGE_KINDS - set(config.fields))
        self.covered_roles = sorted(MESSAGE_KINDS & set(config.fields))
        self.narrow = (
            PIIEngine(config.model_copy(update={"categories": tuple(omitted)})) if omitted else None
        )
        self.narrow_ner = bool(NER_CATEGORIES.intersection(omitted))
        self.policy = _Findings() if (self.narrow or self.omitted_roles) else None

    def watch(self, records: Iterable[Record]) -> Iterator[Record]:
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                self._scan(batch)
                yield from batch
                batch = []
        if batch:
            self._scan(batch)
            yield from batch

    def _scan(self, records: list[Record]) -> None:
        parts = [record_texts(r, METADATA_KINDS) for r in records]
        for record, texts, found in zip(records, parts, _detect(self.full, parts), strict=True):
            self.metadata.add(record, texts, found)
        if self.policy is None:
            return
        rescans = [record_texts(r, self.omitted_roles) for r in records]
        found_all = _detect(self.full, rescans)
        if self.narrow is not None:
            narrowed = [record_texts(r, self.covered_roles) for r in records]
            found_narrow = _detect(self.narrow, narrowed, ner=self.narrow_ner)
            rescans = [a + b for a, b in zip(rescans, narrowed, strict=True)]
            found_all = [a + b for a, b in zip(found_all, found_narrow, strict=True)]
        for record, texts, found in zip(records, rescans, found_all, strict=True):
            self.policy.add(record, texts, found)


def _detect(
    engine: PIIEngine, parts: list[list[FieldText]], *, ner: bool = True
) -> list[list[list[Span]]]:
    """Strict findings per part of each record, outside ``[CATEGORY_N]`` placeholders."""
    views = [text.view for texts in parts for text in texts]
    if ner:
        found = list(engine.analyze_batch(views, strict=True))
    else:
        found = [engine.analyze_patterns(view, strict=True) for view in views]
    cleaned = [
        [s for s in spans if not any(s.start < e and b < s.end for b, e in placeholder_holes(view))]
        for view, spans in zip(views, found, strict=True)
    ]
    result: list[list[list[Span]]] = []
    cursor = 0
    for texts in parts:
        result.append(cleaned[cursor : cursor + len(texts)])
        cursor += len(texts)
    return result
