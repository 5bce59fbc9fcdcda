"""Excel functions of GPU Credit Desk (the only module, with its helpers, that imports xlwings).

One module serves classic xlwings on Windows (BSD licence) and xlwings Lite (free for
commercial use); it uses no xlwings PRO code. Each function names its arguments once, in
its ``def``; :func:`~addin.excel.udf.udf` registers it with xlwings, converts and checks
every argument against the parameter catalogue (:mod:`addin.model.params`), and turns
errors into one line in the cell. The body calls the pure analytics and shapes the result
as a 2-D list.

Rules every function here follows:

* Arguments are unannotated: xlwings reads annotations as converters, and the conversion
  is done by ``@udf`` so that every wrong input gets a clear message.
* Optional arguments default to None, and an empty cell means "use the default".
* A wrong input never shows a traceback. Under classic xlwings the cell shows one line,
  ``#VALUE! <argument>: <what is wrong>``; under xlwings Lite the function raises, so
  Excel shows #VALUE! with the same message on hover. An unexpected error is logged with
  its traceback (see :mod:`addin.log`) and the cell names the log.
"""

from __future__ import annotations

import math

import numpy as np

from addin.analytics.cashflow import deflated_rent
from addin.analytics.collateral import economic_life, residual_curve, residual_value
from addin.analytics.credit import (
    conditional_pd,
    default_correlation,
    irb_risk_weight,
    joint_default_probability,
    miner_stress_pd,
    tail_dependence,
    worst_case_default_rate,
)
from addin.analytics.debt import period_dates, sculpted_debt_capacity
from addin.analytics.dscr import (
    avg_dscr,
    breakeven_decline,
    dscr_schedule,
    first_breach,
    first_events,
    llcr,
    min_dscr,
)
from addin.analytics.liquidation import liquidation_value
from addin.analytics.ltv import duration_mismatch, ltv_schedule, underwater_period
from addin.analytics.portfolio import (
    loss_distribution,
    portfolio_es,
    portfolio_expected_loss,
    portfolio_var,
    tranche_expected_loss,
)
from addin.excel.caps import CELLS, EXCEL_SETTINGS, FAIR_MARGIN_WORK, SIMULATION_WORK
from addin.excel.convert import cell_of, number, ranges_alike, table
from addin.excel.udf import IN_LITE as IN_LITE
from addin.excel.udf import excel_errors as excel_errors
from addin.excel.udf import udf
from addin.model.catalog import gpu_catalog, gpu_spec
from addin.model.deal import Deal
from addin.model.params import param
from addin.sim.engine import FAN_PERCENTILES, MARGIN_GRID, DealRisk, deal_risk, fair_margin
from addin.sim.scenarios import SCENARIOS, ScenarioResult, run_scenario
from addin.version import VERSION

#: An empty annual_decline keeps the deal's own.
DEAL_DECLINE = {"annual_decline": "the deal's annual_decline"}
#: Per-obligor arguments: one cell for all obligors, or a row or column, one per obligor.
OBLIGORS = ("pds", "exposures", "lgds", "rho")
#: The path engine's seed: an empty cell is 0, so a sheet shows the same numbers on every
#: recalculation.
SEED = param("seed").defaulting(0)
#: The probability of each event of DEAL_BREACH_PROB: the DealRisk attribute that holds it.
EVENT_PROBABILITIES = {
    "default": "lifetime_pd",
    "payment default": "payment_default_prob",
    "covenant default": "covenant_default_prob",
    "ltv breach": "ltv_breach_prob",
    "lock-up": "lockup_prob",
}

# ---- DSCR family ---------------------------------------------------------------------


@udf(empty=DEAL_DECLINE)
def DSCR_TABLE(deal, annual_decline=None):
    """Period schedule with a header row: rent, revenue, power, opex, CFADS, interest, principal, debt service, balance (USD), DSCR (x), then DSRA, sweep, trapped cash, distributions, arrears, covenant DSCR, LTV and events. =DSCR_TABLE(Deal, 0.30)"""
    return table(dscr_schedule(deal, annual_decline))


