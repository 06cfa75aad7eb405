"""Training consumes a release: a tiny GPT-2 learns from shards read off the S3 server.

The release is published to the loopback S3 server and read back by URI alone (endpoint and
credentials from the environment, as a training job gets them). Tokenizer and model are built
from scratch, so nothing is downloaded; docs/training.md points here as the reference.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import msgspec
import pytest

from mhds.records.schema import Record, Split
from mhds.release import Manifest, ReleaseReader
from mhds.store import S3Settings, S3Store
from tests.cases import make_record
from tests.release.test_release_cases import RELEASES, publish

VERSION = "v2026-12-01"
PHASE = "stage1_foundation"
TRAIN_RECORDS = 120
VAL_RECORDS = 20
SPECIAL_TOKENS = ("<|endoftext|>", "<|user|>", "<|assistant|>")
VOCAB_SIZE = 500
BLOCK = 64
BATCH = 8
STEPS = 40
SEED = 1234

FEELINGS = ("anxious", "tired", "overwhelmed", "lonely", "stressed", "sad", "restless")
SITUATIONS = (
    "before exams",
    "at work",
    "after arguments with my partner",
    "when I try to sleep",
    "on Sunday evenings",
    "in crowded places",
)
STEPS_OFFERED = (
    "notice what happens in your body first",
    "write down the thought that comes just before",
    "try slow breathing for two minutes",
    "name one small thing you can control today",
    "talk with someone you trust about it",
)


def conversation(n: int) -> tuple[str, str, str, str]:
    """A short, deterministic two-exchange conversation (user, assistant, user, assistant)."""
    feeling = FEELINGS[n % len(FEELINGS)]
    situation = SITUATIONS[(n // len(FEELINGS)) % len(SITUATIONS)]
    step = STEPS_OFFERED[n % len(STEPS_OFFERED)]
    return (
        f"I feel {feeling} {situation}. What can I do?",
        f"It makes sense to feel {feeling} {situation}. Let us {step}.",
        f"Okay, I will {step}. Will that help?",
        f"It often helps. If you still feel {feeling}, we can look at it together.",
    )


def synthetic_record(n: int, split: Split) -> Record:
    """A scrubbed record in ``split``; therapy and reasoning alternate (both in PHASE)."""
    family = "therapy" if n % 3 else "reasoning"
    record = make_record(
        *conversation(n),
        family=family,
        source_id=f"{family}-synthetic",
        record_id=f"{family}-{split}-{n:04d}",
    )
    meta = msgspec.structs.replace(record.metadata, split=split, pii_status="scrubbed")
    return msgspec.structs.replace(record, metadata=meta)


@pytest.fixture()
def release_uri(
    s3_store: S3Store, s3_settings: S3Settings, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Manifest]:
    """Publish 120 train and 20 val conversations to the S3 server; yield (URI, manifest).

    The endpoint goes into the environment (the fake credentials already are), so a reader
    opened with the URI alone reaches the server, as a training job would.
    """
    train = [synthetic_record(n, "train") for n in range(TRAIN_RECORDS)]
    val = [synthetic_record(TRAIN_RECORDS + n, "val") for n in range(VAL_RECORDS)]
    records = sorted(train, key=lambda r: (r.metadata.family, r.metadata.id)) + sorted(
        val, key=lambda r: (r.metadata.family, r.metadata.id)
    )
    manifest = publish(s3_store, VERSION, records, max_shard_records=50)
    assert s3_settings.endpoint_url is not None
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_settings.endpoint_url)
    return s3_store.url_for(RELEASES + VERSION), manifest


def go_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forbid Hub downloads until the test ends.

    Called after the libraries are imported: they read these variables once, at import, so
    setting them earlier would leave offline mode on for later tests. huggingface_hub's own
    flag is patched too (transformers asks it on every download).
    """
    hub_constants = pytest.importorskip("huggingface_hub.constants")
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)


def render(record: Record) -> str:
    """The chat template the smoke model is trained on."""
    return "".join(f"<|{m.role}|> {m.content}\n" for m in record.messages)


