"""The Collateral and Credit sheets: engine results of :mod:`addin.memo.risk`, laid out."""

from __future__ import annotations

import math
from typing import Any

from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.analysis import MemoData
from addin.memo.risk import BTC_DRAWDOWNS, RENT_DECLINES

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


def _facts(
    ws: Worksheet, top: int, rows: list[tuple[str, Any, str]], label: str, value: str
) -> None:
    """Label / value pairs, one a row; ``label`` and ``value`` are column spans like "A:C"."""
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


def write_collateral(wb: Workbook, data: MemoData) -> Worksheet:
    """Fleet values over the loan's life beside the balance, LTVs, fire sale, mismatch."""
    ws = wb.create_sheet("Collateral")
    deal, col = data.deal, data.collateral
    c.title(
        ws,
        f"Collateral: {deal.name}",
        "Engine values for the whole fleet, USD, at each period end (period 0 = close); "
        "LTV = loan balance / value. Assumptions and sources: Sources sheet.",
    )
    m = col["mismatch"]
    left: list[tuple[str, Any, str]] = [
        ("GPUs", deal.gpus, c.COUNT),
        ("Cost per GPU USD", col["unit_cost"], c.USD),
        ("Age at close (years)", deal.gpu_age_years, c.YEARS),
        ("Loan WAL (years)", m.wal_years, c.YEARS),
        ("Market-value half-life (years)", m.half_life_years, c.YEARS),
        ("Economic life (years)", m.economic_life_years, c.YEARS),
        ("WAL / half-life", m.wal_to_half_life, c.COVERAGE),
        ("WAL / economic life", m.wal_to_economic_life, c.COVERAGE),
    ]
    _facts(ws, 4, left, "A:C", "D:E")
    sale = col.get("fire_sale")
    if sale is not None:
        right: list[tuple[str, Any, str]] = [
            ("Fire sale at close: net USD", sale.net_proceeds, c.USD),
            ("Fire sale at close: recovery", sale.recovery, c.PERCENT),
            ("Fire sale at close: months", sale.months, "0"),
            ("Underwater from (period)", _under(col["underwater"]), c.GENERAL),
        ]
    else:
        right = [("Liquidation values", "need market_absorption", c.GENERAL)]
    _facts(ws, 4, right, "G:I", "J:K")
    table = col["ltv"]
    columns = [spec for spec in LTV_COLUMNS if spec[0] in table.columns]
    head = 14
    c.header_row(ws, head, [spec[1] for spec in columns])
    ws.row_dimensions[head].height = 45
    for i, record in enumerate(table.to_dict("records")):
        row = head + 1 + i
        for j, (key, _, fmt, _) in enumerate(columns, start=1):
            ref = ws.cell(row=row, column=j).coordinate
            value = record[key]
            if isinstance(value, float) and math.isinf(value):
                c.put_text(ws, ref, "no value").alignment = Alignment(horizontal="right")
            else:
                c.put(ws, ref, value, fmt)
            if i % 2 == 1:
                ws[ref].fill = c.BAND_FILL
    last = head + len(table)
    for j, (key, _, _, width) in enumerate(columns, start=1):
        letter = ws.cell(row=head, column=j).column_letter
        ws.column_dimensions[letter].width = width
        if key.startswith("ltv_"):
            ws.conditional_formatting.add(
                f"{letter}{head + 1}:{letter}{last}",
                CellIsRule(operator="greaterThan", formula=["1"], font=c.STATUS_FONT["red"]),
            )
    ws.freeze_panes = f"B{head + 1}"
    c.print_setup(ws, deal.name, f"{head}:{head}")
    return ws


def _under(found: tuple[int, Any] | None) -> str:
    if found is None:
        return "never"
    return "at close" if found[0] == 0 else str(found[0])


