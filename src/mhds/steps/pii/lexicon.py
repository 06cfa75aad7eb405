"""Whether a capitalised word is likely a name: a test that does not depend on the name list of
any one culture.

A capitalised word is *name-like* when its lower-case form is not an ordinary English word,
that is, when English text writes it capitalised at least as often as in lower case, or
seldom at all: "Sean", "Xavier", "Chaman", "Ángela" and unseen words are name-like; "Hope",
"Mark", "River" are not (they are words first). The table of ordinary words
(``data/common_words.txt.gz``, 44,760 words) is derived from spaCy's English word
probabilities; ``data/COMMON_WORDS.md`` says how, with its source and licence.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib.resources import files

#: What surrounds a term or an address in running text, stripped before it is compared.
EDGE_PUNCTUATION = " \t\r\n.,;:!?\"'`()[]{}<>*_“”‘’"
#: Curly apostrophes written straight, as the packaged tables write them ("Chili’s").
STRAIGHT_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})
#: Words of two or more letters that are all upper case are acronyms or shouting, not names.
_MIN_LENGTH = 2
#: Endings of contractions ("You'll", "I'm"): never a name.
CONTRACTIONS = ("'ll", "'d", "'ve", "'re", "'m", "n't", "’ll", "’d", "’ve", "’re", "’m", "n’t")


#: Contractions written without their apostrophe ("Im", "Dont", "Thats"), as chat and forum
#: posts often write them: never a name. spaCy's tokenizer splits them ("do" "nt"), so the
#: table of ordinary words lacks most of them. Those that are names too are left out ("Imma",
#: "Ima", "Arent", "Ive", "Hes", and "Im", a Korean surname: ``names`` reads "Im" in context).
BARE_CONTRACTIONS = frozenset(
    {
        "youre", "youve", "youll", "theyre", "theyve", "theyll", "thats", "whats", "itll",
        "dont", "didnt", "doesnt", "cant", "wont", "isnt", "wasnt", "werent", "hasnt", "havent",
        "hadnt", "couldnt", "wouldnt", "shouldnt", "aint",
    }
)  # fmt: skip


#: A possessive right after a word ("Gottman's", "Chili's", "Graves'").
POSSESSIVE_AFTER = re.compile(r"['’]s?\b")


#: Stop words that are also given names or months: never taken as stop words where a name
#: could stand ("Will", "May", "Mark").
NAME_LIKE_STOP_WORDS = frozenset({"will", "may", "bill", "sue", "mark", "pat", "rose"})


@cache
def english_stop_words() -> frozenset[str]:
    """spaCy's English stop words, imported on first use (spaCy is heavy)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


#: Languages besides English whose stop words tell an opening word of theirs from a name
#: ("Soy Miserable" opens with Spanish "soy"): Western Europe's most spoken.
_OTHER_LANGUAGES = ("es", "fr", "de", "it", "pt")


@cache
def other_stop_words() -> frozenset[str]:
    """spaCy's stop words of ``_OTHER_LANGUAGES`` that are not English stop words."""
    return frozenset().union(*stop_words_by_language().values())


@cache
def stop_words_by_language() -> dict[str, frozenset[str]]:
    """Each of ``_OTHER_LANGUAGES``' spaCy stop words that are not English stop words. Each
    list is read from its module's file alone: importing ``spacy.lang.fr`` would build the
    French tokenizer's exceptions first (5 s)."""
    import runpy

    lang = files("spacy").joinpath("lang")
    return {
        code: frozenset(runpy.run_path(str(lang.joinpath(code, "stop_words.py")))["STOP_WORDS"])
        - english_stop_words()
        for code in _OTHER_LANGUAGES
    }


def packaged_table(name: str) -> str:
    """The text of the packaged table ``data/<name>`` (gzip; one entry a line)."""
    return gzip.decompress(files("mhds.steps.pii").joinpath(f"data/{name}").read_bytes()).decode()


@cache
def common_words() -> tuple[frozenset[str], frozenset[str]]:
    """The packaged table, loaded once: the ordinary lower-case English words, and the words
    ordinary only at a sentence start ("However", "Furthermore"; also "Mary", "Tom")."""
    words = packaged_table("common_words.txt.gz").split()
    ordinary = frozenset(w for w in words if not w.startswith("~"))
    return ordinary, frozenset(w[1:] for w in words if w.startswith("~"))


#: A letter written three times or more in a row ("Sooo", "Agaiiiin"): no name does that.
#: An acronym's plural ("LCSWs", "LPCs", "SSRIs", "PhDs"): never a name. Two capitals are
#: initials as often ("AJs house"), so they are not read as one.
ACRONYM_PLURAL = re.compile(r"[A-Z]{3,6}s|(?:Ph|Psy|Ed)Ds")
_DRAWN_OUT = re.compile(r"([a-z])\1\1")
_DIGIT = re.compile(r"\d")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]+")
_MIN_PART = 3


def sentence_start(text: str, at: int) -> int:
    """Where the sentence holding ``at`` starts: after the last ".", "!", "?" or line break
    before it."""
    return max(text.rfind(c, 0, at) for c in ".!?\n") + 1


def has_digit(text: str) -> bool:
    """Whether ``text`` holds a digit (a regex scans far faster than a loop over characters)."""
    return _DIGIT.search(text) is not None


def is_capitalised(word: str) -> bool:
    """An upper-case first letter followed by at least one lower-case letter ("Ángela", not
    "OSLO" or "I")."""
    return (
        len(word) >= _MIN_LENGTH
        and word[0].isupper()
        and any(c.islower() for c in word[1:])
        and word[1:].replace("'", "").replace("’", "").replace("-", "").isalpha()
    )


def is_name_like(word: str, *, sentence_start: bool = False) -> bool:
    """A capitalised word whose lower-case form is not an ordinary English word (at a sentence
    start, not even one that sentences often start with)."""
    if not is_capitalised(word):
        return False
    lower = word.lower().replace("’", "'")
    if lower.endswith(CONTRACTIONS) or lower in BARE_CONTRACTIONS or _DRAWN_OUT.search(lower):
        return False  # "Agaiiiiiin": a word drawn out for effect, not a name
    if ACRONYM_PLURAL.fullmatch(word):
        return False  # "LCSWs", "PhDs": more than one of what an acronym names
    ordinary, initial = common_words()
    parts = lower.split("-")  # "Jean-Luc", "Smith-Lawrence": every part name-like
    words = [lower, *parts] if len(parts) > 1 else [lower]
    if any(not w or w in ordinary for w in words):
        return False
    if _is_compound(word, ordinary):
        return False  # "WorryRegret", "ExerciseBitterness": words glued, not a name
    return not (sentence_start and any(w in initial for w in words))


def is_ordinary(word: str) -> bool:
    """Whether ``word`` (any case) is an ordinary English word, at a sentence start or not."""
    lower = word.lower().replace("’", "'")
    ordinary, initial = common_words()
    return lower in ordinary or lower in initial or lower in BARE_CONTRACTIONS


def _is_compound(word: str, ordinary: frozenset[str]) -> bool:
    """Whether ``word`` is ordinary words of three letters or more run together, each
    capitalised, with acronyms or a list's letters among them ("AppreciationExpectations",
    "JournalingB", "SADWomenIndividuals"); "McKenzie", "DeShawn", "LaToya" are not."""
    parts = _CAMEL.findall(word)
    words = [p for p in parts if not p.isupper()]
    return (
        len(parts) > 1
        and bool(words)
        and "".join(parts) == word
        and all(len(p) >= _MIN_PART and p.lower() in ordinary for p in words)
    )


def one_edit_apart(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one letter changed, added or dropped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]
