"""How forum posts write (Reddit's mental-health subreddits): drug names and their misspellings,
contractions without an apostrophe, interjections opening a quotation, a title run into its
greeting, pronouns NER calls people, user handles, subreddits and dates in lower case.
Sentences written for these tests (none comes from an evaluation corpus)."""

from __future__ import annotations

import pytest

from mhds.steps.pii import drugs
from mhds.steps.pii.drugs import is_drug_name, reads_as_medicine_name
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.spans import Category
from tests.steps.pii.cases import redacted, redacted_texts


@pytest.mark.parametrize(
    "text",
    [
        "My psychiatrist switched me to Quetiapine and now I sleep twelve hours.",
        "Has anyone here taken Lamotrigine while pregnant? I'm scared.",
        "I was prescribed Ondansetron for the nausea and it worked.",
        "I was on Sertralin for a year (the pharmacy label says so) and felt flat.",
        "I've been on Escitalopran three weeks and my appetite is gone.",  # misspelt
        "Do Lexapro's side effects fade? Mine haven't.",
        # brands, where the words around make them medicines
        "The nausea is bad, so I end up taking a Zofran before work.",
        "My doctor put me on Prilosec 20mg for the reflux.",
        "I was on Klonopin and Clonodine and also melatonin for a while.",
        "He overdosed on Percocet last spring.",
        # the keep-list's own medications misspelt, with a dose before
        "Right now it's 200mg of Lamictil a day and 150mg of Wellbiutrin.",
        # a post's title glued to what follows it
        "Switched to Vyvanse Hello! Two weeks in and I can focus.",
        "Seroquel Nightmares? Since my dose went up I wake at 3am.",
        # a brand no table lists, between listed ones, near a word of medicines
        "My inhalers so far: Singulair, Trelegy, albuterol, Advair. None of them helped.",
        # a brand with what only a medicine comes as, or medicines listed with it
        "The urgent care put me on Keflex antibiotic and it cleared up in a week.",
        "My asthma flared so they handed me a Ventolin inhaler and a spacer.",
        "My Flonase nasal spray ran out and the allergies are back.",
        "I've tried Colace and laxatives but nothing works.",
        # a brand the tables lack, with what only a medicine comes as, even after "my"
        "I keep a Dulera inhaler in my bag at all times.",
        "Has anyone had acne from a Skyla IUD? Mine is awful.",
        "I later learned my Skyla IUD was causing the cramps.",
        # a medicine's other name in brackets or after a slash: a brand, or misspelt
        "My doctor swapped my quetiapine (Seroqel) for something milder.",
        "Is Wellbutrin/Bupropian worth it for the fatigue?",
        "I've been on vortioxetine (Trintelix) for a month and the nausea is bad.",
        "My birth control (Kyleena) gives me cramps.",  # after a kind of medicine
        # brands only the FDA's Orange Book lists (PII step 24)
        "My birth control (Annovera) made me moody for months.",
        "The pulmonologist added Symbicort, albuterol and prednisone to my meds but I still "
        "wheeze.",
    ],
)
def test_drug_names_and_their_misspellings_are_kept(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My sister Tamoxifen is a joke name we gave the cat.", "Tamoxifen"),  # a person's slot
        ("I told Cipriano everything and he laughed at me.", "Cipriano"),  # no drug, a name
        ("I called Waters and she came over at four.", "Waters"),  # a surname, no "water"s
        # drug names people bear, where no word around makes them medicines
        ("I told Alora about my diagnosis and she just hugged me.", "Alora"),
        ("I'm on Lexapro now and Kyleena says I seem calmer.", "Kyleena"),
        ("I slept on Senna's couch for two weeks.", "Senna"),
        ("Senna, Metin and Amias all came to the hospital.", "Metin"),
        # brands people bear: beside a medicine, but in a clause, or listed with no medicine
        ("I was on Prozac and Alora noticed the change first.", "Alora"),
        ("Alora and Kadian came over with soup.", "Alora"),
        ("Zoloft Sarah said it would take weeks to work.", "Zoloft Sarah"),
        ("I'm taking Alora to the park after her nap.", "Alora"),
        # from a leak review: brands people bear, after words of taking in other senses
        ("Dinner is on Kyleena tonight, she lost the bet.", "Kyleena"),
        ("I took Savella shopping for her first prom dress.", "Savella"),
        ("Kyleena and Xanax are what keep me sane.", "Kyleena"),
        ("The only things that helped were Zoloft and Senna.", "Senna"),
        # a list with medicines in it, but no word of medicines near: people
        ("Zoloft, Prozac, Kaelin and Brisa were there too.", "Kaelin"),
        # names after the medicines of a list, near a word of medicines (from a leak review)
        ("My pills (Buspirone, Hydroxyzine, Oisin, Kaelin) are locked away.", "Oisin"),
        # drug brands people bear, vouching for each other, or tied to the writer (a review)
        ("Kyleena and Alora, my twins, hide my pills.", "Alora"),
        ("Zoloft, Xanax and Kyleena, my niece, came to the pharmacy.", "Kyleena"),
        ("On my prescription list: Lexapro, Oisin, Kaelin, Xanax.", "Kaelin"),
        # a medicine's form after a relation's name, a Census name in brackets after a
        # medicine, and a brand named again as a person
        ("My friend Jaylen inhaler is blue.", "Jaylen"),
        ("Zoloft (Jennifer) and Celexa (Tom) were our cats' names.", "Jennifer"),
        ("I asked for my medication (Jennifer) yesterday.", "Jennifer"),
        # from a code review: forms used as verbs, a form after a name with no owner, a list
        # that goes on, brackets and slashes of people, a brand named again as a person
        ("We watched Alora spray paint the fence yesterday.", "Alora"),
        ("I tried to help Kadian patch things up with her mom.", "Kadian"),
        ("I told Alora and meds can wait, go to the party.", "Alora"),
        ("Kyleena with supplements is such a health nut.", "Kyleena"),
        ("I forgot Kenzie inhaler at home and she had an attack at school.", "Kenzie"),
        ("I took Oisin antibiotic prescription to the pharmacy for him.", "Oisin"),
        ("Kyleena/Alora are my twins and they turned 5 today.", "Alora"),
        ("Huge thanks to Xanax/Bupropian/Tamsin for listening.", "Tamsin"),
        ("Lexapro/Priya's advice was all that helped me.", "Priya"),
        ("I'm on Zoloft (Priya) and Lexapro (Tariq), we compare notes.", "Priya"),
        ("My meds (Oisin) are in the cabinet, he keeps track of them.", "Oisin"),
        ("Prescribed Savella 50mg last week. Then I visited Savella in the hospital.", "Savella"),
        ("My doctor prescribed Savella 50mg. Savella said the pills were hers.", "Savella"),
        ("I'm on Savella 50mg now. Savella's mom drove me to the pharmacy.", "Savella"),
        ("My friend Kadian takes Savella 50mg daily.", "Kadian"),
        # a brand people bear before a medicine's plural noun: given them, or theirs
        ("We gave Nesina injections every night after her diagnosis.", "Nesina"),
        ("I crush Kyleena pills into applesauce every morning.", "Kyleena"),
        # brands of the Orange Book people bear, where no word around makes them medicines
        ("I told Skyla about my diagnosis and she cried.", "Skyla"),
        ("I'm on Lexapro now and Annovera says I seem calmer.", "Annovera"),
        # from a code review of step 24: Orange Book brands people bear in lists that are a
        # clause's subject, beside them, after a bracket with a person's verb, misspelt
        ("Zoloft, Skyla and Jalyn all know I take my pills at night.", "Skyla"),
        ("Zoloft, Prozac, Elliotts and Skyla all came up in my meds review.", "Elliotts"),
        ("Lithium, Yonsa and Kazano - that's my whole support system plus meds.", "Yonsa"),
        ("I asked my therapist about my medications (Jalyn) said I should ask my GP.", "Jalyn"),
        ("Venlafaxine (Verhaegen) was my nurse at the ward.", "Verhaegen"),
        ("Sertraline (Dolphine) gave me the number for the crisis line.", "Dolphine"),
        ("Wellbutrin/Dolphine is how my friends greet me haha.", "Dolphine"),
    ],
)
def test_names_stay_redacted(engine: PIIEngine, text: str, name: str) -> None:
    assert name in redacted_texts(engine, text)


