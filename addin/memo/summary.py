"""The Summary sheet: one verdict, then facility, key metrics, flags and the analyst's boxes.

Every figure is either **live** or **visibly stale**:

* a figure the workbook can compute (DSCRs, LLCRs, breaches, book LTVs, the checks) is a
  formula on the calculation sheets (the Cash flow sheet's names ``cf_*``, the Charts
  sheet's ``live_*``), marked "live" in the Source column;
* a figure only the engine computes (the verdict, the simulation, fire sales, breakevens,
  the waterfall's events) is a value marked "engine". Beside the sheet, a stale check
  compares every Inputs value with the value it had at generation (:func:`inputs_at`);
  when one changes, a red banner on the first rows names the inputs changed, says which
  figures are stale and gives the command that refreshes them, and the engine figures
  are shaded.

The verdict's rules are in :mod:`addin.memo.flags`.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from dataclasses import dataclass
from typing import Any

from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.analytics.debt import period_dates
from addin.io import xlsx as c
from addin.memo.cash_flow import CASH_FLOW, cash_flow_ranges
from addin.memo.flags import DEFAULT_FLAG, NO_DEFAULT, Flag, breakeven_text, period_label
from addin.memo.layout import define_name
from addin.memo.results import MemoData
from addin.model.deal import KEY_SPECS, Deal

SUMMARY = "Summary"
MIDDLE = Alignment(vertical="center")
RIGHT = Alignment(horizontal="right", vertical="center")
WRAP_RIGHT = Alignment(horizontal="right", vertical="center", wrap_text=True)
#: Placeholder of the Checks sheet's master check (TRUE when every check holds) until
#: :mod:`addin.memo.checks` provides ``MASTER_CELL``; see :func:`master_check_cell`.
MASTER_CHECK_PLACEHOLDER = "'Checks'!$C$3"
STALE_NAME, STALE_KEYS = "memo_stale_count", "memo_stale_keys"
STALE_COLUMN = 10  # the stale check's table starts in column J (outside the print area)
STALE_FILL = PatternFill("solid", fgColor="F4CCCC")
BANNER_FILL = PatternFill("solid", fgColor="C00000")
BANNER_FONT = Font(color="FFFFFF", bold=True)
EXAMPLE_SOURCE = "example_deal.toml"  # the built-in example deal's file name
PERIOD_FORMAT = '"period "0'


@dataclass(frozen=True)
class Live:
    """A cell formula computed by the workbook (without the leading "=")."""

    formula: str


@dataclass(frozen=True)
class Row:
    """One key-metric row: deflated and flat values, a date, live or engine, a note."""

    label: str
    deflated: Any
    flat: Any = None
    date: Any = None
    live: bool = False
    fmt: str = c.GENERAL
    note: str = ""
    key: str = ""  # the metric a flag grades (Flag.key)


def master_check_cell() -> str | None:
    """The Checks sheet's master check address, None when this build has no Checks sheet.

    Examples
    --------
    >>> master_check_cell() in (None, MASTER_CHECK_PLACEHOLDER) or "!" in master_check_cell()
    True
    """
    if importlib.util.find_spec("addin.memo.checks") is None:
        return None
    module = importlib.import_module("addin.memo.checks")
    return str(getattr(module, "MASTER_CELL", MASTER_CHECK_PLACEHOLDER))


def refresh_command(source: str) -> str:
    """The command that regenerates a memo from its deal file.

    Examples
    --------
    >>> refresh_command("deals/neocloud_h100.toml"), refresh_command("a Python deal")
    ('gpucredit memo deals/neocloud_h100.toml --force', 'gpucredit memo <deal file> --force')
    """
    if source == EXAMPLE_SOURCE:
        return "gpucredit memo --example --force"
    if source.lower().endswith((".toml", ".xlsx")):
        return f"gpucredit memo {source} --force"
    return "gpucredit memo <deal file> --force"


def inputs_at(deal: Deal) -> dict[str, Any]:
    """Each deal key's value as the Inputs sheet holds it at generation.

    A floating deal's ``interest_rate`` is derived (``base_rate + margin``) and left empty.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2.0, "loan_amount": 1e5,
    ...                   "base_rate": 0.04, "margin": 0.05, "tenor_years": 3})
    >>> inputs_at(deal)["interest_rate"], inputs_at(deal)["gpus"]
    (None, 10)
    """
    values = {key: None if value == "" else value for key, value in deal.to_dict().items()}
    if deal.base_rate is not None:  # an empty text (no offtaker, say) is an empty cell
        values["interest_rate"] = None
    return values


def _lookup(key: str) -> tuple[str, str]:
    """The Inputs value of a key by its name in the Deal range: (found, value) formulas."""
    match = f'MATCH("{key}",INDEX(Deal,0,1),0)'
    return f"ISNUMBER({match})", f"INDEX(Deal,{match},2)"


def write_stale_check(ws: Worksheet, wb: Workbook, deal: Deal, top: int) -> None:
    """The table that tells whether an input changed since generation (columns J:N).

    One row per deal key: its value at generation, its value now (looked up by key in the
    named range ``Deal``, so the check follows the Inputs sheet wherever its rows are),
    and 1 when they differ (an emptied or a filled cell counts). Names:
    ``memo_stale_count`` (how many changed) and ``memo_stale_keys`` (which).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2.0, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 3})
    >>> wb = Workbook()
    >>> write_stale_check(wb.active, wb, deal, 4)
    >>> wb.active["J6"].value, wb.active["K6"].value
    ('name', 'D')
    """
    col = STALE_COLUMN
    letters = [ws.cell(row=1, column=col + j).column_letter for j in range(5)]
    key_col, then_col, now_col, changed_col, list_col = letters
    c.put_text(ws, f"{key_col}{top}", "Stale check: the inputs at generation", c.BOLD)
    c.header_row(ws, top + 1, ["Key", "At generation", "Now", "Changed", "Changed keys"], col)
    values = inputs_at(deal)
    first = top + 2
    for offset, key in enumerate(KEY_SPECS):
        row = first + offset
        c.put_text(ws, f"{key_col}{row}", key)
        c.put(ws, f"{then_col}{row}", values[key])
        found, now = _lookup(key)
        c.put_formula(
            ws, f"{now_col}{row}", f'IF({found},IF(ISBLANK({now}),"",{now}),"(not on Inputs)")'
        )
        then = f"{then_col}{row}"
        c.put_formula(
            ws,
            f"{changed_col}{row}",
            f"IF({found},IF(AND(ISBLANK({now})=ISBLANK({then}),{now}={then}),0,1),1)",
            "0",
        )
        previous = f"{list_col}{row - 1}&" if offset else ""
        c.put_formula(
            ws,
            f"{list_col}{row}",
            f'{previous}IF({changed_col}{row}=1,{key_col}{row}&" ","")',
        )
    last = first + len(KEY_SPECS) - 1
    define_name(wb, STALE_NAME, SUMMARY, f"${changed_col}${last + 1}")
    c.put_text(ws, f"{then_col}{last + 1}", "Changed", c.BOLD)
    c.put_formula(ws, f"{changed_col}{last + 1}", f"SUM({changed_col}{first}:{changed_col}{last})")
    define_name(wb, STALE_KEYS, SUMMARY, f"${list_col}${last}")
    c.widths(ws, {key_col: 22, then_col: 16, now_col: 16, changed_col: 9, list_col: 20})


def _shown(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def _put_value(ws: Worksheet, ref: str, value: Any, fmt: str) -> None:
    if isinstance(value, Live):
        c.put_formula(ws, ref, value.formula, fmt)
    else:
        c.put(ws, ref, _shown(value), fmt)
    ws[ref].alignment = WRAP_RIGHT if isinstance(value, str) else RIGHT


def _breakeven(value: float | None) -> Any:
    """A breakeven decline as a number, or the words of "none" and the search cap."""
    text = breakeven_text(value)
    return value if value is not None and text.endswith("%") else text


def _event(period: int | None, dates: list[Any] | None) -> tuple[Any, Any]:
    """(period or "none", its payment date or None)."""
    if period is None:
        return NO_DEFAULT, None
    return period, (dates[period - 1] if dates else None)


def key_metrics(data: MemoData) -> list[Row]:
    """The Summary's key-metric rows: live formulas where the workbook computes them.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.memo.results import analyse
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> row = key_metrics(analyse(deal))[0]
    >>> row.label, row.deflated, row.live
    ('Min DSCR', Live(formula='cf_min_dscr'), True)
    """
    deal, s = data.deal, data.summary
    ranges = cash_flow_ranges(deal)
    has_dates = "date" in ranges
    dates_range = (
        f"'{CASH_FLOW}'!${ranges['date'][0]}${ranges['date'][1]}:${ranges['date'][0]}"
        f"${ranges['date'][2]}"
        if has_dates
        else ""
    )
    dates = period_dates(deal)
    live = not data.prepays  # a sweep or an LTV cure prepays: only the engine has it

    def breach(name: str, engine: int | None, engine_date: Any) -> tuple[Any, Any]:
        if not live:
            return (engine if engine is not None else NO_DEFAULT), engine_date
        date = Live(f'IF(ISNUMBER({name}),INDEX({dates_range},{name}),"")') if has_dates else None
        return Live(name), date

    lockup, lockup_date = breach("cf_first_lockup", s.first_lockup_breach, s.first_lockup_date)
    default, default_date = breach("cf_first_default", s.first_default_breach, s.first_default_date)
    prepaid = " (with prepayments)" if not live else ""
    rows = [
        Row(
            "Min DSCR",
            Live("cf_min_dscr") if live else s.min_dscr,
            Live("live_flat_min_dscr") if live else s.flat_min_dscr,
            live=live,
            fmt=c.COVERAGE,
            note="lowest CFADS / debt service" + prepaid,
            key="min_dscr",
        ),
        Row(
            "Average DSCR",
            Live("cf_avg_dscr") if live else s.avg_dscr,
            Live("live_flat_avg_dscr") if live else s.flat_avg_dscr,
            live=live,
            fmt=c.COVERAGE,
            note="periods with debt service" + prepaid,
        ),
        Row(
            "LLCR at close",
            Live("cf_llcr"),
            Live("live_flat_llcr"),
            live=True,
            fmt=c.COVERAGE,
            note="PV of CFADS at the loan's rates / loan",
        ),
        Row(
            "Min LLCR (loan life)",
            Live("live_min_llcr") if live else s.min_llcr,
            live=live,
            fmt=c.COVERAGE,
            note="lowest PV of CFADS left / opening balance" + prepaid,
            key="min_llcr",
        ),
        Row(
            "PLCR",
            s.plcr,
            fmt=c.COVERAGE,
            note="PV of CFADS over the GPUs' useful life / loan",
        ),
        Row(
            "Breakeven decline (1.00x)",
            _breakeven(s.breakeven_decline),
            fmt=c.PERCENT,
            note=f"largest decline keeping min DSCR >= 1.00x (deal: {deal.annual_decline:.0%})",
        ),
        Row(
            f"Breakeven decline ({deal.lockup_dscr:.2f}x lock-up)",
            _breakeven(data.lockup_breakeven),
            fmt=c.PERCENT,
            note=f"largest decline keeping min DSCR >= {deal.lockup_dscr:.2f}x",
        ),
        Row(
            "First period below lock-up",
            lockup,
            date=lockup_date,
            live=live,
            fmt=PERIOD_FORMAT,
            note=f"first period with DSCR below {deal.lockup_dscr:.2f}x" + prepaid,
        ),
        Row(
            "First period below default level",
            default,
            date=default_date,
            live=live,
            fmt=PERIOD_FORMAT,
            note=f"first period with DSCR below {deal.default_dscr:.2f}x" + prepaid,
        ),
    ]
    base = data.base.events
    for event, words in (
        ("payment default", "debt service unpaid after DSRA and trapped cash"),
        ("covenant default", f"covenant DSCR ({deal.covenant_basis}) < {deal.default_dscr:.2f}x"),
        ("LTV breach", "balance / market value > max_ltv at a test"),
    ):
        period, date = _event(base[event], dates)
        rows.append(
            Row(
                f"Projected {event} (base case)",
                period,
                date=date,
                fmt=PERIOD_FORMAT,
                note=words,
            )
        )
    if s.contract_expiry_cliff is not None:
        rows.append(
            Row(
                "Contract-expiry cliff",
                s.contract_expiry_cliff,
                fmt=c.USD,
                note="CFADS step at contract expiry, USD a period",
            )
        )
    rows += collateral_rows(data)
    return rows


def _book_value(age: str, cost: float) -> str:
    """The fleet's book value at an age (formula): gpus x cost x straight line to salvage."""
    unit = f"IF(ISNUMBER(unit_cost),unit_cost,{cost!r})"
    return f"gpus*{unit}*(1-(1-salvage_value)*MIN({age},useful_life_years)/useful_life_years)"


