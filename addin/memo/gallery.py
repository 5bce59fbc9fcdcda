"""The function gallery workbook, ``workbooks/functions.xlsx``: every Excel function at work.

Each case of :data:`addin.excel.gallery.CASES` shows a function called on worked inputs,
the result (an array formula over a declared range when the result is a table), the
expected value, a check cell that is TRUE when they agree, and one line a credit officer
can read. A Summary sheet gathers every check.

Examples
--------
>>> book, checks = build_gallery()
>>> {"Summary", "Deals", "DSCR", "Collateral"} <= set(book.sheetnames), checks[0]
(True, ('Summary', 'B4'))

``uv run gpucredit gallery --force`` rewrites ``workbooks/functions.xlsx`` (without
``--force`` it refuses to overwrite it).
"""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from addin.excel import udfs
from addin.excel.gallery import CASES, DEALS, Case, Name
from addin.io.xlsx import save_workbook
from addin.model.errors import OutputExistsError
from addin.version import VERSION

GALLERY_PATH = Path("workbooks") / "functions.xlsx"
BOLD = Font(bold=True)


def _is_table(value: Any) -> bool:
    return isinstance(value, list)


def _shape(value: Any) -> tuple[int, int]:
    return (len(value), len(value[0])) if _is_table(value) else (1, 1)


def _write_block(ws: Worksheet, row: int, col: int, value: Any) -> str:
    """Write a value or 2-D list at (row, col); return its A1 reference."""
    rows = value if _is_table(value) else [[value]]
    for r, line in enumerate(rows):
        for c, cell in enumerate(line):
            target = ws.cell(row + r, col + c, None if cell == "" else cell)
            if isinstance(cell, dt.datetime):
                target.number_format = "yyyy-mm-dd"
    return _ref(row, col, *_shape(value))


def _ref(row: int, col: int, height: int = 1, width: int = 1) -> str:
    first = f"{get_column_letter(col)}{row}"
    if height == 1 and width == 1:
        return first
    return f"{first}:{get_column_letter(col + width - 1)}{row + height - 1}"


def _check(result: str, expected: str, value: Any, tol: float) -> str:
    if value == "":
        return f'{result}=""'
    if isinstance(value, bool) or not isinstance(value, int | float | dt.datetime):
        return f"{result}={expected}"
    return f"ABS({result}-{expected})<={tol!r}*MAX(1,ABS({expected}))"


def _write_case(ws: Worksheet, row: int, case: Case, arg_names: list[str]) -> tuple[int, int]:
    """Write one case from ``row``; return the next free row and the check cell's row."""
    ws.cell(row, 1, case.function).font = BOLD
    ws.cell(row, 2, case.explain)
    ws.cell(row + 1, 1, "Inputs")
    refs, col, height = [], 2, 1
    for name, arg in zip(arg_names, case.args, strict=False):
        ws.cell(row + 1, col, name).font = BOLD
        if isinstance(arg, Name):
            ws.cell(row + 2, col, f"(named range {arg.name})")
            refs.append(arg.name)
            col += 1
            continue
        refs.append(_write_block(ws, row + 2, col, "" if arg is None else arg))
        col += _shape(arg)[1]
        height = max(height, _shape(arg)[0])
    while refs and case.args[len(refs) - 1] is None:  # trailing empties: leave them out
        refs.pop()
    formula = f"={case.function}({', '.join(refs)})"
    h, w = _shape(case.expected)
    result, expected = row + 2 + height, row + 2 + height + h  # first rows of each block
    ws.cell(result, 1, "Result")
    result_ref = _ref(result, 2, h, w)
    ws.cell(result, 2).value = (
        ArrayFormula(result_ref, formula) if _is_table(case.expected) else formula
    )
    ws.cell(expected, 1, "Expected")
    _write_block(ws, expected, 2, case.expected)
    rows = case.expected if _is_table(case.expected) else [[case.expected]]
    tests = [
        _check(_ref(result + i, 2 + j), _ref(expected + i, 2 + j), value, case.tol)
        for i, line in enumerate(rows)
        for j, value in enumerate(line)
    ]
    check_row = expected + h
    ws.cell(check_row, 1, "Check").font = BOLD
    ws.cell(check_row, 2, f"=AND({', '.join(tests)})")
    return check_row + 2, check_row


def _argument_names(function: str) -> list[str]:
    return list(inspect.signature(getattr(udfs, function)).parameters)


def build_gallery(cases: tuple[Case, ...] = CASES) -> tuple[Workbook, list[tuple[str, str]]]:
    """The gallery workbook and the (sheet, cell) of every case's check cell."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    deals = book.create_sheet("Deals")
    deals.cell(1, 1, "Worked deals used by the gallery (named ranges).").font = BOLD
    row = 3
    for name, rows in DEALS.items():
        deals.cell(row, 1, name).font = BOLD
        _write_block(deals, row + 1, 1, rows)
        last = f"{get_column_letter(len(rows[0]))}${row + len(rows)}"
        book.defined_names[name] = DefinedName(name, attr_text=f"Deals!$A${row + 1}:${last}")
        row += len(rows) + 2
    deals.column_dimensions["A"].width = 22
    deals.column_dimensions["B"].width = 22
    checks: list[tuple[str, str]] = []
    next_row: dict[str, int] = {}
    for case in cases:
        if case.sheet not in book.sheetnames:
            ws = book.create_sheet(case.sheet)
            ws.cell(1, 1, f"GPU Credit Desk {case.sheet} functions").font = BOLD
            ws.cell(2, 1, "Each Check is TRUE when the result matches the expected value, "
                          "derived independently of the add-in.")  # fmt: skip
            ws.column_dimensions["A"].width = 26
            next_row[case.sheet] = 4
        ws = book[case.sheet]
        next_row[case.sheet], check_row = _write_case(
            ws, next_row[case.sheet], case, _argument_names(case.function)
        )
        checks.append((case.sheet, f"B{check_row}"))
    summary.cell(1, 1, f"GPU Credit Desk {VERSION}: function gallery").font = BOLD
    summary.cell(2, 1, "Load the add-in (classic xlwings or xlwings Lite), then recalculate. "
                       "All checks TRUE means every function gave its expected value.")  # fmt: skip
    summary.cell(4, 1, "All checks").font = BOLD
    summary.cell(4, 2, "=AND(" + ", ".join(f"'{s}'!{c}" for s, c in checks) + ")")
    summary.cell(6, 1, "Function").font = BOLD
    summary.cell(6, 2, "Check").font = BOLD
    summary.cell(6, 3, "What it shows").font = BOLD
    for i, (case, (sheet, cell)) in enumerate(zip(cases, checks, strict=True)):
        summary.cell(7 + i, 1, case.function)
        summary.cell(7 + i, 2, f"='{sheet}'!{cell}")
        summary.cell(7 + i, 3, case.explain)
    summary.column_dimensions["A"].width = 26
    summary.column_dimensions["C"].width = 90
    return book, [("Summary", "B4"), *checks]


def write_gallery(path: str | Path = GALLERY_PATH, force: bool = False) -> Path:
    """Write the gallery workbook; return its path.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``force`` is False (the file is left untouched); checked before
        the gallery is built, which takes seconds.
    """
    if Path(path).exists() and not force:
        raise OutputExistsError(str(path))
    return save_workbook(build_gallery()[0], path, force)
