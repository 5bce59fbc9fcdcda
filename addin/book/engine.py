r"""The book on one block of paths: common factors, cross-default and one thin resale market.

Every facility runs on the path engine of :mod:`addin.sim` with the same seed, so the
factors every facility shares are the same draws: the compute-rent shock, BTC, the base
rate and the stress regime (:mod:`addin.sim.factors`). Each GPU model adds its own rent
shock (``model_rent_corr``). Facilities naming the same offtaker share its default; the
others draw their own (:func:`~addin.sim.factors.offtaker_key`). Paths are independent;
within a path the facilities are computed together.

**Cross-default.** A borrower defaults when its first facility does; its other facilities
still outstanding default at the end of their period holding that month.

**One thin secondary market per GPU model.** A defaulted fleet is sold evenly over the
months its own sale plan chooses (:func:`~addin.analytics.liquidation.fleet_sale_months`),
starting after the repossession months. In month :math:`t` every seller of the model pays
the temporary impact of the market's total sales, and the permanent impact of everything
sold before:

.. math:: \eta_t = \min\left(\eta_{max},\; Y\sigma\sqrt{Q_t / V} + \gamma\sigma S_{<t} / V\right)

(the square-root law of :func:`~addin.analytics.liquidation.liquidation_value` with
:math:`Q_t` and :math:`S_{<t}` summed over all sellers). The permanent impact also lowers
the market value behind every surviving loan on that model,
:math:`MV_t (1 - \min(\eta_{max}, \gamma\sigma S_{\le t}/V))`, which its LTV tests see:
a fire sale can trip another borrower's LTV covenant. The loop re-runs the waterfall of
the facilities so hit until no default moves (at most :data:`MAX_ROUNDS` rounds). The
market's ``impact``, ``price_vol``, ``permanent_impact``, ``max_haircut`` and absorption are
the same on every facility of the model (:data:`~addin.book.book.MARKET_KEYS`).

**Contagion.** The same random numbers run with the market interaction off (each fleet sold
alone, no permanent impact on others) give the book's loss without contagion; the
difference is the fire-sale contagion add-on.

Losses are USD at each default date (EAD x LGD, as :mod:`addin.sim.engine`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from addin.analytics.liquidation import (
    MONTHS_PER_YEAR,
    fleet_sale_months,
    sale_terms,
)
from addin.book.book import Book
from addin.model.deal import Deal
from addin.model.types import FloatArray
from addin.sim.engine import (
    DealPaths,
    alone_sale,
    first_defaults,
    flows_on,
    loss_at,
    run_waterfall,
)
from addin.sim.factors import BLOCK_PATHS, model_key, simulate_factors

#: Rounds of the fire-sale feedback loop (defaults -> sales -> values -> defaults).
MAX_ROUNDS = 10
NONE = np.iinfo(np.int64).max // 4  # "no default" as a month


@dataclass
class _Facility:
    """One facility on the block's paths (mutable working state)."""

    deal: Deal
    obligor: int
    market: int
    step: int  # months per period
    flows: DealPaths
    base_value: FloatArray  # market value before the fire-sale impact
    run: dict[str, FloatArray]
    default: np.ndarray  # period, 0-based; -1 none
    depressed: FloatArray  # share of value lost to the permanent impact, by period

    @property
    def last_month(self) -> int:
        return self.deal.periods * self.step - 1

    def month_of(self, period: np.ndarray) -> np.ndarray:
        """The month index of each period's end (NONE for -1)."""
        return np.where(period >= 0, (period + 1) * self.step - 1, NONE)

    def period_of(self, month: np.ndarray) -> np.ndarray:
        """The period holding each month (-1 for NONE or past maturity)."""
        k = (month + 1 + self.step - 1) // self.step - 1
        return np.where((month <= self.last_month) & (month < NONE), k, -1)


@dataclass(frozen=True)
class BlockResult:
    """What one block of paths did (each array over the block's paths unless stated).

    Attributes
    ----------
    first_path : int
    loss, loss_off : numpy.ndarray, (paths, facilities)
        Each facility's loss on each path, with and without the market interaction, USD.
    default_month, default_month_off : numpy.ndarray of int, (paths, facilities)
        Month index of each facility's default (-1: none).
    sold : numpy.ndarray, (paths, markets, months)
        Cards sold in each market each month (market interaction on).
    markets : tuple of int
        The market (GPU model) keys, in the order of ``sold``.
    """

    first_path: int
    loss: FloatArray
    loss_off: FloatArray
    default_month: np.ndarray
    default_month_off: np.ndarray
    sold: FloatArray
    markets: tuple[int, ...]


