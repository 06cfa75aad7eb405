"""One writer per store: two builds at once give one release and one clear refusal; a build
whose lease was broken, or that finds a release published behind its back, publishes nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from mhds.pipeline.run import build_release
from mhds.release import ReleaseError, list_unpublished, list_versions, verify_release
from mhds.release.publish import gc_releases
from mhds.release.version import next_version, reserve_version, reserved_by
from mhds.store import S3Store
from mhds.store.base import Store
from mhds.store.lease import LeaseHeldError, LeaseLostError, break_lease, read_lease
from tests.pipeline.build_cases import (
    RELEASES,
    TODAY,
    VERSION,
    fast_config,
    make_registry,
    seed_store,
)
from tests.release.test_release_cases import publish


def test_two_builds_at_once_one_publishes_and_the_other_says_why(s3_store: S3Store) -> None:
    seed_store(s3_store)
    registry = make_registry()
    configs = [fast_config(split={"seed": seed}) for seed in (1, 2)]
    start = threading.Barrier(2)
    outcomes: dict[int, Any] = {}

    def build(n: int) -> None:
        start.wait()
        try:
            outcomes[n] = build_release(s3_store, registry, configs[n], today=TODAY)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[n] = exc

    threads = [threading.Thread(target=build, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    published = [o for o in outcomes.values() if not isinstance(o, Exception)]
    refused = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert len(published) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], LeaseHeldError)
    assert published[0].build_id in str(refused[0])  # it names the build that holds the store
    assert list_versions(s3_store, RELEASES) == [VERSION]
    assert list_unpublished(s3_store, RELEASES) == []
    assert verify_release(s3_store, f"{RELEASES}{VERSION}/").ok
    assert read_lease(s3_store) is None  # the winner released it


def _build_with(store: Store, at_compile: Any) -> Any:
    """Run a build that calls ``at_compile()`` once, when compiling starts."""
    fired: list[bool] = []

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage == "compile" and not fired:
            fired.append(True)
            at_compile()

    return build_release(store, make_registry(), fast_config(), progress=progress, today=TODAY)


def test_a_build_whose_lease_is_broken_publishes_nothing(store: Store) -> None:
    seed_store(store)
    with pytest.raises(LeaseLostError, match="nothing published"):
        _build_with(store, lambda: break_lease(store, force=True))
    assert list_versions(store, RELEASES) == []
    # A writer that lost the store removes nothing (the store may be another writer's now):
    # its leftovers are invisible, and gc removes them.
    assert list_unpublished(store, RELEASES) == [VERSION]
    assert gc_releases(store, RELEASES)
    assert list_unpublished(store, RELEASES) == []
    assert read_lease(store) is None


def test_a_release_published_behind_the_builds_back_stops_it(store: Store) -> None:
    seed_store(store)
    other = "v2026-11-24"  # a writer that ignored the lease publishes while this build runs
    with pytest.raises(ReleaseError, match=f"release {other} was published while this build"):
        _build_with(store, lambda: publish(store, other))
    assert list_versions(store, RELEASES) == [other]
    assert list_unpublished(store, RELEASES) == []


def test_a_version_is_reserved_write_once_before_anything_is_written(store: Store) -> None:
    first = reserve_version(store, RELEASES, TODAY, "key-a")
    second = reserve_version(store, RELEASES, TODAY, "key-b")
    assert (first, second) == (VERSION, f"{VERSION}.1")
    assert reserved_by(store, RELEASES, first) == "key-a"
    assert next_version(store, RELEASES, TODAY) == f"{VERSION}.2"
    assert list_unpublished(store, RELEASES) == [VERSION, f"{VERSION}.1"]
