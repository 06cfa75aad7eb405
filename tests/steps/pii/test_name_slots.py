"""Names in name slots and address parts, on sentences written for these tests (none comes from
an evaluation corpus): relation and role cues, names that are also English words, names of
many origins, vocatives, speakers, sign-offs, lists; street lines of several countries,
units, address blocks (real and escaped line breaks), postcodes, towns by the shape of their
name; and what must stay: clinical terms, sentence-initial words, months, countries, states."""

from __future__ import annotations

import pytest

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.lexicon import is_name_like
from mhds.steps.pii.spans import Category

C = Category


def found(engine: PIIEngine, text: str, category: Category) -> list[str]:
    return [text[s.start : s.end] for s in engine.analyze_patterns(text) if s.category is category]


NAMES = [
    ("I keep fighting with my sister Hope about money.", "Hope"),
    ("My therapist, Dana, said it was normal.", "Dana"),
    ("our neighbour Wairimu brought soup", "Wairimu"),
    ("my ex-husband Tadeusz still calls", "Tadeusz"),
    ("We adopted a puppy and a girl named Summer fell in love with it", "Summer"),
    ("Honestly Oluwaseun was the only one who listened.", "Oluwaseun"),
    ("Siobhan told me to stop apologising.", "Siobhan"),
    ("I went to the park with Thandiwe yesterday.", "Thandiwe"),
    ("Can you help me, Nnamdi? I'm lost.", "Nnamdi"),
    ("Bartholomew: I never said that.\nNurse: You did.", "Bartholomew"),
    ("The report was signed by Mireille Achterberg last week.", "Mireille Achterberg"),
    ("we asked for Kaveh Farahani at the desk", "Kaveh Farahani"),
    ("Yesterday Giedre's brother shouted at me", "Giedre"),
    ("I saw prof Kline today", "Kline"),
    ("I saw dr Wu today", "Wu"),
    ("the kids, Ayasha, Tomasz and Ifeoma, are all at school", "Tomasz"),
    # a given name that English has too, opening a sentence: asked, or doing what people do
    ("Jasper, could you tell me where the forms are?", "Jasper"),
    ("Ruby told me she was scared to go home.", "Ruby"),
    # a given name that ends like an abstract noun ("-ence", "-ance")
    ("Clarence, I hope the new job is kinder to you.", "Clarence"),
    # a surname that ends like a gerund, opening a sentence as a person
    ("Harding said the new job would be kinder.", "Harding"),
    ("Keating never answered my last email.", "Keating"),
]


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_finds_names_in_name_slots(engine: PIIEngine, text: str, name: str) -> None:
    assert name in found(engine, text, C.PERSON)


def test_a_list_of_names_is_found_whole(engine: PIIEngine) -> None:
    text = "the kids, Ayasha, Tomasz and Ifeoma, are all at school"
    assert {"Ayasha", "Tomasz", "Ifeoma"} <= set(found(engine, text, C.PERSON))


NOT_NAMES = [
    "However, I think you should talk to someone you trust.",
    "Unfortunately, the waitlist is long.",
    "Furthermore, sleep matters a great deal.",
    "You'll feel better once you rest.",
    "We've tried everything, honestly.",
    "Work has been hard since March, and my boss calls on Monday mornings.",
    "Boston, MA is where I grew up.",
    "My daughter has Asperger's and my son has Tourette's.",
    "My therapist suggested Cognitive Behavioral Therapy for my Panic Disorder.",
    "My doctor put me on Zoloft and then Lexapro.",
    "I moved here from Canada and my family is in Texas.",
    "Hi there, thank you for writing in.",
    # ordinary words that are given names too, opening a sentence with no person's slot
    "Hope is a good thing to hold on to when things are dark.",
    "Grace comes when you stop fighting yourself.",
    "Sorry, can I add one more thing?",
    # an abstract noun a sentence gives life to, and words of address
    "Faith moved mountains for me this year.",
    "Joy felt impossible after the funeral.",
    "Honey, can you pass me the phone?",
    "Love, are you okay?",
    # gerunds that open a sentence; surnames English has as words, doing what people do
    "Reframing is a tool that helps you see it from another side.",
    "Journaling helped me more than I expected.",
    "Law says you must report it within a day.",
    "Work called me in on my day off again.",
    "Pride told me not to ask for help.",
    "Cutting called to me again last night.",
]


@pytest.mark.parametrize("text", NOT_NAMES)
def test_keeps_words_that_are_not_names(engine: PIIEngine, text: str) -> None:
    assert found(engine, text, C.PERSON) == []


