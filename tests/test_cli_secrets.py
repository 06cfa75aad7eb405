"""No credential reaches the terminal: the real ``mhds`` process (a subprocess, so the CLI's
own logging setup runs) is given distinctive values for every AWS and legacy credential
variable, runs succeeding and failing commands against the loopback S3 server with and
without ``--debug``, and its stdout and stderr never hold one of them, while the debug runs
really printed botocore's signed request headers (so the check can fail)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from mhds.store import S3Settings, S3Store
from mhds.store.s3 import make_client
from mhds.store.settings import _ENV_NAMES
from tests.pipeline.build_cases import make_registry, seed_store

pytestmark = pytest.mark.s3

# Every variable mhds (or boto3) takes a credential from.
CREDENTIAL_VARIABLES = sorted(
    {name for setting in ("access_key_id", "secret_access_key", "session_token")
     for name in _ENV_NAMES[setting]}
)  # fmt: skip
CLEARED = ("AWS_", "DATASET_S3_", "OVH_S3_", "MHDS_")


class Run(NamedTuple):
    args: tuple[str, ...]
    code: int
    output: str


def secrets_for(variables: list[str]) -> dict[str, str]:
    """A distinctive value per variable (random, so no other text holds it by chance)."""
    run = uuid.uuid4().hex[:10]
    return {name: f"probe{run}{name.replace('_', '')}Zq9" for name in variables}


def mhds(args: list[str], env: dict[str, str], cwd: Path) -> Run:
    """Run the mhds CLI in a fresh interpreter; stdout and stderr together."""
    done = subprocess.run(
        [sys.executable, "-c", "from mhds.cli import app; app(prog_name='mhds')", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
    )
    return Run(tuple(args), done.returncode, done.stdout + done.stderr)


def cli_env(secrets: dict[str, str], endpoint: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED)}
    env.update(secrets)
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            # No credentials file of the machine running the tests may join in.
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
            "AWS_CONFIG_FILE": str(home / "no-config"),
        }
    )
    return env


def leaks(runs: list[Run], secrets: dict[str, str]) -> list[tuple[tuple[str, ...], str]]:
    """(command, variable) for every secret value found in a command's output (names only)."""
    return [
        (run.args, name) for run in runs for name, value in secrets.items() if value in run.output
    ]


@pytest.fixture()
def bucket(s3_settings: S3Settings) -> str:
    name = f"mhds-secrets-{uuid.uuid4().hex[:10]}"
    make_client(s3_settings).create_bucket(Bucket=name)
    return name


@pytest.fixture()
def registry_file(tmp_path: Path) -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(make_registry().model_dump(mode="json", exclude_none=True)))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_no_credential_in_any_output(
    debug: bool,
    s3_endpoint: str,
    s3_settings: S3Settings,
    bucket: str,
    registry_file: Path,
    tmp_path: Path,
) -> None:
    secrets = secrets_for(CREDENTIAL_VARIABLES)
    env = cli_env(secrets, s3_endpoint, tmp_path)
    flag = ["--debug"] if debug else []
    store = f"s3://{bucket}/datasets"
    missing = f"s3://no-bucket-{uuid.uuid4().hex[:8]}/x"

    runs = [mhds([*flag, "init", "--store", store], env, tmp_path)]
    seed_store(
        S3Store(bucket, "datasets", s3_settings), {"therapy": 8, "counselling": 6, "crisis": 4}
    )
    runs.append(mhds([*flag, "inventory", "--store", store], env, tmp_path))
    build = [*flag, "build", "--store", store, "--registry", str(registry_file)]
    runs.append(mhds([*build, "--executor", "inline"], env, tmp_path))
    runs.append(mhds([*flag, "release", "ls", "--store", store], env, tmp_path))
    runs.append(mhds([*flag, "inventory", "--store", missing], env, tmp_path))
    runs.append(mhds([*flag, "release", "show", "v1999-01-01", "--store", store], env, tmp_path))

    codes = [run.code for run in runs]
    assert codes[:4] == [0, 0, 0, 0], [run.output[-2000:] for run in runs if run.code]
    assert all(code != 0 for code in codes[4:]), codes
    assert leaks(runs, secrets) == []
    debug_output = "\n".join(run.output for run in runs)
    if debug:
        # botocore dumped the signed headers, and the filter rewrote them.
        assert debug_output.count("Sending http request") > 20
        assert "'Authorization': b'[REDACTED]'" in debug_output
        assert "'X-Amz-Security-Token': b'[REDACTED]'" in debug_output
        assert "x-amz-security-token:[REDACTED]" in debug_output  # the canonical request
        assert "Traceback (most recent call last)" in runs[4].output
    else:
        assert "Sending http request" not in debug_output
        assert "[REDACTED]" not in debug_output


def test_legacy_credentials_alone_never_print(
    s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    """Only the seed's variables set: mhds passes them to boto3 itself, and the key id is
    in every request's ``Credential=`` scope."""
    legacy = [name for name in CREDENTIAL_VARIABLES if not name.startswith("AWS_")]
    secrets = secrets_for(legacy)
    env = cli_env(secrets, s3_endpoint, tmp_path)
    store = f"s3://{bucket}/legacy"
    missing = f"s3://no-bucket-{uuid.uuid4().hex[:8]}/x"

    runs = [
        mhds(["--debug", "init", "--store", store], env, tmp_path),
        mhds(["--debug", "inventory", "--store", store], env, tmp_path),
        mhds(["--debug", "inventory", "--store", missing], env, tmp_path),
        mhds(["inventory", "--store", missing], env, tmp_path),
    ]

    assert [run.code != 0 for run in runs] == [False, False, True, True]
    assert leaks(runs, secrets) == []
    assert "'Authorization': b'[REDACTED]'" in runs[0].output
