"""The Collateral sheet: fleet values over the loan's life beside the balance, and LTVs.

Engine values of :attr:`addin.memo.results.MemoData.collateral`, laid out: the duration
mismatch, the fire sale at close, and the LTV table one row per period (period 0 = close,
in row :data:`LTV_HEADER_ROW` + 1). Where the fleet's book value is zero the book LTV reads
"fully depreciated", in red while a balance is still owed (a loan that outlives the
GPUs' book life), instead of a blank or an infinite ratio.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.layout import facts
from addin.memo.results import MemoData

LTV_HEADER_ROW = 14  # the LTV table's header; period k is on row LTV_HEADER_ROW + 1 + k
FULLY_DEPRECIATED = "fully depreciated"

LTV_COLUMNS: tuple[tuple[str, str, str, float], ...] = (
    ("period", "Period", "0", 7),
    ("date", "Date", c.DATE, 11),
    ("fleet_age_years", "Fleet age (years)", c.YEARS, 9),
    ("balance", "Loan balance USD", c.USD, 14),
    ("book_value", "Book value USD", c.USD, 14),
    ("market_value", "Market value USD", c.USD, 14),
    ("economic_value", "Economic value USD", c.USD, 14),
    ("liquidation_value", "Liquidation value USD", c.USD, 14),
    ("liquidation_recovery", "Fire-sale recovery", c.PERCENT, 10),
    ("ltv_book", "LTV book", c.PERCENT, 11),
    ("ltv_market", "LTV market", c.PERCENT, 11),
    ("ltv_economic", "LTV economic", c.PERCENT, 11),
    ("ltv_liquidation", "LTV liquidation", c.PERCENT, 11),
)


def ltv_columns(table: Any) -> list[tuple[str, str, str, float]]:
    """The LTV table's columns shown for a deal: :data:`LTV_COLUMNS` present in ``table``.

    Examples
    --------
    >>> import pandas as pd
    >>> [spec[0] for spec in ltv_columns(pd.DataFrame(columns=["period", "balance"]))]
    ['period', 'balance']
    """
    return [spec for spec in LTV_COLUMNS if spec[0] in table.columns]


def ltv_letters(table: Any) -> dict[str, str]:
    """Column letter of each LTV-table column on the Collateral sheet, by key.

    Examples
    --------
    >>> import pandas as pd
    >>> ltv_letters(pd.DataFrame(columns=["period", "year", "balance", "book_value"]))  # no year
    {'period': 'A', 'balance': 'B', 'book_value': 'C'}
    """
    return {spec[0]: get_column_letter(j) for j, spec in enumerate(ltv_columns(table), start=1)}


def fully_depreciated_from(table: Any) -> int | None:
    """First period (0 = close) at which the fleet's book value is zero; None if never.

    Examples
    --------
    >>> import pandas as pd
    >>> fully_depreciated_from(pd.DataFrame({"period": [0, 1, 2], "book_value": [2.0, 0, 0]}))
    1
    """
    zero = table.index[table["book_value"] <= 0]
    return None if len(zero) == 0 else int(table["period"].loc[zero[0]])


def write_collateral(wb: Workbook, data: MemoData) -> Worksheet:
    """Fleet values over the loan's life beside the balance, LTVs, fire sale, mismatch.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> write_collateral(Workbook(), analyse(deal))["J4"].value
    'need market_absorption'

    A loan longer than the book life: the book LTV reads "fully depreciated", in red.

    >>> long = deal.replace(tenor_years=7, useful_life_years=6)
    >>> ws = write_collateral(Workbook(), analyse(long))
    >>> ws["G87"].value, ws["G87"].font.color.rgb, ws["D12"].value
    ('fully depreciated', '009C0006', 'period 72 (before maturity)')
    """
    ws = wb.create_sheet("Collateral")
    deal, col = data.deal, data.collateral
    c.title(
        ws,
        f"Collateral: {deal.name}",
        "Engine values for the whole fleet, USD, at each period end (period 0 = close); "
        "LTV = loan balance / value. Assumptions and sources: Sources sheet.",
    )
    m = col.mismatch
    left: list[tuple[str, Any, str]] = [
        ("GPUs", deal.gpus, c.COUNT),
        ("Cost per GPU USD", col.unit_cost, c.USD),
        ("Age at close (years)", deal.gpu_age_years, c.YEARS),
        ("Loan WAL (years)", m.wal_years, c.YEARS),
        ("Market-value half-life (years)", m.half_life_years, c.YEARS),
        ("Economic life (years)", m.economic_life_years, c.YEARS),
        ("WAL / half-life", m.wal_to_half_life, c.COVERAGE),
        ("WAL / economic life", m.wal_to_economic_life, c.COVERAGE),
    ]
    table = col.ltv
    zero_book = fully_depreciated_from(table)
    left.append(("Book value zero from", _depreciated(zero_book, deal.periods), c.GENERAL))
    facts(ws, 4, left, "A:C", "D:E")
    if zero_book is not None and zero_book < deal.periods:  # the loan outlives the book life
        shown = ws[f"D{4 + len(left) - 1}"]
        c.status_cell(shown, "red")
        shown.value = _depreciated(zero_book, deal.periods)
    liquidation = col.liquidation
    if liquidation is not None:
        sale = liquidation.fire_sale
        right: list[tuple[str, Any, str]] = [
            ("Fire sale at close: net USD", sale.net_proceeds, c.USD),
            ("Fire sale at close: recovery", sale.recovery, c.PERCENT),
            ("Fire sale at close: months", sale.months, "0"),
            ("Underwater from (period)", _under(liquidation.underwater), c.GENERAL),
        ]
    else:
        right = [("Liquidation values", "need market_absorption", c.GENERAL)]
    facts(ws, 4, right, "G:I", "J:K")
    columns = ltv_columns(table)
    head = LTV_HEADER_ROW
    c.header_row(ws, head, [spec[1] for spec in columns])
    ws.row_dimensions[head].height = 45
    for i, record in enumerate(table.to_dict("records")):
        row = head + 1 + i
        for j, (key, _, fmt, _) in enumerate(columns, start=1):
            ref = ws.cell(row=row, column=j).coordinate
            value = record[key]
            if key == "ltv_book" and record["book_value"] <= 0:
                cell = c.put_text(ws, ref, FULLY_DEPRECIATED)
                if record["balance"] > 0:  # a balance owed on GPUs with no book value
                    c.status_cell(cell, "red")
                    cell.value = FULLY_DEPRECIATED
                    continue
                cell.font = c.NOTE_FONT
                cell.alignment = Alignment(horizontal="right")
            elif isinstance(value, float) and math.isinf(value):
                c.put_text(ws, ref, "no value").alignment = Alignment(horizontal="right")
            else:
                c.put(ws, ref, value, fmt)
            if i % 2 == 1:
                ws[ref].fill = c.BAND_FILL
    last = head + len(table)
    for j, (key, _, _, width) in enumerate(columns, start=1):
        letter = ws.cell(row=head, column=j).column_letter
        if key == "ltv_book" and zero_book is not None:  # room for "fully depreciated"
            width = max(width, len(FULLY_DEPRECIATED) + 1)
        ws.column_dimensions[letter].width = width
        if key.startswith("ltv_"):
            ws.conditional_formatting.add(
                f"{letter}{head + 1}:{letter}{last}",
                CellIsRule(operator="greaterThan", formula=["1"], font=c.STATUS_FONT["red"]),
            )
    ws.freeze_panes = f"B{head + 1}"
    c.print_setup(ws, deal.name, f"{head}:{head}")
    return ws


def _depreciated(period: int | None, periods: int) -> str:
    if period is None:
        return "not within the loan"
    label = "at close" if period == 0 else f"period {period}"
    return label + (" (before maturity)" if period < periods else "")


def _under(found: tuple[int, dt.date | None] | None) -> str:
    if found is None:
        return "never"
    return "at close" if found[0] == 0 else str(found[0])