def collateral_rows(data: MemoData) -> list[Row]:
    """Key-metric rows of the collateral: book LTVs live, fire-sale LTVs and mismatch.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.memo.results import analyse
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> [row.label for row in collateral_rows(analyse(deal))][2]
    'Liquidation values'
    """
    deal, col = data.deal, data.collateral
    ranges = cash_flow_ranges(deal)
    letter, _, last = ranges["opening"]
    opening_last = f"'{CASH_FLOW}'!${letter}${last}"
    close = _book_value("gpu_age_years", col.unit_cost)
    maturity = _book_value("gpu_age_years+cf_periods/periods_per_year", col.unit_cost)
    rows = [
        Row(
            "LTV at close (book)",
            Live(f'IF({close}>0,cf_loan/({close}),"fully depreciated")'),
            live=True,
            fmt=c.PERCENT,
            note="loan / fleet book value",
        ),
        Row(
            "LTV at maturity (book)",
            Live(f'IF({maturity}>0,{opening_last}/({maturity}),"fully depreciated")'),
            live=True,
            fmt=c.PERCENT,
            note="last period's balance / book value then",
            key="ltv_maturity_book",
        ),
    ]
    sale = col.liquidation
    if sale is None:
        rows.append(
            Row("Liquidation values", "not computed", note="set market_absorption to value them")
        )
    else:
        rows += [
            Row(
                "LTV at close (liquidation)",
                sale.ltv_close,
                fmt=c.PERCENT,
                note="loan / fire-sale value of the fleet",
            ),
            Row(
                "LTV at maturity (liquidation)",
                sale.ltv_maturity,
                fmt=c.PERCENT,
                note="last period's balance / fire-sale value then",
            ),
            Row(
                "Underwater from",
                period_label(sale.underwater),
                note="first period balance > fire-sale value",
            ),
        ]
    m = col.mismatch
    rows.append(
        Row(
            "Duration mismatch (WAL / half-life)",
            m.wal_to_half_life,
            fmt=c.COVERAGE,
            note=f"WAL {m.wal_years:.2f} y / market-value half-life {m.half_life_years:.2f} y",
        )
    )
    return rows


