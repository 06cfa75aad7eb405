"""The store lease: one writer at a time, a heartbeat, expiry, and deliberate breaking."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from mhds.records import codec
from mhds.store.base import Store
from mhds.store.lease import (
    BEAT_KEY,
    LEASE_KEY,
    LeaseHeldError,
    LeaseLostError,
    StoreLease,
    break_lease,
    read_lease,
)

START = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_a_second_writer_is_refused_with_the_holders_name(store: Store) -> None:
    with StoreLease(store, "build-a", "build") as held:
        assert read_lease(store) is not None
        with pytest.raises(LeaseHeldError, match="build build-a") as caught:
            StoreLease(store, "build-b", "build").acquire()
        assert not caught.value.expired and caught.value.exit_code == 6
        assert "mhds lease show" in str(caught.value)
        held.check()
    assert read_lease(store) is None
    assert not list(store.list("locks/"))  # lease and heartbeat removed
    with StoreLease(store, "build-b", "build"):  # free again
        pass


def test_a_lease_whose_heartbeat_stopped_expires_but_is_never_taken_over(store: Store) -> None:
    clock = Clock()
    dead = StoreLease(store, "build-a", "build", ttl=60, heartbeat=10, clock=clock)
    dead.acquire()
    dead._stop.set()  # the process died: no more heartbeats, no release
    clock.now = START + timedelta(seconds=61)
    state = read_lease(store, clock=clock)
    assert state is not None and state.expired and state.info.owner == "build-a"
    with pytest.raises(LeaseHeldError, match="EXPIRED") as caught:
        StoreLease(store, "build-b", "build", clock=clock).acquire()
    assert caught.value.expired and "mhds lease break" in str(caught.value)
    with pytest.raises(LeaseHeldError, match="not build-x"):
        break_lease(store, owner="build-x", clock=clock)
    broken = break_lease(store, owner="build-a", clock=clock)
    assert broken is not None and broken.info.owner == "build-a"
    assert read_lease(store) is None
    with StoreLease(store, "build-b", "build", clock=clock):
        pass


def test_an_alive_lease_is_broken_only_by_force_and_its_holder_then_stops(store: Store) -> None:
    holder = StoreLease(store, "build-a", "build")
    holder.acquire()
    try:
        with pytest.raises(LeaseHeldError, match="alive"):
            break_lease(store)
        assert break_lease(store, force=True) is not None
        with pytest.raises(LeaseLostError, match="nothing published"):
            holder.check()
        # A new writer takes the store; the old holder's release leaves the new lease alone.
        with StoreLease(store, "build-b", "build"):
            holder.release()
            state = read_lease(store)
            assert state is not None and state.info.owner == "build-b"
    finally:
        holder.release()


def test_the_heartbeat_keeps_the_lease_fresh(store: Store) -> None:
    with StoreLease(store, "build-a", "build", ttl=2, heartbeat=0.2) as held:
        beat_key = BEAT_KEY.format(token=held.info.token)
        first = codec.loads(store.read_bytes(beat_key))["beat"]
        time.sleep(1.0)
        later = codec.loads(store.read_bytes(beat_key))["beat"]
        assert later > first
        time.sleep(1.5)  # past the ttl since acquiring, but not since the last beat
        state = read_lease(store)
        assert state is not None and not state.expired


def test_breaking_when_nobody_holds_is_a_no_op_and_a_malformed_lease_is_an_error(
    store: Store,
) -> None:
    assert break_lease(store) is None
    store.write_bytes(LEASE_KEY, b"not json")
    with pytest.raises(Exception, match="malformed lease"):
        read_lease(store)


def test_a_malformed_lease_is_removed_only_by_force(store: Store) -> None:
    store.write_bytes(LEASE_KEY, b"{not json")
    with pytest.raises(Exception, match="mhds lease break --force"):
        StoreLease(store, "build-a", "build").acquire()
    with pytest.raises(Exception, match="malformed lease"):
        break_lease(store)
    assert break_lease(store, force=True) is None
    with StoreLease(store, "build-a", "build"):
        pass


def test_a_failed_first_heartbeat_leaves_no_lease(store: Store) -> None:
    class FailingBeat(StoreLease):
        def _beat(self) -> None:
            raise OSError("disk full")

    with pytest.raises(OSError):
        FailingBeat(store, "build-a", "build").acquire()
    assert read_lease(store) is None


def test_a_dead_local_holder_is_named_but_its_lease_still_needs_expiry_or_force(
    store: Store,
) -> None:
    import socket
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    dead = StoreLease(store, "build-dead", "build")
    info = dead.info.__class__(
        **{**dead.info.__dict__, "pid": int(done.stdout), "host": socket.gethostname()}
    )
    store.write_bytes(LEASE_KEY, info.to_bytes())
    with pytest.raises(LeaseHeldError, match="no longer exists on this host") as held:
        StoreLease(store, "build-b", "build").acquire()
    assert "--force" in str(held.value)
    with pytest.raises(LeaseHeldError, match="alive"):
        break_lease(store)  # another container may share the host name: not without force
    assert break_lease(store, owner="build-dead", force=True) is not None
