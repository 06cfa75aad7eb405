"""A QA run: the plan, the sample and its records, written once under ``qa/<run>/``.

``create_run`` draws the sample of a candidate (by build id) or a published release (by
version) and writes ``plan.json`` (what is reviewed: the content digest, the method, the
per-stratum sizes and what they support, the rubric's version and digest, the reviewers),
``rubric.yaml`` (the rubric used, verbatim), ``items.jsonl`` (items, strata, reviews,
assignments) and ``sample.jsonl.zst`` (the drawn records, as released: redacted). Each object
is written once and its sha256 goes into the run's audit log, which decisions extend.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mhds.audit import AuditLog
from mhds.errors import ConfigError, ObjectExistsError, ObjectNotFoundError
from mhds.gates.bias import flagged_groups
from mhds.qa.config import QAConfig
from mhds.qa.decisions import audit_key, run_folder
from mhds.qa.reviewers import load_reviewers
from mhds.qa.rubric import Rubric, load_rubric
from mhds.qa.sampling import SampleItem, SampleUnit, draw_sample
from mhds.records import codec
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.release.candidate import (
    iter_candidate_records,
    list_candidates,
    read_candidate,
)
from mhds.release.reader import ReleaseReader
from mhds.release.version import is_version
from mhds.steps.bias import identity_groups
from mhds.store.base import Store
from mhds.store.streams import JsonlWriter, iter_lines
from mhds.store.uri import join_key

PLAN_NAME = "plan.json"
ITEMS_NAME = "items.jsonl"
SAMPLE_NAME = "sample.jsonl.zst"
RUBRIC_NAME = "rubric.yaml"
BIAS_REPORT = "reports/bias.json"

GroupsOf = Callable[[Record], frozenset[str]]


@dataclass(frozen=True)
class Target:
    """What a QA run reviews: a candidate or a release, its content digest, its records."""

    kind: str
    name: str
    content_digest: str
    qa: QAConfig
    records: Callable[[], Iterator[Record]]
    flagged_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class QARun:
    """A QA run as stored: its plan, items and rubric."""

    name: str
    plan: dict[str, Any]
    items: tuple[SampleItem, ...]
    rubric: Rubric

    @property
    def content_digest(self) -> str:
        """The digest of what it reviews."""
        return str(self.plan["content_digest"])

    @property
    def config(self) -> QAConfig:
        """The QA settings it was drawn with."""
        return QAConfig.model_validate(self.plan["config"])

    def item(self, item_id: str) -> SampleItem | None:
        """One item, or None."""
        return next((i for i in self.items if i.item_id == item_id), None)


def open_target(store: Store, registry: Registry, name: str) -> Target:
    """The candidate ``name`` (a build id) or the release ``name`` (a version).

    Raises:
        ConfigError: neither exists (naming the candidates waiting).
    """
    layout = registry.layout
    if is_version(name):
        reader = ReleaseReader(store, name, releases_prefix=layout.releases)
        manifest = reader.manifest

        def release_records() -> Iterator[Record]:
            for split in ("train", "val", "test"):
                yield from reader.iter_split(split)

        flagged = _flagged_groups(store, join_key(layout.releases, name, BIAS_REPORT))
        return Target(
            "release", name, manifest.content_digest, QAConfig(), release_records, flagged
        )
    if name not in list_candidates(store, layout.builds):
        waiting = ", ".join(list_candidates(store, layout.builds)) or "none"
        raise ConfigError(f"no candidate or release {name!r} (candidates: {waiting})")
    candidate = read_candidate(store, layout.builds, name)
    flagged = _flagged_groups(store, join_key(candidate.folder, BIAS_REPORT))
    return Target(
        "candidate",
        name,
        candidate.content_digest,
        QAConfig.model_validate(candidate.qa),
        lambda: iter_candidate_records(store, candidate),
        flagged,
    )


def create_run(
    store: Store,
    registry: Registry,
    target_name: str,
    *,
    run: str | None = None,
    reviewers: Sequence[str] | None = None,
    config: QAConfig | None = None,
    groups_of: GroupsOf | None = None,
    created: str = "",
) -> QARun:
    """Draw the sample of ``target_name`` and write the QA run (see the module docstring).

    Args:
        store: the store.
        registry: families (for their stage, which picks the review) and the layout.
        target_name: a candidate's build id or a release version.
        run: the run's name (default: the target's name).
        reviewers: who is assigned (default: every registered ``reviewer``).
        config: QA settings (default: the candidate's release config, or the defaults).
        groups_of: identity groups a record mentions (for the bias strata).
        created: the creation time to record.

    Raises:
        ConfigError: no such target, the run exists, too few reviewers, a bad rubric.
    """
    target = open_target(store, registry, target_name)
    settings = config or target.qa
    name = run or target_name
    qa_prefix = registry.layout.qa
    folder = run_folder(qa_prefix, name)
    if store.exists(folder + PLAN_NAME):
        raise ConfigError(f"QA run {name!r} exists already: name another with --run")
    rubric_bytes, rubric = _rubric(settings)
    people = reviewers
    if people is None:
        registered = load_reviewers(store, qa_prefix)
        people = [r.name for r in registered.values() if r.role == "reviewer"]
    else:
        registered = load_reviewers(store, qa_prefix)
        unknown = sorted(set(people) - set(registered))
        if unknown:
            raise ConfigError(f"unknown reviewer(s): {', '.join(unknown)}")
    stages = {family.name: family.stage for family in registry.families}
    records: dict[str, Record] = {}
    units = []
    for record in target.records():
        meta = record.metadata
        records[meta.id] = record
        units.append(_unit(record, settings, groups_of))
    review_for = {f: rubric.review_key_for(f, stages.get(f)) for f in {u.family for u in units}}
    sample = draw_sample(
        units,
        settings,
        seed=target.content_digest,
        reviewers=people,
        review_for=review_for,
        flagged_groups=target.flagged_groups,
    )
    items_bytes = b"".join(codec.dumps(item.to_dict()) + b"\n" for item in sample.items)
    plan = {
        "run": name,
        "target": {"kind": target.kind, "name": target.name},
        "content_digest": target.content_digest,
        "created": created,
        "config": settings.model_dump(mode="json"),
        "rubric": {"version": rubric.version, "digest": rubric.digest()},
        "reviewers": sorted(set(people)),
        "overlap": settings.overlap,
        "flagged_groups": list(target.flagged_groups),
        "sampling": sample.plan(),
        "privacy_check": {
            "question": rubric.pii_question,
            "method": "every item of the sample asks each reviewer whether the text still "
            "contains a personal identifier, quoting it; any yes goes to adjudication",
        },
    }
    _write_run(store, qa_prefix, name, plan, items_bytes, rubric_bytes, sample.items, records)
    return read_run(store, qa_prefix, name)


def _write_run(
    store: Store,
    qa_prefix: str,
    name: str,
    plan: dict[str, Any],
    items_bytes: bytes,
    rubric_bytes: bytes,
    items: Iterable[SampleItem],
    records: dict[str, Record],
) -> None:
    folder = run_folder(qa_prefix, name)
    sample_key = folder + SAMPLE_NAME
    with JsonlWriter(store, sample_key) as writer:
        for record_id in sorted({item.record_id for item in items}):
            writer.write_line(records[record_id].to_json())
    hashes = {SAMPLE_NAME: writer.sha256}
    for object_name, data in (
        (RUBRIC_NAME, rubric_bytes),
        (ITEMS_NAME, items_bytes),
        (PLAN_NAME, codec.dumps(plan, indent=True) + b"\n"),
    ):
        try:
            store.put_if_absent(folder + object_name, data)
        except ObjectExistsError:
            raise ConfigError(f"QA run {name!r} exists already: name another with --run") from None
        hashes[object_name] = hashlib.sha256(data).hexdigest()
    AuditLog.open(store, audit_key(qa_prefix, name)).append(
        "qa_plan",
        outputs=[folder + n for n in sorted(hashes)],
        counts={"items": int(plan["sampling"]["items"])},
        decisions={"content_digest": plan["content_digest"], "sha256": hashes},
    )


def read_run(store: Store, qa_prefix: str, name: str) -> QARun:
    """The stored run ``name``.

    Raises:
        ConfigError: there is none (naming the runs there are).
    """
    folder = run_folder(qa_prefix, name)
    try:
        plan = codec.loads(store.read_bytes(folder + PLAN_NAME))
        items_data = store.read_bytes(folder + ITEMS_NAME)
        rubric_data = store.read_bytes(folder + RUBRIC_NAME)
    except ObjectNotFoundError:
        known = ", ".join(list_runs(store, qa_prefix)) or "none"
        raise ConfigError(f"no QA run {name!r} (runs: {known})") from None
    items = tuple(
        SampleItem.from_dict(codec.loads(line)) for line in items_data.splitlines() if line.strip()
    )
    return QARun(name, plan, items, _parse_rubric(rubric_data, folder + RUBRIC_NAME))


def list_runs(store: Store, qa_prefix: str) -> list[str]:
    """Names of the QA runs in the store, sorted."""
    prefix = join_key(qa_prefix) + "/"
    runs = []
    for info in store.list(prefix):
        name, _, rest = info.key[len(prefix) :].partition("/")
        if rest == PLAN_NAME:
            runs.append(name)
    return sorted(runs)


def sample_records(store: Store, qa_prefix: str, name: str) -> dict[str, Record]:
    """The records of the run's sample, by id."""
    key = run_folder(qa_prefix, name) + SAMPLE_NAME
    found = {}
    for _, line in iter_lines(store, key):
        record = Record.from_json(line)
        found[record.metadata.id] = record
    return found


def _unit(record: Record, settings: QAConfig, groups_of: GroupsOf | None) -> SampleUnit:
    meta = record.metadata
    values = tuple(
        (name, str(meta.attributes[name]))
        for name in settings.strata_attributes
        if meta.attributes.get(name) not in (None, "")
    )
    groups = groups_of(record) if groups_of else identity_groups(record)
    return SampleUnit(meta.id, meta.family, str(meta.split), values, groups)


def _rubric(settings: QAConfig) -> tuple[bytes, Rubric]:
    if settings.rubric is None:
        from importlib import resources

        data = resources.files("mhds.qa").joinpath("data/rubric-v1.yaml").read_bytes()
        return data, load_rubric(None)
    path = Path(settings.rubric)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read rubric: {type(exc).__name__}", source=str(path)) from None
    return data, load_rubric(path)


def _parse_rubric(data: bytes, key: str) -> Rubric:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rubric.yaml"
        path.write_bytes(data)
        try:
            return load_rubric(path)
        except ConfigError as exc:
            raise ConfigError(f"stored rubric {key} is not valid: {exc.message}") from None


def _flagged_groups(store: Store, key: str) -> tuple[str, ...]:
    """The groups the bias gate found past a threshold (failing or warning), from its
    verdict in the reports, when it is there."""
    try:
        report = codec.loads(store.read_bytes(key))
    except ObjectNotFoundError:
        return ()
    if not isinstance(report, dict):
        return ()
    return tuple(sorted({group for _, group in flagged_groups(report)}))
