"""Keep-list decisions: crisis lines, public resources, clinical vocabulary, vague times and
large geography stay; people, cities, facilities and dated days do not."""

from __future__ import annotations

import pickle

import pytest
from pydantic import ValidationError

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.keep import KeepList
from mhds.steps.pii.keep_terms import (
    CALENDAR,
    DIAGNOSES,
    GEOGRAPHY,
    INSTRUMENTS,
    MEDICATIONS,
    MODALITIES,
    PLACES,
    RELATIONS,
    US_STATES,
)
from mhds.steps.pii.patterns import PatternRecognizers
from mhds.steps.pii.spans import Category, Span

C = Category


@pytest.fixture(scope="module")
def keep() -> KeepList:
    return KeepList(PIIConfig())


def decide(
    keep: KeepList, text: str, value: str, category: Category, recognizer: str = "spacy_ner"
) -> bool:
    start = text.index(value)
    return keep.keeps(text, Span(start, start + len(value), category, 0.85, recognizer))


CRISIS = [
    ("If it gets bad, call 1-800-273-8255 right away.", "1-800-273-8255", C.PHONE),
    ("or 1 (800) 273-8255 any time", "1 (800) 273-8255", C.PHONE),
    ("or (800) 273-8255 any time", "(800) 273-8255", C.PHONE),
    ("from abroad +1 800 273 8255", "+1 800 273 8255", C.PHONE),
    ("They said to call 800-273-TALK.", "800-273-TALK", C.PHONE),
    ("They said to call 1-800-273-TALK.", "1-800-273-TALK", C.PHONE),
    ("the hotline 1.800.799.7233 helped me leave", "1.800.799.7233", C.PHONE),
    ("RAINN is 800-656-4673", "800-656-4673", C.PHONE),
    ("call 988 now", "988", C.PHONE),
    ("text HOME to 741741", "741741", C.ID),
    ("I called 988 last night", "988", C.DATE),
    ("the 988 Lifeline picked up", "988 Lifeline", C.LOCATION),
    ("the 988 Suicide & Crisis Lifeline", "988 Suicide & Crisis Lifeline", C.PERSON),
    ("just dial 911", "911", C.LOCATION),
]


@pytest.mark.parametrize(("text", "value", "category"), CRISIS)
def test_keeps_crisis_lines(keep: KeepList, text: str, value: str, category: Category) -> None:
    assert decide(keep, text, value, category)


NOT_CRISIS = [
    ("call me at 555-123-4567", "555-123-4567", C.PHONE),
    ("my cell is (555) 988-1234", "(555) 988-1234", C.PHONE),
    ("1-800-FLOWERS delivered", "1-800-FLOWERS", C.PHONE),
    ("I live at 988 Main Street", "988 Main Street", C.LOCATION),
    ("my MRN is 9881234", "9881234", C.ID),
    ("my old number 273-8255", "273-8255", C.PHONE),
]


@pytest.mark.parametrize(("text", "value", "category"), NOT_CRISIS)
def test_other_numbers_are_not_kept(
    keep: KeepList, text: str, value: str, category: Category
) -> None:
    assert not decide(keep, text, value, category)


