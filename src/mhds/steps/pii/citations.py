"""Whether the mention of a public figure is cited where it stands: their work named (a
possessive, "Gottman Certified", words of reading or research in its sentence), a quotation's
dash before it, or the author speaking to readers ("Hansen asks us to imagine"). The keep-list
(:class:`mhds.steps.pii.keep.KeepList`) spares a public figure's range only where it is cited,
not where it merely names someone alike.
"""

from __future__ import annotations

import re

from mhds.steps.pii.lexicon import POSSESSIVE_AFTER, sentence_start
from mhds.steps.pii.name_cues import after_title
from mhds.steps.pii.resources import EPONYM_AFTER

_ATTRIBUTION = re.compile(r"[~—–][ \t]*\Z")
#: What an author says to readers ("Hansen asks us to imagine", "as Frankl argues"): a cited
#: figure's surname alone before it is the author, not a namesake with a title or another
#: given name ("Dr. Perel tells us", "Mark Brennecke explains"), nor in a sentence of the
#: writer's ("my landlord ...; Levine argues").
_SPEAKS_TO_READERS = re.compile(
    r"(?i:\b(?:asks[ \t]+us|tells[ \t]+us|reminds[ \t]+us|argues|explains|describes|teaches))\b"
)
_TITLE_OPENS = re.compile(r"(?i:dr|mr|mrs|ms|mx|prof)\.?[ \t]")
#: The writer in a sentence ("my landlord ...; Levine argues"): the surname there is someone's.
_WRITER_TIED = re.compile(r"(?i:\b(?:me|my|mine|our)\b)")
#: Words of a sentence that cite someone: their work, what reading it is.
CITATION = re.compile(
    r"(?i:\b(?:read|reading|book|books|author|wrote|writes|written|work|research|theory"
    r"|approach|method|model|talks?|podcast|video|according|recommend\w*|suggest\w*|check"
    r"[ \t]+out|look[ \t]+up|found(?:er|ed)|developed|created|coined|by|stud(?:y|ies)|institute"
    r"|therapy|workbook|quote[sd]?|ted|website|site|article|blog|course|program|fan"
    r"|writings|teachings|poems|poetry|essays|lectures|sermons|philosophy))\b"
)


def is_cited(text: str, start: int, end: int) -> bool:
    """Whether the public figure at ``text[start:end]`` is cited there (the module's
    docstring)."""
    if EPONYM_AFTER.search(text, start, end):
        return True  # "Gottman Certified": the work, not the person
    if POSSESSIVE_AFTER.match(text, end) or _ATTRIBUTION.search(text, max(0, start - 4), start):
        return True  # "Gottman's research", a quote's "~Brene Brown" or "— Viktor Frankl"
    left = sentence_start(text, start)
    right = min((i for c in ".!?\n" if (i := text.find(c, end)) >= 0), default=len(text))
    if CITATION.search(text, left, right) is not None:
        return True
    if " " in text[start:end] or after_title(text, start) or _TITLE_OPENS.match(text, start):
        return False  # "Mark Brennecke explains", "Dr. Perel tells us": a namesake
    sentence = text[left:right]
    return _SPEAKS_TO_READERS.search(sentence) is not None and not _WRITER_TIED.search(sentence)
