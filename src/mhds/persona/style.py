"""How far a text's style is from a speaker's profile: a documented stylometric distance.

``style_distance`` (spec ``STYLE_SPEC``) compares three things the profile measured
(``mhds.persona.profile``), each a distance in [0, 1]:

- **function words** (weight 0.5): 1 - cosine similarity of the rate vectors (per 1,000
  words) over the markers file's function words. Function-word rates are the classic
  stylometric signal: they change little with topic and much with the speaker.
- **markers** (weight 0.25): the Bray-Curtis dissimilarity of the rates (per 1,000 words) of
  the four marker categories (transitions, empathy, normalising, analogy): sum |a - b| /
  sum (a + b); 0 when neither text has any.
- **sentence length** (weight 0.25): |ln(mean words per sentence of the text / the
  profile's)|, capped at 1 (a text whose sentences are e times longer or shorter scores 1).

The distance is the weighted sum, rounded to 4 places: 0 is the profile's own rates, 1 as
far as the measure goes. Texts shorter than ``MIN_WORDS`` words are not scored (None): their
rates say too little. Only the side that speaks for the persona is measured (the
assistant's turns of a conversation).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from mhds.errors import ConfigError
from mhds.persona.profile import StyleMarkers, load_markers, marker_count, sentences_of

STYLE_SPEC: Final = "style-distance/v1"
MIN_WORDS: Final = 40
WEIGHTS: Final = {"function_words": 0.5, "markers": 0.25, "sentence_length": 0.25}
CATEGORIES: Final = ("transitions", "empathy", "normalising", "analogy")
DEFAULT_FAMILIES: Final = ("voice_persona", "voice_persona_holdout")
# Calibrated on the demo's two project-written voices and on CounselChat's real answers
# (docs/persona.md): a speaker's own held-out chunks score p50 0.20-0.23, p90 0.34, max 0.49;
# another voice's chunks p50 0.36, p90 0.52; CounselChat answers p50 0.39-0.41, p90 0.58.
DEFAULT_MAX_DISTANCE: Final = 0.6
DEFAULT_TARGET_DISTANCE: Final = 0.4
DEFAULT_MIN_PASS_RATE: Final = 0.9
MAX_LISTED: Final = 20
_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class StyleVector:
    """What the distance compares: function-word rates, marker-category rates (both per
    1,000 words) and the mean sentence length."""

    function_words: dict[str, float]
    markers: dict[str, float]
    mean_sentence_length: float


@dataclass(frozen=True)
class StyleScore:
    """A text's distance from a profile and its three parts (each in [0, 1])."""

    distance: float
    function_words: float
    markers: float
    sentence_length: float
    words: int

    def to_dict(self) -> dict[str, Any]:
        """The score as JSON-ready numbers."""
        return {
            "spec": STYLE_SPEC,
            "distance": self.distance,
            "function_words": self.function_words,
            "markers": self.markers,
            "sentence_length": self.sentence_length,
            "words": self.words,
        }


def text_vector(text: str, markers: StyleMarkers | None = None) -> tuple[StyleVector, int]:
    """The style vector of ``text`` and its word count."""
    markers = markers or load_markers()
    # Paragraph by paragraph, as the profile reads them: captions often have no full stops,
    # and one paragraph must not run into the next as a single "sentence".
    sentences = [s for part in _PARAGRAPH.split(text) for s in sentences_of(part)]
    tokens = [w for sentence in sentences for w in sentence]
    total = len(tokens)
    counts = Counter(tokens)
    scale = 1000 / total if total else 0.0
    categories = markers.categories()
    return (
        StyleVector(
            function_words={w: counts[w] * scale for w in sorted(set(markers.function_words))},
            markers={
                name: sum(marker_count(p, sentences) for p in set(categories[name])) * scale
                for name in CATEGORIES
            },
            mean_sentence_length=total / len(sentences) if sentences else 0.0,
        ),
        total,
    )


