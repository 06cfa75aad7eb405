"""What changed between two runs of ``independent.py evaluate``: per corpus and engine, the
counts (gold spans found in their category and in any, predictions, correct ones, protected
ranges kept), the categories and protected kinds that moved, and, where the results quote
text at all, which misses, false positives and lost protected ranges came or went.

``independent.py`` quotes no text of a held-out corpus (``WHOLLY_HELD_OUT``, the odd templates
of the generated ones), so neither does this: for those, only counts are shown. A corpus or
engine in one run only is named, not compared. Exit status 1 when anything moved, so a
refactoring can be checked to change nothing::

    .venv/bin/python benchmarks/pii/compare.py before.json after.json
    .venv/bin/python benchmarks/pii/compare.py before.json after.json --engine mhds_np1
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

_COUNTS = ("gold", "found", "found_any", "predicted", "correct")
_QUOTED = ("missed", "false_positives", "protected_lost")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    before = json.loads(Path(args.before).read_text(encoding="utf-8"))["corpora"]
    after = json.loads(Path(args.after).read_text(encoding="utf-8"))["corpora"]
    moved = False
    for name in sorted(before.keys() | after.keys()):
        if name not in before or name not in after:
            print(f"{name}: only in {'the second' if name in after else 'the first'} run")
            continue
        engines = before[name]["engines"].keys() & after[name]["engines"].keys()
        for engine in sorted(e for e in engines if args.engine in (None, e)):
            lines = _changes(before[name]["engines"][engine], after[name]["engines"][engine])
            moved |= bool(lines)
            print(f"{name} {engine}: " + ("changed" if lines else "same"))
            for line in lines:
                print(f"  {line}")
    return 1 if moved else 0


def _changes(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """One line per count, category, protected kind and quoted example that differs."""
    lines = [_moved("overall", a["overall"], b["overall"], _COUNTS)]
    for category in sorted(a["categories"].keys() | b["categories"].keys()):
        empty: dict[str, Any] = {}
        x, y = a["categories"].get(category, empty), b["categories"].get(category, empty)
        lines.append(_moved(category, x, y, _COUNTS))
    for kind in sorted(a["protected_kept"].keys() | b["protected_kept"].keys()):
        x, y = a["protected_kept"].get(kind, {}), b["protected_kept"].get(kind, {})
        lines.append(_moved(f"protected {kind}", x, y, ("ranges", "kept")))
    for field in _QUOTED:
        old, new = _examples(a, field), _examples(b, field)
        lines += [f"{field} - {example}" for example in sorted(old - new)]
        lines += [f"{field} + {example}" for example in sorted(new - old)]
    return [line for line in lines if line]


def _moved(label: str, a: dict[str, Any], b: dict[str, Any], keys: tuple[str, ...]) -> str:
    pairs = [(k, a.get(k, 0), b.get(k, 0)) for k in keys]
    if all(x == y for _, x, y in pairs):
        return ""
    shown = (f"{k} {x} -> {y}" if x != y else f"{k} {x}" for k, x, y in pairs)
    return f"{label}: " + ", ".join(shown)


def _examples(result: dict[str, Any], field: str) -> set[str]:
    """The quoted examples of ``field`` (a list, or a dict's ``examples``), as strings."""
    value = result.get(field, [])
    items = value.get("examples", []) if isinstance(value, dict) else value
    return {item if isinstance(item, str) else json.dumps(item, sort_keys=True) for item in items}


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("before", help="a JSON report of independent.py evaluate")
    parser.add_argument("after", help="another one, to compare with the first")
    parser.add_argument("--engine", help="compare this engine only (e.g. mhds_np1)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
