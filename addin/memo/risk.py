"""The Risk sheet: the deal's credit risk from its own simulated paths.

Engine values of :func:`addin.sim.engine.deal_risk` (:attr:`MemoData.risk`): lifetime PD,
LGD, expected and unexpected loss with their standard errors, the probability of each
waterfall event, the PD term structure, the DSCR and LTV fans (P5 to P95 per period, as
charts), the named scenarios (:func:`addin.sim.scenarios.run_scenario`) and the rating
table the PD was mapped against (:func:`addin.analytics.rating.rating_default_rates` at the
tenor), with its source.
"""

from __future__ import annotations

import math
from typing import Any

from openpyxl.chart import AreaChart, LineChart, Reference
from openpyxl.chart.legend import LegendEntry
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.analytics.rating import rating_default_rates
from addin.io import xlsx as c
from addin.memo.charts import place
from addin.memo.flags import when
from addin.memo.layout import facts
from addin.memo.results import MemoData
from addin.model.ratings import default_rate_table
from addin.model.types import FloatArray
from addin.sim.engine import FAN_PERCENTILES, DealRisk

RISK = "Risk"
FAN_COL = 12  # column L: the fan data
RATING_SCALE = "notch"


def rating_source() -> str:
    """Where the rating table comes from, in one paragraph.

    Examples
    --------
    >>> "S&P Global Ratings" in rating_source()
    True
    """
    table = default_rate_table(RATING_SCALE)
    return (
        "S&P Global Ratings, 'Default, Transition, and Recovery: 2024 Annual Global Corporate "
        f"Default And Rating Transition Study' (2025-03-27), table {table.table} (by rating "
        "level): average cumulative default rates of global corporates, 1981-2024. "
        "Transcribed from public copies, not verified against the study's PDF "
        f"(addin/model/data/SOURCES.md, '{table.source}'). Between the published horizons the "
        "rates are interpolated in log survival; at each horizon a better rating never shows "
        "more defaults (addin/analytics/rating.py). The deal's rating is the best one whose "
        "rate over the tenor is at least its simulated lifetime PD."
    )


def fan_bands(fan: FloatArray) -> list[list[float | None]]:
    """Stacked-area bands of a fan: P5, P25 - P5, P75 - P25, P95 - P75, and P50, per period.

    Examples
    --------
    >>> import numpy as np
    >>> fan_bands(np.array([[1.0], [2.0], [3.0], [4.0], [6.0]]))
    [[1.0, 1.0, 2.0, 2.0, 3.0]]
    """
    p5, p25, p50, p75, p95 = fan
    rows: list[list[float | None]] = []
    for k in range(fan.shape[1]):
        if not math.isfinite(p50[k]):
            rows.append([None] * 5)
        else:
            rows.append(
                [
                    float(p5[k]),
                    float(p25[k] - p5[k]),
                    float(p75[k] - p25[k]),
                    float(p95[k] - p75[k]),
                    float(p50[k]),
                ]
            )
    return rows


def _fan(
    ws: Worksheet, risk: DealRisk, which: str, first_col: int, fmt: str, anchor: str, top: int
) -> None:
    """A fan's data from ``first_col`` (row ``top`` on) and its chart at ``anchor``."""
    fan = risk.dscr_fan if which == "DSCR" else risk.ltv_fan
    headers = ["Period", "P5", "P5-P25", "P25-P75", "P75-P95", "Median"]
    c.put_text(ws, f"{get_column_letter(first_col)}{top - 1}", f"{which} fan", c.BOLD)
    c.header_row(ws, top, headers, first_col)
    periods = fan.shape[1]
    for k, bands in enumerate(fan_bands(fan), start=1):
        row = top + k
        ws.cell(row=row, column=first_col, value=k)
        for j, value in enumerate(bands, start=1):
            c.put(ws, ws.cell(row=row, column=first_col + j).coordinate, value, fmt)
    last = top + periods
    area = AreaChart()
    area.grouping = "stacked"
    area.add_data(
        Reference(ws, min_col=first_col + 1, max_col=first_col + 4, min_row=top, max_row=last),
        titles_from_data=True,
    )
    cats = Reference(ws, min_col=first_col, min_row=top + 1, max_row=last)
    area.set_categories(cats)
    fills = [None, "BDD7EE", "6FA8DC", "BDD7EE"]
    for series, fill in zip(area.series, fills, strict=True):
        if fill is None:
            series.graphicalProperties = GraphicalProperties(noFill=True)
            series.graphicalProperties.line.noFill = True
        else:
            series.graphicalProperties = GraphicalProperties(solidFill=fill)
            series.graphicalProperties.line.noFill = True
    median = LineChart()
    median.add_data(
        Reference(ws, min_col=first_col + 5, max_col=first_col + 5, min_row=top, max_row=last),
        titles_from_data=True,
    )
    line = median.series[0]
    line.smooth = False
    line.marker.symbol = "none"
    line.graphicalProperties = GraphicalProperties(ln=LineProperties(solidFill="1F3864", w=22000))
    area.legend.legendEntry = [LegendEntry(idx=0, delete=True)]  # the invisible P5 base
    area += median
    area.title = f"{which} across the paths: P5-P95, P25-P75, median"
    area.y_axis.title = "DSCR (x)" if which == "DSCR" else "LTV (balance / market value)"
    area.y_axis.number_format = '0.0"x"' if which == "DSCR" else "0%"
    area.x_axis.title = "Period"
    place(ws, area, anchor, periods)


