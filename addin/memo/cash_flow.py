"""The live Cash flow sheet: the period schedule in native Excel formulas.

The sheet is native Excel formulas on the Inputs sheet's named ranges, the
same conventions as :mod:`addin.analytics.dscr`, so an analyst who edits an input sees the whole
schedule, the DSCRs and the LLCR recalculate without the add-in. Only functions that
Excel 2016 and LibreOffice 7 both compute are used (IF, OR, MAX, MIN, AVERAGE, COUNT, ABS,
ROUND, INT, ISNUMBER, LN, EXP, PMT, SUMPRODUCT, EDATE, SUM); no LET, XLOOKUP, SEQUENCE or
dynamic arrays. Each row is one period; the row count is the deal's number of periods when
generated.

Rates follow :func:`addin.analytics.debt.period_rates`: each period's rate is the all-in
rate (base_rate + margin for a floating deal, else interest_rate) plus rate_shock in the
periods starting at or after rate_shock_year, per period. An annuity's payment is
-PMT(the period's rate, the periods left, the opening balance, -balloon) in every period:
at a constant rate that is the level payment of the whole term, and on a rate change it is
the engine's re-amortisation of the balance over the remaining term. A sculpted loan and
the LLCR discount at the period rates (a discount-factor column), as the engine does.
What the engine alone computes (the waterfall, its events, collateral) is listed on the
sheet (:data:`ENGINE_ONLY`).
"""

from __future__ import annotations

import dataclasses

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.io import xlsx as c
from addin.memo.layout import define_name
from addin.model.deal import Deal

CASH_FLOW = "Cash flow"
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


# The period's average market rent in closed form (see addin.analytics.cashflow.period_rent):
# the rent is unfloored from the period's start a to c = min(max(cf_floor_from, a), b), b its
# end, then at the floor; with L = ln(1 - d), average = p x (r0 (1-d)^a (e^((c-a) L) - 1) / L
# + floor x (b - c)), and r0 (c - a) in place of the first term when d = 0.
_CLIP = "MIN(MAX(cf_floor_from,{year}),{period}/periods_per_year)"
_PERIOD_RENT = (
    "periods_per_year*(IF(annual_decline=0,market_rate*(CLIP-{year}),"
    "market_rate*(1-annual_decline)^{year}*(EXP((CLIP-{year})*LN(1-annual_decline))-1)"
    "/LN(1-annual_decline))+rent_floor*({period}/periods_per_year-CLIP))"
).replace("CLIP", _CLIP)

