r"""Deflation-adjusted debt service coverage of a GPU financing.

Conventions (the tests and the memo's Excel formulas rely on them):

* Periods :math:`k = 1..n`, :math:`n` = tenor_years x periods_per_year, each
  :math:`h = 8760 / p` hours long (:math:`p` periods per year), starting at
  :math:`t_k = (k - 1) / p` years.
* Market rent :math:`r_k = \max(\text{floor}, r_0 (1 - d)^{t_k})` USD per GPU-hour.
* Contracted GPUs (gpus x contracted_share) earn contract_rate on every hour while
  :math:`t_k <` contract_years, then join the spot fleet; spot GPUs earn :math:`r_k` on
  ``utilization`` of their hours.
* Billed share :math:`b_k` = billed GPU-hours / all GPU-hours. Power cost = gpus x kW x PUE x
  h x power_price x :math:`(b_k + \text{idle} (1 - b_k))`; other opex = gpus x
  opex_per_gpu_year / p; CFADS = revenue - power - other opex.
* Interest = opening balance x :math:`i`, :math:`i` = interest_rate / p. Annuity: level
  payment :math:`P = (L - B(1+i)^{-n})\, i / (1 - (1+i)^{-n})`, balloon :math:`B` paid on top
  in the last period; linear: :math:`L(1 - \text{balloon})/n` a period plus :math:`B` at the
  end; bullet: all principal at the end; sculpted: debt service
  :math:`\max(\text{CFADS}_k, 0)/\text{target}` at the deal's own decline, loan
  :math:`= \sum_k DS_k (1+i)^{-k}`, kept as sized under any other decline.
* :math:`DSCR_k = CFADS_k / DS_k`, empty (NaN) where :math:`DS_k = 0`; summaries skip it.
  :math:`LLCR = \sum_k CFADS_k (1+i)^{-k} / L`.

Examples
--------
>>> from addin.model.deal import load_deal
>>> deal = load_deal({"name": "Demo", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
...                   "interest_rate": 0.09, "tenor_years": 5})
>>> round(min_dscr(deal), 4), round(min_dscr(deal, 0.0), 4)
(0.2311, 2.0921)
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from addin.model.deal import Deal
from addin.model.errors import InputError
from addin.model.types import ArrayLike, FloatArray
from addin.model.validate import finite_array, finite_number

HOURS_PER_YEAR = 8760.0
BREAKEVEN_MAX_DECLINE = 0.99
DECLINE_ALLOWED = "a decimal per year from 0 to 0.99 (0.30 = 30%)"


def _check_decline(name: str, value: float) -> float:
    return finite_number(name, value, 0.0, BREAKEVEN_MAX_DECLINE, DECLINE_ALLOWED)


def deflated_rent(
    start_rate: float,
    annual_decline: float,
    years: float,
    periods_per_year: int = 12,
    floor: float = 0.0,
) -> FloatArray:
    r"""Market rent of each period when rents deflate at a constant yearly rate.

    Parameters
    ----------
    start_rate : float
        Rent today, USD per GPU-hour.
    annual_decline : float
        Yearly fall of the rent, decimal (0.30 = 30% a year), from 0 to 0.99.
    years : float
        Horizon in years; years x periods_per_year must be a whole number.
    periods_per_year : int, default 12
        12, 4, 2 or 1.
    floor : float, default 0
        Lowest rent, USD per GPU-hour.

    Returns
    -------
    numpy.ndarray
        Rent of periods 1..n in USD per GPU-hour, taken at each period's start.

    Notes
    -----
    .. math:: r_k = \max(\text{floor}, r_0 (1 - d)^{(k-1)/p})

    Examples
    --------
    >>> deflated_rent(2.0, 0.30, 2, periods_per_year=1).round(4).tolist()
    [2.0, 1.4]

    In Excel: ``=DSCR_RENT_CURVE(2, 0.30, 2, 1)``.
    """
    finite_number("start_rate", start_rate, 0.0, None, "a rent >= 0 in USD per GPU-hour")
    _check_decline("annual_decline", annual_decline)
    if periods_per_year not in (12, 4, 2, 1):
        raise InputError("periods_per_year", periods_per_year, "one of 12, 4, 2, 1")
    n = years * periods_per_year
    horizon = "years > 0 and <= 100 giving a whole number of periods"
    finite_number("years", years, 0.0, 100.0, horizon, low_open=True)
    if abs(n - round(n)) > 1e-9 or round(n) < 1:
        raise InputError("years", years, horizon)
    finite_number("floor", floor, 0.0, None, "a rent >= 0 in USD per GPU-hour")
    t = np.arange(round(n)) / periods_per_year
    return np.maximum(floor, start_rate * (1.0 - annual_decline) ** t)


@dataclass(frozen=True)
class _Fleet:
    """Everything in the cash flows that does not depend on the rent path."""

    t: FloatArray  # period start, years
    contract_revenue: FloatArray  # USD per period
    spot_hours: FloatArray  # billed spot GPU-hours per period
    power: FloatArray  # USD per period
    opex: float  # USD per period


def _volumes(
    deal: Deal, t: FloatArray, utilization: ArrayLike, contracted_share: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Contract revenue, billed spot GPU-hours and power cost per period (scenario-shaped)."""
    hours = HOURS_PER_YEAR / deal.periods_per_year
    share = np.asarray(contracted_share, float)[..., None]
    contracted = np.where(t < deal.contract_years, deal.gpus * share, 0.0)
    spot_billed = (deal.gpus - contracted) * np.asarray(utilization, float)[..., None]
    billed_share = (contracted + spot_billed) / deal.gpus
    full_power = deal.gpus * deal.kw_per_gpu * deal.pue * hours * deal.power_price
    power = full_power * (billed_share + deal.idle_power_share * (1.0 - billed_share))
    return contracted * deal.effective_contract_rate * hours, spot_billed * hours, power


