"""The HTML overview of a release and the per-gate report files.

``render_overview`` builds one self-contained page (inline CSS and SVG, no script, no external
resource: it must open on a machine without network). Plots are drawn here as plain shapes
(rects, lines, labels) that the template writes out, so Jinja escapes every label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from mhds.gates.base import Verdict
from mhds.gates.distribution import EDGES, MEASURES, DistributionStats, ExpectedRanges
from mhds.records import codec
from mhds.registry.schema import Range
from mhds.reports.funnel import family_totals
from mhds.reports.model import SPLIT_ORDER, ReleaseReport
from mhds.reports.safety import safety_tables
from mhds.reports.style import style_tables
from mhds.store.base import Store

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).parent / "templates"
OVERVIEW_TEMPLATE = "overview.html.j2"
BAR_LABEL_W, BAR_PLOT_W, BAR_ROW_H, BAR_H = 200.0, 520.0, 26.0, 16.0
HIST_W, HIST_H, HIST_PAD = 290.0, 110.0, 14.0
MIN_BUCKETS = 8
MAX_LABEL = 26


@dataclass(frozen=True)
class Rect:
    """A filled rectangle; ``css`` picks its colour, ``title`` is its tooltip."""

    x: float
    y: float
    width: float
    height: float
    css: str
    title: str = ""


@dataclass(frozen=True)
class Line:
    """A straight line (axes and grid)."""

    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "gridline"


@dataclass(frozen=True)
class Label:
    """A text label at (x, y); ``anchor`` is SVG's text-anchor."""

    x: float
    y: float
    text: str
    anchor: str = "start"
    css: str = "tick"


@dataclass
class Chart:
    """One SVG plot as shapes, in drawing order: rects, then lines, then labels."""

    width: float
    height: float
    title: str
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


def render_overview(report: ReleaseReport) -> str:
    """One self-contained HTML page: gate results, counts per family and split, and plots
    (records per family stacked by split; turn and token histograms per family)."""
    stats = report.stats()
    splits = report.splits()
    template = _environment().get_template(OVERVIEW_TEMPLATE)
    return template.render(
        report=report,
        gates=[_gate_row(verdict) for verdict in report.verdicts],
        splits=splits,
        families=_family_rows(report, stats, splits),
        totals={s: sum(row.get(s, 0) for row in report.counts.values()) for s in splits},
        total=sum(sum(row.values()) for row in report.counts.values()),
        records_chart=records_chart(report.counts, splits),
        histograms=[
            (family, [histogram_chart(stats, family, name) for name in MEASURES])
            for family in stats.families()
        ],
        tally=report.gate_tally,
        funnel_families=family_totals(report.funnel),
        bias_section=_bias_section(report),
    )


def _bias_section(report: ReleaseReport) -> Markup | None:
    """The bias and cultural section (its own escaped HTML and SVG), when the build counted."""
    if report.bias is None:
        return None
    from mhds.reports.bias import BiasReport, BiasStats, render_bias_section

    html = render_bias_section(BiasReport.from_stats(BiasStats.from_dict(report.bias)))
    return Markup(html)  # noqa: S704 - render_bias_section escapes every value it writes


def gate_markdown(verdict: Verdict) -> str:
    """A verdict's readable summary, with the tables of the gates that have them."""
    text = verdict.to_markdown()
    if verdict.gate == "safety":
        text += "\n" + safety_tables(verdict.evidence)
    if verdict.gate == "style":
        text += "\n" + style_tables(verdict.evidence)
    return text


def write_gate_reports(store: Store, prefix: str, verdicts: Iterable[Verdict]) -> list[str]:
    """Write ``<prefix>/<gate>.json`` (the verdict) and ``<prefix>/<gate>.md`` (its readable
    summary) for each verdict; returns the keys written. Gate names must be unique."""
    keys: list[str] = []
    seen: set[str] = set()
    for verdict in verdicts:
        if verdict.gate in seen:
            raise ValueError(f"two verdicts for gate {verdict.gate!r}")
        seen.add(verdict.gate)
        json_key, md_key = _key(prefix, f"{verdict.gate}.json"), _key(prefix, f"{verdict.gate}.md")
        store.write_bytes(json_key, codec.dumps(verdict.to_dict(), indent=True))
        store.write_bytes(md_key, gate_markdown(verdict).encode("utf-8"))
        keys += [json_key, md_key]
    return keys


