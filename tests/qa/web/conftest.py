"""A staged candidate with a QA run to review through the web app: therapy and counselling
conversations, and one crisis conversation planted with markup and a redaction placeholder
(crisis/test is a stratum of one, so that conversation is always drawn)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from mhds.pipeline.run import build_release
from mhds.qa.reviewers import Role, add_reviewer
from mhds.qa.run import QARun, create_run
from mhds.registry.schema import Registry
from mhds.store.base import Store
from mhds.store.local import LocalStore
from tests.pipeline.build_cases import TODAY, fast_config, make_registry, seed_store, write_source

QA = "qa/"
SCRIPT = "<script>alert(1)</script>"
PLACEHOLDER = "[PERSON_1]"
PLANTED = {
    "session": "crisis-planted",
    "messages": [
        {"role": "user", "content": f"i feel tired {SCRIPT} and heavy today."},
        {"role": "assistant", "content": "that sounds hard, what does your evening look like?"},
        {"role": "user", "content": f"my friend {PLACEHOLDER} says i should rest more."},
        {"role": "assistant", "content": "rest can help; what small step feels possible?"},
    ],
}
GOOD = 9
LOW = 3
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class ReviewSite:
    """The store, the candidate, the QA run, the reviewers' tokens and the planted item."""

    store: Store
    registry: Registry
    build_id: str
    run: QARun
    tokens: dict[str, str]
    planted: str


def make_site(root: Path) -> ReviewSite:
    """Build the candidate under ``root`` and draw a run reviewed by alice and bob; carol
    adjudicates; dan is a reviewer with nothing assigned."""
    store = LocalStore(root / "store")
    seed_store(store, {"therapy": 12, "counselling": 10})
    write_source(store, "crisis", 0, extra=[PLANTED])
    registry = make_registry()
    config = fast_config(signoff="required", qa={"per_stratum": 2})
    result = build_release(store, registry, config, today=TODAY)
    assert not result.published and result.candidate is not None
    roles: dict[str, Role] = {
        "alice": "reviewer",
        "bob": "reviewer",
        "carol": "adjudicator",
        "dan": "reviewer",
    }
    tokens = {name: add_reviewer(store, QA, name, role) for name, role in roles.items()}
    run = create_run(store, registry, result.candidate, reviewers=["alice", "bob"])
    planted = next(item.item_id for item in run.items if item.family == "crisis")
    return ReviewSite(store, registry, result.candidate, run, tokens, planted)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> ReviewSite:
    """One review site per test module (its tests use distinct items)."""
    return make_site(tmp_path_factory.mktemp("review"))
