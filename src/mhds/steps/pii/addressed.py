"""Who a text addresses, introduces or lets speak: the word a greeting or an interjection
addresses ("Hi Chapel Hill,", "Dear Faith,", "Oh Spokane,"), a writer who introduces herself
after a greeting ("Hi, I'm Marisol!"), a given name English has too that a sentence addresses
or has speak ("Victor, can I ...", "Ruby told me"), and a line's speaker ("Marco: ...").

The name slots (``names.py``) ask these questions of a run of capitalised words, by its
offsets and words; what makes a word a name there (``is_name_like``, the Census table) is
theirs to weigh.
"""

from __future__ import annotations

import re

from mhds.steps.pii.gazetteer import is_given_name
from mhds.steps.pii.lexicon import is_name_like
from mhds.steps.pii.name_cues import ADDRESSED, CUE_REACH, greets

#: A writer introducing themselves after a greeting ("Hi, I'm ", "Hello there! I am ").
_GREETED_INTRO = re.compile(
    r"(?:^|\n|\\n|[.!?][ \t]+)[ \t]*(?i:hi|hello|hey)(?:[ \t]+(?i:there|all|everyone))?"
    r"[ \t,!.]*(?:I['’]?m|I[ \t]+am)[ \t]+\Z"
)
#: Labels forum posts give their lines ("Edit: thanks all", "Update: ..."): no speaker.
_LINE_LABELS = frozenset(
    {"edit", "edited", "update", "updated", "note", "eta", "tl;dr", "tldr", "ps", "pps", "context",
     "background", "disclaimer", "title"}
)  # fmt: skip
_LINE_START = re.compile(r"(?:^|\n|\\n)[ \t]*\Z")
#: Verbs of speaking right after a sentence's first word ("Jade told me"), which an abstract
#: noun a sentence gives life to does not take ("Hope felt", "Grace knows", "Faith moved").
_SPEAKS_AFTER = re.compile(
    r"[ \t]+(?:said|says|told|tells|asked|asks|called|calls|texted|texts|wrote|writes"
    r"|yelled|yells|replied|replies|answered|answers|promised|promises)\b"
)
#: Words of address that the Census table holds as given names ("Honey, can you ...", "Love,
#: are you okay?") and titles of rank ("King said ..."): no one's name there.
_ADDRESS_WORDS = frozenset(
    {"honey", "love", "man", "buddy", "lady", "dude", "sir", "babe", "baby", "sweetie",
     "darling", "dear", "kid", "girl", "boy", "mate", "pal", "angel", "sugar", "champ", "chief",
     "boss", "doc", "bro", "sis", "king", "queen", "prince", "princess", "duke", "lord"}
)  # fmt: skip
#: What a greeting addresses that is no one's name: an audience, a role, kin, an endearment,
#: a deity or a feeling ("Hi everyone", "Dear Sir", "Hi Mom", "Dear God", "Dear Worried").
_GREETED_NOT_NAMES = _ADDRESS_WORDS | frozenset(
    {"all", "everyone", "everybody", "there", "again", "guys", "folks", "friend", "friends",
     "team", "world", "you", "yall", "y'all", "y’all", "reader", "readers", "reddit",
     "internet", "anon", "anonymous", "stranger", "strangers", "asker", "madam", "ma'am",
     "ma’am", "maam", "doctor", "therapist", "counselor", "counsellor", "colleague",
     "colleagues", "ladies", "gentlemen", "mods", "moderators", "mom", "mum", "mommy", "mama",
     "dad", "daddy", "papa", "mother", "father", "parents", "son", "daughter", "sister",
     "brother", "grandma", "grandpa", "sweetheart", "beautiful", "gorgeous", "handsome",
     "diary", "god", "jesus", "santa", "universe", "self", "me", "lonely", "sad", "lost",
     "stuck", "scared", "afraid", "unsure", "upset", "unhappy", "hopeless", "helpless",
     "alone", "sorry", "thanks", "welcome", "yes", "no", "ok", "okay", "well", "wow", "oh",
     "so", "miss", "mister", "mrs", "mr", "ms"}
)  # fmt: skip
#: Word endings of feelings and states, by which a greeting addresses an asker who gave no
#: name ("Dear Worried,", "Hi Struggling,", "Dear Anxious,", "Hi Hopeful,", "Dear Sleepless,").
_FEELING_ENDINGS = ("ed", "ing", "ous", "ful", "less", "ish")
#: What follows a word a greeting addresses: a comma, "!", a colon or the line's end.
_ADDRESS_END = re.compile(r"[ \t]*(?:[,!:]|\Z|\n|\\n)")
#: A question put to the word before it ("Victor, can I please ...", "Ella, could you ...").
_ASKED_AFTER = re.compile(
    r"[ \t]*,[ \t]*(?i:can|could|would|will|may|do|did|are|have)[ \t]+(?:I|you|we)\b"
)