def test_a_medicines_other_name_is_read_as_one_only_when_written_as_one() -> None:
    assert reads_as_medicine_name("Rameron")  # Remeron, a letter off, seven letters
    assert reads_as_medicine_name("Fluxotine")  # fluoxetine, two letters off, nine letters
    assert reads_as_medicine_name("Kyleena")  # a brand of the table
    assert reads_as_medicine_name("Annovera")  # a brand of the Orange Book, as written
    assert not reads_as_medicine_name("Dolphine")  # Dolophine's, but no Orange Book misspelling
    assert not reads_as_medicine_name("Priya") and not reads_as_medicine_name("Brisa")
    assert not reads_as_medicine_name("Jennifer")  # a Census name


def test_the_orange_books_brand_table_holds_no_other_tables_name() -> None:
    """``is_fda_only_brand`` reads one table: the build leaves out the other tables' names."""
    assert not drugs._fda_brands() & (drugs._brands() | drugs._names())
    assert drugs.is_fda_only_brand("Symbicort") and not drugs.is_fda_only_brand("Kyleena")


def test_an_email_address_with_markdowns_escapes_is_redacted_whole(engine: PIIEngine) -> None:
    address = "jane\\_doe\\_99@outlook.com"
    assert redacted_texts(engine, f"Reach me at {address} if you want to talk.") == [address]