def _cross_default(facilities: list[_Facility], months: np.ndarray) -> np.ndarray:
    """Each facility's default month after its borrower's first default (NONE: none)."""
    result = months.copy()
    obligors = np.array([f.obligor for f in facilities])
    for obligor in np.unique(obligors):
        mine = np.flatnonzero(obligors == obligor)
        first = months[mine].min(axis=0)
        for i in mine:
            k = facilities[i].period_of(first)  # the period holding the borrower's default
            forced = facilities[i].month_of(k)
            result[i] = np.minimum(result[i], np.where(k >= 0, forced, NONE))
    return result


def _sales(
    facilities: list[_Facility], months: np.ndarray, horizon: int, markets: tuple[int, ...]
) -> tuple[FloatArray, list[FloatArray], list[np.ndarray]]:
    """Cards sold per market and month, and each facility's own sales and sale months."""
    paths = months.shape[1]
    sold = np.zeros((paths, len(markets), horizon))
    own: list[FloatArray] = []
    plans: list[np.ndarray] = []
    rows_all = np.arange(paths)
    for i, f in enumerate(facilities):
        mine = np.zeros((paths, horizon))
        plan = np.zeros(paths, dtype=np.int64)
        hit = months[i] < NONE
        if hit.any():
            terms = sale_terms(f.deal)
            rows = rows_all[hit]
            k = f.period_of(months[i][rows])
            unit = f.flows.market_value[rows, k] / f.deal.gpus
            m = fleet_sale_months(f.deal.gpus, unit, terms).astype(np.int64)
            plan[rows] = m
            q = f.deal.gpus / m
            start = months[i][rows] + terms.repossession_months
            for j in range(1, int(m.max()) + 1):
                selling = m >= j
                mine[rows[selling], start[selling] + j] = q[selling]
        sold[:, markets.index(f.market)] += mine
        own.append(mine)
        plans.append(plan)
    return sold, own, plans


def _impact(f: _Facility, quantity: FloatArray, before: FloatArray) -> FloatArray:
    """Haircut of a month's sales: temporary on ``quantity``, permanent on ``before``."""
    terms = sale_terms(f.deal)
    sigma = terms.price_vol / np.sqrt(MONTHS_PER_YEAR)
    total = terms.impact * sigma * np.sqrt(quantity / terms.absorption)
    total = total + terms.permanent_impact * sigma * before / terms.absorption
    result: FloatArray = np.minimum(terms.max_haircut, total)
    return result


def _shared_sale(
    f: _Facility, default: np.ndarray, own: FloatArray, sold: FloatArray, market: int
) -> FloatArray:
    """Fire-sale proceeds when the market is shared: the alone proceeds less the extra
    impact of the other sellers' cards (exactly the alone proceeds where none overlap)."""
    sale = alone_sale(f.deal, f.flows, default)
    others = sold[:, market] - own
    overlap = (others > 0).any(axis=1) & (default >= 0)
    if not overlap.any():
        return sale
    rows = np.flatnonzero(overlap)
    terms = sale_terms(f.deal)
    k = default[rows]
    price = f.flows.market_value[rows, k] / f.deal.gpus
    start = f.month_of(k) + terms.repossession_months  # sales in months start + j
    mine, total = own[rows], sold[rows, market]
    before_own = np.cumsum(mine, axis=1) - mine
    before_all = np.cumsum(total, axis=1) - total
    extra = np.zeros(rows.size)
    for j in range(1, terms.max_months + 1):
        t = start + j
        inside = t < mine.shape[1]
        t = np.minimum(t, mine.shape[1] - 1)
        r = np.arange(rows.size)
        q = mine[r, t] * inside
        if not q.any():
            continue
        alone = _impact(f, q, before_own[r, t])
        shared = _impact(f, total[r, t], before_all[r, t])
        months_out = terms.repossession_months + j
        decay = (1.0 - terms.hardware_decline) ** (months_out / MONTHS_PER_YEAR) * (
            1.0 + terms.discount_rate
        ) ** (-months_out / MONTHS_PER_YEAR)
        extra += (1.0 - terms.remarketing_cost) * q * price * decay * (shared - alone)
    sale[rows] = sale[rows] - extra
    return sale


