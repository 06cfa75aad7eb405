"""A speaker's style profile from cleaned lecture transcripts: deterministic, versioned JSON.

``build_profile`` measures, over the transcripts' sentences (``clean_transcript`` removed
tool output first, so banners and ids are never counted):
- ``sentence_starters``: the first two words of each sentence;
- ``markers``: transition, empathy, normalising and analogy phrases (``style-markers-v1.yaml``);
- ``function_words``: the rate per 1,000 words of each function word, the stylometric
  baseline that changes little with topic and much with voice;
- ``sentence_lengths``: words per sentence (count, mean, quantiles, a histogram);
- ``vocabulary``: the type-token ratio and its moving average over windows of 100 words
  (MATTR, which does not fall with length as the plain ratio does);
- ``ngrams``: the most frequent word bigrams and trigrams that are not only function words.

Every counted item says how many transcripts it occurs in and names the first of them (keys
sorted). Ties break by the item's text and every list is sorted, so the same transcripts give
the same bytes in any order.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from importlib.resources import files
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from mhds.crisis.library import parse_yaml_model
from mhds.errors import ConfigError
from mhds.records.codec import canonical_json

_M = TypeVar("_M", bound=BaseModel)
PROFILE_VERSION: Final = 1
MARKERS_FILE: Final = "style-markers-v1.yaml"
TOP: Final = 25  # items listed per ranking
SOURCES_SHOWN: Final = 3  # transcripts named per item
MATTR_WINDOW: Final = 100
QUANTILES: Final = (10, 25, 50, 75, 90)
BINS: Final = ((1, 5), (6, 10), (11, 20), (21, 30), (31, 50), (51, None))
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


class StyleMarkers(BaseModel):
    """The phrases and words a profile counts (``data/style-markers-v1.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    transitions: tuple[str, ...]
    empathy: tuple[str, ...]
    normalising: tuple[str, ...]
    analogy: tuple[str, ...]
    function_words: tuple[str, ...]

    def categories(self) -> dict[str, tuple[str, ...]]:
        """The phrase lists by name."""
        return {
            "transitions": self.transitions,
            "empathy": self.empathy,
            "normalising": self.normalising,
            "analogy": self.analogy,
        }


def load_data_model(name: str, model: type[_M]) -> _M:
    """The packaged data file ``mhds/persona/data/<name>`` (YAML) validated into ``model``.

    Raises:
        ConfigError: the file is unreadable or invalid (naming the file and the field).
    """
    source = f"mhds/persona/data/{name}"
    try:
        text = files("mhds.persona").joinpath("data").joinpath(name).read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read: {type(exc).__name__}", source=source) from exc
    return parse_yaml_model(text, model, source=source)


def load_markers() -> StyleMarkers:
    """The packaged markers (ConfigError naming the field when invalid)."""
    return load_data_model(MARKERS_FILE, StyleMarkers)


def build_profile(
    transcripts: Mapping[str, Sequence[str]], markers: StyleMarkers | None = None
) -> dict[str, Any]:
    """The profile of ``transcripts`` (key -> cleaned paragraphs); see the module docstring."""
    markers = markers or load_markers()
    function_words = frozenset(markers.function_words)
    keys = sorted(transcripts)
    sentences: dict[str, list[list[str]]] = {
        key: [words for p in transcripts[key] for words in sentences_of(p)] for key in keys
    }
    tokens = [w for key in keys for sentence in sentences[key] for w in sentence]
    starters: dict[str, Counter[str]] = defaultdict(Counter)
    grams: dict[str, Counter[str]] = defaultdict(Counter)
    for key in keys:
        for sentence in sentences[key]:
            starters[" ".join(sentence[:2])][key] += 1
            for n in (2, 3):
                for i in range(len(sentence) - n + 1):
                    gram = sentence[i : i + n]
                    if not all(w in function_words for w in gram):
                        grams[" ".join(gram)][key] += 1
    lengths = sorted(len(s) for key in keys for s in sentences[key])
    return {
        "profile_version": PROFILE_VERSION,
        "markers_version": markers.version,
        "inputs": {
            "transcripts": [{"key": key, "sha256": _digest(transcripts[key])} for key in keys],
            "paragraphs": sum(len(transcripts[key]) for key in keys),
            "sentences": len(lengths),
            "words": len(tokens),
        },
        "sentence_starters": _ranked(starters, TOP),
        "markers": {
            name: _markers(phrases, sentences, keys)
            for name, phrases in markers.categories().items()
        },
        "function_words": _rates(tokens, markers.function_words),
        "sentence_lengths": _lengths(lengths),
        "vocabulary": _vocabulary(tokens),
        "ngrams": {
            "bigrams": _ranked({g: c for g, c in grams.items() if g.count(" ") == 1}, TOP),
            "trigrams": _ranked({g: c for g, c in grams.items() if g.count(" ") == 2}, TOP),
        },
    }


def profile_bytes(profile: Mapping[str, Any]) -> bytes:
    """The profile as canonical JSON (sorted keys): what is written and hashed."""
    return canonical_json(profile)


def words_of(text: str) -> list[str]:
    """The profile's words: lower-case letter runs, with an apostrophe inside (it's)."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def sentences_of(text: str) -> list[list[str]]:
    """The words of each sentence of ``text`` (sentences end at '.', '!' or '?')."""
    return [words for s in _SENTENCE.split(text) if (words := words_of(s))]


def marker_count(phrase: str, sentences: Sequence[Sequence[str]]) -> int:
    """How often ``phrase`` occurs, on word boundaries, inside the sentences."""
    target = words_of(phrase)
    return sum(
        list(sentence[i : i + len(target)]) == target
        for sentence in sentences
        for i in range(len(sentence) - len(target) + 1)
    )


def _digest(paragraphs: Sequence[str]) -> str:
    return "sha256:" + hashlib.sha256("\n\n".join(paragraphs).encode()).hexdigest()


def _ranked(counts: Mapping[str, Counter[str]], top: int) -> list[dict[str, Any]]:
    """The ``top`` items by count (then text), each with its transcripts."""
    order = sorted(counts.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return [_item(text, by_key) for text, by_key in order[:top]]


def _item(text: str, by_key: Counter[str]) -> dict[str, Any]:
    keys = sorted(k for k, n in by_key.items() if n)
    return {
        "text": text,
        "count": sum(by_key.values()),
        "transcripts": len(keys),
        "examples": keys[:SOURCES_SHOWN],
    }


def _markers(
    phrases: Sequence[str], sentences: Mapping[str, list[list[str]]], keys: Sequence[str]
) -> list[dict[str, Any]]:
    """Each phrase's count (word-boundary matches), by transcript; phrases never said are
    listed with 0, so two profiles always have the same items."""
    found: list[dict[str, Any]] = []
    for phrase in sorted(set(phrases)):
        by_key = Counter({key: marker_count(phrase, sentences[key]) for key in keys})
        found.append(_item(phrase, by_key))
    return found


def _rates(tokens: Sequence[str], words: Sequence[str]) -> dict[str, float]:
    counts = Counter(tokens)
    total = len(tokens)
    return {w: round(1000 * counts[w] / total, 3) if total else 0.0 for w in sorted(set(words))}


def _lengths(lengths: Sequence[int]) -> dict[str, Any]:
    if not lengths:
        return {"count": 0, "mean": None, "quantiles": {}, "histogram": {}}
    histogram = {}
    for low, high in BINS:
        name = f"{low}+" if high is None else f"{low}-{high}"
        histogram[name] = sum(1 for n in lengths if n >= low and (high is None or n <= high))
    return {
        "count": len(lengths),
        "mean": round(sum(lengths) / len(lengths), 3),
        # nearest rank: the smallest value with at least q% of the sentences at or below it
        "quantiles": {
            f"p{q}": lengths[max(0, math.ceil(q / 100 * len(lengths)) - 1)] for q in QUANTILES
        },
        "histogram": histogram,
    }


def _vocabulary(tokens: Sequence[str]) -> dict[str, Any]:
    if not tokens:
        return {"types": 0, "tokens": 0, "type_token_ratio": None, "mattr": None}
    windows = [
        len(set(tokens[i : i + MATTR_WINDOW])) / MATTR_WINDOW
        for i in range(len(tokens) - MATTR_WINDOW + 1)
    ]
    return {
        "types": len(set(tokens)),
        "tokens": len(tokens),
        "type_token_ratio": round(len(set(tokens)) / len(tokens), 6),
        "mattr_window": MATTR_WINDOW,
        "mattr": round(sum(windows) / len(windows), 6) if windows else None,
    }
