r"""Cash flows of a GPU financing: the rent path, the fleet's revenue, costs and CFADS.

Conventions (the tests and the memo's Excel formulas rely on them):

* Periods :math:`k = 1..n`, :math:`n` = tenor_years x periods_per_year, each
  :math:`h = 8760 / p` hours long (:math:`p` periods per year), covering
  :math:`[t_{k-1}, t_k]` with :math:`t_k = k / p` years.
* Market rent of a period: the exact average over it,
  :math:`r_k = p \int_{t_{k-1}}^{t_k} \max(\text{floor}, r_0 (1 - d)^t)\,dt` USD per
  GPU-hour (:func:`period_rent`), so a year earns the same whatever :math:`p`.
* Contracted GPUs :math:`C` = gpus x contracted_share earn contract_rate on the share
  :math:`f_k = \min(1, \max(0, T p - (k - 1)))` of the period's hours inside the contract
  term :math:`T` = contract_years (:func:`contract_hours_share`). On the rest of their hours
  they are re-let: billed on ``utilization`` of the hours at recontract_rate x :math:`r_k`
  (empty recontract_rate: spot, a share of 1). The other GPUs earn :math:`r_k` on
  ``utilization`` of their hours.
* Billed share :math:`b_k = (C f_k + (\text{gpus} - C f_k) u) / \text{gpus}`. Power cost =
  gpus x kW x PUE x h x power_price x :math:`(b_k + \text{idle} (1 - b_k))`; other opex =
  gpus x opex_per_gpu_year / p x (1 + opex_escalation)^y, y the whole years since the start;
  colocation = gpus x kW x colocation_per_kw_month x 12 / p (contracted IT kW, no PUE);
  CFADS = revenue - power - other opex - colocation.

Examples
--------
>>> deflated_rent(2.0, 0.30, 2, periods_per_year=1).round(4).tolist()
[1.6822, 1.1775]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from addin.model.deal import Deal
from addin.model.errors import InputError
from addin.model.params import MAX_DECLINE, param
from addin.model.types import ArrayLike, FloatArray
from addin.model.units import HOURS_PER_YEAR

BREAKEVEN_MAX_DECLINE = MAX_DECLINE
_FLAT = 1e-250  # |ln(1 - d)| below this is no decline (keeps ln(F/r0) / ln(1 - d) finite)
_TINY = 1e-300  # stands in for a zero floor inside a logarithm whose result is not used


def _check_decline(name: str, value: float) -> float:
    return param("annual_decline").check(value, name)


def check_periods_per_year(periods_per_year: int) -> int:
    """Return ``periods_per_year`` if it is one of 12, 4, 2, 1, else raise.

    Raises
    ------
    InputError
        Naming ``periods_per_year``, the value and the allowed values.

    Examples
    --------
    >>> check_periods_per_year(4)
    4
    """
    return int(param("periods_per_year").choose(periods_per_year))


def rent_path(
    start_rate: ArrayLike, annual_decline: ArrayLike, years: ArrayLike, floor: float = 0.0
) -> FloatArray:
    r"""Market rent after ``years`` when it deflates at a constant yearly rate: the one formula.

    Inputs are not checked (the callers do); arrays broadcast together.

    Parameters
    ----------
    start_rate : float or array
        Rent at time 0, USD per GPU-hour.
    annual_decline : float or array
        Yearly fall of the rent, decimal (0.30 = 30% a year).
    years : float or array
        Time from 0, years.
    floor : float, default 0
        Lowest rent, USD per GPU-hour.

    Returns
    -------
    numpy.ndarray
        USD per GPU-hour, :math:`\max(\text{floor}, r_0 (1 - d)^t)`.

    Examples
    --------
    >>> rent_path(2.0, 0.30, [0.0, 1.0, 2.0], floor=1.2).round(4).tolist()
    [2.0, 1.4, 1.2]
    """
    growth = (1.0 - np.asarray(annual_decline, dtype=float)) ** np.asarray(years, dtype=float)
    rent: FloatArray = np.maximum(floor, start_rate * growth)
    return rent


def period_rent(
    start_rate: ArrayLike,
    annual_decline: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
    floor: ArrayLike = 0.0,
) -> FloatArray:
    r"""Exact average market rent over a period: the rent a period bills on spot hours.

    Inputs are not checked (the callers do); arrays broadcast together.

    Parameters
    ----------
    start_rate : float or array
        Rent at time 0, USD per GPU-hour.
    annual_decline : float or array
        Yearly fall of the rent, decimal (0.30 = 30% a year), below 1.
    start, end : float or array
        The period, years from 0 (end > start).
    floor : float or array, default 0
        Lowest rent, USD per GPU-hour.

    Returns
    -------
    numpy.ndarray
        USD per GPU-hour, :math:`\bar r = \frac{1}{b - a} \int_a^b \max(F, r_0 q^t)\,dt`.

    Notes
    -----
    With :math:`q = 1 - d`, :math:`\lambda = \ln q` and :math:`F` the floor, the rent
    :math:`r_0 q^t` falls through the floor at :math:`\tau = \ln(F / r_0) / \lambda`
    (:math:`\tau = 0` if :math:`F \ge r_0`; never if :math:`F = 0` or :math:`d = 0`).
    With :math:`c = \min(\max(\tau, a), b)` the integral splits exactly there:

    .. math:: \bar r = \frac{r_0 q^a (e^{(c - a)\lambda} - 1) / \lambda + F (b - c)}{b - a}

    and :math:`(e^{x\lambda} - 1) / \lambda = x` when :math:`d = 0`. Averaging over the
    period makes the revenue of a year the same whatever the number of periods in it.

    Examples
    --------
    >>> round(float(period_rent(2.0, 0.30, 0.0, 1.0)), 6)  # 2 x 0.3 / ln(1 / 0.7)
    1.682204
    >>> float(period_rent(2.0, 0.0, 0.0, 0.25, floor=1.0))
    2.0
    """
    r0 = np.asarray(start_rate, dtype=float)
    a = np.asarray(start, dtype=float)
    b = np.asarray(end, dtype=float)
    length = b - a
    log_q = np.log1p(-np.asarray(annual_decline, dtype=float))
    falls = log_q < -_FLAT  # else the rent is flat (d = 0): (e^(x L) - 1) / L -> x
    slope = np.where(falls, log_q, -1.0)  # L where the rent falls, a dummy elsewhere
    level = r0 * np.exp(a * log_q)  # r0 q^a
    floor_ = np.asarray(floor, dtype=float)
    if floor_.ndim == 0 and floor_ <= 0.0:  # no floor (c = b): the common case, faster
        above_ = np.where(falls, np.expm1(length * slope) / slope, length) / length
        rent: FloatArray = level * above_  # the general formula below with c = b, same bits
        return rent
    crossing = np.log(np.maximum(floor_, _TINY) / r0) / slope  # tau, where the rent falls
    tau = np.where(floor_ >= r0, 0.0, np.where(falls & (floor_ > 0.0), crossing, np.inf))
    c = np.minimum(np.maximum(tau, a), b)
    above = np.where(falls, np.expm1((c - a) * slope) / slope, c - a) / length
    rent = level * above + floor_ * ((b - c) / length)
    return rent


def power_cost(
    kw: float,
    pue: float,
    power_price: float,
    billed_share: float | FloatArray,
    idle_power_share: float,
    gpus: float = 1.0,
    hours: float = 1.0,
) -> FloatArray:
    r"""Electricity cost of GPUs over some hours, billed hours at full power, idle at a share.

    Inputs are not checked (the callers do); ``billed_share`` may be an array.

    Parameters
    ----------
    kw : float
        All-in IT power per GPU incl. its share of the server, kW.
    pue : float
        Power usage effectiveness of the data centre (>= 1).
    power_price : float
        USD per kWh.
    billed_share : float or array
        Share of the GPU-hours billed, :math:`b` (0 to 1).
    idle_power_share : float
        Share of full power drawn in unbilled hours (0 to 1).
    gpus : float, default 1
        Number of GPUs.
    hours : float, default 1
        Hours covered.

    Returns
    -------
    numpy.ndarray
        USD: :math:`\text{gpus} \times \text{kW} \times \text{PUE} \times \text{hours}
        \times \text{price} \times (b + \text{idle} (1 - b))`.

    Examples
    --------
    >>> round(float(power_cost(1.275, 1.3, 0.08, 0.8, 0.25)), 6)  # one GPU for one hour
    0.11271
    """
    full_power = gpus * kw * pue * hours * power_price
    return np.asarray(full_power * (billed_share + idle_power_share * (1.0 - billed_share)))


def opex_cost(
    opex_per_gpu_year: float,
    periods_per_year: float,
    gpus: float = 1.0,
    opex_escalation: float = 0.0,
    anniversaries: int | Sequence[int] | npt.NDArray[np.integer] = 0,
) -> FloatArray:
    r"""Other opex of GPUs over one period, escalated on each anniversary of the start.

    Inputs are not checked (the callers do).

    Parameters
    ----------
    opex_per_gpu_year : float
        Staff, network, insurance, USD per GPU per year.
    periods_per_year : float
        Periods in a year: 12 for a month, 8760 for an hour.
    gpus : float, default 1
        Number of GPUs.
    opex_escalation : float, default 0
        Yearly rise, decimal (0.03 = 3%).
    anniversaries : int or array, default 0
        Whole years since the start, :math:`y`.

    Returns
    -------
    numpy.ndarray
        USD: :math:`\text{gpus} \times \text{opex} / p \times (1 + e)^y`.

    Examples
    --------
    >>> opex_cost(4_000, 12, 10, 0.03, [0, 1]).round(2).tolist()  # a month of 10 GPUs
    [3333.33, 3433.33]
    """
    growth = np.power(1.0 + opex_escalation, anniversaries, dtype=float)
    cost: FloatArray = gpus * opex_per_gpu_year / periods_per_year * growth
    return cost


def colocation_cost(
    colocation_per_kw_month: float, kw: float, periods_per_year: float, gpus: float = 1.0
) -> float:
    r"""Colocation of GPUs over one period, billed per contracted IT kW, busy or not.

    Inputs are not checked (the callers do).

    Parameters
    ----------
    colocation_per_kw_month : float
        USD per contracted kW per month.
    kw : float
        Contracted IT kW per GPU (no PUE: the site's overhead is in the power cost).
    periods_per_year : float
        Periods in a year: 12 for a month, 8760 for an hour.
    gpus : float, default 1
        Number of GPUs.

    Returns
    -------
    float
        USD: :math:`\text{gpus} \times \text{kW} \times \text{colo} \times 12 / p`.

    Examples
    --------
    >>> colocation_cost(150, 1.275, 4, 8)  # a quarter of 8 H100s at 150 USD per kW-month
    4590.0
    """
    return float(gpus * kw * colocation_per_kw_month * 12 / periods_per_year)


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
        Rent of periods 1..n in USD per GPU-hour: each period's exact average.

    Notes
    -----
    .. math:: r_k = p \int_{(k-1)/p}^{k/p} \max(\text{floor}, r_0 (1 - d)^t)\,dt

    in closed form (:func:`period_rent`).

    Examples
    --------
    >>> deflated_rent(2.0, 0.30, 2, periods_per_year=1).round(4).tolist()
    [1.6822, 1.1775]

    In Excel: ``=DSCR_RENT_CURVE(2, 0.30, 2, 1)``.
    """
    param("start_rate").check(start_rate)
    _check_decline("annual_decline", annual_decline)
    periods_per_year = param("periods_per_year").choose(periods_per_year)
    n = years * periods_per_year
    param("years").check(years)
    if abs(n - round(n)) > 1e-9 or round(n) < 1:
        raise InputError("years", years, param("years").allowed() + ", whole periods")
    param("floor").check(floor)
    k = np.arange(round(n))
    return period_rent(
        start_rate, annual_decline, k / periods_per_year, (k + 1) / periods_per_year, floor
    )


@dataclass(frozen=True)
class _Fleet:
    """Everything in the cash flows that does not depend on the rent path."""

    t: FloatArray  # period start, years
    t_end: FloatArray  # period end, years
    contract_revenue: FloatArray  # USD per period
    spot_hours: FloatArray  # GPU-hours per period billed at the market rent (x re-let share)
    power: FloatArray  # USD per period
    opex: FloatArray  # USD per period
    colocation: float  # USD per period


def contract_hours_share(contract_years: float, periods: int, periods_per_year: int) -> FloatArray:
    r"""Share of each period's hours inside the contract term ``[0, contract_years]``.

    Parameters
    ----------
    contract_years : float
        Contract term from the start, years.
    periods : int
        Number of periods.
    periods_per_year : int
        12, 4, 2 or 1.

    Returns
    -------
    numpy.ndarray
        :math:`f_k = \min(1, \max(0, T p - (k - 1)))`, a share from 0 to 1.

    Examples
    --------
    >>> contract_hours_share(2.5, 4, 1).tolist()  # the contract ends mid-year 3
    [1.0, 1.0, 0.5, 0.0]
    """
    share: FloatArray = np.clip(contract_years * periods_per_year - np.arange(periods), 0.0, 1.0)
    return share


def _volumes(
    deal: Deal,
    t: FloatArray,
    utilization: ArrayLike,
    contracted_share: ArrayLike,
    contract_years: ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Contract revenue, market-rent GPU-hours and power cost per period (scenario-shaped);
    ``contract_years`` (shape ``scenarios + (1,)``) ends the contract early on some paths."""
    hours = HOURS_PER_YEAR / deal.periods_per_year
    share = np.asarray(contracted_share, float)[..., None]
    u = np.asarray(utilization, float)[..., None]
    term = deal.contract_years if contract_years is None else contract_years
    inside = contract_hours_share(term, t.size, deal.periods_per_year)  # type: ignore[arg-type]
    contracted = deal.gpus * share * inside  # GPU-equivalents billed at the contract rate
    spot_billed = (deal.gpus - contracted) * u
    if deal.recontract_rate is None:
        market_billed = spot_billed
    else:  # re-let GPUs earn recontract_rate x the market rent on u of their hours
        relet = deal.gpus * share - contracted
        market_billed = (deal.gpus - deal.gpus * share + relet * deal.recontract_rate) * u
    billed_share = (contracted + spot_billed) / deal.gpus
    power = power_cost(
        deal.kw_per_gpu,
        deal.pue,
        deal.power_price,
        billed_share,
        deal.idle_power_share,
        deal.gpus,
        hours,
    )
    return contracted * deal.effective_contract_rate * hours, market_billed * hours, power


def contract_volumes(
    deal: Deal, contract_years: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Contract revenue, market-rent GPU-hours and power cost when the contract ends early.

    The simulation ends the take-or-pay contract at the offtaker's default; the GPUs are then
    re-let as at expiry (at ``recontract_rate`` x the market rent if given, else spot).

    Parameters
    ----------
    deal : Deal
    contract_years : array_like, shape (paths,)
        Years from the start at which each path's contract ends (at most the deal's own
        ``contract_years``; a later end changes nothing).

    Returns
    -------
    tuple of numpy.ndarray, each (paths, periods)
        Contract revenue (USD per period), GPU-hours billed at the market rent and power
        cost (USD per period). A path whose contract runs its term gets the deal's own
        numbers bit for bit.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> d = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                "interest_rate": 0.1, "tenor_years": 2, "periods_per_year": 1,
    ...                "contracted_share": 1.0, "contract_years": 2, "utilization": 1.0})
    >>> revenue, hours, _ = contract_volumes(d, [2.0, 0.5])
    >>> (revenue / 87_600).tolist(), (hours / 87_600).tolist()  # 10 GPUs x 8,760 h
    ([[2.0, 2.0], [1.0, 0.0]], [[0.0, 0.0], [0.5, 1.0]])
    """
    fleet = _fleet(deal)
    end = np.minimum(np.asarray(contract_years, dtype=float), deal.contract_years)[:, None]
    return _volumes(deal, fleet.t, deal.utilization, deal.contracted_share, end)


def _opex(deal: Deal) -> FloatArray:
    """Other opex per period, USD: stepped up by opex_escalation on each anniversary."""
    years = np.arange(deal.periods) // deal.periods_per_year  # anniversaries passed
    return opex_cost(
        deal.opex_per_gpu_year, deal.periods_per_year, deal.gpus, deal.opex_escalation, years
    )


@functools.lru_cache(maxsize=256)
def _fleet(deal: Deal) -> _Fleet:
    t = np.arange(deal.periods) / deal.periods_per_year
    t_end = np.arange(1, deal.periods + 1) / deal.periods_per_year
    volumes = _volumes(deal, t, deal.utilization, deal.contracted_share)
    colocation = colocation_cost(
        deal.colocation_per_kw_month, deal.kw_per_gpu, deal.periods_per_year, deal.gpus
    )
    return _Fleet(t, t_end, *volumes, _opex(deal), colocation)


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
        ``market_rate`` (the period's average market rent, USD per GPU-hour),
        ``revenue``, ``power_cost``, ``opex``, ``colocation`` and ``cfads`` (USD per
        period), shaped ``scenario_shape + (periods,)``.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1, "market_rate": 2.0, "loan_amount": 1e4,
    ...                   "interest_rate": 0.1, "tenor_years": 1, "periods_per_year": 1,
    ...                   "utilization": 1.0})
    >>> round(float(cash_flows(deal)["revenue"][0]), 2)  # 2 x 0.3 / ln(1 / 0.7) USD x 8760 h
    14736.11
    """
    fleet, rent, revenue, power, cfads = _flows(deal, annual_decline, utilization, contracted_share)
    shape = cfads.shape
    return {
        "market_rate": np.broadcast_to(rent, shape),
        "revenue": np.broadcast_to(revenue, shape),
        "power_cost": np.broadcast_to(power, shape),
        "opex": np.broadcast_to(fleet.opex, shape),
        "colocation": np.full(shape, fleet.colocation),
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
    rent = period_rent(deal.market_rate, d[..., None], fleet.t, fleet.t_end, deal.rent_floor)
    revenue = contract_revenue + spot_hours * rent
    return fleet, rent, revenue, power, revenue - power - fleet.opex - fleet.colocation
