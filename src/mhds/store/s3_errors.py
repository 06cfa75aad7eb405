"""How S3 failures read: botocore errors mapped to the mhds taxonomy, one line each.

A refused request names the endpoint and the credential variables to check; an endpoint that
cannot be reached names itself, the attempts made and the timeouts. A TLS handshake that no
retry can fix (certificate not trusted or not for this host, no TLS on the port) fails at once
as StoreTLSError, and ``stop_tls_retries`` keeps botocore from retrying it either. Messages
carry variable names, never their values.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from mhds.errors import (
    ObjectNotFoundError,
    RetryableStoreError,
    StoreAccessDeniedError,
    StoreError,
    StoreTLSError,
    StoreUnreachableError,
)
from mhds.store.settings import S3Settings
from mhds.store.uri import redact_uri

T = TypeVar("T")

_NOT_FOUND = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
PRECONDITION_CODES = {"412", "PreconditionFailed", "ConditionalRequestConflict", "409"}
_DENIED = {
    "403",
    "AccessDenied",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
}
_RETRYABLE = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "503",
    "500",
    "502",
    "504",
}
# OpenSSL reasons a retry cannot fix, besides a failed certificate verification (its own
# class): plain HTTP on the port, no common protocol version, the server refusing our CA.
_PERMANENT_TLS_REASONS = {
    "WRONG_VERSION_NUMBER",
    "UNSUPPORTED_PROTOCOL",
    "TLSV1_ALERT_PROTOCOL_VERSION",
    "TLSV1_ALERT_UNKNOWN_CA",
    "SSLV3_ALERT_BAD_CERTIFICATE",
}
_TLS_NO_RETRY_ID = "mhds-tls-no-retry"


def guard_call(
    operation: str, uri: str, call: Callable[[], T], settings: S3Settings | None = None
) -> T:
    """Run ``call`` and map botocore errors to StoreError subclasses (no secrets in text).

    With ``settings``, refused credentials and unreachable endpoints get a message that names
    the endpoint and the variables to check.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call()
    except ClientError as exc:
        raise _from_client_error(exc, operation, uri, settings) from exc
    except BotoCoreError as exc:
        raise _from_botocore_error(exc, operation, uri, settings) from exc


def _from_client_error(
    exc: Any, operation: str, uri: str, settings: S3Settings | None
) -> StoreError:
    """The StoreError for an answer the endpoint gave (404, 403, 5xx, ...)."""
    status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    code = str(exc.response.get("Error", {}).get("Code") or status)
    message = f"{code} (HTTP {status})" if status else code
    if code in _NOT_FOUND or status == "404":
        err: StoreError = ObjectNotFoundError(message, uri=uri, operation=operation)
    elif code in _DENIED or status == "403":
        detail = f"{code}, HTTP {status}" if code != status else f"HTTP {status}"
        err = StoreAccessDeniedError(
            access_denied_message(detail, settings), uri=uri, operation=operation
        )
    elif code in _RETRYABLE or status.startswith("5"):
        err = RetryableStoreError(message, uri=uri, operation=operation)
    else:
        err = StoreError(message, uri=uri, operation=operation)
    err.context.update(code=code, status=status)
    return err


def _from_botocore_error(
    exc: Exception, operation: str, uri: str, settings: S3Settings | None
) -> StoreError:
    """The StoreError for a request that got no answer (connection, credentials ...)."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError, NoCredentialsError, PartialCredentialsError

    cause = type(exc).__name__
    tls = tls_failure(exc)
    if tls is not None:
        return StoreTLSError(tls_message(tls, settings, exc), uri=uri, operation=operation)
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return StoreUnreachableError(
            unreachable_message(cause, settings), uri=uri, operation=operation
        )
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return StoreAccessDeniedError(
            f"no usable credentials ({cause}): set {_credentials_hint(settings)}",
            uri=uri,
            operation=operation,
        )
    return RetryableStoreError(cause, uri=uri, operation=operation)


def tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The ssl error under ``exc`` when no retry can fix it, else None.

    botocore wraps urllib3's SSLError, which wraps the ssl module's: the chain is followed
    through ``kwargs["error"]`` (botocore), ``args``, ``__cause__`` and ``__context__``.
    """
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        error = stack.pop()
        if not isinstance(error, BaseException) or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, ssl.SSLError) and (
            isinstance(error, ssl.SSLCertVerificationError)
            or error.reason in _PERMANENT_TLS_REASONS
        ):
            return error
        kwargs = getattr(error, "kwargs", None)
        if isinstance(kwargs, dict):
            stack.append(kwargs.get("error"))
        stack.extend([error.__cause__, error.__context__, *error.args])
    return None


