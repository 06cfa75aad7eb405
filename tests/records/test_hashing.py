"""The shape of a content hash: what validation and the exact search accept."""

from __future__ import annotations

import pytest

from mhds.records.hashing import compute_content_hash, is_content_hash
from mhds.records.schema import Message

HEX = "0123456789abcdef" * 4


def test_a_computed_hash_has_the_shape() -> None:
    assert is_content_hash(compute_content_hash([Message(role="user", content="hello")]))
    assert is_content_hash("sha256:" + HEX)


@pytest.mark.parametrize(
    "value",
    [
        "sha256:" + HEX.upper(),  # hex digits are lower case
        "sha256:" + HEX[:-1],  # 63 digits
        "sha256:" + HEX + "0",  # 65 digits
        "sha256:" + HEX + "\n",  # a trailing newline
        "sha1:" + HEX,
        HEX,
        "sha256:" + HEX[:-1] + "g",
        "sha256:" + HEX[:-1] + "\u0661",  # ARABIC-INDIC DIGIT ONE is a digit, not hex
        "",
    ],
)
def test_anything_else_is_refused(value: str) -> None:
    assert not is_content_hash(value)
