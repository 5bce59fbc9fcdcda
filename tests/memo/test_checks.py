"""The Checks sheet's layout and engine values (issue 14, item 3); LibreOffice computes its
formulas in tests/memo/test_memo_office.py (all TRUE as generated, FALSE when broken)."""

from __future__ import annotations

import math
from typing import Any

import openpyxl
import pytest

from addin.analytics.dscr import dscr_schedule
from addin.io.deal_files import read_deal
from addin.memo import SHEETS, analyse, build_workbook
from addin.memo.checks import (
    CHECK_NAMES,
    CHECK_ROWS,
    CHECKS,
    EVIDENCE,
    LETTER,
    MASTER_CELL,
    MASTER_NAME,
    evidence_rows,
)
from addin.model.deal import load_deal
from tests.deals import EXAMPLES
from tests.memo.deals import variant


@pytest.fixture(scope="module")
def neocloud() -> Any:
    deal = read_deal(EXAMPLES / "neocloud_h100.toml")
    return deal, build_workbook(analyse(deal))


def test_checks_sheet_follows_the_cash_flow(neocloud: Any) -> None:
    _, wb = neocloud
    assert SHEETS.index(CHECKS) == SHEETS.index("Cash flow") + 1
    assert wb.sheetnames[: len(SHEETS)] == list(SHEETS)


def test_one_formula_row_per_check_and_a_master(neocloud: Any) -> None:
    _, wb = neocloud
    ws = wb[CHECKS]
    rows = list(CHECK_ROWS.values())
    assert rows == list(range(rows[0], rows[0] + len(CHECK_NAMES)))  # one row each, no gaps
    for row in rows:
        result = ws[f"H{row}"].value
        assert result.startswith(f"=IF(ISNUMBER(I{row}),"), result
        assert ws[f"I{row}"].data_type == "f"
        assert ws[f"B{row}"].value  # the check in words
    assert ws["H3"].value == f"=AND($H${rows[0]}:$H${rows[-1]})"
    assert MASTER_CELL == "'Checks'!$H$3"
    assert wb.defined_names[MASTER_NAME].attr_text == MASTER_CELL
    assert ws.print_area == "'Checks'!$A$1:$O$17"  # the checks are printed, not the evidence


def test_engine_values_are_the_engines(neocloud: Any) -> None:
    """The engine columns hold the schedule as generated, per period (period 0 = close)."""
    deal, wb = neocloud
    ws = wb[CHECKS]
    first, last = evidence_rows(deal.periods)
    table = dscr_schedule(deal)  # no sweep, no max_ltv: the contractual schedule itself
    header = [ws.cell(row=first - 1, column=j + 1).value for j in range(len(EVIDENCE))]
    assert header == [col.header for col in EVIDENCE]
    assert ws[f"{LETTER['engine_balance']}{first}"].value == pytest.approx(85e6, rel=1e-15)

    def column(key: str) -> list[Any]:
        return [ws[f"{LETTER[key]}{r}"].value for r in range(first + 1, last + 1)]

    # reference: addin.analytics.dscr.dscr_schedule, written to full precision
    assert column("engine_balance") == pytest.approx(list(table["balance"]), rel=1e-15)
    dscr = [None if math.isnan(v) else v for v in table["dscr"]]
    assert column("engine_dscr") == pytest.approx(dscr, rel=1e-15)
    assert column("arrears") == pytest.approx(list(table["arrears"]), rel=1e-15)
    assert ws["I17"].value == 37  # the first payment default, dscr_summary's (README example)


def test_a_sweep_deal_compares_with_the_schedule_before_prepayments() -> None:
    """The live sheet has no cash sweep: its engine balance is the contractual one, while
    the accounts (arrears, DSRA, lock-up) are the waterfall's."""
    deal = load_deal(variant("sweep_and_dsra"))
    ws = build_workbook(analyse(deal))[CHECKS]
    first, _ = evidence_rows(deal.periods)
    contractual = dscr_schedule(deal.replace(sweep_share=0.0))
    swept = dscr_schedule(deal)
    row = first + 12
    assert ws[f"{LETTER['engine_balance']}{row}"].value == pytest.approx(
        contractual["balance"].iloc[11], rel=1e-15
    )
    assert swept["balance"].iloc[11] < contractual["balance"].iloc[11]  # the sweep bites
    assert ws[f"{LETTER['dsra']}{row}"].value == pytest.approx(swept["dsra"].iloc[11], rel=1e-15)
    assert "before prepayments" in ws[f"K{CHECK_ROWS['balance_vs_engine']}"].value


def test_formulas_read_the_cash_flow_and_collateral(neocloud: Any, tmp_path: Any) -> None:
    _, wb = neocloud
    path = tmp_path / "m.xlsx"
    wb.save(path)
    ws = openpyxl.load_workbook(path)[CHECKS]
    first, _ = evidence_rows(60)
    row = first + 1
    assert ws[f"{LETTER['live_balance']}{row}"].value.startswith("='Cash flow'!")
    assert ws[f"{LETTER['collateral_balance']}{row}"].value.startswith("='Collateral'!")
    assert ws[f"{LETTER['live_balance']}{first}"].value == "=cf_loan"
