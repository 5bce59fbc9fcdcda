"""The Summary sheet: facility, key metrics (deflated vs flat rent), flags, analyst boxes.

Every figure is an engine result of :func:`addin.memo.results.analyse`; a check formula
tells the reader whether the live Cash flow sheet still agrees with them.
"""

from __future__ import annotations

import math
from typing import Any, TypeAlias

from openpyxl.styles import Alignment
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.flags import period_label
from addin.memo.results import CollateralResults, CreditResults, MemoData
from addin.model.deal import Deal

MIDDLE = Alignment(vertical="center")
SEVERE_STRESS = {"btc_drawdown": 0.50, "rent_decline": 0.60}  # the stressed PD shown
# label, value (deflated rents), value (flat rents) or None, number format, note
Metric: TypeAlias = tuple[str, Any, Any, str, str]


def _pct(value: float | None) -> str:
    return (
        "none"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (f"{value:.1%}")
    )


def _box(ws: Worksheet, top: int, label: str, rows: int = 5) -> int:
    """A labelled empty box (merged A:H) for the analyst's text; returns the next row."""
    c.put_text(ws, f"A{top}", label, c.BOLD)
    ws.merge_cells(f"A{top + 1}:H{top + rows}")
    cell = ws[f"A{top + 1}"]
    c.put_text(ws, f"A{top + 1}", "(analyst to complete)")
    cell.alignment = c.WRAP
    for row in ws.iter_rows(min_row=top + 1, max_row=top + rows, max_col=8):
        for each in row:
            each.fill = c.INPUT_FILL
            each.border = c.BOX
    return top + rows + 2


