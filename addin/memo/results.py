"""Every number a deal memo shows, as frozen typed results (no openpyxl here).

:func:`analyse` runs the DSCR, stress, collateral and path engines on one deal and returns
a :class:`MemoData` in one step; the sheet writers only lay those results out. The credit
numbers (PD, LGD, EL, rating, fair margin) all come from the deal's own simulated paths
(:func:`addin.sim.engine.deal_risk` at :data:`MEMO_PATHS` paths, seed :data:`MEMO_SEED`):
the memo shows one PD, one LGD and one EL. Scenario grids are read by value
(:meth:`StressGrid.at`), never by the position of a scenario in its axis.

Examples
--------
>>> from addin.model.deal import load_deal
>>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
...                   "interest_rate": 0.09, "tenor_years": 5})
>>> data = analyse(deal)
>>> f"{data.summary.min_dscr:.2f}x", data.verdict.decision
('0.23x', 'DECLINE as structured')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from addin.analytics.collateral import unit_cost
from addin.analytics.debt import Debt, debt_schedule, period_dates
from addin.analytics.dscr import (
    DscrSummary,
    breakeven_decline,
    dscr_schedule,
    dscr_summary,
    llcr,
    min_dscr,
    min_dscr_grid,
)
from addin.analytics.liquidation import Liquidation, liquidation_value, sale_terms
from addin.analytics.ltv import DurationMismatch, duration_mismatch, ltv_schedule, underwater_period
from addin.analytics.rating import Slotting, annual_pd
from addin.analytics.waterfall import (
    EVENT_NAMES,
    LOCKUP,
    LTV_BREACH,
    PAYMENT_DEFAULT,
    WaterfallTerms,
)
from addin.memo.flags import (
    Evidence,
    Flag,
    Verdict,
    book_flag,
    cap_flags,
    default_flag,
    dscr_flags,
    liquidation_flags,
    mismatch_flag,
    risk_flags,
    verdict,
)
from addin.model.deal import Deal
from addin.model.errors import InputError
from addin.model.types import FloatArray
from addin.sim.engine import (
    DEFAULT_PATHS,
    DEFAULTS,
    DealRisk,
    FairMargin,
    deal_risk,
    fair_margin,
    flows_on,
    run_waterfall,
)
from addin.sim.factors import Factors
from addin.sim.scenarios import (
    BASE_CASE,
    SCENARIOS,
    ScenarioResult,
    Shock,
    fall,
    run_scenario,
    shock_factors,
)
from addin.version import VERSION

STRESS_DECLINES = np.round(np.arange(0.0, 0.601, 0.05), 2)  # 0% to 60% a year
STRESS_UTILIZATIONS = np.round(np.arange(0.50, 1.001, 0.05), 2)
RECONTRACT_SHARES = np.round(np.arange(0.5, 1.201, 0.1), 2)  # re-let rent / market rent
RATE_SHOCKS = np.array([-0.01, 0.0, 0.01, 0.02, 0.03, 0.05])  # base rate, from close
BTC_DRAWDOWNS = np.array([0.0, 0.25, 0.50, 0.77])  # 0.77: BTC peak to trough, 2021-22
BTC_STRESS = 0.77  # the BTC fall a verdict reason quotes (the "BTC -77%" scenario's)
CAPITAL_RATIO = 0.08  # Basel minimum total capital, share of risk-weighted assets
#: What a stress grid's cells hold.
MIN_DSCR, FIRST_PAYMENT_DEFAULT = "min DSCR", "first payment default period"
#: Paths and seed of the memo's simulation: the engine's default paths, a fixed seed, so a
#: memo regenerated from the same deal shows the same numbers.
MEMO_PATHS = DEFAULT_PATHS
MEMO_SEED = 0


def scenario_position(axis: FloatArray, value: float) -> int | None:
    """Index of ``value`` in a scenario axis (``numpy.isclose``), None when not on it.

    Examples
    --------
    >>> scenario_position(BTC_DRAWDOWNS, 0.5), scenario_position(BTC_DRAWDOWNS, 0.4)
    (2, None)
    """
    hits = np.flatnonzero(np.isclose(axis, value))
    return int(hits[0]) if hits.size else None


def _scenario(axis: FloatArray, value: float, name: str) -> int:
    found = scenario_position(axis, value)
    if found is None:
        computed = ", ".join(f"{float(v):g}" for v in axis)
        raise InputError(name, value, f"a computed scenario, one of {computed}")
    return found


@dataclass(frozen=True)
class StressGrid:
    """An outcome over annual rent declines (rows) x values of a second driver (columns).

    The outcome is the min DSCR (x), or for the BTC axis the first payment default period
    (1-based, NaN without one); see :func:`stress_grid` and :func:`stress_grids`.
    """

    driver: str  # deal key varied along the columns, e.g. "utilization"
    declines: FloatArray  # annual rent declines, decimal per year (rows)
    values: FloatArray  # values of ``driver``, in its deal unit (columns)
    outcome: FloatArray  # min DSCR (x) or first default period, shape (declines, values)
    breakeven: tuple[float | None, ...]  # decline (decimal/yr) where min DSCR = 1.00x, per column
    breakeven_lockup: tuple[float | None, ...]  # decline where min DSCR = lock-up, per column
    label: str = ""  # the axis in words, e.g. "contract tenor (years)"
    headers: tuple[str, ...] = ()  # each column's header as the memo prints it
    note: str = ""  # how the grid was computed, one line
    measure: str = MIN_DSCR  # what the cells hold: MIN_DSCR or FIRST_PAYMENT_DEFAULT

    def position(self, annual_decline: float, value: float) -> tuple[int, int] | None:
        """Row and column of a scenario, or None when the grid does not hold it.

        Examples
        --------
        >>> grid = StressGrid("utilization", STRESS_DECLINES, np.array([0.6, 0.8]),
        ...                   np.zeros((13, 2)), (None, None), (None, None))
        >>> grid.position(0.30, 0.8), grid.position(0.33, 0.8)
        ((6, 1), None)
        """
        row = scenario_position(self.declines, annual_decline)
        col = scenario_position(self.values, value)
        return None if row is None or col is None else (row, col)

    def at(self, annual_decline: float, value: float) -> float:
        """The outcome at one computed scenario: a rent decline and a value of the driver.

        Parameters
        ----------
        annual_decline : float
            Yearly rent decline, decimal; one of :attr:`declines`.
        value : float
            Value of :attr:`driver`; one of :attr:`values`.

        Raises
        ------
        InputError
            When the grid does not hold the scenario.

        Examples
        --------
        >>> grid = StressGrid("utilization", STRESS_DECLINES, np.array([0.6, 0.8]),
        ...                   np.arange(26.0).reshape(13, 2), (None, None), (None, None))
        >>> grid.at(annual_decline=0.05, value=0.8)
        3.0
        >>> grid.at(annual_decline=0.05, value=0.7)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        addin.model.errors.InputError: utilization: got 0.7; allowed: a computed scenario, ...
        """
        row = _scenario(self.declines, annual_decline, "annual_decline")
        col = _scenario(self.values, value, self.driver)
        return float(self.outcome[row, col])


@dataclass(frozen=True)
class DroppedAxis:
    """A stress axis left out because it cannot move this deal, and why (one line)."""

    driver: str
    label: str
    reason: str


@dataclass(frozen=True)
class LiquidationResults:
    """The fleet's fire-sale value and what it means for the loan (needs market_absorption)."""

    fire_sale: Liquidation  # best fire sale of the whole fleet at close: USD, share, months
    ltv_close: float  # loan / fire-sale value at close, decimal
    ltv_maturity: float  # balance due in the final period / fire-sale value then, decimal
    underwater: tuple[int, dt.date | None] | None  # first period balance > fire-sale value


