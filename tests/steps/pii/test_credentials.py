"""Credentials in conversation text: each kind is found (the secret only), redacted to
``[CREDENTIAL_n]`` and counted, the clinical text around it stays, and ordinary talk about
passwords, keys and tokens (and real CounselChat text) gives nothing.

Every fake secret is built at runtime from a seeded generator: no key-shaped literal lives in
the repository (a pre-commit scan flags AWS key ids)."""

from __future__ import annotations

import base64
import csv
import json
import random
import string
from collections.abc import Callable
from pathlib import Path

import pytest

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.credentials import CredentialRecognizer
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.patterns import PatternRecognizers
from mhds.steps.pii.spans import Category
from mhds.steps.pii.step import PIIRedactor
from tests.cases import make_record

ALNUM = string.ascii_letters + string.digits
CLINICAL = "I have been so anxious since my therapist suggested sertraline for my panic attacks."


def fake(seed: str, chars: str, length: int) -> str:
    """``length`` characters of ``chars``, the same for the same seed."""
    rng = random.Random(seed)
    return "".join(rng.choice(chars) for _ in range(length))


def aws_key_id(seed: str = "id") -> str:
    return "AK" + "IA" + fake(seed, string.ascii_uppercase + "234567", 16)


def aws_secret(seed: str = "secret") -> str:
    # Random, so some letters of each case and a digit are all but certain; fixed by the seed.
    return fake(seed, ALNUM + "/+", 40)


def jwt() -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    header = part({"alg": "HS256", "typ": "JWT"})
    payload = part({"sub": "client-1182", "iat": 1700000000})
    return f"{header}.{payload}.{fake('sig', ALNUM + '-_', 43)}"


def private_key(kind: str = "RSA") -> str:
    body = "\n".join(fake(f"line{n}", ALNUM + "+/", 64) for n in range(4))
    label = f"{kind} PRIVATE" + " KEY"  # split: secret scanners flag the header itself
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"


# (name, text around the secret with {}, the secret): the span must be exactly the secret.
CASES: list[tuple[str, Callable[[], str], str]] = [
    ("aws_key_id", aws_key_id, "I pasted my work key {} into the group chat and panicked."),
    ("aws_secret_cue", aws_secret, "the aws secret access key was {} and now I can't sleep."),
    ("aws_secret_alone", lambda: aws_secret("alone"), "he texted me {} at 3am, no idea why."),
    ("github", lambda: "ghp_" + fake("gh", ALNUM, 36), "my brother's token {} is on his desk."),
    ("gitlab", lambda: "glpat-" + fake("gl", ALNUM, 20), "he left {} in the notes."),
    (
        "slack",
        lambda: "xoxb-" + fake("s1", string.digits, 12) + "-" + fake("s2", ALNUM.lower(), 24),
        "the bot token {} was posted in the channel",
    ),
    ("stripe", lambda: "sk_live_" + fake("st", ALNUM, 24), "she used {} for the shop"),
    (
        "openai_legacy",
        lambda: "sk-" + fake("o1", ALNUM, 20) + "T3BlbkFJ" + fake("o2", ALNUM, 20),
        "I found {} in his code",
    ),
    ("openai_project", lambda: "sk-proj-" + fake("op", ALNUM, 48), "use {} for the chatbot"),
    ("gcp_api_key", lambda: "AIza" + fake("gcp", ALNUM + "_-", 35), "our maps key {} leaked"),
    ("jwt", jwt, "my session was {} and I don't know what that means."),
    ("password_colon", lambda: "hunter2", "password: {} (please don't judge me)"),
    ("password_is", lambda: "Tr0ub4dor&3", "my pw is {} and my ex knows it"),
    ("password_quoted", lambda: "sunshine", 'I told him my password was "{}" and regret it.'),
    ("pin", lambda: "4821", "my PIN is {} so he emptied the account"),
    (
        "api_key_cue",
        lambda: fake("api", "0123456789abcdef", 32),
        "the api key is {} for the portal",
    ),
    (
        "postgres",
        lambda: "admin:p4ss!word",
        "he said connect to postgres://{}@db.internal:5432/clinic and I froze",
    ),
    (
        "mongodb",
        lambda: "bob:Sup3rS3cret",
        "the string was mongodb+srv://{}@cluster0.ab1cd.mongodb.net/app",
    ),
    (
        "ado_connection",
        lambda: "S3cr3t!Pass",
        "Server=tcp:db.internal,1433;Database=app;User Id=sa;Password={};Encrypt=true",
    ),
    (
        "azure_account_key",
        lambda: fake("az", ALNUM + "+/", 86) + "==",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={};EndpointSuffix=core",
    ),
    ("private_key", private_key, "here is the key he sent me:\n{}\nI feel sick about it."),
    ("encrypted_key", lambda: private_key("ENCRYPTED"), "he pasted {} in the chat"),
    (
        "private_key_no_end",
        lambda: private_key().rsplit("\n", 1)[0],
        "it started like this:\n{}\n\nand I stopped reading.",
    ),
]


@pytest.fixture(scope="module")
def recognizer() -> CredentialRecognizer:
    return CredentialRecognizer()