WEB = [
    ("chat at https://988lifeline.org/chat tonight", "https://988lifeline.org/chat", C.URL, True),
    ("see www.samhsa.gov/find-help for options", "www.samhsa.gov/find-help", C.URL, True),
    ("research at nimh.nih.gov helped", "nimh.nih.gov", C.URL, True),
    ("HTTPS://WWW.NAMI.ORG/Support", "HTTPS://WWW.NAMI.ORG/Support", C.URL, True),
    ("the Trevor Project (thetrevorproject.org).", "thetrevorproject.org", C.URL, True),
    ("write to info@nami.org for help", "info@nami.org", C.EMAIL, True),
    ("or helpline@samhsa.gov", "helpline@samhsa.gov", C.EMAIL, True),
    ("strict pass saw info@nami.org", "info@nami.org", C.URL, True),
    ("her site sherrykatz.com has her hours", "sherrykatz.com", C.URL, False),
    ("his page drjohnsmith.net/contact", "drjohnsmith.net/contact", C.URL, False),
    ("https://samhsa.gov.evil.com/x is a phish", "https://samhsa.gov.evil.com/x", C.URL, False),
    ("notsamhsa.org is not the agency", "notsamhsa.org", C.URL, False),
    ("see the blog janedoe.com/anxiety-tips", "janedoe.com/anxiety-tips", C.URL, False),
    (
        "my practice calmpathcounseling.com/what-is-anxiety",
        "calmpathcounseling.com/what-is-anxiety",
        C.URL,
        False,
    ),
    (
        "read medium.com/@janedoe/how-i-beat-anxiety",
        "medium.com/@janedoe/how-i-beat-anxiety",
        C.URL,
        False,
    ),
    ("email sarah.k@gmail.com", "sarah.k@gmail.com", C.EMAIL, False),
    ("my researcher jane.doe@nih.gov wrote", "jane.doe@nih.gov", C.EMAIL, False),
    # content pages of sites whose names are ordinary words or an acronym: public resources
    (
        "read panicrecoverycentre.org/how-breathing-helps",
        "panicrecoverycentre.org/how-breathing-helps",
        C.URL,
        True,
    ),
    (
        "a handout: www.xyzq.org/files/Safety%20Plan.pdf",
        "www.xyzq.org/files/Safety%20Plan.pdf",
        C.URL,
        True,
    ),
    ("the county page www.example.gov/services", "www.example.gov/services", C.URL, True),
    # "dr" opens a doctor's site only before a name: drugs.com is a public reference
    (
        "read drugs.com/food-interactions/phenelzine.html first",
        "drugs.com/food-interactions/phenelzine.html",
        C.URL,
        True,
    ),
    (
        "read drjenmcallister.com/handouts/window-of-tolerance.pdf first",
        "drjenmcallister.com/handouts/window-of-tolerance.pdf",
        C.URL,
        False,
    ),
    # a bare site of ordinary words introduced mid-text, or closing a text as a resource
    ("visit www.PanicRecoveryCentre.org today", "www.PanicRecoveryCentre.org", C.URL, True),
    ("The website www.everydayfeminism.com is a blog.", "www.everydayfeminism.com", C.URL, True),
    ("You can find more information on www.afsp.org.", "www.afsp.org", C.URL, True),
    ("Resource for Your Consideration: www.emdr.com/", "www.emdr.com/", C.URL, True),
    # ... but not one whose sentence or form says whose, nor one that signs a text off
    (
        "visit my site www.PanicRecoveryCentre.org today",
        "www.PanicRecoveryCentre.org",
        C.URL,
        False,
    ),
    ("My sister runs www.brightpathbakery.com now.", "www.brightpathbakery.com", C.URL, False),
    ("Website:\nwww.greenplague.com\n\nAddress:", "www.greenplague.com", C.URL, False),
    ("E-mail: ana@mail.com\nSite: brightpath.org", "brightpath.org", C.URL, False),
    ("with ease and comfort. www.brightpath.org", "www.brightpath.org", C.URL, False),
    ("~Mark (www.brightpath.org)", "www.brightpath.org", C.URL, False),
    (
        "Read www.brightpath.org today.\n~Mark (www.brightpath.org)",
        "www.brightpath.org",
        C.URL,
        False,
    ),
    ("See facebook.com/janedoe for her posts.", "facebook.com/janedoe", C.URL, False),
    # ... nor a name's site, a made-up brand or a profile
    ("on connectfulness.com/little-moments", "connectfulness.com/little-moments", C.URL, False),
    ("see linkedin.com/in/jane-doe", "linkedin.com/in/jane-doe", C.URL, False),
    ("ask at forum.org/users/panic-helper", "forum.org/users/panic-helper", C.URL, False),
]


@pytest.mark.parametrize(("text", "value", "category", "kept"), WEB)
def test_public_domains_only(
    keep: KeepList, text: str, value: str, category: Category, kept: bool
) -> None:
    assert decide(keep, text, value, category) is kept


