"""Memos checked by a real spreadsheet engine: headless LibreOffice recalculates them.

Every formula cell of each memo's Cash flow sheet, recalculated by LibreOffice from the
Inputs sheet, must equal the Python engine (addin.analytics.dscr) to 1e-9 relative; so must the
schedule after an input is changed in the workbook. ``--pdf`` must give a page per sheet.

Without LibreOffice these tests skip, except when the environment variable CI is set
(``.ci/run`` installs ``libreoffice-calc-nogui``), where they fail.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from addin.analytics.collateral import book_value, unit_cost
from addin.analytics.debt import debt_schedule, period_dates
from addin.analytics.dscr import (
    avg_dscr,
    dscr_schedule,
    dscr_summary,
    first_breach,
    llcr,
    min_dscr,
    min_llcr,
)
from addin.cli import main
from addin.io.deal_files import read_deal
from addin.io.office import convert
from addin.memo import SHEETS, write_memo
from addin.memo.cash_flow import (
    CASH_FLOW,
    FIRST_ROW,
    HEADER_ROW,
    TOTALLED,
    cash_flow_ranges,
    period_columns,
)
from addin.memo.checks import CHECK_ROWS, CHECKS, MASTER_CELL, MASTER_NAME
from addin.model.deal import Deal, load_deal
from addin.model.units import HOURS_PER_YEAR
from tests.memo.deals import EXAMPLE_FILES, VARIANTS, variant
from tests.printing import metric_font, need_soffice, page_sheets_and_text_points

pytestmark = pytest.mark.office

REL = 1e-9  # the tolerance: relative, with a 1e-9 absolute floor for exact zeros


@pytest.fixture(autouse=True, scope="module")
def _need_soffice() -> None:
    need_soffice()


def all_deals() -> dict[str, Deal]:
    deals = {path.stem: read_deal(path) for path in EXAMPLE_FILES}
    deals.update({name: load_deal(variant(name)) for name in VARIANTS})
    return deals


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Deal, Path, Path]]:
    """Each deal's memo as written and as recalculated by LibreOffice (one run for all)."""
    folder = tmp_path_factory.mktemp("memos")
    deals = all_deals()
    written = {name: folder / f"{name}.xlsx" for name in deals}
    for name, deal in deals.items():
        write_memo(deal, written[name])
    names = list(deals)
    done = convert([written[n] for n in names], "xlsx", folder / "recalculated")
    return {n: (deals[n], written[n], out) for n, out in zip(names, done, strict=True)}


def contractual(deal: Deal) -> Deal:
    """The deal the live sheet follows: no prepayment (a sweep and an LTV cure are engine-only)."""
    return deal.replace(sweep_share=0.0, max_ltv=None) if deal.sweep_share or deal.max_ltv else deal


def rates(deal: Deal) -> np.ndarray:
    """Each period's rate (issue 12, section 3): the all-in rate, plus rate_shock in the
    periods starting at or after rate_shock_year; per period."""
    start = (np.arange(1, deal.periods + 1) - 1) / deal.periods_per_year
    shock = np.where(start >= deal.rate_shock_year - 1e-9, deal.rate_shock, 0.0)
    return (deal.interest_rate + shock) / deal.periods_per_year


