"""A folder of lecture transcripts in the store, read as personas: one persona per channel.

``read_transcripts`` lists ``<prefix><Channel>/<Title>.txt`` (sorted keys), checks the layout
(an ``InputError`` names a key that breaks it), decodes and cleans each file. A transcript's
``group`` is its channel and series: every chunk of a transcript, and every part of a
multi-part series, shares one group and so one split (a part 2 leans on part 1).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mhds.errors import ConfigError
from mhds.persona.profile import build_profile, profile_bytes
from mhds.persona.style import StyleVector, profile_summary, profile_vector
from mhds.persona.transcripts import (
    TEXT_SUFFIX,
    ChunkConfig,
    TranscriptKey,
    clean_transcript,
    parse_key,
    split_paragraphs,
)
from mhds.store.base import Store

PROFILES = "profiles/"


@dataclass(frozen=True)
class Chunk:
    """One chunk of a transcript: its text and the paragraphs it holds (1-based, inclusive)."""

    index: int
    text: str
    first_paragraph: int
    last_paragraph: int

    @property
    def paragraphs(self) -> str:
        """``"3-5"`` (or ``"3"``): where in the cleaned transcript the chunk comes from."""
        if self.first_paragraph == self.last_paragraph:
            return str(self.first_paragraph)
        return f"{self.first_paragraph}-{self.last_paragraph}"


@dataclass(frozen=True)
class Transcript:
    """One cleaned transcript.

    Attributes:
        key: its store key (relative to the store root).
        relative: its key relative to the prefix (``<Channel>/<Title>.txt``): what profiles
            and ids name, so the same folder elsewhere gives the same output.
        meta: channel, title, series and part.
        paragraphs: the spoken paragraphs.
        removed: what cleaning removed, by kind (counts only).
    """

    key: str
    relative: str
    meta: TranscriptKey
    paragraphs: tuple[str, ...]
    removed: tuple[tuple[str, int], ...] = ()

    @property
    def persona_id(self) -> str:
        """The persona this transcript speaks for (its channel; see ``persona_id_of``)."""
        return persona_id_of(self.meta.channel)

    @property
    def group(self) -> str:
        """The split group: persona and series (all parts of a series together), opaque:
        a title may name someone other than the speaker."""
        return f"{self.persona_id}/{_short_hash(self.meta.series.casefold())}"

    @property
    def sha256(self) -> str:
        """sha256 of the cleaned text (paragraphs joined by a blank line)."""
        return "sha256:" + hashlib.sha256("\n\n".join(self.paragraphs).encode()).hexdigest()

    @property
    def transcript_id(self) -> str:
        """A short stable id of the transcript: sha256 of its relative key, 12 hex digits."""
        return _short_hash(self.relative)

    def chunks(self, config: ChunkConfig | None = None) -> list[Chunk]:
        """The transcript cut into chunks (``split_paragraphs``), with paragraph ranges."""
        return [
            Chunk(n, text, first + 1, last + 1)
            for n, (text, first, last) in enumerate(split_paragraphs(self.paragraphs, config))
        ]


def persona_id_of(channel: str) -> str:
    """A channel's persona id: ``persona_`` and 10 hex digits of sha256(channel). Opaque on
    purpose: a channel is often a person's name, persona ids ship in every record, and the
    speaker's consent covers their voice, not their name in the data. The profile and
    ``mhds persona chats`` map ids back to channels for the operator."""
    return f"persona_{_short_hash(channel.strip(), 10)}"


def _short_hash(text: str, digits: int = 12) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


def read_transcripts(store: Store, prefix: str) -> list[Transcript]:
    """Every transcript under ``prefix`` (sorted by key); empty ones once cleaned are left out.

    Raises:
        ConfigError: no ``.txt`` under the prefix, a file that is not UTF-8, or nothing
            left once cleaned.
        InputError: a key that is not ``<prefix><Channel>/<Title>.txt`` (names the key).
    """
    folder = prefix if prefix.endswith("/") else prefix + "/"
    keys = sorted(o.key for o in store.list(folder) if o.key.endswith(TEXT_SUFFIX))
    if not keys:
        raise ConfigError(f"no transcript (.txt) under {folder} in {store.uri}")
    found: list[Transcript] = []
    for key in keys:
        meta = parse_key(key, folder)
        try:
            text = store.read_bytes(key).decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{store.url_for(key)} is not UTF-8 text") from None
        cleaned = clean_transcript(text)
        if cleaned.paragraphs:
            removed = tuple(sorted(Counter(cleaned.removed).items()))
            relative = key.removeprefix(folder)
            found.append(Transcript(key, relative, meta, tuple(cleaned.paragraphs), removed))
    if not found:
        raise ConfigError(f"every transcript under {folder} in {store.uri} is empty once cleaned")
    return found


def by_persona(transcripts: Sequence[Transcript]) -> dict[str, list[Transcript]]:
    """Transcripts by persona id (sorted ids; each list in key order)."""
    grouped: dict[str, list[Transcript]] = {}
    for transcript in sorted(transcripts, key=lambda t: t.key):
        grouped.setdefault(transcript.persona_id, []).append(transcript)
    return dict(sorted(grouped.items()))


@dataclass(frozen=True)
class ProfileRef:
    """A persona's profile as written to the store, and its style vector."""

    persona_id: str
    key: str
    sha256: str
    vector: StyleVector
    transcripts: int
    summary: dict[str, Any] = field(default_factory=dict, compare=False)