def stop_tls_retries(client: Any) -> None:
    """Make ``client`` (boto3) give up after one attempt on a TLS failure no retry can fix.

    botocore's ``standard`` retry mode retries every connection error, a failed certificate
    check included, with backoff. This handler runs first on ``needs-retry`` and raises such
    an error at once; ``guard_call`` then turns it into StoreTLSError. Idempotent.
    """
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(
        f"needs-retry.{service}", _raise_permanent_tls, unique_id=_TLS_NO_RETRY_ID
    )


def _raise_permanent_tls(caught_exception: BaseException | None = None, **_: Any) -> None:
    if caught_exception is not None and tls_failure(caught_exception) is not None:
        raise caught_exception


def tls_message(error: ssl.SSLError, settings: S3Settings | None, exc: BaseException) -> str:
    """What to check when the TLS handshake fails for good (names the endpoint, redacted)."""
    if isinstance(error, ssl.SSLCertVerificationError):
        why = f"certificate not accepted: {error.verify_message or error.reason}"
    else:
        why = f"{error.reason or type(error).__name__}"
    variable = (settings.variables.get("endpoint_url") if settings else None) or "AWS_ENDPOINT_URL"
    return (
        f"TLS handshake with {_tls_endpoint(settings, exc)} failed ({why}); not retried, as "
        f"it does not heal by itself: check that {variable} names the server by the host name "
        "its certificate was issued for (and uses https only where it speaks TLS), and that a "
        "certificate from a private CA has that CA in the trusted bundle"
    )


def _tls_endpoint(settings: S3Settings | None, exc: BaseException) -> str:
    """The endpoint a TLS failure names: the configured one, else scheme and host of the
    request botocore made (never its path or query)."""
    if settings is not None and settings.endpoint_url is not None:
        return describe_endpoint(settings)
    url = getattr(exc, "kwargs", {}).get("endpoint_url")
    if isinstance(url, str) and url:
        parts = urlsplit(url)
        return f"the S3 endpoint {redact_uri(f'{parts.scheme}://{parts.netloc}')}"
    return describe_endpoint(settings)


def describe_endpoint(settings: S3Settings | None) -> str:
    """The endpoint as a message names it (its variable too when one set it)."""
    if settings is None or settings.endpoint_url is None:
        return "the default AWS S3 endpoint"
    variable = settings.variables.get("endpoint_url")
    origin = f" (from {variable})" if variable else ""
    # Never its user-info or query string: a URL can carry a key or a session token.
    return f"the S3 endpoint {redact_uri(settings.endpoint_url)}{origin}"


def access_denied_message(detail: str, settings: S3Settings | None) -> str:
    """What to check when the endpoint refuses the credentials (names variables, not values)."""
    return (
        f"access denied by {describe_endpoint(settings)} ({detail}): check "
        f"{_credentials_hint(settings)}, and that the bucket policy allows this operation"
    )


def unreachable_message(cause: str, settings: S3Settings | None) -> str:
    """What to check when the endpoint cannot be reached at all."""
    settings = settings or S3Settings()
    variable = settings.variables.get("endpoint_url", "AWS_ENDPOINT_URL")
    return (
        f"cannot reach {describe_endpoint(settings)} ({cause} after {settings.max_attempts} "
        f"attempts, connect timeout {settings.connect_timeout:g} s, read timeout "
        f"{settings.read_timeout:g} s): is the server up, and is {variable} right? (attempts "
        "and timeouts: MHDS_S3_MAX_ATTEMPTS, MHDS_S3_CONNECT_TIMEOUT, MHDS_S3_READ_TIMEOUT)"
    )


def _credentials_hint(settings: S3Settings | None) -> str:
    """The credential variables in use (names only), or the standard and legacy names."""
    variables = settings.variables if settings is not None else {}
    key = variables.get("access_key_id", "AWS_ACCESS_KEY_ID")
    secret = variables.get("secret_access_key", "AWS_SECRET_ACCESS_KEY")
    if "access_key_id" in variables:
        return f"{key} and {secret}"
    return f"{key} and {secret} (or the legacy DATASET_S3_* / OVH_S3_* names)"