def expected_values(deal: Deal) -> tuple[dict[str, Any], dict[str, list[Any]], dict[str, Any]]:
    """Engine values for the Cash flow sheet: top block by label, columns, totals."""
    deal = contractual(deal)
    table = dscr_schedule(deal)
    debt = debt_schedule(deal)
    s = dscr_summary(deal)
    n, p = deal.periods, deal.periods_per_year
    i = rates(deal)[0]  # the first period's rate: the level payment's until a rate change
    loan = debt.loan_amount
    balloon = deal.balloon * loan
    if deal.amortization != "annuity":
        payment: Any = "n/a"
    elif i == 0:
        payment = (loan - balloon) / n
    else:  # the closed form of addin.analytics.dscr, written out independently
        payment = (loan - balloon * (1 + i) ** -n) * i / (1 - (1 + i) ** -n)
    top = {
        "Hours per period": HOURS_PER_YEAR / p,
        "Periods": n,
        "Rate per period before shock": deal.interest_rate / p,
        "Contract rent USD/GPU-h": deal.effective_contract_rate,
        "Re-let share of market rent": 1.0
        if deal.recontract_rate is None
        else deal.recontract_rate,
        "Rent floor binds from (years)": floor_from(deal),
        "Loan amount USD": loan,
        "Balloon USD": balloon,
        "Annuity payment USD, period 1": payment,
        "Min DSCR": s.min_dscr,
        "Average DSCR": s.avg_dscr,
        "LLCR": s.llcr,
        "First lock-up breach (period)": s.first_lockup_breach or "none",
        "First default breach (period)": s.first_default_breach or "none",
        "Schedule check": f"OK: {n} periods",
    }
    # the share of each period's hours inside the contract term (issue 12: hour-weighted)
    k = table["period"].to_numpy()
    inside = np.minimum(1.0, np.maximum(0.0, deal.contract_years * p - (k - 1)))
    contracted = deal.gpus * deal.contracted_share * inside
    dscr = table["dscr"].to_numpy()
    columns: dict[str, list[Any]] = {
        key: list(table[key]) for key in table.columns if key not in ("period",)
    }
    columns.update(
        contract_share=list(inside),
        contracted_gpus=list(contracted),
        billed_share=list((contracted + (deal.gpus - contracted) * deal.utilization) / deal.gpus),
        sculpted=list(np.maximum(table["cfads"].to_numpy(), 0.0) / deal.target_dscr),
        rate=list(rates(deal)),
        discount=list(1.0 / np.cumprod(1.0 + rates(deal))),
        opening=[loan, *table["balance"].to_numpy()[:-1]],
        lockup_breach=[k if d < deal.lockup_dscr else None for k, d in enumerate(dscr, 1)],
        default_breach=[k if d < deal.default_dscr else None for k, d in enumerate(dscr, 1)],
        period_again=list(k),
    )
    totals = {key: float(table[key].sum()) for key in TOTALLED}
    return top, columns, totals


def floor_from(deal: Deal) -> float:
    """When the rent floor starts to bind, years (the tenor if never): r0 (1-d)^t = floor."""
    r0, d, floor = deal.market_rate, deal.annual_decline, deal.rent_floor
    if floor >= r0:
        return 0.0
    if floor <= 0 or d == 0:
        return deal.tenor_years
    return min(deal.tenor_years, math.log(floor / r0) / math.log(1 - d))


def same(actual: Any, expected: Any) -> bool:
    """Spreadsheet value against engine value: blanks, text, dates, numbers to 1e-9."""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return actual in (None, "")
    if isinstance(expected, str):
        return bool(actual == expected)
    if isinstance(expected, dt.date):
        return isinstance(actual, dt.datetime) and actual.date() == expected
    if not isinstance(actual, int | float) or isinstance(actual, bool):
        return False
    return math.isclose(actual, float(expected), rel_tol=REL, abs_tol=1e-9)


def compare_cash_flow(deal: Deal, written: Path, recalculated: Path) -> int:
    """Check every formula cell of the Cash flow sheet; return how many were checked."""
    formulas = openpyxl.load_workbook(written)[CASH_FLOW]
    values = openpyxl.load_workbook(recalculated, data_only=True)[CASH_FLOW]
    top, columns, totals = expected_values(deal)
    keys = [col.key for col in period_columns(deal)]
    last = FIRST_ROW + deal.periods - 1
    checked, problems = 0, []
    for row in formulas.iter_rows():
        for cell in row:
            if cell.data_type != "f":
                continue
            r, col = cell.row, cell.column
            if r < HEADER_ROW:  # top blocks: the label sits 3 columns to the left
                label = formulas.cell(row=r, column=col - 3).value
                expected = top[label]
            elif r <= last:
                expected = columns[keys[col - 1]][r - FIRST_ROW]
            else:
                assert r == last + 1, f"formula below the total row at {cell.coordinate}"
                expected = totals[keys[col - 1]]
            actual = values[cell.coordinate].value
            checked += 1
            if not same(actual, expected):
                problems.append(f"{cell.coordinate}: LibreOffice {actual!r}, engine {expected!r}")
    assert not problems, f"{len(problems)} cells differ: " + "; ".join(problems[:8])
    return checked


