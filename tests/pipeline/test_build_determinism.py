"""Same inputs + same config = the same release, whichever executor runs the build.

Every build here runs on a fresh store at the same local path (the store URI is part of each
record's provenance, so it is part of the input): build, move the store aside, seed a fresh
one with the same raw data, build again, compare.

What may differ, and why: ``version``/``created`` (when it was published; the version is
pinned here anyway), ``previous_release`` (none here) and the audit log. The audit log is
the record of *this* run: entry times, the build id and ingest run ids that hash object
ETags (modification times on a local folder). It is excluded from the comparison, together
with ``audit_head``, which binds it to the manifest; ``verify_release`` checks that binding.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mhds.engine.base import Executor, make_executor
from mhds.pipeline.run import BuildResult, build_release
from mhds.release import AUDIT_NAME, Manifest, manifest_digest_without, read_manifest
from mhds.store import LocalStore
from tests.pipeline.build_cases import (
    RELEASES,
    TODAY,
    VERSION,
    fast_config,
    make_registry,
    seed_store,
)

SKIP = ("version", "created", "audit_head", "previous_release")


def build_in(base: Path, name: str, executor: Executor | None = None) -> Path:
    """Seed a fresh store at ``base/store``, build into it, move it to ``base/name``."""
    store = LocalStore(base / "store")
    seed_store(store)
    result: BuildResult = build_release(
        store, make_registry(), fast_config(), executor=executor, today=TODAY
    )
    assert result.published and result.version == VERSION
    return (base / "store").rename(base / name)


def content_digest(manifest: Manifest) -> str:
    """The manifest digest without what legitimately differs (see the module docstring)."""
    files = tuple(f for f in manifest.files if f.key != AUDIT_NAME)
    return manifest_digest_without(manifest.model_copy(update={"files": files}), SKIP)


def release_of(root: Path) -> tuple[Manifest, dict[str, str]]:
    """The manifest and, per data shard, the sha256 of the bytes actually stored."""
    folder = f"{RELEASES}{VERSION}/"
    manifest = read_manifest(LocalStore(root), folder)
    shards = {
        s.key: hashlib.sha256((root / folder / s.key).read_bytes()).hexdigest()
        for s in manifest.shards
    }
    return manifest, shards


def assert_same_release(first: Path, second: Path) -> None:
    manifest_a, shards_a = release_of(first)
    manifest_b, shards_b = release_of(second)
    assert shards_a == shards_b
    assert shards_a == {s.key: s.sha256 for s in manifest_a.shards}
    assert content_digest(manifest_a) == content_digest(manifest_b)
    assert manifest_a.content_digest == manifest_b.content_digest
    # Only the audit log may differ among the release's other files.
    differ = {f.key for f in manifest_a.files if manifest_b.file(f.key) != f} | {
        f.key for f in manifest_b.files if manifest_a.file(f.key) != f
    }
    assert differ == {AUDIT_NAME}


def test_running_twice_gives_an_identical_manifest_apart_from_version_and_time(
    tmp_path: Path,
) -> None:
    first = build_in(tmp_path, "first")
    second = build_in(tmp_path, "second")

    assert_same_release(first, second)
    manifest_a, _ = release_of(first)
    manifest_b, _ = release_of(second)
    # And the excluded fields are all that differs in the manifest itself.
    assert manifest_digest_without(manifest_a, (*SKIP, "files")) == manifest_digest_without(
        manifest_b, (*SKIP, "files")
    )


@pytest.mark.slow
def test_process_pool_and_dask_builds_equal_the_inline_build(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    inline = build_in(tmp_path, "inline")
    pool = make_executor("local", workers=2)
    try:
        local = build_in(tmp_path, "local", pool)
    finally:
        pool.close()
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        executor = make_executor("dask", scheduler=cluster.scheduler_address)
        try:
            dask = build_in(tmp_path, "dask", executor)
        finally:
            executor.close()

    assert_same_release(inline, local)
    assert_same_release(inline, dask)
