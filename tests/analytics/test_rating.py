"""Rating, slotting and IRB risk weight of a derived PD, against the published tables."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from addin.analytics.credit import BASEL2_PD_FLOOR, irb_risk_weight
from addin.analytics.rating import (
    SLOTTING_BY_RATING,
    Slotting,
    annual_pd,
    lifetime_irb_risk_weight,
    rating_default_rates,
    rating_from_pd,
    slotting_category,
    slotting_from_pd,
    slotting_risk_weight,
)
from addin.model.errors import InputError, MissingInputError
from addin.model.ratings import SCALES, default_rate_table

# The table of every test below: S&P Global Ratings, "Default, Transition, and Recovery:
# 2024 Annual Global Corporate Default And Rating Transition Study" (2025-03-27), table 24
# (category) and table 26 (notch), global corporates 1981-2024, as shipped in
# addin/model/data/cumulative_default_rates.csv (tests/model/test_ratings.py checks the file).


def published(scale: str, rating: str, years: int) -> float:
    table = default_rate_table(scale)
    return float(table.rates[table.ratings.index(rating), years - 1])


def adjusted(scale: str, years: int) -> list[float]:
    """The rule's rates at a table horizon, by hand: each rating's published rate lowered
    to the lowest of the ratings at or below it (module notes of addin.analytics.rating)."""
    table = default_rate_table(scale)
    column = table.rates[:, years - 1].tolist()
    return [min(column[i:]) for i in range(len(column))]


# ---- the curve at a horizon -------------------------------------------------------------------


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("years", range(1, 16))
def test_table_horizons_give_the_published_rates_made_monotone(scale: str, years: int) -> None:
    rates = rating_default_rates(float(years), scale)
    assert list(rates) == list(default_rate_table(scale).ratings)
    assert list(rates.values()) == adjusted(scale, years)  # exact: no interpolation here


def test_the_adjustment_only_touches_the_documented_cells() -> None:
    # BBB at 5 years is as published (1.36%); AAA is lowered to AA's 0.28% (published AAA
    # 0.34% > AA 0.28%); from BBB+ down, the notch table is already monotone.
    rates = rating_default_rates(5.0, "category")
    assert rates["BBB"] == published("category", "BBB", 5) == 0.0136
    assert rates["AAA"] == published("category", "AA", 5) == 0.0028
    notch = default_rate_table("notch")
    for years in range(1, 16):
        curve = rating_default_rates(float(years))
        for rating in notch.ratings[notch.ratings.index("BBB+") :]:
            assert curve[rating] == published("notch", rating, years)


def test_between_horizons_log_survival_is_linear() -> None:
    # Constant default intensity within a year: 1 - D(2.5) = sqrt((1 - D(2)) (1 - D(3))).
    # Category BB: 1.76% and 3.12% (table 24).
    expected = 1 - math.sqrt((1 - 0.0176) * (1 - 0.0312))
    assert rating_default_rates(2.5, "category")["BB"] == pytest.approx(expected, rel=1e-12)
    # A quarter of the way: 1 - D = (1 - D(2))^0.75 (1 - D(3))^0.25.
    expected = 1 - (1 - 0.0176) ** 0.75 * (1 - 0.0312) ** 0.25
    assert rating_default_rates(2.25, "category")["BB"] == pytest.approx(expected, rel=1e-12)


def test_below_one_year_the_first_year_intensity_applies() -> None:
    # 1 - D(t) = (1 - D(1))^t from D(0) = 0. Category B: 2.93% after one year.
    expected = 1 - (1 - 0.0293) ** 0.5
    assert rating_default_rates(0.5, "category")["B"] == pytest.approx(expected, rel=1e-12)
    # AAA: no AAA issuer defaulted within a year (0.00%): 0 over any shorter horizon.
    assert rating_default_rates(0.25)["AAA"] == 0.0


def test_beyond_fifteen_years_the_last_intensity_is_held() -> None:
    # 1 - D(15 + s) = (1 - D(15)) ((1 - D(15)) / (1 - D(14)))^s. Category B: 24.57%, 25.11%.
    survival_15, survival_14 = 1 - 0.2511, 1 - 0.2457
    for years in (16.0, 20.0, 30.0):
        expected = 1 - survival_15 * (survival_15 / survival_14) ** (years - 15)
        got = rating_default_rates(years, "category")["B"]
        assert got == pytest.approx(expected, rel=1e-12)
    assert rating_default_rates(100.0, "category")["CCC/C"] < 1.0


# ---- rating from a PD -------------------------------------------------------------------------


def distinct_cells(scale: str) -> list[tuple[int, str, float, str | None]]:
    """(years, rating, rate, next rating) at every table horizon where the rating's adjusted
    rate is above the better rating's, so that the rating has a bucket; the next rating is
    the next worse one with a higher rate (a tie leaves the worse rating no bucket)."""
    ratings = default_rate_table(scale).ratings
    cells = []
    for years in range(1, 16):
        rates = adjusted(scale, years)
        for i, rating in enumerate(ratings):
            if i == 0 or rates[i] > rates[i - 1]:
                worse = next((r for r, x in zip(ratings, rates, strict=True) if x > rates[i]), None)
                cells.append((years, rating, rates[i], worse))
    return cells


@pytest.mark.parametrize("scale", SCALES)
def test_a_pd_equal_to_a_published_rate_gets_that_rating(scale: str) -> None:
    # The rule: the best rating whose rate at the horizon is at least the PD.
    cells = distinct_cells(scale)
    assert len(cells) > 15 * (len(default_rate_table(scale).ratings) - 4)
    for years, rating, rate, worse in cells:
        assert rating_from_pd(rate, float(years), scale) == rating, (years, rating)
        above = rate + 1e-9
        assert rating_from_pd(above, float(years), scale) == (worse or "CCC/C"), (years, rating)


def test_published_examples() -> None:
    # Table 24, 5 years: BBB 1.36%, BB 5.75%, B 15.60%, CCC/C 46.53%.
    assert rating_from_pd(0.0136, 5.0, "category") == "BBB"
    assert rating_from_pd(0.0137, 5.0, "category") == "BB"
    assert rating_from_pd(0.0575, 5.0, "category") == "BB"
    assert rating_from_pd(0.0576, 5.0, "category") == "B"
    assert rating_from_pd(0.4653, 5.0, "category") == "CCC/C"
    # Table 26, 5 years: BBB- 2.40%, BB+ 2.90%, BB 5.05%, BB- 8.28%.
    assert rating_from_pd(0.024, 5.0) == "BBB-"
    assert rating_from_pd(0.025, 5.0) == "BB+"
    assert rating_from_pd(0.05, 5.0) == "BB"
    assert rating_from_pd(0.08, 5.0) == "BB-"
    # The same PD over a longer horizon is a better credit: BB- at 5 years, BB+ at 15
    # (table 26: BB+ 7.45% and BBB- 6.13% after 15 years).
    assert rating_from_pd(0.07, 15.0) == "BB+"


def test_pd_zero_and_one() -> None:
    for scale in SCALES:
        for years in (0.1, 1.0, 5.0, 15.0, 40.0):
            assert rating_from_pd(0.0, years, scale) == "AAA"
            assert rating_from_pd(1.0, years, scale) == "CCC/C"
    # Above the CCC/C rate (26.12% after a year) there is no worse rating: CCC/C.
    assert rating_from_pd(0.30, 1.0) == "CCC/C"
    # AAA over one year needs a PD of 0 (no AAA default within a year, 1981-2024); AA+ too
    # (0.00%); the next is AA at 0.02%.
    assert rating_from_pd(1e-12, 1.0) == "AA"


def test_arrays_broadcast() -> None:
    got = rating_from_pd([0.0, 0.0136, 0.5], 5.0, "category")
    assert isinstance(got, np.ndarray)
    assert got.tolist() == ["AAA", "BBB", "CCC/C"]
    both = rating_from_pd([[0.0136], [0.0136]], [5.0, 15.0], "category")
    assert both.shape == (2, 2)
    # Table 24: BBB 1.36% at 5 years; at 15 years A is 1.56%, above 1.36%.
    assert both[0].tolist() == ["BBB", "A"]
    assert isinstance(rating_from_pd(np.float64(0.01), np.float64(5.0)), str)


PDS = st.floats(0.0, 1.0)
HORIZONS = st.floats(0.01, 100.0)
SCALE = st.sampled_from(SCALES)


def index(rating: str, scale: str) -> int:
    return default_rate_table(scale).ratings.index(rating)


@given(PDS, PDS, HORIZONS, SCALE)
def test_a_higher_pd_never_gives_a_better_rating(
    pd1: float, pd2: float, years: float, scale: str
) -> None:
    low, high = sorted((pd1, pd2))
    assert index(rating_from_pd(low, years, scale), scale) <= index(
        rating_from_pd(high, years, scale), scale
    )


@given(PDS, HORIZONS, HORIZONS, SCALE)
def test_a_longer_horizon_never_gives_a_worse_rating(
    pd: float, years1: float, years2: float, scale: str
) -> None:
    short, long = sorted((years1, years2))
    assert index(rating_from_pd(pd, long, scale), scale) <= index(
        rating_from_pd(pd, short, scale), scale
    )


@given(PDS, HORIZONS, SCALE)
def test_the_rating_bounds_the_pd(pd: float, years: float, scale: str) -> None:
    # The rating's rate is at least the PD (unless CCC/C, the lowest bucket) and the next
    # better rating's is below it: the rating is the best one the rule allows.
    rates = rating_default_rates(years, scale)
    names = list(rates)
    rating = rating_from_pd(pd, years, scale)
    i = names.index(rating)
    assert rates[rating] >= pd or rating == "CCC/C"
    assert i == 0 or rates[names[i - 1]] < pd


@given(st.floats(0.01, 100.0), SCALE)
def test_the_curve_is_monotone_across_ratings(years: float, scale: str) -> None:
    values = list(rating_default_rates(years, scale).values())
    assert all(a <= b for a, b in itertools.pairwise(values))
    assert values[0] >= 0.0
    assert values[-1] < 1.0


# ---- slotting -----------------------------------------------------------------------------------

# BCBS, The Basel Framework, CRE33 (supervisory slotting approach for specialised lending):
# each category broadly corresponds to Strong = BBB- or better, Good = BB+ or BB,
# Satisfactory = BB- or B+, Weak = B to C-. The same table: Basel II (2006) paragraph 276;
# SAMA, Minimum Capital Requirements for Credit Risk (IRB), paragraph 13.3, table 20.
CORRESPONDENCE = {
    "Strong": ["AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-"],
    "Good": ["BB+", "BB"],
    "Satisfactory": ["BB-", "B+"],
    "Weak": ["B", "B-", "CCC+", "CCC", "CCC-", "CC", "C", "CCC/C"],
    "Default": ["D"],
}


@pytest.mark.parametrize(("category", "ratings"), sorted(CORRESPONDENCE.items()))
def test_slotting_correspondence(category: str, ratings: list[str]) -> None:
    for rating in ratings:
        assert slotting_category(rating) == category
        assert slotting_category(rating.lower()) == category
    assert sorted(SLOTTING_BY_RATING) == sorted(r for rs in CORRESPONDENCE.values() for r in rs)


# CRE33, UL risk weights for PF, OF, CF and IPRE: Strong 70%, Good 90%, Satisfactory 115%,
# Weak 250%, Default 0% (Basel II paragraph 275; SAMA 13.2, table 19). National discretion:
# 50% Strong and 70% Good with a remaining maturity of less than 2.5 years (Basel II
# paragraph 277; SAMA 13.4; UK BIPRU 4.5.8: "less than 2.5 years" 50% / 70%).
WEIGHTS = {"Strong": 0.70, "Good": 0.90, "Satisfactory": 1.15, "Weak": 2.50, "Default": 0.0}
SHORT = {"Strong": 0.50, "Good": 0.70, "Satisfactory": 1.15, "Weak": 2.50, "Default": 0.0}


@pytest.mark.parametrize("category", sorted(WEIGHTS))
def test_slotting_risk_weights(category: str) -> None:
    assert slotting_risk_weight(category) == WEIGHTS[category]
    assert slotting_risk_weight(category.upper()) == WEIGHTS[category]
    # The preferential weights only with the discretion and below 2.5 years.
    assert slotting_risk_weight(category, 2.0) == WEIGHTS[category]
    assert slotting_risk_weight(category, 2.0, preferential=True) == SHORT[category]
    assert slotting_risk_weight(category, 0.0, preferential=True) == SHORT[category]
    assert slotting_risk_weight(category, 2.5, preferential=True) == WEIGHTS[category]
    assert slotting_risk_weight(category, 7.0, preferential=True) == WEIGHTS[category]


def test_slotting_from_pd() -> None:
    # Table 26, 5 years: BB 5.05% -> Good; BB- 8.28% -> Satisfactory; B 14.69% -> Weak.
    assert slotting_from_pd(0.05, 5.0) == Slotting("BB", "Good", 0.90)
    assert slotting_from_pd(0.08, 5.0) == Slotting("BB-", "Satisfactory", 1.15)
    assert slotting_from_pd(0.14, 5.0) == Slotting("B", "Weak", 2.50)
    assert slotting_from_pd(0.0, 5.0) == Slotting("AAA", "Strong", 0.70)
    assert slotting_from_pd(0.0, 2.0, 2.0, preferential=True).risk_weight == 0.50
    # A simulated certain default is the lowest bucket, not the Default category (0%).
    assert slotting_from_pd(1.0, 5.0) == Slotting("CCC/C", "Weak", 2.50)


@given(PDS, PDS, HORIZONS)
def test_a_higher_pd_never_gives_a_lower_slotting_weight(
    pd1: float, pd2: float, years: float
) -> None:
    low, high = sorted((pd1, pd2))
    assert slotting_from_pd(low, years).risk_weight <= slotting_from_pd(high, years).risk_weight


# ---- IRB from a cumulative PD -------------------------------------------------------------------


def test_annual_pd() -> None:
    # 1 - (1 - PD_T)^(1/T); table 24, BB over 5 years 5.75% -> 1.1774% a year.
    assert annual_pd(0.0575, 5.0) == pytest.approx(1 - 0.9425**0.2, rel=1e-14)
    assert annual_pd(0.02, 1.0) == pytest.approx(0.02, rel=1e-15)
    assert annual_pd(0.0, 7.0) == 0.0
    assert annual_pd(1.0, 7.0) == 1.0
    assert_allclose(annual_pd([0.1, 0.2], [2.0, 4.0]), [1 - 0.9**0.5, 1 - 0.8**0.25], rtol=1e-14)


@given(st.floats(0.0, 0.999), st.floats(0.5, 50.0))
def test_annual_pd_compounds_back(pd: float, years: float) -> None:
    # Survival compounds back: (1 - a)^T = 1 - PD_T. (Horizons from half a year, so that
    # 1 - a stays above 1e-6 and its relative rounding error below 1e-10.)
    a = float(annual_pd(pd, years))
    assert (1 - a) ** years == pytest.approx(1 - pd, rel=1e-8)


def test_lifetime_irb_risk_weight() -> None:
    # The IRB formula at the constant annual PD; BB over 5 years (5.75%): 1.1774% a year.
    a = float(annual_pd(0.0575, 5.0))
    assert lifetime_irb_risk_weight(0.0575, 5.0, 0.45) == irb_risk_weight(a, 0.45)
    assert lifetime_irb_risk_weight(0.0575, 5.0, 0.45, 4.0) == irb_risk_weight(a, 0.45, 4.0)
    # The first-year PD directly: horizon 1. BCBS (2006) Annex 5: 1% -> 92.32%.
    assert lifetime_irb_risk_weight(0.01, 1.0, 0.45) == pytest.approx(0.9232, abs=1e-4)
    # PD 0: the floor. Annex 5: 0.05% -> 19.65%; 0.03% (Basel II floor) -> 14.44%.
    assert lifetime_irb_risk_weight(0.0, 5.0, 0.45) == pytest.approx(0.1965, abs=1e-4)
    got = lifetime_irb_risk_weight(0.0, 5.0, 0.45, pd_floor=BASEL2_PD_FLOOR)
    assert got == pytest.approx(0.1444, abs=1e-4)


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: rating_from_pd(1.5, 5.0),
            r"pd_cumulative: got 1.5; allowed: a number >= 0 and <= 1 \(probability",
        ),
        (lambda: rating_from_pd(-0.1, 5.0), "pd_cumulative: got -0.1"),
        (lambda: rating_from_pd(float("nan"), 5.0), "pd_cumulative: got nan"),
        (lambda: rating_from_pd("x", 5.0), "pd_cumulative: got 'x'"),
        (lambda: rating_from_pd([0.1, 1.2], 5.0), "pd_cumulative item 2: got 1.2"),
        (
            lambda: rating_from_pd(0.1, 0.0),
            r"horizon_years: got 0.0; allowed: a number > 0 and <= 100 \(years",
        ),
        (lambda: rating_from_pd(0.1, 101.0), "horizon_years: got 101.0"),
        (lambda: rating_from_pd(0.1, 5.0, "moodys"), "scale: got 'moodys'; allowed: one of notch"),
        (lambda: rating_from_pd([0.1, 0.2], [1.0, 2.0, 3.0]), "horizon_years: got array"),
        (lambda: rating_default_rates([1.0, 2.0]), "horizon_years: got"),
        (lambda: slotting_category("Baa2"), "rating: got 'Baa2'; allowed: an S&P rating"),
        (
            lambda: slotting_risk_weight("Excellent"),
            "category: got 'Excellent'; allowed: one of Strong, Good, Satisfactory, Weak, Default",
        ),
        (lambda: slotting_risk_weight("Good", 2.0, "yes"), "preferential: got 'yes'"),
        (lambda: slotting_risk_weight("Good", -1.0, True), "remaining_years: got -1.0"),
        (
            lambda: slotting_risk_weight("Good", "x"),
            r"remaining_years: got 'x'; allowed: a number >= 0 and <= 100 \(years",
        ),
        (
            lambda: slotting_from_pd([0.1, 0.2], 5.0),
            r"pd_cumulative: got \[0.1, 0.2\]; allowed: one number",
        ),
        (lambda: slotting_from_pd(0.1, [5.0]), r"horizon_years: got \[5.0\]; allowed: one number"),
        (lambda: annual_pd(0.1, -2.0), "horizon_years: got -2.0"),
        (
            lambda: annual_pd([0.1, 0.2], [1.0, 2.0, 3.0]),
            r"horizon_years: got array of shape \(3,\)",
        ),
        (
            lambda: lifetime_irb_risk_weight(1.0, 5.0, 0.45),
            r"pd_cumulative: got 1.0; allowed: a number >= 0 and < 1 \(a certain default",
        ),
        (lambda: lifetime_irb_risk_weight(0.1, 5.0, 1.5), "lgd: got 1.5"),
        (lambda: lifetime_irb_risk_weight(0.1, 5.0, 0.45, 6.0), "maturity: got 6.0"),
    ],
)
def test_bad_inputs_name_the_argument(call: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()  # type: ignore[operator]


def test_preferential_weights_need_the_remaining_maturity() -> None:
    with pytest.raises(MissingInputError, match="remaining_years: is required but empty"):
        slotting_risk_weight("Strong", preferential=True)