ADDRESSES = [
    ("Send it to 4417 Juniper Hollow Rd, she lives there.", "4417 Juniper Hollow Rd"),
    ("Our office: 18 Harbour Crescent, Apt 3", "Apt 3"),
    ("meet me at 902 Saltmarsh Causeway tonight", "902 Saltmarsh Causeway"),
    ("Ich wohne in der Lindenstraße 14 seit Mai", "Lindenstraße 14"),
    ("Trovami in Via Garibaldi 27, a Torino", "Via Garibaldi 27"),
    ("vivo en Calle de Alcalá 120 con mi tía", "Calle de Alcalá 120"),
    ("she grew up on Willowmere Lane near the mill", "Willowmere Lane"),
    ("the flat is on Grunewald street", "Grunewald"),
    ("mail goes to PSC 4410, Box 2231 overseas", "PSC 4410, Box 2231"),
    ("His unit: APO AE 09012", "APO AE 09012"),
    ("My postcode is SW1A 2AA and I'm scared", "SW1A 2AA"),
    ("He was sent back to Marlowchester after the trial.", "Marlowchester"),
    ("I'm originally from Kisumu and moved for work.", "Kisumu"),
]


@pytest.mark.parametrize(("text", "part"), ADDRESSES)
def test_finds_address_parts(engine: PIIEngine, text: str, part: str) -> None:
    assert any(part in value for value in found(engine, text, C.LOCATION))


@pytest.mark.parametrize("newline", ["\n", "\\n"])
def test_reads_an_address_block_with_real_or_escaped_line_breaks(
    engine: PIIEngine, newline: str
) -> None:
    text = newline.join(
        ["Imani Okafor", "73 Brackenridge Way", "Suite 12", "Pellworth", "Kenya 00100"]
    )
    locations = found(engine, text, C.LOCATION)
    assert "73 Brackenridge Way" in locations
    assert "Suite 12" in locations
    assert "Pellworth" in locations
    assert "00100" in locations
    assert all("Kenya" not in value for value in locations)  # a country is kept (Safe Harbor)
    assert "Imani Okafor" in found(engine, text, C.PERSON)


def test_a_street_inside_a_sentence_does_not_take_the_next_line(engine: PIIEngine) -> None:
    text = "I walked past 12 Elm Street and cried.\nGratitude Journal"
    assert found(engine, text, C.LOCATION) == ["12 Elm Street"]


NOT_ADDRESSES = [
    "I take 50 mg Sertraline Daily and 2 Advil",
    "We talked for 3 hours on the phone.",
    "Chapter 4 covers Grief.",
    "I scored 21 on the PHQ-9 last week.",
]


@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_keeps_numbers_that_are_not_addresses(engine: PIIEngine, text: str) -> None:
    assert found(engine, text, C.LOCATION) == []


@pytest.mark.parametrize(
    ("word", "name_like"),
    [("Oluwaseun", True), ("Siobhan", True), ("Hope", False), ("River", False),
     ("Unless", False), ("OSLO", False), ("You'll", False), ("Jean-Luc", True)],
)  # fmt: skip
def test_name_likelihood_is_the_word_not_a_name_list(word: str, name_like: bool) -> None:
    assert is_name_like(word) is name_like


def test_sentence_start_words_are_not_name_like_there() -> None:
    assert is_name_like("Furthermore", sentence_start=True) is False
    assert is_name_like("Mary", sentence_start=True) is False
    assert is_name_like("Oluwaseun", sentence_start=True) is True


PRIVATE_NAMES_LIKE_LISTED_ONES = [
    ("My stepdad John Bradshaw hit me again last night.", "John Bradshaw"),
    ("My husband, Gary Chapman, reads my texts.", "Gary Chapman"),
    ("I've been reading Brené Brown. My boyfriend Brown hits me.", "Brown"),
    ("My psychiatrist Dr. Seligman's office never calls back.", "Seligman"),
    ("My daughter Emma's disorder makes school hard for her.", "Emma"),
    ("My uncle Guidone molested me when I was nine.", "Guidone"),
    ("My daughter Alexia cuts herself.", "Alexia"),
    ("I met Peter Levine at the bar and he followed me home.", "Peter Levine"),
    ("I work at Brookhaven Therapy on weekends.", "Brookhaven"),
]


@pytest.mark.parametrize(("text", "name"), PRIVATE_NAMES_LIKE_LISTED_ONES)
def test_a_listed_or_clinical_word_in_a_persons_slot_is_redacted(
    engine: PIIEngine, text: str, name: str
) -> None:
    redacted = [text[s.start : s.end] for s in engine.analyze(text)]
    assert any(name in value for value in redacted), redacted


CITED = [
    ("I recommend reading Brené Brown's Daring Greatly.", "Brené Brown"),
    ("The Body Keeps the Score by Bessel van der Kolk explains this.", "Bessel van der Kolk"),
    ("Gottman's research on couples is worth a look.", "Gottman"),
]


@pytest.mark.parametrize(("text", "name"), CITED)
def test_a_cited_public_figure_is_kept(engine: PIIEngine, text: str, name: str) -> None:
    redacted = [text[s.start : s.end] for s in engine.analyze(text)]
    assert not any(name in value or value in name for value in redacted), redacted