def write_credit(wb: Workbook, data: MemoData) -> Worksheet:
    """Basel IRB risk weight; stressed PDs for BTC drawdowns x rent declines."""
    ws = wb.create_sheet("Credit")
    deal, cr = data.deal, data.credit
    c.title(
        ws,
        f"Credit: {deal.name}",
        "Two-factor model: X = a C + b R + s Z; stressed PD = N((N^-1(PD) - a C - b R) / s) "
        "with C = ln(1 - drawdown) / (btc_vol sqrt(h)), R = ln((1 - y) / (1 - d)^h) / "
        "(rent_vol sqrt(h)).",
    )
    facts: list[tuple[str, Any, str]] = [
        ("One-year PD", deal.pd, "0.00%"),
        ("LGD", deal.lgd, c.PERCENT),
        ("Effective maturity M (years)", cr["maturity"], c.YEARS),
        ("IRB risk weight (Basel II corporate)", cr["risk_weight"], c.PERCENT),
        ("Capital at 8% of RWA, USD", cr["capital"], c.USD),
    ]
    _facts(ws, 4, facts, "A:A", "B:C")
    model: list[tuple[str, Any, str]] = [
        ("Crypto loading a", deal.effective_crypto_loading, "0.00"),
        ("Compute-rent loading b", deal.compute_loading, "0.00"),
        ("Factor correlation", deal.factor_corr, "0.00"),
        ("BTC volatility", deal.btc_vol, c.PERCENT),
        ("Rent volatility", deal.rent_vol, c.PERCENT),
        ("Expected rent decline d", deal.annual_decline, c.PERCENT),
        ("Horizon h (years)", deal.stress_horizon_years, "0.0#"),
    ]
    _facts(ws, 4, model, "E:F", "G:G")
    top = 13
    if not cr["applicable"]:
        c.put_text(
            ws,
            f"A{top}",
            f"The two-factor stress applies to miners and neoclouds; this borrower is "
            f"'{deal.borrower_type}'.",
            c.NOTE_FONT,
        )
    else:
        c.put_text(
            ws,
            f"A{top}",
            f"Stressed PD over {deal.stress_horizon_years:g} year(s): BTC drawdown (rows) x "
            f"realised rent decline (columns); unstressed PD {cr['pd_horizon']:.2%}",
            c.BOLD,
        )
        c.header_row(
            ws, top + 1, ["BTC drawdown / rent decline"] + [f"{y:.0%}" for y in RENT_DECLINES]
        )
        grid = cr["stressed_pd"]
        for i, drawdown in enumerate(BTC_DRAWDOWNS):
            row = top + 2 + i
            c.put(ws, f"A{row}", float(drawdown), "0%").font = c.BOLD
            for j in range(RENT_DECLINES.size):
                ref = ws.cell(row=row, column=2 + j).coordinate
                c.put(ws, ref, float(grid[i, j]), "0.00%").border = c.BOX
        last_col = ws.cell(row=top, column=1 + RENT_DECLINES.size).column_letter
        ws.conditional_formatting.add(
            f"B{top + 2}:{last_col}{top + 1 + BTC_DRAWDOWNS.size}",
            ColorScaleRule(
                start_type="num",
                start_value=cr["pd_horizon"],
                start_color="63BE7B",
                mid_type="num",
                mid_value=0.10,
                mid_color="FFEB84",
                end_type="num",
                end_value=0.5,
                end_color="F8696B",
            ),
        )
        note = top + 3 + BTC_DRAWDOWNS.size
        c.put_text(
            ws,
            f"A{note}",
            "77% is BTC's 2021-22 peak-to-trough fall (67.8k to 15.6k USD). With no "
            "drawdown and rents falling as expected the PD is below the unconditional "
            "PD, which averages over all scenarios.",
            c.NOTE_FONT,
        )
        c.put_text(
            ws,
            f"A{note + 1}",
            "Loadings, rent volatility and factor correlation are illustrative; set them "
            "per borrower (a crypto loading of 0 makes the BTC drawdown irrelevant).",
            c.NOTE_FONT,
        )
    c.widths(ws, {"A": 34} | {chr(ord("B") + j): 12 for j in range(8)})
    c.print_setup(ws, deal.name)
    return ws
