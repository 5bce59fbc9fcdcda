"""The Checks sheet: the workbook's own integrity checks as formulas, and one master check.

As the FAST standard's checks sheet: one row per check, each a formula giving TRUE or
FALSE from a measured number (the largest gap found) and its tolerance, and a master
check, the AND of them all, in :data:`MASTER_CELL` (workbook name :data:`MASTER_NAME`) for
the Summary to show. The checks:

1. the live schedule repays the loan to zero at maturity;
2. the engine's balance and arrears are repaid at maturity unless it projects a payment
   default (the waterfall records the unpaid debt service as arrears and runs on);
3. sources = uses each period on the live schedule: revenue = power + other opex +
   colocation + CFADS, and debt service = interest + principal (CFADS is then debt
   service plus the cash left after it, by construction);
4. the balance rolls forward: opening - principal = closing, period 1 opening at the loan;
5. no account negative: the live and engine balances, the DSRA, the lock-up account and
   the arrears, every period;
6. and 7. the live schedule against the engine: each period's closing balance and DSCR
   against the engine's as generated (the contractual schedule, before any cash sweep or
   LTV cure, which the live sheet does not model);
8. and 9. the Collateral sheet against the schedule: its balance is the live closing
   balance (the loan at close), and each LTV is balance / value;
10. the live sheet's row count still matches tenor_years x periods_per_year.

The per-period evidence (live cells linked from the Cash flow and Collateral sheets, the
engine's values written at generation, and the gaps) is a table below the checks, not
printed. After an input is edited on the Inputs sheet, checks 6 to 9 turn FALSE: the
engine's figures are then stale, and re-running ``gpucredit memo`` refreshes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.analytics.dscr import dscr_schedule
from addin.io import xlsx as c
from addin.memo.cash_flow import CASH_FLOW, cash_flow_ranges
from addin.memo.collateral import LTV_HEADER_ROW, ltv_letters
from addin.memo.flags import period_label
from addin.memo.layout import define_name
from addin.memo.results import MemoData

CHECKS = "Checks"
MASTER_NAME = "checks_ok"  # workbook name of the master check: TRUE when every check passes
MASTER_CELL = f"'{CHECKS}'!$H$3"
FIRST_CHECK_ROW = 6
#: The checks in sheet order, each on its row (the formulas need the deal: see _checks).
CHECK_NAMES = (
    "repaid",
    "engine_repaid",
    "sources_uses",
    "roll_forward",
    "no_negative",
    "balance_vs_engine",
    "dscr_vs_engine",
    "collateral_balance",
    "ltv",
    "rows",
)
CHECK_ROWS = {name: FIRST_CHECK_ROW + i for i, name in enumerate(CHECK_NAMES)}
DEFAULT_ROW = FIRST_CHECK_ROW + len(CHECK_NAMES) + 1  # the engine's first payment default
#: Tolerance of a money check: 1e-9 of the loan (USD 0.09 on USD 85M), at least 1e-9 USD.
MONEY_TOLERANCE = "1E-9*MAX(1,ABS(cf_loan))"
RATIO_TOLERANCE = 1e-9  # relative, for DSCRs and LTVs (the 1e-9)
GAP = "0.0E+00"
LTV_VALUES = {
    "ltv_book": "book_value",
    "ltv_market": "market_value",
    "ltv_economic": "economic_value",
    "ltv_liquidation": "liquidation_value",
}


@dataclass(frozen=True)
class Check:
    """One check: what it tests, the measured number (a formula), its tolerance, a note."""

    label: str
    measure: str  # formula of the largest gap found (>= 0); the check is measure <= tolerance
    tolerance: str  # formula or number
    fmt: str  # number format of the measure
    note: str = ""
    excused: str | None = None  # a formula: when TRUE the check passes whatever the measure


@dataclass(frozen=True)
class EvidenceColumn:
    """A column of the per-period table: key, header, number format."""

    key: str
    header: str
    fmt: str


EVIDENCE: tuple[EvidenceColumn, ...] = (
    EvidenceColumn("period", "Period", "0"),
    EvidenceColumn("live_balance", "Live closing balance USD", c.USD),
    EvidenceColumn("engine_balance", "Engine closing balance USD", c.USD),
    EvidenceColumn("balance_gap", "Balance gap USD", GAP),
    EvidenceColumn("live_dscr", "Live DSCR", c.COVERAGE),
    EvidenceColumn("engine_dscr", "Engine DSCR", c.COVERAGE),
    EvidenceColumn("dscr_gap", "DSCR gap (relative)", GAP),
    EvidenceColumn("sources_gap", "Sources - uses gap USD", GAP),
    EvidenceColumn("roll_gap", "Roll-forward gap USD", GAP),
    EvidenceColumn("dsra", "Engine DSRA USD", c.USD),
    EvidenceColumn("trapped", "Engine lock-up account USD", c.USD),
    EvidenceColumn("arrears", "Engine arrears USD", c.USD),
    EvidenceColumn("collateral_balance", "Collateral sheet balance USD", c.USD),
    EvidenceColumn("collateral_gap", "Collateral balance gap USD", GAP),
    EvidenceColumn("ltv_gap", "LTV gap (largest of the LTV columns)", GAP),
)
LETTER = {col.key: chr(ord("A") + i) for i, col in enumerate(EVIDENCE)}


def engine_schedule(data: MemoData) -> pd.DataFrame:
    """The engine schedule the live Cash flow sheet follows: before any prepayment.

    The deal's own schedule unless a cash sweep or an LTV cure prepays (engine-only);
    then the schedule of the same deal without them, as the live sheet is.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.memo.results import analyse
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3, "sweep_share": 0.5})
    >>> data = analyse(deal)
    >>> bool(engine_schedule(data)["balance"].iloc[0] > data.schedule["balance"].iloc[0])
    True
    """
    if not data.prepays:
        return data.schedule
    return dscr_schedule(data.deal.replace(sweep_share=0.0, max_ltv=None))


def evidence_rows(n: int) -> tuple[int, int]:
    """First and last row of the per-period table (period 0 = close, then 1..n).

    Examples
    --------
    >>> evidence_rows(36)
    (20, 56)
    """
    first = DEFAULT_ROW + 3
    return first, first + n


def _checks(data: MemoData, first: int, last: int) -> list[Check]:
    """The checks of one deal, in :data:`CHECK_NAMES` order."""
    deal, s = data.deal, data.summary
    n = deal.periods

    def column(key: str, top: int = first + 1) -> str:
        return f"${LETTER[key]}${top}:${LETTER[key]}${last}"

    waterfall = data.schedule
    owed = float(waterfall["balance"].iloc[-1] + waterfall["arrears"].iloc[-1])
    default = s.first_payment_default
    if default is None:
        engine_note = "The engine projects no payment default: all must be repaid."
    else:
        found = period_label((default, s.first_payment_default_date))
        engine_note = (
            f"The engine projects a payment default from {found} (row {DEFAULT_ROW}): what is "
            "unpaid at maturity is the default's, not an error."
        )
    accounts = ",".join(
        column(key, first) if key in ("live_balance", "engine_balance") else column(key)
        for key in ("live_balance", "engine_balance", "dsra", "trapped", "arrears")
    )
    prepays = (
        " The engine's schedule here is before prepayments: the cash sweep and the LTV cure "
        "are engine-only."
        if data.prepays
        else ""
    )
    stale = "FALSE after an Inputs edit: the engine's figures are stale; re-run gpucredit memo."
    return [
        Check(
            f"Loan repaid to zero at maturity (live schedule's closing balance, period {n})",
            f"ABS(${LETTER['live_balance']}${last})",
            MONEY_TOLERANCE,
            c.USD,
            "FALSE means the schedule does not amortise the loan (e.g. an amortization the "
            "sheet does not know).",
        ),
        Check(
            "Engine: balance and arrears repaid at maturity, unless it projects a payment default",
            _number(abs(owed)),
            MONEY_TOLERANCE,
            c.USD,
            engine_note,
            excused=f"ISNUMBER($I${DEFAULT_ROW})",
        ),
        Check(
            "Sources = uses each period (live): revenue = power + other opex + colocation + "
            "CFADS, and debt service = interest + principal",
            f"MAX({column('sources_gap')})",
            MONEY_TOLERANCE,
            GAP,
            "CFADS = debt service + cash left after debt service (the DSCR's numerator and "
            "denominator).",
        ),
        Check(
            "Balance roll-forward each period (live): opening - principal = closing; "
            "period 1 opens at the loan amount",
            f"MAX({column('roll_gap')})",
            MONEY_TOLERANCE,
            GAP,
        ),
        Check(
            "No account negative: live and engine balances, DSRA, lock-up account, arrears",
            f"MAX(0,-MIN({accounts}))",
            MONEY_TOLERANCE,
            c.USD,
            "Measured: the most negative amount, USD.",
        ),
        Check(
            "Live closing balance = the engine's, each period",
            f"MAX({column('balance_gap', first)})",
            MONEY_TOLERANCE,
            GAP,
            stale + prepays,
        ),
        Check(
            "Live DSCR = the engine's, each period (relative gap)",
            f"MAX({column('dscr_gap')})",
            _number(RATIO_TOLERANCE),
            GAP,
            stale + prepays,
        ),
        Check(
            "Collateral sheet: its loan balance = the live closing balance (the loan at close)",
            f"MAX({column('collateral_gap', first)})",
            MONEY_TOLERANCE,
            GAP,
            stale,
        ),
        Check(
            "Collateral sheet: each LTV = balance / value, each period (book, market, "
            "economic, liquidation)",
            f"MAX({column('ltv_gap', first)})",
            _number(RATIO_TOLERANCE),
            GAP,
            'Where a value is zero the LTV must read as text ("fully depreciated", "no '
            'value") or be empty.',
        ),
        Check(
            f"Schedule length: tenor_years x periods_per_year = the {n} rows of the Cash flow "
            "sheet",
            f"ABS(cf_periods-{n})",
            "0",
            "0",
            "FALSE after the tenor or frequency is edited: regenerate the memo.",
        ),
    ]


def _number(value: float) -> str:
    return format(float(value), ".17g").upper()


def write_checks(wb: Workbook, data: MemoData) -> Worksheet:
    """The Checks sheet: one TRUE/FALSE formula per check, the master check, the evidence.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.memo.results import analyse
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> ws = write_checks(Workbook(), analyse(deal))
    >>> ws["H3"].value, ws["H6"].value
    ('=AND($H$6:$H$15)', '=IF(ISNUMBER(I6),I6<=J6,FALSE)')
    """
    ws = wb.create_sheet(CHECKS)
    deal = data.deal
    n = deal.periods
    first, last = evidence_rows(n)
    c.title(
        ws,
        f"Checks: {deal.name}",
        "Each check is a formula: TRUE when the measured gap is within its tolerance. The "
        "master check is TRUE when all are. Evidence per period below (not printed).",
    )
    checks = _checks(data, first, last)
    assert len(checks) == len(CHECK_NAMES)
    end = FIRST_CHECK_ROW + len(checks) - 1
    ws.merge_cells("B3:G3")
    c.put_text(ws, "B3", "Master check: every check below is TRUE", c.BOLD)
    master = c.put_formula(ws, "H3", f"AND($H${FIRST_CHECK_ROW}:$H${end})")
    master.font = c.BOLD
    master.border = c.BOX
    master.alignment = Alignment(horizontal="center")
    define_name(wb, MASTER_NAME, CHECKS, "$H$3")
    head = FIRST_CHECK_ROW - 1
    c.header_row(ws, head, ["#", "Check", "", "", "", "", "", "Result", "Measured", "Tolerance"])
    c.header_row(ws, head, ["Note"], first_col=11)
    ws.merge_cells(f"B{head}:G{head}")
    ws.merge_cells(f"K{head}:O{head}")
    for i, check in enumerate(checks):
        row = FIRST_CHECK_ROW + i
        c.put(ws, f"A{row}", i + 1, "0")
        ws.merge_cells(f"B{row}:G{row}")
        c.put_text(ws, f"B{row}", check.label).alignment = c.WRAP
        passes = f"I{row}<=J{row}"
        if check.excused is not None:
            passes = f"OR({passes},{check.excused})"
        c.put_formula(ws, f"H{row}", f"IF(ISNUMBER(I{row}),{passes},FALSE)")
        ws[f"H{row}"].alignment = Alignment(horizontal="center", vertical="top")
        c.put_formula(ws, f"I{row}", check.measure, check.fmt)
        c.put_formula(ws, f"J{row}", check.tolerance, GAP)
        ws.merge_cells(f"K{row}:O{row}")
        c.put_text(ws, f"K{row}", check.note, c.NOTE_FONT).alignment = c.WRAP
        for col in "ABHIJK":
            ws[f"{col}{row}"].border = c.BOX
        ws[f"A{row}"].alignment = Alignment(horizontal="center", vertical="top")
        ws[f"I{row}"].alignment = ws[f"J{row}"].alignment = Alignment(vertical="top")
    for status, formula in (("green", "$H{0}=TRUE"), ("red", "$H{0}<>TRUE")):
        for area, top in (("H3:H3", 3), (f"H{FIRST_CHECK_ROW}:H{end}", FIRST_CHECK_ROW)):
            ws.conditional_formatting.add(
                area,
                FormulaRule(
                    formula=[formula.format(top)],
                    fill=c.STATUS_FILL[status],
                    font=c.STATUS_FONT[status],
                ),
            )
    ws.merge_cells(f"B{DEFAULT_ROW}:G{DEFAULT_ROW}")
    c.put_text(ws, f"B{DEFAULT_ROW}", "Engine's first payment default (period)")
    found = data.summary.first_payment_default
    cell = c.put(ws, f"I{DEFAULT_ROW}", "none" if found is None else found, "0")
    cell.border = c.BOX
    cell.alignment = Alignment(horizontal="right")
    _write_evidence(ws, data, first)
    c.widths(ws, {col: 12 for col in LETTER.values()})
    c.widths(ws, {"A": 7, "B": 13})
    ws.freeze_panes = f"A{first}"
    ws.print_area = f"A1:O{DEFAULT_ROW}"
    c.print_setup(ws, deal.name, f"{head}:{head}")
    return ws


def _write_evidence(ws: Worksheet, data: MemoData, first: int) -> None:
    """The per-period table: live links, engine values written now, and the gaps."""
    deal = data.deal
    n = deal.periods
    cf = cash_flow_ranges(deal)
    table = data.collateral.ltv
    collateral = ltv_letters(table)
    engine = engine_schedule(data)
    waterfall = data.schedule
    c.put_text(
        ws,
        f"A{first - 2}",
        "Evidence per period (period 0 = close): Live = linked from the Cash flow and "
        "Collateral sheets; Engine = the engine's values as generated.",
        c.BOLD,
    )
    c.header_row(ws, first - 1, [col.header for col in EVIDENCE])
    ws.row_dimensions[first - 1].height = 45
    L = LETTER

    def live(key: str, k: int) -> str:
        return f"'{CASH_FLOW}'!{cf[key][0]}{cf[key][1] + k - 1}"

    for k in range(n + 1):
        row = first + k
        values: dict[str, object] = {"period": k}
        coll = f"'Collateral'!{{}}{LTV_HEADER_ROW + 1 + k}"
        formulas = {
            "balance_gap": f"ABS({L['live_balance']}{row}-{L['engine_balance']}{row})",
            "collateral_balance": coll.format(collateral["balance"]),
            "collateral_gap": f"ABS({L['collateral_balance']}{row}-{L['live_balance']}{row})",
            "ltv_gap": _ltv_gap(table, collateral, coll, f"{L['collateral_balance']}{row}"),
        }
        if k == 0:
            formulas["live_balance"] = "cf_loan"
            values["engine_balance"] = data.summary.loan_amount
        else:
            i = k - 1
            formulas["live_balance"] = live("balance", k)
            formulas["live_dscr"] = live("dscr", k)
            formulas["dscr_gap"] = (
                f"IF(ISNUMBER({L['engine_dscr']}{row}),IF(ISNUMBER({L['live_dscr']}{row}),"
                f"ABS({L['live_dscr']}{row}-{L['engine_dscr']}{row})"
                f"/MAX(1,ABS({L['engine_dscr']}{row})),1),IF(ISNUMBER({L['live_dscr']}{row}),1,0))"
            )
            formulas["sources_gap"] = (
                f"ABS({live('revenue', k)}-{live('power_cost', k)}-{live('opex', k)}"
                f"-{live('colocation', k)}-{live('cfads', k)})"
                f"+ABS({live('interest', k)}+{live('principal', k)}-{live('debt_service', k)})"
            )
            opening = "cf_loan" if k == 1 else live("balance", k - 1)
            formulas["roll_gap"] = (
                f"ABS({live('opening', k)}-{live('principal', k)}-{live('balance', k)})"
                f"+ABS({live('opening', k)}-{opening})"
            )
            values["engine_balance"] = float(engine["balance"].iloc[i])
            values["engine_dscr"] = float(engine["dscr"].iloc[i])
            for key in ("dsra", "trapped", "arrears"):
                values[key] = float(waterfall[key].iloc[i])
        for col in EVIDENCE:
            ref = f"{L[col.key]}{row}"
            if col.key in formulas:
                c.put_formula(ws, ref, formulas[col.key], col.fmt)
            else:
                value = values.get(col.key)
                if isinstance(value, float) and not math.isfinite(value):
                    value = None
                c.put(ws, ref, value, col.fmt)
            if k % 2 == 1:
                ws[ref].fill = c.BAND_FILL


def _ltv_gap(table: pd.DataFrame, letters: dict[str, str], coll: str, balance: str) -> str:
    """Largest gap between an LTV on the Collateral sheet and balance / value, one row.

    Where the value is positive the LTV must be a number equal to balance / value; where it
    is zero the LTV must not be a number (text such as "fully depreciated", or empty).
    """
    terms = []
    for ltv, value in LTV_VALUES.items():
        if ltv not in table.columns:
            continue
        ratio, worth = coll.format(letters[ltv]), coll.format(letters[value])
        terms.append(
            f"IF({worth}>0,IF(ISNUMBER({ratio}),ABS({ratio}-{balance}/{worth})"
            f"/MAX(1,ABS({ratio})),1),IF(ISNUMBER({ratio}),1,0))"
        )
    return f"MAX({','.join(terms)})"