PERIOD_COLUMNS: tuple[Column, ...] = (
    Column("period", "Period", "0", 8, ""),
    Column("date", "Payment date", c.DATE, 11, "EDATE(start_date,{period}*12/periods_per_year)"),
    Column("year", "Year (start)", c.YEARS, 8, "({period}-1)/periods_per_year"),
    Column("market_rate", "Market rent USD/GPU-h (period average)", c.RENT, 11, _PERIOD_RENT),
    Column(
        "contract_share",
        "Share of hours under contract",
        c.PERCENT,
        11,
        "MIN(1,MAX(0,contract_years*periods_per_year-({period}-1)))",
    ),
    Column(
        "contracted_gpus",
        "GPUs under contract (hour-weighted)",
        c.COUNT,
        10,
        "gpus*contracted_share*{contract_share}",
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
        "+(gpus-gpus*contracted_share+(gpus*contracted_share-{contracted_gpus})*cf_relet)"
        "*utilization*{market_rate}*cf_hours",
    ),
    Column(
        "power_cost",
        "Power USD",
        c.USD,
        12,
        "gpus*kw_per_gpu*pue*cf_hours*power_price"
        "*({billed_share}+idle_power_share*(1-{billed_share}))",
    ),
    Column(
        "opex",
        "Other opex USD",
        c.USD,
        12,
        "gpus*opex_per_gpu_year/periods_per_year*(1+opex_escalation)^INT(({period}-1)/periods_per_year)",
    ),
    Column(
        "colocation",
        "Colocation USD",
        c.USD,
        12,
        "gpus*kw_per_gpu*colocation_per_kw_month*12/periods_per_year",
    ),
    Column("cfads", "CFADS USD", c.USD, 13, "{revenue}-{power_cost}-{opex}-{colocation}"),
    # the period again, first on the printed page of the debt columns (see SPLIT_AFTER)
    Column("period_again", "Period", "0", 8, "{period}"),
    Column(
        "sculpted", "Sculpted DS USD (CFADS+ / target)", c.USD, 13, "MAX({cfads},0)/target_dscr"
    ),
    Column("opening", "Opening balance USD", c.USD, 14, "{balance@prev}"),
    Column(
        "rate",
        "Interest rate of the period",
        "0.0000%",
        10,
        "cf_rate+IF({year}>=rate_shock_year-1E-9,rate_shock,0)/periods_per_year",
    ),
    Column(
        "discount",
        "Discount factor (period rates)",
        "0.000000",
        10,
        "{discount@prev}/(1+{rate})",
    ),
    Column("interest", "Interest USD", c.USD, 12, "{opening}*{rate}"),
    Column(
        "principal",
        "Principal USD",
        c.USD,
        13,
        'IF(amortization="linear",cf_loan*(1-balloon)/cf_periods'
        "+IF({period}=cf_periods,cf_balloon,0),"
        'IF(amortization="bullet",IF({period}=cf_periods,cf_loan,0),'
        'IF(amortization="annuity",-PMT({rate},cf_periods-{period}+1,{opening},-cf_balloon)'
        "+IF({period}=cf_periods,cf_balloon,0),"
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
# What this sheet does not recompute, said on the sheet (issue 12: the waterfall and the
# collateral are the engine's alone).
ENGINE_ONLY = (
    "Not recomputed on this sheet (the engine's, as generated; with the add-in "
    "=DSCR_TABLE(Deal) and =DSCR_COVENANTS(Deal) give them live): the waterfall (DSRA, cash "
    "sweep, lock-up account, distributions, arrears), the covenant DSCR on covenant_basis at "
    "its test dates and the events (payment default, covenant default, LTV breach and "
    "default), min LLCR, PLCR, the contract-expiry cliff and every collateral value. With "
    "sweep_share > 0 or a max_ltv, the engine's debt service, DSCR and balance include "
    "prepayments; the columns here are the contractual schedule before them. The breach "
    "columns test each period's own DSCR. kw_per_gpu holds gpu_model's catalog kW as "
    "resolved when the memo was made: changing gpu_model on the Inputs sheet does not "
    "change it."
)
# Printed in two parts across (operations to CFADS, then the debt), each at a readable size;
# the engine-only note spans the debt part's columns, rows 4-12, so it is not split.
SPLIT_AFTER = "cfads"
TOTALLED = (
    "revenue",
    "power_cost",
    "opex",
    "colocation",
    "cfads",
    "interest",
    "principal",
    "debt_service",
)


def period_columns(deal: Deal) -> list[Column]:
    """The period table's columns for a deal (no date column without a start date).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> [col.key for col in period_columns(deal)][:3]
    ['period', 'year', 'market_rate']
    """
    return [col for col in PERIOD_COLUMNS if col.key != "date" or deal.start_date is not None]


def _letter(index: int) -> str:
    return str(get_column_letter(index))


def _expand(template: str, refs: dict[str, str]) -> str:
    out = template
    for key, ref in refs.items():
        out = out.replace("{" + key + "}", ref)
    return out


def write_cash_flow(wb: Workbook, deal: Deal) -> Worksheet:
    """The live schedule: derived inputs, summary formulas and one row per period.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> write_cash_flow(Workbook(), deal)["I4"].value  # the live min DSCR
    '=IF(COUNT($U$14:$U$49)=0,"",MIN($U$14:$U$49))'
    """
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
    discounts = column_range("discount")
    first_rate = f"${letter['rate']}${first}"
    derived: list[tuple[str, str, str, str]] = [
        ("Hours per period", "cf_hours", "8760/periods_per_year", "#,##0.0"),
        ("Periods", "cf_periods", "ROUND(tenor_years*periods_per_year,0)", "0"),
        (
            "Rate per period before shock",
            "cf_rate",
            "IF(ISNUMBER(base_rate),base_rate+margin,interest_rate)/periods_per_year",
            "0.0000%",
        ),
        (
            "Contract rent USD/GPU-h",
            "cf_contract_rate",
            "IF(ISNUMBER(contract_rate),contract_rate,market_rate)",
            c.RENT,
        ),
        (
            "Re-let share of market rent",
            "cf_relet",
            "IF(ISNUMBER(recontract_rate),recontract_rate,1)",
            c.PERCENT,
        ),
        (
            "Rent floor binds from (years)",
            "cf_floor_from",
            "IF(rent_floor>=market_rate,0,IF(OR(rent_floor<=0,annual_decline=0),tenor_years,"
            "MIN(tenor_years,LN(rent_floor/market_rate)/LN(1-annual_decline))))",
            c.YEARS,
        ),
        (
            "Loan amount USD",
            "cf_loan",
            f'IF(amortization="sculpted",SUMPRODUCT({column_range("sculpted")},{discounts}),'
            "loan_amount)",
            c.USD,
        ),
        ("Balloon USD", "cf_balloon", "balloon*cf_loan", c.USD),
        (
            "Annuity payment USD, period 1",
            "cf_payment",
            f'IF(amortization="annuity",-PMT({first_rate},cf_periods,cf_loan,-cf_balloon),"n/a")',
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
            f'IF(cf_loan>0,SUMPRODUCT({column_range("cfads")},{discounts})/cf_loan,"")',
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
    split = [col.key for col in columns].index(SPLIT_AFTER) + 1
    note, end = _letter(split + 1), _letter(len(columns))
    c.put_text(ws, f"{note}3", "Engine-only figures", c.BOLD)
    ws.merge_cells(f"{note}4:{end}{HEADER_ROW - 1}")
    c.put_text(ws, f"{note}4", ENGINE_ONLY, c.NOTE_FONT).alignment = c.WRAP
    for offset, (label, name, formula, fmt) in enumerate(derived):
        row = 4 + offset
        ws.merge_cells(f"A{row}:C{row}")
        c.put_text(ws, f"A{row}", label)
        c.put_formula(ws, f"D{row}", formula, fmt).border = c.BOX
        define_name(wb, name, CASH_FLOW, f"$D${row}")
    for offset, (label, name, formula, fmt) in enumerate(summary):
        row = 4 + offset
        define_name(wb, name, CASH_FLOW, f"$I${row}")
        ws.merge_cells(f"F{row}:H{row}")
        c.put_text(ws, f"F{row}", label)
        cell = c.put_formula(ws, f"I{row}", formula, fmt)
        cell.border = c.BOX
        cell.font = c.BOLD
        if label == "Schedule check":
            cell.font = c.NOTE_FONT
    c.header_row(ws, HEADER_ROW, [col.header for col in columns])
    ws.row_dimensions[HEADER_ROW].height = 64
    for k in range(1, n + 1):
        row = first + k - 1
        refs = {col.key: f"{letter[col.key]}{row}" for col in columns}
        refs["balance@prev"] = f"{letter['balance']}{row - 1}" if k > 1 else "cf_loan"
        refs["discount@prev"] = f"{letter['discount']}{row - 1}" if k > 1 else "1"
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
    c.print_setup(ws, deal.name, f"{HEADER_ROW}:{HEADER_ROW}", split_after=[_letter(split)])
    return ws


def cash_flow_ranges(deal: Deal) -> dict[str, tuple[str, int, int]]:
    """Where each column of the period table is: ``{key: (letter, first row, last row)}``.

    For charts and links to the Cash flow sheet.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2.0, "loan_amount": 1e5,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> cash_flow_ranges(deal)["dscr"]  # no start date: no date column
    ('U', 14, 49)
    """
    columns = period_columns(deal)
    first, last = FIRST_ROW, FIRST_ROW + deal.periods - 1
    return {col.key: (_letter(i), first, last) for i, col in enumerate(columns, start=1)}
