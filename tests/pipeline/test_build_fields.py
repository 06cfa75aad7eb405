"""Identifiers outside the message text: every kind of free text a record ships (a message of
each role, a string attribute, the group id, the source key) is redacted, and the release's
PII gate finds an identifier in any of them when redaction is turned off for that kind."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mhds.gates.base import Waiver
from mhds.pipeline.run import GateFailure, build_release
from mhds.records import codec
from mhds.registry.schema import Registry
from mhds.release import ReleaseReader
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.fields import FIELD_KINDS
from mhds.store import LocalStore, Store
from mhds.store.streams import JsonlWriter
from tests.pipeline.build_cases import (
    RELEASES,
    TODAY,
    VERSION,
    fast_config,
    make_registry,
    seed_store,
    sentence,
)

PHONE = "415-555-0134"
EMAIL = "jonathan.whitaker@example.org"
NAME = "Jonathan Whitaker"
CLEAN_KEY = "raw/esconv/dialogs-part-0.jsonl"
NAMED_KEY = "raw/esconv/Jonathan_Whitaker_intake.jsonl"
# What each kind carries when it is the planted one, and what must never ship.
PLANTED = {
    "user": PHONE,
    "assistant": PHONE,
    "system": PHONE,
    "attributes": PHONE,
    "group_id": EMAIL,
    "source_key": NAME,
}


def esconv_registry() -> Registry:
    """The build-test registry plus an ESConv-shaped source read through the mapped adapter,
    with a system turn, a group value and an attribute taken from each dialog."""
    mapped = {
        "family": "therapy",
        "prefixes": ["raw/esconv/"],
        "adapter": "mapped",
        "adapter_options": {
            "roles": {"usr": "user", "sys": "assistant"},
            "mapping": {
                "messages_field": "dialog",
                "role_field": "speaker",
                "content_field": "content",
                "system_field": "intro",
                "group_field": "group",
                "attribute_fields": ["situation"],
            },
        },
        "license": "CC-BY-4.0",
        "approval": "approved",
    }
    return make_registry(esconv_dialogs=mapped)


def dialog(rng: random.Random, n: int, planted: str | None) -> dict[str, Any]:
    """One ESConv-shaped dialog; ``planted`` names the kind that carries an identifier."""
    turns = [
        {"speaker": speaker, "content": sentence(rng)} for speaker in ("usr", "sys", "usr", "sys")
    ]
    if planted == "user":
        turns[0]["content"] = f"you can reach me on {PHONE} after work."
    if planted == "assistant":
        turns[1]["content"] = f"the front desk number is {PHONE} if you need it."
    return {
        "dialog": turns,
        "intro": f"client phone {PHONE}." if planted == "system" else sentence(rng),
        "group": EMAIL if planted == "group_id" else f"d-{n:04d}",
        "situation": f"call me on {PHONE} tonight." if planted == "attributes" else "job crisis",
    }


def seed_esconv(store: Store, planted: str | None) -> None:
    """The usual sources plus 12 dialogs; the first carries the planted identifier."""
    seed_store(store)
    rng = random.Random(7)
    key = NAMED_KEY if planted == "source_key" else CLEAN_KEY
    with JsonlWriter(store, key) as writer:
        for n in range(12):
            writer.write(dialog(rng, n, planted if n == 0 else None))


def shipped_bytes(store: Store) -> str:
    """Every record line of the published release, as text."""
    reader = ReleaseReader(store, VERSION, releases_prefix=RELEASES)
    return "\n".join(
        record.to_json().decode()
        for split in ("train", "val", "test")
        for record in reader.iter_split(split)
    )


@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_each_kind_is_redacted_before_it_ships(tmp_path: Any, planted: str) -> None:
    store = LocalStore(tmp_path / "store")
    seed_esconv(store, planted)

    result = build_release(store, esconv_registry(), fast_config(), today=TODAY)

    assert result.published
    shipped = shipped_bytes(store)
    assert PLANTED[planted] not in shipped
    assert "Whitaker" not in shipped
    pii = next(v for v in result.verdicts if v.gate == "pii")
    assert pii.evidence["metadata_scan"]["records_with_findings"] == 0
    assert pii.evidence["metadata_scan"]["texts_scanned"] > 0


@pytest.mark.parametrize("kind", FIELD_KINDS)
def test_the_gate_fails_when_redaction_is_off_for_a_kind(tmp_path: Any, kind: str) -> None:
    store = LocalStore(tmp_path / "store")
    seed_esconv(store, kind)
    fields = tuple(k for k in FIELD_KINDS if k != kind)
    config = fast_config(pii=PIIConfig(fields=fields))

    with pytest.raises(GateFailure) as failure:
        build_release(store, esconv_registry(), config, today=TODAY)

    assert failure.value.failed == ["pii"]
    pii = next(v for v in failure.value.verdicts if v.gate == "pii")
    assert f"field {kind} not redacted" in pii.summary
    if kind in ("user", "assistant", "system"):
        found = pii.evidence["policy"]["rescan"]["findings_by_field"]
    else:
        # Found by the gate's own scan, which runs whatever the config says.
        found = pii.evidence["metadata_scan"]["findings_by_field"]
        assert ("metadata_identifiers", "therapy") in {(f.check, f.family) for f in pii.failures}
    assert found == {kind: found[kind]} and found[kind] >= 1
    assert PLANTED[kind] not in codec.dumps(pii.to_dict()).decode()  # counts, never text


def test_a_policy_waiver_does_not_let_an_identifier_in_an_attribute_through(tmp_path: Any) -> None:
    store = LocalStore(tmp_path / "store")
    seed_esconv(store, "attributes")
    fields = tuple(k for k in FIELD_KINDS if k != "attributes")
    waiver = Waiver(
        gate="pii", scope="check:policy", reason="attributes reviewed elsewhere", who="dpo"
    )
    config = fast_config(pii=PIIConfig(fields=fields), waivers=(waiver,))

    with pytest.raises(GateFailure) as failure:
        build_release(store, esconv_registry(), config, today=TODAY)

    pii = next(v for v in failure.value.verdicts if v.gate == "pii")
    assert pii.waivers == (waiver,) and not pii.passed
    assert [f.check for f in pii.unwaived] == ["metadata_identifiers"]


def test_metadata_on_the_s3_server_is_redacted_too(s3_store: Store) -> None:
    seed_esconv(s3_store, "attributes")

    result = build_release(s3_store, esconv_registry(), fast_config(), today=TODAY)

    assert result.published and PHONE not in shipped_bytes(s3_store)
    reader = ReleaseReader(s3_store, VERSION, releases_prefix=RELEASES)
    situations = {
        str(r.metadata.attributes.get("situation"))
        for split in ("train", "val", "test")
        for r in reader.iter_split(split)
        if r.metadata.source_id == "esconv_dialogs"
    }
    assert "call me on [PHONE_1] tonight." in situations