def write_risk(wb: Workbook, data: MemoData) -> Worksheet:
    """PD term structure, LGD, EL, UL, event probabilities, fans, scenarios, rating table.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3, "market_absorption": 50})
    >>> from addin.memo.results import analyse
    >>> ws = write_risk(Workbook(), analyse(deal, paths=256))
    >>> ws["A4"].value, len(ws._charts)
    ('Credit risk from the paths', 2)
    """
    ws = wb.create_sheet(RISK)
    deal, risk = data.deal, data.risk
    c.title(
        ws,
        f"Risk: {deal.name}",
        "Engine values from the deal's own simulated paths (rent, BTC, base rate, offtaker); "
        "stale on the Summary when an input changes.",
    )
    if risk is None:
        c.put_text(
            ws,
            "A4",
            "Not simulated: the deal has no market_absorption, so no fire sale and no loss. "
            "Set it to derive PD, LGD, EL and the fans.",
            c.BOLD,
        )
        c.print_setup(ws, deal.name)
        return ws
    c.put_text(ws, "A4", "Credit risk from the paths", c.BOLD)
    headline: list[tuple[str, Any, str]] = [
        (f"Lifetime PD ({risk.horizon_years:g} years)", risk.lifetime_pd, "0.00%"),
        ("PD standard error", risk.lifetime_pd_se, "0.00%"),
        ("LGD (mean of defaulting paths)", _nan(risk.lgd_mean), "0.0%"),
        ("Expected loss USD", risk.expected_loss, c.USD),
        ("EL standard error USD", risk.expected_loss_se, c.USD),
        ("EL / loan", risk.expected_loss_share, "0.00%"),
        ("Unexpected loss USD (sd)", risk.unexpected_loss, c.USD),
        ("Rating; slotting", f"{risk.rating}; {risk.slotting.category}", c.GENERAL),
        ("Paths; seed", f"{risk.paths:,}; {risk.seed}", c.GENERAL),
    ]
    facts(ws, 5, headline, "A:B", "C:D")
    c.put_text(ws, "F4", "Probability over the loan's life", c.BOLD)
    events: list[tuple[str, Any, str]] = [
        ("Lock-up at least once", risk.lockup_prob, "0.0%"),
        ("Covenant default", risk.covenant_default_prob, "0.0%"),
        ("LTV breach", risk.ltv_breach_prob, "0.0%"),
        ("Payment default", risk.payment_default_prob, "0.0%"),
    ]
    facts(ws, 5, events, "F:H", "I:I")
    c.put_text(ws, "F10", "LGD across defaulting paths", c.BOLD)
    c.header_row(ws, 11, [f"P{q}" for q in FAN_PERCENTILES], first_col=6)
    for j, value in enumerate(risk.lgd_percentiles):
        c.put(ws, ws.cell(row=12, column=6 + j).coordinate, _nan(float(value)), "0.0%")
    row = 16
    c.put_text(ws, f"A{row}", "PD term structure", c.BOLD)
    c.header_row(ws, row + 1, ["Year", "Cumulative PD", "Standard error", "PD in the year"])
    for k, year in enumerate(risk.years):
        r = row + 2 + k
        c.put(ws, f"A{r}", float(year), "0")
        c.put(ws, f"B{r}", float(risk.cumulative_pd[k]), "0.00%")
        c.put(ws, f"C{r}", _nan(float(risk.cumulative_pd_se[k])), "0.00%")
        c.put(ws, f"D{r}", float(risk.marginal_pd[k]), "0.00%")
    blocks = [(row, row + 1 + risk.years.size)]
    row += 3 + risk.years.size
    top, row = row, _scenarios(ws, data, row)
    blocks.append((top, row - 2))
    top, row = row, _ratings(ws, risk, row)
    blocks.append((top, row - 2))
    top = 4
    _fan(ws, risk, "DSCR", FAN_COL, c.COVERAGE, f"A{row + 1}", top)
    _fan(ws, risk, "LTV", FAN_COL + 7, "0.0%", f"A{row + 21}", top)
    c.widths(ws, {"A": 24, "B": 14, "C": 14, "D": 14, "E": 14, "F": 12, "G": 12, "H": 12})
    c.widths(ws, {"I": 12, "J": 12})
    c.widths(ws, {get_column_letter(FAN_COL + j): 9 for j in range(14)})
    ws.print_area = f"A1:J{row + 40}"
    c.print_setup(ws, deal.name, keep_together=blocks)
    return ws


