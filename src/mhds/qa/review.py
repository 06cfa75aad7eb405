"""Reviewing a QA run: submitting reviews and adjudications, and where the run stands.

A review scores an item on its rubric's criteria (0-10) and answers the privacy question; the
rubric's pass rule turns the scores into pass or fail. An item goes to adjudication when its
reviewers disagree on pass/fail, when their scores on one criterion differ by ``score_gap`` or
more, or when any of them found a personal identifier. An adjudicator (never one of the item's
reviewers) decides its outcome and whether the identifier is real; an identifier confirmed
fails the item. ``run_status`` derives everything (progress, queue, outcomes, pass rates,
agreement) from the current decisions, never from a cached summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mhds.qa.agreement import AgreementSummary, summarize_agreement
from mhds.qa.decisions import (
    Decision,
    DecisionError,
    StoredDecision,
    check_note,
    current_decisions,
    item_adjudications,
    load_decisions,
    utc_now,
    write_decision,
)
from mhds.qa.reviewers import Reviewer
from mhds.qa.run import QARun
from mhds.qa.sampling import SampleItem
from mhds.store.base import Store

MAX_SPAN_CHARS = 500


@dataclass(frozen=True)
class ItemState:
    """One item and its current decisions."""

    item: SampleItem
    reviews: Mapping[str, StoredDecision]
    adjudication: StoredDecision | None
    reasons: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Every assigned reviewer has reviewed it."""
        return all(name in self.reviews for name in self.item.reviewers)

    @property
    def needs_adjudication(self) -> bool:
        """Complete, with a disagreement or an identifier found."""
        return self.complete and bool(self.reasons)

    @property
    def queued(self) -> bool:
        """Waiting for an adjudicator."""
        return self.needs_adjudication and self.adjudication is None

    @property
    def pii_flagged(self) -> bool:
        """A reviewer said the text still holds a personal identifier."""
        return any(d.decision.pii_found for d in self.reviews.values())

    @property
    def pii_confirmed(self) -> bool:
        """An adjudicator confirmed the identifier."""
        return self.adjudication is not None and self.adjudication.decision.pii_found

    @property
    def outcome(self) -> str | None:
        """``pass`` or ``fail`` once decided; None while reviews or adjudication are due."""
        if self.adjudication is not None:
            return "fail" if self.pii_confirmed else self.adjudication.decision.outcome
        if not self.complete or self.reasons:
            return None
        return next(iter(self.reviews.values())).decision.outcome


@dataclass(frozen=True)
class RunStatus:
    """Where a QA run stands."""

    run: QARun
    items: tuple[ItemState, ...]
    agreement: AgreementSummary
    decisions: tuple[StoredDecision, ...] = field(default=())

    def assigned(self, reviewer: str) -> tuple[ItemState, ...]:
        """The items assigned to ``reviewer``, in review order."""
        return tuple(s for s in self.items if reviewer in s.item.reviewers)

    def queue(self) -> tuple[ItemState, ...]:
        """Items waiting for adjudication."""
        return tuple(s for s in self.items if s.queued)

    def state(self, item_id: str) -> ItemState | None:
        """One item's state."""
        return next((s for s in self.items if s.item.item_id == item_id), None)

    def pass_rates(self) -> dict[str, tuple[int, int]]:
        """family -> (items passed, items decided), over the family strata (bias strata are
        judged with another review and reported apart)."""
        rates: dict[str, list[int]] = {}
        for s in self.items:
            if s.outcome is None or s.item.stratum.startswith("bias:"):
                continue
            entry = rates.setdefault(s.item.family, [0, 0])
            entry[0] += s.outcome == "pass"
            entry[1] += 1
        return {family: (p, n) for family, (p, n) in sorted(rates.items())}

    def failed_records(self) -> tuple[str, ...]:
        """Ids of records some item of which failed review, sorted."""
        return tuple(sorted({s.item.record_id for s in self.items if s.outcome == "fail"}))

    def progress(self) -> dict[str, Any]:
        """Counts for a status line (no text)."""
        per_reviewer: dict[str, dict[str, int]] = {}
        for s in self.items:
            for name in s.item.reviewers:
                entry = per_reviewer.setdefault(name, {"assigned": 0, "done": 0})
                entry["assigned"] += 1
                entry["done"] += name in s.reviews
        return {
            "items": len(self.items),
            "reviews_due": sum(len(s.item.reviewers) for s in self.items),
            "reviews_done": sum(len(s.reviews) for s in self.items),
            "complete": sum(s.complete for s in self.items),
            "queued": len(self.queue()),
            "adjudicated": sum(s.adjudication is not None for s in self.items),
            "pii_flagged": sum(s.pii_flagged for s in self.items),
            "pii_confirmed": sum(s.pii_confirmed for s in self.items),
            "passed": sum(s.outcome == "pass" for s in self.items),
            "failed": sum(s.outcome == "fail" for s in self.items),
            "reviewers": dict(sorted(per_reviewer.items())),
        }


