"""The Credit sheet: one PD, one LGD, one EL from the deal's own paths; capital and pricing.

Engine values of :attr:`addin.memo.results.MemoData.risk`, ``credit`` and ``pricing``:
the lifetime PD over the tenor (and the yearly PD it spreads to), the mean LGD of the
defaulting paths, the expected loss, the Basel IRB risk weight and slotting category read
from them with the capital each needs, and the fair margin against the deal's. The deal
file's ``pd`` and ``lgd`` keys and the copula functions (``DEFAULT_*``, ``PORTFOLIO_*``)
are portfolio tools; the memo does not use them.
"""

from __future__ import annotations

import math
from typing import Any

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.layout import facts
from addin.memo.results import CAPITAL_RATIO, MemoData

PORTFOLIO_NOTE = (
    "One PD, one LGD and one EL, all from this deal's simulated paths (Risk sheet). The "
    "deal file's pd and lgd keys and the add-in's copula functions (DEFAULT_*, PORTFOLIO_*) "
    "are portfolio tools: they are not used here."
)


def write_credit(wb: Workbook, data: MemoData) -> Worksheet:
    """The derived PD, LGD and EL; IRB and slotting capital; the fair margin.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3, "market_absorption": 50})
    >>> from addin.memo.results import analyse
    >>> ws = write_credit(Workbook(), analyse(deal, paths=256))
    >>> ws["A4"].value, ws["A5"].value
    ("Credit numbers from the deal's paths", 'Lifetime PD (3 years)')
    """
    ws = wb.create_sheet("Credit")
    deal, risk, credit, pricing = data.deal, data.risk, data.credit, data.pricing
    c.title(
        ws,
        f"Credit: {deal.name}",
        "Engine values from the deal's own simulated paths; stale on the Summary when an "
        "input changes.",
    )
    c.put_text(ws, "A14", PORTFOLIO_NOTE, c.NOTE_FONT)
    if risk is None or credit is None or pricing is None:
        c.put_text(
            ws,
            "A4",
            "Not simulated: the deal has no market_absorption, so no fire sale, LGD or EL. "
            "Set it (GPUs a month the secondary market trades) to derive them.",
            c.BOLD,
        )
        _finish(ws, data)
        return ws
    horizon = risk.horizon_years
    c.put_text(ws, "A4", "Credit numbers from the deal's paths", c.BOLD)
    lgd_note = (
        "no path defaults: the IRB weight uses the deal file's lgd"
        if math.isnan(risk.lgd_mean)
        else ""
    )
    numbers: list[tuple[str, Any, str]] = [
        (f"Lifetime PD ({horizon:g} years)", risk.lifetime_pd, "0.00%"),
        ("PD standard error", risk.lifetime_pd_se, "0.00%"),
        ("Yearly PD (spread evenly)", credit.annual_pd, "0.00%"),
        ("LGD (mean of defaulting paths)", lgd_note or risk.lgd_mean, "0.0%"),
        ("Expected loss USD", risk.expected_loss, c.USD),
        ("EL / loan", risk.expected_loss_share, "0.00%"),
        ("Unexpected loss USD (sd)", risk.unexpected_loss, c.USD),
        (f"Paths (seed {risk.seed})", risk.paths, c.COUNT),
    ]
    facts(ws, 5, numbers, "A:A", "B:C")
    c.put_text(ws, "E4", "Capital and pricing", c.BOLD)
    capital: list[tuple[str, Any, str]] = [
        ("Rating (S&P equivalent)", risk.rating, c.GENERAL),
        ("IRB risk weight", credit.risk_weight, c.PERCENT),
        (f"IRB capital at {CAPITAL_RATIO:.0%} of RWA, USD", credit.capital, c.USD),
        (f"Slotting: {credit.slotting.category}", credit.slotting.risk_weight, c.PERCENT),
        ("Slotting capital USD", credit.slotting_capital, c.USD),
        (
            "Fair margin",
            pricing.fair if math.isfinite(pricing.fair) else "above 64%",
            "0.00%",
        ),
        ("Actual margin", pricing.actual, "0.00%"),
        ("Shortfall (bp; < 0: above the risk)", pricing.shortfall_bps, "0"),
    ]
    facts(ws, 5, capital, "E:G", "H:I")
    notes = (
        f"IRB: Basel corporate formula at the yearly PD, the mean LGD and M = "
        f"{credit.maturity:g} years (the tenor, within 1 to 5); slotting: BCBS CRE33 object "
        "finance, category read from the rating of the lifetime PD.",
        f"Fair margin: the margin over the base rate ({pricing.base_rate:.2%}) at which the "
        "lender's expected discounted receipts on the same paths equal the loan; it prices "
        "expected loss only (no capital, funding or operating cost).",
    )
    for offset, text in enumerate(notes):
        c.put_text(ws, f"A{15 + offset}", text, c.NOTE_FONT)
    _finish(ws, data)
    return ws


def _finish(ws: Worksheet, data: MemoData) -> None:
    c.widths(ws, {"A": 34, "B": 12, "C": 8, "D": 4, "E": 22, "F": 10, "G": 10, "H": 12, "I": 6})
    c.print_setup(ws, data.deal.name)
