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
from mhds.errors import ConfigError, MhdsError, ObjectExistsError, ObjectNotFoundError
from mhds.gates.bias import flagged_groups
from mhds.qa.config import QAConfig
from mhds.qa.decisions import audit_key, run_folder
from mhds.qa.reviewers import REVIEWERS_FOLDER, load_reviewers
from mhds.qa.rubric import Rubric, read_rubric_source, rubric_from_bytes
from mhds.qa.sampling import SampleItem, SampleUnit, draw_sample
from mhds.records import codec
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.release.candidate import (
    NAME_PATTERN,
    iter_candidate_records,
    list_candidates,
    read_candidate,
)
from mhds.release.manifest import FileEntry
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
BIAS_REVIEW = "bias"

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
    rubric: bytes | None = None


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

        report = manifest.file(BIAS_REPORT)
        flagged = _flagged_groups(store, join_key(layout.releases, name, BIAS_REPORT), report)
        return Target(
            "release", name, manifest.content_digest, QAConfig(), release_records, flagged
        )
    if name not in list_candidates(store, layout.builds):
        waiting = ", ".join(list_candidates(store, layout.builds)) or "none"
        raise ConfigError(f"no candidate or release {name!r} (candidates: {waiting})")
    candidate = read_candidate(store, layout.builds, name)
    report = next((f for f in candidate.files if f.key == BIAS_REPORT), None)
    flagged = _flagged_groups(store, join_key(candidate.folder, BIAS_REPORT), report)
    return Target(
        "candidate",
        name,
        candidate.content_digest,
        QAConfig.model_validate(candidate.qa),
        lambda: iter_candidate_records(store, candidate),
        flagged,
        candidate.rubric.encode() if candidate.rubric is not None else None,
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
        ConfigError: no such target, the run exists or its name is not one, too few
            reviewers, a bad rubric, or groups flagged and no bias review in the rubric.
    """
    name = check_run_name(run or target_name)
    target = open_target(store, registry, target_name)
    settings = config or target.qa
    qa_prefix = registry.layout.qa
    folder = run_folder(qa_prefix, name)
    if store.exists(folder + PLAN_NAME):
        raise ConfigError(f"QA run {name!r} exists already: name another with --run")
    pinned = target.rubric if settings.rubric == target.qa.rubric else None
    rubric_bytes, rubric = _rubric(settings, pinned)
    if target.flagged_groups and BIAS_REVIEW not in rubric.reviews:
        raise ConfigError(
            f"the bias gate flagged {', '.join(target.flagged_groups)} but the rubric has no "
            f"{BIAS_REVIEW!r} review for them"
        )
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
    units = [_unit(record, settings, groups_of) for record in target.records()]
    if not units:
        raise ConfigError(f"{target.kind} {target.name} holds no records: nothing to review")
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
    drawn = {item.record_id for item in sample.items}
    records = (r for r in target.records() if r.metadata.id in drawn)  # streamed again
    _write_run(store, qa_prefix, name, plan, items_bytes, rubric_bytes, records)
    return read_run(store, qa_prefix, name)


def _write_run(
    store: Store,
    qa_prefix: str,
    name: str,
    plan: dict[str, Any],
    items_bytes: bytes,
    rubric_bytes: bytes,
    records: Iterable[Record],
) -> None:
    """The sample, the rubric and the items first (rewritten by a rerun: the same inputs
    give the same bytes), then ``plan.json`` once, then the audit entry with every object's
    sha256: a run exists when its plan does, and a crash before leaves nothing that counts."""
    folder = run_folder(qa_prefix, name)
    with JsonlWriter(store, folder + SAMPLE_NAME) as writer:
        for record in sorted(records, key=lambda r: r.metadata.id):
            writer.write_line(record.to_json())
    hashes = {SAMPLE_NAME: writer.sha256}
    for object_name, data in ((RUBRIC_NAME, rubric_bytes), (ITEMS_NAME, items_bytes)):
        store.write_bytes(folder + object_name, data)
        hashes[object_name] = hashlib.sha256(data).hexdigest()
    plan_bytes = codec.dumps(plan, indent=True) + b"\n"
    try:
        store.put_if_absent(folder + PLAN_NAME, plan_bytes)
    except ObjectExistsError:
        raise ConfigError(f"QA run {name!r} exists already: name another with --run") from None
    hashes[PLAN_NAME] = hashlib.sha256(plan_bytes).hexdigest()
    AuditLog.open(store, audit_key(qa_prefix, name)).append(
        "qa_plan",
        outputs=[folder + n for n in sorted(hashes)],
        counts={"items": int(plan["sampling"]["items"])},
        decisions={"content_digest": plan["content_digest"], "sha256": hashes},
    )


def read_run(store: Store, qa_prefix: str, name: str) -> QARun:
    """The stored run ``name``, each of its objects checked against the sha256 its audit
    log recorded when it was drawn.

    Raises:
        ConfigError: there is none (naming the runs there are), or an object changed.
    """
    check_run_name(name)
    folder = run_folder(qa_prefix, name)
    try:
        plan_bytes = store.read_bytes(folder + PLAN_NAME)
        items_data = store.read_bytes(folder + ITEMS_NAME)
        rubric_data = store.read_bytes(folder + RUBRIC_NAME)
    except ObjectNotFoundError:
        known = ", ".join(list_runs(store, qa_prefix)) or "none"
        raise ConfigError(f"no QA run {name!r} (runs: {known})") from None
    recorded = _recorded_hashes(store, qa_prefix, name)
    for object_name, data in (
        (PLAN_NAME, plan_bytes),
        (ITEMS_NAME, items_data),
        (RUBRIC_NAME, rubric_data),
    ):
        _check_hash(name, object_name, data, recorded)
    plan = codec.loads(plan_bytes)
    items = tuple(
        SampleItem.from_dict(codec.loads(line)) for line in items_data.splitlines() if line.strip()
    )
    rubric = _parse_rubric(rubric_data, folder + RUBRIC_NAME)
    if rubric.digest() != plan["rubric"]["digest"]:
        raise ConfigError(f"QA run {name}: {RUBRIC_NAME} is not the rubric its plan names")
    return QARun(name, plan, items, rubric)


def check_run_name(name: str) -> str:
    """``name`` unchanged when it can name a QA run (a build id or version is one).

    Raises:
        ConfigError: a path, an empty name, or a name the QA folder uses itself.
    """
    if not NAME_PATTERN.fullmatch(name) or name == REVIEWERS_FOLDER:
        raise ConfigError(
            f"invalid QA run name {name!r}: letters, digits, '.', '_', '-' (not "
            f"{REVIEWERS_FOLDER!r})"
        )
    return name


def _recorded_hashes(store: Store, qa_prefix: str, name: str) -> dict[str, str]:
    try:
        log = AuditLog.open(store, audit_key(qa_prefix, name))
    except MhdsError as exc:
        raise ConfigError(f"QA run {name}: its audit log does not verify: {exc.message}") from None
    plans = [e for e in log.entries if e.action == "qa_plan"]
    if len(plans) != 1 or log.entries[0] is not plans[0]:
        raise ConfigError(f"QA run {name}: its audit log does not start with its one plan")
    return {str(k): str(v) for k, v in dict(plans[0].decisions["sha256"]).items()}


def _check_hash(name: str, object_name: str, data: bytes, recorded: dict[str, str]) -> None:
    if recorded.get(object_name) != hashlib.sha256(data).hexdigest():
        raise ConfigError(f"QA run {name}: {object_name} changed since the run was drawn")


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
    """The records of the run's sample, by id (the object checked against its logged
    sha256 first).

    Raises:
        ConfigError: the sample changed since the run was drawn.
    """
    key = run_folder(qa_prefix, name) + SAMPLE_NAME
    _check_hash(name, SAMPLE_NAME, store.read_bytes(key), _recorded_hashes(store, qa_prefix, name))
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


def _rubric(settings: QAConfig, pinned: bytes | None) -> tuple[bytes, Rubric]:
    """The rubric the candidate pinned at build time, else the settings' file, else the
    packaged default."""
    if pinned is not None:
        return pinned, _parse_rubric(pinned, "the candidate's rubric")
    path = None if settings.rubric is None else Path(settings.rubric)
    data, source = read_rubric_source(path)
    return data, rubric_from_bytes(data, source=source)


def _parse_rubric(data: bytes, key: str) -> Rubric:
    try:
        return rubric_from_bytes(data, source=key)
    except ConfigError as exc:
        raise ConfigError(f"stored rubric {key} is not valid: {exc.message}") from None


def _flagged_groups(store: Store, key: str, entry: FileEntry | None) -> tuple[str, ...]:
    """The groups the bias gate found past a threshold (failing or warning), from its
    verdict in the reports (checked against its listed sha256), when it is there.

    Raises:
        ConfigError: the report changed since the build wrote it.
    """
    if entry is None:
        return ()
    data = store.read_bytes(key)
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise ConfigError(f"{key} changed since the build wrote it")
    report = codec.loads(data)
    if not isinstance(report, dict):
        return ()
    return tuple(sorted({group for _, group in flagged_groups(report)}))
