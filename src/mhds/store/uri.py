"""Store URIs: parse, join keys, and print them without credentials."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from mhds.errors import ConfigError

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
# "s3" (or "s3a") in any case, then the separators someone typed instead of "://".
_S3_LIKE_RE = re.compile(r"^(?P<scheme>s3a?)(?P<sep>[:/\\]+)(?P<rest>.*)$", re.IGNORECASE)


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
        ConfigError: for an unknown scheme, an invalid bucket name, or a mistyped S3 URI
            (``s3//bucket``, ``s3:/bucket``, ``S3://bucket`` ...): the message suggests the
            right spelling instead of silently opening a local folder named ``s3``.
    """
    check_s3_spelling(uri)
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


def check_s3_spelling(uri: str) -> None:
    """Refuse a URI that looks like a mistyped ``s3://bucket/prefix``.

    ``s3/x`` (one slash) stays a local path: a folder may be called ``s3``.

    Raises:
        ConfigError: with the corrected URI as a hint.
    """
    match = _S3_LIKE_RE.match(uri)
    if match is None:
        return
    scheme, sep, rest = match["scheme"], match["sep"], match["rest"]
    if sep == "/" or (sep == "://" and scheme in ("s3", "s3a")):
        return
    suggestion = redact_uri(scheme.lower() + "://" + rest.lstrip("/\\"))
    raise ConfigError(
        f"{strip_userinfo(uri)!r} is not a valid S3 URI: did you mean {suggestion}? "
        "(S3 stores are written s3://bucket/prefix, in lower case)"
    )


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


def key_part(text: str, default: str = "seed") -> str:
    """``text`` (a seed, a folder name) as one part of a key: letters, digits, ``-``, ``_``
    and ``.`` kept, anything else as ``-``, 40 characters at most; ``default`` when empty."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)[:40] or default


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


def strip_userinfo(text: str) -> str:
    """``text`` with anything that looks like ``user:secret@`` removed, in a URL or in a bare
    ``host:port`` that someone wrote without its scheme."""
    return re.sub(r"[^/@\\:]*(:[^/@]*)?@", "", text)
