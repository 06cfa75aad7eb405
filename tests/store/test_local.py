"""LocalStore: atomic writes, hidden temp files, refused keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mhds.errors import ConfigError, ObjectExistsError
from mhds.store import LocalStore
from mhds.store.local import TMP_PREFIX


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(RuntimeError, match="boom"), store.open_write("a/b.jsonl") as handle:
        handle.write(b"partial")
        raise RuntimeError("boom")
    assert not store.exists("a/b.jsonl")
    assert list(store.list()) == []
    assert _files(tmp_path) == []


def test_failed_write_keeps_the_previous_object(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.write_bytes("k.txt", b"old")
    with pytest.raises(RuntimeError), store.open_write("k.txt") as handle:
        handle.write(b"new")
        raise RuntimeError("boom")
    assert store.read_bytes("k.txt") == b"old"


def test_object_appears_only_when_the_write_completes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with store.open_write("d/k.txt") as handle:
        handle.write(b"data")
        handle.flush()
        assert len(_files(tmp_path)) == 1  # the temp file exists ...
        assert _files(tmp_path)[0].startswith(f"d/{TMP_PREFIX}")
        assert list(store.list()) == []  # ... but no listing shows it
        assert not store.exists("d/k.txt")
    assert [o.key for o in store.list()] == ["d/k.txt"]
    assert _files(tmp_path) == ["d/k.txt"]


def test_list_skips_temp_folders_and_files(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.write_bytes("a.txt", b"a")
    (tmp_path / f"{TMP_PREFIX}dir").mkdir()
    (tmp_path / f"{TMP_PREFIX}dir" / "x.txt").write_bytes(b"x")
    (tmp_path / f"{TMP_PREFIX}123-a.txt").write_bytes(b"x")
    assert [o.key for o in store.list()] == ["a.txt"]


def test_list_of_a_missing_root_is_empty(tmp_path: Path) -> None:
    assert list(LocalStore(tmp_path / "nowhere").list()) == []


@pytest.mark.parametrize("key", ["../escape.txt", "a/../../escape.txt", "/etc/passwd", "a//b", ""])
def test_keys_that_escape_are_refused(tmp_path: Path, key: str) -> None:
    store = LocalStore(tmp_path / "root")
    with pytest.raises(ConfigError):
        store.write_bytes(key, b"x")
    with pytest.raises(ConfigError):
        store.put_if_absent(key, b"x")
    with pytest.raises(ConfigError):
        store.read_bytes(key)
    with pytest.raises(ConfigError):
        store.exists(key)
    assert _files(tmp_path) == []


def test_put_if_absent_leaves_no_temp_file(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_if_absent("m.json", b"1")
    with pytest.raises(ObjectExistsError):
        store.put_if_absent("m.json", b"2")
    assert _files(tmp_path) == ["m.json"]


def test_uri_and_url_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = LocalStore("rel")
    assert store.uri == str(tmp_path / "rel")
    assert store.url_for("a/b.txt") == os.path.join(tmp_path, "rel", "a", "b.txt")
    assert repr(store) == f"LocalStore({str(tmp_path / 'rel')!r})"
