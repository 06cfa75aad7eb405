"""Practices a writer names as theirs ("working on a private practice in Puerto Rico: Latitude
Counseling", "At Makin Wellness, we could ..."): places of work, so LOCATION, found by the
claim around them. The clinical-term guard does not spare them: "Latitude Counseling" ends
like "Discernment Counseling", and only the claim tells a practice from a therapy.
"""

from __future__ import annotations

import re

from mhds.steps.pii.spans import Category, Span

_SCORE = 0.75  # as sure as a full name in a name slot
#: The recognizer of a practice the writer names as theirs: only the public-resource list
#: spares it, not the clinical-term guard ("Latitude Counseling" is a practice, not a therapy).
PRACTICE_RECOGNIZER = "practice_regex"
#: A practice's name: capitalised words ending in a practice noun ("Makin Wellness", "Main
#: Line Adult Counseling, LLC").
_PRACTICE_NAME = (
    r"(?P<practice>(?:[A-Z][\w'’-]*[ \t]+(?:(?:and|of|&)[ \t]+)?){1,4}"
    r"(?:Counseling|Counselling|Therapy|Therapies|Psychotherapy|Psychology|Wellness|Associates"
    r"|Center|Centre|Clinic|Group|Practice|Services)(?:,?[ \t]+(?:LLC|PLLC|Inc\.?))?)\b"
)
#: A practice the writer names as theirs: after "my/our/a (small, private ...) practice ...:"
#: ("working on a private practice in Puerto Rico: Latitude Counseling") or before "we" ("At
#: Makin Wellness, we could ...").
_OWN_PRACTICE = (
    re.compile(
        r"(?i:\b(?:my|our|a)[ \t]+(?:[a-z]+[ \t]+){0,2}(?:practice|office"
        r"|clinic|agency)\b)[^.!?\n:]{0,40}?(?::|,|\bis|\bcalled|\bnamed)[ \t]*" + _PRACTICE_NAME
    ),
    re.compile(
        r"(?i:\b(?:at|with|through)[ \t]+)" + _PRACTICE_NAME + r"[ \t]*,?[ \t]*(?i:we|our)\b"
    ),
)


def own_practices(text: str) -> list[Span]:
    """The practices the writer names as theirs (``_OWN_PRACTICE``): places of work."""
    return [
        Span(*m.span("practice"), Category.LOCATION, _SCORE, PRACTICE_RECOGNIZER)
        for pattern in _OWN_PRACTICE
        for m in pattern.finditer(text)
    ]
