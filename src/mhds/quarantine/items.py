"""Quarantine items as a reviewer sees them: where each is, why it is held, never its text.

Two writers fill ``<layout.quarantine><build-id>/``: ingest (``<source-id>.jsonl``, one entry
per rejected *input* item, with the raw item) and the build's PII step (``pii-NNNNN.jsonl``,
one entry per held *record*, naming the processed shard that has its text). An item is
addressed by its quarantine key and line (``quarantine/<build>/<file>.jsonl:3``) or, for a
record, by its record id. Decisions live apart, under ``<layout.quarantine>readmitted/``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from mhds.errors import ConfigError, MhdsError, ObjectNotFoundError
from mhds.registry.schema import Layout
from mhds.store.base import Store
from mhds.store.limits import OWN_OUTPUT
from mhds.store.streams import iter_jsonl
from mhds.store.uri import check_key, join_key

# The folder of re-admission decisions inside the quarantine prefix (never a build id).
READMITTED_FOLDER = "readmitted"
ItemKind = Literal["input", "record"]
_REF = re.compile(r"^(?P<key>.+\.jsonl(?:\.[a-z0-9]+)?):(?P<line>[1-9][0-9]*)$")
_RECORD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# What the PII step writes as detail: category names, then the kinds of part they were found
# in (``URL in user``, ``PERSON,PHONE in attributes``): codes only, safe to list.
_CATEGORIES = re.compile(r"^[A-Z_]+(,[A-Z_]+)*( in [a-z_]+(,[a-z_]+)*)?$")


class QuarantineError(MhdsError):
    """A quarantine item cannot be found, read or re-admitted.

    Attributes:
        item: the item as the caller named it (a record id or ``key:line``).
    """

    def __init__(self, message: str, *, item: str) -> None:
        super().__init__(f"quarantine item {item}: {message}", item=item)
        self.item = item


class QuarantineItem(msgspec.Struct, frozen=True):
    """One quarantined input or record: location, reason and ids, never text.

    Attributes:
        build_id: the build (or ingest run) that quarantined it.
        key: the quarantine object it is in.
        line: its 1-based line in ``key``.
        kind: ``input`` (rejected at ingest) or ``record`` (held by a build step).
        reason: the stable reason code (``role_order``, ``pii_residual`` ...).
        source_id: the registry source it came from, when known.
        field: the field at fault, when one is.
        detail: the writer's text-free detail (types, roles, PII categories).
        record_id: the record id (records only).
        step: the step that held it (records only, ``pii_redact``).
        content_hash: the record's content hash when it was held (records only).
        source_key: the raw input object (as ingest printed it, or the record's source key).
        source_line: the line, row or item number in ``source_key`` (inputs only).
        locator: where in ``source_key`` (``line:3``, ``row:7``, ``item:2``).
        store_key: the raw input object's key in the store (inputs only).
        shard_key: the processed shard that holds the record's text (records only).
    """

    build_id: str
    key: str
    line: int
    kind: ItemKind
    reason: str
    source_id: str | None = None
    field: str | None = None
    detail: str | None = None
    record_id: str | None = None
    step: str | None = None
    content_hash: str | None = None
    source_key: str | None = None
    source_line: int | None = None
    locator: str | None = None
    store_key: str | None = None
    shard_key: str | None = None

    @property
    def ref(self) -> str:
        """``key:line``: how ``show`` and ``readmit`` address this item."""
        return f"{self.key}:{self.line}"

    @property
    def categories(self) -> str | None:
        """The PII categories the residual scan found and where (``URL in user``) for records
        held by the PII step, else None."""
        if self.kind == "record" and self.detail and _CATEGORIES.match(self.detail):
            return self.detail
        return None


@dataclass
class QuarantineSummary:
    """Counts over listed items: per (source, reason) and per build."""

    by_source_reason: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_build: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """How many items were counted."""
        return sum(self.by_build.values())

    def add(self, item: QuarantineItem) -> None:
        """Count one item."""
        self.by_source_reason[(item.source_id or "?", item.reason)] += 1
        self.by_build[item.build_id] += 1
        self.by_kind[item.kind] += 1


def list_builds(store: Store, layout: Layout) -> list[str]:
    """Build ids with a quarantine folder, oldest first (ids start with a UTC time)."""
    builds = {_build_of(layout, info.key) for info in _quarantine_objects(store, layout)}
    return sorted(builds)


def iter_items(
    store: Store,
    layout: Layout,
    *,
    build: str | None = None,
    source: str | None = None,
    reason: str | None = None,
) -> Iterator[QuarantineItem]:
    """Every quarantined item, by build, key and line; filtered when asked.

    Raises:
        QuarantineError: a quarantine line that is not an entry (names key and line).
    """
    for info in _quarantine_objects(store, layout, build):
        build_id = _build_of(layout, info.key)
        for line, entry in iter_jsonl(store, info.key, limits=OWN_OUTPUT):
            item = to_item(entry, build_id=build_id, key=info.key, line=line)
            if (source is None or item.source_id == source) and (
                reason is None or item.reason == reason
            ):
                yield item


def find_items(store: Store, layout: Layout, ref: str) -> list[QuarantineItem]:
    """The items ``ref`` names, oldest build first: one for ``key:line``; for a record id,
    every build that held the record.

    Raises:
        ConfigError: ``ref`` is neither a record id nor ``key:line``.
        QuarantineError: nothing in the quarantine matches.
    """
    match = _REF.match(ref)
    if match is not None:
        return [read_item(store, layout, match["key"], int(match["line"]))]
    if not _RECORD_ID.match(ref):
        raise ConfigError(
            f"quarantine item {ref!r}: give a record id or a quarantine key and line "
            "(quarantine/<build>/<file>.jsonl:3)"
        )
    found = [i for i in iter_items(store, layout) if i.kind == "record" and i.record_id == ref]
    if not found:
        where = store.url_for(layout.quarantine.rstrip("/"))
        raise QuarantineError(f"no quarantined record with this id in {where}", item=ref)
    return found


def read_item(store: Store, layout: Layout, key: str, line: int) -> QuarantineItem:
    """The item at ``key:line``.

    Raises:
        QuarantineError: no such quarantine object or line.
    """
    return to_item(read_entry(store, layout, key, line), _build_of(layout, key), key, line)


def read_entry(store: Store, layout: Layout, key: str, line: int) -> dict[str, Any]:
    """The raw entry at ``key:line`` (ingest entries hold the raw item: handle with care).

    Raises:
        QuarantineError: ``key`` is not a quarantine object, or has no entry at ``line``.
    """
    ref = f"{key}:{line}"
    check_key(key)
    if not key.startswith(layout.quarantine) or _build_of(layout, key) == READMITTED_FOLDER:
        raise QuarantineError(f"not an object under {layout.quarantine}", item=ref)
    try:
        for number, entry in iter_jsonl(store, key, limits=OWN_OUTPUT):
            if number == line:
                if not isinstance(entry, dict):
                    raise QuarantineError("the line is not a quarantine entry", item=ref)
                return entry
    except ObjectNotFoundError:
        raise QuarantineError(f"{store.url_for(key)} does not exist", item=ref) from None
    raise QuarantineError("no entry at this line", item=ref)


def to_item(entry: Any, build_id: str, key: str, line: int) -> QuarantineItem:
    """An entry of either writer as an item (the raw ``item`` is left out).

    Raises:
        QuarantineError: ``entry`` is not an object with a reason.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("reason"), str):
        raise QuarantineError("not a quarantine entry (no reason)", item=f"{key}:{line}")
    common: dict[str, Any] = {
        "build_id": build_id,
        "key": key,
        "line": line,
        "reason": entry["reason"],
        "field": _str(entry.get("field")),
        "detail": _str(entry.get("detail")),
        "source_key": _str(entry.get("source_key")),
        "locator": _str(entry.get("locator")),
    }
    if isinstance(entry.get("id"), str):
        record_id: str = entry["id"]
        source_id = _str(entry.get("source_id")) or record_id.rsplit("-", 1)[0]
        return QuarantineItem(
            kind="record",
            source_id=source_id,
            record_id=record_id,
            step=_str(entry.get("step")),
            content_hash=_str(entry.get("content_hash")),
            shard_key=_str(entry.get("shard_key")),
            **common,
        )
    number = entry.get("line")
    return QuarantineItem(
        kind="input",
        source_id=_str(entry.get("source_id")),
        source_line=number if type(number) is int else None,
        store_key=_str(entry.get("key")),
        **common,
    )


def readmitted_prefix(layout: Layout) -> str:
    """Where re-admission decisions live (``quarantine/readmitted/``)."""
    return join_key(layout.quarantine, READMITTED_FOLDER) + "/"


def _quarantine_objects(store: Store, layout: Layout, build: str | None = None) -> Iterator[Any]:
    prefix = join_key(layout.quarantine, build) + "/" if build else layout.quarantine
    for info in store.list(prefix):
        if ".jsonl" in info.key.rsplit("/", 1)[-1] and _build_of(layout, info.key) not in (
            "",
            READMITTED_FOLDER,
        ):
            yield info


def _build_of(layout: Layout, key: str) -> str:
    rest = key[len(layout.quarantine) :] if key.startswith(layout.quarantine) else ""
    return rest.split("/", 1)[0] if "/" in rest else ""


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
