"""The Charts sheet: DSCR per period against the covenants, balance against collateral.

DSCR and balance follow the live Cash flow sheet; the collateral values are the engine's,
from :attr:`addin.memo.results.CollateralResults.ltv`. The chart data sits from column L.
"""

from __future__ import annotations

from openpyxl.chart import LineChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.cash_flow import CASH_FLOW, cash_flow_ranges
from addin.memo.results import CollateralResults, MemoData
from addin.model.types import FloatArray

# LTV table column -> series name; liquidation values only with market_absorption
VALUE_SERIES = {
    "book_value": "Book value",
    "market_value": "Market value",
    "economic_value": "Economic value",
    "liquidation_value": "Liquidation value",
}


def chart_series(collateral: CollateralResults) -> dict[str, FloatArray]:
    """Fleet values (USD) at the end of periods 1..n, by series name, for the second chart.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.analytics.debt import debt_schedule
    >>> from addin.memo.results import collateral_results
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2.0, "loan_amount": 1e5,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> list(chart_series(collateral_results(deal, debt_schedule(deal))))
    ['Book value', 'Market value', 'Economic value']
    """
    table = collateral.ltv
    return {name: table[key].to_numpy()[1:] for key, name in VALUE_SERIES.items() if key in table}


def write_charts(wb: Workbook, data: MemoData) -> Worksheet:
    """DSCR per period vs the covenant lines; loan balance vs the collateral values.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> len(write_charts(Workbook(), analyse(deal))._charts)
    2
    """
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
    values = chart_series(data.collateral)
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
