"""Candidates: a build that passed its automated gates but still needs clinician sign-off.

A candidate is what a release would hold, written under ``builds/<build-id>/candidate/``
(shards, curriculum, reports), with ``builds/<build-id>/candidate.json`` written once beside it:
its content digest (the name sign-off is given to), its shards and files with their sha256, the
gate verdicts, and what publishing needs. Readers never see it: ``releases/`` holds nothing of
it until ``publish_candidate`` (pipeline) copies it there under the next version, and
``builds/<build-id>/published.json`` (written once) records which.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mhds.errors import ConfigError, ObjectExistsError, ObjectNotFoundError
from mhds.records import codec
from mhds.records.schema import Record
from mhds.release.manifest import (
    Counts,
    FileEntry,
    ShardEntry,
    digest_of_content,
)
from mhds.release.reader import iter_verified_shard
from mhds.release.version import ReleaseError, normalize_prefix
from mhds.store.base import Store
from mhds.store.uri import join_key

CANDIDATE_NAME = "candidate.json"
PUBLISHED_NAME = "published.json"
CANDIDATE_FOLDER = "candidate/"
# A name that is one store key segment: a build id, a QA run (never a path).
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class CandidateError(ReleaseError):
    """A candidate is missing, malformed, already published, or its objects changed."""


class Candidate(BaseModel):
    """What ``candidate.json`` holds: a release without a version, waiting for sign-off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    build_id: str = Field(description="The build that made it (its name).")
    build_key: str = Field(description="Hash of the build's inputs and config.")
    created: str = Field(description="When the build staged it (UTC, ISO 8601).")
    content_digest: str = Field(description="sha256 of what it holds (as a release's).")
    folder: str = Field(description="Store key of its folder (builds/<id>/candidate/).")
    shards: tuple[ShardEntry, ...] = Field(description="Data shards, by split then key.")
    files: tuple[FileEntry, ...] = Field(description="Curriculum and reports, by key.")
    counts: Counts = Field(description="family -> split -> records and token estimate.")
    holdout_families: tuple[str, ...] = Field((), description="Families allowed only in test.")
    curriculum_key: str = Field(description="Key of the curriculum, relative to the folder.")
    code_version: str = Field(description="mhds version that built it.")
    registry_hash: str = Field(description="Hash of the registry in force.")
    config_hash: str = Field(description="Hash of the build configuration.")
    gates: tuple[dict[str, Any], ...] = Field(description="The automated gates' verdicts.")
    waivers: tuple[dict[str, Any], ...] = Field((), description="Waivers the gates applied.")
    signoff_waivers: tuple[dict[str, Any], ...] = Field(
        (), description="The release config's waivers of the signoff gate (applied at publish)."
    )
    previous_release: str | None = Field(None, description="Release its gates compared to.")
    latest_release: str | None = Field(
        None, description="The latest release when its gates ran (publish refuses if it moved)."
    )
    funnel: tuple[dict[str, Any], ...] = Field((), description="Per-source funnel rows.")
    removed: tuple[dict[str, Any], ...] = Field(
        (), description="The previous release's records it does not hold (Manifest.removed)."
    )
    qa: dict[str, Any] = Field(description="The release config's QA settings (QAConfig).")
    rubric: str | None = Field(
        None,
        description="The rubric YAML the release config named (qa.rubric), read at build "
        "time so that the review does not depend on where it is run; None: the packaged one.",
    )
    max_shard_records: int = Field(ge=1, description="Shard bound used (publish keeps it).")
    max_shard_bytes: int = Field(ge=1, description="Shard bound used (publish keeps it).")
    audit_key: str = Field(description="The build's audit log (publish appends to it).")

    def records(self) -> int:
        """Records it holds."""
        return sum(s.records for s in self.shards)

    def families(self) -> tuple[str, ...]:
        """Families it holds, sorted."""
        return tuple(sorted(self.counts))


def check_build_id(build_id: str) -> str:
    """``build_id`` unchanged when it can name a build (letters, digits, ``.``, ``_``, ``-``).

    Raises:
        ConfigError: it cannot (a path, an empty name).
    """
    if not NAME_PATTERN.fullmatch(build_id):
        raise ConfigError(
            f"invalid build id {build_id!r}: expected a name like 20261129T101500Z-a1b2c3"
        )
    return build_id


def candidate_key(builds_prefix: str, build_id: str) -> str:
    """``builds/<id>/candidate.json``."""
    check_build_id(build_id)
    return join_key(normalize_prefix(builds_prefix), build_id, CANDIDATE_NAME)


