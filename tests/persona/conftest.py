"""The demo's lecture transcripts (two fictional speakers the project wrote, with the tool
noise a caption download leaves) in a store, for the persona tests."""

from __future__ import annotations

from importlib.resources import files

from mhds.store.base import Store

PREFIX = "talks/"


def lecture_files() -> dict[str, bytes]:
    """``<Channel>/<Title>.txt`` -> bytes of the packaged demo lectures."""
    root = files("mhds.persona").joinpath("data").joinpath("demo-lectures")
    found: dict[str, bytes] = {}
    for channel in root.iterdir():
        if channel.is_dir():
            for talk in channel.iterdir():
                if talk.name.endswith(".txt"):
                    found[f"{channel.name}/{talk.name}"] = talk.read_bytes()
    return dict(sorted(found.items()))


def put_lectures(store: Store, prefix: str = PREFIX, *, reverse: bool = False) -> None:
    """Write the lectures under ``prefix`` (in reverse key order when asked)."""
    items = list(lecture_files().items())
    for relative, data in reversed(items) if reverse else items:
        store.write_bytes(f"{prefix}{relative}", data)