@udf(empty=DEAL_DECLINE)
def DSCR_COVENANTS(deal, annual_decline=None):
    """First period and payment date of each waterfall event: payment default, covenant default, LTV default, LTV breach, lock-up; "none" if it never happens. =DSCR_COVENANTS(Deal, 0.30)"""
    rows: list[list[object]] = [["event", "period", "date"]]
    for name, (period, date) in first_events(deal, annual_decline).items():
        rows.append([name, "none", ""] if period is None else [name, period, cell_of(date)])
    return rows


@udf(empty=DEAL_DECLINE)
def DSCR_MIN(deal, annual_decline=None):
    """Minimum debt service coverage (CFADS / debt service, x) over the loan's life when rents deflate. =DSCR_MIN(Deal, 0.30)"""
    return cell_of(min_dscr(deal, annual_decline))


@udf(empty=DEAL_DECLINE)
def DSCR_AVG(deal, annual_decline=None):
    """Average DSCR (x) over the periods with debt service when rents deflate. =DSCR_AVG(Deal, 0.30)"""
    return cell_of(avg_dscr(deal, annual_decline))


@udf(empty=DEAL_DECLINE)
def DSCR_LLCR(deal, annual_decline=None):
    """Loan life coverage ratio (x): CFADS over the loan's life discounted at the loan rate, divided by the loan. =DSCR_LLCR(Deal, 0.30)"""
    return cell_of(llcr(deal, annual_decline))


@udf()
def DSCR_BREAKEVEN_DECLINE(deal, threshold=None):
    """Largest yearly rent decline (decimal, 0 to 0.99) at which the minimum DSCR still meets the threshold; "none" if 0% already breaches. =DSCR_BREAKEVEN_DECLINE(Deal, 1)"""
    result = breakeven_decline(deal, threshold)
    return "none" if result is None else result


@udf(empty={**DEAL_DECLINE, "threshold": "the deal's lockup_dscr"})
def DSCR_FIRST_BREACH(deal, threshold=None, annual_decline=None):
    """First period whose DSCR is below the threshold, and its payment date (empty without a start_date); "none" if no period breaches. =DSCR_FIRST_BREACH(Deal, 1.2, 0.30)"""
    level = deal.lockup_dscr if threshold is None else threshold
    found = first_breach(deal, level, annual_decline)
    if found is None:
        return [["none", ""]]
    return [[found[0], cell_of(found[1])]]


@udf()
def DSCR_RENT_CURVE(start_rate, annual_decline, years, periods_per_year=None, floor=None):
    """Average market rent of each period (USD per GPU-hour) when rents deflate: the mean of max(floor, rate x (1 - decline)^t) over the period, with a header row. =DSCR_RENT_CURVE(2, 0.30, 5, 12)"""
    rents = deflated_rent(start_rate, annual_decline, years, periods_per_year, floor)
    periods = np.arange(1, rents.size + 1)
    return [["period", "year", "market_rate"]] + [
        [int(k), (k - 1) / periods_per_year, float(r)] for k, r in zip(periods, rents, strict=True)
    ]


@udf(columns=("cfads",))
def DSCR_DEBT_CAPACITY(cfads, rate_per_period, target_dscr):
    """Largest loan (USD) whose sculpted debt service keeps every period's DSCR at the target: sum of max(CFADS, 0) / target / (1 + i)^k. =DSCR_DEBT_CAPACITY(B2:B61, 0.0075, 1.3)"""
    return sculpted_debt_capacity(cfads, rate_per_period, target_dscr)


@udf(ranges=("cfads", "debt_service"))
def DSCR(cfads, debt_service):
    """Debt service coverage per period, CFADS / debt service (x), in the shape of cfads; empty where debt service is 0. =DSCR(B2:B61, C2:C61)"""
    cfads, debt_service = ranges_alike(("cfads", cfads), ("debt_service", debt_service), CELLS)
    flow, service = param("cfads"), param("debt_service")
    out = []
    for r, (row_f, row_s) in enumerate(zip(cfads, debt_service, strict=True)):
        out_row = []
        for c, (f, s) in enumerate(zip(row_f, row_s, strict=True)):
            cf = number(flow, f, f"cfads row {r + 1} col {c + 1}")
            ds = number(service, s, f"debt_service row {r + 1} col {c + 1}")
            out_row.append(cf / ds if ds > 0 else "")
        out.append(out_row)
    return out


