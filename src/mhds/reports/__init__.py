"""Reports: every gate's JSON and Markdown report, and one HTML overview with plots."""

from mhds.reports.html import (
    gate_markdown,
    render_overview,
    write_gate_reports,
    write_release_report,
)
from mhds.reports.model import ReleaseReport

__all__ = [
    "ReleaseReport",
    "gate_markdown",
    "render_overview",
    "write_gate_reports",
    "write_release_report",
]