def _nan(value: float) -> float | None:
    return None if math.isnan(value) else value


def _scenarios(ws: Worksheet, data: MemoData, top: int) -> int:
    """The named scenarios' table; returns the next free row."""
    deal = data.deal
    c.put_text(ws, f"A{top}", "Named scenarios (one shock path each, the deal's waterfall)", c.BOLD)
    c.header_row(
        ws,
        top + 1,
        ["Scenario", "Shock", "", "", "Min DSCR", "First default", "", "Loss USD", "LGD"],
    )
    ws.merge_cells(f"B{top + 1}:D{top + 1}")
    ws.merge_cells(f"F{top + 1}:G{top + 1}")
    row = top + 2
    for s in data.scenarios:
        c.put_text(ws, f"A{row}", s.name)
        ws.merge_cells(f"B{row}:D{row}")
        c.put_text(ws, f"B{row}", s.description).alignment = c.WRAP
        c.put(ws, f"E{row}", _nan(s.min_dscr), c.COVERAGE)
        ws.merge_cells(f"F{row}:G{row}")
        default = (
            "none"
            if s.first_default_period is None
            else f"{s.first_default_event}, {when(s.first_default_period, deal.periods_per_year)}"
        )
        c.put_text(ws, f"F{row}", default).alignment = c.WRAP
        c.put(ws, f"H{row}", s.loss, c.USD)
        c.put(ws, f"I{row}", s.lgd, "0.0%")
        for col in "ABEFHI":
            ws[f"{col}{row}"].border = c.BOX
        ws.row_dimensions[row].height = 30
        row += 1
    return row + 1


def _ratings(ws: Worksheet, risk: DealRisk, top: int) -> int:
    """The rating table at the deal's horizon, the deal's rating marked; returns next row."""
    rates = rating_default_rates(risk.horizon_years, RATING_SCALE)
    c.put_text(
        ws,
        f"A{top}",
        f"Rating table: cumulative default rate over {risk.horizon_years:g} years",
        c.BOLD,
    )
    c.header_row(ws, top + 1, ["Rating", "Default rate", "The deal"])
    row = top + 2
    for rating, rate in rates.items():
        c.put_text(ws, f"A{row}", rating)
        c.put(ws, f"B{row}", float(rate), "0.00%")
        if rating == risk.rating:
            c.put_text(ws, f"C{row}", f"PD {risk.lifetime_pd:.2%}", c.BOLD)
            for col in "ABC":
                ws[f"{col}{row}"].fill = c.STATUS_FILL["amber"]
        for col in "ABC":
            ws[f"{col}{row}"].border = c.BOX
        row += 1
    ws.merge_cells(f"A{row}:I{row + 3}")
    c.put_text(ws, f"A{row}", rating_source(), c.NOTE_FONT).alignment = Alignment(
        wrap_text=True, vertical="top"
    )
    return row + 5
