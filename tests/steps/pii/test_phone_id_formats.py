"""Phone numbers of several countries (libphonenumber), IBANs (mod 97) and card numbers
without a cue (Luhn), written for these tests: none comes from an evaluation corpus. Also what
must stay: doses, years, scores, ranges, dates (as dates) and the public crisis lines."""

from __future__ import annotations

import pytest

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.spans import Category

C = Category


def categories_of(engine: PIIEngine, text: str, category: Category) -> list[str]:
    return [text[s.start : s.end] for s in engine.analyze_patterns(text) if s.category is category]


PHONES = [
    ("Ring my flat in Leeds on 0113 496 0123 after six.", "0113 496 0123"),
    ("my mum's landline is 020 7946 0018", "020 7946 0018"),
    ("Meine Nummer ist 030 12345678, bitte abends.", "030 12345678"),
    ("chez moi: 01 42 68 53 00", "01 42 68 53 00"),
    ("her mobile +91 98765 43210 works", "+91 98765 43210"),
    ("en Madrid llama al 912 345 678", "912 345 678"),
    ("studio a Roma 06 6988 4321", "06 6988 4321"),
    ("Sydney office (02) 9374 4000", "(02) 9374 4000"),
    ("Dublin 01 671 1234 mornings", "01 671 1234"),
    ("Zurich 044 668 18 00", "044 668 18 00"),
    ("Amsterdam 020 794 0911", "020 794 0911"),
    ("reach her at +44 (0)161 496 0457 in the day", "+44 (0)161 496 0457"),
    ("desk: +33 (0)4 72 10 30 30, cell below", "+33 (0)4 72 10 30 30"),
    ("the clinic line 555-201-7788-cell is hers", "555-201-7788"),
    ("exported as 'Work:\\n+49 89 12345678\\nHome'", "+49 89 12345678"),
]


@pytest.mark.parametrize(("text", "phone"), PHONES)
def test_finds_phones_of_several_countries(engine: PIIEngine, text: str, phone: str) -> None:
    assert phone in categories_of(engine, text, C.PHONE)


def test_phone_extension_is_not_part_of_the_span(engine: PIIEngine) -> None:
    assert categories_of(engine, "Bern 031 322 21 11 ext. 40 for me", C.PHONE) == ["031 322 21 11"]


IDS = [
    ("bank NL91ABNA0417164300 please", "NL91ABNA0417164300"),
    ("DE89 3704 0044 0532 0130 00 is the account", "DE89 3704 0044 0532 0130 00"),
    ("send it to GB82 WEST 1234 5698 7654 32.", "GB82 WEST 1234 5698 7654 32"),
    ("paid with 5018 0000 0009 yesterday", "5018 0000 0009"),
    ("the one ending like 6033012345678901 was declined", "6033012345678901"),
    ("it was 5018-0000-0009, the old one", "5018-0000-0009"),
]


@pytest.mark.parametrize(("text", "value"), IDS)
def test_finds_ibans_and_cards_without_a_cue(engine: PIIEngine, text: str, value: str) -> None:
    assert value in categories_of(engine, text, C.ID)


@pytest.mark.parametrize(
    "text",
    [
        "NL91ABNA0417164301 has a wrong check digit",  # mod 97 fails
        "the code GB00 ABCD EFGH IJKL MNOP was in the letter",
        "ticket 501800000008 fails Luhn",
        "an ordinary word like ABCD1234EFGH5678 stays",
    ],
)
def test_invalid_ibans_and_cards_are_not_ids(engine: PIIEngine, text: str) -> None:
    assert categories_of(engine, text, C.ID) == []


@pytest.mark.parametrize(
    "text",
    [
        "I take 20 mg twice a day since 2019",
        "my PHQ-9 of 14 and GAD-7 of 12",
        "3-4 times a week for 10-15 minutes",
        "from 2015-2019 and again 2020–2022",
        "weighed 180 lbs at 5 ft 9",
        "between 100000 and 2500000 dollars",
        "dose 150-300 mg daily, then 1200 mg",
        "score 1234567 points on the game",
        "a ratio of 3.14159265 in class",
        "zip 97201-1234",
        "on 12/05/2019 and 2021-03-04",
    ],
)
def test_numbers_that_are_not_phones(engine: PIIEngine, text: str) -> None:
    assert categories_of(engine, text, C.PHONE) == []
    assert categories_of(engine, text, C.ID) == []


@pytest.mark.parametrize(
    "text",
    [
        "call 988 or 1-800-273-8255 or text HOME to 741741",
        "the lifeline +1 800 273 8255 is free",
        "Trevor Project: 1-866-488-7386, any time",
    ],
)
def test_crisis_lines_are_kept(engine: PIIEngine, text: str) -> None:
    assert categories_of(engine, text, C.PHONE) == []


CUED_PHONES = [
    ("text me on 0412 887 305 when you land", "0412 887 305"),
    ("Phone:\n638 20 117\nEmail: none", "638 20 117"),
    ("my cell is 7731 0926, call after work", "7731 0926"),
    ("reach me at 55 81 92 04 tonight", "55 81 92 04"),
    ("the new number is +353871 442 019", "+353871 442 019"),
    ("if you can, call 614 208 337 after six", "614 208 337"),
    ("nobody is answering at 902 5518 anymore", "902 5518"),
    ("no code came to my registered 7712 0934 yet", "7712 0934"),
]


@pytest.mark.parametrize(("text", "phone"), CUED_PHONES)
def test_finds_local_numbers_after_a_phone_cue(engine: PIIEngine, text: str, phone: str) -> None:
    assert phone in categories_of(engine, text, C.PHONE)


@pytest.mark.parametrize(
    "text",
    [
        "I sleep 7 hours and call at 9 am",
        "the rent is 1 250 000 won",
        "call me at 988 if needed",
        "we call 2 000 000 people a year",
    ],
)
def test_numbers_without_a_phone_cue_or_too_short_are_not_phones(
    engine: PIIEngine, text: str
) -> None:
    assert categories_of(engine, text, C.PHONE) == []


@pytest.mark.parametrize(
    ("text", "age"),
    [("She wrote it when she was 97.", "97"), ("He died at 101, in his sleep.", "101")],
)
def test_ages_over_89_after_a_past_age_cue(engine: PIIEngine, text: str, age: str) -> None:
    assert categories_of(engine, text, C.AGE) == [age]
