r"""What the GPUs behind a loan are worth: on the books, in the market, to a buyer, in a fire sale.

Conventions (the tests, the docs and the Excel functions rely on them):

* Values are per GPU in USD unless a name says ``fleet``; ages and lives are in years;
  rates and declines are decimals per year (0.30 = 30%).
* Age counts from the day the card was bought new. For a deal with a ``start_date`` the
  card was bought ``gpu_age_years`` before it; without one (and for a catalog model name)
  it is taken as bought new at its model's catalog release date, so ages count from the
  release.
* **Book**: straight line to ``salvage_value`` over ``useful_life_years``,
  :math:`B(a) = C\,(1 - (1 - s)\min(a, L)/L)`.
* **Market**: :math:`M(a) = C f^a (1 - g)^{n(a)}`: a smooth decline at the yearly factor
  :math:`f` and a step fall :math:`g` at each of the :math:`n(a)` successor launches since
  purchase. Launches fall on the catalog's release dates of the model's successors and the
  announced launches (:func:`addin.model.catalog.successor_launches`), then every
  :math:`G` years (``generation_years``) after the last one. **No double counting**: the
  trend :math:`h` (``hardware_decline``) already contains the launches, so the smooth part
  is the trend net of the average step, :math:`f = (1 - h) / (1 - g)^{1/G}` (at most 1):
  over one cadence, smooth decline and one step give exactly the trend. The defaults
  (:math:`h` = 15%, :math:`g` = 10%, :math:`G` = 1 year) are calibrated to observed
  used-card prices (``addin/model/data/used_gpu_prices.csv``); Epoch AI's ~30% a year is
  the fall of *new* hardware prices per FLOP, faster than used cards have traded. Ages
  within 1e-9 years of a step count as past it.
* **Economic**: the present value at ``discount_rate`` of the card's net rent while the
  rent covers its power. Period :math:`k` (of :math:`p` a year, :math:`8760/p` hours) earns
  the rent at its start :math:`r_k = \max(\text{floor}, r_0 (1-d)^{(k-1)/p})` (not the
  cash flows' period average) on ``utilization`` :math:`u` of its hours and pays power
  :math:`c = \text{kW} \times \text{PUE} \times \text{price} \times (u + \text{idle}(1-u))`
  USD per hour, plus the fixed costs ``opex_per_gpu_year`` / 8760 (today's, not escalated)
  and colocation ``colocation_per_kw_month`` x kW x 12 / 8760 (every hour, busy or not):
  the cash flows' formulas over one hour (:func:`~addin.analytics.cashflow.power_cost`,
  :func:`~addin.analytics.cashflow.opex_cost`,
  :func:`~addin.analytics.cashflow.colocation_cost`), discounted by
  :math:`(1 + \rho)^{-k/p}`; only periods with positive net rent count, and at most 15
  years.
* **Liquidation**: see :mod:`addin.analytics.liquidation`; loan-to-value over the loan's
  life: :mod:`addin.analytics.ltv`.

Examples
--------
An H100 SXM bought at its launch price (USD 33,600) and valued 3.5 years later, one
launch a year (the cadence fallback):

>>> round(book_value(33_600, 3.5)), round(market_value(33_600, 3.5))
(14000, 20053)
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
from collections.abc import Mapping
from typing import Any, overload

import numpy as np
import pandas as pd

from addin.analytics.cashflow import (
    colocation_cost,
    opex_cost,
    power_cost,
    rent_path,
)
from addin.model.catalog import catalog_row, gpu_models, successor_launches
from addin.model.deal import DEFAULTS, Deal, load_deal
from addin.model.errors import InputError
from addin.model.params import METHODS, param
from addin.model.types import ArrayLike, FloatArray
from addin.model.units import HOURS_PER_YEAR

MAX_ECONOMIC_LIFE_YEARS = 15.0
DAYS_PER_YEAR = 365.25  # converts launch dates into ages
_STEP_TOLERANCE = 1e-9  # years: an age this close below a generation step counts as past it

AgeInput = float | FloatArray | list[float]


# ---- validation --------------------------------------------------------------------------


def _scalar_age(age_years: Any, name: str = "age_years") -> float | None:
    """The age as a float when one number was given (the fast path of a cell), else None."""
    if isinstance(age_years, float | int) and not isinstance(age_years, bool):
        return param("age_years").check(age_years, name)
    return None


def _ages(age_years: AgeInput, name: str = "age_years") -> FloatArray:
    ages = param("age_years").check_array(age_years, name)
    if ages.size == 0:
        raise InputError(name, age_years, param("age_years").allowed() + ", or an array of them")
    return ages


def _out(values: FloatArray, like: AgeInput) -> Any:
    """A float for a scalar input, an array otherwise."""
    return float(values) if np.ndim(like) == 0 else values


# ---- book, market, economic ----------------------------------------------------------------


@overload
def book_value(
    cost: float, age_years: float, useful_life_years: float = ..., salvage_value: float = ...
) -> float: ...
@overload
def book_value(
    cost: float,
    age_years: FloatArray | list[float],
    useful_life_years: float = ...,
    salvage_value: float = ...,
) -> FloatArray: ...
def book_value(
    cost: float,
    age_years: AgeInput,
    useful_life_years: float = 6.0,
    salvage_value: float = 0.0,
) -> Any:
    r"""Straight-line book value of one GPU.

    Parameters
    ----------
    cost : float
        Purchase cost, USD per GPU.
    age_years : float or array_like
        Age since purchase, years (>= 0).
    useful_life_years : float, default 6.0
        Depreciation life, years (> 0). Microsoft, Alphabet and CoreWeave use 6 years for
        servers and GPUs; Meta 5.5; Amazon 5 for part of its fleet from 2025.
    salvage_value : float, default 0.0
        Book value left at the end of the life, share of cost (0 to 1).

    Returns
    -------
    float or numpy.ndarray
        Book value, USD per GPU (an array for an array of ages).

    Notes
    -----
    .. math:: B(a) = C \left(1 - (1 - s) \frac{\min(a, L)}{L}\right)

    Examples
    --------
    >>> book_value(30_000, 3.0), round(book_value(30_000, 9.0, salvage_value=0.1), 6)
    (15000.0, 3000.0)

    In Excel: ``=GPU_RESIDUAL("H100 SXM", 3, "book")``.
    """
    c = param("cost").check(cost)
    life = param("useful_life_years").check(useful_life_years)
    s = param("salvage_value").check(salvage_value)
    age = _scalar_age(age_years)
    if age is not None:
        return c * (1.0 - (1.0 - s) * min(age, life) / life)
    ages = _ages(age_years)
    return _out(c * (1.0 - (1.0 - s) * np.minimum(ages, life) / life), age_years)


def smooth_factor(
    hardware_decline: float = 0.15, generation_shock: float = 0.10, generation_years: float = 1.0
) -> float:
    r"""Yearly factor of the smooth market decline, net of the average launch step.

    Parameters
    ----------
    hardware_decline : float, default 0.15
        Trend fall of the used-market price, launch steps included, decimal per year.
    generation_shock : float, default 0.10
        Step fall at each successor launch, decimal share (0 to 1).
    generation_years : float, default 1.0
        Average years between launches (> 0).

    Returns
    -------
    float
        :math:`f`, the value kept per year between steps (1 = no smooth decline).

    Notes
    -----
    .. math:: f = \min\left(1, \frac{1 - h}{(1 - g)^{1/G}}\right)

    so that :math:`f^G (1 - g) = (1 - h)^G`: over one cadence the smooth decline and one
    step give the trend, and the launches are not counted twice. When one step exceeds a
    whole cadence of the trend, :math:`f = 1` and the steps alone make the decline (a 100%
    step: :math:`f = 1`).

    Examples
    --------
    >>> round(smooth_factor(0.15, 0.10, 1.0), 6), smooth_factor(0.30, 0.0, 2.0)
    (0.944444, 0.7)
    """
    h = param("hardware_decline").check(hardware_decline)
    g = param("generation_shock").check(generation_shock)
    big_g = param("generation_years").check(generation_years)
    return _smooth(h, g, big_g)


def _smooth(h: float, g: float, big_g: float) -> float:
    if g == 0.0:
        return 1.0 - h
    if g >= 1.0:
        return 1.0
    return min(1.0, float((1.0 - h) / (1.0 - g) ** (1.0 / big_g)))


def _launch_list(launch_ages: Any) -> tuple[float, ...]:
    """Launch ages, sorted; the cadence fallback (a launch at age 0) when None."""
    if launch_ages is None:
        return (0.0,)
    values = np.sort(np.asarray(launch_ages, dtype=float).ravel())
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise InputError(
            "launch_ages", launch_ages, "finite ages in years (any sign), at least one"
        )
    return tuple(float(v) for v in values)


def _launches_by(a: float, launches: tuple[float, ...], big_g: float) -> int:
    """Launches at ages <= a: the known ones, then one every big_g after the last."""
    cadence = math.floor((a - launches[-1]) / big_g + _STEP_TOLERANCE / big_g)
    return bisect.bisect_right(launches, a + _STEP_TOLERANCE) + max(0, cadence)


def _steps(ages: FloatArray, launches: tuple[float, ...], big_g: float) -> FloatArray:
    """Successor launches in (0, a] for each age a (array form of _launches_by)."""
    known = np.searchsorted(np.asarray(launches), ages + _STEP_TOLERANCE, side="right")
    cadence = np.floor((ages - launches[-1]) / big_g + _STEP_TOLERANCE / big_g)
    count: FloatArray = np.maximum(0.0, cadence) + known
    return count - _launches_by(0.0, launches, big_g)


@overload
def market_value(
    cost: float,
    age_years: float,
    hardware_decline: float = ...,
    generation_shock: float = ...,
    generation_years: float = ...,
    launch_ages: Any = ...,
) -> float: ...
@overload
def market_value(
    cost: float,
    age_years: FloatArray | list[float],
    hardware_decline: float = ...,
    generation_shock: float = ...,
    generation_years: float = ...,
    launch_ages: Any = ...,
) -> FloatArray: ...
def market_value(
    cost: float,
    age_years: AgeInput,
    hardware_decline: float = 0.15,
    generation_shock: float = 0.10,
    generation_years: float = 1.0,
    launch_ages: Any = None,
) -> Any:
    r"""Second-hand market value of one GPU: a smooth decline plus a step at each launch.

    Parameters
    ----------
    cost : float
        Price paid new, USD per GPU.
    age_years : float or array_like
        Age since purchase, years (>= 0).
    hardware_decline : float, default 0.15
        Trend fall of the used-market price, launch steps included, decimal per year;
        calibrated to used-card prices (``addin/model/data/used_gpu_prices.csv``).
    generation_shock : float, default 0.10
        Step fall in value at each successor launch, decimal share (0 to 1).
    generation_years : float, default 1.0
        Years between launches past the last known one (> 0), and the cadence that splits
        the trend into smooth decline and steps.
    launch_ages : array_like, optional
        Ages (years since purchase, any sign) of the model's release and its successors'
        launches, from the catalog (:func:`launch_ages`). Default: none known, a launch
        every ``generation_years`` from purchase.

    Returns
    -------
    float or numpy.ndarray
        Market value, USD per GPU.

    Notes
    -----
    .. math:: M(a) = C\, f^a (1 - g)^{N(a) - N(0)}, \qquad f = \min\left(1,
              \frac{1-h}{(1-g)^{1/G}}\right)

    :math:`N(t)` counts the launches at ages :math:`\le t`: the known ones, then one every
    :math:`G` years after the last (:func:`smooth_factor` explains :math:`f`).

    References
    ----------
    Epoch AI, "Trends in Machine Learning Hardware" (CC BY 4.0): at fixed performance, new
    hardware gets about 30% cheaper a year, faster than used cards trade down. Used-card
    bands: ``addin/model/data/SOURCES.md``, "Used GPU prices".

    Examples
    --------
    >>> round(market_value(10_000, 0.99), 2), round(market_value(10_000, 1.0), 2)
    (9449.84, 8500.0)
    >>> round(market_value(33_600, 3.5, launch_ages=[-0.6, 0.9, 1.5, 2.25, 3.15, 4.15]))
    18048

    In Excel: ``=GPU_RESIDUAL("H100 SXM", 2, "market")``.
    """
    c = param("cost").check(cost)
    h = param("hardware_decline").check(hardware_decline)
    g = param("generation_shock").check(generation_shock)
    big_g = param("generation_years").check(generation_years)
    launches = _launch_list(launch_ages)
    f = _smooth(h, g, big_g)
    age = _scalar_age(age_years)
    if age is not None:
        steps = _launches_by(age, launches, big_g) - _launches_by(0.0, launches, big_g)
        return c * f**age * (1.0 - g) ** steps
    ages = _ages(age_years)
    return _out(c * f**ages * (1.0 - g) ** _steps(ages, launches, big_g), age_years)


def launch_ages(model: str, bought: dt.date | None = None) -> tuple[float, ...]:
    """Ages of a card at its model's release and at each successor launch, years.

    Parameters
    ----------
    model : str
        Catalog model name.
    bought : datetime.date, optional
        Purchase date; default the model's release date.

    Returns
    -------
    tuple of float
        (launch date - bought) / 365.25 days for the model and every later launch of its
        line (:func:`addin.model.catalog.successor_launches`), oldest first.

    Examples
    --------
    >>> [round(a, 2) for a in launch_ages("H100 SXM")]
    [0.0, 1.53, 2.15, 2.86, 3.78, 4.78]
    """
    chain = successor_launches(model)
    start = chain[0][1] if bought is None else bought
    return tuple((day - start).days / DAYS_PER_YEAR for _, day in chain)


def power_cost_per_hour(
    kw: float,
    pue: float,
    power_price: float,
    utilization: float = 0.8,
    idle_power_share: float = 0.25,
) -> float:
    r"""Electricity cost of one GPU per hour, averaged over billed and idle hours.

    Parameters
    ----------
    kw : float
        All-in IT power per GPU incl. its share of the server, kW (DGX H100: 1.275).
    pue : float
        Power usage effectiveness of the data centre (>= 1).
    power_price : float
        USD per kWh.
    utilization : float, default 0.8
        Share of hours billed (0 to 1).
    idle_power_share : float, default 0.25
        Share of full power drawn in unbilled hours (0 to 1).

    Returns
    -------
    float
        USD per GPU-hour.

    Notes
    -----
    .. math:: c = \text{kW} \times \text{PUE} \times \text{price} \times (u + \text{idle}(1 - u))

    Examples
    --------
    >>> round(power_cost_per_hour(1.275, 1.3, 0.08), 6)
    0.11271
    """
    k = param("kw").check(kw)
    e = param("pue").check(pue)
    price = param("power_price").check(power_price)
    u = param("utilization").check(utilization)
    idle = param("idle_power_share").check(idle_power_share)
    return float(power_cost(k, e, price, u, idle))


def fixed_cost_per_hour(
    opex_per_gpu_year: float = 0.0, colocation_per_kw_month: float = 0.0, kw: float = 0.0
) -> float:
    r"""Costs of one GPU that run every hour, busy or not: opex and colocation, USD per hour.

    Parameters
    ----------
    opex_per_gpu_year : float, default 0.0
        Staff, network, insurance, USD per GPU per year.
    colocation_per_kw_month : float, default 0.0
        Colocation billed per contracted kW, USD per kW per month.
    kw : float, default 0.0
        Contracted kW per GPU.

    Returns
    -------
    float
        USD per GPU-hour.

    Notes
    -----
    .. math:: c_{fixed} = \frac{\text{opex}}{8760} + \frac{12\,\text{colo} \times \text{kW}}{8760}

    the cash flows' opex and colocation (:func:`~addin.analytics.cashflow.opex_cost`,
    :func:`~addin.analytics.cashflow.colocation_cost`) over one hour, at today's opex: the
    economic value does not escalate opex.

    Examples
    --------
    >>> round(fixed_cost_per_hour(4_000), 6), round(fixed_cost_per_hour(0, 150, 1.275), 6)
    (0.456621, 0.261986)
    """
    opex = param("opex_per_gpu_year").check(opex_per_gpu_year)
    colo = param("colocation_per_kw_month").check(colocation_per_kw_month)
    k = param("kw").check(kw)
    return float(opex_cost(opex, HOURS_PER_YEAR)) + colocation_cost(colo, k, HOURS_PER_YEAR)


def _life(rent: float, decline: float, utilization: float, cost_per_hour: float) -> float:
    """Economic life in years from validated inputs (rent USD/GPU-hour, c USD/hour)."""
    earned = rent * utilization
    if earned <= cost_per_hour:
        return 0.0
    if decline == 0.0 or cost_per_hour == 0.0:
        return MAX_ECONOMIC_LIFE_YEARS
    years = (math.log(cost_per_hour) - math.log(earned)) / math.log1p(-decline)  # no underflow
    return min(years, MAX_ECONOMIC_LIFE_YEARS)


def economic_life(
    rent: float,
    annual_decline: float,
    kw: float,
    pue: float,
    power_price: float,
    utilization: float = 0.8,
    idle_power_share: float = 0.25,
    opex_per_gpu_year: float = 0.0,
    colocation_per_kw_month: float = 0.0,
) -> float:
    r"""Years until a GPU's deflating rent no longer covers its power, opex and colocation.

    Parameters
    ----------
    rent : float
        Market rent today, USD per GPU-hour.
    annual_decline : float
        Yearly fall in the rent, decimal (0 to 0.99).
    kw, pue, power_price : float
        All-in kW per GPU, PUE (>= 1) and USD per kWh.
    utilization : float, default 0.8
        Share of hours billed (0 to 1).
    idle_power_share : float, default 0.25
        Share of full power drawn in unbilled hours (0 to 1).
    opex_per_gpu_year : float, default 0.0
        Other operating cost, USD per GPU per year.
    colocation_per_kw_month : float, default 0.0
        Colocation, USD per kW per month (on ``kw``).

    Returns
    -------
    float
        Economic life in years: 0 when the rent does not cover the costs today, at most 15
        (when nothing deflates, or nothing costs, the life is capped at 15 years).

    Notes
    -----
    With :math:`c` from :func:`power_cost_per_hour` plus :func:`fixed_cost_per_hour`,

    .. math:: T^* = \min\left(15, \frac{\ln(c / (r_0 u))}{\ln(1 - d)}\right)

    the root of :math:`r_0 (1-d)^t u = c`.

    Examples
    --------
    >>> round(economic_life(2.0, 0.30, 1.275, 1.3, 0.08), 4)
    7.438
    >>> round(economic_life(2.0, 0.30, 1.275, 1.3, 0.08, opex_per_gpu_year=4_000), 4)
    2.897

    In Excel: ``=GPU_ECONOMIC_LIFE(2, 0.30, 1.275, 1.3, 0.08)``.
    """
    r = param("rent").check(rent)
    d = param("annual_decline").check(annual_decline)
    c = power_cost_per_hour(kw, pue, power_price, utilization, idle_power_share)
    c += fixed_cost_per_hour(opex_per_gpu_year, colocation_per_kw_month, kw)
    return _life(r, d, float(utilization), c)


def _economic_values(
    rents: FloatArray,
    decline: float,
    floor: float,
    utilization: float,
    cost_per_hour: float,
    discount_rate: float,
    periods_per_year: int,
) -> FloatArray:
    """PV per GPU (USD) for each starting rent (unfloored, USD per GPU-hour); validated."""
    rent = rent_path(rents[:, None], decline, _period_starts(periods_per_year), floor)
    net = np.maximum(rent * utilization - cost_per_hour, 0.0) * (HOURS_PER_YEAR / periods_per_year)
    values: FloatArray = net @ _growth(1.0 / (1.0 + discount_rate), periods_per_year, 1)
    return values


@functools.lru_cache(maxsize=16)
def _period_starts(periods_per_year: int) -> FloatArray:
    """Start of each period over the longest economic life, years (read-only, cached)."""
    out = np.arange(round(MAX_ECONOMIC_LIFE_YEARS * periods_per_year)) / periods_per_year
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=256)
def _growth(factor: float, periods_per_year: int, first: int) -> FloatArray:
    """factor^(k/p) for k = first .. first + 15p - 1 (read-only, cached)."""
    k = np.arange(first, first + round(MAX_ECONOMIC_LIFE_YEARS * periods_per_year))
    out = factor ** (k / periods_per_year)
    out.setflags(write=False)
    return out


def economic_value(
    rent: float,
    annual_decline: float,
    kw: float,
    pue: float,
    power_price: float,
    discount_rate: float,
    utilization: float = 0.8,
    idle_power_share: float = 0.25,
    rent_floor: float = 0.0,
    periods_per_year: int = 12,
    opex_per_gpu_year: float = 0.0,
    colocation_per_kw_month: float = 0.0,
) -> float:
    r"""Value of one GPU to a buyer who rents it out until its rent no longer covers its costs.

    Parameters
    ----------
    rent : float
        Market rent today, USD per GPU-hour.
    annual_decline : float
        Yearly fall in the rent, decimal (0 to 0.99).
    kw, pue, power_price : float
        All-in kW per GPU, PUE (>= 1) and USD per kWh.
    discount_rate : float
        Decimal per year (0 to 1).
    utilization : float, default 0.8
        Share of hours billed (0 to 1).
    idle_power_share : float, default 0.25
        Share of full power drawn in unbilled hours (0 to 1).
    rent_floor : float, default 0.0
        Lowest rent, USD per GPU-hour.
    periods_per_year : int, default 12
        12, 4, 2 or 1: the periods of the rent path, as in the DSCR model.
    opex_per_gpu_year : float, default 0.0
        Other operating cost, USD per GPU per year.
    colocation_per_kw_month : float, default 0.0
        Colocation, USD per kW per month (on ``kw``).

    Returns
    -------
    float
        Present value, USD per GPU.

    Notes
    -----
    With :math:`h = 8760/p` hours a period and :math:`c` from :func:`power_cost_per_hour`
    plus :func:`fixed_cost_per_hour`,

    .. math::
        E = \sum_{k=1}^{15p} h \max\left(r_k u - c, 0\right) (1 + \rho)^{-k/p},
        \qquad r_k = \max(\text{floor}, r_0 (1 - d)^{(k-1)/p})

    Periods with positive net rent are exactly those starting before the economic life
    :math:`T^*` (:func:`economic_life`) when there is no floor.

    Examples
    --------
    >>> round(economic_value(2.0, 0.30, 1.275, 1.3, 0.08, 0.10))
    25021

    In Excel: ``=GPU_RESIDUAL(Deal, 3, "economic")``.
    """
    r = param("rent").check(rent)
    d = param("annual_decline").check(annual_decline)
    rho = param("discount_rate").check(discount_rate)
    floor = param("rent_floor").check(rent_floor)
    periods_per_year = param("periods_per_year").choose(periods_per_year)
    c = power_cost_per_hour(kw, pue, power_price, utilization, idle_power_share)
    c += fixed_cost_per_hour(opex_per_gpu_year, colocation_per_kw_month, kw)
    values = _economic_values(np.array([r]), d, floor, float(utilization), c, rho, periods_per_year)
    return float(values[0])


def half_life(
    hardware_decline: float = 0.15,
    generation_shock: float = 0.10,
    generation_years: float = 1.0,
    age_years: float = 0.0,
) -> float:
    r"""Years until a GPU's market value halves.

    Parameters
    ----------
    hardware_decline : float, default 0.15
        Trend fall of the used-market price, launch steps included, decimal (0 to 0.99).
    generation_shock : float, default 0.10
        Step fall at each launch, decimal share (0 to 1).
    generation_years : float, default 1.0
        Years between launches (> 0); the cadence fallback of :func:`market_value`.
    age_years : float, default 0.0
        Age from which to count, years: the result is the time from this age until the
        market value is half its value at this age.

    Returns
    -------
    float
        Years (``inf`` when nothing declines; 0 when a 100% step has already wiped the
        value out).

    Notes
    -----
    The first :math:`\tau \ge 0` with :math:`M(a_0 + \tau) \le M(a_0)/2`, :math:`M` as in
    :func:`market_value` with launches every :math:`G` years from purchase (the cadence
    fallback) and the smooth factor :math:`f` of :func:`smooth_factor`. Within the generation
    :math:`j` steps after the current one, :math:`f^\tau (1-g)^j = 1/2` gives
    :math:`\tau = (\ln\tfrac12 - j\ln(1-g))/\ln f`
    if that falls inside the generation, else the value halves at a step.

    Examples
    --------
    >>> round(half_life(0.30, 0.0), 4), round(half_life(0.30, 0.15, 2.0), 4)
    (1.9434, 2.0)
    >>> round(half_life(0.20, 0.15, 2.0), 4)  # after the step at 2, before the one at 4
    3.7399
    """
    h = param("hardware_decline").check(hardware_decline)
    g = param("generation_shock").check(generation_shock)
    big_g = param("generation_years").check(generation_years)
    a0 = param("age_years").check(age_years)
    log_half = math.log(0.5)
    if g > 0.0:  # the smooth part of the trend, net of the steps (none when g = 1)
        f = _smooth(h, g, big_g)
        h, log_h = 1.0 - f, math.log(f)
    else:
        log_h = math.log1p(-h)
    log_g = math.log1p(-g) if g < 1.0 else -math.inf
    # A decline or step too small to halve the value in any representable time counts as 0.
    if log_h == 0.0 or not math.isfinite(log_half / log_h):
        h, log_h = 0.0, 0.0
    if log_g == 0.0 or (math.isfinite(log_g) and not math.isfinite(log_half / log_g)):
        g, log_g = 0.0, 0.0
    if h == 0.0 and g == 0.0:
        return math.inf
    if g == 0.0:
        return log_half / log_h  # no steps: the decline alone
    g0 = math.floor(a0 / big_g + _STEP_TOLERANCE / big_g)
    if g == 1.0 and g0 >= 1:
        return 0.0  # a step of 100% has already made the card worthless

    def halving_in(j: int) -> float | None:
        """Time from a0 at which the value halves within the j-th generation from now."""
        start = 0.0 if j == 0 else (g0 + j) * big_g - a0
        log_steps = 0.0 if j == 0 else j * log_g
        if start * log_h + log_steps <= log_half:
            return start  # already halved when this generation's step lands
        if h == 0.0:
            return None
        tau = (log_half - log_steps) / log_h
        return tau if tau < (g0 + j + 1) * big_g - a0 else None

    # halving_in(j) is None below some j* and a time from j* on: estimate j*, then walk.
    if g == 1.0:
        j = 0
    elif h == 0.0:
        j = math.ceil(log_half / log_g)
    else:
        a, b = log_half / log_h, log_g / log_h  # tau_j = a - j b
        j = max(0, math.floor((a - (g0 + 1) * big_g + a0) / (b + big_g)) + 1)
    for _ in range(64):  # the estimate is within a step or two; at extremes, good enough
        if j == 0 or halving_in(j - 1) is None:
            break
        j -= 1
    for _ in range(64):
        found = halving_in(j)
        if found is not None:
            return found
        j += 1
    return math.inf  # pragma: no cover - the estimate is within a step or two of j*


_MAX_STEPS = 10_000  # launches walked by deal_half_life before it answers inf


def deal_half_life(deal: Deal) -> float:
    r"""Years from close until the deal's GPUs are worth half their market value at close.

    Parameters
    ----------
    deal : Deal

    Returns
    -------
    float
        Years (``inf`` when nothing declines, or the value does not halve within 10,000
        launches).

    Notes
    -----
    The market value of :func:`market_value` with the deal's launch dates
    (:func:`deal_launch_ages`), walked segment by segment from the age at close
    :math:`a_0`: between launches :math:`f^\tau (1-g)^j = 1/2` is solved in closed form,
    and at each launch the value falls by :math:`g`.

    Examples
    --------
    >>> d = load_deal({"name": "X", "gpus": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                "interest_rate": 0.1, "tenor_years": 3, "start_date": "2026-01-01"})
    >>> round(deal_half_life(d), 4)
    4.4949
    """
    f = _smooth(deal.hardware_decline, deal.generation_shock, deal.generation_years)
    g, big_g, a0 = deal.generation_shock, deal.generation_years, deal.gpu_age_years
    log_f = math.log(f) if f > 0.0 else -math.inf
    log_g = math.log1p(-g) if g < 1.0 else -math.inf
    target, level, t = math.log(0.5), 0.0, a0  # level: log of M(t) / M(a0)
    launches = deal_launch_ages(deal)
    known = [a for a in launches if a > a0 + _STEP_TOLERANCE]
    first = math.floor((a0 + _STEP_TOLERANCE - launches[-1]) / big_g) + 1
    cadence = (launches[-1] + k * big_g for k in range(max(1, first), max(1, first) + _MAX_STEPS))
    for step in (*known, *cadence):
        if log_f < 0.0 and t + (target - level) / log_f < step:
            return t + (target - level) / log_f - a0
        level += log_f * (step - t) + log_g
        t = step
        if level <= target:
            return step - a0
    return math.inf


# ---- deals and catalog models -------------------------------------------------------------


def unit_cost(deal: Deal) -> float:
    """Cost of one of the deal's GPUs, USD: ``unit_cost``, else the catalog launch price.

    Examples
    --------
    >>> d = load_deal({"name": "X", "gpus": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                "interest_rate": 0.1, "tenor_years": 3})
    >>> unit_cost(d)
    33600.0
    """
    if deal.unit_cost is not None:
        return float(deal.unit_cost)
    return float(catalog_row(deal.gpu_model, "gpu_model")["launch_price_usd"])


def _as_deal_or_model(deal_or_model: Deal | Mapping[str, Any] | str) -> Deal | str:
    """A deal, or the catalog name of a model: text is only ever a model name, never a file."""
    if isinstance(deal_or_model, str):
        return str(catalog_row(deal_or_model, "deal_or_model")["name"])
    return load_deal(deal_or_model)


def deal_launch_ages(deal: Deal) -> tuple[float, ...]:
    """Ages of the deal's cards (years since purchase) at each launch of their model's line.

    With a ``start_date`` the cards were bought ``gpu_age_years`` before it; without one
    they are taken as bought new at the model's catalog release date (the fallback), so
    ``gpu_age_years`` counts from the release. A model outside the catalog (a deal with its
    own ``unit_cost``) gets the cadence fallback: a launch every ``generation_years`` from
    purchase.

    Examples
    --------
    >>> d = load_deal({"name": "X", "gpus": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                "interest_rate": 0.1, "tenor_years": 3, "gpu_age_years": 1,
    ...                "start_date": "2023-09-20"})
    >>> [round(a, 2) for a in deal_launch_ages(d)]
    [0.0, 1.53, 2.16, 2.86, 3.78, 4.78]
    """
    if " ".join(deal.gpu_model.split()).lower() not in {m.lower() for m in gpu_models()}:
        return (0.0,)  # a model outside the catalog (own unit_cost): the cadence from purchase
    if deal.start_date is None:
        return launch_ages(deal.gpu_model)
    return tuple(a + deal.gpu_age_years for a in launch_ages(deal.gpu_model, deal.start_date))


def deal_launches_by(deal: Deal, years: ArrayLike) -> FloatArray:
    """Successor launches of the deal's GPU line from the loan's start to each time.

    Parameters
    ----------
    deal : Deal
    years : array_like
        Times from the start of the loan, years.

    Returns
    -------
    numpy.ndarray
        Launches in ``(0, t]`` of loan time: the catalog's known and announced ones
        (:func:`deal_launch_ages`), then one every ``generation_years``.

    Examples
    --------
    >>> d = load_deal({"name": "X", "gpus": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                "interest_rate": 0.1, "tenor_years": 3, "gpu_age_years": 1,
    ...                "start_date": "2023-09-20"})
    >>> deal_launches_by(d, [0.5, 1.5, 3.0]).tolist()  # at loan times 0.53, 1.16, 1.86, 2.78
    [0.0, 2.0, 4.0]
    """
    ages = deal.gpu_age_years + np.asarray(years, dtype=float)
    launches, cadence = deal_launch_ages(deal), deal.generation_years
    count: FloatArray = _steps(ages, launches, cadence) - _steps(
        np.asarray(deal.gpu_age_years), launches, cadence
    )
    return count


def _defaults(deal_or_model: Deal | str) -> tuple[float, dict[str, Any]]:
    """Cost per GPU (USD), the value assumptions and the launch ages of a deal or a model."""
    keys = (
        "useful_life_years",
        "salvage_value",
        "hardware_decline",
        "generation_shock",
        "generation_years",
    )
    if isinstance(deal_or_model, Deal):
        values = {k: getattr(deal_or_model, k) for k in keys}
        return unit_cost(deal_or_model), {**values, "launches": deal_launch_ages(deal_or_model)}
    cost = float(catalog_row(deal_or_model)["launch_price_usd"])
    values = {k: float(DEFAULTS[k]) for k in keys}
    return cost, {**values, "launches": launch_ages(deal_or_model)}


def _market(cost: float, ages: Any, keys: dict[str, Any]) -> Any:
    """Market value per GPU (USD) at ages (years since purchase) under _defaults' keys."""
    return market_value(
        cost,
        ages,
        keys["hardware_decline"],
        keys["generation_shock"],
        keys["generation_years"],
        keys["launches"],
    )


