"""Every crisis resource of the scenario library (name, contact, site) survives PII
redaction word for word: the generated chats give them on purpose, and the safety rules fail
a chat whose helpline was redacted (``helpline_redacted``)."""

from __future__ import annotations

import pytest

from mhds.crisis.library import load_library
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine


@pytest.fixture(scope="module")
def engine() -> PIIEngine:
    engine = PIIEngine(PIIConfig())
    engine.setup()
    return engine


def test_every_library_contact_is_kept(engine: PIIEngine) -> None:
    library = load_library()
    redacted: list[str] = []
    for region, resources in library.resources.items():
        for resource in resources:
            for part in (resource.name, resource.contact, resource.url or ""):
                if not part:
                    continue
                text = f"If things get harder, you can reach {resource.name} ({part}) any time."
                start = text.index(part)
                for span in engine.analyze(text):
                    if span.start < start + len(part) and span.end > start:
                        redacted.append(f"{region} {resource.name}: {span.category.value}")
    assert not redacted
