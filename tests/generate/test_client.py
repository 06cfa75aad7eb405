"""The client around the OpenAI backend against a scripted server in its own process: what is
retried (429, 5xx, timeouts, connection errors) and what is not (4xx, malformed answers), the
response cache (a second run makes no request, on both store backends), the concurrency bound,
input order, token accounting, and a key that never leaks."""

from __future__ import annotations

import logging
import pickle
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from mhds.generate import (
    Completion,
    GenerationClient,
    GenerationError,
    GenerationParams,
    GenerationReason,
    Message,
    OpenAIBackend,
)
from mhds.store import LocalStore, Store
from tests.generate.fake_openai import FakeOpenAI

MODEL = "fake-model"
FAST = {"backoff": 0.01, "backoff_max": 0.05}


def ask(text: str) -> list[Message]:
    return [Message("system", "You are a client in therapy."), Message("user", text)]


def client_for(
    server: FakeOpenAI, store: Store, *, timeout: float = 10, **options: object
) -> GenerationClient:
    backend = OpenAIBackend(server.base_url, MODEL, api_key_env="MHDS_TEST_KEY", timeout=timeout)
    return GenerationClient(backend, store, **{**FAST, **options})  # type: ignore[arg-type]


@pytest.fixture()
def local(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def test_429_and_500_are_retried_until_success(fake_openai: FakeOpenAI, local: LocalStore) -> None:
    fake_openai.script([{"status": 429}, {"status": 500}, {}])
    client = client_for(fake_openai, local)
    reply = client.complete(ask("hello"), GenerationParams(seed=1))
    assert reply.text == "reply to: hello (seed=1)" and not reply.cached
    assert reply.model == f"served-{MODEL}" and reply.finish_reason == "stop"
    assert (reply.prompt_tokens, reply.completion_tokens, reply.tokens_estimated) == (7, 4, False)
    assert fake_openai.stats()["requests"] == 3
    usage = client.usage()
    assert (usage.requests, usage.retries, usage.completions, usage.errors) == (3, 2, 1, {})
    assert (usage.prompt_tokens, usage.completion_tokens) == (7, 4)


def test_retry_after_is_honoured_up_to_backoff_max(
    fake_openai: FakeOpenAI, local: LocalStore
) -> None:
    fake_openai.script([{"status": 429, "retry_after": 30}, {}])
    waits: list[float] = []
    client = client_for(fake_openai, local, sleep=waits.append, backoff_max=0.25)
    client.complete(ask("x"), GenerationParams())
    assert waits == [0.25]


def test_5xx_outlasting_the_retries_is_retries_exhausted(
    fake_openai: FakeOpenAI, local: LocalStore
) -> None:
    fake_openai.script(default={"status": 503})
    client = client_for(fake_openai, local, retries=2)
    with pytest.raises(GenerationError) as caught:
        client.complete(ask("x"), GenerationParams())
    error = caught.value
    assert (error.reason, error.cause, error.status, error.attempts) == (
        GenerationReason.RETRIES_EXHAUSTED,
        GenerationReason.SERVER_ERROR,
        503,
        3,
    )
    assert error.request_hash == client.request_hash(ask("x"), GenerationParams())
    assert fake_openai.stats()["requests"] == 3
    assert client.usage().errors == {"retries_exhausted": 1}
    assert pickle.loads(pickle.dumps(error)).reason == "retries_exhausted"
    assert not local.exists(client.cache_key(error.request_hash or ""))


def test_a_timeout_is_retried_then_reported(fake_openai: FakeOpenAI, local: LocalStore) -> None:
    fake_openai.script(default={"delay": 1.0})
    client = client_for(fake_openai, local, timeout=0.3, retries=1)
    with pytest.raises(GenerationError) as caught:
        client.complete(ask("slow"), GenerationParams())
    assert caught.value.reason == GenerationReason.TIMEOUT and caught.value.attempts == 2
    assert fake_openai.stats()["requests"] == 2


def test_a_timeout_then_an_answer_succeeds(fake_openai: FakeOpenAI, local: LocalStore) -> None:
    fake_openai.script([{"delay": 1.0}, {}])
    reply = client_for(fake_openai, local, timeout=0.3).complete(ask("a"), GenerationParams())
    assert reply.text.startswith("reply to: a")
    assert fake_openai.stats()["requests"] == 2


def test_connection_errors_are_retried(local: LocalStore) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = OpenAIBackend(f"http://127.0.0.1:{port}/v1", MODEL, timeout=2)
    client = GenerationClient(backend, local, retries=2, backoff=0.01, backoff_max=0.05)
    with pytest.raises(GenerationError) as caught:
        client.complete(ask("x"), GenerationParams())
    error = caught.value
    assert error.reason == GenerationReason.RETRIES_EXHAUSTED
    assert error.cause == GenerationReason.CONNECTION and error.attempts == 3


@pytest.mark.parametrize(
    "body",
    [
        "missing_choices",
        "empty_choices",
        "empty_content",
        "null_content",
        "wrong_types",
        "invalid_json",
        "text_plain",
    ],
)
def test_a_malformed_answer_is_not_retried(
    fake_openai: FakeOpenAI, local: LocalStore, body: str
) -> None:
    fake_openai.script(default={"body": body})
    client = client_for(fake_openai, local)
    with pytest.raises(GenerationError) as caught:
        client.complete(ask("x"), GenerationParams())
    assert caught.value.reason == GenerationReason.MALFORMED
    assert caught.value.attempts == 1 and caught.value.detail
    assert fake_openai.stats()["requests"] == 1
    assert client.usage().errors == {"malformed": 1}


def test_missing_usage_is_estimated(fake_openai: FakeOpenAI, local: LocalStore) -> None:
    fake_openai.script(default={"body": "no_usage"})
    reply = client_for(fake_openai, local).complete(ask("abc"), GenerationParams(seed=5))
    assert reply.tokens_estimated
    assert reply.completion_tokens == -(-len(reply.text) // 4)


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_4xx_is_not_retried(fake_openai: FakeOpenAI, local: LocalStore, status: int) -> None:
    fake_openai.script(default={"status": status})
    with pytest.raises(GenerationError) as caught:
        client_for(fake_openai, local).complete(ask("x"), GenerationParams())
    assert caught.value.reason == GenerationReason.HTTP_4XX
    assert caught.value.status == status and caught.value.attempts == 1
    assert fake_openai.stats()["requests"] == 1


def test_an_invalid_request_is_never_sent(fake_openai: FakeOpenAI, local: LocalStore) -> None:
    client = client_for(fake_openai, local)
    for messages in ([], [Message("narrator", "x")]):  # type: ignore[arg-type]
        with pytest.raises(GenerationError) as caught:
            client.complete(messages, GenerationParams())
        assert caught.value.reason == GenerationReason.INVALID_REQUEST
    assert fake_openai.stats()["requests"] == 0


def test_a_second_run_is_served_from_the_cache(fake_openai: FakeOpenAI, local: LocalStore) -> None:
    requests = [(ask(f"q{i}"), GenerationParams(seed=i)) for i in range(5)]
    first = client_for(fake_openai, local).complete_many(requests)
    assert fake_openai.stats()["requests"] == 5
    fake_openai.script()
    again_client = client_for(fake_openai, local)
    again = again_client.complete_many(requests)
    assert fake_openai.stats()["requests"] == 0
    assert all(isinstance(c, Completion) and c.cached for c in again)
    assert [replace(c, cached=False) for c in again if isinstance(c, Completion)] == first
    usage = again_client.usage()
    assert (usage.requests, usage.cache_hits, usage.prompt_tokens) == (0, 5, 0)


def test_the_cache_works_on_both_stores(fake_openai: FakeOpenAI, store: Store) -> None:
    params = GenerationParams(seed=11, temperature=0.0)
    first = client_for(fake_openai, store).complete(ask("cache me"), params)
    key = f"cache/generate/openai/{first.request_hash[:2]}/{first.request_hash}.json"
    assert store.exists(key)
    fake_openai.script()
    again = client_for(fake_openai, store).complete(ask("cache me"), params)
    assert fake_openai.stats()["requests"] == 0
    assert again.cached and replace(again, cached=False) == first


def test_identical_requests_at_once_are_paid_once(
    fake_openai: FakeOpenAI, local: LocalStore
) -> None:
    fake_openai.script(default={"delay": 0.1})
    replies = client_for(fake_openai, local).complete_many(
        [(ask("same"), GenerationParams(seed=1))] * 4
    )
    assert fake_openai.stats()["requests"] == 1
    assert len({c.text for c in replies if isinstance(c, Completion)}) == 1


def test_concurrency_is_bounded_and_order_kept(fake_openai: FakeOpenAI, local: LocalStore) -> None:
    fake_openai.script(default={"delay": 0.2})
    requests = [(ask(f"prompt {i}"), GenerationParams(seed=i)) for i in range(12)]
    replies = client_for(fake_openai, local, max_concurrency=3).complete_many(requests)
    stats = fake_openai.stats()
    assert stats["requests"] == 12
    assert 1 < stats["max_in_flight"] <= 3
    texts = [c.text for c in replies if isinstance(c, Completion)]
    assert texts == [f"reply to: prompt {i} (seed={i})" for i in range(12)]


def test_errors_stay_in_place(fake_openai: FakeOpenAI, local: LocalStore) -> None:
    fake_openai.script([{}, {"status": 400}, {"body": "missing_choices"}, {}])
    requests = [(ask(f"p{i}"), GenerationParams()) for i in range(4)]
    client = client_for(fake_openai, local, max_concurrency=1)
    replies = client.complete_many(requests)
    assert isinstance(replies[0], Completion) and replies[0].text.startswith("reply to: p0")
    assert isinstance(replies[1], GenerationError) and replies[1].reason == "http_4xx"
    assert isinstance(replies[2], GenerationError) and replies[2].reason == "malformed"
    assert isinstance(replies[3], Completion) and replies[3].text.startswith("reply to: p3")
    assert client.usage().to_dict()["errors"] == {"http_4xx": 1, "malformed": 1}


def test_a_corrupt_cache_entry_is_reported_not_paid_again(
    fake_openai: FakeOpenAI, local: LocalStore
) -> None:
    client = client_for(fake_openai, local)
    digest = client.request_hash(ask("x"), GenerationParams())
    local.write_bytes(client.cache_key(digest), b"{not json")
    with pytest.raises(GenerationError) as caught:
        client.complete(ask("x"), GenerationParams())
    assert caught.value.reason == GenerationReason.CACHE_CORRUPT
    assert fake_openai.stats()["requests"] == 0


KEY = "sk-mhds-RECOGNISABLE-fake-key-0123456789"


def test_the_key_is_sent_but_never_shown(
    fake_openai: FakeOpenAI,
    local: LocalStore,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("MHDS_TEST_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    fake_openai.script([{"status": 429}, {}, {"status": 400}, {"body": "invalid_json"}])
    client = client_for(fake_openai, local, timeout=0.3, retries=1)
    errors: list[GenerationError] = []
    client.complete(ask("secret-prompt-text one"), GenerationParams())
    for text in ("secret-prompt-text two", "secret-prompt-text three"):
        with pytest.raises(GenerationError) as caught:
            client.complete(ask(text), GenerationParams())
        errors.append(caught.value)
    fake_openai.script(default={"delay": 1.0})
    with pytest.raises(GenerationError) as caught:
        client.complete(ask("secret-prompt-text four"), GenerationParams())
    errors.append(caught.value)
    assert fake_openai.stats()["authorization"] == [f"Bearer {KEY}"]
    assert [e.reason for e in errors] == ["http_4xx", "malformed", "timeout"]
    shown = [
        repr(client),
        repr(client.backend),
        str(client.backend.describe()),
        str(
            client.provenance(
                GenerationParams(),
                client.complete(ask("secret-prompt-text one"), GenerationParams()),
            )
        ),
        caplog.text,
        *(f"{e} {e!r} {e.context}" for e in errors),
    ]
    for text in shown:
        assert KEY not in text and "RECOGNISABLE" not in text
    assert "secret-prompt-text" not in caplog.text
    mhds_logs = [r for r in caplog.records if r.name.startswith("mhds.generate")]
    assert mhds_logs  # the retries and failures were logged (hashes and reasons only)


def test_no_key_in_the_environment_sends_a_placeholder(
    fake_openai: FakeOpenAI, local: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MHDS_TEST_KEY", raising=False)
    client_for(fake_openai, local).complete(ask("x"), GenerationParams())
    assert fake_openai.stats()["authorization"] == ["Bearer not-needed"]


def test_describe_and_endpoint_hold_no_credentials() -> None:
    backend = OpenAIBackend("https://user:pa55word@api.example.org/v1/?token=abc", "m")
    assert backend.endpoint == "https://api.example.org/v1"
    assert backend.describe() == {
        "backend": "openai",
        "kind": "openai",
        "base_url": "https://api.example.org/v1",
        "model": "m",
        "timeout": 60.0,
    }
    assert "pa55word" not in repr(backend)


def test_the_request_names_the_resolved_model(fake_openai: FakeOpenAI, local: LocalStore) -> None:
    client = client_for(fake_openai, local)
    default = client.complete(ask("x"), GenerationParams())
    other = client.complete(ask("x"), GenerationParams(model="other-model"))
    assert (default.model, other.model) == (f"served-{MODEL}", "served-other-model")
    assert default.request_hash == client.request_hash(ask("x"), GenerationParams(model=MODEL))
    assert default.request_hash != other.request_hash
