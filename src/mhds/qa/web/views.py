"""Page models of the review web app: what each page shows, computed from the QA library's
state, so that templates only lay out values (and escape every one of them)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mhds.qa.decisions import Decision
from mhds.qa.review import ItemState, RunStatus
from mhds.qa.rubric import SCALE_MAX, SCALE_MIN, Review
from mhds.records.schema import Record

#: Redaction placeholders the PII step writes (``[PERSON_1]``, ``[PHONE_NUMBER_2]``).
PLACEHOLDER = re.compile(r"\[[A-Z_]+_\d+\]")
SCORE_FIELD = "score."
SCALE = tuple(range(SCALE_MIN, SCALE_MAX + 1))
DIGEST_CHARS = 12


class FormError(ValueError):
    """A submitted form is malformed (a score missing or not on the scale); the message
    names the field, never what was typed."""


@dataclass(frozen=True)
class Segment:
    """A run of message text, and whether it is a redaction placeholder."""

    text: str
    placeholder: bool


@dataclass(frozen=True)
class MessageView:
    """One message of a conversation: its role and its text in segments."""

    role: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class ItemRow:
    """One line of a reviewer's list: the item and where their review of it stands."""

    item_id: str
    family: str
    split: str
    stratum: str
    status: str  # "to do", "done" or "revised"


@dataclass(frozen=True)
class QueueRow:
    """One item an adjudicator may decide, and why it needs a decision."""

    item_id: str
    family: str
    split: str
    stratum: str
    reasons: tuple[str, ...]
    adjudicated: bool
    own: bool  # the adjudicator reviewed it, so another must decide


@dataclass(frozen=True)
class Position:
    """Where an item sits in a reviewer's list: ``index`` of ``total`` (1-based)."""

    index: int
    total: int
    previous: str | None
    next: str | None


@dataclass(frozen=True)
class CriterionField:
    """One criterion of the review form, with the value to show checked."""

    key: str
    label: str
    weight: float
    threshold: float
    guideline: str
    value: int | None
    previous: str | None  # a stored score the 0-10 radios cannot show (7.5)

    @property
    def name(self) -> str:
        """The form field's name."""
        return SCORE_FIELD + self.key


@dataclass(frozen=True)
class DecisionForm:
    """What a review or adjudication form shows filled in."""

    criteria: tuple[CriterionField, ...] = ()
    outcome: str | None = None
    pii_found: bool | None = None
    pii_span: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ScoreRow:
    """One criterion across an item's reviews; ``gap`` when the scores differ enough to
    send the item to adjudication."""

    label: str
    threshold: float
    scores: tuple[str, ...]
    gap: bool


@dataclass(frozen=True)
class ReviewColumn:
    """One reviewer's current review, as the adjudication page shows it."""

    reviewer: str
    weighted: str
    outcome: str
    pii_found: bool
    pii_span: str
    notes: str
    created: str


@dataclass(frozen=True)
class Comparison:
    """An item's reviews side by side."""

    columns: tuple[ReviewColumn, ...]
    rows: tuple[ScoreRow, ...]
    reasons: tuple[str, ...]


def split_placeholders(text: str) -> tuple[Segment, ...]:
    """``text`` cut into plain runs and redaction placeholders, in order."""
    segments = []
    start = 0
    for match in PLACEHOLDER.finditer(text):
        if match.start() > start:
            segments.append(Segment(text[start : match.start()], False))
        segments.append(Segment(match.group(), True))
        start = match.end()
    if start < len(text):
        segments.append(Segment(text[start:], False))
    return tuple(segments)


def conversation(record: Record) -> tuple[MessageView, ...]:
    """The record's messages, ready to show."""
    return tuple(MessageView(m.role, split_placeholders(m.content)) for m in record.messages)


def short_digest(digest: str) -> str:
    """``sha256:1e4a34184e8f`` from a full content digest."""
    algorithm, _, hexdigest = digest.partition(":")
    return f"{algorithm}:{hexdigest[:DIGEST_CHARS]}" if hexdigest else digest[:DIGEST_CHARS]


def format_score(value: float | None) -> str:
    """``9`` or ``7.5``; an empty string for no score."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def review_status(state: ItemState, reviewer: str) -> str:
    """``to do``, ``done`` or ``revised``: where ``reviewer``'s review of the item stands."""
    mine = state.reviews.get(reviewer)
    if mine is None:
        return "to do"
    return "revised" if mine.decision.supersedes else "done"


def reviewer_rows(status: RunStatus, reviewer: str) -> tuple[ItemRow, ...]:
    """The reviewer's items, in review order."""
    return tuple(
        ItemRow(
            s.item.item_id,
            s.item.family,
            s.item.split,
            s.item.stratum,
            review_status(s, reviewer),
        )
        for s in status.assigned(reviewer)
    )


def next_to_do(status: RunStatus, reviewer: str, after: str | None = None) -> str | None:
    """The reviewer's next item without their review: the first after ``after`` in review
    order, else the first from the top; None when all are done."""
    ids = [s.item.item_id for s in status.assigned(reviewer) if reviewer not in s.reviews]
    if not ids:
        return None
    if after is not None:
        order = [s.item.item_id for s in status.assigned(reviewer)]
        if after in order:
            later = set(order[order.index(after) + 1 :])
            return next((i for i in ids if i in later), ids[0])
    return ids[0]


