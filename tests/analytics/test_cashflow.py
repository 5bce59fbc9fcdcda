"""Cash flows that do not depend on the period length, and costs as desks see them (issue 12).

Reference values are derived here from the conventions in the README (model section) with
plain arithmetic and scipy quadrature; the engine's closed form is not reused.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.integrate import quad

from addin.analytics.cashflow import cash_flows, contract_hours_share, period_rent
from addin.model.deal import load_deal
from addin.model.errors import InputError
from addin.model.units import HOURS_PER_YEAR
from tests.deals import BASE_DEAL


def quad_average(r0: float, d: float, a: float, b: float, floor: float) -> float:
    """(1 / (b - a)) x integral of max(floor, r0 (1 - d)^t) over [a, b], by quadrature."""
    kink = [math.log(floor / r0) / math.log(1 - d)] if 0 < floor < r0 and d > 0 else []
    points = [t for t in kink if a < t < b] or None
    value, _ = quad(lambda t: max(floor, r0 * (1 - d) ** t), a, b, points=points,
                    epsabs=0.0, epsrel=1e-13, limit=200)  # fmt: skip
    return value / (b - a)


@pytest.mark.parametrize(
    ("r0", "d", "a", "b", "floor"),
    [
        (2.0, 0.30, 0.0, 1.0, 0.0),  # no floor
        (2.0, 0.30, 2.0, 2.25, 1.0),  # floor binds from t = ln(0.5)/ln(0.7) = 1.94: all floor
        (2.0, 0.30, 1.5, 2.5, 1.0),  # floor starts to bind mid-period (t = 1.943)
        (8.0, 0.30, 1.25, 1.5, 5.0),  # floor binds at t = 1.318, inside the quarter
        (2.0, 0.0, 0.5, 1.0, 1.0),  # no decline: the rent itself
        (2.0, 0.0, 0.5, 1.0, 2.5),  # no decline, floor above the rent
        (2.0, 0.30, 0.0, 1.0 / 12, 3.0),  # floor above the rent from the start
        (2.0, 0.99, 0.0, 1.0, 0.05),  # 99% a year: the floor binds at t = 0.80
        (2.0, 1e-9, 3.0, 4.0, 0.0),  # a tiny decline: no cancellation in the closed form
    ],
)
def test_period_rent_equals_quadrature(
    r0: float, d: float, a: float, b: float, floor: float
) -> None:
    expected = quad_average(r0, d, a, b, floor)
    assert float(period_rent(r0, d, a, b, floor)) == pytest.approx(expected, rel=1e-12)


def test_period_rent_broadcasts_like_scalars() -> None:
    d = np.array([0.0, 0.3, 0.6])[:, None]
    a = np.arange(8) / 4
    grid = period_rent(2.0, d, a, a + 0.25, 0.9)
    assert grid.shape == (3, 8)
    scalars = [[float(period_rent(2.0, di, t, t + 0.25, 0.9)) for t in a] for di in (0.0, 0.3, 0.6)]
    assert_allclose(grid, scalars, rtol=1e-15)


def test_no_floor_shortcut_agrees_with_the_general_formula() -> None:
    # floor = 0 takes a shorter path; a floor that never binds goes through the split
    d = np.array([0.0, 1e-9, 0.3, 0.99])[:, None]
    a = np.arange(24) / 12
    fast = period_rent(2.0, d, a, a + 1 / 12, 0.0)
    general = period_rent(2.0, d, a, a + 1 / 12, 1e-12)  # 2 x 0.01^2 = 2e-4 stays above it
    assert np.array_equal(fast, general)


# A 4-year deal with every issue-12 cost and a floor that binds inside year 2 or 3.
WHOLE_YEARS: dict[str, Any] = {
    **BASE_DEAL,
    "gpu_model": "B200",
    "market_rate": 3.0,
    "rent_floor": 1.4,  # 3 x 0.7^t = 1.4 at t = 2.14 years
    "tenor_years": 4,
    "contracted_share": 0.5,
    "contract_rate": 2.8,
    "contract_years": 2,
    "recontract_rate": 0.85,
    "colocation_per_kw_month": 150.0,
    "opex_per_gpu_year": 3000.0,
    "opex_escalation": 0.03,
}


@pytest.mark.parametrize("changes", [{}, {"recontract_rate": None}, {"annual_decline": 0.55}])
def test_total_cfads_does_not_depend_on_the_period_length(changes: dict[str, Any]) -> None:
    # No contract boundary inside a period (the contract ends on a year end): every year
    # earns the same whatever the payment frequency.
    totals = {}
    for p in (12, 4, 2, 1):
        cfads = cash_flows(load_deal({**WHOLE_YEARS, **changes, "periods_per_year": p}))["cfads"]
        totals[p] = cfads.reshape(4, p).sum(axis=1)  # by year
    for p in (4, 2, 1):
        assert_allclose(totals[p], totals[12], rtol=1e-9)
        assert math.isclose(totals[p].sum(), totals[12].sum(), rel_tol=1e-9)


def test_contract_ending_inside_a_period_is_hour_weighted() -> None:
    # Contract of 2.5 years on annual periods: year 3 has half its hours under contract.
    deal = load_deal({**WHOLE_YEARS, "contract_years": 2.5, "periods_per_year": 1})
    flows = cash_flows(deal)
    gpus, share, u, h = 1000, 0.5, 0.8, 8760.0
    rent3 = quad_average(3.0, 0.3, 2.0, 3.0, 1.4)  # the year's average spot rent
    contract = gpus * share * 0.5 * 2.8 * h  # contract rate on half of the contracted hours
    relet = gpus * share * 0.5 * u * 0.85 * rent3 * h  # the other half re-let at 85% of spot
    spot = gpus * (1 - share) * u * rent3 * h
    assert flows["revenue"][2] == pytest.approx(contract + relet + spot, rel=1e-12)
    billed = (gpus * share * 0.5 + (gpus - gpus * share * 0.5) * u) / gpus
    full = gpus * 1.7875 * 1.3 * h * 0.08  # B200 catalog kW, default PUE and power price
    assert flows["power_cost"][2] == pytest.approx(full * (billed + 0.25 * (1 - billed)), rel=1e-12)
    assert contract_hours_share(2.5, 4, 1).tolist() == [1.0, 1.0, 0.5, 0.0]
    assert contract_hours_share(2.5, 16, 4).tolist() == [1.0] * 10 + [0.0] * 6


def test_recontract_after_expiry_earns_a_share_of_spot_on_utilization() -> None:
    deal = load_deal({**WHOLE_YEARS, "periods_per_year": 1, "rent_floor": 0.0})
    spot = load_deal({**WHOLE_YEARS, "periods_per_year": 1, "rent_floor": 0.0,
                      "recontract_rate": None})  # fmt: skip
    rent4 = quad_average(3.0, 0.3, 3.0, 4.0, 0.0)
    # after expiry all 1000 GPUs bill 80% of hours: 500 at 85% of spot, 500 at spot
    assert cash_flows(deal)["revenue"][3] == pytest.approx(
        (500 * 0.85 + 500) * 0.8 * rent4 * 8760, rel=1e-12
    )
    assert cash_flows(spot)["revenue"][3] == pytest.approx(1000 * 0.8 * rent4 * 8760, rel=1e-12)
    # while the contract runs, the re-let share changes nothing
    assert cash_flows(deal)["revenue"][0] == cash_flows(spot)["revenue"][0]


def test_colocation_is_a_fixed_cost_per_contracted_kw() -> None:
    # 1000 B200 x 1.7875 kW (catalog) x 150 USD/kW-month x 3 months, busy or idle
    for u in (0.2, 0.9):
        flows = cash_flows(load_deal({**WHOLE_YEARS, "periods_per_year": 4, "utilization": u}))
        assert_allclose(flows["colocation"], 1000 * 1.7875 * 150.0 * 3, rtol=1e-14)


def test_opex_escalates_on_each_anniversary() -> None:
    flows = cash_flows(load_deal({**WHOLE_YEARS, "periods_per_year": 4}))
    base = 1000 * 3000.0 / 4
    expected = [base * 1.03**year for year in range(4) for _ in range(4)]
    assert_allclose(flows["opex"], expected, rtol=1e-14)


def test_cfads_is_revenue_less_every_cost() -> None:
    flows = cash_flows(load_deal({**WHOLE_YEARS, "periods_per_year": 12}))
    costs = flows["power_cost"] + flows["opex"] + flows["colocation"]
    assert_allclose(flows["cfads"], flows["revenue"] - costs, rtol=1e-12)


def test_kw_per_gpu_defaults_to_the_catalog_figure() -> None:
    # addin/model/data/SOURCES.md: DGX B200 14.3 kW / 8 GPUs; DGX H100 10.2 kW / 8
    assert load_deal({**BASE_DEAL, "gpu_model": "B200"}).kw_per_gpu == pytest.approx(14.3 / 8)
    assert load_deal(BASE_DEAL).kw_per_gpu == pytest.approx(10.2 / 8)
    given = load_deal({**BASE_DEAL, "gpu_model": "B200", "kw_per_gpu": 1.5})
    assert given.kw_per_gpu == 1.5
    assert given.replace(gpu_model="A100 SXM").kw_per_gpu == pytest.approx(6.5 / 8)  # DGX A100
    with pytest.raises(InputError, match=r"^gpu_model: got 'Blackwell X'; .*or give kw_per_gpu"):
        load_deal({**BASE_DEAL, "gpu_model": "Blackwell X"})
    assert load_deal({**BASE_DEAL, "gpu_model": "Blackwell X", "kw_per_gpu": 2.0}).kw_per_gpu == 2.0


def test_scenario_grid_matches_one_scenario_at_a_time() -> None:
    deal = load_deal({**WHOLE_YEARS, "contract_years": 1.5, "periods_per_year": 4})
    u = np.array([0.5, 0.7, 0.9])
    grid = cash_flows(deal, 0.4, utilization=u[:, None], contracted_share=np.array([0.2, 0.6]))
    for i, ui in enumerate(u):
        for j, share in enumerate((0.2, 0.6)):
            one = cash_flows(
                deal.replace(annual_decline=0.4, utilization=ui, contracted_share=share)
            )
            assert_allclose(grid["cfads"][i, j], one["cfads"], rtol=1e-12)


def test_hours_per_period_sum_to_a_year() -> None:
    # Sanity of the hour-weighting: the contract shares of a year's periods add to its years
    for p in (12, 4, 2, 1):
        assert contract_hours_share(1.7, 3 * p, p).sum() / p == pytest.approx(1.7, rel=1e-12)
    assert HOURS_PER_YEAR == 8760