def deal_cost_per_hour(deal: Deal) -> float:
    """Power, opex and colocation of one of the deal's GPUs, USD per hour.

    Examples
    --------
    >>> d = load_deal({"name": "X", "gpus": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                "interest_rate": 0.1, "tenor_years": 3, "opex_per_gpu_year": 4000})
    >>> round(deal_cost_per_hour(d), 6)  # 0.11271 power + 4,000 / 8,760 opex
    0.569331
    """
    c = power_cost_per_hour(
        deal.kw_per_gpu, deal.pue, deal.power_price, deal.utilization, deal.idle_power_share
    )
    return c + fixed_cost_per_hour(
        deal.opex_per_gpu_year, deal.colocation_per_kw_month, deal.kw_per_gpu
    )


def _deal_economic(deal: Deal, years_from_start: FloatArray) -> FloatArray:
    """Economic value per GPU (USD) at times from the deal's start (years, any sign)."""
    c = deal_cost_per_hour(deal)
    rents = rent_path(deal.market_rate, deal.annual_decline, years_from_start)  # start, unfloored
    return _economic_values(
        np.asarray(rents, dtype=float).ravel(),
        deal.annual_decline,
        deal.rent_floor,
        deal.utilization,
        c,
        deal.effective_discount_rate,
        deal.periods_per_year,
    ).reshape(np.shape(years_from_start))