def candidate_folder(builds_prefix: str, build_id: str) -> str:
    """``builds/<id>/candidate/``."""
    return join_key(normalize_prefix(builds_prefix), build_id, CANDIDATE_FOLDER.rstrip("/")) + "/"


def published_key(builds_prefix: str, build_id: str) -> str:
    """``builds/<id>/published.json``: the version a candidate was published as."""
    return join_key(normalize_prefix(builds_prefix), build_id, PUBLISHED_NAME)


def staged_digest(
    shards: tuple[ShardEntry, ...],
    files: tuple[FileEntry, ...],
    counts: Counts,
    holdout_families: tuple[str, ...],
    curriculum_key: str,
) -> str:
    """The content digest of staged objects (as a release's: see ``digest_of_content``)."""
    curriculum = next((f for f in files if f.key == curriculum_key), None)
    return digest_of_content(shards, counts, holdout_families, curriculum)


def check_digest(candidate: Candidate) -> None:
    """Refuse a candidate whose recorded digest does not match its shards and counts.

    Raises:
        CandidateError: the digest was edited, or the listing was.
    """
    actual = staged_digest(
        candidate.shards,
        candidate.files,
        candidate.counts,
        candidate.holdout_families,
        candidate.curriculum_key,
    )
    if actual != candidate.content_digest:
        raise CandidateError(
            f"content digest {candidate.content_digest} does not match its shards ({actual})",
            release=candidate.build_id,
        )


def write_candidate(store: Store, builds_prefix: str, candidate: Candidate) -> tuple[str, str]:
    """Write ``candidate.json`` once; return its key and the sha256 of its bytes (which the
    build's audit log records, so that ``read_candidate_bytes`` can check them).

    Raises:
        CandidateError: the build already staged one (candidates are never rewritten).
    """
    check_digest(candidate)
    key = candidate_key(builds_prefix, candidate.build_id)
    data = codec.dumps(candidate.model_dump(mode="json"), indent=True)
    try:
        store.put_if_absent(key, data)
    except ObjectExistsError:
        raise CandidateError("already staged", release=candidate.build_id) from None
    return key, hashlib.sha256(data).hexdigest()


def read_candidate(
    store: Store, builds_prefix: str, build_id: str, *, sha256: str | None = None
) -> Candidate:
    """The candidate of ``build_id``, its digest checked against its listing, and its bytes
    against ``sha256`` when given (what the build's audit log recorded).

    Raises:
        CandidateError: there is none (naming the known candidates), it is malformed, or
            it changed since the build wrote it.
    """
    key = candidate_key(builds_prefix, build_id)
    try:
        data = store.read_bytes(key)
    except ObjectNotFoundError:
        known = ", ".join(list_candidates(store, builds_prefix)) or "none"
        raise CandidateError(
            f"no candidate at {store.url_for(key)} (candidates: {known})", release=build_id
        ) from None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise CandidateError(f"{key} changed since the build wrote it", release=build_id)
    try:
        candidate = Candidate.model_validate(codec.loads(data))
    except (codec.DecodeError, ValidationError):
        raise CandidateError(f"{key} is not a valid candidate", release=build_id) from None
    check_digest(candidate)
    return candidate


def list_candidates(store: Store, builds_prefix: str) -> list[str]:
    """Build ids that staged a candidate, oldest first (build ids start with their time)."""
    prefix = normalize_prefix(builds_prefix)
    found = []
    for info in store.list(prefix):
        build_id, _, rest = info.key[len(prefix) :].partition("/")
        if rest == CANDIDATE_NAME:
            found.append(build_id)
    return sorted(found)


def published_as(store: Store, builds_prefix: str, build_id: str) -> str | None:
    """The version a candidate was published as, or None while it waits."""
    try:
        data = store.read_bytes(published_key(builds_prefix, build_id))
    except ObjectNotFoundError:
        return None
    return str(codec.loads(data)["version"])


def mark_published(store: Store, builds_prefix: str, build_id: str, version: str) -> None:
    """Record, once, that the candidate was published as ``version``.

    Raises:
        CandidateError: it was published already.
    """
    try:
        store.put_if_absent(
            published_key(builds_prefix, build_id), codec.dumps({"version": version}) + b"\n"
        )
    except ObjectExistsError:
        raise CandidateError("already published", release=build_id) from None


def iter_candidate_records(store: Store, candidate: Candidate) -> Iterator[Record]:
    """Every record of the candidate, shard by shard in manifest order (train, val, test),
    each shard's sha256, size and record count checked against ``candidate.json``.

    Raises:
        ShardIntegrityError: a shard changed since the build staged it.
    """
    for shard in candidate.shards:
        yield from iter_verified_shard(
            store, candidate.folder, shard, label=f"candidate {candidate.build_id}"
        )
