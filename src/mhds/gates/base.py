"""Gates: judgements over a build that fail closed. Each returns a Verdict with evidence
(counts, ids, keys: never record text) and its failures itemised by check and family; a gate
that raises is an ``error``, which counts as a failure. A recorded Waiver (who, why, scope) is
the only way past a failure, and it covers only the failures inside its scope."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mhds.errors import ConfigError

log = logging.getLogger(__name__)


class GateStatus(StrEnum):
    """Outcome of one gate."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


# What a waiver scope can name: ``family:<family>`` and ``check:<check of the gate>``.
SCOPE_KINDS: tuple[str, ...] = ("family", "check")
ALL = "all"


def parse_scope(scope: str) -> dict[str, str]:
    """The terms of a waiver scope: ``all`` -> {} (every failure of the gate); otherwise
    comma-separated ``kind:value`` terms, each kind at most once, all of which a failure must
    match (``family:crisis_edge``, ``check:drift``, ``family:crisis_edge,check:drift``).

    Raises:
        ValueError: an empty scope, an unknown kind, a term without a value, a repeated kind.
    """
    text = scope.strip()
    if text == ALL:
        return {}
    terms: dict[str, str] = {}
    for term in text.split(","):
        kind, sep, value = term.strip().partition(":")
        if not sep or not value.strip():
            raise ValueError(
                f"scope term {term.strip()!r} is not kind:value (kinds: {', '.join(SCOPE_KINDS)}; "
                f"or the whole scope {ALL!r})"
            )
        if kind not in SCOPE_KINDS:
            raise ValueError(f"unknown scope kind {kind!r} (valid: {', '.join(SCOPE_KINDS)})")
        if kind in terms:
            raise ValueError(f"scope names {kind!r} twice")
        terms[kind] = value.strip()
    return terms


@dataclass(frozen=True)
class Failure:
    """One thing a gate found wrong, itemised so that a waiver can cover exactly it.

    ``check`` names what failed (a gate's own vocabulary: ``required_family``, ``drift`` ...);
    ``family`` the family it is about, when it is about one. ``detail`` is counts and names,
    never record text.
    """

    check: str
    family: str | None = None
    detail: str = ""

    def terms(self) -> dict[str, str | None]:
        """What a scope is matched against."""
        return {"check": self.check, "family": self.family}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"check": self.check, "family": self.family, "detail": self.detail}


class Waiver(BaseModel):
    """An explicit, recorded decision to publish despite failures of one gate.

    It covers exactly the failures inside its ``scope`` (see ``parse_scope``); a failure of
    the gate outside the scope still fails it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate: str = Field(description="Name of the waived gate.")
    scope: str = Field(
        description="Which failures it covers: 'all', or comma-separated terms "
        "'family:<family>' and 'check:<check>' that a failure must all match."
    )
    reason: str = Field(min_length=10, description="Why it is acceptable.")
    who: str = Field(min_length=2, description="Who decided (name or role).")

    @field_validator("scope")
    @classmethod
    def _valid_scope(cls, scope: str) -> str:
        parse_scope(scope)
        return scope

    def covers(self, failure: Failure) -> bool:
        """Whether ``failure`` lies inside this waiver's scope."""
        terms = failure.terms()
        return all(terms.get(kind) == value for kind, value in parse_scope(self.scope).items())


@dataclass(frozen=True)
class Verdict:
    """A gate's result with its evidence, its itemised failures and the waivers that cover
    them. A failed verdict passes only when every failure lies inside an applied waiver."""

    gate: str
    status: GateStatus
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    failures: tuple[Failure, ...] = ()
    waivers: tuple[Waiver, ...] = ()

    @property
    def passed(self) -> bool:
        """Pass, or a failure (not an error) whose every item a waiver covers."""
        return self.status == GateStatus.PASS or (self.waived and not self.unwaived)

    @property
    def waived(self) -> bool:
        """Whether the gate failed and waivers were applied to it."""
        return self.status == GateStatus.FAIL and bool(self.waivers)

    @property
    def unwaived(self) -> tuple[Failure, ...]:
        """The failures no applied waiver covers (all of them when there is none)."""
        if self.status != GateStatus.FAIL:
            return ()
        return tuple(f for f in self.items if not any(w.covers(f) for w in self.waivers))

    @property
    def items(self) -> tuple[Failure, ...]:
        """What a waiver must cover: the failures, or one ``unspecified`` item for a gate
        that did not itemise them (only a scope of ``all`` covers it)."""
        return self.failures or (Failure("unspecified", None, self.summary),)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            "gate": self.gate,
            "status": self.status.value,
            "passed": self.passed,
            "waived": self.waived and self.passed,
            "summary": self.summary,
            "evidence": self.evidence,
            "failures": [{**f.to_dict(), "waived": f not in self.unwaived} for f in self.failures],
            "waivers": [w.model_dump() for w in self.waivers],
        }

    def to_markdown(self) -> str:
        """A short readable summary."""
        if self.status == GateStatus.PASS:
            mark = "PASS"
        elif self.passed:
            mark = "WAIVED"
        else:
            mark = self.status.value.upper()
        lines = [f"# Gate `{self.gate}`: {mark}", "", self.summary, ""]
        unwaived = self.unwaived
        for failure in self.failures:
            state = "failing" if failure in unwaived else "waived"
            family = f" ({failure.family})" if failure.family else ""
            lines.append(f"- {state}: `{failure.check}`{family} {failure.detail}".rstrip())
        if self.failures:
            lines.append("")
        for w in self.waivers:
            lines += [f"Waived by {w.who} (scope: {w.scope}): {w.reason}", ""]
        return "\n".join(lines)


