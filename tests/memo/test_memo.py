"""The memo workbook: content against the engines, Excel-safe formulas, look, safety, CLI.

The numbers of the live Cash flow sheet are checked by LibreOffice in
tests/memo/test_memo_office.py; here everything that needs no spreadsheet engine.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.formula import ArrayFormula

from addin.analytics.dscr import breakeven_decline, dscr_schedule, first_events, min_dscr_grid
from addin.analytics.ltv import ltv_schedule
from addin.cli import main
from addin.io.deal_files import read_deal
from addin.io.xlsx import put_text
from addin.memo import SHEETS, analyse, build_workbook, write_memo
from addin.memo.batch import example_deal_path
from addin.memo.cash_flow import CASH_FLOW, FIRST_ROW, HEADER_ROW, period_columns
from addin.memo.charts import chart_series
from addin.memo.results import STRESS_DECLINES, STRESS_UTILIZATIONS
from addin.model.deal import KEY_SPECS, Deal, load_deal
from addin.model.errors import OutputError, OutputExistsError
from tests.deals import BASE_DEAL, EXAMPLES
from tests.memo.deals import variant

NEOCLOUD = EXAMPLES / "neocloud_h100.toml"
MINER = EXAMPLES / "miner_spot_h100.toml"
# Functions Excel 2016 and LibreOffice 7 both compute natively (no _xlfn. prefix needed).
PORTABLE = {
    "IF",
    "MAX",
    "MIN",
    "AVERAGE",
    "COUNT",
    "ABS",
    "ROUND",
    "ISNUMBER",
    "NPV",
    "PMT",
    "EDATE",
    "SUM",
    "NA",
    "OR",  # issue 12: the period-average rent and escalating opex
    "INT",
    "LN",
    "EXP",
    "SUMPRODUCT",  # issue 12: discounting at the period rates of a floating loan
    "INDEX",  # issue 14: the stale check looks each input up by its key in Deal
    "MATCH",
    "ISBLANK",
    "AND",  # issue 14: the Checks sheet's master check, the stale check
    "TRIM",
}
UNSAFE = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def neocloud_memo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("memo") / "neocloud.xlsx"
    write_memo(read_deal(NEOCLOUD), path, live=True)
    return path


@pytest.fixture(scope="module")
def book(neocloud_memo: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(neocloud_memo)


def _formulas(wb: openpyxl.Workbook, skip: tuple[str, ...] = ("Live",)) -> list[str]:
    out = []
    for ws in wb.worksheets:
        if ws.title in skip:
            continue
        for row in ws.iter_rows():
            out += [c.value for c in row if c.data_type == "f" and isinstance(c.value, str)]
    return out


def test_sheets_in_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [*SHEETS, "Live"]


def test_formulas_use_only_portable_functions(book: openpyxl.Workbook) -> None:
    formulas = _formulas(book)
    assert len(formulas) > 1000
    used = {name for f in formulas for name in re.findall(r"([A-Z][A-Z0-9.]*)\(", f)}
    assert used <= PORTABLE, used - PORTABLE
    assert not any("_xlfn" in f or "LET(" in f or "XLOOKUP(" in f for f in formulas)


def test_cash_flow_has_one_row_per_period(tmp_path: Path) -> None:
    for mapping in (variant("quarterly_month_end"), variant("bullet_annual")):
        deal = load_deal(mapping)
        ws = build_workbook(analyse(deal))[CASH_FLOW]
        periods = [ws.cell(row=r, column=1).value for r in range(FIRST_ROW, ws.max_row + 1)]
        assert periods == [*range(1, deal.periods + 1), "Total"]
        assert ws.freeze_panes == f"B{FIRST_ROW}"
        headers = [ws.cell(row=HEADER_ROW, column=j + 1).value for j in range(len(periods))]
        assert headers[0] == "Period"


def test_named_ranges_point_at_the_inputs(book: openpyxl.Workbook) -> None:
    deal = read_deal(NEOCLOUD)
    # names used in formulas; a key in a string literal (the stale check's MATCH) is no name
    formulas = re.sub(r'"[^"]*"', "", " ".join(_formulas(book)))
    checked = []
    for key in KEY_SPECS:
        if key not in formulas:
            continue
        sheet, ref = next(iter(book.defined_names[key].destinations))
        assert sheet == "Inputs"
        value = book[sheet][ref.replace("$", "")].value
        expected = getattr(deal, key)
        if isinstance(expected, dt.date):  # a workbook stores a date as a date-time
            value = value.date()
        assert value == (pytest.approx(expected) if isinstance(expected, float) else expected)
        checked.append(key)
    # floats, whole numbers, text and a date were all compared
    assert {"market_rate", "gpus", "periods_per_year", "amortization", "start_date"} <= set(checked)
    deal_range = next(iter(book.defined_names["Deal"].destinations))
    assert deal_range[0] == "Inputs"


def test_deal_named_range_loads_back_as_the_same_deal(book: openpyxl.Workbook) -> None:
    # the range the Live sheet passes to the add-in holds the deal exactly
    sheet, ref = next(iter(book.defined_names["Deal"].destinations))
    rows = [[c.value for c in row] for row in book[sheet][ref.replace("$", "")]]
    assert load_deal(rows) == read_deal(NEOCLOUD)


def test_a_floating_deal_range_loads_back_and_follows_base_rate() -> None:
    # issue 12: a floating deal's interest_rate is derived (base_rate + margin), so the Inputs
    # sheet leaves it empty: the Deal range loads back as the same deal, and an edit of
    # base_rate in Excel reaches the add-in's functions without a contradiction
    deal = load_deal(variant("floating_shock_annuity_balloon"))
    book = build_workbook(analyse(deal))
    sheet, ref = next(iter(book.defined_names["Deal"].destinations))
    rows = [[c.value for c in row] for row in book[sheet][ref.replace("$", "")]]
    assert dict(rows)["interest_rate"] is None
    assert load_deal(rows) == deal
    edited = [[k, 0.05 if k == "base_rate" else v] for k, v in rows]
    assert load_deal(edited).interest_rate == pytest.approx(0.05 + deal.margin, rel=1e-15)


def test_live_sheet_declares_array_ranges(book: openpyxl.Workbook) -> None:
    deal = read_deal(NEOCLOUD)
    arrays = {
        c.value.text: c.value.ref
        for row in book["Live"].iter_rows()
        for c in row
        if isinstance(c.value, ArrayFormula)
    }
    rows, cols = dscr_schedule(deal).shape
    first, last = arrays["=DSCR_TABLE(Deal)"].split(":")
    assert openpyxl.utils.cell.range_boundaries(f"{first}:{last}")[2:] == (
        cols,
        openpyxl.utils.cell.coordinate_to_tuple(first)[0] + rows,
    )
    assert "=LTV_TABLE(Deal)" in arrays
    # issue 12: the first waterfall events as DSCR_COVENANTS returns them: a header row, then
    # event, period, date for each kind of event
    low, top, high, bottom = openpyxl.utils.cell.range_boundaries(arrays["=DSCR_COVENANTS(Deal)"])
    assert (bottom - top + 1, high - low + 1) == (len(first_events(deal)) + 1, 3)


def _grid_top(ws: Any, header: str) -> int:
    """Row of a stress grid's header row, found by its first cell."""
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == header)


