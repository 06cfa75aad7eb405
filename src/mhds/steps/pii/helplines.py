"""Toll-free numbers of helplines: a North American toll-free number that a helpline or hotline
names right before it is an organisation's line, kept like the crisis numbers the
configuration lists (:class:`mhds.steps.pii.keep.KeepList`).
"""

from __future__ import annotations

import re

from mhds.steps.pii.sites import OWNER_CUE

_NANP_DIGITS = 10
_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
_LINE_CUE = re.compile(
    r"(?i:\b(?:hotline|helpline|lifeline|warmline|crisis[ \t]+line|support[ \t]+line"
    r"|help[ \t]+line|hot[ \t]+line))\b"
)
_LINE_REACH = 40


def is_toll_free_line(text: str, start: int, end: int) -> bool:
    """A North American toll-free number (800, 888, 877 ...) that a helpline or hotline names
    right before it, with no owner there ("a hotline to help with this 888-724-7240", not "my
    office, a crisis hotline too, 888-..."): toll-free lines belong to organisations."""
    digits = "".join(c for c in text[start:end] if c.isdigit())
    if len(digits) == _NANP_DIGITS + 1 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != _NANP_DIGITS or digits[:3] not in _TOLL_FREE:
        return False
    before = text[max(0, start - _LINE_REACH) : start]
    return _LINE_CUE.search(before) is not None and OWNER_CUE.search(before) is None
