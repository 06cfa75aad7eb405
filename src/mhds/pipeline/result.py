"""What a build returns, and how it fails: ``BuildResult`` and ``GateFailure``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mhds.errors import MhdsError
from mhds.gates.base import Verdict, Waiver


class GateFailure(MhdsError):
    """A gate failed or errored without a waiver: nothing was published. Carries the
    verdicts, the funnel and the unused waivers so that a caller can show them."""

    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        failed: list[str],
        reports: str,
        verdicts: list[Verdict] | None = None,
        funnel: tuple[dict[str, Any], ...] = (),
        unused_waivers: list[Waiver] | None = None,
    ) -> None:
        super().__init__(
            message,
            failed=failed,
            reports=reports,
            verdicts=verdicts or [],
            funnel=funnel,
            unused_waivers=unused_waivers or [],
        )
        self.failed = failed
        self.reports = reports
        self.verdicts = verdicts or []
        self.funnel = funnel
        self.unused_waivers = unused_waivers or []


@dataclass
class BuildResult:
    """What a build did (counts, keys; never text).

    ``resumed`` lists the input shards whose per-record steps an earlier, interrupted build
    of the same inputs and config had finished (their done markers were reused).
    """

    build_id: str
    build_key: str
    version: str | None = None
    published: bool = False
    # The build id of the candidate it staged (sign-off required), else None.
    candidate: str | None = None
    content_digest: str = ""
    verdicts: list[Verdict] = field(default_factory=list)
    reports: str = ""
    audit_key: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    resumed: list[str] = field(default_factory=list)
    # Whole-corpus phases (dedup, links) an interrupted build of the same inputs had finished.
    resumed_phases: list[str] = field(default_factory=list)
    # Wall seconds per stage, in order: ingest, pii, dedup, links, splits, compile, gates,
    # publish.
    seconds: dict[str, float] = field(default_factory=dict)
    # Waivers of the release config that covered no failure (reported, never silent).
    unused_waivers: list[Waiver] = field(default_factory=list)
    # Per source: items read -> quarantined -> reviewed -> duplicates -> released
    # (``SourceFunnel.to_dict`` rows).
    funnel: tuple[dict[str, Any], ...] = ()
    # The previous release's records this one does not hold, per source and reason
    # (``PreviousState.removed`` rows).
    removed: list[dict[str, Any]] = field(default_factory=list)