@pytest.mark.parametrize("name", sorted(all_deals()))
def test_cash_flow_formulas_match_engine(
    recalculated: dict[str, tuple[Deal, Path, Path]], name: str
) -> None:
    deal, written, done = recalculated[name]
    checked = compare_cash_flow(deal, written, done)
    # every period row has a formula in each column but the period number
    assert checked >= deal.periods * (len(period_columns(deal)) - 1)


def book_ltvs(deal: Deal) -> tuple[Any, Any]:
    """Book LTV at close and at maturity (balance due in the final period / book value then),
    from the collateral engine's book value and the debt schedule; words when the book is 0."""
    cost = unit_cost(deal)
    debt = debt_schedule(deal)
    n, p = deal.periods, deal.periods_per_year

    def book(age: float) -> float:
        return deal.gpus * book_value(cost, age, deal.useful_life_years, deal.salvage_value)

    close, maturity = book(deal.gpu_age_years), book(deal.gpu_age_years + n / p)
    due = debt.balance[n - 2] if n > 1 else debt.loan_amount
    return (
        debt.loan_amount / close if close > 0 else "fully depreciated",
        due / maturity if maturity > 0 else "fully depreciated",
    )


def summary_expected(deal: Deal) -> dict[tuple[str, str], Any]:
    """Engine values of the Summary's live figures, by (row label, column)."""
    c = contractual(deal)
    dates = period_dates(deal)

    def breach(level: float) -> tuple[Any, Any]:
        found = first_breach(c, level)
        if found is None:
            return "none", None
        return found[0], (dates[found[0] - 1] if dates else None)

    lockup, lockup_date = breach(deal.lockup_dscr)
    default, default_date = breach(deal.default_dscr)
    close, maturity = book_ltvs(deal)
    return {
        ("Min DSCR", "B"): min_dscr(c),
        ("Min DSCR", "C"): min_dscr(c, 0.0),
        ("Average DSCR", "B"): avg_dscr(c),
        ("Average DSCR", "C"): avg_dscr(c, 0.0),
        ("LLCR at close", "B"): llcr(deal),
        ("LLCR at close", "C"): llcr(deal, 0.0),
        ("Min LLCR (loan life)", "B"): min_llcr(c),
        ("First period below lock-up", "B"): lockup,
        ("First period below lock-up", "D"): lockup_date,
        ("First period below default level", "B"): default,
        ("First period below default level", "D"): default_date,
        ("LTV at close (book)", "B"): close,
        ("LTV at maturity (book)", "B"): maturity,
        ("Amount USD", "B"): debt_schedule(deal).loan_amount,
        ("All-in rate", "B"): deal.interest_rate,
        ("Checks", "B"): "All checks pass (Checks sheet)",  # with a Checks sheet (issue 14)
    }


# The flags the Summary grades with a formula: metric row label -> (green, amber, higher
# is better) as the rules printed beside them say
LIVE_FLAGS = {
    "Min DSCR (deflated rents)": ("Min DSCR", "lockup", "default", True),
    "Min LLCR (loan life)": ("Min LLCR (loan life)", "lockup", 1.0, True),
    "LTV at maturity (book)": ("LTV at maturity (book)", 0.80, 1.00, False),
}


def expected_status(value: Any, green: float, amber: float, higher: bool, capped: bool) -> str:
    if not isinstance(value, int | float):
        status = "RED"
    else:
        sign = 1.0 if higher else -1.0
        status = (
            "GREEN"
            if sign * value >= sign * green
            else ("AMBER" if sign * value >= sign * amber else "RED")
        )
    return "AMBER" if capped and status == "GREEN" else status


