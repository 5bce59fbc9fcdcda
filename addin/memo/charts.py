"""The Charts sheet: DSCR deflated and on flat rents, and the balance against collateral.

The chart data sits from column L, one row per period from the close (period 0). DSCR
and balance follow the live Cash flow sheet; so do the live calculations beside them,
which the Summary reads through workbook names:

* the **flat-rent schedule** (``annual_decline`` = 0, the real-estate view): CFADS with
  the market rent held at ``MAX(market_rate, rent_floor)``, every other line as on the Cash
  flow sheet, over the same debt service; its min and average DSCR
  (``live_flat_min_dscr``, ``live_flat_avg_dscr``) and LLCR (``live_flat_llcr``);
* the **LLCR from each period**, PV at the loan's period rates of the CFADS from period k
  on / the opening balance of k (where a balance is left); its minimum is
  ``live_min_llcr``, the minimum LLCR over the loan's life
  (:func:`addin.analytics.dscr.min_llcr`).

The collateral values are the engine's, from
:attr:`addin.memo.results.CollateralResults.ltv`, at close and at each period's end.
"""

from __future__ import annotations

from openpyxl.chart import LineChart, Reference
from openpyxl.chart._chart import ChartBase
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.cash_flow import CASH_FLOW, cash_flow_ranges
from addin.memo.layout import define_name
from addin.memo.results import CollateralResults, MemoData
from addin.model.types import FloatArray

CHARTS = "Charts"
# LTV table column -> series name; liquidation values only with market_absorption
VALUE_SERIES = {
    "book_value": "Book value",
    "market_value": "Market value",
    "economic_value": "Economic value",
    "liquidation_value": "Liquidation value",
}
FIRST_COL = 12  # column L: the chart data
NAMES_ROW = 3  # the live figures the Summary reads, rows 3 to 6
HEAD_ROW = 8  # the chart data's header; period 0 (the close) on the row below


def chart_series(collateral: CollateralResults) -> dict[str, FloatArray]:
    """Fleet values (USD) at close and at the end of periods 1..n, by series name.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.analytics.debt import debt_schedule
    >>> from addin.memo.results import collateral_results
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2.0, "loan_amount": 1e5,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> series = chart_series(collateral_results(deal, debt_schedule(deal)))
    >>> list(series), len(series["Book value"])  # 36 periods and the close
    (['Book value', 'Market value', 'Economic value'], 37)
    """
    table = collateral.ltv
    return {name: table[key].to_numpy() for key, name in VALUE_SERIES.items() if key in table}


def flat_cfads(refs: dict[str, str]) -> str:
    """The flat-rent CFADS of one period (formula), from that period's Cash flow cells.

    ``refs`` maps the Cash flow columns ``contracted_gpus``, ``power_cost``, ``opex`` and
    ``colocation`` to the period's cells. Revenue as on the Cash flow sheet with the market
    rent at ``MAX(market_rate, rent_floor)``, the rent of every period when nothing
    declines (:func:`addin.analytics.cashflow.period_rent` at a decline of 0).

    Examples
    --------
    >>> keys = ("contracted_gpus", "power_cost", "opex", "colocation")
    >>> flat_cfads({k: f"X{i}" for i, k in enumerate(keys)}).endswith("-X1-X2-X3")
    True
    """
    contracted = refs["contracted_gpus"]
    return (
        f"{contracted}*cf_contract_rate*cf_hours"
        f"+(gpus-gpus*contracted_share+(gpus*contracted_share-{contracted})*cf_relet)"
        "*utilization*MAX(market_rate,rent_floor)*cf_hours"
        f"-{refs['power_cost']}-{refs['opex']}-{refs['colocation']}"
    )


