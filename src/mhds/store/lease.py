"""One writer per store: a lease object that a build (or an ingest) holds while it writes.

S3 has no lock, but it has write-once puts (``If-None-Match: *``), so the lease is an object
created write-once: ``locks/store.lease.json`` names its holder (build id, command, host, pid,
a random token, when it was taken and how long it lives without a heartbeat). Whoever creates
it holds the store; anyone else is refused at once with the holder's name. While it holds the
lease, the holder writes a heartbeat object of its own (``locks/beat-<token>.json``) every
``heartbeat`` seconds from a background thread; a lease whose last heartbeat is older than its
``ttl`` is *expired*: its holder crashed or lost the store. An expired lease is never taken
over silently: ``break_lease`` (``mhds lease break``) removes it deliberately, and it refuses a
lease that is still alive unless forced.

The holder checks that the lease is still its own (same token) at each phase of a build and
right before it publishes; a lease that was broken meanwhile makes the build stop with
``LeaseLostError`` and publish nothing. Expiry compares the holder's clock with the reader's:
keep clocks in sync (NTP), as any S3 client must for request signing anyway.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from mhds.errors import MhdsError, ObjectExistsError, ObjectNotFoundError, StoreError
from mhds.records import codec
from mhds.store.base import Store

log = logging.getLogger(__name__)

LOCKS_PREFIX = "locks/"
LEASE_KEY = LOCKS_PREFIX + "store.lease.json"
BEAT_KEY = LOCKS_PREFIX + "beat-{token}.json"
DEFAULT_TTL = 600.0
DEFAULT_HEARTBEAT = 30.0

Clock = Callable[[], datetime]


class LeaseHeldError(MhdsError):
    """Another build holds the store's lease: this one wrote nothing (exit code 6).

    Attributes:
        holder: who holds it.
        expired: whether its last heartbeat is older than its ttl (its holder likely died).
    """

    exit_code = 6

    def __init__(self, message: str, *, holder: LeaseInfo, expired: bool) -> None:
        super().__init__(message, owner=holder.owner, expired=expired)
        self.holder = holder
        self.expired = expired


class LeaseLostError(MhdsError):
    """The lease this build held was broken (or replaced) while it ran: it stops and
    publishes nothing (exit code 6)."""

    exit_code = 6


@dataclass(frozen=True)
class LeaseInfo:
    """What the lease object says about its holder.

    Attributes:
        owner: the build (or ingest) id holding it.
        command: ``build``, ``ingest`` ...
        host: the machine's host name.
        pid: the holder's process id on that host.
        token: random, names this holding (a broken and retaken lease has a new one).
        acquired: when it was taken (UTC, ISO 8601).
        ttl_seconds: how long the lease lives after its last heartbeat.
    """

    owner: str
    command: str
    host: str
    pid: int
    token: str
    acquired: str
    ttl_seconds: float

    @classmethod
    def from_bytes(cls, data: bytes) -> LeaseInfo:
        """Parse a lease object; a malformed one is a StoreError naming the key."""
        try:
            raw = codec.loads(data)
            _parse_time(str(raw["acquired"]))
            return cls(
                owner=str(raw["owner"]),
                command=str(raw["command"]),
                host=str(raw["host"]),
                pid=int(raw["pid"]),
                token=str(raw["token"]),
                acquired=str(raw["acquired"]),
                ttl_seconds=float(raw["ttl_seconds"]),
            )
        except (codec.DecodeError, KeyError, TypeError, ValueError):
            raise StoreError(
                "malformed lease object: remove it with `mhds lease break --force`",
                uri=LEASE_KEY,
                operation="lease",
            ) from None

    def to_bytes(self) -> bytes:
        return codec.dumps(asdict(self), indent=True) + b"\n"


@dataclass(frozen=True)
class LeaseState:
    """A lease as seen from outside: its holder, last heartbeat and whether it expired."""

    info: LeaseInfo
    last_beat: datetime
    expired: bool

    @property
    def holder_gone(self) -> bool:
        """Whether the holder ran on this host and its process no longer exists."""
        return self.info.host == socket.gethostname() and not _pid_alive(self.info.pid)

    def describe(self, now: datetime) -> str:
        """One line: who holds it, since when, and how fresh it is."""
        age = int((now - self.last_beat).total_seconds())
        where = f"{self.info.host} pid {self.info.pid}"
        if self.holder_gone:
            where += " (not running on this host)"
        state = "EXPIRED" if self.expired else "alive"
        return (
            f"{self.info.command} {self.info.owner} on {where}, since {self.info.acquired}, "
            f"last heartbeat {age} s ago ({state}; ttl {int(self.info.ttl_seconds)} s)"
        )


def read_lease(store: Store, *, clock: Clock | None = None) -> LeaseState | None:
    """The store's lease, or None when nobody holds it."""
    now = (clock or _now)()
    try:
        info = LeaseInfo.from_bytes(store.read_bytes(LEASE_KEY))
    except ObjectNotFoundError:
        return None
    last = _parse_time(info.acquired)
    try:
        beat = codec.loads(store.read_bytes(BEAT_KEY.format(token=info.token)))
        if isinstance(beat, dict) and isinstance(beat.get("beat"), str):
            last = max(last, _parse_time(beat["beat"]))
    except (ObjectNotFoundError, codec.DecodeError, ValueError):
        pass
    expired = now - last > timedelta(seconds=info.ttl_seconds)
    return LeaseState(info, last, expired)


