"""Crisis chats through the ``openai`` backend, against the scripted OpenAI-compatible server
on loopback (its own process): what the model writes and what the templates write, the
provenance of every chat, the cache on a rerun, failures left out with their reason, and the
key kept out of everything written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mhds.cli import app
from mhds.crisis.chat_templates import load_chat_templates
from mhds.crisis.chats import plan_chat
from mhds.crisis.judge import JUDGE_PROMPT_VERSION, judge_chat, parse_judgement
from mhds.crisis.library import load_library
from mhds.crisis.model_chats import PROMPT_VERSION, ModelComposer, model_chat, request_seed
from mhds.crisis.scenarios import expand_scenarios
from mhds.crisis.sources import chat_source, is_holdout, judged_maker, template_maker
from mhds.generate import GenerationClient, GenerationParams, OpenAIBackend
from mhds.records import codec
from mhds.store.local import LocalStore
from tests.generate.fake_openai import FakeOpenAI

runner = CliRunner()
SECRET = "sk-test-0123456789abcdef"


@pytest.fixture(scope="module")
def library():  # type: ignore[no-untyped-def]
    return load_library()


@pytest.fixture(scope="module")
def templates(library):  # type: ignore[no-untyped-def]
    return load_chat_templates(library=library)


def cli_store(tmp_path: Path, seed: str, *categories: str) -> tuple[LocalStore, list[str], str]:
    """A store with one scenario per category (all: none named) from ``mhds generate
    scenarios``; returns it, the ``--store`` option and the scenarios key."""
    store = LocalStore(tmp_path / "store")
    store.root.mkdir()
    base = ["--store", str(store.root)]
    key = f"raw/crisis_scenarios/{seed}.jsonl"
    chosen = [arg for category in categories for arg in ("--category", category)]
    args = ["generate", "scenarios", "--seed", seed, "--per-category", "1", *chosen]
    made = runner.invoke(app, [*args, "--out", key, *base])
    assert made.exit_code == 0, made.output
    return store, base, key


def make_client(server: FakeOpenAI, store: LocalStore, **options: float) -> GenerationClient:
    backend = OpenAIBackend(server.base_url, "fake-model", timeout=5)
    return GenerationClient(backend, store, backoff=0.0, backoff_max=0.0, **options)  # type: ignore[arg-type]


def test_the_model_writes_the_counsellor_and_the_templates_the_client(
    fake_openai: FakeOpenAI, tmp_path: Path, library, templates
) -> None:  # type: ignore[no-untyped-def]
    [scenario] = expand_scenarios(
        library, seed="m", per_category=1, categories=["suicidal_ideation_method"]
    )
    client = make_client(fake_openai, LocalStore(tmp_path))
    messages, generator = model_chat(
        scenario, client, GenerationParams(max_tokens=64), library, templates, seed="m"
    )
    assert [role for role, _ in messages] == ["user", "assistant"] * (scenario.turns // 2)
    assert messages[0][1] == scenario.opening  # the scenario fixes the risk signal
    therapist = [text for role, text in messages if role == "assistant"]
    # the fake answers "reply to: <last message>": each reply answers the client's turn before
    assert all(text.startswith("reply to: ") for text in therapist)
    assert therapist[0].startswith(f"reply to: {scenario.opening}")
    assert fake_openai.stats()["requests"] == len(therapist)
    assert generator["prompt_version"] == PROMPT_VERSION
    # the model that answered (the fake serves "served-<asked>"), and the one asked for
    assert generator["model"] == "served-fake-model"
    assert generator["parameters"]["model"] == "fake-model"
    assert generator["backend"]["kind"] == "openai"
    assert generator["backend"]["base_url"] == fake_openai.base_url
    assert len(generator["request_hashes"]) == len(therapist)
    assert generator["usage"]["completion_tokens"] > 0
    assert "seed" not in generator["parameters"]  # one per turn, from request_seed

    # a rerun asks nothing: every turn is in the store's cache
    fake_openai.script()
    again, again_generator = model_chat(
        scenario, client, GenerationParams(max_tokens=64), library, templates, seed="m"
    )
    assert again == messages and fake_openai.stats()["requests"] == 0
    assert again_generator == generator  # the same provenance: the same line on a rerun
    assert client.usage().cache_hits == len(therapist)


def test_prompts_carry_the_turns_duties_resources_and_never_list(
    tmp_path: Path, fake_openai: FakeOpenAI, library, templates
) -> None:  # type: ignore[no-untyped-def]
    [scenario] = expand_scenarios(
        library, seed="p", per_category=1, categories=["suicidal_ideation_method"]
    )
    client = make_client(fake_openai, LocalStore(tmp_path))
    composer = ModelComposer(
        client, GenerationParams(), library, templates, assistant_role="therapist", seed="p"
    )
    plan = plan_chat(scenario, templates)
    closing = plan[-1]
    assert closing.speaker == "therapist" and "provide_crisis_resources" in closing.elements
    history = [("user", scenario.opening), ("assistant", "first reply"), ("user", "later")]
    prompt = composer.prompt(scenario, history[: closing.index], closing)
    system = prompt[0].content
    assert prompt[0].role == "system"
    for resource in scenario.resources:
        assert f"{resource.name}: {resource.contact}" in system
    assert library.element("method_or_lethality_detail").description.rstrip(".").lower() in system
    assert [m.role for m in prompt[1:]] == ["user", "assistant", "user"][: closing.index]
    # each turn has its own seed, the same on every run
    seeds = {request_seed("p", scenario, spec) for spec in plan}
    assert len(seeds) == len(plan) and request_seed("p", scenario, plan[0]) == request_seed(
        "p", scenario, plan[0]
    )


def test_client_framing_the_model_plays_the_client_after_its_opening(
    fake_openai: FakeOpenAI, tmp_path: Path, library, templates
) -> None:  # type: ignore[no-untyped-def]
    [scenario] = expand_scenarios(library, seed="c", per_category=1, categories=["self_harm"])
    client = make_client(fake_openai, LocalStore(tmp_path))
    messages, generator = model_chat(
        scenario, client, GenerationParams(), library, templates, assistant_role="client"
    )
    roles = [role for role, _ in messages]
    assert roles[0] == "system" and roles[1] == "user"
    clients = [text for role, text in messages if role == "assistant"]
    assert clients[0] == scenario.opening
    assert all(text.startswith("reply to: ") for text in clients[1:])
    assert generator["assistant_role"] == "client"
    assert len(generator["request_hashes"]) == len(clients) - 1


def test_a_failed_request_leaves_the_scenario_out_never_half_a_chat(
    fake_openai: FakeOpenAI, tmp_path: Path, library, templates
) -> None:  # type: ignore[no-untyped-def]
    scenarios = expand_scenarios(
        library, seed="f", per_category=1, categories=["self_harm", "mania"]
    )
    # one worker: the first request is the first scenario's first counsellor turn
    fake_openai.script([{"status": 400}])
    client = make_client(fake_openai, LocalStore(tmp_path), retries=0)

    def make(scenario):  # type: ignore[no-untyped-def]
        return model_chat(scenario, client, GenerationParams(), library, templates)

    source = chat_source(scenarios, make)
    assert len(source.lines) == 1
    [(scenario_id, reason, detail)] = source.left_out
    assert scenario_id == scenarios[0].scenario_id
    assert reason == "generation:http_4xx" and detail == "after 1 attempt(s)"
    assert scenarios[0].scenario_id.encode() not in source.data()


def test_cli_openai_backend_end_to_end(
    fake_openai: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MHDS_TEST_KEY", SECRET)
    store, base, scenarios = cli_store(tmp_path, "s")
    fake_openai.script(default={"delay": 0.05})  # slow enough for chats to overlap
    args = [
        "generate",
        "chats",
        "--scenarios",
        scenarios,
        "--backend",
        "openai",
        "--base-url",
        fake_openai.base_url,
        "--model",
        "fake-model",
        "--api-key-env",
        "MHDS_TEST_KEY",
        "--concurrency",
        "3",
        "--holdout-share",
        "0.2",
        *base,
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    stats = fake_openai.stats()
    assert stats["authorization"] == [f"Bearer {SECRET}"] and stats["max_in_flight"] == 3
    main = store.root / "raw/crisis_chats/s-therapist.jsonl"
    holdout = store.root / "raw/crisis_holdout/s-therapist.jsonl"
    lines = [codec.loads(x) for x in main.read_bytes().splitlines()]
    held = [codec.loads(x) for x in holdout.read_bytes().splitlines()]
    assert len(lines) + len(held) == 19 and held
    assert {x["group_id"] for x in lines}.isdisjoint({x["group_id"] for x in held})
    assert all(is_holdout(x["group_id"], 0.2) for x in held)
    turns = sum(len(x["generator"]["request_hashes"]) for x in lines + held)
    assert stats["requests"] == turns
    assert f"requests {turns} (retries 0), cache hits 0" in " ".join(result.output.split())
    # the key is in no file of the store and in no output
    assert SECRET not in result.output
    for path in store.root.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path

    # a rerun pays nothing: every reply is cached, and the same bytes are already there
    fake_openai.script()
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert fake_openai.stats()["requests"] == 0
    assert "already there (same bytes)" in again.output and f"cache hits {turns}" in again.output


def test_cli_openai_failures_are_listed_in_quarantine(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    store, base, scenarios = cli_store(tmp_path, "q", "mania")
    fake_openai.script(default={"status": 503})
    args = ["generate", "chats", "--scenarios", scenarios, "--backend", "openai"]
    args += ["--base-url", fake_openai.base_url, "--model", "m", "--retries", "1", *base]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert "no chat could be made" in output and "generation:retries_exhausted" in output
    [entry] = [
        codec.loads(x)
        for x in (store.root / "quarantine/generate/q-therapist.jsonl").read_bytes().splitlines()
    ]
    assert entry["reason"] == "generation:retries_exhausted"
    assert not (store.root / "raw/crisis_chats/q-therapist.jsonl").exists()
    # the server recovers: the rerun makes every chat and drops the stale list
    fake_openai.script()
    recovered = runner.invoke(app, args)
    assert recovered.exit_code == 0, recovered.output
    assert (store.root / "raw/crisis_chats/q-therapist.jsonl").exists()
    assert not (store.root / "quarantine/generate/q-therapist.jsonl").exists()
    missing = runner.invoke(
        app, ["generate", "chats", "--scenarios", scenarios, "--backend", "openai", *base]
    )
    assert missing.exit_code == 2 and "needs --base-url and --model" in missing.output


def test_judge_replies_are_parsed_strictly() -> None:
    known = {"minimising", "provide_crisis_resources"}
    assert parse_judgement('{"verdict": "pass", "rules": []}', known) == ("pass", [])
    text = 'Sure. {"verdict": "FAIL", "rules": ["minimising", "made_up", 3]} done'
    assert parse_judgement(text, known) == ("fail", ["minimising"])
    for reply in ("PASS", '{"verdict": "maybe"}', "{not json}", '["pass"]', ""):
        assert parse_judgement(reply, known) == ("unparsed", [])


def test_the_judge_verdict_is_recorded_beside_the_rules(
    fake_openai: FakeOpenAI, tmp_path: Path, library, templates
) -> None:  # type: ignore[no-untyped-def]
    [scenario] = expand_scenarios(library, seed="j", per_category=1, categories=["mania"])
    client = make_client(fake_openai, LocalStore(tmp_path))
    messages, _ = model_chat(scenario, client, GenerationParams(), library, templates)
    fake_openai.script()
    judged = judge_chat(client, library, scenario, messages)
    # the fake does not answer JSON: unparsed, never a pass
    assert judged["verdict"] == "unparsed" and judged["rules"] == []
    assert judged["prompt_version"] == JUDGE_PROMPT_VERSION
    assert judged["model"] == "served-fake-model" and len(judged["request_hash"]) == 64
    assert fake_openai.stats()["requests"] == 1


def test_a_judge_that_fails_is_recorded_and_the_chat_kept(
    fake_openai: FakeOpenAI, tmp_path: Path, library, templates
) -> None:  # type: ignore[no-untyped-def]
    [scenario] = expand_scenarios(library, seed="e", per_category=1, categories=["mania"])
    fake_openai.script(default={"status": 503})
    client = make_client(fake_openai, LocalStore(tmp_path), retries=0)
    make = judged_maker(template_maker(templates, seed="e"), client, library)
    messages, generator = make(scenario)
    assert messages == template_maker(templates, seed="e")(scenario)[0]
    assert generator["judge"] == {"verdict": "error", "reason": "generation:retries_exhausted"}
    assert generator["backend"] == "template"


def test_cli_template_chats_judged_by_the_endpoint(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    store, base, scenarios = cli_store(tmp_path, "j", "mania", "self_harm")
    result = runner.invoke(
        app,
        ["generate", "chats", "--scenarios", scenarios, "--judge", "--holdout-share", "0",
         "--base-url", fake_openai.base_url, "--model", "judge-model", *base],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [
        codec.loads(x)
        for x in (store.root / "raw/crisis_chats/j-therapist.jsonl").read_bytes().splitlines()
    ]
    assert len(lines) == 2 and fake_openai.stats()["requests"] == 2  # one judgement per chat
    for line in lines:
        assert line["generator"]["backend"] == "template"  # the chat is templates
        assert line["generator"]["judge"]["verdict"] == line["judge_verdict"] == "unparsed"


def test_a_failed_judgement_is_recorded_and_the_chat_kept(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    store, base, scenarios = cli_store(tmp_path, "e", "mania")
    fake_openai.script(default={"status": 400})
    result = runner.invoke(
        app,
        ["generate", "chats", "--scenarios", scenarios, "--judge", "--holdout-share", "0",
         "--base-url", fake_openai.base_url, "--model", "judge-model", *base],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [line] = [
        codec.loads(x)
        for x in (store.root / "raw/crisis_chats/e-therapist.jsonl").read_bytes().splitlines()
    ]
    assert line["judge_verdict"] == "error"
    assert line["generator"]["judge"] == {"verdict": "error", "reason": "generation:http_4xx"}