@dataclass(frozen=True)
class CollateralResults:
    """Collateral values over the loan's life, LTVs and the duration mismatch."""

    ltv: pd.DataFrame  # addin.analytics.collateral.ltv_schedule, period 0 = close, USD
    unit_cost: float  # cost of one GPU, USD
    mismatch: DurationMismatch  # loan WAL against the GPUs' half-life and economic life
    ltv_close_book: float  # loan / fleet book value at close, decimal
    ltv_maturity_book: float  # balance due in the final period / book value then, decimal
    liquidation: LiquidationResults | None  # None without market_absorption


@dataclass(frozen=True)
class BaseCase:
    """The deal's own assumptions run through the engine: every factor on plan.

    The deterministic schedule of :mod:`addin.analytics`, plus what only the engine models
    (a BTC treasury sold to meet debt service, mining revenue); periods are 1-based.
    """

    events: dict[str, int | None]  # first period of each waterfall event (EVENT_NAMES)
    default: tuple[int, str] | None  # first payment, covenant or LTV default, and its kind
    warning: tuple[int, str] | None  # first lock-up or LTV breach, when no default
    first_negative_cfads: int | None
    first_below_one: int | None  # first period with DSCR below 1.00x
    first_below_default: int | None  # first period with DSCR below the default level
    min_dscr: float  # x (NaN without debt service)