def run_status(store: Store, qa_prefix: str, run: QARun) -> RunStatus:
    """Derive the run's state from its current decisions."""
    stored = load_decisions(store, qa_prefix, run.name)
    current = current_decisions(stored)
    adjudications = item_adjudications(current)
    gap = run.config.score_gap
    states = []
    for item in run.items:
        reviews = {
            name: current[(item.item_id, name, "review")]
            for name in item.reviewers
            if (item.item_id, name, "review") in current
        }
        adjudication = adjudications.get(item.item_id)
        resolved = {d.decision_id for d in reviews.values()}
        if adjudication is not None and set(adjudication.decision.resolves) != resolved:
            adjudication = None  # a review changed since: the item is adjudicated again
        states.append(ItemState(item, reviews, adjudication, _reasons(reviews, gap)))
    return RunStatus(run, tuple(states), _agreement(run, states), tuple(stored))


def submit_review(
    store: Store,
    qa_prefix: str,
    run: QARun,
    reviewer: Reviewer,
    item_id: str,
    scores: Mapping[str, float],
    *,
    pii_found: bool = False,
    pii_span: str = "",
    notes: str = "",
    source: str = "web",
) -> StoredDecision:
    """Record ``reviewer``'s review of ``item_id`` (a revision when they reviewed it before).

    Raises:
        DecisionError: the item is not assigned to them, a score is missing or out of the
            scale, or an identifier is reported without its span.
    """
    item = _assigned(run, reviewer, item_id)
    review = run.rubric.reviews[item.review]
    try:
        judgement = review.judge(scores)
    except ValueError as exc:
        raise DecisionError(f"item {item_id}: {exc}") from None
    span = _span(pii_found, pii_span, item_id)
    previous = _current(store, qa_prefix, run, item_id, reviewer.name, "review")
    decision = Decision(
        run=run.name,
        item_id=item_id,
        reviewer=reviewer.name,
        role=reviewer.role,
        kind="review",
        outcome="pass" if judgement.passed else "fail",
        scores=dict(scores),
        weighted=judgement.weighted,
        pii_found=pii_found,
        pii_span=span,
        notes=check_note(notes),
        supersedes=previous,
        rubric_digest=run.rubric.digest(),
        source=source,
        created=utc_now(),
    )
    return write_decision(store, qa_prefix, decision)