class Gate:
    """Base of every gate: subclasses implement ``check``; ``evaluate`` fails closed.

    ``checks`` names the failures a gate can report (``Failure.check``): a waiver scope may
    only name these. ``family_scoped`` says whether its failures name a family (a waiver
    scope with ``family:`` can only match those of a gate that does).
    """

    name: ClassVar[str] = "gate"
    checks: ClassVar[tuple[str, ...]] = ()
    family_scoped: ClassVar[bool] = True

    def check(self, *args: Any, **kwargs: Any) -> Verdict:
        """Judge the inputs."""
        raise NotImplementedError

    def evaluate(self, *args: Any, waivers: Sequence[Waiver] = (), **kwargs: Any) -> Verdict:
        """Run ``check`` and apply the waivers of this gate that cover one of its failures;
        an exception becomes an ``error`` verdict (never a pass, never waivable)."""
        try:
            verdict = self.check(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a crashed gate fails closed
            # The class name only at WARNING: an exception's text may quote a record. The
            # traceback is for --debug.
            log.warning("gate %s crashed: %s", self.name, type(exc).__name__)
            log.debug("gate %s crashed", self.name, exc_info=True)
            return Verdict(self.name, GateStatus.ERROR, f"gate crashed: {type(exc).__name__}")
        return apply_waivers(verdict, waivers)


def outcome(verdict: Verdict | Mapping[str, Any]) -> str:
    """How a gate ended: ``pass``, ``waived`` (failed, every failure covered by a waiver),
    ``fail`` or ``error``; from a verdict or its ``to_dict`` form (manifests written before
    scoped waivers included)."""
    if isinstance(verdict, Verdict):
        status, passed = verdict.status.value, verdict.passed
    else:
        status, passed = str(verdict["status"]), bool(verdict.get("passed"))
    return "waived" if status == GateStatus.FAIL and passed else status


def apply_waivers(verdict: Verdict, waivers: Sequence[Waiver]) -> Verdict:
    """``verdict`` with the waivers of its gate that cover at least one of its failures.

    Only a ``fail`` is waivable; a failure no waiver covers keeps the gate failing.
    """
    if verdict.status != GateStatus.FAIL:
        return verdict
    applied = tuple(
        w for w in waivers if w.gate == verdict.gate and any(w.covers(f) for f in verdict.items)
    )
    return replace(verdict, waivers=applied) if applied else verdict


def unused_waivers(waivers: Sequence[Waiver], verdicts: Iterable[Verdict]) -> list[Waiver]:
    """The waivers that no verdict applied: they matched no failure (reported, never silent)."""
    used = {w for v in verdicts for w in v.waivers}
    return [w for w in waivers if w not in used]


def check_waiver_scopes(
    waivers: Sequence[Waiver], gates: Iterable[type[Gate]], families: Iterable[str]
) -> None:
    """Refuse waivers that name nothing known: an unknown gate, a family the registry does not
    declare (or any family, for a gate whose failures name none), or a check the gate never
    reports.

    Raises:
        ConfigError: listing every such waiver by its index, with the valid values.
    """
    by_name = {gate.name: gate for gate in gates}
    known_families = sorted(set(families))
    problems: list[str] = []
    for i, waiver in enumerate(waivers):
        where = f"waivers[{i}]"
        gate = by_name.get(waiver.gate)
        if gate is None:
            valid = ", ".join(sorted(by_name))
            problems.append(f"{where}.gate: unknown gate {waiver.gate!r} (valid: {valid})")
            continue
        terms = parse_scope(waiver.scope)
        family = terms.get("family")
        if family is not None and not gate.family_scoped:
            problems.append(
                f"{where}.scope: gate {gate.name!r} reports no family; scope it by check "
                f"({', '.join(gate.checks)}) or 'all'"
            )
        elif family is not None and family not in known_families:
            problems.append(
                f"{where}.scope: unknown family {family!r} "
                f"(registry families: {', '.join(known_families)})"
            )
        check = terms.get("check")
        if check is not None and check not in gate.checks:
            valid = ", ".join(gate.checks) or "none"
            problems.append(
                f"{where}.scope: gate {gate.name!r} has no check {check!r} (valid: {valid})"
            )
    if problems:
        raise ConfigError("; ".join(problems), source="release config")
