"""Gates: judgements over a build that fail closed. Each returns a Verdict with evidence
(counts, ids, keys: never record text); a gate that raises is an ``error``, which counts as a
failure. A recorded Waiver (who, why, scope) is the only way past a failed gate."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)


class GateStatus(StrEnum):
    """Outcome of one gate."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


class Waiver(BaseModel):
    """An explicit, recorded decision to publish despite a failed gate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate: str = Field(description="Name of the waived gate.")
    scope: str = Field(description="What the waiver covers (a family, a check, 'all').")
    reason: str = Field(min_length=10, description="Why it is acceptable.")
    who: str = Field(min_length=2, description="Who decided (name or role).")


@dataclass(frozen=True)
class Verdict:
    """A gate's result with its evidence and, when waived, the waiver."""

    gate: str
    status: GateStatus
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    waiver: Waiver | None = None

    @property
    def passed(self) -> bool:
        """Pass, or a failure (not an error) covered by a waiver."""
        return self.status == GateStatus.PASS or (
            self.status == GateStatus.FAIL and self.waiver is not None
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            "gate": self.gate,
            "status": self.status.value,
            "passed": self.passed,
            "summary": self.summary,
            "evidence": self.evidence,
            "waiver": self.waiver.model_dump() if self.waiver else None,
        }

    def to_markdown(self) -> str:
        """A short readable summary."""
        mark = "PASS" if self.passed else self.status.value.upper()
        lines = [f"# Gate `{self.gate}`: {mark}", "", self.summary, ""]
        if self.waiver:
            w = self.waiver
            lines += [f"Waived by {w.who} (scope: {w.scope}): {w.reason}", ""]
        return "\n".join(lines)


class Gate:
    """Base of every gate: subclasses implement ``check``; ``evaluate`` fails closed."""

    name: ClassVar[str] = "gate"

    def check(self, *args: Any, **kwargs: Any) -> Verdict:
        """Judge the inputs."""
        raise NotImplementedError

    def evaluate(self, *args: Any, waivers: tuple[Waiver, ...] = (), **kwargs: Any) -> Verdict:
        """Run ``check``; an exception becomes an ``error`` verdict (never a pass)."""
        try:
            verdict = self.check(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a crashed gate fails closed
            log.exception("gate %s crashed", self.name)
            return Verdict(self.name, GateStatus.ERROR, f"gate crashed: {type(exc).__name__}")
        waiver = next((w for w in waivers if w.gate == self.name), None)
        if verdict.status == GateStatus.FAIL and waiver is not None:
            return Verdict(verdict.gate, verdict.status, verdict.summary, verdict.evidence, waiver)
        return verdict
