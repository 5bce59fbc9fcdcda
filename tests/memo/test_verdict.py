"""Issue 14: one verdict, flags that agree with it, one PD, the Risk sheet, stress that informs.

Reference values are the engines' own, called independently of the memo: the path engine
(:func:`addin.sim.engine.deal_risk`, :func:`~addin.sim.engine.fair_margin`,
:func:`~addin.sim.scenarios.run_scenario`), the DSCR engine (:mod:`addin.analytics.dscr`)
and the rating table (:func:`addin.analytics.rating.rating_default_rates`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import numpy as np
import openpyxl
import pytest

from addin.analytics.dscr import dscr_schedule, min_dscr, min_llcr
from addin.analytics.rating import rating_default_rates
from addin.analytics.waterfall import PAYMENT_DEFAULT
from addin.io.deal_files import read_deal
from addin.memo import MemoData, analyse, build_workbook
from addin.memo.flags import DECISIONS, Evidence, mismatch_flag, verdict
from addin.memo.results import (
    BTC_DRAWDOWNS,
    MEMO_PATHS,
    MEMO_SEED,
    STRESS_DECLINES,
    contract_tenors,
)
from addin.memo.summary import inputs_at
from addin.model.deal import load_deal
from addin.sim.engine import deal_risk, fair_margin, flows_on, run_waterfall
from addin.sim.scenarios import SCENARIOS, run_scenario, scenario_factors
from tests.deals import EXAMPLES
from tests.memo.deals import VARIANTS, variant

NEOCLOUD = EXAMPLES / "neocloud_h100.toml"
MINER = EXAMPLES / "miner_spot_h100.toml"
# A sound deal (illustrative): fully contracted over its tenor, a small loan, a deep market.
SOUND = {
    "name": "Sound",
    "gpus": 1000,
    "market_rate": 2.5,
    "contracted_share": 1.0,
    "contract_rate": 2.6,
    "contract_years": 3,
    "loan_amount": 8e6,
    "interest_rate": 0.10,
    "tenor_years": 3,
    "annual_decline": 0.2,
    "market_absorption": 3000,
    "unit_cost": 25000,
    "start_date": "2026-01-01",
}


@pytest.fixture(scope="module")
def neocloud() -> MemoData:
    return analyse(read_deal(NEOCLOUD))


@pytest.fixture(scope="module")
def miner() -> MemoData:
    return analyse(read_deal(MINER))


@pytest.fixture(scope="module")
def neocloud_book(neocloud: MemoData) -> openpyxl.Workbook:
    return build_workbook(neocloud, source="neocloud_h100.toml")


def _labelled(ws: Any, column: int = 1) -> dict[str, int]:
    """Row of each text label in a column (the first one wins)."""
    found: dict[str, int] = {}
    for row in range(1, ws.max_row + 1):
        value = ws.cell(row=row, column=column).value
        if isinstance(value, str) and value not in found:
            found[value] = row
    return found


def test_the_example_neocloud_is_declined_for_its_projected_default(neocloud: MemoData) -> None:
    deal, v = neocloud.deal, neocloud.verdict
    assert (v.status, v.decision) == ("red", "DECLINE as structured")
    # the engine's base case: payment default in month 37, the first after the contract
    # (3 years x 12 = 36 months); the first negative CFADS of the schedule is month 37 too
    schedule = dscr_schedule(deal)
    first_negative = int(schedule["period"][schedule["cfads"] < 0].iloc[0])
    assert neocloud.base.default == (37, "payment default")
    assert first_negative == 37
    assert v.reasons[0] == (
        "contract expires in month 36 (2029-01-01); spot rent falls below cash cost "
        "(CFADS < 0) in month 37: payment default in month 37 (2029-02-01)"
    )
    sale = neocloud.collateral.liquidation
    assert sale is not None
    assert sale.underwater is not None
    assert sale.underwater[0] == 0
    assert v.reasons[1].startswith("fleet fire-sale value (USD 78.9M) below the loan")
    assert len(v.reasons) == 3
    ws = build_workbook(neocloud)["Summary"]
    assert ws["B4"].value == "DECLINE as structured"
    assert ws["A8"].value == "1. " + v.reasons[0]


def test_the_miner_verdict_names_its_btc_treasury(miner: MemoData) -> None:
    v = miner.verdict
    assert v.status == "red"
    # the treasury (USD 6M, illustrative) left after BTC -77%: 6 x 0.23 = 1.38; it pays the
    # debt service until quarter 11 with BTC flat, until 8 after the fall (the BTC grid)
    assert (
        "BTC treasury (USD 6.00M) falls with BTC: USD 1.38M after BTC -77%; debt service then "
        "goes unpaid from quarter 8, not quarter 11"
    ) in v.reasons


@pytest.fixture(scope="module")
def every_memo() -> dict[str, MemoData]:
    deals = {path.stem: read_deal(path) for path in sorted(EXAMPLES.glob("*.toml"))}
    deals.update({name: load_deal(variant(name)) for name in VARIANTS})
    deals["sound"] = load_deal(SOUND)
    return {name: analyse(deal) for name, deal in deals.items()}


def test_no_flag_is_green_where_a_default_is_projected(every_memo: dict[str, MemoData]) -> None:
    projected = 0
    for name, data in every_memo.items():
        if data.base.default is None:
            continue
        projected += 1
        assert data.verdict.status == "red", name
        greens = [flag.metric for flag in data.flags if flag.status == "green"]
        assert greens == [], name
    assert projected >= 2  # both examples at least


def test_llcr_flag_grades_the_minimum_llcr(neocloud: MemoData) -> None:
    deal = neocloud.deal
    flag = next(f for f in neocloud.flags if f.metric == "Min LLCR (loan life)")
    lowest = min_llcr(deal)  # -0.46x: the last month, after the contract's cliff
    assert flag.value == f"{lowest:.2f}x"
    assert flag.status == "red"
    assert neocloud.summary.llcr > deal.lockup_dscr  # the LLCR at close alone would be green


def test_a_sound_deal_is_approved_and_says_why() -> None:
    data = analyse(load_deal(SOUND))
    assert data.base.default is None
    assert {flag.status for flag in data.flags} == {"green"}
    assert data.verdict.decision == "APPROVE"
    assert data.verdict.reasons[0].startswith("no default on the deal's own assumptions")


def _evidence(**changes: Any) -> Evidence:
    sound = Evidence(
        periods_per_year=12,
        periods=36,
        dates=None,
        default=None,
        warning=None,
        contract_end=None,
        first_negative_cfads=None,
        first_below_one=None,
        first_below_default=None,
        default_dscr=1.05,
        annual_decline=0.2,
        breakeven=0.5,
        min_dscr=2.0,
        loan=1e7,
        fire_sale_close=2e7,
        ltv_close_liquidation=0.5,
        underwater=None,
        btc_holdings=0.0,
        mining_share=0.0,
        btc_drawdown=0.77,
        btc_unpaid=None,
        lifetime_pd=0.01,
        rating="BBB",
        category="Strong",
        horizon_years=3.0,
        fair=0.01,
        actual=0.03,
        worst_scenario=None,
        wal_to_half_life=0.5,
    )
    return dataclasses.replace(sound, **changes)


@pytest.mark.parametrize(
    ("changes", "simulated", "flags", "status", "rule"),
    [
        ({}, True, (), "green", "every flag green"),
        ({"rating": "CCC/C", "category": "Weak"}, True, (), "red", "rates CCC/C"),
        ({"fair": math.inf}, True, (), "red", "no margin up to 64% pays"),
        ({}, True, (mismatch_flag(1.2),), "amber", "subject to the flags"),
        ({}, False, (), "amber", "not simulated"),
        ({"default": (5, "covenant default")}, True, (), "red", "covenant default in month 5"),
    ],
)
def test_verdict_rules(
    changes: dict[str, Any], simulated: bool, flags: tuple[Any, ...], status: str, rule: str
) -> None:
    # the rules of addin/memo/flags.py (and docs/memo.md), one at a time
    v = verdict(flags, _evidence(**changes), simulated)
    assert (v.status, v.decision) == (status, DECISIONS[status])
    assert rule in v.rule
    if flags:
        assert v.conditions == ("Duration mismatch (WAL / half-life)",)


def test_the_memo_shows_one_pd_from_the_paths(neocloud: MemoData) -> None:
    deal = neocloud.deal
    risk = deal_risk(deal, MEMO_PATHS, MEMO_SEED)  # the engine, called on its own
    assert neocloud.risk is not None
    assert neocloud.risk.lifetime_pd == risk.lifetime_pd
    assert neocloud.risk.expected_loss == risk.expected_loss
    margin = fair_margin(deal, MEMO_PATHS, MEMO_SEED)
    assert neocloud.pricing == margin
    ws = build_workbook(neocloud)["Credit"]
    rows = _labelled(ws)
    assert ws.cell(row=rows["Lifetime PD (5 years)"], column=2).value == risk.lifetime_pd
    assert ws.cell(row=rows["Expected loss USD"], column=2).value == risk.expected_loss
    assert ws.cell(row=rows["LGD (mean of defaulting paths)"], column=2).value == risk.lgd_mean
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "One-year PD" not in texts  # the typed-in PD of the deal file is gone
    assert "portfolio tools" in texts
    assert not any(
        c.value == deal.pd for row in ws.iter_rows() for c in row if isinstance(c.value, float)
    )
    summary = build_workbook(neocloud)["Summary"]
    assert [summary.cell(row=6, column=j).value for j in range(1, 5)] == [
        risk.rating,
        risk.lifetime_pd,
        risk.lifetime_pd_se,
        risk.lgd_mean,
    ]


def test_risk_sheet_holds_deal_risk(neocloud: MemoData, neocloud_book: openpyxl.Workbook) -> None:
    deal = neocloud.deal
    risk = deal_risk(deal, MEMO_PATHS, MEMO_SEED)
    ws = neocloud_book["Risk"]
    rows = _labelled(ws)
    for label, expected in [
        ("Lifetime PD (5 years)", risk.lifetime_pd),
        ("PD standard error", risk.lifetime_pd_se),
        ("LGD (mean of defaulting paths)", risk.lgd_mean),
        ("Expected loss USD", risk.expected_loss),
        ("EL standard error USD", risk.expected_loss_se),
        ("EL / loan", risk.expected_loss_share),
        ("Unexpected loss USD (sd)", risk.unexpected_loss),
    ]:
        assert ws.cell(row=rows[label], column=3).value == expected, label
    events = _labelled(ws, 6)
    for label, expected in [
        ("Lock-up at least once", risk.lockup_prob),
        ("Covenant default", risk.covenant_default_prob),
        ("LTV breach", risk.ltv_breach_prob),
        ("Payment default", risk.payment_default_prob),
    ]:
        assert ws.cell(row=events[label], column=9).value == expected, label
    assert [ws.cell(row=12, column=6 + j).value for j in range(5)] == list(risk.lgd_percentiles)
    top = rows["Year"]
    term = [[ws.cell(row=top + 1 + k, column=j).value for j in range(1, 5)] for k in range(5)]
    np.testing.assert_array_equal(
        np.array(term, dtype=float),
        np.column_stack((risk.years, risk.cumulative_pd, risk.cumulative_pd_se, risk.marginal_pd)),
    )
    for name in SCENARIOS:
        hit = run_scenario(deal, name)
        row = rows[name]
        assert ws.cell(row=row, column=5).value == pytest.approx(hit.min_dscr, rel=1e-15)
        assert ws.cell(row=row, column=8).value == hit.loss
        assert ws.cell(row=row, column=9).value == hit.lgd
    rates = rating_default_rates(5.0)
    table = rows["Rating"]
    shown = {
        ws.cell(row=table + 1 + k, column=1).value: ws.cell(row=table + 1 + k, column=2).value
        for k in range(len(rates))
    }
    assert shown == rates
    assert ws.cell(row=table + 1 + list(rates).index(risk.rating), column=3).value.startswith("PD")
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "S&P Global Ratings" in texts
    assert "sp-2024-default-study" in texts
    # the fans: P5 and the median per period, as the DSCR fan of the engine
    fan = _labelled(ws, 12)
    head = fan["Period"]
    p5 = [ws.cell(row=head + 1 + k, column=13).value for k in range(deal.periods)]
    median = [ws.cell(row=head + 1 + k, column=17).value for k in range(deal.periods)]
    np.testing.assert_allclose(p5, risk.dscr_fan[0], rtol=1e-15)
    np.testing.assert_allclose(median, risk.dscr_fan[2], rtol=1e-15)
    assert len(ws._charts) == 2  # the DSCR and LTV fans


def test_stress_axes_without_effect_are_dropped_with_a_reason(miner: MemoData) -> None:
    dropped = {axis.driver: axis.reason for axis in miner.dropped}
    assert "no contract (contracted_share = 0)" in dropped["contract_years"]
    assert "no contract (contracted_share = 0)" in dropped["recontract_rate"]
    assert "fixed rate" in dropped["rate_shock"]
    assert miner.grid("contract_years") is None
    ws = build_workbook(miner)["Stress"]
    texts = [c.value for row in ws.iter_rows(max_col=1) for c in row if isinstance(c.value, str)]
    assert "contract tenor: " + dropped["contract_years"] in texts


def test_btc_axis_only_where_btc_reaches_the_cash_flows(
    neocloud: MemoData, miner: MemoData
) -> None:
    assert neocloud.grid("btc_drawdown") is None
    reason = next(a.reason for a in neocloud.dropped if a.driver == "btc_drawdown")
    assert "no mining revenue (mining_share = 0) and no BTC treasury" in reason
    grid = miner.grid("btc_drawdown")
    assert grid is not None
    assert grid.measure == "first payment default period"
    assert list(grid.values) == list(BTC_DRAWDOWNS)
    # the BTC -77% cell at the deal's decline: the named scenario's own factors through the
    # engine's waterfall, its first payment default read off the events
    deal = miner.deal
    run = run_waterfall(deal, flows_on(deal, scenario_factors(deal, "BTC -77%")))
    unpaid = np.flatnonzero(run["events"][0].astype(np.int64) & PAYMENT_DEFAULT)
    assert grid.at(annual_decline=0.30, value=0.77) == unpaid[0] + 1 == 8
    # the treasury (USD 6M) pays until quarter 11 with BTC flat, until 8 after BTC -77%
    assert grid.at(annual_decline=0.30, value=0.0) == 11
    assert miner.base.events["payment default"] == 11


def test_contract_axes_are_the_deal_rerun(neocloud: MemoData) -> None:
    deal = neocloud.deal
    tenor = neocloud.grid("contract_years")
    relet = neocloud.grid("recontract_rate")
    assert tenor is not None
    assert relet is not None
    assert list(tenor.values) == list(contract_tenors(deal)) == [0, 1, 2, 3, 4, 5]
    for years in (0.0, 3.0, 5.0):
        for decline in (0.0, 0.3, 0.6):
            expected = min_dscr(deal.replace(contract_years=years), decline)
            assert tenor.at(annual_decline=decline, value=years) == pytest.approx(
                expected, rel=1e-12
            )
    # a contract to maturity (5 years) never meets the spot cliff: no default at 30%
    assert tenor.at(annual_decline=0.3, value=5.0) > deal.default_dscr
    expected = min_dscr(deal.replace(recontract_rate=1.2), 0.3)
    assert relet.at(annual_decline=0.3, value=1.2) == pytest.approx(expected, rel=1e-12)
    assert [d for d in STRESS_DECLINES] == list(tenor.declines)


def test_charts_show_flat_rent_dscr_and_collateral_from_close(
    neocloud: MemoData, neocloud_book: openpyxl.Workbook
) -> None:
    ws = neocloud_book["Charts"]
    dscr_chart, collateral_chart = ws._charts
    titles = [s.tx.v for s in dscr_chart.series]
    assert titles == ["DSCR (30%/yr decline)", "DSCR (flat rent)", "Lock-up", "Default"]
    head = _labelled(ws, 12)["Period"]
    assert ws.cell(row=head + 1, column=12).value == 0  # the close
    table = neocloud.collateral.ltv
    assert ws.cell(row=head + 1, column=18).value == table["book_value"].iloc[0]
    assert ws.cell(row=head + 1, column=17).value == "=cf_loan"
    values = collateral_chart.series[0].val.numRef.f
    assert values.endswith(f"${head + 1}:$Q${head + 1 + neocloud.deal.periods}")


def test_stale_check_starts_clean(neocloud_book: openpyxl.Workbook, neocloud: MemoData) -> None:
    # each value at generation is exactly what the Inputs sheet holds (no false banner)
    book = neocloud_book
    sheet, ref = next(iter(book.defined_names["Deal"].destinations))
    inputs = {row[0].value: row[1].value for row in book[sheet][ref.replace("$", "")]}
    ws = book["Summary"]
    rows = _labelled(ws, 10)
    for key, value in inputs_at(neocloud.deal).items():
        then = ws.cell(row=rows[key], column=11).value
        shown = inputs[key]
        if isinstance(value, dt.date):  # a workbook holds dates as date-times
            assert then == shown == dt.datetime(value.year, value.month, value.day), key
        else:
            assert then == shown == value, key


def test_engine_only_figures_are_marked(neocloud_book: openpyxl.Workbook) -> None:
    ws = neocloud_book["Summary"]
    rules = [
        (str(cf.sqref), rule.formula)
        for cf in ws.conditional_formatting
        for rule in cf.rules
        if rule.formula
    ]
    stale = [ref for ref, formula in rules if formula == ["memo_stale_count>0"]]
    assert "A3:H3" in stale  # the banner
    shaded = " ".join(stale)
    for cell in ("B4", "A6", "B6", "G6", "A8"):  # verdict, rating, PD, fair margin, reason
        assert cell in shaded.split(), cell
    banner = ws["A3"].value
    assert banner.startswith("=IF(memo_stale_count=0,")
    assert "gpucredit memo neocloud_h100.toml --force" in banner


def test_deals_compare_equal_after_analysis(neocloud: MemoData) -> None:
    # the simulation is seeded: analysing again gives the same numbers
    again = analyse(neocloud.deal, generated=neocloud.generated)
    assert again.risk is not None
    assert neocloud.risk is not None
    assert again.risk.expected_loss == neocloud.risk.expected_loss
    np.testing.assert_array_equal(again.risk.dscr_fan, neocloud.risk.dscr_fan)
    assert again.verdict == neocloud.verdict


def test_a_loan_that_outlives_the_book_life_is_flagged_fully_depreciated() -> None:
    # 7 years of debt on GPUs depreciated straight to zero over 6 (the default useful life):
    # the book value at maturity is 0, so the book LTV is no ratio but "fully depreciated"
    deal = load_deal({**SOUND, "tenor_years": 7, "contract_years": 7})
    data = analyse(deal)
    assert data.collateral.ltv_maturity_book == math.inf
    flag = next(f for f in data.flags if f.metric == "LTV at maturity (book)")
    assert (flag.value, flag.status) == ("fully depreciated", "red")
    assert data.verdict.status == "amber"  # no default projected: approve with conditions
    assert "LTV at maturity (book)" in data.verdict.conditions
    ws = build_workbook(data)["Summary"]
    row = _labelled(ws)["LTV at maturity (book)"]
    assert '"fully depreciated"' in ws.cell(row=row, column=2).value  # a live formula