def test_the_drug_table_matches_one_letter_off_long_names_only() -> None:
    assert is_drug_name("Quetiapine") and is_drug_name("quetiapine")
    assert is_drug_name("Quetiapene")  # one letter changed
    assert is_drug_name("Lamictil")  # a medication of the keep-list's own, misspelt
    assert not is_drug_name("Waters")  # a Census surname, not more than one "water"
    assert not is_drug_name("Jonathan") and not is_drug_name("Everything")


@pytest.mark.parametrize(
    "text",
    [
        "Im tired of pretending and Im done explaining myself.",
        "I don't want to do anything and Im sick of isolating myself like this.",
        "Thats the thing, Dont ask me why I stayed.",
        'My mom looked at the scale and said "Wow, you really let yourself go."',
        'She texted "Yikes" and then nothing for a week.',
        "Sertraline Withdrawal Hey everyone, day four without it and the zaps are awful.",
        "Quick question Hello all, does the fog ever lift?",
        "My brother jumped out at me for April Fools and I had a panic attack.",
        "I cleaned the whole garage in one go. Hyperfocus is a strange gift.",
        "She is in Fifth Grade now and loves her teacher.",
    ],
)
def test_ordinary_words_of_posts_are_not_names(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


def test_a_pronoun_is_never_a_name_nor_echoed(engine: PIIEngine) -> None:
    text = (
        "They knocked twice and so did I.  I said go away.  I locked the door.  I waited.  "
        "I called my friend Petra and I cried."
    )
    assert redacted_texts(engine, text) == ["Petra"]


def test_a_user_handle_is_a_person_and_a_subreddit_is_public(engine: PIIEngine) -> None:
    text = (
        "I found r/BPD last year and u/quiet_orchid_77 messaged me; later /u/Marlowe_K did too. "
        "/r/GriefSupportGroup helped more than anything."
    )
    assert redacted(engine, text) == [
        (Category.PERSON, "u/quiet_orchid_77"),
        (Category.PERSON, "/u/Marlowe_K"),
    ]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("My court date is october 14th and I can't sleep.", "october 14th"),
        ("She left on december the 3rd, 2018 and never called.", "december the 3rd, 2018"),
        ("Sober since march 9th!", "march 9th"),
    ],
)
def test_a_day_in_lower_case_is_a_date(engine: PIIEngine, text: str, date: str) -> None:
    assert redacted(engine, text) == [(Category.DATE, date)]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("nobody has texted me since sept 2nd, not once", "sept 2nd"),
        ("My last drink was the 4th oct. and I am holding on.", "4th oct"),
        ("So. My bday, (3/7) and nobody remembered.", "3/7"),
        ("my birthday is 11/4 and I dread it", "11/4"),
        ("The clinic finally called Thursday afternoon (6/19) with results.", "6/19"),
    ],
)
def test_a_short_month_or_a_birthdays_numbers_are_a_date(
    engine: PIIEngine, text: str, date: str
) -> None:
    assert redacted(engine, text) == [(Category.DATE, date)]