def write_profile(
    store: Store, persona_id: str, transcripts: Sequence[Transcript], *, folder: str = PROFILES
) -> tuple[ProfileRef, bool]:
    """Build the profile of ``transcripts`` (relative keys) and write it once to
    ``<folder><persona_id>-<sha256[:12]>.json``; True when this call wrote it.

    Raises:
        ConfigError: no transcripts, or the key holds other bytes.
    """
    if not transcripts:
        raise ConfigError(f"persona {persona_id!r}: no transcript to build a profile from")
    profile = build_profile({t.relative: list(t.paragraphs) for t in transcripts})
    data = profile_bytes(profile)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{folder}{persona_id}-{digest[:12]}.json"
    written = False
    if not store.exists(key):
        store.put_if_absent(key, data)
        written = True
    elif store.read_bytes(key) != data:
        raise ConfigError(f"{store.url_for(key)} holds another profile")
    ref = ProfileRef(
        persona_id,
        key,
        f"sha256:{digest}",
        profile_vector(profile),
        len(transcripts),
        profile_summary(profile),
    )
    return ref, written


def find_profile(store: Store, digest: str, *, folder: str = PROFILES) -> ProfileRef:
    """The profile whose bytes hash to ``digest`` (``sha256:<hex>``), looked up among the
    profiles ``write_profile`` wrote (its name ends with the digest's first 12 digits).

    Raises:
        ConfigError: no such profile, or a profile whose bytes no longer match.
    """
    hexdigest = digest.removeprefix("sha256:")
    if len(hexdigest) != 64 or not all(c in "0123456789abcdef" for c in hexdigest):
        raise ConfigError("a style profile digest must be sha256:<64 hex digits>")
    suffix = f"-{hexdigest[:12]}.json"
    for obj in store.list(folder):
        if obj.key.endswith(suffix):
            ref = read_profile(store, obj.key)
            if ref.sha256 == f"sha256:{hexdigest}":
                return ref
            raise ConfigError(f"{store.url_for(obj.key)} changed since records named it")
    raise ConfigError(f"no style profile {digest[:19]}... under {folder} in {store.uri}")


def read_profile(store: Store, key: str) -> ProfileRef:
    """A profile written by ``write_profile``, read back from the store.

    Raises:
        ConfigError: missing, not JSON, or not a profile (naming the key).
    """
    from mhds.records import codec

    if not store.exists(key):
        raise ConfigError(f"no style profile at {store.url_for(key)}")
    data = store.read_bytes(key)
    try:
        profile = codec.loads(data)
        vector = profile_vector(profile)
        count = len(profile["inputs"]["transcripts"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{store.url_for(key)} is not a style profile: {exc}") from None
    persona_id = key.rsplit("/", 1)[-1].rsplit("-", 1)[0]
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return ProfileRef(persona_id, key, digest, vector, count, profile_summary(profile))