# ---- Collateral family ---------------------------------------------------------------


@udf()
def GPU_SPEC(model, field):
    """One figure of a GPU model from the catalog, in the field's unit (USD, W, kW, GB, dense TFLOP/s) or as text. Sources and estimates: addin/model/data/SOURCES.md. =GPU_SPEC("H100 SXM", "launch_price_usd")"""
    return cell_of(gpu_spec(model, field))


@udf()
def GPU_MODELS():
    """The GPU catalog with a header row: one row per model with launch price (USD), power (W, kW), memory (GB), dense TFLOP/s, cooling, rack kW, successor and sources. =GPU_MODELS()"""
    return table(gpu_catalog())


@udf()
def GPU_RESIDUAL(deal_or_model, age_years, method=None):
    """Value of one GPU at an age, USD: book (straight line), market (price decline and generation steps) or economic (PV of rent net of power). =GPU_RESIDUAL("H100 SXM", 3.5, "market")"""
    return residual_value(deal_or_model, age_years, method)


@udf(years=param("curve_years"), empty={"years": "the deal's useful_life_years"})
def GPU_RESIDUAL_CURVE(deal, years=None):
    """Book, market and economic value of one GPU (USD) by age, from the deal's gpu_age_years, one row per period, with a header row. =GPU_RESIDUAL_CURVE(Deal, 6)"""
    return table(residual_curve(deal, years))


@udf()
def GPU_ECONOMIC_LIFE(
    rent, annual_decline, kw, pue, power_price, utilization=None, opex_per_gpu_year=None
):
    """Years until the deflating rent no longer covers the GPU's power and opex: ln(c / (rent x u)) / ln(1 - decline); 0 if it does not today, at most 15. Idle hours draw 25% power. =GPU_ECONOMIC_LIFE(2, 0.30, 1.275, 1.3, 0.08, , 4000)"""
    return economic_life(
        rent, annual_decline, kw, pue, power_price, utilization, opex_per_gpu_year=opex_per_gpu_year
    )


@udf()
def GPU_LIQUIDATION(
    units,
    unit_value,
    market_absorption,
    hardware_decline=None,
    impact=None,
    max_months=None,
    price_vol=None,
    permanent_impact=None,
    repossession_months=None,
    remarketing_cost=None,
):
    """Fire sale by the square-root law (impact Y x monthly vol x sqrt(sales / monthly volume)), after repossession, less remarketing; no discounting or carry: net proceeds (USD), recovery, sale months, with a header. =GPU_LIQUIDATION(10000, 18048, 2000)"""
    sale = liquidation_value(
        units,
        unit_value,
        market_absorption,
        hardware_decline,
        impact,
        max_months=max_months,
        price_vol=price_vol,
        permanent_impact=permanent_impact,
        repossession_months=repossession_months,
        remarketing_cost=remarketing_cost,
    )
    return [["net_proceeds", "recovery", "months"], [sale.net_proceeds, sale.recovery, sale.months]]


@udf()
def LTV_TABLE(deal):
    """Per period from close: loan balance, fleet book, market, economic and fire-sale values (USD) and LTV against each (decimal; empty where a value is 0), with a header row. =LTV_TABLE(Deal)"""
    return table(ltv_schedule(deal))


@udf()
def LTV_UNDERWATER(deal):
    """First period (0 = at close) whose loan balance exceeds the fleet's fire-sale value, and its date (empty without a start_date); "none" if never. =LTV_UNDERWATER(Deal)"""
    found = underwater_period(deal)
    if found is None:
        return [["none", ""]]
    return [[found[0], cell_of(found[1])]]


