"""The cash waterfall: identities, a hand-worked example, LTM DSCR and floating rates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from addin.analytics.debt import Debt, debt_schedule, period_rates
from addin.analytics.dscr import dscr_schedule, min_dscr
from addin.analytics.waterfall import (
    CHUNK_PATHS,
    LOCKUP,
    PAYMENT_DEFAULT,
    WaterfallTerms,
    deal_waterfall,
    dsra_target,
    fleet_market_value,
    waterfall,
    waterfall_path,
)
from addin.model.deal import load_deal
from addin.model.errors import InputError
from tests.deals import BASE_DEAL

FULL = {**BASE_DEAL, "tenor_years": 5, "periods_per_year": 12, "dsra_months": 6,
        "sweep_share": 0.5, "max_ltv": 0.9, "cure_periods": 2}  # fmt: skip


def _paths(deal_keys: dict, paths: int = 200) -> tuple[np.ndarray, dict]:
    deal = load_deal(deal_keys)
    base = dscr_schedule(deal)["cfads"].to_numpy()
    shocks = np.random.default_rng(12).lognormal(0.0, 0.5, (paths, base.size))
    cfads = base * shocks - 1e5 * (shocks < 0.5)  # some negative CFADS too
    return cfads, deal_waterfall(deal, cfads)


def test_sources_equal_uses_and_no_account_is_negative_every_period() -> None:
    cfads, out = _paths(FULL)
    deal = load_deal(FULL)
    opening = np.concatenate(
        (np.full((cfads.shape[0], 1), dsra_target(debt_schedule(deal).debt_service, 12, 6)[0]),
         out["dsra"][:, :-1]), axis=1)  # fmt: skip
    trapped_open = np.concatenate((np.zeros((cfads.shape[0], 1)), out["trapped"][:, :-1]), axis=1)
    sources = cfads + opening + trapped_open
    uses = (out["debt_paid"] + out["sweep"] + out["cure"] + out["dsra"] + out["trapped"]
            + out["distributions"])  # fmt: skip
    assert_allclose(sources, uses, rtol=0, atol=1e-6 * deal.loan_amount)
    for name in ("dsra", "trapped", "balance", "arrears", "sweep", "cure", "debt_paid"):
        assert out[name].min() >= -1e-6, name
    # the balance is repaid to zero unless a payment default left arrears
    defaulted = (out["events"].astype(int) & PAYMENT_DEFAULT).any(axis=1)
    owed = out["balance"][:, -1] + out["arrears"][:, -1]
    assert_allclose(owed[~defaulted], 0.0, atol=1e-6)
    assert np.all(owed[defaulted] > 0)
    assert 0 < defaulted.sum() < defaulted.size  # both kinds of path are exercised


def test_a_hand_worked_dsra_sweep_and_lock_up() -> None:
    # Two-year annual loan of 100 at 10%: interest 10 then 5, principal 50 and 50.
    debt = Debt(100.0, np.array([10.0, 5.0]), np.array([50.0, 50.0]),
                np.array([60.0, 55.0]), np.array([50.0, 0.0]))  # fmt: skip
    terms = WaterfallTerms(1, dsra_months=12, sweep_share=0.5, lockup_dscr=1.6,
                           covenant_basis="period", test_frequency=1)  # fmt: skip
    out = waterfall([[100.0, 70.0]], debt, [0.1, 0.1], terms)
    # Year 1. DSRA at close = next 12 months' debt service = 60. CFADS 100 pays 60; the DSRA
    # target is now year 2's 55: 5 is released, cash 40 + 5 = 45; sweep 50% = 22.5 prepays
    # (the balance 50 -> 27.5, r = 0.55); DSCR 100 / 60 = 1.667 >= 1.6: 22.5 distributed.
    assert out["dsra"][0, 0] == pytest.approx(55.0, abs=1e-12)
    assert out["sweep"][0, 0] == pytest.approx(22.5, abs=1e-12)
    assert out["distributions"][0, 0] == pytest.approx(22.5, abs=1e-12)
    assert out["balance"][0, 0] == pytest.approx(27.5, abs=1e-12)
    # Year 2. Debt service pro rata 55 x 0.55 = 30.25 (interest 2.75 = 27.5 x 10%, principal
    # 27.5). CFADS 70 pays it: 39.75 left; the DSRA (target 0) releases 55: cash 94.75;
    # nothing left to sweep. DSCR 70 / 30.25 = 2.31: not locked; at maturity all is paid out.
    assert out["debt_service"][0, 1] == pytest.approx(30.25, abs=1e-12)
    assert out["interest"][0, 1] == pytest.approx(2.75, abs=1e-12)
    assert out["distributions"][0, 1] == pytest.approx(94.75, abs=1e-12)
    assert out["balance"][0, 1] == pytest.approx(0.0, abs=1e-12)
    # Lock-up: with CFADS 90 in year 1 the DSCR is 1.5 < 1.6: after DSRA (release 5) and
    # sweep (half of 35 = 17.5), 17.5 is trapped; year 2 then releases it with the DSRA.
    out = waterfall([[90.0, 70.0]], debt, [0.1, 0.1], terms)
    assert out["trapped"][0, 0] == pytest.approx(17.5, abs=1e-12)
    assert out["events"][0, 0] == LOCKUP
    r = (50.0 - 17.5) / 50.0
    assert out["distributions"][0, 1] == pytest.approx(70 - 55 * r + 55 + 17.5, abs=1e-12)


def test_ltm_dscr_is_the_rolling_twelve_month_ratio() -> None:
    deal = load_deal({**FULL, "sweep_share": 0.3, "max_ltv": None})
    cfads, out = _paths({**FULL, "sweep_share": 0.3, "max_ltv": None}, paths=5)
    assert deal.covenant_basis == "ltm"
    for k in range(cfads.shape[1]):
        first = max(k - 11, 0)  # twelve monthly periods, since close in the first year
        expected = cfads[:, first : k + 1].sum(1) / out["debt_service"][:, first : k + 1].sum(1)
        assert_allclose(out["covenant_dscr"][:, k], expected, rtol=1e-9)


def test_a_floating_rate_shock_re_prices_the_annuity_on_the_remaining_term() -> None:
    # Loan 1e6, 5 years annual, SOFR 4% + 3%, +2% from year 2. Closed-form annuity
    # P = L i / (1 - (1 + i)^-n): 7% for years 1-2, then recomputed at 9% on the balance
    # left and the 3 years to go (Brealey-Myers-Allen, ch. 2: the annuity formula).
    deal = load_deal({**BASE_DEAL, "interest_rate": None, "base_rate": 0.04, "margin": 0.03,
                      "rate_shock": 0.02, "rate_shock_year": 2, "tenor_years": 5,
                      "periods_per_year": 1, "loan_amount": 1e6})  # fmt: skip
    assert deal.interest_rate == pytest.approx(0.07, abs=1e-15)
    assert_allclose(period_rates(deal), [0.07, 0.07, 0.09, 0.09, 0.09], rtol=1e-15)
    first = 1e6 * 0.07 / (1 - 1.07**-5)
    balance = 1e6
    for _ in range(2):
        balance = balance * 1.07 - first
    second = balance * 0.09 / (1 - 1.09**-3)
    debt = debt_schedule(deal)
    assert_allclose(debt.debt_service, [first] * 2 + [second] * 3, rtol=1e-12)
    assert debt.balance[-1] == 0.0
    assert_allclose(dscr_schedule(deal)["debt_service"], debt.debt_service, rtol=0)
    # a fixed-rate deal refuses a shock
    with pytest.raises(InputError, match=r"^rate_shock: got 0.02; allowed: 0 unless base_rate"):
        load_deal({**BASE_DEAL, "rate_shock": 0.02})
    with pytest.raises(InputError, match=r"^interest_rate: got 0.09; allowed: empty, or base_rate"):
        load_deal({**BASE_DEAL, "interest_rate": 0.09, "base_rate": 0.04})
    assert deal.replace(base_rate=0.05).interest_rate == pytest.approx(0.08, abs=1e-15)


def test_defaults_keep_the_schedule_bit_for_bit() -> None:
    deal = load_deal(BASE_DEAL)
    debt, table = debt_schedule(deal), dscr_schedule(deal, 0.5)
    for name in ("interest", "principal", "debt_service", "balance"):
        assert_array_equal(table[name].to_numpy(), getattr(debt, name))
    assert_array_equal(table["dsra"], 0.0)
    assert_array_equal(table["sweep"], 0.0)


@pytest.mark.parametrize(
    ("terms", "shifted"),
    [
        ({}, False),
        ({"covenant_basis": "period", "test_frequency": 12}, True),
        ({"max_ltv": None, "sweep_share": 0.0, "test_frequency": 1}, False),
        ({"periods_per_year": 4, "dsra_months": 4, "cure_periods": 0}, True),
    ],
)
def test_the_array_engine_agrees_bit_for_bit_with_the_float_loop(
    terms: dict, shifted: bool
) -> None:
    # The reference: waterfall_path, a plain loop over floats (one path). The array engine
    # runs blocks of CHUNK_PATHS paths; 2 blocks and a part block are checked path by path,
    # with a floating rate's deviation (rate_shift) on some paths when ``shifted``.
    deal = load_deal({**FULL, **terms})
    cfads, _ = _paths({**FULL, **terms}, paths=2 * CHUNK_PATHS + 3)
    debt, rates = debt_schedule(deal), period_rates(deal)
    value = fleet_market_value(deal)
    shift = None
    if shifted:
        shift = np.random.default_rng(5).normal(0.0, 0.002, cfads.shape)
    terms_ = WaterfallTerms.of(deal)
    out = waterfall(cfads, debt, rates, terms_, value, shift)
    events = out["events"].astype(int)
    assert (events & PAYMENT_DEFAULT).any()  # both kinds of event are exercised
    assert (events & LOCKUP).any()
    chosen = (0, 7, CHUNK_PATHS - 1, CHUNK_PATHS, 2 * CHUNK_PATHS + 2)
    for j in (*chosen, *np.flatnonzero(events.any(axis=1))[:40]):
        one = waterfall_path(
            cfads[j].tolist(),
            debt,
            rates.tolist(),
            terms_,
            value.tolist(),
            None if shift is None else shift[j].tolist(),
        )
        for name, values in one.items():
            assert_array_equal(values, out[name][j], err_msg=f"{name}, path {j}")


def test_a_rate_shift_charges_interest_on_the_opening_balance() -> None:
    # Loan 100 over two years at 10%: schedule interest 10 then 5 (balance 50 after year 1).
    # A shift of 1% in year 2 adds 0.5 of interest (1% x 50) and leaves principal alone.
    debt = Debt(100.0, np.array([10.0, 5.0]), np.array([50.0, 50.0]),
                np.array([60.0, 55.0]), np.array([50.0, 0.0]))  # fmt: skip
    out = waterfall([[200.0, 200.0]], debt, [0.1, 0.1], WaterfallTerms(1), None, [[0.0, 0.01]])
    assert_allclose(out["interest"], [[10.0, 5.5]], rtol=1e-15)
    assert_allclose(out["principal"], [[50.0, 50.0]], rtol=1e-15)
    assert_allclose(out["debt_service"], [[60.0, 55.5]], rtol=1e-15)


def test_a_sweep_raises_the_minimum_dscr() -> None:
    base = load_deal({**BASE_DEAL, "annual_decline": 0.1})
    swept = base.replace(sweep_share=0.5)
    assert min_dscr(swept) > min_dscr(base)
    assert not math.isnan(min_dscr(swept))
