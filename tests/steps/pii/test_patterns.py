"""Pattern recognizers: exact spans per category, what they must not match, strict mode,
placeholders, and crisis lines still found as phone candidates (the keep-list spares them)."""

from __future__ import annotations

import dataclasses
import pickle
import re

import pytest

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.names import SHAPE_RECOGNIZER
from mhds.steps.pii.patterns import PatternRecognizers
from mhds.steps.pii.spans import Category, Span

C = Category


@pytest.fixture(scope="module")
def normal() -> PatternRecognizers:
    return PatternRecognizers(PIIConfig())


@pytest.fixture(scope="module")
def strict() -> PatternRecognizers:
    return PatternRecognizers(PIIConfig(), strict=True)


def found(recognizers: PatternRecognizers, text: str) -> set[tuple[int, int, Category]]:
    return {(s.start, s.end, s.category) for s in recognizers.find(text)}


def where(text: str, value: str, category: Category) -> tuple[int, int, Category]:
    start = text.index(value)
    return (start, start + len(value), category)


POSITIVE = [
    # e-mail
    (C.EMAIL, "You can email me at sarah.k@gmail.com if that's easier.", "sarah.k@gmail.com"),
    (
        C.EMAIL,
        "Her work address is j.doe+therapy@mercy-health.org.",
        "j.doe+therapy@mercy-health.org",
    ),
    (C.EMAIL, "(contact: TOM_B@Yahoo.co.uk)", "TOM_B@Yahoo.co.uk"),
    # URL
    (
        C.URL,
        "She blogs at https://www.sherrykatz.com/about-me.",
        "https://www.sherrykatz.com/about-me",
    ),
    (C.URL, "Look up sherrykatz.com, it has her schedule.", "sherrykatz.com"),
    (C.URL, "His page drjohnsmith.net/contact lists his hours.", "drjohnsmith.net/contact"),
    (C.URL, "I found it on www.myjournal.org, not sure.", "www.myjournal.org"),
    (C.URL, "The link (http://example.com/a_(b)) was broken.", "http://example.com/a_(b)"),
    (C.URL, "My group meets via zoom.us/j/8812 weekly", "zoom.us/j/8812"),
    (C.URL, "Her practice is Mindful-Path.therapy now", "Mindful-Path.therapy"),
    (C.URL, "or visit www.RelationshipsGoneRight.Com today", "www.RelationshipsGoneRight.Com"),
    (C.URL, "Visit STACEYBSHAPIRO.COM for more", "STACEYBSHAPIRO.COM"),
    (C.URL, "see bbc.co.uk for the story", "bbc.co.uk"),
    # IP address
    (C.IP_ADDRESS, "My laptop's IP is 192.168.1.23 at home.", "192.168.1.23"),
    (C.IP_ADDRESS, "the log showed 2001:db8::8a2e:370:7334.", "2001:db8::8a2e:370:7334"),
    (C.IP_ADDRESS, "link-local fe80::1ff:fe23:4567:890a here", "fe80::1ff:fe23:4567:890a"),
    # phone
    (C.PHONE, "Call me at (555) 123-4567 tonight.", "(555) 123-4567"),
    (C.PHONE, "My cell is 555-123-4567.", "555-123-4567"),
    (C.PHONE, "or 555.123.4567 at work", "555.123.4567"),
    (C.PHONE, "from abroad dial +1 555 123 4567", "+1 555 123 4567"),
    (C.PHONE, "my number: 5551234567", "5551234567"),
    (C.PHONE, "The lifeline is 1-800-273-8255.", "1-800-273-8255"),
    (C.PHONE, "or 1 (800) 273-8255 any time", "1 (800) 273-8255"),
    (C.PHONE, "They said to call 800-273-TALK.", "800-273-TALK"),
    (C.PHONE, "I ordered from 1-800-FLOWERS for her.", "1-800-FLOWERS"),
    (C.PHONE, "My sister in London is +44 20 7946 0958.", "+44 20 7946 0958"),
    (C.PHONE, "In Paris call +33 1 23 45 67 89, ask for Anne.", "+33 1 23 45 67 89"),
    (C.PHONE, "his old landline was 555-0134.", "555-0134"),
    (C.PHONE, "office 555-123-4567 x 22, ask for me", "555-123-4567"),
    # IDs (the value only, never the cue word)
    (C.ID, "My SSN is 123-45-6789.", "123-45-6789"),
    (C.ID, "the card said 123 45 6789 on it", "123 45 6789"),
    (C.ID, "My MRN is 48291 if you need it.", "48291"),
    (C.ID, "medical record number: 0048291", "0048291"),
    (C.ID, "insurance member ID #XJ4421937 was denied", "XJ4421937"),
    (C.ID, "The policy number is AB-99812.", "AB-99812"),
    (C.ID, "patient ID 77-1203 on the bracelet", "77-1203"),
    (C.ID, "our group number 55012 changed", "55012"),
    (C.ID, "account number 004512889 is overdrawn", "004512889"),
    (C.ID, "my driver's license D1234567 expired", "D1234567"),
    (C.ID, "a car with plate ABC-1234 followed me", "ABC-1234"),
    (C.ID, "VIN 1HGCM82633A004352 on the title", "1HGCM82633A004352"),
    (C.ID, "the title lists 1HGCM82633A004352 as the car", "1HGCM82633A004352"),
    (C.ID, "my CPAP serial number SN-88213X broke", "SN-88213X"),
    (C.ID, "device ID 4F9A22 on my pump", "4F9A22"),
    (C.ID, "I paid with 4111 1111 1111 1111 and regret it", "4111 1111 1111 1111"),
    (C.ID, "card 4012888888881881.", "4012888888881881"),
    # ages over 89 (the number alone)
    (C.AGE, "I'm 92 and still living alone.", "92"),
    (C.AGE, "My nana says she is 95.", "95"),
    (C.AGE, "my grandmother, aged 95, moved in", "95"),
    (C.AGE, "Age: 101", "101"),
    (C.AGE, "caring for a 90-year-old widow", "90"),
    (C.AGE, "He's 93 years old and sharp.", "93"),
    (C.AGE, "Patient is a 94 y/o male", "94"),
    (C.AGE, "she turned 91 last spring", "91"),
    (C.AGE, "my grandpa is ninety-two years old", "ninety-two"),
    (C.AGE, "Party on Sunday: Nan will turn 96!", "96"),  # an age to come
    (C.AGE, "he is about to turn 100 and still drives", "100"),
    (C.AGE, "next month I'll turn 91.", "91"),
    # dates of a day
    (C.DATE, "On 03/14/2021 I was admitted.", "03/14/2021"),
    (C.DATE, "the appointment is 3-14-21 at noon", "3-14-21"),
    (C.DATE, "I was discharged 2021-03-14.", "2021-03-14"),
    (C.DATE, "the German form says 14.03.2021 there", "14.03.2021"),
    (C.DATE, "Since March 3 I haven't slept.", "March 3"),
    (C.DATE, "on the 3rd of March 2021 she left", "3rd of March 2021"),
    (C.DATE, "It was Mar. 14, 2021.", "Mar. 14, 2021"),
    (C.DATE, "It happened on the 14th of May.", "14th of May"),
    (C.DATE, "my birthday is June 21st, so", "June 21st"),
    (C.DATE, "on 3/14 I relapsed", "3/14"),
    (C.DATE, "my intake got moved to 27/09, ugh", "27/09"),  # a zero: no fraction
    (C.DATE, "court is 04/11 and I can't sleep", "04/11"),
    (C.DATE, "from the 15th of june I'm sober", "15th of june"),  # a day before its month
    (C.DATE, "since the 3rd april it has been hard", "3rd april"),
    (C.DATE, "the 5th of may, 2019 was the day", "5th of may, 2019"),
    (C.DATE, "I was born in 1987 in a small town.", "1987"),
    (C.DATE, "my DOB: 1987, if that matters", "1987"),
    (C.DATE, "Dad passed away in May 2015.", "May 2015"),
    (C.DATE, "I was admitted in March 2019 for two weeks", "March 2019"),
    (C.DATE, "she was born in March 1987", "March 1987"),
    # street addresses and ZIP codes in an address
    (C.LOCATION, "I live at 1234 Elm Street with my mom.", "1234 Elm Street"),
    (
        C.LOCATION,
        "We moved to 742 Evergreen Terrace, Apt 5B last year.",
        "742 Evergreen Terrace, Apt 5B",
    ),
    (C.LOCATION, "Send it to PO Box 123 please", "PO Box 123"),
    (C.LOCATION, "mail goes to P.O. Box 4455.", "P.O. Box 4455"),
    (C.LOCATION, "the clinic at 55 W. 42nd St is closer", "55 W. 42nd St"),
    (C.LOCATION, "his office, 100 North Main Street #4, is upstairs", "100 North Main Street #4"),
    (C.LOCATION, "Portland, OR 97201 is where I grew up", "97201"),
    (C.LOCATION, "Portland, Oregon 97201", "97201"),
    (C.LOCATION, "my zip code is 12345-6789", "12345-6789"),
    # names NER misses (the name, not the title)
    (C.PERSON, "I told Dr. Smith about the nightmares.", "Smith"),
    (C.PERSON, "Dr Sarah Johnson said it was normal.", "Sarah Johnson"),
    (C.PERSON, "Mrs. O'Brien from next door helped.", "O'Brien"),
    (C.PERSON, "Ms. García is my caseworker.", "García"),
    (C.PERSON, "Prof. Lee gave me an extension.", "Lee"),
    (C.PERSON, "Hi, my name is Sarah and I'm new here.", "Sarah"),
    (C.PERSON, "My name's Tom.", "Tom"),
    (C.PERSON, "please call me Mike.", "Mike"),
    (C.PERSON, "At school I'm called Jo-Anne.", "Jo-Anne"),
    (C.PERSON, "I go by Alex now.", "Alex"),
    (C.PERSON, "Thanks for listening.\n- Sarah", "Sarah"),
    (C.PERSON, "Thank you for reading.\n\nWarmly,\nDr. Jane Doe", "Jane Doe"),
    (C.PERSON, "That is all for now. Best,\nMaria", "Maria"),
    # scraped answers: signatures glued to the sentence before, names before credentials
    (C.PERSON, "any questions.Sincerely~ Catherine Cleveland", "Catherine Cleveland"),
    (C.PERSON, "a rough patch.Best wishes,Karen", "Karen"),
    (C.PERSON, "contact me for more informationLaura Cassity, LMSW, LMAC", "Laura Cassity"),
    (C.PERSON, "Be wellRobin J. Landwehr, DBH, LPC, NCC", "Robin J. Landwehr"),
    (C.PERSON, "Written by Maria Lopez LCSW for the group.", "Maria Lopez"),
    (C.PERSON, "Sam Jones, Ph.D. agrees", "Sam Jones"),
]