def break_lease(
    store: Store, *, force: bool = False, owner: str | None = None, clock: Clock | None = None
) -> LeaseState | None:
    """Remove the store's lease so that a new build can take it.

    An alive lease (heartbeat within its ttl) is refused unless ``force``, even when its
    holder's process no longer exists on this host (another container may share the host
    name): breaking it lets a second writer in while the first still runs (the first then
    stops before it publishes, with LeaseLostError, and removes nothing). ``owner`` (a build
    id), when given, must name the holder, so that a lease taken again meanwhile is not broken
    by mistake.

    Returns:
        The lease that was removed, or None when there was none.

    Raises:
        LeaseHeldError: the lease is alive and ``force`` is not set, or ``owner`` does not
            name its holder.
    """
    now = (clock or _now)()
    try:
        state = read_lease(store, clock=clock)
    except StoreError:
        if not force:
            raise
        log.warning("removed a malformed store lease")
        store.delete(LEASE_KEY)
        return None
    if state is None:
        return None
    if owner is not None and owner != state.info.owner:
        raise LeaseHeldError(
            f"the store's lease is held by {state.info.owner}, not {owner}: nothing broken",
            holder=state.info,
            expired=state.expired,
        )
    if not (state.expired or force):
        raise LeaseHeldError(
            f"the store's lease is alive: {state.describe(now)}; break it only when that "
            "process is gone (--force)",
            holder=state.info,
            expired=False,
        )
    # Re-read right before deleting: a lease retaken meanwhile has a new token.
    again = read_lease(store, clock=clock)
    if again is None or again.info.token != state.info.token:
        return None
    store.delete(LEASE_KEY)
    store.delete(BEAT_KEY.format(token=state.info.token))
    log.warning("broke the store lease of %s %s", state.info.command, state.info.owner)
    return state


