"""Store URIs: parse, join keys, and print them without credentials."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from mhds.errors import ConfigError

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class StoreURI:
    """A parsed store root: ``s3://bucket/prefix`` or a local folder.

    Attributes:
        scheme: ``s3`` or ``file``.
        bucket: the bucket for ``s3``; empty for ``file``.
        prefix: the key prefix inside the bucket (no leading slash, ends with ``/`` or is empty),
            or the absolute folder path for ``file``.
    """

    scheme: str
    bucket: str
    prefix: str

    def __str__(self) -> str:
        if self.scheme == "s3":
            return f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return self.prefix


def parse_uri(uri: str) -> StoreURI:
    """Parse a store URI; a bare path or ``file://`` URL is a local folder.

    Raises:
        ConfigError: for an unknown scheme or an invalid bucket name.
    """
    parts = urlsplit(uri)
    if parts.scheme in ("s3", "s3a"):
        bucket = parts.netloc.rsplit("@", 1)[-1]
        if not _BUCKET_RE.match(bucket):
            raise ConfigError(f"invalid S3 bucket name in {redact_uri(uri)!r}")
        prefix = parts.path.lstrip("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return StoreURI("s3", bucket, prefix)
    if parts.scheme == "file":
        return StoreURI("file", "", str(Path(parts.path).resolve()))
    if parts.scheme and len(parts.scheme) > 1:
        raise ConfigError(
            f"unsupported store URI scheme {parts.scheme!r}: use s3://bucket/prefix or a folder"
        )
    return StoreURI("file", "", str(Path(uri).expanduser().resolve()))


def redact_uri(uri: str) -> str:
    """Return ``uri`` with any user-info and query string removed (they may hold secrets)."""
    parts = urlsplit(uri)
    if not parts.scheme or len(parts.scheme) == 1:
        return uri
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def join_key(*parts: str) -> str:
    """Join key parts with ``/``, refusing absolute keys and ``..`` escapes."""
    key = posixpath.normpath("/".join(p.strip("/") for p in parts if p.strip("/")))
    if key in (".", "") or key.startswith("../") or key == "..":
        raise ConfigError(f"invalid store key {'/'.join(parts)!r}")
    return key


def check_key(key: str) -> str:
    """Validate a relative store key and return it unchanged.

    Raises:
        ConfigError: for empty, absolute or escaping keys.
    """
    if not key or key.startswith("/") or key.endswith("/"):
        raise ConfigError(f"invalid store key {key!r}: keys are relative and name an object")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise ConfigError(f"invalid store key {key!r}: empty, '.' or '..' segment")
    return key
