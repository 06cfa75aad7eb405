"""Reviews done elsewhere: decisions imported from JSONL (the decision schema), and the sample
exported as Label Studio tasks whose JSON export is read back as decisions.

Every line or task is checked before anything is written (item assigned to that reviewer,
scores complete and on the scale, an identifier quoted); a bad one is an error naming the file,
the line or task and the field, and nothing of the file is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from mhds.errors import ConfigError
from mhds.qa.decisions import MAX_NOTE_CHARS, DecisionError, StoredDecision
from mhds.qa.review import MAX_SPAN_CHARS, submit_adjudication, submit_review
from mhds.qa.reviewers import Reviewer, load_reviewers
from mhds.qa.run import QARun, sample_records
from mhds.records import codec
from mhds.store.base import Store

PII_FOUND = "pii_found"
PII_SPAN = "pii_span"
NOTES = "notes"


@dataclass(frozen=True)
class Imported:
    """One decision read from a file, checked, not yet written."""

    where: str
    reviewer: Reviewer
    kind: str
    item_id: str
    scores: dict[str, float]
    outcome: str
    pii_found: bool
    pii_span: str
    notes: str


def read_decisions_jsonl(
    path: Path, run: QARun, reviewers: Mapping[str, Reviewer]
) -> list[Imported]:
    """Parse and check a JSONL file of decisions (one object per line: ``item_id``,
    ``reviewer``, ``kind`` (review|adjudication), ``scores``, ``outcome`` (adjudications),
    ``pii_found``, ``pii_span``, ``notes``).

    Raises:
        ConfigError: unreadable file, or a line that is not valid (file:line: field: why).
    """
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read: {type(exc).__name__}", source=str(path)) from None
    found = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = codec.loads(line)
        except codec.DecodeError:
            raise ConfigError(f"{where}: not JSON") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: not an object")
        if data.get("run", run.name) != run.name:
            raise ConfigError(f"{where}: field 'run': {data['run']!r} is not {run.name!r}")
        found.append(_checked(where, data, run, reviewers))
    return found


def _checked(
    where: str, data: Mapping[str, Any], run: QARun, reviewers: Mapping[str, Reviewer]
) -> Imported:
    for name in ("item_id", "reviewer", "kind"):
        if not isinstance(data.get(name), str):
            raise ConfigError(f"{where}: field {name!r}: missing or not a string")
    reviewer = reviewers.get(data["reviewer"])
    if reviewer is None:
        raise ConfigError(f"{where}: field 'reviewer': {data['reviewer']!r} is not registered")
    item = run.item(data["item_id"])
    kind = data["kind"]
    if kind not in ("review", "adjudication"):
        raise ConfigError(f"{where}: field 'kind': review or adjudication, not {kind!r}")
    if item is None or (kind == "review" and reviewer.name not in item.reviewers):
        raise ConfigError(f"{where}: field 'item_id': not assigned to {reviewer.name}")
    if kind == "adjudication" and (
        reviewer.role != "adjudicator" or reviewer.name in item.reviewers
    ):
        raise ConfigError(
            f"{where}: field 'reviewer': {reviewer.name} cannot adjudicate this item "
            "(an adjudicator who did not review it)"
        )
    scores = data.get("scores") or {}
    if not isinstance(scores, dict):
        raise ConfigError(f"{where}: field 'scores': an object of criterion -> score")
    outcome = str(data.get("outcome", ""))
    if kind == "review":
        try:
            judgement = run.rubric.reviews[item.review].judge(scores)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where}: field 'scores': {exc}") from None
        outcome = "pass" if judgement.passed else "fail"
    elif outcome not in ("pass", "fail"):
        raise ConfigError(f"{where}: field 'outcome': pass or fail, not {outcome!r}")
    pii_found = data.get(PII_FOUND, False)
    if not isinstance(pii_found, bool):
        raise ConfigError(f"{where}: field 'pii_found': true or false")
    span = str(data.get(PII_SPAN) or "")
    if pii_found and not span.strip():
        raise ConfigError(f"{where}: field 'pii_span': quote the identifier found")
    notes = str(data.get(NOTES) or "")
    for name, text, limit in ((PII_SPAN, span, MAX_SPAN_CHARS), (NOTES, notes, MAX_NOTE_CHARS)):
        if len(text.strip()) > limit:
            raise ConfigError(f"{where}: field {name!r}: at most {limit} characters")
    try:
        numbers = {str(k): float(v) for k, v in scores.items()}
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: field 'scores': numbers only") from None
    return Imported(where, reviewer, kind, item.item_id, numbers, outcome, pii_found, span, notes)


def write_imported(
    store: Store, qa_prefix: str, run: QARun, imported: list[Imported], source: str
) -> list[StoredDecision]:
    """Write checked decisions in file order (reviews before adjudications, which need
    them); each is a revision of the reviewer's current decision when there is one."""
    written = []
    ordered = sorted(imported, key=lambda d: d.kind != "review")
    for d in ordered:
        try:
            written.append(_write_one(store, qa_prefix, run, d, source))
        except DecisionError as exc:
            raise DecisionError(
                f"{d.where}: {exc.message} ({len(written)} decision(s) of the file written)"
            ) from None
    return written


