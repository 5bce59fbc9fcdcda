"""The Inputs sheet (every deal key, named ranges) and the live Cash flow sheet.

The Cash flow sheet is native Excel formulas on the Inputs sheet's named ranges, the
same conventions as :mod:`addin.analytics.dscr`, so an analyst who edits an input sees the whole
schedule, the DSCRs and the LLCR recalculate without the add-in. Only functions that
Excel 2016 and LibreOffice 7 both compute are used (IF, MAX, MIN, AVERAGE, COUNT, ABS,
ROUND, ISNUMBER, INDEX, NPV, PMT, EDATE); no LET, XLOOKUP, SEQUENCE or dynamic arrays.
Each row is one period; the row count is the deal's number of periods when generated.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.io.xlsx import value_format
from addin.memo.text import key_source
from addin.model.deal import DEFAULTS, KEY_SPECS, Deal

INPUTS = "Inputs"
CASH_FLOW = "Cash flow"
INPUTS_FIRST_ROW = 5
HEADER_ROW = 13  # the period table's header on the Cash flow sheet
FIRST_ROW = HEADER_ROW + 1


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of the period table: key, header, number format, width, formula."""

    key: str
    header: str
    fmt: str
    width: float
    formula: str  # "{key}" is the same row's cell of that column; "{key@prev}" the row above


PERIOD_COLUMNS: tuple[Column, ...] = (
    Column("period", "Period", "0", 7, ""),
    Column("date", "Payment date", c.DATE, 11, "EDATE(start_date,{period}*12/periods_per_year)"),
    Column("year", "Year (start)", c.YEARS, 8, "({period}-1)/periods_per_year"),
    Column(
        "market_rate",
        "Market rent USD/GPU-h",
        c.RENT,
        11,
        "MAX(rent_floor,market_rate*(1-annual_decline)^{year})",
    ),
    Column(
        "contracted_gpus",
        "GPUs under contract",
        c.COUNT,
        10,
        "IF({year}<contract_years,gpus*contracted_share,0)",
    ),
    Column(
        "billed_share",
        "Billed share",
        c.PERCENT,
        8,
        "({contracted_gpus}+(gpus-{contracted_gpus})*utilization)/gpus",
    ),
    Column(
        "revenue",
        "Revenue USD",
        c.USD,
        13,
        "{contracted_gpus}*cf_contract_rate*cf_hours"
        "+(gpus-{contracted_gpus})*utilization*{market_rate}*cf_hours",
    ),
    Column(
        "power_cost",
        "Power USD",
        c.USD,
        12,
        "gpus*kw_per_gpu*pue*cf_hours*power_price"
        "*({billed_share}+idle_power_share*(1-{billed_share}))",
    ),
    Column("opex", "Other opex USD", c.USD, 12, "gpus*opex_per_gpu_year/periods_per_year"),
    Column("cfads", "CFADS USD", c.USD, 13, "{revenue}-{power_cost}-{opex}"),
    Column(
        "sculpted", "Sculpted DS USD (CFADS+ / target)", c.USD, 13, "MAX({cfads},0)/target_dscr"
    ),
    Column("opening", "Opening balance USD", c.USD, 14, "{balance@prev}"),
    Column("interest", "Interest USD", c.USD, 12, "{opening}*cf_rate"),
    Column(
        "principal",
        "Principal USD",
        c.USD,
        13,
        'IF(amortization="linear",cf_loan*(1-balloon)/cf_periods'
        "+IF({period}=cf_periods,cf_balloon,0),"
        'IF(amortization="bullet",IF({period}=cf_periods,cf_loan,0),'
        'IF(amortization="annuity",cf_payment+IF({period}=cf_periods,cf_balloon,0),'
        "{sculpted})-{interest}))",
    ),
    Column("debt_service", "Debt service USD", c.USD, 13, "{interest}+{principal}"),
    Column(
        "balance",
        "Closing balance USD",
        c.USD,
        14,
        "IF(ABS({opening}-{principal})<1E-9*MAX(cf_loan,1),0,{opening}-{principal})",
    ),
    Column("dscr", "DSCR", c.COVERAGE, 8, 'IF({debt_service}>0,{cfads}/{debt_service},"")'),
    Column(
        "lockup_breach",
        "Below lock-up (period)",
        "0",
        9,
        'IF(ISNUMBER({dscr}),IF({dscr}<lockup_dscr,{period},""),"")',
    ),
    Column(
        "default_breach",
        "Below default (period)",
        "0",
        9,
        'IF(ISNUMBER({dscr}),IF({dscr}<default_dscr,{period},""),"")',
    ),
)
TOTALLED = ("revenue", "power_cost", "opex", "cfads", "interest", "principal", "debt_service")


