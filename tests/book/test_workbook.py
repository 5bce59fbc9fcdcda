"""The book report workbook: its sheets, its numbers are the run's, user text stays text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from addin.book.book import book_of
from addin.book.report import PathStory, worst_paths
from addin.book.run import LEVELS, BookResult, simulate_book
from addin.book.workbook import SHEETS, build_book_workbook, write_book_report
from addin.model.deal import load_deal
from addin.model.errors import OutputExistsError

GENERATED = dt.datetime(2026, 7, 1, 9, 0)


def same(value: float) -> object:
    """The value as a saved workbook holds it: openpyxl writes numbers with 16 significant
    digits ("%.16g", openpyxl/compat/strings.py), so equal to a relative 1e-15."""
    return pytest.approx(float(value), rel=1e-15, abs=0.0)


@pytest.fixture(scope="module")
def report(
    tmp_path_factory: pytest.TempPathFactory,
    example_result: BookResult,
    example_stories: list[PathStory],
) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("report") / "book.xlsx"
    write_book_report(example_result, example_stories, path, generated=GENERATED, chunk_paths=1024)
    return openpyxl.load_workbook(path)


def _rows(sheet: openpyxl.worksheet.worksheet.Worksheet, first: int, column: str) -> dict:  # type: ignore[type-arg]
    """Values of a column keyed by column A's text, from row ``first`` down."""
    return {
        sheet[f"A{r}"].value: sheet[f"{column}{r}"].value
        for r in range(first, sheet.max_row + 1)
        if sheet[f"A{r}"].value is not None
    }


def test_the_report_has_its_sheets_and_charts(report: openpyxl.Workbook) -> None:
    assert report.sheetnames == list(SHEETS)
    charts = {name: len(report[name]._charts) for name in SHEETS}
    assert charts == {
        "Summary": 0,
        "Facilities": 1,
        "Concentration": 4,
        "Loss distribution": 1,
        "Worst paths": 10,  # rent index and cards sold for each of the 5 worst paths
        "Defaults": 2,
    }


def test_the_summary_shows_the_runs_measures(
    report: openpyxl.Workbook, example_result: BookResult
) -> None:
    ws = report["Summary"]
    result = example_result
    assert ws["A5"].value == "EL"
    assert ws["B5"].value == same(result.expected_loss)
    assert ws["C5"].value == same(result.loss_off.mean())
    for row, level in ((6, 0.99), (8, 0.999)):
        assert ws[f"A{row}"].value == f"VaR {level * 100:g}%"
        assert ws[f"B{row}"].value == same(result.var(level))
        assert ws[f"C{row}"].value == same(result.var(level, False))
        assert ws[f"B{row + 1}"].value == same(result.es(level))
        assert ws[f"C{row + 1}"].value == same(result.es(level, False))
        assert ws[f"D{row + 1}"].value == pytest.approx(
            result.contagion()[f"ES {level:.1%}"], rel=1e-15
        )
    facts = _rows(ws, 11, "B")
    assert facts["Paths"] == result.paths
    assert facts["Seed"] == result.seed
    assert facts["Paths per chunk"] == 1024
    assert facts["Facilities"] == 28
    assert "generated 2026-07-01 09:00" in ws["A2"].value


def test_the_facility_rows_are_the_runs(
    report: openpyxl.Workbook, example_result: BookResult
) -> None:
    ws = report["Facilities"]
    header = [cell.value for cell in ws[4]]
    col = {label: i for i, label in enumerate(header)}
    result = example_result
    for i, facility in enumerate(result.book.facilities):
        row = [cell.value for cell in ws[5 + i]]
        assert row[0] == facility.facility_id
        assert row[col["PD (life)"]] == same(result.facility_pd[i])
        assert row[col["EL (USD)"]] == same(result.facility_el[i])
        assert row[col["EL, sold alone (USD)"]] == same(result.facility_el_off[i])
        for level in LEVELS:
            assert row[col[f"ES {level * 100:g}% contribution (USD)"]] == same(
                result.facility_es[level][i]
            )
    total = [cell.value for cell in ws[5 + len(result.book)]]
    assert total[0] == "Book"
    assert total[col["ES 99% contribution (USD)"]] == pytest.approx(result.es(0.99), rel=1e-12)