def _write_one(
    store: Store, qa_prefix: str, run: QARun, d: Imported, source: str
) -> StoredDecision:
    if d.kind == "review":
        return submit_review(
            store,
            qa_prefix,
            run,
            d.reviewer,
            d.item_id,
            d.scores,
            pii_found=d.pii_found,
            pii_span=d.pii_span,
            notes=d.notes,
            source=source,
        )
    return submit_adjudication(
        store,
        qa_prefix,
        run,
        d.reviewer,
        d.item_id,
        d.outcome,
        pii_found=d.pii_found,
        pii_span=d.pii_span,
        notes=d.notes,
        source=source,
    )


def import_decisions(
    store: Store,
    qa_prefix: str,
    run: QARun,
    path: Path,
    *,
    label_studio: bool = False,
    reviewer_map: Mapping[str, str] | None = None,
) -> list[StoredDecision]:
    """Import a JSONL file of decisions, or a Label Studio JSON export, into ``run``."""
    reviewers = load_reviewers(store, qa_prefix)
    if label_studio:
        imported = read_label_studio(path, run, reviewers, reviewer_map or {})
        return write_imported(store, qa_prefix, run, imported, "label_studio")
    return write_imported(
        store, qa_prefix, run, read_decisions_jsonl(path, run, reviewers), "import"
    )


def export_label_studio(store: Store, qa_prefix: str, run: QARun, folder: Path) -> list[Path]:
    """Write, per review of the rubric the sample uses, ``<review>.tasks.json`` (one task per
    item: the conversation as dialogue, the item's ids and assigned reviewers) and
    ``<review>.label_config.xml`` (the labelling interface: one 0-10 number per criterion,
    the privacy question, notes). Returns the files written."""
    records = sample_records(store, qa_prefix, run.name)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for review_key in sorted({item.review for item in run.items}):
        tasks = []
        for item in run.items:
            if item.review != review_key:
                continue
            record = records[item.record_id]
            tasks.append(
                {
                    "data": {
                        "item_id": item.item_id,
                        "record_id": item.record_id,
                        "family": item.family,
                        "split": item.split,
                        "stratum": item.stratum,
                        "assigned": list(item.reviewers),
                        "dialogue": [
                            {"role": m.role, "content": m.content} for m in record.messages
                        ],
                    }
                }
            )
        tasks_path = folder / f"{review_key}.tasks.json"
        tasks_path.write_bytes(codec.dumps(tasks, indent=True))
        config_path = folder / f"{review_key}.label_config.xml"
        config_path.write_text(label_config(run, review_key), encoding="utf-8")
        written += [tasks_path, config_path]
    return written


