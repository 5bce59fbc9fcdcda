"""Collateral values, liquidation and LTV, checked against independent derivations."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq

from addin import (
    book_value,
    dscr_schedule,
    duration_mismatch,
    economic_life,
    economic_value,
    half_life,
    liquidation_value,
    load_deal,
    ltv_schedule,
    market_value,
    residual_curve,
    residual_value,
    underwater_period,
)
from addin.analytics.collateral import launch_ages, power_cost_per_hour
from addin.analytics.liquidation import fleet_absorption
from addin.model.errors import InputError, MissingInputError
from tests.deals import BASE_DEAL, EXAMPLES

H100_PRICE = 33_600.0  # catalog launch price: Epoch AI / SemiAnalysis DGX H100 USD 269k / 8
COLLATERAL_DEAL: dict[str, Any] = {**BASE_DEAL, "market_absorption": 500.0}


# ---- independent reference implementations (plain loops, no numpy) --------------------------


def reference_economic_value(
    rent: float,
    decline: float,
    kw: float,
    pue: float,
    price: float,
    rate: float,
    utilization: float = 0.8,
    idle: float = 0.25,
    floor: float = 0.0,
    per_year: int = 12,
) -> float:
    """Direct sum over periods: hours x (rent x u - power) while positive, discounted."""
    hours = 8760.0 / per_year
    power = kw * pue * price * (utilization + idle * (1.0 - utilization))
    total = 0.0
    for k in range(1, 15 * per_year + 1):
        rent_k = max(floor, rent * (1.0 - decline) ** ((k - 1) / per_year))
        net = rent_k * utilization - power
        if net > 0:
            total += hours * net / (1.0 + rate) ** (k / per_year)
    return total


def reference_liquidation(
    units: float,
    value: float,
    absorption: float,
    decline: float = 0.15,
    impact: float = 1.0,
    cap: float = 0.9,
    max_months: int = 12,
    rate: float = 0.0,
    carry: float = 0.0,
    vol: float = 0.25,
    permanent: float = 0.3,
    repossession: int = 3,
    remarketing: float = 0.10,
) -> tuple[float, int]:
    """Month-by-month proceeds of every plan; the best (shortest among equals).

    Square-root law (Almgren et al. 2005; Toth et al. 2011): temporary haircut
    Y sigma sqrt(q / V), sigma = vol / sqrt(12), plus a permanent gamma sigma per V sold.
    """
    sigma = vol / math.sqrt(12)
    best, best_m = -math.inf, 0
    for m in range(1, max_months + 1):
        per_month = units / m
        unsold = units
        proceeds = 0.0
        for i in range(1, repossession + 1):  # repossession: carry on every card, no sales
            proceeds -= carry * units * (1.0 + rate) ** (-i / 12)
        for j in range(1, m + 1):
            month = repossession + j
            discount = (1.0 + rate) ** (-month / 12)
            proceeds -= carry * unsold * discount  # carried at the month's start
            sold_before = (j - 1) * per_month
            haircut = min(
                cap,
                impact * sigma * math.sqrt(per_month / absorption)
                + permanent * sigma * sold_before / absorption,
            )
            price = value * (1.0 - decline) ** (month / 12) * (1.0 - haircut)
            proceeds += (1.0 - remarketing) * per_month * price * discount
            unsold -= per_month
        if best_m == 0 or proceeds > best + 1e-9 * max(abs(best), 1.0):
            best, best_m = proceeds, m
    return best, best_m


#: The fire-sale model before issue 12 as a special case of the square-root law: haircut
#: impact x sqrt(q / A) (sigma = 1), no permanent impact, repossession or remarketing.
OLD_SALE: dict[str, Any] = {"price_vol": math.sqrt(12), "permanent_impact": 0.0,
                            "repossession_months": 0, "remarketing_cost": 0.0}  # fmt: skip
OLD_REF: dict[str, Any] = {"vol": math.sqrt(12), "permanent": 0.0, "repossession": 0,
                           "remarketing": 0.0}  # fmt: skip
#: The smooth factor of the pre-issue-12 mechanics (trend 30%, steps 15% every 2 years),
#: net of the average step: f = 0.7 / 0.85^(1/2), so f^2 x 0.85 = 0.7^2 (no double count).
F_OLD = 0.7 / 0.85**0.5
#: The calibrated defaults: trend 15%, steps 10%, one launch a year: f = 0.85 / 0.9.
F = 0.85 / 0.9


# ---- book and market ------------------------------------------------------------------------


def test_book_value_closed_forms() -> None:
    # B(a) = C (1 - (1 - s) min(a, L) / L), issue 3 section 2.
    assert book_value(30_000, 0.0) == 30_000.0
    assert book_value(30_000, 3.0) == pytest.approx(15_000.0, abs=1e-9)  # mid-life
    assert book_value(30_000, 3.0, 6.0, 0.1) == pytest.approx(30_000 * 0.55, abs=1e-9)
    assert book_value(30_000, 6.0, 6.0, 0.1) == pytest.approx(3_000.0, abs=1e-9)  # end of life
    assert book_value(30_000, 10.0, 6.0, 0.1) == pytest.approx(3_000.0, abs=1e-9)  # past life
    assert book_value(30_000, 10.0) == 0.0
    ages = np.array([0.0, 1.5, 7.0])
    np.testing.assert_allclose(book_value(12_000, ages, 5.5), [12_000, 8_727.2727, 0], atol=1e-3)


def test_market_value_across_a_generation_boundary() -> None:
    # M(a) = C f^a 0.85^floor(a/2), f = 0.7 / 0.85^(1/2): one step of 15% at 2 years, and
    # over the full cadence exactly the 30% trend (issue 12: no double counting).
    old = (0.30, 0.15, 2.0)
    before = market_value(10_000, 1.999, *old)
    at = market_value(10_000, 2.0, *old)
    assert before == pytest.approx(10_000 * F_OLD**1.999, rel=1e-13)
    assert at == pytest.approx(10_000 * 0.49, rel=1e-13)  # 4,900.00 = the trend 0.7^2
    assert at / before == pytest.approx(0.85 * F_OLD**0.001, rel=1e-12)
    assert market_value(10_000, 4.5, *old) == pytest.approx(
        10_000 * F_OLD**4.5 * 0.85**2, rel=1e-13
    )
    # f = 0.8 / 0.9^(1/1.5): at 3 years (two steps) the trend 0.8^3 exactly.
    assert market_value(10_000, 3.0, 0.2, 0.1, 1.5) == pytest.approx(10_000 * 0.8**3, rel=1e-13)
    # 24 monthly steps of 1/12 sum to 1.9999999999999998: still past the step.
    assert market_value(10_000, sum([1 / 12] * 24), *old) == pytest.approx(4_900.0, rel=1e-12)
    # Defaults: 15% trend, 10% steps, one a year.
    assert market_value(10_000, 1.0) == pytest.approx(8_500.0, rel=1e-13)
    assert market_value(10_000, 0.5) == pytest.approx(10_000 * F**0.5, rel=1e-13)


def test_market_value_steps_on_launch_dates() -> None:
    # Launches at ages -0.6 (release), 0.9 and 1.5, then every 1 year after 1.5 (2.5, ...).
    launches = [-0.6, 0.9, 1.5]
    values = market_value(10_000, [0.89, 0.9, 1.6, 2.4, 2.5], launch_ages=launches)
    steps = [0, 1, 2, 2, 3]
    ages = [0.89, 0.9, 1.6, 2.4, 2.5]
    expected = [10_000 * F**a * 0.9**n for a, n in zip(ages, steps, strict=True)]
    np.testing.assert_allclose(values, expected, rtol=1e-13)
    assert market_value(10_000, 2.5, launch_ages=launches) == values[-1]  # scalar path agrees
    with pytest.raises(InputError, match=r"^launch_ages: got \[nan\]"):
        market_value(10_000, 1.0, launch_ages=[math.nan])


def test_arrays_in_arrays_out_and_inputs_untouched() -> None:
    ages = np.array([0.0, 1.0, 2.0])
    copy = ages.copy()
    out = market_value(1_000, ages)
    assert isinstance(out, np.ndarray)
    assert out.shape == (3,)
    np.testing.assert_array_equal(ages, copy)
    assert isinstance(market_value(1_000, 1.0), float)
    np.testing.assert_allclose(market_value(1_000, [0.0, 1.0], 0.3, 0.0), [1_000, 700], rtol=1e-14)


# ---- economic life and value ------------------------------------------------------------------


def test_power_cost_per_hour_by_hand() -> None:
    # 1.275 kW x 1.3 x 0.08 USD/kWh x (0.8 + 0.25 x 0.2) = 0.11271 USD per GPU-hour
    assert power_cost_per_hour(1.275, 1.3, 0.08) == pytest.approx(0.11271, abs=1e-12)


@given(
    rent=st.floats(0.5, 10.0),
    decline=st.floats(0.05, 0.9),
    kw=st.floats(0.3, 2.0),
    pue=st.floats(1.0, 2.0),
    price=st.floats(0.02, 0.3),
    utilization=st.floats(0.3, 1.0),
)
def test_economic_life_is_the_root_of_rent_equals_power(
    rent: float, decline: float, kw: float, pue: float, price: float, utilization: float
) -> None:
    life = economic_life(rent, decline, kw, pue, price, utilization)
    power = power_cost_per_hour(kw, pue, price, utilization)

    def excess(t: float) -> float:
        return float(rent * (1 - decline) ** t * utilization - power)

    if excess(0.0) <= 0:
        assert life == 0.0
    elif excess(15.0) > 0:
        assert life == 15.0
    else:
        root = brentq(excess, 0.0, 15.0, xtol=1e-14)
        assert life == pytest.approx(root, abs=1e-9)


def test_economic_life_edges() -> None:
    assert economic_life(2.0, 0.0, 1.275, 1.3, 0.08) == 15.0  # nothing deflates
    assert economic_life(2.0, 0.3, 1.275, 1.3, 0.0) == 15.0  # free power
    assert economic_life(0.1, 0.3, 1.275, 1.3, 0.08) == 0.0  # 0.08 < 0.11271 today
    # ln(0.11271 / 1.6) / ln(0.7), by hand
    assert economic_life(2.0, 0.3, 1.275, 1.3, 0.08) == pytest.approx(7.43797905, abs=1e-8)


@pytest.mark.parametrize(
    "args",
    [
        (2.0, 0.30, 1.275, 1.3, 0.08, 0.10),
        (3.5, 0.45, 1.7875, 1.25, 0.12, 0.15, 0.7, 0.3, 0.5, 4),
        (1.0, 0.0, 0.8, 1.5, 0.05, 0.0, 1.0, 0.0, 0.0, 1),
        (0.05, 0.3, 1.275, 1.3, 0.08, 0.1),  # never covers power: worth nothing
    ],
)
def test_economic_value_is_the_direct_sum(args: tuple[Any, ...]) -> None:
    assert economic_value(*args) == pytest.approx(reference_economic_value(*args), rel=1e-12)


def test_economic_value_annuity_closed_form() -> None:
    # No decline, no power, full use, annual periods: 15 years of 8760 x rent, an annuity.
    annual = 8760 * 2.0
    pv = annual * (1 - 1.1**-15) / 0.1
    assert economic_value(2.0, 0.0, 1.0, 1.0, 0.0, 0.10, 1.0, 0.0, 0.0, 1) == pytest.approx(
        pv, rel=1e-13
    )


@given(
    d1=st.floats(0.0, 0.95),
    extra=st.floats(0.0, 0.04),
    rent=st.floats(0.5, 8.0),
    rate=st.floats(0.0, 0.3),
)
def test_a_faster_rent_decline_never_raises_economic_value(
    d1: float, extra: float, rent: float, rate: float
) -> None:
    slow = economic_value(rent, d1, 1.275, 1.3, 0.08, rate)
    fast = economic_value(rent, d1 + extra, 1.275, 1.3, 0.08, rate)
    assert fast <= slow * (1 + 1e-12) + 1e-9


# ---- half-life -----------------------------------------------------------------------------------


def brute_half_life(
    decline: float, shock: float, years: float, age: float = 0.0, launches: Any = None
) -> float:
    grid = age + np.linspace(0.0, 12.0, 1_200_001)  # 1e-5-year steps
    values = market_value(1.0, grid, decline, shock, years, launches)
    return float(grid[np.argmax(values <= values[0] / 2)] - age)


@pytest.mark.parametrize(
    ("decline", "shock", "years", "age"),
    [(0.3, 0.0, 2.0, 0.0), (0.3, 0.15, 2.0, 0.0), (0.2, 0.15, 2.0, 0.0), (0.1, 0.3, 1.5, 0.0),
     (0.3, 0.15, 2.0, 1.5), (0.0, 0.2, 2.0, 0.5), (0.05, 0.6, 3.0, 0.0)],
)  # fmt: skip
def test_half_life_against_a_fine_grid(
    decline: float, shock: float, years: float, age: float
) -> None:
    assert half_life(decline, shock, years, age) == pytest.approx(
        brute_half_life(decline, shock, years, age), abs=2e-5
    )


@given(
    decline=st.floats(0.0, 0.99),
    shock=st.floats(0.0, 1.0),
    years=st.floats(0.25, 5.0),  # generation_years is at least 0.25 (the catalogue)
    age=st.floats(0.0, 10.0),
)
def test_half_life_is_the_first_time_the_value_halves(
    decline: float, shock: float, years: float, age: float
) -> None:
    tau = half_life(decline, shock, years, age)
    if decline == 0.0 and shock == 0.0:
        assert tau == math.inf
        return
    assert tau >= 0.0
    if tau > 1e4:  # (1 - shock)^n in floating point drifts from exp(n log1p(-shock)) there
        return
    start = market_value(1.0, age, decline, shock, years)
    if start < 1e-290:  # the value has underflowed to (almost) zero: halving means nothing
        return
    assert market_value(1.0, age + tau, decline, shock, years) <= start / 2 * (1 + 1e-9)
    if tau > 1e-6:  # just before, not yet halved
        assert market_value(1.0, age + tau - 1e-6, decline, shock, years) > start / 2


@pytest.mark.parametrize(
    ("decline", "shock", "expected"),
    [(0.0, 1e-12, 2.0 * math.ceil(math.log(0.5) / math.log1p(-1e-12))),  # steps alone
     (1e-9, 0.0, math.log(0.5) / math.log1p(-1e-9))],  # decline alone, ~693 million years
)  # fmt: skip
def test_half_life_of_almost_nothing_is_computed_not_looped(
    decline: float, shock: float, expected: float
) -> None:
    assert half_life(decline, shock, 2.0) == pytest.approx(expected, rel=1e-9)


def test_half_life_closed_forms() -> None:
    assert half_life(0.30, 0.0) == pytest.approx(math.log(0.5) / math.log(0.7), rel=1e-14)
    assert half_life(0.0, 0.5, 2.0) == pytest.approx(2.0, abs=1e-12)  # halves at the 1st step
    assert half_life(0.0, 0.0) == math.inf
    assert half_life(0.0, 1.0, 2.0, 1.0) == pytest.approx(1.0, abs=1e-12)  # next step, at 2
    assert half_life(0.0, 1.0, 2.0, 3.0) == 0.0  # the 100% step at 2 left nothing


# ---- liquidation -----------------------------------------------------------------------------------


def test_liquidation_one_month_by_hand() -> None:
    # m = 1: Q V (1-h)^(1/12) (1 - min(0.9, 0.5 sqrt(Q/A))) (1+r)^(-1/12) - carry Q (1+r)^(-1/12)
    q, v, a, r, carry = 1_000.0, 20_000.0, 4_000.0, 0.08, 50.0
    expected = (q * v * 0.7 ** (1 / 12) * (1 - 0.5 * math.sqrt(0.25)) - carry * q) / 1.08 ** (
        1 / 12
    )
    sale = liquidation_value(
        q, v, a, 0.30, 0.5, max_months=1, discount_rate=r, carry_cost=carry, **OLD_SALE
    )
    assert sale.months == 1
    assert sale.net_proceeds == pytest.approx(expected, rel=1e-13)
    assert sale.recovery == pytest.approx(expected / (q * v), rel=1e-13)


def test_liquidation_haircut_cap() -> None:
    # 0.5 sqrt(10_000 / 1) = 50 >> 0.9: every plan sells at 10% of the decayed price.
    sale = liquidation_value(10_000, 1_000.0, 1.0, 0.0, 0.5, max_months=1, **OLD_SALE)
    assert sale.recovery == pytest.approx(0.1, rel=1e-13)


@given(
    units=st.floats(1.0, 50_000.0),
    value=st.floats(100.0, 60_000.0),
    absorption=st.floats(10.0, 20_000.0),
    decline=st.floats(0.0, 0.9),
    impact=st.floats(0.0, 2.0),
    cap=st.floats(0.0, 1.0),
    months=st.integers(1, 36),
    rate=st.floats(0.0, 0.5),
    carry=st.floats(0.0, 500.0),
    vol=st.floats(0.0, 4.0),
    permanent=st.floats(0.0, 3.0),
    repossession=st.integers(0, 12),
    remarketing=st.floats(0.0, 1.0),
)
def test_liquidation_matches_the_month_by_month_reference(
    units: float,
    value: float,
    absorption: float,
    decline: float,
    impact: float,
    cap: float,
    months: int,
    rate: float,
    carry: float,
    vol: float,
    permanent: float,
    repossession: int,
    remarketing: float,
) -> None:
    terms = (vol, permanent, repossession, remarketing)
    sale = liquidation_value(
        units, value, absorption, decline, impact, cap, months, rate, carry, *terms
    )
    expected, expected_m = reference_liquidation(
        units, value, absorption, decline, impact, cap, months, rate, carry, *terms
    )
    assert sale.net_proceeds == pytest.approx(expected, rel=1e-9, abs=1e-6)
    if sale.months != expected_m:  # only a near-tie may pick a different plan
        other, _ = reference_liquidation(
            units, value, absorption, decline, impact, cap, sale.months, rate, carry, *terms
        )
        assert other == pytest.approx(expected, rel=1e-9, abs=1e-6)


@given(
    small=st.floats(1.0, 20_000.0),
    more=st.floats(0.0, 20_000.0),
    value=st.floats(100.0, 50_000.0),
    absorption=st.floats(10.0, 5_000.0),
    decline=st.floats(0.0, 0.9),
    rate=st.floats(0.0, 0.5),
    carry=st.floats(0.0, 300.0),
)
def test_recovery_at_most_one_and_never_rising_with_quantity(
    small: float,
    more: float,
    value: float,
    absorption: float,
    decline: float,
    rate: float,
    carry: float,
) -> None:
    a = liquidation_value(small, value, absorption, decline, 0.5, 0.9, 12, rate, carry)
    b = liquidation_value(small + more, value, absorption, decline, 0.5, 0.9, 12, rate, carry)
    assert a.recovery <= 1.0 + 1e-12
    assert b.recovery <= a.recovery + 1e-12
    a = liquidation_value(small, value, absorption, decline, 0.5, 0.9, 12, rate, carry, **OLD_SALE)
    b = liquidation_value(
        small + more, value, absorption, decline, 0.5, 0.9, 12, rate, carry, **OLD_SALE
    )
    assert a.recovery <= 1.0 + 1e-12
    assert b.recovery <= a.recovery + 1e-12


@given(
    units=st.floats(1.0, 100_000.0),
    value=st.floats(1.0, 50_000.0),
    absorption=st.floats(1.0, 5_000.0),
    rate=st.floats(0.0, 1.0),
    carry=st.floats(0.0, 1_000.0),
    months=st.integers(1, 120),
)
def test_without_impact_or_decline_month_one_is_best(
    units: float, value: float, absorption: float, rate: float, carry: float, months: int
) -> None:
    sale = liquidation_value(
        units, value, absorption, 0.0, 0.0, 0.9, months, rate, carry, 0.25, 0.0
    )
    assert sale.months == 1


@pytest.mark.parametrize(("y", "vol"), [(1.0, 0.25), (0.5, 0.4), (1.3, 0.1)])
def test_selling_the_monthly_volume_costs_one_monthly_volatility(y: float, vol: float) -> None:
    # Issue 12: selling V cards in one month costs Y sigma of their value, sigma = vol/sqrt(12)
    # (the square-root law, Almgren et al. 2005; Toth et al. 2011), not half the value.
    v = 2_000.0
    sale = liquidation_value(v, 10_000.0, v, 0.0, y, 0.9, 1, 0.0, 0.0, vol, 0.3, 0, 0.0)
    assert 1.0 - sale.recovery == pytest.approx(y * vol / math.sqrt(12), rel=1e-13)
    # A quarter of V costs half as much (square root); the permanent part hits later months.
    quarter = liquidation_value(v / 4, 10_000.0, v, 0.0, y, 0.9, 1, 0.0, 0.0, vol, 0.3, 0, 0.0)
    assert 1.0 - quarter.recovery == pytest.approx(y * vol / math.sqrt(12) / 2, rel=1e-13)


def test_repossession_and_remarketing_by_hand() -> None:
    # R = 2 months of decline and carry before a one-month sale; 10% remarketing.
    q, v, a, h, carry = 100.0, 20_000.0, 400.0, 0.15, 30.0
    sigma = 0.25 / math.sqrt(12)
    gross = q * v * 0.85 ** (3 / 12) * (1 - 1.0 * sigma * math.sqrt(q / a))
    expected = 0.9 * gross - carry * q * 3  # carry in months 1, 2 (repossession) and 3
    sale = liquidation_value(q, v, a, h, 1.0, 0.9, 1, 0.0, carry, 0.25, 0.3, 2, 0.10)
    assert sale.net_proceeds == pytest.approx(expected, rel=1e-13)


def test_liquidation_errors() -> None:
    with pytest.raises(InputError, match=r"^units: got 0.0; allowed: a number >= 1 \(GPUs\)"):
        liquidation_value(0.0, 1_000, 100)
    with pytest.raises(InputError, match=r"^market_absorption: got -5"):
        liquidation_value(10, 1_000, -5)
    with pytest.raises(
        InputError,
        match=r"^max_months: got 2.5; allowed: a whole number >= 1 and <= 120 \(months\)",
    ):
        liquidation_value(10, 1_000, 100, max_months=2.5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^hardware_decline: got 1.2"):
        liquidation_value(10, 1_000, 100, hardware_decline=1.2)
    with pytest.raises(InputError, match=r"^unit_value: got 'a lot'"):
        liquidation_value(10, "a lot", 100)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^repossession_months: got 1.5"):
        liquidation_value(10, 1_000, 100, repossession_months=1.5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^remarketing_cost: got 2"):
        liquidation_value(10, 1_000, 100, remarketing_cost=2)


# ---- residual value from a deal or a model -------------------------------------------------------


def test_residual_value_by_model_uses_launch_price_and_defaults() -> None:
    assert residual_value("H100 SXM", 3.0, "book") == pytest.approx(H100_PRICE / 2, rel=1e-14)
    # From the H100's release (2022-09-20): one launch (H200, 2024-04, age 1.53) by age 2.
    assert residual_value("h100 sxm", 2.0) == pytest.approx(H100_PRICE * F**2 * 0.9, rel=1e-14)
    with pytest.raises(InputError, match=r"^method: got 'economic'; .*needs a deal"):
        residual_value("H100 SXM", 1.0, "economic")
    with pytest.raises(InputError, match=r"^deal_or_model: got 'H100'; .*did you mean"):
        residual_value("H100", 1.0)
    with pytest.raises(InputError, match=r"^method: got 'resale'"):
        residual_value("H100 SXM", 1.0, "resale")
    with pytest.raises(InputError, match=r"^age_years: got -1"):
        residual_value("H100 SXM", -1.0)


def test_residual_value_by_deal() -> None:
    deal = load_deal({**BASE_DEAL, "unit_cost": 25_000, "useful_life_years": 5,
                      "salvage_value": 0.1, "hardware_decline": 0.25, "generation_shock": 0.2,
                      "generation_years": 1.5, "gpu_age_years": 1.0, "discount_rate": 0.12})  # fmt: skip
    assert residual_value(deal, 2.0, "book") == pytest.approx(25_000 * (1 - 0.9 * 0.4), rel=1e-14)
    # No start date: ages from the H100's release; one launch (H200, age 1.53) by age 2.
    f = 0.75 / 0.8 ** (1 / 1.5)
    assert residual_value(deal, 2.0, "market") == pytest.approx(25_000 * f**2 * 0.8, rel=1e-14)
    # Economic at age 2 = one year after the start: rent 2.0 x 0.7, discounted at 12%.
    expected = reference_economic_value(2.0 * 0.7, 0.3, 1.275, 1.3, 0.08, 0.12)
    assert residual_value(deal, 2.0, "economic") == pytest.approx(expected, rel=1e-12)
    # Text is a catalog model name, never a file: a path is refused, naming the argument.
    path = EXAMPLES / "neocloud_h100.toml"
    # (the value shown is cut after 55 characters: match the start of the file name)
    with pytest.raises(InputError, match=r"deal_or_model: got '.*neocloud_h100"):
        residual_value(str(path), 0.0, "book")


@given(
    decline=st.floats(0.0, 0.9),
    hardware=st.floats(0.0, 0.9),
    shock=st.floats(0.0, 1.0),
    generation=st.floats(0.25, 4.0),
    life=st.floats(0.5, 10.0),
    salvage=st.floats(0.0, 1.0),
    age=st.floats(0.0, 5.0),
)
def test_every_value_is_non_increasing_in_age(
    decline: float,
    hardware: float,
    shock: float,
    generation: float,
    life: float,
    salvage: float,
    age: float,
) -> None:
    deal = load_deal({**COLLATERAL_DEAL, "annual_decline": decline, "hardware_decline": hardware,
                      "generation_shock": shock, "generation_years": generation,
                      "useful_life_years": life, "salvage_value": salvage,
                      "gpu_age_years": age, "tenor_years": 3})  # fmt: skip
    ages = age + np.linspace(0.0, 8.0, 97)
    for method in ("book", "market", "economic"):
        values = residual_value(deal, ages, method)
        assert np.all(np.diff(values) <= 1e-9 * np.maximum(values[:-1], 1.0)), method
    table = ltv_schedule(deal)
    for column in ("book_value", "market_value", "economic_value", "liquidation_value"):
        v = table[column].to_numpy()
        assert np.all(np.diff(v) <= 1e-9 * np.maximum(np.abs(v[:-1]), 1.0)), column


def test_residual_curve_matches_point_values() -> None:
    deal = load_deal({**BASE_DEAL, "gpu_age_years": 0.5, "periods_per_year": 4})
    curve = residual_curve(deal, 2.0)
    assert curve["age_years"].tolist() == pytest.approx([0.5 + k / 4 for k in range(9)])
    for method in ("book", "market", "economic"):
        expected = [residual_value(deal, a, method) for a in curve["age_years"]]
        np.testing.assert_allclose(curve[f"{method}_value"], expected, rtol=1e-12)
    assert len(residual_curve(deal)) == 6 * 4 + 1  # default: useful_life_years
    with pytest.raises(
        InputError, match=r"^years: got 0.0; allowed: a number > 0 and <= 30 \(years\)"
    ):
        residual_curve(deal, 0.0)


# ---- over the loan's life -------------------------------------------------------------------------


def test_ltv_schedule_columns_and_numbers() -> None:
    deal = load_deal({**COLLATERAL_DEAL, "start_date": "2026-11-01", "carry_cost": 20.0,
                      "discount_rate": 0.12})  # fmt: skip
    table = ltv_schedule(deal)
    assert list(table.columns) == [
        "period", "date", "year", "fleet_age_years", "balance", "book_value", "market_value",
        "economic_value", "liquidation_value", "liquidation_recovery", "liquidation_months",
        "ltv_book", "ltv_market", "ltv_economic", "ltv_liquidation",
    ]  # fmt: skip
    assert len(table) == 61
    assert table["date"].iloc[0] == dt.date(2026, 11, 1)
    assert table["date"].iloc[1] == dt.date(2026, 12, 1)
    # Balance: the loan at close, then the DSCR schedule's closing balances.
    assert table["balance"].iloc[0] == 25_000_000.0
    np.testing.assert_allclose(table["balance"].iloc[1:], dscr_schedule(deal)["balance"], rtol=0)
    assert table["balance"].iloc[-1] == 0.0
    row = table.iloc[24]  # two years after close
    assert row["fleet_age_years"] == pytest.approx(2.0, abs=1e-12)
    assert row["book_value"] == pytest.approx(1000 * H100_PRICE * (1 - 2 / 6), rel=1e-13)
    # Bought 2026-11-01: Rubin Ultra (2027-07-01, age 242/365.25 = 0.66), then the yearly
    # cadence (1.66): two launches by age 2.
    unit_market = H100_PRICE * F**2 * 0.9**2
    assert row["market_value"] == pytest.approx(1000 * unit_market, rel=1e-12)
    econ = reference_economic_value(2.0 * 0.49, 0.3, 1.275, 1.3, 0.08, 0.12)
    assert row["economic_value"] == pytest.approx(1000 * econ, rel=1e-12)
    expected, months = reference_liquidation(1000, unit_market, 500.0, rate=0.12, carry=20.0)
    assert row["liquidation_value"] == pytest.approx(expected, rel=1e-12)
    assert row["liquidation_months"] == months
    assert row["liquidation_recovery"] == pytest.approx(expected / (1000 * unit_market), rel=1e-12)
    for kind in ("book", "market", "economic", "liquidation"):
        assert row[f"ltv_{kind}"] == pytest.approx(row["balance"] / row[f"{kind}_value"], rel=1e-14)


def test_ltv_without_start_date_and_zero_values() -> None:
    deal = load_deal({**COLLATERAL_DEAL, "tenor_years": 7, "periods_per_year": 1,
                      "amortization": "linear"})  # fmt: skip
    table = ltv_schedule(deal)
    assert "date" not in table.columns
    assert table["year"].tolist() == list(range(8))
    # Book value is 0 from year 6 (6-year life, no salvage) while the loan is still owed.
    assert table["book_value"].iloc[6] == pytest.approx(0.0, abs=1e-6)
    assert table["ltv_book"].iloc[6] == math.inf
    assert math.isnan(table["ltv_book"].iloc[7])  # 0 / 0 after the last payment: undefined


def test_liquid_cooling_halves_absorption() -> None:
    base = {**COLLATERAL_DEAL, "gpu_model": "GB200", "market_rate": 4.0}
    deal = load_deal(base)
    assert fleet_absorption(deal) == pytest.approx(250.0, abs=0)
    assert fleet_absorption(load_deal({**base, "liquid_cooling_absorption": 0.2})) == 100.0
    assert fleet_absorption(load_deal(COLLATERAL_DEAL)) == 500.0  # H100 SXM: air
    value = ltv_schedule(deal)["liquidation_value"].iloc[0]
    expected, _ = reference_liquidation(1000, 41_700.0, 250.0, rate=0.09)
    assert value == pytest.approx(expected, rel=1e-12)


def test_liquidation_needs_market_absorption() -> None:
    deal = load_deal(BASE_DEAL)
    with pytest.raises(MissingInputError, match=r"^market_absorption: is required"):
        ltv_schedule(deal)
    with pytest.raises(MissingInputError, match=r"^market_absorption: is required"):
        underwater_period(deal)
    with pytest.raises(InputError, match=r"^gpu_model: got 'H100'; .*did you mean 'H100 SXM'"):
        ltv_schedule(load_deal({**COLLATERAL_DEAL, "gpu_model": "H100"}))
    # With its own unit_cost (and kW, issue 12) a model outside the catalog still has book and
    # market values.
    custom = load_deal(
        {**BASE_DEAL, "gpu_model": "Custom X", "unit_cost": 10_000, "kw_per_gpu": 1.0}
    )
    assert residual_value(custom, 1.0, "book") == pytest.approx(10_000 * 5 / 6, rel=1e-14)


def test_underwater_period() -> None:
    deal = load_deal({**COLLATERAL_DEAL, "amortization": "bullet", "start_date": "2026-11-01"})
    table = ltv_schedule(deal)
    first = int(np.argmax(table["balance"] > table["liquidation_value"]))
    assert first > 0  # a 74% bullet advance is covered at close
    assert underwater_period(deal) == (first, table["date"].iloc[first])
    assert underwater_period({**COLLATERAL_DEAL, "loan_amount": 4e7}) == (0, None)  # at close
    assert underwater_period({**COLLATERAL_DEAL, "loan_amount": 1e6}) is None


def test_duration_mismatch_wal_closed_forms() -> None:
    bullet = duration_mismatch({**BASE_DEAL, "amortization": "bullet"})
    assert bullet.wal_years == pytest.approx(5.0, abs=1e-12)
    # Linear over n monthly periods: WAL = (n + 1) / (2 p) = 61 / 24 years.
    linear = duration_mismatch({**BASE_DEAL, "amortization": "linear"})
    assert linear.wal_years == pytest.approx(61 / 24, rel=1e-13)
    # Annuity: principal_k = (P - L i)(1 + i)^(k-1); WAL = sum (k/p) principal_k / L.
    loan, i, n = 25e6, 0.09 / 12, 60
    payment = loan * i / (1 - (1 + i) ** -n)
    wal = sum((k / 12) * (payment - loan * i) * (1 + i) ** (k - 1) for k in range(1, n + 1)) / loan
    annuity = duration_mismatch(BASE_DEAL)
    assert annuity.wal_years == pytest.approx(wal, rel=1e-12)
    # Defaults: f = 0.85 / 0.9 and a 10% step a year; 0.85^4 > 1/2, so it halves in year 5:
    # f^t 0.9^4 = 1/2.
    assert annuity.half_life_years == pytest.approx(
        math.log(0.5 / 0.9**4) / math.log(0.85 / 0.9), rel=1e-12
    )
    assert annuity.economic_life_years == pytest.approx(
        economic_life(2.0, 0.3, 1.275, 1.3, 0.08), rel=1e-14
    )
    assert annuity.wal_to_half_life == pytest.approx(wal / annuity.half_life_years, rel=1e-14)
    assert annuity.wal_to_economic_life == pytest.approx(
        wal / annuity.economic_life_years, rel=1e-14
    )


def test_duration_mismatch_floor_and_used_cards() -> None:
    floored = duration_mismatch({**BASE_DEAL, "rent_floor": 0.5})  # 0.5 x 0.8 > 0.11271
    assert floored.economic_life_years == 15.0
    used = duration_mismatch({**BASE_DEAL, "gpu_age_years": 1.5})
    # No start date: ages from the H100's release, steps on its line's launch dates.
    line = launch_ages("H100 SXM")
    assert used.half_life_years == pytest.approx(
        brute_half_life(0.15, 0.10, 1.0, 1.5, line), abs=2e-5
    )
    dead = duration_mismatch({**BASE_DEAL, "market_rate": 0.1})
    assert dead.economic_life_years == 0.0
    assert dead.wal_to_economic_life == math.inf


# ---- the worked example of the docs ----------------------------------------------------------------


def test_worked_example_h100_fleet_valued_in_november_2026() -> None:
    """10,000 H100 SXM bought at launch price in May 2023, valued in November 2026.

    Every figure is recomputed here by hand and matches README.md, "Collateral", worked example.
    Issue 12 changed it: the market value steps at the catalog's launches and is calibrated
    to used-card prices (was USD 8,195.99 with a 30% trend, a 15% step every 2 years counted
    on top); the fire sale follows the square-root law with repossession and remarketing.
    """
    deal = load_deal({
        "name": "Worked example", "gpus": 10_000, "gpu_model": "H100 SXM",
        "market_rate": 2.00, "interest_rate": 0.10, "loan_amount": 100e6, "tenor_years": 3,
        "gpu_age_years": 3.5, "market_absorption": 2_000, "start_date": "2026-11-01",
    })  # fmt: skip
    age = 3.5  # 2023-05 to 2026-11
    book = H100_PRICE * (1 - age / 6)  # 14,000.00
    # Launches since May 2023 (catalog): H200 2024-04, B200 2024-11, B300 2025-08 and the
    # announced Vera Rubin H2 2026 (taken as 2026-07): 4 steps of 10%, smooth f = 0.85 / 0.9.
    market = H100_PRICE * (0.85 / 0.9) ** age * 0.9**4  # 18,047.90
    economic = reference_economic_value(2.00, 0.30, 1.275, 1.3, 0.08, 0.10)  # 25,021.05
    assert book == pytest.approx(14_000.00, abs=0.005)
    assert market == pytest.approx(18_047.90, abs=0.005)
    assert 15_000 <= market <= 28_000  # the 2026 used-H100 band (used_gpu_prices.csv)
    assert economic == pytest.approx(25_021.05, abs=0.005)
    assert residual_value(deal, age, "book") == pytest.approx(book, rel=1e-14)
    assert residual_value(deal, age, "market") == pytest.approx(market, rel=1e-14)
    assert residual_value(deal, age, "economic") == pytest.approx(economic, rel=1e-12)
    # Fire sale: 3 months of repossession, then sales at V = 2,000 a month, 10% remarketing,
    # sigma = 0.25 / sqrt(12) = 7.2% a month, Y = 1, permanent 0.3, discounted at 10%.
    proceeds, months = reference_liquidation(10_000, market, 2_000, rate=0.10)
    sale = liquidation_value(10_000, market, 2_000, discount_rate=0.10)
    assert sale.net_proceeds == pytest.approx(proceeds, rel=1e-12)
    assert sale.months == months == 3
    assert proceeds == pytest.approx(127_124_604, abs=1)
    assert sale.recovery == pytest.approx(0.7044, abs=5e-5)
    first = ltv_schedule(deal).iloc[0]
    assert first["book_value"] == pytest.approx(140_000_000, rel=1e-12)
    assert first["market_value"] == pytest.approx(180_479_040, abs=1)
    assert first["economic_value"] == pytest.approx(250_210_525, abs=1)
    assert first["liquidation_value"] == pytest.approx(proceeds, rel=1e-12)
    assert proceeds / 10_000 == pytest.approx(12_712.46, abs=0.005)
    assert proceeds / (10_000 * H100_PRICE) == pytest.approx(0.38, abs=0.005)  # 38% of cost
    assert first["ltv_book"] == pytest.approx(0.71, abs=0.005)
    assert first["ltv_market"] == pytest.approx(0.55, abs=0.005)
    assert first["ltv_liquidation"] == pytest.approx(0.79, abs=0.005)
    # Temporary impact 0.072 sqrt((10,000 / 3) / 2,000) = 9.3% a month over the 3 months.
    assert 0.25 / math.sqrt(12) * math.sqrt(10_000 / 3 / 2_000) == pytest.approx(0.093, abs=5e-4)
    # The undiscounted sale GPU_LIQUIDATION shows: USD 132.6M, recovery 73.5%, 5 months.
    plain = liquidation_value(10_000, 18_047.90, 2_000)
    assert (round(plain.net_proceeds / 1e6, 1), round(plain.recovery, 3)) == (132.6, 0.735)
    assert economic_life(2.00, 0.30, 1.275, 1.3, 0.08) == pytest.approx(7.44, abs=0.005)
    # With USD 4,000 of opex per GPU-year the life falls to 2.90 years (issue 12: from 7.6
    # to 3.0 on the example deal) and the economic value to USD 10,309.99.
    assert economic_life(2.00, 0.30, 1.275, 1.3, 0.08, opex_per_gpu_year=4_000) == pytest.approx(
        2.90, abs=0.005
    )
    with_opex = residual_value(deal.replace(opex_per_gpu_year=4_000), age, "economic")
    assert with_opex == pytest.approx(10_309.99, abs=0.005)


@pytest.mark.parametrize("periods_per_year", [12, 4, 1])
def test_economic_costs_are_the_cash_flows_costs(periods_per_year: int) -> None:
    # One place for the cost formula (issue 12): a spot fleet's power, opex and colocation
    # in the first year of the cash flows, per GPU-hour, are the economic value's cost per
    # hour (deal_cost_per_hour), to rounding; opex escalation starts after the first year.
    from addin.analytics.cashflow import cash_flows
    from addin.analytics.collateral import deal_cost_per_hour

    deal = load_deal({**BASE_DEAL, "gpu_model": "B200", "opex_per_gpu_year": 4000,
                      "colocation_per_kw_month": 150, "opex_escalation": 0.05,
                      "periods_per_year": periods_per_year})  # fmt: skip
    flows = cash_flows(deal)
    costs = flows["power_cost"] + flows["opex"] + flows["colocation"]
    hours = 8760 / periods_per_year  # hours per period
    per_hour = costs[:periods_per_year] / (deal.gpus * hours)
    np.testing.assert_allclose(per_hour, deal_cost_per_hour(deal), rtol=1e-12)
    assert costs[periods_per_year] > costs[0]  # the cash flows escalate in year 2
