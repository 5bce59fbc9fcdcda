"""The book report workbook: the loss distribution, who carries it, and the worst paths.

Sheets (:data:`SHEETS`): **Summary** (EL, VaR and ES at 99% and 99.9% with and without the
market interaction, the contagion add-on, Monte Carlo errors, the run's paths and seed, the
largest contributors), **Facilities** (each facility's PD, EL, EL alone and ES
contributions, with a chart), **Concentration** (by borrower, borrower type, GPU model and
offtaker, with charts), **Loss distribution** (histogram and chart), **Worst paths** (each
worst path month by month: rent index per GPU model, BTC, base rate, cards sold per
market, who defaulted when, with charts) and **Defaults** (the number of defaults per
path and the default times, with charts).

Every number is the engine's (:mod:`addin.book.report`), written as a value: the report has
no formula. Text from the book (facility ids, borrowers, offtakers, model names, the
file's name) goes through :func:`addin.io.xlsx.put_text`, so it is never evaluated. The
workbook is saved atomically and never over an existing file without ``force``
(:func:`addin.io.xlsx.save_workbook`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.book.report import (
    CONCENTRATION_KEYS,
    PathStory,
    concentration,
    default_times,
    defaults_per_path,
    facility_table,
    loss_histogram,
    measures,
    monte_carlo_errors,
)
from addin.book.run import LEVELS, BookResult
from addin.io import xlsx as c
from addin.version import VERSION

if TYPE_CHECKING:
    import pandas as pd

SHEETS = (
    "Summary",
    "Facilities",
    "Concentration",
    "Loss distribution",
    "Worst paths",
    "Defaults",
)
#: Facilities listed as the largest contributors on the Summary sheet.
TOP_CONTRIBUTORS = 5
#: Last column of the merged "who defaulted" cell of the Worst paths summary, without paths.
WHO_COLUMNS = 16
PROBABILITY = "0.00%"
INDEX = "0.000"
RATE = "0.00%"
COLOURS = ("1F3864", "C00000", "70AD47", "FFC000", "4472C4", "7030A0", "ED7D31", "A5A5A5")
_GROUP_TITLES = {
    "obligor": "By borrower",
    "borrower_type": "By borrower type",
    "gpu_model": "By GPU model",
    "offtaker": "By offtaker",
}


def _level(level: float) -> str:
    return f"{level * 100:g}%"


def _book_name(result: BookResult) -> str:
    return Path(result.book.source).name or result.book.source


def _header(ws: Worksheet, row: int, labels: Sequence[str], first_col: int = 1) -> None:
    """The house header row; labels from the book are user text, kept from evaluation."""
    c.header_row(ws, row, list(labels), first_col)
    ws.row_dimensions[row].height = 45.0  # three lines of a wrapped label
    for offset, label in enumerate(labels):
        cell = ws.cell(row=row, column=first_col + offset)
        cell.value = c.clean_text(str(label))
        cell.data_type = "s"
        if str(label).startswith(("=", "+", "-", "@")):
            cell.quotePrefix = True


def _cell(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None) -> None:
    c.put(ws, ws.cell(row=row, column=col).coordinate, value, number_format)


def _text(ws: Worksheet, row: int, col: int, text: str, font: Any = None) -> None:
    c.put_text(ws, ws.cell(row=row, column=col).coordinate, text, font)


def _style(chart: Any, line: bool) -> None:
    for index, series in enumerate(chart.series):
        colour = COLOURS[index % len(COLOURS)]
        if line:
            series.smooth = False
            series.marker.symbol = "none"
            series.graphicalProperties = GraphicalProperties(
                ln=LineProperties(solidFill=colour, w=22000)
            )
        else:
            series.graphicalProperties = GraphicalProperties(solidFill=colour)
    chart.legend.position = "b"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"


def _chart(
    ws: Worksheet,
    kind: str,
    title: str,
    anchor: str,
    columns: Sequence[int],
    rows: tuple[int, int, int],
    category: int,
    y_title: str,
    y_format: str,
    x_title: str = "",
    size: tuple[float, float] = (18.0, 8.5),
) -> Any:
    """A bar or line chart of ``columns``: rows = (header row, first row, last row); each
    series is titled by its header, the categories are column ``category``."""
    chart: Any = BarChart() if kind == "bar" else LineChart()
    if kind == "bar":
        chart.type = "col"
        chart.gapWidth = 40
    chart.title = title
    chart.y_axis.title = y_title
    chart.y_axis.number_format = y_format
    if x_title:
        chart.x_axis.title = x_title
    header, top, last = rows
    for col in columns:
        values = Reference(ws, min_col=col, min_row=top, max_row=last)
        chart.series.append(Series(values, title=str(ws.cell(row=header, column=col).value)))
    chart.set_categories(Reference(ws, min_col=category, min_row=top, max_row=last))
    _style(chart, line=kind == "line")
    points = last - top + 1
    if points > 24:
        chart.x_axis.tickLblSkip = chart.x_axis.tickMarkSkip = max(1, points // 12)
    chart.width, chart.height = size
    ws.add_chart(chart, anchor)
    return chart


def _column(columns: Sequence[tuple[str, str, str | None]], name: str) -> int:
    """The 1-based column of ``name`` in a table layout."""
    return 1 + [n for n, _, _ in columns].index(name)


def _table(
    ws: Worksheet,
    top: int,
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str, str | None]],
    first_col: int = 1,
) -> int:
    """Write ``frame``'s columns (name, label, number format; None = text) under a header
    at row ``top``; return the last row written."""
    _header(ws, top, [label for _, label, _ in columns], first_col)
    for r, record in enumerate(frame.itertuples(index=False), start=top + 1):
        values = dict(zip(frame.columns, record, strict=True))
        for j, (name, _, number_format) in enumerate(columns):
            value = values[name]
            if number_format is None:
                _text(ws, r, first_col + j, str(value))
            else:
                _cell(ws, r, first_col + j, value, number_format)
    return top + len(frame)


def write_summary(
    wb: Workbook, result: BookResult, generated: dt.datetime, chunk_paths: int | None
) -> Worksheet:
    """The measures with and without the market interaction, errors, the run, the largest
    contributors, and what the numbers mean.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> ws = write_summary(Workbook(), result, dt.datetime(2026, 1, 1), None)
    >>> ws["A5"].value, ws["A9"].value
    ('EL', 'ES 99.9%')
    """
    ws = wb.active
    ws.title = "Summary"
    book = result.book
    c.title(
        ws,
        f"Book report: {_book_name(result)}",
        f"GPU Credit Desk {VERSION}, generated {generated:%Y-%m-%d %H:%M} from {book.source}. "
        "Losses in USD at the default dates, not discounted.",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    table = measures(result)
    el_se, add_on_se, tails = monte_carlo_errors(result)
    _header(
        ws,
        4,
        [
            "Measure",
            "With the shared market",
            "Each fleet sold alone",
            "Contagion add-on",
            "Add-on share",
            "Standard error",
            "VaR 95% interval: low",
            "VaR 95% interval: high",
        ],
    )
    errors = {f"ES {_level(t.level)}": t.es_se for t in tails}
    errors["EL"] = el_se
    intervals = {f"VaR {_level(t.level)}": t for t in tails}
    for r, name in enumerate(table.index, start=5):
        on, off, add_on = (
            float(table.loc[name, k]) for k in ("interaction", "no_interaction", "add_on")
        )
        _text(ws, r, 1, str(name), c.BOLD)
        _cell(ws, r, 2, on, c.USD)
        _cell(ws, r, 3, off, c.USD)
        _cell(ws, r, 4, add_on, c.USD)
        share = add_on / on if on else None
        _cell(ws, r, 5, share, c.PERCENT)
        if name in errors:
            _cell(ws, r, 6, errors[str(name)], c.USD)
        if name in intervals:
            _cell(ws, r, 7, intervals[str(name)].var_low, c.USD)
            _cell(ws, r, 8, intervals[str(name)].var_high, c.USD)
    row = 5 + len(table)
    _text(ws, row, 1, "Standard error of the EL add-on", c.NOTE_FONT)
    _cell(ws, row, 4, add_on_se, c.USD)

    row += 2
    _text(ws, row, 1, "The run", c.BOLD)
    loans = facility_table(result)
    facts: list[tuple[str, Any, str | None]] = [
        ("Book file", book.source, None),
        ("Facilities", len(book), c.COUNT),
        ("Borrowers", len(book.obligors), c.COUNT),
        ("GPUs", int(loans["gpus"].sum()), c.COUNT),
        ("Loans at close (USD)", float(loans["loan_amount"].sum()), c.USD),
        ("Paths", result.paths, c.COUNT),
        ("Seed", result.seed, "0"),
        ("Paths per chunk", chunk_paths, c.COUNT),
        ("Mean defaults per path", float(result.defaults.mean()), "0.00"),
        ("Paths without a default", float((result.defaults == 0).mean()), PROBABILITY),
    ]
    for label, value, number_format in facts:
        row += 1
        _text(ws, row, 1, label)
        if value is None:
            _text(ws, row, 2, "(not recorded)")
        elif number_format is None:
            _text(ws, row, 2, str(value))
        else:
            _cell(ws, row, 2, value, number_format)

    row += 2
    level = min(LEVELS)
    es_column = f"es_{level * 100:g}"
    _text(ws, row, 1, f"Largest contributors to ES {_level(level)}", c.BOLD)
    top = loans.sort_values([es_column, "el"], ascending=False, kind="stable")
    top = top.head(TOP_CONTRIBUTORS).assign(
        share=lambda f: f[es_column] / result.es(level) if result.es(level) else float("nan")
    )
    row = _table(
        ws,
        row + 1,
        top,
        [
            ("facility_id", "Facility", None),
            ("obligor", "Borrower", None),
            ("gpu_model", "GPU model", None),
            ("offtaker", "Offtaker", None),
            (es_column, f"ES {_level(level)} contribution", c.USD),
            ("share", "Share of ES", c.PERCENT),
            ("el", "EL", c.USD),
        ],
    )

    row += 2
    _text(ws, row, 1, "What the numbers are", c.BOLD)
    notes = [
        "EL: the mean book loss over the paths. VaR at a level: the k-th largest book loss, "
        "k = ceil((1 - level) x paths); ES: the mean of the k largest.",
        "ES contribution of a facility: its mean loss on those k paths (Euler allocation, "
        "E[L_i | L >= VaR]); the contributions add up to ES, the facilities' EL to the EL.",
        "With the shared market: every fleet sold in a month pays the square-root impact of "
        "all the cards sold that month into its model's market, and the permanent impact of "
        "everything sold before, which also lowers the collateral value behind surviving "
        "loans (their LTV tests see it). Each fleet sold alone: the same random numbers, no "
        "interaction. The difference is the fire-sale contagion add-on.",
        "Standard errors: EL over antithetic pairs; ES by the asymptotic tail-mean formula; "
        "VaR as an interval of order statistics (docs/book.md).",
    ]
    for note in notes:
        row += 1
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
        _text(ws, row, 1, note)
        ws.cell(row=row, column=1).alignment = c.WRAP
    c.widths(ws, {"A": 30, "B": 26, "C": 20, "D": 18, "E": 16, "F": 16, "G": 18, "H": 18})
    c.print_setup(ws, f"Book report: {_book_name(result)}")
    return ws


FACILITY_COLUMNS: list[tuple[str, str, str | None]] = [
    ("facility_id", "Facility", None),
    ("obligor", "Borrower", None),
    ("borrower_type", "Borrower type", None),
    ("gpu_model", "GPU model", None),
    ("offtaker", "Offtaker", None),
    ("gpus", "GPUs", c.COUNT),
    ("loan_amount", "Loan at close (USD)", c.USD),
    ("pd", "PD (life)", PROBABILITY),
    ("el", "EL (USD)", c.USD),
    ("el_off", "EL, sold alone (USD)", c.USD),
    ("el_add_on", "EL add-on (USD)", c.USD),
    *((f"es_{level * 100:g}", f"ES {_level(level)} contribution (USD)", c.USD) for level in LEVELS),
]


def write_facilities(wb: Workbook, result: BookResult) -> Worksheet:
    """One row per facility, and a chart of the ES contributions.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> write_facilities(Workbook(), result)["A5"].value
    'A'
    """
    ws = wb.create_sheet("Facilities")
    c.title(
        ws,
        "Facilities",
        "PD over each facility's life and EL with the shared market; EL with each fleet sold "
        "alone; ES contributions (Euler). Columns add up to the book's totals (last row).",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    table = facility_table(result)
    table["el_add_on"] = table["el"] - table["el_off"]
    last = _table(ws, 4, table, FACILITY_COLUMNS)
    total = last + 1
    _text(ws, total, 1, "Book", c.BOLD)
    for j, (name, _, number_format) in enumerate(FACILITY_COLUMNS, start=1):
        if name in ("gpus", "loan_amount", "el", "el_off", "el_add_on") or name.startswith("es_"):
            _cell(ws, total, j, float(table[name].sum()), number_format)
            ws.cell(row=total, column=j).font = c.BOLD
    es_name = f"es_{min(LEVELS) * 100:g}"
    _chart(
        ws,
        "bar",
        f"Contributions to ES {_level(min(LEVELS))} and EL, by facility (USD)",
        get_column_letter(len(FACILITY_COLUMNS) + 2) + "4",
        [_column(FACILITY_COLUMNS, es_name), _column(FACILITY_COLUMNS, "el")],
        (4, 5, last),
        1,
        "USD",
        '#,##0.0,,"m"',
        size=(24.0, 10.0),
    )
    c.widths(ws, {"A": 10, "B": 26, "C": 13, "D": 11, "E": 18, "F": 9, "G": 18, "H": 10})
    c.widths(ws, {get_column_letter(j): 16 for j in range(9, len(FACILITY_COLUMNS) + 1)})
    ws.freeze_panes = "B5"
    c.print_setup(ws, f"Book report: {_book_name(result)}", "4:4", split_after=["H"],
                  repeat_first_column=True)  # fmt: skip
    return ws


CONCENTRATION_COLUMNS: list[tuple[str, str, str | None]] = [
    ("group", "Group", None),
    ("facilities", "Facilities", c.COUNT),
    ("loan_amount", "Loans (USD)", c.USD),
    ("loan_share", "Share of loans", c.PERCENT),
    ("el", "EL (USD)", c.USD),
    ("el_share", "Share of EL", c.PERCENT),
    ("el_off", "EL, sold alone (USD)", c.USD),
    *(
        column
        for level in LEVELS
        for column in (
            (f"es_{level * 100:g}", f"ES {_level(level)} contribution (USD)", c.USD),
            (f"es_{level * 100:g}_share", f"Share of ES {_level(level)}", c.PERCENT),
        )
    ),
]


def write_concentration(wb: Workbook, result: BookResult) -> Worksheet:
    """Loans, EL and ES contributions by borrower, borrower type, GPU model and offtaker.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> len(write_concentration(Workbook(), result)._charts)
    4
    """
    ws = wb.create_sheet("Concentration")
    c.title(
        ws,
        "Concentration",
        "Each facility's loan, EL and ES contribution summed by group; each table adds up "
        "to the book. Facilities with the same offtaker share its default (docs/book.md).",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    row = 4
    es = f"es_{min(LEVELS) * 100:g}"
    for by in CONCENTRATION_KEYS:
        frame = concentration(result, by)
        _text(ws, row, 1, _GROUP_TITLES[by], c.BOLD)
        last = _table(ws, row + 1, frame, CONCENTRATION_COLUMNS)
        _text(ws, last + 1, 1, "Book", c.BOLD)
        for j, (name, _, number_format) in enumerate(CONCENTRATION_COLUMNS, start=1):
            if name != "group":
                _cell(ws, last + 1, j, float(frame[name].sum()), number_format)
        _chart(
            ws,
            "bar",
            f"{_GROUP_TITLES[by]}: ES {_level(min(LEVELS))} contribution and EL (USD)",
            get_column_letter(len(CONCENTRATION_COLUMNS) + 2) + str(row),
            [_column(CONCENTRATION_COLUMNS, es), _column(CONCENTRATION_COLUMNS, "el")],
            (row + 1, row + 2, last),
            1,
            "USD",
            '#,##0.0,,"m"',
            size=(18.0, 7.5),
        )
        row = max(last + 4, row + 17)
    c.widths(ws, {"A": 28, "B": 10})
    c.widths(ws, {get_column_letter(j): 15 for j in range(3, len(CONCENTRATION_COLUMNS) + 1)})
    c.print_setup(ws, f"Book report: {_book_name(result)}", split_after=["F"],
                  repeat_first_column=True)  # fmt: skip
    return ws


def write_loss_distribution(wb: Workbook, result: BookResult, bins: int = 40) -> Worksheet:
    """The histogram of book losses with and without the market interaction, and its chart.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> write_loss_distribution(Workbook(), result, 10)["A5"].value
    'No loss'
    """
    ws = wb.create_sheet("Loss distribution")
    table = loss_histogram(result, bins)
    c.title(
        ws,
        "Loss distribution",
        f"Book loss per path, {result.paths:,} paths: the paths without a loss, then equal "
        "bins (from, to]. The chart leaves out the no-loss row.",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    table.insert(
        0, "bin", ["No loss", *(f"{high / 1e6:,.1f}m" for high in table["high"].to_numpy()[1:])]
    )
    _table(
        ws,
        4,
        table,
        [
            ("bin", "Bin", None),
            ("low", "From (USD)", c.USD),
            ("high", "To (USD)", c.USD),
            ("paths", "Paths", c.COUNT),
            ("probability", "With the shared market", PROBABILITY),
            ("paths_off", "Paths, sold alone", c.COUNT),
            ("probability_off", "Each fleet sold alone", PROBABILITY),
        ],
    )
    last = 4 + len(table)
    _chart(
        ws,
        "bar",
        "Book loss distribution (probability per bin, up to the bin's top, USD m)",
        "I4",
        [5, 7],
        (4, 6, last),
        1,
        "Probability",
        "0.0%",
        "Book loss",
        size=(24.0, 11.0),
    )
    c.widths(ws, {"A": 10, "B": 16, "C": 16, "D": 10, "E": 14, "F": 12, "G": 14})
    c.print_setup(ws, f"Book report: {_book_name(result)}", "4:4")
    return ws


def write_worst_paths(wb: Workbook, result: BookResult, stories: Sequence[PathStory]) -> Worksheet:
    """The worst paths: a summary row each, then each path month by month, with charts.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.book.report import worst_paths
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 3e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500,
    ...                   "annual_decline": 0.5})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> ws = write_worst_paths(Workbook(), result, worst_paths(result)[:2])
    >>> ws["A5"].value, len(ws._charts)
    (1, 4)
    """
    ws = wb.create_sheet("Worst paths")
    book = result.book
    c.title(
        ws,
        "Worst paths",
        "The run's worst paths by book loss, each re-simulated alone (the same numbers). "
        "Rent index: market rent / its plan, per GPU model; months from the book's start.",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    # the paths' tables print in two parts across, the month repeated: factors, then sales
    names = list(stories[0].by_month(book).columns) if stories else []
    first_sold = next((j for j, n in enumerate(names) if n.startswith("sold ")), WHO_COLUMNS)
    factors = max(first_sold, 7)  # the first part holds the summary's 7 columns too
    _header(
        ws,
        4,
        [
            "Rank",
            "Path",
            "Book loss (USD)",
            "Loss, sold alone (USD)",
            "Contagion (USD)",
            "Defaults",
            "Who defaulted, and when (month)",
        ],
    )
    if factors > 7:
        ws.merge_cells(start_row=4, start_column=7, end_row=4, end_column=factors)
    for rank, story in enumerate(stories, start=1):
        r = 4 + rank
        _cell(ws, r, 1, rank, "0")
        _cell(ws, r, 2, story.path, "0")
        _cell(ws, r, 3, story.loss, c.USD)
        _cell(ws, r, 4, story.loss_off, c.USD)
        _cell(ws, r, 5, story.loss - story.loss_off, c.USD)
        defaults = story.defaults(book)
        _cell(ws, r, 6, len(defaults), c.COUNT)
        _text(ws, r, 7, ", ".join(f"{fid} ({m})" for fid, m in defaults) or "none")
        if factors > 7:
            ws.merge_cells(start_row=r, start_column=7, end_row=r, end_column=factors)
        ws.cell(row=r, column=7).alignment = c.WRAP
    row = 4 + len(stories) + 3
    for rank, story in enumerate(stories, start=1):
        ws.row_breaks.append(Break(id=row - 1))  # each path prints from a new page
        frame = story.by_month(book)
        _text(
            ws,
            row,
            1,
            f"Path {story.path} (worst {rank}): book loss USD {story.loss:,.0f}, "
            f"USD {story.loss_off:,.0f} with each fleet sold alone; base rate of "
            f"{story.base_rate_of}",
            c.BOLD,
        )
        header = row + 1
        columns: list[tuple[str, str, str | None]] = [("month", "Month", "0")]
        for name in frame.columns[1:]:
            if name.startswith("rent_index "):
                columns.append((name, f"Rent index {name[len('rent_index ') :]}", INDEX))
            elif name == "btc":
                columns.append((name, "BTC / today", INDEX))
            elif name == "base_rate":
                columns.append((name, "Base rate", RATE))
            elif name == "stress":
                columns.append((name, "Stress regime (1 = on)", "0"))
            elif name.startswith("sold "):
                columns.append((name, f"Cards sold {name[len('sold ') :]}", c.COUNT))
            elif name == "defaults":
                columns.append((name, "Defaults", c.COUNT))
            else:
                columns.append((name, "Facilities defaulting", None))
        last = _table(ws, header, frame, columns)
        who = get_column_letter(len(columns))
        names = list(frame.columns)
        rents = [j for j, n in enumerate(names, start=1) if n.startswith("rent_index ")]
        sold = [j for j, n in enumerate(names, start=1) if n.startswith("sold ")]
        right = get_column_letter(len(columns) + 2)
        months_with_factors = header + story.base_rate.size
        _chart(
            ws,
            "line",
            f"Path {story.path}: rent index by GPU model (1 = the plan)",
            f"{right}{header}",
            rents,
            (header, header + 1, months_with_factors),
            1,
            "Market rent / plan",
            "0.00",
            "Month",
        )
        chart = _chart(
            ws,
            "bar",
            f"Path {story.path}: cards sold each month, by resale market",
            f"{right}{header + 18}",
            sold,
            (header, header + 1, last),
            1,
            "GPUs",
            "#,##0",
            "Month",
        )
        chart.grouping = "stacked"
        chart.overlap = 100
        row = max(last + 3, header + 38)
    c.widths(ws, {"A": 8, "B": 10, "C": 16, "D": 16, "E": 16, "F": 10})
    c.widths(ws, {get_column_letter(j): 12 for j in range(7, WHO_COLUMNS + 1)})
    if stories:
        c.widths(ws, {who: 40})  # the facilities defaulting each month
    split = [get_column_letter(factors)] if stories and factors < len(names) else []
    c.print_setup(ws, f"Book report: {_book_name(result)}", split_after=split,
                  repeat_first_column=True)  # fmt: skip
    ws.page_setup.fitToHeight = 0  # as many pages as the paths need, one path a page
    return ws


def write_defaults(wb: Workbook, result: BookResult) -> Worksheet:
    """The number of defaults per path and when facilities default, with charts.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> write_defaults(Workbook(), result)["A5"].value
    0
    """
    ws = wb.create_sheet("Defaults")
    c.title(
        ws,
        "Defaults",
        "How many facilities default on a path (with the shared market), and in which month "
        "from the book's start facilities default, over all paths.",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    counts = defaults_per_path(result)
    last = _table(
        ws,
        4,
        counts,
        [
            ("defaults", "Defaults on the path", "0"),
            ("paths", "Paths", c.COUNT),
            ("probability", "Probability", PROBABILITY),
            ("cumulative", "Cumulative", PROBABILITY),
        ],
    )
    _chart(
        ws,
        "bar",
        "Number of facilities defaulting on a path",
        "M4",
        [3],
        (4, 5, last),
        1,
        "Probability",
        "0%",
        "Defaults",
    )
    times = default_times(result)
    _table(
        ws,
        4,
        times,
        [
            ("month", "Month", "0"),
            ("year", "Year", c.YEARS),
            ("defaults", "Facility defaults", c.COUNT),
            ("per_path", "Per path", "0.0000"),
            ("cumulative_per_path", "Cumulative per path", "0.000"),
        ],
        first_col=6,
    )
    _chart(
        ws,
        "bar",
        "Facility defaults per path, by month from the book's start",
        "M22",
        [9],
        (4, 5, 4 + len(times)),
        6,
        "Defaults per path",
        "0.000",
        "Month",
    )
    c.widths(ws, {"A": 12, "B": 10, "C": 13, "D": 13, "F": 8, "G": 8, "H": 12, "I": 10, "J": 13})
    c.print_setup(ws, f"Book report: {_book_name(result)}", "4:4")
    return ws


def build_book_workbook(
    result: BookResult,
    stories: Sequence[PathStory],
    generated: dt.datetime | None = None,
    chunk_paths: int | None = None,
) -> Workbook:
    """The book report workbook (sheets as in :data:`SHEETS`), not yet saved.

    Parameters
    ----------
    result : BookResult
    stories : sequence of PathStory
        The worst paths explained (:func:`addin.book.report.worst_paths`).
    generated : datetime, optional
        Shown on the Summary sheet; default now.
    chunk_paths : int, optional
        Paths per chunk of the run, shown on the Summary sheet.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> build_book_workbook(result, []).sheetnames == list(SHEETS)
    True
    """
    wb = Workbook()
    write_summary(wb, result, generated or dt.datetime.now(), chunk_paths)
    write_facilities(wb, result)
    write_concentration(wb, result)
    write_loss_distribution(wb, result)
    write_worst_paths(wb, result, stories)
    write_defaults(wb, result)
    wb.active = 0
    return wb


def write_book_report(
    result: BookResult,
    stories: Sequence[PathStory],
    path: str | Path,
    force: bool = False,
    generated: dt.datetime | None = None,
    chunk_paths: int | None = None,
) -> Path:
    """Write the book report workbook to ``path`` atomically; return the path.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``force`` is False (nothing is written).
    OutputError
        The file could not be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_book_report(result, [], folder / "book.xlsx").name
    'book.xlsx'
    """
    wb = build_book_workbook(result, stories, generated, chunk_paths)
    return c.save_workbook(wb, path, force)


__all__ = ["SHEETS", "build_book_workbook", "write_book_report"]