def _grade_formula(ref: str, flag: Flag) -> str:
    """The status formula of a live flag: :func:`addin.memo.flags.grade`'s rule."""
    op = ">=" if flag.higher_is_better else "<="
    return (
        f'IF(ISNUMBER({ref}),IF({ref}{op}{flag.green!r},"GREEN",IF({ref}{op}{flag.amber!r},'
        '"AMBER","RED")),"RED")'
    )


class _Marks:
    """The engine cells of the sheet, shaded together when an input changes."""

    def __init__(self) -> None:
        self.cells: list[str] = []

    def add(self, *refs: str) -> None:
        self.cells.extend(refs)


def _write_verdict(ws: Worksheet, data: MemoData, top: int, marks: _Marks) -> int:
    """The verdict block: decision, derived numbers, pricing, three reasons; next row."""
    v, risk, pricing = data.verdict, data.risk, data.pricing
    c.put_text(ws, f"A{top}", "Verdict", Font(bold=True, size=13)).alignment = MIDDLE
    ws.merge_cells(f"B{top}:D{top}")
    cell = c.put_text(ws, f"B{top}", v.decision, Font(bold=True, size=13))
    cell.fill = c.STATUS_FILL[v.status]
    cell.font = Font(bold=True, size=13, color=c.STATUS_FONT[v.status].color)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"E{top}:H{top}")
    c.put_text(ws, f"E{top}", f"because {v.rule}", c.NOTE_FONT).alignment = c.WRAP
    marks.add(f"B{top}", f"E{top}")
    ws.row_dimensions[top].height = 30
    head = top + 1
    labels = [
        "Rating",
        f"Lifetime PD ({data.deal.periods / data.deal.periods_per_year:g} y)",
        "PD standard error",
        "LGD",
        "EL USD",
        "EL / loan",
        "Fair margin",
        "Actual margin",
    ]
    c.header_row(ws, head, labels)
    values: list[tuple[Any, str]]
    if risk is not None and pricing is not None:
        values = [
            (risk.rating, c.GENERAL),
            (risk.lifetime_pd, "0.0%"),
            (risk.lifetime_pd_se, "0.00%"),
            (risk.lgd_mean, "0.0%"),
            (risk.expected_loss, c.USD),
            (risk.expected_loss_share, "0.00%"),
            (pricing.fair if math.isfinite(pricing.fair) else "> 64%", "0.00%"),
            (pricing.actual, "0.00%"),
        ]
    else:
        values = [("not simulated", c.GENERAL)] + [(None, c.GENERAL)] * 7
    for j, (value, fmt) in enumerate(values):
        ref = ws.cell(row=head + 1, column=1 + j).coordinate
        c.put(ws, ref, _shown(value), fmt)
        ws[ref].alignment = Alignment(horizontal="center")
        ws[ref].border = c.BOX
        marks.add(ref)
    row = head + 2
    ws.merge_cells(f"A{row}:H{row}")
    sentence = pricing_sentence(data)
    c.put_text(ws, f"A{row}", sentence, c.BOLD).alignment = c.WRAP
    ws.row_dimensions[row].height = _height(sentence, LINE_BOLD)
    marks.add(f"A{row}")
    row += 1
    for number, reason in enumerate(v.reasons, start=1):
        ws.merge_cells(f"A{row}:H{row}")
        text = f"{number}. {reason}"
        c.put_text(ws, f"A{row}", text).alignment = c.WRAP
        ws.row_dimensions[row].height = _height(text, LINE_PLAIN)
        marks.add(f"A{row}")
        row += 1
    return row