@udf()
def LTV_DURATION_MISMATCH(deal):
    """Loan weighted average life (years, principal-weighted) against the GPUs' half-life and economic life (years) and their ratios (x; above 1 the loan outlives the asset), as a row with a header. =LTV_DURATION_MISMATCH(Deal)"""
    m = duration_mismatch(deal)
    header = [
        "wal_years",
        "half_life_years",
        "economic_life_years",
        "wal_to_half_life",
        "wal_to_economic_life",
    ]
    values = [
        m.wal_years,
        m.half_life_years,
        m.economic_life_years,
        m.wal_to_half_life,
        m.wal_to_economic_life,
    ]
    return [header, [cell_of(v) for v in values]]


# ---- Add-in family -------------------------------------------------------------------


@udf()
def ADDIN_VERSION():
    """Version of the GPU Credit Desk add-in that computes this workbook, e.g. 0.1.0 (the same in classic xlwings and xlwings Lite). =ADDIN_VERSION()"""
    return VERSION


# ---- Correlated default family -------------------------------------------------------


@udf()
def DEFAULT_JOINT(pd1, pd2, rho, copula=None, dof=None):
    """Probability that both obligors default (decimal) under a Gaussian or Student-t copula. =DEFAULT_JOINT(0.02, 0.05, 0.30, "t", 4)"""
    return joint_default_probability(pd1, pd2, rho, copula, dof)


@udf()
def DEFAULT_CORR(pd1, pd2, rho, copula=None, dof=None):
    """Correlation of the two default events (decimal): (P(both) - pd1 pd2) / sqrt(pd1 (1 - pd1) pd2 (1 - pd2)). =DEFAULT_CORR(0.02, 0.05, 0.30)"""
    return default_correlation(pd1, pd2, rho, copula, dof)


@udf()
def DEFAULT_CONDITIONAL_PD(pd, rho, factor):
    """Default probability given the common factor, one-factor Gaussian: N((N^-1(pd) - sqrt(rho) factor) / sqrt(1 - rho)). =DEFAULT_CONDITIONAL_PD(0.02, 0.20, -2)"""
    return conditional_pd(pd, rho, factor)


@udf()
def DEFAULT_WCDR(pd, rho, confidence=None):
    """Vasicek worst-case default rate (decimal): the default rate of a large portfolio not exceeded with the confidence. =DEFAULT_WCDR(0.02, 0.10, 0.999)"""
    return worst_case_default_rate(pd, rho, confidence)


@udf()
def DEFAULT_TAIL_DEP(rho, dof):
    """Tail dependence of the t copula (decimal): the limit of P(one defaults | the other does) for rare defaults; 0 for the Gaussian copula. =DEFAULT_TAIL_DEP(0.5, 4)"""
    return tail_dependence(rho, dof)


@udf(columns=OBLIGORS)
def PORTFOLIO_LOSS_DIST(pds, exposures, lgds, rho, copula=None, dof=None):
    """Exact portfolio loss distribution: loss (USD), probability and cumulative, one row per grid point, with a header row. With exposures and LGDs of 1 the losses are default counts. =PORTFOLIO_LOSS_DIST(PDs, EADs, LGDs, 0.2)"""
    return table(loss_distribution(pds, exposures, lgds, rho, copula, dof, EXCEL_SETTINGS))


@udf(columns=OBLIGORS[:3])
def PORTFOLIO_EL(pds, exposures, lgds):
    """Expected portfolio loss, USD: sum of PD x exposure x LGD (the same for any correlation). =PORTFOLIO_EL(PDs, EADs, LGDs)"""
    return portfolio_expected_loss(pds, exposures, lgds)


@udf(columns=OBLIGORS)
def PORTFOLIO_VAR(confidence, pds, exposures, lgds, rho, copula=None, dof=None):
    """Value at risk of the portfolio loss, USD: the smallest loss not exceeded with the confidence (gross, not net of expected loss). =PORTFOLIO_VAR(0.999, PDs, EADs, LGDs, 0.2)"""
    return portfolio_var(confidence, pds, exposures, lgds, rho, copula, dof, EXCEL_SETTINGS)


