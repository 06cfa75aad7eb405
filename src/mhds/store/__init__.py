"""Stores: one interface over a local folder (the embedded default) and S3."""

from __future__ import annotations

import os
from collections.abc import Mapping

from mhds.store.base import ObjectInfo, Store
from mhds.store.existence import (
    STORE_MARKER_KEY,
    check_store,
    initialise_store,
    is_existing_store,
)
from mhds.store.local import LocalStore
from mhds.store.s3 import S3Store
from mhds.store.settings import S3Settings, resolve_bucket, resolve_s3_settings
from mhds.store.uri import parse_uri, redact_uri

DEFAULT_LOCAL_STORE = "./store"

__all__ = [
    "DEFAULT_LOCAL_STORE",
    "STORE_MARKER_KEY",
    "LocalStore",
    "ObjectInfo",
    "S3Settings",
    "S3Store",
    "Store",
    "check_store",
    "create_store",
    "default_store_uri",
    "initialise_store",
    "is_existing_store",
    "open_existing_store",
    "open_store",
    "redact_uri",
]


def default_store_uri(env: Mapping[str, str] | None = None) -> str:
    """``MHDS_STORE``, else ``s3://<bucket>`` from a legacy bucket variable, else ``./store``."""
    env = os.environ if env is None else env
    if env.get("MHDS_STORE"):
        return env["MHDS_STORE"]
    bucket = resolve_bucket(env)
    return f"s3://{bucket}" if bucket else DEFAULT_LOCAL_STORE


def open_store(
    uri: str | None = None,
    settings: S3Settings | None = None,
    env: Mapping[str, str] | None = None,
) -> Store:
    """Open the store at ``uri`` (default: see ``default_store_uri``), existing or not.

    S3 settings come from ``settings`` or, when omitted, from the environment. Nothing is
    checked or created: commands that read a store use ``open_existing_store``, and
    ``create_store`` makes a new one.
    """
    env = os.environ if env is None else env
    parsed = parse_uri(uri or default_store_uri(env))
    if parsed.scheme == "s3":
        return S3Store(parsed.bucket, parsed.prefix, settings or resolve_s3_settings(env))
    return LocalStore(parsed.prefix)


def open_existing_store(
    uri: str | None = None,
    settings: S3Settings | None = None,
    env: Mapping[str, str] | None = None,
) -> Store:
    """Open the store at ``uri`` and check that it exists (a folder; a bucket whose prefix
    holds at least one object).

    Raises:
        StoreNotFoundError: one line naming the store, what is missing and the fix
            (``mhds init --store URI``; for an S3 prefix typo, the nearest existing prefixes).
        ConfigError: the URI or the S3 settings are invalid.
    """
    store = open_store(uri, settings, env)
    check_store(store)
    return store


def create_store(
    uri: str | None = None,
    settings: S3Settings | None = None,
    env: Mapping[str, str] | None = None,
) -> Store:
    """Open the store at ``uri``, creating it when it does not exist (idempotent).

    A local folder is created; on S3 the bucket must exist, and a marker object
    (``mhds-store.json``) makes the prefix exist.

    Raises:
        StoreNotFoundError: the S3 bucket does not exist, or the local path is a file.
    """
    store = open_store(uri, settings, env)
    initialise_store(store)
    return store