class StoreLease:
    """Hold the store's lease for the length of a ``with`` block (see the module docstring).

    Raises (on enter):
        LeaseHeldError: another build holds it (alive or expired; an expired one must be
            broken deliberately with ``break_lease``).
    """

    def __init__(
        self,
        store: Store,
        owner: str,
        command: str,
        *,
        ttl: float = DEFAULT_TTL,
        heartbeat: float = DEFAULT_HEARTBEAT,
        clock: Clock | None = None,
    ) -> None:
        if heartbeat <= 0 or ttl <= heartbeat:
            raise MhdsError("lease ttl must exceed the heartbeat interval, both positive")
        self._store = store
        self._clock = clock or _now
        self._heartbeat = heartbeat
        self.info = LeaseInfo(
            owner=owner,
            command=command,
            host=socket.gethostname(),
            pid=os.getpid(),
            token=secrets.token_hex(8),
            acquired=_format_time(self._clock()),
            ttl_seconds=ttl,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lost = False
        self._held = False

    def __enter__(self) -> StoreLease:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lease (write-once) and start the heartbeat. Nothing is left behind when
        taking it fails half-way."""
        for attempt in range(2):
            try:
                self._store.put_if_absent(LEASE_KEY, self.info.to_bytes())
                break
            except ObjectExistsError:
                state = read_lease(self._store, clock=self._clock)
                if state is not None:
                    raise self._held_by(state) from None
                if attempt:  # released between our put and our read, twice
                    raise StoreError("lease contended", uri=LEASE_KEY, operation="lease") from None
        self._held = True
        try:
            self._beat()
            self._thread = threading.Thread(target=self._run, name="mhds-lease", daemon=True)
            self._thread.start()
        except BaseException:
            self.release()
            raise

    def check(self) -> None:
        """Raise LeaseLostError unless the lease is still this holder's."""
        if self._lost or not self._still_ours():
            self._lost = True
            raise LeaseLostError(
                f"the store's lease of {self.info.command} {self.info.owner} was broken or "
                "taken while it ran: stopped, nothing published"
            )

    def release(self) -> None:
        """Stop the heartbeat and remove the lease (when it is still ours)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._heartbeat + 5)
        if not self._held:
            return
        self._held = False
        try:
            if self._still_ours():
                self._store.delete(LEASE_KEY)
            self._store.delete(BEAT_KEY.format(token=self.info.token))
        except StoreError as exc:
            log.warning("could not release the store lease: %s", type(exc).__name__)

    def _run(self) -> None:
        while not self._stop.wait(self._heartbeat):
            try:
                if not self._still_ours():
                    self._lost = True
                    log.warning("the store lease was broken while this build ran")
                    return
                self._beat()
            except StoreError as exc:  # a missed beat is not fatal; the ttl allows several
                log.warning("lease heartbeat failed: %s", type(exc).__name__)

    def _beat(self) -> None:
        body = {"token": self.info.token, "beat": _format_time(self._clock())}
        self._store.write_bytes(BEAT_KEY.format(token=self.info.token), codec.dumps(body))

    def _still_ours(self) -> bool:
        try:
            current = LeaseInfo.from_bytes(self._store.read_bytes(LEASE_KEY))
        except ObjectNotFoundError:
            return False
        return current.token == self.info.token

    def _held_by(self, state: LeaseState) -> LeaseHeldError:
        now = self._clock()
        where = self._store.url_for(LEASE_KEY)
        if state.expired:
            advice = (
                "its heartbeat stopped; when you are sure that process no longer runs, "
                f"`mhds lease break --store URI --owner {state.info.owner}` and run again"
            )
        elif state.holder_gone:
            advice = (
                "its process no longer exists on this host (unless it runs in another "
                "container with this host name); when you are sure, `mhds lease break "
                f"--store URI --owner {state.info.owner} --force` and run again, or wait "
                "for the lease to expire"
            )
        else:
            advice = "wait for it to finish (`mhds lease show --store URI`)"
        return LeaseHeldError(
            f"another writer holds this store ({where}): {state.describe(now)}; {advice}",
            holder=state.info,
            expired=state.expired,
        )


def lease_dict(state: LeaseState) -> dict[str, Any]:
    """JSON-ready form of a lease for ``mhds lease show --json``."""
    return {
        **asdict(state.info),
        "last_beat": _format_time(state.last_beat),
        "expired": state.expired,
    }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> datetime:
    return datetime.now(UTC)


def _format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
