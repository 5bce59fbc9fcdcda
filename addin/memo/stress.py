"""The Stress sheet: min DSCR over rent decline x utilization and x contract share.

Engine values of :func:`addin.memo.results.stress_grid`, debt kept as sized, with a colour
scale between the covenant levels and the deal's own case outlined.
"""

from __future__ import annotations

import numpy as np
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.results import MemoData, StressGrid

GRID_COVERAGE = '0.00"x"'  # no red negatives: the colour scale already says it
CASE_BORDER = Border(*(Side(style="medium", color="000000"),) * 4)


def _grid(
    ws: Worksheet,
    top: int,
    grid: StressGrid,
    label: str,
    lock: float,
    floor: float,
    case: tuple[float, float],
) -> int:
    """One stress grid with its colour scale and breakeven rows; returns the next row.

    The deal's own case (decline, driver value), when on the grid, gets a thick border.
    """
    c.put_text(ws, f"A{top}", f"Min DSCR: annual rent decline (rows) x {label} (columns)", c.BOLD)
    head = top + 1
    c.header_row(ws, head, ["Decline / " + label] + [f"{v:.0%}" for v in grid.values])
    for i, decline in enumerate(grid.declines):
        row = head + 1 + i
        cell = c.put(ws, f"A{row}", float(decline), "0%")
        cell.font = c.BOLD
        cell.border = c.BOX
        for j in range(grid.values.size):
            ref = ws.cell(row=row, column=2 + j)
            c.put(ws, ref.coordinate, float(grid.min_dscr[i, j]), GRID_COVERAGE).border = c.BOX
    found = grid.position(*case)
    if found is not None:
        ws.cell(row=head + 1 + found[0], column=2 + found[1]).border = CASE_BORDER
    last = head + grid.declines.size
    first_col, last_col = "B", ws.cell(row=head, column=1 + grid.values.size).column_letter
    area = f"{first_col}{head + 1}:{last_col}{last}"
    ws.conditional_formatting.add(
        area,
        ColorScaleRule(
            start_type="num",
            start_value=floor,
            start_color="F8696B",
            mid_type="num",
            mid_value=lock,
            mid_color="FFEB84",
            end_type="num",
            end_value=lock + 0.5,
            end_color="63BE7B",
        ),
    )

    for offset, (what, values) in enumerate(
        (
            ("Breakeven decline at 1.00x", grid.breakeven),
            (f"Breakeven decline at {lock:.2f}x", grid.breakeven_lockup),
        )
    ):
        row = last + 1 + offset
        c.put_text(ws, f"A{row}", what, c.BOLD)
        for j, value in enumerate(values):
            ref = ws.cell(row=row, column=2 + j).coordinate
            if value is None:
                c.put_text(ws, ref, "none")
            else:
                c.put(ws, ref, value, "0.0%")
            ws[ref].border = c.BOX
            ws[ref].font = c.BOLD
            ws[ref].alignment = Alignment(horizontal="right")
    if np.allclose(grid.min_dscr, grid.min_dscr[:, :1], equal_nan=True):
        c.put_text(
            ws,
            f"A{last + 3}",
            f"Min DSCR does not change with {label} in this deal "
            "(the lowest period does not depend on it).",
            c.NOTE_FONT,
        )
        return last + 5
    return last + 4


def write_stress(wb: Workbook, data: MemoData) -> Worksheet:
    """Min DSCR over decline x utilization and decline x contract share, engine values.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> write_stress(Workbook(), analyse(deal))["A5"].value
    'Decline / utilization'
    """
    ws = wb.create_sheet("Stress")
    deal = data.deal
    c.title(
        ws,
        f"Stress: {deal.name}",
        f"Engine values; debt kept as sized. Colours: red at or below the default level "
        f"({deal.default_dscr:.2f}x), amber at the lock-up level ({deal.lockup_dscr:.2f}x), "
        f"green from {deal.lockup_dscr + 0.5:.2f}x. Deal's case: decline "
        f"{deal.annual_decline:.0%}, utilization {deal.utilization:.0%}, contract share "
        f"{deal.contracted_share:.0%} (thick border).",
    )
    row = _grid(
        ws,
        4,
        data.stress_utilization,
        "utilization",
        deal.lockup_dscr,
        deal.default_dscr,
        (deal.annual_decline, deal.utilization),
    )
    _grid(
        ws,
        row,
        data.stress_contract,
        "contract share",
        deal.lockup_dscr,
        deal.default_dscr,
        (deal.annual_decline, deal.contracted_share),
    )
    c.widths(ws, {"A": 30} | {ws.cell(row=1, column=j).column_letter: 9 for j in range(2, 14)})
    c.print_setup(ws, deal.name)
    return ws
