"""Named scenarios: single shock paths through the same waterfall as the simulation."""

from __future__ import annotations

import numpy as np
import pytest

from addin.analytics.dscr import first_events, min_dscr
from addin.model.deal import load_deal
from addin.model.errors import InputError
from addin.sim.scenarios import SCENARIOS, run_scenario, scenario_factors
from tests.deals import BASE_DEAL

DEAL = {**BASE_DEAL, "market_absorption": 1500, "annual_decline": 0.2, "dsra_months": 3}


def test_a_scenario_that_touches_no_factor_of_the_deal_is_its_plan() -> None:
    # A pure GPU host (no mining share, no treasury) on a fixed rate: BTC -77% changes
    # nothing, so the scenario is the deterministic model (same min DSCR and first default).
    deal = load_deal(DEAL)
    result = run_scenario(deal, "BTC -77%")
    assert result.min_dscr == pytest.approx(min_dscr(deal), rel=1e-6)  # DSCR kept as float32
    found = [k for name, (k, _) in first_events(deal).items()
             if name in ("payment default", "covenant default", "LTV default") and k]  # fmt: skip
    assert result.first_default_period == (min(found) if found else None)


def test_the_2024_rent_collapse_leaves_a_quarter_of_the_rent_after_18_months() -> None:
    # Definition (addin/sim/scenarios.py): the absolute rent falls 75% over 18 months, then
    # follows the trend; the index is that over the deal's trend (1 - 0.2)^t.
    deal = load_deal(DEAL)
    index = scenario_factors(deal, "2024 rent collapse").rent_index[0]
    assert index[17] * 0.8**1.5 == pytest.approx(0.25, rel=1e-12)
    assert index[29] == pytest.approx(index[17], rel=1e-12)  # on trend again after 18 months


def test_capital_scarcity_charges_300_bp_more_on_a_floating_loan() -> None:
    floating = load_deal({**DEAL, "interest_rate": None, "base_rate": 0.04, "margin": 0.05,
                          "annual_decline": 0.0})  # fmt: skip
    f = scenario_factors(floating, "capital scarcity")
    np.testing.assert_allclose(f.base_rate[0], 0.07, rtol=1e-12)
    assert run_scenario(floating, "capital scarcity").min_dscr < min_dscr(floating)
    fixed = load_deal({**DEAL, "annual_decline": 0.0})
    assert run_scenario(fixed, "capital scarcity").min_dscr == pytest.approx(
        min_dscr(fixed), rel=1e-6
    )  # a fixed rate does not move


def test_a_miner_loses_more_in_the_btc_crash_than_a_pure_host() -> None:
    miner = load_deal({**DEAL, "mining_share": 0.5, "annual_decline": 0.1})
    host = load_deal({**DEAL, "annual_decline": 0.1})
    assert run_scenario(miner, "BTC -77%").min_dscr < run_scenario(host, "BTC -77%").min_dscr


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_runs_and_reports_a_loss_only_with_a_default(name: str) -> None:
    result = run_scenario(load_deal({**DEAL, "mining_share": 0.3}), name.upper())
    assert result.name == name
    if result.first_default_period is None:
        assert result.loss == 0.0
    else:
        assert result.first_default_event
        assert 0.0 <= result.lgd <= 1.0


def test_an_unknown_scenario_is_refused_with_the_list() -> None:
    with pytest.raises(
        InputError, match=r"scenario: got 'dot-com'; allowed: one of 2024 rent collapse, BTC -77%"
    ):
        run_scenario(load_deal(DEAL), "dot-com")