def residual_value(
    deal_or_model: Deal | Mapping[str, Any] | str,
    age_years: AgeInput,
    method: str = "market",
) -> Any:
    """Value of one GPU at an age: book, market or economic.

    Parameters
    ----------
    deal_or_model : Deal, mapping, deal file path, or str
        A deal (every assumption from its keys; cost = ``unit_cost`` or the catalog launch
        price of ``gpu_model``), or a catalog model name (launch price, default assumptions).
    age_years : float or array_like
        Age of the GPU, years (>= 0). For a deal, ``gpu_age_years`` is the age at the
        start; the economic method takes the rent at age :math:`a` as
        market_rate x (1 - annual_decline)^(a - gpu_age_years).
    method : str, default "market"
        ``"book"``, ``"market"`` or ``"economic"`` (the economic method needs a deal for
        its rent, power and discount rate).

    Returns
    -------
    float or numpy.ndarray
        USD per GPU.

    Examples
    --------
    >>> round(residual_value("H100 SXM", 3.5, "book")), round(residual_value("h100 sxm", 3.5))
    (14000, 20053)

    In Excel: ``=GPU_RESIDUAL("H100 SXM", 3.5, "market")`` or ``=GPU_RESIDUAL(Deal, 3.5)``.
    """
    how = param("method").choose(method)
    subject = _as_deal_or_model(deal_or_model)
    age = _scalar_age(age_years)
    ages: float | FloatArray = _ages(age_years) if age is None else age
    cost, keys = _defaults(subject)
    if how == "book":
        return book_value(cost, ages, keys["useful_life_years"], keys["salvage_value"])
    if how == "market":
        return _market(cost, ages, keys)
    if not isinstance(subject, Deal):
        raise InputError(
            "method",
            method,
            '"book" or "market" for a model name; "economic" needs a deal for its rent',
        )
    values = _deal_economic(subject, np.asarray(ages, dtype=float) - subject.gpu_age_years)
    return _out(values, age_years)