def test_stress_sheet_holds_engine_values(book: openpyxl.Workbook) -> None:
    deal = read_deal(NEOCLOUD)
    ws = book["Stress"]
    head = _grid_top(ws, "Decline / utilization")
    grid = np.array(
        [
            [ws.cell(row=head + 1 + i, column=2 + j).value for j in range(STRESS_UTILIZATIONS.size)]
            for i in range(STRESS_DECLINES.size)
        ]
    )
    expected = min_dscr_grid(deal, STRESS_DECLINES[:, None], STRESS_UTILIZATIONS[None, :])
    np.testing.assert_allclose(grid.astype(float), expected, rtol=1e-12)
    assert ws.cell(row=head + 1, column=1).value == 0.0
    assert ws.cell(row=head + STRESS_DECLINES.size, column=1).value == pytest.approx(0.60)
    # breakeven row, at the deal's utilization (80%, column 8): addin.analytics.dscr's own breakeven
    row = head + 1 + STRESS_DECLINES.size
    assert ws.cell(row=row, column=1).value == "Breakeven decline at 1.00x"
    assert ws.cell(row=row, column=8).value == pytest.approx(breakeven_decline(deal), abs=1e-10)
    assert ws.conditional_formatting  # colour scale and covenant marking


def test_collateral_sheet_holds_the_ltv_table(book: openpyxl.Workbook) -> None:
    table = ltv_schedule(read_deal(NEOCLOUD))
    ws = book["Collateral"]
    head = next(r for r in range(1, 40) if ws.cell(row=r, column=1).value == "Period")
    got = [ws.cell(row=head + 1 + k, column=8).value for k in range(len(table))]
    np.testing.assert_allclose(got, table["liquidation_value"], rtol=1e-12)
    assert ws.cell(row=head, column=13).value == "LTV liquidation"


