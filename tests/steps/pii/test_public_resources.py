"""The public-resource allowlist: the packaged data loads and cites sources; names, aliases,
acronyms, surnames, domains and URLs are found under the documented case rules; malformed
entries fail loudly, naming the file, the entry and the field."""

from __future__ import annotations

import pickle
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from mhds.errors import ConfigError
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.resources import KINDS, PublicResources


@pytest.fixture(scope="module")
def default() -> PublicResources:
    return PublicResources.default()


def found(resources: PublicResources, text: str) -> list[tuple[str, str]]:
    return [(text[start:end], kind) for start, end, kind in resources.ranges(text)]


def entry(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Example Helpline",
        "kind": "helpline",
        "region": "GB",
        "source": "https://example.org/",
    }
    return {**base, **fields}


# --- the packaged data -------------------------------------------------------------------


def test_packaged_file_loads_once_with_every_kind(default: PublicResources) -> None:
    assert PublicResources.default() is default
    assert len(default) >= 250
    assert {e.kind for e in default.entries} == set(KINDS)


def test_every_packaged_entry_cites_an_https_source(default: PublicResources) -> None:
    for item in default.entries:
        assert item.source.startswith("https://"), item.name
        assert item.region == "intl" or (len(item.region) == 2 and item.region.isupper())


def test_packaged_domains_are_bare_lower_case_hosts(default: PublicResources) -> None:
    domains = default.domains()
    assert {"thetrevorproject.org", "psychologytoday.com", "nami.org", "mind.org.uk"} <= domains
    assert all(d == d.lower() and not d.startswith("www.") and "/" not in d for d in domains)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You could call the Trevor Project tonight.", ("the Trevor Project", "helpline")),
        ("My counselor said to text TrevorText.", ("TrevorText", "helpline")),
        ("THE TREVOR PROJECT has a chat too.", ("THE TREVOR PROJECT", "helpline")),
        ("I rang the Samaritans at 3am.", ("the Samaritans", "helpline")),
        ("Dial 988 Suicide & Crisis Lifeline", ("988 Suicide & Crisis Lifeline", "helpline")),
        ("Text the crisis text line.", ("the crisis text line", "helpline")),
        ("the national suicide hotline", ("the national suicide hotline", "helpline")),
        ("A NAMI support group meets weekly.", ("NAMI", "organisation")),
        ("Ask the Kids Help Phone counsellors.", ("the Kids Help Phone", "helpline")),
        ("Beyond Blue has forums.", ("Beyond Blue", "organisation")),
        ("Look on Psychology Today for someone local.", ("Psychology Today", "directory")),
        ("Al-Anon meetings are free.", ("Al-Anon", "organisation")),
        ("I got Feeling Good from the library.", ("Feeling Good", "publication")),
        ("Read The Body Keeps the Score first.", ("The Body Keeps the Score", "publication")),
        ("Marsha Linehan developed it.", ("Marsha Linehan", "public_figure")),
        ("a talk by Brene Brown on shame", ("Brene Brown", "public_figure")),
        ("Viktor Frankl’s memoir moved me.", ("Viktor Frankl’s", "public_figure")),
    ],
)  # fmt: skip
def test_names_and_aliases(default: PublicResources, text: str, expected: tuple[str, str]) -> None:
    assert expected in found(default, text)


def test_longest_form_wins(default: PublicResources) -> None:
    text = "She called Lifeline Australia and then Kids Helpline."
    assert found(default, text) == [
        ("Lifeline Australia", "helpline"),
        ("Kids Helpline", "helpline"),
    ]


def test_title_belongs_to_a_person_the_to_an_organisation(default: PublicResources) -> None:
    text = "Dr. John Gottman and Dr Brené Brown, and the CDC."
    assert found(default, text) == [
        ("Dr. John Gottman", "public_figure"),
        ("Dr Brené Brown", "public_figure"),
        ("the CDC", "organisation"),
    ]


def test_whole_words_only(default: PublicResources) -> None:
    assert found(default, "NAMIBIA, CDCs and Shouting are not resources.") == []


# --- case rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Never mind, I am feeling good and calm now.",
        "I need to shout and beat my pillow; relate to that?",
        "ted talks to me about his day",
        "Ted talks a lot at dinner.",
        "who knows, maybe nice people exist",
        "She is my lifeline and my refuge.",
    ],
)
def test_common_word_aliases_do_not_match_lower_case_prose(
    default: PublicResources, text: str
) -> None:
    assert found(default, text) == []


def test_common_word_aliases_match_as_written(default: PublicResources) -> None:
    text = "Mind and Shout and CALM all help; so does NICE guidance and the WHO."
    assert [value for value, _ in found(default, text)] == [
        "Mind",
        "Shout",
        "CALM",
        "NICE",
        "the WHO",
    ]