def test_a_directory_profile_url_names_its_therapist(engine: PIIEngine) -> None:
    text = "I found her at https://www.goodtherapy.org/therapists/profile/jennifer-okafor-20231"
    urls = found(engine, text, C.URL)
    assert urls and "jennifer-okafor" in urls[0]
    public = "see https://www.psychologytoday.com/us/basics/anxiety for more"
    assert found(engine, public, C.URL) == []


@pytest.mark.parametrize(
    "text",
    [
        "Try the 10 Minute Walk each morning.",
        "Call the 24 Hour Crisis Center if you need to.",
        "Step 1 Notice 2 breathe.",
        "and Bright Light Therapy helps in winter",
        "reflect on Mindful Walks through the week",
    ],
)
def test_counts_and_practices_are_not_streets(engine: PIIEngine, text: str) -> None:
    assert found(engine, text, C.LOCATION) == []


def test_a_street_keeps_the_sentence_full_stop_out() -> None:
    from mhds.steps.pii.addresses import AddressRecognizer

    text = "She lives at 14 Harwick Street. Then we moved."
    [span] = [s for s in AddressRecognizer().find(text) if s.recognizer == "street_address_regex"]
    assert text[span.start : span.end] == "14 Harwick Street"


@pytest.mark.parametrize(
    "text",
    [
        "It may be hard to be seen as gay, lesbian, bisexual, or queer at school.",
        "Try summarizing what you heard for youRemember that listening takes practice.",
        "Set a boundary and stick with it (be ready for honesty)6 weeks is a fair start.",
        "We spoke about the subject;It keeps coming back every week.",
    ],
)
def test_ner_noise_in_lower_case_or_glued_words_is_not_a_name(engine: PIIEngine, text: str) -> None:
    assert [s for s in engine.analyze(text) if s.category in (C.PERSON, C.LOCATION)] == []


def test_a_lower_case_name_is_still_found(engine: PIIEngine) -> None:
    text = "my name is sarah and i moved here last year"
    assert "sarah" in [text[s.start : s.end] for s in engine.analyze(text)]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("read http://www.janedoe.org/home/There are more", "http://www.janedoe.org/home/"),
        ("at http://janedoe.org/a.pdfBased on it", "http://janedoe.org/a.pdf"),
        ("You can do it!Earl Lewiswww.janedoe.com", "www.janedoe.com"),
        ("see https://janedoe.org/what-is-it.htmlI hope", "https://janedoe.org/what-is-it.html"),
        ("my page https://example.org/MyPage now", "https://example.org/MyPage"),
    ],
)
def test_a_url_ends_before_a_glued_next_sentence(engine: PIIEngine, text: str, url: str) -> None:
    assert found(engine, text, C.URL) == [url]


def test_a_name_found_once_is_found_again_in_the_same_text(engine: PIIEngine) -> None:
    text = "Mireille came late. Later Mireille said sorry, and I said thanks, Mireille."
    assert [text[s.start : s.end] for s in engine.analyze(text)].count("Mireille") == 3


def test_an_echo_does_not_undo_the_keep_list(engine: PIIEngine) -> None:
    text = "My neighbour Gottman yells at night. I read Gottman's research on couples."
    spans = [(s.start, text[s.start : s.end]) for s in engine.analyze(text)]
    assert (text.index("Gottman"), "Gottman") in spans  # the neighbour
    assert all(start != text.rindex("Gottman") for start, _ in spans)  # the cited author


@pytest.mark.parametrize(
    ("text", "value", "category"),
    [
        ("They named her Wenonah after her grandmother.", "Wenonah", C.PERSON),
        ("The agency is based in TROMSDAL now.", "TROMSDAL", C.LOCATION),
    ],
)
def test_more_slots(engine: PIIEngine, text: str, value: str, category: Category) -> None:
    assert value in found(engine, text, category)


def test_a_run_before_a_number_is_an_address_not_a_person(engine: PIIEngine) -> None:
    text = "Pellworth\nTokelau 50898"
    assert found(engine, text, C.PERSON) == []


@pytest.mark.parametrize(
    ("text", "place"),
    [("I drove to Tucson yesterday with my sister.", "Tucson"),
     ("She took the bus to Spokane after work.", "Spokane")],
)  # fmt: skip
def test_a_place_after_a_place_word_stays_a_place(engine: PIIEngine, text: str, place: str) -> None:
    spans = {text[s.start : s.end]: s.category for s in engine.analyze(text)}
    assert spans.get(place) is C.LOCATION


def test_a_facility_named_after_someone_is_not_a_person(engine: PIIEngine) -> None:
    text = "The outpatient program at St. Vincent's Clinic has openings."
    assert found(engine, text, C.PERSON) == []
