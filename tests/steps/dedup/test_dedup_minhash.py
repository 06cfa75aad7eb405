"""The hashing core: the stable spec (golden values), normalisation, shingles, signatures."""

from __future__ import annotations

import random
from functools import partial

import numpy as np
import pytest
import xxhash
from pydantic import ValidationError

from mhds.records.schema import Message, Record
from mhds.steps.dedup import DedupConfig, _kernels, band_keys, estimate_jaccard, exact_jaccard
from mhds.steps.dedup.minhash import (
    EMPTY_VALUE,
    HASH_SPEC,
    normalise_content,
    normalise_text,
    permutations,
    shingles,
    signatures,
)
from tests.cases import make_record
from tests.steps.dedup.dedup_cases import edit_tokens, random_conversation

U32 = partial(np.zeros, dtype=np.uint32)
U64 = partial(np.zeros, dtype=np.uint64)
I64 = partial(np.zeros, dtype=np.int64)
GOLDEN_TEXT = "I have been feeling anxious about work, and I cannot sleep at night."
MASK = (1 << 64) - 1


def test_golden_values_pin_the_hashing_spec() -> None:
    # A change here breaks comparison with earlier releases: bump HASH_SPEC, never the values.
    text = normalise_content(GOLDEN_TEXT)
    assert HASH_SPEC == "mhds-minhash-v1"
    assert text == "i have been feeling anxious about work and i cannot sleep at night"
    assert shingles(text, 5)[:2].tolist() == [1737224994, 2981051145]
    assert signatures([text])[0][:4].tolist() == [141181247, 747827227, 728378177, 777811094]
    a, b = permutations(128, 1)
    assert (int(a[0]), int(b[0])) == (7529729544275296250, 2595809530707987874)
    keys = band_keys(signatures([text]), 32, 4)[0][:2].tolist()
    assert keys == [13532797210867466466, 16691683464505552009]


def _reference_signature(text: str, k: int, num_perm: int, seed: int) -> list[int]:
    """The spec of minhash.py written out in plain Python integers."""

    def fmix(x: int) -> int:
        x ^= x >> 33
        x = (x * 0xFF51AFD7ED558CCD) & MASK
        x ^= x >> 33
        x = (x * 0xC4CEB9FE1A85EC53) & MASK
        return x ^ (x >> 33)

    words = [xxhash.xxh32_intdigest(w) for w in text.encode("utf-8").split()]
    windows = [words[i : i + k] for i in range(len(words) - k + 1)] if len(words) >= k else [words]
    values = []
    for window in windows if words else []:
        acc = 0
        for word in window:
            acc = (acc * 0x9E3779B97F4A7C15 + word) & MASK
        values.append(fmix(acc) >> 32)
    out = []
    for j in range(num_perm):
        a = xxhash.xxh64_intdigest(b"mhds-minhash-a" + j.to_bytes(4, "little"), seed=seed)
        b = xxhash.xxh64_intdigest(b"mhds-minhash-b" + j.to_bytes(4, "little"), seed=seed)
        out.append(min(((a * v + b) & MASK) for v in values) >> 32 if values else 0xFFFFFFFF)
    return out


# Words of every length XXH32 treats apart (tails of 1-3 bytes, 4-byte lanes, 16-byte
# stripes), non-ASCII UTF-8, and every ASCII whitespace byte between words.
_WORDS = ["a", "b", "c", "d", "e", "f", "anxious", "sleep", "déjà", "über", "日本語", "😀"]
_WORDS += ["x" * 16, "counterproductive", "psychopharmacology-and-sleep-hygiene", "y" * 33]
_GAPS = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c"]


@pytest.mark.parametrize(("k", "num_perm"), [(1, 8), (3, 13), (5, 8), (5, 128)])
def test_compiled_batch_equals_the_written_spec(k: int, num_perm: int) -> None:
    rng = random.Random(k * 1000 + num_perm)
    texts = [
        "".join(rng.choice(_WORDS) + rng.choice(_GAPS) for _ in range(rng.randrange(12)))
        for _ in range(80)
    ]
    texts.append(" ".join(f"w{rng.randrange(500)}" for _ in range(20000)))
    got = signatures(texts, num_perm=num_perm, shingle_size=k, seed=7)
    for text, row in zip(texts, got, strict=True):
        assert row.tolist() == _reference_signature(text, k, num_perm, 7)