CLINICAL = [
    # medications, with doses and release forms
    ("I started Zoloft last month", "Zoloft"),
    ("sertraline 100mg makes me sleepy", "sertraline 100mg"),
    ("Zoloft 50 mg in the morning", "Zoloft 50 mg"),
    ("Wellbutrin XL helps", "Wellbutrin XL"),
    ("Seroquel XR 50mg at night", "Seroquel XR 50mg"),
    ("Lexapro and Abilify together", "Lexapro and Abilify"),
    ("Klonopin/Ativan as needed", "Klonopin/Ativan"),
    ("my Lithium levels", "Lithium"),
    ("Suboxone saved my life", "Suboxone"),
    ("Adderall crash", "Adderall"),
    ("Ambien dreams", "Ambien"),
    # instruments
    ("my PHQ-9 was 19", "PHQ-9"),
    ("the phq9 again", "phq9"),
    ("a GAD-7 of 14", "GAD-7"),
    ("the C-SSRS screen", "C-SSRS"),
    ("per the DSM-5", "DSM-5"),
    ("my BDI-II score", "BDI-II"),
    ("my ACE score", "ACE"),
    # modalities
    ("I tried CBT", "CBT"),
    ("DBT skills group", "DBT"),
    ("EMDR was intense", "EMDR"),
    ("the Gottman method", "Gottman"),
    ("exposure therapy scares me", "exposure therapy"),
    ("IFS parts work", "IFS"),
    # diagnoses
    ("my PTSD flares", "PTSD"),
    ("Bipolar runs in the family", "Bipolar"),
    ("ADHD meds", "ADHD"),
    ("BPD diagnosis", "BPD"),
    ("Anorexia took my teens", "Anorexia"),
    # relations
    ("Mom called again", "Mom"),
    ("I fought with my Sister", "my Sister"),
    ("her Husband left", "her Husband"),
    ("Dad's drinking", "Dad's"),
    ("Mom and Dad argued", "Mom and Dad"),
]


@pytest.mark.parametrize(("text", "value"), CLINICAL)
@pytest.mark.parametrize("category", [C.PERSON, C.LOCATION, C.DATE])
def test_keeps_clinical_terms_whatever_ner_called_them(
    keep: KeepList, text: str, value: str, category: Category
) -> None:
    assert decide(keep, text, value, category)


@pytest.mark.parametrize(("category", "kept"), [(C.PERSON, True), (C.LOCATION, False)])
def test_columbia_is_an_instrument_unless_a_place(
    keep: KeepList, category: Category, kept: bool
) -> None:
    assert decide(keep, "we did the Columbia questions", "Columbia", category) is kept


TIMES = [
    ("see you on Monday", "Monday"),
    ("see you on Monday", "on Monday"),
    ("since last Tuesday", "last Tuesday"),
    ("Tuesday night was bad", "Tuesday night"),
    ("it started in March", "March"),
    ("it started in 2019", "2019"),
    ("it started in 2019", "in 2019"),
    ("the 1990s were rough", "the 1990s"),
    ("for three weeks now", "three weeks"),
    ("for 6 months now", "6 months"),
    ("for 18 months now", "18 months"),
    ("the last 90 days", "the last 90 days"),
    ("about a year", "a year"),
    ("two and a half years ago", "two and a half years ago"),
    ("a couple of weeks", "a couple of weeks"),
    ("the past few months", "the past few months"),
    ("2-3 weeks", "2-3 weeks"),
    ("every other week", "every other week"),
    ("this past weekend", "this past weekend"),
    ("yesterday was hard", "yesterday"),
    ("in the summer", "the summer"),
    ("I'm 45 years old", "45 years old"),
    ("she is in her nineties", "in her nineties"),
    ("my early 30s", "my early 30s"),
]


@pytest.mark.parametrize(("text", "value"), TIMES)
def test_keeps_vague_times(keep: KeepList, text: str, value: str) -> None:
    assert decide(keep, text, value, C.DATE)


DATED = [
    ("it happened on March 3", "March 3", "spacy_ner"),
    ("admitted 03/14/2021", "03/14/2021", "date_numeric_regex"),
    ("on the 14th of May", "14th of May", "date_named_regex"),
    ("I was born in 1987", "1987", "birth_year_regex"),
    ("she was born in March 1987", "March 1987", "date_named_regex"),
    ("we lost him on Christmas", "Christmas", "spacy_ner"),
    ("she is 92 years old", "92 years old", "spacy_ner"),
    ("she lived 92 years", "92 years", "spacy_ner"),
    ("my grandpa, ninety-two years old", "ninety-two years old", "spacy_ner"),
]


@pytest.mark.parametrize(("text", "value", "recognizer"), DATED)
def test_dates_of_a_day_are_not_kept(
    keep: KeepList, text: str, value: str, recognizer: str
) -> None:
    assert not decide(keep, text, value, C.DATE, recognizer)


