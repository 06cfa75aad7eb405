"""Persona sources through the ``openai`` backend (the scripted OpenAI-compatible server on
loopback, its own process) and the ``mhds persona`` commands: questions from the endpoint
with their request hashes, answers generated in the persona's voice and scored against its
profile, unusable replies left out with their reason, the cache on a rerun, the key kept out
of everything written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mhds.cli import app
from mhds.generate import GenerationClient, GenerationParams, OpenAIBackend
from mhds.persona.chats import CONDITIONED_PROMPT_VERSION, PersonaChatConfig
from mhds.persona.questions import QUESTION_PROMPT_VERSION
from mhds.persona.sources import make_persona_sources
from mhds.persona.style import profile_digest
from mhds.records import codec
from mhds.store.local import LocalStore
from tests.generate.conftest import fake_openai, fake_openai_process  # noqa: F401 - fixtures
from tests.generate.fake_openai import FakeOpenAI
from tests.persona.conftest import PREFIX, put_lectures

runner = CliRunner()
SECRET = "sk-test-persona-0123456789"
QUESTION = "How do I stop avoiding the things that scare me?"
ANSWER = (
    "So here's the thing. A lot of people feel this, and it makes sense. It's like a smoke "
    "alarm that goes off when you make toast, you know? Let's say you skip the party because "
    "your chest gets tight. The relief is real, but it teaches the alarm that the party was "
    "dangerous. So next time, we take one small step, and we notice that we are okay."
)


def test_questions_and_voiced_answers_come_from_the_endpoint(
    fake_openai: FakeOpenAI,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    put_lectures(store)
    # questions and answers alternate: one request each per chunk, in chunk order
    fake_openai.script(default={"text": QUESTION})
    backend = OpenAIBackend(fake_openai.base_url, "persona-model", api_key_env="NO_SUCH_KEY")
    client = GenerationClient(backend, store, retries=0)
    config = PersonaChatConfig(seed="e", holdout_share=0.3)
    run = make_persona_sources(store, PREFIX, config, client=client, params=GenerationParams())
    made = {key.split("/")[1]: key for key, _, _ in run.outputs}
    assert set(made) == {"voice_persona", "voice_persona_holdout"}
    first = codec.loads(store.read_bytes(made["voice_persona"]).splitlines()[0])
    assert first["messages"][0] == {"role": "user", "content": QUESTION}
    generator = first["generator"]
    assert generator["question_prompt_version"] == QUESTION_PROMPT_VERSION
    assert generator["question_request_hash"] and generator["model"] == "served-persona-model"
    asked = fake_openai.stats()["requests"]
    assert asked == sum(n for _, n, _ in run.outputs)

    fake_openai.script(default={"text": ANSWER})
    conditioned = make_persona_sources(
        store, PREFIX, config, client=client, params=GenerationParams(), conditioned=True
    )
    keys = {key.split("/")[1]: key for key, _, _ in conditioned.outputs}
    voiced = [
        codec.loads(line) for line in store.read_bytes(keys["voice_persona_generated"]).splitlines()
    ]
    assert voiced and all(v["conversation_kind"] == "persona_conditioned" for v in voiced)
    # the questions were cached by the first run: only the answers were asked for now
    assert fake_openai.stats()["requests"] == len(voiced)
    one = voiced[0]
    assert one["messages"][1] == {"role": "assistant", "content": ANSWER}
    assert one["generator"]["prompt_version"] == CONDITIONED_PROMPT_VERSION
    assert one["generator"]["request_hashes"] and profile_digest(one["generator"])
    assert 0 < one["style_distance"] < 0.6
    held = {
        codec.loads(x)["transcript_id"]
        for x in store.read_bytes(made["voice_persona_holdout"]).splitlines()
    }
    assert not {v["transcript_id"] for v in voiced} & held  # held out: never generated from


def test_an_unusable_question_is_left_out_and_listed(
    fake_openai: FakeOpenAI,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    put_lectures(store)
    fake_openai.script(steps=[{"text": "No question here."}], default={"text": QUESTION})
    client = GenerationClient(OpenAIBackend(fake_openai.base_url, "m"), store, retries=0)
    run = make_persona_sources(store, PREFIX, PersonaChatConfig(), client=client)
    assert [(reason) for _, reason, _ in run.left_out] == ["question_unusable"]
    assert run.left_out_key is not None
    listed = codec.loads(store.read_bytes(run.left_out_key).splitlines()[0])
    assert listed["reason"] == "question_unusable" and "#" in listed["chunk"]


def test_the_cli_writes_the_persona_sources_once_and_keeps_the_key_out(
    fake_openai: FakeOpenAI,  # noqa: F811 - the fixture
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    store = LocalStore(tmp_path / "store")
    put_lectures(store)
    monkeypatch.setenv("PERSONA_KEY", SECRET)
    fake_openai.script(default={"text": QUESTION})
    args = [
        "persona", "chats", "--prefix", PREFIX, "--backend", "openai",
        "--base-url", fake_openai.base_url, "--model", "m", "--api-key-env", "PERSONA_KEY",
        "--holdout-share", "0.3", "--dual-share", "0.3", "--store", str(store.root),
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "(Open Door Psychology): profile of" in text and "lines; wrote" in text
    assert f"Bearer {SECRET}" in fake_openai.stats()["authorization"]
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "already there (same bytes)" in again.output
    assert "cache hits" in again.output
    for path in store.root.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in result.output + again.output

    simulated = runner.invoke(app, ["persona", "simulator", "--store", str(store.root)])
    assert simulated.exit_code == 0, simulated.output
    assert "60 simulator chats; wrote" in " ".join(simulated.output.split())
    bad = runner.invoke(
        app,
        ["persona", "chats", "--prefix", PREFIX, "--backend", "gpt", "--store", str(store.root)],
    )
    assert bad.exit_code == 2 and "template or openai" in bad.output
    typo = runner.invoke(
        app,
        ["persona", "chats", "--prefix", PREFIX, "--holdout-persona", "open_door",
         "--store", str(store.root)],
    )  # fmt: skip
    assert typo.exit_code == 2 and "match no channel or persona id" in " ".join(typo.output.split())
