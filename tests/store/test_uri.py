"""Store URIs: parsing, redaction, key joining and key checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhds.errors import ConfigError
from mhds.store.uri import StoreURI, check_key, join_key, parse_uri, redact_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://bucket", StoreURI("s3", "bucket", "")),
        ("s3://bucket/", StoreURI("s3", "bucket", "")),
        ("s3://bucket/raw/v1", StoreURI("s3", "bucket", "raw/v1/")),
        ("s3://bucket/raw/v1/", StoreURI("s3", "bucket", "raw/v1/")),
        ("s3a://my.bucket-2/x", StoreURI("s3", "my.bucket-2", "x/")),
        ("s3://key:secret@bucket/p", StoreURI("s3", "bucket", "p/")),
    ],
)
def test_parse_s3_uri(uri: str, expected: StoreURI) -> None:
    assert parse_uri(uri) == expected


def test_parse_local_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_uri("store") == StoreURI("file", "", str(tmp_path / "store"))
    assert parse_uri("./a/../b") == StoreURI("file", "", str(tmp_path / "b"))
    assert parse_uri(f"file://{tmp_path}/c") == StoreURI("file", "", str(tmp_path / "c"))
    assert parse_uri(str(tmp_path)).prefix == str(tmp_path)


@pytest.mark.parametrize(
    ("uri", "text"),
    [
        ("s3://bucket/raw", "s3://bucket/raw"),
        ("s3://bucket", "s3://bucket"),
    ],
)
def test_str_of_s3_uri(uri: str, text: str) -> None:
    assert str(parse_uri(uri)) == text


@pytest.mark.parametrize(
    "uri", ["gs://bucket/x", "https://host/x", "s3://Bad_Bucket/x", "s3://ab", "s3://"]
)
def test_parse_refuses_unknown_schemes_and_bad_buckets(uri: str) -> None:
    with pytest.raises(ConfigError):
        parse_uri(uri)


def test_parse_error_does_not_echo_credentials() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_uri("s3://AKIAKEY:topsecret@Bad_Bucket/x?X-Amz-Signature=sig")
    assert "topsecret" not in str(raised.value)
    assert "sig" not in str(raised.value)


@pytest.mark.parametrize(
    ("uri", "redacted"),
    [
        ("s3://key:secret@bucket/p/k.jsonl", "s3://bucket/p/k.jsonl"),
        ("https://user:pw@host:9000/b/k?X-Amz-Signature=abc", "https://host:9000/b/k"),
        ("s3://bucket/k#frag", "s3://bucket/k"),
        ("s3://bucket/plain", "s3://bucket/plain"),
        ("/local/path", "/local/path"),
        ("C:/windows/path", "C:/windows/path"),
    ],
)
def test_redact_uri(uri: str, redacted: str) -> None:
    assert redact_uri(uri) == redacted


@pytest.mark.parametrize(
    ("parts", "key"),
    [
        (("a", "b.jsonl"), "a/b.jsonl"),
        (("/a/", "/b/", "c"), "a/b/c"),
        (("a", "", "b"), "a/b"),
        (("a/./b", "c"), "a/b/c"),
        (("a", "../b"), "b"),
    ],
)
def test_join_key(parts: tuple[str, ...], key: str) -> None:
    assert join_key(*parts) == key


@pytest.mark.parametrize("parts", [("..",), ("..", "a"), ("a", "../.."), ("",), ("/",), (".",)])
def test_join_key_refuses_escapes(parts: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError):
        join_key(*parts)


@pytest.mark.parametrize("key", ["a", "a/b.jsonl", "x/y/z.jsonl.zst", "..a/b..", "a b/ü.txt"])
def test_check_key_accepts(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize(
    "key", ["", "/abs", "a/", "a//b", "./a", "a/./b", "..", "../a", "a/../b", "a/.."]
)
def test_check_key_refuses(key: str) -> None:
    with pytest.raises(ConfigError):
        check_key(key)


@pytest.mark.parametrize(
    ("uri", "suggestion"),
    [
        ("s3//mh-data", "s3://mh-data"),
        ("s3:/mh-data", "s3://mh-data"),
        ("s3:mh-data", "s3://mh-data"),
        ("s3:///mh-data/raw", "s3://mh-data/raw"),
        ("S3://mh-data/raw", "s3://mh-data/raw"),
        ("S3A://mh-data", "s3a://mh-data"),
        ("s3:\\mh-data", "s3://mh-data"),
    ],
)
def test_mistyped_s3_uri_is_refused_with_a_hint(
    uri: str, suggestion: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as raised:
        parse_uri(uri)
    assert f"did you mean {suggestion}?" in str(raised.value)
    assert list(tmp_path.iterdir()) == []  # no folder called s3 appeared


def test_mistyped_s3_uri_hint_drops_credentials() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_uri("s3//AKIAKEY:topsecret@mh-data/raw")
    assert "topsecret" not in str(raised.value)
    assert "did you mean s3://mh-data/raw?" in str(raised.value)


def test_a_local_folder_called_s3_is_still_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_uri("s3/mh-data") == StoreURI("file", "", str(tmp_path / "s3" / "mh-data"))
    assert parse_uri("s3data") == StoreURI("file", "", str(tmp_path / "s3data"))