def compare_summary(
    deal: Deal, written: Path, recalculated: Path, edited: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Check every formula cell of the Summary against the engine; return the values read.

    ``edited``: the inputs changed on the Inputs sheet since generation, with their values
    (the stale check must find exactly those, and the banner must show)."""
    edited = edited or {}
    listed = ""
    formulas = openpyxl.load_workbook(written)["Summary"]
    values = openpyxl.load_workbook(recalculated, data_only=True)["Summary"]
    expected = summary_expected(deal)
    metrics = {label: label for label, _ in expected}
    section, problems, read = "top", [], {}
    default_shown = None
    for row in formulas.iter_rows():
        label = row[0].value
        if label == "Flags":
            section = "flags"
        if section == "flags" and label == "Projected default (base case)":
            default_shown = values[f"B{row[0].row}"].value
        for cell in row:
            if cell.data_type != "f":
                continue
            ref, got = cell.coordinate, values[cell.coordinate].value
            col = cell.column_letter
            if cell.column >= 10:  # the stale check: nothing changed since generation
                key = formulas.cell(row=cell.row, column=10).value
                then = formulas.cell(row=cell.row, column=11).value
                if isinstance(then, dt.datetime):  # a date input, as same() compares dates
                    then = then.date()
                if key in edited:
                    then = edited[key]
                if col == "N" and key in edited:
                    listed += f"{key} "
                want: Any = (
                    {"L": then, "M": int(key in edited), "N": listed or None}[col]
                    if key
                    else len(edited)
                )
            elif ref == "A3":  # the stale banner: empty, or naming what changed (below)
                want = None if not edited else got
            elif section == "flags":
                metric, green, amber, higher = LIVE_FLAGS[label]
                value = expected[(metrics[metric], "B")]
                green = {"lockup": deal.lockup_dscr}.get(green, green)
                amber = {"default": deal.default_dscr}.get(amber, amber)
                want = (
                    value
                    if col == "B"
                    else expected_status(value, green, amber, higher, default_shown != "none")
                )
            elif label == "Checks" and edited:
                # the Checks sheet compares the live schedule with the engine's as generated:
                # after an input edit those comparisons fail until the memo is made again
                want = "A CHECK FAILS: see the Checks sheet"
            else:
                want = expected[(label, col)]
            read[f"{label}/{col}" if label else ref] = got
            if not same(got, want):
                problems.append(f"{ref} ({label}): LibreOffice {got!r}, engine {want!r}")
    assert default_shown is not None
    banner = values["A3"].value
    if edited:
        assert banner.startswith(f"INPUTS CHANGED SINCE GENERATION ({listed.strip()})")
    assert not problems, f"{len(problems)} cells differ: " + "; ".join(problems[:8])
    return read


@pytest.mark.parametrize("name", sorted(all_deals()))
def test_every_summary_formula_equals_the_engine(
    recalculated: dict[str, tuple[Deal, Path, Path]], name: str
) -> None:
    deal, written, done = recalculated[name]
    read = compare_summary(deal, written, done)
    if contractual(deal) == deal:  # no prepayment: the coverage figures are live
        assert "Min DSCR/B" in read
        assert "Min LLCR (loan life)/B" in read


def test_sweep_deal_shows_engine_coverage(
    recalculated: dict[str, tuple[Deal, Path, Path]],
) -> None:
    """A sweep prepays (engine-only): min DSCR and the breaches are the engine's values,
    marked engine, not the contractual sheet's."""
    deal, written, _ = recalculated["sweep_and_dsra"]
    assert dscr_summary(deal).min_dscr > dscr_summary(contractual(deal)).min_dscr  # it bites
    ws = openpyxl.load_workbook(written)["Summary"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "Min DSCR")
    # openpyxl writes 16 significant digits
    assert ws.cell(row=row, column=2).value == pytest.approx(dscr_summary(deal).min_dscr, rel=1e-15)
    assert ws.cell(row=row, column=5).value == "engine"
    note = " ".join(
        str(c.value)
        for row in openpyxl.load_workbook(written)[CASH_FLOW].iter_rows(max_row=HEADER_ROW)
        for c in row
        if isinstance(c.value, str)
    )
    assert "sweep_share > 0 or a max_ltv" in note
    assert "the waterfall (DSRA, cash sweep" in note


def test_changed_contracted_share_moves_live_figures_and_raises_the_banner(
    recalculated: dict[str, tuple[Deal, Path, Path]], tmp_path: Path
) -> None:
    """Issue 14: set contracted_share from 0.6 to 0.3 on Inputs. Every live Summary figure
    follows the engine on the changed deal (LLCR 1.26x -> 0.85x, the first default breach
    from period 37 to 29, as the issue found), and a red banner names the input and the
    stale engine figures."""
    deal, written, done = recalculated["neocloud_h100"]
    edited = tmp_path / "edited.xlsx"
    _set_input(written, "contracted_share", 0.3, edited)
    (again,) = convert([edited], "xlsx", tmp_path / "out")
    changed = deal.replace(contracted_share=0.3)
    before = compare_summary(deal, written, done)
    # every live figure = the engine; the stale check finds contracted_share, only
    after = compare_summary(changed, written, again, {"contracted_share": 0.3})
    assert llcr(changed) == pytest.approx(0.855, abs=0.001)  # the engine's, rounded
    assert first_breach(changed, changed.default_dscr)[0] == 29  # type: ignore[index]
    moved = [key for key in before if key in after and before[key] != after[key]]
    for key in (
        "LLCR at close/B",
        "LLCR at close/C",
        "Average DSCR/B",
        "First period below default level/B",
        "First period below lock-up/B",
    ):
        assert key in moved, key
    # the engine says which live figures do not depend on the contract share: they stay
    expected_before, expected_after = summary_expected(deal), summary_expected(changed)
    for (label, col), value in expected_before.items():
        key = f"{label}/{col}"
        if key in before and value == expected_after[(label, col)] and label != "Checks":
            assert key not in moved, key  # (the Checks line turns red: the engine is stale)
    ws = openpyxl.load_workbook(again, data_only=True)["Summary"]
    banner = ws["A3"].value
    assert banner.startswith("INPUTS CHANGED SINCE GENERATION (contracted_share)")
    assert "verdict, rating, PD, LGD, EL, pricing" in banner
    assert "gpucredit memo <deal file> --force" in banner
    _, ref = next(
        iter(openpyxl.load_workbook(written).defined_names["memo_stale_count"].destinations)
    )
    assert ws[ref.replace("$", "")].value == 1


def test_shocked_annuity_is_the_closed_form_at_the_shocked_rate(
    recalculated: dict[str, tuple[Deal, Path, Path]],
) -> None:
    """Issue 12 acceptance: after the shock the live debt service is the level annuity of the
    balance then, at the shocked rate, over the remaining term (balloon on top at the end),
    computed here from LibreOffice's own balance, not the engine's."""
    deal, _, done = recalculated["floating_shock_annuity_balloon"]
    ws = openpyxl.load_workbook(done, data_only=True)[CASH_FLOW]
    keys = [col.key for col in period_columns(deal)]

    def column(key: str) -> list[float]:
        j = keys.index(key) + 1
        return [ws.cell(row=FIRST_ROW + k, column=j).value for k in range(deal.periods)]

    n, p = deal.periods, deal.periods_per_year
    m = math.ceil(deal.rate_shock_year * p)  # periods before the shock: t = 1.75 y is the 8th
    assert m == 7
    i = (deal.base_rate + deal.margin + deal.rate_shock) / p  # the shocked rate per period
    balance, balloon = column("balance")[m - 1], deal.balloon * deal.loan_amount
    level = (balance - balloon * (1 + i) ** -(n - m)) * i / (1 - (1 + i) ** -(n - m))
    service = column("debt_service")
    assert service[m:-1] == pytest.approx([level] * (n - m - 1), rel=REL)
    assert service[-1] == pytest.approx(level + balloon, rel=REL)
    before = (deal.base_rate + deal.margin) / p
    assert column("rate")[:m] == pytest.approx([before] * m, rel=REL)
    assert service[m - 1] != pytest.approx(level, rel=1e-3)  # the payment did change


def _set_input(path: Path, key: str, value: float, out: Path) -> None:
    wb = openpyxl.load_workbook(path)
    sheet, ref = next(iter(wb.defined_names[key].destinations))
    wb[sheet][ref.replace("$", "")].value = value
    wb.save(out)


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("neocloud_h100", "annual_decline", 0.45),
        ("sculpted_negative_cfads", "annual_decline", 0.2),
        ("miner_spot_h100", "utilization", 0.55),
        ("floating_shock_annuity_balloon", "rate_shock", 0.035),  # issue 12: floating rates
        ("floating_shock_sculpted", "base_rate", 0.05),
    ],
)
def test_changed_input_recalculates_like_engine(
    recalculated: dict[str, tuple[Deal, Path, Path]],
    tmp_path: Path,
    name: str,
    key: str,
    value: float,
) -> None:
    deal, written, _ = recalculated[name]
    edited = tmp_path / f"{name}_edited.xlsx"
    _set_input(written, key, value, edited)
    (done,) = convert([edited], "xlsx", tmp_path / "out")
    compare_cash_flow(deal.replace(**{key: value}), written, done)