def write_summary(wb: Workbook, data: MemoData, source: str) -> Worksheet:
    """Facility, key metrics (deflated vs flat rent), flags and the analyst's boxes.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> write_summary(Workbook(), analyse(deal), "a Python deal")["A1"].value
    'Credit memo: D'
    """
    ws = wb.active
    ws.title = "Summary"
    deal, s = data.deal, data.summary
    c.title(
        ws,
        f"Credit memo: {deal.name}",
        f"GPU Credit Desk {data.version}, generated {data.generated:%Y-%m-%d %H:%M} from "
        f"{source}. Figures are the engine's as generated; the Cash flow sheet is live.",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    unit_cost = data.collateral.unit_cost
    facility: list[tuple[str, Any, str | None]] = [
        ("Borrower", deal.borrower or "(not given)", None),
        ("Borrower type", deal.borrower_type, None),
        (
            "Facility",
            f"{deal.amortization} loan" + (f", {deal.balloon:.0%} balloon" if deal.balloon else ""),
            None,
        ),
        ("Amount USD", s.loan_amount, c.USD),
        (
            "Tenor",
            f"{deal.tenor_years:g} years, {deal.periods} periods ({deal.periods_per_year} a year)",
            None,
        ),
        ("All-in rate", deal.interest_rate, "0.00%"),
        ("Start date", deal.start_date if deal.start_date else "(periods numbered only)", c.DATE),
        (
            "Collateral",
            f"{deal.gpus:,} x {deal.gpu_model}, {deal.gpu_age_years:g} years old"
            + (f", {unit_cost:,.0f} USD each" if unit_cost else ""),
            None,
        ),
    ]
    c.put_text(ws, "A4", "Facility", c.BOLD)
    for offset, (label, value, fmt) in enumerate(facility):
        row = 5 + offset
        c.put_text(ws, f"A{row}", label)
        ws.merge_cells(f"B{row}:D{row}")
        cell = c.put(ws, f"B{row}", value, fmt)
        cell.alignment = Alignment(horizontal="left")
    top = 5 + len(facility) + 1
    c.put_text(ws, f"A{top}", "Key metrics", c.BOLD)
    c.header_row(
        ws,
        top + 1,
        ["Metric", f"Deflated ({deal.annual_decline:.0%}/yr)", "Flat rent (0%/yr)", "Note"],
    )
    ws.merge_cells(f"D{top + 1}:H{top + 1}")
    metrics: list[Metric] = [
        ("Min DSCR", s.min_dscr, s.flat_min_dscr, c.COVERAGE, "lowest CFADS / debt service"),
        ("Average DSCR", s.avg_dscr, s.flat_avg_dscr, c.COVERAGE, "periods with debt service"),
        ("LLCR", s.llcr, data.flat_llcr, c.COVERAGE, "PV of CFADS at the loan rate / loan"),
        (
            "Breakeven decline (1.00x)",
            _pct(s.breakeven_decline),
            None,
            c.GENERAL,
            f"today's assumption {deal.annual_decline:.1%} a year",
        ),
        (
            f"Breakeven decline ({deal.lockup_dscr:.2f}x lock-up)",
            _pct(data.lockup_breakeven),
            None,
            c.GENERAL,
            "largest decline keeping min DSCR at the lock-up level",
        ),
        (
            "First lock-up breach",
            _breach(s.first_lockup_breach, s.first_lockup_date),
            None,
            c.GENERAL,
            f"first period with DSCR below {deal.lockup_dscr:.2f}x",
        ),
        (
            "First default breach",
            _breach(s.first_default_breach, s.first_default_date),
            None,
            c.GENERAL,
            f"first period with DSCR below {deal.default_dscr:.2f}x",
        ),
    ]
    metrics += collateral_metrics(data.collateral)
    metrics += credit_metrics(deal, data.credit)
    row = top + 2
    for label, deflated, flat, fmt, note in metrics:
        c.put_text(ws, f"A{row}", label)
        c.put(ws, f"B{row}", deflated, fmt).alignment = Alignment(horizontal="right")
        c.put(ws, f"C{row}", flat, fmt).alignment = Alignment(horizontal="right")
        ws.merge_cells(f"D{row}:H{row}")
        c.put_text(ws, f"D{row}", note, c.NOTE_FONT)
        for col in "ABC":
            ws[f"{col}{row}"].border = c.BOX
        row += 1
    row += 1
    c.put_text(ws, f"A{row}", "Flags", c.BOLD)
    c.header_row(ws, row + 1, ["Metric", "Value", "Flag", "Rule"])
    ws.merge_cells(f"D{row + 1}:H{row + 1}")
    row += 2
    for flag in data.flags:
        c.put_text(ws, f"A{row}", flag.metric).alignment = MIDDLE
        c.put_text(ws, f"B{row}", flag.value).alignment = Alignment(
            horizontal="right", vertical="center"
        )
        c.status_cell(ws[f"C{row}"], flag.status)
        ws.merge_cells(f"D{row}:H{row}")
        c.put_text(ws, f"D{row}", flag.rule).alignment = Alignment(
            wrap_text=True, vertical="center"
        )
        ws[f"A{row}"].border = ws[f"B{row}"].border = c.BOX
        row += 1
    row += 1
    shown = f"({data.live_min_dscr:.17g})".upper()
    agrees = (
        "Live Cash flow sheet agrees with the engine's schedule before prepayments (the "
        "figures above include the cash sweep / LTV cure, which are engine-only)."
        if data.prepays
        else "Live Cash flow sheet agrees with these figures."
    )
    check = (
        f"=IF(ABS(cf_min_dscr-{shown})<=1E-9*MAX(1,ABS({shown})),"
        f'"{agrees}",'
        '"Inputs were edited after generation: the Cash flow sheet differs; '
        're-run gpucredit memo.")'
    )
    if math.isfinite(data.live_min_dscr):
        ws.merge_cells(f"A{row}:H{row}")
        c.put_formula(ws, f"A{row}", check).font = c.NOTE_FONT
        row += 2
    for label in ("Recommendation", "Key risks", "Mitigants"):
        row = _box(ws, row, label)
    c.widths(ws, {"A": 34, "B": 20, "C": 18, "D": 14, "E": 14, "F": 14, "G": 14, "H": 14})
    c.print_setup(ws, deal.name)
    return ws


def _breach(period: int | None, date: Any) -> str:
    return period_label(None if period is None else (period, date))


def collateral_metrics(collateral: CollateralResults) -> list[Metric]:
    """Summary rows of the collateral: LTVs at close and maturity, underwater, mismatch.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.analytics.debt import debt_schedule
    >>> from addin.memo.results import collateral_results
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 5})
    >>> [row[:2] for row in collateral_metrics(collateral_results(deal, debt_schedule(deal)))][2]
    ('Liquidation values', 'not computed')
    """
    m = collateral.mismatch
    sale = collateral.liquidation
    rows: list[Metric] = [
        (
            "LTV at close (book)",
            collateral.ltv_close_book,
            None,
            c.PERCENT,
            "loan / fleet book value",
        ),
        (
            "LTV at maturity (book)",
            collateral.ltv_maturity_book,
            None,
            c.PERCENT,
            "balance due in the final period / book value then",
        ),
    ]
    if sale is not None:
        rows += [
            (
                "LTV at close (liquidation)",
                sale.ltv_close,
                None,
                c.PERCENT,
                "loan / fire-sale value of the fleet",
            ),
            (
                "LTV at maturity (liquidation)",
                sale.ltv_maturity,
                None,
                c.PERCENT,
                "balance due in the final period / fire-sale value then",
            ),
            (
                "Underwater from",
                period_label(sale.underwater),
                None,
                c.GENERAL,
                "first period the balance exceeds the fire-sale value",
            ),
        ]
    else:
        rows.append(
            (
                "Liquidation values",
                "not computed",
                None,
                c.GENERAL,
                "set market_absorption to value a fire sale",
            )
        )
    rows.append(
        (
            "Duration mismatch (WAL / half-life)",
            m.wal_to_half_life,
            None,
            c.COVERAGE,
            f"loan WAL {m.wal_years:.2f} y / GPUs' market-value half-life "
            f"{m.half_life_years:.2f} y",
        )
    )
    return rows


def credit_metrics(deal: Deal, credit: CreditResults) -> list[Metric]:
    """Summary rows of the credit view: IRB risk weight and, if computed, a stressed PD.

    The stressed PD is the scenario :data:`SEVERE_STRESS`, beside the unstressed PD over
    the same horizon.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.analytics.debt import debt_schedule
    >>> from addin.memo.results import credit_results
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 5, "borrower_type": "miner"})
    >>> [row[0] for row in credit_metrics(deal, credit_results(deal, debt_schedule(deal)))]
    ['IRB risk weight', 'Stressed PD (BTC -50%, rents -60% in 1 y)']
    """
    rows: list[Metric] = [
        (
            "IRB risk weight",
            credit.risk_weight,
            None,
            c.PERCENT,
            f"PD {deal.pd:.2%}, LGD {deal.lgd:.0%}, M {credit.maturity:.2f} y (Basel II corporate)",
        ),
    ]
    stressed = credit.stressed
    if stressed is not None:
        drawdown, decline = SEVERE_STRESS["btc_drawdown"], SEVERE_STRESS["rent_decline"]
        rows.append(
            (
                f"Stressed PD (BTC -{drawdown:.0%}, rents -{decline:.0%} in "
                f"{stressed.horizon_years:g} y)",
                stressed.at(btc_drawdown=drawdown, rent_decline=decline),
                stressed.pd_horizon,
                c.PERCENT,
                "two-factor model; second column: unstressed PD over the horizon",
            )
        )
    return rows