@functools.lru_cache(maxsize=256)
def _fleet(deal: Deal) -> _Fleet:
    t = np.arange(deal.periods) / deal.periods_per_year
    volumes = _volumes(deal, t, deal.utilization, deal.contracted_share)
    return _Fleet(t, *volumes, deal.gpus * deal.opex_per_gpu_year / deal.periods_per_year)


def cash_flows(
    deal: Deal,
    annual_decline: ArrayLike | None = None,
    utilization: ArrayLike | None = None,
    contracted_share: ArrayLike | None = None,
) -> dict[str, FloatArray]:
    """Revenue, power, opex and CFADS per period, broadcasting over scenario arrays.

    Parameters
    ----------
    deal : Deal
    annual_decline, utilization, contracted_share : float or array, optional
        Override the deal's value (decimals); arrays of any shape broadcast against a
        trailing period axis, so a grid of scenarios is computed at once.

    Returns
    -------
    dict of numpy.ndarray
        ``market_rate`` (USD per GPU-hour), ``revenue``, ``power_cost``, ``opex`` and
        ``cfads`` (USD per period), shaped ``scenario_shape + (periods,)``.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1, "market_rate": 2.0, "loan_amount": 1e4,
    ...                   "interest_rate": 0.1, "tenor_years": 1, "periods_per_year": 1,
    ...                   "utilization": 1.0})
    >>> round(float(cash_flows(deal)["revenue"][0]), 2)  # 2 USD x 8760 h
    17520.0
    """
    fleet, rent, revenue, power, cfads = _flows(deal, annual_decline, utilization, contracted_share)
    shape = cfads.shape
    return {
        "market_rate": np.broadcast_to(rent, shape),
        "revenue": np.broadcast_to(revenue, shape),
        "power_cost": np.broadcast_to(power, shape),
        "opex": np.full(shape, fleet.opex),
        "cfads": cfads,
    }


