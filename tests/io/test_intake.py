"""The deal intake workbook: written by openpyxl, read back strictly and safely."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin.cli import main
from addin.io.deal_files import read_deal
from addin.io.intake import (
    FIRST_ROW,
    MAX_FILE_BYTES,
    SHEET,
    key_row,
    read_intake,
    write_intake,
)
from addin.model.deal import KEY_SPECS
from addin.model.errors import DealFileError, OutputExistsError
from tests.deals import BASE_DEAL, EXAMPLES

NEOCLOUD = EXAMPLES / "neocloud_h100.toml"


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    return write_intake(tmp_path / "deal.xlsx", read_deal(NEOCLOUD))


def _edit(path: Path, edit: Any) -> Path:
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


def _replace_part(path: Path, part: str, data: bytes) -> Path:
    out = path.with_name("patched.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, data if item.filename == part else src.read(item.filename))
    return out


def test_defusedxml_protects_openpyxl() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_round_trip_gives_the_same_deal_as_the_toml(filled: Path) -> None:
    assert read_intake(filled) == read_deal(NEOCLOUD)
    assert read_deal(filled) == read_deal(NEOCLOUD)  # read_deal dispatches on .xlsx


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
def test_every_example_round_trips(tmp_path: Path, path: Path) -> None:
    deal = read_deal(path)
    assert read_intake(write_intake(tmp_path / "x.xlsx", deal)) == deal


def test_layout_one_row_per_key_with_help_and_validation(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write_intake(tmp_path / "blank.xlsx"))[SHEET]
    for key, spec in KEY_SPECS.items():
        row = key_row(key)
        assert ws[f"A{row}"].value == key
        assert ws[f"B{row}"].value is None  # blank form
        assert ws[f"C{row}"].value == (spec.unit or None)
        assert ws[f"E{row}"].value == spec.allowed()
        assert spec.help in ws[f"B{row}"].comment.text
        assert ws[f"B{row}"].protection.locked is False
    assert ws.protection.sheet is True
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    amortization = rules[f"B{key_row('amortization')}"]
    assert amortization.type == "list"
    assert amortization.formula1 == '"annuity,linear,bullet,sculpted"'
    decline = rules[f"B{key_row('annual_decline')}"]
    assert (decline.type, decline.operator, decline.formula1, decline.formula2) == (
        "decimal",
        "between",
        "0",
        "0.99",
    )
    assert rules[f"B{key_row('gpus')}"].type == "whole"


def test_blank_form_reports_the_first_required_key(tmp_path: Path) -> None:
    path = write_intake(tmp_path / "blank.xlsx")
    with pytest.raises(DealFileError, match=r"blank\.xlsx: cell B5: name: is required but empty"):
        read_intake(path)


def test_bad_value_names_file_cell_key_and_allowed(filled: Path) -> None:
    row = key_row("annual_decline")
    _edit(filled, lambda wb: wb[SHEET].cell(row=row, column=2, value=1.5))
    with pytest.raises(DealFileError) as caught:
        read_intake(filled)
    message = str(caught.value)
    assert message.startswith(f"{filled}: cell B{row}: annual_decline: got 1.5; allowed: ")
    assert "<= 0.99" in message


def test_same_error_as_a_toml_file(tmp_path: Path, filled: Path) -> None:
    toml = tmp_path / "bad.toml"
    toml.write_text(NEOCLOUD.read_text().replace("annual_decline = 0.30", "annual_decline = 1.5"))
    _edit(filled, lambda wb: wb[SHEET].cell(row=key_row("annual_decline"), column=2, value=1.5))
    with pytest.raises(DealFileError) as from_toml:
        read_deal(toml)
    with pytest.raises(DealFileError) as from_xlsx:
        read_deal(filled)
    # file: where (a line and column, a cell): the same message
    toml_where, toml_message = str(from_toml.value).split(": ", 2)[1:]
    xlsx_where, xlsx_message = str(from_xlsx.value).split(": ", 2)[1:]
    assert (toml_where, xlsx_where) == ("line 16, column 18", f"cell B{key_row('annual_decline')}")
    assert toml_message == xlsx_message


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    values = {**BASE_DEAL, "borrower": '=HYPERLINK("http://x","y")', "name": "@SUM(1)"}
    path = write_intake(tmp_path / "x.xlsx", values)
    deal = read_intake(path)
    assert (deal.borrower, deal.name) == ('=HYPERLINK("http://x","y")', "@SUM(1)")
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet


def test_formula_in_a_value_cell_is_refused(filled: Path) -> None:
    row = key_row("gpus")
    _edit(filled, lambda wb: wb[SHEET].cell(row=row, column=2, value="=2000*2"))
    with pytest.raises(DealFileError, match=rf"cell B{row} \(gpus\): holds a formula"):
        read_intake(filled)


def test_moved_row_is_refused(filled: Path) -> None:
    _edit(filled, lambda wb: wb[SHEET].cell(row=FIRST_ROW + 2, column=1, value="gpus"))
    with pytest.raises(DealFileError, match=rf"cell A{FIRST_ROW + 2}: got 'gpus'; allowed: "):
        read_intake(filled)


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("H10", "got 0.3; allowed: values only in"),
        ("A200", "got 0.3; allowed: values only in"),
        # Past the form's largest shape: refused before openpyxl builds the sheet.
        ("XFD1048576", "too large; allowed: within A1:Z1000"),
        ("C2", "got 0.3; allowed: values only in"),
    ],
)
def test_values_outside_the_form_are_refused(filled: Path, where: str, problem: str) -> None:
    _edit(filled, lambda wb: wb[SHEET].__setitem__(where, 0.3))
    with pytest.raises(DealFileError, match=rf"(cell|dimension) '?(A1:)?{where}'?: {problem}"):
        read_intake(filled)


def test_other_sheets_are_refused(filled: Path) -> None:
    _edit(filled, lambda wb: wb.create_sheet("Notes"))
    with pytest.raises(DealFileError, match=r"has sheets \['Deal intake', 'Notes'\]; allowed: one"):
        read_intake(filled)


def test_not_an_intake_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(DealFileError, match=r"has sheets \['Sheet'\]; allowed: one sheet named"):
        read_intake(path)


def test_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    path.write_bytes(b"\0" * (MAX_FILE_BYTES + 1))
    with pytest.raises(DealFileError, match=r"huge\.xlsx: is 2,000,001 bytes; allowed: an intake"):
        read_intake(path)


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "text.xlsx"
    path.write_text("name = 'x'")
    with pytest.raises(DealFileError, match=r"is not an \.xlsx workbook \(not a zip archive\)"):
        read_intake(path)


def test_zip_bomb_is_refused_before_parsing(filled: Path) -> None:
    bomb = _replace_part(filled, "xl/worksheets/sheet1.xml", b" " * 30_000_000)
    assert bomb.stat().st_size < MAX_FILE_BYTES  # small on disk, 30 MB inside
    with pytest.raises(DealFileError, match=r"expands to \d+ parts, [\d,]+ bytes; allowed: at"):
        read_intake(bomb)


def test_xml_entity_attack_is_refused(filled: Path) -> None:
    # "billion laughs": nested entities that expand exponentially if a parser allows DTDs
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    attack = _replace_part(filled, "xl/worksheets/sheet1.xml", laughs)
    start = time.perf_counter()
    with pytest.raises(DealFileError, match=r"cannot be read as a workbook \(\w*Forbidden"):
        read_intake(attack)
    assert time.perf_counter() - start < 10


def test_malformed_xml_is_refused(filled: Path) -> None:
    broken = _replace_part(filled, "xl/worksheets/sheet1.xml", b"<worksheet><sheetData>")
    with pytest.raises(DealFileError, match=r"patched\.xlsx: cannot be read as a workbook"):
        read_intake(broken)


def test_write_does_not_overwrite_without_force(filled: Path) -> None:
    before = filled.read_bytes()
    with pytest.raises(OutputExistsError, match=r"deal\.xlsx: exists; allowed: .*--force"):
        write_intake(filled)
    assert filled.read_bytes() == before
    write_intake(filled, force=True)
    assert filled.read_bytes() != before


def test_cli_intake_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "new.xlsx"
    assert main(["intake", "new", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    assert main(["intake", "new", str(path)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["intake", "new", str(path), "--from", str(NEOCLOUD), "--force"]) == 0
    assert read_intake(path) == read_deal(NEOCLOUD)
