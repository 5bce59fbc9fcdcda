r"""The loan of a GPU financing: interest, principal, debt service and balance per period.

Conventions (the tests and the memo's Excel formulas rely on them): periods as in
:mod:`addin.analytics.cashflow`. Interest = opening balance x :math:`i_k`, :math:`i_k` =
interest_rate / p (a floating deal: (base_rate + margin + rate_shock from
rate_shock_year) / p, see :func:`period_rates`). Annuity: level payment
:math:`P = (L - B(1+i)^{-n})\, i / (1 - (1+i)^{-n})`,
balloon :math:`B` paid on top in the last period; linear: :math:`L(1 - \text{balloon})/n` a
period plus :math:`B` at the end; bullet: all principal at the end; sculpted: debt service
:math:`\max(\text{CFADS}_k, 0)/\text{target}` at the deal's own decline, loan
:math:`= \sum_k DS_k (1+i)^{-k}`, kept as sized under any other decline. When the rate
changes (a shock), an annuity's level payment is recomputed on the balance and the remaining
term at the new rate (the balloon unchanged); linear and bullet principal is unchanged; a
sculpted loan is sized at the period rates.

Examples
--------
>>> round(sculpted_debt_capacity([130.0, 130.0], 0.0, 1.3), 6)
200.0
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np
from dateutil.relativedelta import relativedelta

from addin.analytics.cashflow import cash_flows
from addin.model.deal import Deal
from addin.model.errors import InputError
from addin.model.params import param
from addin.model.types import ArrayLike, FloatArray


@dataclass(frozen=True)
class Debt:
    """Debt schedule of a deal: arrays over periods 1..n, money in USD."""

    loan_amount: float
    interest: FloatArray
    principal: FloatArray
    debt_service: FloatArray
    balance: FloatArray  # closing balance after the period's payment


def sculpted_debt_capacity(cfads: ArrayLike, rate_per_period: float, target_dscr: float) -> float:
    r"""Largest loan whose debt service keeps every period's DSCR at the target.

    Parameters
    ----------
    cfads : array_like
        Cash flow available for debt service of periods 1..n, USD.
    rate_per_period : float
        Interest rate per period, decimal (0.0075 = 0.75% a month).
    target_dscr : float
        Target coverage, e.g. 1.30.

    Returns
    -------
    float
        Debt capacity in USD: :math:`\sum_k \max(CFADS_k, 0) / \text{target} / (1+i)^k`.

    References
    ----------
    E. R. Yescombe, *Principles of Project Finance*, 2nd ed. (2014), ch. 14: "sculpting"
    sets debt service to CFADS / target DSCR; the loan is its present value at the loan rate.

    Examples
    --------
    >>> round(sculpted_debt_capacity([130.0, 130.0], 0.0, 1.3), 6)
    200.0

    In Excel: ``=DSCR_DEBT_CAPACITY(B2:B121, 0.0075, 1.3)``.
    """
    flows = param("cfads").check_array(cfads).ravel()
    if flows.size == 0:
        raise InputError("cfads", cfads, "one or more amounts in USD")
    param("rate_per_period").check(rate_per_period)
    param("target_dscr").check(target_dscr)
    k = np.arange(1, flows.size + 1)
    return float(np.sum(np.maximum(flows, 0.0) / target_dscr / (1.0 + rate_per_period) ** k))


def period_rates(deal: Deal) -> FloatArray:
    r"""Interest rate of each period, decimal per period.

    Parameters
    ----------
    deal : Deal

    Returns
    -------
    numpy.ndarray
        :math:`i_k = (\text{interest\_rate} + \text{rate\_shock} \cdot
        [t_k \ge \text{rate\_shock\_year}]) / p` for periods starting at
        :math:`t_k = (k-1)/p`; interest_rate is base_rate + margin for a floating deal, and
        a shock needs one (fixed rates do not re-price).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 8, "market_rate": 2, "loan_amount": 1000,
    ...                   "base_rate": 0.04, "margin": 0.06, "rate_shock": 0.02,
    ...                   "rate_shock_year": 1, "tenor_years": 2, "periods_per_year": 2})
    >>> [round(float(i), 6) for i in period_rates(deal)]
    [0.05, 0.05, 0.06, 0.06]
    """
    p = deal.periods_per_year
    t = np.arange(deal.periods) / p
    shocked = t >= deal.rate_shock_year - 1e-9  # a period starting on the shock year
    return np.where(shocked, (deal.interest_rate + deal.rate_shock) / p, deal.interest_rate / p)


def _level_payment(balance: float, balloon: float, i: float, n: int) -> float:
    """Level annuity payment repaying ``balance`` over ``n`` periods, ``balloon`` on top."""
    if i == 0:
        return (balance - balloon) / n
    annuity = -math.expm1(-n * math.log1p(i))  # 1 - (1 + i)^-n, exact for tiny i
    return (balance - balloon * (1 + i) ** -n) * i / annuity


def _amortize(balance0: float, i: float | FloatArray, debt_service: FloatArray) -> Debt:
    """Roll a balance forward given each period's debt service (rate per period, or one each)."""
    n = debt_service.size
    rates = np.broadcast_to(np.asarray(i, dtype=float), (n,))
    interest = np.empty(n)
    principal = np.empty(n)
    closing = np.empty(n)
    balance = balance0
    for k in range(n):  # short loop (n <= 360); the recurrence is inherently sequential
        interest[k] = balance * rates[k]
        principal[k] = debt_service[k] - interest[k]
        balance -= principal[k]
        closing[k] = balance
    closing[np.abs(closing) < 1e-9 * max(balance0, 1.0)] = 0.0
    return Debt(balance0, interest, principal, debt_service.copy(), closing)


