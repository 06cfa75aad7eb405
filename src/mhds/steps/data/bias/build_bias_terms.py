"""Rebuild the bias term lists from snapshots of HolisticBias and retext-equality.

Run from the repository root with the two repositories (a checkout or a bare git directory;
``HEAD`` is read)::

    python src/mhds/steps/data/bias/build_bias_terms.py \
        path/to/facebookresearch/ResponsibleNLP path/to/retextjs/retext-equality

Writes, beside this script:

- ``holistic_bias_descriptors.json``: HolisticBias v1.1 descriptors of the axes mhds reports
  on, mapped onto its eight identity groups (``AXIS_GROUPS``), with each descriptor's axis,
  bucket, preference mark (``dispreferred`` kept) and gender; plus the person nouns with
  their gender. Other axes are left out (``AXES_LEFT_OUT``).
- ``retext_equality_patterns.json``: every ``type: basic`` entry of retext-equality's
  ``data/en/*.yml`` (inconsiderate phrases, considerate alternatives, note, source) with its
  category (the file's name). ``type: or`` entries are left out: they flag a gendered word
  only when its counterpart is missing (``he`` without ``she``), a pronoun-balance rule, not
  wording about a group.
- ``holistic_bias.LICENSE`` and ``retext_equality.LICENSE``: the repositories' licence files,
  verbatim, under a header naming the source and what was changed.

JSON is written with sorted keys, two-space indent and a final newline, so a rebuild from the
same commits gives the same bytes. Choices about *matching* (ambiguous words, context rules)
are not made here but in ``mhds.steps.bias``, where they are documented.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).resolve().parent
HB_VERSION = "v1.1"
HB_DESCRIPTORS = f"holistic_bias/dataset/{HB_VERSION}/descriptors.json"
HB_NOUNS = f"holistic_bias/dataset/{HB_VERSION}/nouns.json"
RETEXT_CATEGORIES = (
    "ablist",
    "condescending",
    "gender",
    "lgbtq",
    "misc",
    "press",
    "race",
    "slogans",
    "suicide",
)
# HolisticBias axis (or "axis/bucket", which wins) -> mhds identity group.
AXIS_GROUPS: dict[str, str] = {
    "ability": "disability",
    "age": "age_group",
    "cultural": "nationality_culture",
    # Generations (Baby Boomer, Millennial, Gen-Z) are age cohorts, not cultures.
    "cultural/generations": "age_group",
    "gender_and_sex": "gender",
    "nationality": "nationality_culture",
    "race_ethnicity": "race_ethnicity",
    "religion": "religion",
    "sexual_orientation": "sexual_orientation",
    "socioeconomic_class": "socioeconomic",
}
AXES_LEFT_OUT: tuple[str, ...] = (
    "body_type",
    "characteristics",
    "nonce",
    "political_ideologies",
)
_RULE = "=" * 72 + "\n\n"


class Snapshot:
    """Files of one repository at HEAD: a checkout (``.git`` inside) or a bare git dir."""

    def __init__(self, path: str) -> None:
        root = Path(path)
        self.git_dir = root / ".git" if (root / ".git").exists() else root

    def commit(self) -> str:
        return self._git("rev-parse", "HEAD").strip()

    def read(self, name: str) -> str:
        return self._git("show", f"HEAD:{name}")

    def _git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout


def holistic_bias(snapshot: Snapshot) -> dict[str, Any]:
    """The descriptors of the axes in ``AXIS_GROUPS`` by mhds group, and the person nouns."""
    axes = json.loads(snapshot.read(HB_DESCRIPTORS))
    unknown = sorted(set(axes) - {a.split("/")[0] for a in AXIS_GROUPS} - set(AXES_LEFT_OUT))
    if unknown:
        raise SystemExit(f"{HB_DESCRIPTORS}: axes neither mapped nor left out: {unknown}")
    groups: dict[str, list[dict[str, Any]]] = {}
    for axis, buckets in axes.items():
        if axis in AXES_LEFT_OUT:
            continue
        for bucket, items in buckets.items():
            group = AXIS_GROUPS.get(f"{axis}/{bucket}", AXIS_GROUPS[axis])
            for item in items:
                entry = {"descriptor": item} if isinstance(item, str) else dict(item)
                groups.setdefault(group, []).append(
                    {
                        "descriptor": entry["descriptor"],
                        "axis": axis,
                        "bucket": bucket,
                        "preference": entry.get("preference"),
                        "gender": entry.get("gender"),
                    }
                )
    nouns = [
        {"singular": singular, "plural": plural, "gender": gender}
        for gender, pairs in json.loads(snapshot.read(HB_NOUNS)).items()
        for singular, plural in pairs
    ]
    return {
        "source": {
            "repository": "https://github.com/facebookresearch/ResponsibleNLP",
            "commit": snapshot.commit(),
            "files": [HB_DESCRIPTORS, HB_NOUNS],
            "license": "CC-BY-SA-4.0",
        },
        "axis_groups": AXIS_GROUPS,
        "axes_left_out": list(AXES_LEFT_OUT),
        "groups": groups,
        "nouns": nouns,
    }


def retext_equality(snapshot: Snapshot) -> dict[str, Any]:
    """Every ``type: basic`` pattern of the English data files, with its category."""
    patterns: list[dict[str, Any]] = []
    left_out = 0
    for category in RETEXT_CATEGORIES:
        for entry in yaml.safe_load(snapshot.read(f"data/en/{category}.yml")):
            if entry["type"] != "basic":
                left_out += 1
                continue
            inconsiderate = entry["inconsiderate"]
            gender = None
            if isinstance(inconsiderate, dict):  # {phrase: female|male}: gendered phrasing
                gender = sorted(set(inconsiderate.values()))
                inconsiderate = list(inconsiderate)
            patterns.append(
                {
                    "category": category,
                    "inconsiderate": _as_list(inconsiderate),
                    "considerate": _as_list(entry.get("considerate")),
                    "note": entry.get("note"),
                    "source": entry.get("source"),
                    "gender": gender,
                }
            )
    return {
        "source": {
            "repository": "https://github.com/retextjs/retext-equality",
            "commit": snapshot.commit(),
            "files": [f"data/en/{c}.yml" for c in RETEXT_CATEGORIES],
            "license": "MIT",
        },
        "left_out": {"type_or_entries": left_out},
        "patterns": patterns,
    }


def main(responsible_nlp: str, retext: str) -> int:
    hb, rt = Snapshot(responsible_nlp), Snapshot(retext)
    descriptors, patterns = holistic_bias(hb), retext_equality(rt)
    _write_json("holistic_bias_descriptors.json", descriptors)
    _write_json("retext_equality_patterns.json", patterns)
    _write_text("holistic_bias.LICENSE", _hb_licence_header(descriptors) + hb.read("LICENSE"))
    _write_text("retext_equality.LICENSE", _rt_licence_header(patterns) + rt.read("license"))
    counts = {g: len(items) for g, items in sorted(descriptors["groups"].items())}
    phrases = sum(len(p["inconsiderate"]) for p in patterns["patterns"])
    print(f"HolisticBias: {sum(counts.values())} descriptors {counts}, {len(descriptors['nouns'])}")
    print(f"retext-equality: {len(patterns['patterns'])} basic patterns, {phrases} phrases")
    return 0


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _write_json(name: str, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    _write_text(name, text)


def _write_text(name: str, text: str) -> None:
    (OUT / name).write_text(text, encoding="utf-8", newline="\n")


def _hb_licence_header(data: dict[str, Any]) -> str:
    source = data["source"]
    return (
        "holistic_bias_descriptors.json is adapted from the HolisticBias dataset\n"
        f"({source['repository']}, commit {source['commit']},\n"
        f"files {', '.join(source['files'])}),\n"
        "Copyright (c) Facebook, Inc. and its affiliates (now Meta Platforms, Inc.).\n"
        "\n"
        "The HolisticBias dataset is licensed under the Creative Commons\n"
        "Attribution-ShareAlike 4.0 International licence (CC BY-SA 4.0),\n"
        "https://creativecommons.org/licenses/by-sa/4.0/legalcode; the repository's MIT part\n"
        "covers its code only. holistic_bias_descriptors.json is Adapted Material and is\n"
        "distributed under CC BY-SA 4.0 (ShareAlike), whatever the licence of mhds.\n"
        "\n"
        "Changes: only the axes ability, age, cultural, gender_and_sex, nationality,\n"
        "race_ethnicity, religion, sexual_orientation and socioeconomic_class are kept, regrouped\n"
        "into mhds identity groups; body_type, characteristics, nonce and political_ideologies\n"
        "are left out; every descriptor keeps its axis, bucket, preference and gender; the\n"
        "person nouns are kept with their gender. See HOLISTIC_BIAS.md.\n"
        "\n"
        "The repository's LICENSE file follows, verbatim.\n\n"
    ) + _RULE


def _rt_licence_header(data: dict[str, Any]) -> str:
    source = data["source"]
    return (
        "retext_equality_patterns.json is derived from retext-equality\n"
        f"({source['repository']}, commit {source['commit']}, files data/en/*.yml),\n"
        "Copyright (c) 2015 Titus Wormer, under the MIT licence below.\n"
        "\n"
        "Changes: only entries of type 'basic' are kept (type 'or' entries are left out), with\n"
        "their category (the file name), inconsiderate and considerate phrases, note and\n"
        "source. See RETEXT_EQUALITY.md.\n"
        "\n"
        "The repository's license file follows, verbatim.\n\n"
    ) + _RULE


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
