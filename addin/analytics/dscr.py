r"""Deflation-adjusted debt service coverage of a GPU financing.

Cash flows come from :mod:`addin.analytics.cashflow`, debt service from
:mod:`addin.analytics.debt`. :math:`DSCR_k = CFADS_k / DS_k`, empty (NaN) where
:math:`DS_k = 0`; summaries skip it. :math:`LLCR = \sum_k CFADS_k (1+i)^{-k} / L`.

Examples
--------
>>> from addin.model.deal import load_deal
>>> deal = load_deal({"name": "Demo", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
...                   "interest_rate": 0.09, "tenor_years": 5})
>>> round(min_dscr(deal), 4), round(min_dscr(deal, 0.0), 4)
(0.2254, 2.0921)
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from addin.analytics.cashflow import (
    BREAKEVEN_MAX_DECLINE,
    _check_decline,
    _fleet,
    _flows,
    cash_flows,
)
from addin.analytics.debt import debt_schedule, period_dates, period_rates
from addin.analytics.waterfall import (
    EVENT_NAMES,
    WaterfallTerms,
    deal_run,
    deal_waterfall,
    event_text,
)
from addin.model.deal import Deal
from addin.model.params import param
from addin.model.types import ArrayLike, FloatArray


def _dscr(cfads: FloatArray, debt_service: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            debt_service > 0, cfads / np.where(debt_service > 0, debt_service, 1), np.nan
        )


def _debt_service(deal: Deal, cfads: FloatArray) -> FloatArray:
    """Debt service due per period, shaped like ``cfads``: the schedule, unless a sweep or an
    LTV cure prepays (then the waterfall's, per scenario)."""
    if not WaterfallTerms.of(deal).prepays:
        return debt_schedule(deal).debt_service
    paths = deal_waterfall(deal, cfads.reshape(-1, cfads.shape[-1]), show_ltv=False)
    return paths["debt_service"].reshape(cfads.shape)


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
    (0.2254, 2.0921)

    In Excel: ``=DSCR_MIN(Deal, 0.30)``.
    """
    if not WaterfallTerms.of(deal).prepays:
        return float(min_dscr_grid(deal, annual_decline))
    if annual_decline is not None:
        _check_decline("annual_decline", annual_decline)
    return _waterfall_min_dscr(deal, annual_decline)


@functools.lru_cache(maxsize=128)
def _waterfall_min_dscr(deal: Deal, annual_decline: float | None) -> float:
    """Minimum DSCR on the waterfall's debt service (after prepayments), kept per run."""
    run = deal_run(deal, annual_decline)
    cover = _dscr(run["cfads"][0], run["debt_service"][0])
    return float(np.nanmin(cover)) if np.any(np.isfinite(cover)) else math.nan


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
        param("annual_decline").check_array(annual_decline)
    cfads = _flows(deal, annual_decline, utilization, contracted_share)[-1]
    ds = _debt_service(deal, cfads)
    if ds.ndim > 1:  # prepayments: each scenario has its own debt service
        cover = np.where(ds > 0, _dscr(cfads, ds), np.inf).min(axis=-1)
        return np.where(np.isinf(cover), np.nan, cover)
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
    cfads = _flows(deal, annual_decline, None, None)[-1]
    ds = _debt_service(deal, cfads)
    if not np.any(ds > 0):
        return math.nan
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
    pv = float(np.sum(cfads / _compounding(deal, cfads.size)))
    loan = debt_schedule(deal).loan_amount
    return pv / loan if loan > 0 else math.nan


def _compounding(deal: Deal, periods: int) -> FloatArray:
    """Growth of 1 USD at the loan's period rates to the end of periods 1..``periods``
    (the last rate runs on past maturity)."""
    rates = period_rates(deal)
    if np.all(rates == rates[0]):
        i = float(rates[0])  # shocked too when the shock starts at close
        return np.asarray((1.0 + i) ** np.arange(1, periods + 1), dtype=float)
    padded = np.concatenate((rates, np.full(max(periods - rates.size, 0), rates[-1])))
    return np.asarray(np.cumprod(1.0 + padded[:periods]), dtype=float)


def min_llcr(deal: Deal, annual_decline: float | None = None) -> float:
    r"""Lowest loan life coverage ratio over the loan's life, tested at each period's start.

    .. math:: LLCR_k = \frac{\sum_{j \ge k} CFADS_j \, C_{k-1} / C_j}{B_{k-1}}

    with :math:`C_j` the growth of 1 USD at the loan's period rates and :math:`B_{k-1}` the
    opening balance (after the waterfall's prepayments); periods with no balance skip.

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    float
        Minimum LLCR (x); at close it is :func:`llcr`.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2, "interest_rate": 0.1,
    ...                   "tenor_years": 3, "amortization": "sculpted", "target_dscr": 1.4})
    >>> round(min_llcr(deal), 10)  # sculpted: 1.4 all along
    1.4
    """
    if annual_decline is not None:
        _check_decline("annual_decline", annual_decline)
    run = deal_run(deal, annual_decline)
    cfads = run["cfads"][0]
    growth = _compounding(deal, cfads.size)
    pv_end = np.cumsum((cfads / growth)[::-1])[::-1]  # PV at close of CFADS from k on
    start = np.concatenate(([1.0], growth[:-1]))
    debt = debt_schedule(deal)
    balance = run["balance"][0]
    opening = np.concatenate(([debt.loan_amount], balance[:-1]))
    live = opening > 1e-9 * max(debt.loan_amount, 1.0)
    if not np.any(live):
        return math.nan
    return float(np.min(pv_end[live] * start[live] / opening[live]))


def _project_cfads(deal: Deal, annual_decline: float | None) -> FloatArray:
    """CFADS over the project's life: the loan's tenor, then on to the end of the GPUs'
    remaining useful life while CFADS stays positive (the fleet is switched off after)."""
    p = deal.periods_per_year
    life = max(deal.useful_life_years - deal.gpu_age_years, deal.tenor_years)
    extended = deal.replace(tenor_years=math.ceil(life * p - 1e-9) / p)
    cfads = cash_flows(extended, annual_decline)["cfads"]
    tail = cfads[deal.periods :]
    stop = np.flatnonzero(tail <= 0)
    return cfads[: deal.periods + (int(stop[0]) if stop.size else tail.size)]


def plcr(deal: Deal, annual_decline: float | None = None) -> float:
    r"""Project life coverage ratio: PV of CFADS over the project's life over the loan.

    .. math:: PLCR = \sum_{k=1}^{N} CFADS_k / C_k \,/\, L

    :math:`N` runs past maturity to the end of the GPUs' remaining useful life
    (useful_life_years - gpu_age_years), stopping at the first period after maturity with a
    CFADS <= 0; :math:`C_k` compounds the loan's period rates (the last one past maturity).

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    float
        PLCR (x), at least the LLCR at close when the tail CFADS is positive.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2, "loan_amount": 1e6,
    ...                   "interest_rate": 0.1, "tenor_years": 3, "annual_decline": 0})
    >>> bool(plcr(deal) > llcr(deal))  # six years of useful life against three of debt
    True
    """
    if annual_decline is not None:
        _check_decline("annual_decline", annual_decline)
    cfads = _project_cfads(deal, annual_decline)
    loan = debt_schedule(deal).loan_amount
    pv = float(np.sum(cfads / _compounding(deal, cfads.size)))
    return pv / loan if loan > 0 else math.nan


def contract_expiry_cliff(deal: Deal, annual_decline: float | None = None) -> float | None:
    """The CFADS step at contract expiry, USD per period (negative: CFADS falls).

    CFADS of the first period starting at or after the expiry minus that of the last period
    ending at or before it (a period straddling the expiry falls between the two). None
    without a contract, or if the expiry is past the project's life.

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    float or None
        USD per period.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2, "loan_amount": 1e6,
    ...                   "interest_rate": 0.1, "tenor_years": 3, "contracted_share": 1,
    ...                   "contract_rate": 3, "contract_years": 1, "annual_decline": 0})
    >>> round(contract_expiry_cliff(deal))  # 100 x (2 x 0.8 - 3) USD x 730 h, less power saved
    -100748
    """
    if deal.contracted_share <= 0 or deal.contract_years <= 0:
        return None
    cfads = _project_cfads(deal, annual_decline)
    p = deal.periods_per_year
    before = math.floor(deal.contract_years * p + 1e-9)  # periods ending by the expiry
    after = math.ceil(deal.contract_years * p - 1e-9)  # index of the first period after it
    if before < 1 or after >= cfads.size:
        return None
    return float(cfads[after] - cfads[before - 1])


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
    param("threshold").check(threshold)

    def excess(d: float) -> float:
        return float(min_dscr_grid(deal, d, utilization, contracted_share)) - threshold

    at_zero = excess(0.0)
    if math.isnan(at_zero) or at_zero < 0:
        return None
    if excess(BREAKEVEN_MAX_DECLINE) >= 0:
        return BREAKEVEN_MAX_DECLINE
    return float(brentq(excess, 0.0, BREAKEVEN_MAX_DECLINE, xtol=1e-13))


SCHEDULE_COLUMNS = (
    "period",
    "date",
    "year",
    "market_rate",
    "revenue",
    "power_cost",
    "opex",
    "colocation",
    "cfads",
    "interest",
    "principal",
    "debt_service",
    "balance",
    "dscr",
    "dsra",
    "sweep",
    "trapped",
    "distributions",
    "arrears",
    "covenant_dscr",
    "ltv",
    "event",
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
        (the period's average market rent, USD per GPU-hour), ``revenue``, ``power_cost``,
        ``opex``, ``colocation``, ``cfads``, ``interest``,
        ``principal``, ``debt_service``, ``balance`` (closing, USD) and ``dscr`` (x, NaN
        where there is no debt service); then the waterfall
        (:mod:`addin.analytics.waterfall`): ``dsra`` and ``trapped`` (closing balances of
        the reserve and lock-up accounts), ``sweep`` (prepayment), ``distributions`` and
        ``arrears`` (unpaid debt service, USD), ``covenant_dscr`` (the deal's
        covenant_basis, x), ``ltv`` (closing balance / fleet market value, decimal) and
        ``event`` (the period's events as text, "" if none).

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
    debt = {name: values[0].copy() for name, values in deal_run(deal, annual_decline).items()}
    columns: dict[str, object] = {"period": np.arange(1, deal.periods + 1)}
    dates = period_dates(deal)
    if dates is not None:
        columns["date"] = dates
    columns["year"] = _fleet(deal).t
    for name in ("market_rate", "revenue", "power_cost", "opex", "colocation", "cfads"):
        columns[name] = flows[name]
    for name in ("interest", "principal", "debt_service", "balance"):
        columns[name] = debt[name]
    columns["dscr"] = _dscr(flows["cfads"], debt["debt_service"])
    for name in ("dsra", "sweep", "trapped", "distributions", "arrears", "covenant_dscr", "ltv"):
        columns[name] = debt[name]
    columns["event"] = [event_text(flags) for flags in debt["events"]]
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
    first_payment_default: int | None = None
    first_payment_default_date: dt.date | None = None
    first_covenant_default: int | None = None
    first_covenant_default_date: dt.date | None = None
    first_ltv_breach: int | None = None
    first_ltv_breach_date: dt.date | None = None
    min_llcr: float = math.nan
    plcr: float = math.nan
    contract_expiry_cliff: float | None = None


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
    param("threshold").check(level)
    if annual_decline is not None:
        _check_decline("annual_decline", annual_decline)
    cfads = cash_flows(deal, annual_decline)["cfads"]
    dscr = _dscr(cfads, _debt_service(deal, cfads))
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
    events = first_events(deal, decline)
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
        first_payment_default=events["payment default"][0],
        first_payment_default_date=events["payment default"][1],
        first_covenant_default=events["covenant default"][0],
        first_covenant_default_date=events["covenant default"][1],
        first_ltv_breach=events["LTV breach"][0],
        first_ltv_breach_date=events["LTV breach"][1],
        min_llcr=min_llcr(deal, decline),
        plcr=plcr(deal, decline),
        contract_expiry_cliff=contract_expiry_cliff(deal, decline),
    )


def first_events(
    deal: Deal, annual_decline: float | None = None
) -> dict[str, tuple[int | None, dt.date | None]]:
    """First period, and its payment date, of each kind of waterfall event.

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own.

    Returns
    -------
    dict
        For "payment default", "covenant default", "LTV breach", "LTV default" and
        "lock-up" (see :mod:`addin.analytics.waterfall`): ``(period, date)``, date None
        without a start date; ``(None, None)`` if it never happens.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> first_events(deal)["payment default"], first_events(deal, 0.0)["lock-up"]
    ((23, None), (None, None))

    In Excel: ``=DSCR_COVENANTS(Deal, 0.30)``.
    """
    if annual_decline is not None:
        _check_decline("annual_decline", annual_decline)
    flags = deal_run(deal, annual_decline)["events"][0]
    dates = period_dates(deal)
    found: dict[str, tuple[int | None, dt.date | None]] = {}
    for flag, name in EVENT_NAMES.items():
        hits = np.flatnonzero(flags.astype(np.int64) & flag)
        k = int(hits[0]) if hits.size else None
        found[name] = (None, None) if k is None else (k + 1, dates[k] if dates else None)
    return found
