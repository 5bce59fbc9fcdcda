"""Files from outside cannot break the add-in (issue 11, items 1-3 and 11).

Each test builds the small attack file the issue describes and checks the file is refused
with a one-line message naming what is too large, before openpyxl builds anything: the
refusal costs little memory (traced here), and the CLI exits 2 with no traceback.
"""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from addin.cli import main
from addin.io.deal_files import MAX_DEAL_FILE_BYTES, read_deal
from addin.io.intake import MAX_MERGED, key_row, write_intake
from addin.model.errors import DealFileError
from tests.deals import EXAMPLES

SHEET_PART = "xl/worksheets/sheet1.xml"
PEAK_BYTES = 200e6  # issue 11: every such file is refused with at most 200 MB peak


@pytest.fixture
def form(tmp_path: Path) -> Path:
    return write_intake(tmp_path / "form.xlsx", read_deal(EXAMPLES / "neocloud_h100.toml"))


def patched(form: Path, after_rows: str, rows: bytes | None = None) -> Path:
    """A copy of the form with XML added after </sheetData>, or with its rows replaced."""
    out = form.with_name("attack.xlsx")
    with zipfile.ZipFile(form) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == SHEET_PART:
                head, rest = data.split(b"<sheetData>", 1)
                old_rows, tail = rest.split(b"</sheetData>", 1)
                new_rows = old_rows if rows is None else rows
                data = (
                    head + b"<sheetData>" + new_rows + b"</sheetData>" + after_rows.encode() + tail
                )
            dst.writestr(item, data)
    return out


def refused(path: Path, message: str) -> None:
    """The file is refused naming the problem, under the memory bound, and the CLI exits 2."""
    tracemalloc.start()
    try:
        with pytest.raises(DealFileError, match=message):
            read_deal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES
    assert main(["intake", "new", str(path.with_name("out.xlsx")), "--from", str(path)]) == 2
    assert not path.with_name("out.xlsx").exists()


@pytest.mark.parametrize("ref", ["H1:XFD1048576", "H1:Z200000"])
def test_merged_cell_bomb_is_refused_before_openpyxl_builds_it(form: Path, ref: str) -> None:
    # 15 kB on disk; openpyxl alone would build ~17 billion merged-cell objects for the first.
    attack = patched(form, f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>')
    assert attack.stat().st_size < 30_000
    refused(attack, rf"mergeCell '{ref}': too large; allowed: within A1:Z1000")


def test_many_merged_ranges_are_refused(form: Path) -> None:
    cells = "".join(f'<mergeCell ref="G{r}:H{r}"/>' for r in range(1, MAX_MERGED + 2))
    attack = patched(form, f'<mergeCells count="{MAX_MERGED + 1}">{cells}</mergeCells>')
    refused(attack, rf"holds more than {MAX_MERGED} merged ranges")


def test_huge_sheet_of_one_cell_rows_is_refused(form: Path) -> None:
    # Rows without r="..." number themselves: 700,000 of them zip to about 60 kB.
    attack = patched(form, "", b"<row><c><v>1</v></c></row>" * 700_000)
    assert attack.stat().st_size < 200_000
    refused(attack, r"row 'A1001': too large; allowed: within A1:Z1000")


def test_a_million_empty_rows_are_refused(form: Path) -> None:
    attack = patched(form, "", b"<row/>" * 1_000_000)
    refused(attack, r"row 'A1001': too large; allowed: within A1:Z1000")


def test_a_row_far_down_is_refused(form: Path) -> None:
    attack = patched(form, "", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>')
    refused(attack, r"row 'A1048576': too large")


def test_oversized_toml_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(f'name = "{"x" * (MAX_DEAL_FILE_BYTES + 10)}"\n', encoding="utf-8")
    with pytest.raises(
        DealFileError,
        match=r"big.toml: is 1,000,020 bytes; allowed: a deal file \(.toml\) of at most 1,000,000 bytes",
    ):
        read_deal(path)
    assert main(["dscr", str(path)]) == 2


@pytest.mark.parametrize("target", ["/dev/zero", "folder", "fifo"])
def test_a_deal_file_that_is_not_a_regular_file_is_refused(tmp_path: Path, target: str) -> None:
    if target == "folder":
        (tmp_path / "folder").mkdir()
        target = str(tmp_path / "folder")
    elif target == "fifo":
        os.mkfifo(tmp_path / "fifo")  # opened without blocking, then refused
        target = str(tmp_path / "fifo")
    link = tmp_path / "deal.toml"
    link.symlink_to(target)
    with pytest.raises(DealFileError, match=r"deal.toml: (is not a regular file|cannot be read)"):
        read_deal(link)
    assert main(["dscr", str(link)]) == 2


def test_toml_errors_name_the_line_the_column_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.toml"
    path.write_text('name = "x"\ngpus = 8\ngpus = 9\n', encoding="utf-8")
    with pytest.raises(
        DealFileError, match=r"at line 3, column 9 \(key 'gpus'\): Cannot overwrite"
    ):
        read_deal(path)
    path.write_text('name = "x"\nstart_date = 2026-02-30\n', encoding="utf-8")
    with pytest.raises(
        DealFileError, match=r"at line 2, column 14 \(key 'start_date'\): Invalid date"
    ):
        read_deal(path)


def test_text_in_a_number_cell_names_the_cell(form: Path) -> None:
    # A borrower's tool wrote "abc" into a cell it marks as a number.
    with zipfile.ZipFile(form) as src:
        sheet = src.read(SHEET_PART)
    cell = f"B{key_row('gpus')}"
    start = sheet.index(b"<v>", sheet.index(f'<c r="{cell}"'.encode()))
    end = sheet.index(b"</v>", start)
    attack = form.with_name("abc.xlsx")
    with zipfile.ZipFile(form) as src, zipfile.ZipFile(attack, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(
                item,
                sheet[: start + 3] + b"abc" + sheet[end:] if item.filename == SHEET_PART else data,
            )
    with pytest.raises(DealFileError, match=rf"cell {cell}: got 'abc'; allowed: a number"):
        read_deal(attack)


def test_dscr_with_a_nan_decline_prints_only_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dscr", str(EXAMPLES / "neocloud_h100.toml"), "--decline", "nan"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "annual_decline: got nan" in err
