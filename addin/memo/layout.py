"""Cell-layout helpers shared by several memo sheets: workbook names and fact tables."""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c


def define_name(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    """Give the workbook name ``name`` to ``ref`` (like ``"$B$5"``) on ``sheet``.

    Examples
    --------
    >>> wb = Workbook()
    >>> define_name(wb, "gpus", "Inputs", "$B$7")
    >>> wb.defined_names["gpus"].attr_text
    "'Inputs'!$B$7"
    """
    wb.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!{ref}")


def facts(
    ws: Worksheet, top: int, rows: list[tuple[str, Any, str]], label: str, value: str
) -> None:
    """Label / value pairs, one a row from ``top``; ``label`` and ``value`` are column spans.

    Parameters
    ----------
    ws : Worksheet
    top : int
        First row.
    rows : list of (label, value, number format)
    label, value : str
        Column spans like ``"A:C"``; a span of more than one column is merged.

    Examples
    --------
    >>> ws = Workbook().active
    >>> facts(ws, 4, [("GPUs", 4096, c.COUNT)], "A:C", "D:E")
    >>> ws["A4"].value, ws["D4"].value, sorted(r.coord for r in ws.merged_cells.ranges)
    ('GPUs', 4096, ['A4:C4', 'D4:E4'])
    """
    first_label, last_label = label.split(":")
    first_value, last_value = value.split(":")
    for offset, (text, number, fmt) in enumerate(rows):
        row = top + offset
        if first_label != last_label:
            ws.merge_cells(f"{first_label}{row}:{last_label}{row}")
        c.put_text(ws, f"{first_label}{row}", text)
        if first_value != last_value:
            ws.merge_cells(f"{first_value}{row}:{last_value}{row}")
        cell = c.put(ws, f"{first_value}{row}", number, fmt)
        cell.alignment = Alignment(horizontal="right")
        for letter in range(ord(first_value), ord(last_value) + 1):
            ws[f"{chr(letter)}{row}"].border = c.BOX
