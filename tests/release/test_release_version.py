"""Release versions: format, ordering, what counts as published, the next free version."""

from __future__ import annotations

from datetime import date

import pytest

from mhds.errors import ConfigError
from mhds.release import (
    MANIFEST_NAME,
    format_version,
    latest_version,
    list_unpublished,
    list_versions,
    next_version,
    parse_version,
    release_prefix,
)
from mhds.store.base import Store
from tests.release.test_release_cases import RELEASES, publish

DAY = date(2026, 11, 25)


def test_parse_and_format_round_trip() -> None:
    assert parse_version("v2026-11-25") == (DAY, 0)
    assert parse_version("v2026-11-25.12") == (DAY, 12)
    assert format_version(DAY) == "v2026-11-25"
    assert format_version(DAY, 3) == "v2026-11-25.3"
    assert release_prefix("releases", "v2026-11-25.3") == "releases/v2026-11-25.3/"
    assert release_prefix("", "v2026-11-25") == "v2026-11-25/"


@pytest.mark.parametrize(
    "bad", ["2026-11-25", "v2026-13-01", "v2026-02-30", "v2026-11-25.0", "v2026-11-25.x", "v1"]
)
def test_malformed_versions_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="invalid release version"):
        parse_version(bad)


def test_only_versions_with_a_manifest_are_listed_in_order(store: Store) -> None:
    for version in ("v2026-11-25.10", "v2026-01-02", "v2026-11-25.2", "v2026-11-25"):
        store.write_bytes(f"{RELEASES}{version}/{MANIFEST_NAME}", b"{}")
    store.write_bytes(f"{RELEASES}v2026-12-01/data/train/part-00000.jsonl.zst", b"left over")
    store.write_bytes(f"{RELEASES}latest/{MANIFEST_NAME}", b"{}")  # not a version folder
    assert list_versions(store, RELEASES) == [
        "v2026-01-02",
        "v2026-11-25",
        "v2026-11-25.2",
        "v2026-11-25.10",
    ]
    assert list_unpublished(store, RELEASES) == ["v2026-12-01"]
    assert latest_version(store, RELEASES) == "v2026-11-25.10"
    assert latest_version(store, "elsewhere/") is None


def test_next_version_counts_up_within_a_day_and_skips_leftovers(store: Store) -> None:
    assert next_version(store, RELEASES, DAY) == "v2026-11-25"
    publish(store, "v2026-11-25")
    assert next_version(store, RELEASES, DAY) == "v2026-11-25.1"
    # An aborted publish's folder is never handed out again.
    store.write_bytes(f"{RELEASES}v2026-11-25.1/data/train/part-00000.jsonl.zst", b"left over")
    assert next_version(store, RELEASES, DAY) == "v2026-11-25.2"
    assert next_version(store, RELEASES, date(2026, 11, 26)) == "v2026-11-26"
