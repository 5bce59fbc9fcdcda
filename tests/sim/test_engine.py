"""The path engine against the deterministic model, a closed form and its own error bars."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.stats import norm

from addin.analytics.cashflow import cash_flows
from addin.analytics.debt import debt_schedule
from addin.analytics.dscr import first_events
from addin.analytics.waterfall import deal_run
from addin.io.deal_files import read_deal
from addin.model.deal import load_deal
from addin.model.errors import InputError
from addin.sim import engine
from addin.sim.engine import (
    deal_paths,
    deal_risk,
    fair_margin,
    pair_se,
    path_outcomes,
    run_outcomes,
)
from addin.sim.factors import BLOCK_PATHS, simulate_factors
from tests.deals import BASE_DEAL, EXAMPLES

#: Every source of randomness switched off.
STILL = {"rent_vol": 0.0, "launch_shock_vol": 0.0, "offtaker_pd": 0.0, "rate_vol": 0.0,
         "btc_vol": 0.0}  # fmt: skip
RISKY = {**BASE_DEAL, "market_absorption": 1500, "dsra_months": 3, "sweep_share": 0.25,
         "max_ltv": 1.2, "contracted_share": 0.5, "contract_years": 2, "contract_rate": 2.4,
         "opex_per_gpu_year": 3000}  # fmt: skip


@pytest.mark.parametrize("decline", [0.1, 0.3, 0.6])
def test_without_randomness_every_path_is_the_deterministic_model(decline: float) -> None:
    # Acceptance (issue 13): with every volatility 0, no jumps and no offtaker default, a path
    # equals the deterministic engine exactly (CFADS, balance, default period).
    deal = load_deal({**RISKY, **STILL, "annual_decline": decline})
    flows = deal_paths(deal, 0, 4, seed=11)
    plan = deal_run(deal)
    for j in range(4):
        assert_array_equal(flows.cfads[j], cash_flows(deal)["cfads"])
    out = path_outcomes(deal, flows)
    events = first_events(deal)
    firsts = [k for name, (k, _) in events.items() if name in
              ("payment default", "covenant default", "LTV default") and k is not None]  # fmt: skip
    expected = min(firsts) if firsts else 0
    assert_array_equal(out.default_period, expected)
    if expected == 0:
        assert_array_equal(out.ead, 0.0)
    else:  # EAD: the deterministic closing balance plus arrears in the default period
        k = expected - 1
        assert out.ead[0] == plan["balance"][0, k] + plan["arrears"][0, k]
    risk = deal_risk(deal, paths=8, seed=11)
    assert risk.lifetime_pd in (0.0, 1.0)
    assert risk.lifetime_pd == (1.0 if expected else 0.0)


def test_the_example_neocloud_deal_defaults_almost_surely_and_less_at_a_milder_decline() -> None:
    # The example projects a payment default (issue 13): its PD at its own 30% decline is
    # near 1, and at a 5% decline visibly lower (more than 10 standard errors).
    deal = read_deal(EXAMPLES / "neocloud_h100.toml")
    own = deal_risk(deal, paths=2048, seed=3)
    mild = deal_risk(deal.replace(annual_decline=0.05), paths=2048, seed=3)
    assert own.lifetime_pd > 0.95
    assert mild.lifetime_pd < own.lifetime_pd - 10 * math.hypot(
        own.lifetime_pd_se, mild.lifetime_pd_se
    )


def test_a_one_payment_bullet_loan_defaults_with_the_merton_probability() -> None:
    # One monthly payment: CFADS = a M - C with M = exp(x), x ~ N(0, sigma^2 / 12) (the rent
    # index at the month's end, no reversion). Payment default iff a M - C < DS, so
    # PD = Phi(ln((DS + C) / a) / (sigma sqrt(1/12))): Merton (1974) with one horizon.
    sigma = 0.9
    deal = load_deal({**BASE_DEAL, **STILL, "rent_vol": sigma, "tenor_years": 1 / 12,
                      "amortization": "bullet", "loan_amount": 9.0e5, "interest_rate": 0.09,
                      "market_absorption": 1500, "annual_decline": 0.3})  # fmt: skip
    plan = cash_flows(deal)
    a = float(plan["revenue"][0])
    cost = a - float(plan["cfads"][0])
    ds = float(debt_schedule(deal).debt_service[0])
    closed = norm.cdf(math.log((ds + cost) / a) / (sigma * math.sqrt(1 / 12)))
    risk = deal_risk(deal, paths=20_480, seed=5)
    assert 0.1 < closed < 0.9  # a test with both outcomes
    assert risk.lifetime_pd == pytest.approx(closed, abs=3 * risk.lifetime_pd_se)


def test_standard_errors_are_honest_and_shrink_as_one_over_root_paths() -> None:
    # The spread of PD estimates over independent seeds matches the reported standard error
    # (within the sampling error of a 16-seed standard deviation, about 18%: allow 40%),
    # and four times the paths halves it (1/sqrt(paths), within 25%).
    deal = load_deal({**RISKY, "annual_decline": 0.25, "tenor_years": 3})
    small = [deal_risk(deal, paths=1024, seed=s) for s in range(16)]
    spread = np.std([r.lifetime_pd for r in small], ddof=1)
    reported = np.mean([r.lifetime_pd_se for r in small])
    assert reported > 0.0
    assert spread == pytest.approx(reported, rel=0.4)
    large = deal_risk(deal, paths=4096, seed=99)
    assert large.lifetime_pd_se == pytest.approx(reported / 2, rel=0.25)


def test_the_same_seed_gives_the_same_numbers_whatever_the_chunking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deal = load_deal({**RISKY, "annual_decline": 0.3, "mining_share": 0.3, "btc_holdings": 1e6})
    whole = run_outcomes(deal, 3000, seed=8)
    monkeypatch.setattr(engine, "CHUNK_PATHS", 700)
    chunked = run_outcomes(deal, 3000, seed=8)
    for name in ("default_period", "loss", "lender_pv", "dscr", "ltv"):
        assert_array_equal(getattr(whole, name), getattr(chunked, name), err_msg=name)
    part = simulate_factors(deal, 60, 1500, 300, seed=8)
    full = simulate_factors(deal, 60, 0, 3000, seed=8)
    assert_array_equal(part.rent_index, full.rent_index[1500:1800])
    assert_array_equal(part.btc, full.btc[1500:1800])


def test_antithetic_pairs_mirror_each_other() -> None:
    deal = load_deal({**RISKY, "launch_shock_vol": 0.0})
    f = simulate_factors(deal, 24, 0, BLOCK_PATHS, seed=2)
    half = BLOCK_PATHS // 2
    np.testing.assert_allclose(np.log(f.rent_index[:half]), -np.log(f.rent_index[half:]),
                               atol=1e-12)  # fmt: skip
    assert pair_se(np.r_[np.ones(half), np.zeros(half)]) == 0.0  # every pair averages 1/2


def test_fans_are_ordered_and_event_probabilities_nest() -> None:
    deal = load_deal({**RISKY, "annual_decline": 0.3})
    risk = deal_risk(deal, paths=2048, seed=4)
    for fan in (risk.dscr_fan, risk.ltv_fan):
        finite = np.isfinite(fan).all(axis=0)
        assert finite.any()
        assert np.all(np.diff(fan[:, finite], axis=0) >= 0)
    # every default is one of the three kinds; a lock-up precedes no covenant default
    assert risk.lifetime_pd <= risk.payment_default_prob + risk.covenant_default_prob + 1e-12 + (
        risk.ltv_breach_prob
    )
    assert risk.lockup_prob >= risk.covenant_default_prob
    assert np.all(np.diff(risk.cumulative_pd) >= 0)
    assert risk.marginal_pd.sum() == pytest.approx(risk.lifetime_pd, abs=1e-12)
    assert 0.0 <= risk.lgd_mean <= 1.0


def test_a_floating_loan_that_cannot_default_is_fairly_priced_at_no_margin() -> None:
    # With no default, a floating loan discounted at its own base rate path is worth par at
    # any base path (the PV telescopes), so the fair margin over that base is 0.
    safe = load_deal({**BASE_DEAL, **STILL, "loan_amount": 5e6, "base_rate": 0.04, "margin": 0.02,
                      "interest_rate": None, "annual_decline": 0.0, "market_absorption": 1500,
                      "rate_vol": 0.02})  # fmt: skip
    margin = fair_margin(safe, paths=1024, seed=1)
    assert deal_risk(safe, paths=1024, seed=1).lifetime_pd == 0.0
    assert margin.fair == pytest.approx(0.0, abs=1e-6)
    assert margin.actual == 0.02
    risky = load_deal({**RISKY, "annual_decline": 0.35, "base_rate": 0.04, "margin": 0.02,
                       "interest_rate": None})  # fmt: skip
    priced = fair_margin(risky, paths=1024, seed=1)
    assert priced.fair > 0.0
    assert priced.shortfall_bps == pytest.approx((priced.fair - 0.02) * 1e4)


def test_bad_path_counts_and_seeds_are_refused() -> None:
    deal = load_deal({**RISKY})
    with pytest.raises(
        InputError, match=r"paths: got 1; allowed: a whole number >= 2 and <= 200000 \(paths\)"
    ):
        deal_risk(deal, paths=1)
    with pytest.raises(InputError, match=r"seed: got -1"):
        deal_risk(deal, paths=10, seed=-1)
    with pytest.raises(InputError, match=r"paths: got 2.5"):
        deal_risk(deal, paths=2.5)  # type: ignore[arg-type]


def test_common_random_numbers_make_pd_move_smoothly_with_one_input() -> None:
    # The same shocks serve every run (one stream per factor), so a small step in the
    # decline moves PD by a small step the same way: never down. Independent runs would
    # not promise that (their PDs each carry a standard error of about 1 point).
    deal = load_deal({**RISKY, "tenor_years": 3})
    pds = [deal_risk(deal.replace(annual_decline=d), 2048, 6).lifetime_pd
           for d in (0.20, 0.21, 0.22, 0.23)]  # fmt: skip
    steps = np.diff(pds)
    assert np.all(steps >= 0.0)
    assert steps.max() < 0.05
    assert 0.0 < pds[0] < pds[-1] < 1.0
