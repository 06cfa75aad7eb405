"""The release report: the HTML overview (self-contained, escaped, with SVG plots) and the
per-gate JSON and Markdown files."""

from __future__ import annotations

import re

import msgspec
import pytest

from mhds.gates.base import Failure, GateStatus, Verdict, Waiver
from mhds.gates.distribution import DistributionStats
from mhds.records import codec
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.reports import ReleaseReport, render_overview, write_gate_reports, write_release_report
from mhds.store import Store
from tests.cases import make_record

EVIL = "<b>bold</b>"
WAIVER = Waiver(gate="pii", scope="family:crisis", reason="reviewed by two clinicians", who="Dr. Q")


def make_registry() -> Registry:
    families = [
        {
            "name": name,
            "stage": "s1",
            "expected_turns": {"min": 2, "max": 12},
            "expected_tokens": {"min": 5, "max": 400},
        }
        for name in ("therapy", "crisis")
    ]
    return Registry.model_validate({"stages": [{"id": "s1", "order": 1}], "families": families})


def record(family: str, i: int, turns: int, split: str | None) -> Record:
    base = make_record(*[f"turn {t} " * (i % 7 + 1) for t in range(turns)], family=family)
    meta = msgspec.structs.replace(base.metadata, id=f"{family}-{i}", split=split)
    return msgspec.structs.replace(base, metadata=meta)


def stats() -> DistributionStats:
    stats = DistributionStats.for_registry(make_registry())
    splits = ("train", "train", "train", "val", "test")
    for i in range(60):
        stats.add(record("therapy", i, 2 + i % 9, splits[i % 5]))
    for i in range(15):
        stats.add(record("crisis", i, 4 + 2 * (i % 10), "test"))  # some above 12 turns
    for i in range(3):
        stats.add(record(EVIL, i, 2, None))
    return stats


def verdicts() -> list[Verdict]:
    return [
        Verdict("coverage", GateStatus.PASS, "all 2 required families present", {"required": 2}),
        Verdict(
            "pii",
            GateStatus.FAIL,
            "1 record not cleared",
            {"ids": ["x"]},
            (Failure("unshippable", "crisis", "1 record not cleared"),),
            (WAIVER,),
        ),
        Verdict("distribution", GateStatus.FAIL, f"family {EVIL} is not declared", {}),
        Verdict("provenance", GateStatus.ERROR, "gate crashed: OSError"),
    ]


def report() -> ReleaseReport:
    return ReleaseReport.build("v2026-01-02", verdicts(), stats())


def test_overview_renders_gates_counts_and_svg_plots() -> None:
    page = render_overview(report())
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for gate in ("coverage", "pii", "distribution", "provenance"):
        assert f"<b>{gate}</b>" in page
    assert 'class="status waived"' in page and "Dr. Q" in page and "reviewed by two" in page
    assert 'class="status error"' in page and "blocked: nothing is published" in page
    assert page.count("<svg") == 1 + 2 * 3  # records per family + turns/tokens per family
    assert 'class="s-train"' in page and 'class="band"' in page and 'class="outside"' in page
    assert ">60<" in page and ">15<" in page  # family totals


def test_the_header_counts_passed_waived_and_failed_gates_apart() -> None:
    page = " ".join(render_overview(report()).split())
    assert report().gate_tally == {"passed": 1, "waived": 1, "failed": 2}
    assert '<b>1 / 4</b><span class="muted">gates passed</span>' in page
    assert '<b>1</b><span class="muted">gates waived</span>' in page
    assert '<b>2</b><span class="muted">gates failed</span>' in page
    assert "<code>unshippable</code> (crisis)" in page


def test_overview_shows_the_funnel_and_unused_waivers() -> None:
    row = {
        "source": "counsel_chat",
        "family": "professional_therapeutic",
        "license": "MIT",
        "items_read": 2129,
        "quarantined": {"role_order": 3},
        "records": 2126,
        "pii_review": {"pii_residual": 48},
        "duplicates": {"exact": 118, "near": 5},
        "released": {"train": 1738, "val": 129, "test": 88},
    }
    unused = Waiver(gate="leakage", scope="check:near", reason="no leak expected here", who="qa")
    built = ReleaseReport.build(
        "v1", verdicts()[:1], stats(), funnel=[row], unused_waivers=[unused]
    )
    page = render_overview(built)
    assert "Funnel: from items read to records released" in page
    assert "2,129" in page and "role_order: 3" in page and "pii_residual: 48" in page
    assert "1,738 / 129 / 88" in page and ">MIT<" in page
    assert "covered no failure" in page and "check:near" in page


def test_overview_is_self_contained_and_escapes_names() -> None:
    page = render_overview(report())
    assert "<script" not in page.lower()
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href)\s*=""", page)
    assert "@import" not in page and "url(" not in page
    assert EVIL not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_report_round_trips_through_json() -> None:
    original = report()
    again = ReleaseReport.model_validate(codec.loads(codec.dumps(original.to_dict())))
    assert again == original and again.stats() == stats()
    assert original.counts["therapy"] == {"test": 12, "train": 36, "val": 12}
    assert original.splits() == ["train", "val", "test", "unassigned"]
    assert not original.passed
    passing = ReleaseReport.build("v1", verdicts()[:2], stats())
    assert passing.passed and "publishable" in render_overview(passing)


def test_write_gate_reports_writes_json_and_markdown(store: Store) -> None:
    keys = write_gate_reports(store, "releases/v1/reports/", verdicts())
    assert keys[:2] == ["releases/v1/reports/coverage.json", "releases/v1/reports/coverage.md"]
    assert len(keys) == 8 and all(store.exists(key) for key in keys)
    pii = codec.loads(store.read_bytes("releases/v1/reports/pii.json"))
    assert pii == verdicts()[1].to_dict() and pii["waivers"][0]["who"] == "Dr. Q"
    assert store.read_bytes("releases/v1/reports/pii.md").decode() == verdicts()[1].to_markdown()
    written = write_release_report(store, "releases/v1/reports", report())
    assert written == ["releases/v1/reports/report.json", "releases/v1/reports/overview.html"]
    assert b"<svg" in store.read_bytes(written[1])


def test_duplicate_gate_names_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="coverage"):
        write_gate_reports(store, "r", [verdicts()[0], verdicts()[0]])
