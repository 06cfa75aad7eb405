"""The conversation echo's whole-word search finds what the regex it replaces finds."""

from __future__ import annotations

import random
import re

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.echo import echo_addresses, echo_names, whole_words
from mhds.steps.pii.patterns import PatternRecognizers
from mhds.steps.pii.spans import Category, Span

# Characters that exercise every boundary rule: word characters (ASCII, accented, digits,
# underscore), the refused neighbours @ . /, and plain separators.
ALPHABET = "AaBbé_1 @./,-"


def regex_matches(text: str, needles: list[str]) -> list[tuple[int, int, str]]:
    """The reference: one alternation, needles longest first, with the echo's boundaries."""
    pattern = re.compile(
        r"(?<![\w@./])(" + "|".join(re.escape(n) for n in needles) + r")(?![\w@]|\.\w)"
    )
    return [(m.start(), m.end(), m.group(1)) for m in pattern.finditer(text)]


def test_whole_words_equals_the_regex_on_random_text() -> None:
    rng = random.Random(20261130)
    compared = with_matches = 0
    for _ in range(4000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40)))
        starts = [rng.randrange(len(text)) for _ in range(rng.randint(1, 4))]
        needles = {text[i : i + rng.randint(1, 6)] for i in starts}
        needles.add("".join(rng.choice("Aab") for _ in range(rng.randint(1, 3))))
        ordered = sorted(needles, key=len, reverse=True)
        expected = regex_matches(text, ordered)
        assert list(whole_words(text, ordered)) == expected, (text, ordered)
        compared += 1
        with_matches += bool(expected)
    assert compared == 4000 and with_matches > 1000


def test_a_name_found_once_is_found_in_every_turn() -> None:
    texts = ["My sister Priya Natarajan called.", "Priya said no; email priya@x.org or Priya."]
    spans = [[Span(10, 26, Category.PERSON, 0.9, "ner")], []]
    echoed = echo_names(texts, spans)
    assert echoed[0] == spans[0]
    # "Priya" twice as a whole word; not inside the e-mail address.
    assert [(s.start, s.end, s.recognizer) for s in echoed[1]] == [
        (0, 5, "conversation_echo"),
        (36, 41, "conversation_echo"),
    ]


def test_an_address_redacted_once_is_redacted_in_every_turn() -> None:
    texts = [
        "My site www.Calm-Steps.org/tips/ and jo@calm-steps.org.",
        "See calm-steps.org/tips, https://calm-steps.org/tips. Or JO@calm-steps.org! www.nami.org",
        "Not https://example.com/?next=calm-steps.org/tips nor calm-steps.org/tipsy.",
    ]
    first = texts[0]
    at, mail_at = first.index("www."), first.index("jo@")
    site = Span(at, first.index(" and"), Category.URL, 0.85, "url_regex")
    mail = Span(mail_at, first.index(".", mail_at + 14), Category.EMAIL, 0.9, "email_regex")
    assert first[site.start : site.end] == "www.Calm-Steps.org/tips/"
    assert first[mail.start : mail.end] == "jo@calm-steps.org"
    patterns = PatternRecognizers(PIIConfig())
    echoed = echo_addresses(texts, [[site, mail], [], []], patterns.find_addresses)
    assert echoed[0] == [site, mail]
    # the same site however written (no "www.", a scheme, lower case, no closing slash), the
    # same mailbox in capitals; sentence marks after them are not part of them
    assert [(texts[1][s.start : s.end], s.category, s.score, s.recognizer) for s in echoed[1]] == [
        ("calm-steps.org/tips", Category.URL, 0.85, "address_echo"),
        ("https://calm-steps.org/tips", Category.URL, 0.85, "address_echo"),
        ("JO@calm-steps.org", Category.EMAIL, 0.9, "address_echo"),
    ]
    # inside another page's address, or another page of the site: not the same address
    assert echoed[2] == []
