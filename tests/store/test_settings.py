"""S3 settings from the environment (standard and legacy names), open_store and secrets."""

from __future__ import annotations

import pickle
from pathlib import Path

import pydantic
import pytest

from mhds.errors import ConfigError
from mhds.store import (
    DEFAULT_LOCAL_STORE,
    LocalStore,
    S3Settings,
    S3Store,
    default_store_uri,
    open_store,
)
from mhds.store.s3 import make_client
from mhds.store.settings import resolve_s3_settings

SECRET = "s3cr3t-value-that-must-never-print"
ACCESS = "AKIA-access-key-id-never-printed"

LEGACY_OVH = {
    "OVH_S3_ENDPOINT": "https://s3.gra.io.cloud.ovh.net",
    "OVH_S3_ACCESS_KEY": ACCESS,
    "OVH_S3_SECRET_KEY": SECRET,
    "OVH_S3_BUCKET": "ovh-bucket",
}
LEGACY_DATASET = {
    "DATASET_S3_ENDPOINT_URL": "https://minio.internal:9000",
    "DATASET_S3_BUCKET": "dataset-bucket",
}


def _secret(value: pydantic.SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def test_legacy_ovh_names_resolve() -> None:
    settings = resolve_s3_settings(LEGACY_OVH)
    assert settings.endpoint_url == "https://s3.gra.io.cloud.ovh.net"
    assert _secret(settings.access_key_id) == ACCESS
    assert _secret(settings.secret_access_key) == SECRET
    assert settings.bucket == "ovh-bucket"


def test_legacy_dataset_names_resolve_and_beat_ovh() -> None:
    settings = resolve_s3_settings({**LEGACY_OVH, **LEGACY_DATASET})
    assert settings.endpoint_url == "https://minio.internal:9000"
    assert settings.bucket == "dataset-bucket"
    assert _secret(settings.secret_access_key) == SECRET  # only OVH gives one


@pytest.mark.parametrize(
    ("aws_name", "setting", "value"),
    [
        ("AWS_ENDPOINT_URL_S3", "endpoint_url", "http://aws-s3-endpoint"),
        ("AWS_ENDPOINT_URL", "endpoint_url", "http://aws-endpoint"),
        ("AWS_ACCESS_KEY_ID", "access_key_id", "aws-access"),
        ("AWS_SECRET_ACCESS_KEY", "secret_access_key", "aws-secret"),
    ],
)
def test_aws_names_win_over_legacy(aws_name: str, setting: str, value: str) -> None:
    resolved = getattr(
        resolve_s3_settings({**LEGACY_OVH, **LEGACY_DATASET, aws_name: value}), setting
    )
    assert (_secret(resolved) if isinstance(resolved, pydantic.SecretStr) else resolved) == value


def test_env_switches_and_overrides() -> None:
    env = {
        "AWS_REGION": "eu-west-3",
        "MHDS_S3_VERIFY_TLS": "false",
        "MHDS_S3_ADDRESSING_STYLE": "path",
        **LEGACY_OVH,
    }
    settings = resolve_s3_settings(env, endpoint_url="http://override", region=None)
    assert settings.region == "eu-west-3"  # None overrides are ignored
    assert settings.endpoint_url == "http://override"
    assert settings.verify_tls is False
    assert settings.addressing_style == "path"
    assert resolve_s3_settings({}) == S3Settings()


@pytest.mark.parametrize("field", ["max_attempts", "part_size", "unknown_field"])
def test_invalid_settings_are_refused(field: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        S3Settings.model_validate({field: 0})


def test_secrets_never_print() -> None:
    settings = resolve_s3_settings(LEGACY_OVH)
    store = S3Store("ovh-bucket", "raw", settings)
    for text in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        str(settings.model_dump()),
        repr(store),
        store.uri,
    ):
        assert SECRET not in text
        assert ACCESS not in text
    assert SECRET.encode() not in pickle.dumps(store)


def test_default_store_uri_precedence() -> None:
    assert default_store_uri({}) == DEFAULT_LOCAL_STORE == "./store"
    assert default_store_uri(LEGACY_DATASET) == "s3://dataset-bucket"
    assert default_store_uri({"OVH_S3_BUCKET": "ovh-bucket"}) == "s3://ovh-bucket"
    env = {**LEGACY_DATASET, "MHDS_STORE": "s3://chosen/prefix"}
    assert default_store_uri(env) == "s3://chosen/prefix"


def test_open_store_folder_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(str(tmp_path / "data"), env={})
    assert isinstance(store, LocalStore)
    assert store.uri == str(tmp_path / "data")
    assert open_store(f"file://{tmp_path}/x", env={}).uri == str(tmp_path / "x")
    monkeypatch.chdir(tmp_path)
    default = open_store(env={})
    assert isinstance(default, LocalStore)
    assert default.uri == str(tmp_path / "store")


def test_open_store_s3_uri_uses_given_settings() -> None:
    settings = S3Settings(endpoint_url="http://example:9000")
    store = open_store("s3://bucket-a/some/prefix", settings=settings, env=LEGACY_OVH)
    assert isinstance(store, S3Store)
    assert (store.bucket, store.prefix, store.uri) == (
        "bucket-a",
        "some/prefix/",
        "s3://bucket-a/some/prefix",
    )
    assert store.settings is settings


def test_open_store_from_legacy_env_reaches_s3(s3_endpoint: str) -> None:
    bucket = "legacy-env-bucket"
    make_client(S3Settings(endpoint_url=s3_endpoint)).create_bucket(Bucket=bucket)
    env = {
        "OVH_S3_ENDPOINT": s3_endpoint,
        "OVH_S3_ACCESS_KEY": "legacy-access",
        "OVH_S3_SECRET_KEY": "legacy-secret",
        "OVH_S3_BUCKET": bucket,
    }
    store = open_store(env=env)
    assert isinstance(store, S3Store)
    assert store.uri == f"s3://{bucket}"
    assert _secret(store.settings.access_key_id) == "legacy-access"
    store.write_bytes("hello.txt", b"hi")
    assert open_store(f"s3://{bucket}", env=env).read_bytes("hello.txt") == b"hi"


@pytest.mark.parametrize(
    ("variable", "value", "fix"),
    [
        ("AWS_ENDPOINT_URL", "127.0.0.1:5055", "use http://127.0.0.1:5055"),
        ("AWS_ENDPOINT_URL_S3", "localhost:9000", "use http://localhost:9000"),
        ("OVH_S3_ENDPOINT", "s3.gra.io.cloud.ovh.net", "https://s3.gra.io.cloud.ovh.net"),
        ("DATASET_S3_ENDPOINT_URL", "ftp://minio:9000", "use http(s)://host[:port]"),
    ],
)
def test_endpoint_without_scheme_names_its_variable_and_the_fix(
    variable: str, value: str, fix: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_s3_settings({**LEGACY_OVH, variable: value})
    message = str(raised.value)
    assert message.startswith(f"{variable}: endpoint ")
    assert fix in message
    assert SECRET not in message and ACCESS not in message


def test_bad_endpoint_given_directly_is_refused_too() -> None:
    with pytest.raises(pydantic.ValidationError, match="has no scheme"):
        S3Settings(endpoint_url="127.0.0.1:5055")


def test_timeouts_and_attempts_come_from_the_environment() -> None:
    defaults = resolve_s3_settings({})
    # a dead endpoint costs at most attempts x connect timeout plus 1 + 2 + 4 s of backoff
    assert defaults.max_attempts * defaults.connect_timeout + 7 <= 20
    env = {
        "MHDS_S3_CONNECT_TIMEOUT": "1.5",
        "MHDS_S3_READ_TIMEOUT": "30",
        "MHDS_S3_MAX_ATTEMPTS": "2",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    settings = resolve_s3_settings(env)
    assert (settings.connect_timeout, settings.read_timeout, settings.max_attempts) == (1.5, 30, 2)
    assert settings.variables["endpoint_url"] == "AWS_ENDPOINT_URL"
    assert settings.variables["max_attempts"] == "MHDS_S3_MAX_ATTEMPTS"
    config = make_client(settings).meta.config
    assert (config.connect_timeout, config.read_timeout) == (1.5, 30)
    assert config.retries["total_max_attempts"] == 2


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("MHDS_S3_MAX_ATTEMPTS", "0", "MHDS_S3_MAX_ATTEMPTS: Input should be greater than"),
        ("MHDS_S3_CONNECT_TIMEOUT", "soon", "MHDS_S3_CONNECT_TIMEOUT: Input should be a valid"),
        ("MHDS_S3_ADDRESSING_STYLE", "sideways", "MHDS_S3_ADDRESSING_STYLE: Input should be"),
    ],
)
def test_invalid_variables_are_config_errors_naming_the_variable(
    variable: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_s3_settings({**LEGACY_OVH, variable: value})
    assert expected in str(raised.value)
    assert SECRET not in str(raised.value)


def test_a_bad_s3_variable_does_not_break_a_local_default_store() -> None:
    assert default_store_uri({"AWS_ENDPOINT_URL": "127.0.0.1:5055"}) == DEFAULT_LOCAL_STORE
