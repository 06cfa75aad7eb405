"""Credentials never reach a log: a filter on the root handlers redacts, in every record's
fully formatted text, the credential values the process knows and credential shapes
(signed-request headers, presigned URL parameters, AWS key ids), whatever library logged it.

botocore's debug log prints each request's headers (``Authorization: AWS4-HMAC-SHA256
Credential=<key id>/...``, ``X-Amz-Security-Token``) and its canonical request; s3fs and
aiobotocore log call parameters. The filter rewrites the record (message, arguments,
exception and stack text folded into one redacted message) before any formatter sees it.
"""

from __future__ import annotations

import configparser
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from mhds.errors import ConfigError
from mhds.store.settings import resolve_s3_settings

REDACTED = "[REDACTED]"
#: Shorter values are not redacted by value: replacing every "1234" would garble the log,
#: and so short a secret is no secret (the shapes below still apply).
MIN_SECRET_LENGTH = 8
#: Environment variables holding a credential, by name: the AWS variables, mhds's legacy
#: ``DATASET_S3_*``/``OVH_S3_*`` names (``store.settings``) and the usual token variables.
CREDENTIAL_VARIABLE = re.compile(
    r"(?:^|_)(?:ACCESS_KEY(?:_ID)?|SECRET(?:_ACCESS)?_KEY|SECRET|SESSION_TOKEN|SECURITY_TOKEN"
    r"|TOKEN|PASSWORD|PASSWD|API_KEY)$"
)
#: Keys of the AWS shared credentials and config files that hold a credential.
_FILE_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
_FILE_KEYS_LEGACY = ("aws_security_token",)
_VALUE = r"[^\s'\",&}\]]+"


def _shape(prefix: str, value: str = _VALUE) -> re.Pattern[str]:
    """``prefix`` (kept, atomic: no backtracking into it) then ``value`` (replaced), unless
    the value already reads ``[REDACTED]``."""
    return re.compile(rf"((?>{prefix}))(?!\[REDACTED\]){value}")


#: Credential shapes; group 1 is kept, the rest of the match is replaced. Known values go
#: first (a shape could stop inside one at a comma), so a value may already read [REDACTED].
SHAPES: tuple[re.Pattern[str], ...] = (
    # A header's value up to its closing quote (dict reprs) or the end of the line.
    _shape(r"(?i:\bauthorization['\"]?\s*[:=]\s*b?['\"]?)", r"[^'\"\n]+"),
    _shape(r"(?i:\bx-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)"),
    # SigV4 credential scope and signatures, in headers and presigned URLs (%2F-encoded).
    _shape(r"(?i:\bcredential=)", r"[^/\s'\",&%]+"),
    _shape(r"(?i:\bsignature=)"),
    _shape(r"(?i:\bsignature:\s*)", r"[0-9a-f]{16,}"),
    # Assignments in config dumps and query strings.
    _shape(
        r"(?i:\b(?:aws_)?(?:secret_access_key|session_token|security_token|access_key_id"
        r"|password|passwd)['\"]?\s*[:=]\s*b?['\"]?)"
    ),
    # User-info of a URI (scheme://user:password@host).
    _shape(r"://", r"[^\s/@'\"]*:[^\s/@'\"]+(?=@)"),
    # AWS access key ids (long-term and temporary).
    _shape("", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])"),
)


class SecretFilter(logging.Filter):
    """Redacts credentials in every record it passes (it never drops one).

    Args:
        secrets: exact values to redact (URL-encoded forms too); values shorter than
            ``MIN_SECRET_LENGTH`` are left to the shapes.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        values = {v for v in secrets if len(v) >= MIN_SECRET_LENGTH}
        values |= {quote(v, safe="") for v in values}
        ordered = sorted(values, key=len, reverse=True)  # a longer value before its prefix
        self._known = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def redact(self, text: str) -> str:
        """``text`` with every known value and credential shape replaced by ``[REDACTED]``."""
        if self._known is not None:
            text = self._known.sub(REDACTED, text)
        for shape in SHAPES:
            text = shape.sub(lambda m: m[1] + REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's message (arguments applied), its exception text and its stack
        in place. The exception is formatted once into the record's text cache (which
        ``logging.Formatter`` prints after the message) and the exception object dropped, so a
        traceback stays a traceback and the message stays the message."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not leak its arguments
            message = f"{record.msg} (arguments not shown: they did not format)"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _format_exception(record.exc_info)
        # The exception object itself may hold a secret: no handler gets it, only the
        # redacted text (which logging.Formatter prints after the message).
        record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def known_secrets(env: Mapping[str, str] | None = None) -> set[str]:
    """Every credential value this process can know: credential variables of ``env``
    (``os.environ`` by default), the resolved S3 settings and the AWS shared credentials and
    config files."""
    env = os.environ if env is None else env
    found = {value for name, value in env.items() if value and CREDENTIAL_VARIABLE.search(name)}
    try:
        settings = resolve_s3_settings(env)
    except ConfigError:
        settings = None  # invalid settings: the variables themselves are covered above
    if settings is not None:
        for secret in (settings.access_key_id, settings.secret_access_key, settings.session_token):
            if secret is not None:
                found.add(secret.get_secret_value())
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    for variable, default in (
        ("AWS_SHARED_CREDENTIALS_FILE", home / ".aws" / "credentials"),
        ("AWS_CONFIG_FILE", home / ".aws" / "config"),
    ):
        found |= _file_secrets(Path(env.get(variable) or default))
    return found


def configure_logging(level: int, env: Mapping[str, str] | None = None) -> SecretFilter:
    """``logging.basicConfig(level=level)``, then a ``SecretFilter`` on every root handler
    (replacing one installed before) and, at DEBUG, a traceback hook that redacts too (the
    CLI lets exceptions through with ``--debug``)."""
    logging.basicConfig(level=level)
    secret_filter = SecretFilter(known_secrets(env))
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, SecretFilter)]:
            handler.removeFilter(old)
        handler.addFilter(secret_filter)
    if level <= logging.DEBUG:
        sys.excepthook = _redacting_hook(secret_filter)
    return secret_filter


def _file_secrets(path: Path) -> set[str]:
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return set()  # unreadable: botocore cannot use it either
    keys = _FILE_KEYS + _FILE_KEYS_LEGACY
    return {
        value.strip()
        for section in parser.sections()
        for key in keys
        if (value := parser.get(section, key, fallback=""))
    }


def _format_exception(
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
    | tuple[None, None, None],
) -> str:
    return logging.Formatter().formatException(exc_info)


_ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def _redacting_hook(secret_filter: SecretFilter) -> _ExceptHook:
    """A ``sys.excepthook`` printing the usual traceback, redacted."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(secret_filter.redact(text))

    return hook
