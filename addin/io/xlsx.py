"""Workbook writing shared by every sheet we produce: safe text, number formats, styles,
print setup and the atomic save.

Text that comes from a deal file goes through :func:`put_text`, which stores it as a
string cell (``t="inlineStr"``) and sets Excel's quote prefix when it starts with a
character Excel would read as a formula (``= + - @``), so a borrower named
``=HYPERLINK("http://x","y")`` is shown literally and never evaluated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import (
    column_index_from_string,
    coordinate_to_tuple,
    get_column_letter,
    range_boundaries,
)
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.model.deal import EXCEL_EPOCH, FIRST_SERIAL, KEY_SPECS
from addin.model.errors import OutputError, OutputExistsError
from addin.model.params import LATEST_DATE, MAX_DECLINE, MAX_TEXT

# Number formats
USD = "#,##0;[Red]-#,##0"
USD_K = '#,##0,"k";[Red]-#,##0,"k"'
RENT = "0.000"
PERCENT = "0.0%"
COVERAGE = '0.00"x";[Red]-0.00"x"'
YEARS = "0.00"
COUNT = "#,##0"
DATE = "yyyy-mm-dd"
GENERAL = "General"
# A breakeven decline: a number, shown as a percent, and at the search's cap as what it is
# (addin.analytics.dscr.breakeven_decline returns the cap when nothing up to it breaches).
BREAKEVEN = f'[>={MAX_DECLINE:g}]"\u2265 {MAX_DECLINE:.0%} (search cap)";0.0%'

NAVY = "1F3864"
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # pale yellow: cells an analyst may edit
HEADER_FILL = PatternFill("solid", fgColor=NAVY)
BAND_FILL = PatternFill("solid", fgColor="D9E1F2")
STATUS_FILL = {
    "green": PatternFill("solid", fgColor="C6EFCE"),
    "amber": PatternFill("solid", fgColor="FFEB9C"),
    "red": PatternFill("solid", fgColor="FFC7CE"),
}
FONT_NAME = "Calibri"  # the workbook default; LibreOffice prints it as metric-equal Carlito


def font(size: float = 11.0, **style: Any) -> Font:
    """A font of the workbook's face (named, so no viewer substitutes a serif default).

    Examples
    --------
    >>> f = font(bold=True)
    >>> f.name, f.sz, f.b
    ('Calibri', 11.0, True)
    """
    return Font(name=FONT_NAME, size=size, **style)


STATUS_FONT = {
    "green": font(color="006100", bold=True),
    "amber": font(color="9C5700", bold=True),
    "red": font(color="9C0006", bold=True),
}
INPUT_FONT = font(color="0000FF")  # blue: an input, by the usual modelling convention
HEADER_FONT = font(color="FFFFFF", bold=True)
TITLE_FONT = font(size=14, bold=True, color=NAVY)
BOLD = font(bold=True)
NOTE_FONT = font(italic=True, color="595959")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
_FORMULA_START = ("=", "+", "-", "@")


def clean_text(text: str) -> str:
    r"""Drop the control characters a workbook cannot store; line breaks become ``\n``.

    Examples
    --------
    >>> clean_text("Acme\x00 Corp\r\nLtd")
    'Acme Corp\nLtd'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # XML would do it on reading
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def put_text(ws: Worksheet, ref: str, text: str, font: Font | None = None) -> Cell:
    """Write text as a string cell, never as a formula.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> cell = put_text(Workbook().active, "A1", '=HYPERLINK("http://x","y")')
    >>> cell.data_type, cell.quotePrefix
    ('s', True)
    """
    cell = ws[ref]
    value = clean_text(str(text))
    cell.value = value or None
    cell.data_type = "s" if value else "n"
    if value.startswith(_FORMULA_START):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def put(ws: Worksheet, ref: str, value: Any, number_format: str | None = None) -> Cell:
    """Write an engine value: numbers and dates as such, NaN/None as empty, text as text."""
    if isinstance(value, str):
        return put_text(ws, ref, value)
    cell = ws[ref]
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        cell.value = None
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        cell.value = dt.datetime(value.year, value.month, value.day)
        cell.number_format = DATE
    else:
        cell.value = value
    if number_format is not None:
        cell.number_format = number_format
    return cell