def profile_vector(profile: Mapping[str, Any]) -> StyleVector:
    """The style vector a profile (``build_profile``'s JSON) records.

    Raises:
        ConfigError: the profile lacks a field the distance needs, or measured no words.
    """
    try:
        words = int(profile["inputs"]["words"])
        function_words = {str(k): float(v) for k, v in profile["function_words"].items()}
        marker_counts = {
            name: sum(int(item["count"]) for item in profile["markers"][name])
            for name in CATEGORIES
        }
        mean = profile["sentence_lengths"]["mean"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"not a style profile: missing or malformed {exc}") from None
    if not words or mean is None:
        raise ConfigError("the style profile measured no words")
    return StyleVector(
        function_words=function_words,
        markers={name: n * 1000 / words for name, n in marker_counts.items()},
        mean_sentence_length=float(mean),
    )


def style_distance(
    text: str, profile: StyleVector, markers: StyleMarkers | None = None
) -> StyleScore | None:
    """How far ``text`` is from ``profile`` (see the module docstring); None under
    ``MIN_WORDS`` words."""
    vector, words = text_vector(text, markers)
    if words < MIN_WORDS:
        return None
    parts = {
        "function_words": 1.0 - _cosine(vector.function_words, profile.function_words),
        "markers": _bray_curtis(vector.markers, profile.markers),
        "sentence_length": min(
            1.0, abs(math.log(vector.mean_sentence_length / profile.mean_sentence_length))
        ),
    }
    distance = sum(WEIGHTS[name] * value for name, value in parts.items())
    return StyleScore(
        distance=round(distance, 4),
        function_words=round(parts["function_words"], 4),
        markers=round(parts["markers"], 4),
        sentence_length=round(parts["sentence_length"], 4),
        words=words,
    )


def assistant_text(messages: Sequence[Any]) -> str:
    """The assistant's turns of a conversation, joined by blank lines (``Message`` objects
    or ``{"role", "content"}`` dicts)."""
    parts = []
    for message in messages:
        role = message["role"] if isinstance(message, Mapping) else message.role
        content = message["content"] if isinstance(message, Mapping) else message.content
        if role == "assistant":
            parts.append(content)
    return "\n\n".join(parts)


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    keys = sorted(set(a) | set(b))
    dot = sum(a.get(k, 0.0) * b.get(k, 0.0) for k in keys)
    norm = math.sqrt(sum(a.get(k, 0.0) ** 2 for k in keys)) * math.sqrt(
        sum(b.get(k, 0.0) ** 2 for k in keys)
    )
    return max(0.0, min(1.0, dot / norm)) if norm else 0.0


def _bray_curtis(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    total = sum(a.get(k, 0.0) + b.get(k, 0.0) for k in CATEGORIES)
    if not total:
        return 0.0
    return sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in CATEGORIES) / total


class StyleConfig(BaseModel):
    """Which families the style gate judges and what it accepts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    families: tuple[str, ...] | None = Field(
        default=None,
        min_length=1,
        description="Families whose records must carry a style profile and be scored; "
        f"each must exist. None: those of {', '.join(DEFAULT_FAMILIES)} that the registry has.",
    )
    max_distance: float = Field(
        default=DEFAULT_MAX_DISTANCE,
        gt=0.0,
        le=1.0,
        description="Largest style distance (style-distance/v1) any record may have from its "
        "persona's profile: one record over it fails the gate (check far).",
    )
    target_distance: float = Field(
        default=DEFAULT_TARGET_DISTANCE,
        gt=0.0,
        le=1.0,
        description="The distance a typical record stays within: at least min_pass_rate of a "
        "family's records must (check distance).",
    )
    family_target_distance: dict[str, float] = Field(
        default_factory=dict, description="Per-family target distances over target_distance."
    )
    min_pass_rate: float = Field(
        default=DEFAULT_MIN_PASS_RATE,
        ge=0.0,
        le=1.0,
        description="Share of a family's scored records that must be within its target.",
    )

    def target(self, family: str) -> float:
        """The family's target distance."""
        return self.family_target_distance.get(family, self.target_distance)

    def scored_families(self, known: frozenset[str]) -> tuple[str, ...]:
        """The families the gate judges.

        Raises:
            ConfigError: a configured family (or per-family target) the registry lacks.
        """
        unknown = sorted({*(self.families or ()), *self.family_target_distance} - known)
        if unknown:
            raise ConfigError(f"style: unknown families {', '.join(unknown)}")
        if self.families is None:
            return tuple(f for f in DEFAULT_FAMILIES if f in known)
        return self.families


