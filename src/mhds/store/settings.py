"""S3 connection settings, resolved from the environment, never printed with secrets.

Standard AWS variables win; the seed's legacy names (``OVH_S3_*``, ``DATASET_S3_*``) are
accepted as fallbacks so existing buckets keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

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
}


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
    max_attempts: int = Field(
        default=8, ge=1, le=30, description="Attempts per request, with backoff."
    )
    connect_timeout: float = Field(default=10.0, gt=0, description="Connect timeout, seconds.")
    read_timeout: float = Field(default=60.0, gt=0, description="Read timeout, seconds.")
    part_size: int = Field(
        default=16 << 20, ge=5 << 20, description="Multipart part size in bytes (S3 minimum 5 MiB)."
    )
    addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto", description="S3 addressing: auto, path or virtual."
    )


def resolve_s3_settings(env: Mapping[str, str], **overrides: object) -> S3Settings:
    """Build S3Settings from environment variables, then explicit overrides."""
    values: dict[str, object] = {}
    for setting, names in _ENV_NAMES.items():
        for name in names:
            value = env.get(name)
            if value:
                values[setting] = value
                break
    if env.get("MHDS_S3_VERIFY_TLS", "").lower() in ("0", "false", "no"):
        values["verify_tls"] = False
    if env.get("MHDS_S3_ADDRESSING_STYLE"):
        values["addressing_style"] = env["MHDS_S3_ADDRESSING_STYLE"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return S3Settings.model_validate(values)
