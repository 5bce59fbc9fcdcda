r"""What the GPUs behind a loan are worth: on the books, in the market, to a buyer, in a fire sale.

Conventions (the tests, the docs and the Excel functions rely on them):

* Values are per GPU in USD unless a name says ``fleet``; ages and lives are in years;
  rates and declines are decimals per year (0.30 = 30%).
* Age counts from the day the card was bought new. The market formula counts the
  generations shipped since then, which assumes the card was bought near its release;
  for a card bought long after its release, pass the age since release to
  :func:`market_value` and the age since purchase to :func:`book_value`.
* **Book**: straight line to ``salvage_value`` over ``useful_life_years``,
  :math:`B(a) = C\,(1 - (1 - s)\min(a, L)/L)`.
* **Market**: :math:`M(a) = C (1 - h)^a (1 - g)^{\lfloor a / G \rfloor}`, hardware getting
  cheaper at :math:`h` a year (Epoch AI: about 30%) and a step fall :math:`g` each time a
  new generation ships, every :math:`G` years. Ages within 1e-9 years of a step count as
  past it.
* **Economic**: the present value at ``discount_rate`` of the card's net rent while the
  rent covers its power. Rent follows the DSCR model: period :math:`k` (of :math:`p` a
  year, :math:`8760/p` hours) earns :math:`r_k = \max(\text{floor}, r_0 (1-d)^{(k-1)/p})`
  on ``utilization`` :math:`u` of its hours and pays power
  :math:`c = \text{kW} \times \text{PUE} \times \text{price} \times (u + \text{idle}(1-u))`
  USD per hour, discounted by :math:`(1 + \rho)^{-k/p}`; only periods with positive net
  rent count, and at most 15 years. Other operating costs are not deducted.
* **Liquidation**: see :mod:`addin.analytics.liquidation`; loan-to-value over the loan's
  life: :mod:`addin.analytics.ltv`.

Examples
--------
An H100 SXM bought at its launch price (USD 33,600) and valued 3.5 years later:

>>> round(book_value(33_600, 3.5)), round(market_value(33_600, 3.5))
(14000, 8196)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any, overload

import numpy as np
import pandas as pd

from addin.analytics.cashflow import (
    power_cost,
    rent_path,
)
from addin.model.catalog import catalog_row
from addin.model.deal import DEFAULTS, Deal, load_deal
from addin.model.errors import InputError
from addin.model.params import METHODS, param
from addin.model.types import FloatArray
from addin.model.units import HOURS_PER_YEAR

MAX_ECONOMIC_LIFE_YEARS = 15.0
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


def _generations(ages: FloatArray, generation_years: float) -> FloatArray:
    return np.floor(ages / generation_years + _STEP_TOLERANCE / generation_years)


@overload
def market_value(
    cost: float,
    age_years: float,
    hardware_decline: float = ...,
    generation_shock: float = ...,
    generation_years: float = ...,
) -> float: ...
@overload
def market_value(
    cost: float,
    age_years: FloatArray | list[float],
    hardware_decline: float = ...,
    generation_shock: float = ...,
    generation_years: float = ...,
) -> FloatArray: ...
def market_value(
    cost: float,
    age_years: AgeInput,
    hardware_decline: float = 0.30,
    generation_shock: float = 0.15,
    generation_years: float = 2.0,
) -> Any:
    r"""Second-hand market value of one GPU: steady price decline plus generation steps.

    Parameters
    ----------
    cost : float
        Price new, USD per GPU.
    age_years : float or array_like
        Age, years (>= 0); see the module notes on age since purchase vs since release.
    hardware_decline : float, default 0.30
        Yearly fall in hardware price at fixed performance, decimal (Epoch AI: about 30%).
    generation_shock : float, default 0.15
        Step fall in value each time a new generation ships, decimal share (0 to 1).
    generation_years : float, default 2.0
        Years between generations (> 0).

    Returns
    -------
    float or numpy.ndarray
        Market value, USD per GPU.

    Notes
    -----
    .. math:: M(a) = C (1 - h)^a (1 - g)^{\lfloor a / G \rfloor}

    :math:`\lfloor a / G \rfloor` successor generations have shipped at age :math:`a`.

    References
    ----------
    Epoch AI, "Trends in Machine Learning Hardware" and "Data on Machine Learning Hardware"
    (CC BY 4.0): at fixed performance, hardware gets about 30% cheaper a year.

    Examples
    --------
    >>> round(market_value(10_000, 1.99), 2), round(market_value(10_000, 2.0), 2)
    (4917.51, 4165.0)

    In Excel: ``=GPU_RESIDUAL("H100 SXM", 2, "market")``.
    """
    c = param("cost").check(cost)
    h = param("hardware_decline").check(hardware_decline)
    g = param("generation_shock").check(generation_shock)
    big_g = param("generation_years").check(generation_years)
    age = _scalar_age(age_years)
    if age is not None:
        steps = math.floor(age / big_g + _STEP_TOLERANCE / big_g)
        return c * (1.0 - h) ** age * (1.0 - g) ** steps
    ages = _ages(age_years)
    return _out(c * (1.0 - h) ** ages * (1.0 - g) ** _generations(ages, big_g), age_years)


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
) -> float:
    r"""Years until a GPU's deflating rent no longer covers its power.

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

    Returns
    -------
    float
        Economic life in years: 0 when the rent does not cover power today, at most 15
        (when nothing deflates, or power is free, the life is capped at 15 years).

    Notes
    -----
    With :math:`c` from :func:`power_cost_per_hour`,

    .. math:: T^* = \min\left(15, \frac{\ln(c / (r_0 u))}{\ln(1 - d)}\right)

    the root of :math:`r_0 (1-d)^t u = c`.

    Examples
    --------
    >>> round(economic_life(2.0, 0.30, 1.275, 1.3, 0.08), 4)
    7.438

    In Excel: ``=GPU_ECONOMIC_LIFE(2, 0.30, 1.275, 1.3, 0.08)``.
    """
    r = param("rent").check(rent)
    d = param("annual_decline").check(annual_decline)
    c = power_cost_per_hour(kw, pue, power_price, utilization, idle_power_share)
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
) -> float:
    r"""Value of one GPU to a buyer who rents it out until its rent no longer covers power.

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

    Returns
    -------
    float
        Present value, USD per GPU.

    Notes
    -----
    With :math:`h = 8760/p` hours a period and :math:`c` from :func:`power_cost_per_hour`,

    .. math::
        E = \sum_{k=1}^{15p} h \max\left(r_k u - c, 0\right) (1 + \rho)^{-k/p},
        \qquad r_k = \max(\text{floor}, r_0 (1 - d)^{(k-1)/p})

    Periods with positive net rent are exactly those starting before the economic life
    :math:`T^*` (:func:`economic_life`) when there is no floor. Other operating costs
    (staff, network, insurance) are not deducted, so this is an upper bound for a buyer
    who must pay them.

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
    values = _economic_values(np.array([r]), d, floor, float(utilization), c, rho, periods_per_year)
    return float(values[0])