@dataclass
class FamilyStyle:
    """One family's style scores in what would ship (ids only, no text)."""

    scored: int = 0
    within: int = 0
    unscored: int = 0
    distances: list[float] = field(default_factory=list)
    far: list[str] = field(default_factory=list)  # ids of records over max_distance

    def add(self, record_id: str, distance: float, config: StyleConfig, family: str) -> None:
        """Count one scored record."""
        self.scored += 1
        self.distances.append(distance)
        self.within += distance <= config.target(family)
        if distance > config.max_distance:
            self.far.append(record_id)

    def summary(self, config: StyleConfig, family: str) -> dict[str, Any]:
        """Counts, the pass rate and the distance's mean, p90 and max."""
        ordered = sorted(self.distances)
        p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)] if ordered else None
        return {
            "target_distance": config.target(family),
            "max_distance": config.max_distance,
            "scored": self.scored,
            "within_target": self.within,
            "unscored": self.unscored,
            "pass_rate": round(self.within / self.scored, 6) if self.scored else None,
            "mean": round(sum(ordered) / len(ordered), 4) if ordered else None,
            "p90": p90,
            "max": ordered[-1] if ordered else None,
            "far": len(self.far),
            "first_far": self.far[:MAX_LISTED],
        }


def score_records(
    records: Iterable[Any],
    families: tuple[str, ...],
    config: StyleConfig,
    vector_of: Callable[[str], StyleVector],
    markers: StyleMarkers | None = None,
) -> dict[str, FamilyStyle]:
    """Every record of ``families`` scored again on its shipped text against the profile
    its generator names (``profile_digest``; ``vector_of(digest)``); a record with no
    profile, or too short to score, counts as unscored."""
    markers = markers or load_markers()
    vectors: dict[str, StyleVector] = {}
    found = {family: FamilyStyle() for family in families}
    for record in records:
        meta = record.metadata
        if meta.family not in found:
            continue
        tally = found[meta.family]
        key = profile_digest(meta.provenance.generator)
        score = None
        if key:
            if key not in vectors:
                vectors[key] = vector_of(key)
            score = style_distance(assistant_text(record.messages), vectors[key], markers)
        if score is None:
            tally.unscored += 1
            continue
        tally.add(meta.id, score.distance, config, meta.family)
    return found


def profile_digest(generator: Mapping[str, Any] | None) -> str | None:
    """The sha256 of the style profile a generated record was scored against
    (``generator.style.profile_sha256``), or None."""
    style = generator.get("style") if generator else None
    digest = style.get("profile_sha256") if isinstance(style, Mapping) else None
    return digest if isinstance(digest, str) and digest else None


def profile_summary(profile: Mapping[str, Any]) -> dict[str, Any]:
    """What a release report shows of a profile: counts and the items of the project's own
    fixed lists (markers, function words) only. Sentence starters and n-grams are the
    speaker's words and stay in the profile file, never in a report."""
    inputs = profile.get("inputs", {})
    lengths = profile.get("sentence_lengths", {})
    vocabulary = profile.get("vocabulary", {})
    markers = {
        name: [
            {"text": item["text"], "count": item["count"], "transcripts": item["transcripts"]}
            for item in sorted(items, key=lambda i: (-i["count"], i["text"]))[:5]
            if item["count"]
        ]
        for name, items in sorted(profile.get("markers", {}).items())
    }
    rates = profile.get("function_words", {})
    top_words = sorted(rates.items(), key=lambda item: (-item[1], item[0]))[:10]
    return {
        "profile_version": profile.get("profile_version"),
        "markers_version": profile.get("markers_version"),
        "transcripts": len(inputs.get("transcripts", ())),
        "paragraphs": inputs.get("paragraphs"),
        "sentences": inputs.get("sentences"),
        "words": inputs.get("words"),
        "sentence_length_mean": lengths.get("mean"),
        "sentence_length_quantiles": lengths.get("quantiles", {}),
        "type_token_ratio": vocabulary.get("type_token_ratio"),
        "mattr": vocabulary.get("mattr"),
        "markers": markers,
        "function_words_top": [{"word": w, "per_1000": r} for w, r in top_words],
    }