@dataclass(frozen=True)
class CreditResults:
    """Capital of the facility at the PD and LGD derived from the deal's own paths."""

    annual_pd: float  # the lifetime PD spread evenly over the tenor, decimal per year
    maturity: float  # Basel effective maturity M of the engine's IRB weight, years (1 to 5)
    risk_weight: float  # IRB risk weight at the derived PD and LGD, decimal (NaN: see engine)
    capital: float  # capital at 8% of risk-weighted assets, USD
    slotting: Slotting  # specialised-lending category and risk weight (BCBS CRE33)
    slotting_capital: float  # capital at 8% of the slotting RWA, USD


@dataclass(frozen=True)
class MemoData:
    """The analytics results a memo workbook shows (see :func:`analyse`)."""

    deal: Deal
    version: str  # add-in version that computed the results
    generated: dt.datetime  # time stamp shown in the memo
    schedule: pd.DataFrame  # addin.analytics.dscr.dscr_schedule at the deal's decline
    summary: DscrSummary  # coverage metrics at the deal's decline and flat
    flat_llcr: float  # LLCR on flat rents, x
    lockup_breakeven: float | None  # decline (decimal/yr) where min DSCR = lock-up level
    stress: tuple[StressGrid, ...]  # the stress grids that move this deal
    dropped: tuple[DroppedAxis, ...]  # the axes that cannot, and why
    collateral: CollateralResults
    base: BaseCase  # the engine's base case (the projected default)
    risk: DealRisk | None  # the deal's simulated credit risk; None without market_absorption
    pricing: FairMargin | None  # fair margin against the deal's; None without a simulation
    scenarios: tuple[ScenarioResult, ...]  # the named scenarios (empty without a simulation)
    credit: CreditResults | None  # capital at the derived PD and LGD; None without a simulation
    flags: tuple[Flag, ...]  # red / amber / green flags, in the order the memo shows them
    verdict: Verdict
    # min DSCR (x) of the contractual schedule the live Cash flow sheet recomputes: the
    # summary's unless a sweep or an LTV cure prepays (engine-only), then before prepayments
    live_min_dscr: float = math.nan
    prepays: bool = False  # the waterfall can prepay (sweep_share > 0 or a max_ltv)

    def grid(self, driver: str) -> StressGrid | None:
        """The stress grid of one driver, None when it was dropped or not computed.

        Examples
        --------
        >>> from addin.model.deal import load_deal
        >>> data = analyse(load_deal({"name": "D", "gpus": 100, "market_rate": 2.0,
        ...                           "loan_amount": 2e6, "interest_rate": 0.09,
        ...                           "tenor_years": 3}))
        >>> data.grid("utilization").driver, data.grid("contract_years")
        ('utilization', None)
        """
        return next((g for g in self.stress if g.driver == driver), None)