def test_acronyms_are_case_sensitive() -> None:
    resources = PublicResources([entry(aliases=["EXH"])])
    assert found(resources, "EXH helps") == [("EXH", "helpline")]
    assert found(resources, "exh helps, Exh helps") == []


def test_listed_case_sensitive_form_and_any_case_name() -> None:
    resources = PublicResources(
        [entry(name="Harbour", aliases=["Harbour Line"], case_sensitive=["Harbour"])]
    )
    assert found(resources, "the harbour line, a harbour, the Harbour") == [
        ("the harbour line", "helpline"),
        ("the Harbour", "helpline"),
    ]


def test_case_miss_on_a_long_form_falls_back_to_a_shorter_one() -> None:
    resources = PublicResources(
        [
            entry(name="Alpha Beta", case_sensitive=["Alpha Beta"]),
            entry(name="Alpha Group", aliases=["Alpha"], kind="organisation"),
        ]
    )
    assert found(resources, "Alpha beta") == [("Alpha", "organisation")]
    assert found(resources, "Alpha Beta") == [("Alpha Beta", "helpline")]


# --- surnames --------------------------------------------------------------------------


def test_surname_alone_only_after_the_full_name(default: PublicResources) -> None:
    before = "Linehan wrote it. Later, Marsha Linehan taught it and Linehan's skills spread."
    assert [v for v, _ in found(default, before)] == ["Marsha Linehan", "Linehan's"]
    text = "Burns came first. Then David Burns wrote a book; Burns says check the evidence."
    assert found(default, text) == [
        ("David Burns", "public_figure"),
        ("Burns", "public_figure"),
    ]


def test_surname_alone_is_case_sensitive_and_not_part_of_another_name(
    default: PublicResources,
) -> None:
    text = "Sue Johnson wrote it. My boss Mr. Johnson and Magic Johnson disagree; johnson too."
    assert found(default, text) == [("Sue Johnson", "public_figure")]


def test_possessive_surname_alone_only_where_the_entry_allows(
    default: PublicResources,
) -> None:
    assert found(default, "Gottman's four horsemen") == [("Gottman's", "public_figure")]
    assert found(default, "Dr. Gottman's research") == [("Dr. Gottman's", "public_figure")]
    assert found(default, "Johnson's couch, Burns's notes") == []


def test_multi_word_surname() -> None:
    resources = PublicResources(
        [
            entry(
                name="Anna van der Berg",
                kind="public_figure",
                surname="van der Berg",
                region="NL",
            )
        ]
    )
    text = "Anna van der Berg wrote it and van der Berg revised it."
    assert [v for v, _ in found(resources, text)] == ["Anna van der Berg", "van der Berg"]


# --- domains and URLs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("See https://www.thetrevorproject.org/get-help now.", "https://www.thetrevorproject.org/get-help"),
        ("Search psychologytoday.com/us/therapists for one.", "psychologytoday.com/us/therapists"),
        ("Go to www.samaritans.org.", "www.samaritans.org"),
        ("(details at https://www.nimh.nih.gov/health/topics)", "https://www.nimh.nih.gov/health/topics"),
        ("Mind.org.uk explains it", "Mind.org.uk"),
        ("https://en.wikipedia.org/wiki/Mind_(charity), for example", "https://en.wikipedia.org/wiki/Mind_(charity)"),
    ],
)  # fmt: skip
def test_urls_on_official_domains_are_whole_tokens(
    default: PublicResources, text: str, url: str
) -> None:
    assert [v for v, _ in found(default, text)] == [url]


def test_subdomains_take_the_most_specific_entry(default: PublicResources) -> None:
    assert found(default, "pubmed.ncbi.nlm.nih.gov/123") == [
        ("pubmed.ncbi.nlm.nih.gov/123", "directory")
    ]
    assert found(default, "nih.gov") == [("nih.gov", "organisation")]


@pytest.mark.parametrize(
    "text",
    [
        "write to jane.doe@nami.org",
        "my site is notnami.org.example.net",
        "see evilthetrevorproject.org",
        "https://someone@nami.org/x",
        "my channel youtube.com/@someone and https://docs.google.com/document/d/1x2y3z",
        "my list at www.amazon.com/hz/wishlist/ls/3ABC and goodreads.com/user/show/42",
    ],
)
def test_e_mail_hosts_and_look_alike_domains_are_not_kept(
    default: PublicResources, text: str
) -> None:
    assert found(default, text) == []


def test_a_missing_space_after_a_name_is_not_a_host(default: PublicResources) -> None:
    assert found(default, "I called the Samaritans.They listened.") == [
        ("the Samaritans", "helpline")
    ]


# --- custom entries and validation -------------------------------------------------------


