"""The bias and cultural report: identity-group mentions per family and split and, for the
conversations mentioning each group, the therapist side's response length, tone (VADER),
crisis-resource, referral and flagged-wording rates, each beside the overall value with a
95% interval. JSON and Markdown for reports/, an HTML fragment (inline SVG) for the overview.

``BiasStats`` is a mergeable summary of integer counts and fixed-point sums (never record
text), so shards add up to the same bytes in any order.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from mhds.gates.bias import Estimate, FamilyMeasures, GroupMeasures
from mhds.gates.distribution import UNASSIGNED
from mhds.records import codec
from mhds.records.schema import Record
from mhds.steps.bias import ANNOTATION_VERSION, GROUPS, BiasAnnotation, annotate, term_sources
from mhds.store.base import Store

FORMAT_VERSION = 1
OVERALL = "all"  # tally of every conversation of a cell, beside one tally per group
ALL_FAMILIES = "*"  # scope of the whole corpus, beside one scope per family
SCALE = 1_000_000  # fixed point of per-conversation means: integer sums add exactly
Z95 = 1.959963984540054
DIGITS = 6
LABEL_W, PLOT_W, ROW_H, BAR_H = 150.0, 250.0, 20.0, 12.0
COLUMN_TITLES: dict[str, str] = {
    "share": "share",
    "crisis_resource": "crisis resource",
    "referral": "referral",
    "flagged": "flagged per turn",
    "tone": "tone (VADER)",
    "response_length": "words per turn",
}
MEASURE_TITLES: dict[str, str] = {
    "share": "share of conversations",
    "crisis_resource": "crisis-resource rate",
    "referral": "referral rate",
    "flagged": "flagged wording per therapist turn",
    "tone": "tone (mean VADER compound)",
    "response_length": "response length (words per turn)",
}
_CSS = """
.bias-section .bar { fill: #4c78a8; }
.bias-section .bar.differs { fill: #e45756; }
.bias-section .ci { stroke: #1f2328; stroke-width: 1.2; }
.bias-section .overall { stroke: #f58518; stroke-width: 1.5; stroke-dasharray: 4 3; }
.bias-section .charts { display: flex; flex-wrap: wrap; gap: 1rem; margin: .6rem 0 1.4rem; }
.bias-section td.differs { color: #a40e26; font-weight: 600; }
.bias-section .small { font-size: .78rem; font-weight: 400; }
"""


@dataclass
class GroupTally:
    """Counts over the conversations of one group (or all) in one family/split cell.

    Responders are conversations with at least one therapist turn; the rates count them.
    ``length_*`` and ``tone_*`` sum per-conversation values in fixed point (``SCALE``) and
    their squares, for means with a normal-approximation interval.
    """

    conversations: int = 0
    responders: int = 0
    responses: int = 0
    crisis_resource: int = 0
    referral: int = 0
    flagged: int = 0
    length_sum: int = 0
    length_squares: int = 0
    tone_n: int = 0
    tone_sum: int = 0
    tone_squares: int = 0

    def add(self, annotation: BiasAnnotation) -> None:
        """Count one conversation."""
        self.conversations += 1
        if not annotation.responses:
            return
        self.responders += 1
        self.responses += annotation.responses
        self.crisis_resource += annotation.crisis_resource
        self.referral += annotation.referral
        self.flagged += annotation.flagged
        length = round(annotation.response_words / annotation.responses * SCALE)
        self.length_sum += length
        self.length_squares += length * length
        if annotation.tone is not None:
            tone = round(annotation.tone * SCALE)
            self.tone_n += 1
            self.tone_sum += tone
            self.tone_squares += tone * tone

    def merge(self, other: GroupTally) -> None:
        """Add ``other`` into this tally."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


class BiasStats:
    """Per (family, split): a tally of all conversations and one per group mentioned."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str], dict[str, GroupTally]] = {}

    @property
    def total_conversations(self) -> int:
        """Conversations counted, over all cells."""
        return sum(cell[OVERALL].conversations for cell in self.cells.values())

    def add(self, record: Record, annotation: BiasAnnotation | None = None) -> None:
        """Count one record (annotated here unless its ``annotation`` is given)."""
        found = annotation if annotation is not None else annotate(record)
        self.add_annotation(record.metadata.family, record.metadata.split or UNASSIGNED, found)

    def add_annotation(self, family: str, split: str, annotation: BiasAnnotation) -> None:
        """Count one annotated conversation in its (family, split) cell."""
        cell = self.cells.setdefault((family, split), {OVERALL: GroupTally()})
        for key in (OVERALL, *annotation.groups):
            cell.setdefault(key, GroupTally()).add(annotation)

    def merge(self, other: BiasStats) -> None:
        """Add ``other`` into these stats."""
        for key, cell in other.cells.items():
            mine = self.cells.setdefault(key, {OVERALL: GroupTally()})
            for group, tally in cell.items():
                mine.setdefault(group, GroupTally()).merge(tally)

    def families(self) -> list[str]:
        """Families with conversations, sorted."""
        return sorted({family for family, _ in self.cells})

    def tallies(self, family: str | None = None) -> dict[str, GroupTally]:
        """One family's tallies over all splits (every family's when None)."""
        total: dict[str, GroupTally] = {OVERALL: GroupTally()}
        for (name, _), cell in sorted(self.cells.items()):
            if family is None or name == family:
                for group, tally in cell.items():
                    total.setdefault(group, GroupTally()).merge(tally)
        return total

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stable order)."""
        return {
            "format_version": FORMAT_VERSION,
            "annotation_version": ANNOTATION_VERSION,
            "scale": SCALE,
            "cells": [
                {
                    "family": family,
                    "split": split,
                    "tallies": {group: _json_ints(asdict(t)) for group, t in sorted(cell.items())},
                }
                for (family, split), cell in sorted(self.cells.items())
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BiasStats:
        """Rebuild from ``to_dict`` output; raises ValueError on another format."""
        if data.get("format_version") != FORMAT_VERSION or data.get("scale") != SCALE:
            raise ValueError(f"unsupported bias stats format {data.get('format_version')!r}")
        if data.get("annotation_version") != ANNOTATION_VERSION:
            raise ValueError("bias stats were annotated by other rules; annotate again")
        stats = cls()
        for row in data["cells"]:
            cell = {
                group: GroupTally(**{name: int(n) for name, n in t.items()})
                for group, t in row["tallies"].items()
            }
            stats.cells[(row["family"], row["split"])] = cell
        return stats

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BiasStats):
            return NotImplemented
        return self.to_dict() == other.to_dict()


def wilson(successes: int, trials: int) -> Estimate:
    """A proportion with its 95% Wilson score interval (None without trials)."""
    if not trials:
        return Estimate(None)
    p, z2 = successes / trials, Z95 * Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half))


def mean_interval(n: int, total: int, squares: int, scale: int = SCALE) -> Estimate:
    """A mean from fixed-point sums with its 95% normal-approximation interval (none for
    fewer than two values)."""
    if not n:
        return Estimate(None)
    mean = total / (n * scale)
    if n < 2:
        return Estimate(mean)
    variance = (n * squares - total * total) / (n * (n - 1)) / (scale * scale)
    half = Z95 * math.sqrt(max(variance, 0.0) / n)
    return Estimate(mean, mean - half, mean + half)


def poisson_rate(events: int, exposure: int) -> Estimate:
    """Events per unit of exposure with an approximate 95% Poisson interval
    ((sqrt(k) -/+ z/2)^2, with k + 1 for the upper bound) (None without exposure)."""
    if not exposure:
        return Estimate(None)
    low = max(0.0, math.sqrt(events) - Z95 / 2) ** 2 if events else 0.0
    high = (math.sqrt(events + 1) + Z95 / 2) ** 2
    return Estimate(events / exposure, low / exposure, high / exposure)


def group_measures(group: str, tally: GroupTally, scope_conversations: int) -> GroupMeasures:
    """The estimates of one tally, its share taken of ``scope_conversations``."""
    return GroupMeasures(
        group=group,
        conversations=tally.conversations,
        responses=tally.responses,
        share=wilson(tally.conversations, scope_conversations),
        crisis_resource=wilson(tally.crisis_resource, tally.responders),
        referral=wilson(tally.referral, tally.responders),
        flagged_rate=poisson_rate(tally.flagged, tally.responses),
        tone=mean_interval(tally.tone_n, tally.tone_sum, tally.tone_squares),
        response_length=mean_interval(tally.responders, tally.length_sum, tally.length_squares),
    )


@dataclass(frozen=True)
class BiasScope:
    """The whole corpus (``ALL_FAMILIES``) or one family: its measures and raw tallies."""

    measures: FamilyMeasures
    tallies: Mapping[str, GroupTally]

    @property
    def name(self) -> str:
        """``*`` for the whole corpus, else the family."""
        return self.measures.family


@dataclass(frozen=True)
class MentionCell:
    """Conversations of one family and split, and how many mention each group."""

    family: str
    split: str
    conversations: int
    counts: Mapping[str, int]

    def share(self, group: str) -> Estimate:
        """The share of the cell's conversations that mention ``group``."""
        return wilson(self.counts.get(group, 0), self.conversations)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: per group the count and its share with interval."""
        groups = {g: {"count": self.counts.get(g, 0), **_estimate(self.share(g))} for g in GROUPS}
        return {
            "family": self.family,
            "split": self.split,
            "conversations": self.conversations,
            "groups": groups,
        }


@dataclass(frozen=True)
class BiasReport:
    """The bias and cultural report of one build (numbers only, no record text)."""

    scopes: tuple[BiasScope, ...]
    mentions: tuple[MentionCell, ...]
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_stats(cls, stats: BiasStats) -> BiasReport:
        """The report of ``stats``: all families, then each family; mentions per cell."""
        names: list[str | None] = [None, *stats.families()]
        scopes = tuple(_scope(name, stats.tallies(name)) for name in names)
        mentions = tuple(
            MentionCell(
                family,
                split,
                cell[OVERALL].conversations,
                {g: cell[g].conversations for g in GROUPS if g in cell},
            )
            for (family, split), cell in sorted(stats.cells.items())
        )
        return cls(scopes, mentions, term_sources())

    @property
    def conversations(self) -> int:
        """Conversations of the whole corpus."""
        return self.scopes[0].measures.overall.conversations if self.scopes else 0

    def gate_input(self) -> tuple[FamilyMeasures, ...]:
        """What the bias gate judges: each family's measures (not the corpus-wide scope)."""
        return tuple(s.measures for s in self.scopes if s.name != ALL_FAMILIES)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: stable key order, floats rounded to 6 digits."""
        return {
            "format_version": FORMAT_VERSION,
            "annotation_version": ANNOTATION_VERSION,
            "groups": list(GROUPS),
            "intervals": "95%: Wilson (shares, rates), normal approximation (means), "
            "Poisson approximation (flagged wording per turn)",
            "term_lists": self.sources,
            "conversations": self.conversations,
            "scopes": [_scope_dict(scope) for scope in self.scopes],
            "mentions": [cell.to_dict() for cell in self.mentions],
        }

    def to_json(self) -> bytes:
        """``to_dict`` as indented JSON with sorted keys."""
        return codec.dumps(self.to_dict(), indent=True)

    def to_markdown(self) -> str:
        """Readable tables: per scope, each group beside the overall; then mentions."""
        lines = ["# Bias and cultural report", "", _sources_note(self.sources), ""]
        lines += [
            "Rates and means are of the therapist side: crisis-resource and referral rates per",
            "conversation with a therapist turn, flagged wording per therapist turn, words per",
            "turn averaged per conversation. `[low-high]` is the 95% interval, and `*` marks a",
            "group whose interval excludes the overall value.",
            "",
        ]
        for scope in self.scopes:
            lines += _markdown_scope(scope)
        lines += ["## Mentions per family and split", ""]
        lines.append("| family | split | conversations | " + " | ".join(GROUPS) + " |")
        lines.append("|---|---|---:|" + "---:|" * len(GROUPS))
        for cell in self.mentions:
            counts = [f"{cell.counts.get(g, 0):,} ({_pct(cell.share(g).value)})" for g in GROUPS]
            lines.append(
                f"| {_md(cell.family)} | {_md(cell.split)} | {cell.conversations:,} | "
                + " | ".join(counts)
                + " |"
            )
        return "\n".join(lines) + "\n"


def write_bias_report(store: Store, prefix: str, report: BiasReport) -> list[str]:
    """Write ``<prefix>/bias_report.json`` and ``<prefix>/bias_report.md`` (the gate's own
    verdict goes to ``bias.json``); returns the keys written."""
    prefix = prefix.strip("/")
    keys = [
        f"{prefix}/bias_report.{ext}" if prefix else f"bias_report.{ext}" for ext in ("json", "md")
    ]
    store.write_bytes(keys[0], report.to_json())
    store.write_bytes(keys[1], report.to_markdown().encode("utf-8"))
    return keys


def render_bias_section(report: BiasReport) -> str:
    """An HTML fragment for the overview: per scope a table and bar charts with 95% error
    bars and the overall value as a dashed line (inline SVG and CSS, no script; every
    string escaped)."""
    parts = [
        '<section class="bias-section">',
        f"<style>{_CSS}</style>",
        "<h2>Bias and cultural report</h2>",
        f'<p class="muted">{_e(_sources_note(report.sources))} Bars: the therapist side of '
        "conversations that mention each group; whiskers: 95% interval; dashed line: the "
        "overall value; red: the interval excludes it.</p>",
    ]
    for scope in report.scopes:
        parts += _html_scope(scope)
    parts += _html_mentions(report.mentions)
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def _scope(family: str | None, tallies: Mapping[str, GroupTally]) -> BiasScope:
    overall = tallies[OVERALL]
    groups = tuple(
        group_measures(g, tallies.get(g, GroupTally()), overall.conversations) for g in GROUPS
    )
    measures = FamilyMeasures(
        family if family is not None else ALL_FAMILIES,
        group_measures(OVERALL, overall, overall.conversations),
        groups,
    )
    return BiasScope(measures, dict(tallies))


def _measure(measures: GroupMeasures, name: str) -> Estimate:
    if name == "flagged":
        return measures.flagged_rate
    value: Estimate = getattr(measures, name)
    return value


def _counts(tally: GroupTally, name: str) -> int | None:
    return {"crisis_resource": tally.crisis_resource, "referral": tally.referral}.get(
        name, tally.flagged if name == "flagged" else None
    )


def _scope_dict(scope: BiasScope) -> dict[str, Any]:
    overall = scope.measures.overall
    rows = [overall, *scope.measures.groups]
    return {
        "scope": scope.name,
        "conversations": overall.conversations,
        "responses": overall.responses,
        "rows": [_row_dict(m, scope.tallies.get(m.group, GroupTally()), overall) for m in rows],
    }


def _row_dict(m: GroupMeasures, tally: GroupTally, overall: GroupMeasures) -> dict[str, Any]:
    row: dict[str, Any] = {
        "group": m.group,
        "conversations": m.conversations,
        "responses": m.responses,
        "share": _estimate(m.share),
    }
    for name in ("response_length", "tone", "crisis_resource", "referral", "flagged"):
        mine, base = _measure(m, name), _measure(overall, name)
        entry = {
            **_estimate(mine),
            "overall": _round(base.value),
            "differs": m.group != OVERALL and mine.excludes(base.value),
        }
        count = _counts(tally, name)
        if count is not None:
            entry["count"] = count
        row[name] = entry
    return row


def _estimate(e: Estimate) -> dict[str, float | None]:
    return {"value": _round(e.value), "low": _round(e.low), "high": _round(e.high)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def _markdown_scope(scope: BiasScope) -> list[str]:
    overall = scope.measures.overall
    title = "All families" if scope.name == ALL_FAMILIES else f"Family `{_md(scope.name)}`"
    lines = [
        f"## {title}: {overall.conversations:,} conversations, {overall.responses:,} "
        "therapist turns",
        "",
        "| group | conversations (share) | words per turn | tone | crisis resource | referral "
        "| flagged per turn |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in (overall, *scope.measures.groups):
        tally = scope.tallies.get(m.group, GroupTally())
        cells = [f"{m.conversations:,} ({_pct(m.share.value)})"]
        for name in ("response_length", "tone", "crisis_resource", "referral", "flagged"):
            cells.append(_md_value(m, overall, name, tally))
        lines.append(f"| {m.group} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _md_value(m: GroupMeasures, overall: GroupMeasures, name: str, tally: GroupTally) -> str:
    value, interval, count, differs = _value_parts(m, overall, name, tally)
    text = f"{count}: {value}" if count else value
    return text + (f" {interval}" if interval else "") + (" *" if differs else "")


def _value_parts(
    m: GroupMeasures, overall: GroupMeasures, name: str, tally: GroupTally
) -> tuple[str, str, str, bool]:
    """A measure as (value, "[low-high]", count, whether it differs from the overall)."""
    e = _measure(m, name)
    if e.value is None:
        return "-", "", "", False
    show = _formatter(name)
    interval = f"[{show(e.low)}-{show(e.high)}]" if e.low is not None and e.high is not None else ""
    count = _counts(tally, name)
    differs = m.group != OVERALL and name != "share" and e.excludes(_measure(overall, name).value)
    return show(e.value), interval, "" if count is None else f"{count:,}", differs


def _html_scope(scope: BiasScope) -> list[str]:
    overall = scope.measures.overall
    title = "All families" if scope.name == ALL_FAMILIES else f"Family {scope.name}"
    parts = [
        f'<h3>{_e(title)} <span class="muted">({overall.conversations:,} conversations, '
        f"{overall.responses:,} therapist turns)</span></h3>",
        '<table><thead><tr><th>Group</th><th class="num">conversations</th>'
        + "".join(f'<th class="num">{_e(COLUMN_TITLES[n])}</th>' for n in MEASURE_TITLES)
        + "</tr></thead><tbody>",
    ]
    for m in (overall, *scope.measures.groups):
        tally = scope.tallies.get(m.group, GroupTally())
        cells = [f'<td class="num">{m.conversations:,}</td>']
        for name in MEASURE_TITLES:
            value, interval, count, differs = _value_parts(m, overall, name, tally)
            detail = " ".join(x for x in (interval, f"n={count}" if count else "") if x)
            small = f'<br/><span class="muted small">{_e(detail)}</span>' if detail else ""
            css = "num differs" if differs else "num"
            cells.append(f'<td class="{css}">{_e(value)}{small}</td>')
        parts.append(f"<tr><td><b>{_e(m.group)}</b></td>{''.join(cells)}</tr>")
    parts += ["</tbody></table>", '<div class="charts">']
    for name, caption in MEASURE_TITLES.items():
        parts.append(_bar_chart(scope.measures, name, caption))
    parts.append("</div>")
    return parts


def _html_mentions(mentions: tuple[MentionCell, ...]) -> list[str]:
    head = "".join(f'<th class="num">{_e(g)}</th>' for g in GROUPS)
    parts = [
        "<h3>Mentions per family and split</h3>",
        "<table><thead><tr><th>Family</th><th>Split</th>"
        f'<th class="num">conversations</th>{head}</tr></thead><tbody>',
    ]
    for cell in mentions:
        counts = "".join(
            f'<td class="num">{cell.counts.get(g, 0):,}<br/><span class="muted small">'
            f"{_e(_pct(cell.share(g).value))}</span></td>"
            for g in GROUPS
        )
        parts.append(
            f"<tr><td>{_e(cell.family)}</td><td>{_e(cell.split)}</td>"
            f'<td class="num">{cell.conversations:,}</td>{counts}</tr>'
        )
    return [*parts, "</tbody></table>"]


def _bar_chart(measures: FamilyMeasures, name: str, caption: str) -> str:
    """Horizontal bars per group from zero, whiskers for the interval, and the overall value
    as a dashed vertical line (none for shares: the overall share is 1)."""
    rows = [(m.group, _measure(m, name)) for m in measures.groups]
    show = _formatter(name)
    base = None if name == "share" else _measure(measures.overall, name).value
    points = [v for _, e in rows for v in (e.value, e.low, e.high) if v is not None]
    points += [0.0] + ([base] if base is not None else [])
    lo, hi = min(points), max(points)
    if name in ("share", "crisis_resource", "referral"):
        lo, hi = 0.0, max(hi, 0.01)
    span = (hi - lo) or 1.0

    def x(value: float) -> float:
        return LABEL_W + PLOT_W * (value - lo) / span

    height = ROW_H * len(rows) + 34
    out = [
        f'<svg class="chart" viewBox="0 0 {LABEL_W + PLOT_W + 60:.1f} {height:.1f}" '
        f'width="{LABEL_W + PLOT_W + 60:.1f}" height="{height:.1f}" role="img" '
        f'aria-label="{_e(caption)}"><title>{_e(caption)}</title>',
        f'<text x="{LABEL_W:.1f}" y="11" class="tick">{_e(caption)}</text>',
    ]
    for i, (group, e) in enumerate(rows):
        y = 18 + i * ROW_H
        out.append(
            f'<text x="{LABEL_W - 6:.1f}" y="{y + BAR_H - 2:.1f}" text-anchor="end" '
            f'class="name">{_e(group)}</text>'
        )
        if e.value is None:
            out.append(f'<text x="{x(0):.1f}" y="{y + BAR_H - 2:.1f}" class="tick">no data</text>')
            continue
        left, right = sorted((x(0.0), x(e.value)))
        css = "bar differs" if e.excludes(base) else "bar"
        out.append(
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{max(right - left, 0.5):.1f}" '
            f'height="{BAR_H:.1f}" class="{css}">'
            f"<title>{_e(_tooltip(group, e, show))}</title></rect>"
        )
        if e.low is not None and e.high is not None:
            mid, a, b = y + BAR_H / 2, x(e.low), x(e.high)
            out.append(
                f'<line x1="{a:.1f}" y1="{mid:.1f}" x2="{b:.1f}" y2="{mid:.1f}" class="ci"/>'
            )
            for end in (a, b):
                out.append(
                    f'<line x1="{end:.1f}" y1="{y + 2:.1f}" x2="{end:.1f}" '
                    f'y2="{y + BAR_H - 2:.1f}" class="ci"/>'
                )
    bottom = 18 + ROW_H * len(rows)
    out.append(
        f'<line x1="{x(lo):.1f}" y1="{bottom:.1f}" x2="{x(hi):.1f}" y2="{bottom:.1f}" '
        'class="axis"/>'
    )
    for value in (lo, hi):
        out.append(
            f'<text x="{x(value):.1f}" y="{bottom + 12:.1f}" text-anchor="middle" '
            f'class="tick">{_e(show(value))}</text>'
        )
    if base is not None:
        out.append(
            f'<line x1="{x(base):.1f}" y1="14" x2="{x(base):.1f}" y2="{bottom:.1f}" '
            f'class="overall"><title>{_e(f"overall {show(base)}")}</title></line>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _tooltip(group: str, e: Estimate, show: Callable[[float | None], str]) -> str:
    if e.low is None or e.high is None:
        return f"{group}: {show(e.value)}"
    return f"{group}: {show(e.value)} [{show(e.low)}-{show(e.high)}]"


def _sources_note(sources: Mapping[str, Mapping[str, Any]]) -> str:
    names = {"holistic_bias": "HolisticBias", "retext_equality": "retext-equality"}
    parts = [
        f"{names.get(key, key)} ({source.get('repository', '?')} @ "
        f"{str(source.get('commit', '?'))[:12]}, {source.get('license', '?')})"
        for key, source in sorted(sources.items())
    ]
    return "Term lists: " + "; ".join(parts) + "." if parts else "Term lists: unknown."


def _formatter(name: str) -> Callable[[float | None], str]:
    if name in ("share", "crisis_resource", "referral"):
        return _pct
    return _words if name == "response_length" else _num


def _words(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _json_ints(tally: Mapping[str, int]) -> dict[str, int | str]:
    """A tally's counts, those past JSON's 64-bit integers as decimal strings (sums of
    squares in fixed point outgrow them on long responses); ``from_dict`` reads both."""
    return {name: str(n) if abs(n) >= 1 << 63 else n for name, n in tally.items()}