def stress_grid(deal: Deal, driver: str, values: FloatArray) -> StressGrid:
    """Min DSCR over :data:`STRESS_DECLINES` x ``values`` of ``driver``, debt as sized.

    Parameters
    ----------
    deal : Deal
    driver : str
        Deal key varied along the columns: ``"utilization"`` or ``"contracted_share"``.
    values : ndarray
        Values of ``driver``, decimal shares.

    Returns
    -------
    StressGrid
        Min DSCR (x) per scenario, and per column the breakeven declines (decimal per
        year) at 1.00x and at the deal's lock-up level.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> grid = stress_grid(deal, "utilization", np.array([0.6, 0.8]))
    >>> f"{grid.at(annual_decline=0.0, value=0.8):.4f}", f"{grid.breakeven[1]:.4f}"
    ('2.0921', '0.1253')
    """
    grid = min_dscr_grid(deal, STRESS_DECLINES[:, None], **{driver: values[None, :]})
    return StressGrid(
        driver=driver,
        declines=STRESS_DECLINES,
        values=values,
        outcome=grid,
        breakeven=tuple(breakeven_decline(deal, 1.0, **{driver: float(v)}) for v in values),
        breakeven_lockup=tuple(
            breakeven_decline(deal, deal.lockup_dscr, **{driver: float(v)}) for v in values
        ),
        label=driver.replace("_", " "),
        headers=tuple(f"{v:.0%}" for v in values),
        note="debt kept as sized for the deal",
    )


def rerun_grid(
    deal: Deal,
    driver: str,
    values: FloatArray,
    changes: Callable[[float], dict[str, float]],
    label: str,
    headers: tuple[str, ...],
) -> StressGrid:
    """Min DSCR over :data:`STRESS_DECLINES` x ``values``, the deal re-run at each value.

    Each column is the deal with ``changes(value)`` (:meth:`Deal.replace`), its schedule
    and breakeven declines computed by :mod:`addin.analytics.dscr` as for any deal; a
    sculpted loan is therefore re-sized for each column (its debt follows its CFADS).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5, "contracted_share": 0.5,
    ...                   "contract_rate": 2.4})
    >>> grid = rerun_grid(deal, "contract_years", np.array([0.0, 5.0]),
    ...                   lambda v: {"contract_years": v}, "contract tenor", ("0", "5"))
    >>> bool(grid.at(annual_decline=0.3, value=5.0) > grid.at(annual_decline=0.3, value=0.0))
    True
    """
    decks = [deal.replace(**changes(float(v))) for v in values]
    return StressGrid(
        driver=driver,
        declines=STRESS_DECLINES,
        values=values,
        outcome=np.column_stack([min_dscr_grid(d, STRESS_DECLINES) for d in decks]),
        breakeven=tuple(breakeven_decline(d, 1.0) for d in decks),
        breakeven_lockup=tuple(breakeven_decline(d, deal.lockup_dscr) for d in decks),
        label=label,
        headers=headers,
        note="the deal re-run at each value (a sculpted loan is re-sized)",
    )


def _with(axis: FloatArray, value: float | None) -> FloatArray:
    """An axis with the deal's own value added (sorted), so its case is on the grid."""
    if value is None or scenario_position(axis, value) is not None:
        return axis
    return np.sort(np.append(axis, value))


def contract_tenors(deal: Deal) -> FloatArray:
    """Contract tenors of the stress axis: whole years from 0 to the loan's tenor (and the
    deal's own), at most 11 columns.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 5, "contract_years": 2.5})
    >>> contract_tenors(deal).tolist()
    [0.0, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0]
    """
    top = math.ceil(deal.tenor_years - 1e-9)
    step = max(1, math.ceil(top / 10))
    return _with(np.arange(0, top + 1, step, dtype=float), deal.contract_years)


def unpaid_after_btc(deal: Deal, drawdowns: FloatArray) -> FloatArray:
    """First payment default period after each BTC drawdown (NaN: none), through the engine.

    One shock path per drawdown: BTC falls by it over 12 months, then stays
    (:func:`~addin.sim.scenarios.fall`); every other factor on the deal's plan.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 4, "btc_holdings": 4e6})
    >>> unpaid_after_btc(deal, np.array([0.0, 0.77])).tolist()
    [48.0, 35.0]
    """
    paths = [
        shock_factors(deal, Shock(f"BTC -{x:.0%}", btc=fall(float(x), 1.0))) for x in drawdowns
    ]
    factors = Factors(
        *(
            np.concatenate([getattr(f, field.name) for f in paths])
            for field in dataclasses.fields(Factors)
        )
    )
    events = run_waterfall(deal, flows_on(deal, factors))["events"].astype(np.int64)
    unpaid = (events & PAYMENT_DEFAULT) != 0
    result: FloatArray = np.where(unpaid.any(axis=1), np.argmax(unpaid, axis=1) + 1.0, np.nan)
    return result