def position(item_ids: Sequence[str], item_id: str) -> Position:
    """Where ``item_id`` is in ``item_ids``, with its neighbours."""
    index = item_ids.index(item_id)
    return Position(
        index + 1,
        len(item_ids),
        item_ids[index - 1] if index > 0 else None,
        item_ids[index + 1] if index + 1 < len(item_ids) else None,
    )


def queue_rows(status: RunStatus, adjudicator: str) -> tuple[QueueRow, ...]:
    """Items needing an adjudicator's decision: the queue first, then those decided."""
    states = sorted(
        (s for s in status.items if s.needs_adjudication),
        key=lambda s: s.adjudication is not None,
    )
    return tuple(
        QueueRow(
            s.item.item_id,
            s.item.family,
            s.item.split,
            s.item.stratum,
            s.reasons,
            s.adjudication is not None,
            adjudicator in s.item.reviewers,
        )
        for s in states
    )


def review_form(review: Review, decision: Decision | None) -> DecisionForm:
    """The review form, filled in from the reviewer's current review when there is one."""
    scores = decision.scores if decision else {}
    return DecisionForm(
        criteria=tuple(_criterion(review, key, scores.get(key)) for key in review.keys),
        pii_found=decision.pii_found if decision else None,
        pii_span=decision.pii_span if decision else "",
        notes=decision.notes if decision else "",
    )


def submitted_review_form(review: Review, form: Mapping[str, str]) -> DecisionForm:
    """The review form as submitted (to show again beside an error)."""
    values = {key: _score_or_none(form.get(SCORE_FIELD + key, "")) for key in review.keys}
    return DecisionForm(
        criteria=tuple(_criterion(review, key, values[key]) for key in review.keys),
        pii_found=_yes_no_or_none(form.get("pii_found", "")),
        pii_span=form.get("pii_span", ""),
        notes=form.get("notes", ""),
    )


def adjudication_form(decision: Decision | None) -> DecisionForm:
    """The adjudication form, filled in from the current adjudication when there is one."""
    if decision is None:
        return DecisionForm()
    return DecisionForm(
        outcome=decision.outcome,
        pii_found=decision.pii_found,
        pii_span=decision.pii_span,
        notes=decision.notes,
    )


def submitted_adjudication_form(form: Mapping[str, str]) -> DecisionForm:
    """The adjudication form as submitted."""
    outcome = form.get("outcome", "")
    return DecisionForm(
        outcome=outcome if outcome in ("pass", "fail") else None,
        pii_found=_yes_no_or_none(form.get("pii_found", "")),
        pii_span=form.get("pii_span", ""),
        notes=form.get("notes", ""),
    )


def parse_scores(review: Review, form: Mapping[str, str]) -> dict[str, float]:
    """Criterion key -> score from a submitted review form.

    Raises:
        FormError: a criterion unanswered or not a number on the scale (naming it).
    """
    scores: dict[str, float] = {}
    missing = []
    for criterion in review.criteria:
        value = _score_or_none(form.get(SCORE_FIELD + criterion.key, ""))
        if value is None:
            missing.append(criterion.label)
        else:
            scores[criterion.key] = float(value)
    if missing:
        raise FormError(f"score {', '.join(missing)} from {SCALE_MIN} to {SCALE_MAX}")
    return scores


def parse_yes_no(value: str, question: str) -> bool:
    """``yes`` -> True, ``no`` -> False.

    Raises:
        FormError: neither (naming the question).
    """
    answer = _yes_no_or_none(value)
    if answer is None:
        raise FormError(f"answer yes or no: {question}")
    return answer


def compare_reviews(state: ItemState, review: Review) -> Comparison:
    """The item's reviews side by side, criterion by criterion."""
    names = [name for name in state.item.reviewers if name in state.reviews]
    decisions = [state.reviews[name].decision for name in names]
    rows = tuple(
        ScoreRow(
            c.label,
            c.threshold,
            tuple(format_score(d.scores.get(c.key)) for d in decisions),
            f"score_gap:{c.key}" in state.reasons,
        )
        for c in review.criteria
    )
    columns = tuple(
        ReviewColumn(
            name,
            format_score(d.weighted),
            d.outcome,
            d.pii_found,
            d.pii_span,
            d.notes,
            d.created,
        )
        for name, d in zip(names, decisions, strict=True)
    )
    return Comparison(columns, rows, state.reasons)


def _criterion(review: Review, key: str, score: float | None) -> CriterionField:
    criterion = next(c for c in review.criteria if c.key == key)
    shown = int(score) if score is not None and float(score).is_integer() else None
    previous = format_score(score) if score is not None and shown is None else None
    return CriterionField(
        criterion.key,
        criterion.label,
        criterion.weight,
        criterion.threshold,
        criterion.guideline,
        shown,
        previous,
    )


def _score_or_none(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if not math.isfinite(value) or not SCALE_MIN <= value <= SCALE_MAX:
        return None
    return value


def _yes_no_or_none(text: str) -> bool | None:
    return {"yes": True, "no": False}.get(text.strip().lower())
