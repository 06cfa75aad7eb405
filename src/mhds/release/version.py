"""Release versions and the release folder layout.

A version is ``vYYYY-MM-DD`` for a day's first release, then ``vYYYY-MM-DD.1``, ``.2`` ... A
version is *published* when its ``manifest.json`` exists; readers see nothing else. A version
folder with objects but no manifest holds the leftovers of an aborted publish: it is not a
release, yet ``next_version`` never hands its name out again (a rerun resumes it by passing that
version explicitly; ``gc_releases`` removes it).
"""

from __future__ import annotations

import re
from datetime import date

from mhds.errors import ConfigError, MhdsError, ObjectExistsError, ObjectNotFoundError
from mhds.records import codec
from mhds.store.base import Store

VERSION_PATTERN = r"^v(\d{4})-(\d{2})-(\d{2})(?:\.([1-9]\d*))?$"
MANIFEST_NAME = "manifest.json"
CURRICULUM_NAME = "curriculum.yaml"
AUDIT_NAME = "audit.jsonl"
DATA_PREFIX = "data/"
REPORTS_PREFIX = "reports/"

_VERSION_RE = re.compile(VERSION_PATTERN)


class ReleaseError(MhdsError):
    """A release is incomplete, inconsistent or misused.

    Attributes:
        release: the release folder (or version) concerned, when known.
    """

    def __init__(self, message: str, *, release: str | None = None) -> None:
        super().__init__(f"release {release}: {message}" if release else message, release=release)
        self.release = release


class ReleaseNotFoundError(ReleaseError):
    """No published release (no manifest) at the given place."""


def parse_version(version: str) -> tuple[date, int]:
    """Return ``(day, number)`` of a version; the day's first release has number 0.

    Raises:
        ConfigError: ``version`` is not ``vYYYY-MM-DD`` or ``vYYYY-MM-DD.N`` (N >= 1).
    """
    match = _VERSION_RE.match(version)
    if match is None:
        raise ConfigError(
            f"invalid release version {version!r}: expected vYYYY-MM-DD or vYYYY-MM-DD.N"
        )
    year, month, day, number = match.groups()
    try:
        when = date(int(year), int(month), int(day))
    except ValueError:
        raise ConfigError(f"invalid release version {version!r}: no such date") from None
    return when, int(number or 0)


def is_version(name: str) -> bool:
    """Whether ``name`` is a well-formed version."""
    try:
        parse_version(name)
    except ConfigError:
        return False
    return True


def format_version(day: date, number: int = 0) -> str:
    """``vYYYY-MM-DD`` for number 0, else ``vYYYY-MM-DD.<number>``."""
    if number < 0:
        raise ConfigError(f"release number must be >= 0, got {number}")
    base = f"v{day.isoformat()}"
    return base if number == 0 else f"{base}.{number}"


def normalize_prefix(prefix: str) -> str:
    """A store prefix without a leading ``/``, ending in ``/`` (or empty for the root)."""
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


def release_prefix(releases_prefix: str, version: str) -> str:
    """The folder of one release: ``<releases_prefix><version>/``."""
    parse_version(version)
    return f"{normalize_prefix(releases_prefix)}{version}/"


def list_version_folders(store: Store, releases_prefix: str) -> dict[str, bool]:
    """Every version folder under ``releases_prefix`` mapped to whether it is published.

    Folders whose name is not a version are ignored (they are not mhds releases).
    """
    prefix = normalize_prefix(releases_prefix)
    folders: dict[str, bool] = {}
    for info in store.list(prefix):
        name, _, rest = info.key[len(prefix) :].partition("/")
        if not rest or not is_version(name):
            continue
        folders[name] = folders.get(name, False) or rest == MANIFEST_NAME
    return dict(sorted(folders.items(), key=lambda item: parse_version(item[0])))


def list_versions(store: Store, releases_prefix: str) -> list[str]:
    """Published versions (those with a manifest), oldest first (by date, then number)."""
    return [v for v, published in list_version_folders(store, releases_prefix).items() if published]


def list_unpublished(store: Store, releases_prefix: str) -> list[str]:
    """Version folders without a manifest (aborted publishes), oldest first."""
    return [
        v for v, published in list_version_folders(store, releases_prefix).items() if not published
    ]


def latest_version(store: Store, releases_prefix: str) -> str | None:
    """The newest published version, or None when there is none."""
    versions = list_versions(store, releases_prefix)
    return versions[-1] if versions else None


def next_version(store: Store, releases_prefix: str, today: date) -> str:
    """The next version of ``today``: one past the highest number the day has used.

    ``vYYYY-MM-DD`` when the day has no version folder yet, else ``.N`` one above the highest
    (so versions of a day always sort in publishing order, even after ``gc``). A folder that
    holds only the leftovers of an aborted publish counts as used: its name is never handed out
    for a different build (resume it by passing its version to ``ReleaseWriter``; see
    ``list_unpublished``).
    """
    used = [
        parse_version(v)[1]
        for v in list_version_folders(store, releases_prefix)
        if parse_version(v)[0] == today
    ]
    return format_version(today, max(used) + 1 if used else 0)


RESERVATION_NAME = "reserved.json"
_RESERVE_ATTEMPTS = 100


def reserve_version(
    store: Store, releases_prefix: str, today: date, holder: str, *, writer: str = ""
) -> str:
    """Reserve the next version of ``today`` for ``holder`` before anything is written to it.

    The reservation is an object written once in the version folder
    (``<version>/reserved.json``), naming the holder (the build key a rerun resumes by) and the
    ``writer`` (the build id, so that two writers never write the same bytes and both win). The
    folder is used from that moment: ``next_version`` never hands it out again, and of two
    writers that pick the same version only one gets it; the other moves on to the next
    number. The writer removes the reservation when it publishes (or
    aborts).

    Returns:
        The version reserved.
    """
    for _ in range(_RESERVE_ATTEMPTS):
        version = next_version(store, releases_prefix, today)
        try:
            store.put_if_absent(
                reservation_key(releases_prefix, version), _holder_bytes(holder, writer)
            )
        except ObjectExistsError:
            continue
        return version
    raise ReleaseError(f"could not reserve a version of {today.isoformat()}: too many writers")


def reserved_by(store: Store, releases_prefix: str, version: str) -> str | None:
    """Who reserved ``version`` (the holder passed to ``reserve_version``), or None."""
    try:
        data = store.read_bytes(reservation_key(releases_prefix, version))
    except ObjectNotFoundError:
        return None
    holder = codec.loads(data).get("holder") if data.strip() else None
    return str(holder) if holder is not None else None


def reservation_key(releases_prefix: str, version: str) -> str:
    """The reservation object of ``version``."""
    return release_prefix(releases_prefix, version) + RESERVATION_NAME


def _holder_bytes(holder: str, writer: str) -> bytes:
    return codec.dumps({"holder": holder, "writer": writer}) + b"\n"