def btc_grid(deal: Deal) -> StressGrid:
    """First payment default over :data:`STRESS_DECLINES` x :data:`BTC_DRAWDOWNS` (engine).

    BTC reaches a deal only where the engine models it (mining revenue, a BTC treasury
    sold to meet debt service), so each cell is one shock path run through
    :func:`~addin.sim.engine.flows_on` and the waterfall: BTC falls by the drawdown over
    12 months, then stays (:func:`~addin.sim.scenarios.fall`); every other factor on plan.
    The cell is the period of the first payment default (NaN: none): a treasury is sold to
    pay the debt service, so BTC moves when the borrower stops paying (a covenant test
    counts CFADS against debt service and trips whatever the treasury pays, and the lowest
    DSCR comes once the treasury is gone). No breakevens.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 4, "btc_holdings": 4e6})
    >>> grid = btc_grid(deal)
    >>> grid.at(annual_decline=0.3, value=0.0), grid.at(annual_decline=0.3, value=0.77)
    (48.0, 35.0)
    """
    columns = [
        unpaid_after_btc(deal.replace(annual_decline=float(decline)), BTC_DRAWDOWNS)
        for decline in STRESS_DECLINES
    ]
    return StressGrid(
        driver="btc_drawdown",
        declines=STRESS_DECLINES,
        values=BTC_DRAWDOWNS,
        outcome=np.array(columns),
        breakeven=(),
        breakeven_lockup=(),
        label="BTC drawdown over 12 months",
        headers=tuple(f"-{x:.0%}" if x else "0%" for x in BTC_DRAWDOWNS),
        note="engine shock paths: mining revenue and the BTC treasury move with BTC",
        measure=FIRST_PAYMENT_DEFAULT,
    )


def _constant(grid: StressGrid) -> bool:
    values = grid.outcome
    return bool(np.allclose(values, values[:, :1], rtol=1e-12, atol=1e-12, equal_nan=True))


def stress_grids(deal: Deal) -> tuple[tuple[StressGrid, ...], tuple[DroppedAxis, ...]]:
    """The stress grids that move this deal's outcome, and the axes dropped with the reason.

    Axes, each against the annual rent decline: utilization (debt as sized), contract
    tenor, re-contract rent (share of the market rent after expiry), a base-rate shock from
    close (floating loans) and BTC drawdown (mining revenue or a BTC treasury). An axis
    that cannot reach the deal's cash flows is dropped before it is computed; one whose
    grid is the same in every column is dropped after.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> grids, dropped = stress_grids(deal)
    >>> [g.driver for g in grids], [d.driver for d in dropped]
    (['utilization'], ['contract_years', 'recontract_rate', 'rate_shock', 'btc_drawdown'])
    """
    grids: list[StressGrid] = [stress_grid(deal, "utilization", STRESS_UTILIZATIONS)]
    dropped: list[DroppedAxis] = []
    no_contract = "no contract (contracted_share = 0): nothing for it to change"
    if deal.contracted_share <= 0:
        dropped.append(DroppedAxis("contract_years", "contract tenor", no_contract))
    else:
        tenors = contract_tenors(deal)
        grids.append(
            rerun_grid(
                deal,
                "contract_years",
                tenors,
                lambda v: {"contract_years": v},
                "contract tenor (years)",
                tuple(f"{v:g} y" for v in tenors),
            )
        )
    if deal.contracted_share <= 0:
        dropped.append(DroppedAxis("recontract_rate", "re-contract rent", no_contract))
    elif deal.contract_years >= deal.tenor_years - 1e-9:
        dropped.append(
            DroppedAxis(
                "recontract_rate",
                "re-contract rent",
                "the contract runs to the loan's maturity: no re-contract rent is earned "
                "within the loan",
            )
        )
    else:
        shares = _with(RECONTRACT_SHARES, deal.recontract_rate)
        grids.append(
            rerun_grid(
                deal,
                "recontract_rate",
                shares,
                lambda v: {"recontract_rate": v},
                "re-contract rent (share of market rent)",
                tuple(f"{v:.0%}" for v in shares),
            )
        )
    if deal.base_rate is None:
        dropped.append(
            DroppedAxis(
                "rate_shock",
                "base-rate shock",
                "fixed rate (interest_rate, no base_rate): a base-rate shock does not move "
                "its debt service",
            )
        )
    else:
        all_in = deal.base_rate + deal.margin
        shocks = RATE_SHOCKS[(all_in + RATE_SHOCKS >= 0.0) & (all_in + RATE_SHOCKS <= 1.0)]
        grids.append(
            rerun_grid(
                deal,
                "rate_shock",
                shocks,
                lambda v: {"rate_shock": v, "rate_shock_year": 0.0},
                "base-rate shock from close",
                tuple(f"{v * 1e4:+.0f} bp" for v in shocks),
            )
        )
    if deal.mining_share <= 0 and deal.btc_holdings <= 0:
        dropped.append(
            DroppedAxis(
                "btc_drawdown",
                "BTC drawdown",
                "no mining revenue (mining_share = 0) and no BTC treasury (btc_holdings = 0): "
                "BTC does not reach this deal's cash flows",
            )
        )
    else:
        grids.append(btc_grid(deal))
    kept = []
    for grid in grids:
        if _constant(grid):
            dropped.append(
                DroppedAxis(
                    grid.driver,
                    grid.label,
                    f"{grid.measure} is the same for every {grid.label}: the deal's outcome "
                    "does not depend on it",
                )
            )
        else:
            kept.append(grid)
    return tuple(kept), tuple(dropped)


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator > 0 else math.inf


