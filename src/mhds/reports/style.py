"""The style gate's tables for people: per family, the style distances of what would ship
against the persona's profile; per profile, what it measured (counts, sentence lengths,
vocabulary, the markers and function words of the project's fixed lists). Never the
speaker's own words: sentence starters and n-grams stay in the profile file. Appended to
``reports/style.md`` (see ``gate_markdown``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def style_tables(evidence: Mapping[str, Any]) -> str:
    """Markdown tables of a style verdict's evidence (empty when nothing was scored)."""
    rows = [row for row in evidence.get("families", ()) if row.get("scored") or row.get("unscored")]
    lines: list[str] = []
    if rows:
        lines += [
            f"Distance: {evidence.get('spec', '')} (0 = the profile's own rates).",
            "",
            "| family | scored | within target | target | pass rate | mean | p90 | max | "
            "over max | unscored |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in rows:
            lines.append(
                f"| {row['family']} | {row['scored']} | {row['within_target']} | "
                f"{row['target_distance']} | {_percent(row.get('pass_rate'))} | "
                f"{_number(row.get('mean'))} | {_number(row.get('p90'))} | "
                f"{_number(row.get('max'))} | {row['far']} | {row['unscored']} |"
            )
        lines.append("")
    for digest, profile in sorted(evidence.get("profiles", {}).items()):
        lines += _profile(digest, profile)
    return "\n".join(lines)


def _profile(digest: str, profile: Mapping[str, Any]) -> list[str]:
    quantiles = profile.get("sentence_length_quantiles") or {}
    spread = ", ".join(f"{name} {value}" for name, value in sorted(quantiles.items()))
    lines = [
        f"## Style profile of {profile.get('persona_id', '?')} ({digest[:19]})",
        "",
        f"{profile.get('transcripts')} transcripts, {profile.get('paragraphs')} paragraphs, "
        f"{profile.get('sentences')} sentences, {profile.get('words')} words; "
        f"markers {profile.get('markers_version')}, profile v{profile.get('profile_version')}.",
        "",
        f"Words per sentence: mean {_number(profile.get('sentence_length_mean'))}"
        + (f" ({spread})" if spread else "")
        + f"; type-token ratio {_number(profile.get('type_token_ratio'))}, "
        f"MATTR {_number(profile.get('mattr'))}.",
        "",
        "| marker kind | most said (count, transcripts) |",
        "| --- | --- |",
    ]
    for kind, items in profile.get("markers", {}).items():
        said = ", ".join(f"{i['text']} ({i['count']}, {i['transcripts']})" for i in items)
        lines.append(f"| {kind} | {said or 'none'} |")
    words = ", ".join(f"{w['word']} {w['per_1000']}" for w in profile.get("function_words_top", ()))
    lines += ["", f"Function words per 1,000 words: {words}.", ""]
    return lines


def _percent(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1%}"


def _number(value: Any) -> str:
    return "-" if value is None else f"{float(value):.3g}"
