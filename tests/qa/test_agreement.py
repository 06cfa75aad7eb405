"""Inter-rater agreement checked against published values (Krippendorff 2011, Fleiss 1971 as
on Wikipedia, Cohen's kappa as on Wikipedia), against the `krippendorff` package on random
data, and against Gwet's AC1 computed by hand; degenerate data gives None, never NaN."""

from __future__ import annotations

import math
from fractions import Fraction

import krippendorff  # GPL-3.0: test-only cross-check, never imported by src/
import numpy as np
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from mhds.qa.agreement import (
    Level,
    Rating,
    Statistic,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    summarize_agreement,
)
from mhds.records.codec import dumps, loads

pytestmark = pytest.mark.filterwarnings("error")

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
# (rows) x 12 units (columns), values 1-5, None = not coded.
KRIPPENDORFF_2011: list[list[Rating]] = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]

# Fleiss' kappa worked example (Wikipedia, after Fleiss 1971): 10 subjects, 14 raters each,
# number of raters per category 1-5; kappa = 0.210.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def transpose(rows: list[list[Rating]]) -> list[list[Rating]]:
    return [list(column) for column in zip(*rows, strict=True)]


def table_to_units(table: list[list[int]]) -> list[list[Rating]]:
    """A count table (items x categories) as units (items x rater slots)."""
    return [
        [float(category) for category, n in enumerate(row, start=1) for _ in range(n)]
        for row in table
    ]


def two_raters(cells: dict[tuple[int, int], int]) -> tuple[list[Rating], list[Rating]]:
    """Two raters' ratings from a 2x2 (or larger) table of (a, b) -> count."""
    a: list[Rating] = []
    b: list[Rating] = []
    for (x, y), count in cells.items():
        a += [x] * count
        b += [y] * count
    return a, b


# -- Krippendorff's alpha -----------------------------------------------------------------


def test_krippendorff_2011_reliability_data_example() -> None:
    units = transpose(KRIPPENDORFF_2011)
    assert round(krippendorff_alpha(units, "nominal") or 0, 3) == 0.743
    assert round(krippendorff_alpha(units, "interval") or 0, 3) == 0.849
    assert krippendorff_alpha(units) == krippendorff_alpha(units, "interval")


@pytest.mark.parametrize("level", ["nominal", "interval"])
def test_krippendorff_2011_matches_the_krippendorff_package(level: Level) -> None:
    data = np.array(KRIPPENDORFF_2011, dtype=float)  # None -> nan
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    units = transpose(KRIPPENDORFF_2011)
    assert krippendorff_alpha(units, level) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("level", ["nominal", "interval"])
@pytest.mark.parametrize("seed", range(12))
def test_alpha_matches_the_krippendorff_package_on_random_data(level: Level, seed: int) -> None:
    rng = np.random.default_rng(seed)
    items, raters = int(rng.integers(5, 60)), int(rng.integers(2, 7))
    truth = rng.integers(0, 11, size=items)
    noise = rng.integers(-2, 3, size=(items, raters)) * rng.random((items, raters)).round()
    scores = np.clip(truth[:, None] + noise, 0, 10)
    if seed % 3 == 0:
        scores = scores + 0.5 * rng.integers(0, 2, size=scores.shape)  # half points too
    missing = rng.random((items, raters)) < 0.3
    units: list[list[Rating]] = [
        [None if missing[i, j] else float(scores[i, j]) for j in range(raters)]
        for i in range(items)
    ]
    data = np.where(missing, np.nan, scores).T
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    got = krippendorff_alpha(units, level)
    assert got is not None
    assert got == pytest.approx(expected, abs=1e-9)


def test_alpha_is_one_on_perfect_agreement_and_drops_unpairable_units() -> None:
    units: list[list[Rating]] = [[1, 1, None], [3, None, 3], [5, 5, 5], [None, 2, None]]
    assert krippendorff_alpha(units) == pytest.approx(1.0)
    assert krippendorff_alpha(units[:3]) == krippendorff_alpha(units)


# -- Cohen's and Fleiss' kappa ------------------------------------------------------------


def test_cohen_kappa_wikipedia_example() -> None:
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> po 0.7, pe 0.5, kappa 0.4
    a, b = two_raters({(1, 1): 20, (1, 0): 5, (0, 1): 10, (0, 0): 15})
    assert cohen_kappa(a, b) == pytest.approx(0.4, abs=1e-12)
    summary = summarize_agreement({}, transpose([a, b]))
    assert summary.kappa.method == "cohen_kappa"
    assert summary.kappa.value == pytest.approx(0.4, abs=1e-12)
    assert summary.kappa.items == 50
    assert summary.raw_agreement.value == pytest.approx(0.7)


def test_cohen_kappa_leaves_out_items_one_rater_skipped() -> None:
    a, b = two_raters({(1, 1): 20, (1, 0): 5, (0, 1): 10, (0, 0): 15})
    assert cohen_kappa([*a, 1, None], [*b, None, 0]) == pytest.approx(0.4, abs=1e-12)
    with pytest.raises(ValueError, match="rated 3 and 2 items"):
        cohen_kappa([1, 0, 1], [1, 0])


def test_fleiss_kappa_wikipedia_example() -> None:
    units = table_to_units(FLEISS_TABLE)
    assert all(len(row) == 14 for row in units)
    value = fleiss_kappa(units)
    assert value is not None
    assert round(value, 3) == 0.210
    expected = sm_fleiss_kappa(np.array(FLEISS_TABLE), method="fleiss")
    assert value == pytest.approx(expected, abs=1e-12)
    summary = summarize_agreement({}, units)
    assert summary.kappa.method == "fleiss_kappa"
    assert summary.kappa.items == 10


def test_fleiss_kappa_refuses_items_rated_a_different_number_of_times() -> None:
    with pytest.raises(ValueError, match="as many ratings on every item"):
        fleiss_kappa([[1, 1, 0], [1, 0, None], [0, 0, 0]])


# -- Gwet's AC1 ---------------------------------------------------------------------------


def test_ac1_two_raters_by_hand() -> None:
    a, b = two_raters({(1, 1): 20, (1, 0): 5, (0, 1): 10, (0, 0): 15})
    pa = Fraction(35, 50)
    q = (Fraction(25, 50) + Fraction(30, 50)) / 2  # mean 'yes' share of the two raters
    pe = 2 * q * (1 - q)
    expected = (pa - pe) / (1 - pe)
    assert gwet_ac1(transpose([a, b])) == pytest.approx(float(expected), abs=1e-12)


def test_ac1_three_raters_with_missing_ratings_by_hand() -> None:
    units: list[list[Rating]] = [
        [1, 1, 1],  # pairs agreeing: 1
        [1, 1, 0],  # 1/3
        [1, 0, 0],  # 1/3
        [0, 0, 0],  # 1
        [1, 1, None],  # 1
        [None, 0, None],  # rated once: counts in pi, not in pa
    ]
    pa = (1 + Fraction(1, 3) + Fraction(1, 3) + 1 + 1) / 5
    pi_yes = (1 + Fraction(2, 3) + Fraction(1, 3) + 0 + 1 + 0) / 6
    pe = (pi_yes * (1 - pi_yes) + (1 - pi_yes) * pi_yes) / (2 - 1)
    expected = (pa - pe) / (1 - pe)
    assert expected == Fraction(7, 15)
    assert gwet_ac1(units) == pytest.approx(7 / 15, abs=1e-12)
    assert percent_agreement(units) == pytest.approx(float(pa), abs=1e-12)
    assert summarize_agreement({}, units).ac1.items == 5


def test_ac1_three_categories_by_hand() -> None:
    units: list[list[Rating]] = [[1, 1], [2, 3], [3, 3], [1, 2]]
    pa = Fraction(2, 4)
    pi = [Fraction(3, 8), Fraction(2, 8), Fraction(3, 8)]
    pe = sum(p * (1 - p) for p in pi) / (3 - 1)
    expected = (pa - pe) / (1 - pe)
    assert expected == Fraction(11, 43)
    assert gwet_ac1(units) == pytest.approx(11 / 43, abs=1e-12)


def test_kappa_paradox_kappa_collapses_while_ac1_stays_high() -> None:
    # 100 items: both pass 90, pass/fail 5, fail/pass 5, both fail 0.
    a, b = two_raters({(1, 1): 90, (1, 0): 5, (0, 1): 5})
    po = Fraction(90, 100)
    p_pass = Fraction(95, 100)  # each rater's pass rate
    kappa_pe = p_pass**2 + (1 - p_pass) ** 2  # 0.905
    expected_kappa = (po - kappa_pe) / (1 - kappa_pe)  # -1/19 ~ -0.0526
    ac1_pe = 2 * p_pass * (1 - p_pass)  # 0.095
    expected_ac1 = (po - ac1_pe) / (1 - ac1_pe)  # 161/181 ~ 0.8895
    assert expected_kappa == Fraction(-1, 19)
    assert expected_ac1 == Fraction(161, 181)

    summary = summarize_agreement({}, transpose([a, b]))
    assert summary.kappa.value == pytest.approx(float(expected_kappa), abs=1e-12)
    assert summary.ac1.value == pytest.approx(float(expected_ac1), abs=1e-12)
    assert summary.raw_agreement.value == pytest.approx(0.9)
    outcome = summary.to_dict()["outcome"]
    assert outcome["kappa"]["value"] == -0.0526
    assert outcome["ac1"]["value"] == 0.8895


# -- percent agreement --------------------------------------------------------------------


def test_percent_agreement_is_mean_pairwise_agreement() -> None:
    # item 1: 1 of 3 pairs agree; item 2: all 3 pairs; item 3 (two raters): agree
    units: list[list[Rating]] = [[1, 1, 0], [0, 0, 0], [1, None, 1]]
    assert percent_agreement(units) == pytest.approx((1 / 3 + 1 + 1) / 3)


def test_percent_agreement_on_identical_ratings_is_one_not_none() -> None:
    assert percent_agreement([[1, 1], [1, 1], [1, 1]]) == 1.0


# -- degenerate data: None with a note, never NaN or an exception -------------------------

DEGENERATE: dict[str, list[list[Rating]]] = {
    "empty": [],
    "one_item": [[1, 0, 1]],
    "all_identical": [[1, 1, 1], [1, 1, 1], [1, 1, 1]],
    "never_rated_twice": [[1, None], [None, 0], [None, None]],
}


@pytest.mark.parametrize("case", sorted(DEGENERATE))
def test_degenerate_inputs_give_none(case: str) -> None:
    units = DEGENERATE[case]
    assert krippendorff_alpha(units, "interval") is None
    assert krippendorff_alpha(units, "nominal") is None
    assert fleiss_kappa(units) is None
    assert gwet_ac1(units) is None
    a = [row[0] if row else None for row in units]
    b = [row[1] if len(row) > 1 else None for row in units]
    assert cohen_kappa(a, b) is None
    expected_percent = 1.0 if case == "all_identical" else None
    assert percent_agreement(units) == expected_percent


@pytest.mark.parametrize("case", sorted(DEGENERATE))
def test_degenerate_summary_has_notes_and_serialises(case: str) -> None:
    units = DEGENERATE[case]
    summary = summarize_agreement({"empathy_warmth": units}, units)
    stats = [summary.criteria["empathy_warmth"], summary.kappa, summary.ac1]
    for stat in stats:
        assert stat.value is None
        assert stat.note
    data = summary.to_dict()
    assert loads(dumps(data)) == data
    assert data["criteria"]["empathy_warmth"]["value"] is None


def test_two_values_that_never_vary_within_an_item_still_give_alpha_one() -> None:
    assert krippendorff_alpha([[1, 1], [2, 2]], "nominal") == pytest.approx(1.0)


# -- the summary --------------------------------------------------------------------------


def test_summary_per_criterion_alpha_and_fleiss_outcome() -> None:
    criteria = {
        "crisis_handling": [[8, 9, 8], [3, 4, 3], [6, 6, 7], [9, 9, 10]],
        "de_escalation": [[7, 7, 7], [7, 7, 7]],
    }
    outcome: list[list[Rating]] = [[True, True, True], [False, False, True], [True, True, True]]
    summary = summarize_agreement(criteria, outcome)
    handling = summary.criteria["crisis_handling"]
    assert handling.method == "krippendorff_alpha_interval"
    assert handling.items == 4
    assert handling.value == pytest.approx(krippendorff_alpha(criteria["crisis_handling"]))
    assert summary.criteria["de_escalation"] == Statistic(
        "krippendorff_alpha_interval", None, 2, "no variation: every rating is the same value"
    )
    assert summary.kappa.method == "fleiss_kappa"
    assert summary.kappa.value == pytest.approx(fleiss_kappa(outcome))
    data = summary.to_dict()
    assert list(data["criteria"]) == ["crisis_handling", "de_escalation"]
    assert data["outcome"]["kappa"]["items"] == 3
    for stat in (*data["criteria"].values(), *data["outcome"].values()):
        value = stat["value"]
        assert value is None or (isinstance(value, float) and value == round(value, 4))


def test_summary_without_an_applicable_kappa_keeps_ac1() -> None:
    outcome: list[list[Rating]] = [[1, 1, None], [1, 0, 1], [0, None, 0], [1, 1, 1]]
    summary = summarize_agreement({}, outcome)
    assert summary.kappa.value is None
    assert summary.kappa.note and "vary" in summary.kappa.note
    assert summary.ac1.value is not None and math.isfinite(summary.ac1.value)
    assert summary.ac1.items == 4


@pytest.mark.parametrize("bad", [math.nan, math.inf, "7"])
def test_a_rating_that_is_not_a_finite_number_is_refused(bad: object) -> None:
    units = [[1, 2], [3, bad]]
    with pytest.raises(ValueError, match=r"units\[1\]\[1\]"):
        krippendorff_alpha(units)  # type: ignore[arg-type]


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="valid: interval, nominal"):
        krippendorff_alpha([[1, 2], [2, 2]], "ordinal")  # type: ignore[arg-type]