def collateral_results(deal: Deal, debt: Debt) -> CollateralResults:
    """LTV table, unit cost, duration mismatch and, with market_absorption, the fire sale.

    Parameters
    ----------
    deal : Deal
    debt : Debt
        The deal's debt schedule (:func:`addin.analytics.debt.debt_schedule`).

    Returns
    -------
    CollateralResults
        LTV = loan balance / value (decimal). Without ``market_absorption`` the LTV table
        has no liquidation columns and :attr:`CollateralResults.liquidation` is None.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 5, "market_absorption": 500})
    >>> result = collateral_results(deal, debt_schedule(deal))
    >>> round(result.ltv_close_book, 4), result.liquidation is not None
    (0.5952, True)
    """
    has_liquidation = deal.market_absorption is not None
    # Book, market and economic values do not depend on the absorption; a placeholder
    # lets the LTV table run, and its liquidation columns are then dropped.
    table = ltv_schedule(deal if has_liquidation else deal.replace(market_absorption=1.0))
    if not has_liquidation:
        table = table.drop(
            columns=[c for c in table.columns if "liquidation" in c], errors="ignore"
        )
    n = deal.periods
    liquidation = None
    if has_liquidation:
        unit_market = float(table["market_value"].iloc[0]) / deal.gpus
        liquidation = LiquidationResults(
            fire_sale=liquidation_value(deal.gpus, unit_market, *sale_terms(deal)),
            ltv_close=float(table["ltv_liquidation"].iloc[0]),
            ltv_maturity=_ratio(table["balance"].iloc[n - 1], table["liquidation_value"].iloc[n]),
            underwater=underwater_period(deal),
        )
    return CollateralResults(
        ltv=table,
        unit_cost=unit_cost(deal),
        mismatch=duration_mismatch(deal),
        ltv_close_book=float(table["ltv_book"].iloc[0]),
        # at maturity: the balance due in the final period against the value then
        ltv_maturity_book=_ratio(table["balance"].iloc[n - 1], table["book_value"].iloc[n]),
        liquidation=liquidation,
    )


def base_case(deal: Deal) -> BaseCase:
    """The deal's own assumptions through the engine's waterfall (no fire sale needed).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> base_case(deal).default  # debt service first goes unpaid in period 23
    (23, 'payment default')
    """
    flows = flows_on(deal, shock_factors(deal, BASE_CASE))
    run = run_waterfall(deal, flows)
    events = run["events"][0].astype(np.int64)

    def first(mask: np.ndarray) -> int | None:
        hits = np.flatnonzero(mask)
        return int(hits[0]) + 1 if hits.size else None

    def named(period: int, flags: int) -> tuple[int, str]:
        bits = int(events[period - 1]) & flags
        return period, "; ".join(name for flag, name in EVENT_NAMES.items() if bits & flag)

    default_at = first(events & DEFAULTS)
    warning_at = first(events & (LOCKUP | LTV_BREACH))
    cfads, service = flows.cfads[0], run["debt_service"][0]
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(service > 0, cfads / np.where(service > 0, service, 1.0), np.nan)
    return BaseCase(
        events={name: first(events & flag) for flag, name in EVENT_NAMES.items()},
        default=None if default_at is None else named(default_at, DEFAULTS),
        warning=(
            None
            if default_at is not None or warning_at is None
            else named(warning_at, LOCKUP | LTV_BREACH)
        ),
        first_negative_cfads=first(cfads < 0),
        first_below_one=first(cover < 1.0),
        first_below_default=first(cover < deal.default_dscr),
        min_dscr=float(np.nanmin(cover)) if np.isfinite(cover).any() else math.nan,
    )