def write_charts(wb: Workbook, data: MemoData) -> Worksheet:
    """DSCR deflated and flat vs the covenant lines; loan balance vs collateral from close.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> ws = write_charts(Workbook(), analyse(deal))
    >>> len(ws._charts), ws["L9"].value, ws["M10"].value[:9]
    (2, 0, '=IF(ISNUM')
    """
    ws = wb.create_sheet(CHARTS)
    deal = data.deal
    c.title(
        ws,
        f"Charts: {deal.name}",
        "DSCR, flat-rent DSCR and balance follow the live Cash flow sheet; collateral "
        "values are the engine's. Chart data and live calculations from column L.",
    )
    ranges = cash_flow_ranges(deal)
    n = deal.periods
    values = chart_series(data.collateral)
    headers = [
        "Period",
        f"DSCR ({deal.annual_decline:.0%}/yr decline)",
        "DSCR (flat rent)",
        "Lock-up",
        "Default",
        "Loan balance",
        *values,
        "Flat-rent CFADS USD",
        "Flat-rent DSCR",
        "LLCR from the period",
    ]
    col = {name: get_column_letter(FIRST_COL + j) for j, name in enumerate(headers)}
    c.header_row(ws, HEAD_ROW, headers, first_col=FIRST_COL)
    ws.row_dimensions[HEAD_ROW].height = 45
    first, last = HEAD_ROW + 2, HEAD_ROW + 1 + n  # periods 1..n (period 0 is the row above)

    def cash(key: str, row: int) -> str:
        return f"'{CASH_FLOW}'!{ranges[key][0]}{row}"

    def cash_range(key: str, start: int) -> str:
        letter, _, end = ranges[key]
        return f"'{CASH_FLOW}'!${letter}${start}:${letter}${end}"

    for k in range(n + 1):
        row = HEAD_ROW + 1 + k
        ws.cell(row=row, column=FIRST_COL, value=k)
        for j, series in enumerate(values.values()):
            cell = ws.cell(row=row, column=FIRST_COL + 6 + j)
            c.put(ws, cell.coordinate, float(series[k]), c.USD)
        if k == 0:
            for name in headers[1:3]:
                c.put_formula(ws, f"{col[name]}{row}", "NA()")
            c.put_formula(ws, f"{col['Loan balance']}{row}", "cf_loan", c.USD)
        else:
            src = ranges["dscr"][1] + k - 1
            dscr, flat = cash("dscr", src), f"{col['Flat-rent DSCR']}{row}"
            c.put_formula(ws, f"{col[headers[1]]}{row}", f"IF(ISNUMBER({dscr}),{dscr},NA())")
            c.put_formula(ws, f"{col[headers[2]]}{row}", f"IF(ISNUMBER({flat}),{flat},NA())")
            c.put_formula(ws, f"{col['Loan balance']}{row}", cash("balance", src), c.USD)
            refs = {
                key: cash(key, src)
                for key in ("contracted_gpus", "power_cost", "opex", "colocation")
            }
            cfads = f"{col['Flat-rent CFADS USD']}{row}"
            c.put_formula(ws, cfads, flat_cfads(refs), c.USD)
            service = cash("debt_service", src)
            c.put_formula(ws, flat, f'IF({service}>0,{cfads}/{service},"")', c.COVERAGE)
            previous = cash("discount", src - 1) if k > 1 else "1"
            opening = cash("opening", src)
            pv = f"SUMPRODUCT({cash_range('cfads', src)},{cash_range('discount', src)})"
            c.put_formula(
                ws,
                f"{col['LLCR from the period']}{row}",
                f'IF({opening}>1E-9*MAX(cf_loan,1),{pv}/{previous}/{opening},"")',
                c.COVERAGE,
            )
        for name in ("Lock-up", "Default"):
            level = "lockup_dscr" if name == "Lock-up" else "default_dscr"
            c.put_formula(ws, f"{col[name]}{row}", level, c.COVERAGE)
        for name in headers[1:3]:
            ws[f"{col[name]}{row}"].number_format = c.COVERAGE
    flat_range = f"${col['Flat-rent DSCR']}${first}:${col['Flat-rent DSCR']}${last}"
    cfads_range = f"${col['Flat-rent CFADS USD']}${first}:${col['Flat-rent CFADS USD']}${last}"
    llcr_range = f"${col['LLCR from the period']}${first}:${col['LLCR from the period']}${last}"
    live = [
        ("Flat-rent min DSCR", "live_flat_min_dscr", f"MIN({flat_range})"),
        ("Flat-rent average DSCR", "live_flat_avg_dscr", f"AVERAGE({flat_range})"),
        (
            "Flat-rent LLCR",
            "live_flat_llcr",
            f"SUMPRODUCT({cfads_range},{cash_range('discount', ranges['discount'][1])})/cf_loan",
        ),
        ("Min LLCR over the loan's life", "live_min_llcr", f"MIN({llcr_range})"),
    ]
    label, value = get_column_letter(FIRST_COL), get_column_letter(FIRST_COL + 4)
    c.put_text(ws, f"{label}{NAMES_ROW - 1}", "Live figures the Summary reads", c.BOLD)
    for offset, (text, name, formula) in enumerate(live):
        row = NAMES_ROW + offset
        ws.merge_cells(f"{label}{row}:{get_column_letter(FIRST_COL + 3)}{row}")
        c.put_text(ws, f"{label}{row}", text)
        counted = flat_range if "DSCR" in text else llcr_range
        guard = "cf_loan>0" if name == "live_flat_llcr" else f"COUNT({counted})>0"
        cell = c.put_formula(ws, f"{value}{row}", f'IF({guard},{formula},"")', c.COVERAGE)
        cell.border = c.BOX
        define_name(wb, name, CHARTS, f"${value}${row}")
    periods = Reference(ws, min_col=FIRST_COL, min_row=HEAD_ROW + 1, max_row=last)
    chart = LineChart()
    chart.title = "DSCR per period: rents deflating vs flat, against the covenant levels"
    chart.y_axis.title = "DSCR (x)"
    chart.x_axis.title = "Period"
    chart.y_axis.number_format = '0.0"x"'
    chart.add_data(  # periods 1..n: no DSCR at the close
        Reference(ws, min_col=FIRST_COL + 1, max_col=FIRST_COL + 4, min_row=first, max_row=last)
    )
    for series, name in zip(chart.series, headers[1:5], strict=True):
        series.tx = SeriesLabel(v=name)
    chart.set_categories(Reference(ws, min_col=FIRST_COL, min_row=first, max_row=last))
    style_lines(chart, ["1F3864", "70AD47", "ED7D31", "C00000"], dashed=(2, 3))
    place(ws, chart, "A4", n)
    chart2 = LineChart()
    chart2.title = "Loan balance vs collateral values from the close (USD)"
    chart2.y_axis.title = "USD"
    chart2.x_axis.title = "Period (0 = close)"
    chart2.y_axis.number_format = '#,##0,,"m"'
    chart2.add_data(
        Reference(
            ws,
            min_col=FIRST_COL + 5,
            max_col=FIRST_COL + 5 + len(values),
            min_row=HEAD_ROW,
            max_row=last,
        ),
        titles_from_data=True,
    )
    chart2.set_categories(periods)
    style_lines(chart2, ["000000", "4472C4", "70AD47", "FFC000", "C00000"], dashed=())
    place(ws, chart2, "A24", n + 1)
    c.widths(ws, {get_column_letter(j): 13 for j in range(1, 11)})
    c.widths(ws, {col[name]: 9 for name in headers[:5]})
    c.widths(ws, {col[name]: 14 for name in headers[5:]})
    ws.print_area = "A1:J43"
    c.print_setup(ws, deal.name)
    return ws


def style_lines(chart: LineChart, colours: list[str], dashed: tuple[int, ...]) -> None:
    """Plain lines (no markers, no smoothing) in the given colours; some dashed.

    Examples
    --------
    >>> chart = LineChart()
    >>> style_lines(chart, ["000000"], dashed=())  # no series yet: nothing to style
    """
    for index, series in enumerate(chart.series):
        series.smooth = False
        series.marker.symbol = "none"
        line = LineProperties(solidFill=colours[index % len(colours)], w=22000)
        if index in dashed:
            line.prstDash = "dash"
        series.graphicalProperties = GraphicalProperties(ln=line)


def place(ws: Worksheet, chart: ChartBase, anchor: str, points: int) -> None:
    """Size a chart (24 x 9.5 cm), legend at the bottom, a tick label a year or so; add it.

    Examples
    --------
    >>> ws = Workbook().active
    >>> place(ws, LineChart(), "A1", 61)
    >>> len(ws._charts)
    1
    """
    chart.width, chart.height = 24.0, 9.5  # cm
    chart.legend.position = "b"
    chart.x_axis.delete = False
    chart.x_axis.tickLblSkip = chart.x_axis.tickMarkSkip = max(1, points // 12)
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"
    ws.add_chart(chart, anchor)
