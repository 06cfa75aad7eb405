"""Inter-rater agreement of clinician reviews: Krippendorff's alpha per criterion, and kappa,
raw agreement and Gwet's AC1 on the pass/fail outcome.

Ratings come as *units*: one row per item, one entry per reviewer slot, ``None`` where that
reviewer did not rate the item (reviewers may differ per item). Every statistic rests only on
items rated at least twice; fewer than two such items, or no variation where a statistic needs
some, give ``None`` with a note, never an exception or NaN.

Why both kappa and AC1: kappa corrects for chance with the raters' own pass rates, so when
nearly everything passes, chance agreement is close to 1 and kappa collapses, even to below 0,
although reviewers agree on 90% of items (the "kappa paradox", Feinstein & Cicchetti 1990).
Gwet's AC1 takes chance agreement as the chance of a random rating, which stays low on skewed
pass rates, so it does not collapse. A QA sample mostly passes, so both are reported.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Rating = float | None
Units = Sequence[Sequence[Rating]]
Level = Literal["interval", "nominal"]

MIN_ITEMS = 2
PLACES = 4

FEW_ITEMS = f"fewer than {MIN_ITEMS} items rated at least twice"
NO_VARIATION = "no variation: every rating is the same value"


@dataclass(frozen=True)
class Statistic:
    """One agreement figure and what it rests on.

    Attributes:
        method: which statistic (``krippendorff_alpha_interval``, ``cohen_kappa``,
            ``fleiss_kappa``, ``kappa`` when neither applies, ``percent_agreement``,
            ``gwet_ac1``).
        value: the figure, or None when the data cannot support it (see ``note``).
        items: items behind it: those rated at least twice (by both raters, for Cohen's).
        note: why ``value`` is None, when it is.
    """

    method: str
    value: float | None
    items: int
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, the value rounded to 4 places."""
        value = None if self.value is None else round(self.value, PLACES)
        return {"method": self.method, "value": value, "items": self.items, "note": self.note}


@dataclass(frozen=True)
class AgreementSummary:
    """Agreement of a review round: alpha per criterion, and on the pass/fail outcome kappa
    (Cohen's or Fleiss', named in ``kappa.method``), raw agreement and Gwet's AC1."""

    criteria: Mapping[str, Statistic]
    kappa: Statistic
    raw_agreement: Statistic
    ac1: Statistic

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (floats rounded to 4 places, None kept as null)."""
        return {
            "criteria": {key: stat.to_dict() for key, stat in sorted(self.criteria.items())},
            "outcome": {
                "kappa": self.kappa.to_dict(),
                "raw_agreement": self.raw_agreement.to_dict(),
                "ac1": self.ac1.to_dict(),
            },
        }


def krippendorff_alpha(units: Units, level: Level = "interval") -> float | None:
    """Krippendorff's alpha over the coincidence matrix of pairable values (Krippendorff,
    "Computing Krippendorff's Alpha-Reliability", 2011).

    Items rated fewer than twice are not pairable and are dropped. With no variation at all
    (every pairable value the same) expected disagreement is 0 and alpha is 0/0: such data
    cannot show whether reviewers tell anything apart, so the answer is None, not 1.

    Raises:
        ValueError: a rating that is not a finite number, or an unknown level.
    """
    return _alpha(units, level).value


def cohen_kappa(a: Sequence[Rating], b: Sequence[Rating]) -> float | None:
    """Cohen's kappa of two raters (``sklearn.metrics.cohen_kappa_score``), on the items
    both rated; None for fewer than 2 such items or a single category throughout.

    Raises:
        ValueError: ``a`` and ``b`` of different lengths, or a rating not a finite number.
    """
    if len(a) != len(b):
        raise ValueError(f"raters rated {len(a)} and {len(b)} items; give one entry per item")
    return _cohen(_matrix([[x, y] for x, y in zip(a, b, strict=True)]), (0, 1)).value


def fleiss_kappa(units: Units) -> float | None:
    """Fleiss' kappa (``statsmodels.stats.inter_rater``) for the same number of ratings on
    every item; items rated fewer than twice are dropped, and None is the answer for fewer
    than 2 items left or a single category throughout.

    Raises:
        ValueError: items rated a different number of times, or a rating not a finite number.
    """
    rows = _pairable(_matrix(units))
    sizes = sorted({len(row) for row in rows})
    if len(sizes) > 1:
        raise ValueError(f"Fleiss' kappa needs as many ratings on every item; found {sizes}")
    return _fleiss(rows).value


def gwet_ac1(units: Units) -> float | None:
    """Gwet's AC1 for several raters and categories with missing ratings (Gwet 2008,
    "Computing inter-rater reliability and its variance in the presence of high agreement";
    the multi-rater form of his Handbook).

    ``pa`` is the mean, over items rated at least twice, of the share of agreeing rater
    pairs; ``pe = sum_k pi_k (1 - pi_k) / (q - 1)``, with ``pi_k`` the mean share of
    category ``k`` over every rated item and ``q`` the number of categories seen. None for
    fewer than 2 items rated twice or a single category throughout (``q - 1`` is 0).

    Raises:
        ValueError: a rating that is not a finite number.
    """
    return _ac1(_matrix(units)).value


def percent_agreement(units: Units) -> float | None:
    """Mean pairwise agreement, from 0 to 1: for each item rated at least twice, the share of
    its rater pairs that gave the same rating, averaged over items (Fleiss' P-bar, Gwet's
    ``pa``; for two raters, the share of items they agree on). Not chance-corrected, so every
    rating the same gives 1.0; None for fewer than 2 items rated twice.

    Raises:
        ValueError: a rating that is not a finite number.
    """
    return _percent(_pairable(_matrix(units))).value


def summarize_agreement(
    criterion_units: Mapping[str, Units], outcome_units: Units
) -> AgreementSummary:
    """Agreement of a review round, for ``mhds qa status`` and the sign-off record.

    Kappa is Cohen's when exactly two reviewer slots rated the outcome (items rated by one
    only are left out), else Fleiss' when every item rated twice or more has as many ratings;
    otherwise it is None with a note, and AC1 still stands.

    Args:
        criterion_units: criterion key -> units of its 0-10 scores (interval alpha each).
        outcome_units: units of the pass/fail outcome (1/0 or True/False).

    Raises:
        ValueError: a rating that is not a finite number.
    """
    criteria = {key: _alpha(units, "interval") for key, units in criterion_units.items()}
    matrix = _matrix(outcome_units)
    rows = _pairable(matrix)
    return AgreementSummary(
        criteria=criteria,
        kappa=_kappa(matrix),
        raw_agreement=_percent(rows),
        ac1=_ac1(matrix),
    )


def _alpha(units: Units, level: Level) -> Statistic:
    if level not in ("interval", "nominal"):
        raise ValueError(f"unknown level {level!r} (valid: interval, nominal)")
    method = f"krippendorff_alpha_{level}"
    rows = _pairable(_matrix(units))
    if len(rows) < MIN_ITEMS:
        return Statistic(method, None, len(rows), FEW_ITEMS)
    values, counts = _value_counts(rows)
    if len(values) < 2:
        return Statistic(method, None, len(rows), NO_VARIATION)
    weights = 1.0 / (counts.sum(axis=1) - 1.0)
    # o[c, k] = sum over units of (c-k pairs in the unit) / (m_u - 1): Krippendorff's
    # coincidence matrix, built as C^T diag(w) C minus each value's pairing with itself.
    coincidences = (counts * weights[:, None]).T @ counts - np.diag(weights @ counts)
    n_c = coincidences.sum(axis=0)
    if level == "interval":
        delta = (values[:, None] - values[None, :]) ** 2
    else:
        delta = (values[:, None] != values[None, :]).astype(np.float64)
    observed = float((coincidences * delta).sum())
    expected = float((np.outer(n_c, n_c) * delta).sum())
    value = 1.0 - (float(n_c.sum()) - 1.0) * observed / expected
    return Statistic(method, value, len(rows))


def _kappa(matrix: list[list[Rating]]) -> Statistic:
    rows = _pairable(matrix)
    if len(rows) < MIN_ITEMS:
        return Statistic("kappa", None, len(rows), FEW_ITEMS)
    slots = {i for row in matrix if _count(row) >= 2 for i, x in enumerate(row) if x is not None}
    if len(slots) == 2:
        first, second = sorted(slots)
        return _cohen(matrix, (first, second))
    sizes = sorted({len(row) for row in rows})
    if len(sizes) > 1:
        note = f"ratings per item vary ({sizes[0]} to {sizes[-1]}): no kappa applies; see AC1"
        return Statistic("kappa", None, len(rows), note)
    return _fleiss(rows)


def _cohen(matrix: list[list[Rating]], slots: tuple[int, int]) -> Statistic:
    from sklearn.metrics import cohen_kappa_score

    first, second = slots
    pairs = [
        (row[first], row[second])
        for row in matrix
        if len(row) > second and row[first] is not None and row[second] is not None
    ]
    if len(pairs) < MIN_ITEMS:
        return Statistic("cohen_kappa", None, len(pairs), FEW_ITEMS)
    values, codes = np.unique(np.array(pairs, dtype=np.float64), return_inverse=True)
    if len(values) < 2:
        return Statistic("cohen_kappa", None, len(pairs), NO_VARIATION)
    codes = codes.reshape(-1, 2)
    value = float(cohen_kappa_score(codes[:, 0], codes[:, 1]))
    return Statistic("cohen_kappa", value, len(pairs))


def _fleiss(rows: list[list[float]]) -> Statistic:
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

    if len(rows) < MIN_ITEMS:
        return Statistic("fleiss_kappa", None, len(rows), FEW_ITEMS)
    if len({x for row in rows for x in row}) < 2:
        return Statistic("fleiss_kappa", None, len(rows), NO_VARIATION)
    table, _ = aggregate_raters(np.array(rows, dtype=np.float64))
    return Statistic("fleiss_kappa", float(sm_fleiss_kappa(table, method="fleiss")), len(rows))


def _ac1(matrix: list[list[Rating]]) -> Statistic:
    rated = [[x for x in row if x is not None] for row in matrix if _count(row) >= 1]
    pairable = [row for row in rated if len(row) >= 2]
    if len(pairable) < MIN_ITEMS:
        return Statistic("gwet_ac1", None, len(pairable), FEW_ITEMS)
    _, counts = _value_counts(rated)
    q = counts.shape[1]
    if q < 2:
        return Statistic("gwet_ac1", None, len(pairable), NO_VARIATION)
    totals = counts.sum(axis=1)
    pi = (counts / totals[:, None]).mean(axis=0)
    chance = float((pi * (1.0 - pi)).sum()) / (q - 1)
    agreement = _pair_agreement(pairable)
    return Statistic("gwet_ac1", (agreement - chance) / (1.0 - chance), len(pairable))


def _percent(rows: list[list[float]]) -> Statistic:
    if len(rows) < MIN_ITEMS:
        return Statistic("percent_agreement", None, len(rows), FEW_ITEMS)
    return Statistic("percent_agreement", _pair_agreement(rows), len(rows))


def _pair_agreement(rows: list[list[float]]) -> float:
    """Mean over items of the share of rater pairs that agree (each item rated twice+)."""
    shares = []
    for row in rows:
        m = len(row)
        same = sum(r * (r - 1) for r in Counter(row).values())
        shares.append(same / (m * (m - 1)))
    return math.fsum(shares) / len(shares)


def _value_counts(
    rows: list[list[float]],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The sorted distinct values, and how often each item holds each (items x values)."""
    values = np.unique(np.array([x for row in rows for x in row], dtype=np.float64))
    counts = np.zeros((len(rows), len(values)), dtype=np.float64)
    for i, row in enumerate(rows):
        np.add.at(counts[i], np.searchsorted(values, np.array(row, dtype=np.float64)), 1.0)
    return values, counts


def _matrix(units: Units) -> list[list[Rating]]:
    """The units as float-or-None rows, every rating checked to be a finite number."""
    matrix: list[list[Rating]] = []
    for i, row in enumerate(units):
        checked: list[Rating] = []
        for j, x in enumerate(row):
            if x is not None and not (isinstance(x, Real) and math.isfinite(x)):
                raise ValueError(f"units[{i}][{j}]: a rating must be a finite number or None")
            checked.append(None if x is None else float(x))
        matrix.append(checked)
    return matrix


def _pairable(matrix: list[list[Rating]]) -> list[list[float]]:
    """The ratings of every item rated at least twice, missing ones left out."""
    rows = [[x for x in row if x is not None] for row in matrix]
    return [row for row in rows if len(row) >= 2]


def _count(row: Sequence[Rating]) -> int:
    return sum(x is not None for x in row)
