"""Capitalised words that name no one (``mhds.steps.pii.no_names``): peoples, languages and
faiths, chat shorthand, acronyms' plurals, a medicine by its dose and holidays named for
someone; and the names among them that stay names. Sentences written for these tests, by us
and by a leak review (none comes from an evaluation corpus or the scans)."""

from __future__ import annotations

import pytest

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.no_names import names_no_one
from tests.steps.pii.cases import redacted_texts


@pytest.mark.parametrize(
    "text",
    [
        # peoples, languages and faiths
        "Sorry for my grammar, English is not my first language.",
        "My boyfriend is Nigerian and his parents want him to marry a Nigerian girl.",
        "Are there other Hispanics here who feel stuck between two cultures?",
        "I was raised Mormon and left at nineteen; my family still won't talk about it.",
        "Can anyone recommend a therapist who sees clients in Farsi or Urdu?",
        "I speak German at home and my kids speak Dutch at school.",
        # chat shorthand and interjections
        "Idk why but Im always exhausted after lunch, even when I sleep well.",
        "Tbh the meds help. Ngl the weight gain sucks though.",
        "The kids were screaming in the car (Yep, all three of them) and I lost it.",
        "Holy crap, I actually got out of bed and showered today.",
        # acronyms' plurals, a medicine after its dose, holidays named for someone
        "My psychiatrist says SSRIs take weeks, and my PCPs keep disagreeing.",
        "I get so many DMs from strangers every time I post a selfie.",
        "She started 20mg Paxil and 0.5 mg Klonopin, then added 10mg Nardoxin.",
        "St. Patrick's Day is the hardest day of the year for me sober.",
        "I spent Valentine’s Day alone again and honestly it was fine.",
        # groups people name themselves by, scriptures, a warning's kind, therapies
        "Any Neurodivergent or Nonbinary folks here? The Bible group at church isn't for me.",
        "Why do I feel this way (Trigger warning: self harm) every night?",
        "Our son has done ABA since he was three and it helps.",
        "I wonder, isn’t that strange? doesn’t matter.",
    ],
)
def test_words_that_name_no_one_are_kept(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My brother Christian moved out in June.", "Christian"),  # a given name, a person's slot
        ("Christian told me the party was off.", "Christian"),  # a given name, no language's cue
        ("My friend Irish lent me her car for the week.", "Irish"),
        ("Mr. English said the exam would be easy.", "English"),  # a title: a surname
        ("I met Ty at group and we talked for hours.", "Ty"),  # a given name in shorthand's list
    ],
)
def test_names_among_those_words_stay_redacted(engine: PIIEngine, text: str, name: str) -> None:
    assert name in redacted_texts(engine, text)


# What a leak review by a separate helper (280 sentences of its own) found the first versions
# of these rules letting through: each sentence leaked its name then.
_REVIEW = [
    ("Finn and I broke up last week and I can't stop crying.", "Finn"),  # no Census given name
    ("I texted Finn at 2am asking if he was still awake.", "Finn"),
    ("Jain told me I should try journaling.", "Jain"),
    ("I told Islam about my OCD and he just nodded.", "Islam"),
    ("I had a session with Welsh on Tuesday and cried the whole time.", "Welsh"),  # a surname
    ("I left my journal in Christian's car.", "Christian"),  # "in" before a possessive
    ("I learned Dane had moved in with her.", "Dane"),  # a clause after a language's verb
    ("Honestly her Christian is a saint.", "Christian"),  # a possessive before a given name
    ("I stayed at JDs last night because I couldn't be home.", "JDs"),  # initials' home
    ("I went to CJs for the weekend to clear my head.", "CJs"),
    ("The doctor prescribed Ethan 10mg of Ritalin for his ADHD.", "Ethan"),  # a name by a dose
    ("I took 10mg Sarah gave me and now I feel weird.", "Sarah"),
    ("Patrick's Day out with his dad ended in a screaming match.", "Patrick"),  # no "St."
    ("Wormwood was my neighbour and she called the police on me.", "Wormwood"),  # two words
    ("Dr. Broccoli referred me to a psychiatrist.", "Broccoli"),  # a title
    ("Honestly it's Sarah vs Xanax at this point, and Xanax is winning.", "Sarah"),
    ("Dr Nguyen vs Lexapro, who's right about the side effects?", "Nguyen"),
    ("I met Holy at the group and we clicked.", "Holy"),
    # ... and what a second review (570 sentences) found the narrowed versions letting through
    ("Honestly I confided in Finn and now the whole class knows.", "Finn"),  # a bare "in"
    ("I live in Latina, about an hour from Rome.", "Latina"),
    ("I told Finn people like us don't get second chances.", "Finn"),  # a noun as object
    ("I'm worried about Danish. He stopped eating.", "Danish"),  # a given name elsewhere
    ("I sat in Christians car and cried.", "Christians"),  # a possessive with no apostrophe
    ("TJs always there for me when I spiral.", "TJs"),  # initials and "is"
    ("I miss AJs.", "AJs"),
    ("I took the 2mg Oluwaseun handed me.", "Oluwaseun"),  # a person who holds the dose
    ("I told Arjun 20mg wasn't working.", "Arjun"),
    ("Aunt Linda Morris'll drive me to group.", "Linda Morris"),  # a name with a contraction
    ("Wellbutrin vs Tendai: both made me feel worse.", "Tendai"),
    ("Auntie Aba told me to pray about it.", "Aba"),
]


@pytest.mark.parametrize(("text", "name"), _REVIEW)
def test_what_the_leak_review_found_stays_redacted(engine: PIIEngine, text: str, name: str) -> None:
    assert any(name in value for value in redacted_texts(engine, text))


def test_a_surname_that_is_also_shorthand_is_a_name_before_a_persons_verb() -> None:
    text = "Oh said the appointment moved. Oh well."
    assert not names_no_one(text, 0, 2)  # "Oh said": someone
    assert names_no_one(text, 31, 33)  # "Oh well": an interjection


def test_only_one_word_is_judged() -> None:
    text = "I posted on the Canadian Visa forum."
    assert not names_no_one(text, 16, 29)  # "Canadian Visa": left to the other rules
    assert names_no_one(text, 16, 24)


@pytest.mark.parametrize(
    "text",
    [
        "Tamoxifen is the reason I can't take most antidepressants.",  # a long generic name
        "Zopiclone knocks me out but I wake up groggy.",
        "I ended up in the ER after swallowing a bottle of Tylenol.",
        "Is it safe to mix Benzos with a couple of beers?",
        "My doctor wants me on the Aristada shot every month.",
        "The Cogentin is for the shaking, she said.",
    ],
)
def test_medicines_are_kept(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []
