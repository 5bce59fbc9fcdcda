"""The Stress sheet: the rent decline x each axis that moves this deal.

Engine values of :func:`addin.memo.results.stress_grids`: min DSCR over utilization (debt
as sized), contract tenor, re-contract rent and a base-rate shock (floating loans), and the
first default period over a BTC drawdown (mining revenue or a BTC treasury), each with a
colour scale (between the covenant levels for a DSCR),
the deal's own case outlined and breakeven declines as numbers. An axis that cannot move
the deal is listed at the top with the reason, in one line, instead of a grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.analytics.cashflow import BREAKEVEN_MAX_DECLINE
from addin.io import xlsx as c
from addin.memo.flags import breakeven_text
from addin.memo.results import FIRST_PAYMENT_DEFAULT, MemoData, StressGrid
from addin.model.deal import Deal

GRID_COVERAGE = '0.00"x"'  # no red negatives: the colour scale already says it
CASE_BORDER = Border(*(Side(style="medium", color="000000"),) * 4)


def _grid(
    ws: Worksheet,
    top: int,
    grid: StressGrid,
    deal: Deal,
    case: tuple[float, float] | None,
) -> int:
    """One stress grid with its colour scale and breakeven rows; returns the next row.

    The deal's own case (decline, driver value), when on the grid, gets a thick border.
    """
    lock, floor = deal.lockup_dscr, deal.default_dscr
    periods = grid.measure == FIRST_PAYMENT_DEFAULT
    c.put_text(
        ws,
        f"A{top}",
        f"{grid.measure[0].upper()}{grid.measure[1:]}: annual rent decline (rows) x "
        f"{grid.label} (columns); {grid.note}",
        c.BOLD,
    )
    head = top + 1
    c.header_row(ws, head, ["Decline / " + grid.label, *grid.headers])
    for i, decline in enumerate(grid.declines):
        row = head + 1 + i
        cell = c.put(ws, f"A{row}", float(decline), "0%")
        cell.font = c.BOLD
        cell.border = c.BOX
        for j in range(grid.values.size):
            ref = ws.cell(row=row, column=2 + j).coordinate
            outcome = float(grid.outcome[i, j])
            if periods:
                shown = "none" if math.isnan(outcome) else outcome
                c.put(ws, ref, shown, "0").alignment = Alignment(horizontal="right")
            else:
                c.put(ws, ref, outcome, GRID_COVERAGE)
            ws[ref].border = c.BOX
    found = None if case is None else grid.position(*case)
    if found is not None:
        ws.cell(row=head + 1 + found[0], column=2 + found[1]).border = CASE_BORDER
    last = head + grid.declines.size
    first_col, last_col = "B", ws.cell(row=head, column=1 + grid.values.size).column_letter
    area = f"{first_col}{head + 1}:{last_col}{last}"
    low, mid, high = (1, deal.periods / 2, deal.periods) if periods else (floor, lock, lock + 0.5)
    ws.conditional_formatting.add(
        area,
        ColorScaleRule(
            start_type="num",
            start_value=low,
            start_color="F8696B",
            mid_type="num",
            mid_value=mid,
            mid_color="FFEB84",
            end_type="num",
            end_value=high,
            end_color="63BE7B",
        ),
    )
    rows = [
        (f"Breakeven decline at {level}", values)
        for level, values in (("1.00x", grid.breakeven), (f"{lock:.2f}x", grid.breakeven_lockup))
        if values
    ]
    for offset, (what, values) in enumerate(rows):
        row = last + 1 + offset
        c.put_text(ws, f"A{row}", what, c.BOLD)
        for j, value in enumerate(values):
            ref = ws.cell(row=row, column=2 + j).coordinate
            text = breakeven_text(value)
            if text.endswith("%"):
                c.put(ws, ref, value, "0.0%")
            else:  # "none" or the search cap, in words
                c.put_text(ws, ref, text.replace(" (search cap)", "*"))
            ws[ref].border = c.BOX
            ws[ref].font = c.BOLD
            ws[ref].alignment = Alignment(horizontal="right")
    return last + len(rows) + 2


#: The deal's own value of each driver (None: the deal's case is not on the axis).
CASES: dict[str, Callable[[Deal], float | None]] = {
    "utilization": lambda d: d.utilization,
    "contract_years": lambda d: d.contract_years,
    "recontract_rate": lambda d: 1.0 if d.recontract_rate is None else d.recontract_rate,
    "rate_shock": lambda d: d.rate_shock if d.rate_shock_year == 0 else None,
    "btc_drawdown": lambda d: 0.0,
}


def write_stress(wb: Workbook, data: MemoData) -> Worksheet:
    """Min DSCR over the rent decline x each axis that moves this deal; dropped axes and why.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> ws = write_stress(Workbook(), analyse(deal))
    >>> ws["A5"].value
    'Not shown (no effect on this deal):'
    >>> print(ws["A6"].value)
    contract tenor: no contract (contracted_share = 0): nothing for it to change
    """
    ws = wb.create_sheet("Stress")
    deal = data.deal
    c.title(
        ws,
        f"Stress: {deal.name}",
        f"Engine values. Colours: red at or below the default level "
        f"({deal.default_dscr:.2f}x), amber at the lock-up level ({deal.lockup_dscr:.2f}x), "
        f"green from {deal.lockup_dscr + 0.5:.2f}x (a default period: red early, green "
        f"late or none); the deal's own case has a thick border. "
        f"* breakeven at the search cap ({BREAKEVEN_MAX_DECLINE:.0%}).",
    )
    row = 4
    widest = max((g.values.size for g in data.stress), default=1)
    if data.dropped:
        c.put_text(ws, f"A{row + 1}", "Not shown (no effect on this deal):", c.BOLD)
        for offset, axis in enumerate(data.dropped):
            at = row + 2 + offset
            cell = c.put_text(ws, f"A{at}", f"{axis.label}: {axis.reason}", c.NOTE_FONT)
            # kept within the table's width, wrapped (overflowing text widens the print)
            ws.merge_cells(start_row=at, start_column=1, end_row=at, end_column=widest + 1)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[at].height = 30
        row += len(data.dropped) + 3
    blocks = []
    for grid in data.stress:
        own = CASES[grid.driver](deal)
        top = row
        row = _grid(ws, row, grid, deal, None if own is None else (deal.annual_decline, own))
        blocks.append((top, row - 1))
    c.widths(
        ws, {"A": 30} | {ws.cell(row=1, column=j).column_letter: 9 for j in range(2, widest + 2)}
    )
    c.print_setup(ws, deal.name, keep_together=blocks)
    return ws
