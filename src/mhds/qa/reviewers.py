"""Reviewers: who may score items (``reviewer``) and resolve disagreements and sign off
(``adjudicator``). Each is one object ``qa/reviewers/<name>.json`` holding the sha256 of a
random token that ``add_reviewer`` returns once; the token itself is stored nowhere."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from mhds.errors import ConfigError, ObjectExistsError, ObjectNotFoundError
from mhds.records import codec
from mhds.store.base import Store
from mhds.store.uri import join_key

Role = Literal["reviewer", "adjudicator"]
ROLES: tuple[Role, ...] = ("reviewer", "adjudicator")
REVIEWERS_FOLDER = "reviewers"
_NAME = re.compile(r"[a-z][a-z0-9_.-]{1,39}")


@dataclass(frozen=True)
class Reviewer:
    """A person who reviews (never their token)."""

    name: str
    role: Role
    token_sha256: str
    created: str


def check_name(name: str) -> str:
    """``name`` unchanged when it is a reviewer name: 2-40 lower-case letters, digits, ``.``,
    ``_`` or ``-``, starting with a letter.

    Raises:
        ConfigError: it is not.
    """
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"invalid reviewer name {name!r}: 2-40 of a-z 0-9 . _ -, starting with a letter"
        )
    return name


def reviewer_key(qa_prefix: str, name: str) -> str:
    """``qa/reviewers/<name>.json``."""
    return join_key(qa_prefix, REVIEWERS_FOLDER, f"{check_name(name)}.json")


def add_reviewer(store: Store, qa_prefix: str, name: str, role: Role) -> str:
    """Register ``name`` with ``role``; return the login token (shown once, stored hashed).

    Raises:
        ConfigError: a bad name or role, or the name is taken.
    """
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} (valid: {', '.join(ROLES)})")
    token = secrets.token_urlsafe(32)
    body = {
        "name": name,
        "role": role,
        "token_sha256": hash_token(token),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    try:
        store.put_if_absent(reviewer_key(qa_prefix, name), codec.dumps(body) + b"\n")
    except ObjectExistsError:
        raise ConfigError(f"reviewer {name!r} exists already") from None
    return token


def hash_token(token: str) -> str:
    """The stored form of a token (tokens are 256 random bits: a plain hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def load_reviewers(store: Store, qa_prefix: str) -> dict[str, Reviewer]:
    """Every registered reviewer, by name."""
    prefix = join_key(qa_prefix, REVIEWERS_FOLDER) + "/"
    found: dict[str, Reviewer] = {}
    for info in store.list(prefix):
        if not info.key.endswith(".json"):
            continue
        data = codec.loads(store.read_bytes(info.key))
        reviewer = Reviewer(
            str(data["name"]), data["role"], str(data["token_sha256"]), str(data["created"])
        )
        found[reviewer.name] = reviewer
    return dict(sorted(found.items()))


def get_reviewer(store: Store, qa_prefix: str, name: str) -> Reviewer:
    """One reviewer.

    Raises:
        ConfigError: no such reviewer (naming the registered ones).
    """
    try:
        data = codec.loads(store.read_bytes(reviewer_key(qa_prefix, name)))
    except ObjectNotFoundError:
        known = ", ".join(load_reviewers(store, qa_prefix)) or "none"
        raise ConfigError(f"no reviewer {name!r} (registered: {known})") from None
    return Reviewer(
        str(data["name"]), data["role"], str(data["token_sha256"]), str(data["created"])
    )


def authenticate(reviewers: dict[str, Reviewer], token: str) -> Reviewer | None:
    """The reviewer whose token this is, or None (constant-time comparison per reviewer)."""
    presented = hash_token(token)
    match = None
    for reviewer in reviewers.values():
        if hmac.compare_digest(presented, reviewer.token_sha256):
            match = reviewer
    return match
