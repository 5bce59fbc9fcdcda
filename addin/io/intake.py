"""The deal intake workbook: a blank form for a deal, and reading a filled one back.

:func:`write_intake` writes one sheet, ``Deal intake``, with a row per deal key: its
value cell (yellow, the only unlocked cell), unit, default, allowed values (also as
Excel data validation: a list for choices, a range for numbers) and help (also as a
comment on the value cell). :func:`read_intake` reads a filled copy back through the
same deal model as TOML files, so both give the same errors, and accepts only what it
wrote: the one sheet, the keys in their rows, values in column B.

Reading is defensive, because intake workbooks come from borrowers: the file must be a
regular file of at most :data:`MAX_FILE_BYTES` that expands to at most
:data:`MAX_UNZIPPED_BYTES`; before openpyxl builds anything, every worksheet's XML is
streamed once and refused if a row, cell, merged range or declared dimension reaches past
:data:`MAX_ROWS` x :data:`MAX_COLUMNS` or the sheet holds more than :data:`MAX_CELLS` cells
or :data:`MAX_MERGED` merged ranges (a one-line ``<mergeCell ref="H1:XFD1048576"/>`` would
otherwise make openpyxl build 17 billion objects). openpyxl then parses the XML with
defusedxml (XML attack protection), and reading refuses to run without it.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "deal.xlsx"
>>> _ = write_intake(path, {"name": "Demo", "gpus": 512, "market_rate": 2.0,
...                         "loan_amount": 1e7, "interest_rate": 0.1, "tenor_years": 4})
>>> read_intake(path).gpus
512
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
from defusedxml import DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import ParseError, iterparse
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.utils.cell import get_column_letter, range_boundaries

from addin.io.files import read_bounded
from addin.io.xlsx import (
    font,
    key_validation,
    print_setup,
    put,
    put_text,
    save_workbook,
    value_format,
)
from addin.model.deal import DEFAULTS, KEY_SPECS, Deal, deal_from_mapping
from addin.model.errors import AddinError, DealFileError, InputError, OutputExistsError, show_value

SHEET = "Deal intake"
FORMAT_MARK = "gpucredit intake v1"
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
COLUMNS = ("Key", "Value", "Unit", "Default", "Allowed", "Help")
MAX_FILE_BYTES = 2_000_000  # an intake workbook is ~20 kB
MAX_UNZIPPED_BYTES = 20_000_000
MAX_ZIP_MEMBERS = 50
MAX_ROWS = 1_000  # the form has one row per deal key (under 100)
MAX_COLUMNS = 26  # A to Z; the form uses A to F
MAX_CELLS = 20_000
MAX_MERGED = 100
_SHEET_PARTS = "xl/worksheets/"
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")


def key_row(key: str) -> int:
    """Row of a deal key's value on the intake sheet.

    Examples
    --------
    >>> key_row("name"), f"B{key_row('annual_decline')}"
    (5, 'B13')
    """
    return FIRST_ROW + list(KEY_SPECS).index(key)


def _show_default(key: str) -> Any:
    default = DEFAULTS.get(key, dataclasses.MISSING)
    if default is dataclasses.MISSING:
        return "(required)"
    if default is None:
        return "(empty)"
    return default


def write_intake(
    path: str | Path, values: Mapping[str, Any] | Deal | None = None, force: bool = False
) -> Path:
    """Write an intake workbook, blank or filled with a deal's values.

    Parameters
    ----------
    path : str or Path
        Where to write it (``.xlsx``).
    values : mapping or Deal, optional
        Values to fill in (keys as in the deal model); default none (a blank form).
    force : bool, default False
        Overwrite an existing file.

    Returns
    -------
    Path
        The file written (through a temporary file, moved into place).

    Raises
    ------
    OutputExistsError
        The file exists and ``force`` is False.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError("FILE", str(path), "a file name ending in .xlsx")
    if path.exists() and not force:
        raise OutputExistsError(str(path))
    given = values.to_dict() if isinstance(values, Deal) else dict(values or {})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    put_text(ws, "A1", "GPU Credit Desk: deal intake", font(size=14, bold=True, color="1F3864"))
    put_text(
        ws,
        "A2",
        "Fill the yellow Value cells; leave one empty for its default. Then run: "
        "gpucredit memo THIS_FILE.xlsx. Do not move rows or add sheets.",
        font(italic=True),
    )
    put_text(ws, "A3", FORMAT_MARK, font(color="808080"))
    for col, label in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=label)
        cell.font = font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
    for key, spec in KEY_SPECS.items():
        row = key_row(key)
        put_text(ws, f"A{row}", key, font(bold=True))
        value = given.get(key)
        if isinstance(value, str):
            put_text(ws, f"B{row}", value)
        else:
            put(ws, f"B{row}", value)
        cell = ws[f"B{row}"]
        cell.number_format = value_format(key)
        cell.fill = _INPUT_FILL
        cell.font = font(color="0000FF")
        cell.protection = Protection(locked=False)
        cell.comment = Comment(
            f"{key}: {spec.help}\nAllowed: {spec.allowed()}",
            "GPU Credit Desk",
            width=320,
            height=110,
        )
        rule = key_validation(key)
        ws.add_data_validation(rule)
        rule.add(f"B{row}")
        put_text(ws, f"C{row}", spec.unit)
        default = _show_default(key)
        if isinstance(default, str):
            put_text(ws, f"D{row}", default)
        else:
            put(ws, f"D{row}", default, value_format(key))
        put_text(ws, f"E{row}", spec.allowed())
        put_text(ws, f"F{row}", spec.help)
        for column in "ABCDEF":
            ws[f"{column}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (24, 30, 26, 14, 44, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"C{FIRST_ROW}"
    print_setup(ws, "Deal intake", f"{HEADER_ROW}:{HEADER_ROW}")
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    return save_workbook(wb, path, force)


def _check_container(path: Path, data: bytes, form: str = "an intake form") -> None:
    """Refuse data that is not a zip file, expands too much, or holds sheets too large."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DealFileError(str(path), "is not an .xlsx workbook (not a zip archive)")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        unzipped = sum(member.file_size for member in members)
        if len(members) > MAX_ZIP_MEMBERS or unzipped > MAX_UNZIPPED_BYTES:
            raise DealFileError(
                str(path),
                f"expands to {len(members)} parts, {unzipped:,} bytes; allowed: at most "
                f"{MAX_ZIP_MEMBERS} parts and {MAX_UNZIPPED_BYTES:,} bytes",
            )
        try:
            _check_sheet_shapes(path, archive, form)
        except (ParseError, EntitiesForbidden, DTDForbidden, zipfile.BadZipFile) as error:
            detail = " ".join(f"{type(error).__name__}: {error}".split())[:200]
            raise DealFileError(str(path), f"cannot be read as a workbook ({detail})") from None


def _check_sheet_shapes(path: Path, archive: zipfile.ZipFile, form: str) -> None:
    """Stream each worksheet's XML once and refuse a sheet larger than the form can be.

    Costs one pass over at most :data:`MAX_UNZIPPED_BYTES` of XML with constant memory, and
    stops at the first row, cell, merged range or dimension past the bounds, or at a
    number cell whose text is not a number (openpyxl would fail on it naming no cell).
    """
    for member in archive.infolist():
        if not (member.filename.startswith(_SHEET_PARTS) and member.filename.endswith(".xml")):
            continue
        cells = merged = row = 0
        cell, numeric = "", False
        with archive.open(member) as stream:
            for event, element in iterparse(stream, events=("start", "end")):
                tag = element.tag.rsplit("}", 1)[-1]
                if event == "end":
                    if tag == "v" and numeric and element.text and not _is_number(element.text):
                        raise DealFileError(
                            str(path),
                            f"cell {cell}: got {show_value(element.text)}; allowed: a number "
                            "(the file marks the cell as one)",
                        )
                    element.clear()
                    continue
                if tag in ("dimension", "mergeCell"):
                    merged += tag == "mergeCell"
                    _check_area(path, tag, element.get("ref", ""), form)
                elif tag == "row":  # a row without r="..." is the one after the last
                    given = element.get("r")
                    row = int(given) if given and given.isdigit() else row + 1
                    _check_area(path, tag, f"A{row}", form)
                elif tag == "c":
                    cells += 1
                    cell = element.get("r") or f"in row {row}"
                    numeric = element.get("t", "n") == "n"
                    if element.get("r"):
                        _check_area(path, "cell", cell, form)
                if cells > MAX_CELLS or merged > MAX_MERGED:
                    what = (
                        f"{MAX_CELLS:,} cells"
                        if cells > MAX_CELLS
                        else f"{MAX_MERGED} merged ranges"
                    )
                    raise DealFileError(
                        str(path),
                        f"sheet {member.filename} holds more than {what}; allowed: {form}",
                    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_area(path: Path, what: str, ref: str, form: str) -> None:
    """Refuse a cell reference or range reaching past row MAX_ROWS or column MAX_COLUMNS."""
    try:
        low_col, low_row, high_col, high_row = range_boundaries(ref.replace("$", ""))
    except (TypeError, ValueError):
        raise DealFileError(str(path), f"{what} {show_value(ref)}: not a cell reference") from None
    if (high_row or low_row or 0) > MAX_ROWS or (high_col or low_col or 0) > MAX_COLUMNS:
        raise DealFileError(
            str(path),
            f"{what} {show_value(ref)}: too large; allowed: within A1:"
            f"{get_column_letter(MAX_COLUMNS)}{MAX_ROWS} ({form})",
        )


def _open(path: Path, data: bytes) -> Any:
    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise DealFileError(
            str(path), "cannot be opened safely: XML attack protection (defusedxml) is missing"
        )
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds on a malformed file
        root: BaseException = error
        while root.__cause__ or root.__context__:  # the parser's own error, e.g. defusedxml's
            root = root.__cause__ or root.__context__  # type: ignore[assignment]
        detail = " ".join(f"{type(root).__name__}: {root}".split())[:200]
        raise DealFileError(str(path), f"cannot be read as a workbook ({detail})") from None


def read_intake(path: str | Path) -> Deal:
    """Read a filled intake workbook into a validated :class:`Deal`.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` file written by :func:`write_intake` (``gpucredit intake new``).

    Returns
    -------
    Deal

    Raises
    ------
    DealFileError
        Naming the file and the cell (and key) at fault and what is allowed: a file too
        large, not a workbook, another sheet, a moved row, a value outside column B, a
        formula in a value cell, or a value the deal model rejects.
    """
    path = Path(path)
    data = read_bounded(path, MAX_FILE_BYTES, "an intake workbook (.xlsx)")
    _check_container(path, data, "an intake form (gpucredit intake new)")
    wb = _open(path, data)
    if wb.sheetnames != [SHEET]:
        raise DealFileError(
            str(path),
            f"has sheets {wb.sheetnames}; allowed: one sheet named '{SHEET}' "
            "(a workbook made by gpucredit intake new)",
        )
    ws = wb[SHEET]
    if ws["A3"].value != FORMAT_MARK:
        raise DealFileError(
            str(path),
            f"cell A3: got {show_value(ws['A3'].value)}; allowed: "
            f"'{FORMAT_MARK}' (a workbook made by gpucredit intake new)",
        )
    last = key_row(list(KEY_SPECS)[-1])
    mapping: dict[str, Any] = {}
    for key in KEY_SPECS:
        row = key_row(key)
        if ws[f"A{row}"].value != key:
            raise DealFileError(
                str(path),
                f"cell A{row}: got {show_value(ws[f'A{row}'].value)}; "
                f"allowed: '{key}' (rows must stay as generated)",
            )
        cell = ws[f"B{row}"]
        if cell.data_type == "f":
            raise DealFileError(
                str(path), f"cell B{row} ({key}): holds a formula; allowed: a typed value"
            )
        value = cell.value
        if isinstance(value, dt.time):
            raise DealFileError(
                str(path), f"cell B{row} ({key}): got a time; allowed: {KEY_SPECS[key].allowed()}"
            )
        mapping[key] = value
    # Only the cells present in the file (a cell at XFD1048576 must not cost a scan).
    for (row, column), cell in sorted(ws._cells.items()):
        inside = (row < HEADER_ROW and column == 1) or (
            HEADER_ROW <= row <= last and column <= len(COLUMNS)
        )
        if cell.value is not None and not inside:
            raise DealFileError(
                str(path),
                f"cell {cell.coordinate}: got "
                f"{show_value(cell.value)}; allowed: values only in column B of "
                f"rows {FIRST_ROW}-{last}",
            )
    try:
        return deal_from_mapping(mapping, argument=path.name)
    except AddinError as error:
        key = getattr(error, "argument", "")
        where = f"cell B{key_row(key)}: " if key in KEY_SPECS else ""
        raise DealFileError(str(path), f"{where}{error}") from None
