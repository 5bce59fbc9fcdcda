"""Red / amber / green flags, the verdict they add up to, and the words that explain both.

The thresholds are illustrative (no public source gives them for GPU loans); the words of
each rule are printed beside the flag, so a reader sees what it means. Two rules hold the
flags to the engine's projection:

* **No green beside a projected default.** When the base case (the deal's own
  assumptions run through the engine's waterfall, :attr:`Evidence.default`) projects a
  payment, covenant or LTV default, no flag is green: a green flag would vouch for a level
  at which this deal defaults (:func:`cap_flags`).
* **The LLCR flag grades the minimum LLCR over the loan's life**, not the LLCR at close,
  which a contract-expiry cliff hides.

The verdict (:func:`verdict`):

* **DECLINE as structured** (red) when the base case projects a default, or the derived
  lifetime PD rates CCC/C (it defaults more often than the average CCC/C issuer), or no
  margin up to 64% pays for the expected loss;
* **APPROVE WITH CONDITIONS** (amber) otherwise, when a flag is red or amber (each becomes
  a condition) or the risk could not be simulated (no ``market_absorption``);
* **APPROVE** (green) when every flag is green.

Its reasons are the three heaviest of :func:`reasons`, each read from the engine's
results (:class:`Evidence`), never typed in.

Examples
--------
>>> grade(1.3, 1.2, 1.05, higher_is_better=True), grade(0.9, 0.8, 1.0, higher_is_better=False)
('green', 'amber')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass

from addin.analytics.cashflow import BREAKEVEN_MAX_DECLINE
from addin.analytics.dscr import DscrSummary
from addin.model.deal import Deal

#: Decisions of :func:`verdict`, by status.
DECISIONS = {
    "red": "DECLINE as structured",
    "amber": "APPROVE WITH CONDITIONS",
    "green": "APPROVE",
}
#: Pricing: amber up to this shortfall below the fair margin, red beyond (basis points;
#: illustrative).
PRICING_AMBER_BPS = 100.0
#: Ratings the derived PD maps to that decline the deal outright (the table's last bucket).
DECLINE_RATINGS = ("CCC/C",)
#: Slotting categories (BCBS CRE33) by flag status.
SLOTTING_STATUS = {"Strong": "green", "Good": "green", "Satisfactory": "amber", "Weak": "red"}
NO_DEFAULT = "none"  # how the Summary shows "no default projected"
DEFAULT_FLAG = "Projected default (base case)"  # the metric of default_flag


@dataclass(frozen=True)
class Flag:
    """A red / amber / green flag: the metric, its value as shown, the status and the rule.

    ``key`` names the Summary metric a flag grades when the workbook can recompute it;
    ``green``, ``amber`` and ``higher_is_better`` are then its thresholds (in the metric's
    unit), so the Summary writes the status as a formula (:func:`grade`'s rule).
    """

    metric: str
    value: str
    status: str  # "green", "amber" or "red"
    rule: str
    key: str = ""
    green: float | None = None
    amber: float | None = None
    higher_is_better: bool = True


def grade(value: float | None, green: float, amber: float, higher_is_better: bool) -> str:
    """Status of a value against a green and an amber threshold ("red" when missing).

    Parameters
    ----------
    value : float or None
        The metric, in the thresholds' unit; None or NaN grades red.
    green, amber : float
        Green from ``green``, amber from ``amber``, red beyond (compared the other way
        round when ``higher_is_better`` is False).
    higher_is_better : bool

    Examples
    --------
    >>> grade(1.1, 1.2, 1.05, higher_is_better=True), grade(None, 1.2, 1.05, True)
    ('amber', 'red')
    """
    if value is None or math.isnan(value):
        return "red"
    sign = 1.0 if higher_is_better else -1.0
    if sign * value >= sign * green:
        return "green"
    return "amber" if sign * value >= sign * amber else "red"


def period_label(found: tuple[int, dt.date | None] | None) -> str:
    """A period as the memo prints it: "none", "at close" or "period k (date)".

    Examples
    --------
    >>> period_label(None), period_label((0, None)), period_label((3, dt.date(2026, 3, 31)))
    ('none', 'at close', 'period 3 (2026-03-31)')
    """
    if found is None:
        return "none"
    period, date = found
    label = "at close" if period == 0 else f"period {period}"
    return label + (f" ({date:%Y-%m-%d})" if date is not None else "")


PERIOD_NAMES = {12: "month", 4: "quarter", 2: "half-year", 1: "year"}


def when(period: int, periods_per_year: int, dates: tuple[dt.date, ...] | None = None) -> str:
    """A period in words: "month 37 (2029-02-01)", "quarter 5", "at close" (period 0).

    The date is the period's payment date (its end), when the deal has a start date.

    Examples
    --------
    >>> when(37, 12, None), when(2, 4, (dt.date(2026, 6, 30), dt.date(2026, 9, 30)))
    ('month 37', 'quarter 2 (2026-09-30)')
    """
    if period == 0:
        return "at close"
    text = f"{PERIOD_NAMES.get(periods_per_year, 'period')} {period}"
    if dates is not None and 1 <= period <= len(dates):
        text += f" ({dates[period - 1]:%Y-%m-%d})"
    return text


def usd(amount: float) -> str:
    """USD in millions as the memo's sentences print it.

    Examples
    --------
    >>> usd(85e6), usd(-3_182_226.3)
    ('USD 85.0M', 'USD -3.18M')
    """
    return f"USD {amount / 1e6:.2f}M" if abs(amount) < 1e7 else f"USD {amount / 1e6:.1f}M"


def breakeven_text(breakeven: float | None) -> str:
    """A breakeven decline as the memo prints it, the search cap named as such.

    Examples
    --------
    >>> breakeven_text(0.0676), breakeven_text(None), breakeven_text(0.99)
    ('6.8%', 'none', '≥ 99% (search cap)')
    """
    if breakeven is None:
        return "none"
    if breakeven >= BREAKEVEN_MAX_DECLINE:
        return f"≥ {BREAKEVEN_MAX_DECLINE:.0%} (search cap)"
    return f"{breakeven:.1%}"


def default_flag(
    default: tuple[int, str] | None,
    warning: tuple[int, str] | None,
    periods_per_year: int,
    dates: tuple[dt.date, ...] | None,
) -> Flag:
    """The base case's projected default: red if the engine's base case defaults.

    Parameters
    ----------
    default : tuple or None
        ``(period, kind)`` of the base case's first default (payment, covenant or LTV).
    warning : tuple or None
        ``(period, kind)`` of its first lock-up or LTV breach, when it does not default.
    periods_per_year : int
    dates : tuple of datetime.date or None
        Payment dates of the periods.

    Examples
    --------
    >>> default_flag((37, "payment default"), None, 12, None).value
    'payment default, month 37'
    >>> default_flag(None, (5, "lock-up"), 4, None).status
    'amber'
    """
    if default is not None:
        value, status = f"{default[1]}, {when(default[0], periods_per_year, dates)}", "red"
    elif warning is not None:
        value, status = f"{warning[1]}, {when(warning[0], periods_per_year, dates)}", "amber"
    else:
        value, status = NO_DEFAULT, "green"
    return Flag(
        DEFAULT_FLAG,
        value,
        status,
        "red when the deal's own assumptions, run through the engine's waterfall, default "
        "(payment, covenant or LTV default), amber with a lock-up or LTV breach only, green "
        "with neither",
    )


def dscr_flags(deal: Deal, summary: DscrSummary) -> list[Flag]:
    """Coverage flags: min DSCR, min LLCR over the loan's life, breakeven decline.

    Examples
    --------
    >>> from addin.analytics.dscr import dscr_summary
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> [flag.status for flag in dscr_flags(deal, dscr_summary(deal))]
    ['red', 'red', 'red']
    >>> [flag.status for flag in dscr_flags(deal, dscr_summary(deal, 0.0))][0]
    'green'
    """
    lock, default = deal.lockup_dscr, deal.default_dscr
    margin = 0.10
    breakeven = summary.breakeven_decline
    return [
        Flag(
            "Min DSCR (deflated rents)",
            f"{summary.min_dscr:.2f}x",
            grade(summary.min_dscr, lock, default, True),
            f"green from the lock-up level ({lock:.2f}x), amber from the default level "
            f"({default:.2f}x), red below",
            key="min_dscr",
            green=lock,
            amber=default,
        ),
        Flag(
            "Min LLCR (loan life)",
            f"{summary.min_llcr:.2f}x",
            grade(summary.min_llcr, lock, 1.0, True),
            f"the lowest LLCR over the loan's life (PV of the remaining CFADS / balance, at "
            f"each period's start): green from {lock:.2f}x (lock-up), amber from 1.00x, red "
            "below",
            key="min_llcr",
            green=lock,
            amber=1.0,
        ),
        Flag(
            "Breakeven decline vs today's decline",
            f"{breakeven_text(breakeven)} vs {deal.annual_decline:.1%}",
            grade(
                None if breakeven is None else breakeven - deal.annual_decline, margin, 0.0, True
            ),
            f"green when rents can fall {margin:.0%} a year faster than assumed before min "
            "DSCR hits 1.00x, amber with less headroom, red when the assumed decline breaks "
            "1.00x",
        ),
    ]


def risk_flags(rating: str, category: str, fair: float, actual: float) -> list[Flag]:
    """Flags of the derived credit numbers: the rating of the lifetime PD, and the pricing.

    Parameters
    ----------
    rating, category : str
        S&P-equivalent rating of the lifetime PD and its slotting category (BCBS CRE33).
    fair, actual : float
        The fair margin (inf when no margin pays) and the deal's own, decimal per year.

    Examples
    --------
    >>> [f.status for f in risk_flags("BB", "Good", 0.02, 0.05)]
    ['green', 'green']
    >>> [f.status for f in risk_flags("B", "Weak", 0.06, 0.05)]
    ['red', 'amber']
    """
    shortfall = (fair - actual) * 1e4
    if not math.isfinite(fair):
        pricing, status = "no margin up to 64% pays", "red"
    else:
        pricing = f"fair {fair:.2%} vs {actual:.2%}"
        status = grade(shortfall, 0.0, PRICING_AMBER_BPS, higher_is_better=False)
    return [
        Flag(
            "Rating (derived lifetime PD)",
            f"{rating} ({category})",
            SLOTTING_STATUS.get(category, "red"),
            "the S&P-equivalent rating of the PD simulated over the tenor: green for BB or "
            "better (slotting Strong or Good), amber for BB- and B+ (Satisfactory), red for B "
            "and below (Weak)",
        ),
        Flag(
            "Pricing (fair vs actual margin)",
            pricing,
            status,
            "green when the margin pays for the expected loss (at or above the fair margin), "
            f"amber when it falls short by up to {PRICING_AMBER_BPS:.0f} bp, red beyond or "
            "when no margin pays",
        ),
    ]


def liquidation_flags(
    deal: Deal, ltv_close: float, underwater: tuple[int, dt.date | None] | None
) -> list[Flag]:
    """Fire-sale flags: the liquidation LTV at close and the first underwater period.

    Parameters
    ----------
    deal : Deal
    ltv_close : float
        Loan / fire-sale value of the fleet at close, decimal.
    underwater : tuple or None
        ``(period, date)`` the balance first exceeds the fire-sale value; None if never.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2.0, "loan_amount": 1e5,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> [flag.status for flag in liquidation_flags(deal, 0.9, (40, None))]
    ['amber', 'amber']
    """
    n = deal.periods
    status = "green" if underwater is None else ("amber" if underwater[0] > n / 2 else "red")
    return [
        Flag(
            "LTV at close (liquidation value)",
            f"{ltv_close:.0%}",
            grade(ltv_close, 0.80, 1.00, higher_is_better=False),
            "green at or below 80% of the fire-sale value, amber up to 100%, red above "
            "(illustrative)",
        ),
        Flag(
            "Underwater period",
            period_label(underwater),
            status,
            "green if the balance never exceeds the fire-sale value, amber if it first "
            "does in the second half of the tenor, red in the first half or at close",
        ),
    ]


def book_flag(ltv_maturity_book: float) -> Flag:
    """Book LTV at maturity: red when the loan outlives the GPUs' book life.

    Parameters
    ----------
    ltv_maturity_book : float
        Balance due in the final period / fleet book value then, decimal; inf when the book
        value is zero (fully depreciated) with a balance still due.

    Examples
    --------
    >>> book_flag(0.05).status, book_flag(math.inf).value
    ('green', 'fully depreciated')
    """
    fully = math.isinf(ltv_maturity_book)
    return Flag(
        "LTV at maturity (book)",
        "fully depreciated" if fully else f"{ltv_maturity_book:.0%}",
        "red" if fully else grade(ltv_maturity_book, 0.80, 1.00, higher_is_better=False),
        "balance due in the final period / book value then: green up to 80%, amber up to "
        "100%, red above or when the book value is zero (the loan outlives the book life)",
        key="ltv_maturity_book",
        green=0.80,
        amber=1.00,
        higher_is_better=False,
    )


def mismatch_flag(wal_to_half_life: float) -> Flag:
    """Duration mismatch flag: the loan's WAL over the GPUs' market-value half-life (x).

    Examples
    --------
    >>> mismatch_flag(1.2).status
    'amber'
    """
    return Flag(
        "Duration mismatch (WAL / half-life)",
        f"{wal_to_half_life:.2f}x",
        grade(wal_to_half_life, 1.0, 1.5, higher_is_better=False),
        "green when the loan's WAL is within the GPUs' market-value half-life, amber up "
        "to 1.5 times it, red beyond",
    )


CAPPED = "; capped at amber: the base case projects a default"


def cap_flags(flags: list[Flag], default_projected: bool) -> tuple[Flag, ...]:
    """The flags with no green left when the base case projects a default (module notes).

    A capped flag's rule says so.

    Examples
    --------
    >>> capped = cap_flags([mismatch_flag(0.5)], default_projected=True)
    >>> capped[0].status, capped[0].rule.endswith("projects a default")
    ('amber', True)
    """
    out = []
    for flag in flags:
        if default_projected and flag.status == "green":
            flag = dataclasses.replace(flag, status="amber", rule=flag.rule + CAPPED)
        out.append(flag)
    return tuple(out)


@dataclass(frozen=True)
class Evidence:
    """What the verdict reads, from the engine's results (plain numbers; units as named).

    Periods are 1-based, counted from close; ``dates`` are the periods' payment dates.
    """

    periods_per_year: int
    periods: int
    dates: tuple[dt.date, ...] | None
    default: tuple[int, str] | None  # base case: first default period and its kind
    warning: tuple[int, str] | None  # base case: first lock-up / LTV breach without default
    contract_end: float | None  # contract expiry, periods from close, when inside the loan
    first_negative_cfads: int | None  # first period CFADS < 0, base case
    first_below_one: int | None  # first period DSCR < 1.00x, base case
    first_below_default: int | None  # first period DSCR < the default level, base case
    default_dscr: float  # the default level, x
    annual_decline: float  # decimal per year
    breakeven: float | None  # decline where min DSCR = 1.00x, decimal per year
    min_dscr: float  # base case, x
    loan: float  # USD
    fire_sale_close: float | None  # fleet fire-sale net proceeds at close, USD
    ltv_close_liquidation: float | None  # decimal
    underwater: int | None  # first period balance > fire-sale value (0 = at close)
    btc_holdings: float  # USD today
    mining_share: float  # share of revenue
    btc_drawdown: float  # the BTC stress named in the reason, decimal
    btc_unpaid: tuple[int | None, int | None] | None  # first payment default, BTC flat / stressed
    lifetime_pd: float | None  # decimal over the tenor; None without a simulation
    rating: str | None
    category: str | None  # slotting category of the rating (BCBS CRE33)
    horizon_years: float
    fair: float | None  # decimal per year; inf when no margin pays
    actual: float | None
    worst_scenario: tuple[str, int, float] | None  # name, first default period, loss USD
    wal_to_half_life: float  # x


def _default_reason(e: Evidence) -> str:
    assert e.default is not None
    period, kind = e.default
    at = when(period, e.periods_per_year, e.dates)
    if e.contract_end is not None and period > e.contract_end:
        end = math.ceil(e.contract_end - 1e-9)
        text = f"contract expires in {when(end, e.periods_per_year, e.dates)}"
        if e.first_negative_cfads is not None and e.first_negative_cfads > e.contract_end:
            text += (
                "; spot rent falls below cash cost (CFADS < 0) in "
                f"{when(e.first_negative_cfads, e.periods_per_year)}"
            )
        elif e.first_below_one is not None and e.first_below_one > e.contract_end:
            text += (
                "; spot rent no longer covers the debt service (DSCR < 1.00x) from "
                f"{when(e.first_below_one, e.periods_per_year)}"
            )
        return f"{text}: {kind} in {at}"
    cause = f"rents falling {e.annual_decline:.0%} a year"
    if e.first_below_default is not None and e.first_below_default <= period:
        cause = (
            f"DSCR below the {e.default_dscr:.2f}x default level from "
            f"{when(e.first_below_default, e.periods_per_year)} with {cause}"
        )
    return f"{kind} in {at} on the deal's own assumptions: {cause}"


def reasons(e: Evidence) -> list[str]:
    """Every reason the evidence supports, heaviest first (the verdict shows three).

    Weights rank what matters most to a lender: a projected default, then the collateral
    falling short of the loan, the borrower's BTC exposure, the headroom of the rent
    decline, the simulated PD, a named scenario's default, the pricing and the duration
    mismatch; reassurances come last, so a sound deal lists what makes it sound.

    Examples
    --------
    >>> e = Evidence(12, 60, None, (37, "payment default"), None, 36.0, 37, 37, 37, 1.05,
    ...              0.30, 0.068, -0.46, 85e6, 78.9e6, 1.08, 0, 0.0, 0.0, 0.77, None,
    ...              0.9975, "CCC/C", "Weak", 5.0, 0.011, 0.07, None, 0.62)
    >>> print(reasons(e)[0])  # doctest: +NORMALIZE_WHITESPACE
    contract expires in month 36; spot rent falls below cash cost (CFADS < 0) in month 37:
    payment default in month 37
    """
    p, dates = e.periods_per_year, e.dates
    found: list[tuple[float, str]] = []
    if e.default is not None:
        found.append((100.0, _default_reason(e)))
    if e.underwater is not None and e.fire_sale_close is not None:
        if e.underwater == 0:
            ltv = e.ltv_close_liquidation or math.nan
            found.append(
                (
                    80.0,
                    f"fleet fire-sale value ({usd(e.fire_sale_close)}) below the loan "
                    f"({usd(e.loan)}) from close: LTV {ltv:.0%}",
                )
            )
        else:
            weight = 60.0 if e.underwater <= e.periods / 2 else 40.0
            found.append(
                (
                    weight,
                    "the balance exceeds the fleet's fire-sale value from "
                    f"{when(e.underwater, p, dates)}",
                )
            )
    if e.btc_holdings > 0 or e.mining_share > 0:
        parts = []
        if e.btc_holdings > 0:
            left = e.btc_holdings * (1.0 - e.btc_drawdown)
            parts.append(
                f"BTC treasury ({usd(e.btc_holdings)}) falls with BTC: "
                f"{usd(left)} after BTC -{e.btc_drawdown:.0%}"
            )
        if e.mining_share > 0:
            parts.append(
                f"{e.mining_share:.0%} of revenue is mining: BTC -{e.btc_drawdown:.0%} cuts "
                f"revenue by {e.mining_share * e.btc_drawdown:.0%}"
            )
        if e.btc_unpaid is not None and e.btc_unpaid[0] != e.btc_unpaid[1]:
            flat, stressed = e.btc_unpaid
            if stressed is not None:
                parts.append(
                    f"debt service then goes unpaid from {when(stressed, p)}"
                    + (
                        f", not {when(flat, p)}"
                        if flat is not None
                        else ", not at all with BTC flat"
                    )
                )
        found.append((75.0, "; ".join(parts)))
    if e.breakeven is None:
        found.append((70.0, "min DSCR is below 1.00x even on flat rents"))
    elif e.breakeven < e.annual_decline:
        found.append(
            (
                70.0,
                f"rents can fall only {e.breakeven:.1%} a year before min DSCR hits 1.00x; "
                f"the deal assumes {e.annual_decline:.0%}",
            )
        )
    sound = SLOTTING_STATUS.get(e.category or "") == "green"
    if e.lifetime_pd is not None and e.default is None and not sound:
        found.append(
            (
                50.0 + 40.0 * e.lifetime_pd,
                f"{e.lifetime_pd:.1%} of simulated paths default within {e.horizon_years:g} "
                f"years (rating {e.rating})",
            )
        )
    if e.worst_scenario is not None:
        name, period, loss = e.worst_scenario
        if e.default is None or period < e.default[0]:
            share = loss / e.loan if e.loan > 0 else 0.0
            found.append(
                (
                    45.0 + 30.0 * min(share, 1.0),
                    f"the '{name}' scenario defaults in {when(period, p, dates)}, "
                    + (f"losing {usd(loss)}" if loss > 0 else "the fire sale covering it"),
                )
            )
    if e.fair is not None and e.actual is not None:
        shortfall = (e.fair - e.actual) * 1e4
        if not math.isfinite(e.fair):
            found.append((85.0, "no margin up to 64% pays for the expected loss"))
        elif shortfall > 0:
            found.append(
                (
                    50.0 + min(shortfall / 20.0, 30.0),
                    f"underpriced by {shortfall:.0f} bp: the margin that pays for the "
                    f"expected loss is {e.fair:.2%}, the deal pays {e.actual:.2%}",
                )
            )
    if e.wal_to_half_life > 1.0:
        found.append(
            (
                40.0,
                f"the loan's WAL is {e.wal_to_half_life:.2f}x the GPUs' market-value half-life",
            )
        )
    if e.default is None:  # reassurances, for a deal that holds
        found.append(
            (20.0, f"no default on the deal's own assumptions: min DSCR {e.min_dscr:.2f}x")
        )
        if e.lifetime_pd is not None and sound:
            found.append(
                (
                    15.0,
                    f"lifetime PD {e.lifetime_pd:.1%} over {e.horizon_years:g} years "
                    f"(rating {e.rating})",
                )
            )
        if e.underwater is None and e.ltv_close_liquidation is not None:
            found.append(
                (
                    14.0,
                    "the fire-sale value covers the balance throughout (LTV "
                    f"{e.ltv_close_liquidation:.0%} at close)",
                )
            )
        if e.fair is not None and e.actual is not None and e.actual >= e.fair:
            found.append(
                (
                    12.0,
                    f"priced {(e.actual - e.fair) * 1e4:.0f} bp above the margin that pays "
                    "for the expected loss",
                )
            )
    found.sort(key=lambda item: -item[0])  # stable: equal weights keep their order
    return [text for _, text in found]


@dataclass(frozen=True)
class Verdict:
    """The memo's one verdict: the decision, the rule that decided it, and why."""

    status: str  # "red", "amber" or "green"
    decision: str  # DECISIONS[status]
    rule: str  # the rule of the module notes that decided it, in words
    reasons: tuple[str, ...]  # the three heaviest reasons (:func:`reasons`)
    conditions: tuple[str, ...]  # the flags that are not green, by metric


def verdict(flags: tuple[Flag, ...], e: Evidence, simulated: bool) -> Verdict:
    """The verdict of the module notes, from the flags and the engine's evidence.

    Parameters
    ----------
    flags : tuple of Flag
        The memo's flags (after :func:`cap_flags`).
    e : Evidence
    simulated : bool
        Whether the deal's risk was simulated (it needs ``market_absorption``).

    Examples
    --------
    >>> e = Evidence(12, 60, None, (37, "payment default"), None, 36.0, 37, 37, 37, 1.05,
    ...              0.30, 0.068, -0.46, 85e6, 78.9e6, 1.08, 0, 0.0, 0.0, 0.77, None,
    ...              0.9975, "CCC/C", "Weak", 5.0, 0.011, 0.07, None, 0.62)
    >>> v = verdict((), e, simulated=True)
    >>> v.decision, v.rule
    ('DECLINE as structured', 'the base case projects a payment default in month 37')
    """
    conditions = tuple(flag.metric for flag in flags if flag.status != "green")
    if e.default is not None:
        status = "red"
        rule = (
            f"the base case projects a {e.default[1]} in {when(e.default[0], e.periods_per_year)}"
        )
    elif e.rating in DECLINE_RATINGS:
        status = "red"
        rule = (
            f"the simulated lifetime PD ({(e.lifetime_pd or 0.0):.1%}) rates {e.rating}: it "
            "defaults more often than the average CCC/C issuer"
        )
    elif e.fair is not None and not math.isfinite(e.fair):
        status, rule = "red", "no margin up to 64% pays for the expected loss"
    elif conditions or not simulated:
        status = "amber"
        rule = "no default projected; approve subject to the flags that are not green"
        if not simulated:
            conditions += ("simulate the risk: set market_absorption",)
            rule = "no default projected, but the risk is not simulated (no market_absorption)"
    else:
        status, rule = "green", "no default projected and every flag green"
    return Verdict(status, DECISIONS[status], rule, tuple(reasons(e)[:3]), conditions)