def i64(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


K = _kernels
# word_hashes(text, offsets, words, counts), shingle_values(words, counts, offsets, k, out) and
# minhash(values, offsets, a, b, out), each given buffers that disagree in one way.
DISAGREE = {
    "short of the text": (lambda: K.word_hashes(b"a b", i64(0, 2), U64(2), I64(1)), "0 to 3"),
    "offsets decrease": (lambda: K.word_hashes(b"a b", i64(0, 3, 1, 3), U64(3), I64(3)), "decr"),
    "too few words": (lambda: K.word_hashes(b"a b c d", i64(0, 7), U64(3), I64(1)), "small"),
    "counts per doc": (lambda: K.word_hashes(b"ab", i64(0, 2), U64(2), I64(2)), "per document"),
    "bytes for words": (lambda: K.word_hashes(b"ab", i64(0, 2), U32(3), I64(1)), "whole"),
    "windows": (lambda: K.shingle_values(U64(3), i64(3), i64(0, 1), 2, U32(1)), "agree"),
    "word total": (lambda: K.shingle_values(U64(3), i64(4), i64(0, 3), 2, U32(3)), "agree"),
    "k of 0": (lambda: K.shingle_values(U64(3), i64(3), i64(0, 1), 0, U32(1)), "agree"),
    "out size": (lambda: K.shingle_values(U64(3), i64(3), i64(0, 2), 2, U32(9)), "0 to 9"),
    "offsets past": (lambda: K.minhash(U32(4), i64(0, 5), U64(2), U64(2), U32(2)), "0 to 4"),
    "offsets fall": (lambda: K.minhash(U32(4), i64(0, 3, 2, 4), U64(2), U64(2), U32(6)), "decr"),
    "a and b": (lambda: K.minhash(U32(4), i64(0, 4), U64(2), U64(3), U32(2)), "permutation"),
    "signature size": (lambda: K.minhash(U32(4), i64(0, 4), U64(2), U64(2), U32(3)), "permut"),
}


@pytest.mark.parametrize("case", DISAGREE)
def test_compiled_loops_refuse_buffers_that_disagree(case: str) -> None:
    # The C loops trust nothing they are given: a size or offset that would read or write out
    # of bounds is a ValueError before any element is touched.
    call, message = DISAGREE[case]
    with pytest.raises(ValueError, match=message):
        call()


def test_normalise_text_keeps_user_and_assistant_only() -> None:
    record = Record(
        messages=(
            Message(role="system", content="You are a kind counsellor."),
            Message(role="user", content="I can't  SLEEP…\n\tＷhy?"),
            Message(role="assistant", content="Let's talk_about it: ﬁrst, breathe."),
        ),
        metadata=make_record("x", "y").metadata,
    )
    assert normalise_text(record) == "i cant sleep why lets talkabout it first breathe"


def test_shingles_of_short_and_empty_texts() -> None:
    assert len(shingles("one two three four five six", 5)) == 2
    assert len(shingles("just three words", 5)) == 1
    assert len(shingles("", 5)) == 0
    assert shingles("a b", 5).tolist() != shingles("b a", 5).tolist()
    assert signatures([""])[0].tolist() == [int(EMPTY_VALUE)] * 128


def test_identical_texts_estimate_one() -> None:
    text = " ".join(random_conversation(random.Random(1)))
    sig = signatures([text, text])
    assert estimate_jaccard(sig[0], sig[1]) == 1.0


def test_a_three_percent_edit_is_found_and_an_unrelated_text_is_not() -> None:
    config = DedupConfig()
    rng = random.Random(3)
    original = random_conversation(rng, words=50)
    edited = edit_tokens(original, 0.03, seed=3)
    other = random_conversation(rng, words=50)
    texts = [normalise_content("\n".join(c)) for c in (original, edited, other)]
    sig = signatures(texts)
    keys = band_keys(sig, config.bands, config.rows)
    assert estimate_jaccard(sig[0], sig[1]) >= config.threshold
    assert (keys[0] == keys[1]).any()  # shares a band: becomes a candidate
    assert estimate_jaccard(sig[0], sig[2]) < 0.1
    assert not (keys[0] == keys[2]).any()


def test_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(5)
    original = " ".join(random_conversation(rng, words=60))
    edited = " ".join(edit_tokens((original,), 0.08, seed=5))
    truth = exact_jaccard(shingles(original, 5), shingles(edited, 5))
    sig = signatures([original, edited])
    assert 0.3 < truth < 0.7
    assert abs(float(estimate_jaccard(sig[0], sig[1])) - truth) < 0.15


def test_config_validates_banding_and_describes_every_field() -> None:
    with pytest.raises(ValidationError, match="bands \\* rows"):
        DedupConfig(bands=16, rows=4)
    config = DedupConfig()
    assert config.candidate_probability(0.6) > 0.98
    assert config.candidate_probability(0.2) < 0.06
    assert all(f.description for f in DedupConfig.model_fields.values())
    with pytest.raises(ValidationError):
        DedupConfig(unknown=1)  # type: ignore[call-arg]


def test_band_keys_differ_per_band_for_equal_values() -> None:
    sig = np.zeros((1, 8), dtype=np.uint32)
    keys = band_keys(sig, 4, 2)
    assert len(set(keys[0].tolist())) == 4
