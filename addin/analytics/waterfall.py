r"""The cash waterfall of a GPU loan: DSRA, cash sweep, lock-up and the events of default.

Each period :math:`k`, on every path at once (arrays of shape ``(paths, periods)``; one
deal is ``paths = 1``), cash flows in this order:

1. CFADS. A negative CFADS is an operating loss the sponsor funds (a negative
   distribution); the reserves serve debt service only.
2. Senior interest, then scheduled principal, then any arrears (with interest at the
   period rate). What CFADS cannot pay is drawn from the lock-up account, then the DSRA;
   what is still unpaid becomes arrears: a **payment default**.
3. DSRA top-up to its target: the scheduled debt service of the next ``dsra_months``
   months (a part period counts pro rata). A DSRA above its target releases the excess
   into the cash below. The DSRA is funded at close by the sponsor, on top of the loan,
   so the loan and its schedule do not change.
4. Cash sweep: ``sweep_share`` of the cash left prepays principal.
5. Lock-up: while the covenant DSCR at the last test date is below ``lockup_dscr`` (or an
   LTV breach is uncured), the rest is trapped in the lock-up account, which stays
   available for debt service and is released once the test passes again.
6. Distributions to the sponsor (at maturity, with the loan repaid, the accounts too).

**Prepayments re-shape the schedule pro rata**: a prepayment reduces every remaining
scheduled principal (and so interest and debt service) payment by the share it repays.
For an annuity this is the same as re-amortising the lower balance over the remaining term
at the same rate, the balloon reduced in proportion, so the payment stays level; linear
and sculpted loans keep their shape; for a bullet it reduces the bullet. The state is the
factor :math:`r` = balance / scheduled balance, exactly 1 until a prepayment, so without a
sweep or an LTV cure the contractual columns equal :func:`~addin.analytics.debt.debt_schedule`
bit for bit, whatever happens to the cash.

**Covenant DSCR** at the end of period :math:`k`: ``period``, :math:`CFADS_k / DS_k`; ``ltm``,
:math:`\sum CFADS / \sum DS` over the periods of the last twelve months (since close in the
first year). Tested at ``test_frequency`` dates a year (every ``p / test_frequency`` periods;
every period if the periods are longer). Events, told apart (bit flags of ``events``):

* ``LOCKUP`` (1): the period's cash is trapped (covenant DSCR < lockup_dscr at the last test).
* ``COVENANT_DEFAULT`` (2): covenant DSCR < default_dscr at a test date.
* ``LTV_BREACH`` (4): balance / fleet market value > max_ltv at a test date. Trapped cash
  then prepays principal down to max_ltv, each period for ``cure_periods`` periods.
* ``LTV_DEFAULT`` (8): the breach is not cured by then, an event of default.
* ``PAYMENT_DEFAULT`` (16): CFADS plus the DSRA plus trapped cash cannot pay the debt
  service due.

The engine records events and runs on; it does not accelerate the loan.

Examples
--------
>>> debt = Debt(100.0, np.array([10.0, 5.0]), np.array([50.0, 50.0]),
...             np.array([60.0, 55.0]), np.array([50.0, 0.0]))
>>> out = waterfall([[150.0, 150.0]], debt, [0.1, 0.1], WaterfallTerms(1, sweep_share=0.5))
>>> out["sweep"].tolist()  # half of 150 - 60 prepays; then nothing is left to prepay
[[45.0, 0.0]]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from addin.analytics.cashflow import cash_flows
from addin.analytics.collateral import residual_value
from addin.analytics.debt import Debt, debt_schedule, period_rates
from addin.model.deal import Deal
from addin.model.errors import InputError
from addin.model.types import ArrayLike, FloatArray

LOCKUP, COVENANT_DEFAULT, LTV_BREACH, LTV_DEFAULT, PAYMENT_DEFAULT = 1, 2, 4, 8, 16
#: Event names by flag, in the order a period's event text lists them.
EVENT_NAMES = {
    PAYMENT_DEFAULT: "payment default",
    COVENANT_DEFAULT: "covenant default",
    LTV_DEFAULT: "LTV default",
    LTV_BREACH: "LTV breach",
    LOCKUP: "lock-up",
}
#: Output arrays of :func:`waterfall`, each ``(paths, periods)``.
OUTPUTS = (
    "interest",
    "principal",
    "debt_service",
    "balance",
    "debt_paid",
    "arrears",
    "dsra",
    "sweep",
    "cure",
    "trapped",
    "distributions",
    "covenant_dscr",
    "ltv",
    "events",
)


@dataclass(frozen=True)
class WaterfallTerms:
    """The deal's waterfall and covenant terms (see the module notes; defaults as the deal's).

    Attributes
    ----------
    periods_per_year : int
    dsra_months : float
        Months of scheduled debt service held in the DSRA.
    sweep_share : float
        Share of the cash after DSRA top-up that prepays principal, decimal.
    lockup_dscr, default_dscr : float
        Covenant levels, x.
    covenant_basis : str
        "ltm" or "period".
    test_frequency : int
        Test dates a year.
    max_ltv : float or None
        LTV covenant (balance / market value); None means none.
    cure_periods : int
        Periods to cure an LTV breach.
    """

    periods_per_year: int
    dsra_months: float = 0.0
    sweep_share: float = 0.0
    lockup_dscr: float = 1.20
    default_dscr: float = 1.05
    covenant_basis: str = "ltm"
    test_frequency: int = 4
    max_ltv: float | None = None
    cure_periods: int = 3

    @classmethod
    def of(cls, deal: Deal) -> WaterfallTerms:
        """The terms of a deal."""
        return cls(
            deal.periods_per_year,
            deal.dsra_months,
            deal.sweep_share,
            deal.lockup_dscr,
            deal.default_dscr,
            deal.covenant_basis,
            deal.test_frequency,
            deal.max_ltv,
            deal.cure_periods,
        )

    @property
    def test_step(self) -> int:
        """Periods between test dates."""
        return max(self.periods_per_year // self.test_frequency, 1)

    @property
    def prepays(self) -> bool:
        """True if the waterfall can prepay (a sweep or an LTV cure), changing the schedule."""
        return self.sweep_share > 0 or self.max_ltv is not None


def dsra_target(payments: ArrayLike, periods_per_year: int, months: float) -> FloatArray:
    r"""DSRA target at close and at the end of each period: the next months' debt service.

    Parameters
    ----------
    payments : array_like
        Scheduled debt service of periods 1..n, USD.
    periods_per_year : int
    months : float
        Months of debt service to hold.

    Returns
    -------
    numpy.ndarray
        :math:`W_k = \sum_{j>k} w_j DS_j`, :math:`k = 0..n`, USD, with :math:`w_j = 1` for the
        periods wholly within ``months`` of :math:`t_k` and the fraction of the next one.

    Examples
    --------
    >>> dsra_target([10.0, 20.0, 30.0, 40.0], 4, 6).tolist()  # quarterly, 6 months = 2
    [30.0, 50.0, 70.0, 40.0, 0.0]
    """
    ds = np.asarray(payments, dtype=float)
    n = ds.size
    span = months * periods_per_year / 12.0  # periods of cover
    target = np.zeros(n + 1)
    if span <= 0:
        return target
    ahead = np.arange(n)[None, :] - np.arange(n + 1)[:, None]  # period j after date k
    weight = np.clip(span - ahead, 0.0, 1.0) * (ahead >= 0)
    result: FloatArray = weight @ ds
    return result


def waterfall(
    cfads: ArrayLike,
    debt: Debt,
    rates: ArrayLike,
    terms: WaterfallTerms,
    market_value: ArrayLike | None = None,
    rate_shift: ArrayLike | None = None,
    keep: Collection[str] = OUTPUTS,
) -> dict[str, FloatArray]:
    r"""Run the cash waterfall over many paths at once.

    Parameters
    ----------
    cfads : array_like, shape (paths, periods) or (periods,)
        Cash flow available for debt service, USD per period.
    debt : Debt
        The scheduled loan (:func:`~addin.analytics.debt.debt_schedule`), USD.
    rates : array_like, shape (periods,)
        Interest rate of each period, decimal per period (charged on arrears).
    terms : WaterfallTerms
    market_value : array_like, shape (periods,) or (paths, periods), optional
        Fleet market value at each period's end, USD; needed for an LTV covenant.
    rate_shift : array_like, shape (periods,) or (paths, periods), optional
        Interest on top of ``rates``, decimal per period, charged on the opening balance
        and on arrears: a floating rate's deviation from the rate the schedule was built
        at. The scheduled principal does not change (the repayment profile is fixed at
        close).
    keep : collection of str, default every output
        The outputs to return (a simulation keeps a few, to save memory and time).

    Returns
    -------
    dict of numpy.ndarray, each (paths, periods)
        ``interest``, ``principal``, ``debt_service`` (due on the contractual schedule after
        prepayments), ``balance`` (closing, after prepayments), ``debt_paid`` (including
        arrears), ``arrears`` (unpaid, closing), ``dsra``, ``trapped`` (closing balances),
        ``sweep`` and ``cure`` (prepayments), ``distributions``, ``covenant_dscr`` (x, NaN
        without debt service), ``ltv`` (closing balance / market value, NaN without one) and
        ``events`` (bit flags, see the module notes), all USD unless stated.

    Notes
    -----
    Per period: sources :math:`CFADS + DSRA_{open} + trapped_{open}` = uses
    :math:`paid + sweep + cure + DSRA + trapped + distributions`. Operations are on arrays
    across paths inside the loop over periods (:func:`_waterfall_arrays`, in chunks of
    :data:`CHUNK_PATHS` paths), so 10,000 paths cost little more than a hundred single runs.
    One path runs through :func:`waterfall_path`, the plain reference loop over floats,
    which is quicker for one path; the two agree bit for bit (``tests/analytics``).

    Examples
    --------
    >>> debt = Debt(100.0, np.array([10.0, 5.0]), np.array([50.0, 50.0]),
    ...             np.array([60.0, 55.0]), np.array([50.0, 0.0]))
    >>> out = waterfall([[40.0, 80.0]], debt, [0.1, 0.1], WaterfallTerms(1, dsra_months=12))
    >>> out["dsra"].tolist()  # DSRA 60 at close pays 20 of period 1, released at maturity
    [[40.0, 0.0]]
    >>> out["distributions"].tolist()  # 80 - 55 + the DSRA's 40
    [[0.0, 65.0]]
    """
    cf = np.atleast_2d(np.asarray(cfads, dtype=float))
    paths, n = cf.shape
    rate = np.asarray(rates, dtype=float)
    mv = (
        None if market_value is None else np.broadcast_to(np.asarray(market_value, float), cf.shape)
    )
    shift = None if rate_shift is None else np.broadcast_to(np.asarray(rate_shift, float), cf.shape)
    unknown = set(keep) - set(OUTPUTS)
    if unknown:
        raise InputError("keep", sorted(unknown), "names of outputs: " + ", ".join(OUTPUTS))
    if paths == 1:
        path = waterfall_path(
            cf[0].tolist(),
            debt,
            rate.tolist(),
            terms,
            None if mv is None else mv[0].tolist(),
            None if shift is None else shift[0].tolist(),
        )
        return {name: np.array([path[name]], dtype=float) for name in OUTPUTS if name in keep}
    stored = [name for name in OUTPUTS if name in keep or name == "debt_service"]
    by_period = {name: np.empty((n, paths)) for name in stored}  # rows written whole
    for start in range(0, paths, CHUNK_PATHS):
        rows = slice(start, min(start + CHUNK_PATHS, paths))
        _waterfall_arrays(
            cf[rows],
            debt,
            rate,
            terms,
            None if mv is None else mv[rows],
            None if shift is None else shift[rows],
            {name: values[:, rows] for name, values in by_period.items()},
        )
    return {name: by_period[name].T for name in OUTPUTS if name in keep}


#: Paths per block of the array engine: small enough for the state to stay in cache.
CHUNK_PATHS = 2048


def _waterfall_arrays(
    cf: FloatArray,
    debt: Debt,
    rate: FloatArray,
    terms: WaterfallTerms,
    mv: FloatArray | None,
    shift: FloatArray | None,
    out: dict[str, FloatArray],
) -> None:
    """The array engine of :func:`waterfall` on one block of paths, written into ``out``
    (arrays of (periods, paths), ``debt_service`` always among them)."""
    paths, n = cf.shape
    cft = np.ascontiguousarray(cf.T)
    mvt = None if mv is None else np.ascontiguousarray(mv.T)
    shiftt = None if shift is None else np.ascontiguousarray(shift.T)
    s_open = np.concatenate(([debt.loan_amount], debt.balance[:-1]))
    i_sched, p_sched, ds_sched, s_close = (
        debt.interest,
        debt.principal,
        debt.debt_service,
        debt.balance,
    )
    target = dsra_target(ds_sched, terms.periods_per_year, terms.dsra_months)
    window = max(terms.periods_per_year, 1)  # periods in twelve months
    ltm = terms.covenant_basis == "ltm"
    step = terms.test_step
    max_ltv = terms.max_ltv
    tol = 1e-9 * max(debt.loan_amount, 1.0)

    r = np.ones(paths)  # balance / scheduled balance
    arrears = np.zeros(paths)
    dsra = np.full(paths, target[0])
    trapped = np.zeros(paths)
    locked = np.zeros(paths, dtype=bool)
    breach_age = np.full(paths, -1)  # periods since an uncured LTV breach; -1 none
    cf_sum = np.zeros(paths)
    ds_sum = np.zeros(paths)
    nan = np.full(paths, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(n):
            c = cft[k]
            cash = np.maximum(c, 0.0)
            r_open = r
            ds = r * ds_sched[k]
            interest = r * i_sched[k]
            if shiftt is None:
                due = ds + arrears * (1.0 + rate[k])
            else:
                extra = r * s_open[k] * shiftt[k]
                ds = ds + extra
                interest = interest + extra
                due = ds + arrears * (1.0 + (rate[k] + shiftt[k]))
            paid = np.minimum(cash, due)
            short = due - paid
            cash = cash - paid
            draw = np.minimum(trapped, short)
            trapped = trapped - draw
            short = short - draw
            draw = np.minimum(dsra, short)
            dsra = dsra - draw
            arrears = short - draw
            flags = (arrears > tol) * PAYMENT_DEFAULT
            # DSRA: release above target, top up below it
            goal = r * target[k + 1]
            release = np.maximum(dsra - goal, 0.0)
            dsra = dsra - release
            cash = cash + release
            top = np.minimum(cash, goal - dsra)
            cash = cash - top
            dsra = dsra + top
            # sweep
            balance = r * s_close[k]
            sweep = np.minimum(terms.sweep_share * cash, balance)
            cash = cash - sweep
            balance = balance - sweep
            # covenant DSCR and tests
            cf_sum = cf_sum + c
            ds_sum = ds_sum + ds
            if ltm and k >= window:
                cf_sum = cf_sum - cft[k - window]
                ds_sum = ds_sum - out["debt_service"][k - window]
            num, den = (cf_sum, ds_sum) if ltm else (c, ds)
            cover = np.where(den > tol, num / den, np.nan)
            if (k + 1) % step == 0:
                locked = cover < terms.lockup_dscr  # NaN (no debt service) passes
                flags = flags | (cover < terms.default_dscr) * COVENANT_DEFAULT
            # LTV test, breach and cure from trapped cash
            cure = np.zeros(paths)
            ltv = nan
            if mvt is not None:
                value = mvt[k]
                if max_ltv is not None:
                    if (k + 1) % step == 0:
                        new = (breach_age < 0) & (balance > max_ltv * value + tol)
                        breach_age = np.where(new, 0, breach_age)
                        flags = flags | new * LTV_BREACH
                    open_ = breach_age >= 0
                    if open_.any():
                        trapped = trapped + np.where(open_, cash, 0.0)
                        cash = np.where(open_, 0.0, cash)
                        cure = np.where(open_, np.minimum(trapped, balance - max_ltv * value), 0.0)
                        cure = np.maximum(cure, 0.0)
                        trapped = trapped - cure
                        balance = balance - cure
                        cured = open_ & (balance <= max_ltv * value + tol)
                        expired = open_ & ~cured & (breach_age >= terms.cure_periods)
                        flags = flags | expired * LTV_DEFAULT
                        breach_age = np.where(
                            cured | expired, -1, np.where(open_, breach_age + 1, -1)
                        )
                ltv = np.where(value > 0, balance / value, np.nan)
            # lock-up, distributions
            trap = locked | (breach_age >= 0)
            flags = flags | locked * LOCKUP
            trapped = trapped + np.where(trap, cash, 0.0)
            give = np.where(trap, 0.0, cash + trapped)
            trapped = np.where(trap, trapped, 0.0)
            if k == n - 1:  # maturity: with the loan repaid, the accounts go to the sponsor
                done = arrears <= tol
                give = give + np.where(done, trapped + dsra, 0.0)
                trapped = np.where(done, 0.0, trapped)
                dsra = np.where(done, 0.0, dsra)
            out["debt_service"][k] = ds
            if s_close[k] > 0:
                r = r - (sweep + cure) / s_close[k]
            for name, value in (
                ("interest", interest),
                ("debt_paid", due - arrears),
                ("arrears", arrears),
                ("dsra", dsra),
                ("sweep", sweep),
                ("cure", cure),
                ("trapped", trapped),
                ("covenant_dscr", cover),
                ("ltv", ltv),
                ("events", flags),
            ):
                if name in out:
                    out[name][k] = value
            if "principal" in out:
                out["principal"][k] = r_open * p_sched[k]
            if "balance" in out:
                out["balance"][k] = r * s_close[k]
            if "distributions" in out:
                out["distributions"][k] = give + (c - np.maximum(c, 0.0))


def waterfall_path(
    cfads: Sequence[float],
    debt: Debt,
    rates: Sequence[float],
    terms: WaterfallTerms,
    market_value: Sequence[float] | None = None,
    rate_shift: Sequence[float] | None = None,
) -> dict[str, list[float]]:
    """The waterfall of one path, a plain loop over floats (the reference of the array engine).

    Parameters
    ----------
    cfads : sequence of float
        CFADS of periods 1..n, USD.
    debt : Debt
    rates : sequence of float
        Interest rate of each period, decimal per period.
    terms : WaterfallTerms
    market_value : sequence of float, optional
        Fleet market value at each period's end, USD.
    rate_shift : sequence of float, optional
        Interest on top of ``rates``, decimal per period (see :func:`waterfall`).

    Returns
    -------
    dict of list of float
        The outputs of :func:`waterfall` for the one path, each a list over periods. The
        operations are those of the array engine in the same order, so the two agree bit
        for bit.

    Examples
    --------
    >>> debt = Debt(100.0, np.array([10.0, 5.0]), np.array([50.0, 50.0]),
    ...             np.array([60.0, 55.0]), np.array([50.0, 0.0]))
    >>> terms = WaterfallTerms(1, sweep_share=0.5)
    >>> waterfall_path([150.0, 150.0], debt, [0.1, 0.1], terms)["sweep"]
    [45.0, 0.0]
    """
    n = len(cfads)
    i_sched, p_sched = debt.interest.tolist(), debt.principal.tolist()
    ds_sched, s_close = debt.debt_service.tolist(), debt.balance.tolist()
    target = dsra_target(debt.debt_service, terms.periods_per_year, terms.dsra_months).tolist()
    window = max(terms.periods_per_year, 1)
    ltm = terms.covenant_basis == "ltm"
    step = terms.test_step
    max_ltv, sweep_share = terms.max_ltv, terms.sweep_share
    lockup_dscr, default_dscr, cure_periods = (
        terms.lockup_dscr,
        terms.default_dscr,
        terms.cure_periods,
    )
    tol = 1e-9 * max(debt.loan_amount, 1.0)
    nan = math.nan
    s_open = [debt.loan_amount, *s_close[:-1]]

    out: dict[str, list[float]] = {name: [0.0] * n for name in OUTPUTS}
    r, arrears, dsra, trapped = 1.0, 0.0, target[0], 0.0
    locked, breach_age = False, -1
    cf_sum = ds_sum = 0.0
    for k in range(n):
        c = cfads[k]
        positive = c if c > 0.0 else 0.0
        cash = positive
        ds = r * ds_sched[k]
        interest = r * i_sched[k]
        if rate_shift is None:
            due = ds + arrears * (1.0 + rates[k])
        else:
            extra = r * s_open[k] * rate_shift[k]
            ds = ds + extra
            interest = interest + extra
            due = ds + arrears * (1.0 + (rates[k] + rate_shift[k]))
        paid = min(cash, due)
        short = due - paid
        cash = cash - paid
        draw = min(trapped, short)
        trapped = trapped - draw
        short = short - draw
        draw = min(dsra, short)
        dsra = dsra - draw
        arrears = short - draw
        flags = PAYMENT_DEFAULT if arrears > tol else 0
        goal = r * target[k + 1]
        release = max(dsra - goal, 0.0)
        dsra = dsra - release
        cash = cash + release
        top = min(cash, goal - dsra)
        cash = cash - top
        dsra = dsra + top
        balance = r * s_close[k]
        sweep = min(sweep_share * cash, balance)
        cash = cash - sweep
        balance = balance - sweep
        cf_sum = cf_sum + c
        ds_sum = ds_sum + ds
        if ltm and k >= window:
            cf_sum = cf_sum - cfads[k - window]
            ds_sum = ds_sum - out["debt_service"][k - window]
        num, den = (cf_sum, ds_sum) if ltm else (c, ds)
        cover = num / den if den > tol else nan
        if (k + 1) % step == 0:
            locked = cover < lockup_dscr  # NaN (no debt service) passes
            if cover < default_dscr:
                flags |= COVENANT_DEFAULT
        cure, ltv = 0.0, nan
        if market_value is not None:
            value = market_value[k]
            if max_ltv is not None:
                if (k + 1) % step == 0 and breach_age < 0 and balance > max_ltv * value + tol:
                    breach_age = 0
                    flags |= LTV_BREACH
                if breach_age >= 0:
                    trapped = trapped + cash
                    cash = 0.0
                    cure = max(min(trapped, balance - max_ltv * value), 0.0)
                    trapped = trapped - cure
                    balance = balance - cure
                    cured = balance <= max_ltv * value + tol
                    expired = not cured and breach_age >= cure_periods
                    if expired:
                        flags |= LTV_DEFAULT
                    breach_age = -1 if cured or expired else breach_age + 1
            ltv = balance / value if value > 0 else nan
        if locked:
            flags |= LOCKUP
        if locked or breach_age >= 0:
            trapped = trapped + cash
            give = 0.0
        else:
            give = cash + trapped
            trapped = 0.0
        if k == n - 1 and arrears <= tol:  # maturity: the accounts go to the sponsor
            give = give + (trapped + dsra)
            trapped = dsra = 0.0
        out["interest"][k] = interest
        out["principal"][k] = r * p_sched[k]
        out["debt_service"][k] = ds
        if s_close[k] > 0:
            r = r - (sweep + cure) / s_close[k]
        out["balance"][k] = r * s_close[k]
        out["debt_paid"][k] = due - arrears
        out["arrears"][k] = arrears
        out["dsra"][k] = dsra
        out["sweep"][k] = sweep
        out["cure"][k] = cure
        out["trapped"][k] = trapped
        out["distributions"][k] = give + (c - positive)
        out["covenant_dscr"][k] = cover
        out["ltv"][k] = ltv
        out["events"][k] = float(flags)
    return out


@functools.lru_cache(maxsize=256)
def fleet_market_value(deal: Deal) -> FloatArray:
    """Market value of the deal's fleet at each period's end, USD (collateral's market curve).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 1, "periods_per_year": 1,
    ...                   "unit_cost": 10_000})
    >>> fleet_market_value(deal).round(2).tolist()  # 10 x 10,000 x 0.85 / 0.90: no launch yet
    [94444.44]
    """
    t = np.arange(1, deal.periods + 1) / deal.periods_per_year
    values = residual_value(deal, deal.gpu_age_years + t, "market")
    return np.asarray(deal.gpus * np.asarray(values, dtype=float))


def deal_waterfall(
    deal: Deal, cfads: ArrayLike | None = None, show_ltv: bool = True
) -> dict[str, FloatArray]:
    """The waterfall of a deal on its own CFADS, or on CFADS paths of shape (paths, periods).

    Parameters
    ----------
    deal : Deal
    cfads : array_like, optional
        CFADS paths, USD per period; default the deal's own (one path).
    show_ltv : bool, default True
        Compute the LTV against market value even without an LTV covenant.

    Returns
    -------
    dict of numpy.ndarray
        As :func:`waterfall`, each (paths, periods).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2, "loan_amount": 1e6,
    ...                   "interest_rate": 0.1, "tenor_years": 3, "dsra_months": 6})
    >>> out = deal_waterfall(deal)
    >>> out["dsra"].shape, float(out["balance"][0, -1])
    ((1, 36), 0.0)
    """
    flows = cash_flows(deal)["cfads"] if cfads is None else cfads
    terms = WaterfallTerms.of(deal)
    value = fleet_market_value(deal) if terms.max_ltv is not None or show_ltv else None
    return waterfall(flows, debt_schedule(deal), period_rates(deal), terms, value)


@functools.lru_cache(maxsize=128)
def deal_run(deal: Deal, annual_decline: float | None = None) -> dict[str, FloatArray]:
    """The deal's own CFADS and waterfall at a rent decline, remembered for the next call.

    A workbook asks many questions of the same deal (``DSCR_MIN``, ``DSCR_TABLE``,
    ``DSCR_COVENANTS`` ...); each deal and decline is run once and kept (128 runs, a few
    kB each). The arrays are read-only.

    Parameters
    ----------
    deal : Deal
    annual_decline : float, optional
        Yearly rent decline, decimal; default the deal's own (validated by the caller).

    Returns
    -------
    dict of numpy.ndarray, each (1, periods)
        ``cfads`` (USD) and the outputs of :func:`waterfall`.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2, "loan_amount": 1e6,
    ...                   "interest_rate": 0.1, "tenor_years": 3, "dsra_months": 6})
    >>> deal_run(deal, 0.3) is deal_run(deal, 0.3), deal_run(deal)["cfads"].shape
    (True, (1, 36))
    """
    cfads = np.atleast_2d(cash_flows(deal, annual_decline)["cfads"])
    run = {"cfads": cfads, **deal_waterfall(deal, cfads)}
    for values in run.values():
        values.setflags(write=False)
    return run


def event_text(flags: float) -> str:
    """The names of the events a period's flags hold, e.g. "payment default; lock-up".

    Examples
    --------
    >>> event_text(PAYMENT_DEFAULT | LOCKUP), event_text(0)
    ('payment default; lock-up', '')
    """
    bits = int(flags)
    return "; ".join(name for flag, name in EVENT_NAMES.items() if bits & flag)