def test_summary_flags_and_their_rules(book: openpyxl.Workbook) -> None:
    texts = [c.value for row in book["Summary"].iter_rows() for c in row if c.value]
    # issue 14: the example's base case defaults in month 37, so no flag is green
    assert {"RED", "AMBER"} <= set(texts)
    assert "GREEN" not in texts
    for label in (
        "Recommendation",
        "Key risks",
        "Mitigants",
        "Min DSCR",
        "LLCR at close",
        "Min LLCR (loan life)",
        "Underwater from",
        "Duration mismatch (WAL / half-life)",
    ):
        assert label in texts
    sources = [c.value for row in book["Sources and assumptions"].iter_rows() for c in row]
    assert any("Epoch AI" in str(v) for v in sources)
    assert any("green from the lock-up level" in str(v) for v in sources)


def test_look_and_print_setup(book: openpyxl.Workbook) -> None:
    """Issue 14, paper: fit to the page width, never to one page; header rows repeated."""
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape"  # every memo sheet is wide
        # manual page breaks (a split table, charts, blocks kept on one page): a fixed scale
        if ws.title in ("Summary", "Cash flow", "Stress", "Charts", "Risk"):
            assert not ws.sheet_properties.pageSetUpPr.fitToPage
            assert 73 <= int(ws.page_setup.scale) <= 100  # 11 pt text at >= 8 pt
        else:
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            # the Live sheet's 22-column DSCR_TABLE needs two pages across at >= 8 pt
            across = 2 if ws.title == "Live" else 1
            assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (across, 0)
            assert ws.print_title_cols == ("$A:$A" if across > 1 else None)
        assert ws.oddHeader.left.text == "Neocloud H100 fleet (example)"
        assert ws.oddFooter.left.text == "Confidential"
        assert "&P" in ws.oddFooter.center.text
    repeated = {ws.title: ws.print_title_rows for ws in book.worksheets if ws.print_title_rows}
    assert repeated == {
        "Inputs": "$4:$4",
        "Cash flow": f"${HEADER_ROW}:${HEADER_ROW}",
        "Checks": "$5:$5",
        "Collateral": "$14:$14",
    }
    cash = book[CASH_FLOW]
    keys = [c.key for c in period_columns(read_deal(NEOCLOUD))]
    # printed in two parts, the debt part starting with the period again
    (split,) = cash.col_breaks.brk
    assert keys[split.id - 1 : split.id + 1] == ["cfads", "period_again"]
    charts = book["Charts"]
    assert [b.id for b in charts.row_breaks.brk] == [23]  # the second chart starts a page
    # no stress grid is cut by a page's end: a break before each grid that would be
    # (neocloud: three grids of 17 rows, too many for one landscape page at 100%)
    stress = book["Stress"]
    starts = [
        r for r in range(1, stress.max_row + 1)
        if str(stress.cell(row=r, column=1).value or "").startswith("Min DSCR: annual rent")
    ]  # fmt: skip
    assert len(starts) == 3
    assert [b.id for b in stress.row_breaks.brk] == [starts[1] - 1, starts[2] - 1]
    row = FIRST_ROW
    assert cash.cell(row=row, column=keys.index("dscr") + 1).number_format.startswith('0.00"x"')
    assert cash.cell(row=row, column=keys.index("revenue") + 1).number_format.startswith("#,##0")
    assert cash.cell(row=row, column=keys.index("billed_share") + 1).number_format == "0.0%"
    inputs = book["Inputs"]
    assert inputs.freeze_panes == "A5"
    assert inputs["B5"].fill.fgColor.rgb.endswith("FFF2CC")  # inputs styled apart
    assert book["Charts"]._charts
    assert len(book["Charts"]._charts) == 2


def test_user_text_is_never_a_formula(tmp_path: Path) -> None:
    deal = load_deal({**BASE_DEAL, "name": "@SUM(1) & Co", "borrower": UNSAFE})
    path = tmp_path / "unsafe.xlsx"
    write_memo(deal, path)
    with zipfile.ZipFile(path) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/"))
    formulas = re.findall(rb"<f>(.*?)</f>", xml)
    assert formulas
    assert not any(b"HYPERLINK" in f or b"SUM(1)" in f for f in formulas)
    assert b"<t>=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)</t>" in xml or (
        b'<t>=HYPERLINK("http://x","y")</t>' in xml
    )
    wb = openpyxl.load_workbook(path)
    cell = wb["Inputs"]["B6"]  # borrower
    assert (cell.value, cell.data_type, cell.quotePrefix) == (UNSAFE, "s", True)
    assert wb["Summary"].oddHeader.left.text == "@SUM(1) && Co"  # & escaped in headers