@udf(columns=OBLIGORS)
def PORTFOLIO_ES(confidence, pds, exposures, lgds, rho, copula=None, dof=None):
    """Expected shortfall of the portfolio loss, USD: the mean loss in the worst (1 - confidence) of outcomes. =PORTFOLIO_ES(0.999, PDs, EADs, LGDs, 0.2)"""
    return portfolio_es(confidence, pds, exposures, lgds, rho, copula, dof, EXCEL_SETTINGS)


@udf(columns=OBLIGORS)
def TRANCHE_EL(attach, detach, pds, exposures, lgds, rho, copula=None, dof=None):
    """Expected loss of the tranche [attach, detach] as a fraction of its notional (decimal). =TRANCHE_EL(0.03, 0.07, PDs, EADs, LGDs, 0.2)"""
    return tranche_expected_loss(
        attach, detach, pds, exposures, lgds, rho, copula, dof, EXCEL_SETTINGS
    )


@udf(
    factor_corr=param("factor_corr").defaulting(0.0),
    btc_vol=param("stress_btc_vol"),
    rent_vol=param("stress_rent_vol"),
)
def MINER_STRESS_PD(
    pd,
    crypto_loading,
    compute_loading,
    btc_drawdown,
    rent_decline,
    horizon_years,
    btc_vol,
    rent_vol,
    expected_decline,
    factor_corr=None,
):
    """PD of a miner or neocloud given a BTC drawdown and a GPU rent decline, two-factor model (decimal). =MINER_STRESS_PD(0.03, 0.5, 0.3, 0.5, 0.6, 1, 0.45, 0.25, 0.30)"""
    return miner_stress_pd(
        pd,
        crypto_loading,
        compute_loading,
        btc_drawdown,
        rent_decline,
        horizon_years,
        btc_vol,
        rent_vol,
        expected_decline,
        factor_corr,
    )


@udf(pd=param("irb_pd"))
def IRB_RISK_WEIGHT(pd, lgd, maturity=None):
    """Basel IRB corporate risk weight, decimal (0.92 = 92%): 12.5 K with the Basel correlation and maturity adjustment, PD floored at 0.05%, no 1.06 scaling, no SME adjustment. =IRB_RISK_WEIGHT(0.01, 0.45, 2.5)"""
    return irb_risk_weight(pd, lgd, maturity)


# ---- Credit risk family: the deal's own simulated paths (addin.sim) -----------------------


def _simulated(deal: Deal, paths: int, seed: int) -> DealRisk:
    """The deal's risk from ``paths`` paths, within the simulation work cap of a cell.

    The engine keeps the last results by (deal, paths, seed), so the functions of this
    family on one deal simulate it once.
    """
    SIMULATION_WORK.check(
        "paths", paths * deal.periods, f"{paths:,} paths x {deal.periods} periods"
    )
    return deal_risk(deal, paths, seed)


@udf(empty={"years": "the loan's tenor (the lifetime PD)"}, years=param("pd_years"), seed=SEED)
def DEAL_PD(deal, years=None, paths=None, seed=None):
    """Probability (decimal) that the loan defaults (payment, covenant or uncured LTV default) within the years from the start, over paths of the deal's cash flows through its waterfall. =DEAL_PD(Deal, 3)"""
    risk = _simulated(deal, paths, seed)
    return risk.lifetime_pd if years is None else risk.pd_by(years)[0]


@udf(seed=SEED)
def DEAL_LGD(deal, paths=None, seed=None):
    """Mean loss given default (decimal) over the paths that default: 1 - (fire sale of the fleet at the path's value + DSRA + trapped cash) / EAD; "none" if no path defaults. =DEAL_LGD(Deal)"""
    lgd = _simulated(deal, paths, seed).lgd_mean
    return "none" if math.isnan(lgd) else lgd


@udf(seed=SEED)
def DEAL_EL(deal, paths=None, seed=None):
    """Expected loss, USD: the mean over the paths of EAD x LGD at the default (0 on a path that does not default). =DEAL_EL(Deal)"""
    return _simulated(deal, paths, seed).expected_loss


@udf(seed=SEED)
def DEAL_RATING(deal, paths=None, seed=None):
    """S&P-equivalent rating of the lifetime PD at the loan's tenor: the best rating whose average cumulative default rate (S&P 1981-2024) at that horizon is at least the PD. =DEAL_RATING(Deal)"""
    return _simulated(deal, paths, seed).rating


