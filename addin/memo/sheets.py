"""The memo's result sheets: Summary, Stress, Charts, Sources and assumptions, Live.

Each writer lays out results that :func:`addin.memo.analysis.analyse` computed; none
reads a range back. The Collateral and Credit sheets are in :mod:`addin.memo.risk_sheets`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.analysis import MemoData, StressGrid
from addin.memo.cashflow import CASH_FLOW, cash_flow_ranges
from addin.memo.text import CONVENTIONS, DEFAULT_SOURCES, MODEL_CREDITS
from addin.model.deal import DEFAULTS, KEY_SPECS

MIDDLE = Alignment(vertical="center")
GRID_COVERAGE = '0.00"x"'  # no red negatives: the colour scale already says it
CASE_BORDER = Border(*(Side(style="medium", color="000000"),) * 4)


def _pct(value: float | None) -> str:
    return (
        "none"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (f"{value:.1%}")
    )


def _box(ws: Worksheet, top: int, label: str, rows: int = 5) -> int:
    """A labelled empty box (merged A:H) for the analyst's text; returns the next row."""
    c.put_text(ws, f"A{top}", label, c.BOLD)
    ws.merge_cells(f"A{top + 1}:H{top + rows}")
    cell = ws[f"A{top + 1}"]
    c.put_text(ws, f"A{top + 1}", "(analyst to complete)")
    cell.alignment = c.WRAP
    for row in ws.iter_rows(min_row=top + 1, max_row=top + rows, max_col=8):
        for each in row:
            each.fill = c.INPUT_FILL
            each.border = c.BOX
    return top + rows + 2