@settings(deadline=None)
@given(text=st.text(min_size=1, max_size=40).filter(lambda t: t.strip()))
def test_any_borrower_text_round_trips_as_text(text: str) -> None:
    wb = openpyxl.Workbook()
    put_text(wb.active, "A1", text)
    from io import BytesIO

    buffer = BytesIO()
    wb.save(buffer)
    cell = openpyxl.load_workbook(BytesIO(buffer.getvalue())).active["A1"]
    # control characters dropped, line breaks stored as \n (XML normalizes \r)
    cleaned = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", re.sub(r"\r\n?", "\n", text))
    assert cell.value == (cleaned or None)
    if cleaned:
        assert cell.data_type == "s"


def test_no_overwrite_without_force(tmp_path: Path) -> None:
    deal = read_deal(NEOCLOUD)
    path = tmp_path / "m.xlsx"
    write_memo(deal, path)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match=r"m\.xlsx: exists; allowed: .*--force"):
        write_memo(deal, path)
    assert path.read_bytes() == before
    write_memo(deal, path, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.xlsx"]


def test_failed_save_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_save(self: Any, file: Any) -> None:
        file.write(b"half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OutputError, match=r"m.xlsx: cannot be written \(No space left on device\)"):
        write_memo(read_deal(NEOCLOUD), tmp_path / "m.xlsx")
    assert list(tmp_path.iterdir()) == []


def _deal_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "annual_decline = 1.5",
            r"bad\.toml: line 1, column 18: annual_decline: got 1\.5; allowed: a number >= 0",
        ),
        (
            "anual_decline = 0.3",
            r"bad\.toml: line 1, column 1: unknown key 'anual_decline'; did you mean "
            r"'annual_decline'\?",
        ),
        (
            "annual_decline = = 0.3",
            r"bad\.toml: is not valid TOML at line 1, column 18 \(key 'annual_decline'\)",
        ),
    ],
)
def test_bad_deal_exit_2_names_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    lines = [f"{k} = {v!r}" for k, v in BASE_DEAL.items() if k != "annual_decline"]
    bad = _deal_file(tmp_path, "bad.toml", "\n".join([text, *lines]).replace("'", '"'))
    out = tmp_path / "out"
    assert main(["memo", str(bad), "-o", str(out)]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()  # nothing left behind: no memo, no temp file, no summary


def test_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memo", str(tmp_path / "nope.toml"), "-o", str(tmp_path)]) == 2
    assert "nope.toml: cannot be read" in capsys.readouterr().err


def test_exists_without_force_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memo", str(NEOCLOUD), "-o", str(tmp_path), "--jobs", "1"]) == 0
    memo = tmp_path / "neocloud_h100_memo.xlsx"
    before = memo.read_bytes()
    assert main(["memo", str(NEOCLOUD), "-o", str(tmp_path), "--jobs", "1"]) == 2
    assert "neocloud_h100_memo.xlsx: exists; allowed: a new file name, or --force" in (
        capsys.readouterr().err
    )
    assert memo.read_bytes() == before
    assert main(["memo", str(NEOCLOUD), "-o", str(tmp_path), "--jobs", "1", "--force"]) == 0


def test_example_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert read_deal(example_deal_path()) == read_deal(NEOCLOUD)
    assert main(["memo", "--example", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'example_memo.xlsx'}" in out
    assert openpyxl.load_workbook(tmp_path / "example_memo.xlsx").sheetnames == list(SHEETS)
    assert [p.name for p in tmp_path.iterdir()] == ["example_memo.xlsx"]  # one deal: no summary


def test_parallel_batch_one_bad_deal_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _deal_file(tmp_path, "broken.toml", 'name = "x"\ngpus = -5\n')
    out = tmp_path / "out"
    code = main(["memo", str(NEOCLOUD), str(bad), str(MINER), "-o", str(out), "--jobs", "2"])
    assert code == 2
    captured = capsys.readouterr()
    assert "broken.toml: line 2, column 8: gpus: got -5; allowed: a whole number >= 1" in (
        captured.err
    )
    assert "2/3" in captured.err
    assert "3/3" in captured.err
    memos = sorted(p.name for p in out.glob("*_memo.xlsx"))
    assert memos == ["miner_spot_h100_memo.xlsx", "neocloud_h100_memo.xlsx"]
    for name in ("neocloud_h100.toml", "broken.toml", "miner_spot_h100.toml"):
        assert name in captured.out  # the printed summary table
    (summary,) = out.glob("memo_summary_*.xlsx")
    ws = openpyxl.load_workbook(summary).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert [Path(r[0]).name for r in rows] == [
        "neocloud_h100.toml",
        "broken.toml",
        "miner_spot_h100.toml",
    ]
    assert rows[0][4] == pytest.approx(analyse(read_deal(NEOCLOUD)).summary.min_dscr)
    assert "gpus: got -5" in rows[1][-1]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_same_memo_name_twice_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "copy"
    other.mkdir()
    twin = _deal_file(other, "neocloud_h100.toml", NEOCLOUD.read_text())
    assert main(["memo", str(NEOCLOUD), str(twin), "-o", str(tmp_path), "--jobs", "1"]) == 2
    assert "writes the same memo" in capsys.readouterr().err


def test_no_deal_and_bad_jobs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memo"]) == 2
    assert "give one or more deal files" in capsys.readouterr().err
    assert main(["memo", "--example", "--jobs", "0"]) == 2
    assert "--jobs: got 0; allowed: a whole number >= 1" in capsys.readouterr().err


def test_intake_workbook_as_deal(tmp_path: Path) -> None:
    from addin.io.intake import write_intake

    intake = write_intake(tmp_path / "intake.xlsx", read_deal(MINER))
    assert main(["memo", str(intake), "-o", str(tmp_path), "--jobs", "1"]) == 0
    assert (tmp_path / "intake_memo.xlsx").exists()


def test_without_market_absorption_the_memo_still_builds() -> None:
    deal: Deal = load_deal(BASE_DEAL)
    data = analyse(deal)
    wb = build_workbook(data)
    assert "Liquidation value" not in chart_series(data.collateral)
    texts = [c.value for row in wb["Collateral"].iter_rows() for c in row]
    assert "need market_absorption" in texts


def test_pdf_without_libreoffice_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("addin.io.office.find_soffice", lambda: None)
    assert main(["memo", "--example", "--pdf", "-o", str(tmp_path)]) == 2
    assert "--pdf needs LibreOffice (soffice)" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_batch_summary_shows_the_waterfall_events(tmp_path: Path) -> None:
    # issue 12: the printed summary and the summary workbook carry min LLCR, PLCR, the first
    # payment default, covenant default and LTV breach with their dates, and the expiry
    # cliff; the values in are the values out (a failed deal shows none of them)
    from addin.memo.batch import Outcome, format_summary, summary_frame, write_summary_workbook

    metrics = {
        "deal": "D", "borrower_type": "neocloud", "loan_usd": 85e6, "min_dscr": 0.5,
        "flat_min_dscr": 1.8, "llcr": 1.26, "breakeven_decline": 0.07,
        "first_default_breach": 37, "min_llcr": 0.41, "plcr": 1.52,
        "first_payment_default": 37, "first_payment_default_date": dt.date(2029, 2, 1),
        "first_covenant_default": 42, "first_covenant_default_date": dt.date(2029, 7, 1),
        "first_ltv_breach": None, "first_ltv_breach_date": None,
        "contract_expiry_cliff": -3_182_226.0, "ltv_close_book": 0.75,
        "ltv_close_liquidation": 1.08, "red_flags": 4,
    }  # fmt: skip
    outcomes = [
        Outcome(Path("deals/a.toml"), memo_path=tmp_path / "a_memo.xlsx", metrics=metrics),
        Outcome(Path("deals/bad.toml"), error="deals/bad.toml: gpus: got -5"),
    ]
    frame = summary_frame(outcomes)
    text = format_summary(frame)
    coverage, events = text.split("\n\n")
    assert coverage.splitlines()[0].split()[-5:] == ["PLCR", "breakeven", "red", "flags", "result"]
    assert "0.41x" in coverage
    assert "1.52x" in coverage
    header, *rows = events.splitlines()
    assert "first payment default" in header
    assert len(rows) == 1  # the failed deal has no events row
    for shown in ("a.toml", "period 37 (2029-02-01)", "period 42 (2029-07-01)", "none", "-3,182"):
        assert shown in rows[0]
    ws = openpyxl.load_workbook(write_summary_workbook(frame, tmp_path)).active
    header = [c.value for c in ws[3]]
    row = dict(zip(header, [c.value for c in ws[4]], strict=True))
    assert row["Min LLCR (loan life)"] == 0.41
    assert row["PLCR"] == 1.52
    assert row["First payment default"] == 37
    assert row["Payment default date"] == dt.datetime(2029, 2, 1)
    assert row["Covenant default date"] == dt.datetime(2029, 7, 1)
    assert row["First LTV breach"] is None
    assert row["Contract-expiry cliff USD per period"] == -3_182_226.0