# Characters of a line across A:H (the print width), kept short of what fits so that a
# proportional or bold font does not run over: the row is given one line's height per line.
LINE_BOLD, LINE_PLAIN = 110, 140


def _height(text: str, per_line: int) -> float:
    """Row height (points) for a wrapped text across A:H."""
    return 15.0 * max(1, math.ceil(len(text) / per_line))


def pricing_sentence(data: MemoData) -> str:
    """The pricing in words: the simulated PD, LGD, EL, and the margin against the fair one.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.memo.results import analyse
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> pricing_sentence(analyse(deal))
    'Not simulated: set market_absorption to derive the PD, LGD, EL and fair margin.'
    """
    risk, pricing = data.risk, data.pricing
    if risk is None or pricing is None:
        return "Not simulated: set market_absorption to derive the PD, LGD, EL and fair margin."
    lgd = "no path defaults" if math.isnan(risk.lgd_mean) else f"LGD {risk.lgd_mean:.1%}"
    head = (
        f"{risk.rating}: lifetime PD {risk.lifetime_pd:.1%} over "
        f"{risk.horizon_years:g} years, {lgd}, EL USD {risk.expected_loss:,.0f} "
        f"({risk.expected_loss_share:.2%} of the loan); "
    )
    if not math.isfinite(pricing.fair):
        return head + "no margin up to 64% pays for the expected loss."
    gap = pricing.shortfall_bps
    words = f"underpriced by {gap:.0f} bp" if gap > 0 else f"priced above the risk by {-gap:.0f} bp"
    return head + f"fair margin {pricing.fair:.2%} against {pricing.actual:.2%}: {words}."


