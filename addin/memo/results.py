"""Every number a deal memo shows, as frozen typed results (no openpyxl here).

:func:`analyse` runs the DSCR, stress, collateral and credit engines on one deal and
returns a :class:`MemoData` in one step; the sheet writers only lay those results out.
Scenario grids are read by value (:meth:`StressGrid.at`, :meth:`StressedPds.at`), never by
the position of a scenario in its axis.

Examples
--------
>>> from addin.model.deal import load_deal
>>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
...                   "interest_rate": 0.09, "tenor_years": 5})
>>> data = analyse(deal)
>>> f"{data.summary.min_dscr:.2f}x", data.flags[0].status
('0.23x', 'red')
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from addin.analytics.collateral import unit_cost
from addin.analytics.credit import irb_risk_weight, miner_stress_pd
from addin.analytics.debt import Debt, debt_schedule
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
from addin.analytics.waterfall import WaterfallTerms
from addin.memo.flags import Flag, dscr_flags, liquidation_flags, mismatch_flag
from addin.model.deal import Deal
from addin.model.errors import InputError
from addin.model.types import FloatArray
from addin.version import VERSION

STRESS_DECLINES = np.round(np.arange(0.0, 0.601, 0.05), 2)  # 0% to 60% a year
STRESS_UTILIZATIONS = np.round(np.arange(0.50, 1.001, 0.05), 2)
STRESS_SHARES = np.round(np.arange(0.0, 1.001, 0.10), 2)
BTC_DRAWDOWNS = np.array([0.0, 0.25, 0.50, 0.77])  # 0.77: BTC peak to trough, 2021-22
RENT_DECLINES = np.array([0.0, 0.15, 0.30, 0.45, 0.60, 0.75])  # realised over the horizon
STRESS_TYPES = ("miner", "neocloud")  # borrower types the two-factor stress applies to
CAPITAL_RATIO = 0.08  # Basel minimum total capital, share of risk-weighted assets


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
    """Min DSCR over annual rent declines (rows) x values of a second driver (columns).

    The debt is kept as sized for the deal; see :func:`stress_grid`.
    """

    driver: str  # deal key varied along the columns, e.g. "utilization"
    declines: FloatArray  # annual rent declines, decimal per year (rows)
    values: FloatArray  # values of ``driver``, in its deal unit (columns)
    min_dscr: FloatArray  # min DSCR, x, shape (declines, values)
    breakeven: tuple[float | None, ...]  # decline (decimal/yr) where min DSCR = 1.00x, per column
    breakeven_lockup: tuple[float | None, ...]  # decline where min DSCR = lock-up, per column

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
        """Min DSCR (x) at one computed scenario: a rent decline and a value of the driver.

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
        return float(self.min_dscr[row, col])


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
class StressedPds:
    """Two-factor stressed PDs over BTC drawdowns (rows) x realised rent declines (columns)."""

    horizon_years: float  # stress horizon h, years
    pd_horizon: float  # unstressed PD over the horizon, decimal: 1 - (1 - PD)^h
    btc_drawdowns: FloatArray  # fall in BTC over the horizon, decimal (rows)
    rent_declines: FloatArray  # realised rent decline over the horizon, decimal (columns)
    pds: FloatArray  # stressed PD over the horizon, decimal, shape (drawdowns, declines)

    def at(self, btc_drawdown: float, rent_decline: float) -> float:
        """Stressed PD (decimal) at one computed scenario.

        Parameters
        ----------
        btc_drawdown : float
            Fall in BTC over the horizon, decimal; one of :attr:`btc_drawdowns`.
        rent_decline : float
            Realised rent decline over the horizon, decimal; one of :attr:`rent_declines`.

        Raises
        ------
        InputError
            When the scenario was not computed.

        Examples
        --------
        >>> pds = StressedPds(1.0, 0.02, BTC_DRAWDOWNS, RENT_DECLINES,
        ...                   np.arange(24.0).reshape(4, 6) / 100)
        >>> pds.at(btc_drawdown=0.5, rent_decline=0.6)
        0.16
        >>> pds.at(btc_drawdown=0.4, rent_decline=0.6)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        addin.model.errors.InputError: btc_drawdown: got 0.4; allowed: a computed scenario, ...
        """
        row = _scenario(self.btc_drawdowns, btc_drawdown, "btc_drawdown")
        col = _scenario(self.rent_declines, rent_decline, "rent_decline")
        return float(self.pds[row, col])


@dataclass(frozen=True)
class CreditResults:
    """Basel IRB capital of the facility and, for miners and neoclouds, stressed PDs."""

    maturity: float  # Basel effective maturity M, years (1 to 5)
    risk_weight: float  # IRB risk weight, decimal share of exposure
    capital: float  # capital at 8% of risk-weighted assets, USD
    stressed: StressedPds | None  # None unless the borrower type is in STRESS_TYPES


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
    stress_utilization: StressGrid  # min DSCR over decline x utilization
    stress_contract: StressGrid  # min DSCR over decline x contracted share
    collateral: CollateralResults
    credit: CreditResults
    flags: tuple[Flag, ...]  # red / amber / green flags, in the order the memo shows them
    # min DSCR (x) of the contractual schedule the live Cash flow sheet recomputes: the
    # summary's unless a sweep or an LTV cure prepays (engine-only), then before prepayments
    live_min_dscr: float = math.nan
    prepays: bool = False  # the waterfall can prepay (sweep_share > 0 or a max_ltv)


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
        min_dscr=grid,
        breakeven=tuple(breakeven_decline(deal, 1.0, **{driver: float(v)}) for v in values),
        breakeven_lockup=tuple(
            breakeven_decline(deal, deal.lockup_dscr, **{driver: float(v)}) for v in values
        ),
    )


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


