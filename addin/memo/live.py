"""The Live sheet (optional): the add-in's own functions called on the workbook name Deal.

Array formulas over declared ranges, so Excel with the add-in recomputes them; elsewhere
they show #NAME? and every other sheet still works.
"""

from __future__ import annotations

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from addin.analytics.waterfall import EVENT_NAMES
from addin.io import xlsx as c
from addin.memo.results import MemoData


def write_live(wb: Workbook, data: MemoData) -> Worksheet:
    """Add-in calls on the named range Deal, as array formulas over declared ranges.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> write_live(Workbook(), analyse(deal))["C4"].value
    '=DSCR_MIN(Deal)'
    """
    ws = wb.create_sheet("Live")
    deal = data.deal
    c.title(
        ws,
        f"Live add-in functions: {deal.name}",
        "Needs the GPU Credit Desk add-in (xlwings, UDF module addin.excel.udfs); elsewhere these "
        "cells show #NAME?. Every other sheet works without it.",
    )
    calls = [
        ("DSCR_MIN(Deal)", c.COVERAGE),
        ("DSCR_AVG(Deal)", c.COVERAGE),
        ("DSCR_LLCR(Deal)", c.COVERAGE),
        ("DSCR_BREAKEVEN_DECLINE(Deal)", c.PERCENT),
        ("DSCR_MIN(Deal,0)", c.COVERAGE),
    ]
    for offset, (call, fmt) in enumerate(calls):
        row = 4 + offset
        c.put_text(ws, f"A{row}", "=" + call)
        c.put_formula(ws, f"C{row}", call, fmt)
    row = 4 + len(calls) + 1
    c.put_text(ws, f"A{row}", "=DSCR_FIRST_BREACH(Deal)")
    ws[f"C{row}"] = ArrayFormula(f"C{row}:D{row}", "=DSCR_FIRST_BREACH(Deal)")
    row += 2
    tables: list[tuple[str, int, int]] = [
        ("DSCR_COVENANTS(Deal)", len(EVENT_NAMES) + 1, 3),  # the first waterfall events
        ("DSCR_TABLE(Deal)", data.schedule.shape[0] + 1, data.schedule.shape[1]),
    ]
    ltv = data.collateral.ltv
    if data.collateral.liquidation is not None:  # LTV_TABLE needs market_absorption
        tables.append(("LTV_TABLE(Deal)", ltv.shape[0] + 1, ltv.shape[1]))
    for call, height, width in tables:
        c.put_text(ws, f"A{row}", "=" + call, c.BOLD)
        end = ws.cell(row=row + height, column=width).coordinate
        ws[f"A{row + 1}"] = ArrayFormula(f"A{row + 1}:{end}", "=" + call)
        row += height + 3
    c.widths(ws, {ws.cell(row=1, column=j).column_letter: 13 for j in range(1, 16)})
    c.print_setup(ws, deal.name)
    return ws