@pytest.mark.parametrize("value", ["92", "101", "ninety-two"])
def test_ages_over_89_are_not_kept(keep: KeepList, value: str) -> None:
    assert not decide(keep, f"I'm {value} now", value, C.AGE, "age_regex")


GEOGRAPHY_CASES = [
    ("I moved from Oregon", "Oregon", C.LOCATION, True),
    ("Portland, OR 97201", "OR", C.LOCATION, True),
    ("I moved from Portland", "Portland", C.LOCATION, False),
    ("we lived in New York", "New York", C.LOCATION, True),
    ("Texas is hot", "Texas", C.LOCATION, True),
    ("Austin is hot", "Austin", C.LOCATION, False),
    ("back to Georgia", "Georgia", C.LOCATION, True),
    ("Georgia is my friend", "Georgia", C.PERSON, False),
    ("family in Canada", "Canada", C.LOCATION, True),
    ("I grew up in the UK", "the UK", C.LOCATION, True),
    ("my trip to Europe", "Europe", C.LOCATION, True),
    ("people in the Midwest", "the Midwest", C.LOCATION, True),
    ("Chad texted me", "Chad", C.PERSON, False),
    ("I stayed home", "home", C.LOCATION, True),
    ("they took me to the hospital", "the hospital", C.LOCATION, True),
    ("I ended up in the ER", "the ER", C.LOCATION, True),
    ("after school", "school", C.LOCATION, True),
    ("I was at Mercy Hospital", "Mercy Hospital", C.LOCATION, False),
    ("I grew up in Columbia", "Columbia", C.LOCATION, False),
    ("my sister June", "June", C.PERSON, False),
    ("Sarah said so", "Sarah", C.PERSON, False),
    ("Dr. Smith", "Smith", C.PERSON, False),
]


@pytest.mark.parametrize(("text", "value", "category", "kept"), GEOGRAPHY_CASES)
def test_states_and_larger_kept_cities_and_people_not(
    keep: KeepList, text: str, value: str, category: Category, kept: bool
) -> None:
    assert decide(keep, text, value, category) is kept


def test_extra_keep_terms() -> None:
    text = "I use Moodnest and Stillwater every night"  # made-up apps: in no allowlist
    default, extended = KeepList(PIIConfig()), KeepList(PIIConfig(extra_keep_terms=("Moodnest",)))
    assert not decide(default, text, "Moodnest", C.PERSON)
    assert decide(extended, text, "Moodnest", C.PERSON)
    assert not decide(extended, text, "Stillwater", C.PERSON)


def test_public_resources_are_kept_inside_their_names_only() -> None:
    text = "Call the Trevor Project or ask Trevor Mills, my neighbour, at psychologytoday.com."
    keep, off = KeepList(PIIConfig()), KeepList(PIIConfig(public_resources=False))
    assert decide(keep, text, "Trevor", C.PERSON)  # "Trevor" of "the Trevor Project"
    assert decide(keep, text, "psychologytoday.com", C.URL)
    assert not decide(keep, text, "Trevor Mills", C.PERSON)
    assert not decide(off, text, "Trevor", C.PERSON)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("My son was diagnosed with Asperger's Syndrome last year", "Asperger"),
        ("She has Borderline Personality Disorder", "Borderline Personality Disorder"),
        ("I started Dialectical Behavior Therapy", "Dialectical Behavior Therapy"),
        ("my psychiatrist added Quetiapine at night", "Quetiapine"),
        ("the Hamilton Anxiety Scale score dropped", "Hamilton Anxiety Scale"),
    ],
)
def test_clinical_term_guard(text: str, value: str) -> None:
    keep = KeepList(PIIConfig())
    assert decide(keep, text, value, C.PERSON)
    assert decide(keep, text, value, C.LOCATION)
    assert not decide(keep, "Quentin Hamilton called", "Quentin Hamilton", C.PERSON)


def test_custom_crisis_numbers_and_domains() -> None:
    config = PIIConfig(crisis_numbers=("5550100",), public_domains=("example.org",))
    keep = KeepList(config)
    assert decide(keep, "call 555-0100", "555-0100", C.PHONE)
    assert not decide(keep, "call 1-800-273-8255", "1-800-273-8255", C.PHONE)
    assert decide(keep, "see help.example.org/a", "help.example.org/a", C.URL)


