"""The Credit sheet: Basel IRB risk weight and capital, and two-factor stressed PDs.

Engine values of :attr:`addin.memo.results.MemoData.credit`; the stressed PDs of miners
and neoclouds are laid out BTC drawdown (rows) x realised rent decline (columns).
"""

from __future__ import annotations

from typing import Any

from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.layout import facts
from addin.memo.results import CAPITAL_RATIO, MemoData


def write_credit(wb: Workbook, data: MemoData) -> Worksheet:
    """Basel IRB risk weight; stressed PDs for BTC drawdowns x rent declines.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> write_credit(Workbook(), analyse(deal))["A4"].value
    'One-year PD'
    """
    ws = wb.create_sheet("Credit")
    deal, cr = data.deal, data.credit
    c.title(
        ws,
        f"Credit: {deal.name}",
        "Two-factor model: X = a C + b R + s Z; stressed PD = N((N^-1(PD) - a C - b R) / s) "
        "with C = ln(1 - drawdown) / (btc_vol sqrt(h)), R = ln((1 - y) / (1 - d)^h) / "
        "(rent_vol sqrt(h)).",
    )
    basel: list[tuple[str, Any, str]] = [
        ("One-year PD", deal.pd, "0.00%"),
        ("LGD", deal.lgd, c.PERCENT),
        ("Effective maturity M (years)", cr.maturity, c.YEARS),
        ("IRB risk weight (Basel II corporate)", cr.risk_weight, c.PERCENT),
        (f"Capital at {CAPITAL_RATIO:.0%} of RWA, USD", cr.capital, c.USD),
    ]
    facts(ws, 4, basel, "A:A", "B:C")
    model: list[tuple[str, Any, str]] = [
        ("Crypto loading a", deal.effective_crypto_loading, "0.00"),
        ("Compute-rent loading b", deal.compute_loading, "0.00"),
        ("Factor correlation", deal.factor_corr, "0.00"),
        ("BTC volatility", deal.btc_vol, c.PERCENT),
        ("Rent volatility", deal.rent_vol, c.PERCENT),
        ("Expected rent decline d", deal.annual_decline, c.PERCENT),
        ("Horizon h (years)", deal.stress_horizon_years, "0.0#"),
    ]
    facts(ws, 4, model, "E:F", "G:G")
    top = 13
    stressed = cr.stressed
    if stressed is None:
        c.put_text(
            ws,
            f"A{top}",
            f"The two-factor stress applies to miners and neoclouds; this borrower is "
            f"'{deal.borrower_type}'.",
            c.NOTE_FONT,
        )
    else:
        c.put_text(
            ws,
            f"A{top}",
            f"Stressed PD over {deal.stress_horizon_years:g} year(s): BTC drawdown (rows) x "
            f"realised rent decline (columns); unstressed PD {stressed.pd_horizon:.2%}",
            c.BOLD,
        )
        declines = stressed.rent_declines
        c.header_row(ws, top + 1, ["BTC drawdown / rent decline"] + [f"{y:.0%}" for y in declines])
        for i, drawdown in enumerate(stressed.btc_drawdowns):
            row = top + 2 + i
            c.put(ws, f"A{row}", float(drawdown), "0%").font = c.BOLD
            for j in range(declines.size):  # the grid's own axes: row i, column j
                ref = ws.cell(row=row, column=2 + j).coordinate
                c.put(ws, ref, float(stressed.pds[i, j]), "0.00%").border = c.BOX
        last_col = ws.cell(row=top, column=1 + declines.size).column_letter
        ws.conditional_formatting.add(
            f"B{top + 2}:{last_col}{top + 1 + stressed.btc_drawdowns.size}",
            ColorScaleRule(
                start_type="num",
                start_value=stressed.pd_horizon,
                start_color="63BE7B",
                mid_type="num",
                mid_value=0.10,
                mid_color="FFEB84",
                end_type="num",
                end_value=0.5,
                end_color="F8696B",
            ),
        )
        note = top + 3 + stressed.btc_drawdowns.size
        c.put_text(
            ws,
            f"A{note}",
            "77% is BTC's 2021-22 peak-to-trough fall (67.8k to 15.6k USD). With no "
            "drawdown and rents falling as expected the PD is below the unconditional "
            "PD, which averages over all scenarios.",
            c.NOTE_FONT,
        )
        c.put_text(
            ws,
            f"A{note + 1}",
            "Loadings, rent volatility and factor correlation are illustrative; set them "
            "per borrower (a crypto loading of 0 makes the BTC drawdown irrelevant).",
            c.NOTE_FONT,
        )
    c.widths(ws, {"A": 34} | {chr(ord("B") + j): 12 for j in range(8)})
    c.print_setup(ws, deal.name)
    return ws