@pytest.mark.parametrize(
    "text",
    [
        "You may 3 times a day take it, the leaflet says.",
        "It was june and hot.",
        "Honestly I rate my birthday 4/10 this year.",
        "By Sunday 2/3 of the group had quit.",
        "The dec was a rough month, 3 weeks of rain.",
    ],
)
def test_a_month_word_without_a_day_is_no_date(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


def test_a_forum_thread_link_leads_to_its_poster(engine: PIIEngine) -> None:
    text = "Update to https://www.reddit.com/r/Divorce/comments/9zz1qq/the_worst_week_of_my_life/"
    assert redacted(engine, text)[0][0] is Category.URL


@pytest.mark.parametrize(
    "text",
    [
        "My cousin streams every night, watch her here: "
        "https://www.facebook.com/dana.q.merritt7/videos/88123456700112",
        "This post says it all https://m.facebook.com/story.php?story_fbid=5512&id=100044",
        "I draw to cope, my page is https://instagram.com/quiet.lark.sketches",
    ],
)
def test_a_persons_page_or_post_on_a_social_platform_is_redacted(
    engine: PIIEngine, text: str
) -> None:
    assert [c for c, _ in redacted(engine, text)] == [Category.URL]


@pytest.mark.parametrize(
    "text",
    [
        "Here is my drawing from last night [link](https://i.imgur.com/Qm3xT7b.png)",
        "Please fill in my study, here is the link: https://york.onlinesurveys.ac.uk/sleep-and-mood",
        "If you can donate here's the link: https://www.justgiving.com/Tamsin-Rowe2001",
        "New episode, here is the link: https://anchor.fm/renata-okoye4/episodes/Grief-e12ab",
        "More support here, check https://discord.gg/q7WmRt2",
    ],
)
def test_a_link_to_what_someone_posted_leads_to_them(engine: PIIEngine, text: str) -> None:
    assert [c for c, _ in redacted(engine, text)] == [Category.URL]


@pytest.mark.parametrize(
    "text",
    [
        "I converted to Buddhism after rehab and it helped.",
        "Honestly the Loneliness gets worse at night and the Silence is loud.",
        "Tonight Ill just sit with it, I guess.",
    ],
)
def test_peoples_languages_faiths_and_ordinary_words_are_not_names(
    engine: PIIEngine, text: str
) -> None:
    assert redacted_texts(engine, text) == []


def test_a_faiths_word_that_is_a_given_name_stays_a_name_in_a_slot(engine: PIIEngine) -> None:
    assert "Christian" in redacted_texts(engine, "My brother Christian moved out in June.")


def test_a_listed_teachers_teachings_are_cited(engine: PIIEngine) -> None:
    text = "Has anyone tried the teachings of Pema Chodron for anxiety?"
    assert redacted_texts(engine, text) == []


def test_a_private_persons_writings_stay_theirs(engine: PIIEngine) -> None:
    text = "I've been reading the poems of Danielle Ortega, my sister who passed, every night."
    assert "Danielle Ortega" in redacted_texts(engine, text)


def test_a_blog_on_a_host_that_gives_each_user_a_site_is_its_writers(engine: PIIEngine) -> None:
    text = "I wrote about my first year sober: https://quietmornings.blogspot.com/2019/05/year-one.html"
    assert redacted(engine, text) == [
        (Category.URL, "https://quietmornings.blogspot.com/2019/05/year-one.html")
    ]


def test_edit_and_update_lines_have_no_speaker(engine: PIIEngine) -> None:
    text = "I slept badly again.\n\nEdit: thanks for the replies.\nUpdate: I called the clinic."
    assert redacted_texts(engine, text) == []
    assert redacted_texts(engine, "Mum made tea.\nTobias: I told you so.") == ["Tobias"]


@pytest.mark.parametrize(
    "text",
    [
        "My son was diagnosed with Aspergers last year and school is hard.",
        "Is this Autism/Aspergers or just shyness?",
        "We spent the whole weekend playing Animal Crossing together.",
        "I've been rewatching Breaking Bad to fall asleep.",
    ],
)
def test_a_condition_without_apostrophe_and_a_game_or_show_are_kept(
    engine: PIIEngine, text: str
) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("I started watching Jenna Ortiz on weekends, she is my neighbour's kid.", "Jenna Ortiz"),
        ("I read Marisol's messages again last night.", "Marisol"),
    ],
)
def test_a_person_after_a_verb_of_watching_or_reading_stays_redacted(
    engine: PIIEngine, text: str, name: str
) -> None:
    assert name in redacted_texts(engine, text)


