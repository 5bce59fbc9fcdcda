r"""What a batch of repossessed GPUs fetches in a fire sale into a thin market.

Selling :math:`Q` GPUs evenly over :math:`m` months into a market that absorbs :math:`A` a
month at the quoted price costs a square-root price impact; carrying unsold cards costs
money; the best :math:`m` balances the two (see :func:`liquidation_value`).

Examples
--------
>>> liquidation_value(10_000, 8_196, 2_000).months
12
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from addin.model.catalog import catalog_row
from addin.model.deal import Deal
from addin.model.errors import MissingInputError
from addin.model.params import param
from addin.model.types import FloatArray

_TIE = 1e-12  # relative: liquidation plans this close to the best count as equally good


class Liquidation(NamedTuple):
    """Best fire sale of a batch of GPUs.

    Attributes
    ----------
    net_proceeds : float
        Present value of sales less carrying costs, USD.
    recovery : float
        net_proceeds / (units x unit_value), decimal share.
    months : int
        Whole months over which to sell (the best m in 1..max_months).
    """

    net_proceeds: float
    recovery: float
    months: int


def _liquidation_grid(
    units: float,
    unit_values: FloatArray,
    absorption: float,
    hardware_decline: float,
    impact: float,
    max_haircut: float,
    max_months: int,
    discount_rate: float,
    carry_cost: float,
) -> tuple[FloatArray, FloatArray]:
    """Best net proceeds (USD) and months for each unit value; inputs already validated.

    Proceeds of a sale over m months (q = Q/m cards a month, months j = 1..m):
    q V (1 - h_m) sum_j x^j  -  carry sum_j (Q - (j-1) q) w^j,
    with x^j = ((1 - hardware_decline)/(1 + rate))^(j/12), w^j = (1 + rate)^(-j/12) and
    h_m = min(max_haircut, impact sqrt(q/A)).
    """
    m, sum_x, sum_w, sum_jw = _month_sums(hardware_decline, discount_rate, max_months)
    q = units / m
    if absorption > 0:
        haircut = np.minimum(max_haircut, impact * np.sqrt(q / absorption))
    else:
        haircut = np.full(m.shape, max_haircut)
    sales = q * (1.0 - haircut) * sum_x  # per USD of unit value
    carry = carry_cost * (units * sum_w - q * sum_jw)
    proceeds = np.multiply.outer(unit_values, sales) - carry  # (values, months)
    best = proceeds.max(axis=-1, keepdims=True)
    good = proceeds >= best - _TIE * np.maximum(np.abs(best), 1.0)
    index = np.argmax(good, axis=-1)  # first (shortest) plan within the tie tolerance
    chosen = np.take_along_axis(proceeds, index[..., None], axis=-1)[..., 0]
    return chosen, (index + 1).astype(float)


@functools.lru_cache(maxsize=256)
def _month_sums(
    hardware_decline: float, discount_rate: float, max_months: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """m = 1..M and the cumulative sums over j <= m of x^j, w^j and (j - 1) w^j (cached)."""
    m = np.arange(1, max_months + 1, dtype=float)
    w = (1.0 + discount_rate) ** (-m / 12.0)
    x = (1.0 - hardware_decline) ** (m / 12.0) * w
    sums = (m, np.cumsum(x), np.cumsum(w), np.cumsum((m - 1.0) * w))
    for array in sums:
        array.setflags(write=False)
    return sums


def liquidation_value(
    units: float,
    unit_value: float,
    market_absorption: float,
    hardware_decline: float = 0.30,
    impact: float = 0.5,
    max_haircut: float = 0.9,
    max_months: int = 12,
    discount_rate: float = 0.0,
    carry_cost: float = 0.0,
) -> Liquidation:
    r"""Net proceeds of selling a batch of GPUs into a thin market, over the best period.

    Parameters
    ----------
    units : float
        GPUs to sell, :math:`Q` (> 0).
    unit_value : float
        Quoted market price per GPU today, :math:`V`, USD (> 0).
    market_absorption : float
        GPUs the market absorbs a month at the quoted price, :math:`A` (> 0). Scale it
        down for liquid-cooled GPUs (deal key ``liquid_cooling_absorption``, 0.5).
    hardware_decline : float, default 0.30
        Yearly fall in the price while selling, decimal (0 to 0.99).
    impact : float, default 0.5
        Price impact coefficient: haircut = impact x sqrt(monthly sales / A) (>= 0).
    max_haircut : float, default 0.9
        Largest haircut, decimal share (0 to 1).
    max_months : int, default 12
        Longest sale considered, whole months (1 to 120).
    discount_rate : float, default 0.0
        Decimal per year (0 to 1).
    carry_cost : float, default 0.0
        USD per unsold GPU per month (space, power, security), paid at each month's start
        on the cards still unsold.

    Returns
    -------
    Liquidation
        ``net_proceeds`` (USD), ``recovery`` (net proceeds / (Q x V)) and ``months``
        (the whole number of months m in 1..max_months with the highest net proceeds; the
        shortest among equals).

    Notes
    -----
    Selling evenly over :math:`m` months, :math:`q = Q/m` a month, with haircut
    :math:`\eta_m = \min(\eta_{max}, \kappa \sqrt{q / A})`:

    .. math::
        P(m) = \sum_{j=1}^{m} \left[q V (1-h)^{j/12} (1 - \eta_m)
               - c_{carry} (Q - (j-1) q)\right] (1 + \rho)^{-j/12}

    The square-root impact follows the empirical square-root law of market impact
    (Almgren et al. 2005; Tóth et al. 2011); its coefficient, the absorption and the cap
    are assumptions for the user to set: no public data on GPU fire sales exists.

    References
    ----------
    R. Almgren, C. Thum, E. Hauptmann and H. Li, "Direct Estimation of Equity Market
    Impact", Risk 18(7), 2005. B. Tóth et al., "Anomalous Price Impact and the Critical
    Nature of Liquidity in Financial Markets", Physical Review X 1, 021006, 2011.

    Examples
    --------
    >>> sale = liquidation_value(10_000, 8_196, 2_000)
    >>> round(sale.net_proceeds), round(sale.recovery, 4), sale.months
    (45997081, 0.5612, 12)

    In Excel: ``=GPU_LIQUIDATION(10000, 8196, 2000)``.
    """
    q = param("units").check(units)
    v = param("unit_value").check(unit_value)
    a = param("market_absorption").check(market_absorption)
    h = param("hardware_decline").check(hardware_decline)
    k = param("impact").check(impact)
    cap = param("max_haircut").check(max_haircut)
    months = param("max_months").check(max_months)
    rho = param("discount_rate").check(discount_rate)
    carry = param("carry_cost").check(carry_cost)
    proceeds, best = _liquidation_grid(q, np.array([v]), a, h, k, cap, int(months), rho, carry)
    net = float(proceeds[0])
    return Liquidation(net, net / (q * v), int(best[0]))


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
            "GPUs per month the secondary market absorbs at the quoted price (> 0); "
            "required for liquidation values",
        )
    liquid = catalog_row(deal.gpu_model, "gpu_model")["cooling"] == "liquid"
    factor = deal.liquid_cooling_absorption if liquid else 1.0
    return float(deal.market_absorption) * factor


__all__ = ["Liquidation", "fleet_absorption", "liquidation_value"]
