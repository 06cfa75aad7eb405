"""A build killed (SIGKILL) mid-publish leaves no visible release; the rerun completes it and
reuses the per-shard work the killed build finished."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mhds.ingest.processed import read_manifest as read_ingest_manifest
from mhds.pipeline.run import build_release
from mhds.release import (
    ReleaseNotFoundError,
    ReleaseReader,
    list_unpublished,
    list_versions,
    verify_release,
)
from mhds.release.manifest import read_manifest
from mhds.store import S3Store
from mhds.store.base import Store
from mhds.store.lease import LeaseHeldError, break_lease
from tests.pipeline.build_cases import (
    RELEASES,
    TODAY,
    VERSION,
    fast_config,
    make_registry,
    manifest_keys,
    seed_store,
    write_source,
)

# The child builds, and holds still in its progress callback once compile is done and the
# gates have begun: release data is in the store, the manifest is not. The pause only makes
# the moment of the SIGKILL deterministic; the kill is real.
CHILD = """
import pickle, sys, time
from mhds.pipeline.run import build_release

store, registry, config, today = pickle.loads(open(sys.argv[1], "rb").read())
seen = []

def progress(stage, done, total):
    seen.append(stage)
    if "compile" in seen and stage == "gates":
        open(sys.argv[2], "w").close()
        time.sleep(600)

build_release(store, registry, config, progress=progress, today=today)
"""
WAIT_S = 180


def test_a_build_killed_mid_publish_leaves_nothing_visible_and_the_rerun_completes_it(
    s3_store: S3Store, tmp_path: Path
) -> None:
    seed_store(s3_store)
    registry, config = make_registry(), fast_config()
    payload, paused = tmp_path / "payload.pickle", tmp_path / "paused"
    payload.write_bytes(pickle.dumps((s3_store, registry, config, TODAY)))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(payload), str(paused)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        data = _wait_for_release_data(s3_store, child, paused)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert data  # the kill hit a release folder that holds shards

    assert manifest_keys(s3_store) == []
    assert list_versions(s3_store, RELEASES) == []
    assert list_unpublished(s3_store, RELEASES) == [VERSION]
    for version in (None, VERSION):
        with pytest.raises(ReleaseNotFoundError):
            ReleaseReader(s3_store, version)
    assert verify_release(s3_store, f"{RELEASES}{VERSION}/").codes() == {"missing_manifest"}

    # The killed build still holds the store: the rerun is refused until the lease of the
    # dead process is broken, deliberately.
    with pytest.raises(LeaseHeldError, match="not running on this host") as held:
        build_release(s3_store, registry, config, today=TODAY)
    assert break_lease(s3_store, owner=held.value.holder.owner, force=True) is not None

    result = build_release(s3_store, registry, config, today=TODAY)

    assert result.published and result.version == VERSION
    # The kill came during the gates: de-duplication resumes from its marker.
    assert result.resumed_phases == ["dedup"]
    inputs = [
        shard["key"]
        for source in ("counsel_chats", "crisis_chats", "therapy_chats")
        for shard in read_ingest_manifest(s3_store, registry, source)["shards"]
    ]
    assert sorted(result.resumed) == sorted(inputs)  # every PII shard was done before the kill
    report = verify_release(s3_store, f"{RELEASES}{VERSION}/")
    assert report.ok, report.problems  # leftovers swept, nothing unlisted
    assert report.records == 90
    assert list_versions(s3_store, RELEASES) == [VERSION]
    assert sum(1 for _ in ReleaseReader(s3_store).iter_split("train")) > 0


def _wait_for_release_data(
    store: S3Store, child: subprocess.Popen[bytes], paused: Path
) -> list[str]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if child.poll() is not None:
            errors = child.stderr.read().decode(errors="replace") if child.stderr else ""
            pytest.fail(f"the build ended before it could be killed: {errors[-2000:]}")
        if paused.exists():
            return [o.key for o in store.list(RELEASES) if "/data/" in o.key]
        time.sleep(0.05)
    pytest.fail(f"no release data after {WAIT_S} s")


class _Crash(Exception):
    """Stands for an error in the middle of a build (a store outage, a killed worker)."""


def test_a_failed_build_resumes_after_its_searches_with_the_same_release(store: Store) -> None:
    registry, config = make_registry(), fast_config()
    items = write_source(store, "therapy", 40)
    write_source(store, "counselling", 30, extra=items[:6])  # 6 exact duplicates
    write_source(store, "crisis", 20)
    fresh = build_release(store, registry, config, today=TODAY)
    assert fresh.resumed_phases == [] and fresh.counts["duplicates_removed"] == 6

    def crash(stage: str, done: int, total: int | None) -> None:
        if stage == "compile":
            raise _Crash

    with pytest.raises(_Crash):
        build_release(store, registry, config, progress=crash, today=TODAY)
    resumed = build_release(store, registry, config, today=TODAY)
    assert resumed.resumed_phases == ["dedup"]
    assert resumed.version == f"{VERSION}.1"
    assert resumed.funnel == fresh.funnel  # duplicates counted per source after resuming too
    digests = {
        read_manifest(store, f"{RELEASES}{v}/").content_digest for v in (VERSION, resumed.version)
    }
    assert len(digests) == 1  # the same release as the build that ran every phase
    # The scratch of a build that ended is gone, markers first.
    assert not [o.key for o in store.list("work/") if "/dedup" in o.key or "/links" in o.key]
