"""Executors: run independent work units (shards, buckets) inline, on a process pool, or on
a Dask cluster, behind one interface."""

from __future__ import annotations

from mhds.engine.base import Executor, make_executor

__all__ = ["Executor", "make_executor"]