def put_formula(ws: Worksheet, ref: str, formula: str, number_format: str | None = None) -> Cell:
    """Write a formula built by the memo itself (never from user text)."""
    cell = ws[ref]
    cell.value = formula if formula.startswith("=") else "=" + formula
    if number_format is not None:
        cell.number_format = number_format
    return cell


def header_row(ws: Worksheet, row: int, labels: list[str], first_col: int = 1) -> None:
    """A navy header row with white bold labels that wrap."""
    for offset, label in enumerate(labels):
        cell = ws.cell(row=row, column=first_col + offset)
        cell.value = label
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = BOX


def title(ws: Worksheet, text: str, subtitle: str | None = None) -> None:
    """Sheet title in A1 and an optional note in A2."""
    put_text(ws, "A1", text, TITLE_FONT)
    if subtitle:
        put_text(ws, "A2", subtitle, NOTE_FONT)


def widths(ws: Worksheet, columns: Mapping[str, float]) -> None:
    """Set column widths (in characters)."""
    for letter, width in columns.items():
        ws.column_dimensions[letter].width = width


def style_input(cell: Cell) -> None:
    """Mark a cell as an input an analyst may change."""
    cell.fill = INPUT_FILL
    cell.font = INPUT_FONT
    cell.border = BOX


def status_cell(cell: Cell, status: str) -> None:
    """Colour a red / amber / green flag cell."""
    cell.value = status.upper()
    cell.data_type = "s"
    cell.fill = STATUS_FILL[status]
    cell.font = STATUS_FONT[status]
    cell.alignment = Alignment(horizontal="center", vertical="center")
    cell.border = BOX


def fit_rows(ws: Worksheet, min_height: float = 15.0) -> None:
    """Give rows with wrapped text the height their longest cell needs.

    LibreOffice and Excel do not resize rows written by openpyxl, so the height is
    estimated: about 1.1 characters of Calibri 11 text per unit of column width (a unit is
    one digit; prose lines hold 1.1 to 1.3). A cell merged over several rows shares its
    lines among them.
    """
    span: dict[str, float] = {}
    rows: dict[str, int] = {}
    for merged in ws.merged_cells.ranges:
        first = merged.start_cell.coordinate
        span[first] = sum(
            ws.column_dimensions[get_column_letter(col)].width or 13.0
            for col in range(merged.min_col, merged.max_col + 1)
        )
        rows[first] = merged.max_row - merged.min_row + 1
    for row in ws.iter_rows():
        lines = 1
        for cell in row:
            text = cell.value
            if not isinstance(text, str) or not cell.alignment.wrap_text or cell.data_type == "f":
                continue
            width = span.get(cell.coordinate) or ws.column_dimensions[cell.column_letter].width
            per_line = max(1, int((width or 13.0) * 1.1))
            needed = sum(math.ceil(max(len(part), 1) / per_line) for part in text.split("\n"))
            lines = max(lines, math.ceil(needed / rows.get(cell.coordinate, 1)))
        if lines > 1:
            number = row[0].row
            ws.row_dimensions[number].height = max(
                ws.row_dimensions[number].height or 0.0, min_height * lines
            )


def header_text(text: str) -> str:
    """Escape user text for a page header or footer (``&`` starts a code there)."""
    return clean_text(text).replace("&", "&&")[:120]