def _flows(
    deal: Deal,
    annual_decline: ArrayLike | None,
    utilization: ArrayLike | None,
    contracted_share: ArrayLike | None,
) -> tuple[_Fleet, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Fleet constants, rent, revenue, power and CFADS (see :func:`cash_flows`)."""
    d = np.asarray(deal.annual_decline if annual_decline is None else annual_decline, float)
    fleet = _fleet(deal)
    if utilization is None and contracted_share is None:
        contract_revenue, spot_hours, power = fleet.contract_revenue, fleet.spot_hours, fleet.power
    else:
        contract_revenue, spot_hours, power = _volumes(
            deal,
            fleet.t,
            deal.utilization if utilization is None else utilization,
            deal.contracted_share if contracted_share is None else contracted_share,
        )
    rent = np.maximum(deal.rent_floor, deal.market_rate * (1.0 - d[..., None]) ** fleet.t)
    revenue = contract_revenue + spot_hours * rent
    return fleet, rent, revenue, power, revenue - power - fleet.opex


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
    flows = np.asarray(cfads, dtype=float).ravel()
    if flows.size == 0 or not np.all(np.isfinite(flows)):
        raise InputError("cfads", cfads, "one or more finite amounts in USD")
    finite_number(
        "rate_per_period",
        rate_per_period,
        -1.0,
        1.0,
        "a decimal per period > -1 and <= 1",
        low_open=True,
    )
    finite_number("target_dscr", target_dscr, 0.0, None, "a coverage > 0, e.g. 1.30", low_open=True)
    k = np.arange(1, flows.size + 1)
    return float(np.sum(np.maximum(flows, 0.0) / target_dscr / (1.0 + rate_per_period) ** k))


def _amortize(balance0: float, i: float, debt_service: FloatArray) -> Debt:
    """Roll a balance forward given each period's debt service."""
    n = debt_service.size
    interest = np.empty(n)
    principal = np.empty(n)
    closing = np.empty(n)
    balance = balance0
    for k in range(n):  # short loop (n <= 360); the recurrence is inherently sequential
        interest[k] = balance * i
        principal[k] = debt_service[k] - interest[k]
        balance -= principal[k]
        closing[k] = balance
    closing[np.abs(closing) < 1e-9 * max(balance0, 1.0)] = 0.0
    return Debt(balance0, interest, principal, debt_service.copy(), closing)


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
    i = deal.interest_rate / deal.periods_per_year
    if deal.amortization == "sculpted":
        cfads = cash_flows(deal)["cfads"]
        ds = np.maximum(cfads, 0.0) / deal.target_dscr
        loan = sculpted_debt_capacity(cfads, i, deal.target_dscr)
        return _amortize(loan, i, ds)
    loan = float(deal.loan_amount or 0.0)
    balloon = deal.balloon * loan
    if deal.amortization == "annuity":
        if i == 0:
            level = (loan - balloon) / n
        else:
            annuity = -math.expm1(-n * math.log1p(i))  # 1 - (1 + i)^-n, exact for tiny i
            level = (loan - balloon * (1 + i) ** -n) * i / annuity
        ds = np.full(n, level)
        ds[-1] += balloon
        return _amortize(loan, i, ds)
    if deal.amortization == "linear":
        principal = np.full(n, loan * (1 - deal.balloon) / n)
    else:  # bullet
        principal = np.zeros(n)
        balloon = loan
    principal[-1] += balloon
    opening = loan - np.concatenate(([0.0], np.cumsum(principal)[:-1]))
    interest = opening * i
    closing = opening - principal
    closing[np.abs(closing) < 1e-9 * max(loan, 1.0)] = 0.0
    return Debt(loan, interest, principal, principal + interest, closing)


def _dscr(cfads: FloatArray, debt_service: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            debt_service > 0, cfads / np.where(debt_service > 0, debt_service, 1), np.nan
        )


def min_dscr(deal: Deal, annual_decline: float | None = None) -> float:
    """Minimum DSCR over the loan's life when rents deflate at ``annual_decline``.

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    float
        Lowest CFADS / debt service over periods with debt service (x); NaN if none has.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> round(min_dscr(deal, 0.30), 4), round(min_dscr(deal, 0.0), 4)
    (0.2311, 2.0921)

    In Excel: ``=DSCR_MIN(Deal, 0.30)``.
    """
    return float(min_dscr_grid(deal, annual_decline))


def min_dscr_grid(
    deal: Deal,
    annual_decline: ArrayLike | None = None,
    utilization: ArrayLike | None = None,
    contracted_share: ArrayLike | None = None,
) -> FloatArray:
    """Minimum DSCR for every scenario of a grid, computed at once.

    Parameters
    ----------
    deal : Deal
    annual_decline, utilization, contracted_share : float or array, optional
        Scenario values (decimals); arrays broadcast together.

    Returns
    -------
    numpy.ndarray
        Minimum DSCR (x) per scenario, NaN where no period has debt service.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2, "loan_amount": 1e6,
    ...                   "interest_rate": 0.1, "tenor_years": 3})
    >>> grid = min_dscr_grid(deal, [[0.0], [0.3]], [0.6, 0.8])
    >>> grid.shape, bool(grid[0, 0] > grid[1, 0])
    ((2, 2), True)
    """
    if annual_decline is not None:
        finite_array("annual_decline", annual_decline, 0.0, BREAKEVEN_MAX_DECLINE, DECLINE_ALLOWED)
    cfads = _flows(deal, annual_decline, utilization, contracted_share)[-1]
    ds = debt_schedule(deal).debt_service
    if not np.any(ds > 0):
        return np.full(cfads.shape[:-1], np.nan)
    result: FloatArray = np.min(cfads[..., ds > 0] / ds[ds > 0], axis=-1)
    return result


def avg_dscr(deal: Deal, annual_decline: float | None = None) -> float:
    """Average DSCR over the periods with debt service when rents deflate.

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    float
        Simple mean of CFADS_k / DS_k over periods with DS_k > 0 (x); NaN if none has.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> round(avg_dscr(deal, 0.0), 4)  # flat rent, level annuity: every period alike
    2.0921

    In Excel: ``=DSCR_AVG(Deal, 0.30)``.
    """
    if annual_decline is not None:
        _check_decline("annual_decline", annual_decline)
    ds = debt_schedule(deal).debt_service
    if not np.any(ds > 0):
        return math.nan
    cfads = _flows(deal, annual_decline, None, None)[-1]
    return float(np.mean(cfads[ds > 0] / ds[ds > 0]))


def llcr(deal: Deal, annual_decline: float | None = None) -> float:
    r"""Loan life coverage ratio: PV of CFADS over the loan's life divided by the loan.

    .. math:: LLCR = \sum_k CFADS_k (1 + i)^{-k} / L

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    float
        LLCR (x).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2, "interest_rate": 0.1,
    ...                   "tenor_years": 3, "amortization": "sculpted", "target_dscr": 1.4})
    >>> round(llcr(deal), 10)
    1.4

    In Excel: ``=DSCR_LLCR(Deal, 0.30)``.
    """
    if annual_decline is not None:
        _check_decline("annual_decline", annual_decline)
    cfads = cash_flows(deal, annual_decline)["cfads"]
    i = deal.interest_rate / deal.periods_per_year
    pv = float(np.sum(cfads / (1.0 + i) ** np.arange(1, cfads.size + 1)))
    loan = debt_schedule(deal).loan_amount
    return pv / loan if loan > 0 else math.nan


def breakeven_decline(
    deal: Deal,
    threshold: float = 1.0,
    utilization: float | None = None,
    contracted_share: float | None = None,
) -> float | None:
    """Largest yearly rent decline at which the minimum DSCR still meets a threshold.

    Parameters
    ----------
    deal : Deal
    threshold : float, default 1.00
        DSCR to hold (x).
    utilization, contracted_share : float, optional
        Scenario values (decimals) replacing the deal's, with its debt kept as sized.

    Returns
    -------
    float or None
        Decline in [0, 0.99] (decimal per year) where min DSCR equals the threshold;
        None if 0% already breaches; 0.99 if nothing up to 99% breaches.

    Notes
    -----
    Min DSCR is continuous and non-increasing in the decline (rents fall, debt service
    does not move), so the root is bracketed and found by Brent's method to 1e-12.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> d = breakeven_decline(deal, 1.0)
    >>> round(min_dscr(deal, d), 6)
    1.0

    In Excel: ``=DSCR_BREAKEVEN_DECLINE(Deal, 1.0)``.
    """
    finite_number("threshold", threshold, 0.0, None, "a coverage >= 0, e.g. 1.00")

    def excess(d: float) -> float:
        return float(min_dscr_grid(deal, d, utilization, contracted_share)) - threshold

    at_zero = excess(0.0)
    if math.isnan(at_zero) or at_zero < 0:
        return None
    if excess(BREAKEVEN_MAX_DECLINE) >= 0:
        return BREAKEVEN_MAX_DECLINE
    return float(brentq(excess, 0.0, BREAKEVEN_MAX_DECLINE, xtol=1e-13))


def _add_months(start: dt.date, months: int) -> dt.date:
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
    return dt.date(year, month0 + 1, day)


def period_dates(deal: Deal) -> list[dt.date] | None:
    """Payment date of each period (the period's end), or None without a start date."""
    if deal.start_date is None:
        return None
    step = 12 // deal.periods_per_year
    return [_add_months(deal.start_date, step * k) for k in range(1, deal.periods + 1)]


SCHEDULE_COLUMNS = (
    "period",
    "date",
    "year",
    "market_rate",
    "revenue",
    "power_cost",
    "opex",
    "cfads",
    "interest",
    "principal",
    "debt_service",
    "balance",
    "dscr",
)


def dscr_schedule(deal: Deal, annual_decline: float | None = None) -> pd.DataFrame:
    """Period-by-period cash flows, debt and DSCR.

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    pandas.DataFrame
        One row per period: ``period``, ``date`` (payment date at the period's end, only
        when the deal has a start date), ``year`` (period start, years), ``market_rate``
        (USD per GPU-hour), ``revenue``, ``power_cost``, ``opex``, ``cfads``, ``interest``,
        ``principal``, ``debt_service``, ``balance`` (closing, USD) and ``dscr`` (x, NaN
        where there is no debt service).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2, "loan_amount": 1e6,
    ...                   "interest_rate": 0.1, "tenor_years": 3, "start_date": "2026-01-15"})
    >>> table = dscr_schedule(deal)
    >>> len(table), str(table["date"].iloc[0])
    (36, '2026-02-15')

    In Excel: ``=DSCR_TABLE(Deal, 0.30)``.
    """
    if annual_decline is not None:
        _check_decline("annual_decline", annual_decline)
    flows = cash_flows(deal, annual_decline)
    debt = debt_schedule(deal)
    columns: dict[str, object] = {"period": np.arange(1, deal.periods + 1)}
    dates = period_dates(deal)
    if dates is not None:
        columns["date"] = dates
    columns["year"] = _fleet(deal).t
    for name in ("market_rate", "revenue", "power_cost", "opex", "cfads"):
        columns[name] = flows[name]
    columns.update(
        interest=debt.interest,
        principal=debt.principal,
        debt_service=debt.debt_service,
        balance=debt.balance,
        dscr=_dscr(flows["cfads"], debt.debt_service),
    )
    return pd.DataFrame(columns)


@dataclass(frozen=True)
class DscrSummary:
    """Key coverage metrics of a deal under one rent decline (coverage in x)."""

    annual_decline: float
    min_dscr: float
    avg_dscr: float
    llcr: float
    first_lockup_breach: int | None
    first_lockup_date: dt.date | None
    first_default_breach: int | None
    first_default_date: dt.date | None
    breakeven_decline: float | None
    flat_min_dscr: float
    flat_avg_dscr: float
    loan_amount: float


def first_breach(
    deal: Deal, threshold: float | None = None, annual_decline: float | None = None
) -> tuple[int, dt.date | None] | None:
    """First period whose DSCR is below a threshold, with its payment date.

    Parameters
    ----------
    deal : Deal
    threshold : float, optional
        Coverage (x); default the deal's lock-up level.
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    tuple or None
        ``(period, date)``, date None without a start date; None when no period breaches.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> first_breach(deal, 1.2, 0.0) is None, first_breach(deal, 1.2, 0.3)[0]
    (True, 18)

    In Excel: ``=DSCR_FIRST_BREACH(Deal, 1.2, 0.30)``.
    """
    level = deal.lockup_dscr if threshold is None else threshold
    finite_number("threshold", level, 0.0, None, "a coverage >= 0, e.g. 1.20")
    if annual_decline is not None:
        _check_decline("annual_decline", annual_decline)
    cfads = cash_flows(deal, annual_decline)["cfads"]
    dscr = _dscr(cfads, debt_schedule(deal).debt_service)
    below = np.flatnonzero(dscr < level)  # NaN compares False: periods without debt skip
    if below.size == 0:
        return None
    k = int(below[0])
    dates = period_dates(deal)
    return k + 1, (dates[k] if dates else None)


def dscr_summary(deal: Deal, annual_decline: float | None = None) -> DscrSummary:
    """Min and average DSCR, LLCR, first covenant breaches and breakeven decline.

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    DscrSummary
        Also the flat-rent (real-estate model, decline 0) min and average DSCR, so the
        mismatch is visible side by side.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> s = dscr_summary(deal)
    >>> round(s.min_dscr, 2), round(s.flat_min_dscr, 2), s.first_default_breach
    (0.23, 2.09, 22)
    """
    decline = (
        deal.annual_decline
        if annual_decline is None
        else _check_decline("annual_decline", annual_decline)
    )
    lockup = first_breach(deal, deal.lockup_dscr, decline)
    default = first_breach(deal, deal.default_dscr, decline)
    return DscrSummary(
        annual_decline=decline,
        min_dscr=min_dscr(deal, decline),
        avg_dscr=avg_dscr(deal, decline),
        llcr=llcr(deal, decline),
        first_lockup_breach=lockup[0] if lockup else None,
        first_lockup_date=lockup[1] if lockup else None,
        first_default_breach=default[0] if default else None,
        first_default_date=default[1] if default else None,
        breakeven_decline=breakeven_decline(deal, 1.0),
        flat_min_dscr=min_dscr(deal, 0.0),
        flat_avg_dscr=avg_dscr(deal, 0.0),
        loan_amount=debt_schedule(deal).loan_amount,
    )