@udf(seed=SEED)
def DEAL_FAIR_MARGIN(deal, paths=None, seed=None):
    """Margin over the base rate (decimal per year) at which the lender's expected discounted receipts (debt service until default, then recovery) equal the loan; "above 64%" if none up to 64% pays. =DEAL_FAIR_MARGIN(Deal)"""
    FAIR_MARGIN_WORK.check(
        "paths", paths * deal.periods, f"{paths:,} paths x {deal.periods} periods"
    )
    fair = fair_margin(deal, paths, seed).fair
    return f"above {MARGIN_GRID[-1]:.0%}" if math.isinf(fair) else fair


@udf(seed=SEED)
def DEAL_RISK_TABLE(deal, paths=None, seed=None):
    """By year from the start, with a header row: the cumulative PD by the year's end, its Monte Carlo standard error and the marginal PD within the year (decimals). =DEAL_RISK_TABLE(Deal)"""
    risk = _simulated(deal, paths, seed)
    rows: list[list[object]] = [["year", "cumulative_pd", "cumulative_pd_se", "marginal_pd"]]
    for year, pd, se, marginal in zip(
        risk.years, risk.cumulative_pd, risk.cumulative_pd_se, risk.marginal_pd, strict=True
    ):
        rows.append([int(year), cell_of(pd), cell_of(se), cell_of(marginal)])
    return rows


def _fan(deal: Deal, fan: np.ndarray) -> list[list[object]]:
    """A fan (percentiles x periods) as a table: period, date (with a start_date), percentiles."""
    dates = period_dates(deal)
    header: list[object] = ["period", *(["date"] if dates else [])]
    rows: list[list[object]] = [header + [f"p{q}" for q in FAN_PERCENTILES]]
    for k in range(fan.shape[1]):
        row: list[object] = [k + 1, *([cell_of(dates[k])] if dates else [])]
        rows.append(row + [cell_of(float(v)) for v in fan[:, k]])
    return rows


@udf(seed=SEED)
def DSCR_FAN(deal, paths=None, seed=None):
    """Percentiles 5, 25, 50, 75 and 95 of each period's DSCR (x) over the simulated paths, one row per period, with a header; empty where no debt service is due. =DSCR_FAN(Deal)"""
    return _fan(deal, _simulated(deal, paths, seed).dscr_fan)


@udf(seed=SEED)
def LTV_FAN(deal, paths=None, seed=None):
    """Percentiles 5, 25, 50, 75 and 95 of each period's LTV (balance / fleet market value on the path, decimal) over the simulated paths, one row per period, with a header. =LTV_FAN(Deal)"""
    return _fan(deal, _simulated(deal, paths, seed).ltv_fan)


@udf(seed=SEED)
def DEAL_BREACH_PROB(deal, event=None, paths=None, seed=None):
    """Probability (decimal) that the event happens at least once over the loan's life on the simulated paths: any default (the lifetime PD), payment default, covenant default, LTV breach or lock-up. =DEAL_BREACH_PROB(Deal, "lock-up")"""
    risk = _simulated(deal, paths, seed)
    return float(getattr(risk, EVENT_PROBABILITIES[event]))


def _scenario_row(result: ScenarioResult) -> list[object]:
    period = result.first_default_period
    return [
        result.name,
        result.description,
        cell_of(result.min_dscr),
        "none" if period is None else period,
        result.first_default_event,
        result.loss,
        result.lgd,
    ]


@udf()
def DEAL_SCENARIO(deal, scenario=None):
    """A named stress run through the deal's waterfall as one path: min DSCR (x), first default period ("none" if none) and event, loss (USD) and LGD; with a header, one row per scenario when empty. =DEAL_SCENARIO(Deal, "BTC -77%")"""
    header = ["scenario", "description", "min_dscr", "first_default_period",
              "first_default_event", "loss", "lgd"]  # fmt: skip
    names = list(SCENARIOS) if scenario is None else [scenario]
    return [header, *(_scenario_row(run_scenario(deal, name)) for name in names)]
