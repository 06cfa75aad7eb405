"""The bias and cultural report: planted differences show up with intervals that exclude the
overall value; stats merge in any order to the same bytes; JSON, Markdown and an escaped,
script-free HTML fragment with SVG plots."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import msgspec
import pytest

from mhds.records import codec
from mhds.records.schema import Record
from mhds.reports.bias import (
    ALL_FAMILIES,
    OVERALL,
    BiasReport,
    BiasStats,
    mean_interval,
    poisson_rate,
    render_bias_section,
    wilson,
    write_bias_report,
)
from mhds.steps.bias import GROUPS, BiasAnnotation
from mhds.store import LocalStore
from tests.cases import make_record

EVIL = "<b>fam&ily</b>"
SPLITS = ("train", "train", "train", "val", "test")


def record(i: int, client: str, therapist: str, family: str = "therapy") -> Record:
    base = make_record(client, therapist, family=family, record_id=f"{family}-{i}")
    meta = msgspec.structs.replace(base.metadata, split=SPLITS[i % len(SPLITS)])
    return msgspec.structs.replace(base, metadata=meta)


def planted(n: int = 200, muslim_every: int = 4) -> list[Record]:
    """Conversations mentioning a Muslim client get no crisis resource; all others do."""
    records = []
    for i in range(n):
        if i % muslim_every == 0:
            records.append(
                record(i, f"I am a Muslim and I feel low ({i}).", "Let us talk about your week.")
            )
        else:
            records.append(
                record(i, f"I feel low ({i}).", "Let us talk. If you are unsafe, call 988.")
            )
    return records


def stats_of(records: list[Record]) -> BiasStats:
    stats = BiasStats()
    for r in records:
        stats.add(r)
    return stats


def row(report: BiasReport, scope: str, group: str) -> dict[str, object]:
    data = report.to_dict()
    found = next(s for s in data["scopes"] if s["scope"] == scope)
    return next(r for r in found["rows"] if r["group"] == group)


def test_planted_group_rate_differs_and_its_interval_excludes_the_overall() -> None:
    report = BiasReport.from_stats(stats_of(planted()))
    religion = row(report, "therapy", "religion")
    overall = row(report, "therapy", OVERALL)
    assert religion["conversations"] == 50 and overall["conversations"] == 200
    crisis = religion["crisis_resource"]
    assert isinstance(crisis, dict)
    assert crisis["value"] == 0.0 and crisis["count"] == 0 and crisis["overall"] == 0.75
    assert crisis["high"] < 0.75 and crisis["differs"] is True
    share = religion["share"]
    assert isinstance(share, dict) and share["value"] == 0.25
    assert share["low"] < 0.25 < share["high"]
    others = [row(report, "therapy", g) for g in GROUPS if g != "religion"]
    assert all(o["conversations"] == 0 for o in others)
    assert row(report, ALL_FAMILIES, "religion") == religion


def test_intervals() -> None:
    half = wilson(5, 10)
    assert half.value == 0.5 and half.low == pytest.approx(0.2366, abs=1e-4)
    assert half.high == pytest.approx(0.7634, abs=1e-4)
    none = wilson(0, 10)
    assert none.value == 0.0 and none.low == 0.0 and none.high == pytest.approx(0.2775, abs=1e-4)
    assert wilson(0, 0).value is None
    scale = 1_000
    values = [2, 4, 4, 4, 5, 5, 7, 9]  # mean 5, sample sd 2.138
    mean = mean_interval(
        8, sum(v * scale for v in values), sum((v * scale) ** 2 for v in values), scale
    )
    assert mean.value == 5.0 and mean.high == pytest.approx(5 + 1.96 * 2.13809 / 8**0.5, abs=1e-3)
    assert mean_interval(1, scale, scale * scale, scale).low is None
    rate = poisson_rate(10, 100)
    assert rate.value == 0.1 and rate.low is not None and rate.high is not None
    assert rate.low < 0.1 < rate.high and poisson_rate(0, 0).value is None


def test_stats_merge_in_any_order_to_the_same_bytes() -> None:
    records = planted(120)
    shards = [records[i::3] for i in range(3)]
    forward, backward = BiasStats(), BiasStats()
    for shard in shards:
        forward.merge(stats_of(shard))
    for shard in reversed(shards):
        backward.merge(stats_of(shard))
    assert forward == backward == stats_of(records)
    one = BiasReport.from_stats(forward).to_json()
    assert one == BiasReport.from_stats(backward).to_json()
    assert render_bias_section(BiasReport.from_stats(forward)) == render_bias_section(
        BiasReport.from_stats(backward)
    )


def test_stats_round_trip_through_json() -> None:
    stats = stats_of(planted(40))
    again = BiasStats.from_dict(codec.loads(codec.dumps(stats.to_dict())))
    assert again == stats and again.total_conversations == 40
    with pytest.raises(ValueError, match="format"):
        BiasStats.from_dict({**stats.to_dict(), "format_version": 99})
    with pytest.raises(ValueError, match="annotate again"):
        BiasStats.from_dict({**stats.to_dict(), "annotation_version": 0})


def test_long_responses_outgrow_json_integers_and_still_round_trip() -> None:
    stats = BiasStats()
    long_answer = BiasAnnotation(frozenset(), 0, False, False, 1, 400, 0.1)
    for _ in range(1000):  # sum of squares of 400 words in fixed point: past 2**63
        stats.add_annotation("voice", "train", long_answer)
    data = codec.dumps(stats.to_dict())  # orjson refuses integers past 64 bits
    again = BiasStats.from_dict(codec.loads(data))
    assert again == stats and again.tallies()["all"].length_squares >= 1 << 63


def test_given_annotations_are_counted_as_they_are() -> None:
    stats = BiasStats()
    tagged = BiasAnnotation(frozenset({"gender"}), 3, True, False, 2, 40, -0.5)
    stats.add(make_record("anything", "anything"), tagged)
    stats.add_annotation("therapy", "test", tagged)
    tally = stats.tallies()["gender"]
    assert (tally.conversations, tally.flagged, tally.crisis_resource, tally.responses) == (
        2,
        6,
        2,
        4,
    )
    assert sorted(split for _, split in stats.cells) == ["test", "unassigned"]


def test_mentions_per_family_and_split() -> None:
    records = planted(100) + [record(i, "As an older adult", "Okay.", "crisis") for i in range(5)]
    report = BiasReport.from_stats(stats_of(records))
    cells = {(c["family"], c["split"]): c for c in report.to_dict()["mentions"]}
    assert set(cells) == {("therapy", "train"), ("therapy", "val"), ("therapy", "test"),
                          ("crisis", "train"), ("crisis", "val"), ("crisis", "test")}  # fmt: skip
    total = sum(c["groups"]["religion"]["count"] for c in cells.values())
    assert total == 25
    assert cells[("crisis", "train")]["groups"]["age_group"]["value"] == 1.0
    assert [s.name for s in report.scopes] == [ALL_FAMILIES, "crisis", "therapy"]
    assert [m.family for m in report.gate_input()] == ["crisis", "therapy"]


def test_markdown_lists_every_group_and_marks_differences() -> None:
    text = BiasReport.from_stats(stats_of(planted())).to_markdown()
    assert text.startswith("# Bias and cultural report")
    for group in GROUPS:
        assert f"| {group} |" in text
    religion = next(line for line in text.splitlines() if line.startswith("| religion |"))
    assert religion.count("*") >= 1 and "0.0%" in religion
    assert "HolisticBias" in text and "CC-BY-SA-4.0" in text and "Mentions per family" in text


def test_html_fragment_is_escaped_well_formed_and_script_free() -> None:
    records = planted(60) + [record(i, "a Muslim man", "Call 988.", EVIL) for i in range(6)]
    fragment = render_bias_section(BiasReport.from_stats(stats_of(records)))
    assert "<b>fam" not in fragment and "&lt;b&gt;fam&amp;ily&lt;/b&gt;" in fragment
    assert "<script" not in fragment.lower() and "http://" not in fragment.split("</style>")[1]
    assert "src=" not in fragment and "href=" not in fragment
    root = ET.fromstring(fragment)  # well-formed: every element closed, every & escaped
    svgs = root.findall(".//svg")
    assert len(svgs) == 3 * 6  # all families + two families, six measures each
    bars = [r for svg in svgs for r in svg.iter("rect")]
    assert any("differs" in (r.get("class") or "") for r in bars)
    assert any(line.get("class") == "overall" for svg in svgs for line in svg.iter("line"))
    assert any(line.get("class") == "ci" for svg in svgs for line in svg.iter("line"))
    assert "Mentions per family and split" in fragment


def test_write_bias_report(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    report = BiasReport.from_stats(stats_of(planted(40)))
    keys = write_bias_report(store, "releases/v1/reports/", report)
    assert keys == ["releases/v1/reports/bias_report.json", "releases/v1/reports/bias_report.md"]
    assert codec.loads(store.read_bytes(keys[0])) == codec.loads(report.to_json())
    assert store.read_bytes(keys[1]).decode() == report.to_markdown()


def test_same_input_same_report_bytes() -> None:
    first = BiasReport.from_stats(stats_of(planted()))
    second = BiasReport.from_stats(stats_of(planted()))
    assert first.to_json() == second.to_json()
    assert first.to_markdown() == second.to_markdown()
    assert render_bias_section(first) == render_bias_section(second)


def test_an_empty_build_still_reports_and_renders() -> None:
    report = BiasReport.from_stats(BiasStats())
    assert report.conversations == 0 and report.gate_input() == ()
    assert report.to_dict()["scopes"][0]["rows"][0]["crisis_resource"]["value"] is None
    assert "no data" in render_bias_section(report) and "| all |" in report.to_markdown()