@pytest.mark.parametrize(("category", "text", "value"), POSITIVE)
def test_finds_exact_span(
    normal: PatternRecognizers, category: Category, text: str, value: str
) -> None:
    assert where(text, value, category) in found(normal, text)


@pytest.mark.parametrize(("category", "text", "value"), POSITIVE)
def test_strict_finds_everything_normal_finds(
    strict: PatternRecognizers, category: Category, text: str, value: str
) -> None:
    assert where(text, value, category) in found(strict, text)


NEGATIVE = [
    (C.EMAIL, "I was @ my wits' end, meet me @ 5"),
    (C.EMAIL, "sarah at gmail dot com"),  # obfuscated: strict only
    (C.URL, "I saved it in notes.txt last night."),
    (C.URL, "Some things, e.g. walks, help; i.e. the usual."),
    (C.URL, "It was 3.5 hours at 10 a.m. with a Ph.D. from the U.S."),
    (C.URL, "I felt bad.Then it came back."),
    (C.URL, "help for you.Online blogs help; stay in the same position.Live with it"),
    (C.URL, "nothing is normal.Therapy can help, and SSRI.Therapy too"),
    (C.URL, "my therapist's email is sarah@gmail.com"),  # an e-mail, not a URL
    (C.IP_ADDRESS, "version 1.2.3 and 999.1.1.1 and 10:30:45 and 3:2"),
    (C.PHONE, "I was born in 1987 and moved in 2019."),
    (C.PHONE, "My PHQ-9 score of 14 was lower than last time."),
    (C.PHONE, "I take 50mg of sertraline twice a day."),
    (C.PHONE, "We met at 10:30 and it cost $1,500."),
    (C.PHONE, "between 2019-2020 I was in a dark place"),
    (C.PHONE, "the dose went from 100-1200 mg over months"),
    (C.PHONE, "on 12/25/2021 and 3.1415 and zip 97201"),
    (C.PHONE, "call 988 or text HOME to 741741"),
    (C.PHONE, "my SSN is 123-45-6789"),
    (C.ID, "000-12-3456 and 666-12-3456 and 900-12-3456 and 123-00-4567 are not SSNs"),
    (C.ID, "4111 1111 1111 1112 fails the checksum"),
    (C.ID, "my group therapy is 2 hours; the policy was 12 weeks"),
    (C.ID, "my patient ID is on file"),
    (C.ID, "I live in ZIP 97201"),
    (C.AGE, "I'm 45 and tired all the time."),
    (C.AGE, "she's in her nineties now"),
    (C.AGE, "I'm 100% sure, I'm 95 percent done, I'm 90 minutes away"),
    (C.AGE, "I'm 95 lbs now and she is 92.5 on the scale"),
    (C.AGE, "it took 92 years to build"),
    (C.AGE, "inaction will be 100 x worse"),
    (C.AGE, "I had to turn 90 degrees to fit, then turn 180 pages"),
    (C.DATE, "In 2019 I moved, on Monday I cried, in March I relapsed."),
    (C.DATE, "for three weeks, for 2 years, last Tuesday, yesterday"),
    (C.DATE, "we met at 10:30 and again at 14:45"),
    (C.DATE, "my pain is 3/10 today and anxiety 7/10"),
    (C.DATE, "March 2021 was the hardest month."),
    (C.DATE, "May I ask something?"),
    (C.DATE, "we buried our first born in Jan 13 years ago"),
    (C.DATE, "13/13/2021 is not a date"),
    (C.DATE, "the 1990s were rough"),
    (C.DATE, "I rate it 10/10, ate 1/2 a cup, 2/3 of the meal, and I'm anxious 24/7"),
    (C.DATE, "the 5th may be the hardest and the 2nd march in a row"),
    (C.DATE, "my dad died in 2019 and I was admitted in 2020"),  # a year alone is allowed
    (C.LOCATION, "55555 people live there and I walked 5 miles"),
    (C.LOCATION, "I have 2 kids and a score of 14"),
    (C.LOCATION, "the number 97201 means nothing"),
    (C.PERSON, "my doctor said the Dr. said nothing"),
    (C.PERSON, "call me tomorrow or call me Monday"),
    (C.PERSON, "Things that help:\n- Exercise\n- Journaling"),
    (C.PERSON, "Thanks Again"),
    (C.PERSON, "She has an MA in counseling and a PhD."),
    (C.PERSON, "Boston, MA is far"),
    (C.PERSON, "dr smith is lowercase, DR. SMITH is shouting"),  # strict only
]