def simulate_block(book: Book, first_path: int, paths: int, seed: int) -> BlockResult:
    """The whole book on paths ``first_path .. first_path + paths - 1`` (module notes).

    Parameters
    ----------
    book : Book
    first_path, paths : int
        Global index of the first path and the number of paths (the same numbers whatever
        the split: the factors come in blocks of :data:`~addin.sim.factors.BLOCK_PATHS`).
    seed : int

    Returns
    -------
    BlockResult

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 3, "market_absorption": 1500,
    ...                   "annual_decline": 0.4})
    >>> result = simulate_block(book_of([("A", "X", deal), ("B", "Y", deal)]), 0, 64, seed=1)
    >>> result.loss.shape, bool((result.loss.sum(1) >= result.loss_off.sum(1) - 1e-6).all())
    ((64, 2), True)
    """
    obligors = {name: n for n, name in enumerate(book.obligors)}
    markets = tuple(dict.fromkeys(model_key(f.deal.gpu_model) for f in book.facilities))
    facilities: list[_Facility] = []
    for i, facility in enumerate(book.facilities):
        deal = facility.deal
        step = MONTHS_PER_YEAR // deal.periods_per_year
        factors = simulate_factors(deal, deal.periods * step, first_path, paths, seed, i)
        flows = flows_on(deal, factors)
        run = run_waterfall(deal, flows)
        facilities.append(
            _Facility(
                deal,
                obligors[facility.obligor],
                model_key(deal.gpu_model),
                step,
                flows,
                flows.market_value,
                run,
                first_defaults(run),
                np.zeros((paths, deal.periods)),
            )
        )
    horizon = max(
        f.last_month + sale_terms(f.deal).repossession_months + sale_terms(f.deal).max_months + 2
        for f in facilities
    )

    # interaction off: cross-default, each fleet sold alone
    own_months = np.array([f.month_of(f.default) for f in facilities])
    months_off = _cross_default(facilities, own_months)
    loss_off = np.zeros((paths, len(facilities)))
    for i, f in enumerate(facilities):
        k = f.period_of(months_off[i])
        loss_off[:, i] = loss_at(f.deal, f.run, k, alone_sale(f.deal, f.flows, k)).loss

    # interaction on: sales depress the value behind every loan of the model, until stable
    months = months_off
    for _ in range(MAX_ROUNDS):
        sold, _own, _plans = _sales(facilities, months, horizon, markets)
        moved = False
        for f in facilities:
            if f.deal.max_ltv is None:
                continue
            before = np.cumsum(sold[:, markets.index(f.market)], axis=1)
            ends = np.arange(f.deal.periods) * f.step + f.step - 1
            depressed = _permanent(f, before[:, ends])
            # only what happens up to the default matters to the waterfall's first default
            live = (
                np.arange(f.deal.periods)[None, :]
                <= np.where(f.default >= 0, f.default, f.deal.periods)[:, None]
            )
            changed = ((depressed != f.depressed) & live).any(axis=1)
            f.depressed = depressed
            value = f.base_value * (1.0 - depressed)
            f.flows = replace(f.flows, market_value=value)
            if not changed.any():
                continue
            rows = np.flatnonzero(changed)
            sub = DealPaths(
                f.flows.cfads[rows],
                value[rows],
                None if f.flows.rate_shift is None else f.flows.rate_shift[rows],
                f.flows.discount[rows],
            )
            rerun = run_waterfall(f.deal, sub)
            run = f.run
            for name in run:
                run[name][rows] = rerun[name]
            new = first_defaults(run)
            if not np.array_equal(new, f.default):
                f.default = new
                moved = True
        if not moved:
            break
        own_months = np.array([f.month_of(f.default) for f in facilities])
        months = _cross_default(facilities, own_months)

    sold, own, _ = _sales(facilities, months, horizon, markets)
    loss = np.zeros((paths, len(facilities)))
    for i, f in enumerate(facilities):
        k = f.period_of(months[i])
        sale = _shared_sale(f, k, own[i], sold, markets.index(f.market))
        loss[:, i] = loss_at(f.deal, f.run, k, sale).loss

    def as_month(m: np.ndarray) -> np.ndarray:
        return np.where(m < NONE, m, -1).T

    return BlockResult(
        first_path, loss, loss_off, as_month(months), as_month(months_off), sold, markets
    )


def _permanent(f: _Facility, before: FloatArray) -> FloatArray:
    """Share of value lost to the permanent impact of the cards sold by each period end."""
    terms = sale_terms(f.deal)
    sigma = terms.price_vol / np.sqrt(MONTHS_PER_YEAR)
    result: FloatArray = np.minimum(
        terms.max_haircut, terms.permanent_impact * sigma * before / terms.absorption
    )
    return result


__all__ = ["BLOCK_PATHS", "BlockResult", "simulate_block"]
