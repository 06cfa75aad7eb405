"""The NER prefilter: which texts may skip spaCy."""

from __future__ import annotations

import pytest

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.prefilter import NERPrefilter, sentences


@pytest.fixture(scope="module")
def prefilter() -> NERPrefilter:
    return NERPrefilter(PIIConfig())


@pytest.mark.parametrize(
    "text",
    [
        "Sarah called me",
        "I talked to Sarah yesterday.",
        "Yesterday I went to Boise.",
        "Will called me last night.",  # a stop word, but also a name
        "I told April about it.",  # a month that is also a name
        "I moved from Ohio last year.",  # states stay with NER
        "It happened on March 14.",
        "it happened 3/14/2021",
        "my name is sarah",
        "kevin and i fight",
        "Me and alex broke up. we are done",
        "Thanks so much, john.",
        "Hi sarah, I hope you are well.",
        "I've asked Doctor yuki to call.",
        "My son jacob just started school.",
        "I told liam about the diagnosis.",
        "I'm at the pittsburgh office on Thursdays.",
        "We moved to chicago last year.",
        "Dr. Smith said so.",
        "I'M SO TIRED OF THIS.",
    ],
)
def test_texts_that_may_hold_a_name_place_or_day_go_to_ner(
    prefilter: NERPrefilter, text: str
) -> None:
    assert prefilter.needs_ner(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Thank you. I feel tired on Mondays.",
        "I take Zoloft and my PHQ-9 was 14.",
        "Maybe a 7 most days, higher on Mondays.",
        "Let's try a small experiment this week.",
        "Honestly I haven't tried much, I just wait for it to pass.",
        "It's been a rough month. I can't sleep and Mom worries.",
        "My cell is (503) 555-0134, text me after work.",  # patterns find phones
        "Thank you for telling me. What helped, even a little?",
    ],
)
def test_texts_with_nothing_for_ner_skip_it(prefilter: NERPrefilter, text: str) -> None:
    assert not prefilter.needs_ner(text)


def test_extra_keep_terms_do_not_need_ner() -> None:
    text = "We use Headspace every night."
    assert NERPrefilter(PIIConfig()).needs_ner(text)
    assert not NERPrefilter(PIIConfig(extra_keep_terms=("Headspace",))).needs_ner(text)


@pytest.mark.parametrize(
    "text",
    [
        "Crying can feel endless.",  # an ordinary word opening a sentence
        "Therapy helps. Counseling too.",
        "Best of luck to you!",
        "It is normal.\xa0Having doubts is part of it.",  # a no-break space before a sentence
    ],
)
def test_ordinary_words_opening_sentences_do_not_need_ner(
    prefilter: NERPrefilter, text: str
) -> None:
    assert not prefilter.needs_ner(text)


@pytest.mark.parametrize(
    "text",
    [
        "Priya told me it would pass.",  # a name-like opener
        "Crying at 12 Marsh Road again.",  # a number: an address is possible
        "My sister. Rosalind never calls.",  # a name-like opener
    ],
)
def test_openers_that_may_be_names_or_addresses_still_need_ner(
    prefilter: NERPrefilter, text: str
) -> None:
    assert prefilter.needs_ner(text)


def test_sentences_split_at_ends_but_not_after_titles_initials_or_abbreviations() -> None:
    text = "Hi there. Dr. Ruiz met J. K. Rowling, e.g. at a fair!\xa0 New line\n\nLast one"
    parts = [text[a:b] for a, b in sentences(text)]
    assert parts == [
        "Hi there.",
        "Dr. Ruiz met J. K. Rowling, e.g. at a fair!",
        "New line",
        "Last one",
    ]


def test_only_runs_of_sentences_that_need_ner_are_pieces(prefilter: NERPrefilter) -> None:
    text = (
        "Thank you for writing. I spoke to Sarah. She lives in Boise now. "
        "It is hard to feel this way. Call Dr. Ruiz tomorrow."
    )
    pieces = [text[a:b] for a, b in prefilter.ner_pieces(text)]
    assert pieces == ["I spoke to Sarah. She lives in Boise now.", "Call Dr. Ruiz tomorrow."]


def test_a_writer_who_does_not_capitalise_sends_the_whole_text(prefilter: NERPrefilter) -> None:
    text = "i talked to my friend. it is hard. we met in boise."
    assert prefilter.ner_pieces(text) == [(0, len(text))]


def test_an_opener_counts_as_one_only_where_the_engine_sees_a_sentence_start(
    prefilter: NERPrefilter,
) -> None:
    # After "…" the engine does not see a sentence start, so it keeps NER's reading of the
    # word: the sentence goes to NER, alone or in its text.
    text = "It was hard to say… Crying helped."
    assert prefilter.needs_ner(text)
    assert prefilter.ner_pieces(text) == [(text.index("Crying"), len(text))]
    assert not prefilter.needs_ner("It was hard to say. Crying helped.")
