"""The raw text behind one quarantine item, for ``mhds quarantine show`` only.

An input item's raw form is in its quarantine entry (the parsed item), or, when it could not
be parsed, at its line in the source object. A held record's text is in the processed shard
the entry names; when that shard is gone (a later ingest replaced it) the source's other
processed shards are searched. Nothing here logs or raises with text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mhds.errors import InputError, ObjectNotFoundError
from mhds.ingest.processed import iter_shard_records
from mhds.quarantine.items import QuarantineItem, read_entry
from mhds.records.schema import Record
from mhds.registry.schema import Layout
from mhds.store.base import Store
from mhds.store.streams import iter_lines


@dataclass(frozen=True)
class RawView:
    """What ``show`` prints below an item's fields.

    Attributes:
        item: the parsed input item (inputs whose line parsed).
        line: the undecodable source line, as text with bad bytes escaped (inputs only).
        record: the held record as it came into the step (records only).
        where: the store key the raw text was read from.
        missing: why no raw text could be found, when none was (names keys, never text).
    """

    item: Any = None
    line: str | None = None
    record: Record | None = None
    where: str | None = None
    missing: str | None = None


def load_raw(store: Store, layout: Layout, item: QuarantineItem) -> RawView:
    """The raw text of ``item``; see the module docstring for where it is looked up."""
    if item.kind == "record":
        return _record_view(store, layout, item)
    entry = read_entry(store, layout, item.key, item.line)
    if entry.get("item") is not None:
        return RawView(item=entry["item"], where=item.key)
    return _source_line_view(store, item)


def find_record(store: Store, layout: Layout, item: QuarantineItem) -> tuple[Record, str] | None:
    """The held record and the shard key it was read from, or None when no shard has it."""
    for key in _candidate_shards(store, layout, item):
        try:
            for record in iter_shard_records(store, key):
                if record.metadata.id == item.record_id:
                    return record, key
        except ObjectNotFoundError:
            continue
    return None


def _record_view(store: Store, layout: Layout, item: QuarantineItem) -> RawView:
    found = find_record(store, layout, item)
    if found is None:
        where = store.url_for(layout.processed.rstrip("/"))
        return RawView(missing=f"record {item.record_id} is in no processed shard under {where}")
    return RawView(record=found[0], where=found[1])


def _source_line_view(store: Store, item: QuarantineItem) -> RawView:
    """An input that did not parse: its line in the source object (JSONL only)."""
    at = f"{item.source_key}:{item.source_line}"
    if item.store_key is None or item.source_line is None or not _is_line(item.locator):
        return RawView(missing=f"the input did not parse; its raw form is at {at}")
    try:
        for number, data in iter_lines(store, item.store_key):
            if number == item.source_line:
                text = data.decode("utf-8", errors="backslashreplace")
                return RawView(line=text, where=item.store_key)
    except ObjectNotFoundError:
        return RawView(missing=f"the source object {at} no longer exists")
    except InputError as exc:  # the line or the object is over a read limit: never loaded
        return RawView(missing=f"the input broke a read limit ({exc.reason}); not shown ({at})")
    return RawView(missing=f"the source object has no line {item.source_line} any more ({at})")


def _candidate_shards(store: Store, layout: Layout, item: QuarantineItem) -> list[str]:
    """The shard the entry names first, then every processed shard of the record's source."""
    named = [item.shard_key] if item.shard_key else []
    source = f"/{item.source_id}/" if item.source_id else None
    others = [
        info.key
        for info in store.list(layout.processed)
        if source is not None
        and source in "/" + info.key
        and info.key.rsplit("/", 1)[-1].startswith("part-")
        and info.key not in named
    ]
    return named + others


def _is_line(locator: str | None) -> bool:
    return locator is not None and locator.startswith("line:")
