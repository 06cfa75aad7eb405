"""Secrets in conversation text never ship: a user turn holding an AWS key id and its secret
key is released with ``[CREDENTIAL_n]`` placeholders, and the release's PII report counts the
category. A config that leaves credentials out fails the release policy.

The fake key pair is built at runtime from a seeded generator (no key-shaped literal in the
repository)."""

from __future__ import annotations

import random
import string

import pytest

from mhds.pipeline.run import GateFailure, build_release
from mhds.records import codec
from mhds.release import ReleaseReader
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.spans import Category
from mhds.store import Store
from tests.pipeline.build_cases import (
    RELEASES,
    SPLITS,
    TODAY,
    VERSION,
    fast_config,
    make_registry,
    seed_store,
    write_source,
)

_RNG = random.Random("build-credentials")
KEY_ID = "AK" + "IA" + "".join(_RNG.choice(string.ascii_uppercase + "234567") for _ in range(16))
SECRET = "".join(_RNG.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))
LEAKY = {
    "messages": [
        {
            "role": "user",
            "content": f"i pasted my work keys {KEY_ID} and {SECRET} into a chat and "
            "now i cannot sleep, my chest is tight.",
        },
        {"role": "assistant", "content": "that sounds frightening. what happened next."},
        {"role": "user", "content": "i deleted them but the worry stays all evening."},
        {"role": "assistant", "content": "let us slow down and notice the breathing."},
    ],
    "session": "therapy-leak",
}


def seed_with_leak(store: Store) -> None:
    seed_store(store, {"counselling": 30, "crisis": 20})
    write_source(store, "therapy", 40, extra=[LEAKY])


def released_bytes(store: Store) -> bytes:
    """Every object the release wrote (data, reports, manifest, audit)."""
    return b"".join(store.read_bytes(o.key) for o in store.list(f"{RELEASES}{VERSION}/"))


def test_a_key_pair_in_a_user_turn_ships_as_placeholders(store: Store) -> None:
    seed_with_leak(store)

    result = build_release(store, make_registry(), fast_config(), today=TODAY)

    assert result.published
    reader = ReleaseReader(store, VERSION, releases_prefix=RELEASES)
    records = [r for split in SPLITS for r in reader.iter_split(split)]
    (leaked,) = [r for r in records if "chest is tight" in r.messages[0].content]
    assert leaked.messages[0].content.startswith(
        "i pasted my work keys [CREDENTIAL_1] and [CREDENTIAL_2] into a chat"
    )
    assert leaked.metadata.pii_status == "scrubbed"
    shipped = released_bytes(store)
    assert KEY_ID.encode() not in shipped and SECRET.encode() not in shipped
    report = codec.loads(reader.read_file("reports/pii.json"))
    assert report["evidence"]["redacted"]["therapy"][Category.CREDENTIAL.value] == 2
    pii = next(v for v in result.verdicts if v.gate == "pii")
    assert pii.passed


def test_a_config_without_credentials_fails_the_release_policy(store: Store) -> None:
    seed_with_leak(store)
    narrow = tuple(c for c in Category if c != Category.CREDENTIAL)

    with pytest.raises(GateFailure) as failure:
        build_release(store, make_registry(), fast_config(pii=PIIConfig(categories=narrow)))

    pii = next(v for v in failure.value.verdicts if v.gate == "pii")
    assert "category CREDENTIAL not scanned" in pii.summary
    # spaCy may take the key id for a name (redacted as one); the secret key is left to the
    # rescan, which finds it.
    rescan = pii.evidence["policy"]["rescan"]
    assert rescan["findings_by_category"].get(Category.CREDENTIAL.value, 0) >= 1
    assert KEY_ID not in codec.dumps(pii.to_dict()).decode()  # counts, never text
    assert not list(store.list(RELEASES))
