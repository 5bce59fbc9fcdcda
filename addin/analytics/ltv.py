r"""Loan-to-value of a GPU financing over the loan's life, and the duration mismatch.

The loan balance of :mod:`addin.analytics.debt` against the fleet's book, market, economic
(:mod:`addin.analytics.collateral`) and fire-sale (:mod:`addin.analytics.liquidation`)
values, period by period; the first period under water; the loan's weighted average life
against the GPUs' half-life and economic life.

Examples
--------
>>> from addin.model.deal import load_deal
>>> d = load_deal({"name": "X", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2.5e7,
...                "interest_rate": 0.09, "tenor_years": 5, "market_absorption": 500,
...                "amortization": "bullet"})
>>> underwater_period(d)
(3, None)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from addin.analytics.collateral import (
    MAX_ECONOMIC_LIFE_YEARS,
    _deal_economic,
    _defaults,
    _life,
    _market,
    book_value,
    deal_cost_per_hour,
    deal_half_life,
)
from addin.analytics.debt import debt_schedule, period_dates
from addin.analytics.liquidation import _liquidation_grid, sale_terms
from addin.model.deal import Deal, load_deal
from addin.model.types import FloatArray


def _ltv(balance: FloatArray, value: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # tiny value: inf LTV
        ratio = balance / value
    ratio = np.where(value > 0, ratio, np.where(balance > 0, np.inf, np.nan))
    return np.asarray(ratio, dtype=float)


def ltv_schedule(deal: Deal | Mapping[str, Any]) -> pd.DataFrame:
    r"""Loan balance against the fleet's book, market, economic and liquidation values.

    Parameters
    ----------
    deal : Deal, mapping or deal file path
        ``market_absorption`` must be set (liquidation needs it).

    Returns
    -------
    pandas.DataFrame
        One row at close (period 0) and one at the end of each period k = 1..n:
        ``period``, ``date`` (start_date for period 0, then payment dates; only with a
        start date), ``year`` (k / periods_per_year, years from close),
        ``fleet_age_years``, ``balance`` (USD: the loan at close, then the closing balance
        of the DSCR schedule), the fleet's ``book_value``, ``market_value``,
        ``economic_value`` and ``liquidation_value`` (USD, gpus x per-GPU value),
        ``liquidation_recovery`` (liquidation / market value), ``liquidation_months``,
        and ``ltv_book``, ``ltv_market``, ``ltv_economic``, ``ltv_liquidation``
        (balance / value, decimal; ``inf`` where a value is 0 and the balance is not).

    Notes
    -----
    The market value steps down at the launches of the model's successors (catalog dates
    from the deal's start_date, see :func:`~addin.analytics.collateral.deal_launch_ages`).
    The liquidation value of a period is the fire-sale net proceeds, valued at that date,
    of repossessing and selling the whole fleet from then on at its market value per GPU,
    as :func:`liquidation_value` with the deal's sale terms
    (:func:`~addin.analytics.liquidation.sale_terms`). The economic value at time
    :math:`t` starts from the market rent :math:`r_0(1-d)^t` (spot rent: contracts are not
    part of the collateral's value) and deducts power, opex and colocation.

    Examples
    --------
    >>> d = load_deal({"name": "X", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                "interest_rate": 0.09, "tenor_years": 5, "market_absorption": 500})
    >>> table = ltv_schedule(d)
    >>> len(table), f"{table['ltv_book'].iloc[0]:.4f}"
    (61, '0.5952')

    In Excel: ``=LTV_TABLE(Deal)``.
    """
    the_deal = load_deal(deal)
    terms = sale_terms(the_deal)
    p = the_deal.periods_per_year
    n = the_deal.periods
    periods = np.arange(n + 1)
    t = periods / p
    ages = the_deal.gpu_age_years + t
    debt = debt_schedule(the_deal)
    balance = np.concatenate(([debt.loan_amount], debt.balance))
    cost, keys = _defaults(the_deal)
    gpus = float(the_deal.gpus)
    book = gpus * book_value(cost, ages, the_deal.useful_life_years, the_deal.salvage_value)
    unit_market = _market(cost, ages, keys)
    market = gpus * unit_market
    economic = gpus * _deal_economic(the_deal, t)
    liquidation, months = _liquidation_grid(gpus, unit_market, terms)
    columns: dict[str, Any] = {"period": periods}
    dates = period_dates(the_deal)
    if dates is not None:
        columns["date"] = [the_deal.start_date, *dates]
    with np.errstate(divide="ignore", invalid="ignore"):
        recovery = np.where(market > 0, liquidation / market, np.nan)
    columns.update(
        year=t,
        fleet_age_years=ages,
        balance=balance,
        book_value=book,
        market_value=market,
        economic_value=economic,
        liquidation_value=liquidation,
        liquidation_recovery=recovery,
        liquidation_months=months.astype(int),
        ltv_book=_ltv(balance, book),
        ltv_market=_ltv(balance, market),
        ltv_economic=_ltv(balance, economic),
        ltv_liquidation=_ltv(balance, liquidation),
    )
    return pd.DataFrame(columns)


def underwater_period(
    deal: Deal | Mapping[str, Any],
) -> tuple[int, dt.date | None] | None:
    """First period whose loan balance exceeds the fleet's liquidation value.

    Parameters
    ----------
    deal : Deal, mapping or deal file path
        ``market_absorption`` must be set.

    Returns
    -------
    tuple or None
        ``(period, date)``: period 0 means already at close; date is the start date for
        period 0 and the payment date otherwise (None without a start date). None when the
        balance never exceeds the liquidation value.

    Examples
    --------
    >>> d = load_deal({"name": "X", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2.5e7,
    ...                "interest_rate": 0.09, "tenor_years": 5, "market_absorption": 500,
    ...                "amortization": "bullet"})
    >>> underwater_period(d)
    (3, None)
    >>> underwater_period({**d.to_dict(), "loan_amount": 5e6}) is None
    True

    In Excel: ``=LTV_UNDERWATER(Deal)``.
    """
    table = ltv_schedule(deal)
    under = np.flatnonzero(table["balance"].to_numpy() > table["liquidation_value"].to_numpy())
    if under.size == 0:
        return None
    row = int(under[0])
    date = table["date"].iloc[row] if "date" in table.columns else None
    return int(table["period"].iloc[row]), date


@dataclass(frozen=True)
class DurationMismatch:
    """The loan's weighted average life against how long the collateral holds value.

    Attributes
    ----------
    wal_years : float
        Principal-weighted average life of the loan, years from close.
    half_life_years : float
        Years from close until the GPUs' market value is half its value at close.
    economic_life_years : float
        Years from close until the market rent no longer covers power, opex and colocation
        (at most 15).
    wal_to_half_life, wal_to_economic_life : float
        wal_years / half_life_years and wal_years / economic_life_years (x); above 1 the
        loan outlives the measure (``inf`` when the economic life is 0).
    """

    wal_years: float
    half_life_years: float
    economic_life_years: float
    wal_to_half_life: float
    wal_to_economic_life: float


def duration_mismatch(deal: Deal | Mapping[str, Any]) -> DurationMismatch:
    r"""Weighted average life of the loan against the GPUs' half-life and economic life.

    Parameters
    ----------
    deal : Deal, mapping or deal file path

    Returns
    -------
    DurationMismatch
        Years and ratios (see the class).

    Notes
    -----
    .. math:: WAL = \frac{\sum_k (k/p)\, \text{principal}_k}{\sum_k \text{principal}_k}

    with principal from the DSCR schedule, paid at the end of period k. The half-life
    counts from the age at close, on the deal's launch dates
    (:func:`~addin.analytics.collateral.deal_half_life`); the economic life is
    :func:`economic_life` at the deal's market rent (15 years when the rent floor alone
    covers power).

    Examples
    --------
    >>> d = load_deal({"name": "X", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                "interest_rate": 0.09, "tenor_years": 5, "amortization": "bullet"})
    >>> m = duration_mismatch(d)
    >>> m.wal_years, round(m.half_life_years, 4), round(m.wal_to_half_life, 4)
    (5.0, 4.7535, 1.0518)

    In Excel: ``=LTV_DURATION_MISMATCH(Deal)``.
    """
    the_deal = load_deal(deal)
    debt = debt_schedule(the_deal)
    times = np.arange(1, the_deal.periods + 1) / the_deal.periods_per_year
    total = float(np.sum(debt.principal))
    wal = float(np.sum(times * debt.principal) / total) if total != 0 else math.nan
    half = deal_half_life(the_deal)
    c = deal_cost_per_hour(the_deal)
    if the_deal.rent_floor * the_deal.utilization > c:
        life = MAX_ECONOMIC_LIFE_YEARS
    else:
        life = _life(the_deal.market_rate, the_deal.annual_decline, the_deal.utilization, c)
    return DurationMismatch(
        wal_years=wal,
        half_life_years=half,
        economic_life_years=life,
        wal_to_half_life=wal / half if half > 0 else math.inf,
        wal_to_economic_life=wal / life if life > 0 else math.inf,
    )


__all__ = ["DurationMismatch", "duration_mismatch", "ltv_schedule", "underwater_period"]