def half_life(
    hardware_decline: float = 0.30,
    generation_shock: float = 0.15,
    generation_years: float = 2.0,
    age_years: float = 0.0,
) -> float:
    r"""Years until a GPU's market value halves.

    Parameters
    ----------
    hardware_decline : float, default 0.30
        Yearly fall in hardware price, decimal (0 to 0.99).
    generation_shock : float, default 0.15
        Step fall at each new generation, decimal share (0 to 1).
    generation_years : float, default 2.0
        Years between generations (> 0).
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
    :func:`market_value`. Within the generation :math:`j` steps after the current one,
    :math:`(1-h)^\tau (1-g)^j = 1/2` gives :math:`\tau = (\ln\tfrac12 - j\ln(1-g))/\ln(1-h)`
    if that falls inside the generation, else the value halves at a step.

    Examples
    --------
    >>> round(half_life(0.30, 0.0), 4), round(half_life(0.30, 0.15), 4)
    (1.9434, 1.9434)
    >>> round(half_life(0.20, 0.15), 4)  # the second generation ships before it halves
    2.378
    """
    h = param("hardware_decline").check(hardware_decline)
    g = param("generation_shock").check(generation_shock)
    big_g = param("generation_years").check(generation_years)
    a0 = param("age_years").check(age_years)
    log_half = math.log(0.5)
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


def _defaults(deal_or_model: Deal | str) -> tuple[float, dict[str, float]]:
    """Cost per GPU (USD) and the value assumptions of a deal, or the defaults for a model."""
    keys = (
        "useful_life_years",
        "salvage_value",
        "hardware_decline",
        "generation_shock",
        "generation_years",
    )
    if isinstance(deal_or_model, Deal):
        return unit_cost(deal_or_model), {k: getattr(deal_or_model, k) for k in keys}
    cost = float(catalog_row(deal_or_model)["launch_price_usd"])
    return cost, {k: float(DEFAULTS[k]) for k in keys}


def _deal_economic(deal: Deal, years_from_start: FloatArray) -> FloatArray:
    """Economic value per GPU (USD) at times from the deal's start (years, any sign)."""
    c = power_cost_per_hour(
        deal.kw_per_gpu, deal.pue, deal.power_price, deal.utilization, deal.idle_power_share
    )
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
    (14000, 8196)

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
        return market_value(
            cost, ages, keys["hardware_decline"], keys["generation_shock"], keys["generation_years"]
        )
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
            "market_value": market_value(
                cost,
                ages,
                keys["hardware_decline"],
                keys["generation_shock"],
                keys["generation_years"],
            ),
            "economic_value": _deal_economic(the_deal, t),
        }
    )


__all__ = [
    "METHODS",
    "book_value",
    "economic_life",
    "economic_value",
    "half_life",
    "market_value",
    "power_cost_per_hour",
    "residual_curve",
    "residual_value",
    "unit_cost",
]
