"""Cheap record counts for inventory: stream an object once, count its items, and turn any
read failure into a stable reason code (never the exception text, which could quote data).
"""

from __future__ import annotations

import csv
import gzip
import logging
import zlib
from enum import StrEnum

from mhds.errors import InputError, MhdsError
from mhds.store.base import Store
from mhds.store.streams import Format, iter_csv, iter_json, iter_lines

logger = logging.getLogger(__name__)


class InventoryReason(StrEnum):
    """Why an object could not be counted, or a manifest not used (stable codes)."""

    UNREADABLE_OBJECT = "unreadable_object"
    BAD_COMPRESSION = "bad_compression"
    BAD_ENCODING = "bad_encoding"
    MALFORMED_JSON = "malformed_json"
    MALFORMED_MANIFEST = "malformed_manifest"
    UNKNOWN_SOURCE = "unknown_source"
    FAMILY_MISMATCH = "family_mismatch"


def count_records(
    store: Store, key: str, fmt: Format, items_path: str | None = None
) -> tuple[int | None, int, str | None]:
    """Stream ``key`` and return ``(records, malformed, error_code)``.

    JSONL counts non-blank lines, CSV/TSV data rows, JSON array items; a text object is one
    record and is not read. An unreadable object gives ``(None, 0, reason_code)``; the
    exception text is never kept (it could quote the data).
    """
    if fmt == "text":
        return 1, 0, None
    records = malformed = 0
    try:
        if fmt == "jsonl":
            records = sum(1 for _, line in iter_lines(store, key) if line.strip())
            return records, 0, None
        items = iter_json(store, key, items_path) if fmt == "json" else iter_csv(store, key)
        for _, item in items:
            if not isinstance(item, InputError):
                records += 1
            elif fmt == "json":  # ijson cannot resynchronise: the count is not reliable
                return None, 0, _code_for(item)
            else:
                malformed += 1
    except _read_errors() as exc:
        code = _code_for(exc)
        logger.warning("cannot count %s: %s (%s)", key, code, type(exc).__name__)
        return None, 0, code
    return records, malformed, None


def _read_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged or vanished object can raise (programming errors excluded)."""
    import zstandard

    return (MhdsError, OSError, EOFError, ValueError, csv.Error, zlib.error, zstandard.ZstdError)


def _code_for(exc: BaseException) -> str:
    import zstandard

    if isinstance(exc, InputError):
        return exc.reason
    if isinstance(exc, UnicodeDecodeError):
        return InventoryReason.BAD_ENCODING
    if isinstance(exc, gzip.BadGzipFile | EOFError | zlib.error | zstandard.ZstdError):
        return InventoryReason.BAD_COMPRESSION
    return InventoryReason.UNREADABLE_OBJECT
