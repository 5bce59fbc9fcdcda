"""DSCR engine against independently derived numbers, and its invariants."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.integrate import quad

from addin import (
    breakeven_decline,
    deflated_rent,
    dscr_schedule,
    dscr_summary,
    first_breach,
    llcr,
    load_deal,
    min_dscr,
    sculpted_debt_capacity,
)
from addin.analytics.debt import debt_schedule
from addin.analytics.dscr import min_dscr_grid
from addin.model.errors import InputError
from tests.deals import BASE_DEAL

# A deal whose cash flows are easy to compute by hand: annual periods, full utilisation,
# 1 kW per GPU, PUE 1, so CFADS = 100 x 2 x 8760 - 100 x 8760 x 0.10 - 100 x 1000.
FLAT = {
    "name": "Flat", "gpus": 100, "market_rate": 2.0, "annual_decline": 0.0,
    "utilization": 1.0, "kw_per_gpu": 1.0, "pue": 1.0, "power_price": 0.10,
    "opex_per_gpu_year": 1000.0, "periods_per_year": 1, "interest_rate": 0.10,
    "tenor_years": 3, "loan_amount": 3_000_000.0, "amortization": "linear",
}  # fmt: skip
FLAT_CFADS = 1_752_000.0 - 87_600.0 - 100_000.0


def test_annuity_payment_matches_textbook_value() -> None:
    # 1,000,000 at 1% a month over 12 months: payment 88,848.79 (Excel PMT(1%,12,-1e6);
    # closed form L i / (1 - (1 + i)^-n)).
    deal = load_deal({**BASE_DEAL, "loan_amount": 1e6, "interest_rate": 0.12, "tenor_years": 1})
    debt = debt_schedule(deal)
    assert_allclose(debt.debt_service, 88_848.78868, rtol=1e-9)
    assert debt.balance[-1] == pytest.approx(0.0, abs=1e-6)
    assert debt.principal.sum() == pytest.approx(1e6, rel=1e-12)


def test_annuity_with_balloon_repays_exactly() -> None:
    # Closed form P = (L - B (1+i)^-n) i / (1 - (1+i)^-n); the balloon B is paid on top at n.
    loan, i, n, b = 2e6, 0.08 / 4, 20, 0.25
    deal = load_deal({**BASE_DEAL, "loan_amount": loan, "interest_rate": 0.08, "tenor_years": 5,
                      "periods_per_year": 4, "balloon": b})  # fmt: skip
    level = (loan - b * loan * (1 + i) ** -n) * i / (1 - (1 + i) ** -n)
    debt = debt_schedule(deal)
    assert_allclose(debt.debt_service[:-1], level, rtol=1e-12)
    assert debt.debt_service[-1] == pytest.approx(level + b * loan, rel=1e-12)
    # Independent roll-forward of the balance with the closed-form payment.
    balance = loan
    for k in range(n):
        balance = balance * (1 + i) - level - (b * loan if k == n - 1 else 0.0)
    assert balance == pytest.approx(0.0, abs=1e-6)
    assert debt.balance[-1] == pytest.approx(0.0, abs=1e-6)


def test_zero_rate_annuity() -> None:
    deal = load_deal({**BASE_DEAL, "interest_rate": 0.0, "loan_amount": 1.2e6, "tenor_years": 1,
                      "balloon": 0.5})  # fmt: skip
    # P = (L - B) / n when i = 0.
    assert_allclose(debt_schedule(deal).debt_service[:-1], 600_000 / 12, rtol=1e-12)


@pytest.mark.parametrize("amortization", ["annuity", "linear", "bullet", "sculpted"])
def test_a_shock_from_close_is_the_fixed_rate_at_the_shocked_rate(amortization: str) -> None:
    # Issue 12: rate_shock is added to the base rate in every period starting at or after
    # rate_shock_year; from year 0 (the default) that is every period, so the loan is, by
    # definition, the fixed-rate loan at base_rate + margin + rate_shock. (Before the fix
    # the engine priced such a loan at base_rate + margin, ignoring the shock.)
    loan = None if amortization == "sculpted" else 25e6
    fixed = load_deal({**BASE_DEAL, "interest_rate": 0.08, "amortization": amortization,
                       "loan_amount": loan, "balloon": 0.0})  # fmt: skip
    shocked = fixed.replace(interest_rate=None, base_rate=0.04, margin=0.05, rate_shock=-0.01)
    assert shocked.interest_rate == pytest.approx(0.09, rel=1e-15)  # all-in at close
    for name in ("interest", "principal", "debt_service", "balance"):
        assert_allclose(getattr(debt_schedule(shocked), name),
                        getattr(debt_schedule(fixed), name), rtol=1e-12, atol=1e-6)  # fmt: skip
    assert debt_schedule(shocked).loan_amount == pytest.approx(
        debt_schedule(fixed).loan_amount, rel=1e-12
    )
    for metric in (llcr, min_dscr):
        assert metric(shocked) == pytest.approx(metric(fixed), rel=1e-12)


def test_rents_follow_the_formula() -> None:
    # Issue 12: r_k = 12 x integral over month k of max(floor, r0 (1 - d)^t) dt. H100 rent
    # from about 8 USD (2023 peak); 8 x 0.7^t reaches the 5 USD floor at t = ln(5/8)/ln(0.7)
    # = 1.318 years, inside month 16, so months 17-24 bill the floor.
    rents = deflated_rent(8.0, 0.30, 2, 12, floor=5.0)
    expected = [
        12
        * quad(
            lambda t: max(5.0, 8.0 * 0.7**t),
            k / 12,
            (k + 1) / 12,
            points=[math.log(5 / 8) / math.log(0.7)],
        )[0]
        for k in range(24)
    ]
    assert_allclose(rents, expected, rtol=1e-12)
    assert rents[12] == pytest.approx(0.7 * rents[0], rel=1e-12)  # one year on: x 0.7
    assert_allclose(rents[16:], 5.0, rtol=1e-14)


def test_flat_cash_flows_linear_loan_hand_computed() -> None:
    # Linear 3,000,000 over 3 years at 10%: principal 1,000,000 a year; interest 300k, 200k,
    # 100k; DSCR = 1,564,400 / (1.3M, 1.2M, 1.1M).
    table = dscr_schedule(load_deal(FLAT))
    assert_allclose(table["revenue"], 1_752_000.0, rtol=1e-14)
    assert_allclose(table["power_cost"], 87_600.0, rtol=1e-14)
    assert_allclose(table["cfads"], FLAT_CFADS, rtol=1e-14)
    assert_allclose(table["interest"], [300_000.0, 200_000.0, 100_000.0], rtol=1e-14)
    assert_allclose(table["balance"], [2e6, 1e6, 0.0], atol=1e-6)
    assert_allclose(table["dscr"], FLAT_CFADS / np.array([1.3e6, 1.2e6, 1.1e6]), rtol=1e-14)


def test_contract_rolls_off_to_spot_and_idle_power() -> None:
    # 100 GPUs, 40 under contract at 3 USD for 1 year; spot at 2 USD, 50% utilisation.
    deal = load_deal({**FLAT, "contracted_share": 0.4, "contract_rate": 3.0,
                      "contract_years": 1, "utilization": 0.5, "idle_power_share": 0.25})  # fmt: skip
    table = dscr_schedule(deal)
    year1 = (40 * 3.0 + 60 * 0.5 * 2.0) * 8760
    year2 = 100 * 0.5 * 2.0 * 8760
    assert_allclose(table["revenue"], [year1, year2, year2], rtol=1e-14)
    billed1, billed2 = (40 + 30) / 100, 0.5
    full = 100 * 1.0 * 1.0 * 8760 * 0.10
    assert_allclose(table["power_cost"],
                    [full * (billed1 + 0.25 * (1 - billed1))] + [full * (billed2 + 0.25 * 0.5)] * 2,
                    rtol=1e-14)  # fmt: skip


def test_bullet_and_empty_dscr_without_debt_service() -> None:
    deal = load_deal({**FLAT, "amortization": "bullet", "interest_rate": 0.0})
    table = dscr_schedule(deal)
    assert table["dscr"].isna().tolist() == [True, True, False]
    assert min_dscr(deal) == pytest.approx(FLAT_CFADS / 3e6, rel=1e-14)


def test_sculpted_llcr_equals_target_and_dscr_is_flat() -> None:
    deal = load_deal({**BASE_DEAL, "amortization": "sculpted", "target_dscr": 1.35})
    deal = deal.replace(loan_amount=None)
    assert llcr(deal) == pytest.approx(1.35, rel=1e-12)
    assert_allclose(dscr_schedule(deal)["dscr"], 1.35, rtol=1e-12)
    assert debt_schedule(deal).balance[-1] == pytest.approx(0.0, abs=1e-4)


def test_sculpted_debt_service_kept_under_another_decline() -> None:
    deal = load_deal({**BASE_DEAL, "amortization": "sculpted", "annual_decline": 0.2})
    stressed = dscr_schedule(deal, 0.4)
    assert_allclose(stressed["debt_service"], dscr_schedule(deal)["debt_service"], rtol=0)
    assert min_dscr(deal, 0.4) < 1.3


def test_sculpted_capacity_against_annuity_table() -> None:
    # Level CFADS 1.3M for 10 years, target 1.30: debt service 1M a year, so capacity is the
    # present value of a 10-year annuity at 8%, factor 6.7101 (Brealey, Myers & Allen,
    # Principles of Corporate Finance, Appendix table "present value of an annuity").
    capacity = sculpted_debt_capacity([1.3e6] * 10, 0.08, 1.30)
    assert capacity == pytest.approx(6.7101e6, rel=1e-5)
    # Negative CFADS carries no debt service: 130 and -50 at 0% and 1.3x give 100.
    assert sculpted_debt_capacity([130.0, -50.0], 0.0, 1.3) == pytest.approx(100.0, rel=1e-14)


def test_breakeven_decline_hits_the_threshold() -> None:
    deal = load_deal(BASE_DEAL)
    for threshold in (1.0, 1.2):
        d = breakeven_decline(deal, threshold)
        assert d is not None
        assert 0 < d < 0.99
        assert min_dscr(deal, d) == pytest.approx(threshold, abs=1e-6)


def test_breakeven_edges() -> None:
    assert breakeven_decline(load_deal(FLAT), 3.0) is None  # 0% already breaches
    tiny_loan = load_deal({**FLAT, "loan_amount": 1000.0, "rent_floor": 2.0})
    assert breakeven_decline(tiny_loan) == pytest.approx(0.99, abs=0)


def test_first_breach_and_summary() -> None:
    deal = load_deal({**BASE_DEAL, "start_date": "2026-01-01"})
    schedule = dscr_schedule(deal)
    expected = int(schedule.loc[schedule["dscr"] < 1.2, "period"].iloc[0])
    period, date = first_breach(deal)  # default threshold: lock-up 1.20
    assert period == expected
    assert str(date) == str(schedule["date"].iloc[period - 1])
    summary = dscr_summary(deal)
    assert summary.first_lockup_breach == expected
    assert summary.min_dscr == pytest.approx(schedule["dscr"].min(), rel=1e-14)
    assert summary.avg_dscr == pytest.approx(schedule["dscr"].mean(), rel=1e-14)
    assert summary.flat_min_dscr == pytest.approx(min_dscr(deal, 0.0), rel=1e-14)
    assert summary.flat_min_dscr > summary.min_dscr
    assert first_breach(deal, 0.0) is None


def test_grid_matches_single_calls() -> None:
    deal = load_deal(BASE_DEAL)
    declines, utils = np.linspace(0, 0.6, 5), np.linspace(0.5, 1.0, 4)
    grid = min_dscr_grid(deal, declines[:, None], utils)
    for a, d in enumerate(declines):
        for b, u in enumerate(utils):
            single = min_dscr(deal.replace(utilization=u), d)
            assert grid[a, b] == pytest.approx(single, rel=1e-12)


def test_period_dates_clamp_month_end() -> None:
    deal = load_deal({**BASE_DEAL, "start_date": "2026-01-31", "tenor_years": 1})
    dates = dscr_schedule(deal)["date"].astype(str).tolist()
    assert dates[:3] == ["2026-02-28", "2026-03-31", "2026-04-30"]


def test_bad_arguments() -> None:
    deal = load_deal(BASE_DEAL)
    with pytest.raises(
        InputError,
        match=r"annual_decline: got 1.2; allowed: a number >= 0 and <= 0.99 \(decimal per year",
    ):
        min_dscr(deal, 1.2)
    with pytest.raises(InputError, match=r"threshold: got -1"):
        breakeven_decline(deal, -1)
    with pytest.raises(InputError, match=r"years: got 2.05"):
        deflated_rent(2.0, 0.3, 2.05)
    with pytest.raises(InputError, match=r"target_dscr: got 0"):
        sculpted_debt_capacity([1.0], 0.01, 0)


money_scale = st.floats(0.01, 100.0)  # power_price 0.08 x scale within its 10 USD/kWh bound
declines = st.floats(0.0, 0.95)


def _deal(**changes: Any) -> Any:
    return load_deal({**BASE_DEAL, "contracted_share": 0.5, "contract_years": 2,
                      "contract_rate": 2.5, "opex_per_gpu_year": 500.0, **changes})  # fmt: skip


@given(scale=money_scale, decline=declines)
def test_scaling_all_money_leaves_dscr_unchanged(scale: float, decline: float) -> None:
    base = _deal()
    scaled = _deal(
        market_rate=2.0 * scale, contract_rate=2.5 * scale, power_price=0.08 * scale,
        opex_per_gpu_year=500.0 * scale, loan_amount=25e6 * scale,
    )  # fmt: skip
    assert min_dscr(scaled, decline) == pytest.approx(min_dscr(base, decline), rel=1e-9)


@given(low=declines, high=declines, amortization=st.sampled_from(["annuity", "linear", "sculpted"]))
def test_faster_decline_never_raises_min_dscr(low: float, high: float, amortization: str) -> None:
    low, high = sorted((low, high))
    deal = _deal(amortization=amortization)
    assert min_dscr(deal, high) <= min_dscr(deal, low) + 1e-12


@given(short=st.floats(0.0, 5.0), extra=st.floats(0.0, 5.0), decline=declines)
def test_longer_rich_contract_never_lowers_min_dscr(
    short: float, extra: float, decline: float
) -> None:
    # Contract rate 4 USD is above the market rent (2 USD, falling) and the hourly power cost.
    a = _deal(contract_years=short, contract_rate=4.0)
    b = _deal(contract_years=short + extra, contract_rate=4.0)
    assert min_dscr(b, decline) >= min_dscr(a, decline) - 1e-12


@given(decline=declines)
def test_llcr_is_pv_of_cfads_over_loan(decline: float) -> None:
    deal = _deal()
    cfads = dscr_schedule(deal, decline)["cfads"].to_numpy()
    i = deal.interest_rate / 12
    pv = sum(c / (1 + i) ** (k + 1) for k, c in enumerate(cfads))
    assert llcr(deal, decline) == pytest.approx(pv / 25e6, rel=1e-12)
    assert math.isfinite(llcr(deal, decline))