def residual_curve(deal: Deal | Mapping[str, Any], years: float | None = None) -> pd.DataFrame:
    """Book, market and economic value of one GPU over the rest of its life.

    Parameters
    ----------
    deal : Deal, mapping or deal file path
    years : float, optional
        Horizon from the deal's start, years (> 0, at most 30); default the deal's
        useful_life_years. Steps are the deal's periods (1 / periods_per_year).

    Returns
    -------
    pandas.DataFrame
        ``age_years`` (from gpu_age_years), ``book_value``, ``market_value`` and
        ``economic_value`` (USD per GPU).

    Examples
    --------
    >>> d = load_deal({"name": "X", "gpus": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                "interest_rate": 0.1, "tenor_years": 3, "periods_per_year": 1})
    >>> curve = residual_curve(d, 3)
    >>> curve["age_years"].tolist(), curve["book_value"].round().tolist()
    ([0.0, 1.0, 2.0, 3.0], [33600.0, 28000.0, 22400.0, 16800.0])

    In Excel: ``=GPU_RESIDUAL_CURVE(Deal, 6)``.
    """
    the_deal = load_deal(deal)
    horizon = the_deal.useful_life_years if years is None else years
    horizon = param("curve_years").check(horizon)
    steps = math.floor(horizon * the_deal.periods_per_year + 1e-9)
    t = np.arange(steps + 1) / the_deal.periods_per_year
    ages = the_deal.gpu_age_years + t
    cost, keys = _defaults(the_deal)
    return pd.DataFrame(
        {
            "age_years": ages,
            "book_value": book_value(cost, ages, keys["useful_life_years"], keys["salvage_value"]),
            "market_value": _market(cost, ages, keys),
            "economic_value": _deal_economic(the_deal, t),
        }
    )


__all__ = [
    "METHODS",
    "book_value",
    "deal_cost_per_hour",
    "deal_half_life",
    "deal_launch_ages",
    "deal_launches_by",
    "economic_life",
    "economic_value",
    "fixed_cost_per_hour",
    "half_life",
    "launch_ages",
    "market_value",
    "power_cost_per_hour",
    "residual_curve",
    "residual_value",
    "smooth_factor",
    "unit_cost",
]