@pytest.mark.parametrize(("name", "secret", "template"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_is_found_exactly(
    recognizer: CredentialRecognizer, name: str, secret: Callable[[], str], template: str
) -> None:
    value = secret()
    text = template.format(value)
    start = text.index(value)
    spans = {(s.start, s.end) for s in recognizer.find(text)}
    assert (start, start + len(value)) in spans, name
    assert all(s.category == Category.CREDENTIAL for s in recognizer.find(text))


@pytest.mark.parametrize(("name", "secret", "template"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_is_redacted_and_counted(
    engine: PIIEngine, name: str, secret: Callable[[], str], template: str
) -> None:
    value = secret()
    record = make_record(f"{CLINICAL} {template.format(value)}", "That sounds frightening.")
    step = PIIRedactor(engine=engine)

    (out,) = step.run([record], lambda held: pytest.fail(f"{name} sent to review"))

    content = out.messages[0].content
    assert value not in content
    assert "[CREDENTIAL_1]" in content
    assert content.startswith(CLINICAL)
    assert out.metadata.pii_status == "scrubbed"
    assert step.stats.counters["redacted:therapy:CREDENTIAL"] >= 1


def test_an_aws_key_pair_without_a_cue_is_redacted_in_full(engine: PIIEngine) -> None:
    key_id, secret = aws_key_id(), aws_secret()
    text = f"{CLINICAL} i pasted {key_id} and {secret} in the chat by mistake."
    step = PIIRedactor(engine=engine)

    (out,) = step.run([make_record(text, "Okay.")], lambda held: pytest.fail("sent to review"))

    content = out.messages[0].content
    assert key_id not in content and secret not in content
    assert "i pasted [CREDENTIAL_1] and [CREDENTIAL_2] in the chat" in content
    assert step.stats.counters["redacted:therapy:CREDENTIAL"] == 2


def test_the_same_secret_gets_the_same_placeholder(engine: PIIEngine) -> None:
    record = make_record("password: hunter2", "Did you say your password is hunter2?")
    (out,) = PIIRedactor(engine=engine).run([record], lambda held: pytest.fail("review"))
    assert [m.content for m in out.messages] == [
        "password: [CREDENTIAL_1]",
        "Did you say your password is [CREDENTIAL_1]?",
    ]


def test_surrogate_mode_writes_no_fake_secret(engine: PIIEngine) -> None:
    config = PIIConfig(mode="surrogate")
    step = PIIRedactor(config, engine=PIIEngine(config))
    (out,) = step.run([make_record("password: hunter2", "Okay.")], lambda held: None)
    assert out.messages[0].content == "password: [CREDENTIAL_1]"


def test_a_key_in_a_url_counts_as_a_credential() -> None:
    recognizers = PatternRecognizers(PIIConfig())
    text = "the link was https://admin:Sup3rS3cret@files.example.com/notes today"
    engine = PIIEngine(PIIConfig())
    (span,) = engine.analyze_patterns(text)
    assert span.category == Category.CREDENTIAL
    assert "Sup3rS3cret" in text[span.start : span.end]
    assert any(s.category == Category.URL for s in recognizers.find(text))


def test_credentials_are_in_the_default_categories() -> None:
    assert Category.CREDENTIAL in PIIConfig().categories


def test_a_config_without_credentials_finds_none() -> None:
    config = PIIConfig(categories=tuple(c for c in Category if c != Category.CREDENTIAL))
    assert PIIEngine(config).analyze_patterns("password: hunter2") == []


NEGATIVES = [
    "I keep thinking my password is weak and everyone can read my diary.",
    "The password for my laptop was changed by my mother without asking.",
    "My passwords are all the same, which my therapist says is avoidance.",
    "The key is patience: notice the thought, name it, and let it pass.",
    "We set up a token economy for my son's chores and it helped a lot.",
    "My secret is that I still sleep with the lights on at 34.",
    "I felt so much compassion and passion for the work, then burnout.",
    "I pinned a note on the fridge: call 988 if the urge comes back.",
    "The COVID-19-related lockdown made my social-anxiety-and-depression worse.",
    "Call 1-800-273-8255 or text 741741, or visit www.samhsa.gov/find-help/national-helpline.",
    "I read https://www.psychologytoday.com/us/blog/anxiety-files/201905/overcoming-avoidance",
    "His access to my accounts is the issue, not the key or the token he holds over me.",
    "SSRI.Therapy and CBT-I helped; my PHQ-9 went from 19 to 7 in 12 weeks.",
    "Her username is sunflower_1987 and she posts every night.",
    "the fix is in commit 3f786850e387550fdab836ed7e6dc881de23001b, my brother says.",
    "My token of appreciation: 12 weeks of sessions, 100% attendance, 0 relapses.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_ordinary_talk_gives_no_credential(recognizer: CredentialRecognizer, text: str) -> None:
    assert recognizer.find(text) == []


def test_placeholders_are_not_credentials() -> None:
    recognizers = PatternRecognizers(PIIConfig(), strict=True)
    text = "password: [CREDENTIAL_1] and the api key is [CREDENTIAL_2]"
    assert [s for s in recognizers.find(text) if s.category == Category.CREDENTIAL] == []


@pytest.fixture(scope="module")
def counselchat_texts(shared_data: Path) -> list[str]:
    with (shared_data / "counsel_chat.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts = [r[k] for r in rows for k in ("questionTitle", "questionText", "answerText")]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def test_no_credentials_in_counselchat(
    recognizer: CredentialRecognizer, counselchat_texts: list[str]
) -> None:
    assert len(counselchat_texts) > 3000
    hits = [s.recognizer for text in counselchat_texts for s in recognizer.find(text)]
    assert hits == []


@pytest.mark.slow
def test_no_credentials_in_a_counselchat_sample_through_the_engine(
    engine: PIIEngine, counselchat_texts: list[str]
) -> None:
    sample = counselchat_texts[::10]
    for strict in (False, True):
        found = engine.analyze_batch(sample, strict=strict)
        hits = [s for spans in found for s in spans if s.category == Category.CREDENTIAL]
        assert hits == []
