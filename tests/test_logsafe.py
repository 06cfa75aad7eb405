"""The log filter: known credential values and credential shapes are redacted from every
record (message, arguments, exception text), whichever logger wrote it; the credential
variables it knows include every name ``store.settings`` reads."""

from __future__ import annotations

import logging
import random
import string
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from mhds.logsafe import (
    CREDENTIAL_VARIABLE,
    REDACTED,
    SecretFilter,
    configure_logging,
    known_secrets,
)
from mhds.store.settings import _ENV_NAMES

_RNG = random.Random("logsafe")
KEY_ID = "AK" + "IA" + "".join(_RNG.choice(string.ascii_uppercase + "234567") for _ in range(16))
SECRET = "".join(_RNG.choice(string.ascii_letters + string.digits) for _ in range(40))
TOKEN = "FwoGZXIvYXdzE" + "".join(_RNG.choice(string.ascii_letters) for _ in range(60)) + "/+=="
SIGNATURE = "".join(_RNG.choice("0123456789abcdef") for _ in range(64))


def record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError(f"request failed with token {TOKEN}")
        except RuntimeError:
            exc_info = sys.exc_info()
    return logging.LogRecord("botocore.endpoint", logging.DEBUG, __file__, 1, msg, args, exc_info)


def formatted(secret_filter: SecretFilter, rec: logging.LogRecord) -> str:
    assert secret_filter.filter(rec)
    return logging.Formatter("%(levelname)s:%(name)s:%(message)s").format(rec)


ENCODED_TOKEN = quote(TOKEN, safe="")


@pytest.mark.parametrize(
    "message",
    [
        f"headers={{'Authorization': b'AWS4-HMAC-SHA256 Credential={KEY_ID}/20261129/us-east-1/"
        f"s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIGNATURE}'}}",
        f"headers={{'X-Amz-Security-Token': b'{TOKEN}', 'X-Amz-Date': b'20261129T000000Z'}}",
        f"CanonicalRequest:\nGET\n/\n\nhost:s3\nx-amz-security-token:{TOKEN}\n",
        f"Signature:\n{SIGNATURE}",
        "url=https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
        f"{KEY_ID}%2F20261129%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token="
        f"{ENCODED_TOKEN}&X-Amz-Signature={SIGNATURE}",
        f"Authorization: Bearer {SECRET}",
        f"config {{'aws_secret_access_key': '{SECRET}'}}",
        f"connecting to postgres://admin:{SECRET}@db:5432/app",
        f"key id {KEY_ID} in a message",
    ],
)
def test_credential_shapes_are_redacted_without_knowing_the_values(message: str) -> None:
    out = formatted(SecretFilter(), record(message))
    for value in (KEY_ID, SECRET, TOKEN, SIGNATURE, ENCODED_TOKEN):
        assert value not in out
    assert REDACTED in out
    assert "[REDACTED]]" not in out and "[REDACTED]'[REDACTED]" not in out


def test_known_values_are_redacted_in_arguments_and_exceptions() -> None:
    secret_filter = SecretFilter([SECRET, TOKEN, "short"])
    rec = record("got %s and %r", SECRET, {"token": TOKEN}, exc=True)

    out = formatted(secret_filter, rec)

    assert SECRET not in out and TOKEN not in out
    assert "Traceback (most recent call last)" in out and "RuntimeError" in out
    assert rec.exc_info is None and rec.args is None  # nothing left for a formatter to redo


def test_url_encoded_known_values_are_redacted() -> None:
    out = formatted(SecretFilter([TOKEN]), record(f"query tok={ENCODED_TOKEN}&x=1"))
    assert out.endswith("query tok=[REDACTED]&x=1")


def test_a_message_that_does_not_format_does_not_print_its_arguments() -> None:
    out = formatted(SecretFilter(), record("two %s %s", SECRET))
    assert SECRET not in out


def test_every_credential_variable_of_the_settings_is_known() -> None:
    names = [n for key in ("access_key_id", "secret_access_key", "session_token")
             for n in _ENV_NAMES[key]]  # fmt: skip
    assert all(CREDENTIAL_VARIABLE.search(name) for name in names), names
    assert not CREDENTIAL_VARIABLE.search("AWS_ENDPOINT_URL")
    assert not CREDENTIAL_VARIABLE.search("MHDS_S3_BUCKET")


def test_known_secrets_reads_variables_and_credentials_files(tmp_path: Path) -> None:
    (tmp_path / "credentials").write_text(
        f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    )
    env = {
        "OVH_S3_SECRET_KEY": "legacy-secret-value",
        "GITHUB_TOKEN": "gh-token-value-123",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "missing"),
        "HOME": str(tmp_path),
    }
    found = known_secrets(env)
    assert {"legacy-secret-value", "gh-token-value-123", KEY_ID, SECRET} <= found
    assert "http://127.0.0.1:9000" not in found


@pytest.fixture()
def root_handler() -> Iterator[logging.Handler]:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def test_configure_logging_filters_every_root_handler_once(
    root_handler: logging.Handler, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"AWS_SECRET_ACCESS_KEY": SECRET, "HOME": "/nonexistent"}
    configure_logging(logging.WARNING, env)
    configure_logging(logging.WARNING, env)
    assert sum(isinstance(f, SecretFilter) for f in root_handler.filters) == 1
    logging.getLogger("some.library").warning("secret is %s", SECRET)
    assert "secret is [REDACTED]" in caplog.text  # pytest's capture is a root handler too
    assert SECRET not in caplog.text