# What two reviews by separate helpers (262 and 234 sentences of their own) found the first
# and then the narrowed versions of these rules let through: each group failed on one of them.
_FIRST_REVIEW = [
    ('She screamed "Mark is going to kill me" and then the line went dead.', "Mark"),
    ("My best friend (Violet) found out I was in the psych ward.", "Violet"),
    ("Chen: I haven't slept in three days.\nTherapist: What's keeping you up?", "Chen"),
    ("Juniper: I'm scared to tell my parents.\nCounselor: That's understandable.", "Juniper"),
    ("I've been seeing Rebecca Hey for DBT since January.", "Hey"),
    ("Arent de Vries from my therapy group invited me to dinner.", "Arent"),
    ("I keep replaying what Imma said to me at the wedding.", "Imma"),
    ("I posted about my therapist in r/Boise and someone recognised her.", "Boise"),
    ("I had coffee with Petrosian from my old job and he asked about it.", "Petrosian"),
    ("I've known Sky since kindergarten and she's the reason I'm still alive.", "Sky"),
    ("The poems of Marisol Vega got me through my divorce; she was my roommate.", "Marisol"),
]
_SECOND_REVIEW = [
    ("I'm taking Senna to the beach so we can both clear our heads.", "Senna"),
    ("I'm on Valerian's side in the divorce, but I still feel guilty.", "Valerian"),
    ("I started dating Arwin in March and my anxiety is through the roof.", "Arwin"),
    ("I was watching Tendai for my sister while she was at therapy.", "Tendai"),
    ("I played Oisin at pool last night and forgot everything for an hour.", "Oisin"),
    ("I posted in r/JusticeForAoife and my stepdad found it.", "JusticeForAoife"),
    ("Someone on r/Ballard recognised my street from the photo.", "Ballard"),
    ('The last thing she said was "Fang will take care of you" and he never did.', "Fang"),
    ("My caseworker (Manning) keeps canceling our appointments.", "Manning"),
    ("I told Im about the cutting and she didn't judge me.", "Im"),
    ("Megan Hello I know you're reading this and I want you to know I'm safe.", "Megan"),
    ("I babysit for the Raynauds on weekends and their kids make me smile.", "Raynauds"),
]


@pytest.mark.parametrize(("text", "name"), _FIRST_REVIEW + _SECOND_REVIEW)
def test_names_the_reviews_found_leaking_are_redacted(
    engine: PIIEngine, text: str, name: str
) -> None:
    assert any(name in value for value in redacted_texts(engine, text))


