"""One executor protocol, three implementations.

Work functions are top-level, picklable functions of one work unit (a shard key, a bucket
number) that read and write the store themselves and return small, JSON-ready summaries.
Results come back in input order, whatever order the workers finish in, so every executor
gives byte-identical outputs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor as FuturesExecutor
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal, Protocol, TypeVar

from mhds.errors import ConfigError, MhdsError, ShardError

log = logging.getLogger(__name__)

T = TypeVar("T")
U = TypeVar("U")
ExecutorKind = Literal["inline", "local", "dask"]


class Executor(Protocol):
    """Maps a function over work units; results in input order."""

    kind: str

    def map(
        self,
        fn: Callable[[T], U],
        units: Sequence[T],
        *,
        on_done: Callable[[int], None] | None = None,
    ) -> list[U]:
        """Run ``fn`` on every unit; call ``on_done(count)`` as units finish."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


class InlineExecutor:
    """Runs every unit in this process, in order (tests, debugging, tiny builds)."""

    kind = "inline"

    def map(
        self,
        fn: Callable[[T], U],
        units: Sequence[T],
        *,
        on_done: Callable[[int], None] | None = None,
    ) -> list[U]:
        results = []
        for done, unit in enumerate(units, start=1):
            results.append(_run_unit(fn, unit))
            if on_done:
                on_done(done)
        return results

    def close(self) -> None:
        pass


class FuturesExecutorAdapter:
    """Any ``concurrent.futures.Executor``: a local process pool, or Dask's
    ``Client.get_executor()``."""

    def __init__(self, pool: FuturesExecutor, kind: str, closer: Callable[[], None]) -> None:
        self._pool = pool
        self.kind = kind
        self._closer = closer

    def map(
        self,
        fn: Callable[[T], U],
        units: Sequence[T],
        *,
        on_done: Callable[[int], None] | None = None,
    ) -> list[U]:
        futures = [self._pool.submit(_run_unit, fn, unit) for unit in units]
        results: list[U] = []
        for done, future in enumerate(futures, start=1):
            results.append(future.result())
            if on_done:
                on_done(done)
        return results

    def close(self) -> None:
        self._closer()


def make_executor(
    kind: ExecutorKind = "local", *, workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """Build an executor: ``inline``, ``local`` (process pool) or ``dask`` (needs a
    scheduler address, e.g. ``tcp://127.0.0.1:8786``).

    Raises:
        ConfigError: unknown kind, or dask without a scheduler or without the package.
    """
    if kind == "inline":
        return InlineExecutor()
    if kind == "local":
        import multiprocessing

        # spawn: workers load models themselves and share no sockets or locks with us.
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        return FuturesExecutorAdapter(pool, "local", lambda: pool.shutdown(wait=True))
    if kind == "dask":
        if not scheduler:
            raise ConfigError("--executor dask needs --scheduler ADDRESS (tcp://host:8786)")
        try:
            from distributed import Client
        except ImportError as exc:
            raise ConfigError("the dask executor needs: pip install 'mhds[dask]'") from exc
        client = Client(scheduler)  # type: ignore[no-untyped-call]
        pool = client.get_executor()  # type: ignore[no-untyped-call]
        return FuturesExecutorAdapter(pool, "dask", client.close)
    raise ConfigError(f"unknown executor {kind!r} (inline, local, dask)")


def _run_unit(fn: Callable[[T], U], unit: T) -> U:
    """Run one unit; any non-mhds failure becomes a ShardError naming the unit.

    Only the exception type is kept in the message (an arbitrary exception's text could
    quote record content); the original stays chained for ``--debug``.
    """
    try:
        return fn(unit)
    except MhdsError:
        raise
    except Exception as exc:
        raise ShardError(f"failed with {type(exc).__name__}", shard=str(unit)) from exc


def describe(executor: Any) -> str:
    """A short name for logs."""
    return str(getattr(executor, "kind", type(executor).__name__))