def test_each_concentration_table_totals_the_book(
    report: openpyxl.Workbook, example_result: BookResult
) -> None:
    ws = report["Concentration"]
    totals = [r for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value == "Book"]
    assert len(totals) == 4  # borrower, borrower type, GPU model, offtaker
    for r in totals:
        assert ws[f"B{r}"].value == 28
        assert ws[f"E{r}"].value == pytest.approx(example_result.expected_loss, rel=1e-12)
        assert ws[f"H{r}"].value == pytest.approx(example_result.es(0.99), rel=1e-12)


def test_the_loss_distribution_and_defaults_sum_to_one(report: openpyxl.Workbook) -> None:
    loss = report["Loss distribution"]
    probabilities = [loss[f"E{r}"].value for r in range(5, loss.max_row + 1)]
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-12)
    defaults = report["Defaults"]
    counts = [defaults[f"C{r}"].value for r in range(5, 5 + 29)]  # 0 to 28 defaults
    assert sum(counts) == pytest.approx(1.0, abs=1e-12)


def test_the_worst_paths_sheet_lists_the_runs_worst_paths(
    report: openpyxl.Workbook, example_result: BookResult
) -> None:
    ws = report["Worst paths"]
    listed = [ws[f"B{r}"].value for r in range(5, 10)]
    assert listed == [int(p) for p in example_result.tail_paths]
    assert [ws[f"C{r}"].value for r in range(5, 10)] == [
        same(example_result.loss[p]) for p in example_result.tail_paths
    ]


def test_text_from_the_book_is_never_a_formula(tmp_path: Path) -> None:
    # A facility id, borrower and offtaker that Excel would evaluate are written as text.
    attack = '=HYPERLINK("http://x","y")'
    deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 3e6,
                      "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500,
                      "annual_decline": 0.5, "contracted_share": 0.5, "contract_years": 1,
                      "offtaker": "@SUM(A1)", "gpu_model": "H100 SXM"})  # fmt: skip
    result = simulate_book(book_of([(attack, "+cmd|' /C calc'!A0", deal)]), 1024, seed=1)
    wb = build_book_workbook(result, worst_paths(result)[:1], GENERATED)
    path = tmp_path / "attack.xlsx"
    wb.save(path)
    loaded = openpyxl.load_workbook(path)
    texts = []
    for ws in loaded.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if cell.value in (attack, "@SUM(A1)", "+cmd|' /C calc'!A0"):
                    assert cell.quotePrefix, (ws.title, cell.coordinate)
                    texts.append(cell.value)
    assert attack in texts
    assert "@SUM(A1)" in texts


def test_an_existing_report_is_kept_without_force(
    tmp_path: Path, example_result: BookResult
) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"the analyst's edits")
    with pytest.raises(OutputExistsError, match=r"book\.xlsx: exists; allowed: a new file name"):
        write_book_report(example_result, [], path)
    assert path.read_bytes() == b"the analyst's edits"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]  # no temporary left
    write_book_report(example_result, [], path, force=True)
    assert openpyxl.load_workbook(path).sheetnames == list(SHEETS)


def test_no_sheet_holds_a_single_cell_or_overlapping_merge(tmp_path: Path) -> None:
    # Excel opens a workbook with either as damaged and offers to repair it. A one-model
    # book without BTC puts the first "cards sold" column before G (the review's case).
    deal = load_deal({"name": "D", "gpus": 512, "market_rate": 2.0, "loan_amount": 1.5e7,
                      "interest_rate": 0.09, "tenor_years": 3, "market_absorption": 500,
                      "annual_decline": 0.5})  # fmt: skip
    result = simulate_book(book_of([("A", "X", deal), ("B", "Y", deal)]), 1024, seed=1)
    path = tmp_path / "one_model.xlsx"
    write_book_report(result, worst_paths(result)[:2], path, generated=GENERATED)
    for ws in openpyxl.load_workbook(path).worksheets:
        ranges = list(ws.merged_cells.ranges)
        assert all(r.size["rows"] * r.size["columns"] > 1 for r in ranges), ws.title
        cells = [c for r in ranges for c in r.cells]
        assert len(cells) == len(set(cells)), ws.title
