"""The Sources and assumptions sheet: conventions, each default and its source, credits.

The words come from :mod:`addin.memo.text`; the flag rules are those of the memo's flags.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.results import MemoData
from addin.memo.text import CONVENTIONS, DEFAULT_SOURCES, MODEL_CREDITS
from addin.model.deal import DEFAULTS, KEY_SPECS


def write_sources(wb: Workbook, data: MemoData, source: str) -> Worksheet:
    """Model version and date, conventions, every assumption's default and source, flags.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> write_sources(Workbook(), analyse(deal), "a Python deal")["A4"].value
    'Model conventions'
    """
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