def write_summary(wb: Workbook, data: MemoData, source: str) -> Worksheet:
    """The verdict, facility, key metrics, flags and the analyst's boxes (module notes).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> from addin.memo.results import analyse
    >>> ws = write_summary(Workbook(), analyse(deal), "a Python deal")
    >>> ws["A1"].value, ws["B4"].value
    ('Credit memo: D', 'DECLINE as structured')
    """
    ws = wb.active
    ws.title = SUMMARY
    deal = data.deal
    marks = _Marks()
    c.title(
        ws,
        f"Credit memo: {deal.name}",
        f"GPU Credit Desk {data.version}, generated {data.generated:%Y-%m-%d %H:%M} from "
        f"{source}. 'live': recomputed from the Inputs; 'engine': as generated.",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    ws.merge_cells("A3:H3")
    banner = (
        f'IF({STALE_NAME}=0,"","INPUTS CHANGED SINCE GENERATION ("&TRIM({STALE_KEYS})&"): the '
        "verdict, rating, PD, LGD, EL, pricing, breakevens, base-case events, fire-sale LTVs "
        "and every figure marked engine are stale (shaded); live figures are recomputed. "
        f'Refresh: {refresh_command(source)}")'
    )
    c.put_formula(ws, "A3", banner).alignment = c.WRAP
    ws.conditional_formatting.add(
        "A3:H3", FormulaRule(formula=[f"{STALE_NAME}>0"], fill=BANNER_FILL, font=BANNER_FONT)
    )
    row = _write_verdict(ws, data, 4, marks)
    master = master_check_cell()
    if master is not None:
        c.put_text(ws, f"A{row}", "Checks", c.BOLD)
        ws.merge_cells(f"B{row}:H{row}")
        c.put_formula(
            ws,
            f"B{row}",
            f'IF({master},"All checks pass (Checks sheet)","A CHECK FAILS: see the Checks sheet")',
        ).font = c.BOLD
        row += 1
    row = _facility(ws, data, row + 1)
    metric_cells, row = _metrics(ws, data, row, marks)
    row = _flags(ws, data, row, metric_cells, marks)
    boxes = []
    for label in ("Recommendation", "Key risks", "Mitigants"):
        top, row = row, _box(ws, row, label)
        boxes.append((top, row - 2))
    last = row - 2
    write_stale_check(ws, wb, deal, 4)
    if marks.cells:
        ws.conditional_formatting.add(
            " ".join(marks.cells), FormulaRule(formula=[f"{STALE_NAME}>0"], fill=STALE_FILL)
        )
    c.widths(ws, {"A": 34, "B": 20, "C": 15, "D": 12, "E": 10, "F": 16, "G": 16, "H": 16})
    ws.print_area = f"A1:H{last}"  # first: the print settings fit this area's width
    c.print_setup(ws, deal.name, keep_together=boxes)
    return ws


def _facility(ws: Worksheet, data: MemoData, top: int) -> int:
    deal = data.deal
    unit_cost = data.collateral.unit_cost
    facility: list[tuple[str, Any, str | None]] = [
        ("Borrower", deal.borrower or "(not given)", None),
        ("Borrower type", deal.borrower_type, None),
        (
            "Facility",
            f"{deal.amortization} loan" + (f", {deal.balloon:.0%} balloon" if deal.balloon else ""),
            None,
        ),
        ("Amount USD", Live("cf_loan"), c.USD),
        (
            "Tenor",
            f"{deal.tenor_years:g} years, {deal.periods} periods ({deal.periods_per_year} a year)",
            None,
        ),
        ("All-in rate", Live("IF(ISNUMBER(base_rate),base_rate+margin,interest_rate)"), "0.00%"),
        ("Start date", deal.start_date if deal.start_date else "(periods numbered only)", c.DATE),
        (
            "Collateral",
            f"{deal.gpus:,} x {deal.gpu_model}, {deal.gpu_age_years:g} years old"
            + (f", {unit_cost:,.0f} USD each" if unit_cost else ""),
            None,
        ),
    ]
    c.put_text(ws, f"A{top}", "Facility", c.BOLD)
    for offset, (label, value, fmt) in enumerate(facility):
        row = top + 1 + offset
        c.put_text(ws, f"A{row}", label)
        ws.merge_cells(f"B{row}:D{row}")
        _put_value(ws, f"B{row}", value, fmt or c.GENERAL)
        ws[f"B{row}"].alignment = Alignment(horizontal="left")
    return top + len(facility) + 2


def _metrics(ws: Worksheet, data: MemoData, top: int, marks: _Marks) -> tuple[dict[str, str], int]:
    """The key-metric table; returns the cell of each live metric a flag grades (by key)
    and the next free row."""
    deal = data.deal
    c.put_text(ws, f"A{top}", "Key metrics", c.BOLD)
    c.header_row(
        ws,
        top + 1,
        [
            "Metric",
            f"Deflated ({deal.annual_decline:.0%}/yr)",
            "Flat rent (0%/yr)",
            "Date",
            "Source",
            "Note",
        ],
    )
    ws.merge_cells(f"F{top + 1}:H{top + 1}")
    cells: dict[str, str] = {}
    row = top + 2
    for metric in key_metrics(data):
        c.put_text(ws, f"A{row}", metric.label).alignment = MIDDLE
        _put_value(ws, f"B{row}", metric.deflated, metric.fmt)
        if metric.flat is not None:
            _put_value(ws, f"C{row}", metric.flat, metric.fmt)
        if metric.date is not None:
            _put_value(ws, f"D{row}", metric.date, c.DATE)
        c.put_text(ws, f"E{row}", "live" if metric.live else "engine").alignment = Alignment(
            horizontal="center"
        )
        ws.merge_cells(f"F{row}:H{row}")
        c.put_text(ws, f"F{row}", metric.note, c.NOTE_FONT).alignment = Alignment(
            wrap_text=True, vertical="center"
        )
        for col in "ABCDE":
            ws[f"{col}{row}"].border = c.BOX
        if not metric.live:
            marks.add(*(f"{col}{row}" for col in "BCD"))
        if metric.key and metric.live:
            cells[metric.key] = f"B{row}"
        row += 1
    return cells, row + 1


def _flags(
    ws: Worksheet, data: MemoData, top: int, metric_cells: dict[str, str], marks: _Marks
) -> int:
    """The flags table: live status formulas where the metric is live; returns next row."""
    c.put_text(ws, f"A{top}", "Flags", c.BOLD)
    c.header_row(ws, top + 1, ["Metric", "Value", "Flag", "Source", "Rule"])
    ws.merge_cells(f"E{top + 1}:H{top + 1}")
    row = top + 2
    metrics = [flag.metric for flag in data.flags]
    default_ref = f"B{row + metrics.index(DEFAULT_FLAG)}"  # the projected default's value
    for flag in data.flags:
        c.put_text(ws, f"A{row}", flag.metric).alignment = MIDDLE
        live_ref = metric_cells.get(flag.key) if flag.green is not None else None
        source = "live" if live_ref else "engine"
        if live_ref:
            value = ws[live_ref]
            c.put_formula(ws, f"B{row}", live_ref, value.number_format)
            status = _grade_formula(f"B{row}", flag)
            c.put_formula(
                ws,
                f"C{row}",
                f'IF(AND({default_ref}<>"{NO_DEFAULT}",{status}="GREEN"),"AMBER",{status})',
            )
            ws[f"C{row}"].font = Font(bold=True)
            ws[f"C{row}"].alignment = Alignment(horizontal="center", vertical="center")
            ws[f"C{row}"].border = c.BOX
        else:
            c.put_text(ws, f"B{row}", flag.value)
            c.status_cell(ws[f"C{row}"], flag.status)
            marks.add(f"B{row}", f"C{row}")
        ws[f"B{row}"].alignment = WRAP_RIGHT
        c.put_text(ws, f"D{row}", source).alignment = Alignment(
            horizontal="center", vertical="center"
        )
        ws.merge_cells(f"E{row}:H{row}")
        c.put_text(ws, f"E{row}", flag.rule).alignment = Alignment(
            wrap_text=True, vertical="center"
        )
        for col in "ABD":
            ws[f"{col}{row}"].border = c.BOX
        row += 1
    area = f"C{top + 2}:C{row - 1}"
    for status in ("red", "amber", "green"):
        ws.conditional_formatting.add(
            area,
            CellIsRule(
                operator="equal",
                formula=[f'"{status.upper()}"'],
                fill=c.STATUS_FILL[status],
                font=c.STATUS_FONT[status],
            ),
        )
    return row + 1


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