def _repriced_annuity(loan: float, balloon: float, rates: FloatArray) -> Debt:
    """Annuity whose level payment is recomputed, on the balance and the remaining term,
    in every period whose rate differs from the previous one; the balloon stays."""
    n = rates.size
    interest, principal, ds, closing = (np.empty(n) for _ in range(4))
    balance, level = loan, 0.0
    for k in range(n):
        if k == 0 or rates[k] != rates[k - 1]:
            level = _level_payment(balance, balloon, float(rates[k]), n - k)
        interest[k] = balance * rates[k]
        ds[k] = level + (balloon if k == n - 1 else 0.0)
        principal[k] = ds[k] - interest[k]
        balance -= principal[k]
        closing[k] = balance
    closing[np.abs(closing) < 1e-9 * max(loan, 1.0)] = 0.0
    return Debt(loan, interest, principal, ds, closing)


@functools.lru_cache(maxsize=256)
def debt_schedule(deal: Deal) -> Debt:
    """Interest, principal, debt service and balance of the deal's loan.

    Parameters
    ----------
    deal : Deal

    Returns
    -------
    Debt
        Arrays over periods 1..n in USD. A sculpted loan is sized on the deal's own
        annual_decline and keeps that debt service under any other decline.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 8, "market_rate": 2, "loan_amount": 1000,
    ...                   "interest_rate": 0.1, "tenor_years": 2, "periods_per_year": 1,
    ...                   "amortization": "linear"})
    >>> debt_schedule(deal).debt_service.tolist()
    [600.0, 550.0]
    """
    n = deal.periods
    rates = period_rates(deal)
    fixed = not np.any(rates != rates[0])
    i = float(rates[0])  # one rate all along: shocked too when the shock starts at close
    if deal.amortization == "sculpted":
        cfads = cash_flows(deal)["cfads"]
        ds = np.maximum(cfads, 0.0) / deal.target_dscr
        if fixed:
            loan = sculpted_debt_capacity(cfads, i, deal.target_dscr)
            return _amortize(loan, i, ds)
        loan = float(np.sum(ds / np.cumprod(1.0 + rates)))  # PV at the period rates
        return _amortize(loan, rates, ds)
    loan = float(deal.loan_amount or 0.0)
    balloon = deal.balloon * loan
    if deal.amortization == "annuity":
        if fixed:
            ds = np.full(n, _level_payment(loan, balloon, i, n))
            ds[-1] += balloon
            return _amortize(loan, i, ds)
        return _repriced_annuity(loan, balloon, rates)
    if deal.amortization == "linear":
        principal = np.full(n, loan * (1 - deal.balloon) / n)
    else:  # bullet
        principal = np.zeros(n)
        balloon = loan
    principal[-1] += balloon
    opening = loan - np.concatenate(([0.0], np.cumsum(principal)[:-1]))
    interest = opening * (i if fixed else rates)
    closing = opening - principal
    closing[np.abs(closing) < 1e-9 * max(loan, 1.0)] = 0.0
    return Debt(loan, interest, principal, principal + interest, closing)


def period_dates(deal: Deal) -> list[dt.date] | None:
    """Payment date of each period (the period's end), or None without a start date.

    Parameters
    ----------
    deal : Deal

    Returns
    -------
    list of datetime.date or None
        The start date plus k x 12 / periods_per_year calendar months for k = 1..n; a day
        past the end of a shorter month becomes that month's last day (Jan 31 + 1 month =
        Feb 28 or 29), as Excel's EDATE does.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 8, "market_rate": 2, "loan_amount": 1000,
    ...                   "interest_rate": 0.1, "tenor_years": 1, "periods_per_year": 4,
    ...                   "start_date": "2026-11-30"})
    >>> [str(d) for d in period_dates(deal)]
    ['2027-02-28', '2027-05-30', '2027-08-30', '2027-11-30']
    """
    if deal.start_date is None:
        return None
    start, step = deal.start_date, 12 // deal.periods_per_year
    return [start + relativedelta(months=step * k) for k in range(1, deal.periods + 1)]