#: Printable width of an A4 page at the margins :func:`print_setup` sets (0.4 in each side).
PRINT_WIDTH_POINTS = {"landscape": (11.69 - 0.8) * 72, "portrait": (8.27 - 0.8) * 72}
#: Printable height of an A4 page at the margins :func:`print_setup` sets (0.6 in top, bottom).
PRINT_HEIGHT_POINTS = {"landscape": (8.27 - 1.2) * 72, "portrait": (11.69 - 1.2) * 72}
DEFAULT_ROW_POINTS = 15.0  # Excel's default row height for Calibri 11
#: Share of a page's height a chart or block may fill when deciding page breaks: row
#: heights are estimated (LibreOffice sizes unset rows with wrapped text itself).
PAGE_SPARE = 0.93
CM_POINTS = 72 / 2.54
MIN_PRINT_POINTS = 8.0  # the smallest text a printed page may show, points
DEFAULT_FONT_POINTS = 11.0  # Calibri 11, the workbook's default font
DEFAULT_COLUMN_WIDTH = 8.43  # Excel's default column width, characters


def column_points(width: float | None) -> float:
    """Printed width of a column of ``width`` characters at 100%, points.

    Excel draws a column of w characters of Calibri 11 (7 px a digit) as 7w + 5 pixels;
    a pixel is 3/4 of a point.

    Examples
    --------
    >>> column_points(10), round(column_points(None), 2)
    (56.25, 48.01)
    """
    return (7.0 * (DEFAULT_COLUMN_WIDTH if width is None else width) + 5.0) * 0.75


def _print_columns(ws: Worksheet) -> tuple[int, int]:
    """First and last column printed: the print area's, else the sheet's used columns."""
    area = ws.print_area
    if area:
        first, _, last, _ = range_boundaries(str(area).split("!")[-1].replace("$", ""))
        return int(first or 1), int(last or ws.max_column)
    return 1, ws.max_column


def _points(ws: Worksheet, first: int, last: int) -> float:
    return sum(
        column_points(ws.column_dimensions[get_column_letter(col)].width)
        for col in range(first, last + 1)
    )


def _anchored(ws: Worksheet) -> list[Any]:
    """The sheet's charts anchored at a cell (as the workbooks here place them)."""
    return [chart for chart in ws._charts if isinstance(chart.anchor, str)]


def _anchor_column(chart: Any) -> int:
    """The column (1-based) of a chart's top-left cell."""
    return int(coordinate_to_tuple(chart.anchor)[1])


def _page_breaks(
    ws: Worksheet, scale: float, page: float, blocks: Sequence[tuple[int, int]] = ()
) -> list[int]:
    """Rows after which a page must break so that no chart, and no block of rows
    (``blocks``: first and last row), is cut across two pages (counting from the sheet's
    own manual breaks).

    Rows are as tall as set, else :data:`DEFAULT_ROW_POINTS`; a chart is as tall as its
    height in cm; ``page`` is the printable height in points at 100%, ``scale`` the print
    scale (a share).
    """

    def top(row: int) -> float:  # points above row ``row`` (1-based)
        return sum(ws.row_dimensions[r].height or DEFAULT_ROW_POINTS for r in range(1, row))

    anchors = sorted(
        [
            *(
                (coordinate_to_tuple(chart.anchor)[0], chart.height * CM_POINTS)
                for chart in _anchored(ws)
            ),
            *((first, top(last + 1) - top(first)) for first, last in blocks),
        ]
    )
    manual = sorted(top(b.id + 1) for b in ws.row_breaks.brk)  # pages the sheet starts
    breaks, page_top = [], 0.0
    for row, height in anchors:
        start = top(row)
        page_top = max([page_top, *(t for t in manual if t <= start)])
        if (start + height - page_top) * scale > page * PAGE_SPARE and start > page_top:
            breaks.append(row - 1)
            page_top = start
    return breaks


#: Printed width of a character of text, as a share of its font size (Calibri prose).
CHAR_WIDTH_SHARE = 0.5


