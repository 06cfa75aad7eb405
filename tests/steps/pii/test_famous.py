"""People famous the world over and well-known characters are kept as public figures where the
words around speak of them as such; the same names with no such words, or where the words
around tie them to a private person, are redacted. Sentences written for these tests (none
comes from an evaluation corpus)."""

from __future__ import annotations

import pytest

from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.famous import is_famous
from tests.steps.pii.cases import redacted_texts


@pytest.mark.parametrize(
    "text",
    [
        "When I cannot sleep I listen to Carl Sagan talk about the stars.",
        "I have been rereading Sylvia Plath and it scares me how much I relate.",
        "The stoics help me, especially the sayings of Epictetus.",  # one word: no cue needed
        "I keep a quote by Confucius on my fridge about small steps.",
        "Some days I feel like Harry Potter in the cupboard under the stairs.",
        "Watch Meryl Streep in that film and tell me grief is not universal.",
        "We watched the new Emma Stone movie and I cried through half of it.",
        "My favourite films are the ones starring George Clooney, Sandra Bullock or Tom Hanks.",
        "In the book Harry Potter and the Philosopher's Stone, Hermione Granger studies to cope.",
        "The comedian Robin Williams hid his pain so well.",
        "For reading, try Meditations, by Marcus Aurelius, before bed.",
        "In class I learnt a little about Aristotle's virtue ethics and it stuck.",  # a kind of it
        "At night I have been rereading J.R.R. Tolkien again, not scrolling.",  # initials glued
        "Lately I enjoy reading Ernest Hemmingway on the train.",  # misspelt, a long name
        # a later mention of a name the text named as the public figure
        "I ate while watching Harry Potter, and now Harry Potter is the cupcake film.",
    ],
)
def test_a_famous_name_is_kept_where_the_words_speak_of_the_figure(
    engine: PIIEngine, text: str
) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a whole famous name alone says nothing of who bears it
        ("Last week Michael Jackson shouted at me in the car park.", "Michael Jackson"),
        ("I finally blocked Laura Palmer on every app.", "Laura Palmer"),
        ("Salman Khan is the man who followed me home.", "Salman Khan"),
        # words that tie the name to the writer, even beside a public cue
        ("My coworker Oprah Winfrey keeps texting me at night.", "Oprah Winfrey"),
        ("A girl named Meryl Streep sat with me at lunch.", "Meryl Streep"),
        ("Dr. Sigmund Freud told me my scans were fine.", "Sigmund Freud"),
        ("I'm Meryl Streep and I have had panic attacks since May.", "Meryl Streep"),
        ("Hi Oprah Winfrey, thank you for writing in.", "Oprah Winfrey"),
        ("Meryl Streep, my neighbour, keeps calling the police on us.", "Meryl Streep"),
        ("Yesterday Oprah Winfrey from my office shouted at me.", "Oprah Winfrey"),
        ("I hope this helps you move forward.\n\nWarmly,\nMeryl Streep", "Meryl Streep"),
        ("Me and Chris Evans have been fighting about money.", "Chris Evans"),
        ("Emma Watson (24F) and I split the rent.", "Emma Watson"),
        ("Aunt Laura Palmer took me in when I was nine.", "Laura Palmer"),
        ("Uncle Bob used to come into my room at night.", "Bob"),
        ("I watched George Clooney, Jr. let himself into my flat again.", "George Clooney"),
        ("Try calling Layla Hassan, LMFT, she helped my sister.", "Layla Hassan"),
        ("My cousins, George Clooney and Oprah Winfrey, never call.", "George Clooney"),
        ("My cousins, George Clooney and Oprah Winfrey, never call.", "Oprah Winfrey"),
        ("I was reading Jennifer Lopez's texts when she walked in.", "Jennifer Lopez"),
        ("Our HOA president Linda Park fined us again.", "Linda Park"),
        ("I feel like Linda Park hates me since the meeting.", "Linda Park"),
        ("I feel like Linda Park never wanted me on the team.", "Linda Park"),
        # a cue of a public figure's, used of a private person
        ("I kept watching Jennifer Lopez dance with my ex all night.", "Jennifer Lopez"),
        ("The card Jennifer Lopez wrote me is still on my desk.", "Jennifer Lopez"),
        ("It was a cruel joke played by Tom Hanks in our dorm.", "Tom Hanks"),
        ("My daughter lost the lead in the school play starring Emma Stone.", "Emma Stone"),
        ("I'm in a band and the singer, Chris Evans, keeps missing practice.", "Chris Evans"),
        (
            "In the game Fortnite, Michael Jackson keeps inviting me to his squad.",
            "Michael Jackson",
        ),
        (
            "At the craft fair my quilt hung next to Dawn, by Emma Watson, and hers sold.",
            "Emma Watson",
        ),
        ("Principal Michael Jackson's words at the assembly made me cry.", "Michael Jackson"),
        # a later mention that says something of the writer, and a near miss of a short name
        (
            "I love listening to Taylor Swift. Yesterday Taylor Swift shouted at me in class.",
            "Taylor Swift",
        ),
        ("Lately I enjoy reading Sylvia Plaht's texts to her ex.", "Sylvia Plaht"),
        ("My coworker Edgar Allen Poe keeps texting me at night.", "Edgar Allen Poe"),
        # "works" after a word may be a verb, and a private person's word comes first
        ("My dog Plato's leash works fine now.", "Plato"),
        ("Our neighbour Plato's new theory is that we spy on him.", "Plato"),
        # a work after the name, a sentence after someone's person word: it may be theirs
        (
            "My brother started a band last year. Chris Evans's songs are all about our dad.",
            "Chris Evans",
        ),
        (
            "My sister passed away in March. Reading Emma Watson's poems at night helps.",
            "Emma Watson",
        ),
    ],
)
def test_a_famous_name_with_no_cue_or_tied_to_the_writer_stays_redacted(
    engine: PIIEngine, text: str, name: str
) -> None:
    assert any(name in redacted for redacted in redacted_texts(engine, text))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Valerian keeps asking me to move in with him.", "Valerian"),  # an emperor's name
        ("Aaliyah and I broke up after three years.", "Aaliyah"),  # a singer's name
        ("I texted Kabir twice and he never replied.", "Kabir"),  # a poet's, borne today
    ],
)
def test_a_one_word_name_people_bear_stays_redacted(
    engine: PIIEngine, text: str, name: str
) -> None:
    assert name in redacted_texts(engine, text)


def test_the_table_holds_whole_names_and_few_single_words() -> None:
    assert is_famous("Oprah Winfrey") and is_famous("Epictetus")
    assert is_famous("Charlotte Brontë") and is_famous("Charlotte Bronte")
    assert is_famous("Sherlock Holmes")  # a character
    for word in ("Oprah", "Winfrey", "Valerian", "Aaliyah", "Kabir", "John", "Shakira"):
        assert not is_famous(word), word
    assert not is_famous("oprah winfrey")  # as written, case and all
