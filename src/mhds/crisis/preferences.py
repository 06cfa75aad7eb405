"""Safety preference pairs (the seed's safety DPO idea, done properly): for a crisis scenario,
the chat up to its closing counsellor turn as the ``prompt``, a ``chosen`` turn that passes
the safety rules and a ``rejected`` one that breaks one named rule, with that rule in the
metadata.

Both sides are checked by the safety rules before a pair is written: the chat with the chosen
turn passes, and the chat with the rejected turn breaks the named rule (the pair records
every rule it breaks). A scenario whose pair does not check out is left out with its reason.

The rejected turns demonstrate only rules whose breach is not itself hazardous text
(``DEMONSTRATIONS``): secrecy, minimising, diagnosing, disengaging, medication instructions,
boundary violations, blame, pressure, cultural dismissal, collusion, and a reply with no
crisis resources. Method or lethality detail, graphic detail, encouragement of harm, weight
or calorie numbers and unsafe confrontation advice are never written into a dataset, not even
as the rejected side: the gate detects them, the pairs never demonstrate them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from mhds.crisis.chat_templates import ChatTemplates
from mhds.crisis.chats import ChatMessage, compose_chat, template_generator
from mhds.crisis.safety import SafetyChecker
from mhds.crisis.scenarios import Scenario
from mhds.crisis.sources import is_holdout
from mhds.errors import InputError
from mhds.records import codec

PAIRS_VERSION: Final = "crisis-preferences/v1"
NO_RESOURCES: Final = "provide_crisis_resources"
# Rule -> rejected counsellor turns that break it (and nothing hazardous).
DEMONSTRATIONS: Final[dict[str, tuple[str, ...]]] = {
    "promise_of_secrecy": (
        "I promise I won't tell anyone about this. It can stay just between us.",
        "Don't worry, this is our secret. Nobody else ever needs to know what you told me.",
    ),
    "minimising": (
        "Honestly, everyone feels like that sometimes. It's not that bad, and you'll be fine.",
        "Try not to overthink it. Things could be a lot worse, so just cheer up a little.",
    ),
    "diagnosing": (
        "It sounds like you have depression, and that explains all of this.",
        "What you're describing means you have bipolar disorder.",
    ),
    "disengaging": (
        "I'm not able to help with this. Let's end the conversation here.",
        "I can't talk about that. Goodbye.",
    ),
    "medication_instruction": (
        "You could just stop taking your medication for a while and see how you feel.",
        "Skip your next few doses and see whether things improve.",
    ),
    "boundary_violation": (
        "I'm a real human therapist, and you can message my personal number any time.",
        "We could meet up in person outside of these chats if you like.",
    ),
    "blaming_or_shaming": (
        "You really should have known better than to let things get this far.",
        "Honestly, this is your own fault for not asking for help sooner.",
    ),
    "coercive_pressure": (
        "You have no choice here: you have to do what I say.",
        "If you don't do what I say, I can't keep talking to you.",
    ),
    "cultural_dismissal": (
        "Your family's traditions are the real problem here; just ignore them.",
        "Your faith is holding you back, so you should leave it behind.",
    ),
    "colluding_with_delusion": (
        "You're right, they are watching you. Let's work out how to stop them.",
        "That's clearly true, and you should act on it before they do.",
    ),
    NO_RESOURCES: (
        "I'm sorry you're going through this. Try to get some rest, and things may look "
        "different in the morning.",
        "That sounds really hard. I hope tomorrow is a better day for you.",
    ),
}


@dataclass
class PairSource:
    """The pairs of one run, and the scenarios left out (id, reason, detail)."""

    lines: list[bytes] = field(default_factory=list)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)

    def data(self) -> bytes:
        """The JSONL bytes."""
        return b"".join(line + b"\n" for line in self.lines)


def preference_pairs(
    scenarios: Sequence[Scenario],
    templates: ChatTemplates,
    checker: SafetyChecker,
    *,
    seed: str | None = None,
    holdout_share: float = 0.0,
    held_out: frozenset[str] = frozenset(),
) -> PairSource:
    """One pair per scenario; see the module docstring. Scenario groups held out are
    skipped: those ``is_holdout`` draws at ``holdout_share`` and those in ``held_out``
    (the group ids already in test-only sources)."""
    source = PairSource()
    for scenario in scenarios:
        drawn = holdout_share and is_holdout(scenario.group_id, holdout_share)
        if drawn or scenario.group_id in held_out:
            continue
        try:
            source.lines.append(codec.dumps(_pair(scenario, templates, checker, seed)))
        except InputError as exc:
            detail = ": ".join(str(p) for p in (exc.field, exc.detail) if p)
            source.left_out.append((scenario.scenario_id, str(exc.reason), detail))
    return source


def _pair(
    scenario: Scenario, templates: ChatTemplates, checker: SafetyChecker, seed: str | None
) -> dict[str, Any]:
    chat = compose_chat(scenario, templates, seed=seed)
    last = max(i for i, (role, _) in enumerate(chat) if role == "assistant")
    prompt, chosen = chat[:last], chat[last][1]
    rules = [r for r in DEMONSTRATIONS if r in scenario.forbidden_elements]
    earlier = any(_gives_resources(text, scenario) for _, text in prompt)
    if NO_RESOURCES in scenario.required_elements and not earlier:
        rules.append(NO_RESOURCES)
    if not rules:
        raise InputError("no_demonstrable_rule", field="forbidden_elements")
    good = _score(checker, scenario, [*prompt, ("assistant", chosen)])
    if not good.passed:
        raise InputError("chosen_fails", field="chosen", detail=good.red[0].rule)
    # Every (rule, phrasing), from a drawn start: the first whose breach the rules detect.
    candidates = [(rule, text) for rule in rules for text in DEMONSTRATIONS[rule]]
    start = _pick(scenario, seed, "rejected", len(candidates))
    for rule, rejected in candidates[start:] + candidates[:start]:
        bad = _score(checker, scenario, [*prompt, ("assistant", rejected)])
        broken = sorted({hit.rule for hit in (*bad.red, *bad.yellow)})
        if rule in broken:
            break
    else:
        raise InputError("rejected_passes", field="rejected", detail=", ".join(rules))
    severity = "red" if rule in {hit.rule for hit in bad.red} else "yellow"
    generator = template_generator(templates, scenario, assistant_role="therapist", seed=seed)
    return {
        "prompt": [{"role": role, "content": text} for role, text in prompt],
        "chosen": chosen,
        "rejected": rejected,
        "metadata": {
            "rule": rule,
            "severity": severity,
            "rules_broken": broken,
            "scenario_id": scenario.scenario_id,
            "group_id": scenario.group_id,
            "crisis_category": scenario.category,
            "risk_level": scenario.risk_level,
            "directness": scenario.directness,
            "region": scenario.region,
            "pairs_version": PAIRS_VERSION,
            "checker": checker.digest(),
            "generator": generator,
        },
    }


def _score(checker: SafetyChecker, scenario: Scenario, chat: Sequence[ChatMessage]) -> Any:
    return checker.score(
        list(chat),
        category=scenario.category,
        region=scenario.region,
        assistant_role="therapist",
        directness=scenario.directness,
    )


def _gives_resources(text: str, scenario: Scenario) -> bool:
    return any(resource.contact in text for resource in scenario.resources)


def _pick(scenario: Scenario, seed: str | None, what: str, count: int) -> int:
    material = f"{scenario.seed if seed is None else seed}\0{scenario.scenario_id}\0{what}"
    return int.from_bytes(hashlib.sha256(material.encode()).digest()[:8], "big") % count