def label_config(run: QARun, review_key: str) -> str:
    """Label Studio's labelling interface for one review of the rubric."""
    review = run.rubric.reviews[review_key]
    lines = [
        "<View>",
        '  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue" '
        'nameKey="role" textKey="content"/>',
    ]
    for c in review.criteria:
        hint = f"{c.label} (weight {c.weight}, pass at {c.threshold:g}): {c.guideline}"
        lines.append(f"  <Header value={quoteattr(hint)}/>")
        lines.append(
            f'  <Number name="{c.key}" toName="dialogue" min="0" max="10" required="true"/>'
        )
    lines += [
        f"  <Header value={quoteattr(run.rubric.pii_question)}/>",
        f'  <Choices name="{PII_FOUND}" toName="dialogue" choice="single" required="true">',
        '    <Choice value="no"/>',
        '    <Choice value="yes"/>',
        "  </Choices>",
        f'  <TextArea name="{PII_SPAN}" toName="dialogue" placeholder="the identifier, quoted"/>',
        f'  <TextArea name="{NOTES}" toName="dialogue" placeholder="notes"/>',
        "</View>",
    ]
    return "\n".join(lines) + "\n"


def read_label_studio(
    path: Path, run: QARun, reviewers: Mapping[str, Reviewer], reviewer_map: Mapping[str, str]
) -> list[Imported]:
    """Decisions from a Label Studio JSON export of tasks made by ``export_label_studio``.

    Each (not cancelled) annotation is one review; ``completed_by`` (a user id, or an object
    with ``email``) maps to a reviewer through ``reviewer_map`` (or is one's name already).

    Raises:
        ConfigError: unreadable file, or a task or annotation that is not valid (naming the
            task index and the field).
    """
    try:
        tasks = codec.loads(path.read_bytes())
    except (OSError, codec.DecodeError) as exc:
        raise ConfigError(f"cannot read: {type(exc).__name__}", source=str(path)) from None
    if not isinstance(tasks, list):
        raise ConfigError("a Label Studio JSON export is a list of tasks", source=str(path))
    found = []
    for index, task in enumerate(tasks):
        where = f"{path}: task {index}"
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("item_id"), str):
            raise ConfigError(f"{where}: field 'data.item_id': missing")
        for number, annotation in enumerate(task.get("annotations") or []):
            if not isinstance(annotation, dict):
                raise ConfigError(f"{where} annotation {number}: not an object")
            if annotation.get("was_cancelled"):
                continue
            at = f"{where} annotation {number}"
            name = _annotator(annotation.get("completed_by"), reviewer_map, reviewers, at)
            found.append(
                _checked(at, _decision_of(annotation, data["item_id"], name, at), run, reviewers)
            )
    return found


def _annotator(
    completed_by: Any,
    reviewer_map: Mapping[str, str],
    reviewers: Mapping[str, Reviewer],
    where: str,
) -> str:
    keys = []
    if isinstance(completed_by, dict):
        keys = [str(completed_by.get(k)) for k in ("email", "id") if completed_by.get(k)]
    elif completed_by is not None:
        keys = [str(completed_by)]
    for key in keys:
        if key in reviewer_map:
            return reviewer_map[key]
    for key in keys:
        if key in reviewers:  # Label Studio users named like the reviewers
            return key
    raise ConfigError(
        f"{where}: field 'completed_by': {', '.join(keys) or 'none'} maps to no reviewer "
        "(pass --reviewer LABEL_STUDIO_USER=NAME)"
    )


def _decision_of(
    annotation: Mapping[str, Any], item_id: str, name: str, where: str
) -> dict[str, Any]:
    scores: dict[str, float] = {}
    decision: dict[str, Any] = {"item_id": item_id, "reviewer": name, "kind": "review"}
    for result in annotation.get("result") or []:
        if not isinstance(result, dict) or not isinstance(result.get("value") or {}, dict):
            raise ConfigError(f"{where}: field 'result': each result is an object with a value")
        key, value = result.get("from_name"), result.get("value") or {}
        if key == PII_FOUND:
            choices = value.get("choices") or []
            decision[PII_FOUND] = choices == ["yes"]
        elif key in (PII_SPAN, NOTES):
            decision[key] = "\n".join(str(t) for t in value.get("text") or [])
        elif "number" in value:
            scores[str(key)] = value["number"]
        elif "rating" in value:
            scores[str(key)] = value["rating"]
        else:
            raise ConfigError(f"{where}: field 'result.{key}': not a number, choice or text")
    decision["scores"] = scores
    return decision
