"""Scoped waivers: a waiver covers exactly the failures inside its scope, a scope that names
nothing known is a config error, and a waiver that covered nothing is reported."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from mhds.errors import ConfigError
from mhds.gates.base import (
    Failure,
    GateStatus,
    Verdict,
    Waiver,
    apply_waivers,
    check_waiver_scopes,
    parse_scope,
    unused_waivers,
)
from mhds.gates.coverage import CoverageGate
from mhds.gates.distribution import DistributionGate
from mhds.gates.leakage import LeakageGate
from mhds.pipeline.gating import GATES
from mhds.registry.coverage import Coverage, FamilyCoverage

FAMILIES = ("clinical_reasoning", "crisis_edge", "voice_persona", "therapy")


def waiver(gate: str, scope: str) -> Waiver:
    return Waiver(gate=gate, scope=scope, reason="accepted for this pilot release", who="lead")


def coverage(*missing: str) -> Coverage:
    """A coverage matrix of four required families, ``missing`` ones missing (built without
    validation: the gate reads the rows only)."""
    rows = tuple(
        FamilyCoverage.model_construct(
            family=family,
            required=True,
            status="missing" if family in missing else "present",
            records=0 if family in missing else 500,
            records_basis="ingested",
            min_records=100,
            next_action="ingest it" if family in missing else "none",
        )
        for family in FAMILIES
    )
    return Coverage.model_construct(store="s3://b", registry_hash="sha256:0", families=rows)


def test_scope_syntax() -> None:
    assert parse_scope("all") == {}
    assert parse_scope("family:crisis_edge") == {"family": "crisis_edge"}
    assert parse_scope("family: crisis_edge , check:drift") == {
        "family": "crisis_edge",
        "check": "drift",
    }
    for bad in ("", "crisis_edge", "family:", "team:x", "family:a,family:b"):
        with pytest.raises(ValueError):
            parse_scope(bad)
    with pytest.raises(ValidationError, match="not kind:value"):
        waiver("coverage", "counselling")


def test_a_family_waiver_covers_that_family_only() -> None:
    failing = ("clinical_reasoning", "crisis_edge", "voice_persona")
    one = waiver("coverage", "family:clinical_reasoning")

    verdict = CoverageGate().evaluate(coverage(*failing), waivers=(one,))

    assert verdict.status == GateStatus.FAIL and not verdict.passed
    assert verdict.waivers == (one,)
    assert [f.family for f in verdict.unwaived] == ["crisis_edge", "voice_persona"]
    report = verdict.to_dict()
    assert [(f["family"], f["waived"]) for f in report["failures"]] == [
        ("clinical_reasoning", True),
        ("crisis_edge", False),
        ("voice_persona", False),
    ]
    assert not report["passed"] and not report["waived"]
    assert "waived: `required_family` (clinical_reasoning)" in verdict.to_markdown()


def test_waivers_for_every_failing_family_pass_the_gate() -> None:
    failing = ("clinical_reasoning", "crisis_edge")
    waivers = tuple(waiver("coverage", f"family:{f}") for f in failing)
    other = waiver("distribution", "family:clinical_reasoning")

    verdict = CoverageGate().evaluate(coverage(*failing), waivers=(*waivers, other))

    assert verdict.passed and verdict.waived and verdict.waivers == waivers
    assert verdict.to_dict()["waived"] and "WAIVED" in verdict.to_markdown()
    assert unused_waivers((*waivers, other), [verdict]) == [other]


def test_all_covers_every_failure_and_check_terms_must_all_match() -> None:
    failures = (
        Failure("outside_expected", "therapy", "3% outside"),
        Failure("drift", "therapy", "share moved"),
    )
    verdict = Verdict("distribution", GateStatus.FAIL, "two problems", {}, failures)
    narrow = waiver("distribution", "family:therapy,check:drift")
    assert [f.check for f in apply_waivers(verdict, [narrow]).unwaived] == ["outside_expected"]
    assert apply_waivers(verdict, [waiver("distribution", "all")]).passed
    assert not apply_waivers(verdict, [waiver("distribution", "family:crisis_edge")]).waivers


def test_an_error_is_never_waived_and_a_pass_needs_no_waiver() -> None:
    everything = waiver("coverage", "all")
    empty = Coverage.model_construct(store="s", registry_hash="h", families=())
    errored = CoverageGate().evaluate(empty, waivers=(everything,))
    assert errored.status == GateStatus.ERROR and not errored.passed and not errored.waivers
    passed = CoverageGate().evaluate(coverage(), waivers=(everything,))
    assert passed.status == GateStatus.PASS and not passed.waivers
    assert unused_waivers([everything], [errored, passed]) == [everything]


def test_a_crashing_gate_logs_its_class_only(caplog: pytest.LogCaptureFixture) -> None:
    class Crashing(CoverageGate):
        def check(self, *args: object, **kwargs: object) -> Verdict:
            raise OSError("i told my mom.listen to me")  # text that must not reach a log

    with caplog.at_level(logging.DEBUG):
        verdict = Crashing().evaluate(coverage())
    assert verdict.status == GateStatus.ERROR and verdict.summary == "gate crashed: OSError"
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in loud] == ["gate coverage crashed: OSError"]
    assert all(r.exc_info is None for r in loud)  # the traceback is for --debug only
    assert "mom.listen" not in " ".join(r.getMessage() for r in caplog.records)


def test_a_failure_without_items_is_covered_only_by_all() -> None:
    bare = Verdict("bias", GateStatus.FAIL, "under-represented")
    assert not apply_waivers(bare, [waiver("bias", "family:therapy")]).passed
    assert apply_waivers(bare, [waiver("bias", "all")]).passed


@pytest.mark.parametrize(
    ("gate", "scope", "message"),
    [
        ("distribution", "family:no_such_family", "unknown family 'no_such_family'"),
        ("distribution", "check:vibes", "has no check 'vibes'"),
        ("coverag", "all", "unknown gate 'coverag'"),
        ("leakage", "family:therapy", "reports no family"),
    ],
)
def test_a_scope_that_names_nothing_known_is_a_config_error(
    gate: str, scope: str, message: str
) -> None:
    good = waiver("coverage", "family:therapy")
    with pytest.raises(ConfigError, match=message) as error:
        check_waiver_scopes([good, waiver(gate, scope)], GATES, FAMILIES)
    assert "waivers[1]" in str(error.value) and "waivers[0]" not in str(error.value)


def test_known_scopes_pass_the_check() -> None:
    check_waiver_scopes(
        [
            waiver("coverage", "family:therapy"),
            waiver("distribution", "family:crisis_edge,check:drift"),
            waiver("leakage", "check:near"),
            waiver("pii", "check:metadata_identifiers"),
            waiver("provenance", "check:unapproved_source"),
        ],
        GATES,
        FAMILIES,
    )
    assert set(LeakageGate.checks) == {"exact", "near", "same_id"}
    assert DistributionGate.family_scoped and not LeakageGate.family_scoped
