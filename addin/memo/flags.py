"""Red / amber / green flags: each metric's status and the words that explain its rule.

Examples
--------
>>> grade(1.3, 1.2, 1.05, higher_is_better=True), grade(0.9, 0.8, 1.0, higher_is_better=False)
('green', 'amber')
"""

from __future__ import annotations

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
    """Status of a value against a green and an amber threshold ("red" when missing)."""
    if value is None or math.isnan(value):
        return "red"
    sign = 1.0 if higher_is_better else -1.0
    if sign * value >= sign * green:
        return "green"
    return "amber" if sign * value >= sign * amber else "red"


def dscr_flags(deal: Deal, summary: DscrSummary) -> list[Flag]:
    """Coverage flags: min DSCR, LLCR, breakeven decline and first default breach."""
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
