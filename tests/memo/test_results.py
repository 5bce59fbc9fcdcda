"""The memo's typed results: frozen, complete, and scenarios read by value, not position.

Reference values are the engines' own (:mod:`addin.analytics`), called on one scenario at
a time; the memo's grids must hold the same numbers whatever the order of their axes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from addin.analytics.dscr import min_dscr_grid
from addin.io.deal_files import read_deal
from addin.memo import MemoData, analyse
from addin.memo.results import BTC_DRAWDOWNS, StressGrid, scenario_position
from addin.model.deal import load_deal
from addin.model.errors import InputError
from tests.deals import BASE_DEAL, EXAMPLES


@pytest.fixture(scope="module")
def miner() -> MemoData:
    return analyse(read_deal(EXAMPLES / "miner_spot_h100.toml"))


def test_results_are_frozen(miner: MemoData) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'flags'"):
        miner.flags = ()  # type: ignore[misc]
    assert miner.credit is not None
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'capital'"):
        miner.credit.capital = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'ltv_close"):
        miner.collateral.ltv_close_book = 0.0  # type: ignore[misc]
    assert isinstance(miner.flags, tuple)


def test_scenario_order_does_not_matter(miner: MemoData) -> None:
    grid = miner.grid("utilization")
    assert grid is not None
    reversed_axes = StressGrid(
        grid.driver,
        grid.declines[::-1],
        grid.values[::-1],
        grid.outcome[::-1, ::-1],
        grid.breakeven[::-1],
        grid.breakeven_lockup[::-1],
    )
    for decline in grid.declines:
        for value in grid.values:
            scenario = {"annual_decline": float(decline), "value": float(value)}
            assert reversed_axes.at(**scenario) == grid.at(**scenario)


def test_a_scenario_not_computed_is_a_clear_error(miner: MemoData) -> None:
    grid = miner.grid("btc_drawdown")
    assert grid is not None
    with pytest.raises(
        InputError,
        match=r"^btc_drawdown: got 0\.4; allowed: a computed scenario, one of 0, 0\.25, 0\.5, "
        r"0\.77$",
    ):
        grid.at(annual_decline=0.3, value=0.4)
    utilization = miner.grid("utilization")
    assert utilization is not None
    with pytest.raises(InputError, match=r"^utilization: got 0\.52; allowed: .* 0\.5, 0\.55"):
        utilization.at(annual_decline=0.3, value=0.52)
    with pytest.raises(InputError, match=r"^annual_decline: got 0\.99; allowed: .* 0\.6$"):
        utilization.at(annual_decline=0.99, value=0.5)
    assert utilization.position(0.99, 0.5) is None
    assert scenario_position(BTC_DRAWDOWNS, 0.4) is None


def test_stress_grid_is_read_by_value(miner: MemoData) -> None:
    deal, grid = miner.deal, miner.grid("utilization")
    assert isinstance(grid, StressGrid)
    assert grid.driver == "utilization"
    for decline, utilization in [(0.0, 0.5), (0.3, 0.7), (0.6, 1.0)]:
        expected = min_dscr_grid(deal, decline, utilization)  # the engine on one scenario
        got = grid.at(annual_decline=decline, value=utilization)
        assert got == pytest.approx(float(np.asarray(expected)), rel=1e-12, abs=0.0)
    row, col = grid.position(deal.annual_decline, deal.utilization) or (-1, -1)
    assert (grid.declines[row], grid.values[col]) == (0.30, 0.70)


def test_optional_results_are_none_when_not_computed() -> None:
    data = analyse(load_deal({**BASE_DEAL, "borrower_type": "hyperscaler"}))
    assert data.collateral.liquidation is None  # no market_absorption: no fire sale
    assert data.risk is None  # ... so no LGD: the deal is not simulated
    assert data.pricing is None
    assert data.credit is None
    assert data.scenarios == ()
    assert not [c for c in data.collateral.ltv.columns if "liquidation" in c]
    assert [flag.metric for flag in data.flags][-1] == "Duration mismatch (WAL / half-life)"
    assert "Underwater period" not in [flag.metric for flag in data.flags]
    # never an unconditional approval without a simulation
    assert data.verdict.status != "green"
