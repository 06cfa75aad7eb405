"""Acceptance on real data: CounselChat answers lose therapists' names and own sites, keep
every crisis line, and barely change where there is nothing to redact."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from mhds.steps.pii.config import DEFAULT_CRISIS_NUMBERS, DEFAULT_PUBLIC_DOMAINS
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.resources import PublicResources
from mhds.steps.pii.step import PIIRedactor
from tests.cases import make_record

pytestmark = pytest.mark.slow

# Independent of the engine's own patterns on purpose: a plain, broad URL finder.
URL = re.compile(r"(?:https?://|www\.)[^\s)\]>,;\"']+|\b[\w-]+\.(?:com|net|org|us|info)\b[/\w.-]*")
CRISIS = re.compile(r"\b(?:1[-. ]?)?\(?800\)?[-. ]?273[-. ]?(?:8255|TALK)\b|\b741741\b|\b988\b")
MAX_CHANGED = 0.03
#: How far before a bare domain the therapist's name may stand for it to sign the answer.
SIGNED_REACH = 120
#: Words of CounselChat's therapist lines that name no one ("Therapist", "Counseling").
COMMON_INFO_WORDS = frozenset(
    {"therapist", "therapy", "counseling", "counselor", "counselling", "licensed", "clinical",
     "professional", "psychologist", "marriage", "family", "mental", "health", "social",
     "worker", "certified", "relationship", "consultant", "associate", "therapists", "https",
     "counselchat", "providing", "helping"}
)  # fmt: skip


def public(url: str) -> bool:
    """A site of a public resource: the configured domains or the allowlist's sites."""
    host = re.sub(r"^(https?://)?(www\.)?", "", url.lower()).split("/")[0]
    domains = (*DEFAULT_PUBLIC_DOMAINS, *PublicResources.default().domains())
    return any(host == d or host.endswith("." + d) for d in domains)


def own_site(url: str, info: str, answer: str, at: int) -> bool:
    """The answering therapist's own site, judged without the engine: a host holding a word of
    their name or practice as the site shows it ("Rebecca Wong, ... Connectfulness
    Consultant": connectfulness.com), or a bare domain right after their name (a sign-off).
    A bare domain alone is no sign: answers point readers to public sites that way too ("The
    website www.everydayfeminism.com is a blog")."""
    rest = re.sub(r"^(https?://)?", "", url.lower())
    host, _, path = rest.partition("/")
    words = {w for w in re.findall(r"[a-z]{5,}", info.lower()) if w not in COMMON_INFO_WORDS}
    if any(w in host for w in words):
        return True
    name = therapist_name(info)
    if name is None or path.strip("/"):
        return False
    return answer.rfind(name.split()[0], max(0, at - SIGNED_REACH), at) >= 0


def therapist_name(info: str) -> str | None:
    name = info.split(",")[0].strip()
    words = name.split()
    return name if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) else None


@pytest.fixture(scope="module")
def answers(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "counsel_chat.csv").open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["answerText"].strip()]


def test_counselchat_answers_redacted_as_required(
    answers: list[dict[str, str]], engine: PIIEngine
) -> None:
    records = [
        make_record(
            row["questionTitle"] or "Question",
            row["answerText"].strip(),
            record_id=f"cc-{n}",
            family="professional_therapeutic",
        )
        for n, row in enumerate(answers)
    ]
    held: list[object] = []
    step = PIIRedactor(engine=engine)
    redacted = {r.metadata.id: r.messages[1].content for r in step.run(records, held.append)}
    assert len(held) <= len(records) * 0.02, f"{len(held)} records sent to review"

    sites = names = crisis = 0
    clean_chars = clean_changed = 0
    for n, row in enumerate(answers):
        before = row["answerText"].strip()
        after = redacted.get(f"cc-{n}")
        if after is None:
            continue  # quarantined for review: nothing of it ships
        for match in URL.finditer(before):
            url = match[0].rstrip(".")
            if not public(url) and own_site(url, row["therapistInfo"], before, match.start()):
                sites += 1
                assert url not in after, f"row {n}: a therapist site survived"
        name = therapist_name(row["therapistInfo"])
        if name and name in before:
            names += 1
            assert name not in after, f"row {n}: the therapist's name survived"
        for number in CRISIS.findall(before):
            crisis += 1
            assert number in after, f"row {n}: a crisis line was removed"
        if not URL.search(before) and not (name and name in before):
            spans = engine.analyze(before)
            clean_chars += len(before)
            clean_changed += sum(s.length for s in spans)
    assert sites > 20 and names > 0 and crisis > 5  # the data really exercises each rule
    assert clean_changed / clean_chars <= MAX_CHANGED
    print(
        f"\nchanged {clean_changed / clean_chars:.2%} of {clean_chars} chars in answers "
        f"without identifiers; {sites} sites, {names} names, {crisis} crisis lines; "
        f"{len(held)} to review"
    )
    assert DEFAULT_CRISIS_NUMBERS  # the keep-list is what protected them
