"""The release's PII policy: a release ships only records scanned for every identifier
category with the residual scan on.

``PIIGate`` trusts each record's ``pii_status``, which the PII step sets by its own config: a
config that leaves out a category (or turns off the residual scan) marks records with phone
numbers ``none_detected`` when it does not look for phones. So the build judges the config in
force too: a narrower one fails the gate (fail closed; a recorded waiver can accept it), and the
records that would ship are scanned again for the categories it left out (strict patterns,
plus NER for names, places and dates), so the report says what would have escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from mhds.gates.base import GateStatus, Verdict
from mhds.gates.pii import PIIGate
from mhds.records.schema import Record
from mhds.steps.base import StepStats
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.spans import CATEGORIES, Category

# Categories only the NER model finds (the strict patterns cover the rest).
NER_CATEGORIES = frozenset({Category.PERSON, Category.LOCATION, Category.DATE})
# Most record ids listed in the rescan evidence; the counts are always complete.
MAX_LISTED = 100


def policy_gaps(config: PIIConfig) -> list[str]:
    """How ``config`` falls short of the release policy (empty: it meets it)."""
    gaps = [f"category {c.value} not scanned" for c in omitted_categories(config)]
    if not config.residual_scan:
        gaps.append("residual scan off")
    return gaps


def omitted_categories(config: PIIConfig) -> list[Category]:
    """The identifier categories ``config`` does not detect, in declaration order."""
    wanted = set(config.categories)
    return [c for c in CATEGORIES if c not in wanted]


class ReleasePIIGate(PIIGate):
    """``PIIGate`` plus the policy: fails when the PII config in force is narrower than the
    release policy, with what a rescan of the omitted categories found as evidence."""

    name: ClassVar[str] = "pii"

    def check(  # type: ignore[override]  # the PII config is required here
        self,
        records: Iterable[Record],
        stats: StepStats | None = None,
        *,
        config: PIIConfig,
    ) -> Verdict:
        """Judge the records that would ship, the PII step's stats and its config."""
        gaps = policy_gaps(config)
        omitted = omitted_categories(config)
        rescan = _Rescan(config, omitted) if omitted else None
        verdict = super().check(rescan.watch(records) if rescan else records, stats)
        if not gaps or verdict.status == GateStatus.ERROR:
            return verdict
        policy: dict[str, Any] = {
            "categories_not_scanned": [c.value for c in omitted],
            "residual_scan": config.residual_scan,
        }
        if rescan is not None:
            policy["rescan"] = rescan.evidence()
        found = (
            f"; rescan found {rescan.records} records with {rescan.summary()}"
            if (rescan and rescan.records)
            else ""
        )
        summary = f"PII config narrower than the release policy ({'; '.join(gaps)}){found}"
        if verdict.status == GateStatus.FAIL:
            summary += f"; {verdict.summary}"
        return Verdict(self.name, GateStatus.FAIL, summary, {**verdict.evidence, "policy": policy})


class _Rescan:
    """Scans records for the omitted categories as they stream past the base gate."""

    def __init__(self, config: PIIConfig, omitted: list[Category]) -> None:
        self.engine = PIIEngine(config.model_copy(update={"categories": tuple(omitted)}))
        self.use_ner = bool(NER_CATEGORIES.intersection(omitted))
        self.scanned = 0
        self.records = 0
        self.by_category: Counter[str] = Counter()
        self.ids: list[str] = []

    def watch(self, records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            self._scan(record)
            yield record

    def _scan(self, record: Record) -> None:
        texts = [m.content for m in record.messages]
        if self.use_ner:
            found = list(self.engine.analyze_batch(texts, strict=True))
        else:
            found = [self.engine.analyze_patterns(text, strict=True) for text in texts]
        self.scanned += 1
        categories = [span.category.value for spans in found for span in spans]
        if categories:
            self.records += 1
            self.by_category.update(categories)
            if len(self.ids) < MAX_LISTED:
                self.ids.append(record.metadata.id)

    def summary(self) -> str:
        return ", ".join(f"{n} {c}" for c, n in sorted(self.by_category.items()))

    def evidence(self) -> dict[str, Any]:
        return {
            "records_scanned": self.scanned,
            "records_with_findings": self.records,
            "findings_by_category": dict(sorted(self.by_category.items())),
            "first_ids": self.ids,
        }