def write_summary(wb: Workbook, data: MemoData, source: str) -> Worksheet:
    """Facility, key metrics (deflated vs flat rent), flags and the analyst's boxes."""
    ws = wb.active
    ws.title = "Summary"
    deal, s = data.deal, data.summary
    c.title(
        ws,
        f"Credit memo: {deal.name}",
        f"GPU Credit Desk {data.version}, generated {data.generated:%Y-%m-%d %H:%M} from "
        f"{source}. Figures are the engine's as generated; the Cash flow sheet is live.",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    collateral = data.collateral
    unit_cost = collateral.get("unit_cost")
    facility: list[tuple[str, Any, str | None]] = [
        ("Borrower", deal.borrower or "(not given)", None),
        ("Borrower type", deal.borrower_type, None),
        (
            "Facility",
            f"{deal.amortization} loan" + (f", {deal.balloon:.0%} balloon" if deal.balloon else ""),
            None,
        ),
        ("Amount USD", s.loan_amount, c.USD),
        (
            "Tenor",
            f"{deal.tenor_years:g} years, {deal.periods} periods ({deal.periods_per_year} a year)",
            None,
        ),
        ("All-in rate", deal.interest_rate, "0.00%"),
        ("Start date", deal.start_date if deal.start_date else "(periods numbered only)", c.DATE),
        (
            "Collateral",
            f"{deal.gpus:,} x {deal.gpu_model}, {deal.gpu_age_years:g} years old"
            + (f", {unit_cost:,.0f} USD each" if unit_cost else ""),
            None,
        ),
    ]
    c.put_text(ws, "A4", "Facility", c.BOLD)
    for offset, (label, value, fmt) in enumerate(facility):
        row = 5 + offset
        c.put_text(ws, f"A{row}", label)
        ws.merge_cells(f"B{row}:D{row}")
        cell = c.put(ws, f"B{row}", value, fmt)
        cell.alignment = Alignment(horizontal="left")
    top = 5 + len(facility) + 1
    c.put_text(ws, f"A{top}", "Key metrics", c.BOLD)
    c.header_row(
        ws,
        top + 1,
        ["Metric", f"Deflated ({deal.annual_decline:.0%}/yr)", "Flat rent (0%/yr)", "Note"],
    )
    ws.merge_cells(f"D{top + 1}:H{top + 1}")
    metrics: list[tuple[str, Any, Any, str, str]] = [
        ("Min DSCR", s.min_dscr, s.flat_min_dscr, c.COVERAGE, "lowest CFADS / debt service"),
        ("Average DSCR", s.avg_dscr, s.flat_avg_dscr, c.COVERAGE, "periods with debt service"),
        ("LLCR", s.llcr, data.flat_llcr, c.COVERAGE, "PV of CFADS at the loan rate / loan"),
        (
            "Breakeven decline (1.00x)",
            _pct(s.breakeven_decline),
            None,
            c.GENERAL,
            f"today's assumption {deal.annual_decline:.1%} a year",
        ),
        (
            f"Breakeven decline ({deal.lockup_dscr:.2f}x lock-up)",
            _pct(data.lockup_breakeven),
            None,
            c.GENERAL,
            "largest decline keeping min DSCR at the lock-up level",
        ),
        (
            "First lock-up breach",
            _breach(s.first_lockup_breach, s.first_lockup_date),
            None,
            c.GENERAL,
            f"first period with DSCR below {deal.lockup_dscr:.2f}x",
        ),
        (
            "First default breach",
            _breach(s.first_default_breach, s.first_default_date),
            None,
            c.GENERAL,
            f"first period with DSCR below {deal.default_dscr:.2f}x",
        ),
    ]
    metrics += collateral.get("summary_metrics", [])
    metrics += data.credit.get("summary_metrics", [])
    row = top + 2
    for label, deflated, flat, fmt, note in metrics:
        c.put_text(ws, f"A{row}", label)
        c.put(ws, f"B{row}", deflated, fmt).alignment = Alignment(horizontal="right")
        c.put(ws, f"C{row}", flat, fmt).alignment = Alignment(horizontal="right")
        ws.merge_cells(f"D{row}:H{row}")
        c.put_text(ws, f"D{row}", note, c.NOTE_FONT)
        for col in "ABC":
            ws[f"{col}{row}"].border = c.BOX
        row += 1
    row += 1
    c.put_text(ws, f"A{row}", "Flags", c.BOLD)
    c.header_row(ws, row + 1, ["Metric", "Value", "Flag", "Rule"])
    ws.merge_cells(f"D{row + 1}:H{row + 1}")
    row += 2
    for flag in data.flags:
        c.put_text(ws, f"A{row}", flag.metric).alignment = MIDDLE
        c.put_text(ws, f"B{row}", flag.value).alignment = Alignment(
            horizontal="right", vertical="center"
        )
        c.status_cell(ws[f"C{row}"], flag.status)
        ws.merge_cells(f"D{row}:H{row}")
        c.put_text(ws, f"D{row}", flag.rule).alignment = Alignment(
            wrap_text=True, vertical="center"
        )
        ws[f"A{row}"].border = ws[f"B{row}"].border = c.BOX
        row += 1
    row += 1
    shown = f"({s.min_dscr:.17g})".upper()
    check = (
        f"=IF(ABS(cf_min_dscr-{shown})<=1E-9*MAX(1,ABS({shown})),"
        '"Live Cash flow sheet agrees with these figures.",'
        '"Inputs were edited after generation: the Cash flow sheet differs; '
        're-run gpucredit memo.")'
    )
    if math.isfinite(s.min_dscr):
        ws.merge_cells(f"A{row}:H{row}")
        c.put_formula(ws, f"A{row}", check).font = c.NOTE_FONT
        row += 2
    for label in ("Recommendation", "Key risks", "Mitigants"):
        row = _box(ws, row, label)
    c.widths(ws, {"A": 34, "B": 20, "C": 18, "D": 14, "E": 14, "F": 14, "G": 14, "H": 14})
    c.print_setup(ws, deal.name)
    return ws


def _breach(period: int | None, date: Any) -> str:
    if period is None:
        return "none"
    return f"period {period}" + (f" ({date:%Y-%m-%d})" if date is not None else "")


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
    rows = np.flatnonzero(np.isclose(grid.declines, case[0]))
    cols = np.flatnonzero(np.isclose(grid.values, case[1]))
    if rows.size and cols.size:
        ws.cell(row=head + 1 + int(rows[0]), column=2 + int(cols[0])).border = CASE_BORDER
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
    """Min DSCR over decline x utilization and decline x contract share, engine values."""
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


def write_charts(wb: Workbook, data: MemoData) -> Worksheet:
    """DSCR per period vs the covenant lines; loan balance vs the collateral values."""
    ws = wb.create_sheet("Charts")
    deal = data.deal
    c.title(
        ws,
        f"Charts: {deal.name}",
        "DSCR and balance follow the live Cash flow sheet; collateral values are the "
        "engine's. Chart data from column L.",
    )
    ranges = cash_flow_ranges(deal)
    n = deal.periods
    values = data.collateral.get("chart_values", {})
    headers = ["Period", "DSCR", "Lock-up", "Default", "Loan balance", *values]
    c.header_row(ws, 3, headers, first_col=12)
    for k in range(1, n + 1):
        row, src = 3 + k, ranges["dscr"][1] + k - 1
        ws.cell(row=row, column=12, value=k)
        dscr = f"'{CASH_FLOW}'!{ranges['dscr'][0]}{src}"
        c.put_formula(ws, f"M{row}", f"IF(ISNUMBER({dscr}),{dscr},NA())", c.COVERAGE)
        c.put_formula(ws, f"N{row}", "lockup_dscr", c.COVERAGE)
        c.put_formula(ws, f"O{row}", "default_dscr", c.COVERAGE)
        c.put_formula(ws, f"P{row}", f"'{CASH_FLOW}'!{ranges['balance'][0]}{src}", c.USD)
        for j, series in enumerate(values.values()):
            c.put(ws, ws.cell(row=row, column=17 + j).coordinate, float(series[k - 1]), c.USD)
    last = 3 + n
    periods = Reference(ws, min_col=12, min_row=4, max_row=last)
    chart = LineChart()
    chart.title = "DSCR per period vs covenant levels"
    chart.y_axis.title = "DSCR (x)"
    chart.x_axis.title = "Period"
    chart.y_axis.number_format = '0.0"x"'
    chart.add_data(
        Reference(ws, min_col=13, max_col=15, min_row=3, max_row=last), titles_from_data=True
    )
    chart.set_categories(periods)
    _style_lines(chart, ["1F3864", "ED7D31", "C00000"], dashed=(1, 2))
    _place(ws, chart, "A4", n)
    chart2 = LineChart()
    chart2.title = "Loan balance vs collateral values (USD)"
    chart2.y_axis.title = "USD"
    chart2.x_axis.title = "Period"
    chart2.y_axis.number_format = '#,##0,,"m"'
    chart2.add_data(
        Reference(ws, min_col=16, max_col=16 + len(values), min_row=3, max_row=last),
        titles_from_data=True,
    )
    chart2.set_categories(periods)
    _style_lines(chart2, ["000000", "4472C4", "70AD47", "FFC000", "C00000"], dashed=())
    _place(ws, chart2, "A24", n)
    c.widths(ws, {ws.cell(row=1, column=j).column_letter: 13 for j in range(1, 11)})
    c.widths(ws, {"L": 7, "M": 8, "N": 8, "O": 8, "P": 14, "Q": 14, "R": 14, "S": 14, "T": 14})
    ws.print_area = "A1:J43"
    c.print_setup(ws, deal.name)
    return ws


def _style_lines(chart: LineChart, colours: list[str], dashed: tuple[int, ...]) -> None:
    for index, series in enumerate(chart.series):
        series.smooth = False
        series.marker.symbol = "none"
        line = LineProperties(solidFill=colours[index % len(colours)], w=22000)
        if index in dashed:
            line.prstDash = "dash"
        series.graphicalProperties = GraphicalProperties(ln=line)


def _place(ws: Worksheet, chart: LineChart, anchor: str, periods: int) -> None:
    chart.width, chart.height = 24.0, 9.5  # cm
    chart.legend.position = "b"
    chart.x_axis.delete = False
    chart.x_axis.tickLblSkip = chart.x_axis.tickMarkSkip = max(1, periods // 12)
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"
    ws.add_chart(chart, anchor)


def write_sources(wb: Workbook, data: MemoData, source: str) -> Worksheet:
    """Model version and date, conventions, every assumption's default and source, flags."""
    ws = wb.create_sheet("Sources and assumptions")
    c.title(
        ws,
        "Sources and assumptions",
        f"GPU Credit Desk {data.version}; memo generated {data.generated:%Y-%m-%d %H:%M} "
        f"from {source}.",
    )
    row = 4
    c.put_text(ws, f"A{row}", "Model conventions", c.BOLD)
    row += 1
    for text in CONVENTIONS:
        ws.merge_cells(f"A{row}:E{row}")
        c.put_text(ws, f"A{row}", text).alignment = c.WRAP
        row += 1
    row += 1
    c.put_text(ws, f"A{row}", "Assumptions: defaults and their sources", c.BOLD)
    c.header_row(ws, row + 1, ["Key", "Default", "Unit", "Source of the default", "Meaning"])
    row += 2
    for key, spec in KEY_SPECS.items():
        default = DEFAULTS.get(key, dataclasses.MISSING)
        if key not in DEFAULT_SOURCES:
            continue
        c.put_text(ws, f"A{row}", key)
        c.put_text(ws, f"B{row}", _show_default(key, default))
        c.put_text(ws, f"C{row}", spec.unit)
        c.put_text(ws, f"D{row}", DEFAULT_SOURCES[key])
        c.put_text(ws, f"E{row}", spec.help)
        for col in "ABCDE":
            ws[f"{col}{row}"].alignment = c.WRAP
            ws[f"{col}{row}"].border = c.BOX
        row += 1
    row += 1
    c.put_text(ws, f"A{row}", "Data and credits", c.BOLD)
    row += 1
    for name, text in MODEL_CREDITS:
        c.put_text(ws, f"A{row}", name, c.BOLD).alignment = c.WRAP
        ws.merge_cells(f"B{row}:E{row}")
        c.put_text(ws, f"B{row}", text).alignment = c.WRAP
        row += 1
    row += 1
    c.put_text(
        ws, f"A{row}", "Flag rules (illustrative thresholds; a credit policy may differ)", c.BOLD
    )
    row += 1
    for flag in data.flags:
        c.put_text(ws, f"A{row}", flag.metric, c.BOLD).alignment = c.WRAP
        ws.merge_cells(f"B{row}:E{row}")
        c.put_text(ws, f"B{row}", flag.rule).alignment = c.WRAP
        row += 1
    c.widths(ws, {"A": 28, "B": 14, "C": 24, "D": 62, "E": 62})
    c.print_setup(ws, data.deal.name)
    return ws


def _show_default(key: str, default: Any) -> str:
    if default is None:
        return {"unit_cost": "catalog price", "discount_rate": "interest_rate"}.get(key, "none")
    if isinstance(default, float) and "decimal" in KEY_SPECS[key].unit:
        return f"{default:.0%}"
    return str(default)


def write_live(wb: Workbook, data: MemoData) -> Worksheet:
    """Add-in calls on the named range Deal, as array formulas over declared ranges."""
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
        ("DSCR_TABLE(Deal)", data.schedule.shape[0] + 1, data.schedule.shape[1])
    ]
    ltv = data.collateral.get("ltv")
    if ltv is not None and data.collateral.get("has_liquidation"):  # LTV_TABLE needs it
        tables.append(("LTV_TABLE(Deal)", ltv.shape[0] + 1, ltv.shape[1]))
    for call, height, width in tables:
        c.put_text(ws, f"A{row}", "=" + call, c.BOLD)
        end = ws.cell(row=row + height, column=width).coordinate
        ws[f"A{row + 1}"] = ArrayFormula(f"A{row + 1}:{end}", "=" + call)
        row += height + 3
    c.widths(ws, {ws.cell(row=1, column=j).column_letter: 13 for j in range(1, 16)})
    c.print_setup(ws, deal.name)
    return ws
