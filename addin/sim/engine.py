r"""The deal along simulated paths: cash flows, waterfall, default, loss and their statistics.

Each path (:mod:`addin.sim.factors`) runs through the deal's own model:

* **Rent.** The period's market rent is the deterministic period-average rent times the
  path's rent index (averaged over the period's months); with a ``rent_floor``, the exact
  period average of :math:`\max(floor, M \cdot rent(t))`. The index applied to a month is
  the one drawn at its end.
* **Contract.** The take-or-pay contract ends at the offtaker's default if that comes
  first; its GPUs are then re-let as at expiry (:func:`~addin.analytics.cashflow.contract_volumes`).
* **Mining.** ``mining_share`` of the deal's planned revenue moves with BTC / BTC today
  (hashprice): revenue = (1 - s) x GPU revenue on the path + s x planned revenue x BTC.
* **BTC treasury.** ``btc_holdings`` (USD today, held in BTC) is sold to meet the period's
  scheduled debt service when CFADS falls short, before the DSRA is drawn.
* **Rates.** A floating-rate deal pays the path's base rate + margin: the deviation from
  the deal's base-rate path is charged on the opening balance (the repayment profile is
  fixed at close). A fixed-rate deal's interest does not move.
* **Collateral** moves with the rent (wrong-way risk): fleet market value on the path =
  the calibrated market value x the rent index.

**Default** is the first payment default, covenant default or uncured LTV breach
(:mod:`addin.analytics.waterfall`) in period :math:`k`. **EAD** = closing balance + arrears
then (interest is paid to the period's end). **Recovery** = the fire sale of the fleet at
the path's market value then (repossession delay, square-root impact, remarketing cost,
carry; discounted back to default at the discount rate,
:func:`~addin.analytics.liquidation.fleet_sale_proceeds`) + the DSRA + trapped cash.
**LGD** = 1 - recovery / EAD, between 0 and 1. **Loss** = EAD x LGD, in USD at the
default date.

Standard errors are over antithetic pairs (path :math:`j` with :math:`j + B/2` of each
block): :math:`se = sd(\text{pair means}) / \sqrt{pairs}`.

Examples
--------
>>> from addin.model.deal import load_deal
>>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
...                   "interest_rate": 0.09, "tenor_years": 4, "market_absorption": 1500})
>>> risk = deal_risk(deal, paths=2048, seed=1)
>>> 0.0 <= risk.lifetime_pd <= 1.0, risk.cumulative_pd.shape
(True, (4,))
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import brentq

from addin.analytics.cashflow import cash_flows, contract_volumes, period_rent
from addin.analytics.debt import debt_schedule, period_rates
from addin.analytics.liquidation import fleet_sale_proceeds, sale_terms
from addin.analytics.rating import (
    Slotting,
    lifetime_irb_risk_weight,
    rating_from_pd,
    slotting_from_pd,
)
from addin.analytics.waterfall import (
    COVENANT_DEFAULT,
    LOCKUP,
    LTV_BREACH,
    LTV_DEFAULT,
    PAYMENT_DEFAULT,
    WaterfallTerms,
    fleet_market_value,
    waterfall,
)
from addin.model.deal import Deal
from addin.model.params import param
from addin.model.types import ArrayLike, FloatArray
from addin.sim.factors import (
    BLOCK_PATHS,
    MONTHS_PER_YEAR,
    REFERENCE_RATE,
    Factors,
    simulate_factors,
)

#: Events that default the loan.
DEFAULTS = PAYMENT_DEFAULT | COVENANT_DEFAULT | LTV_DEFAULT
#: Paths run at once: bounds memory (about 40 arrays of CHUNK x periods floats).
CHUNK_PATHS = 2 * BLOCK_PATHS
#: The waterfall outputs the engine reads.
KEEP = ("balance", "arrears", "dsra", "trapped", "debt_paid", "debt_service", "ltv", "events")
#: Percentiles of the fans, percent.
FAN_PERCENTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class DealPaths:
    """The deal's cash flows along some paths (inputs of the waterfall), each (paths, periods).

    Attributes
    ----------
    cfads : numpy.ndarray
        USD per period (after any BTC treasury sales).
    market_value : numpy.ndarray
        Fleet market value at each period's end, USD.
    rate_shift : numpy.ndarray or None
        Floating interest above the schedule's rate, decimal per period; None if fixed.
    discount : numpy.ndarray
        Discount factor to close at the path's base rate, at each period's end.
    """

    cfads: FloatArray
    market_value: FloatArray
    rate_shift: FloatArray | None
    discount: FloatArray


def _by_period(monthly: FloatArray, periods_per_year: int, periods: int) -> FloatArray:
    """Average of the months of each period (the month's own value when monthly)."""
    step = MONTHS_PER_YEAR // periods_per_year
    if step == 1:
        return monthly[:, :periods]
    result: FloatArray = monthly[:, : periods * step].reshape(-1, periods, step).mean(axis=2)
    return result


def deal_paths(deal: Deal, first_path: int, paths: int, seed: int) -> DealPaths:
    """The deal's CFADS, collateral and rates along paths ``first_path`` onwards.

    Parameters
    ----------
    deal : Deal
    first_path, paths : int
        Global index of the first path, and the number of paths.
    seed : int

    Returns
    -------
    DealPaths

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 2, "rent_vol": 0,
    ...                   "launch_shock_vol": 0, "offtaker_pd": 0, "rate_vol": 0})
    >>> flows = deal_paths(deal, 0, 2, seed=3)
    >>> bool(np.array_equal(flows.cfads[0], cash_flows(deal)["cfads"]))  # no randomness
    True
    """
    months = deal.periods * (MONTHS_PER_YEAR // deal.periods_per_year)
    return flows_on(deal, simulate_factors(deal, months, first_path, paths, seed))


def flows_on(deal: Deal, factors: Factors) -> DealPaths:
    """The deal's CFADS, collateral and rates along given factor paths (module notes).

    Parameters
    ----------
    deal : Deal
    factors : Factors
        Monthly factor paths over (at least) the loan's months: simulated
        (:func:`~addin.sim.factors.simulate_factors`) or a named scenario's.

    Returns
    -------
    DealPaths
    """
    n, p = deal.periods, deal.periods_per_year
    index = _by_period(factors.rent_index, p, n)
    plan = cash_flows(deal)
    contract_revenue, spot_hours, power = contract_volumes(deal, factors.offtaker_default)
    if deal.rent_floor > 0:
        t = np.arange(n) / p
        rent = period_rent(
            deal.market_rate * index, deal.annual_decline, t, t + 1 / p, deal.rent_floor
        )
    else:
        rent = plan["market_rate"][None, :] * index
    revenue = contract_revenue + spot_hours * rent
    if deal.mining_share > 0:
        btc = _by_period(factors.btc, p, n)
        s = deal.mining_share
        revenue = (1.0 - s) * revenue + s * plan["revenue"][None, :] * btc
    cfads = revenue - power - plan["opex"] - plan["colocation"]

    shift = None
    if deal.base_rate is not None:  # floating: the path's base rate moves the interest
        shift = _by_period(factors.base_deviation, p, n) / p
    if deal.btc_holdings > 0:
        cfads = _with_treasury(
            deal,
            cfads,
            shift,
            factors.btc[:, (MONTHS_PER_YEAR // p) - 1 :: MONTHS_PER_YEAR // p][:, :n],
        )
    value = fleet_market_value(deal)[None, :] * index
    base = _by_period(factors.base_rate, p, n)
    discount = np.asarray(1.0 / np.cumprod(1.0 + base / p, axis=1), dtype=float)
    return DealPaths(cfads, value, shift, discount)


def _with_treasury(
    deal: Deal, cfads: FloatArray, shift: FloatArray | None, btc_end: FloatArray
) -> FloatArray:
    """CFADS plus BTC sold from the treasury to meet the scheduled debt service."""
    debt = debt_schedule(deal)
    due = np.broadcast_to(debt.debt_service, cfads.shape)
    if shift is not None:
        opening = np.concatenate(([debt.loan_amount], debt.balance[:-1]))
        due = due + opening * shift
    coins = np.full(cfads.shape[0], deal.btc_holdings)  # in today's USD of BTC
    support = np.zeros_like(cfads)
    for k in range(cfads.shape[1]):
        price = btc_end[:, k]
        sale = np.minimum(np.maximum(due[:, k] - cfads[:, k], 0.0), coins * price)
        coins = coins - sale / price
        support[:, k] = sale
    result: FloatArray = cfads + support
    return result


@dataclass(frozen=True)
class PathOutcomes:
    """What happened on each path, each (paths,) unless stated.

    Attributes
    ----------
    default_period : numpy.ndarray of int
        1-based period of the default; 0 if none.
    ead, recovery, lgd, loss : numpy.ndarray
        At the default (USD; LGD a decimal); 0 without a default.
    events : numpy.ndarray of int
        Every event flag the path ever raised (bitwise or over periods).
    default_flags : numpy.ndarray of int
        The default events of the default period (0 without a default).
    dscr, ltv : numpy.ndarray, (paths, periods)
        Period DSCR (x; NaN without debt service) and LTV against the path's market value.
    lender_pv : numpy.ndarray
        PV at close, at the path's base rate, of what the lender receives: debt service
        paid until default, then the recovery (capped at EAD).
    """

    default_period: np.ndarray
    ead: FloatArray
    recovery: FloatArray
    lgd: FloatArray
    loss: FloatArray
    events: np.ndarray
    default_flags: np.ndarray
    dscr: FloatArray
    ltv: FloatArray
    lender_pv: FloatArray


def run_waterfall(deal: Deal, flows: DealPaths) -> dict[str, FloatArray]:
    """The waterfall along the paths (the outputs in :data:`KEEP`, each (paths, periods))."""
    return waterfall(
        flows.cfads,
        debt_schedule(deal),
        period_rates(deal),
        WaterfallTerms.of(deal),
        flows.market_value,
        flows.rate_shift,
        KEEP,
    )


def first_defaults(run: dict[str, FloatArray]) -> np.ndarray:
    """Each path's first default period, 0-based; -1 without a default."""
    hit = (run["events"].astype(np.int64) & DEFAULTS) != 0
    return np.where(hit.any(axis=1), np.argmax(hit, axis=1), -1)


def outcomes_at(
    deal: Deal,
    flows: DealPaths,
    run: dict[str, FloatArray],
    default: np.ndarray,
    sale: FloatArray | None = None,
) -> PathOutcomes:
    """Each path's loss when it defaults in period ``default`` (0-based; -1 none).

    Parameters
    ----------
    deal : Deal
    flows : DealPaths
    run : dict
        :func:`run_waterfall`'s outputs.
    default : numpy.ndarray of int, (paths,)
        The default period of each path: its own first default, or an earlier one forced
        on it (a book's cross-default).
    sale : numpy.ndarray, optional
        Fire-sale proceeds at each defaulting path, USD at the default date; default the
        fleet sold alone (:func:`~addin.analytics.liquidation.fleet_sale_proceeds`).
    """
    defaulted = default >= 0
    if sale is None:
        sale = alone_sale(deal, flows, default)
    k, ead, recovery, lgd, loss = loss_at(deal, run, default, sale)
    rows = np.arange(k.size)
    periods = np.arange(deal.periods)[None, :]
    paid = np.where(periods <= k[:, None], run["debt_paid"], 0.0)
    received = np.sum(paid * flows.discount, axis=1)
    received += np.where(defaulted, np.minimum(recovery, ead) * flows.discount[rows, k], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ds = run["debt_service"]
        dscr = np.where(ds > 0, flows.cfads / np.where(ds > 0, ds, 1.0), np.nan)
    events = run["events"].astype(np.int64)
    return PathOutcomes(
        np.where(defaulted, k + 1, 0),
        ead,
        recovery,
        lgd,
        loss,
        np.bitwise_or.reduce(events, axis=1),
        np.where(defaulted, events[rows, k] & DEFAULTS, 0),
        dscr.astype(np.float32),
        run["ltv"].astype(np.float32),
        received,
    )


class Loss(NamedTuple):
    """Each path's loss at its default (:func:`loss_at`).

    Attributes
    ----------
    period : numpy.ndarray of int
        The period the figures are read at: the default period, or the last without one.
    ead, recovery, lgd, loss : numpy.ndarray
        Exposure (USD), recovery (USD), loss given default (decimal), loss (USD).
    """

    period: np.ndarray
    ead: FloatArray
    recovery: FloatArray
    lgd: FloatArray
    loss: FloatArray


def loss_at(deal: Deal, run: dict[str, FloatArray], default: np.ndarray, sale: FloatArray) -> Loss:
    r"""Exposure, recovery, LGD and loss of each path at its default (the one loss rule).

    :math:`EAD` is the balance plus arrears at the end of the default period
    :math:`k`; the recovery is the fire-sale proceeds plus the cash the lender holds
    (reserve account and trapped cash) at :math:`k`;
    :math:`LGD = \min(1, \max(0, 1 - R/EAD))` and :math:`L = EAD \cdot LGD`, USD at the
    default date. Paths without a default (``default`` = -1) lose 0.

    Parameters
    ----------
    deal : Deal
    run : dict
        :func:`run_waterfall`'s outputs.
    default : numpy.ndarray of int, (paths,)
        Default period of each path, 0-based; -1 none.
    sale : numpy.ndarray, (paths,)
        Fire-sale proceeds at each defaulting path, USD at the default date.

    Returns
    -------
    Loss

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 1, "periods_per_year": 1})
    >>> run = {"balance": np.array([[60.0]]), "arrears": np.array([[40.0]]),
    ...        "dsra": np.array([[5.0]]), "trapped": np.array([[5.0]])}
    >>> out = loss_at(deal, run, np.array([0]), np.array([30.0]))  # R = 40 of EAD 100
    >>> out.lgd, out.loss
    (array([0.6]), array([60.]))
    """
    defaulted = default >= 0
    k = np.where(defaulted, default, deal.periods - 1)
    rows = np.arange(k.size)
    ead = np.where(defaulted, run["balance"][rows, k] + run["arrears"][rows, k], 0.0)
    cash = run["dsra"][rows, k] + run["trapped"][rows, k]
    recovery = np.where(defaulted, np.maximum(sale, 0.0) + cash, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lgd = np.where(
            ead > 0, np.clip(1.0 - recovery / np.where(ead > 0, ead, 1.0), 0.0, 1.0), 0.0
        )
    return Loss(k, ead, recovery, lgd, ead * lgd)


def alone_sale(deal: Deal, flows: DealPaths, default: np.ndarray) -> FloatArray:
    """Fire-sale proceeds of the fleet sold alone at each path's default, USD (0 if none)."""
    defaulted = default >= 0
    sale = np.zeros(default.size)
    if defaulted.any():
        rows = np.flatnonzero(defaulted)
        unit_value = flows.market_value[rows, default[rows]] / deal.gpus
        sale[rows] = fleet_sale_proceeds(deal.gpus, unit_value, sale_terms(deal))
    return sale


def path_outcomes(deal: Deal, flows: DealPaths) -> PathOutcomes:
    """Run the waterfall along the paths and find each path's default and loss.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 4, "market_absorption": 1500,
    ...                   "annual_decline": 0.6})
    >>> out = path_outcomes(deal, deal_paths(deal, 0, 8, seed=1))
    >>> out.default_period.shape, bool(out.lgd.max() <= 1.0)
    ((8,), True)
    """
    run = run_waterfall(deal, flows)
    return outcomes_at(deal, flows, run, first_defaults(run))


#: Paths run by default (DEAL_PD and friends): the parameter catalogue's.
DEFAULT_PATHS = int(param("paths").default)


def check_paths(paths: int, seed: int) -> tuple[int, int]:
    """Validate a path count and a seed against the parameter catalogue.

    Examples
    --------
    >>> check_paths(2000, 0)
    (2000, 0)
    """
    return int(param("paths").check(paths)), int(param("seed").check(seed))


def run_outcomes(deal: Deal, paths: int, seed: int) -> PathOutcomes:
    """Every path's outcome, run in chunks of :data:`CHUNK_PATHS` (memory stays bounded).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> run_outcomes(deal, 10, seed=1).loss.shape
    (10,)
    """
    paths, seed = check_paths(paths, seed)
    parts = [
        path_outcomes(deal, deal_paths(deal, start, min(CHUNK_PATHS, paths - start), seed))
        for start in range(0, paths, CHUNK_PATHS)
    ]
    fields = PathOutcomes.__dataclass_fields__
    return PathOutcomes(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


def pair_se(values: ArrayLike) -> float:
    """Standard error of the mean of values over antithetic pairs (module notes).

    Paths :math:`j` and :math:`j + B/2` of each block of :math:`B` =
    :data:`~addin.sim.factors.BLOCK_PATHS` are a pair; a path whose partner is missing
    (a part block) counts alone.

    Examples
    --------
    >>> round(pair_se(np.r_[np.ones(512), np.zeros(512)]), 12)  # pairs all average 0.5
    0.0
    """
    v = np.asarray(values, dtype=float)
    n = v.size
    half = BLOCK_PATHS // 2
    index = np.arange(n)
    block, inner = index // BLOCK_PATHS, index % BLOCK_PATHS
    partner = block * BLOCK_PATHS + (inner + half) % BLOCK_PATHS
    first = (inner < half) & (partner < n)
    alone = (inner < half) & (partner >= n)  # a second-half path always has its partner
    units = np.concatenate(((v[first] + v[partner[first]]) / 2.0, v[alone]))
    if units.size < 2:
        return math.nan
    return float(np.std(units, ddof=1) / math.sqrt(units.size))


@dataclass(frozen=True)
class DealRisk:
    """The credit risk of a deal from its own simulated paths (module notes for definitions).

    Attributes
    ----------
    paths, seed : int
    years : numpy.ndarray
        Year ends 1..ceil(tenor), years.
    cumulative_pd, cumulative_pd_se, marginal_pd : numpy.ndarray
        Probability of default by each year end, its standard error, and of default within
        each year (decimals).
    lifetime_pd, lifetime_pd_se : float
        Probability of default before maturity, and its standard error.
    lgd_mean : float
        Mean LGD over defaulting paths (decimal; NaN with no default).
    lgd_percentiles : numpy.ndarray
        LGD at :data:`FAN_PERCENTILES` over defaulting paths.
    expected_loss, expected_loss_se, unexpected_loss : float
        Mean and standard error of the loss, and its standard deviation, USD.
    loan_amount : float
        USD.
    lockup_prob, covenant_default_prob, ltv_breach_prob, payment_default_prob : float
        Probability of each event at least once over the life.
    dscr_fan, ltv_fan : numpy.ndarray, (5, periods)
        Period DSCR (x) and LTV at :data:`FAN_PERCENTILES`, per period.
    default_years : numpy.ndarray
        Every path's default time (the end of its default period, years; inf without a
        default), sorted.
    horizon_years : float
        The loan's tenor, the horizon of the lifetime PD, years.
    rating : str
        S&P-equivalent rating of the lifetime PD at the horizon
        (:func:`~addin.analytics.rating.rating_from_pd`).
    slotting : Slotting
        Basel specialised-lending (object finance) category and risk weight (CRE33).
    irb_risk_weight : float
        Basel IRB risk weight at the lifetime PD spread evenly over the horizon and the
        mean LGD, maturity min(max(tenor, 1), 5) years; NaN if every path defaults (a
        certain default is a defaulted exposure) or none does (no LGD).
    """

    paths: int
    seed: int
    years: FloatArray
    cumulative_pd: FloatArray
    cumulative_pd_se: FloatArray
    marginal_pd: FloatArray
    lifetime_pd: float
    lifetime_pd_se: float
    lgd_mean: float
    lgd_percentiles: FloatArray
    expected_loss: float
    expected_loss_se: float
    unexpected_loss: float
    loan_amount: float
    lockup_prob: float
    covenant_default_prob: float
    ltv_breach_prob: float
    payment_default_prob: float
    dscr_fan: FloatArray
    ltv_fan: FloatArray
    default_years: FloatArray
    horizon_years: float
    rating: str
    slotting: Slotting
    irb_risk_weight: float

    def pd_by(self, years: float) -> tuple[float, float]:
        """Cumulative PD by ``years`` from the start, and its standard error (binomial).

        Examples
        --------
        >>> from addin.model.deal import load_deal
        >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0,
        ...                   "loan_amount": 2e7, "interest_rate": 0.09, "tenor_years": 4,
        ...                   "market_absorption": 1500, "annual_decline": 0.5})
        >>> risk = deal_risk(deal, paths=1024, seed=1)
        >>> risk.pd_by(4.0)[0] == risk.lifetime_pd
        True
        """
        share = np.searchsorted(self.default_years, years + 1e-9, side="right") / self.paths
        return float(share), math.sqrt(share * (1.0 - share) / self.paths)

    @property
    def expected_loss_share(self) -> float:
        """Expected loss as a share of the loan, decimal."""
        return self.expected_loss / self.loan_amount if self.loan_amount > 0 else math.nan


def _fan(values: FloatArray) -> FloatArray:
    """Percentiles per period over paths, ignoring NaN (periods without debt service)."""
    data = np.asarray(values, dtype=float)
    result = np.full((len(FAN_PERCENTILES), data.shape[1]), np.nan)
    some = np.isfinite(data).any(axis=0)
    if some.any():
        with np.errstate(invalid="ignore"):
            result[:, some] = np.nanpercentile(data[:, some], FAN_PERCENTILES, axis=0)
    return result


def risk_of(deal: Deal, out: PathOutcomes, seed: int) -> DealRisk:
    """Statistics of the paths' outcomes (the numbers a committee reads)."""
    n = out.loss.size
    p = deal.periods_per_year
    years = np.arange(1, math.ceil(deal.periods / p - 1e-9) + 1, dtype=float)
    default_time = np.where(out.default_period > 0, out.default_period / p, np.inf)
    by_year = default_time[:, None] <= years[None, :] + 1e-9
    cumulative = by_year.mean(axis=0)
    cumulative_se = np.array([pair_se(by_year[:, j].astype(float)) for j in range(years.size)])
    defaulted = out.default_period > 0
    lgd = out.lgd[defaulted]

    def ever(flag: int) -> float:
        return float(np.mean((out.events & flag) != 0))

    return DealRisk(
        paths=n,
        seed=seed,
        years=years,
        cumulative_pd=cumulative,
        cumulative_pd_se=cumulative_se,
        marginal_pd=np.diff(cumulative, prepend=0.0),
        lifetime_pd=float(defaulted.mean()),
        lifetime_pd_se=pair_se(defaulted.astype(float)),
        lgd_mean=float(lgd.mean()) if lgd.size else math.nan,
        lgd_percentiles=(np.percentile(lgd, FAN_PERCENTILES) if lgd.size else np.full(5, np.nan)),
        expected_loss=float(out.loss.mean()),
        expected_loss_se=pair_se(out.loss),
        unexpected_loss=float(out.loss.std(ddof=1)),
        loan_amount=debt_schedule(deal).loan_amount,
        lockup_prob=ever(LOCKUP),
        covenant_default_prob=ever(COVENANT_DEFAULT),
        ltv_breach_prob=ever(LTV_BREACH),
        payment_default_prob=ever(PAYMENT_DEFAULT),
        dscr_fan=_fan(out.dscr),
        ltv_fan=_fan(out.ltv),
        default_years=np.sort(default_time),
        **_grades(deal, float(defaulted.mean()), float(lgd.mean()) if lgd.size else math.nan),
    )


def _grades(deal: Deal, pd: float, lgd: float) -> dict[str, Any]:
    """Rating, slotting and IRB risk weight of a lifetime PD over the tenor."""
    horizon = deal.periods / deal.periods_per_year
    maturity = min(max(horizon, 1.0), 5.0)
    weight = math.nan
    if 0.0 < pd < 1.0 and not math.isnan(lgd):
        weight = float(lifetime_irb_risk_weight(pd, horizon, lgd, maturity))
    elif pd == 0.0:  # no path defaults: the PD floor, with the LGD of the deal file
        weight = float(lifetime_irb_risk_weight(0.0, horizon, deal.lgd, maturity))
    return {
        "horizon_years": horizon,
        "rating": str(rating_from_pd(pd, horizon)),
        "slotting": slotting_from_pd(pd, horizon),
        "irb_risk_weight": weight,
    }


def deal_risk(deal: Deal, paths: int = DEFAULT_PATHS, seed: int = 0) -> DealRisk:
    """PD, LGD, expected loss and the fans of a deal from ``paths`` simulated paths.

    Parameters
    ----------
    deal : Deal
        Its Simulation keys set the risk factors (:mod:`addin.sim.factors`); it needs a
        ``market_absorption`` for the fire sale.
    paths : int, default 2,000
        Paths (2 to 200,000); standard errors fall as 1 / sqrt(paths).
    seed : int, default 0
        Seed; the same seed gives the same numbers, whatever the chunking.

    Returns
    -------
    DealRisk

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 4, "market_absorption": 1500,
    ...                   "annual_decline": 0.5})
    >>> risk = deal_risk(deal, paths=1024, seed=1)
    >>> bool(risk.cumulative_pd[-1] == risk.lifetime_pd), bool(risk.lifetime_pd > 0.5)
    (True, True)

    In Excel: ``=DEAL_PD(Deal)``.
    """
    paths, seed = check_paths(paths, seed)
    return _deal_risk(deal, paths, seed)


@functools.lru_cache(maxsize=16)
def _deal_risk(deal: Deal, paths: int, seed: int) -> DealRisk:
    return risk_of(deal, run_outcomes(deal, paths, seed), seed)


@dataclass(frozen=True)
class FairMargin:
    """The margin that pays for the risk, against the deal's own (decimals per year).

    Attributes
    ----------
    fair : float
        Margin over the base rate at which the expected PV of the lender's cash flows equals
        the loan; 0 if even no margin over-pays, inf if no margin up to 64% pays.
    actual : float
        The deal's margin (fixed-rate deals: interest_rate - the base rate used).
    base_rate : float
        Base rate at close the margins are over, decimal per year.
    """

    fair: float
    actual: float
    base_rate: float

    @property
    def shortfall_bps(self) -> float:
        """Fair minus actual margin, basis points (> 0: the loan is underpriced)."""
        return (self.fair - self.actual) * 1e4


#: Margins tried for the fair margin before refining, decimal per year (the last is the
#: highest searched).
MARGIN_GRID = (0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64)


def _priced(deal: Deal, margin: float) -> Deal:
    """The deal at another margin over its base rate."""
    if deal.base_rate is not None:
        return deal.replace(margin=margin)
    return deal.replace(interest_rate=REFERENCE_RATE + margin)


def fair_margin(deal: Deal, paths: int = DEFAULT_PATHS, seed: int = 0) -> FairMargin:
    r"""The margin at which the lender's expected discounted cash flows equal the loan.

    Solves :math:`E[PV(m)] = L(m)`, with :math:`PV` the lender's receipts on a path (debt
    service paid until default, then the recovery, capped at EAD), discounted at the path's
    base rate, and :math:`L` the loan (a sculpted loan's size moves with its rate). The same
    paths serve every trial margin (common random numbers), so :math:`E[PV(m)]` is smooth.
    It prices expected loss only: no capital charge, funding or operating cost.

    Parameters
    ----------
    deal : Deal
    paths : int, default 2,000
    seed : int, default 0

    Returns
    -------
    FairMargin

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 1e7,
    ...                   "base_rate": 0.04, "margin": 0.03, "tenor_years": 3,
    ...                   "market_absorption": 1500, "annual_decline": 0.1})
    >>> m = fair_margin(deal, paths=512, seed=1)
    >>> m.actual, bool(0.0 <= m.fair < 0.03)  # a safe loan: 3% more than pays
    (0.03, True)

    In Excel: ``=DEAL_FAIR_MARGIN(Deal)``.
    """
    paths, seed = check_paths(paths, seed)
    return _fair_margin(deal, paths, seed)


@functools.lru_cache(maxsize=16)
def _fair_margin(deal: Deal, paths: int, seed: int) -> FairMargin:
    chunks = [
        deal_paths(deal, start, min(CHUNK_PATHS, paths - start), seed)
        for start in range(0, paths, CHUNK_PATHS)
    ]
    base = REFERENCE_RATE if deal.base_rate is None else deal.base_rate
    actual = deal.margin if deal.base_rate is not None else deal.interest_rate - base

    def excess(margin: float) -> float:
        priced = _priced(deal, margin)
        pv = np.concatenate([path_outcomes(priced, flows).lender_pv for flows in chunks])
        return float(pv.mean() / debt_schedule(priced).loan_amount - 1.0)

    # A higher margin raises the debt service and so the default risk: E[PV] need not rise
    # with the margin. The fair margin is the lowest that pays, found on a doubling grid
    # and refined where the grid first crosses.
    low, low_excess = 0.0, excess(0.0)
    fair = 0.0 if low_excess >= 0.0 else math.inf
    for high in MARGIN_GRID:
        if fair != math.inf:
            break
        high_excess = excess(high)
        if high_excess >= 0.0:
            fair = float(brentq(excess, low, high, xtol=1e-6))
        low = high
    return FairMargin(fair, actual, base)
