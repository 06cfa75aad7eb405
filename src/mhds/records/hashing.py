"""The canonical form of a conversation and its ``content_hash``.

Canonical form (documented in docs/record.md; change it only with a new ``HASH_VERSION``):

1. each message becomes ``[role, content]``;
2. content is Unicode NFC-normalised, ``\\r\\n`` and ``\\r`` become ``\\n``, trailing
   whitespace of each line and of the whole text is removed;
3. the list of pairs is serialised as compact JSON (UTF-8, no ASCII escaping);
4. ``content_hash = "sha256:" + hex(sha256(bytes))``.

Metadata never enters the hash: the same conversation from two sources hashes the same, which
is what exact de-duplication across families needs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from mhds.records.codec import canonical_json
from mhds.records.schema import Message

HASH_VERSION = 1
HASH_PREFIX = "sha256:"
_TRAILING_WS = re.compile(r"[ \t\f\v]+\n")
_CONTENT_HASH = re.compile(r"sha256:[0-9a-f]{64}")


def canonical_text(content: str) -> str:
    """Normalise one message's content the way the canonical form does."""
    text = unicodedata.normalize("NFC", content)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in text:  # a line's trailing blanks need a line end: most texts have none
        text = _TRAILING_WS.sub("\n", text)
    return text.rstrip()


def canonical_form(messages: Iterable[Message]) -> bytes:
    """Return the canonical bytes of a conversation."""
    return canonical_json([[m.role, canonical_text(m.content)] for m in messages])


def compute_content_hash(messages: Iterable[Message]) -> str:
    """``sha256:`` + 64 hex digits over the canonical form."""
    return HASH_PREFIX + hashlib.sha256(canonical_form(messages)).hexdigest()


def is_content_hash(value: str) -> bool:
    """Whether ``value`` looks like a content hash."""
    return _CONTENT_HASH.fullmatch(value) is not None


def stable_id(*parts: str, length: int = 24) -> str:
    """A short deterministic id over ``parts`` (sha256, hex)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]
