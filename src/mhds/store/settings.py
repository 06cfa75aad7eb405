"""S3 connection settings, resolved from the environment, never printed with secrets.

Standard AWS variables win; the seed's legacy names (``OVH_S3_*``, ``DATASET_S3_*``) are
accepted as fallbacks so existing buckets keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from mhds.errors import ConfigError
from mhds.store.uri import redact_uri, strip_userinfo

# (setting, variables in order of precedence)
_ENV_NAMES: dict[str, tuple[str, ...]] = {
    "endpoint_url": (
        "AWS_ENDPOINT_URL_S3",
        "AWS_ENDPOINT_URL",
        "DATASET_S3_ENDPOINT_URL",
        "OVH_S3_ENDPOINT",
        "OVH_S3_ENDPOINT_URL",
    ),
    "region": (
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "DATASET_S3_REGION",
        "OVH_S3_REGION",
    ),
    "access_key_id": (
        "AWS_ACCESS_KEY_ID",
        "DATASET_S3_ACCESS_KEY_ID",
        "DATASET_S3_ACCESS_KEY",
        "OVH_S3_ACCESS_KEY",
        "OVH_S3_ACCESS_KEY_ID",
    ),
    "secret_access_key": (
        "AWS_SECRET_ACCESS_KEY",
        "DATASET_S3_SECRET_ACCESS_KEY",
        "DATASET_S3_SECRET_KEY",
        "OVH_S3_SECRET_KEY",
        "OVH_S3_SECRET_ACCESS_KEY",
    ),
    "session_token": ("AWS_SESSION_TOKEN",),
    "bucket": ("MHDS_S3_BUCKET", "DATASET_S3_BUCKET", "OVH_S3_BUCKET"),
    "connect_timeout": ("MHDS_S3_CONNECT_TIMEOUT",),
    "read_timeout": ("MHDS_S3_READ_TIMEOUT",),
    "max_attempts": ("MHDS_S3_MAX_ATTEMPTS",),
    "addressing_style": ("MHDS_S3_ADDRESSING_STYLE",),
}
_SECRETS = ("access_key_id", "secret_access_key", "session_token")


class S3Settings(BaseModel):
    """How to reach an S3-compatible endpoint. Secrets are SecretStr: reprs show ``**********``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint_url: str | None = Field(
        default=None, description="S3 endpoint URL (AWS when unset; MinIO, OVH, R2 ... otherwise)."
    )
    region: str | None = Field(default=None, description="Region name; us-east-1 when unset.")
    access_key_id: SecretStr | None = Field(default=None, description="Access key id.")
    secret_access_key: SecretStr | None = Field(default=None, description="Secret access key.")
    session_token: SecretStr | None = Field(default=None, description="Session token, if any.")
    bucket: str | None = Field(
        default=None,
        description="Default bucket when no store URI is given (legacy *_BUCKET variables).",
    )
    verify_tls: bool = Field(default=True, description="Verify TLS certificates (keep on).")
    # 4 attempts with a 3 s connect timeout bound a dead endpoint to under 20 s (backoff
    # between tries is at most 1 + 2 + 4 s); raise them for a flaky or throttling endpoint.
    max_attempts: int = Field(
        default=4,
        ge=1,
        le=30,
        description="Attempts per request, the first included, with backoff "
        "(MHDS_S3_MAX_ATTEMPTS).",
    )
    connect_timeout: float = Field(
        default=3.0, gt=0, description="Connect timeout, seconds (MHDS_S3_CONNECT_TIMEOUT)."
    )
    read_timeout: float = Field(
        default=60.0, gt=0, description="Read timeout, seconds (MHDS_S3_READ_TIMEOUT)."
    )
    part_size: int = Field(
        default=16 << 20, ge=5 << 20, description="Multipart part size in bytes (S3 minimum 5 MiB)."
    )
    addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto", description="S3 addressing: auto, path or virtual."
    )
    variables: dict[str, str] = Field(
        default_factory=dict,
        description="Which environment variable gave each setting (names only, never values): "
        "error messages say which variable to fix.",
    )

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint_is_url(cls, value: str | None) -> str | None:
        if value is not None and (problem := endpoint_problem(value)):
            raise ValueError(problem)
        return value


def resolve_s3_settings(env: Mapping[str, str], **overrides: object) -> S3Settings:
    """Build S3Settings from environment variables, then explicit overrides.

    Raises:
        ConfigError: a variable holds an invalid value; the message names the variable and,
            for an endpoint without a scheme, the fix (never a secret's value).
    """
    values: dict[str, object] = {}
    variables: dict[str, str] = {}
    for setting, names in _ENV_NAMES.items():
        for name in names:
            value = env.get(name)
            if value:
                values[setting] = value
                variables[setting] = name
                break
    if env.get("MHDS_S3_VERIFY_TLS", "").lower() in ("0", "false", "no"):
        values["verify_tls"] = False
        variables["verify_tls"] = "MHDS_S3_VERIFY_TLS"
    overridden = {k: v for k, v in overrides.items() if v is not None}
    values.update(overridden)
    variables = {k: v for k, v in variables.items() if k not in overridden}
    endpoint = values.get("endpoint_url")
    if "endpoint_url" in variables and (problem := endpoint_problem(str(endpoint))):
        raise ConfigError(f"{variables['endpoint_url']}: {problem}")
    values["variables"] = variables
    try:
        return S3Settings.model_validate(values)
    except ValidationError as exc:
        raise _settings_error(exc, variables) from None


def resolve_bucket(env: Mapping[str, str]) -> str | None:
    """The default bucket from ``MHDS_S3_BUCKET`` or a legacy bucket variable (no validation
    of the other settings, so a local store never trips over an unused S3 variable)."""
    return next((env[name] for name in _ENV_NAMES["bucket"] if env.get(name)), None)


def endpoint_problem(value: str) -> str | None:
    """Why ``value`` is not a usable endpoint URL (with the fix), or None when it is."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and (parts.username or parts.password or parts.query):
        return (
            f"endpoint {redact_uri(value)!r} carries user-info or a query string: give only "
            "scheme://host[:port], and credentials in AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_SESSION_TOKEN)"
        )
    if parts.scheme in ("http", "https") and parts.netloc:
        return None
    shown = strip_userinfo(value)
    if "://" not in value:
        return (
            f"endpoint {shown!r} has no scheme: use http://{shown} "
            f"(or https://{shown} for a TLS endpoint)"
        )
    return f"endpoint {shown!r} is not an http(s) URL: use http(s)://host[:port]"


def _settings_error(exc: ValidationError, variables: Mapping[str, str]) -> ConfigError:
    """One ConfigError naming each failing setting and the variable it came from."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "settings"
        where = variables.get(field, field)
        message = error["msg"].removeprefix("Value error, ")
        # A secret's own message could quote it: name the variable only.
        problems.append(f"{where}: invalid value" if field in _SECRETS else f"{where}: {message}")
    return ConfigError("invalid S3 settings: " + "; ".join(problems))