def credit_results(deal: Deal, risk: DealRisk) -> CreditResults:
    r"""Capital at the PD and LGD derived from the deal's paths: IRB and slotting.

    .. math:: \text{capital} = 0.08 \times RW \times L, \qquad
              PD_{1y} = 1 - (1 - PD_T)^{1/T}

    The IRB weight is the engine's (:attr:`~addin.sim.engine.DealRisk.irb_risk_weight`: the
    lifetime PD over the tenor T spread evenly, the mean LGD of the defaulting paths,
    M = min(max(T, 1), 5) years); the slotting category is read from the same PD.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 4, "market_absorption": 1500,
    ...                   "annual_decline": 0.5})
    >>> credit = credit_results(deal, deal_risk(deal, 512, 1))
    >>> credit.maturity, credit.slotting.category
    (4.0, 'Weak')
    """
    horizon = risk.horizon_years
    weight = risk.irb_risk_weight
    return CreditResults(
        annual_pd=float(annual_pd(risk.lifetime_pd, horizon)),
        maturity=min(max(horizon, 1.0), 5.0),
        risk_weight=weight,
        capital=CAPITAL_RATIO * weight * risk.loan_amount,
        slotting=risk.slotting,
        slotting_capital=CAPITAL_RATIO * risk.slotting.risk_weight * risk.loan_amount,
    )


def _worst(scenarios: tuple[ScenarioResult, ...]) -> tuple[str, int, float] | None:
    """The named scenario that defaults first (the larger loss among equals)."""
    hit = [s for s in scenarios if s.first_default_period is not None]
    if not hit:
        return None
    worst = min(hit, key=lambda s: (s.first_default_period or 0, -s.loss))
    return worst.name, int(worst.first_default_period or 0), worst.loss


def evidence(
    deal: Deal,
    summary: DscrSummary,
    collateral: CollateralResults,
    base: BaseCase,
    risk: DealRisk | None,
    pricing: FairMargin | None,
    scenarios: tuple[ScenarioResult, ...],
) -> Evidence:
    """What the verdict reads, gathered from the engines' results (:class:`Evidence`).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> data = analyse(deal)
    >>> e = evidence(deal, data.summary, data.collateral, data.base, None, None, ())
    >>> e.default, e.breakeven is not None
    ((23, 'payment default'), True)
    """
    p, n = deal.periods_per_year, deal.periods
    dates = period_dates(deal)
    expiry = deal.contract_years * p
    sale = collateral.liquidation
    btc = None
    if deal.btc_holdings > 0 or deal.mining_share > 0:
        flat, stressed = unpaid_after_btc(deal, np.array([0.0, BTC_STRESS]))
        btc = (_period(flat), _period(stressed))
    return Evidence(
        periods_per_year=p,
        periods=n,
        dates=None if dates is None else tuple(dates),
        default=base.default,
        warning=base.warning,
        contract_end=expiry if deal.contracted_share > 0 and 0 < expiry < n else None,
        first_negative_cfads=base.first_negative_cfads,
        first_below_one=base.first_below_one,
        first_below_default=base.first_below_default,
        default_dscr=deal.default_dscr,
        annual_decline=deal.annual_decline,
        breakeven=summary.breakeven_decline,
        min_dscr=base.min_dscr,
        loan=summary.loan_amount,
        fire_sale_close=None if sale is None else sale.fire_sale.net_proceeds,
        ltv_close_liquidation=None if sale is None else sale.ltv_close,
        underwater=None if sale is None or sale.underwater is None else sale.underwater[0],
        btc_holdings=deal.btc_holdings,
        mining_share=deal.mining_share,
        btc_drawdown=BTC_STRESS,
        btc_unpaid=btc,
        lifetime_pd=None if risk is None else risk.lifetime_pd,
        rating=None if risk is None else risk.rating,
        category=None if risk is None else risk.slotting.category,
        horizon_years=deal.periods / p,
        fair=None if pricing is None else pricing.fair,
        actual=None if pricing is None else pricing.actual,
        worst_scenario=_worst(scenarios),
        wal_to_half_life=collateral.mismatch.wal_to_half_life,
    )


