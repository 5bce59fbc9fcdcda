"""Red / amber / green flags: each metric's status and the words that explain its rule.

The thresholds are illustrative (no public source gives them for GPU loans); the words of
each rule are printed beside the flag, so a reader sees what it means.

Examples
--------
>>> grade(1.3, 1.2, 1.05, higher_is_better=True), grade(0.9, 0.8, 1.0, higher_is_better=False)
('green', 'amber')
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from addin.analytics.dscr import DscrSummary
from addin.model.deal import Deal


@dataclass(frozen=True)
class Flag:
    """A red / amber / green flag: the metric, its value as shown, the status and the rule."""

    metric: str
    value: str
    status: str  # "green", "amber" or "red"
    rule: str


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


def dscr_flags(deal: Deal, summary: DscrSummary) -> list[Flag]:
    """Coverage flags: min DSCR, LLCR, breakeven decline and first default breach.

    Examples
    --------
    >>> from addin.analytics.dscr import dscr_summary
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> [flag.status for flag in dscr_flags(deal, dscr_summary(deal))]
    ['red', 'red', 'red', 'red']
    >>> [flag.status for flag in dscr_flags(deal, dscr_summary(deal, 0.0))][0]
    'green'
    """
    lock, default = deal.lockup_dscr, deal.default_dscr
    margin = 0.10
    breakeven = summary.breakeven_decline
    n = deal.periods
    default_at = summary.first_default_breach
    return [
        Flag(
            "Min DSCR (deflated rents)",
            f"{summary.min_dscr:.2f}x",
            grade(summary.min_dscr, lock, default, True),
            f"green from the lock-up level ({lock:.2f}x), amber from the default level "
            f"({default:.2f}x), red below",
        ),
        Flag(
            "LLCR",
            f"{summary.llcr:.2f}x",
            grade(summary.llcr, lock, 1.0, True),
            f"green from {lock:.2f}x (lock-up), amber from 1.00x, red below",
        ),
        Flag(
            "Breakeven decline vs today's decline",
            "none" if breakeven is None else f"{breakeven:.1%} vs {deal.annual_decline:.1%}",
            grade(
                None if breakeven is None else breakeven - deal.annual_decline, margin, 0.0, True
            ),
            f"green when rents can fall {margin:.0%} a year faster than assumed before min "
            "DSCR hits 1.00x, amber with less headroom, red when the assumed decline breaks "
            "1.00x",
        ),
        Flag(
            "First default breach",
            "none" if default_at is None else f"period {default_at} of {n}",
            "green" if default_at is None else ("amber" if default_at > n / 2 else "red"),
            "green with no period below the default level, amber if the first one is in "
            "the second half of the tenor, red in the first half",
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