def write_release_report(store: Store, prefix: str, report: ReleaseReport) -> list[str]:
    """Write ``<prefix>/report.json`` and ``<prefix>/overview.html``; returns the keys."""
    json_key, html_key = _key(prefix, "report.json"), _key(prefix, "overview.html")
    store.write_bytes(json_key, codec.dumps(report.to_dict(), indent=True))
    store.write_bytes(html_key, render_overview(report).encode("utf-8"))
    return [json_key, html_key]


def records_chart(counts: dict[str, dict[str, int]], splits: Sequence[str]) -> Chart:
    """Horizontal bars of records per family, stacked by split, with a value axis."""
    top = _nice_max(max((sum(row.values()) for row in counts.values()), default=0))
    chart = Chart(BAR_LABEL_W + BAR_PLOT_W + 70, 0, "Records per family, stacked by split")
    y = 8.0
    for family, row in counts.items():
        x, total = BAR_LABEL_W, sum(row.values())
        chart.labels.append(Label(BAR_LABEL_W - 8, y + BAR_H - 4, _shorten(family), "end", "name"))
        for split in splits:
            width = BAR_PLOT_W * row.get(split, 0) / top
            if width > 0:
                title = f"{family} / {split}: {row[split]:,} ({row[split] / total:.1%})"
                chart.rects.append(Rect(x, y, width, BAR_H, _split_css(split), title))
            x += width
        chart.labels.append(Label(x + 6, y + BAR_H - 4, f"{total:,}", "start", "value"))
        y += BAR_ROW_H
    for i in range(5):
        x = BAR_LABEL_W + BAR_PLOT_W * i / 4
        chart.lines.append(Line(x, 4, x, y))
        chart.labels.append(Label(x, y + 14, _short(top * i // 4), "middle"))
    chart.height = y + 22
    return chart


def histogram_chart(stats: DistributionStats, family: str, measure: str) -> Chart:
    """Histogram of ``measure`` for one family over all splits, on the fixed log-ish
    buckets, with the expected range shaded and bars coloured by where they fall."""
    edges = EDGES[measure]
    summary = stats.family_cell(family).measure(measure)
    expected = stats.ranges.get(family)
    bounds = expected.of(measure) if expected else None
    lo, hi = _shown_buckets(summary.histogram, edges, bounds)
    step, peak = HIST_W / (hi - lo + 1), max(summary.histogram[lo : hi + 1]) or 1
    note = f"expected {_range_text(expected, measure)}; {summary.below + summary.above:,} outside"
    note = note if expected else "family not in the registry"
    chart = Chart(HIST_W + 2 * HIST_PAD, HIST_H + 34, f"{measure} per conversation ({note})")
    if bounds is not None:
        start, end = _position(bounds.min, edges, lo), _position(bounds.max, edges, lo, True)
        width = (min(end, hi - lo + 1) - max(start, 0)) * step
        chart.rects.append(Rect(HIST_PAD + max(start, 0) * step, 14, width, HIST_H, "band"))
    for i in range(lo, hi + 1):
        count = summary.histogram[i]
        if count:
            height = max(HIST_H * count / peak, 1.0)
            title = f"{measure} {_bucket_text(edges, i)}: {count:,}"
            x, css = HIST_PAD + (i - lo) * step, _bucket_css(edges, i, bounds)
            chart.rects.append(Rect(x + 0.5, 14 + HIST_H - height, step - 1, height, css, title))
    chart.lines.append(Line(HIST_PAD, 14 + HIST_H, HIST_PAD + HIST_W, 14 + HIST_H, "axis"))
    chart.labels.append(Label(HIST_PAD, 10, f"{peak:,} conversations (tallest bar)", "start"))
    for i in range(lo, hi + 2, max(1, (hi - lo + 2) // 4)):
        text = _short(edges[i]) if i < len(edges) else "∞"
        chart.labels.append(Label(HIST_PAD + (i - lo) * step, HIST_H + 28, text, "middle"))
    return chart


@cache
def _environment() -> jinja2.Environment:
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("the HTML overview needs jinja2: pip install jinja2") from exc
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _gate_row(verdict: dict[str, Any]) -> dict[str, Any]:
    status = verdict["status"]
    waived = status == "fail" and verdict["passed"]
    return {
        **verdict,
        "css": "waived" if waived else status,
        "label": "waived" if waived else status,
        "evidence_json": codec.dumps(verdict["evidence"], indent=True).decode("utf-8"),
    }


def _family_rows(
    report: ReleaseReport, stats: DistributionStats, splits: Sequence[str]
) -> list[dict[str, Any]]:
    rows = []
    for family, counts in report.counts.items():
        cell, expected = stats.family_cell(family), stats.ranges.get(family)
        rows.append(
            {
                "family": family,
                "counts": [counts.get(split, 0) for split in splits],
                "total": sum(counts.values()),
                "means": [f"{cell.mean(m) or 0:,.1f}" for m in MEASURES],
                "expected": [_range_text(expected, m) for m in MEASURES],
                "outside": [cell.measure(m).below + cell.measure(m).above for m in MEASURES],
            }
        )
    return rows


def _shown_buckets(
    histogram: Sequence[int], edges: Sequence[int], bounds: Range | None
) -> tuple[int, int]:
    """The bucket span to draw: the data and the expected range, at least MIN_BUCKETS wide."""
    used = [i for i, n in enumerate(histogram) if n] or [0]
    lo, hi = used[0], used[-1]
    if bounds is not None:
        lo = min(lo, _bucket(bounds.min, edges))
        hi = max(hi, _bucket(bounds.max, edges)) if bounds.max is not None else hi
    while hi - lo + 1 < MIN_BUCKETS and (lo > 0 or hi < len(edges) - 1):
        hi, lo = (hi + 1, lo) if hi < len(edges) - 1 else (hi, lo - 1)
    return lo, hi


def _bucket(value: int, edges: Sequence[int]) -> int:
    return max(i for i, edge in enumerate(edges) if edge <= value)


def _position(value: int | None, edges: Sequence[int], lo: int, after: bool = False) -> float:
    """Where ``value`` (or just past it) falls, in buckets from ``lo``; None: the far end."""
    if value is None:
        return float(len(edges) - lo)
    value += after
    i = _bucket(value, edges)
    width = edges[i + 1] - edges[i] if i + 1 < len(edges) else 0
    return i - lo + ((value - edges[i]) / width if width else 0.0)


def _bucket_css(edges: Sequence[int], i: int, bounds: Range | None) -> str:
    if bounds is None:
        return "undeclared"
    first = edges[i]
    last = edges[i + 1] - 1 if i + 1 < len(edges) else None
    high = bounds.max
    if (last is not None and last < bounds.min) or (high is not None and first > high):
        return "outside"
    inside = first >= bounds.min and high is not None and last is not None and last <= high
    return "inside" if inside or (high is None and first >= bounds.min) else "partial"


def _bucket_text(edges: Sequence[int], i: int) -> str:
    if i + 1 >= len(edges):
        return f"{edges[i]:,}+"
    last = edges[i + 1] - 1
    return f"{edges[i]:,}" if last == edges[i] else f"{edges[i]:,}-{last:,}"


def _range_text(expected: ExpectedRanges | None, measure: str) -> str:
    if expected is None:
        return "undeclared"
    bounds = expected.of(measure)
    return f"{bounds.min:,}-{bounds.max:,}" if bounds.max is not None else f"{bounds.min:,}+"


def _nice_max(value: int) -> int:
    """The smallest 1/2/5 x 10^k (times 4, for four even ticks) not below ``value``."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale * 4 >= value:
                return step * scale * 4
        scale *= 10


def _short(value: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if value >= size:
            return f"{value / size:.1f}".removesuffix(".0") + unit
    return str(value)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _split_css(split: str) -> str:
    return f"s-{split}" if split in SPLIT_ORDER else "s-other"


def _key(prefix: str, name: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/{name}" if prefix else name
