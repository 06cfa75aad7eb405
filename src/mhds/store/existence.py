"""Whether a store exists, and creating one on purpose (``mhds init``).

A local store exists when its folder exists; an S3 store exists when its bucket exists and its
prefix holds at least one object. Read commands refuse a store that does not exist, so a typo
in ``--store`` fails with a hint instead of quietly writing into a new, empty place. Creating a
store writes a small marker object (``mhds-store.json``): on S3 that is what makes the prefix
exist. The marker holds no secret and no endpoint, and inventory never reports it.
"""

from __future__ import annotations

import difflib
import logging
from datetime import UTC, datetime

from mhds import __version__
from mhds.errors import ObjectExistsError, ObjectNotFoundError, StoreNotFoundError
from mhds.records import codec
from mhds.store.base import Store
from mhds.store.local import LocalStore
from mhds.store.s3 import S3Store
from mhds.store.s3_errors import describe_endpoint

log = logging.getLogger(__name__)

STORE_MARKER_KEY = "mhds-store.json"
_SUGGESTIONS = 3


def check_store(store: Store) -> None:
    """Raise StoreNotFoundError when ``store`` does not exist (see the module docstring).

    Raises:
        StoreNotFoundError: one line naming the store, what is missing and the fix.
        StoreError: the endpoint refused or could not be reached while checking.
    """
    if isinstance(store, LocalStore):
        _check_local(store)
    elif isinstance(store, S3Store):
        _check_s3(store)


def is_existing_store(store: Store) -> bool:
    """Whether ``store`` exists (``check_store`` passes)."""
    try:
        check_store(store)
    except StoreNotFoundError:
        return False
    return True


def initialise_store(store: Store) -> bool:
    """Create ``store`` when it does not exist; return whether it was created.

    A local store gets its folder; both kinds get the marker object, written once. An S3
    bucket is never created: that is the provider's business (policies, region, billing).

    Raises:
        StoreNotFoundError: the S3 bucket does not exist, or the local path is a file.
    """
    if is_existing_store(store):
        return False
    if isinstance(store, LocalStore):
        if store.root.exists() and not store.root.is_dir():
            _check_local(store)  # raises: a file is in the way
        store.root.mkdir(parents=True, exist_ok=True)
    elif isinstance(store, S3Store):
        _check_bucket(store)
    try:
        store.put_if_absent(STORE_MARKER_KEY, _marker())
    except ObjectExistsError:
        return False  # another init got there first: the store exists either way
    log.info("created store %s", store.uri)
    return True


def _marker() -> bytes:
    created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return codec.dumps({"mhds_store": 1, "created": created, "mhds": __version__}, indent=True)


def _init_hint(uri: str) -> str:
    return f"create it with `mhds init --store {uri}`"


def _check_local(store: LocalStore) -> None:
    uri = store.uri
    if store.root.is_dir():
        return
    if store.root.exists():
        raise StoreNotFoundError(
            "the path is a file, not a folder", uri=uri, hint="point --store at a folder"
        )
    raise StoreNotFoundError("the folder does not exist", uri=uri, hint=_init_hint(uri))


def _check_s3(store: S3Store) -> None:
    try:
        if store.has_objects():
            return
    except ObjectNotFoundError as exc:
        raise _no_bucket(store, exc) from None
    where = f"under {store.prefix!r}" if store.prefix else "at all"
    hint = _init_hint(store.uri)
    if store.prefix:
        near = _near_prefixes(store)
        if near:
            hint = f"did you mean {' or '.join(near)}? To start a new store here, {hint}"
    raise StoreNotFoundError(
        f"bucket {store.bucket!r} holds no object {where}", uri=store.uri, hint=hint
    )


def _check_bucket(store: S3Store) -> None:
    try:
        store.has_objects()
    except ObjectNotFoundError as exc:
        raise _no_bucket(store, exc) from None


def _no_bucket(store: S3Store, error: ObjectNotFoundError) -> StoreNotFoundError:
    endpoint = describe_endpoint(store.settings)
    if error.context.get("code") not in ("NoSuchBucket", None):
        # A bare 404 (no S3 error code) comes from a server that is not S3, or a wrong path.
        return StoreNotFoundError(
            f"{endpoint} answered HTTP 404 for bucket {store.bucket!r}",
            uri=store.uri,
            hint="check that the endpoint is an S3 API (not a console or website URL) and "
            "the bucket name",
        )
    return StoreNotFoundError(
        f"bucket {store.bucket!r} does not exist on {endpoint}",
        uri=store.uri,
        hint="check the bucket name and the endpoint, or create the bucket with your "
        f"provider's tools, then run `mhds init --store {store.uri}`",
    )


def _near_prefixes(store: S3Store) -> list[str]:
    """Up to three existing folders beside the store's prefix, closest names first."""
    siblings = [p for p in store.sibling_prefixes() if p != store.prefix]
    if not siblings:
        return []
    names = {p.rstrip("/").rpartition("/")[2]: p for p in siblings}
    wanted = store.prefix.rstrip("/").rpartition("/")[2]
    close = difflib.get_close_matches(wanted, list(names), n=_SUGGESTIONS, cutoff=0.5)
    ranked = close + [n for n in sorted(names) if n not in close]
    return [f"s3://{store.bucket}/{names[n].rstrip('/')}" for n in ranked[:_SUGGESTIONS]]