def period_columns(deal: Deal) -> list[Column]:
    """The period table's columns for a deal (no date column without a start date)."""
    return [col for col in PERIOD_COLUMNS if col.key != "date" or deal.start_date is not None]


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index))


def _name(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!{ref}")


def named_keys() -> list[str]:
    """Deal keys given a workbook name on the Inputs sheet (every non-text key)."""
    return [key for key, spec in KEY_SPECS.items() if spec.kind != "text" or key == "amortization"]


def write_inputs(wb: Workbook, deal: Deal) -> Worksheet:
    """The Inputs sheet: one row per deal key with value, unit, group, source and help.

    Columns A:B form the named range ``Deal`` (a two-column key/value range the add-in's
    functions accept); each non-text key's value cell is named after the key.
    """
    ws = wb.create_sheet(INPUTS)
    c.title(
        ws,
        f"Inputs: {deal.name}",
        "Yellow cells are inputs: change one and the Cash flow sheet recalculates. "
        "Other sheets show the engine's results as generated.",
    )
    c.header_row(ws, INPUTS_FIRST_ROW - 1, ["Key", "Value", "Unit", "Group", "Source", "Meaning"])
    values = deal.to_dict()
    row = INPUTS_FIRST_ROW
    for key, spec in KEY_SPECS.items():
        value = values[key]
        c.put_text(ws, f"A{row}", key)
        cell = c.put(ws, f"B{row}", value, value_format(key))
        c.style_input(cell)
        cell.alignment = c.WRAP
        c.put_text(ws, f"C{row}", spec.unit)
        c.put_text(ws, f"D{row}", spec.group)
        c.put_text(ws, f"E{row}", key_source(key, value, DEFAULTS.get(key, dataclasses.MISSING)))
        c.put_text(ws, f"F{row}", spec.help)
        for col in "ACDEF":
            ws[f"{col}{row}"].border = c.BOX
            ws[f"{col}{row}"].alignment = c.WRAP
        row += 1
    last = row - 1
    for key in named_keys():
        index = list(KEY_SPECS).index(key)
        _name(wb, key, INPUTS, f"$B${INPUTS_FIRST_ROW + index}")
    _name(wb, "Deal", INPUTS, f"$A${INPUTS_FIRST_ROW}:$B${last}")
    c.widths(ws, {"A": 24, "B": 26, "C": 27, "D": 11, "E": 50, "F": 62})
    ws.freeze_panes = f"A{INPUTS_FIRST_ROW}"
    c.print_setup(ws, deal.name)
    return ws


def _expand(template: str, refs: dict[str, str]) -> str:
    out = template
    for key, ref in refs.items():
        out = out.replace("{" + key + "}", ref)
    return out


def write_cash_flow(wb: Workbook, deal: Deal) -> Worksheet:
    """The live schedule: derived inputs, summary formulas and one row per period."""
    ws = wb.create_sheet(CASH_FLOW)
    columns = period_columns(deal)
    letter = {col.key: _letter(i) for i, col in enumerate(columns, start=1)}
    n = deal.periods
    first, last = FIRST_ROW, FIRST_ROW + n - 1

    def column_range(key: str) -> str:
        return f"${letter[key]}${first}:${letter[key]}${last}"

    c.title(
        ws,
        f"Cash flow: {deal.name}",
        "Live Excel formulas on the Inputs sheet (same conventions as the engine): "
        f"period k starts at (k-1)/{deal.periods_per_year} years; USD per period.",
    )
    derived: list[tuple[str, str, str, str]] = [
        ("Hours per period", "cf_hours", "8760/periods_per_year", "#,##0.0"),
        ("Periods", "cf_periods", "ROUND(tenor_years*periods_per_year,0)", "0"),
        ("Interest rate per period", "cf_rate", "interest_rate/periods_per_year", "0.0000%"),
        (
            "Contract rent USD/GPU-h",
            "cf_contract_rate",
            "IF(ISNUMBER(contract_rate),contract_rate,market_rate)",
            c.RENT,
        ),
        (
            "Loan amount USD",
            "cf_loan",
            f'IF(amortization="sculpted",NPV(cf_rate,{column_range("sculpted")}),loan_amount)',
            c.USD,
        ),
        ("Balloon USD", "cf_balloon", "balloon*cf_loan", c.USD),
        (
            "Level payment USD (annuity)",
            "cf_payment",
            'IF(amortization="annuity",-PMT(cf_rate,cf_periods,cf_loan,-cf_balloon),"n/a")',
            c.USD,
        ),
    ]
    dscr_range = column_range("dscr")
    summary: list[tuple[str, str, str, str]] = [
        ("Min DSCR", "cf_min_dscr", f'IF(COUNT({dscr_range})=0,"",MIN({dscr_range}))', c.COVERAGE),
        (
            "Average DSCR",
            "cf_avg_dscr",
            f'IF(COUNT({dscr_range})=0,"",AVERAGE({dscr_range}))',
            c.COVERAGE,
        ),
        (
            "LLCR",
            "cf_llcr",
            f'IF(cf_loan>0,NPV(cf_rate,{column_range("cfads")})/cf_loan,"")',
            c.COVERAGE,
        ),
        (
            "First lock-up breach (period)",
            "cf_first_lockup",
            f'IF(COUNT({column_range("lockup_breach")})=0,"none",MIN({column_range("lockup_breach")}))',
            "0",
        ),
        (
            "First default breach (period)",
            "cf_first_default",
            f'IF(COUNT({column_range("default_breach")})=0,"none",'
            f"MIN({column_range('default_breach')}))",
            "0",
        ),
        (
            "Schedule check",
            "cf_check",
            f'IF(cf_periods={n},"OK: {n} periods","Tenor or frequency changed: regenerate the memo '
            f'(this sheet has {n} rows)")',
            c.GENERAL,
        ),
    ]
    c.put_text(ws, "A3", "Derived inputs", c.BOLD)
    c.put_text(ws, "F3", "Coverage", c.BOLD)
    for offset, (label, name, formula, fmt) in enumerate(derived):
        row = 4 + offset
        ws.merge_cells(f"A{row}:C{row}")
        c.put_text(ws, f"A{row}", label)
        c.put_formula(ws, f"D{row}", formula, fmt).border = c.BOX
        _name(wb, name, CASH_FLOW, f"$D${row}")
    for offset, (label, name, formula, fmt) in enumerate(summary):
        row = 4 + offset
        _name(wb, name, CASH_FLOW, f"$I${row}")
        ws.merge_cells(f"F{row}:H{row}")
        c.put_text(ws, f"F{row}", label)
        cell = c.put_formula(ws, f"I{row}", formula, fmt)
        cell.border = c.BOX
        cell.font = c.BOLD
        if label == "Schedule check":
            cell.font = c.NOTE_FONT
    c.header_row(ws, HEADER_ROW, [col.header for col in columns])
    ws.row_dimensions[HEADER_ROW].height = 48
    for k in range(1, n + 1):
        row = first + k - 1
        refs = {col.key: f"{letter[col.key]}{row}" for col in columns}
        refs["balance@prev"] = f"{letter['balance']}{row - 1}" if k > 1 else "cf_loan"
        for col in columns:
            ref = refs[col.key]
            if col.key == "period":
                c.put(ws, ref, k, col.fmt)
            else:
                c.put_formula(ws, ref, _expand(col.formula, refs), col.fmt)
            if k % 2 == 0:
                ws[ref].fill = c.BAND_FILL
    total_row = last + 1
    c.put_text(ws, f"A{total_row}", "Total", c.BOLD)
    for key in TOTALLED:
        ref = f"{letter[key]}{total_row}"
        cell = c.put_formula(ws, ref, f"SUM({column_range(key)})", c.USD)
        cell.font = c.BOLD
        cell.border = c.BOX
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[_letter(i)].width = col.width
    ws.freeze_panes = f"B{first}"
    c.print_setup(ws, deal.name, f"{HEADER_ROW}:{HEADER_ROW}")
    return ws


def cash_flow_ranges(deal: Deal) -> dict[str, Any]:
    """Sheet-qualified ranges of the period table's columns, for charts and links."""
    columns = period_columns(deal)
    first, last = FIRST_ROW, FIRST_ROW + deal.periods - 1
    return {col.key: (_letter(i), first, last) for i, col in enumerate(columns, start=1)}