@pytest.mark.parametrize(
    "text",
    [
        "I love u/miss u so much, please come home.",
        "My endo has me on 40 u/day of insulin and I'm exhausted.",
        "I'm on a correction of 1 u/50mg above target and I still can't get it right.",
        "I may 2nd guess this later but I'm going to the appointment.",
    ],
)
def test_u_slash_before_a_word_or_unit_and_a_second_guess_are_nothing(
    engine: PIIEngine, text: str
) -> None:
    assert redacted_texts(engine, text) == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("The intake nurse can't fit me in until the 17th. Another two weeks.", "17th"),
        ("Rent was due on the 3rd of last month and I still owe it.", "3rd of last month"),
        ("My review is on Thursday the 9th and I keep shaking.", "9th"),
        ("He moved out on Friday the 12th, the day after my birthday.", "12th"),
        # a function word after the ordinal ends its phrase: it is no ordinal of a noun
        ("My court date is on the 21st at the county office.", "21st"),
        ("Our anniversary is on the 8th so I booked a table.", "8th"),
        ("My last drink was on the 6th before I went to detox.", "6th"),
    ],
)
def test_a_day_of_the_month_pinned_by_its_words_is_a_date(
    engine: PIIEngine, text: str, date: str
) -> None:
    assert redacted(engine, text) == [(Category.DATE, date)]


@pytest.mark.parametrize(
    "text",
    [
        "Our flat is on the 14th floor and the lift is broken again.",
        "I almost quit after the 2nd session but I stayed.",
        "I got through the 2nd week and I felt better.",
        "Since the 3rd one in a row I stopped counting.",
        "I failed on the 2nd and final attempt at the exam.",
        "The office is on the 2nd or 3rd floor, I forget.",
        "On the 2nd to last day of camp I cried.",
        "Friday the 13th scares my little brother every time.",
        "She finished 3rd in the race and cried with joy.",
    ],
)
def test_an_ordinal_before_a_noun_or_a_film_is_no_date(engine: PIIEngine, text: str) -> None:
    assert redacted_texts(engine, text) == []


def test_a_survey_link_of_writers_who_say_they_run_a_study_is_theirs(engine: PIIEngine) -> None:
    text = (
        "Hi all! We are running a short **anonymous study** for our MSc on sleep and mood.\n\n"
        "Take part here: https://www.psych.example.ac.uk/survey/sleep-mood/\n\nThanks, R & T"
    )
    assert (Category.URL, "https://www.psych.example.ac.uk/survey/sleep-mood/") in redacted(
        engine, text
    )


def test_a_public_survey_page_with_no_study_of_the_writers_is_kept(engine: PIIEngine) -> None:
    text = "The national survey is explained at https://www.census.gov/survey/acs/about.html"
    assert redacted_texts(engine, text) == []


def test_a_public_pages_name_in_its_link_is_kept(engine: PIIEngine) -> None:
    text = (
        "A free course from [Medhaven about panic](https://www.medhaven.com/series/"
        "panic-attacks-what-helps-and-what-does-not-2231) got me through."
    )
    assert redacted_texts(engine, text) == []
    own = "Book a call with [Harmon](https://www.harmonlaw.com/book-a-free-consultation)."
    assert "Harmon" in redacted_texts(engine, own)
    # a given name that names its own site (from a leak review)
    blog = "My friend's blog: [Talia on grief](https://www.talia.com/what-grief-taught-me)."
    assert "Talia" in redacted_texts(engine, blog)
    # a site the writer's therapist owns (from a code review)
    owned = (
        "My therapist has a blog: [Brightwater on anxiety]"
        "(https://www.brightwater.com/blog/anxiety-tips-that-work)."
    )
    assert "Brightwater" in redacted_texts(engine, owned)


def test_a_quiz_its_writer_made_is_their_own_site(engine: PIIEngine) -> None:
    own = (
        "This is a short quiz built to learn what you want from a support forum.\n\n"
        "[Start](https://bluekettlestudio.com/quiz/what-helps-you/)"
    )
    assert "https://bluekettlestudio.com/quiz/what-helps-you/" in redacted_texts(engine, own)
    found = "I found this quiz useful: https://bluekettlestudio.com/quiz/what-helps-you/"
    assert redacted_texts(engine, found) == []