def test_extended_adds_entries_and_keeps_the_defaults(default: PublicResources) -> None:
    more = default.extended([entry(name="Harbourside Helpline", domains=["harbourside.example"])])
    assert len(more) == len(default) + 1
    assert "harbourside.example" in more.domains()
    assert found(more, "NAMI or the Harbourside Helpline") == [
        ("NAMI", "organisation"),
        ("the Harbourside Helpline", "helpline"),
    ]


def test_from_file(tmp_path: Path) -> None:
    path = tmp_path / "extra.yaml"
    path.write_text(
        "- name: Harbourside Helpline\n  kind: helpline\n  region: GB\n"
        "  source: https://harbourside.example/\n",
        encoding="utf-8",
    )
    assert [e.name for e in PublicResources.from_file(path).entries] == ["Harbourside Helpline"]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([entry(), {"kind": "helpline", "region": "GB", "source": "https://x.org/"}],
         "entries[1], field 'name': missing"),
        ([entry(kind=None)], "entries[0] ('Example Helpline'), field 'kind': missing"),
        ([entry(source=None)], "field 'source': missing"),
        ([entry(kind="hotline")], "field 'kind': unknown kind 'hotline'"),
        ([entry(source="http://example.org/")], "field 'source': must be an https:// URL"),
        ([entry(region="UK1")], "field 'region'"),
        ([entry(aliases=["Helpline X", ""])], "field 'aliases': empty or non-text item ''"),
        ([entry(aliases=["  "])], "field 'aliases': empty or non-text item"),
        ([entry(aliases="Helpline X")], "field 'aliases': must be a list"),
        ([entry(domains=["https://example.org/"])], "field 'domains'"),
        ([entry(domains=["www.example.org"])], "field 'domains'"),
        ([entry(case_sensitive=["Other"])], "field 'case_sensitive'"),
        ([entry(colour="red")], "field 'colour': unknown field"),
        ([entry(surname="Helpline")], "field 'surname': only a public_figure"),
        ([entry(kind="public_figure", name="Ann Lee", surname="Smith")], "field 'surname'"),
        ([entry(name="Ann Lee", kind="public_figure", surname=None, surname_possessive=True)],
         "field 'surname_possessive'"),
        (["just a name"], "entries[0]: an entry must be a mapping"),
        ([entry(), entry(name="Other Line", aliases=["the example helpline"])],
         "entries[1] ('Other Line'), field 'aliases': 'example helpline' is also a form of "
         "entries[0] ('Example Helpline')"),
        ([entry(domains=["example.org"]), entry(name="Other Line", domains=["example.org"])],
         "entries[1] ('Other Line'), field 'domains': 'example.org' is listed twice"),
    ],
)  # fmt: skip
def test_malformed_entries_name_file_entry_and_field(entries: list[Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        PublicResources(entries, source="extra.yaml")
    assert str(raised.value).startswith("extra.yaml: ")
    assert message in str(raised.value)


def test_duplicate_against_the_defaults_names_both_files(default: PublicResources) -> None:
    with pytest.raises(ConfigError, match=r"extra\.yaml: entries\[0\].*'aliases'.*in .*\.yaml"):
        default.extended([entry(aliases=["NAMI"])], source="extra.yaml")


@pytest.mark.parametrize("text", ["{not: [valid", "name: not a list"])
def test_malformed_yaml_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.yaml"):
        PublicResources.from_file(path)


# --- scale and pickling ------------------------------------------------------------------


def test_long_text_in_one_pass(default: PublicResources) -> None:
    unit = (
        "I spoke with my sister about NAMI and the Samaritans, read Daring Greatly by Brené "
        "Brown, and bookmarked https://www.psychologytoday.com/us/therapists for later. "
    )
    text = unit * (100_000 // len(unit))
    ranges = default.ranges(text)
    assert len(ranges) == 5 * (100_000 // len(unit))
    assert all(end <= start for (_, end, _), (start, _, _) in pairwise(ranges))


def test_pickles(default: PublicResources) -> None:
    text = "Call the Trevor Project; Gottman's book."
    assert pickle.loads(pickle.dumps(default)).ranges(text) == default.ranges(text)


@pytest.mark.parametrize(
    "text",
    ["You could look for a Gottman Certified couples therapist.",
     "We tried the Gottman Method workshop last year."],
)  # fmt: skip
def test_a_figures_surname_naming_their_work_is_public(default: PublicResources, text: str) -> None:
    assert [text[a:b] for a, b, _ in default.ranges(text)][0].startswith("Gottman ")


def test_a_neighbour_with_an_eponym_is_still_redacted(engine: PIIEngine) -> None:
    text = "My neighbour Gottman Method knocks every night."
    assert "Gottman" in "".join(text[s.start : s.end] for s in engine.analyze(text))