def effective_maturity(deal: Deal, debt: Debt) -> float:
    r"""Basel effective maturity of the facility, years, floored at 1 and capped at 5.

    .. math:: M = \min(5, \max(1, \sum_k t_k DS_k / \sum_k DS_k)), \quad t_k = k / p

    References
    ----------
    Basel Committee on Banking Supervision (2006), Basel II, paragraph 320.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2.0, "loan_amount": 1e5,
    ...                   "interest_rate": 0.0, "tenor_years": 3, "periods_per_year": 1,
    ...                   "amortization": "linear"})
    >>> effective_maturity(deal, debt_schedule(deal))
    2.0
    """
    t = np.arange(1, deal.periods + 1) / deal.periods_per_year
    total = float(np.sum(debt.debt_service))
    m = float(np.sum(t * debt.debt_service)) / total if total > 0 else 1.0
    return min(5.0, max(1.0, m))


def credit_results(deal: Deal, debt: Debt) -> CreditResults:
    r"""Basel IRB risk weight and capital; for miners and neoclouds, the stressed PDs.

    .. math:: \text{capital} = 0.08 \times RW \times L, \qquad
              PD_h = 1 - (1 - PD)^h

    Parameters
    ----------
    deal : Deal
    debt : Debt
        The deal's debt schedule (:func:`addin.analytics.debt.debt_schedule`).

    Returns
    -------
    CreditResults
        Stressed PDs (decimal, over ``stress_horizon_years``) on :data:`BTC_DRAWDOWNS` x
        :data:`RENT_DECLINES` when the borrower type is in :data:`STRESS_TYPES`.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 5, "borrower_type": "miner"})
    >>> credit = credit_results(deal, debt_schedule(deal))
    >>> round(credit.maturity, 2), credit.stressed.at(btc_drawdown=0.0, rent_decline=0.0) < 0.02
    (2.54, True)
    """
    maturity = effective_maturity(deal, debt)
    weight = float(irb_risk_weight(deal.pd, deal.lgd, maturity))
    stressed = None
    if deal.borrower_type in STRESS_TYPES:
        horizon = deal.stress_horizon_years
        pd_horizon = 1.0 - (1.0 - deal.pd) ** horizon
        grid = miner_stress_pd(
            pd_horizon,
            deal.effective_crypto_loading,
            deal.compute_loading,
            BTC_DRAWDOWNS[:, None],
            RENT_DECLINES[None, :],
            horizon,
            deal.btc_vol,
            deal.rent_vol,
            deal.annual_decline,
            deal.factor_corr,
        )
        stressed = StressedPds(
            horizon_years=horizon,
            pd_horizon=pd_horizon,
            btc_drawdowns=BTC_DRAWDOWNS,
            rent_declines=RENT_DECLINES,
            pds=np.asarray(grid, dtype=float),
        )
    return CreditResults(
        maturity=maturity,
        risk_weight=weight,
        capital=CAPITAL_RATIO * weight * debt.loan_amount,
        stressed=stressed,
    )


def analyse(deal: Deal, generated: dt.datetime | None = None) -> MemoData:
    """Run every engine a memo needs on one deal.

    Parameters
    ----------
    deal : Deal
    generated : datetime, optional
        Time stamp shown in the memo; default now.

    Returns
    -------
    MemoData
        Schedule and summary at the deal's decline, stress grids, collateral and credit
        results, and the red / amber / green flags.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> data = analyse(load_deal({"name": "D", "gpus": 100, "market_rate": 2.0,
    ...                           "loan_amount": 2e6, "interest_rate": 0.09, "tenor_years": 3}))
    >>> data.stress_utilization.min_dscr.shape, len(data.schedule)
    ((13, 11), 36)
    """
    summary = dscr_summary(deal)
    debt = debt_schedule(deal)
    prepays = WaterfallTerms.of(deal).prepays
    contractual = deal.replace(sweep_share=0.0, max_ltv=None) if prepays else deal
    collateral = collateral_results(deal, debt)
    sale = collateral.liquidation
    flags = (
        *dscr_flags(deal, summary),
        *(() if sale is None else liquidation_flags(deal, sale.ltv_close, sale.underwater)),
        mismatch_flag(collateral.mismatch.wal_to_half_life),
    )
    return MemoData(
        deal=deal,
        version=VERSION,
        generated=generated or dt.datetime.now().replace(microsecond=0),
        schedule=dscr_schedule(deal),
        summary=summary,
        flat_llcr=llcr(deal, 0.0),
        lockup_breakeven=breakeven_decline(deal, deal.lockup_dscr),
        stress_utilization=stress_grid(deal, "utilization", STRESS_UTILIZATIONS),
        stress_contract=stress_grid(deal, "contracted_share", STRESS_SHARES),
        collateral=collateral,
        credit=credit_results(deal, debt),
        flags=flags,
        live_min_dscr=min_dscr(contractual) if prepays else summary.min_dscr,
        prepays=prepays,
    )