def analyse(
    deal: Deal,
    generated: dt.datetime | None = None,
    paths: int = MEMO_PATHS,
    seed: int = MEMO_SEED,
    simulating: Callable[[], None] | None = None,
) -> MemoData:
    """Run every engine a memo needs on one deal.

    Parameters
    ----------
    deal : Deal
    generated : datetime, optional
        Time stamp shown in the memo; default now.
    paths, seed : int, optional
        Of the simulation (default :data:`MEMO_PATHS`, :data:`MEMO_SEED`). A deal without
        ``market_absorption`` is not simulated (no fire sale: no LGD).
    simulating : callable, optional
        Called as the simulation starts, after the deterministic engines (a progress
        display's stage); not called when the deal is not simulated.

    Returns
    -------
    MemoData
        Schedule and summary at the deal's decline, stress grids, collateral, the base
        case, the simulated risk, pricing and named scenarios, the flags and the verdict.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> data = analyse(load_deal({"name": "D", "gpus": 100, "market_rate": 2.0,
    ...                           "loan_amount": 2e6, "interest_rate": 0.09, "tenor_years": 3}))
    >>> data.stress[0].outcome.shape, len(data.schedule), data.risk is None
    ((13, 11), 36, True)
    """
    summary = dscr_summary(deal)
    debt = debt_schedule(deal)
    prepays = WaterfallTerms.of(deal).prepays
    contractual = deal.replace(sweep_share=0.0, max_ltv=None) if prepays else deal
    collateral = collateral_results(deal, debt)
    sale = collateral.liquidation
    base = base_case(deal)
    grids, dropped = stress_grids(deal)
    risk = pricing = credit = None
    scenarios: tuple[ScenarioResult, ...] = ()
    if sale is not None:
        if simulating is not None:
            simulating()
        risk = deal_risk(deal, paths, seed)
        pricing = fair_margin(deal, paths, seed)
        scenarios = tuple(run_scenario(deal, name) for name in SCENARIOS)
        credit = credit_results(deal, risk)
    raw = [
        default_flag(base.default, base.warning, deal.periods_per_year, _dates(deal)),
        *dscr_flags(deal, summary),
    ]
    if risk is not None and pricing is not None:
        raw += risk_flags(risk.rating, risk.slotting.category, pricing.fair, pricing.actual)
    if sale is not None:
        raw += liquidation_flags(deal, sale.ltv_close, sale.underwater)
    raw += [
        book_flag(collateral.ltv_maturity_book),
        mismatch_flag(collateral.mismatch.wal_to_half_life),
    ]
    flags = cap_flags(raw, base.default is not None)
    facts = evidence(deal, summary, collateral, base, risk, pricing, scenarios)
    return MemoData(
        deal=deal,
        version=VERSION,
        generated=generated or dt.datetime.now().replace(microsecond=0),
        schedule=dscr_schedule(deal),
        summary=summary,
        flat_llcr=llcr(deal, 0.0),
        lockup_breakeven=breakeven_decline(deal, deal.lockup_dscr),
        stress=grids,
        dropped=dropped,
        collateral=collateral,
        base=base,
        risk=risk,
        pricing=pricing,
        scenarios=scenarios,
        credit=credit,
        flags=flags,
        verdict=verdict(flags, facts, simulated=risk is not None),
        live_min_dscr=min_dscr(contractual) if prepays else summary.min_dscr,
        prepays=prepays,
    )


def _period(value: float) -> int | None:
    return None if math.isnan(value) else int(value)


def _dates(deal: Deal) -> tuple[dt.date, ...] | None:
    dates = period_dates(deal)
    return None if dates is None else tuple(dates)
