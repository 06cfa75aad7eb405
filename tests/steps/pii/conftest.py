"""One loaded PII engine per test module (spaCy loads once)."""

from __future__ import annotations

import pytest

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine


@pytest.fixture(scope="session")
def engine() -> PIIEngine:
    loaded = PIIEngine(PIIConfig())
    loaded.setup()
    return loaded