@pytest.mark.parametrize(
    ("text", "value", "category"),
    [("  ", " ", C.PERSON), ("(...)", "(...)", C.LOCATION), ("the", "the", C.DATE)],
)
def test_empty_after_normalizing_is_not_kept(
    keep: KeepList, text: str, value: str, category: Category
) -> None:
    assert not decide(keep, text, value, category)


@pytest.mark.parametrize(
    "terms",
    [MEDICATIONS, INSTRUMENTS, MODALITIES, DIAGNOSES, RELATIONS, PLACES, CALENDAR, GEOGRAPHY],
)
def test_vocabularies_are_lower_case_frozensets(terms: frozenset[str]) -> None:
    assert isinstance(terms, frozenset) and terms
    assert all(t == t.lower().strip() and t for t in terms)


def test_every_state_is_kept_as_location(keep: KeepList) -> None:
    for state in US_STATES:
        assert keep.keeps(state, Span(0, len(state), C.LOCATION)), state


def test_patterns_and_keep_list_together(keep: KeepList) -> None:
    text = (
        "Dr. Alvarez said to call 1-800-273-8255 or 988, or see https://988lifeline.org. "
        "My cell is (555) 123-4567 and I live at 1234 Elm Street, Portland, OR 97201."
    )
    spans = PatternRecognizers(PIIConfig()).find(text)
    redacted = sorted(text[s.start : s.end] for s in spans if not keep.keeps(text, s))
    # "Portland": a town in an address, by its shape alone (Safe Harbor redacts towns)
    assert redacted == ["(555) 123-4567", "1234 Elm Street", "97201", "Alvarez", "Portland"]


def test_keep_list_pickles() -> None:
    keep = KeepList(PIIConfig(extra_keep_terms=("Headspace",)))
    clone = pickle.loads(pickle.dumps(keep))
    text = "Headspace and 1-800-273-8255"
    for span in (Span(0, 9, C.PERSON), Span(14, 28, C.PHONE)):
        assert clone.keeps(text, span) and keep.keeps(text, span)


LOCAL_LINE = {
    "name": "Harbourview Warmline",
    "kind": "helpline",
    "region": "NZ",
    "source": "https://example.org/harbourview-warmline",
}


def test_a_release_config_can_add_public_resources() -> None:
    text = "Call the Harbourview Warmline tonight, or ask Harbourview Smith."
    keep = KeepList(PIIConfig(extra_public_resources=(LOCAL_LINE,)))
    assert decide(keep, text, "Harbourview Warmline", C.LOCATION)
    assert not decide(keep, text, "Harbourview Smith", C.PERSON)
    assert not decide(KeepList(PIIConfig()), text, "Harbourview Warmline", C.LOCATION)


def test_a_malformed_added_resource_is_a_config_error_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"entries\[0\] \('Oops'\), field 'kind'"):
        PIIConfig(extra_public_resources=({"name": "Oops", "source": "https://example.org"},))


@pytest.mark.parametrize(
    ("text", "value", "kept"),
    [
        ("He was 10 or younger. Pedophelia, is a whole other problem.", "Pedophelia", True),
        ("The Schizophrania came back after I stopped the pills.", "Schizophrania", True),
        ("I think Trichotilomania runs in my family.", "Trichotilomania", True),
        # a Census name one letter from a term, and a word too short to tell
        ("Concetta told me she takes Concerta.", "Concetta", False),
        ("Harding said the hoarding got worse.", "Harding", False),
        ("Maria said the mania came back.", "Maria", False),
        # one letter from a drug, an instrument or a therapy: names and places (leak review)
        ("I told Concepta about the panic attacks and she laughed.", "Concepta", False),
        ("Thomazine was the only one who visited me in the psych ward.", "Thomazine", False),
        ("Columbina says I'm too clingy.", "Columbina", False),
        ("I've been on the waiting list in Havering for eight months.", "Havering", False),
        # a condition's near miss after a title is a person's name
        ("My daughter's teacher, Ms. Demencia, noticed she was cutting.", "Demencia", False),
    ],
)
def test_a_condition_misspelt_by_one_letter_is_kept_not_a_name_near_a_clinical_term(
    keep: KeepList, text: str, value: str, kept: bool
) -> None:
    assert decide(keep, text, value, C.PERSON, "name_slot_regex") is kept
