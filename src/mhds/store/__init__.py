"""Stores: one interface over a local folder (the embedded default) and S3."""

from __future__ import annotations

import os
from collections.abc import Mapping

from mhds.store.base import ObjectInfo, Store
from mhds.store.local import LocalStore
from mhds.store.s3 import S3Store
from mhds.store.settings import S3Settings, resolve_s3_settings
from mhds.store.uri import parse_uri, redact_uri

DEFAULT_LOCAL_STORE = "./store"

__all__ = [
    "DEFAULT_LOCAL_STORE",
    "LocalStore",
    "ObjectInfo",
    "S3Settings",
    "S3Store",
    "Store",
    "default_store_uri",
    "open_store",
    "redact_uri",
]


def default_store_uri(env: Mapping[str, str] | None = None) -> str:
    """``MHDS_STORE``, else ``s3://<bucket>`` from a legacy bucket variable, else ``./store``."""
    env = os.environ if env is None else env
    if env.get("MHDS_STORE"):
        return env["MHDS_STORE"]
    bucket = resolve_s3_settings(env).bucket
    return f"s3://{bucket}" if bucket else DEFAULT_LOCAL_STORE


def open_store(
    uri: str | None = None,
    settings: S3Settings | None = None,
    env: Mapping[str, str] | None = None,
) -> Store:
    """Open the store at ``uri`` (default: see ``default_store_uri``).

    S3 settings come from ``settings`` or, when omitted, from the environment.
    """
    env = os.environ if env is None else env
    parsed = parse_uri(uri or default_store_uri(env))
    if parsed.scheme == "s3":
        return S3Store(parsed.bucket, parsed.prefix, settings or resolve_s3_settings(env))
    return LocalStore(parsed.prefix)