def submit_adjudication(
    store: Store,
    qa_prefix: str,
    run: QARun,
    adjudicator: Reviewer,
    item_id: str,
    outcome: str,
    *,
    pii_found: bool = False,
    pii_span: str = "",
    notes: str = "",
    source: str = "web",
) -> StoredDecision:
    """Record an adjudicator's decision on a queued item.

    Raises:
        DecisionError: not an adjudicator, one of the item's reviewers, an item with
            nothing to adjudicate, or a bad outcome.
    """
    if adjudicator.role != "adjudicator":
        raise DecisionError(f"{adjudicator.name} is a {adjudicator.role}, not an adjudicator")
    if outcome not in ("pass", "fail"):
        raise DecisionError(f"outcome must be pass or fail, not {outcome!r}")
    status = run_status(store, qa_prefix, run)
    state = status.state(item_id)
    if state is None:
        raise DecisionError(f"no item {item_id!r} in QA run {run.name}")
    if adjudicator.name in state.item.reviewers:
        raise DecisionError(f"{adjudicator.name} reviewed item {item_id}: ask another adjudicator")
    if not state.needs_adjudication:
        raise DecisionError(f"item {item_id} has nothing to adjudicate")
    # The item's adjudication now, stale or not (status.state keeps only a current one).
    last = item_adjudications(current_decisions(status.decisions)).get(item_id)
    previous = last.decision_id if last else None
    decision = Decision(
        run=run.name,
        item_id=item_id,
        reviewer=adjudicator.name,
        role=adjudicator.role,
        kind="adjudication",
        outcome="pass" if outcome == "pass" else "fail",
        pii_found=pii_found,
        pii_span=_span(pii_found, pii_span, item_id),
        notes=check_note(notes),
        supersedes=previous,
        resolves=tuple(sorted(d.decision_id for d in state.reviews.values())),
        rubric_digest=run.rubric.digest(),
        source=source,
        created=utc_now(),
    )
    return write_decision(store, qa_prefix, decision)


def _assigned(run: QARun, reviewer: Reviewer, item_id: str) -> SampleItem:
    item = run.item(item_id)
    if item is None or reviewer.name not in item.reviewers:
        # One message for both: a reviewer learns nothing of items not theirs.
        raise DecisionError(f"item {item_id!r} is not assigned to {reviewer.name}")
    return item


def _span(pii_found: bool, span: str, item_id: str) -> str:
    span = span.strip()
    if pii_found and not span:
        raise DecisionError(f"item {item_id}: quote the identifier you found")
    if len(span) > MAX_SPAN_CHARS:
        raise DecisionError(f"item {item_id}: the quoted span is over {MAX_SPAN_CHARS} characters")
    return span if pii_found else ""


def _current(
    store: Store, qa_prefix: str, run: QARun, item_id: str, reviewer: str, kind: str
) -> str | None:
    current = current_decisions(load_decisions(store, qa_prefix, run.name))
    found = current.get((item_id, reviewer, kind))
    return found.decision_id if found else None


def _reasons(reviews: Mapping[str, StoredDecision], gap: float) -> tuple[str, ...]:
    """Why an item needs adjudication (empty: it does not)."""
    decisions = [d.decision for d in reviews.values()]
    reasons = []
    if len({d.outcome for d in decisions}) > 1:
        reasons.append("pass_fail")
    keys = sorted({k for d in decisions for k in d.scores})
    for key in keys:
        values = [d.scores[key] for d in decisions if key in d.scores]
        if len(values) > 1 and max(values) - min(values) >= gap:
            reasons.append(f"score_gap:{key}")
    if any(d.pii_found for d in decisions):
        reasons.append("pii")
    return tuple(reasons)


def _agreement(run: QARun, states: list[ItemState]) -> AgreementSummary:
    """Per criterion (``<review>.<criterion>``) and on pass/fail. One column per reviewer of
    the run (None where they did not rate the item): with two reviewers that is Cohen's two
    fixed raters; with more, every item has ``overlap`` ratings and Fleiss' kappa applies."""
    people = sorted({name for item in run.items for name in item.reviewers})
    criteria: dict[str, list[list[float | None]]] = {}
    outcomes: list[list[float | None]] = []
    for state in states:
        if not state.reviews:
            continue
        slots = [state.reviews.get(name) for name in people]
        outcomes.append([None if d is None else float(d.decision.outcome == "pass") for d in slots])
        review = run.rubric.reviews[state.item.review]
        for key in review.keys:
            criteria.setdefault(f"{state.item.review}.{key}", []).append(
                [None if d is None else d.decision.scores.get(key) for d in slots]
            )
    return summarize_agreement(criteria, outcomes)
