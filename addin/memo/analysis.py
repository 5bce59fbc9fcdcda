"""Every number a deal memo shows, computed by the engines (no openpyxl here).

:func:`analyse` runs the DSCR, stress, collateral and credit engines on one deal and
returns a :class:`MemoData`; the sheet writers only lay those results out. Flag rules
(red / amber / green) live here too, each with the words that explain it.

Examples
--------
>>> from addin.model.deal import load_deal
>>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
...                   "interest_rate": 0.09, "tenor_years": 5})
>>> data = analyse(deal)
>>> f"{data.summary.min_dscr:.2f}x", data.flags[0].status
('0.23x', 'red')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from addin.analytics.debt import debt_schedule
from addin.analytics.dscr import (
    DscrSummary,
    breakeven_decline,
    dscr_schedule,
    dscr_summary,
    llcr,
    min_dscr_grid,
)
from addin.memo.flags import Flag, dscr_flags
from addin.memo.risk import collateral_results, credit_results, risk_flags
from addin.model.deal import Deal
from addin.model.types import FloatArray
from addin.version import VERSION

STRESS_DECLINES = np.round(np.arange(0.0, 0.601, 0.05), 2)  # 0% to 60% a year
STRESS_UTILIZATIONS = np.round(np.arange(0.50, 1.001, 0.05), 2)
STRESS_SHARES = np.round(np.arange(0.0, 1.001, 0.10), 2)


@dataclass(frozen=True)
class StressGrid:
    """Min DSCR (x) over annual decline (rows) x a second driver (columns)."""

    driver: str  # deal key varied along the columns
    declines: FloatArray
    values: FloatArray
    min_dscr: FloatArray  # shape (declines, values)
    breakeven: list[float | None]  # decline where min DSCR = 1.00x, per column
    breakeven_lockup: list[float | None]  # decline where min DSCR = lock-up, per column


@dataclass
class MemoData:
    """The analytics results a memo workbook shows (see :func:`analyse`)."""

    deal: Deal
    version: str
    generated: dt.datetime
    schedule: pd.DataFrame
    summary: DscrSummary
    flat_llcr: float
    lockup_breakeven: float | None
    stress_utilization: StressGrid
    stress_contract: StressGrid
    collateral: dict[str, Any] = field(default_factory=dict)
    credit: dict[str, Any] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)


def stress_grid(deal: Deal, driver: str, values: FloatArray) -> StressGrid:
    """Min DSCR over :data:`STRESS_DECLINES` x ``values`` of ``driver``, debt as sized.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 25e6,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> grid = stress_grid(deal, "utilization", np.array([0.6, 0.8]))
    >>> f"{grid.min_dscr[0, 1]:.4f}", f"{grid.breakeven[1]:.4f}"
    ('2.0921', '0.1263')
    """
    grid = min_dscr_grid(deal, STRESS_DECLINES[:, None], **{driver: values[None, :]})
    return StressGrid(
        driver=driver,
        declines=STRESS_DECLINES,
        values=values,
        min_dscr=grid,
        breakeven=[breakeven_decline(deal, 1.0, **{driver: float(v)}) for v in values],
        breakeven_lockup=[
            breakeven_decline(deal, deal.lockup_dscr, **{driver: float(v)}) for v in values
        ],
    )


def analyse(deal: Deal, generated: dt.datetime | None = None) -> MemoData:
    """Run every engine a memo needs on one deal.

    Parameters
    ----------
    deal : Deal
    generated : datetime, optional
        Time stamp shown in the memo; default now.

    Returns
    -------
    MemoData
        Schedule and summary at the deal's decline, stress grids, collateral and credit
        results, and the red / amber / green flags.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> data = analyse(load_deal({"name": "D", "gpus": 100, "market_rate": 2.0,
    ...                           "loan_amount": 2e6, "interest_rate": 0.09, "tenor_years": 3}))
    >>> data.stress_utilization.min_dscr.shape, len(data.schedule)
    ((13, 11), 36)
    """
    summary = dscr_summary(deal)
    data = MemoData(
        deal=deal,
        version=VERSION,
        generated=generated or dt.datetime.now().replace(microsecond=0),
        schedule=dscr_schedule(deal),
        summary=summary,
        flat_llcr=llcr(deal, 0.0),
        lockup_breakeven=breakeven_decline(deal, deal.lockup_dscr),
        stress_utilization=stress_grid(deal, "utilization", STRESS_UTILIZATIONS),
        stress_contract=stress_grid(deal, "contracted_share", STRESS_SHARES),
    )
    debt = debt_schedule(deal)
    data.collateral = collateral_results(deal, debt)
    data.credit = credit_results(deal, debt)
    data.flags = dscr_flags(deal, summary) + risk_flags(deal, data.collateral, data.credit)
    return data