@pytest.mark.parametrize(("category", "text"), NEGATIVE)
def test_does_not_find(normal: PatternRecognizers, category: Category, text: str) -> None:
    assert [s for s in normal.find(text) if s.category is category] == []


CLEAN = [
    "I've been feeling really low since my mom passed. My therapist suggested CBT again.",
    "Honestly some days I can't get out of bed, and my PHQ-9 score was 19 last week.",
    "I take 100mg of Zoloft and 0.5 mg of Klonopin as needed, twice a day at 8:30.",
    "For three weeks I haven't slept more than four hours a night. In 2019 it was worse.",
    "Work has been brutal; my boss keeps scheduling meetings on Monday mornings in March.",
    "I scored 14 on the GAD-7 and 3/10 on my pain scale, about 50% better than before.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_therapy_prose_has_no_spans(normal: PatternRecognizers, text: str) -> None:
    # A drug's name is name-like by its shape; the keep-list spares it (next test).
    assert [s for s in normal.find(text) if s.recognizer != SHAPE_RECOGNIZER] == []


@pytest.mark.parametrize("text", CLEAN)
def test_therapy_prose_has_no_spans_after_the_keep_list(engine: PIIEngine, text: str) -> None:
    assert engine.analyze(text) == []


STRICT_ONLY = [
    (C.EMAIL, "write to sarah at gmail dot com", "sarah at gmail dot com"),
    (C.EMAIL, "sarah [at] gmail [dot] com works", "sarah [at] gmail [dot] com"),
    (C.EMAIL, "tom.b (at) outlook.com", "tom.b (at) outlook.com"),
    (C.URL, "find me as @sarah_k on insta", "@sarah_k"),
    (C.URL, "the link http:/broken-site was dead", "http:/broken-site"),
    (C.URL, "I saved it in notes.txt last night.", "notes.txt"),
    (C.ID, "my number is 555 123 45678 99", "555 123 45678 99"),
    (C.ID, "the code was 44.12.99.81.23", "44.12.99.81.23"),
    (C.PERSON, "I saw DR. SMITH today", "SMITH"),
]


@pytest.mark.parametrize(("category", "text", "value"), STRICT_ONLY)
def test_strict_widens(
    normal: PatternRecognizers,
    strict: PatternRecognizers,
    category: Category,
    text: str,
    value: str,
) -> None:
    span = where(text, value, category)
    assert span in found(strict, text)
    assert span not in found(normal, text)


@pytest.mark.parametrize("number", ["1-800-273-8255", "18002738255", "1 800 273 8255"])
def test_strict_digit_run_skips_crisis_numbers(strict: PatternRecognizers, number: str) -> None:
    text = f"you can call {number} any time"
    assert [s for s in strict.find(text) if s.recognizer == "digit_run_strict"] == []


@pytest.mark.parametrize(
    "number", ["1-800-273-8255", "1 (800) 273-8255", "800-273-TALK", "(800) 273-8255"]
)
def test_crisis_lines_are_phone_candidates(normal: PatternRecognizers, number: str) -> None:
    text = f"If it gets bad, call {number} right away."
    assert where(text, number, C.PHONE) in found(normal, text)


PLACEHOLDERS = [
    "[PERSON_1] said [PHONE_2] was his number; see [URL_3] or write [EMAIL_12].",
    "Dr. [PERSON_1] works at [LOCATION_10], ZIP [LOCATION_11].",
    "I was born on [DATE_1] and I'm [AGE_1]; my MRN is [ID_4] and SSN [ID_1234567].",
    "[PHONE_12345678901] and [IP_ADDRESS_3] and call me [PERSON_2]\n- [PERSON_1]",
]


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_placeholders_are_never_matched(
    normal: PatternRecognizers, strict: PatternRecognizers, text: str
) -> None:
    holes = [m.span() for m in re.finditer(r"\[[A-Z_]+_\d+\]", text)]
    for recognizers in (normal, strict):
        for span in recognizers.find(text):
            assert not any(span.start < e and b < span.end for b, e in holes), span


def test_finds_around_placeholders(strict: PatternRecognizers) -> None:
    text = "[PERSON_1] left 555-123-4567 for [PERSON_2]."
    assert where(text, "555-123-4567", C.PHONE) in found(strict, text)


def test_spans_carry_offsets_never_text(normal: PatternRecognizers) -> None:
    names = {f.name for f in dataclasses.fields(Span)}
    assert names == {"start", "end", "category", "score", "recognizer"}
    text = "Dr. Smith at 555-123-4567, sarah@gmail.com, SSN 123-45-6789, born in 1987."
    spans = normal.find(text)
    assert len(spans) == 5
    for span in spans:
        assert isinstance(span, Span) and 0 <= span.start < span.end <= len(text)
        assert 0 < span.score <= 1 and span.recognizer.endswith("_regex")
        assert text[span.start : span.end] not in repr(span)


def test_spans_of_one_category_do_not_nest(normal: PatternRecognizers) -> None:
    text = "call 1 (800) 273-8255 or +1 555 123 4567"
    phones = sorted((s.start, s.end) for s in normal.find(text) if s.category is C.PHONE)
    expected = [where(text, v, C.PHONE)[:2] for v in ("1 (800) 273-8255", "+1 555 123 4567")]
    assert phones == expected


def test_many_digits_take_the_scanning_path(normal: PatternRecognizers) -> None:
    filler = " ".join(str(n) for n in range(40))
    text = f"{filler} call 555-123-4567 on 03/14/2021 {filler}"
    assert where(text, "555-123-4567", C.PHONE) in found(normal, text)
    assert where(text, "03/14/2021", C.DATE) in found(normal, text)


def test_empty_and_whitespace(normal: PatternRecognizers, strict: PatternRecognizers) -> None:
    for text in ("", " ", "\n\n", "-"):
        assert normal.find(text) == [] and strict.find(text) == []


def test_long_inputs_do_not_backtrack(
    normal: PatternRecognizers, strict: PatternRecognizers
) -> None:
    nasty = ["a" * 5000 + "@", "1-" * 3000, "Dr. " + "Aa " * 2000, "a." * 3000 + "com", "9" * 5000]
    for text in nasty:
        normal.find(text)
        strict.find(text)


def test_recognizers_pickle(normal: PatternRecognizers, strict: PatternRecognizers) -> None:
    text = "Dr. Smith, 555-123-4567, born in 1987, Portland, OR 97201, I'm 92, x at y dot com"
    for recognizers in (normal, strict):
        clone = pickle.loads(pickle.dumps(recognizers))
        assert clone.find(text) == recognizers.find(text) != []