def check_results(path: Path) -> tuple[Any, dict[str, Any]]:
    """The master check and each check's result on a recalculated memo."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[CHECKS]
    sheet, ref = next(iter(openpyxl.load_workbook(path).defined_names[MASTER_NAME].destinations))
    assert f"'{sheet}'!{ref}" == MASTER_CELL
    return ws[ref.replace("$", "")].value, {n: ws[f"H{r}"].value for n, r in CHECK_ROWS.items()}


@pytest.mark.parametrize("name", sorted(all_deals()))
def test_every_check_is_true_as_generated(
    recalculated: dict[str, tuple[Deal, Path, Path]], name: str
) -> None:
    """Issue 14 acceptance: the Checks sheet is all TRUE (both examples and every variant)."""
    _, _, done = recalculated[name]
    master, results = check_results(done)
    assert results == dict.fromkeys(CHECK_ROWS, True)
    assert master is True


def _edit_cell(path: Path, out: Path, sheet: str, ref: str, value: Any) -> Path:
    wb = openpyxl.load_workbook(path)
    wb[sheet][ref] = value
    wb.save(out)
    return out


def test_master_check_turns_false_when_a_check_breaks(
    recalculated: dict[str, tuple[Deal, Path, Path]], tmp_path: Path
) -> None:
    """Issue 14 acceptance: break one thing at a time; exactly the checks it breaks turn
    FALSE, and with them the master check."""
    deal, written, _ = recalculated["neocloud_h100"]
    cf = cash_flow_ranges(deal)
    amortization = next(
        iter(openpyxl.load_workbook(written).defined_names["amortization"].destinations)
    )
    row5, row10 = cf["cfads"][1] + 4, cf["balance"][1] + 9
    edits = {
        # a CFADS overwritten with a number (a hard-coded cell, the FAST standard's worry)
        "cfads_typed": (CASH_FLOW, f"{cf['cfads'][0]}{row5}", 1.0e6),
        # the typo, pasted past the validation: the schedule no longer amortises
        "annuty": (amortization[0], amortization[1].replace("$", ""), "annuty"),
        # an input edited after generation: the engine's figures are stale
        "contracted_share": ("Inputs", _input_ref(written, "contracted_share"), 0.3),
        # a closing balance overwritten: the roll-forward breaks
        "balance_typed": (CASH_FLOW, f"{cf['balance'][0]}{row10}", 60_000_000.0),
    }
    edited = [_edit_cell(written, tmp_path / f"{n}.xlsx", *e) for n, e in edits.items()]
    done = convert(edited, "xlsx", tmp_path / "out")
    broken = {}
    for name, path in zip(edits, done, strict=True):
        master, results = check_results(path)
        assert master is False, name
        broken[name] = {check for check, ok in results.items() if ok is not True}
    assert broken == {
        "cfads_typed": {"sources_uses", "dscr_vs_engine"},
        "annuty": {
            "repaid",
            "no_negative",
            "balance_vs_engine",
            "dscr_vs_engine",
            "collateral_balance",
        },
        "contracted_share": {"dscr_vs_engine"},
        "balance_typed": {
            "roll_forward",
            "balance_vs_engine",
            "dscr_vs_engine",
            "collateral_balance",
        },
    }


def _input_ref(path: Path, key: str) -> str:
    _, ref = next(iter(openpyxl.load_workbook(path).defined_names[key].destinations))
    return str(ref).replace("$", "")


def test_recalculation_is_forced(tmp_path: Path) -> None:
    """A stale cached value in the file must be replaced by LibreOffice's own result."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = 2
    wb.active["A2"] = "=A1*3"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(stale, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>A1*3</f><v />", b"<f>A1*3</f><v>999</v>")
                assert b"<v>999</v>" in data
            dst.writestr(item, data)
    (done,) = convert([stale], "xlsx", tmp_path / "out")
    assert openpyxl.load_workbook(done, data_only=True).active["A2"].value == 6


def test_pdf_prints_every_sheet_in_order_readably(tmp_path: Path) -> None:
    """Issue 14, paper: every sheet is printed, in order, fitted to the width with text of
    8 pt or more (not forced onto one page: a 120-row schedule used to print at ~4 pt).

    Page counts when written (LibreOffice 7.5, Carlito): the neocloud example 32, the miner
    25, the neocloud deal over 10 years monthly 37 (the Cash flow 10 of them). Each stress
    grid, analyst box and Risk table is kept on one page.
    """
    deals = [str(path) for path in EXAMPLE_FILES]
    code = main(["memo", *deals, "-o", str(tmp_path), "--pdf", "--jobs", "1"])
    assert code == 0
    long = read_deal(EXAMPLE_FILES[-1]).replace(name="Ten years monthly", tenor_years=10)
    write_memo(long, tmp_path / "long.xlsx")
    (long_pdf,) = convert([tmp_path / "long.xlsx"], "pdf", tmp_path / "long")
    pdfs = {read_deal(Path(d)).name: tmp_path / f"{Path(d).stem}_memo.pdf" for d in deals}
    pdfs[long.name] = long_pdf
    readable = metric_font()
    counts = {}
    for name, pdf in pdfs.items():
        pages = page_sheets_and_text_points(pdf, name)
        order = [sheet for i, (sheet, _) in enumerate(pages) if i == 0 or pages[i - 1][0] != sheet]
        assert order == list(SHEETS), name  # each sheet once, its pages together, in order
        if readable:
            small = [(i + 1, sheet, pt) for i, (sheet, pt) in enumerate(pages) if pt < 8.0]
            assert not small, f"{name}: text under 8 pt on pages {small}"
        counts[name] = len(pages)
    # A 10-year monthly deal on a sensible number of pages: only the schedules grow with
    # the tenor (60 more months: Cash flow 6 -> 10 pages, 2 across; Collateral 3 -> 4).
    assert counts[long.name] <= 40
    assert counts[long.name] - counts["Neocloud H100 fleet (example)"] <= 8
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def shown(value: float, number_format: str) -> str:
    """How Excel renders a number in the formats the memo uses (to count its characters)."""
    section = number_format.split(";")[0]
    literal = "".join(re.findall(r'"([^"]*)"', section))
    core = re.sub(r'"[^"]*"|\[[^\]]*\]', "", section)
    if core == "General":
        return ""  # General never shows ###: Excel switches to fewer digits
    scale = 1000.0 ** (len(core) - len(core.rstrip(",")))
    core = core.rstrip(",")
    number = value * (100.0 if "%" in core else 1.0) / scale
    digits = core.split(".")[1].rstrip("%") if "." in core else ""
    text = f"{number:,.{len(digits)}f}" if "," in core else f"{number:.{len(digits)}f}"
    return text + ("%" if "%" in core else "") + literal


def test_no_cell_shows_hashes(recalculated: dict[str, tuple[Deal, Path, Path]]) -> None:
    """Every number fits its column (or merged cells) once LibreOffice has computed it."""
    problems = []
    for name, (_, written, done) in recalculated.items():
        layout = openpyxl.load_workbook(written)
        values = openpyxl.load_workbook(done, data_only=True)
        for ws in layout.worksheets:
            spans = {
                m.start_cell.coordinate: sum(
                    ws.column_dimensions[get_column_letter(c)].width or 13.0
                    for c in range(m.min_col, m.max_col + 1)
                )
                for m in ws.merged_cells.ranges
            }
            for row in ws.iter_rows():
                for cell in row:
                    value = values[ws.title][cell.coordinate].value
                    if isinstance(value, bool) or not isinstance(value, int | float | dt.date):
                        continue
                    text = (
                        "2026-01-01"
                        if isinstance(value, dt.date)
                        else shown(float(value), cell.number_format)
                    )
                    width = (
                        spans.get(cell.coordinate) or ws.column_dimensions[cell.column_letter].width
                    )
                    if len(text) > (width or 13.0):
                        problems.append(f"{name} {ws.title}!{cell.coordinate}: {text!r} > {width}")
    assert not problems, "; ".join(problems[:10])