@pytest.mark.slow
@pytest.mark.s3
def test_a_tiny_gpt2_learns_from_the_release_on_s3(
    release_uri: tuple[str, Manifest], monkeypatch: pytest.MonkeyPatch
) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    go_offline(monkeypatch)
    uri, manifest = release_uri

    reader = ReleaseReader(uri)
    records = list(reader.iter_split("train"))
    assert len(records) == manifest.total_records("train") == TRAIN_RECORDS
    # The curriculum phase covers both families: same records, in seeded mixing order.
    mixed = list(reader.iter_phase(PHASE, seed=SEED))
    assert sorted(r.metadata.id for r in mixed) == sorted(r.metadata.id for r in records)
    texts = [render(r) for r in mixed]

    tokenizer = tokenizers.ByteLevelBPETokenizer()
    tokenizer.train_from_iterator(
        iter(texts), vocab_size=VOCAB_SIZE, min_frequency=2, special_tokens=list(SPECIAL_TOKENS)
    )
    eos = tokenizer.token_to_id("<|endoftext|>")
    assert tokenizer.get_vocab_size() <= VOCAB_SIZE
    assert tokenizer.encode("<|user|>").ids == [tokenizer.token_to_id("<|user|>")]
    ids = list(itertools.chain.from_iterable(e.ids + [eos] for e in tokenizer.encode_batch(texts)))
    blocks = torch.tensor(ids[: len(ids) // BLOCK * BLOCK]).view(-1, BLOCK)
    assert blocks.shape[0] >= 2 * BATCH

    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        losses = train_tiny_gpt2(torch, transformers, blocks, tokenizer.get_vocab_size(), eos)
    finally:
        torch.set_num_threads(threads)
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert all(math.isfinite(loss) for loss in losses)
    assert last < 0.8 * first, f"loss did not go down: first {first:.3f}, last {last:.3f}"


def train_tiny_gpt2(
    torch: Any, transformers: Any, blocks: Any, vocab_size: int, eos: int
) -> list[float]:
    """Train a 2-layer GPT-2 built from a config for STEPS AdamW steps; return the losses."""
    torch.manual_seed(SEED)
    config = transformers.GPT2Config(
        vocab_size=vocab_size,
        n_positions=128,
        n_embd=64,
        n_layer=2,
        n_head=2,
        bos_token_id=eos,
        eos_token_id=eos,
    )
    model = transformers.GPT2LMHeadModel(config)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(SEED)
    losses: list[float] = []
    for _ in range(STEPS):
        batch = blocks[torch.randint(0, blocks.shape[0], (BATCH,), generator=generator)]
        loss = model(input_ids=batch, labels=batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    return losses


@pytest.mark.s3
def test_release_shards_load_with_datasets_from_s3(
    release_uri: tuple[str, Manifest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    datasets = pytest.importorskip("datasets")
    pytest.importorskip("s3fs")
    go_offline(monkeypatch)
    # The Hub stays off (huggingface_hub's flag), but datasets' own offline flag must not be
    # on: it refuses every remote fsspec URL, s3:// included ("Offline mode is enabled. Tried
    # to reach s3://..."), so HF_DATASETS_OFFLINE=1 cannot be used to load a release.
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    uri, manifest = release_uri
    reader = ReleaseReader(uri)
    files = reader.data_files("train")
    assert files and all(f.startswith("s3://") for f in files)

    loaded = datasets.load_dataset(
        "json",
        data_files=files,
        storage_options=reader.storage_options(),
        split="train",
        cache_dir=str(tmp_path / "hf"),
    )
    assert loaded.num_rows == manifest.total_records("train") == TRAIN_RECORDS
    assert "messages" in loaded.column_names
    # Rows keep manifest order: the same records, in the same order, as the reader yields.
    first = next(reader.iter_split("train"))
    assert loaded[0]["messages"] == [{"role": m.role, "content": m.content} for m in first.messages]
    assert loaded[0]["metadata"]["id"] == first.metadata.id