def contain_overflow(ws: Worksheet, first: int, last: int, split: Sequence[int] = ()) -> None:
    """Wrap text that would spill past the last printed column within the columns.

    A long note in one cell runs on over the empty cells to its right; LibreOffice prints
    that overflow, so the page is scaled down to hold it (the text shrinks below 8 pt).
    Each such cell is merged to the last column of its printed part (``split``: the first
    column of each part after the first) and wrapped; :func:`fit_rows` then gives the row
    its height. Merged, wrapped and formula cells, and rows where the merge would meet a
    value or another merged range, are left as they are.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> ws["A1"], ws["C3"] = "a note far longer than the three columns of the table " * 3, 1
    >>> contain_overflow(ws, 1, 3)
    >>> [str(r) for r in ws.merged_cells.ranges], ws["A1"].alignment.wrap_text
    (['A1:C1'], True)
    """
    merged = [(r.min_row, r.max_row, r.min_col, r.max_col) for r in ws.merged_cells.ranges]
    starts = {r.start_cell.coordinate for r in ws.merged_cells.ranges}
    for row in ws.iter_rows(min_col=first, max_col=last):
        for cell in row:
            text = cell.value
            if (
                not isinstance(text, str)
                or cell.data_type == "f"
                or cell.coordinate in starts
                or cell.alignment.wrap_text
            ):
                continue
            end = min([last, *(edge - 1 for edge in split if edge > cell.column)])
            size = float(cell.font.sz or DEFAULT_FONT_POINTS)
            if end == cell.column or len(text) * size * CHAR_WIDTH_SHARE <= _points(
                ws, cell.column, end
            ):
                continue
            r, c0 = cell.row, cell.column
            right = [ws.cell(row=r, column=col).value for col in range(c0 + 1, end + 1)]
            overlaps = any(a <= r <= b and lo <= end and hi >= c0 for a, b, lo, hi in merged)
            if any(v is not None for v in right) or overlaps:
                continue  # the neighbour's value or a merged range already clips it
            ws.merge_cells(start_row=r, start_column=c0, end_row=r, end_column=end)
            merged.append((r, r, c0, end))
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def smallest_font(ws: Worksheet) -> float:
    """The smallest font size of any cell with a value on the sheet, points (default 11).

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> ws["A1"], ws["A2"] = "big", "small"
    >>> ws["A2"].font = Font(size=9)
    >>> smallest_font(ws)
    9.0
    """
    sizes = [
        float(cell.font.sz or DEFAULT_FONT_POINTS)
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    return min(sizes, default=DEFAULT_FONT_POINTS)


def print_setup(
    ws: Worksheet,
    deal_name: str,
    rows_to_repeat: str | None = None,
    split_after: Sequence[str] = (),
    keep_together: Sequence[tuple[int, int]] = (),
    repeat_first_column: bool = False,
) -> None:
    """Print settings: A4, fit to the page width (never to one page), titles repeated.

    The sheet is scaled to the width of the page and runs onto as many pages as its rows
    need (``fitToHeight`` 0), with ``rows_to_repeat`` (e.g. a table's header, ``"14:14"``)
    printed on every page. Portrait when the used columns fit a portrait page at 100%,
    else landscape. Text is never printed below :data:`MIN_PRINT_POINTS`: a sheet too wide
    for that on one page is printed on as many pages across as it needs, with column A
    repeated, or split after the columns ``split_after`` names (a fixed scale, the largest
    at which each part fits the width; each part begins with its own key column, or with
    column A repeated when ``repeat_first_column``); the pages run across, then down. A
    sheet with charts, or with blocks of rows to keep together, is printed the same way,
    with a page break before a chart or block that would be cut by the page's end.
    A header with the deal name and sheet, a footer with the page number.

    Parameters
    ----------
    ws : Worksheet
    deal_name : str
        Shown in the page header.
    rows_to_repeat : str, optional
        Rows printed at the top of every page, like ``"13:13"``.
    split_after : sequence of str, optional
        Column letters after which a new page starts (for a wide table).
    keep_together : sequence of (int, int), optional
        First and last rows of blocks (a table) that should not be cut by a page's end.
    repeat_first_column : bool, default False
        With ``split_after``: print column A (the table's key) on every page across.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> for letter in "ABCDEFGHIJ":
    ...     ws.column_dimensions[letter].width = 14
    >>> ws["J1"] = "x"
    >>> print_setup(ws, "Deal", "1:1")
    >>> ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight
    ('landscape', 1, 0)
    >>> ws["T1"] = "wider"  # 20 columns: two pages across at 8 pt or more
    >>> print_setup(ws, "Deal", "1:1")
    >>> ws.page_setup.fitToWidth, ws.print_title_cols
    (2, '$A:$A')
    """
    first, last = _print_columns(ws)
    splits = [column_index_from_string(c) + 1 for c in split_after]  # each part's first column
    contain_overflow(ws, first, last, splits)
    width = _points(ws, first, last)
    beside = [chart for chart in _anchored(ws) if _anchor_column(chart) > last]
    widest = max([width, *(chart.width * CM_POINTS for chart in beside)])
    orientation = "portrait" if widest <= PRINT_WIDTH_POINTS["portrait"] else "landscape"
    page = PRINT_WIDTH_POINTS[orientation]
    least = MIN_PRINT_POINTS / smallest_font(ws)  # the smallest scale keeping text readable
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if split_after or ws._charts or keep_together:  # Excel ignores manual breaks when fitting
        edges = [first, *splits, last + 1]
        parts = [_points(ws, a, b - 1) for a, b in itertools.pairwise(edges)]
        if beside:  # charts right of the tables: a page of their own across, never cut
            edges.insert(-1, min(_anchor_column(chart) for chart in beside))
            parts.append(max(chart.width * CM_POINTS for chart in beside))
        if repeat_first_column and len(parts) > 1:
            key = _points(ws, first, first)
            parts = [parts[0], *(part + key for part in parts[1:])]
            ws.print_title_cols = "A:A"
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        scale = max(math.ceil(100 * least), min(100, int(100 * page / max(parts))))
        ws.page_setup.scale = scale
        for edge in edges[1:-1]:
            ws.col_breaks.append(Break(id=edge - 1))
        for row in _page_breaks(ws, scale / 100, PRINT_HEIGHT_POINTS[orientation], keep_together):
            ws.row_breaks.append(Break(id=row))
        ws.page_setup.pageOrder = "overThenDown"
    else:
        across = max(1, math.ceil(width * least / page - 1e-9))
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = across
        ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
        if across > 1:
            ws.print_title_cols = "A:A"
            ws.page_setup.pageOrder = "overThenDown"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddHeader.left.text = header_text(deal_name)
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.left.text = "Confidential"
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.right.text = "GPU Credit Desk"
    if rows_to_repeat:
        ws.print_title_rows = rows_to_repeat
    fit_rows(ws)


def value_format(key: str) -> str:
    """Excel number format for a deal key's value (percent for decimals, USD, x, ...).

    Examples
    --------
    >>> value_format("annual_decline"), value_format("lockup_dscr"), value_format("name")
    ('0.00%', '0.00"x"', '@')
    """
    spec = KEY_SPECS[key]
    unit = spec.unit
    if spec.kind == "date":
        return "yyyy-mm-dd"
    if spec.kind == "text" or (spec.choices and isinstance(spec.choices[0], str)):
        return "@"  # text: Excel keeps what is typed, even a leading "="
    if "decimal" in unit or unit == "share of loan":
        return "0.00%"
    if unit in ("USD", "USD per GPU", "USD per GPU per year", "USD per GPU per month"):
        return "#,##0"
    if unit == "x":
        return '0.00"x"'
    if unit in ("count", "GPUs per month"):
        return "#,##0"
    if spec.kind in ("int", "choice"):
        return "0"
    return "0.000"


#: Excel's limits on a data-validation message: title and text, in characters.
PROMPT_TITLE_CHARS, PROMPT_CHARS = 32, 255
#: How far inside an open end of a two-sided range Excel's inclusive "between" is set.
OPEN_END_STEP = 1e-9


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "\u2026"


def _number(value: float) -> str:
    """A bound as an Excel formula reads it: 0.99, 1000000000000, 1E-09."""
    return format(float(value), ".15g").upper()


def key_validation(key: str, choices: Sequence[Any] | None = None) -> DataValidation:
    """Excel data validation of a deal key's value cell, from the parameter catalogue.

    A list for a choice (or for ``choices`` when given, e.g. the GPU catalog's models for
    ``gpu_model``), a whole or decimal range for a number with its bounds, a date range, or
    a text length; an input message (title: the key; text: unit, help and what is allowed,
    at most 32 and 255 characters as Excel requires) and a stop-style error alert naming
    what is allowed. Blank cells are allowed (an optional key left empty takes its default).

    Parameters
    ----------
    key : str
        A deal key (:data:`addin.model.deal.KEY_SPECS`).
    choices : sequence, optional
        Values to list instead of the catalogue's own (a text key becomes a list).

    Returns
    -------
    openpyxl.worksheet.datavalidation.DataValidation
        Not yet added to a sheet: ``ws.add_data_validation(rule); rule.add("B5")``.

    Notes
    -----
    A one-sided open bound is exact (Excel's ``greaterThan``). Excel's ``between`` includes
    both ends, so an open end of a two-sided range is set :data:`OPEN_END_STEP` (1e-9)
    inside it (``pd`` in (0, 1) accepts 1e-9 to 0.999999999), or at the next whole number
    for a whole-number key; the error message still states the exact rule.

    Examples
    --------
    >>> rule = key_validation("utilization")
    >>> rule.type, rule.operator, rule.formula1, rule.formula2, rule.errorStyle
    ('decimal', 'between', '0', '1', 'stop')
    >>> key_validation("pd").formula1, key_validation("pd").formula2
    ('1E-09', '0.999999999')
    >>> key_validation("amortization").formula1
    '"annuity,linear,bullet,sculpted"'
    """
    spec = KEY_SPECS[key]
    allowed = spec.allowed()
    unit = f"Unit: {spec.unit}. " if spec.unit else ""
    common: dict[str, Any] = {
        "allow_blank": True,
        "showErrorMessage": True,
        "errorStyle": "stop",
        "errorTitle": _clip(f"{key}: not allowed", PROMPT_TITLE_CHARS),
        "error": _clip(f"{key}: allowed {allowed}", PROMPT_CHARS),
        "showInputMessage": True,
        "promptTitle": _clip(key, PROMPT_TITLE_CHARS),
        "prompt": _clip(f"{unit}{spec.help} Allowed: {allowed}", PROMPT_CHARS),
    }
    listed = tuple(choices) if choices is not None else spec.choices
    if listed:
        if choices is not None:
            common["error"] = _clip(
                f"{key}: allowed one of {', '.join(map(str, listed))}", PROMPT_CHARS
            )
        return DataValidation(type="list", formula1=f'"{",".join(map(str, listed))}"', **common)
    if spec.kind == "date":
        last = (LATEST_DATE - EXCEL_EPOCH).days
        return DataValidation(
            type="date",
            operator="between",
            formula1=str(FIRST_SERIAL),
            formula2=str(last),
            **common,
        )
    if spec.kind == "text":
        return DataValidation(
            type="textLength", operator="lessThanOrEqual", formula1=str(MAX_TEXT), **common
        )
    whole = spec.kind == "int"
    kind = "whole" if whole else "decimal"
    low, high = spec.low, spec.high
    if low is not None and high is not None:
        if spec.low_open:
            low = math.floor(low) + 1 if whole else low + OPEN_END_STEP
        if spec.high_open:
            high = math.ceil(high) - 1 if whole else high - OPEN_END_STEP
        return DataValidation(
            type=kind,
            operator="between",
            formula1=_number(low),
            formula2=_number(high),
            **common,
        )
    if low is not None:
        operator = "greaterThan" if spec.low_open else "greaterThanOrEqual"
        return DataValidation(type=kind, operator=operator, formula1=_number(low), **common)
    if high is not None:
        operator = "lessThan" if spec.high_open else "lessThanOrEqual"
        return DataValidation(type=kind, operator=operator, formula1=_number(high), **common)
    return DataValidation(type=kind, **common)  # any number


def save_workbook(wb: Workbook, path: str | Path, force: bool = False) -> Path:
    """Save through a temporary file in the same folder, then move it into place.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``force`` is False (the existing file is left untouched).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from openpyxl import Workbook
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
    >>> save_workbook(Workbook(), path) == path
    True
    >>> try:
    ...     save_workbook(Workbook(), path)
    ... except OutputExistsError as error:
    ...     print(str(error).split(": ", 1)[1])
    exists; allowed: a new file name, or --force to overwrite
    """
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = temporary_file(path.parent)
        temp = Path(name)
        try:
            with os.fdopen(descriptor, "wb") as file:
                wb.save(file)
            publish(temp, path, force)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    except OSError as error:
        raise OutputError(
            str(error.filename or path), error.strerror or type(error).__name__
        ) from None
    return path


TEMPORARY_PREFIX = ".gpucredit-"


def temporary_file(folder: Path) -> tuple[int, str]:
    """Create a new temporary file in ``folder``, exclusively, under an unpredictable name.

    ``tempfile.mkstemp`` opens it with ``O_EXCL``, so a symlink planted at any name cannot
    redirect the write; the name carries this process's id so that
    :func:`remove_stale_temporaries` can tell a killed run's leftovers from a live one's.
    """
    handle, name = tempfile.mkstemp(
        prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-", suffix=".tmp", dir=folder
    )
    with contextlib.suppress(OSError, AttributeError):  # a file system without modes: as is
        os.fchmod(handle, 0o666 & ~UMASK)  # as any new file (mkstemp makes it private, 0600)
    return handle, name


def _read_umask() -> int:
    """The process's file-creation mask (set and put back once, when this module loads)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


#: The file-creation mask at start-up: outputs get the permissions any new file would.
UMASK = _read_umask()


def write_text_files(files: Mapping[Path, str], force: bool = False) -> list[Path]:
    """Write text files, each whole or not at all; existing files only with ``force``.

    Each file goes to a temporary file beside it and is published in one step
    (:func:`publish`); without ``force``, nothing is written when any of them exists.

    Raises
    ------
    OutputExistsError
        Naming the first file that exists (without ``force``).
    OutputError
        When a file cannot be written (a read-only folder, a folder that is a file).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_text_files({folder / "main.py": "print(1)"})]
    ['main.py']
    >>> try:
    ...     write_text_files({folder / "main.py": "print(2)"})
    ... except OutputExistsError as error:
    ...     print(str(error).split(": ", 1)[1])
    exists; allowed: a new file name, or --force to overwrite
    """
    if not force:
        for path in files:
            if path.exists():
                raise OutputExistsError(str(path))
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = temporary_file(path.parent)
        except OSError as error:
            raise OutputError(
                str(error.filename or path), error.strerror or "cannot write"
            ) from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            publish(Path(temp), path, force)
        except OSError as error:
            raise OutputError(str(path), error.strerror or type(error).__name__) from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return list(files)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files that runs no longer alive left in ``folder``; return them.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".gpucredit-999999999-abc.tmp").write_bytes(b"half a workbook")
    >>> [p.name for p in remove_stale_temporaries(folder)]
    ['.gpucredit-999999999-abc.tmp']
    """
    removed = []
    for temp in folder.glob(f"{TEMPORARY_PREFIX}*-*.tmp"):
        pid = temp.name[len(TEMPORARY_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _is_running(int(pid)):
            with contextlib.suppress(OSError):
                temp.unlink()
                removed.append(temp)
    return removed


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # e.g. another user's live process: leave its files alone
        return True
    return True


def publish(temp: Path, path: Path, force: bool) -> None:
    """Move a finished temporary file to ``path`` in one step (no overwrite unless force)."""
    if force:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)  # fails if path appeared meanwhile: never overwrites
    except FileExistsError:
        raise OutputExistsError(str(path)) from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise OutputExistsError(str(path)) from None
        os.replace(temp, path)