def greets_name(text: str, start: int, first_word: str) -> bool:
    """Whether a greeting opening a text or a line addresses the run at ``start`` ("Hi Chapel
    Hill,"), or an interjection there addresses a word that is name-like even opening a
    sentence ("Oh Spokane,"; not "Well Yes,", "Oh Wow,": words that only open sentences
    capitalised). The run's name-likeness is the caller's to weigh."""
    if greets(text, start, interjected=False):
        return True
    return greets(text, start) and is_name_like(first_word, sentence_start=True)


def greeted_alone(text: str, start: int, end: int, words: list[str]) -> bool:
    """Whether the run ``text[start:end]`` is one word that a greeting opening a text or a
    line addresses, a comma, "!", a colon or the line's end after it ("Hi Hope,", "Dear
    Thistle!"): who is greeted, whatever English has the word for, unless an audience, a
    role, kin, an endearment or a feeling (``_GREETED_NOT_NAMES``, ``_FEELING_ENDINGS``: "Hi
    everyone,", "Dear Worried,"). After an interjection the word is no one ("Oh Wow,")."""
    if len(words) != 1 or not greets(text, start, interjected=False):
        return False
    word = words[0]
    lower = word.lower()
    if lower in _GREETED_NOT_NAMES:
        return False
    if lower.endswith(_FEELING_ENDINGS) and not is_given_name(word):
        return False
    return _ADDRESS_END.match(text, end) is not None


def introduced(text: str, start: int) -> bool:
    """Whether a writer introduces themselves with the word at ``start`` after a greeting
    ("Hi, I'm Marisol!", "Hello there, I am Odalys")."""
    return _GREETED_INTRO.search(text, max(0, start - CUE_REACH), start) is not None


def given_name_acting(text: str, end: int, word: str) -> bool:
    """Whether ``word``, an ordinary word opening a sentence and ending at ``end``, is a given
    name (``is_given_name``) that acts as a person: a verb of speaking after it ("Jade told
    me"), or addressed with a question ("Victor, can I please speak ..."). "Hope is", "Grace
    comes", "Faith moved mountains" and words of address ("Honey, can you ...") are no such
    slot. Surnames that English has as words are not read so: "Work called me in", "Pride
    told me", "Cutting called to me" are no one."""
    if not is_given_name(word) or word.lower() in _ADDRESS_WORDS:
        return False
    return _SPEAKS_AFTER.match(text, end) is not None or _ASKED_AFTER.match(text, end) is not None


def may_speak(word: str) -> bool:
    """Whether a word opening a line before a colon can be who speaks: a name-like word
    ("Marco:", "Chen:"), not a label posts give their lines ("Edit:", "Update:")."""
    return is_name_like(word) and word.lower() not in _LINE_LABELS


def addressed(text: str, start: int, end: int) -> bool:
    """Whether the run ``text[start:end]`` is greeted (``greets``) or opens a text or a line
    before a comma, as who it is written to ("Lorain, you're correct that ...")."""
    if greets(text, start):
        return True
    before = max(0, start - CUE_REACH)
    return _LINE_START.search(text, before, start) is not None and (
        ADDRESSED.match(text, end) is not None
    )
