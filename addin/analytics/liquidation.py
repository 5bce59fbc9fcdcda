r"""What a batch of repossessed GPUs fetches in a fire sale into a thin market.

The square-root law of market impact (Almgren et al. 2005; Tóth et al. 2011), in its own
terms for used GPUs:

* **Temporary impact** of selling :math:`q` cards in a month: :math:`Y \sigma \sqrt{q / V}`,
  with :math:`V` the model's normal monthly traded volume (``market_absorption``; times
  ``liquid_cooling_absorption`` for liquid-cooled models, which fewer buyers can host),
  :math:`\sigma` the monthly price volatility (``price_vol`` / √12) and :math:`Y` of order
  one (``impact``). Selling the normal monthly volume costs one monthly volatility times
  :math:`Y`, not half the value.
* **Permanent impact**: every :math:`V` cards sold lower the price of all later sales by
  ``permanent_impact`` × :math:`\sigma` (linear in the quantity sold, as Almgren et al.
  found for the permanent part).
* ``repossession_months`` pass before sales can start: the price keeps falling at
  ``hardware_decline`` and carry accrues on every card.
* ``remarketing_cost``: a share of the proceeds goes to de-installation, brokers and
  refurbishment.

The best whole number of sale months balances impact against decline and carry. Every
liquidation parameter is illustrative: no public data on GPU fire sales exists.

Examples
--------
>>> liquidation_value(10_000, 8_196, 2_000).months
5
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from addin.model.catalog import catalog_row
from addin.model.deal import Deal
from addin.model.errors import MissingInputError
from addin.model.params import param
from addin.model.types import ArrayLike, FloatArray

_TIE = 1e-12  # relative: liquidation plans this close to the best count as equally good
MONTHS_PER_YEAR = 12


class Liquidation(NamedTuple):
    """Best fire sale of a batch of GPUs.

    Attributes
    ----------
    net_proceeds : float
        Present value of sales less remarketing and carrying costs, USD.
    recovery : float
        net_proceeds / (units x unit_value), decimal share.
    months : int
        Whole months of sales (the best m in 1..max_months), after the repossession months.
    """

    net_proceeds: float
    recovery: float
    months: int


class SaleTerms(NamedTuple):
    """The terms of a fire sale, validated (units in :func:`liquidation_value`)."""

    absorption: float
    hardware_decline: float
    impact: float
    max_haircut: float
    max_months: int
    discount_rate: float
    carry_cost: float
    price_vol: float
    permanent_impact: float
    repossession_months: int
    remarketing_cost: float


def sale_terms(deal: Deal) -> SaleTerms:
    """The fire-sale terms of a deal (absorption after the liquid-cooling factor).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> d = load_deal({"name": "X", "gpus": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                "interest_rate": 0.1, "tenor_years": 3, "market_absorption": 500})
    >>> sale_terms(d).absorption, sale_terms(d).repossession_months
    (500.0, 3)
    """
    return SaleTerms(
        fleet_absorption(deal),
        deal.hardware_decline,
        deal.impact,
        deal.max_haircut,
        deal.max_liquidation_months,
        deal.effective_discount_rate,
        deal.carry_cost,
        deal.price_vol,
        deal.permanent_impact,
        deal.repossession_months,
        deal.remarketing_cost,
    )


def haircuts(units: float, terms: SaleTerms) -> FloatArray:
    r"""Haircut of each sale month j (columns) for each plan of m months (rows), decimal.

    :math:`\min(\eta_{max}, Y\sigma\sqrt{q/V} + \gamma\sigma (j-1) q / V)` with
    :math:`q = Q/m`, :math:`\sigma` = price_vol / √12; 0 where j > m.
    """
    m = np.arange(1, terms.max_months + 1, dtype=float)[:, None]
    j = np.arange(1, terms.max_months + 1, dtype=float)[None, :]
    q = units / m
    sigma = terms.price_vol / math.sqrt(MONTHS_PER_YEAR)
    temporary = terms.impact * sigma * np.sqrt(q / terms.absorption)
    permanent = terms.permanent_impact * sigma * (j - 1.0) * q / terms.absorption
    cut: FloatArray = np.where(j <= m, np.minimum(terms.max_haircut, temporary + permanent), 0.0)
    return cut


def _liquidation_grid(
    units: float, unit_values: FloatArray, terms: SaleTerms
) -> tuple[FloatArray, FloatArray]:
    """Best net proceeds (USD) and sale months for each unit value; inputs validated.

    With R repossession months, x^t = ((1 - decline)/(1 + rate))^(t/12), w^t = (1 + rate)^(-t/12):
    P(m) = (1 - rc) sum_{j<=m} q (1 - haircut_mj) x^(R+j) V
           - carry [sum_{i<=R} Q w^i + sum_{j<=m} (Q - (j-1) q) w^(R+j)].
    """
    big_m, r = terms.max_months, terms.repossession_months
    t = np.arange(1, r + big_m + 1, dtype=float)
    w = (1.0 + terms.discount_rate) ** (-t / MONTHS_PER_YEAR)
    x = (1.0 - terms.hardware_decline) ** (t / MONTHS_PER_YEAR) * w
    m = np.arange(1, big_m + 1, dtype=float)
    q = units / m
    sold = (m[:, None] >= m[None, :]) * q[:, None]  # cards sold in month j of plan m
    sales = (1.0 - terms.remarketing_cost) * (sold * (1.0 - haircuts(units, terms))) @ x[r:]
    unsold = np.maximum(units - (m[None, :] - 1.0) * q[:, None], 0.0) * (m[:, None] >= m[None, :])
    carry = terms.carry_cost * (units * np.sum(w[:r]) + unsold @ w[r:])
    proceeds = np.multiply.outer(unit_values, sales) - carry  # (values, months)
    best = proceeds.max(axis=-1, keepdims=True)
    good = proceeds >= best - _TIE * np.maximum(np.abs(best), 1.0)
    index = np.argmax(good, axis=-1)  # first (shortest) plan within the tie tolerance
    chosen = np.take_along_axis(proceeds, index[..., None], axis=-1)[..., 0]
    return chosen, (index + 1).astype(float)


def liquidation_value(
    units: float,
    unit_value: float,
    market_absorption: float,
    hardware_decline: float = 0.15,
    impact: float = 1.0,
    max_haircut: float = 0.9,
    max_months: int = 12,
    discount_rate: float = 0.0,
    carry_cost: float = 0.0,
    price_vol: float = 0.25,
    permanent_impact: float = 0.3,
    repossession_months: int = 3,
    remarketing_cost: float = 0.10,
) -> Liquidation:
    r"""Net proceeds of selling a batch of GPUs into a thin market, over the best period.

    Parameters
    ----------
    units : float
        GPUs to sell, :math:`Q` (> 0).
    unit_value : float
        Market price per GPU at default, :math:`P`, USD (> 0).
    market_absorption : float
        Normal monthly traded volume of the model, :math:`V`, GPUs per month (> 0). Scale
        it down for liquid-cooled GPUs (deal key ``liquid_cooling_absorption``, 0.5).
    hardware_decline : float, default 0.15
        Yearly fall in the price from default to each sale, decimal (0 to 0.99).
    impact : float, default 1.0
        :math:`Y`, the square-root law's coefficient, of order one (>= 0; illustrative).
    max_haircut : float, default 0.9
        Largest total impact, decimal share (0 to 1).
    max_months : int, default 12
        Longest sale considered, whole months (1 to 120).
    discount_rate : float, default 0.0
        Decimal per year (0 to 1).
    carry_cost : float, default 0.0
        USD per unsold GPU per month (space, power, security), paid at each month's start
        on the cards still unsold, repossession months included.
    price_vol : float, default 0.25
        Yearly volatility of the used-GPU price, decimal; :math:`\sigma` = price_vol / √12
        a month (illustrative).
    permanent_impact : float, default 0.3
        :math:`\gamma`: each :math:`V` cards sold lower later prices by :math:`\gamma\sigma`
        (illustrative, of the order of Almgren et al.'s permanent coefficient).
    repossession_months : int, default 3
        Months before sales can start, :math:`R` (0 to 60; illustrative).
    remarketing_cost : float, default 0.10
        Share of proceeds lost to de-installation, brokers and refurbishment (illustrative).

    Returns
    -------
    Liquidation
        ``net_proceeds`` (USD), ``recovery`` (net proceeds / (Q x P)) and ``months``
        (the whole number of sale months m in 1..max_months with the highest net
        proceeds; the shortest among equals).

    Notes
    -----
    Selling evenly over :math:`m` months after :math:`R`, :math:`q = Q/m` a month, month
    :math:`j` at haircut :math:`\eta_{mj} = \min(\eta_{max}, Y\sigma\sqrt{q/V} +
    \gamma\sigma (j-1) q / V)`, with :math:`w_t = (1+\rho)^{-t/12}`:

    .. math::
        P(m) = \sum_{j=1}^{m} (1 - c_r)\, q P (1-h)^{(R+j)/12} (1 - \eta_{mj}) w_{R+j}
               - c_{carry}\left[\sum_{i=1}^{R} Q w_i + \sum_{j=1}^{m} (Q - (j-1) q)
               w_{R+j}\right]

    Selling :math:`V` cards in one month costs :math:`Y\sigma` of their value: one monthly
    volatility for :math:`Y = 1`.

    References
    ----------
    R. Almgren, C. Thum, E. Hauptmann and H. Li, "Direct Estimation of Equity Market
    Impact", Risk 18(7), 2005. B. Tóth et al., "Anomalous Price Impact and the Critical
    Nature of Liquidity in Financial Markets", Physical Review X 1, 021006, 2011.

    Examples
    --------
    >>> sale = liquidation_value(10_000, 8_196, 2_000)
    >>> round(sale.net_proceeds), round(sale.recovery, 4), sale.months
    (60205190, 0.7346, 5)

    In Excel: ``=GPU_LIQUIDATION(10000, 8196, 2000)``.
    """
    q = param("units").check(units)
    v = param("unit_value").check(unit_value)
    terms = SaleTerms(
        param("market_absorption").check(market_absorption),
        param("hardware_decline").check(hardware_decline),
        param("impact").check(impact),
        param("max_haircut").check(max_haircut),
        int(param("max_months").check(max_months)),
        param("discount_rate").check(discount_rate),
        param("carry_cost").check(carry_cost),
        param("price_vol").check(price_vol),
        param("permanent_impact").check(permanent_impact),
        int(param("repossession_months").check(repossession_months)),
        param("remarketing_cost").check(remarketing_cost),
    )
    proceeds, best = _liquidation_grid(q, np.array([v]), terms)
    net = float(proceeds[0])
    return Liquidation(net, net / (q * v), int(best[0]))


def fleet_sale_proceeds(units: float, unit_values: ArrayLike, terms: SaleTerms) -> FloatArray:
    """Net fire-sale proceeds of a fleet at many market prices, each over its best sale period.

    The array form of :func:`liquidation_value` for the simulation: one price per path.

    Parameters
    ----------
    units : float
        GPUs to sell (> 0).
    unit_values : array_like
        Market price per GPU at default on each path, USD.
    terms : SaleTerms
        The deal's sale terms (:func:`sale_terms`).

    Returns
    -------
    numpy.ndarray
        Net proceeds, USD, discounted to the default date at the terms' discount rate (the
        formula of :func:`liquidation_value`).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> d = load_deal({"name": "X", "gpus": 10_000, "market_rate": 2, "loan_amount": 1e8,
    ...                "interest_rate": 0.1, "tenor_years": 3, "market_absorption": 2_000})
    >>> terms = sale_terms(d)._replace(discount_rate=0.0, hardware_decline=0.15)
    >>> proceeds = fleet_sale_proceeds(10_000, [8_196.0], terms)
    >>> round(float(proceeds[0]))  # as liquidation_value(10_000, 8_196, 2_000)
    60205190
    """
    values = np.asarray(unit_values, dtype=float)
    proceeds, _ = _liquidation_grid(units, values.ravel(), terms)
    result: FloatArray = proceeds.reshape(values.shape)
    return result


def fleet_sale_months(units: float, unit_values: ArrayLike, terms: SaleTerms) -> FloatArray:
    """The sale period (whole months) :func:`fleet_sale_proceeds` chooses at each price.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> d = load_deal({"name": "X", "gpus": 10_000, "market_rate": 2, "loan_amount": 1e8,
    ...                "interest_rate": 0.1, "tenor_years": 3, "market_absorption": 2_000})
    >>> terms = sale_terms(d)._replace(discount_rate=0.0, hardware_decline=0.15)
    >>> fleet_sale_months(10_000, [8_196.0], terms).tolist()  # as liquidation_value's months
    [5.0]
    """
    values = np.asarray(unit_values, dtype=float)
    _, months = _liquidation_grid(units, values.ravel(), terms)
    result: FloatArray = months.reshape(values.shape)
    return result


def fleet_absorption(deal: Deal) -> float:
    """GPUs a month the market absorbs for this deal's fleet, after the liquid-cooling factor.

    Raises
    ------
    MissingInputError
        ``market_absorption`` is empty: it is required for liquidation.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> d = load_deal({"name": "X", "gpus": 72, "gpu_model": "GB200", "market_rate": 4,
    ...                "loan_amount": 1e6, "interest_rate": 0.1, "tenor_years": 3,
    ...                "market_absorption": 500})
    >>> fleet_absorption(d)  # GB200 is liquid-cooled: 500 x 0.5
    250.0
    """
    if deal.market_absorption is None:
        raise MissingInputError(
            "market_absorption",
            "the normal monthly traded volume V of this model on the secondary market, GPUs "
            "per month (> 0); required for liquidation values",
        )
    liquid = catalog_row(deal.gpu_model, "gpu_model")["cooling"] == "liquid"
    factor = deal.liquid_cooling_absorption if liquid else 1.0
    return float(deal.market_absorption) * factor


__all__ = [
    "Liquidation",
    "SaleTerms",
    "fleet_absorption",
    "fleet_sale_months",
    "fleet_sale_proceeds",
    "haircuts",
    "liquidation_value",
    "sale_terms",
]
